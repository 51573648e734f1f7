//! Quantities: `-£1.2m underspend`, `94.5 %`, `400 (Approx)`, `8.63 days`.

use rust_decimal::Decimal;

use super::*;

/// Qualifier words meaning the figure is approximate (`approx.`,
/// `(est.)`); one may be followed by a `.`.
pub(super) const APPROX_WORDS: [&str; 7] = [
    "approx",
    "approximately",
    "approximate",
    "est",
    "estimate",
    "estimated",
    "provisional",
];
/// The qualifier word for a baseline figure.
pub(super) const BASELINE_WORD: &str = "baseline";
/// Unit words for days (besides `working days`).
pub(super) const DAY_WORDS: [&str; 2] = ["days", "day"];
/// Unit words for minutes; one may be followed by a `.`.
pub(super) const MINUTE_WORDS: [&str; 4] = ["minutes", "minute", "mins", "min"];
/// Unit words for hours; one may be followed by a `.`.
pub(super) const HOUR_WORDS: [&str; 4] = ["hours", "hour", "hrs", "hr"];
/// The unit word for percent (besides `%` and `per cent`).
pub(super) const PERCENT_WORD: &str = "percent";

/// Largest mantissa a [`Decimal`] holds (2^96 - 1).
pub(super) const MAX_MANTISSA: u128 = (1 << 96) - 1;
/// Most decimal places a [`Decimal`] holds.
pub(super) const MAX_SCALE: u32 = 28;

/// A cursor over the trimmed text. Every match is ASCII case-insensitive
/// and a word must end at a non-alphanumeric character, so `k` does not
/// match the start of `kg`.
pub(super) struct Scan<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> {
    pub(super) fn new(text: &'a str) -> Scan<'a> {
        Scan { text, pos: 0 }
    }

    pub(super) fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// The character after the next one.
    pub(super) fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    /// The next character, ASCII lower-cased: a cheap test before trying
    /// a list of words.
    pub(super) fn peek_lower(&self) -> Option<char> {
        self.peek().map(|c| c.to_ascii_lowercase())
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    pub(super) fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Skip whitespace; true if there was any.
    pub(super) fn skip_ws(&mut self) -> bool {
        let rest = self.rest();
        let skipped = rest.len() - rest.trim_start().len();
        self.pos += skipped;
        skipped > 0
    }

    pub(super) fn eat_digit(&mut self) -> Option<u8> {
        let d = self
            .rest()
            .as_bytes()
            .first()
            .copied()
            .filter(u8::is_ascii_digit)?;
        self.pos += 1;
        Some(d - b'0')
    }

    pub(super) fn next_is_digit_after(&self, c: char) -> bool {
        self.peek() == Some(c) && self.peek2().is_some_and(|d| d.is_ascii_digit())
    }

    /// `word` (ASCII, lower case) as a whole word.
    pub(super) fn eat_word(&mut self, word: &str) -> bool {
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
    pub(super) fn eat_words(&mut self, words: &[&str], hyphen: bool) -> bool {
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

    pub(super) fn eat_any_word(&mut self, words: &[&str]) -> bool {
        words.iter().any(|w| self.eat_word(w))
    }

    /// A sign; `Some(true)` for minus.
    pub(super) fn eat_sign(&mut self) -> Option<bool> {
        let c = self.peek()?;
        let negative = sign_of(c)?;
        self.pos += c.len_utf8();
        Some(negative)
    }

    pub(super) fn eat_currency(&mut self) -> Option<Unit> {
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
    pub(super) fn prefix_qualifiers(&mut self, q: &mut Quantity) {
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
    pub(super) fn qualifier(&mut self) -> Option<Qualifier> {
        if !matches!(self.peek_lower(), Some('(' | 'a' | 'b' | 'e' | 'p')) {
            return None;
        }
        let start = self.pos;
        let bracketed = self.eat('(');
        if bracketed {
            self.skip_ws();
        }
        let found = if self.eat_word(BASELINE_WORD) {
            Some(Qualifier::Baseline)
        } else if self.eat_any_word(&APPROX_WORDS) {
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
    pub(super) fn spend(&mut self) -> Option<bool> {
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
    pub(super) fn number(&mut self) -> Result<Option<(u128, u32)>, Fault> {
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
    pub(super) fn multiplier(&mut self) -> Option<u32> {
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
    pub(super) fn unit(&mut self) -> Option<Unit> {
        match self.peek_lower()? {
            '%' => self.eat('%').then_some(Unit::Percent),
            'p' => (self.eat_word(PERCENT_WORD) || self.eat_words(&["per", "cent"], false))
                .then_some(Unit::Percent),
            'd' | 'w' => (self.eat_words(&["working", "days"], false)
                || self.eat_any_word(&DAY_WORDS))
            .then_some(Unit::Days),
            'm' => self
                .eat_any_word(&MINUTE_WORDS)
                .then(|| self.eat('.'))
                .map(|_| Unit::Minutes),
            'h' => self
                .eat_any_word(&HOUR_WORDS)
                .then(|| self.eat('.'))
                .map(|_| Unit::Hours),
            _ => None,
        }
    }
}

#[derive(Clone, Copy)]
pub(super) enum Qualifier {
    Approx,
    Baseline,
}

impl Qualifier {
    pub(super) fn apply(self, q: &mut Quantity) {
        match self {
            Qualifier::Approx => q.approx = true,
            Qualifier::Baseline => q.baseline = true,
        }
    }
}

/// Does `t` start with qualifiers (`approx`, `circa`, `(Approx)`) followed
/// by something that starts a quantity?
pub(super) fn has_prefix_qualifier(t: &str) -> bool {
    let mut s = Scan::new(t);
    s.prefix_qualifiers(&mut Quantity::new(Decimal::ZERO, None));
    s.pos > 0 && s.peek().is_some_and(starts_quantity)
}

/// `[qualifiers] [sign] [currency [sign]] number [multiplier] [unit]
/// [qualifiers | underspend | overspend]...`
pub(super) fn scan_quantity(t: &str) -> Result<Quantity, Fault> {
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
#[inline]
pub(super) fn decimal(
    mantissa: u128,
    scale: u32,
    power: u32,
    negative: bool,
) -> Result<Decimal, Fault> {
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
