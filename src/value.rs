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

/// `t` is trimmed and not empty.
fn classify(t: &str) -> Result<ValueText, Fault> {
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
    t.len() <= 16 && NOT_APPLICABLE.iter().any(|na| t.eq_ignore_ascii_case(na))
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
        if self.eat_any_word(&["k", "thousand"]) {
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
        if self.eat('%') || self.eat_word("percent") || self.eat_words(&["per", "cent"], false) {
            return Some(Unit::Percent);
        }
        if self.eat_words(&["working", "days"], false) || self.eat_any_word(&["days", "day"]) {
            return Some(Unit::Days);
        }
        if self.eat_any_word(&["minutes", "minute", "mins", "min"]) {
            self.eat('.');
            return Some(Unit::Minutes);
        }
        if self.eat_any_word(&["hours", "hour", "hrs", "hr"]) {
            self.eat('.');
            return Some(Unit::Hours);
        }
        None
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
    s.prefix_qualifiers(&mut q);

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

/// Phrases (word sequences, matched anywhere, ignoring ASCII case) saying a
/// value is not applicable.
const NOT_APPLICABLE_PHRASES: &[&[&str]] = &[&["not", "applicable"], &["n/a"], &["na"]];

/// Phrases saying a value is due later.
const DEFERRAL_PHRASES: &[&[&str]] = &[
    &["to", "be", "reported"],
    &["to", "be", "provided"],
    &["to", "be", "published"],
    &["to", "be", "supplied"],
    &["to", "be", "submitted"],
    &["to", "be", "updated"],
    &["to", "be", "available"],
    &["will", "be", "reported"],
    &["will", "be", "provided"],
    &["will", "be", "published"],
    &["will", "be", "available"],
    &["reported", "in"],
    &["reported", "at"],
    &["reported", "by"],
    &["reporting", "in"],
    &["reported", "annually"],
    &["not", "yet", "reported"],
    &["annual", "measure"],
    &["annual", "indicator"],
    &["annual", "figure"],
    &["annual", "survey"],
    &["annual", "data"],
    &["available", "in"],
    &["available", "at"],
    &["available", "from"],
    &["available", "by"],
    &["available", "after"],
    &["due"],
    &["to", "follow"],
    &["awaited"],
    &["awaiting"],
    &["pending"],
];

/// Phrases saying there is no value to give (yet): the indicator is being
/// developed, the data is collected elsewhere, nobody knows.
const NOT_AVAILABLE_PHRASES: &[&[&str]] = &[
    &["being", "developed"],
    &["under", "development"],
    &["in", "development"],
    &["to", "be", "developed"],
    &["to", "be", "collected"],
    &["to", "be", "derived"],
    &["to", "be", "determined"],
    &["to", "be", "confirmed"],
    &["to", "be", "agreed"],
    &["to", "be", "set"],
    &["indicator", "to", "be"],
    &["measure", "to", "be"],
    &["tbc"],
    &["tbd"],
    &["tba"],
    &["not", "available"],
    &["not", "yet", "available"],
    &["unavailable"],
    &["no", "data"],
    &["not", "collected"],
    &["not", "measured"],
    &["not", "known"],
    &["not", "yet", "known"],
    &["unknown"],
    &["proposed"],
    &["new", "indicator"],
    &["new", "measure"],
];

/// A text that is not a quantity: a known reason for a missing value, or
/// invalid.
///
/// The phrase lists decide whether the text is a missing value at all; then
/// a quarter named anywhere in it (`Quarter 4`, `Q4`, `4th quarter`,
/// `year end`) makes it a deferral to that quarter, whatever the phrase
/// (`Not available until Q3` is due in Q3). Without a quarter, not
/// applicable beats not available beats deferred.
fn classify_phrase(t: &str) -> Result<ValueText, Fault> {
    let words = Words::new(t);
    let any = |phrases: &[&[&str]]| phrases.iter().any(|p| contains_phrase(words.clone(), p));
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
#[derive(Clone)]
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
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
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

fn contains_phrase(mut words: Words<'_>, phrase: &[&str]) -> bool {
    loop {
        let mut at = words.clone();
        if phrase
            .iter()
            .all(|p| at.next().is_some_and(|(_, w)| w.eq_ignore_ascii_case(p)))
        {
            return true;
        }
        if words.next().is_none() {
            return false;
        }
    }
}

/// The first quarter a phrase names, if any. An amount in the phrase
/// (`48%`, `£5k`) or a quarter outside 1..4 makes it invalid.
fn scan_quarters(mut words: Words<'_>) -> Result<Option<u8>, Fault> {
    let mut first = None;
    while let Some((at, word)) = words.next() {
        let has_digit = word.bytes().any(|b| b.is_ascii_digit());
        if has_digit && word.contains(['%', '£', '$', '€']) {
            return Err(Fault::PhraseWithAmount {
                at,
                len: word.len(),
            });
        }
        let quarter = quarter_at(at, word, &mut words)?;
        first = first.or(quarter);
    }
    Ok(first)
}

/// A quarter named starting at `word`, consuming any words after it that
/// belong to the name.
fn quarter_at(at: usize, word: &str, words: &mut Words<'_>) -> Result<Option<u8>, Fault> {
    let is = |w: &str, options: &[&str]| options.iter().any(|o| w.eq_ignore_ascii_case(o));
    let mut peek = words.clone();
    let next = peek.next();
    let next_is = |options: &[&str]| next.is_some_and(|(_, w)| is(w, options));

    // `Q4`
    if let Some(digits) = word.strip_prefix(['q', 'Q'])
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return quarter_number(digits, at + 1);
    }
    // `Quarter 4`, `Q 4`, `quarter four`
    if is(word, &["q", "qtr", "quarter", "qu"]) {
        if let Some((n_at, n)) = next {
            if n.bytes().all(|b| b.is_ascii_digit()) {
                *words = peek;
                return quarter_number(n, n_at);
            }
            if let Some(q) = ordinal(n, &["one", "two", "three", "four"]) {
                *words = peek;
                return Ok(Some(q));
            }
        }
        return Ok(None);
    }
    // `4th quarter`, `fourth quarter`
    let ordinal_quarter = ordinal(word, &["1st", "2nd", "3rd", "4th"])
        .or_else(|| ordinal(word, &["first", "second", "third", "fourth"]));
    if let Some(q) = ordinal_quarter
        && next_is(&["quarter", "qtr", "q"])
    {
        *words = peek;
        return Ok(Some(q));
    }
    // `year end`, `year-end`, `end of (the) (financial) year`
    if is(word, &["year-end", "yearend"]) {
        return Ok(Some(4));
    }
    if is(word, &["year"]) && next_is(&["end"]) {
        *words = peek;
        return Ok(Some(4));
    }
    if is(word, &["end"]) && next_is(&["of"]) {
        let mut after = peek.clone();
        while let Some((_, w)) = after.next() {
            if is(w, &["year"]) {
                *words = after;
                return Ok(Some(4));
            }
            if !is(w, &["the", "financial"]) {
                break;
            }
        }
    }
    Ok(None)
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
