use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ReturnCtx;
use crate::value::ValueText;

pub static CHECK: Builtin = Builtin {
    id: "future_value",
    severity: Severity::Warning,
    about: "A value is given for a quarter after the return's own quarter.",
    docs: "\
What it does: warns about a value (a number, or text that should be one) in a quarter later \
than the return's period: a Q4 value in a Q2 return. Placeholders such as `N/A` or \
`To be reported in Quarter 4` are fine there.

Why: a figure for a quarter that has not happened was typed in the wrong column.

Example:
    return: {organisation: Leeds City Council, period: 2011/12 Q2}
    ...
      values: {q2: 50%, q3: 75%}     # <- future_value: q3 after Q2",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    let Some(own) = ctx.sub else { return };
    let word = own.frequency.sub_word();
    for e in &ctx.entries {
        if e.marks.last_filled.is_none_or(|last| last <= own) {
            continue;
        }
        for (sub, p) in e.parsed.iter().filter(|(s, _)| *s > own) {
            if matches!(p, None | Some(ValueText::Missing(_))) {
                continue;
            }
            let Some(text) = e.entry.values.get(sub) else {
                continue;
            };
            let (later, label) = (sub.label(), own.label());
            out.push(
                CHECK
                    .finding(
                        format!(
                            "measure `{}` has {} {later} value, but this is {} {label} return",
                            e.entry.id(),
                            article(&later),
                            article(&label)
                        ),
                        text.pos,
                    )
                    .label(format!("a {word} still to come"))
                    .help(format!(
                        "move the value to its own {word}, or check the return's period"
                    ))
                    .measure(e.entry.id())
                    .field(sub.name()),
            );
        }
    }
}

/// `a Q3`, `an M07`.
pub(crate) fn article(label: &str) -> &'static str {
    if label.starts_with('M') { "an" } else { "a" }
}
