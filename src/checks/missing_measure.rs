use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ReturnCtx;

pub static CHECK: Builtin = Builtin {
    id: "missing_measure",
    severity: Severity::Error,
    about: "A measure declared `required` is absent from the return.",
    docs: "\
What it does: reports every measure that the rules mark `required` and the return does not \
contain. (Test fixtures are partial returns, so this check does not run in `ragcheck test`.)

Why: a required measure left out of a return is a gap in the national collection.

Example:
    # rules: measure appraisals { unit percent  required }
    measures:
      budget: {values: {q4: £0}}     # <- missing_measure: appraisals",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    for (d, m) in ctx.rules.measures.iter().enumerate() {
        if m.required && ctx.by_measure[d].is_none() {
            out.push(
                CHECK
                    .finding(
                        format!("required measure `{}` is missing from this return", m.id),
                        ctx.ret.pos,
                    )
                    .label(format!("no `{}` in this return", m.id))
                    .help(format!(
                        "add `{}` with its values; it is declared required at {}:{}",
                        m.id, m.rule.file, m.rule.line
                    ))
                    .measure(m.id.clone()),
            );
        }
    }
}
