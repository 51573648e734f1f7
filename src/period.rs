//! Periods: which part of which financial year a return covers.
//!
//! A UK public body's financial year runs from April to March. A return
//! covers the whole year (annual), one quarter of it (quarterly) or one
//! month of it (monthly); its values are given for the [`SubPeriod`]s of
//! its frequency: `year`, `q1`..`q4` or `m1`..`m12`.
//!
//! [`Period::find_in`] reads a period written in any of the notations of
//! the table below, standing alone or inside other text (a title cell such
//! as `Reporting Period : Quarter 4 2011/12`). Output always shows the
//! canonical form ([`Period`]'s `Display`).
//!
//! | frequency | canonical | also read |
//! |---|---|---|
//! | annual | `2016/17` | `2016-17`, `2016/2017`, `2016-2017`, `FY 2016/17` |
//! | quarterly | `2016/17 Q3` | `2016-17 Q3`, `2016-17;Q3`, `Q3 2016/17`, `Q3 2016-17`, `2016/17 Quarter 3`, `Quarter 3 2016/17` |
//! | monthly | `2016/17 M07` | `2016/17 M7`, `2016/17 Month 7`, `October 2016`, `Oct 2016`, `2016-10` |
//!
//! Decisions where the specification is silent:
//!
//! - `YYYY-YY` is a financial year when the two years follow on
//!   (`2011-12` is 2011/12, not December 2011), else a calendar month when
//!   `YY` is `01`..`12` (`2016-10` is October 2016), else a year pair that
//!   does not follow on (an error);
//! - a full date (`2012-03-31`, `2012/03/31`) is not a period and is
//!   passed over;
//! - a quarter or month marker (`Q3`, `Quarter 3`, `M07`, `Month 7`)
//!   belongs to the financial year written next to it, after or before it,
//!   with nothing but punctuation (or the word `FY`) between; a marker with
//!   no year beside it is passed over;
//! - a financial year written again beside one of its own quarters or
//!   months (`2011/12 Q4, financial year 2011/12`) is the same period, not
//!   a second one;
//! - a marker beside a year whose number is out of range (`Q5`, `M13`) is
//!   an error, not an annual period.

use std::fmt;

/// How often a return is made: the length of its period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Frequency {
    Annual,
    Quarterly,
    Monthly,
}

impl Frequency {
    pub const ALL: [Frequency; 3] = [Frequency::Annual, Frequency::Quarterly, Frequency::Monthly];

    /// `annual`, `quarterly`, `monthly`: the bare words the rules compare
    /// `return.frequency` with.
    pub fn name(self) -> &'static str {
        match self {
            Frequency::Annual => "annual",
            Frequency::Quarterly => "quarterly",
            Frequency::Monthly => "monthly",
        }
    }

    pub fn from_name(name: &str) -> Option<Frequency> {
        Frequency::ALL.into_iter().find(|f| f.name() == name)
    }

    /// How many sub-periods a year holds at this frequency: 1, 4 or 12.
    pub fn count(self) -> u8 {
        match self {
            Frequency::Annual => 1,
            Frequency::Quarterly => 4,
            Frequency::Monthly => 12,
        }
    }

    /// The sub-periods of a year at this frequency, in order.
    pub fn sub_periods(self) -> impl Iterator<Item = SubPeriod> + Clone {
        (0..self.count()).map(move |index| SubPeriod {
            frequency: self,
            index,
        })
    }
}

impl Frequency {
    /// What one sub-period is called in messages: `quarter`, `month`,
    /// `year`.
    pub fn sub_word(self) -> &'static str {
        match self {
            Frequency::Annual => "year",
            Frequency::Quarterly => "quarter",
            Frequency::Monthly => "month",
        }
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One part of a financial year at a frequency: `year`, `q1`..`q4` or
/// `m1`..`m12`. The index is 0-based within the year (`q3` is index 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubPeriod {
    pub frequency: Frequency,
    pub index: u8,
}

const MONTH_KEYS: [&str; 12] = [
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11", "m12",
];
const QUARTER_KEYS: [&str; 4] = ["q1", "q2", "q3", "q4"];

/// The calendar months' names, January first, in lower case: what period
/// notations (`October 2012`) and deferral phrases (`in October`) name.
pub(crate) const CALENDAR_MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

impl SubPeriod {
    /// The whole year, the one sub-period of an annual return.
    pub const YEAR: SubPeriod = SubPeriod {
        frequency: Frequency::Annual,
        index: 0,
    };

    /// The sub-period at `index` (0-based), if the frequency has one there.
    pub fn new(frequency: Frequency, index: u8) -> Option<SubPeriod> {
        (index < frequency.count()).then_some(SubPeriod { frequency, index })
    }

    /// Quarter `n`, 1..4.
    pub fn quarter(n: u8) -> Option<SubPeriod> {
        SubPeriod::new(Frequency::Quarterly, n.checked_sub(1)?)
    }

    /// Month `n` of the financial year, 1..12 (April is 1).
    pub fn month(n: u8) -> Option<SubPeriod> {
        SubPeriod::new(Frequency::Monthly, n.checked_sub(1)?)
    }

    /// How many sub-periods a year holds at `frequency`.
    pub fn count_for(frequency: Frequency) -> u8 {
        frequency.count()
    }

    /// The name of the sub-period as a `values` key, a column and a name in
    /// the rules: `q3`, `m7`, `year`.
    pub fn name(self) -> &'static str {
        let i = usize::from(self.index);
        match self.frequency {
            Frequency::Annual => "year",
            Frequency::Quarterly => QUARTER_KEYS.get(i).copied().unwrap_or("q?"),
            Frequency::Monthly => MONTH_KEYS.get(i).copied().unwrap_or("m?"),
        }
    }

    /// How the sub-period is shown in messages: `Q3`, `M07`, `year`.
    pub fn label(self) -> String {
        match self.frequency {
            Frequency::Annual => "year".to_string(),
            Frequency::Quarterly => format!("Q{}", self.number()),
            Frequency::Monthly => format!("M{:02}", self.number()),
        }
    }

    /// A `values` key or column name: `q1`..`q4`, `m1`..`m12` (also `m01`),
    /// `year`, in any case.
    pub fn parse_key(key: &str) -> Option<SubPeriod> {
        match key.as_bytes() {
            [b'q' | b'Q', d] if d.is_ascii_digit() => SubPeriod::quarter(d - b'0'),
            [b'm' | b'M', digits @ ..] if (1..=2).contains(&digits.len()) => {
                let n = small_number(digits)?;
                SubPeriod::month(n)
            }
            _ if key.eq_ignore_ascii_case("year") => Some(SubPeriod::YEAR),
            _ => None,
        }
    }

    /// 1-based position within the year: the quarter or month number, 1
    /// for the year.
    pub fn number(self) -> u8 {
        self.index + 1
    }

    /// The quarter this sub-period ends in (`m7` ends in Q3); `None` for
    /// the year, which is no quarter.
    pub fn quarter_number(self) -> Option<u8> {
        match self.frequency {
            Frequency::Annual => None,
            Frequency::Quarterly => Some(self.number()),
            Frequency::Monthly => Some(self.index / 3 + 1),
        }
    }

    /// The month number (1..12, April is 1) of a monthly sub-period.
    pub fn month_number(self) -> Option<u8> {
        (self.frequency == Frequency::Monthly).then_some(self.number())
    }

    /// The month of the financial year (0 = April .. 11 = March) this
    /// sub-period ends in.
    pub fn end_month_index(self) -> u8 {
        match self.frequency {
            Frequency::Annual => 11,
            Frequency::Quarterly => self.index * 3 + 2,
            Frequency::Monthly => self.index,
        }
    }

    /// The month of the financial year (0 = April .. 11 = March) this
    /// sub-period starts in.
    pub fn start_month_index(self) -> u8 {
        match self.frequency {
            Frequency::Annual => 0,
            Frequency::Quarterly => self.index * 3,
            Frequency::Monthly => self.index,
        }
    }

    /// Does this sub-period cover month `index` of the financial year
    /// (0 = April)?
    pub fn covers_month(self, index: u8) -> bool {
        (self.start_month_index()..=self.end_month_index()).contains(&index)
    }

    /// The elapsed part of the year at the end of this sub-period, as
    /// (numerator, denominator): quarter/4, month/12, 1/1.
    pub fn elapsed(self) -> (u8, u8) {
        (self.number(), self.frequency.count())
    }

    /// Index in a table of the year's sub-periods (0-based).
    pub fn slot(self) -> usize {
        usize::from(self.index)
    }
}

impl fmt::Display for SubPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One `T` for each sub-period of a year at one frequency: the first four
/// inline (the quarters, or the year), the rest (months 5..12) on the heap,
/// so a quarterly table costs what an array of four does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BySub<T> {
    frequency: Frequency,
    head: [T; 4],
    tail: Vec<T>,
}

impl<T: Default> BySub<T> {
    /// A table of `T::default()` for each sub-period of `frequency`, to
    /// fill in with [`BySub::get_mut`].
    pub fn new(frequency: Frequency) -> BySub<T> {
        BySub {
            frequency,
            head: Default::default(),
            tail: (4..frequency.count()).map(|_| T::default()).collect(),
        }
    }
}

impl<T> BySub<T> {
    pub fn frequency(&self) -> Frequency {
        self.frequency
    }

    /// The entry for `sub`, to change; `None` for a sub-period of another
    /// frequency.
    #[inline]
    pub fn get_mut(&mut self, sub: SubPeriod) -> Option<&mut T> {
        if sub.frequency != self.frequency {
            return None;
        }
        let i = sub.slot();
        if i < 4 {
            self.head.get_mut(i)
        } else {
            self.tail.get_mut(i - 4)
        }
    }

    /// The entry for `sub`; `None` for a sub-period of another frequency.
    #[inline]
    pub fn get(&self, sub: SubPeriod) -> Option<&T> {
        if sub.frequency != self.frequency {
            return None;
        }
        let i = sub.slot();
        if i < 4 {
            self.head.get(i)
        } else {
            self.tail.get(i - 4)
        }
    }

    /// Every sub-period of the frequency with its entry, in order.
    #[inline]
    pub fn iter(&self) -> BySubIter<'_, T> {
        BySubIter {
            table: self,
            index: 0,
        }
    }
}

/// [`BySub::iter`]: a counter and an index, which the built-in checks,
/// looping over every entry's table, need no more than.
#[derive(Debug)]
pub struct BySubIter<'t, T> {
    table: &'t BySub<T>,
    index: u8,
}

impl<T> Clone for BySubIter<'_, T> {
    fn clone(&self) -> Self {
        BySubIter {
            table: self.table,
            index: self.index,
        }
    }
}

impl<'t, T> Iterator for BySubIter<'t, T> {
    type Item = (SubPeriod, &'t T);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let frequency = self.table.frequency;
        let index = self.index;
        let i = usize::from(index);
        let item = if i < 4 {
            if index >= frequency.count() {
                return None;
            }
            self.table.head.get(i)?
        } else {
            self.table.tail.get(i - 4)?
        };
        self.index += 1;
        Some((SubPeriod { frequency, index }, item))
    }
}

/// A financial year, by the calendar year it starts in; shown `2016/17`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Year(pub u16);

impl Year {
    /// The calendar year the financial year starts in (April).
    pub fn start(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}/{:02}", self.0, (u32::from(self.0) + 1) % 100)
    }
}

/// The period a return covers: a financial year and one of its
/// sub-periods (the whole year for an annual return).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    year: Year,
    sub: SubPeriod,
}

impl Period {
    pub fn new(year: Year, sub: SubPeriod) -> Period {
        Period { year, sub }
    }

    pub fn frequency(self) -> Frequency {
        self.sub.frequency
    }

    /// The financial year (`Display`: `2016/17`).
    pub fn year(self) -> Year {
        self.year
    }

    /// The return's own sub-period: `q3`, `m7`, or `year` for an annual
    /// return.
    pub fn sub(self) -> SubPeriod {
        self.sub
    }

    /// The quarter the period ends in, 1..4; `None` for an annual period.
    pub fn quarter(self) -> Option<u8> {
        self.sub.quarter_number()
    }

    /// The month of the financial year, 1..12; monthly periods only.
    pub fn month(self) -> Option<u8> {
        self.sub.month_number()
    }

    /// A count of months of the last month the period covers:
    /// `start year × 12 + month of the financial year (0 = April)`. A
    /// period ends no later than another when its `end_month` is not
    /// greater; the same point a year before is 12 less.
    pub fn end_month(self) -> u32 {
        u32::from(self.year.0) * 12 + u32::from(self.sub.end_month_index())
    }

    /// Read the period written in `text`, in any notation of the module's
    /// table, alone or inside other text.
    pub fn find_in(text: &str) -> Result<Period, PeriodError> {
        if let Some(p) = canonical_quarter(text) {
            return Ok(p);
        }
        scan::find(text)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sub.frequency {
            Frequency::Annual => write!(f, "{}", self.year),
            Frequency::Quarterly => write!(f, "{} Q{}", self.year, self.sub.number()),
            Frequency::Monthly => write!(f, "{} M{:02}", self.year, self.sub.number()),
        }
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Period, PeriodError> {
        Period::find_in(s)
    }
}

/// Why no period could be read from a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeriodError {
    /// No notation of a period anywhere in the text.
    NotFound,
    /// Two different periods (the first two found).
    TwoPeriods(Period, Period),
    /// A year pair whose years do not follow on (`2016/18`), as written.
    YearsDoNotFollow(String),
    /// A quarter or month beside a year that does not exist (`Q5`, `M13`),
    /// as written.
    NoSuchSubPeriod(String),
}

/// The notations a period may be written in, for help texts.
pub const NOTATIONS: &str = "write the period in one of these notations: \
annual `2016/17` (or `2016-17`, `2016/2017`, `FY 2016/17`); \
quarterly `2016/17 Q3` (or `2016-17;Q3`, `Q3 2016/17`, `Quarter 3 2016/17`); \
monthly `2016/17 M07` (or `2016/17 M7`, `October 2016`, `Oct 2016`, `2016-10`)";

impl PeriodError {
    /// The help that goes with the error: the notations a period is read in.
    pub fn help(&self) -> &'static str {
        NOTATIONS
    }

    /// A short label for the text's place.
    pub fn label(&self) -> &'static str {
        match self {
            PeriodError::NotFound => "no period here",
            PeriodError::TwoPeriods(..) => "two periods",
            PeriodError::YearsDoNotFollow(_) => "years do not follow on",
            PeriodError::NoSuchSubPeriod(_) => "no such quarter or month",
        }
    }
}

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeriodError::NotFound => f.write_str("no financial year, quarter or month is named"),
            PeriodError::TwoPeriods(a, b) => {
                write!(f, "two different periods are named, {a} and {b}")
            }
            PeriodError::YearsDoNotFollow(pair) => {
                write!(f, "the years of `{pair}` do not follow on")
            }
            PeriodError::NoSuchSubPeriod(text) => write!(
                f,
                "`{text}` names no quarter or month: quarters run from 1 to 4, months from 1 to 12"
            ),
        }
    }
}

impl std::error::Error for PeriodError {}

/// `2011/12 Q4` exactly, the v0 form nearly every return uses: read
/// without the scanner.
fn canonical_quarter(text: &str) -> Option<Period> {
    let b = text.as_bytes();
    let [y0, y1, y2, y3, b'/', n0, n1, b' ', b'Q', q] = *b else {
        return None;
    };
    let digits = [y0, y1, y2, y3, n0, n1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let start = digits[..4]
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    let next = u16::from(n0 - b'0') * 10 + u16::from(n1 - b'0');
    if (start + 1) % 100 != next {
        return None;
    }
    let sub = SubPeriod::quarter(q.wrapping_sub(b'0'))?;
    Some(Period::new(Year(start), sub))
}

/// A number of one or two ASCII digits.
fn small_number(digits: &[u8]) -> Option<u8> {
    if digits.is_empty() || digits.len() > 2 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u8, |n, d| n * 10 + (d - b'0')))
}

/// The scanner behind [`Period::find_in`]: words, numbers and punctuation,
/// then the notations over them.
mod scan {
    use super::{Frequency, Period, PeriodError, SubPeriod, Year};

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Kind<'a> {
        /// A run of ASCII digits: its value (saturating) and length.
        Num(u32, usize),
        /// A run of letters.
        Word(&'a str),
        /// Any other character but white space.
        Punct(char),
    }

    #[derive(Clone, Copy, Debug)]
    struct Tok<'a> {
        kind: Kind<'a>,
        start: usize,
        end: usize,
    }

    fn tokens(text: &str) -> Vec<Tok<'_>> {
        let mut out = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if c.is_whitespace() {
                continue;
            }
            let kind = if c.is_ascii_digit() {
                let mut value = u32::from(c as u8 - b'0');
                let mut len = 1;
                while let Some(&(_, d)) = chars.peek()
                    && d.is_ascii_digit()
                {
                    value = value
                        .saturating_mul(10)
                        .saturating_add(u32::from(d as u8 - b'0'));
                    len += 1;
                    chars.next();
                }
                Kind::Num(value, len)
            } else if c.is_alphabetic() {
                while let Some(&(_, d)) = chars.peek()
                    && d.is_alphabetic()
                {
                    chars.next();
                }
                let end = chars.peek().map_or(text.len(), |&(i, _)| i);
                Kind::Word(&text[start..end])
            } else {
                Kind::Punct(c)
            };
            let end = chars.peek().map_or(text.len(), |&(i, _)| i);
            out.push(Tok { kind, start, end });
        }
        out
    }

    /// What a stretch of tokens says.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Item {
        /// A financial year (`2016/17`).
        Year(u16),
        /// A calendar month: year and month 1..12.
        Calendar(u32, u8),
        /// A quarter or month marker, with its number (checked later).
        Quarter(u32),
        Month(u32),
        /// A year pair that does not follow on.
        BadPair,
        /// A full date: passed over.
        Date,
    }

    #[derive(Clone, Copy, Debug)]
    struct Found {
        item: Item,
        /// Tokens `first..last` (exclusive).
        first: usize,
        last: usize,
    }

    /// A month's name or its abbreviation (`Oct`, `Sept`): 1..12.
    fn month_name(word: &str) -> Option<u8> {
        let n = word.len();
        if !word.is_ascii() || n < 3 {
            return None;
        }
        super::CALENDAR_MONTHS
            .iter()
            .position(|m| {
                (n == m.len() || (n <= 4 && n < m.len()))
                    && m.get(..n).is_some_and(|p| p.eq_ignore_ascii_case(word))
            })
            .map(|i| i as u8 + 1)
    }

    fn is_word(kind: Kind<'_>, options: &[&str]) -> bool {
        matches!(kind, Kind::Word(w) if options.iter().any(|o| w.eq_ignore_ascii_case(o)))
    }

    /// The item starting at token `i`, if any, and the token after it.
    fn item_at(toks: &[Tok<'_>], i: usize) -> Option<(Item, usize)> {
        let kind = |j: usize| toks.get(j).map(|t| t.kind);
        match toks[i].kind {
            Kind::Num(a, 4) => {
                let sep = match kind(i + 1) {
                    Some(Kind::Punct(c @ ('/' | '-' | '–'))) => c,
                    _ => return None,
                };
                let Some(Kind::Num(b, len @ (2 | 4))) = kind(i + 2) else {
                    return None;
                };
                // `2012-03-31`, `2012/03/31`: a date.
                if kind(i + 3) == Some(Kind::Punct(sep))
                    && matches!(kind(i + 4), Some(Kind::Num(_, 1 | 2)))
                {
                    return Some((Item::Date, i + 5));
                }
                let follows = if len == 2 {
                    (a + 1) % 100 == b
                } else {
                    a + 1 == b
                };
                let item = if follows {
                    Item::Year(u16::try_from(a).ok()?)
                } else if sep == '-' && len == 2 && (1..=12).contains(&b) {
                    Item::Calendar(a, b as u8)
                } else {
                    Item::BadPair
                };
                Some((item, i + 3))
            }
            Kind::Word(w) => {
                if let Some(m) = month_name(w) {
                    let mut j = i + 1;
                    if kind(j) == Some(Kind::Punct(',')) {
                        j += 1;
                    }
                    if let Some(Kind::Num(y, 4)) = kind(j) {
                        return Some((Item::Calendar(y, m), j + 1));
                    }
                }
                let marker: fn(u32) -> Item = if is_word(toks[i].kind, &["q", "qtr", "quarter"]) {
                    Item::Quarter
                } else if is_word(toks[i].kind, &["m", "month"]) {
                    Item::Month
                } else {
                    return None;
                };
                match kind(i + 1) {
                    Some(Kind::Num(n, 1 | 2)) => Some((marker(n), i + 2)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Only punctuation (or the word `FY`) between tokens `from..to`.
    fn beside(toks: &[Tok<'_>], from: usize, to: usize) -> bool {
        toks.get(from..to).is_some_and(|between| {
            between
                .iter()
                .all(|t| matches!(t.kind, Kind::Punct(_)) || is_word(t.kind, &["fy"]))
        })
    }

    pub(super) fn find(text: &str) -> Result<Period, PeriodError> {
        let toks = tokens(text);
        let mut found: Vec<Found> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            match item_at(&toks, i) {
                Some((item, next)) => {
                    found.push(Found {
                        item,
                        first: i,
                        last: next,
                    });
                    i = next;
                }
                None => i += 1,
            }
        }
        let written = |f: &Found| {
            let start = toks.get(f.first).map_or(0, |t| t.start);
            let end = toks.get(f.last - 1).map_or(start, |t| t.end);
            text.get(start..end).unwrap_or("").to_string()
        };
        let mut periods: Vec<Period> = Vec::new();
        let mut used = vec![false; found.len()];
        for k in 0..found.len() {
            let f = found[k];
            match f.item {
                Item::BadPair => return Err(PeriodError::YearsDoNotFollow(written(&f))),
                Item::Calendar(y, m) => {
                    let (start, index) = if m >= 4 {
                        (y, m - 4)
                    } else {
                        match y.checked_sub(1) {
                            Some(y) => (y, m + 8),
                            None => continue,
                        }
                    };
                    let Ok(start) = u16::try_from(start) else {
                        continue;
                    };
                    if let Some(sub) = SubPeriod::new(Frequency::Monthly, index) {
                        periods.push(Period::new(Year(start), sub));
                    }
                }
                Item::Year(y) => {
                    // A marker right after the year, else right before it.
                    let after = found
                        .get(k + 1)
                        .filter(|m| !used[k + 1] && beside(&toks, f.last, m.first))
                        .map(|m| (k + 1, *m));
                    let before = k
                        .checked_sub(1)
                        .and_then(|b| found.get(b).map(|m| (b, *m)))
                        .filter(|(b, m)| !used[*b] && beside(&toks, m.last, f.first));
                    let marker = [after, before]
                        .into_iter()
                        .flatten()
                        .find(|(_, m)| matches!(m.item, Item::Quarter(_) | Item::Month(_)));
                    let sub = match marker {
                        None => SubPeriod::YEAR,
                        Some((b, m)) => {
                            used[b] = true;
                            let sub = match m.item {
                                Item::Quarter(n) => {
                                    u8::try_from(n).ok().and_then(SubPeriod::quarter)
                                }
                                Item::Month(n) => u8::try_from(n).ok().and_then(SubPeriod::month),
                                _ => None,
                            };
                            match sub {
                                Some(sub) => sub,
                                None => return Err(PeriodError::NoSuchSubPeriod(written(&m))),
                            }
                        }
                    };
                    periods.push(Period::new(Year(y), sub));
                }
                Item::Quarter(_) | Item::Month(_) | Item::Date => {}
            }
        }
        // A year named again beside one of its own quarters or months is
        // that period, not a second one.
        let finer: Vec<Year> = periods
            .iter()
            .filter(|p| p.frequency() != Frequency::Annual)
            .map(|p| p.year())
            .collect();
        periods.retain(|p| p.frequency() != Frequency::Annual || !finer.contains(&p.year()));
        let mut distinct = periods.iter().copied();
        let Some(first) = distinct.next() else {
            return Err(PeriodError::NotFound);
        };
        match distinct.find(|p| *p != first) {
            Some(second) => Err(PeriodError::TwoPeriods(first, second)),
            None => Ok(first),
        }
    }
}

/// Which other return of the same organisation (SPEC 3.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Past {
    /// The period just before this one.
    Previous,
    /// The same sub-period a year earlier.
    LastYear,
}

impl Past {
    pub fn name(self) -> &'static str {
        match self {
            Past::Previous => "previous",
            Past::LastYear => "last_year",
        }
    }

    /// The period this one is, seen from `p`.
    pub fn of(self, p: Period) -> Option<Period> {
        match self {
            Past::Previous => previous_period(p),
            Past::LastYear => {
                let y = p.year().start().checked_sub(1)?;
                Some(Period::new(Year(y), p.sub()))
            }
        }
    }
}

/// The period just before `p`: Q3 for Q4, the previous year's Q4 for Q1,
/// 2015/16 for 2016/17, M06 for M07.
pub fn previous_period(p: Period) -> Option<Period> {
    let sub = p.sub();
    if sub.index > 0 {
        return Some(Period::new(
            p.year(),
            SubPeriod::new(sub.frequency, sub.index - 1)?,
        ));
    }
    let y = Year(p.year().start().checked_sub(1)?);
    let last = SubPeriod::new(sub.frequency, sub.frequency.count().checked_sub(1)?)?;
    Some(Period::new(y, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> String {
        match Period::find_in(text) {
            Ok(p) => p.to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn sub_period_keys() {
        assert_eq!(SubPeriod::parse_key("q3"), SubPeriod::quarter(3));
        assert_eq!(SubPeriod::parse_key("Q4"), SubPeriod::quarter(4));
        assert_eq!(SubPeriod::parse_key("m7"), SubPeriod::month(7));
        assert_eq!(SubPeriod::parse_key("M07"), SubPeriod::month(7));
        assert_eq!(SubPeriod::parse_key("m12"), SubPeriod::month(12));
        assert_eq!(SubPeriod::parse_key("Year"), Some(SubPeriod::YEAR));
        for bad in [
            "q0", "q5", "m0", "m13", "m123", "q", "m", "", "years", "q1 ", "é",
        ] {
            assert_eq!(SubPeriod::parse_key(bad), None, "{bad}");
        }
        for f in Frequency::ALL {
            for s in f.sub_periods() {
                assert_eq!(SubPeriod::parse_key(s.name()), Some(s));
            }
        }
    }

    #[test]
    fn months_end_in_quarters() {
        let m = |n| SubPeriod::month(n).map(|s| s.quarter_number());
        assert_eq!(m(1), Some(Some(1)));
        assert_eq!(m(3), Some(Some(1)));
        assert_eq!(m(7), Some(Some(3)));
        assert_eq!(m(12), Some(Some(4)));
        assert_eq!(SubPeriod::YEAR.quarter_number(), None);
    }

    #[test]
    fn end_month_orders_periods() {
        let p = |t: &str| Period::find_in(t).map(Period::end_month);
        assert_eq!(p("2016/17 Q1"), p("2016/17 M03"));
        assert_eq!(p("2016/17"), p("March 2017"));
        assert_eq!(p("2016/17"), p("2016/17 Q4"));
        assert!(p("2016/17 Q1").ok() < p("2016/17 M04").ok());
        assert_eq!(
            p("2016/17 Q2").map(|m| m - 12),
            p("2015/16 Q2"),
            "last year is 12 months back"
        );
    }

    #[test]
    fn inside_other_text() {
        assert_eq!(read("Reporting Period : Quarter 4 2011/12"), "2011/12 Q4");
        assert_eq!(read("Financial year = 2016-17"), "2016/17");
        assert_eq!(read("2011/12 Q4, financial year 2011/12"), "2011/12 Q4");
        assert_eq!(read("as at 2012-03-31, 2011/12 Q4"), "2011/12 Q4");
    }

    #[test]
    fn errors() {
        assert_eq!(
            read("Spring"),
            "error: no financial year, quarter or month is named"
        );
        assert_eq!(
            read("Q3"),
            "error: no financial year, quarter or month is named"
        );
        assert_eq!(
            read("2016/18"),
            "error: the years of `2016/18` do not follow on"
        );
        assert_eq!(
            read("2016/17 Q1 and 2016/17 Q2"),
            "error: two different periods are named, 2016/17 Q1 and 2016/17 Q2"
        );
        assert_eq!(
            read("2016/17 Q5"),
            "error: `Q5` names no quarter or month: quarters run from 1 to 4, months from 1 to 12"
        );
    }
}
