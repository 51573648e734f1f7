//! Value text: what a person typed in a return cell → [`ValueText`].
//!
//! Every quarterly value, `target` and `status` arrives as text
//! (`63%`, `£235,000 underspend`, `8.63 days`, `N/A`). This module parses it
//! to exactly one of a quantity, a missing value (with the reason it is
//! missing) or an invalid value (SPEC 2.4). Arithmetic is exact decimal.

use std::fmt;

use rust_decimal::Decimal;

/// The unit of a quantity, as declared by `unit` in a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    Percent,
    Gbp,
    Usd,
    Eur,
    Days,
    Minutes,
    Hours,
    Count,
}

impl Unit {
    pub const ALL: [Unit; 8] = [
        Unit::Percent,
        Unit::Gbp,
        Unit::Usd,
        Unit::Eur,
        Unit::Days,
        Unit::Minutes,
        Unit::Hours,
        Unit::Count,
    ];

    /// The name used in rule files (`unit percent`).
    pub fn name(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::Gbp => "gbp",
            Unit::Usd => "usd",
            Unit::Eur => "eur",
            Unit::Days => "days",
            Unit::Minutes => "minutes",
            Unit::Hours => "hours",
            Unit::Count => "count",
        }
    }

    pub fn from_name(name: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.name() == name)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a value is absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MissingKind {
    /// Nothing typed.
    Blank,
    /// `N/A`, `NA`, `-`.
    NotApplicable,
    /// `To be reported in Quarter 4`: due later, in the quarter given if any.
    Deferred { quarter: Option<u8> },
    /// `Indicator being developed`, `To be collected through Citizens Panel`.
    NotAvailable,
    /// Text that is no value at all (`N#`, `£617, unders`).
    Invalid,
}

impl MissingKind {
    pub fn name(self) -> &'static str {
        match self {
            MissingKind::Blank => "blank",
            MissingKind::NotApplicable => "not_applicable",
            MissingKind::Deferred { .. } => "deferred",
            MissingKind::NotAvailable => "not_available",
            MissingKind::Invalid => "invalid",
        }
    }
}

/// A number with an optional explicit unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quantity {
    pub amount: Decimal,
    /// `None` for a bare number (`945`), which takes the measure's unit.
    pub unit: Option<Unit>,
    /// `400 (Approx)`.
    pub approx: bool,
    /// `71% Baseline`.
    pub baseline: bool,
}

/// What a value text parses to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueText {
    Quantity(Quantity),
    Missing(MissingKind),
    /// Not a value; `reason` says why in plain words.
    Invalid { reason: String },
}

/// Parse one value text (SPEC 2.4).
pub fn parse_value(text: &str) -> ValueText {
    let t = text.trim();
    if t.is_empty() {
        return ValueText::Missing(MissingKind::Blank);
    }
    if matches!(t, "N/A" | "NA" | "n/a" | "-") {
        return ValueText::Missing(MissingKind::NotApplicable);
    }
    let (body, unit) = if let Some(b) = t.strip_suffix('%') {
        (b.trim(), Some(Unit::Percent))
    } else {
        (t, None)
    };
    match body.replace(',', "").parse::<Decimal>() {
        Ok(amount) => ValueText::Quantity(Quantity {
            amount,
            unit,
            approx: false,
            baseline: false,
        }),
        Err(_) => ValueText::Invalid {
            reason: "not a number, percentage, amount of money or duration".into(),
        },
    }
}
