//! Missing-value phrases: `N/A`, `To be reported in Quarter 4`,
//! `Indicator being developed`.

use super::*;
use crate::period::CALENDAR_MONTHS;

// Phrase tables: word sequences matched anywhere in the text, ignoring
// ASCII case; `!to` matches any word but `to`, or the end. One line per idea,
// hence no rustfmt.

/// Phrases saying a value is not applicable.
#[rustfmt::skip]
pub(super) const NOT_APPLICABLE_PHRASES: &[&[&str]] = &[&["not", "applicable"], &["n/a"], &["na"]];

/// Phrases saying a value is due later.
#[rustfmt::skip]
pub(super) const DEFERRAL_PHRASES: &[&[&str]] = &[
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
pub(super) const NOT_AVAILABLE_PHRASES: &[&[&str]] = &[
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
pub(super) const STACK_WORDS: usize = 32;

/// A text that is not a quantity: a known reason for a missing value, or
/// invalid.
///
/// The phrase tables decide whether the text is a missing value at all;
/// then a quarter named anywhere in it (`Quarter 4`, `Q4`, `4th quarter`,
/// `year end`) makes it a deferral to that quarter, whatever the phrase
/// (`Not available until Q3` is due in Q3). Without a quarter, not
/// applicable beats not available beats deferred.
pub(super) fn classify_phrase(t: &str) -> Result<ValueText, Fault> {
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
    let kind = match (scan_quarters(words)?, scan_months(words)) {
        (Some(quarter), _) => MissingKind::Deferred {
            quarter: Some(quarter),
            month: None,
        },
        (None, Some(month)) => MissingKind::Deferred {
            quarter: None,
            month: Some(month),
        },
        (None, None) if not_applicable => MissingKind::NotApplicable,
        (None, None) if not_available => MissingKind::NotAvailable,
        (None, None) => MissingKind::Deferred {
            quarter: None,
            month: None,
        },
    };
    Ok(ValueText::Missing(kind))
}

/// Whitespace-separated words with their byte offsets, trimmed of
/// punctuation at either end (`(Q4).` → `Q4`) but keeping `%` and currency
/// signs, so that an amount in a phrase stays recognisable.
pub(super) struct Words<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Words<'a> {
    pub(super) fn new(text: &'a str) -> Words<'a> {
        Words { text, pos: 0 }
    }
}

pub(super) fn is_word_char(c: char) -> bool {
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

pub(super) fn contains_phrase(words: &[Word<'_>], phrase: &[&str]) -> bool {
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

pub(super) fn is_any(word: &str, options: &[&str]) -> bool {
    options.iter().any(|o| word.eq_ignore_ascii_case(o))
}

/// The first month a phrase names, as a month of the financial year
/// (1..12, April is 1): `Month 7`, `M7`, `M07`, or a month's name or its
/// three-letter abbreviation after `in`, `by`, `until`, `till`, `from`,
/// `for`, `of` or `during` (`To be reported in October` is month 7).
pub(super) fn scan_months(words: &[Word<'_>]) -> Option<u8> {
    let in_range = |n: &str| {
        (n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit()))
            .then(|| n.parse::<u8>().ok())
            .flatten()
            .filter(|m| (1..=12).contains(m))
    };
    for (i, &(_, word)) in words.iter().enumerate() {
        if let Some(digits) = word.strip_prefix(['m', 'M'])
            && let Some(m) = in_range(digits)
        {
            return Some(m);
        }
        if is_any(word, &["month"])
            && let Some(m) = words.get(i + 1).and_then(|(_, n)| in_range(n))
        {
            return Some(m);
        }
        let after_preposition = i > 0
            && is_any(
                words[i - 1].1,
                &["in", "by", "until", "till", "from", "for", "of", "during"],
            );
        if after_preposition
            && word.is_ascii()
            && let Some(calendar) = CALENDAR_MONTHS.iter().position(|name| {
                word.eq_ignore_ascii_case(name)
                    || (word.len() == 3
                        && name.get(..3).is_some_and(|a| word.eq_ignore_ascii_case(a)))
            })
        {
            // April is month 1 of the financial year.
            return Some(((calendar + 9) % 12) as u8 + 1);
        }
    }
    None
}

/// The first quarter a phrase names, if any. An amount in the phrase
/// (`48%`, `£5k`) or a quarter outside 1..4 makes it invalid.
pub(super) fn scan_quarters(words: &[Word<'_>]) -> Result<Option<u8>, Fault> {
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
pub(super) fn quarter_at(words: &[Word<'_>]) -> Result<(Option<u8>, usize), Fault> {
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
pub(super) fn ordinal(word: &str, options: &[&str; 4]) -> Option<u8> {
    (1u8..)
        .zip(options)
        .find(|(_, o)| word.eq_ignore_ascii_case(o))
        .map(|(q, _)| q)
}

pub(super) fn quarter_number(digits: &str, at: usize) -> Result<Option<u8>, Fault> {
    match digits.parse::<u8>() {
        Ok(q @ 1..=4) => Ok(Some(q)),
        _ => Err(Fault::NoSuchQuarter {
            at,
            len: digits.len(),
        }),
    }
}
