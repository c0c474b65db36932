//! DE TSE identity derived from the public key (de-tse.md §2.2): the serial number is SHA-256 of the
//! uncompressed point `04 ‖ X ‖ Y`, written as 64 lower-case hex characters; the public key is shown
//! as standard Base64 with padding of that raw point (not a SubjectPublicKeyInfo).

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The TSE serial number: 64 lower-case hex characters of SHA-256 over the uncompressed point.
pub fn tse_serial(point: &[u8]) -> String {
    hex::encode(Sha256::digest(point))
}

/// The public key as shown in QR field 12, `fiscal_registration.public_key` and DSFinV-K
/// `TSE_PUBLIC_KEY`: standard Base64 with padding of the raw point (132 characters for 97 bytes).
pub fn public_key_base64(point: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(point)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyKind, SoftwareKey};

    // vectors/de/dtbs-golden.txt (`public_key_hex`, `serial_hex`, `public_key_base64`), de-tse.md §2.2.
    const POINT: &str = "0458670da3d1a14c4061492d914aa8695da5f935692dd4fbc0f4d11439197075c54bb599846b2f2a1fe54f78c46092cd2c3fec8d0560fc9ae86d553992e7bf93677db0aedd9d63dd320625af813815ff3388a725cecd6eec1b8e609e23448eb9ae";
    const SERIAL: &str = "6ffbac5786eefed18e15293280ca5377632bc98036d6641efc0c3741972c38db";
    const BASE64: &str = "BFhnDaPRoUxAYUktkUqoaV2l+TVpLdT7wPTRFDkZcHXFS7WZhGsvKh/lT3jEYJLNLD/sjQVg/JrobVU5kue/k2d9sK7dnWPdMgYlr4E4Ff8ziKclzs1u7BuOYJ4jRI65rg==";

    #[test]
    fn golden_vector() {
        let point = hex::decode(POINT).unwrap();
        assert_eq!(tse_serial(&point), SERIAL);
        assert_eq!(public_key_base64(&point), BASE64);
        assert_eq!(BASE64.len(), 132);
    }

    #[test]
    fn p256_fiskaly_serial() {
        // vectors/de/qr-valid.txt line 5 (fiskaly cloud TSE, P-256): field 12 and the serial that
        // vectors/de/README.md gives for it.
        let line = "V0;JYn4Vlh0CUGq48vMNkFYbw;SonstigerVorgang;initial operation receipt / start-receipt;1;192;2024-06-27T12:53:32.000Z;2024-06-27T12:53:32.000Z;ecdsa-plain-SHA256;unixTime;M45QdVUZ3wgUxQXQv72VVZT1lp/Q2SLw6ND3ebMW/BDwdzCe03nnGMjb076bCxWZDF4u/VQt6t37avbmBYmSGw==;BCDbvZw4kY3/4DQDJPbqFgVEc/3Z9wwHWAk+dIMTbEwE/5N3Tj6sUhvMxXWD4z7PctM+AqHuAmAx4fxjYzdg7cA=";
        let field12 = line.rsplit(';').next().unwrap();
        let point = base64::engine::general_purpose::STANDARD.decode(field12).unwrap();
        assert_eq!(point.len(), 65);
        assert_eq!(public_key_base64(&point), field12);
        assert_eq!(tse_serial(&point), "43a3e2bb20d2d29cb8e379281ef0a49a2f239c871d88e80f19dde071f2023d0c");
    }

    #[test]
    fn generated_keys_give_well_formed_identity() {
        let point = SoftwareKey::generate(KeyKind::Bp384).unwrap().public_key_raw();
        let serial = tse_serial(&point);
        assert_eq!(serial.len(), 64);
        assert!(serial.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert!(public_key_base64(&point).starts_with('B'));
    }
}
