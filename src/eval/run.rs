//! Running a return's user checks: each check's scope and `where` give
//! the places it runs at, each rule's `when` is decided by the compiled
//! plan, and a rule that fires becomes a finding, its message rendered by
//! the tree walker.

use super::{ReturnCtx, Scope, Tri, Val, from_value_key};
use crate::diagnostic::{Finding, Severity};
use crate::ir::{self, Field, Slot, Subject};
use crate::report::CheckRun;

impl ReturnCtx<'_> {
    /// Run every user check, appending findings; returns per-check counts.
    pub fn run_checks(&self, out: &mut Vec<Finding>) -> Vec<CheckRun> {
        let mut runs = Vec::with_capacity(self.rules.checks.len());
        let plan = &self.rules.plan;
        let all: Vec<u32> = (0..self.entries.len() as u32).collect();
        for (c, check) in self.rules.checks.iter().enumerate() {
            let mut evaluated = 0u64;
            let whens = plan.checks.get(c);
            let fire = |scope: Scope, evaluated: &mut u64, out: &mut Vec<Finding>| {
                *evaluated += 1;
                for (r, rule) in check.rules.iter().enumerate() {
                    let Some(severity) = rule.severity else {
                        continue;
                    };
                    let holds = match whens.and_then(|w| w.get(r)) {
                        Some(when) => when(self, scope),
                        None => Tri::of(&self.eval(&rule.condition, scope)),
                    };
                    match holds {
                        Tri::True => out.push(self.finding(check, rule, severity, scope)),
                        Tri::False => {}
                        Tri::Unknown => self.not_evaluated.set(self.not_evaluated.get() + 1),
                    }
                }
            };
            // Every `where` is shared (`compile::share`): a return works
            // out once which entries, or which values, it holds for. A
            // rule set put together without that is still evaluated, by
            // the tree walker.
            let selected =
                |cond: &ir::Expr, scope: Scope| self.eval(cond, scope) == Val::Bool(true);
            let shared = check.shared_where.map(|id| self.selection(id));
            let entries = shared.unwrap_or(&all);
            match &check.scope {
                ir::Scope::Return => fire(Scope::default(), &mut evaluated, out),
                ir::Scope::EachMeasure(cond) => {
                    for i in entries.iter().map(|&i| i as usize) {
                        let scope = Scope::entry(i);
                        if shared.is_some() || cond.as_ref().is_none_or(|c| selected(c, scope)) {
                            fire(scope, &mut evaluated, out);
                        }
                    }
                }
                ir::Scope::EachValue(_) if let Some(id) = check.shared_value_where => {
                    for &v in self.value_selection(id) {
                        let (entry, sub) = from_value_key(v, self.frequency);
                        let scope = Scope {
                            entry: Some(entry),
                            sub,
                        };
                        fire(scope, &mut evaluated, out);
                    }
                }
                ir::Scope::EachValue(cond) => {
                    let per_value = cond.as_ref().filter(|_| shared.is_none());
                    for i in entries.iter().map(|&i| i as usize) {
                        for (sub, &present) in self.entries[i].present.iter() {
                            if !present {
                                continue;
                            }
                            let scope = Scope {
                                entry: Some(i),
                                sub: Some(sub),
                            };
                            if per_value.is_none_or(|c| selected(c, scope)) {
                                fire(scope, &mut evaluated, out);
                            }
                        }
                    }
                }
                ir::Scope::Measures(ids) => {
                    for &m in ids {
                        if let Some(i) = self.by_measure.get(m).copied().flatten() {
                            fire(Scope::entry(i), &mut evaluated, out);
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

    // Findings are rare next to evaluations: kept out of the check loop.
    #[cold]
    #[inline(never)]
    fn finding(
        &self,
        check: &ir::Check,
        rule: &ir::CheckRule,
        severity: Severity,
        scope: Scope,
    ) -> Finding {
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
        let mut f = Finding::new(severity, check.id.clone(), message, pos);
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
