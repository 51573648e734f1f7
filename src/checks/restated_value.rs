use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::{ReturnCtx, Val};
use crate::period::Period;

pub static CHECK: Builtin = Builtin {
    id: "restated_value",
    severity: Severity::Warning,
    about: "A value for an earlier sub-period differs from what the same organisation's return for that sub-period gave.",
    docs: "\
What it does: in a run that gathers the collection (its rules read `peers`, `previous` or \
`last_year`, or `--history` is given), compares each value a return gives for an earlier \
sub-period of its year with the value the same organisation's own return for that sub-period \
gave, and warns where they differ, showing both places. Quantities compare by amount: `94%` \
and `94.0%` agree.

Why: a figure that was published last quarter and quietly changed this quarter is a \
restatement; it may be a correction, but it should be confirmed and explained, not slipped in.

Example:
    # 2012/13 Q2 return of Leeds City Council:  appraisals: {values: {q2: 80%}}
    # 2012/13 Q3 return of Leeds City Council:
    appraisals:
      values: {q2: 81%, q3: 86%}     # <- restated_value: q2 was 80% in the 2012/13 Q2 return",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    let (Some(c), Some(period), Some(org)) = (
        ctx.collection,
        ctx.known_period(),
        ctx.ret.organisation.as_ref(),
    ) else {
        return;
    };
    if !c.earlier_in_year(org.as_str(), period) {
        return;
    }
    let own = period.sub();
    for e in &ctx.entries {
        for (sub, v) in e.values.iter().filter(|(s, _)| *s < own) {
            let Val::Num(amount, _, raw) = v else {
                continue;
            };
            let earlier = Period::new(period.year(), sub);
            let Some(fact) = c.fact(org.as_str(), e.entry.id(), earlier) else {
                continue;
            };
            let Some((before, unit)) = fact.number else {
                continue;
            };
            if before == *amount {
                continue;
            }
            let Some(text) = e.entry.values.get(sub) else {
                continue;
            };
            let now = raw.unwrap_or(text.as_str());
            // The earlier value's text and place: its file is read again
            // (rarely: only for a restatement).
            let (typed, at) = c
                .show(ctx.rules, &fact)
                .unwrap_or_else(|| (crate::display::amount(before, unit), None));
            let mut f = CHECK
                .finding(
                    format!(
                        "`{}` {} is {now} here, but the {earlier} return gave {typed}",
                    e.entry.id(),
                    sub.name(),
                ),
                text.pos,
            )
            .label(format!("restates {typed}"))
            .help(format!(
                "confirm the restatement and say why in the commentary, or give {typed} as the {earlier} return did"
            ))
            .measure(e.entry.id())
            .field(sub.name());
            if let Some(at) = at {
                f = f.related(at, format!("the {earlier} return gave {typed}"));
            }
            out.push(f);
        }
    }
}
