use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::{ReturnCtx, Val};
use crate::period::SubPeriod;

pub static CHECK: Builtin = Builtin {
    id: "not_cumulative",
    severity: Severity::Warning,
    about: "A `cumulative` measure falls from one quarter to the next.",
    docs: "\
What it does: for a measure declared `cumulative` (a year-to-date figure), warns when a \
quarter's value is lower than an earlier quarter's.

Why: a year-to-date count cannot go down; a fall means a typing slip or a figure for the \
quarter alone.

Example:
    # rules: measure appraisals { unit percent  cumulative }
    values: {q2: 94%, q3: 90%}     # <- not_cumulative: 90% after 94%",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    for e in &ctx.entries {
        let Some(d) = e.decl else { continue };
        if !ctx.rules.measures[d].cumulative {
            continue;
        }
        let word = ctx.frequency.sub_word();
        let mut best: Option<(SubPeriod, rust_decimal::Decimal, &str)> = None;
        for (sub, v) in e.values.iter() {
            let Val::Num(n, _, raw) = v else { continue };
            let raw = raw.unwrap_or_default();
            if let Some((psub, pn, praw)) = &best
                && n < pn
                && let Some(text) = e.entry.values.get(sub)
            {
                let mut f = CHECK.finding(format!(
                        "cumulative measure `{}` falls from {praw} in {} to {raw} in {}",
                        e.entry.id(),
                        psub.label(),
                        sub.label()
                    ),
                    text.pos,
                )
                .label(format!("lower than an earlier {word}"))
                .help(format!("a year-to-date figure cannot fall; check for a typing slip or a figure for the {word} alone"))
                .measure(e.entry.id())
                .field(sub.name());
                if let Some(p) = e.entry.values.get(*psub) {
                    f = f.related_pos(p.pos, psub.label());
                }
                out.push(f);
                continue;
            }
            best = Some((sub, *n, raw));
        }
    }
}
