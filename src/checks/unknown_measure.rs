use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ReturnCtx;
use crate::suggest::did_you_mean;

pub static CHECK: Builtin = Builtin {
    id: "unknown_measure",
    severity: Severity::Warning,
    about: "A measure id that no rule declares.",
    docs: "\
What it does: warns about a measure in the return that no `measure` block declares, with the \
closest declared id when it looks like a typing slip, or the measure whose `code` it is. Read \
through a layout, a measure cell that matches no declared id, code or title is reported at its \
cell, with the closest id, code or title.

Why: a misspelt id (`apraisals`) escapes every threshold and check meant for the measure.

Example:
    measures:
      apraisals: {values: {q4: 94%}}     # <- unknown_measure: did you mean `appraisals`?",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    for e in &ctx.entries {
        if e.decl.is_some() || e.entry.id().is_empty() {
            continue;
        }
        let id = e.entry.id();
        // An id that is a measure's code (`CORP09`) names that measure.
        let by_code = ctx
            .rules
            .measure_lookup
            .find(id)
            .filter(|(_, by)| *by == crate::layout::MatchedBy::Code)
            .map(|(m, _)| ctx.rules.measures[m].id.as_str());
        let suggestion = by_code
            .or_else(|| did_you_mean(id, ctx.rules.measure_index.keys().map(String::as_str)));
        out.push(
            CHECK
                .finding(format!("no rule declares a measure `{id}`"), e.entry.pos())
                .label("unknown measure")
                .help(match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("declare it in a rule file: `measure {id} {{ unit ... }}`"),
                })
                .measure(id),
        );
    }
}
