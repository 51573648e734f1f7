use super::Builtin;
use crate::diagnostic::{Finding, Severity};
use crate::eval::{ReturnCtx, Val};
use crate::value::{MissingKind, ValueText};

pub static CHECK: Builtin = Builtin {
    id: "overdue_deferral",
    severity: Severity::Warning,
    about: "A value deferred to a quarter the return has reached, with no value given for it.",
    docs: "\
What it does: for a value such as `To be reported in Quarter 2`, warns when the return's \
quarter is that quarter or later and that quarter still has no value.

Why: a promise to report later that was not kept is easy to miss in a long scorecard.

Example:
    return: {organisation: Leeds City Council, period: 2011/12 Q4}
    ...
      values: {q1: To be reported in Quarter 4}     # and no q4 value: overdue_deferral",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Finding>) {
    let Some(rq) = ctx.quarter else { return };
    for e in &ctx.entries {
        for (q, p) in e.parsed.iter().enumerate() {
            let Some(ValueText::Missing(MissingKind::Deferred { quarter: Some(due) })) = p else {
                continue;
            };
            let due = *due;
            if due == 0 || due > 4 || due > rq {
                continue;
            }
            let delivered = !matches!(e.values[due as usize - 1], Val::Missing(..) | Val::Unknown);
            if delivered {
                continue;
            }
            let Some(text) = e.entry.values[q].as_ref() else {
                continue;
            };
            out.push(
                Finding::new(
                    Severity::Warning,
                    CHECK.id,
                    format!(
                        "measure `{}` was to be reported in Q{due}, but this Q{rq} return has no Q{due} value",
                        e.entry.id()
                    ),
                    text.pos,
                )
                .label(format!("deferred to Q{due}"))
                .help(format!("give the Q{due} value, or say why it is still not available"))
                .measure(e.entry.id())
                .field(format!("q{}", q + 1)),
            );
        }
    }
}
