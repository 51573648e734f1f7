use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ReturnCtx;

pub static CHECK: Builtin = Builtin {
    id: "missing_header",
    severity: Severity::Error,
    about: "The return's `organisation` or `period` is absent, or the period is in no notation ragcheck reads.",
    docs: "\
What it does: checks the return's header names the organisation and the period, and that the \
period reads as exactly one financial year, quarter or month: `2016/17`, `2016/17 Q3`, \
`2016/17 M07`, or another notation of the same (`2016-17;Q3`, `Quarter 3 2016/17`, \
`October 2016`, …), also inside other text (`Reporting Period : Quarter 4 2011/12`).

Why: the period decides which sub-period's value is `value`, which sub-periods are in the \
future, and which deferrals are overdue. Without it most checks cannot run.

Example:
    return:
      organisation: Leeds City Council
      period: 2011/13 Q4     # <- missing_header: the years of `2011/13` do not follow on",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    let ret = ctx.ret;
    match &ret.organisation {
        Some(o) if !o.as_str().trim().is_empty() => {}
        Some(o) => out.push(
            CHECK
                .finding("the organisation is empty", o.pos)
                .label("no organisation")
                .help("name the organisation submitting the return")
                .field("organisation"),
        ),
        None => out.push(
            CHECK
                .finding("the return has no `organisation`", ret.pos)
                .label("no organisation in this header")
                .help("add `organisation: <name>` to the return's header")
                .field("organisation"),
        ),
    }
    match &ret.period {
        None => out.push(
            CHECK
                .finding("the return has no `period`", ret.pos)
                .label("no period in this header")
                .help("add `period: 2011/12 Q4` (financial year and quarter) to the header")
                .field("period"),
        ),
        Some(p) => {
            if let Some(Err(e)) = &ctx.period {
                let message = if p.as_str().trim().is_empty() {
                    "the period is empty".to_string()
                } else {
                    format!("the period `{}` cannot be read: {e}", p.as_str().trim())
                };
                out.push(
                    CHECK
                        .finding(message, p.pos)
                        .label(e.label())
                        .help(e.help())
                        .field("period"),
                );
            }
        }
    }
}
