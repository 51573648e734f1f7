use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::{ReturnCtx, Val};
use crate::field::KnownField;
use crate::period::{Frequency, SubPeriod};

pub static CHECK: Builtin = Builtin {
    id: "status_mismatch",
    severity: Severity::Error,
    about: "The declared status differs from the status the thresholds give.",
    docs: "\
What it does: compares each measure's declared status with `rag`, the status its bands give \
for the return's own quarter, and reports a difference. When either is unknown (a misspelt \
status, a missing value) it stays silent: `unknown_status` or `rag_undetermined` says so once.

Why: an Amber that the agreed thresholds call Red understates a problem; a Green they call \
Amber hides one. Either way the published scorecard would be wrong.

Example:
    # rules: green when value >= expected; amber when value >= expected - 10%; red otherwise
    appraisals:
      status: Amber
      values: {q4: 99%}     # <- status_mismatch: the bands give green",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    for (i, e) in ctx.entries.iter().enumerate() {
        let (Val::Status(declared, Some(raw)), Some(rag)) = (&e.status, e.rag) else {
            continue;
        };
        if *declared == rag {
            continue;
        }
        let Some(t) = e.entry.known(KnownField::Status) else {
            continue;
        };
        let value = ctx.value(i, None).render();
        let quarter = ctx.sub.map(SubPeriod::label).unwrap_or_default();
        let at = match ctx.sub {
            Some(s) if s.frequency == Frequency::Annual => "for the year".to_string(),
            _ => format!("at {quarter}"),
        };
        let mut f = CHECK.finding(format!(
                "measure `{}` is declared {raw}, but its thresholds give {rag} for {value} {at}",
                e.entry.id()
            ),
            t.pos,
        )
        .label(format!("the bands say {rag}"))
        .measure(e.entry.id())
        .field("status");
        if let Some(m) = e.decl.map(|d| &ctx.rules.measures[d]) {
            f = f.help(format!(
                "check the {quarter} value and the status; the bands of `{}` are at {}:{}",
                m.id, m.rule.file, m.rule.line
            ));
        }
        if let Some(s) = ctx.sub
            && let Some(v) = e.entry.values.get(s)
        {
            f = f.related_pos(v.pos, format!("the {quarter} value"));
        }
        out.push(f);
    }
}
