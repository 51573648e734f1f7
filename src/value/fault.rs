//! Faults: why a text is not a value.

/// Why a text is not a value. Plain data (offsets into the trimmed text), so
/// that [`suggest`] can act on it; put into words only for
/// [`ValueText::Invalid`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fault {
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
    pub(super) fn reason(self, t: &str) -> String {
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
pub(super) const QUOTE_CHARS: usize = 40;

/// `text` in backticks, shortened if long (the text is untrusted and may be
/// huge).
pub(super) fn quote(text: &str) -> String {
    format!("`{}`", shorten(text))
}

pub(super) fn shorten(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
