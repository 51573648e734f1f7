use super::Builtin;
use crate::diagnostic::{Finding, Severity};
use crate::eval::{ReturnCtx, Val};
use crate::value::MissingKind;

pub static CHECK: Builtin = Builtin {
    id: "rag_undetermined",
    severity: Severity::Info,
    about: "A measure has bands but its status cannot be computed.",
    docs: "\
What it does: notes each measure whose bands cannot give a status for the return's quarter: \
its value is missing, a placeholder or invalid, or a band condition needs something missing.

Why: the declared status of such a measure cannot be checked against the thresholds.

Example:
    values: {q4: To be reported in Quarter 1}     # <- rag_undetermined",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Finding>) {
    for (i, e) in ctx.entries.iter().enumerate() {
        if !e.rag_undetermined {
            continue;
        }
        let quarter = ctx
            .quarter
            .map(|q| format!("Q{q}"))
            .unwrap_or("its quarter".into());
        let value_text = ctx
            .quarter
            .and_then(|q| e.entry.values[q as usize - 1].as_ref());
        let why = match ctx.value(i, None) {
            Val::Missing(MissingKind::Blank, _) => format!("there is no {quarter} value"),
            Val::Missing(MissingKind::Invalid, Some(raw)) => {
                format!("the {quarter} value `{raw}` is not a usable value")
            }
            Val::Missing(kind, _) => {
                format!("the {quarter} value is {}", kind.name().replace('_', " "))
            }
            _ => "a band condition needs a value that is missing".into(),
        };
        let pos = value_text.map(|t| t.pos).unwrap_or(e.entry.pos());
        let mut f = Finding::new(
            Severity::Info,
            CHECK.id,
            format!("no status can be computed for `{}`: {why}", e.entry.id()),
            pos,
        )
        .label("no RAG from the thresholds")
        .measure(e.entry.id());
        if value_text.is_some() {
            f = f.field(format!("q{}", ctx.quarter.unwrap_or(4)));
        }
        out.push(f);
    }
}
