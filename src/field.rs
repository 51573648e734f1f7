//! The fields of a measure entry that the rule language names directly
//! (`title`, `status`, `target`, …): one vocabulary for the return model
//! ([`crate::returns`]), the compiled rules ([`crate::ir`]) and layouts
//! ([`crate::layout`]), kept apart so that none of them depends on another
//! for it.

/// The fields of a measure entry that the language names directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KnownField {
    Title,
    Section,
    Officer,
    Status,
    Commentary,
    Unit,
    Target,
}

impl KnownField {
    pub const ALL: [KnownField; 7] = [
        KnownField::Title,
        KnownField::Section,
        KnownField::Officer,
        KnownField::Status,
        KnownField::Commentary,
        KnownField::Unit,
        KnownField::Target,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KnownField::Title => "title",
            KnownField::Section => "section",
            KnownField::Officer => "officer",
            KnownField::Status => "status",
            KnownField::Commentary => "commentary",
            KnownField::Unit => "unit",
            KnownField::Target => "target",
        }
    }

    pub fn from_name(name: &str) -> Option<KnownField> {
        KnownField::ALL.into_iter().find(|f| f.name() == name)
    }
}
