use super::Builtin;
use crate::diagnostic::Severity;

pub static CHECK: Builtin = Builtin {
    id: "unused_waiver",
    severity: Severity::Info,
    about: "A waiver covered no diagnostic in the run.",
    docs: "\
What it does: reports, once per run and at the `waive` in the rule file, a waiver that covered \
no diagnostic of any return checked (and did not expire either: see `expired_waiver`).

Why: a waiver that matches nothing is either no longer needed (the problem was fixed, so the \
waiver can be removed) or is written wrongly (a misspelt organisation, the wrong measure) and \
is not doing what its author meant. It is only information: a run over a few returns leaves \
the waivers for other organisations unused.

Example:
    waive unknown_status on appraisals for \"Leeds City Council \" until 2012/13 Q4
        because \"status column re-keyed\" approved \"Head of Performance\"
    # no return of Leeds has an unknown_status on appraisals: unused_waiver here",
    run: None,
};
