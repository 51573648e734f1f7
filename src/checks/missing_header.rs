use super::Builtin;
use crate::diagnostic::{Finding, Severity};
use crate::eval::{ReturnCtx, parse_period};

pub static CHECK: Builtin = Builtin {
    id: "missing_header",
    severity: Severity::Error,
    about: "The return's `organisation` or `period` is absent, or the period is not `YYYY/YY Qn`.",
    docs: "\
What it does: checks the return's header names the organisation and the period, and that the \
period is a financial year and quarter such as `2011/12 Q4`.

Why: the period decides which quarter's value is `value`, which quarters are in the future, \
and which deferrals are overdue. Without it most checks cannot run.

Example:
    return:
      organisation: Leeds City Council
      period: Quarter 4 2011/12     # <- missing_header: write `2011/12 Q4`",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Finding>) {
    let ret = ctx.ret;
    match &ret.organisation {
        Some(o) if !o.as_str().trim().is_empty() => {}
        Some(o) => out.push(
            Finding::new(
                Severity::Error,
                CHECK.id,
                "the organisation is empty",
                o.pos,
            )
            .label("no organisation")
            .help("name the organisation submitting the return")
            .field("organisation"),
        ),
        None => out.push(
            Finding::new(
                Severity::Error,
                CHECK.id,
                "the return has no `organisation`",
                ret.pos,
            )
            .label("no organisation in this header")
            .help("add `organisation: <name>` to the return's header")
            .field("organisation"),
        ),
    }
    match &ret.period {
        None => out.push(
            Finding::new(
                Severity::Error,
                CHECK.id,
                "the return has no `period`",
                ret.pos,
            )
            .label("no period in this header")
            .help("add `period: 2011/12 Q4` (financial year and quarter) to the header")
            .field("period"),
        ),
        Some(p) => match parse_period(p.as_str()) {
            None => out.push(
                Finding::new(
                    Severity::Error,
                    CHECK.id,
                    format!(
                        "the period `{}` is not a financial year and quarter",
                        p.as_str()
                    ),
                    p.pos,
                )
                .label("expected the form `YYYY/YY Qn`")
                .help("write it as `2011/12 Q4`: the financial year, a space, and Q1 to Q4")
                .field("period"),
            ),
            Some((year, _)) => {
                let first: Option<u32> = year.get(2..4).and_then(|s| s.parse().ok());
                let second: Option<u32> = year.get(5..7).and_then(|s| s.parse().ok());
                if let (Some(a), Some(b)) = (first, second)
                    && (a + 1) % 100 != b
                {
                    out.push(
                        Finding::new(
                            Severity::Error,
                            CHECK.id,
                            format!("the financial year `{year}` does not run over two consecutive years"),
                            p.pos,
                        )
                        .label("years do not follow on")
                        .help(format!(
                            "a financial year is written like `20{a:02}/{:02}`",
                            (a + 1) % 100
                        ))
                        .field("period"),
                    )
                }
            }
        },
    }
}
