//! Compiling a `check`: its scope (once per return, for each measure, for
//! each value, or for named measures), its `where`, and each rule's `when`
//! and message, whose `{expr}` parts are compiled like any condition.

use std::collections::HashMap;

use super::{Compiler, Env, expr};
use crate::ast::{self, CheckStmt};
use crate::diagnostic::Severity;
use crate::ir::{self, RuleSet};
use crate::span::Span;
use crate::suggest::did_you_mean;

impl Compiler<'_> {
    pub(super) fn check(
        &mut self,
        rules: &mut RuleSet,
        c: &ast::CheckDecl,
        overrides: &HashMap<String, (Option<Severity>, Span)>,
    ) -> ir::Check {
        let (scope, env) = match &c.scope {
            ast::Scope::Return => (ir::Scope::Return, Env::return_scope()),
            ast::Scope::EachMeasure(w) | ast::Scope::EachValue(w) => {
                let each_value = matches!(c.scope, ast::Scope::EachValue(_));
                let mut env = if each_value {
                    Env::each_value()
                } else {
                    Env::each_measure()
                };
                let cond = w.as_ref().and_then(|w| {
                    env.unit = expr::narrowed_unit(w);
                    self.condition(rules, &env, w)
                });
                let scope = if each_value {
                    ir::Scope::EachValue(cond)
                } else {
                    ir::Scope::EachMeasure(cond)
                };
                (scope, env)
            }
            ast::Scope::Measures(ids) => {
                let mut idxs = Vec::new();
                let mut units = Vec::new();
                for id in ids {
                    match rules.measure_index.get(&id.name) {
                        Some(&i) => {
                            idxs.push(i);
                            units.push(rules.measures[i].unit);
                        }
                        None => {
                            let suggestion = did_you_mean(
                                &id.name,
                                rules.measure_index.keys().map(String::as_str),
                            );
                            self.report(
                                self.error(
                                    "unknown_name",
                                    id.span,
                                    format!("there is no measure `{}`", id.name),
                                )
                                .label("not declared")
                                .suggest(suggestion),
                            );
                        }
                    }
                }
                let mut env = Env::each_measure();
                units.dedup();
                if let [Some(u)] = units.as_slice() {
                    env.unit = Some(*u);
                }
                (ir::Scope::Measures(idxs), env)
            }
        };
        let mut about = None;
        let mut out = Vec::new();
        let level = overrides.get(&c.id.name).map(|(l, _)| *l);
        for stmt in &c.body {
            match stmt {
                CheckStmt::About(s) => about = Some(s.value.clone()),
                CheckStmt::Rule(r) => {
                    let Some(condition) = self.condition(rules, &env, &r.condition) else {
                        continue;
                    };
                    let message = self.template(rules, &env, &r.message);
                    let help = r.help.as_ref().map(|h| self.template(rules, &env, h));
                    let mut anchors = Vec::new();
                    expr::collect_slots(&condition, &mut anchors);
                    match &scope {
                        ir::Scope::EachMeasure(Some(w)) | ir::Scope::EachValue(Some(w)) => {
                            expr::collect_slots(w, &mut anchors)
                        }
                        _ => {}
                    }
                    // Point at the measure's own values first, then its
                    // other fields, other measures, and the header last.
                    anchors.sort_by_key(|s: &ir::Slot| match (s.subject, s.field) {
                        (ir::Subject::Current, ir::Field::Value | ir::Field::Sub(_)) => 0,
                        (
                            ir::Subject::Current,
                            ir::Field::Quarter
                            | ir::Field::Month
                            | ir::Field::ReturnQuarter
                            | ir::Field::ReturnMonth,
                        ) => 3,
                        (ir::Subject::Current, _) => 1,
                        (ir::Subject::Measure(_), _) => 2,
                        (ir::Subject::Return, _) => 3,
                        // In another return: never a place in this one.
                        (ir::Subject::Past(_), _) => 4,
                    });
                    out.push(ir::CheckRule {
                        severity: level.unwrap_or(Some(r.severity)),
                        condition,
                        message,
                        help,
                        rule: self.rule_ref(r.span),
                        anchors,
                    });
                }
            }
        }
        ir::Check {
            id: c.id.name.clone(),
            key: c.id.name.as_str().into(),
            about,
            scope,
            rules: out,
            span: c.span,
            rule: self.rule_ref(c.id.span),
        }
    }

    /// Compile a message's `{expr}` parts; a part that could not be read
    /// is reported here, in its turn.
    pub(super) fn template(
        &mut self,
        rules: &mut RuleSet,
        env: &Env,
        t: &ast::Template,
    ) -> ir::Template {
        let mut parts = Vec::new();
        for part in &t.parts {
            match part {
                ast::TemplatePart::Text(text) => parts.push(ir::Part::Text(text.clone())),
                ast::TemplatePart::Expr(e) => {
                    if let Some((c, _)) = self.expr(rules, env, e) {
                        parts.push(ir::Part::Expr(c));
                    }
                }
                ast::TemplatePart::Bad(bad) => {
                    let mut d = self
                        .error("bad_message", bad.span, bad.message.clone())
                        .label(bad.label.clone());
                    d.help = bad.help.clone();
                    self.report(d);
                }
            }
        }
        ir::Template { parts }
    }
}
