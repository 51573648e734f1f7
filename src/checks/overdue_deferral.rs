use super::Builtin;
use crate::diagnostic::{Finding, Severity};
use crate::eval::{ReturnCtx, Val};
use crate::period::{Frequency, SubPeriod};
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
    let Some(own) = ctx.sub else { return };
    for e in &ctx.entries {
        for (sub, p) in e.parsed.iter() {
            let Some(ValueText::Missing(MissingKind::Deferred { quarter: Some(due) })) = p else {
                continue;
            };
            let Some(due) = SubPeriod::quarter(*due) else {
                continue;
            };
            if due.end_month_index() > own.end_month_index() {
                continue;
            }
            // The value due: the return's sub-period that ends with the
            // quarter named (`q2`, `m6`, or the year for Q4).
            let owed = own
                .frequency
                .sub_periods()
                .find(|s| s.end_month_index() == due.end_month_index());
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
            let this = match own.frequency {
                Frequency::Annual => "this annual return".to_string(),
                _ => format!("this {own_label} return"),
            };
            out.push(
                Finding::new(
                    Severity::Warning,
                    CHECK.id,
                    format!(
                        "measure `{}` was to be reported in {due}, but {this} has {missing}",
                        e.entry.id()
                    ),
                    text.pos,
                )
                .label(format!("deferred to {due}"))
                .help(format!(
                    "give the {} value, or say why it is still not available",
                    owed.map_or(due.clone(), SubPeriod::label)
                ))
                .measure(e.entry.id())
                .field(sub.name()),
            );
        }
    }
}
