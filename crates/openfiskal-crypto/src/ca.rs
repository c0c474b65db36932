//! DE: the installation's self-run TSE CA and the unit (TSE) certificate (de-tse.md §9.1, §9.2).
//! One CA per curve in use (brainpoolP384r1 by default, P-256 as the option): self-signed, 20 years,
//! `C=DE, O=<installation name>, CN=OpenFiskal TSE CA (not BSI-certified)`. A unit certificate is
//! valid from provisioning for 8 years, has a 16-byte positive random serial, and names the TSE
//! serial in both `serialNumber` and CN.

use der::Decode;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use crate::ca_core::CaCore;
use crate::keys::{KeyKind, SoftwareKey, ec_spki_from_point};
use crate::x509::{CertError, IssuedCert};
use crate::x509_parts::{self, OID_C, OID_CN, OID_O, OID_OU, OID_SERIAL_NUMBER};

const CA_CN: &str = "OpenFiskal TSE CA (not BSI-certified)";
const UNIT_OU: &str = "OpenFiskal software TSE - not BSI-certified";
const CA_YEARS: u16 = 20;
const UNIT_YEARS: u16 = 8;

/// The installation's TSE CA for one curve: its key and self-signed certificate.
#[derive(Debug)]
pub struct TseCa(CaCore);

impl TseCa {
    /// A new brainpoolP384r1 CA (the default curve) valid from `now_unix_secs` for 20 years.
    pub fn generate(installation_name: &str, now_unix_secs: i64) -> Result<Self, CertError> {
        Self::generate_for(KeyKind::Bp384, installation_name, now_unix_secs)
    }

    /// A new CA on `kind`'s curve (`Bp384` or `P256`); its certificate is signed with
    /// `ecdsa-with-SHA384` or `ecdsa-with-SHA256` respectively.
    pub fn generate_for(kind: KeyKind, installation_name: &str, now_unix_secs: i64) -> Result<Self, CertError> {
        if kind == KeyKind::Rsa2048 {
            return Err(CertError::SubjectKey);
        }
        let subject = x509_parts::name(vec![
            x509_parts::attr(OID_C, "DE")?,
            x509_parts::attr(OID_O, installation_name)?,
            x509_parts::attr(OID_CN, CA_CN)?,
        ])?;
        Ok(Self(CaCore::generate(kind, subject, now_unix_secs, CA_YEARS)?))
    }

    /// A stored CA: its (unwrapped) key and certificate DER, which must belong together.
    pub fn from_parts(key: SoftwareKey, cert_der: Vec<u8>) -> Result<Self, CertError> {
        let kind = key.kind();
        if kind == KeyKind::Rsa2048 {
            return Err(CertError::CaMismatch);
        }
        Ok(Self(CaCore::from_parts(key, cert_der, kind)?))
    }

    /// The CA's private key (to wrap for storage).
    pub fn key(&self) -> &SoftwareKey {
        &self.0.key
    }

    /// The CA certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.0.der
    }

    /// Issues the unit certificate for the unit's uncompressed point (on this CA's curve), valid
    /// from `now_unix_secs` (the provisioning time) for 8 years. `tse_serial` must be
    /// [`crate::tse::tse_serial`] of the point.
    pub fn issue_unit_certificate(
        &self,
        unit_point: &[u8],
        tse_serial: &str,
        now_unix_secs: i64,
    ) -> Result<IssuedCert, CertError> {
        let spki = ec_spki_from_point(self.0.key.kind(), unit_point).map_err(|_| CertError::SubjectKey)?;
        if crate::tse::tse_serial(unit_point) != tse_serial {
            return Err(CertError::SerialMismatch);
        }
        // C and O exactly as the CA certificate encodes them (de-tse.md §9.2: same O).
        let subject = x509_parts::name(vec![
            x509_parts::find_attr(&self.0.subject, OID_C).ok_or(CertError::CaMismatch)?,
            x509_parts::find_attr(&self.0.subject, OID_O).ok_or(CertError::CaMismatch)?,
            x509_parts::attr(OID_OU, UNIT_OU)?,
            x509_parts::attr(OID_SERIAL_NUMBER, tse_serial)?,
            x509_parts::attr(OID_CN, tse_serial)?,
        ])?;
        let extensions = vec![
            x509_parts::basic_constraints(false)?,
            x509_parts::key_usage(KeyUsage(KeyUsages::DigitalSignature.into()))?,
        ];
        let spki = SubjectPublicKeyInfoOwned::from_der(&spki)?;
        self.0.issue(subject, spki, now_unix_secs, UNIT_YEARS, extensions)
    }
}

#[cfg(test)]
#[path = "ca_tests.rs"]
mod tests;
