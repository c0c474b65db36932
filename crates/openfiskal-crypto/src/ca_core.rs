//! What every OpenFiskal CA shares (de-tse.md §9.1, it-rt.md §9.5): a key and its self-signed
//! certificate with basicConstraints `CA:TRUE` and keyUsage `keyCertSign, cRLSign` (both critical)
//! and a subjectKeyIdentifier; leaf certificates then carry that identifier as their
//! authorityKeyIdentifier. A leaf is issued only while the CA certificate covers its whole validity.

use der::{Decode, Encode};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use crate::keys::{KeyError, KeyKind, SoftwareKey};
use crate::x509::{self, CertError, IssuedCert, Profile};
use crate::x509_parts;

/// A CA key with its certificate, and what issuing needs from that certificate.
pub(crate) struct CaCore {
    pub key: SoftwareKey,
    pub der: Vec<u8>,
    pub subject: Name,
    key_id: Vec<u8>,
    not_before: i64,
    not_after: i64,
}

impl std::fmt::Debug for CaCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca").field("kind", &self.key.kind()).field("subject", &self.subject.to_string()).finish()
    }
}

impl CaCore {
    /// A fresh key of `kind` and its self-signed certificate, valid from `now` for `years`.
    pub fn generate(kind: KeyKind, subject: Name, now: i64, years: u16) -> Result<Self, CertError> {
        let key = SoftwareKey::generate(kind).map_err(|e| match e {
            KeyError::Rng => CertError::Rng,
            _ => CertError::Encoding,
        })?;
        let spki = SubjectPublicKeyInfoOwned::from_der(&key.spki_der())?;
        let key_id = x509_parts::key_identifier(&spki);
        let extensions = vec![
            x509_parts::basic_constraints(true)?,
            x509_parts::key_usage(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign))?,
            x509_parts::subject_key_identifier(&key_id)?,
        ];
        let profile = Profile { issuer: subject.clone(), subject, spki, not_before_unix: now, years, extensions };
        let issued = x509::issue(profile, &key)?;
        Self::from_parts(key, issued.der, kind)
    }

    /// A stored CA: the certificate must be a CA certificate for exactly this key, of `kind`.
    pub fn from_parts(key: SoftwareKey, der: Vec<u8>, kind: KeyKind) -> Result<Self, CertError> {
        let cert = x509_cert::Certificate::from_der(&der).map_err(|_| CertError::CaMismatch)?;
        let tbs = cert.tbs_certificate();
        let spki = tbs.subject_public_key_info();
        if key.kind() != kind || spki.to_der()? != key.spki_der() {
            return Err(CertError::CaMismatch);
        }
        let is_ca = matches!(tbs.get_extension::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca);
        if !is_ca {
            return Err(CertError::CaMismatch);
        }
        let key_id = match tbs.get_extension::<SubjectKeyIdentifier>() {
            Ok(Some((_, ski))) => ski.0.as_bytes().to_vec(),
            _ => x509_parts::key_identifier(spki),
        };
        let unix = |t: x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
        let (not_before, not_after) = (unix(tbs.validity().not_before), unix(tbs.validity().not_after));
        Ok(Self { subject: tbs.subject().clone(), key, der, key_id, not_before, not_after })
    }

    /// Issues a leaf certificate valid from `now` for `years`: `leading` extensions, then
    /// subjectKeyIdentifier and authorityKeyIdentifier.
    pub fn issue(
        &self,
        subject: Name,
        spki: SubjectPublicKeyInfoOwned,
        now: i64,
        years: u16,
        mut leading: Vec<Extension>,
    ) -> Result<IssuedCert, CertError> {
        if now < self.not_before || x509::add_years(now, years)? > self.not_after {
            return Err(CertError::CaValidity);
        }
        leading.push(x509_parts::subject_key_identifier(&x509_parts::key_identifier(&spki))?);
        leading.push(x509_parts::authority_key_identifier(&self.key_id)?);
        let profile =
            Profile { issuer: self.subject.clone(), subject, spki, not_before_unix: now, years, extensions: leading };
        x509::issue(profile, &self.key)
    }
}
