use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ReturnCtx;
use crate::field::KnownField;

pub static CHECK: Builtin = Builtin {
    id: "missing_status",
    severity: Severity::Warning,
    about: "A measure with bands and a value has no declared status.",
    docs: "\
What it does: warns when a measure has RAG bands in the rules and a value for the return's \
quarter, but the return declares no status for it.

Why: the scorecard's reader sees no RAG for a measure that has one; the computed status is \
shown so it can be filled in.

Example:
    appraisals:
      values: {q4: 94%}     # <- missing_status: the bands give amber",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    for (i, e) in ctx.entries.iter().enumerate() {
        let Some(d) = e.decl else { continue };
        if ctx.rules.measures[d].bands.is_empty() || ctx.value(i, None).is_missing() {
            continue;
        }
        let blank = e
            .entry
            .known(KnownField::Status)
            .is_none_or(|t| crate::value::is_blank(t.as_str()));
        if !blank {
            continue;
        }
        let pos = e
            .entry
            .known(KnownField::Status)
            .map(|t| t.pos)
            .unwrap_or(e.entry.pos());
        let mut f = CHECK
            .finding(
                format!(
                    "measure `{}` has a value but no declared status",
                    e.entry.id()
                ),
                pos,
            )
            .label("no status")
            .measure(e.entry.id())
            .field("status");
        if let Some(r) = e.rag {
            let word = match r {
                crate::rag::Rag::Green => "Green",
                crate::rag::Rag::Amber => "Amber",
                crate::rag::Rag::Red => "Red",
            };
            f = f.help(format!("its thresholds give {r}: add `status: {word}`"));
        }
        out.push(f);
    }
}
