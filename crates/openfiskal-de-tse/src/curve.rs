//! The curve of a unit's TSE key (de-tse.md §2.1): brainpoolP384r1 (the default) or NIST P-256 (the
//! option). It is an installation setting, copied into each unit at provisioning by the curve of the
//! key made for it; a unit never changes it. The curve fixes the signature algorithm of every log and
//! QR code of the unit (`ecdsa-plain-SHA384` / `ecdsa-plain-SHA256`).

use openfiskal_crypto::KeyKind;

use crate::TseAlgorithm;

/// A curve OpenFiskal's software TSE signs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TseCurve {
    /// brainpoolP384r1 with `ecdsa-plain-SHA384`: the default.
    #[default]
    BrainpoolP384r1,
    /// NIST P-256 (prime256v1) with `ecdsa-plain-SHA256`.
    P256,
}

impl TseCurve {
    /// Both curves, the default first.
    pub const ALL: [Self; 2] = [Self::BrainpoolP384r1, Self::P256];

    /// The setting's spelling: `brainpoolP384r1` or `P-256`.
    pub fn name(self) -> &'static str {
        match self {
            Self::BrainpoolP384r1 => "brainpoolP384r1",
            Self::P256 => "P-256",
        }
    }

    /// The kind of key a unit on this curve gets (and of the installation's CA for it).
    pub fn key_kind(self) -> KeyKind {
        match self {
            Self::BrainpoolP384r1 => KeyKind::Bp384,
            Self::P256 => KeyKind::P256,
        }
    }

    /// The curve of a key kind; `None` for RSA.
    pub fn of_key_kind(kind: KeyKind) -> Option<Self> {
        match kind {
            KeyKind::Bp384 => Some(Self::BrainpoolP384r1),
            KeyKind::P256 => Some(Self::P256),
            KeyKind::Rsa2048 => None,
        }
    }

    /// The signature algorithm of logs and QR codes on this curve.
    pub fn algorithm(self) -> TseAlgorithm {
        match self {
            Self::BrainpoolP384r1 => TseAlgorithm::EcdsaPlainSha384,
            Self::P256 => TseAlgorithm::EcdsaPlainSha256,
        }
    }
}

impl std::fmt::Display for TseCurve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for TseCurve {
    type Err = String;

    /// Exactly `brainpoolP384r1` or `P-256`; anything else is refused naming the value.
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| format!("the TSE curve must be `brainpoolP384r1` or `P-256`, not `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_kinds_and_algorithms() {
        assert_eq!(TseCurve::default(), TseCurve::BrainpoolP384r1);
        for c in TseCurve::ALL {
            assert_eq!(c.name().parse::<TseCurve>().unwrap(), c);
            assert_eq!(TseCurve::of_key_kind(c.key_kind()), Some(c));
        }
        assert_eq!(TseCurve::P256.algorithm().name(), "ecdsa-plain-SHA256");
        assert_eq!(TseCurve::BrainpoolP384r1.algorithm().name(), "ecdsa-plain-SHA384");
        assert_eq!(TseCurve::of_key_kind(KeyKind::Rsa2048), None);
        let e = "p256".parse::<TseCurve>().unwrap_err();
        assert!(e.contains("`p256`") && e.contains("P-256"), "{e}");
        assert!("secp384r1".parse::<TseCurve>().is_err(), "P-384 is for third-party data only");
    }
}
