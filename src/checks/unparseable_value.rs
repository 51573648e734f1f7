use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ReturnCtx;
use crate::field::KnownField;
use crate::value::{ValueText, parse_value};

pub static CHECK: Builtin = Builtin {
    id: "unparseable_value",
    severity: Severity::Error,
    about: "A value or target is not a number, percentage, amount of money, duration or known placeholder.",
    docs: "\
What it does: reports every quarterly value and target whose text is not a value: not a \
percentage (`63%`), money (`£617k underspend`), a duration (`8.63 days`), a count (`432`) or \
a recognised placeholder (`N/A`, `To be reported in Quarter 4`), and every typed field \
(`field numerator count`) of the same. Such a value then counts as missing in every rule.

Why: slips such as `N#`, `£617, unders` or `1,00` are typing or export errors that a reader \
would misread and a rule cannot compare.

Example:
    values:
      q4: '£617, unders'     # <- unparseable_value: did you mean `£617k underspend`?",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    for e in &ctx.entries {
        // Only an entry with an invalid value has any to report.
        if e.marks.invalid {
            for (sub, parsed) in e.parsed.iter() {
                let Some(ValueText::Invalid { reason }) = parsed else {
                    continue;
                };
                let Some(text) = e.entry.values.get(sub) else {
                    continue;
                };
                out.push(
                    CHECK
                        .finding(message(text.as_str(), reason), text.pos)
                        .label("not a value")
                        .help(help_for(text.as_str()))
                        .measure(e.entry.id())
                        .field(sub.name()),
                );
            }
        }
        if let Some(t) = e.entry.known(KnownField::Target)
            && let ValueText::Invalid { reason } = parse_value(t.as_str())
        {
            out.push(
                CHECK
                    .finding(
                        format!("the target `{}` is not a value: {reason}", t.as_str()),
                        t.pos,
                    )
                    .label("not a value")
                    .help(help_for(t.as_str()))
                    .measure(e.entry.id())
                    .field("target"),
            );
        }
        // Typed fields (`field numerator count`) are values too.
        for (name, text) in &e.entry.extra {
            if !ctx.rules.field_units.contains_key(name.as_str()) {
                continue;
            }
            if let ValueText::Invalid { reason } = parse_value(text.as_str()) {
                out.push(
                    CHECK
                        .finding(
                            format!(
                                "the {} `{}` is not a value: {reason}",
                                name.as_str(),
                                text.as_str()
                            ),
                            text.pos,
                        )
                        .label("not a value")
                        .help(help_for(text.as_str()))
                        .measure(e.entry.id())
                        .field(name.as_str()),
                );
            }
        }
    }
}

/// The parser's reason usually names the text already; say it once.
fn message(text: &str, reason: &str) -> String {
    if reason.contains(&format!("`{text}`")) {
        let mut chars = reason.chars();
        match chars.next() {
            Some(c) => c.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    } else {
        format!("`{text}` is not a value: {reason}")
    }
}

fn help_for(text: &str) -> String {
    match crate::value::suggest(text) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "write a number with its unit (`94%`, `£617k underspend`, `8.63 days`), or `N/A` if there is none".into(),
    }
}
