//! Tag-length-value bytes of TR-03151 log messages (de-tse.md §3.2): a strict DER writer (minimal
//! definite lengths, minimal two's-complement integers) and a lenient BER splitter for the verifier,
//! which must keep the raw bytes of every child, including indefinite-length elements that real TSEs
//! write (`A2 80 04 2D … 00 00`).

use crate::TseError;

/// `tag ‖ length ‖ content` with the minimal definite length.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 4);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// Appends a DER length: one byte below 128, else `0x80 | n` and n big-endian bytes.
pub(crate) fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

/// The content octets of an INTEGER: minimal two's complement (2 → `02`, 227 → `00 E3`).
pub(crate) fn int_content(value: i128) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start + 1 < bytes.len() {
        let (b, next) = (bytes[start], bytes[start + 1]);
        let redundant = (b == 0x00 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    bytes[start..].to_vec()
}

/// One element as found in the input: its raw bytes (header, content and, for indefinite length,
/// the end-of-contents octets), its first tag byte and the range of its content within `raw`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Element<'a> {
    pub raw: &'a [u8],
    pub tag: u8,
    pub content: &'a [u8],
}

/// Nesting of indefinite-length elements the reader follows (real logs use one level).
const MAX_DEPTH: usize = 8;

/// Reads the element at the start of `input`; returns it and the rest.
pub(crate) fn read(input: &[u8]) -> Result<(Element<'_>, &[u8]), TseError> {
    read_nested(input, 0)
}

fn read_nested(input: &[u8], depth: usize) -> Result<(Element<'_>, &[u8]), TseError> {
    let bad = || TseError::Malformed("ASN.1 element");
    let tag = *input.first().ok_or_else(bad)?;
    let mut pos = 1;
    if tag & 0x1F == 0x1F {
        // High tag number form: base-128 continuation bytes.
        while *input.get(pos).ok_or_else(bad)? & 0x80 != 0 {
            pos += 1;
        }
        pos += 1;
    }
    let first = *input.get(pos).ok_or_else(bad)?;
    pos += 1;
    let (content, end) = if first == 0x80 {
        // Indefinite length: only for constructed elements; children until `00 00`.
        if tag & 0x20 == 0 || depth >= MAX_DEPTH {
            return Err(bad());
        }
        let mut rest = &input[pos..];
        loop {
            if rest.starts_with(&[0, 0]) {
                let content_end = input.len() - rest.len();
                break (&input[pos..content_end], content_end + 2);
            }
            rest = read_nested(rest, depth + 1)?.1;
        }
    } else {
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7F);
            if n > 4 {
                return Err(bad());
            }
            let bytes = input.get(pos..pos + n).ok_or_else(bad)?;
            pos += n;
            bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        let end = pos.checked_add(len).ok_or_else(bad)?;
        (input.get(pos..end).ok_or_else(bad)?, end)
    };
    Ok((Element { raw: &input[..end], tag, content }, &input[end..]))
}

/// Splits `content` into its consecutive elements.
pub(crate) fn children(mut content: &[u8]) -> Result<Vec<Element<'_>>, TseError> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (e, rest) = read(content)?;
        out.push(e);
        content = rest;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_minimal() {
        // de-tse.md §3.2: 265-byte Finish message `30 82 01 05`, 208-byte Start message `30 81 CD`.
        assert_eq!(tlv(0x30, &[0; 0x105])[..4], [0x30, 0x82, 0x01, 0x05]);
        assert_eq!(tlv(0x30, &[0; 0xCD])[..3], [0x30, 0x81, 0xCD]);
        assert_eq!(tlv(0x04, &[0; 0x7F])[..2], [0x04, 0x7F]);
    }

    #[test]
    fn integers_are_minimal_twos_complement() {
        // de-tse.md §3.2 examples.
        assert_eq!(tlv(0x02, &int_content(2)), [0x02, 0x01, 0x02]);
        assert_eq!(tlv(0x85, &int_content(39)), [0x85, 0x01, 0x27]);
        assert_eq!(tlv(0x85, &int_content(227)), [0x85, 0x02, 0x00, 0xE3]);
        assert_eq!(tlv(0x02, &int_content(875)), [0x02, 0x02, 0x03, 0x6B]);
        assert_eq!(tlv(0x02, &int_content(1_591_616_083)), [0x02, 0x04, 0x5E, 0xDE, 0x22, 0x53]);
        assert_eq!(tlv(0x02, &int_content(2_147_483_648)), [0x02, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00]);
        assert_eq!(int_content(0), [0x00]);
        assert_eq!(int_content(-1), [0xFF]);
        assert_eq!(int_content(-129), [0xFF, 0x7F]);
        assert_eq!(int_content(i128::from(u64::MAX)).len(), 9);
    }

    #[test]
    fn reads_indefinite_length_and_keeps_raw_bytes() {
        // The D-Trust shape of de-tse.md §3.2: constructed `[2]` with indefinite length.
        let input = [0xA2, 0x80, 0x04, 0x02, b'h', b'i', 0x00, 0x00, 0x85, 0x01, 0x27];
        let (e, rest) = read(&input).unwrap();
        assert_eq!(e.raw, &input[..8]);
        assert_eq!(e.content, &[0x04, 0x02, b'h', b'i']);
        assert_eq!(rest, &[0x85, 0x01, 0x27]);
        assert_eq!(children(&input).unwrap().len(), 2);
    }

    #[test]
    fn rejects_truncation_and_bad_lengths() {
        for bad in [&[0x04, 0x03, 1, 2][..], &[0x04], &[0x04, 0x85, 1, 1, 1, 1, 1], &[0x04, 0x80, 0, 0], &[0x30, 0x80]]
        {
            assert!(read(bad).is_err(), "{bad:02x?}");
        }
    }
}
