//! Compiling a `measure`: its statements (unit, direction, target,
//! trajectory, codes, fields), then its bands, each a condition on the
//! measure's value ([`super::bands`] analyses them as a whole).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{Compiler, Env, Ty, bands, expr};
use crate::ast::{self, MeasureStmt};
use crate::ir::{self, Better, RuleSet};
use crate::period::{Frequency, SubPeriod};
use crate::rag::Rag;
use crate::span::Span;
use crate::suggest::did_you_mean;
use crate::value::Unit;

impl Compiler<'_> {
    pub(super) fn declare_measure(&mut self, m: &ast::MeasureDecl) -> ir::Measure {
        let mut unit = None;
        let mut better = None;
        let mut required = false;
        let mut cumulative = false;
        let mut about = None;
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for stmt in &m.body {
            let (key, span) = match stmt {
                MeasureStmt::Unit(i) => ("unit", i.span),
                MeasureStmt::Better(i) => ("better", i.span),
                MeasureStmt::Target(e) => ("target", e.span),
                MeasureStmt::Trajectory(_) => ("trajectory", m.span),
                MeasureStmt::Required(s) => ("required", *s),
                MeasureStmt::Cumulative(s) => ("cumulative", *s),
                MeasureStmt::About(s) => ("about", s.span),
                MeasureStmt::Band(_) | MeasureStmt::Code(_) => continue,
            };
            if seen.insert(key, span).is_some() {
                self.report(
                    self.error(
                        "duplicate_statement",
                        span,
                        format!("measure `{}` says `{key}` twice", m.id.name),
                    )
                    .label("second time"),
                );
            }
            match stmt {
                MeasureStmt::Unit(i) => match Unit::from_name(&i.name) {
                    Some(u) => unit = Some(u),
                    None => {
                        let names: Vec<&str> = Unit::ALL.iter().map(|u| u.name()).collect();
                        self.report(
                            self.error(
                                "unknown_unit",
                                i.span,
                                format!("`{}` is not a unit", i.name),
                            )
                            .label("unknown unit")
                            .help(
                                match did_you_mean(&i.name, names.iter().copied()) {
                                    Some(s) => {
                                        format!(
                                            "did you mean `{s}`? units are {}",
                                            names.join(", ")
                                        )
                                    }
                                    None => format!("units are {}", names.join(", ")),
                                },
                            ),
                        );
                    }
                },
                MeasureStmt::Better(i) => match i.name.as_str() {
                    "higher" => better = Some(Better::Higher),
                    "lower" => better = Some(Better::Lower),
                    _ => {
                        self.report(
                            self.error(
                                "bad_better",
                                i.span,
                                format!("`better` takes `higher` or `lower`, not `{}`", i.name),
                            )
                            .label("higher or lower"),
                        );
                    }
                },
                MeasureStmt::Required(_) => required = true,
                MeasureStmt::Cumulative(_) => cumulative = true,
                MeasureStmt::About(s) => about = Some(s.value.clone()),
                _ => {}
            }
        }
        ir::Measure {
            id: m.id.name.clone(),
            title: m.title.as_ref().map(|t| t.value.clone()),
            codes: m
                .body
                .iter()
                .filter_map(|s| match s {
                    MeasureStmt::Code(codes) => Some(codes.iter().map(|c| c.value.clone())),
                    _ => None,
                })
                .flatten()
                .collect(),
            about,
            unit,
            better,
            target: None,
            trajectory: None,
            required,
            cumulative,
            bands: Vec::new(),
            span: m.span,
            rule: self.rule_ref(m.id.span),
        }
    }

    pub(super) fn measure_body(&mut self, rules: &mut RuleSet, idx: usize, m: &ast::MeasureDecl) {
        let unit = rules.measures[idx].unit;
        // Target and trajectory are constants in the measure's unit.
        for stmt in &m.body {
            match stmt {
                MeasureStmt::Target(e) => {
                    let t = self.constant_in_unit(rules, idx, e, unit, "target");
                    rules.measures[idx].target = t;
                }
                MeasureStmt::Trajectory(ast::Trajectory::Points(points)) => {
                    let mut traj: Vec<(SubPeriod, Option<Decimal>)> = Vec::new();
                    let mut written: Option<(Frequency, Span)> = None;
                    for (q, e) in points {
                        let sub = SubPeriod::parse_key(&q.name)
                            .filter(|s| s.frequency != Frequency::Annual && q.name == s.name());
                        let Some(sub) = sub else {
                            self.report(
                                self.error(
                                    "bad_trajectory",
                                    q.span,
                                    format!("`{}` is not a quarter or a month", q.name),
                                )
                                .label("expected q1..q4 or m1..m12"),
                            );
                            continue;
                        };
                        match written {
                            Some((f, first)) if f != sub.frequency => {
                                let first = self.locate(first);
                                self.report(
                                    self.error(
                                        "bad_trajectory",
                                        q.span,
                                        "a trajectory names either quarters or months, not both",
                                    )
                                    .label(format!("a {} point", sub.frequency))
                                    .related_at(first, format!("the first point is {f}")),
                                );
                                continue;
                            }
                            Some(_) => {}
                            None => written = Some((sub.frequency, q.span)),
                        }
                        let v = self.constant_in_unit(rules, idx, e, unit, "trajectory");
                        traj.retain(|(s, _)| *s != sub);
                        traj.push((sub, v));
                    }
                    let frequency = written.map_or(Frequency::Quarterly, |(f, _)| f);
                    rules.measures[idx].trajectory = Some(ir::Trajectory::points(frequency, &traj));
                }
                _ => {}
            }
        }
        for stmt in &m.body {
            if let MeasureStmt::Trajectory(ast::Trajectory::Linear(span)) = stmt {
                match rules.measures[idx].target {
                    Some(t) => {
                        rules.measures[idx].trajectory = Some(ir::Trajectory::linear(t));
                    }
                    None => {
                        self.report(
                            self.error(
                                "bad_trajectory",
                                *span,
                                "`trajectory linear` needs a `target`",
                            )
                            .label("no target to spread over the quarters")
                            .help("add a line such as `target 100%` to this measure"),
                        );
                    }
                }
            }
        }
        // Bands.
        let bands: Vec<&ast::Band> = m
            .body
            .iter()
            .filter_map(|s| match s {
                MeasureStmt::Band(b) => Some(b),
                _ => None,
            })
            .collect();
        let mut compiled = Vec::new();
        let mut otherwise_seen: Option<Span> = None;
        for band in &bands {
            let status = match Rag::parse(&band.status.name) {
                Some(r) if band.status.name == r.name() => r,
                _ => {
                    self.report(
                        self.error(
                            "unknown_status",
                            band.status.span,
                            format!("`{}` is not a status", band.status.name),
                        )
                        .label("expected green, amber or red")
                        .suggest(Rag::suggest(&band.status.name).map(Rag::name)),
                    );
                    continue;
                }
            };
            if let Some(o) = otherwise_seen {
                let loc = self.locate(o);
                self.report(
                    self.error(
                        "unreachable_band",
                        band.span,
                        "this band comes after `otherwise`, so it can never apply",
                    )
                    .label("never reached")
                    .help("`otherwise` must be the last band")
                    .related_at(loc, "`otherwise` is here"),
                );
                continue;
            }
            let condition = match &band.condition {
                Some(cond) => {
                    let env = Env::measure(Some(idx), unit);
                    match self.condition(rules, &env, cond) {
                        Some(e) => Some(e),
                        None => continue,
                    }
                }
                None => {
                    otherwise_seen = Some(band.span);
                    None
                }
            };
            compiled.push(ir::Band {
                status,
                condition,
                span: band.span,
            });
        }
        if !bands.is_empty() && otherwise_seen.is_none() {
            let last = bands.last().map(|b| b.span).unwrap_or(m.span);
            self.report(
                self.error(
                    "missing_otherwise",
                    last,
                    format!("the bands of `{}` have no `otherwise`", m.id.name),
                )
                .label("the last band must be `... otherwise`")
                .help("add a last band such as `red otherwise`, so every value gets a status"),
            );
        }
        bands::analyse(self, rules, idx, &bands, &compiled);
        rules.measures[idx].bands = compiled;
    }

    /// A constant such as `100%` or `target * 1.05`, in the measure's unit.
    pub(super) fn constant_in_unit(
        &mut self,
        rules: &mut RuleSet,
        idx: usize,
        e: &ast::Expr,
        unit: Option<Unit>,
        what: &str,
    ) -> Option<Decimal> {
        let env = Env::measure(Some(idx), unit);
        let (compiled, ty) = self.expr(rules, &env, e)?;
        if let Ty::Num(dim) = &ty {
            if let (Some(u), expr::Dim::Plain) = (unit, dim)
                && u != Unit::Count
            {
                let hint = expr::with_unit_hint(e, u, self.sources);
                self.report(
                    self.error(
                        "unit_error",
                        e.span,
                        format!("the {what} of a {} measure needs a unit", u.name()),
                    )
                    .label(format!("a plain number, not {}", u.name()))
                    .help(format!("write {hint}")),
                );
                return None;
            }
            if let (Some(u), expr::Dim::Unit(v)) = (unit, dim)
                && u != *v
                && u != Unit::Count
            {
                self.report(
                    self.error(
                        "unit_error",
                        e.span,
                        format!("the {what} is in {v} but the measure is in {u}"),
                    )
                    .label(format!("{v}, not {u}")),
                );
                return None;
            }
        } else {
            self.report(
                self.error("type_error", e.span, format!("the {what} must be a number"))
                    .label(format!("this is {}", ty.describe())),
            );
            return None;
        }
        match expr::fold_constant(&compiled, &rules.measures[idx], None) {
            Some(v) => Some(v),
            None => {
                self.report(
                    self.error(
                        "not_constant",
                        e.span,
                        format!("the {what} must be a fixed value, such as `95%`"),
                    )
                    .label("depends on the return"),
                );
                None
            }
        }
    }
}
