use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
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

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    for (i, e) in ctx.entries.iter().enumerate() {
        if !e.rag_undetermined {
            continue;
        }
        let Some(own) = ctx.sub else {
            out.push(
                CHECK.finding(format!(
                        "no status can be computed for `{}`: the return's period does not say which quarter it is",
                        e.entry.id()
                    ),
                    e.entry.pos(),
                )
                .label("no RAG from the thresholds")
                .measure(e.entry.id()),
            );
            continue;
        };
        let quarter = own.label();
        let value_text = e.entry.values.get(own);
        let value = ctx.value(i, None);
        // An invalid value is already an error (`unparseable_value` or
        // `unit_mismatch`); say it once.
        if let Val::Missing(MissingKind::Invalid, _) = value {
            continue;
        }
        let why = match value {
            Val::Missing(MissingKind::Blank, _) => format!("there is no {quarter} value"),
            Val::Missing(kind, _) => {
                format!("the {quarter} value is {}", kind.name().replace('_', " "))
            }
            _ => "a band condition needs a value that is missing".into(),
        };
        let pos = value_text.map(|t| t.pos).unwrap_or(e.entry.pos());
        let mut f = CHECK
            .finding(
                format!("no status can be computed for `{}`: {why}", e.entry.id()),
                pos,
            )
            .label("no RAG from the thresholds")
            .measure(e.entry.id());
        if value_text.is_some() {
            f = f.field(own.name());
        }
        out.push(f);
    }
}
