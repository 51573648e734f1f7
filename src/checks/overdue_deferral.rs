use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::{ReturnCtx, Val};
use crate::period::{Frequency, SubPeriod};
use crate::value::{MissingKind, ValueText};

pub static CHECK: Builtin = Builtin {
    id: "overdue_deferral",
    severity: Severity::Warning,
    about: "A value deferred to a quarter (or month) the return has reached, with no value given for it.",
    docs: "\
What it does: for a value such as `To be reported in Quarter 2` (or `in October`, `in Month 7`), \
warns when the return's period has reached the end of that quarter (or month) and the return's \
own sub-period that covers it (`q2`; `m6` in a monthly return; the year in an annual one) still \
has no value.

Why: a promise to report later that was not kept is easy to miss in a long scorecard.

Example:
    return: {organisation: Leeds City Council, period: 2011/12 Q4}
    ...
      values: {q1: To be reported in Quarter 4}     # and no q4 value: overdue_deferral",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    let Some(own) = ctx.sub else { return };
    for e in ctx.entries.iter().filter(|e| e.marks.deferred) {
        for (sub, p) in e.parsed.iter() {
            let Some(ValueText::Missing(MissingKind::Deferred { quarter, month })) = p else {
                continue;
            };
            let due = match (quarter, month) {
                (Some(q), _) => SubPeriod::quarter(*q),
                (None, Some(m)) => SubPeriod::month(*m),
                (None, None) => None,
            };
            let Some(due) = due else { continue };
            if due.end_month_index() > own.end_month_index() {
                continue;
            }
            // The value due: the return's sub-period that covers the end
            // of the quarter or month named (for `Quarter 2`: `q2`, `m6`,
            // or the year).
            let owed = own
                .frequency
                .sub_periods()
                .find(|s| s.covers_month(due.end_month_index()));
            let delivered = owed
                .and_then(|s| e.values.get(s))
                .is_some_and(|v| !matches!(v, Val::Missing(..) | Val::Unknown));
            if delivered {
                continue;
            }
            let Some(text) = e.entry.values.get(sub) else {
                continue;
            };
            let (due, own_label) = (due.label(), own.label());
            let missing = match owed {
                Some(s) if s.frequency == Frequency::Annual => "no value for the year".to_string(),
                Some(s) => format!("no {} value", s.label()),
                None => "no value for it".to_string(),
            };
            let owed_label = owed.map_or(due.clone(), SubPeriod::label);
            let this = match own.frequency {
                Frequency::Annual => "this annual return".to_string(),
                _ => format!("this {own_label} return"),
            };
            out.push(
                CHECK
                    .finding(
                        format!(
                            "measure `{}` was to be reported in {due}, but {this} has {missing}",
                            e.entry.id()
                        ),
                        text.pos,
                    )
                    .label(format!("deferred to {due}"))
                    .help(format!(
                        "give the {owed_label} value, or say why it is still not available"
                    ))
                    .measure(e.entry.id())
                    .field(sub.name()),
            );
        }
    }
}
