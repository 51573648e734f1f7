//! `given` statements → the fixture return a test runs on.
//!
//! A fixture starts complete (organisation `Test`, period `2011/12 Q4`) or
//! from a sample file (`given file`), and each `given` sets one field to the
//! raw text a return would carry. Nothing is parsed here: the text goes to
//! the value parser when the engine reads the return, exactly as a real
//! return's would, so `given appraisals.q4 = "945"` tests what a typo does.
//!
//! A sample that holds several returns (a CSV collection) gives its first
//! return; one that holds none (a file that does not load) gives an empty
//! return, and the file's own problems (`invalid_return`, ...) are among
//! the test's diagnostics.
//!
//! Every name is checked when the tests are prepared: a `given` that names
//! an undeclared measure, a field no rule reads, or a computed field
//! (`rag`, `value`) is an error at its span, not a test that silently
//! passes.

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::field::KnownField;
use crate::ir::RuleSet;
use crate::period::SubPeriod;
use crate::returns::{Entry, Return, Text};
use crate::span::Pos;
use crate::suggest::did_you_mean;

/// The organisation of a fixture return.
pub const ORGANISATION: &str = "Test";
/// The period of a fixture return unless a test sets `return.period`.
pub const PERIOD: &str = "2011/12 Q4";

/// One resolved `given` assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Setting {
    /// `return.<key> = "text"`
    Header { key: String, text: String },
    /// `<measure>.<field> = "text"`
    Field {
        measure: String,
        field: EntryField,
        text: String,
    },
}

/// A field of a measure entry that a test can set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EntryField {
    /// A value: `q1`..`q4`, `m1`..`m12` or `year`.
    Value(SubPeriod),
    Known(KnownField),
    /// A non-standard field that some rule reads.
    Extra(String),
}

/// The fields of an entry that hold what a person typed, for suggestions.
const SETTABLE: &[&str] = &[
    "q1",
    "q2",
    "q3",
    "q4",
    "status",
    "commentary",
    "officer",
    "title",
    "section",
    "unit",
    "target",
];

/// The fixture every test starts from unless it names a file.
pub(crate) fn default_return() -> Return {
    Return {
        organisation: Some(Text::new(ORGANISATION, Pos::File)),
        period: Some(Text::new(PERIOD, Pos::File)),
        ..Return::default()
    }
}

/// Resolve `path = "text"`; an error names the problem at the path.
pub(crate) fn resolve(
    rules: &RuleSet,
    path: &ast::Path,
    text: &ast::Str,
) -> Result<Setting, Box<Diagnostic>> {
    let text = text.value.clone();
    let err = |span: crate::span::Span, code: &str, message: String| {
        super::error_at(rules, span, code, message)
    };
    let [first, second] = path.parts.as_slice() else {
        let d = err(
            path.span,
            "bad_given",
            format!(
                "`{}` is not a field a test can set",
                path.parts
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".")
            ),
        )
        .label("expected `measure.field` or `return.key`")
        .help("write, for example, `given appraisals.q4 = \"94%\"` or `given return.period = \"2011/12 Q2\"`");
        return Err(Box::new(d));
    };
    if first.name == "return" {
        return match second.name.as_str() {
            "year" | "quarter" | "month" | "frequency" => Err(Box::new(
                err(
                    second.span,
                    "bad_given",
                    format!("`return.{}` comes from the period", second.name),
                )
                .label("cannot be set")
                .help("set the period instead, such as `given return.period = \"2011/12 Q2\"`"),
            )),
            key => Ok(Setting::Header {
                key: key.to_string(),
                text,
            }),
        };
    }
    let Some(&m) = rules.measure_index.get(&first.name) else {
        let suggestion = did_you_mean(
            &first.name,
            rules
                .measure_index
                .keys()
                .map(String::as_str)
                .chain(["return"]),
        );
        let d = err(
            first.span,
            "unknown_name",
            format!("there is no measure `{}`", first.name),
        )
        .label("not declared");
        return Err(Box::new(match suggestion {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help(
                "a test sets fields of measures declared in the rule files, or `return.<key>`",
            ),
        }));
    };
    let measure = rules.measures[m].id.clone();
    let name = second.name.as_str();
    let field = match name {
        _ if let Some(sub) = SubPeriod::parse_key(name) => EntryField::Value(sub),
        "value" | "expected" => {
            return Err(Box::new(err(
                second.span,
                "bad_given",
                format!("`{name}` is worked out from the return, not typed in it"),
            )
            .label("cannot be set")
            .help(format!(
                "set the quarter's value instead: the fixture's period is {PERIOD}, so write `given {}.q4 = \"...\"`",
                first.name
            ))));
        }
        "rag" => {
            return Err(Box::new(err(
                second.span,
                "bad_given",
                "`rag` is computed from the bands".into(),
            )
            .label("cannot be set")
            .help(format!(
                "set a value and let the bands decide, such as `given {}.q4 = \"...\"`; the declared status is `{}.status`",
                first.name, first.name
            ))));
        }
        "id" | "quarter" | "month" => {
            return Err(Box::new(
                err(second.span, "bad_given", format!("`{name}` cannot be set"))
                    .label("cannot be set"),
            ));
        }
        _ => match KnownField::from_name(name) {
            Some(k) => EntryField::Known(k),
            None if rules.extra_fields.iter().any(|f| f == name) => {
                EntryField::Extra(name.to_string())
            }
            None => {
                let d = err(
                    second.span,
                    "unknown_name",
                    format!("unknown field `{name}`"),
                )
                .label("no rule reads this field");
                let quarter_like =
                    name.len() == 2 && name.starts_with('q') && name.as_bytes()[1].is_ascii_digit();
                if quarter_like {
                    return Err(Box::new(d.help("the quarters are q1, q2, q3 and q4")));
                }
                return Err(Box::new(
                    match did_you_mean(name, SETTABLE.iter().copied()) {
                        Some(s) => d.help(format!("did you mean `{}.{s}`?", first.name)),
                        None => d.help(format!(
                            "a test can set {} and any other field a rule reads",
                            SETTABLE.join(", ")
                        )),
                    },
                ));
            }
        },
    };
    Ok(Setting::Field {
        measure,
        field,
        text,
    })
}

/// Apply settings, in order, to a return.
pub(crate) fn apply(ret: &mut Return, settings: &[Setting]) {
    for setting in settings {
        match setting {
            Setting::Header { key, text } => {
                let value = Some(Text::new(text.as_str(), Pos::File));
                match key.as_str() {
                    "organisation" => ret.organisation = value,
                    "period" => ret.period = value,
                    _ => match ret.header.iter_mut().find(|(k, _)| k.as_str() == key) {
                        Some((_, v)) => *v = Text::new(text.as_str(), Pos::File),
                        None => ret.header.push((
                            Text::new(key.as_str(), Pos::File),
                            Text::new(text.as_str(), Pos::File),
                        )),
                    },
                }
            }
            Setting::Field {
                measure,
                field,
                text,
            } => {
                let i = match ret.measures.iter().position(|e| e.id() == measure) {
                    Some(i) => i,
                    None => {
                        ret.measures.push(Entry {
                            id: Some(Text::new(measure.as_str(), Pos::File)),
                            ..Entry::default()
                        });
                        ret.measures.len() - 1
                    }
                };
                let entry = &mut ret.measures[i];
                let value = Text::new(text.as_str(), Pos::File);
                match field {
                    EntryField::Value(sub) => entry.values.set(*sub, Some(value)),
                    EntryField::Known(k) => entry.known[*k as usize] = Some(value),
                    EntryField::Extra(name) => {
                        match entry.extra.iter_mut().find(|(k, _)| k.as_str() == name) {
                            Some((_, v)) => *v = value,
                            None => entry
                                .extra
                                .push((Text::new(name.as_str(), Pos::File), value)),
                        }
                    }
                }
            }
        }
    }
}
