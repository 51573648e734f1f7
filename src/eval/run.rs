//! Running a return's user checks: each check's scope and `where` give
//! the places it runs at, each rule's `when` is decided by the compiled
//! plan, and a rule that fires becomes a finding, its message rendered by
//! the tree walker.

use super::kernel::{Place, Pred};
use super::{ReturnCtx, Scope, Tri, Visit, from_value_key};
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{self, Field, Slot, Subject};
use crate::report::CheckRun;

impl ReturnCtx<'_> {
    /// Run every user check, appending findings; returns per-check counts.
    pub fn run_checks(&self, out: &mut Vec<Diagnostic>) -> Vec<CheckRun> {
        let mut runs = Vec::with_capacity(self.rules.checks.len());
        for (check, plan) in self.rules.checks.iter().zip(&self.plan.checks) {
            if let Some(preds) = &plan.preds {
                runs.push(CheckRun {
                    id: check.key.clone(),
                    evaluated: self.run_preds(check, &plan.visit, preds, out),
                });
                continue;
            }
            let mut evaluated = 0u64;
            let mut fire = |scope: Scope| {
                evaluated += 1;
                for (rule, when) in check.rules.iter().zip(&plan.whens) {
                    let Some(severity) = rule.severity else {
                        continue;
                    };
                    match when(self, scope) {
                        Tri::True => out.push(self.finding(check, rule, severity, scope)),
                        Tri::False => {}
                        Tri::Unknown => self.not_evaluated.set(self.not_evaluated.get() + 1),
                    }
                }
            };
            // Every `where` is shared (`Plan::build`): a return works out
            // once which entries, or which values, it holds for.
            match &plan.visit {
                Visit::Return => fire(Scope::default()),
                Visit::Entries(None) => (0..self.entries.len()).for_each(|i| fire(Scope::entry(i))),
                Visit::Entries(Some(id)) => {
                    for &i in self.selection(*id) {
                        fire(Scope::entry(i as usize));
                    }
                }
                Visit::Values(id) => {
                    let mut each = |i: usize| {
                        for (sub, &present) in self.entries[i].present.iter() {
                            if present {
                                fire(Scope {
                                    entry: Some(i),
                                    sub: Some(sub),
                                });
                            }
                        }
                    };
                    match id {
                        None => (0..self.entries.len()).for_each(&mut each),
                        Some(id) => self.selection(*id).iter().for_each(|&i| each(i as usize)),
                    }
                }
                Visit::SelectedValues(id) => {
                    for &v in self.value_selection(*id) {
                        let (entry, sub) = from_value_key(v, self.frequency);
                        fire(Scope {
                            entry: Some(entry),
                            sub,
                        });
                    }
                }
                Visit::Measures(ids) => {
                    for &m in ids {
                        if let Some(i) = self.by_measure.get(m).copied().flatten() {
                            fire(Scope::entry(i));
                        }
                    }
                }
            }
            runs.push(CheckRun {
                id: check.key.clone(),
                evaluated,
            });
        }
        runs
    }

    /// Run a check whose rules are all [`Pred`]s: the places in one loop,
    /// each entry and value read once; returns the places run at.
    fn run_preds(
        &self,
        check: &ir::Check,
        visit: &Visit,
        preds: &[Pred],
        out: &mut Vec<Diagnostic>,
    ) -> u64 {
        let (mut evaluated, mut unknown) = (0u64, 0u64);
        let mut at = |p: &Place<'_, '_>| {
            evaluated += 1;
            for (rule, pred) in check.rules.iter().zip(preds) {
                let Some(severity) = rule.severity else {
                    continue;
                };
                match pred.eval(p) {
                    Tri::True => {
                        let scope = Scope {
                            entry: Some(p.i),
                            sub: p.scope_sub,
                        };
                        out.push(self.finding(check, rule, severity, scope));
                    }
                    Tri::False => {}
                    Tri::Unknown => unknown += 1,
                }
            }
        };
        let mut values = |i: usize| {
            let e = &self.entries[i];
            for ((sub, value), (_, &present)) in e.values.iter().zip(e.present.iter()) {
                if present {
                    at(&Place {
                        c: self,
                        i,
                        e,
                        value,
                        sub: Some(sub),
                        scope_sub: Some(sub),
                    });
                }
            }
        };
        match visit {
            Visit::Return => {}
            Visit::Entries(None) => {
                for i in 0..self.entries.len() {
                    at(&Place::new(self, i, None));
                }
            }
            Visit::Entries(Some(id)) => {
                for &i in self.selection(*id) {
                    at(&Place::new(self, i as usize, None));
                }
            }
            Visit::Values(None) => (0..self.entries.len()).for_each(values),
            Visit::Values(Some(id)) => {
                for &i in self.selection(*id) {
                    values(i as usize);
                }
            }
            Visit::SelectedValues(id) => {
                for &v in self.value_selection(*id) {
                    let (i, sub) = from_value_key(v, self.frequency);
                    at(&Place::new(self, i, sub));
                }
            }
            Visit::Measures(ids) => {
                for &m in ids {
                    if let Some(i) = self.by_measure.get(m).copied().flatten() {
                        at(&Place::new(self, i, None));
                    }
                }
            }
        }
        self.not_evaluated.set(self.not_evaluated.get() + unknown);
        evaluated
    }

    // Findings are rare next to evaluations: kept out of the check loop.
    #[cold]
    #[inline(never)]
    fn finding(
        &self,
        check: &ir::Check,
        rule: &ir::CheckRule,
        severity: Severity,
        scope: Scope,
    ) -> Diagnostic {
        let message = self.render(&rule.message, scope);
        let mut anchor = None;
        if let Some(s) = scope.sub {
            anchor = self
                .slot_pos(
                    Slot {
                        subject: Subject::Current,
                        field: Field::Sub(s),
                    },
                    scope,
                )
                .map(|(p, f)| (p, Some(f)));
        }
        if anchor.is_none() {
            anchor = rule
                .anchors
                .iter()
                .find_map(|s| self.slot_pos(*s, scope))
                .map(|(p, f)| (p, Some(f)));
        }
        let (pos, field) = anchor.unwrap_or_else(|| match scope.entry {
            Some(i) => (self.entries[i].entry.pos(), None),
            None => (self.ret.pos, None),
        });
        let mut f = Diagnostic::new(severity, check.id.clone(), message).at_pos(pos);
        f.help = rule.help.as_ref().map(|h| self.render(h, scope));
        f.field = field;
        f.measure = scope
            .entry
            .map(|i| self.entries[i].entry.id().to_string())
            .or_else(|| {
                rule.anchors.iter().find_map(|s| match s.subject {
                    Subject::Measure(m) => self.rules.measures.get(m).map(|m| m.id.clone()),
                    _ => None,
                })
            });
        f.rule = Some(rule.rule.clone());
        f.label = Some(match &f.field {
            Some(field) => format!("{} {field}", f.measure.as_deref().unwrap_or("this")),
            None => "here".into(),
        });
        f
    }
}
