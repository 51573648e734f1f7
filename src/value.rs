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
//! only an invalid value allocates (for its reason).
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
//! - Naming no quarter, not applicable beats not available beats deferred
//!   (`To be reported` is deferred with no quarter).
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
pub fn parse_value(text: &str) -> ValueText {
    let t = text.trim();
    if t.is_empty() {
        return ValueText::Missing(MissingKind::Blank);
    }
    match classify(t) {
        Ok(value) => value,
        Err(fault) => ValueText::Invalid {
            reason: fault.reason(t),
        },
    }
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

// ---------------------------------------------------------------------------
// Faults: why a text is not a value.

/// Why a text is not a value. Plain data (offsets into the trimmed text), so
/// that [`suggest`] can act on it; put into words only for
/// [`ValueText::Invalid`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Letters that are neither a quantity nor a known missing phrase.
    NotAValue,
    /// Over [`MAX_VALUE_BYTES`].
    TooLong,
    SpreadsheetError,
    NoNumberBeforePercent,
    /// A currency sign with no amount after it.
    NoAmount,
    /// `1,00`, `12,50`, `1,2500`, `1234,567`, `0,5`.
    BadSeparator,
    /// `1.250,5`.
    SeparatorAfterPoint,
    /// `1_000`.
    Underscore,
    /// `5.`.
    DanglingPoint,
    /// `1.2.3`.
    TwoPoints,
    TooLarge,
    TooPrecise,
    /// `--5`, `-£-5`.
    TwoSigns,
    /// `5k` with no currency sign.
    MultiplierWithoutCurrency,
    /// `£5%`, `£3 days`.
    CurrencyAndUnit,
    /// `3 days underspend`.
    SpendOnDuration,
    /// `-£5k underspend`, `£5k underspend overspend`.
    SignAndSpend,
    /// `(£5,000)`.
    Brackets,
    /// Text after a complete amount, starting at byte `at`.
    Trailing {
        at: usize,
    },
    /// `To be reported in Quarter 5`: the number is at `at..at + len`.
    NoSuchQuarter {
        at: usize,
        len: usize,
    },
    /// `To be reported at Quarter 4 48%`: the amount is at `at..at + len`.
    PhraseWithAmount {
        at: usize,
        len: usize,
    },
}

impl Fault {
    /// The reason in plain words, quoting from `t` (the trimmed text).
    fn reason(self, t: &str) -> String {
        let q = quote(t);
        match self {
            Fault::NotAValue => format!(
                "{q} is not a number, percentage, amount of money, duration \
                 or recognised reason for a missing value"
            ),
            Fault::TooLong => format!(
                "{q} is too long to be a value ({} characters); \
                 explanations belong in the commentary",
                t.chars().count()
            ),
            Fault::SpreadsheetError => format!("{q} is a spreadsheet error, not a value"),
            Fault::NoNumberBeforePercent => format!("{q} has no number before the percent sign"),
            Fault::NoAmount => format!("{q} has no amount after the currency sign"),
            Fault::BadSeparator => format!(
                "{q} has a badly placed thousands separator \
                 (commas separate groups of three digits, as in 1,250)"
            ),
            Fault::SeparatorAfterPoint => {
                format!("{q} has a comma after the decimal point")
            }
            Fault::Underscore => {
                format!("{q} has an underscore in a number; write 1000 or 1,000, not 1_000")
            }
            Fault::DanglingPoint => {
                format!("{q} has a decimal point with no digits after it")
            }
            Fault::TwoPoints => format!("{q} has more than one decimal point"),
            Fault::TooLarge => format!("{q} is too large a number"),
            Fault::TooPrecise => format!("{q} has more than 28 decimal places"),
            Fault::TwoSigns => format!("{q} has more than one sign"),
            Fault::MultiplierWithoutCurrency => format!(
                "{q} uses k, m or bn without a currency sign; \
                 they are only used for money, as in £5k"
            ),
            Fault::CurrencyAndUnit => {
                format!("{q} has both a currency sign and another unit")
            }
            Fault::SpendOnDuration => format!(
                "{q} says underspend or overspend of a duration; \
                 they apply to money"
            ),
            Fault::SignAndSpend => format!(
                "{q} gives the direction twice (a sign, underspend or \
                 overspend); give it once"
            ),
            Fault::Brackets => format!(
                "{q} puts an amount in brackets; write a minus sign \
                 for a negative amount"
            ),
            Fault::Trailing { at } => format!(
                "unrecognised text after the amount: {}",
                quote(t.get(at..).unwrap_or(""))
            ),
            Fault::NoSuchQuarter { at, len } => format!(
                "{q} names quarter {}; quarters run from 1 to 4",
                shorten(t.get(at..at + len).unwrap_or(""))
            ),
            Fault::PhraseWithAmount { at, len } => format!(
                "{q} gives both a reason for a missing value and an amount ({}); \
                 keep one",
                quote(t.get(at..at + len).unwrap_or(""))
            ),
        }
    }
}

/// At most this many characters of a text are quoted in a reason.
const QUOTE_CHARS: usize = 40;

/// `text` in backticks, shortened if long (the text is untrusted and may be
/// huge).
fn quote(text: &str) -> String {
    format!("`{}`", shorten(text))
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Quantities: `-£1.2m underspend`, `94.5 %`, `400 (Approx)`, `8.63 days`.

/// Largest mantissa a [`Decimal`] holds (2^96 - 1).
const MAX_MANTISSA: u128 = (1 << 96) - 1;
/// Most decimal places a [`Decimal`] holds.
const MAX_SCALE: u32 = 28;

/// A cursor over the trimmed text. Every match is ASCII case-insensitive
/// and a word must end at a non-alphanumeric character, so `k` does not
/// match the start of `kg`.
struct Scan<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> {
    fn new(text: &'a str) -> Scan<'a> {
        Scan { text, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// The character after the next one.
    fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    /// The next character, ASCII lower-cased: a cheap test before trying
    /// a list of words.
    fn peek_lower(&self) -> Option<char> {
        self.peek().map(|c| c.to_ascii_lowercase())
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Skip whitespace; true if there was any.
    fn skip_ws(&mut self) -> bool {
        let rest = self.rest();
        let skipped = rest.len() - rest.trim_start().len();
        self.pos += skipped;
        skipped > 0
    }

    fn eat_digit(&mut self) -> Option<u8> {
        let d = self
            .rest()
            .as_bytes()
            .first()
            .copied()
            .filter(u8::is_ascii_digit)?;
        self.pos += 1;
        Some(d - b'0')
    }

    fn next_is_digit_after(&self, c: char) -> bool {
        self.peek() == Some(c) && self.peek2().is_some_and(|d| d.is_ascii_digit())
    }

    /// `word` (ASCII, lower case) as a whole word.
    fn eat_word(&mut self, word: &str) -> bool {
        let rest = self.rest();
        let matched = rest
            .get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
            && !rest[word.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
        if matched {
            self.pos += word.len();
        }
        matched
    }

    /// Words separated by whitespace (`per cent`) or, with `hyphen`, by one
    /// hyphen (`under-spend`).
    fn eat_words(&mut self, words: &[&str], hyphen: bool) -> bool {
        let start = self.pos;
        for (i, word) in words.iter().enumerate() {
            if i > 0 && !self.skip_ws() && !(hyphen && self.eat('-')) {
                self.pos = start;
                return false;
            }
            if !self.eat_word(word) {
                self.pos = start;
                return false;
            }
        }
        true
    }

    fn eat_any_word(&mut self, words: &[&str]) -> bool {
        words.iter().any(|w| self.eat_word(w))
    }

    /// A sign; `Some(true)` for minus.
    fn eat_sign(&mut self) -> Option<bool> {
        let c = self.peek()?;
        let negative = sign_of(c)?;
        self.pos += c.len_utf8();
        Some(negative)
    }

    fn eat_currency(&mut self) -> Option<Unit> {
        let unit = match self.peek()? {
            '£' => Unit::Gbp,
            '$' => Unit::Usd,
            '€' => Unit::Eur,
            _ => return None,
        };
        self.pos += self.peek().map_or(0, char::len_utf8);
        Some(unit)
    }

    /// Qualifiers before the number: `~400`, `approx. 400`, `c. 400`,
    /// `circa 400`, `(Approx) 400`, `Baseline: 71%`.
    fn prefix_qualifiers(&mut self, q: &mut Quantity) {
        loop {
            let start = self.pos;
            if self.eat('~') {
                q.approx = true;
            } else if self.eat_any_word(&["c", "ca"]) {
                if !self.eat('.') {
                    self.pos = start;
                    return;
                }
                q.approx = true;
            } else if self.eat_word("circa") {
                q.approx = true;
            } else if let Some(qualifier) = self.qualifier() {
                qualifier.apply(q);
                self.eat(':');
            } else {
                return;
            }
            self.skip_ws();
        }
    }

    /// A qualifier word, bare or in brackets: `Baseline`, `(Approx)`,
    /// `approx.`, `(est.)`, `provisional`.
    fn qualifier(&mut self) -> Option<Qualifier> {
        if !matches!(self.peek_lower(), Some('(' | 'a' | 'b' | 'e' | 'p')) {
            return None;
        }
        let start = self.pos;
        let bracketed = self.eat('(');
        if bracketed {
            self.skip_ws();
        }
        let found = if self.eat_word("baseline") {
            Some(Qualifier::Baseline)
        } else if self.eat_any_word(&[
            "approx",
            "approximately",
            "approximate",
            "est",
            "estimate",
            "estimated",
            "provisional",
        ]) {
            self.eat('.');
            Some(Qualifier::Approx)
        } else {
            None
        };
        if bracketed && found.is_some() {
            self.skip_ws();
            if !self.eat(')') {
                self.pos = start;
                return None;
            }
        }
        if found.is_none() {
            self.pos = start;
        }
        found
    }

    /// `underspend` (true) or `overspend` (false), also `under spend`,
    /// `under-spend`, `underspent`.
    fn spend(&mut self) -> Option<bool> {
        if !matches!(self.peek_lower(), Some('u' | 'o')) {
            return None;
        }
        for (prefix, under) in [("under", true), ("over", false)] {
            for word in ["spend", "spent"] {
                if self.eat_words(&[prefix, word], true) {
                    return Some(under);
                }
                let start = self.pos;
                let glued = self
                    .rest()
                    .get(..prefix.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(prefix));
                if glued {
                    self.pos += prefix.len();
                    if self.eat_word(word) {
                        return Some(under);
                    }
                    self.pos = start;
                }
            }
        }
        None
    }

    /// A decimal number with optional thousands separators: the mantissa
    /// and scale, or `None` if there are no digits here.
    fn number(&mut self) -> Result<Option<(u128, u32)>, Fault> {
        let mut mantissa: u128 = 0;
        let mut scale: u32 = 0;
        let push = |m: &mut u128, d: u8| -> Result<(), Fault> {
            *m = m
                .checked_mul(10)
                .and_then(|m| m.checked_add(u128::from(d)))
                .filter(|m| *m <= MAX_MANTISSA)
                .ok_or(Fault::TooLarge)?;
            Ok(())
        };

        let int_start = self.pos;
        let mut int_digits = 0usize;
        while let Some(d) = self.eat_digit() {
            push(&mut mantissa, d)?;
            int_digits += 1;
        }
        let leading_zero = int_digits > 0 && self.text.as_bytes().get(int_start) == Some(&b'0');
        let mut first_group = true;
        while int_digits > 0 && self.next_is_digit_after(',') {
            if first_group && (int_digits > 3 || leading_zero) {
                return Err(Fault::BadSeparator);
            }
            first_group = false;
            self.eat(',');
            let mut group = 0;
            while let Some(d) = self.eat_digit() {
                push(&mut mantissa, d)?;
                group += 1;
            }
            if group != 3 {
                return Err(Fault::BadSeparator);
            }
        }
        if self.next_is_digit_after('_') {
            return Err(Fault::Underscore);
        }
        if self.next_is_digit_after('.') {
            self.eat('.');
            while let Some(d) = self.eat_digit() {
                push(&mut mantissa, d)?;
                scale += 1;
                if scale > MAX_SCALE {
                    return Err(Fault::TooPrecise);
                }
            }
            if self.next_is_digit_after(',') {
                return Err(Fault::SeparatorAfterPoint);
            }
            if self.next_is_digit_after('.') {
                return Err(Fault::TwoPoints);
            }
            if self.next_is_digit_after('_') {
                return Err(Fault::Underscore);
            }
        } else if int_digits == 0 {
            return Ok(None);
        } else if self.peek() == Some('.') {
            return Err(Fault::DanglingPoint);
        }
        Ok(Some((mantissa, scale)))
    }

    /// `k`, `m`, `mn`, `bn` or the words: the power of ten.
    fn multiplier(&mut self) -> Option<u32> {
        if !matches!(self.peek_lower(), Some('k' | 't' | 'm' | 'b')) {
            None
        } else if self.eat_any_word(&["k", "thousand"]) {
            Some(3)
        } else if self.eat_any_word(&["m", "mn", "million"]) {
            Some(6)
        } else if self.eat_any_word(&["bn", "billion"]) {
            Some(9)
        } else {
            None
        }
    }

    /// A unit written after the number.
    fn unit(&mut self) -> Option<Unit> {
        match self.peek_lower()? {
            '%' => self.eat('%').then_some(Unit::Percent),
            'p' => (self.eat_word("percent") || self.eat_words(&["per", "cent"], false))
                .then_some(Unit::Percent),
            'd' | 'w' => (self.eat_words(&["working", "days"], false)
                || self.eat_any_word(&["days", "day"]))
            .then_some(Unit::Days),
            'm' => self
                .eat_any_word(&["minutes", "minute", "mins", "min"])
                .then(|| self.eat('.'))
                .map(|_| Unit::Minutes),
            'h' => self
                .eat_any_word(&["hours", "hour", "hrs", "hr"])
                .then(|| self.eat('.'))
                .map(|_| Unit::Hours),
            _ => None,
        }
    }
}

#[derive(Clone, Copy)]
enum Qualifier {
    Approx,
    Baseline,
}

impl Qualifier {
    fn apply(self, q: &mut Quantity) {
        match self {
            Qualifier::Approx => q.approx = true,
            Qualifier::Baseline => q.baseline = true,
        }
    }
}

/// Does `t` start with qualifiers (`approx`, `circa`, `(Approx)`) followed
/// by something that starts a quantity?
fn has_prefix_qualifier(t: &str) -> bool {
    let mut s = Scan::new(t);
    s.prefix_qualifiers(&mut Quantity::new(Decimal::ZERO, None));
    s.pos > 0 && s.peek().is_some_and(starts_quantity)
}

/// `[qualifiers] [sign] [currency [sign]] number [multiplier] [unit]
/// [qualifiers | underspend | overspend]...`
fn scan_quantity(t: &str) -> Result<Quantity, Fault> {
    let mut s = Scan::new(t);
    let mut q = Quantity::new(Decimal::ZERO, None);
    if !s.peek().is_some_and(|c| c.is_ascii_digit()) {
        s.prefix_qualifiers(&mut q);
    }

    let sign = s.eat_sign();
    if s.peek().is_some_and(|c| sign_of(c).is_some()) {
        return Err(Fault::TwoSigns);
    }
    let currency = s.eat_currency();
    let mut negative = sign == Some(true);
    if currency.is_some() {
        s.skip_ws();
        if let Some(minus) = s.eat_sign() {
            if sign.is_some() {
                return Err(Fault::TwoSigns);
            }
            negative = minus;
        }
    }
    let Some((mantissa, scale)) = s.number()? else {
        return Err(if currency.is_some() {
            Fault::NoAmount
        } else {
            Fault::NotAValue
        });
    };

    let gap_start = s.pos;
    s.skip_ws();
    let power = match s.multiplier() {
        Some(_) if currency.is_none() => return Err(Fault::MultiplierWithoutCurrency),
        power => power.unwrap_or(0),
    };
    if power == 0 {
        s.pos = gap_start;
    }
    let unit_start = s.pos;
    s.skip_ws();
    q.unit = match s.unit() {
        Some(_) if currency.is_some() => return Err(Fault::CurrencyAndUnit),
        Some(unit) => Some(unit),
        None => {
            s.pos = unit_start;
            currency
        }
    };

    let mut spend = None;
    loop {
        s.skip_ws();
        if s.at_end() {
            break;
        }
        if let Some(qualifier) = s.qualifier() {
            qualifier.apply(&mut q);
        } else if let Some(under) = s.spend() {
            if spend.is_some() {
                return Err(Fault::SignAndSpend);
            }
            spend = Some(under);
        } else {
            return Err(Fault::Trailing { at: s.pos });
        }
    }
    if let Some(under) = spend {
        if matches!(q.unit, Some(Unit::Days | Unit::Minutes | Unit::Hours)) {
            return Err(Fault::SpendOnDuration);
        }
        if negative {
            return Err(Fault::SignAndSpend);
        }
        negative = under;
    }
    q.amount = decimal(mantissa, scale, power, negative)?;
    Ok(q)
}

/// `mantissa × 10^(power − scale)`, exactly: a multiplier first uses up
/// decimal places, so `£1.2m` is 1200000, not 1200000.0.
fn decimal(mantissa: u128, scale: u32, power: u32, negative: bool) -> Result<Decimal, Fault> {
    let (mantissa, scale) = if scale >= power {
        (mantissa, scale - power)
    } else {
        let m = 10u128
            .checked_pow(power - scale)
            .and_then(|p| mantissa.checked_mul(p))
            .filter(|m| *m <= MAX_MANTISSA)
            .ok_or(Fault::TooLarge)?;
        (m, 0)
    };
    let signed = i128::try_from(mantissa).map_err(|_| Fault::TooLarge)?;
    let signed = if negative { -signed } else { signed };
    Decimal::try_from_i128_with_scale(signed, scale).map_err(|_| Fault::TooPrecise)
}

// ---------------------------------------------------------------------------
// Missing-value phrases.

// Phrase tables: word sequences matched anywhere in the text, ignoring
// ASCII case; `!to` matches any word but `to`, or the end. One line per idea,
// hence no rustfmt.

/// Phrases saying a value is not applicable.
#[rustfmt::skip]
const NOT_APPLICABLE_PHRASES: &[&[&str]] = &[&["not", "applicable"], &["n/a"], &["na"]];

/// Phrases saying a value is due later.
#[rustfmt::skip]
const DEFERRAL_PHRASES: &[&[&str]] = &[
    &["to", "be", "reported"], &["to", "be", "provided"], &["to", "be", "published"],
    &["to", "be", "supplied"], &["to", "be", "submitted"], &["to", "be", "updated"],
    &["to", "be", "available"],
    &["will", "be", "reported"], &["will", "be", "provided"], &["will", "be", "published"],
    &["will", "be", "available"],
    &["reported", "in"], &["reported", "at"], &["reported", "by"], &["reporting", "in"],
    &["reported", "annually"], &["not", "yet", "reported"],
    &["annual", "measure"], &["annual", "indicator"], &["annual", "figure"],
    &["annual", "survey"], &["annual", "data"],
    &["available", "in"], &["available", "at"], &["available", "from"],
    &["available", "by"], &["available", "after"],
    &["due", "!to"], &["to", "follow"], &["awaited"], &["awaiting"], &["pending"],
];

/// Phrases saying there is no value to give (yet): the indicator is being
/// developed, the data is collected elsewhere, nobody knows.
#[rustfmt::skip]
const NOT_AVAILABLE_PHRASES: &[&[&str]] = &[
    &["being", "developed"], &["under", "development"], &["in", "development"],
    &["to", "be", "developed"], &["to", "be", "collected"], &["to", "be", "derived"],
    &["to", "be", "determined"], &["to", "be", "confirmed"], &["to", "be", "agreed"],
    &["to", "be", "set"], &["indicator", "to", "be"], &["measure", "to", "be"],
    &["tbc"], &["tbd"], &["tba"],
    &["not", "available"], &["not", "yet", "available"], &["unavailable"], &["no", "data"],
    &["not", "collected"], &["not", "measured"], &["not", "known"], &["not", "yet", "known"],
    &["unknown"], &["proposed"], &["new", "indicator"], &["new", "measure"],
];

/// A word of the text and its byte offset.
type Word<'a> = (usize, &'a str);

/// Short texts (all real ones) keep their words on the stack.
const STACK_WORDS: usize = 32;

/// A text that is not a quantity: a known reason for a missing value, or
/// invalid.
///
/// The phrase tables decide whether the text is a missing value at all;
/// then a quarter named anywhere in it (`Quarter 4`, `Q4`, `4th quarter`,
/// `year end`) makes it a deferral to that quarter, whatever the phrase
/// (`Not available until Q3` is due in Q3). Without a quarter, not
/// applicable beats not available beats deferred.
fn classify_phrase(t: &str) -> Result<ValueText, Fault> {
    let mut stack: [Word<'_>; STACK_WORDS] = [(0, ""); STACK_WORDS];
    let mut count = 0;
    let mut iter = Words::new(t);
    let mut overflow = None;
    for word in iter.by_ref() {
        if count == STACK_WORDS {
            overflow = Some(word);
            break;
        }
        stack[count] = word;
        count += 1;
    }
    let heap: Vec<Word<'_>>;
    let words = match overflow {
        None => &stack[..count],
        Some(word) => {
            heap = stack.into_iter().chain([word]).chain(iter).collect();
            &heap[..]
        }
    };

    let any = |phrases: &[&[&str]]| phrases.iter().any(|p| contains_phrase(words, p));
    let not_applicable = any(NOT_APPLICABLE_PHRASES);
    let not_available = any(NOT_AVAILABLE_PHRASES);
    let deferred = any(DEFERRAL_PHRASES);
    if !(not_applicable || not_available || deferred) {
        return Err(Fault::NotAValue);
    }
    let kind = match scan_quarters(words)? {
        Some(quarter) => MissingKind::Deferred {
            quarter: Some(quarter),
        },
        None if not_applicable => MissingKind::NotApplicable,
        None if not_available => MissingKind::NotAvailable,
        None => MissingKind::Deferred { quarter: None },
    };
    Ok(ValueText::Missing(kind))
}

/// Whitespace-separated words with their byte offsets, trimmed of
/// punctuation at either end (`(Q4).` → `Q4`) but keeping `%` and currency
/// signs, so that an amount in a phrase stays recognisable.
struct Words<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Words<'a> {
        Words { text, pos: 0 }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '%' | '£' | '$' | '€')
}

impl<'a> Iterator for Words<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        loop {
            let rest = self.text.get(self.pos..)?;
            let start = self.pos + (rest.len() - rest.trim_start().len());
            let tail = self.text.get(start..)?;
            if tail.is_empty() {
                self.pos = self.text.len();
                return None;
            }
            let len = tail.find(char::is_whitespace).unwrap_or(tail.len());
            self.pos = start + len;
            let raw = &tail[..len];
            let lead = raw.len() - raw.trim_start_matches(|c| !is_word_char(c)).len();
            let word = raw[lead..].trim_end_matches(|c| !is_word_char(c));
            if !word.is_empty() {
                return Some((start + lead, word));
            }
        }
    }
}

fn contains_phrase(words: &[Word<'_>], phrase: &[&str]) -> bool {
    let Some((first, rest)) = phrase.split_first() else {
        return false;
    };
    let matches = |i: usize, pattern: &str| match pattern.strip_prefix('!') {
        Some(not) => !words
            .get(i)
            .is_some_and(|(_, w)| w.eq_ignore_ascii_case(not)),
        None => words
            .get(i)
            .is_some_and(|(_, w)| w.eq_ignore_ascii_case(pattern)),
    };
    words.iter().enumerate().any(|(i, (_, w))| {
        w.eq_ignore_ascii_case(first) && rest.iter().enumerate().all(|(j, p)| matches(i + 1 + j, p))
    })
}

fn is_any(word: &str, options: &[&str]) -> bool {
    options.iter().any(|o| word.eq_ignore_ascii_case(o))
}

/// The first quarter a phrase names, if any. An amount in the phrase
/// (`48%`, `£5k`) or a quarter outside 1..4 makes it invalid.
fn scan_quarters(words: &[Word<'_>]) -> Result<Option<u8>, Fault> {
    let mut first = None;
    let mut i = 0;
    while let Some(&(at, word)) = words.get(i) {
        let has_digit = word.bytes().any(|b| b.is_ascii_digit());
        if has_digit && word.contains(['%', '£', '$', '€']) {
            return Err(Fault::PhraseWithAmount {
                at,
                len: word.len(),
            });
        }
        let (quarter, used) = quarter_at(&words[i..])?;
        first = first.or(quarter);
        i += used;
    }
    Ok(first)
}

/// A quarter named at the start of `words`, and how many words the name
/// takes (at least one).
fn quarter_at(words: &[Word<'_>]) -> Result<(Option<u8>, usize), Fault> {
    let Some(&(at, word)) = words.first() else {
        return Ok((None, 1));
    };
    let next = words.get(1).map(|(_, w)| *w);
    let next_is = |options: &[&str]| next.is_some_and(|w| is_any(w, options));

    // `Q4`
    if let Some(digits) = word.strip_prefix(['q', 'Q'])
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Ok((quarter_number(digits, at + 1)?, 1));
    }
    // `Quarter 4`, `Q 4`, `quarter four`
    if is_any(word, &["q", "qtr", "quarter", "qu"]) {
        if let Some(&(n_at, n)) = words.get(1) {
            if n.bytes().all(|b| b.is_ascii_digit()) {
                return Ok((quarter_number(n, n_at)?, 2));
            }
            if let Some(q) = ordinal(n, &["one", "two", "three", "four"]) {
                return Ok((Some(q), 2));
            }
        }
        return Ok((None, 1));
    }
    // `4th quarter`, `fourth quarter`
    let ordinal_quarter = ordinal(word, &["1st", "2nd", "3rd", "4th"])
        .or_else(|| ordinal(word, &["first", "second", "third", "fourth"]));
    if let Some(q) = ordinal_quarter
        && next_is(&["quarter", "qtr", "q"])
    {
        return Ok((Some(q), 2));
    }
    // `year end`, `year-end`, `end of (the) (financial) year`
    if is_any(word, &["year-end", "yearend"]) {
        return Ok((Some(4), 1));
    }
    if is_any(word, &["year"]) && next_is(&["end"]) {
        return Ok((Some(4), 2));
    }
    if is_any(word, &["end"]) && next_is(&["of"]) {
        for (i, (_, w)) in words.iter().enumerate().skip(2) {
            if is_any(w, &["year"]) {
                return Ok((Some(4), i + 1));
            }
            if !is_any(w, &["the", "financial"]) {
                break;
            }
        }
    }
    Ok((None, 1))
}

/// 1-based position of `word` in `options`, ignoring ASCII case.
fn ordinal(word: &str, options: &[&str; 4]) -> Option<u8> {
    (1u8..)
        .zip(options)
        .find(|(_, o)| word.eq_ignore_ascii_case(o))
        .map(|(q, _)| q)
}

fn quarter_number(digits: &str, at: usize) -> Result<Option<u8>, Fault> {
    match digits.parse::<u8>() {
        Ok(q @ 1..=4) => Ok(Some(q)),
        _ => Err(Fault::NoSuchQuarter {
            at,
            len: digits.len(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(text: &str) -> Decimal {
        match parse_value(text) {
            ValueText::Quantity(q) => q.amount,
            other => panic!("{text:?} parsed to {other:?}"),
        }
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(amount("0.1") + amount("0.2"), amount("0.3"));
    }

    #[test]
    fn multipliers_use_up_decimal_places() {
        assert_eq!(decimal(12, 1, 6, false), Ok(Decimal::new(1_200_000, 0)));
        assert_eq!(decimal(12345, 4, 3, false), Ok(Decimal::new(12345, 1)));
        assert_eq!(decimal(5, 0, 3, true), Ok(Decimal::new(-5000, 0)));
        assert_eq!(decimal(MAX_MANTISSA, 0, 3, false), Err(Fault::TooLarge));
        assert_eq!(decimal(0, 0, 0, true), Ok(Decimal::ZERO));
    }

    #[test]
    fn words_are_trimmed_of_punctuation_with_offsets() {
        let words: Vec<_> = Words::new(" (Q4).  48% - £5k, ").collect();
        assert_eq!(words, [(2, "Q4"), (8, "48%"), (14, "£5k")]);
    }

    #[test]
    fn phrases_match_whole_words_anywhere() {
        let words: Vec<_> = Words::new("Data due to follow").collect();
        assert!(contains_phrase(&words, &["to", "follow"]));
        assert!(!contains_phrase(&words, &["due", "!to"]));
        let words: Vec<_> = Words::new("Overdue").collect();
        assert!(!contains_phrase(&words, &["due", "!to"]));
        let words: Vec<_> = Words::new("due").collect();
        assert!(contains_phrase(&words, &["due", "!to"]));
    }

    #[test]
    fn quarters_are_named_many_ways() {
        let quarter = |t: &str| {
            let words: Vec<_> = Words::new(t).collect();
            scan_quarters(&words)
        };
        assert_eq!(quarter("in Quarter 4"), Ok(Some(4)));
        assert_eq!(quarter("in q2, not Q3"), Ok(Some(2)));
        assert_eq!(quarter("the second quarter"), Ok(Some(2)));
        assert_eq!(quarter("at the end of the financial year"), Ok(Some(4)));
        assert_eq!(quarter("next quarter"), Ok(None));
        assert_eq!(
            quarter("in Quarter 12"),
            Err(Fault::NoSuchQuarter { at: 11, len: 2 })
        );
    }

    #[test]
    fn long_texts_are_refused_cheaply() {
        let long = "to be reported ".repeat(1000);
        assert!(matches!(parse_value(&long), ValueText::Invalid { .. }));
        let many_words = "to be reported in Q4 ".repeat(10);
        assert_eq!(
            parse_value(&many_words),
            ValueText::Missing(MissingKind::Deferred { quarter: Some(4) })
        );
    }
}
