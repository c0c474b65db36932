//! processType values and Vorgangstypen (de-tse.md §6.1, §6.2, §6.4, §6.5): `Kassenbeleg-V1` for every
//! operation's Finish log (empty at Start), `SonstigerVorgang` with `Kassenabschluss Z_NR=<n>` for the
//! daily closing; OpenFiskal emits the Vorgangstypen `Beleg`, `AVTraining` and `AVBelegabbruch`.

/// processType of every operation's Finish log (§6.2), compared byte for byte by verifiers.
pub const PROCESS_TYPE_KASSENBELEG: &str = "Kassenbeleg-V1";
/// processType of the daily closing's Finish log (§6.5).
pub const PROCESS_TYPE_SONSTIGER_VORGANG: &str = "SonstigerVorgang";

/// The Vorgangstyp of `Kassenbeleg-V1`. OpenFiskal emits `Beleg`, `AVTraining` and
/// `AVBelegabbruch` (§6.4); the parser accepts all nine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vorgangstyp {
    /// A receipt (sale, refund, exchange, void, cash movement, deposit).
    Beleg,
    /// Transfer (never emitted).
    AVTransfer,
    /// Order (never emitted).
    AVBestellung,
    /// Training receipt.
    AVTraining,
    /// Storno of a receipt (never emitted: a void is a negated `Beleg`).
    AVBelegstorno,
    /// Cancelled Vorgang.
    AVBelegabbruch,
    /// Benefit in kind (never emitted).
    AVSachbezug,
    /// Other (never emitted).
    AVSonstige,
    /// Invoice (never emitted).
    AVRechnung,
}

/// Every Vorgangstyp, for the parser.
pub(crate) const ALL_VORGANGSTYPEN: [Vorgangstyp; 9] = [
    Vorgangstyp::Beleg,
    Vorgangstyp::AVTransfer,
    Vorgangstyp::AVBestellung,
    Vorgangstyp::AVTraining,
    Vorgangstyp::AVBelegstorno,
    Vorgangstyp::AVBelegabbruch,
    Vorgangstyp::AVSachbezug,
    Vorgangstyp::AVSonstige,
    Vorgangstyp::AVRechnung,
];

impl Vorgangstyp {
    /// The exact string (`Beleg`, `AVTraining`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Beleg => "Beleg",
            Self::AVTransfer => "AVTransfer",
            Self::AVBestellung => "AVBestellung",
            Self::AVTraining => "AVTraining",
            Self::AVBelegstorno => "AVBelegstorno",
            Self::AVBelegabbruch => "AVBelegabbruch",
            Self::AVSachbezug => "AVSachbezug",
            Self::AVSonstige => "AVSonstige",
            Self::AVRechnung => "AVRechnung",
        }
    }
}

/// The daily closing's processData (§6.5): `Kassenabschluss Z_NR=<n>`, signed with processType
/// [`PROCESS_TYPE_SONSTIGER_VORGANG`].
pub fn closing_process_data(z_number: u64) -> String {
    format!("Kassenabschluss Z_NR={z_number}")
}
