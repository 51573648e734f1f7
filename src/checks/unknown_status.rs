use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::{ReturnCtx, Val};
use crate::field::KnownField;
use crate::rag::Rag;
use crate::value::MissingKind;

pub static CHECK: Builtin = Builtin {
    id: "unknown_status",
    severity: Severity::Error,
    about: "A declared status is not green, amber or red.",
    docs: "\
What it does: reports a declared status that is not Green, Amber or Red (in any case), with \
the closest status when it looks like a typing slip.

Why: a misspelt status (`Gren`) cannot be compared with the thresholds and would be dropped \
from any RAG summary.

Example:
    status: Gren      # <- unknown_status: did you mean `green`?",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    for e in &ctx.entries {
        let Val::Missing(MissingKind::Invalid, Some(raw)) = e.status else {
            continue;
        };
        let Some(t) = e.entry.known(KnownField::Status) else {
            continue;
        };
        let help = match Rag::suggest(raw) {
            Some(r) => format!("did you mean `{}`?", capitalised(r)),
            None => "a status is Green, Amber or Red".into(),
        };
        out.push(
            CHECK
                .finding(format!("`{raw}` is not a status"), t.pos)
                .label("expected Green, Amber or Red")
                .help(help)
                .measure(e.entry.id())
                .field("status"),
        );
    }
}

fn capitalised(r: Rag) -> &'static str {
    match r {
        Rag::Green => "Green",
        Rag::Amber => "Amber",
        Rag::Red => "Red",
    }
}
