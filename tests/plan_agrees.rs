//! The evaluator's two forms agree: every condition compiled to closures
//! (`eval::Plan`, what `ragcheck check` runs) gives the same three-valued
//! answer as the tree walker (`ReturnCtx::eval`, the reference) at every
//! scope of every return, and every check runs at the places its scope and
//! `where` give when walked: the shipped rules plus a rule file using
//! every operator, over the samples and the built-in checks' fixtures.

use std::path::{Path, PathBuf};

use ragcheck::Program;
use ragcheck::eval::{Cond, ReturnCtx, Scope, Tri};
use ragcheck::ir;
use ragcheck::span::SourceFile;

/// Conditions using every operator, function and kind of name.
const EVERY_OPERATOR: &str = r#"
check all_ops_value for each value where unit == percent or unit in [days, gbp] {
    warning when value > 50% or -value < -2 days or abs(value) >= £1k "a"
    warning when round(value, 1) != value and not (value is missing) "b"
    warning when min(value, q1, q2) < max(q3, q4, target) "c"
    warning when value is deferred or value is not_applicable or value is invalid "d"
    warning when quarter + 1 > return.quarter and expected * 2 / 3 <= value "e"
    warning when value in [10%, 20%, target] or value not in [1 days, 2 days] "f"
    warning when value / (value - value) > 1 or value / 0 < 1 or not (q1 / (q2 - q2) > 0) "f0"
}
check all_ops_measure for each measure where status is not missing {
    warning when lower(status) matches "^(gr|am)" and len(commentary) > 10 "g"
    warning when rag < status or status == green or status in [red, amber] "h"
    warning when officer matches "[0-9]" or section is blank or title is missing "i"
    warning when id == "appraisals" or unit != percent or q1 is not missing "j"
    warning when count(each measure where rag == red) > 1 and count(each measure) > 2 "k"
}
check all_ops_return {
    warning when return.organisation matches "Council" and return.year == "2011/12" "l"
    warning when count(each measure where value is missing) >= 1 or return.period is missing "m"
}
check all_ops_numbers for each value where unit == percent {
    warning when 0% < value and len(status) == 5 or len(officer) < 3 "o"
    warning when round(value, 0) >= q1 - 1% or round(value, 2) < round(q2, 1) "p"
    warning when value * 1.5 - q2 > target + 1% or -value < q3 * -2 "q"
    warning when abs(value - q1) > abs(q2) * 2 or max(value, q1) - min(q2, q3) >= 10% "r"
    warning when value / q1 > 2 or count(each measure where value > 50%) > quarter "s"
    warning when 100% - value <= expected or q4 + q3 == q2 + q1 "t"
    warning when status matches "^(gr|am)" or officer matches "[0-9]" "u"
}
check all_ops_deferred for each value where value is deferred or quarter == 1 {
    info when quarter < return.quarter "n"
}
"#;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rules() -> Program {
    let (mut sources, errors) = ragcheck::rules_io::read_rule_files(&[root().join("rules")]);
    assert!(errors.is_empty(), "{errors:?}");
    sources.push(SourceFile::new("every-operator.rag", EVERY_OPERATOR));
    let compiled = ragcheck::compile(sources);
    match compiled.rules {
        Some(r) => r,
        None => panic!("rules did not compile: {:#?}", compiled.diagnostics),
    }
}

fn returns() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["samples", "tests/builtins"] {
        let Ok(list) = std::fs::read_dir(root().join(dir)) else {
            panic!("cannot list {dir}");
        };
        out.extend(list.filter_map(|e| e.ok()).map(|e| e.path()));
    }
    out.sort();
    out
}

/// Every scope a condition can be evaluated in for this return.
fn scopes(ctx: &ReturnCtx<'_>) -> Vec<Scope> {
    let mut out = vec![Scope::default()];
    for i in 0..ctx.entries.len() {
        out.push(Scope::entry(i));
        for sub in ctx.frequency.sub_periods() {
            out.push(Scope {
                entry: Some(i),
                sub: Some(sub),
            });
        }
    }
    out
}

fn agree(ctx: &ReturnCtx<'_>, what: &str, path: &Path, compiled: &Cond, expr: &ir::Expr) -> usize {
    let mut n = 0;
    for scope in scopes(ctx) {
        let want = Tri::of(&ctx.eval(expr, scope));
        let got = compiled(ctx, scope);
        assert_eq!(got, want, "{what} in {} at {scope:?}", path.display());
        n += 1;
    }
    n
}

/// How many places a check with this scope runs at, its `where` decided
/// by the tree walker.
fn places(ctx: &ReturnCtx<'_>, scope: &ir::Scope) -> u64 {
    let holds = |w: &Option<ir::Expr>, s: Scope| {
        w.as_ref()
            .is_none_or(|w| Tri::of(&ctx.eval(w, s)) == Tri::True)
    };
    let mut n = 0;
    for i in 0..ctx.entries.len() {
        match scope {
            ir::Scope::EachMeasure(w) => n += u64::from(holds(w, Scope::entry(i))),
            ir::Scope::EachValue(w) => {
                for (sub, &present) in ctx.entries[i].present.iter() {
                    let s = Scope {
                        entry: Some(i),
                        sub: Some(sub),
                    };
                    n += u64::from(present && holds(w, s));
                }
            }
            _ => {}
        }
    }
    match scope {
        ir::Scope::Return => 1,
        ir::Scope::Measures(ids) => ids
            .iter()
            .filter(|&&m| (0..ctx.entries.len()).any(|i| ctx.entries[i].decl == Some(m)))
            .count() as u64,
        _ => n,
    }
}

#[test]
fn plans_agree_with_the_tree_walker() {
    let rules = rules();
    let mut compared = 0;
    let mut files = 0;
    for path in returns() {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let loaded = ragcheck::returns::load(&path.display().to_string(), bytes);
        files += 1;
        for ret in &loaded.returns {
            let ctx = ReturnCtx::new(&rules, ret);
            let plan = rules.plan();
            for (check, compiled) in rules.checks.iter().zip(&plan.checks) {
                for (r, (rule, when)) in check.rules.iter().zip(&compiled.whens).enumerate() {
                    let what = format!("check {} rule {r}", check.id);
                    compared += agree(&ctx, &what, &path, when, &rule.condition);
                }
            }
            let shared = [
                ("shared", &plan.shared),
                ("shared per value", &plan.shared_values),
            ];
            for (kind, list) in shared {
                for (id, s) in list.iter().enumerate() {
                    let what = format!("{kind} {id}");
                    compared += agree(&ctx, &what, &path, &s.cond, &s.condition);
                }
            }
            // Each check runs where its scope and `where`, walked, say.
            let mut findings = Vec::new();
            let runs = ctx.run_checks(&mut findings);
            for (check, run) in rules.checks.iter().zip(&runs) {
                let want = places(&ctx, &check.scope);
                assert_eq!(
                    run.evaluated,
                    want,
                    "check {} in {}",
                    check.id,
                    path.display()
                );
            }
            for (m, measure) in rules.measures.iter().enumerate() {
                for (b, band) in measure.bands.iter().enumerate() {
                    if let (Some(c), Some(k)) = (&band.condition, &plan.bands[m][b]) {
                        let what = format!("band {b} of {}", measure.id);
                        compared += agree(&ctx, &what, &path, k, c);
                    }
                }
            }
        }
    }
    assert!(files >= 10, "only {files} returns read");
    assert!(compared > 10_000, "only {compared} comparisons");
}
