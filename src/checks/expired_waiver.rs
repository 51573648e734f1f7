use super::Builtin;
use crate::diagnostic::Severity;

pub static CHECK: Builtin = Builtin {
    id: "expired_waiver",
    severity: Severity::Warning,
    about: "A waiver would have covered a diagnostic of a return whose period is after its `until`.",
    docs: "\
What it does: reports, once per run and at the `waive` in the rule file, a waiver that matched \
a diagnostic (same check, measure and organisation) of a return whose period ends after the \
waiver's `until` period. That diagnostic is not waived: it counts towards `--fail-on` as usual. \
The message says how many diagnostics it would have covered, and the help names the first.

Why: a waiver accepts a known problem for a limited time. When the time is up and the problem \
is still there, someone should decide again: renew the waiver with a later `until` and a fresh \
approval (a reviewed change to the rule files), or fix the returns.

Example:
    waive status_mismatch on appraisals for \"Leeds City Council\" until 2012/13 Q2
        because \"records are being reloaded after the SAP migration\" approved \"Head of Performance\"
    # a 2012/13 Q3 return of Leeds with the same status_mismatch: the error stands,
    # and expired_waiver points here",
    run: None,
};
