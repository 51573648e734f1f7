use super::Builtin;
use crate::diagnostic::{Finding, Severity};
use crate::eval::{ReturnCtx, Val};

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

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Finding>) {
    for e in &ctx.entries {
        let Some(d) = e.decl else { continue };
        if !ctx.rules.measures[d].cumulative {
            continue;
        }
        let mut best: Option<(usize, rust_decimal::Decimal, String)> = None;
        for (q, v) in e.values.iter().enumerate() {
            let Val::Num(n, _, raw) = v else { continue };
            let raw = raw.unwrap_or_default().to_string();
            if let Some((pq, pn, praw)) = &best
                && n < pn
                && let Some(text) = e.entry.values[q].as_ref()
            {
                let mut f = Finding::new(
                    Severity::Warning,
                    CHECK.id,
                    format!(
                        "cumulative measure `{}` falls from {praw} in Q{} to {raw} in Q{}",
                        e.entry.id(),
                        pq + 1,
                        q + 1
                    ),
                    text.pos,
                )
                .label("lower than an earlier quarter")
                .help("a year-to-date figure cannot fall; check for a typing slip or a figure for the quarter alone")
                .measure(e.entry.id())
                .field(format!("q{}", q + 1));
                if let Some(p) = e.entry.values[*pq].as_ref() {
                    f = f.related(p.pos, format!("Q{}", pq + 1));
                }
                out.push(f);
                continue;
            }
            best = Some((q, *n, raw));
        }
    }
}
