//! `expect` statements: compiled once when tests are prepared, then checked
//! against each test's fixture.
//!
//! `expect EXPR` is compiled by the rule compiler itself, in the scope of a
//! check that runs once per return (so `appraisals.rag`, `return.period`
//! and `count(each measure where ...)` mean what they mean in a check), and
//! evaluated by the engine's evaluator: a test sees exactly what a check
//! would. Unknown (a missing value) fails. When an expectation fails, the
//! names it reads are evaluated too, so the failure can say
//! "appraisals.rag is amber" rather than only "false".

use crate::ast::{self, Arg, ExprKind};
use crate::checks::BUILTINS;
use crate::compile::{Compiler, Env};
use crate::diagnostic::{Diagnostic, Severity};
use crate::display;
use crate::eval::{ReturnCtx, Scope, Val};
use crate::ir::{self, RuleSet};
use crate::span::Span;
use crate::suggest::did_you_mean;
use crate::value::MissingKind;

/// The code of every failed expectation.
pub const TEST_FAILED: &str = "test_failed";

/// A name an expectation reads, compiled alone so that a failure can show
/// its value.
#[derive(Debug)]
pub(crate) struct Name {
    text: String,
    expr: ir::Expr,
    /// For `<measure>.rag`: the measure's value, which says why the bands
    /// could not decide when `rag` is unknown.
    value: Option<(String, ir::Expr)>,
}

/// A compiled `expect`.
#[derive(Debug)]
pub(crate) struct Expect {
    pub span: Span,
    pub kind: Kind,
}

#[derive(Debug)]
pub(crate) enum Kind {
    /// `expect EXPR`
    Holds {
        condition: ir::Expr,
        /// The expression as written, spacing normalised.
        text: String,
        /// The names it reads, compiled alone, for the failure message.
        names: Vec<Name>,
    },
    /// `expect SEVERITY CHECK [on MEASURE]`
    Raised {
        severity: Severity,
        check: String,
        on: Option<String>,
    },
    /// `expect no SEVERITY [CHECK]`
    NotRaised {
        severity: Severity,
        check: Option<String>,
    },
    /// `expect no diagnostics`
    Nothing,
}

/// Compile one expectation; problems (unknown names, unknown checks) are
/// pushed to `problems` and give `None`.
pub(crate) fn compile(
    rules: &mut RuleSet,
    e: &ast::Expectation,
    problems: &mut Vec<Diagnostic>,
) -> Option<Expect> {
    match e {
        ast::Expectation::True(expr) => {
            let sources = rules.sources.clone();
            let mut compiler = Compiler {
                sources: &sources,
                diagnostics: Vec::new(),
            };
            let condition = compiler.condition(rules, &Env::return_scope(), expr);
            problems.append(&mut compiler.diagnostics);
            let condition = condition?;
            let mut paths = Vec::new();
            collect_paths(expr, &mut paths);
            let mut names: Vec<Name> = Vec::new();
            for path in paths {
                let ExprKind::Path(parts) = &path.kind else {
                    continue;
                };
                let text = parts
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                if names.iter().any(|n| n.text == text) {
                    continue;
                }
                let mut alone = Compiler {
                    sources: &sources,
                    diagnostics: Vec::new(),
                };
                if let Some((expr @ ir::Expr::Slot(slot), _)) =
                    alone.expr(rules, &Env::return_scope(), path)
                {
                    let value = match (slot.subject, slot.field) {
                        (ir::Subject::Measure(m), ir::Field::Rag) => Some((
                            format!("{}.value", parts[0].name),
                            ir::Expr::Slot(ir::Slot {
                                subject: ir::Subject::Measure(m),
                                field: ir::Field::Value,
                            }),
                        )),
                        _ => None,
                    };
                    names.push(Name { text, expr, value });
                }
            }
            Some(Expect {
                span: expr.span,
                kind: Kind::Holds {
                    condition,
                    text: normalise_space(rules.snippet(expr.span)),
                    names,
                },
            })
        }
        ast::Expectation::Diagnostic {
            severity,
            check,
            on,
            span,
        } => {
            known_check(rules, check, problems)?;
            Some(Expect {
                span: *span,
                kind: Kind::Raised {
                    severity: *severity,
                    check: check.name.clone(),
                    on: on.as_ref().map(|m| m.name.clone()),
                },
            })
        }
        ast::Expectation::No {
            severity,
            check,
            span,
        } => {
            if let Some(c) = check {
                known_check(rules, c, problems)?;
            }
            Some(Expect {
                span: *span,
                kind: Kind::NotRaised {
                    severity: *severity,
                    check: check.as_ref().map(|c| c.name.clone()),
                },
            })
        }
        ast::Expectation::NoDiagnostics(span) => Some(Expect {
            span: *span,
            kind: Kind::Nothing,
        }),
    }
}

/// Every name an expression reads, outside `each measure` arguments (whose
/// names belong to each measure in turn, not to the return).
fn collect_paths<'e>(e: &'e ast::Expr, out: &mut Vec<&'e ast::Expr>) {
    match &e.kind {
        ExprKind::Path(_) => out.push(e),
        ExprKind::List(items) => items.iter().for_each(|i| collect_paths(i, out)),
        ExprKind::Call(_, args) => {
            for a in args {
                if let Arg::Expr(x) = a {
                    collect_paths(x, out);
                }
            }
        }
        ExprKind::Unary(_, x) => collect_paths(x, out),
        ExprKind::Binary(_, a, b) => {
            collect_paths(a, out);
            collect_paths(b, out);
        }
        ExprKind::Is { operand, .. } | ExprKind::Matches(operand, _) => collect_paths(operand, out),
        ExprKind::In { operand, list, .. } => {
            collect_paths(operand, out);
            collect_paths(list, out);
        }
        ExprKind::Number(_) | ExprKind::Quantity(..) | ExprKind::Str(_) | ExprKind::Bool(_) => {}
    }
}

/// `None` (after reporting why) unless `id` names a check that runs in tests.
fn known_check(rules: &RuleSet, id: &ast::Ident, problems: &mut Vec<Diagnostic>) -> Option<()> {
    if id.name == "missing_measure" {
        problems.push(
            super::error_at(
                rules,
                id.span,
                "bad_expect",
                "`missing_measure` does not run in tests",
            )
            .label("never raised in a test")
            .help("a test's fixture is a partial return, so required measures are not asked for; check `missing_measure` on a real return"),
        );
        return None;
    }
    let known =
        BUILTINS.iter().any(|b| b.id == id.name) || rules.checks.iter().any(|c| c.id == id.name);
    if known {
        return Some(());
    }
    let names = BUILTINS
        .iter()
        .map(|b| b.id)
        .chain(rules.checks.iter().map(|c| c.id.as_str()));
    let d = super::error_at(
        rules,
        id.span,
        "unknown_check",
        format!("there is no check `{}`", id.name),
    )
    .label("unknown check");
    problems.push(match did_you_mean(&id.name, names) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(
            "name a built-in check (see `ragcheck rules`) or a check declared in the rule files",
        ),
    });
    None
}

impl Expect {
    /// `None` when the expectation holds, else the failure, located at the
    /// `expect` in the rule file.
    pub(crate) fn verify(
        &self,
        rules: &RuleSet,
        ctx: &ReturnCtx<'_>,
        diagnostics: &[Diagnostic],
    ) -> Option<Diagnostic> {
        let fail = |message: String| super::error_at(rules, self.span, TEST_FAILED, message);
        match &self.kind {
            Kind::Holds {
                condition,
                text,
                names,
            } => {
                let result = ctx.eval(condition, Scope::default());
                if result == Val::Bool(true) {
                    return None;
                }
                let outcome = match result {
                    Val::Bool(_) => "false",
                    _ => "unknown (something it reads is missing)",
                };
                let scope = Scope::default();
                let values: Vec<String> = names
                    .iter()
                    .map(|n| {
                        let v = ctx.eval(&n.expr, scope);
                        let mut s = format!("{} is {}", n.text, describe(&v));
                        if let (Val::Unknown, Some((vt, ve))) = (&v, &n.value) {
                            let value = ctx.eval(ve, scope);
                            s.push_str(&format!(" ({vt} is {})", describe(&value)));
                        }
                        s
                    })
                    .collect();
                let mut d = fail(format!("expected `{text}` to hold, but it is {outcome}")).label(
                    if values.is_empty() {
                        format!("this is {}", describe(&result))
                    } else {
                        values.join(", ")
                    },
                );
                if !matches!(result, Val::Bool(_)) || !diagnostics.is_empty() {
                    d.help = Some(raised_list(diagnostics));
                }
                Some(d)
            }
            Kind::Raised {
                severity,
                check,
                on,
            } => {
                let hit = diagnostics.iter().any(|d| {
                    d.severity == *severity
                        && d.code == *check
                        && on.as_ref().is_none_or(|m| d.measure.as_ref() == Some(m))
                });
                if hit {
                    return None;
                }
                let target = match on {
                    Some(m) => format!("`{check}` on `{m}`"),
                    None => format!("`{check}`"),
                };
                let mut d = fail(format!(
                    "expected {} {severity} from {target}, but none was raised",
                    article(*severity)
                ))
                .label("not raised");
                let mut notes = Vec::new();
                if let Some(m) = on
                    && !rules.measure_index.contains_key(m)
                    && diagnostics.iter().all(|d| d.measure.as_ref() != Some(m))
                {
                    notes.push(format!("`{m}` is not a measure declared in the rules"));
                }
                let nearly: Vec<&Diagnostic> =
                    diagnostics.iter().filter(|d| d.code == *check).collect();
                if !nearly.is_empty() {
                    notes.push(format!(
                        "`{check}` was raised as: {}",
                        nearly
                            .iter()
                            .map(|d| short(d))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                }
                notes.push(raised_list(diagnostics));
                d.help = Some(notes.join("\n"));
                Some(d)
            }
            Kind::NotRaised { severity, check } => {
                let hits: Vec<&Diagnostic> = diagnostics
                    .iter()
                    .filter(|d| {
                        d.severity == *severity && check.as_ref().is_none_or(|c| d.code == *c)
                    })
                    .collect();
                if hits.is_empty() {
                    return None;
                }
                let what = match check {
                    Some(c) => format!("{} from `{c}`", plural(*severity, 2)),
                    None => plural(*severity, 2),
                };
                let mut d = fail(format!(
                    "expected no {what}, but {} raised",
                    were(hits.len(), *severity)
                ))
                .label(format!("{} raised", were(hits.len(), *severity)));
                d.help = Some(list("raised", &hits));
                Some(d)
            }
            Kind::Nothing => {
                if diagnostics.is_empty() {
                    return None;
                }
                let all: Vec<&Diagnostic> = diagnostics.iter().collect();
                let n = all.len();
                let mut d = fail(format!(
                    "expected no diagnostics, but {n} {} raised",
                    if n == 1 { "was" } else { "were" }
                ))
                .label(format!(
                    "{n} {} raised",
                    if n == 1 {
                        "diagnostic was"
                    } else {
                        "diagnostics were"
                    }
                ));
                d.help = Some(list("raised", &all));
                Some(d)
            }
        }
    }
}

/// `a`/`an` before a severity.
fn article(s: Severity) -> &'static str {
    match s {
        Severity::Error | Severity::Info => "an",
        Severity::Warning => "a",
    }
}

fn plural(s: Severity, n: usize) -> String {
    match (s, n) {
        (_, 1) => s.as_str().to_string(),
        (Severity::Info, _) => "infos".into(),
        _ => format!("{}s", s.as_str()),
    }
}

/// `1 error was`, `2 warnings were`.
fn were(n: usize, s: Severity) -> String {
    format!(
        "{n} {} {}",
        plural(s, n),
        if n == 1 { "was" } else { "were" }
    )
}

/// Every diagnostic of the fixture, one a line, or a note that there were
/// none.
fn raised_list(diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return "the fixture raised no diagnostics".into();
    }
    let all: Vec<&Diagnostic> = diagnostics.iter().collect();
    list("the fixture raised", &all)
}

fn list(heading: &str, diagnostics: &[&Diagnostic]) -> String {
    let mut out = format!("{heading}:");
    for d in diagnostics {
        out.push_str("\n- ");
        out.push_str(&short(d));
    }
    out
}

/// A diagnostic in the words of an `expect`: `error percent_range on
/// appraisals: a percentage must lie ...`.
pub(crate) fn short(d: &Diagnostic) -> String {
    let on = d
        .measure
        .as_ref()
        .map(|m| format!(" on {m}"))
        .unwrap_or_default();
    format!("{} {}{on}: {}", d.severity, d.code, d.message)
}

/// A value as a failure message shows it: as typed when it came from the
/// return, with why it is missing when it is.
pub(crate) fn describe(v: &Val<'_>) -> String {
    match v {
        Val::Bool(b) => b.to_string(),
        Val::Num(_, _, Some(raw)) => (*raw).to_string(),
        Val::Num(n, u, None) => display::amount(*n, *u),
        Val::Status(r, _) => r.name().to_string(),
        Val::Text(t) => format!("{:?}", t.as_ref()),
        Val::Unit(u) => u.name().to_string(),
        Val::Unknown => "unknown".into(),
        Val::Missing(MissingKind::Blank, None) => "missing (not given)".into(),
        Val::Missing(MissingKind::Blank, Some(_)) => "missing (blank)".into(),
        Val::Missing(MissingKind::Invalid, Some(raw)) => {
            format!("missing ({raw:?} is not a valid value)")
        }
        Val::Missing(kind, Some(raw)) => {
            format!("missing ({raw:?}, {})", kind.name().replace('_', " "))
        }
        Val::Missing(kind, None) => format!("missing ({})", kind.name().replace('_', " ")),
    }
}

/// Runs of whitespace (a condition written over several lines) as one space.
fn normalise_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
