//! X.509 building blocks for OpenFiskal's certificates (de-tse.md §9, it-rt.md §9.5): names
//! attribute by attribute in the order the specs list them, and the extensions they use. Key
//! identifiers follow RFC 7093 §2 method 1: the leftmost 160 bits of SHA-256 of the
//! subjectPublicKey bits.

use der::asn1::{Any, OctetString};
use der::oid::ObjectIdentifier;
use der::{Decode, Encode, Tag};
use sha2::{Digest, Sha256};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use crate::x509::CertError;

pub(crate) const OID_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
pub(crate) const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
pub(crate) const OID_OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
pub(crate) const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
pub(crate) const OID_SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");

/// One attribute with its value encoded: PrintableString for C and serialNumber, UTF8String
/// otherwise (RFC 5280 §4.1.2.4); 1 to 64 characters, no control characters.
pub(crate) fn attr(oid: ObjectIdentifier, value: &str) -> Result<(ObjectIdentifier, Any), CertError> {
    if value.is_empty() || value.chars().count() > 64 || value.chars().any(char::is_control) {
        return Err(CertError::Name("empty, longer than 64 characters, or with control characters"));
    }
    let any = if oid == OID_C || oid == OID_SERIAL_NUMBER {
        der::asn1::PrintableStringRef::new(value).map_err(|_| CertError::Name("not a PrintableString"))?;
        Any::new(Tag::PrintableString, value.as_bytes())?
    } else {
        Any::new(Tag::Utf8String, value.as_bytes())?
    };
    Ok((oid, any))
}

/// The first value of attribute `oid` in `name`, kept as it is encoded.
pub(crate) fn find_attr(name: &Name, oid: ObjectIdentifier) -> Option<(ObjectIdentifier, Any)> {
    name.iter().find(|atv| atv.oid == oid).map(|atv| (oid, atv.value.clone()))
}

/// `SEQUENCE OF` single-attribute RDNs, in the order given.
pub(crate) fn name(attributes: Vec<(ObjectIdentifier, Any)>) -> Result<Name, CertError> {
    let mut rdns = x509_cert::name::RdnSequence::default();
    for (oid, value) in attributes {
        let atv = x509_cert::attr::AttributeTypeAndValue { oid, value };
        rdns.push(x509_cert::name::RelativeDistinguishedName::try_from(vec![atv])?);
    }
    Ok(Name::from_der(&rdns.to_der()?)?)
}

/// RFC 7093 §2 method 1: the leftmost 160 bits of SHA-256 over the subjectPublicKey bits.
pub(crate) fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    Sha256::digest(spki.subject_public_key.raw_bytes())[..20].to_vec()
}

/// One extension with its DER value.
pub(crate) fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Result<Extension, CertError> {
    Ok(Extension { extn_id: oid, critical, extn_value: OctetString::new(value.to_der()?)? })
}

/// `basicConstraints` (critical): `CA:TRUE` or `CA:FALSE`, no path length.
pub(crate) fn basic_constraints(ca: bool) -> Result<Extension, CertError> {
    extension(ObjectIdentifier::new_unwrap("2.5.29.19"), true, &BasicConstraints { ca, path_len_constraint: None })
}

/// `keyUsage` (critical).
pub(crate) fn key_usage(usage: KeyUsage) -> Result<Extension, CertError> {
    extension(ObjectIdentifier::new_unwrap("2.5.29.15"), true, &usage)
}

/// `subjectKeyIdentifier` (not critical).
pub(crate) fn subject_key_identifier(id: &[u8]) -> Result<Extension, CertError> {
    extension(ObjectIdentifier::new_unwrap("2.5.29.14"), false, &SubjectKeyIdentifier(OctetString::new(id)?))
}

/// `authorityKeyIdentifier` with `keyIdentifier` only (not critical).
pub(crate) fn authority_key_identifier(id: &[u8]) -> Result<Extension, CertError> {
    let aki = AuthorityKeyIdentifier { key_identifier: Some(OctetString::new(id)?), ..Default::default() };
    extension(ObjectIdentifier::new_unwrap("2.5.29.35"), false, &aki)
}
