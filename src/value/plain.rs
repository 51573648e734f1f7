//! The fast path for plain quantities: `63%`, `8.63 days`, `1,250`,
//! `-£5,000`, `£235,000 underspend`, `£467k overspend`, `400 (Approx)`.
//!
//! Nearly every value in a return has one of a few plain shapes. The
//! general scanner ([`scan_quantity`]) handles the whole grammar with
//! backtracking over word lists and UTF-8 decoding at every step; this path
//! reads the plain shapes in one pass over the bytes, with no allocation,
//! and costs a few dozen instructions a value instead of several hundred.
//!
//! # What it accepts
//!
//! ```text
//! [- | +] [£ | $ | €] number [k | m | mn | bn] [%] (' ' token)*
//! ```
//!
//! - **number**: ASCII digits with well-formed `,` groups and an optional
//!   `.` and decimals, read exactly as [`Scan::number`] reads them; or `.`
//!   and decimals. At most as many digits as fit a `u64`, and at most
//!   [`MAX_SCALE`] decimals, so the number can never be too large.
//! - the **multiplier** (any ASCII case) only right after the number and
//!   only with a currency sign; `%` only right after the number and only
//!   without one.
//! - **tokens**, each after exactly one ASCII space and running to the next
//!   space or the end, compared ignoring ASCII case: first, if there is no
//!   currency sign or `%` yet, a unit word (`%`, `percent`, `days`, `mins`,
//!   `hours`, …); then any number of qualifiers (`approx`, `(Approx)`,
//!   `Baseline`, `(est)`, …) and at most one `underspend`, `overspend`,
//!   `underspent` or `overspent`.
//!
//! It returns `None` for anything else, including every text the general
//! scanner refuses, and the caller falls back to [`scan_quantity`]. `None`
//! is always safe; `Some` must be exactly what [`scan_quantity`] returns.
//!
//! # Why it agrees with the general scanner
//!
//! For an accepted text, the general scanner takes the same steps:
//!
//! - The text starts with a sign, currency sign, digit or `.`, so the
//!   prefix qualifiers (`~`, `c.`, `circa`, `approx`, `(`…) match nothing.
//! - One sign, then a currency sign directly followed by the number (a
//!   space or second sign after the currency sign falls back).
//! - The number is the same digits, groups and decimals, and what follows
//!   it (the end, a space, `%` or a letter) is none of the characters
//!   (`,` `.` `_`) after which [`Scan::number`] reports a fault.
//! - Every word ends at a space or the end of the text, so the general
//!   scanner's whole-word matches match the same words. A multiplier is
//!   taken only where the general scanner takes one, and a token is never
//!   a multiplier word, so it does not stop at one the fast path would
//!   read as a unit or qualifier.
//! - Unit, qualifier and spend words come from the same lists
//!   ([`APPROX_WORDS`], [`DAY_WORDS`], …), and the sign, spend and unit
//!   checks at the end are the general scanner's, in the same order; the
//!   amount is made by the same [`decimal`].
//!
//! The proptest `fast_path_agrees_with_general` checks this on generated
//! value-like texts.

use super::*;

/// Spend words; those starting `under` make the amount negative. The
/// spaced and hyphenated forms (`under spend`, `under-spend`) fall back.
const SPEND_WORDS: [&str; 4] = ["underspend", "underspent", "overspend", "overspent"];

/// A plain quantity (see the module documentation), or `None` to fall
/// back to [`scan_quantity`].
pub(super) fn plain_quantity(t: &str) -> Option<Quantity> {
    if let Some(q) = bare_number(t.as_bytes()) {
        return Some(q);
    }
    let mut rest = t.as_bytes();

    let sign = match rest {
        [b'-', after @ ..] => {
            rest = after;
            Some(true)
        }
        [b'+', after @ ..] => {
            rest = after;
            Some(false)
        }
        _ => None,
    };
    let currency = match rest {
        [b'$', after @ ..] => {
            rest = after;
            Some(Unit::Usd)
        }
        // `£` in UTF-8
        [0xC2, 0xA3, after @ ..] => {
            rest = after;
            Some(Unit::Gbp)
        }
        // `€` in UTF-8
        [0xE2, 0x82, 0xAC, after @ ..] => {
            rest = after;
            Some(Unit::Eur)
        }
        _ => None,
    };

    let (mantissa, scale, after) = plain_number(rest)?;
    rest = after;

    let mut power = 0;
    let mut unit = None;
    if currency.is_some() {
        let (word, after) = split_while(rest, |b| b.is_ascii_alphabetic());
        if !word.is_empty() {
            power = multiplier_power(word)?;
            rest = after;
        }
    } else if let [b'%', after @ ..] = rest {
        unit = Some(Unit::Percent);
        rest = after;
    }

    let mut q = Quantity::new(Decimal::ZERO, None);
    let mut spend = None;
    let mut first = true;
    while let [b' ', after @ ..] = rest {
        let (token, after) = split_while(after, |b| b != b' ');
        rest = after;
        match token_kind(token)? {
            // A unit only right after the amount, and only one.
            Token::Unit(u) if first && unit.is_none() && currency.is_none() => unit = Some(u),
            Token::Unit(_) => return None,
            Token::Qualifier(qualifier) => qualifier.apply(&mut q),
            Token::Spend(_) if spend.is_some() => return None,
            Token::Spend(under) => spend = Some(under),
        }
        first = false;
    }
    if !rest.is_empty() {
        return None;
    }

    // The general scanner's checks, in its order.
    let mut negative = sign == Some(true);
    if let Some(under) = spend {
        if matches!(unit, Some(Unit::Days | Unit::Minutes | Unit::Hours)) || negative {
            return None;
        }
        negative = under;
    }
    q.unit = unit.or(currency);
    q.amount = decimal(u128::from(mantissa), scale, power, negative).ok()?;
    Some(q)
}

/// The most digits [`bare_number`] reads: their value always fits a `u64`.
const BARE_DIGITS: usize = 18;

/// The plainest values, some two in five of a return's (`945`, `82.6%`,
/// `.5`): digits with at most one `.` followed by decimals, and perhaps a
/// `%`, nothing else; read in one loop, as [`plain_quantity`] reads them.
/// `None` for anything else, and for more than [`BARE_DIGITS`] digits.
#[inline]
fn bare_number(t: &[u8]) -> Option<Quantity> {
    let (body, unit) = match t {
        [body @ .., b'%'] => (body, Some(Unit::Percent)),
        _ => (t, None),
    };
    if body.is_empty() || body.len() > BARE_DIGITS {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut point = None;
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'0'..=b'9' => mantissa = mantissa * 10 + u64::from(b - b'0'),
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    let scale = match point {
        // `5.` and `.` are no numbers.
        Some(i) if i + 1 == body.len() => return None,
        Some(i) => u32::try_from(body.len() - i - 1).ok()?,
        None => 0,
    };
    let amount = decimal(u128::from(mantissa), scale, 0, false).ok()?;
    Some(Quantity::new(amount, unit))
}

/// The longest prefix of `bytes` whose bytes satisfy `keep`, and the rest.
fn split_while(bytes: &[u8], keep: impl Fn(u8) -> bool) -> (&[u8], &[u8]) {
    let n = bytes.iter().position(|&b| !keep(b)).unwrap_or(bytes.len());
    bytes.split_at_checked(n).unwrap_or((bytes, &[]))
}

/// Reads the ASCII digits at the start of `bytes` onto `mantissa`: how many
/// there were and the bytes after them, or `None` if the mantissa would
/// overflow a `u64`.
fn digits<'a>(bytes: &'a [u8], mantissa: &mut u64) -> Option<(usize, &'a [u8])> {
    let mut n = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            break;
        }
        *mantissa = mantissa.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        n += 1;
    }
    Some((n, bytes.get(n..)?))
}

/// A number as [`Scan::number`] reads it: the mantissa, the scale and the
/// bytes after it. `None` for no number, a badly placed comma, too many
/// digits for a `u64` or decimals for a [`Decimal`], and for a number
/// followed by `,`, `.` or `_` (which the general scanner either refuses or
/// reads on).
fn plain_number(bytes: &[u8]) -> Option<(u64, u32, &[u8])> {
    let mut mantissa: u64 = 0;
    let (int_digits, mut rest) = digits(bytes, &mut mantissa)?;
    // Thousands groups: a first group of 1–3 digits not starting with 0,
    // then groups of exactly three.
    if int_digits > 0 && matches!(rest, [b',', b'0'..=b'9', ..]) {
        if int_digits > 3 || bytes.first() == Some(&b'0') {
            return None;
        }
        while let [b',', after @ ..] = rest {
            let (group, after) = digits(after, &mut mantissa)?;
            if group != 3 {
                return None;
            }
            rest = after;
        }
    }
    let mut scale = 0;
    if let [b'.', after @ ..] = rest {
        let (decimals, after) = digits(after, &mut mantissa)?;
        if decimals == 0 {
            return None; // `5.`, `5.x`, `.`
        }
        scale = u32::try_from(decimals).ok()?;
        rest = after;
    } else if int_digits == 0 {
        return None;
    }
    if scale > MAX_SCALE || matches!(rest, [b',' | b'.' | b'_', ..]) {
        return None;
    }
    Some((mantissa, scale, rest))
}

/// The power of ten of a multiplier glued to the amount (`£5k`, `£1.2M`),
/// ignoring ASCII case.
fn multiplier_power(word: &[u8]) -> Option<u32> {
    match word {
        [b'k' | b'K'] => Some(3),
        [b'm' | b'M'] | [b'm' | b'M', b'n' | b'N'] => Some(6),
        [b'b' | b'B', b'n' | b'N'] => Some(9),
        _ => None,
    }
}

/// What a token after the amount says.
enum Token {
    Unit(Unit),
    Qualifier(Qualifier),
    /// `true` for underspend.
    Spend(bool),
}

/// A unit word, a qualifier (bare or in brackets: `Baseline`, `(Approx)`)
/// or a spend word, ignoring ASCII case; `None` for anything else. The
/// first letter picks the lists to try, and `eq_ignore_ascii_case`
/// compares lengths first, so a token costs a few comparisons.
fn token_kind(token: &[u8]) -> Option<Token> {
    let (word, bracketed) = match token {
        [b'(', inner @ .., b')'] => (inner, true),
        _ => (token, false),
    };
    let is = |w: &str| word.eq_ignore_ascii_case(w.as_bytes());
    let is_any = |words: &[&str]| words.iter().any(|w| is(w));
    let first = word.first()?.to_ascii_lowercase();
    let kind = match first {
        b'b' if is(BASELINE_WORD) => Token::Qualifier(Qualifier::Baseline),
        b'a' | b'e' | b'p' if is_any(&APPROX_WORDS) => Token::Qualifier(Qualifier::Approx),
        // Only a qualifier may be in brackets.
        _ if bracketed => return None,
        b'%' if word == b"%" => Token::Unit(Unit::Percent),
        b'p' if is(PERCENT_WORD) => Token::Unit(Unit::Percent),
        b'd' if is_any(&DAY_WORDS) => Token::Unit(Unit::Days),
        b'm' if is_any(&MINUTE_WORDS) => Token::Unit(Unit::Minutes),
        b'h' if is_any(&HOUR_WORDS) => Token::Unit(Unit::Hours),
        b'u' | b'o' if is_any(&SPEND_WORDS) => Token::Spend(first == b'u'),
        _ => return None,
    };
    Some(kind)
}
