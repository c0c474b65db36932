//! X.509 v3 certificates for OpenFiskal's own CAs (de-tse.md §9, it-rt.md §9.5), built with
//! `x509-cert` types and `der`: a 16-byte positive random serial, UTCTime before 2050 and
//! GeneralizedTime after (RFC 5280 §4.1.2.5), validity in calendar years, signatures from a
//! [`SoftwareKey`] (EC signatures DER-encoded, de-tse.md §9.1). Names and extensions are built in
//! `x509_parts`.

use der::asn1::{Any, BitString};
use der::oid::ObjectIdentifier;
use der::{Encode, Sequence};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

use crate::keys::{KeyKind, SoftwareKey};
use crate::signer::{SignError, SignatureAlgorithm, Signer as _, plain_to_der};

const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// A certificate just issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCert {
    /// The DER certificate.
    pub der: Vec<u8>,
    /// Its serial number as lower-case hex without leading zeros (`certificate_serial`).
    pub serial_hex: String,
    /// notAfter in Unix seconds (`certificate_not_after`).
    pub not_after_unix: i64,
}

/// Why a CA could not be made or loaded, or a certificate not issued.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// A name part is empty, too long or has characters its ASN.1 string type does not allow.
    #[error("invalid name attribute: {0}")]
    Name(&'static str),
    /// The subject's public key is not of the kind this CA certifies.
    #[error("subject public key is not of the kind this CA certifies")]
    SubjectKey,
    /// The given TSE serial is not SHA-256 of the given point.
    #[error("TSE serial does not match the public key")]
    SerialMismatch,
    /// The stored CA certificate does not parse, is not a CA of this kind, or is not for this key.
    #[error("CA certificate does not match its key or kind")]
    CaMismatch,
    /// The CA certificate does not cover the new certificate's validity: renew the CA first.
    #[error("the CA certificate does not cover the requested validity")]
    CaValidity,
    /// A time outside 1970..9999.
    #[error("time out of range for a certificate")]
    Time,
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Rng,
    /// The CA key could not sign.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// DER encoding failed.
    #[error("certificate encoding failed")]
    Encoding,
}

impl From<der::Error> for CertError {
    fn from(_: der::Error) -> Self {
        Self::Encoding
    }
}

#[derive(Sequence)]
struct Tbs {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Vec<Extension>,
}

#[derive(Sequence)]
struct Cert {
    tbs: Tbs,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// What goes into one certificate besides the issuer's key.
pub(crate) struct Profile {
    pub issuer: Name,
    pub subject: Name,
    pub spki: SubjectPublicKeyInfoOwned,
    pub not_before_unix: i64,
    pub years: u16,
    pub extensions: Vec<Extension>,
}

/// Builds and signs a certificate with a fresh 16-byte positive random serial.
pub(crate) fn issue(profile: Profile, issuer_key: &SoftwareKey) -> Result<IssuedCert, CertError> {
    let serial_bytes = random_serial()?;
    let serial = SerialNumber::new(&serial_bytes)?;
    let not_after_unix = add_years(profile.not_before_unix, profile.years)?;
    let algorithm = signature_algorithm(issuer_key.kind());
    let tbs = Tbs {
        version: 2,
        serial,
        signature: algorithm.clone(),
        issuer: profile.issuer,
        validity: Validity::new(time(profile.not_before_unix)?, time(not_after_unix)?),
        subject: profile.subject,
        spki: profile.spki,
        extensions: profile.extensions,
    };
    let signature = issuer_key.sign(&tbs.to_der()?)?;
    // X.509 carries ECDSA as a DER `ECDSA-Sig-Value`, not plain r‖s (de-tse.md §9.1).
    let signature = match issuer_key.algorithm() {
        SignatureAlgorithm::RsaPkcs1v15Sha256 => signature,
        ec => plain_to_der(ec, &signature).ok_or(SignError::Primitive)?,
    };
    let serial_hex = serial_hex(tbs.serial.as_bytes());
    let der = Cert { tbs, algorithm, signature: BitString::from_bytes(&signature)? }.to_der()?;
    Ok(IssuedCert { der, serial_hex, not_after_unix })
}

/// The X.509 signature algorithm of an issuing key: `ecdsa-with-SHA384` (brainpoolP384r1),
/// `ecdsa-with-SHA256` (P-256), both without parameters; `sha256WithRSAEncryption` with NULL.
fn signature_algorithm(kind: KeyKind) -> AlgorithmIdentifierOwned {
    match kind {
        KeyKind::Bp384 => AlgorithmIdentifierOwned { oid: OID_ECDSA_SHA384, parameters: None },
        KeyKind::P256 => AlgorithmIdentifierOwned { oid: OID_ECDSA_SHA256, parameters: None },
        KeyKind::Rsa2048 => AlgorithmIdentifierOwned { oid: OID_SHA256_RSA, parameters: Some(Any::null()) },
    }
}

fn random_serial() -> Result<[u8; 16], CertError> {
    let mut bytes = [0u8; 16];
    while bytes.iter().all(|&b| b == 0) {
        getrandom::fill(&mut bytes).map_err(|_| CertError::Rng)?;
        bytes[0] &= 0x7f; // positive
    }
    Ok(bytes)
}

/// Lower-case hex without leading zeros (de-tse.md §9.2, at-rksv.md §3.3).
pub(crate) fn serial_hex(bytes: &[u8]) -> String {
    let hex = hex::encode(bytes);
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() { "0".to_owned() } else { trimmed.to_owned() }
}

fn datetime(unix: i64) -> Result<der::DateTime, CertError> {
    let secs = u64::try_from(unix).map_err(|_| CertError::Time)?;
    der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(|_| CertError::Time)
}

/// UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5).
pub(crate) fn time(unix: i64) -> Result<Time, CertError> {
    Ok(Time::from(datetime(unix)?))
}

/// The same UTC wall-clock time `years` calendar years later; 29 February becomes 28 February in a
/// common year.
pub(crate) fn add_years(unix: i64, years: u16) -> Result<i64, CertError> {
    let t = datetime(unix)?;
    let year = t.year().checked_add(years).ok_or(CertError::Time)?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let day = if t.month() == 2 && t.day() == 29 && !leap { 28 } else { t.day() };
    let later =
        der::DateTime::new(year, t.month(), day, t.hour(), t.minutes(), t.seconds()).map_err(|_| CertError::Time)?;
    i64::try_from(later.unix_duration().as_secs()).map_err(|_| CertError::Time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_years() {
        let provisioned = 1_772_359_200; // 2026-03-01T10:00:00Z
        assert_eq!(add_years(provisioned, 8).unwrap(), 2_024_820_000); // 2034-03-01T10:00:00Z
        let leap_day = 1_835_438_400; // 2028-02-29T12:00:00Z
        assert_eq!(add_years(leap_day, 8).unwrap(), 2_087_899_200); // 2036-02-29T12:00:00Z
        assert_eq!(add_years(leap_day, 9).unwrap(), 2_119_435_200); // 2037-02-28T12:00:00Z
        assert!(add_years(-1, 1).is_err());
    }

    #[test]
    fn time_type_switches_in_2050() {
        assert!(matches!(time(2_524_607_999).unwrap(), Time::UtcTime(_))); // 2049-12-31T23:59:59Z
        assert!(matches!(time(2_524_608_000).unwrap(), Time::GeneralTime(_))); // 2050-01-01T00:00:00Z
    }

    #[test]
    fn serial_hex_has_no_leading_zeros() {
        assert_eq!(serial_hex(&[0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71]), "a1b2c3d4e5f6071");
        assert_eq!(serial_hex(&[0x4f, 0x1a, 0x09, 0xc2]), "4f1a09c2");
        assert_eq!(serial_hex(&[0]), "0");
        let s = random_serial().unwrap();
        assert!(s[0] < 0x80, "positive");
    }
}
