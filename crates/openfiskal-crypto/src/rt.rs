//! IT: the deployment's sandbox CA and the sandbox device certificate of a software unit
//! (it-rt.md §9.5, shaped like AdE's device certificates of §2.3). CA: RSA-2048,
//! `sha256WithRSAEncryption`, 10 years, `C=IT, O=OpenFiskal Sandbox, CN=OpenFiskal Sandbox CA
//! Corrispettivi`. Device certificate: RSA-2048 (e = 65537) unit key, 3 years from provisioning,
//! `C=IT, O=OpenFiskal Sandbox, OU=Corrispettivi RT Sandbox, CN=<matricola>`, keyUsage
//! `nonRepudiation` only (critical), subject and authority key identifiers, nothing else.

use der::Decode;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use crate::ca_core::CaCore;
use crate::keys::{KeyKind, SoftwareKey};
use crate::x509::{CertError, IssuedCert};
use crate::x509_parts::{self, OID_C, OID_CN, OID_O, OID_OU};

const ORGANIZATION: &str = "OpenFiskal Sandbox";
const CA_CN: &str = "OpenFiskal Sandbox CA Corrispettivi";
const DEVICE_OU: &str = "Corrispettivi RT Sandbox";
const CA_YEARS: u16 = 10;
const DEVICE_YEARS: u16 = 3;

/// The deployment's sandbox CA for Italian software units.
#[derive(Debug)]
pub struct RtSandboxCa(CaCore);

impl RtSandboxCa {
    /// A new CA with a fresh RSA-2048 key, valid from `now_unix_secs` for 10 years.
    pub fn generate(now_unix_secs: i64) -> Result<Self, CertError> {
        let subject = x509_parts::name(vec![
            x509_parts::attr(OID_C, "IT")?,
            x509_parts::attr(OID_O, ORGANIZATION)?,
            x509_parts::attr(OID_CN, CA_CN)?,
        ])?;
        Ok(Self(CaCore::generate(KeyKind::Rsa2048, subject, now_unix_secs, CA_YEARS)?))
    }

    /// A stored CA: its (unwrapped) RSA key and certificate DER, which must belong together.
    pub fn from_parts(key: SoftwareKey, cert_der: Vec<u8>) -> Result<Self, CertError> {
        Ok(Self(CaCore::from_parts(key, cert_der, KeyKind::Rsa2048)?))
    }

    /// The CA's private key (to wrap for storage).
    pub fn key(&self) -> &SoftwareKey {
        &self.0.key
    }

    /// The CA certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.0.der
    }

    /// Issues the device certificate for a unit's RSA-2048 public key (`unit_spki_der`, what
    /// [`SoftwareKey::public_key_raw`] gives for RSA) and its matricola `rt_serial`, valid from
    /// `now_unix_secs` (provisioning) for 3 years.
    pub fn issue_device_certificate(
        &self,
        unit_spki_der: &[u8],
        rt_serial: &str,
        now_unix_secs: i64,
    ) -> Result<IssuedCert, CertError> {
        if !is_own_matricola(rt_serial) {
            return Err(CertError::Name("matricola must match [0-9A-Z]{2}[A-Z][0-9A-Z]{2}[0-9]{6}"));
        }
        let key = rsa::RsaPublicKey::from_public_key_der(unit_spki_der).map_err(|_| CertError::SubjectKey)?;
        if key.size() != 256 || key.e() != &rsa::BoxedUint::from(65_537u32) {
            return Err(CertError::SubjectKey);
        }
        let subject = x509_parts::name(vec![
            x509_parts::attr(OID_C, "IT")?,
            x509_parts::attr(OID_O, ORGANIZATION)?,
            x509_parts::attr(OID_OU, DEVICE_OU)?,
            x509_parts::attr(OID_CN, rt_serial)?,
        ])?;
        let spki = SubjectPublicKeyInfoOwned::from_der(unit_spki_der)?;
        let extensions = vec![x509_parts::key_usage(KeyUsage(KeyUsages::NonRepudiation.into()))?];
        self.0.issue(subject, spki, now_unix_secs, DEVICE_YEARS, extensions)
    }
}

/// A matricola of our own units (it-rt.md §2.3): `^[0-9A-Z]{2}[A-Z][0-9A-Z]{2}[0-9]{6}$`.
fn is_own_matricola(s: &str) -> bool {
    let b = s.as_bytes();
    let upper_or_digit = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    b.len() == 11
        && b[..2].iter().all(upper_or_digit)
        && b[2].is_ascii_uppercase()
        && b[3..5].iter().all(upper_or_digit)
        && b[5..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
#[path = "rt_tests.rs"]
mod tests;
