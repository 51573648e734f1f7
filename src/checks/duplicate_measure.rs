use std::collections::HashMap;

use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ReturnCtx;

pub static CHECK: Builtin = Builtin {
    id: "duplicate_measure",
    severity: Severity::Error,
    about: "The same measure id appears twice in one return.",
    docs: "\
What it does: reports a measure given twice in one return (two YAML keys, or two CSV rows of \
the same organisation and period), pointing at both.

Why: a return loaded twice, or a row pasted twice, would otherwise be silently merged or \
counted twice; which one is right is for a person to decide.

Example:
    measures:
      appraisals: {status: Amber, values: {q4: 94%}}
      appraisals: {status: Green, values: {q4: 99%}}   # <- duplicate_measure",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    // A declared measure's first entry is known already; only ids the
    // rules do not declare need a table.
    let mut first: HashMap<&str, usize, foldhash::fast::RandomState> = HashMap::default();
    for (i, e) in ctx.ret.measures.iter().enumerate() {
        let id = e.id();
        if id.is_empty() {
            continue;
        }
        let earlier = match ctx.entries.get(i).and_then(|c| c.decl) {
            Some(d) => ctx.by_measure.get(d).copied().flatten().filter(|&j| j != i),
            None => match first.get(id) {
                None => {
                    first.insert(id, i);
                    None
                }
                Some(&j) => Some(j),
            },
        };
        match earlier {
            None => {}
            Some(j) => {
                let earlier = &ctx.ret.measures[j];
                out.push(
                    CHECK
                        .finding(
                            format!("measure `{id}` is given twice in this return"),
                            e.pos(),
                        )
                        .label("given again here")
                        .related_pos(earlier.pos(), "first given here")
                        .help("remove one of them, or give the second its own id")
                        .measure(id),
                );
            }
        }
    }
}
