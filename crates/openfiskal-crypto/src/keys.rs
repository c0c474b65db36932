//! Software signing keys of the three regimes (ARCHITECTURE.md §9): brainpoolP384r1, the DE default
//! TSE key (de-tse.md §2.1); NIST P-256, the AT ES256 key (at-rksv.md §3) and the DE P-256 option;
//! RSA-2048 with e = 65537, the IT device key (it-rt.md §2.3, §9). Keys are generated from the OS
//! RNG, stored as PKCS#8 DER (wrapped, see `wrap`), and never printed.

use ecdsa::elliptic_curve::Generate;
use ecdsa::elliptic_curve::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, ObjectIdentifier};
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

pub(crate) type Bp384SigningKey = ecdsa::SigningKey<bp384::BrainpoolP384r1>;
pub(crate) type P256SigningKey = ecdsa::SigningKey<p256::NistP256>;
pub(crate) type RsaSigningKey = rsa::pkcs1v15::SigningKey<sha2::Sha256>;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_BRAINPOOL_P384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.11");
const OID_PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const RSA_BITS: usize = 2048;

/// Which kind of key: one per regime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// brainpoolP384r1: DE default TSE key (de-tse.md §2.1), point 97 bytes.
    Bp384,
    /// NIST P-256: AT ES256 (at-rksv.md §3), DE P-256 option; point 65 bytes.
    P256,
    /// RSA-2048, e = 65537: IT device key (it-rt.md §2.3).
    Rsa2048,
}

/// Why a key could not be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Rng,
    /// The bytes are not a PKCS#8 private key of a supported kind.
    #[error("not a supported PKCS#8 private key")]
    Pkcs8,
    /// An RSA key that is not 2048 bits with e = 65537.
    #[error("RSA key must be 2048 bits with e = 65537")]
    RsaShape,
    /// A public point that is not an uncompressed point on the expected curve.
    #[error("not an uncompressed point on the expected curve")]
    Point,
    /// Encoding failed (should not happen for valid keys).
    #[error("key encoding failed")]
    Encoding,
}

pub(crate) enum Inner {
    Bp384(Bp384SigningKey),
    P256(P256SigningKey),
    Rsa2048(RsaSigningKey),
}

/// A private signing key held in memory. Secret parts are zeroised on drop; `Debug` shows only the
/// kind.
pub struct SoftwareKey {
    pub(crate) inner: Inner,
    /// DER SubjectPublicKeyInfo, encoded once so that reading it cannot fail.
    spki: Vec<u8>,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SoftwareKey({:?}, [redacted])", self.kind())
    }
}

impl SoftwareKey {
    pub(crate) fn from_inner(inner: Inner) -> Result<Self, KeyError> {
        let spki = match &inner {
            Inner::Bp384(k) => k.verifying_key().to_public_key_der(),
            Inner::P256(k) => k.verifying_key().to_public_key_der(),
            Inner::Rsa2048(k) => k.as_ref().as_public_key().to_public_key_der(),
        }
        .map_err(|_| KeyError::Encoding)?
        .into_vec();
        Ok(Self { inner, spki })
    }

    /// Generates a fresh key of `kind` from the OS RNG. RSA-2048 takes longer (prime search).
    pub fn generate(kind: KeyKind) -> Result<Self, KeyError> {
        let mut rng = getrandom::SysRng;
        Self::from_inner(match kind {
            KeyKind::Bp384 => {
                Inner::Bp384(Bp384SigningKey::try_generate_from_rng(&mut rng).map_err(|_| KeyError::Rng)?)
            }
            KeyKind::P256 => Inner::P256(P256SigningKey::try_generate_from_rng(&mut rng).map_err(|_| KeyError::Rng)?),
            KeyKind::Rsa2048 => {
                // Prime search needs an infallible RNG; probe the OS RNG first so a broken one is
                // reported as an error rather than a panic in the common case.
                getrandom::fill(&mut [0u8; 8]).map_err(|_| KeyError::Rng)?;
                let mut rng = getrandom::rand_core::UnwrapErr(rng);
                let key = rsa::RsaPrivateKey::new(&mut rng, RSA_BITS).map_err(|_| KeyError::Rng)?;
                Inner::Rsa2048(RsaSigningKey::new(key))
            }
        })
    }

    /// Which kind of key this is.
    pub fn kind(&self) -> KeyKind {
        match &self.inner {
            Inner::Bp384(_) => KeyKind::Bp384,
            Inner::P256(_) => KeyKind::P256,
            Inner::Rsa2048(_) => KeyKind::Rsa2048,
        }
    }

    /// The public key in the regime's raw form: the uncompressed point `04 ‖ X ‖ Y` for EC keys
    /// (97 or 65 bytes, de-tse.md §2.2), the DER SubjectPublicKeyInfo for RSA.
    pub fn public_key_raw(&self) -> Vec<u8> {
        match &self.inner {
            Inner::Bp384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Inner::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Inner::Rsa2048(_) => self.spki.clone(),
        }
    }

    /// The public key as DER SubjectPublicKeyInfo (named curve for EC, de-tse.md §2.3).
    pub fn spki_der(&self) -> Vec<u8> {
        self.spki.clone()
    }

    /// The private key as PKCS#8 DER (RFC 5208 `PrivateKeyInfo`), zeroised on drop.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let doc = match &self.inner {
            Inner::Bp384(k) => k.to_pkcs8_der(),
            Inner::P256(k) => k.to_pkcs8_der(),
            Inner::Rsa2048(k) => k.to_pkcs8_der(),
        }
        .map_err(|_| KeyError::Encoding)?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// Reads a PKCS#8 DER private key; the kind comes from its algorithm identifier. RSA keys must be
    /// 2048 bits with e = 65537.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = ecdsa::elliptic_curve::pkcs8::PrivateKeyInfoRef::try_from(der).map_err(|_| KeyError::Pkcs8)?;
        let alg = info.algorithm;
        let inner = if alg.oid == OID_RSA_ENCRYPTION {
            let key = RsaSigningKey::from_pkcs8_der(der).map_err(|_| KeyError::Pkcs8)?;
            let public = key.as_ref().as_public_key();
            if public.size() != RSA_BITS / 8 || public.e() != &rsa::BoxedUint::from(65_537u32) {
                return Err(KeyError::RsaShape);
            }
            Inner::Rsa2048(key)
        } else if alg.oid == OID_EC_PUBLIC_KEY {
            match alg.parameters_oid().map_err(|_| KeyError::Pkcs8)? {
                OID_BRAINPOOL_P384R1 => {
                    Inner::Bp384(Bp384SigningKey::from_pkcs8_der(der).map_err(|_| KeyError::Pkcs8)?)
                }
                OID_PRIME256V1 => Inner::P256(P256SigningKey::from_pkcs8_der(der).map_err(|_| KeyError::Pkcs8)?),
                _ => return Err(KeyError::Pkcs8),
            }
        } else {
            return Err(KeyError::Pkcs8);
        };
        Self::from_inner(inner)
    }
}

/// The DER SubjectPublicKeyInfo of an uncompressed EC point on the curve of `kind`, after checking
/// that the point lies on that curve (de-tse.md §2.3). `Rsa2048` is refused.
pub fn ec_spki_from_point(kind: KeyKind, point: &[u8]) -> Result<Vec<u8>, KeyError> {
    let uncompressed = point.first() == Some(&0x04);
    let doc = match kind {
        KeyKind::Bp384 if uncompressed && point.len() == 97 => {
            ecdsa::VerifyingKey::<bp384::BrainpoolP384r1>::from_sec1_bytes(point)
                .map_err(|_| KeyError::Point)?
                .to_public_key_der()
        }
        KeyKind::P256 if uncompressed && point.len() == 65 => {
            ecdsa::VerifyingKey::<p256::NistP256>::from_sec1_bytes(point)
                .map_err(|_| KeyError::Point)?
                .to_public_key_der()
        }
        _ => return Err(KeyError::Point),
    };
    doc.map(|d| d.into_vec()).map_err(|_| KeyError::Encoding)
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
