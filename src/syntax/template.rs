//! Message templates: a check's message and help text, with `{expression}`
//! parts (SPEC 2.3), read into [`Template`] nodes here with the rest of the
//! rule file, so the compiler sees them as it sees any other expression.
//!
//! A string's value is its body with escapes resolved, and the braces are
//! found in that value; every place is mapped back through the escapes, so
//! the spans of a part (and of every expression inside it) are exact places
//! in the file. A part that cannot be read is kept as
//! [`TemplatePart::Bad`]: the compiler reports it as `bad_message` in its
//! turn, and the rest of the file still compiles.

use pest::Parser as _;

use super::build::Builder;
use super::{Rule, RuleParser, expected};
use crate::ast::{Expr, Template, TemplateError, TemplatePart};
use crate::span::{FileId, SourceFile, Span};

/// The template in a string literal whose body, as written (escapes and
/// all), is `raw`, starting at byte `start` of the file; `span` is the
/// whole literal.
pub(super) fn template(raw: &str, start: usize, file: FileId, span: Span) -> Template {
    let (text, at) = resolve(raw, start);
    let place = |from: usize, to: usize| {
        let last = at.len().saturating_sub(1);
        Span::new(file, at[from.min(last)], at[to.min(last)])
    };
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        match ch {
            '{' if chars.peek().map(|(_, c)| *c) == Some('{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek().map(|(_, c)| *c) == Some('}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                if !lit.is_empty() {
                    parts.push(TemplatePart::Text(std::mem::take(&mut lit)));
                }
                let begin = i + 1;
                let Some(end) = chars.by_ref().find(|(_, c)| *c == '}').map(|(j, _)| j) else {
                    parts.push(TemplatePart::Bad(TemplateError {
                        message: "this `{` is never closed".into(),
                        label: "unclosed".into(),
                        help: Some("write `{{` for a literal brace".into()),
                        span: place(i, i + 1),
                    }));
                    break;
                };
                let inner = &text[begin..end];
                parts.push(match embedded(inner, file) {
                    Ok(mut e) => {
                        e.spans_mut(&mut |s| {
                            *s = place(begin + s.start as usize, begin + s.end as usize)
                        });
                        TemplatePart::Expr(e)
                    }
                    Err(e) => TemplatePart::Bad(TemplateError {
                        message: format!("in `{{{inner}}}`: {}", e.message),
                        label: e.label,
                        help: e.help,
                        span: place(begin + e.start, begin + e.end),
                    }),
                });
            }
            _ => lit.push(ch),
        }
    }
    if !lit.is_empty() {
        parts.push(TemplatePart::Text(lit));
    }
    Template { parts, span }
}

/// A string body with its escapes resolved (as [`super::build::unescape`]),
/// and for each byte of the result, and one past its end, the offset in
/// the file of the text it comes from.
fn resolve(raw: &str, start: usize) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(raw.len());
    let mut at = Vec::with_capacity(raw.len() + 1);
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        let from = start + i;
        if c != '\\' {
            push(&mut text, &mut at, c, from);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => push(&mut text, &mut at, '"', from),
            Some((_, '\\')) => push(&mut text, &mut at, '\\', from),
            Some((_, 'n')) => push(&mut text, &mut at, '\n', from),
            Some((_, 't')) => push(&mut text, &mut at, '\t', from),
            Some((j, other)) => {
                push(&mut text, &mut at, '\\', from);
                push(&mut text, &mut at, other, start + j);
            }
            None => push(&mut text, &mut at, '\\', from),
        }
    }
    at.push(start + raw.len());
    (text, at)
}

/// Add `c`, which comes from byte `from` of the file.
fn push(text: &mut String, at: &mut Vec<usize>, c: char, from: usize) {
    text.push(c);
    at.extend((0..c.len_utf8()).map(|k| from + k));
}

/// Why an expression inside other text could not be read: the words of a
/// syntax error, and where, in bytes of that text.
pub(super) struct Unread {
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    pub start: usize,
    pub end: usize,
}

/// Parse an expression written inside other text (a `{...}` part of a
/// message); its spans are byte offsets in `text`.
pub(super) fn embedded(text: &str, file: FileId) -> Result<Expr, Unread> {
    let pairs = RuleParser::parse(Rule::expr_only, text).map_err(|e| {
        let d = expected::syntax_error(e, &SourceFile::new("", text));
        let (start, end) = d.location.as_ref().map_or((0, 0), |l| (l.start, l.end));
        Unread {
            message: d.message,
            label: d.label.unwrap_or_default(),
            help: d.help,
            start,
            end,
        }
    })?;
    Builder::new(file, 0).expr_only(pairs).map_err(|e| Unread {
        message: crate::display::cap_message(e.message),
        label: e.label,
        help: e.help,
        start: e.start,
        end: e.end,
    })
}
