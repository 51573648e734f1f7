//! How numbers with units, and text from users, are written back to people.

use std::borrow::Cow;
use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::value::Unit;

/// `94.5` percent → `94.5%`, `-5000` gbp → `-£5,000`, `8.37` days → `8.37 days`.
pub fn amount(value: Decimal, unit: Option<Unit>) -> String {
    let n = value.normalize();
    let negative = n.is_sign_negative() && !n.is_zero();
    let abs = n.abs();
    match unit {
        Some(Unit::Percent) => format!("{n}%"),
        Some(Unit::Gbp) => money("£", negative, abs),
        Some(Unit::Usd) => money("$", negative, abs),
        Some(Unit::Eur) => money("€", negative, abs),
        Some(Unit::Days) => format!("{n} {}", if abs == Decimal::ONE { "day" } else { "days" }),
        Some(Unit::Minutes) => format!("{n} mins"),
        Some(Unit::Hours) => format!("{n} hours"),
        Some(Unit::Count) | None => n.to_string(),
    }
}

/// The most characters of a user's text quoted in a message (a value, a
/// cell, a period, a rule token, an interpolated `{commentary}`): past it
/// the quotation ends with `…`, so a 50 MB cell makes a message of a line.
pub const MAX_QUOTE_CHARS: usize = 120;

/// A user's text as quoted in a message: at most [`MAX_QUOTE_CHARS`]
/// characters (then `…`), with control characters shown visibly
/// ([`visible`]).
pub fn quote(text: &str) -> Cow<'_, str> {
    let cut = text.char_indices().nth(MAX_QUOTE_CHARS).map(|(at, _)| at);
    match cut {
        Some(at) => {
            let mut out = visible(&text[..at]).into_owned();
            out.push('…');
            Cow::Owned(out)
        }
        None => visible(text),
    }
}

/// The most bytes of a diagnostic's message (4 KiB): a message that quotes
/// user text without [`quote`] is still cut here, with `…`, so no input
/// makes a message megabytes long.
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// A message cut to [`MAX_MESSAGE_BYTES`].
pub fn cap_message(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut at = MAX_MESSAGE_BYTES;
        while !message.is_char_boundary(at) {
            at -= 1;
        }
        message.truncate(at);
        message.push('…');
    }
    message
}

/// Text with every control character shown as an escape (`\u{1b}`, `\n`,
/// `\t`), so nothing a user typed can move a terminal's cursor, clear it,
/// retitle its window or hide a link (ESC, BEL, BS, OSC sequences, C1
/// codes, bidirectional overrides).
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`visible`], but for text laid out on several lines (a message, a
/// help): line breaks (`\n`, `\r\n`) and tabs stay as they are; every
/// other control character, a lone `\r` included, is shown as an escape.
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c != '\n' && c != '\t' && needs_escape(c))
    {
        return Cow::Borrowed(text);
    }
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        for part in body.split('\t').enumerate() {
            if part.0 > 0 {
                out.push('\t');
            }
            out.push_str(&visible(part.1));
        }
        out.push_str(end);
    }
    Cow::Owned(out)
}

/// Control characters (C0, DEL, C1) and the invisible bidirectional
/// controls that can make text read differently from what it is.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn money(symbol: &str, negative: bool, abs: Decimal) -> String {
    let text = abs.to_string();
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (text, None),
    };
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if negative { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{symbol}{grouped}.{f}"),
        None => format!("{sign}{symbol}{grouped}"),
    }
}

/// A path as shown to users: forward slashes, no leading `./`.
pub fn path(path: &std::path::Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_people_write_them() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(amount(d("94.50"), Some(Unit::Percent)), "94.5%");
        assert_eq!(amount(d("-5000"), Some(Unit::Gbp)), "-£5,000");
        assert_eq!(amount(d("1234567.5"), Some(Unit::Gbp)), "£1,234,567.5");
        assert_eq!(amount(d("8.37"), Some(Unit::Days)), "8.37 days");
        assert_eq!(amount(d("945"), None), "945");
    }

    #[test]
    fn quotations_are_short_and_visible() {
        assert_eq!(quote("York"), "York");
        let long = "é".repeat(MAX_QUOTE_CHARS + 5);
        let quoted = quote(&long);
        assert_eq!(quoted.chars().count(), MAX_QUOTE_CHARS + 1);
        assert!(quoted.ends_with('…'));
        assert_eq!(quote("a\u{1b}[2Jb\u{7}\n"), "a\\u{1b}[2Jb\\u{7}\\n");
        assert_eq!(visible("\u{9b}x\u{202e}"), "\\u{9b}x\\u{202e}");
        assert_eq!(visible("tab\there"), "tab\\there");
        assert_eq!(
            visible_lines("a\r\nb\tc\n\u{1b}\rd"),
            "a\nb\tc\n\\u{1b}\\rd"
        );
    }
}
