use super::Builtin;
use crate::diagnostic::{Finding, Severity};
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

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Finding>) {
    let Some(rq) = ctx.quarter else { return };
    for e in &ctx.entries {
        for q in (rq as usize)..4 {
            let (Some(p), Some(text)) = (&e.parsed[q], e.entry.values[q].as_ref()) else {
                continue;
            };
            if matches!(p, ValueText::Missing(_)) {
                continue;
            }
            out.push(
                Finding::new(
                    Severity::Warning,
                    CHECK.id,
                    format!(
                        "measure `{}` has a Q{} value, but this is a Q{rq} return",
                        e.entry.id(),
                        q + 1
                    ),
                    text.pos,
                )
                .label("a quarter still to come")
                .help("move the value to its own quarter, or check the return's period")
                .measure(e.entry.id())
                .field(format!("q{}", q + 1)),
            );
        }
    }
}
