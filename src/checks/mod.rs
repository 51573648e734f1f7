//! Built-in checks: always on unless set `off` (SPEC 3.5).
//!
//! One file per check, each with its documentation (what it does, why, an
//! example) in [`Builtin`], which feeds `ragcheck explain`, SARIF and JUnit.
//! [`BUILTINS`] is the single table of their ids.

mod duplicate_measure;
mod expired_waiver;
mod future_value;
mod invalid_return;
mod missing_header;
mod missing_measure;
mod missing_status;
mod not_cumulative;
mod overdue_deferral;
mod rag_undetermined;
mod restated_value;
mod status_mismatch;
mod unit_mismatch;
mod unknown_measure;
mod unknown_status;
mod unparseable_value;
mod unused_waiver;

use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ReturnCtx;
use crate::report::CheckInfo;

/// A built-in check's identity and documentation.
#[derive(Debug)]
pub struct Builtin {
    pub id: &'static str,
    pub severity: Severity,
    /// One line: when it fires.
    pub about: &'static str,
    /// What it does, why it matters, and an example.
    pub docs: &'static str,
    /// Runs over one resolved return; `None` for checks raised elsewhere
    /// (`invalid_return` comes from the loaders, `expired_waiver` and
    /// `unused_waiver` from [`crate::waiver`] at the end of a run).
    pub run: Option<fn(&ReturnCtx<'_>, &mut Vec<Diagnostic>)>,
}

impl Builtin {
    /// A finding of this check at `pos`. Its severity is the check's
    /// default until [`run_all`] gives it the rules' setting.
    pub(crate) fn finding(&self, message: impl Into<String>, pos: crate::span::Pos) -> Diagnostic {
        Diagnostic::new(self.severity, self.id, message).at_pos(pos)
    }
}

/// Every built-in check, in the order of SPEC 3.5.
pub static BUILTINS: [&Builtin; 17] = [
    &invalid_return::CHECK,
    &missing_header::CHECK,
    &duplicate_measure::CHECK,
    &unparseable_value::CHECK,
    &unit_mismatch::CHECK,
    &unknown_status::CHECK,
    &status_mismatch::CHECK,
    &missing_status::CHECK,
    &missing_measure::CHECK,
    &unknown_measure::CHECK,
    &not_cumulative::CHECK,
    &future_value::CHECK,
    &rag_undetermined::CHECK,
    &overdue_deferral::CHECK,
    &expired_waiver::CHECK,
    &unused_waiver::CHECK,
    &restated_value::CHECK,
];

/// The built-in ids as shared strings, for per-return check runs.
pub static BUILTIN_KEYS: std::sync::LazyLock<Vec<std::sync::Arc<str>>> =
    std::sync::LazyLock::new(|| BUILTINS.iter().map(|b| b.id.into()).collect());

/// Index of a built-in check by id.
pub fn builtin_index(id: &str) -> Option<usize> {
    BUILTINS.iter().position(|b| b.id == id)
}

/// Run every built-in check that is not `off`, with its configured severity.
pub fn run_all(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    // `invalid_return` comes from the loaders, but for values of another
    // frequency than the return's, which only its period can tell.
    if let Some(severity) = ctx.rules.builtin_severity.first().copied().flatten() {
        let start = out.len();
        invalid_return::other_frequencies(ctx, out);
        for f in &mut out[start..] {
            f.severity = severity;
        }
    }
    for (i, b) in BUILTINS.iter().enumerate() {
        let Some(severity) = ctx.rules.builtin_severity.get(i).copied().flatten() else {
            continue;
        };
        let Some(run) = b.run else { continue };
        let start = out.len();
        run(ctx, out);
        for f in &mut out[start..] {
            f.severity = severity;
        }
    }
}

/// The catalogue lives with the built-in checks, not in `ir`: compiled
/// rules stay plain data that depends on no stage after them.
impl crate::ir::RuleSet {
    /// Every check, built-in then user, for SARIF rules and JUnit.
    pub fn catalogue(&self) -> Vec<CheckInfo> {
        let mut out: Vec<CheckInfo> = BUILTINS
            .iter()
            .enumerate()
            .map(|(i, b)| CheckInfo {
                id: b.id.to_string(),
                about: b.about.to_string(),
                docs: b.docs.to_string(),
                severity: self
                    .builtin_severity
                    .get(i)
                    .copied()
                    .flatten()
                    .unwrap_or(b.severity),
                rule: None,
            })
            .collect();
        for c in &self.checks {
            let severity = c
                .rules
                .iter()
                .filter_map(|r| r.severity)
                .max()
                .unwrap_or(Severity::Warning);
            let about = c
                .about
                .clone()
                .unwrap_or_else(|| format!("User check `{}`.", c.id));
            out.push(CheckInfo {
                id: c.id.clone(),
                docs: format!("{about}\n\nDefined at {}:{}.", c.rule.file, c.rule.line),
                about,
                severity,
                rule: Some(c.rule.clone()),
            });
        }
        out
    }
}
