//! API credentials (api.md §2.1): `<prefix><secret><checksum>`. The secret is 32 base62 characters
//! from the OS CSPRNG (≈190 bits); the checksum is CRC32 of prefix + secret in base62, left-padded
//! with `0` to 6 characters, so a mistyped or made-up key is refused without a database lookup.
//! Only SHA-256 of the whole key is stored: 190 random bits need no slow KDF.

use rand::Rng;
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SECRET_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;

/// What a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKeyKind {
    /// `ofk_setup_`: one use, only for `POST /v1/auth/bootstrap`.
    Setup,
    /// `ofk_platform_{live|test}_`: any organization.
    Platform,
    /// `ofk_org_{live|test}_`: one organization.
    Organization,
    /// `ofk_reg_{live|test}_`: one register.
    Register,
}

impl ApiKeyKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Setup => "setup",
            Self::Platform => "platform",
            Self::Organization => "organization",
            Self::Register => "register",
        }
    }

    /// Parses the stored name.
    pub fn from_db(s: &str) -> Option<Self> {
        Some(match s {
            "setup" => Self::Setup,
            "platform" => Self::Platform,
            "organization" => Self::Organization,
            "register" => Self::Register,
            _ => return None,
        })
    }

    fn stem(self) -> &'static str {
        match self {
            Self::Setup => "ofk_setup_",
            Self::Platform => "ofk_platform_",
            Self::Organization => "ofk_org_",
            Self::Register => "ofk_reg_",
        }
    }
}

/// `live` keys work only in production, `test` keys only in sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyMode {
    /// Production.
    Live,
    /// Sandbox.
    Test,
}

impl KeyMode {
    /// `live` or `test`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Test => "test",
        }
    }
}

/// A freshly generated credential. The full key is shown once and then dropped.
pub struct GeneratedKey {
    /// The whole key, e.g. `ofk_platform_test_…`; zeroised on drop.
    pub key: Zeroizing<String>,
    /// SHA-256 of the whole key: the only form stored.
    pub hash: [u8; 32],
    /// Prefix + `…` + last four characters, for lists.
    pub masked: String,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey").field("masked", &self.masked).finish_non_exhaustive()
    }
}

/// What a syntactically valid key says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedKey {
    /// Its kind.
    pub kind: ApiKeyKind,
    /// Its mode; `None` for setup tokens.
    pub mode: Option<KeyMode>,
}

fn prefix(kind: ApiKeyKind, mode: Option<KeyMode>) -> String {
    match (kind, mode) {
        (ApiKeyKind::Setup, _) | (_, None) => kind.stem().to_owned(),
        (_, Some(m)) => format!("{}{}_", kind.stem(), m.as_str()),
    }
}

fn checksum(prefix_and_secret: &str) -> String {
    let mut n = crc32fast::hash(prefix_and_secret.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// Generates a new credential of `kind` (mode ignored for setup tokens).
pub fn generate(kind: ApiKeyKind, mode: KeyMode) -> GeneratedKey {
    let mode = (kind != ApiKeyKind::Setup).then_some(mode);
    let mut key = Zeroizing::new(prefix(kind, mode));
    let mut rng = OsRng.unwrap_err();
    for _ in 0..SECRET_LEN {
        // 62 does not divide 256: sample uniformly instead of taking a byte modulo 62.
        key.push(char::from(BASE62[rng.random_range(0..62)]));
    }
    let sum = checksum(&key);
    key.push_str(&sum);
    GeneratedKey { hash: hash(&key), masked: mask(&key), key }
}

/// SHA-256 of the whole key.
pub fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The masked form shown in lists: prefix + `…` + last four characters.
pub fn mask(key: &str) -> String {
    let prefix_len = key.len().saturating_sub(SECRET_LEN + CHECKSUM_LEN);
    let tail = key.get(key.len().saturating_sub(4)..).unwrap_or("");
    format!("{}…{}", key.get(..prefix_len).unwrap_or(""), tail)
}

/// Checks prefix, length, alphabet and checksum; no database involved.
pub fn parse(key: &str) -> Option<ParsedKey> {
    let candidates = [
        (ApiKeyKind::Setup, None),
        (ApiKeyKind::Platform, Some(KeyMode::Live)),
        (ApiKeyKind::Platform, Some(KeyMode::Test)),
        (ApiKeyKind::Organization, Some(KeyMode::Live)),
        (ApiKeyKind::Organization, Some(KeyMode::Test)),
        (ApiKeyKind::Register, Some(KeyMode::Live)),
        (ApiKeyKind::Register, Some(KeyMode::Test)),
    ];
    let (kind, mode) = candidates.into_iter().find(|(k, m)| key.starts_with(&prefix(*k, *m)))?;
    let p = prefix(kind, mode).len();
    if key.len() != p + SECRET_LEN + CHECKSUM_LEN || !key.bytes().skip(p).all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let (body, sum) = key.split_at(p + SECRET_LEN);
    let expected = checksum(body);
    // Not secret (the checksum is a typo guard), but compare in constant time anyway.
    let same: bool = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), sum.as_bytes()).into();
    same.then_some(ParsedKey { kind, mode })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_carry_their_kind() {
        for kind in [ApiKeyKind::Platform, ApiKeyKind::Organization, ApiKeyKind::Register] {
            let k = generate(kind, KeyMode::Test);
            assert_eq!(parse(&k.key), Some(ParsedKey { kind, mode: Some(KeyMode::Test) }));
            assert_eq!(k.hash, hash(&k.key));
        }
        let s = generate(ApiKeyKind::Setup, KeyMode::Live);
        assert!(s.key.starts_with("ofk_setup_"));
        assert_eq!(parse(&s.key), Some(ParsedKey { kind: ApiKeyKind::Setup, mode: None }));
    }

    #[test]
    fn one_changed_character_breaks_the_checksum() {
        let k = generate(ApiKeyKind::Platform, KeyMode::Live);
        let mut bytes = k.key.as_bytes().to_vec();
        let i = bytes.len() - 10;
        bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
        assert_eq!(parse(std::str::from_utf8(&bytes).unwrap()), None);
        assert_eq!(parse("ofk_platform_live_short"), None);
        assert_eq!(parse("Bearer nonsense"), None);
    }

    #[test]
    fn masked_form() {
        let k = generate(ApiKeyKind::Platform, KeyMode::Live);
        assert!(k.masked.starts_with("ofk_platform_live_…"));
        assert!(k.masked.ends_with(&k.key[k.key.len() - 4..]));
        assert_eq!(k.masked.chars().count(), "ofk_platform_live_".len() + 5);
    }

    #[test]
    fn known_checksum() {
        // Computed independently: Python `zlib.crc32(b"ofk_setup_" + b"0" * 32)` in base62.
        let body = format!("ofk_setup_{}", "0".repeat(32));
        assert_eq!(checksum(&body), "0tQBYO");
        assert!(parse(&format!("{body}0tQBYO")).is_some());
    }
}
