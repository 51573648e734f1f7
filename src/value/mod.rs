//! Value text: what a person typed in a return cell → [`ValueText`].
//!
//! Every quarterly value, `target` and `status` arrives as text
//! (`63%`, `£235,000 underspend`, `8.63 days`, `N/A`). This module parses it
//! to exactly one of a quantity, a missing value (with the reason it is
//! missing) or an invalid value (SPEC 2.4). Arithmetic is exact decimal
//! ([`Decimal`], never `f64`), so `0.1 + 0.2 == 0.3`.
//!
//! The parser is total and runs on untrusted text: no input panics, and the
//! work is bounded (a text over 1,000 bytes is refused up front). It is on
//! the hot path, called for every value of every return, so a quantity is
//! scanned straight off the text by hand, with no regex and no allocation;
//! only an invalid value allocates (for its reason). The plain shapes that
//! make up nearly every value (`63%`, `8.63 days`, `£235,000 underspend`)
//! take a fast path (`plain.rs`) that reads the bytes in one pass and gives
//! exactly what the general parser gives; a proptest checks the two agree.
//!
//! # Quantities
//!
//! `[qualifiers] [sign] [currency [sign]] number [multiplier] [unit]
//! [qualifiers | underspend | overspend]…`, words ignoring ASCII case.
//!
//! - **Numbers.** ASCII digits, `.` as the decimal point (`.5` is 0.5, `5.`
//!   is refused). Thousands separators are commas between well-formed
//!   groups: a first group of 1–3 digits not starting with 0, then groups
//!   of exactly three (`1,250,000`; not `1,00`, `12,50`, `1,2500`,
//!   `1234,567`, `0,500`), and none after the decimal point. Spaces are not
//!   separators. Underscores are refused: `1_000` is a number in the rule
//!   language but a slip in a return ([`suggest`] offers `1000`). At most
//!   28 decimal places and a 96-bit mantissa, as [`Decimal`] holds; the
//!   decimal places typed are kept (`94.50%` has scale 2).
//! - **Signs.** `-`, `−` (U+2212), `–` (en dash, which word processors
//!   substitute) and `+`, directly before the number or the currency sign,
//!   or after the currency sign (`-£5k`, `£-5k`); one sign at most. `-0` is
//!   0. Accounting brackets (`(£5,000)`) are refused as ambiguous.
//! - **Money.** `£` (gbp), `$` (usd), `€` (eur) before the amount, a space
//!   allowed after it; a currency sign after the amount (`5,000 €`) is
//!   refused. The multipliers `k`/`thousand`, `m`/`mn`/`million` and
//!   `bn`/`billion` need a currency sign (a bare `5k` or `5 m` is refused:
//!   `m` could be minutes) and are applied exactly, using up the decimal
//!   places first: `£1.2m` is 1200000, not 1200000.0.
//! - **Underspend/overspend** (also `under spend`, `under-spend`,
//!   `underspent`) make the amount negative/positive. They go with money,
//!   percentages and bare numbers, not durations, and not with a minus
//!   sign (`-£5k underspend` says the direction twice and is refused).
//! - **Units.** `%`, `percent`, `per cent`; `day(s)`, `working days`;
//!   `min(s)`, `minute(s)`; `hour(s)`, `hr(s)` (a `.` after an abbreviation
//!   is allowed). Seconds are not a unit. A unit cannot follow a currency.
//! - **Bare numbers** (`945`, `1,250`) have `unit: None` and take the
//!   measure's declared unit later. The parser never gives
//!   [`Unit::Count`]: that is only ever declared.
//! - **Qualifiers**, bare or in brackets, before or after: `Baseline` sets
//!   `baseline`; `approx(.)`, `approximately`, `approximate`, `est(.)`,
//!   `estimate(d)` and `provisional` (a figure that may still change) set
//!   `approx`, as do the prefixes `~`, `c.`, `ca.` and `circa`. Anything
//!   else after an amount is "unrecognised text after the amount".
//!
//! # Missing values
//!
//! - Empty or whitespace: blank.
//! - Exactly `N/A`, `NA`, `N.A.`, `n / a`, `Not applicable`, `-`, `--`,
//!   `–`, `—`: not applicable.
//! - Otherwise three phrase tables (see `DEFERRAL_PHRASES` and its
//!   siblings below: `To be reported`, `Due` but not `Due to`, `Available
//!   from`; `Not applicable`; `Being developed`, `To be collected`,
//!   `To be derived`, `Proposed`, `Not available`, `TBC`), matched as
//!   word sequences anywhere in the text, decide whether it is a missing
//!   value at all. Matching is by whole words, so an OCR slip elsewhere
//!   (`To be collected through Clözens Panel`) does not matter.
//! - A phrase that names a quarter (`Quarter 4`, `Q4`, `Q 4`,
//!   `quarter four`, `4th quarter`; `year end` and `end of the (financial)
//!   year` are Q4) is deferred to it, whichever table matched: `Not
//!   available until Q3` is due in Q3. The first quarter named wins. A
//!   quarter outside 1–4 is invalid.
//! - A phrase that names no quarter but a month (`in October`, `by May`,
//!   `until Month 7`, `M7`: a month's name counts only after `in`, `by`,
//!   `until`, `till`, `from`, `for`, `of` or `during`, so that `may` stays
//!   a word) is deferred to that month of the financial year (October is
//!   month 7), whichever table matched.
//! - Naming no quarter or month, not applicable beats not available beats
//!   deferred (`To be reported` is deferred with no quarter).
//! - A phrase holding an amount (`To be reported at Quarter 4 48%`, a
//!   merged cell in the seed) is invalid: it is unclear which was meant.
//!   Years (`2011/12`) and other plain numbers are allowed.
//!
//! # Invalid values
//!
//! Everything else: [`ValueText::Invalid`] with a short reason for a
//! diagnostic, quoting at most 40 characters of the text. `parse_value`
//! never returns `Missing(MissingKind::Invalid)`; that kind exists for
//! rules, where an invalid value behaves as missing
//! ([`ValueText::missing_kind`]). [`suggest`] proposes a correction where a
//! guess is cheap and safe.

mod fault;
mod phrase;
mod plain;
mod quantity;
#[cfg(test)]
mod tests;

use std::fmt;

use rust_decimal::Decimal;

use fault::*;
use phrase::*;
use plain::*;
use quantity::*;

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
    /// `To be reported in Quarter 4`: due later, in the quarter given if
    /// any; `To be reported in October`, `in Month 7`: in that month of
    /// the financial year (1..12, April is 1), when no quarter is named.
    Deferred {
        quarter: Option<u8>,
        month: Option<u8>,
    },
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
    Invalid {
        reason: String,
    },
}

impl Quantity {
    /// A quantity with no qualifiers.
    pub fn new(amount: Decimal, unit: Option<Unit>) -> Quantity {
        Quantity {
            amount,
            unit,
            approx: false,
            baseline: false,
        }
    }
}

/// The canonical text of a quantity, for values computed by rules (a value
/// from a return renders as typed): `63%`, `-£5,000`, `£1,200,000`,
/// `8.63 days`, `1 day`, `1.38 mins`, `3 hours`, `400 (Approx)`,
/// `71% Baseline`. Parsing it gives the quantity back (a `count` quantity
/// comes back as a bare number, `unit: None`).
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let amount = self.amount;
        let one = amount == Decimal::ONE;
        match self.unit {
            Some(unit @ (Unit::Gbp | Unit::Usd | Unit::Eur)) => {
                if amount.is_sign_negative() && !amount.is_zero() {
                    f.write_str("-")?;
                }
                f.write_str(match unit {
                    Unit::Gbp => "£",
                    Unit::Usd => "$",
                    _ => "€",
                })?;
                write_grouped(f, &amount.abs().to_string())?;
            }
            Some(Unit::Percent) => write!(f, "{amount}%")?,
            Some(Unit::Days) => write!(f, "{amount} {}", if one { "day" } else { "days" })?,
            Some(Unit::Minutes) => write!(f, "{amount} {}", if one { "min" } else { "mins" })?,
            Some(Unit::Hours) => write!(f, "{amount} {}", if one { "hour" } else { "hours" })?,
            Some(Unit::Count) | None => write!(f, "{amount}")?,
        }
        if self.baseline {
            f.write_str(" Baseline")?;
        }
        if self.approx {
            f.write_str(" (Approx)")?;
        }
        Ok(())
    }
}

/// An unsigned decimal with commas between groups of three integer digits.
fn write_grouped(f: &mut fmt::Formatter<'_>, digits: &str) -> fmt::Result {
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    for (i, d) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            f.write_str(",")?;
        }
        write!(f, "{d}")?;
    }
    if !frac.is_empty() {
        write!(f, ".{frac}")?;
    }
    Ok(())
}

impl ValueText {
    /// The quantity, if the text is one.
    pub fn as_quantity(&self) -> Option<&Quantity> {
        match self {
            ValueText::Quantity(q) => Some(q),
            _ => None,
        }
    }

    /// Why the value is missing: `None` for a quantity, and
    /// [`MissingKind::Invalid`] for an invalid value, which behaves as
    /// missing in rules (SPEC 2.4).
    pub fn missing_kind(&self) -> Option<MissingKind> {
        match self {
            ValueText::Quantity(_) => None,
            ValueText::Missing(kind) => Some(*kind),
            ValueText::Invalid { .. } => Some(MissingKind::Invalid),
        }
    }
}

/// Parse one value text (SPEC 2.4).
///
/// Total: every input gives a [`ValueText`], never a panic. A number is
/// scanned straight off the text without allocating; only an invalid value
/// allocates (its reason).
///
/// Plain quantities (`63%`, `8.63 days`, `£235,000 underspend`), nearly
/// every value in a return, take a fast path (`plain_quantity`) that
/// gives exactly what the general parser would; everything else, and every
/// invalid value, goes to the general parser. The proptest
/// `fast_path_agrees_with_general` checks the two agree.
pub fn parse_value(text: &str) -> ValueText {
    let t = trim(text);
    // The general parser refuses a text over `MAX_VALUE_BYTES` before
    // reading it, so the fast path must not read one either.
    if t.len() <= MAX_VALUE_BYTES
        && let Some(q) = plain_quantity(t)
    {
        return ValueText::Quantity(q);
    }
    parse_general(t)
}

/// [`parse_value`] without the fast path, for a trimmed text.
fn parse_general(t: &str) -> ValueText {
    if t.is_empty() {
        return ValueText::Missing(MissingKind::Blank);
    }
    if is_date(t) {
        return ValueText::Invalid {
            reason: format!("`{t}` is a date, not a value"),
        };
    }
    match classify(t) {
        Ok(value) => value,
        Err(fault) => ValueText::Invalid {
            reason: fault.reason(t),
        },
    }
}

/// A calendar date as a spreadsheet cell formatted as a date is read
/// (`2012-03-31`, optionally with a time): such a cell holds a day count
/// (`40999`) that must never pass for a number.
fn is_date(t: &str) -> bool {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b.len() == 10 || b[10] == b' ' || b[10] == b'T')
}

/// `text.trim()`, without decoding a character where it need not: when a
/// text starts (or ends) with an ASCII character that is not whitespace, as
/// nearly all values do, or starts with `£` or `€`, there is nothing to trim
/// at that end. (A byte below 0x80 is always a whole character in UTF-8,
/// and for ASCII, [`char::is_whitespace`] is exactly what `trim` tests.)
pub(crate) fn trim(text: &str) -> &str {
    let solid = |b: &u8| b.is_ascii() && !char::from(*b).is_whitespace();
    let bytes = text.as_bytes();
    let solid_start =
        bytes.first().is_some_and(solid) || text.starts_with('£') || text.starts_with('€');
    match (solid_start, bytes.last().is_some_and(solid)) {
        (true, true) => text,
        (true, false) => text.trim_end(),
        (false, true) => text.trim_start(),
        (false, false) => text.trim(),
    }
}

/// Whether a text is empty or only white space ([`trim`]'s test).
pub(crate) fn is_blank(text: &str) -> bool {
    trim(text).is_empty()
}

/// For an invalid value, the value probably meant, where a cheap and safe
/// guess exists: `1_000` → `1000`, `£617, unders` → `£617 underspend`,
/// `1.38 Minz` → `1.38 mins`, `94%%` → `94%`, `(£5,000)` → `-£5,000`,
/// `5,000 €` → `€5,000`, `0,5` → `0.5`. `None` for a valid value and where
/// a guess would be a coin toss (`1,00` may be 100 or 1.00; `N#`). A
/// suggestion always parses.
pub fn suggest(text: &str) -> Option<String> {
    let t = text.trim();
    let candidate = match classify(t).err()? {
        Fault::Underscore => t.replace('_', ""),
        Fault::Brackets => {
            let inner = t.strip_prefix('(')?.strip_suffix(')')?.trim();
            format!("-{inner}")
        }
        Fault::BadSeparator if t.starts_with("0,") => t.replacen(',', ".", 1),
        Fault::Trailing { at } => fix_tail(t.get(..at)?, t.get(at..)?)?,
        Fault::NotAValue if t.eq_ignore_ascii_case("nil") => "0".to_owned(),
        _ => return None,
    };
    match parse_value(&candidate) {
        ValueText::Invalid { .. } => None,
        _ => Some(candidate),
    }
}

/// Words that may follow an amount, for correcting a slip after one.
const SUFFIX_WORDS: [&str; 10] = [
    "days",
    "mins",
    "minutes",
    "hours",
    "hrs",
    "percent",
    "underspend",
    "overspend",
    "baseline",
    "approx",
];

/// A guess at what `head` (a complete amount) followed by `tail` (text not
/// understood) was meant to say.
fn fix_tail(head: &str, tail: &str) -> Option<String> {
    let head = head.trim_end();
    let word = tail.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | '.' | ';' | ':' | '(' | ')')
    });
    if word.chars().all(|c| c == '%') {
        // `94%%`, `£617,`
        return Some(head.to_owned());
    }
    if matches!(word, "£" | "$" | "€") {
        // `5,000 €`
        return Some(format!("{word}{head}"));
    }
    if word.len() > 20 || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let word = word.to_ascii_lowercase();
    let closest = SUFFIX_WORDS
        .iter()
        .map(|w| {
            let d = if word.len() >= 3 && w.starts_with(&word) {
                0
            } else {
                strsim::damerau_levenshtein(&word, w)
            };
            (d, w)
        })
        .filter(|(d, w)| *d <= if w.len() >= 6 { 2 } else { 1 })
        .min_by_key(|(d, _)| *d)?;
    Some(format!("{head} {}", closest.1))
}

/// `t` is trimmed and not empty.
fn classify(t: &str) -> Result<ValueText, Fault> {
    if t.len() > MAX_VALUE_BYTES {
        return Err(Fault::TooLong);
    }
    if is_not_applicable(t) {
        return Ok(ValueText::Missing(MissingKind::NotApplicable));
    }
    let Some(first) = t.chars().next() else {
        return Ok(ValueText::Missing(MissingKind::Blank));
    };
    if starts_quantity(first) || has_prefix_qualifier(t) {
        return scan_quantity(t).map(ValueText::Quantity);
    }
    match first {
        '(' => Err(bracketed(t)),
        '%' => Err(Fault::NoNumberBeforePercent),
        '#' if is_spreadsheet_error(t) => Err(Fault::SpreadsheetError),
        _ => classify_phrase(t),
    }
}

/// A longer text is not a value but something pasted into the wrong cell;
/// refusing it up front bounds the work done on any input.
const MAX_VALUE_BYTES: usize = 1000;

/// Whole texts meaning "not applicable", compared ignoring ASCII case.
const NOT_APPLICABLE: [&str; 13] = [
    "n/a",
    "n/a.",
    "na",
    "n.a.",
    "n.a",
    "n / a",
    "not applicable",
    "not applicable.",
    "-",
    "--",
    "\u{2013}", // en dash
    "\u{2014}", // em dash
    "\u{2212}", // minus sign
];

fn is_not_applicable(t: &str) -> bool {
    // All start with `n`, `N`, `-` or (the dashes) the byte 0xE2.
    t.len() <= 16
        && matches!(t.as_bytes().first(), Some(b'n' | b'N' | b'-' | 0xE2))
        && NOT_APPLICABLE.iter().any(|na| t.eq_ignore_ascii_case(na))
}

/// Characters that can begin a quantity (sign, currency, digit, `~`).
fn starts_quantity(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '.' | '~' | '£' | '$' | '€') || sign_of(c).is_some()
}

/// `-`, `−` (U+2212) and `–` (en dash, as word processors substitute) are
/// minus; `+` is plus. `Some(true)` means negative.
fn sign_of(c: char) -> Option<bool> {
    match c {
        '-' | '\u{2212}' | '\u{2013}' => Some(true),
        '+' => Some(false),
        _ => None,
    }
}

/// `#REF!`, `#DIV/0!`, `#NAME?`, `#N/A`: a spreadsheet error typed or
/// exported as text.
fn is_spreadsheet_error(t: &str) -> bool {
    t.len() <= 16 && (t.ends_with('!') || t.ends_with('?') || t.eq_ignore_ascii_case("#n/a"))
}

/// `(£5,000)`: accounting brackets, which some read as negative and some
/// as a note. Refused, with a suggestion to write the sign.
fn bracketed(t: &str) -> Fault {
    let inner = t
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .map(str::trim);
    match inner {
        Some(inner) if inner.starts_with(|c: char| c.is_ascii_digit() || "£$€".contains(c)) => {
            match scan_quantity(inner) {
                Ok(_) => Fault::Brackets,
                Err(_) => Fault::NotAValue,
            }
        }
        _ => Fault::NotAValue,
    }
}
