//! `ragcheck explain CHECK_ID`: what a check or a measure means.
//!
//! A built-in check: its documentation, with an example. A user check: its
//! `about`, where it runs, its severity, the tests that exercise it and its
//! source. A measure: its title, unit, target, bands, the checks that read
//! it, its tests and its source. Everything is taken from the compiled
//! [`RuleSet`]'s public fields; nothing here changes how rules work.

use std::fmt::Write as _;

use ragcheck::RuleSet;
use ragcheck::ast::{self, Expectation, ExprKind, TestStmt};
use ragcheck::display;
use ragcheck::ir::{self, Better, Check, Measure, Scope, Subject};
use ragcheck::span::Span;

use super::{BROKEN, OK, Settings, finish, load_rules, write_output};

pub(crate) fn run(settings: &Settings, id: &str) -> i32 {
    if let Some(b) = ragcheck::checks::BUILTINS.iter().find(|b| b.id == id) {
        let mut text = format!(
            "{} (built-in, {} by default)\n\n{}\n\n{}\n",
            b.id, b.severity, b.about, b.docs
        );
        // A built-in check is explained without rules; the waivers of the
        // rules at hand, when they compile, are worth adding.
        let (sources, _) = ragcheck::rules_io::read_rule_files(&settings.rules);
        if !sources.is_empty()
            && let Some(rules) = ragcheck::compile(sources).rules
        {
            text.push_str(&waivers(&rules, id));
        }
        return finish(write_output(settings, text.as_bytes(), []), OK);
    }
    let Some((rules, _)) = load_rules(settings) else {
        return BROKEN;
    };
    let text = if let Some(c) = rules.checks.iter().find(|c| c.id == id) {
        explain_check(&rules, c) + &waivers(&rules, id)
    } else if let Some(m) = rules.measures.iter().find(|m| m.id == id) {
        explain_measure(&rules, m)
    } else {
        let names = ragcheck::checks::BUILTINS
            .iter()
            .map(|b| b.id)
            .chain(rules.checks.iter().map(|c| c.id.as_str()))
            .chain(rules.measures.iter().map(|m| m.id.as_str()));
        match ragcheck::suggest::did_you_mean(id, names) {
            Some(s) => {
                eprintln!("error: there is no check or measure `{id}`; did you mean `{s}`?")
            }
            None => eprintln!("error: there is no check or measure `{id}`"),
        }
        return BROKEN;
    };
    finish(
        write_output(
            settings,
            text.as_bytes(),
            rules.sources.iter().map(|s| &*s.path),
        ),
        OK,
    )
}

/// The waivers of a check, when it has any.
fn waivers(rules: &RuleSet, id: &str) -> String {
    let mut out = String::new();
    for w in rules.waivers.iter().filter(|w| w.check == id) {
        if out.is_empty() {
            out.push_str("\nwaivers:\n");
        }
        out.push_str(&super::rules::waiver_lines(w));
    }
    out
}

/// A field name and its value, the value's lines aligned.
fn field(out: &mut String, name: &str, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        let label = if i == 0 {
            format!("{name}:")
        } else {
            String::new()
        };
        let _ = writeln!(out, "{label:<12}{line}");
    }
}

fn explain_check(rules: &RuleSet, c: &Check) -> String {
    let mut out = format!(
        "{}: user check, defined at {}:{}\n\n",
        c.id, c.rule.file, c.rule.line
    );
    let _ = writeln!(
        out,
        "  {}\n",
        c.about
            .as_deref()
            .unwrap_or("(no `about`: add one to say what it checks)")
    );
    let filter = scope_filter(rules, c.span)
        .map(|w| format!(", where `{w}`"))
        .unwrap_or_default();
    let runs = match &c.scope {
        Scope::Return => "once per return".to_string(),
        Scope::EachMeasure(_) => format!("once per measure of a return{filter}"),
        Scope::EachValue(_) => format!("once per quarterly value of a return{filter}"),
        Scope::Measures(ids) => format!(
            "once for each of {} present in a return",
            ids.iter()
                .filter_map(|i| rules.measures.get(*i).map(|m| format!("`{}`", m.id)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    field(&mut out, "runs", &[runs]);
    let mut severities: Vec<&str> = Vec::new();
    for r in &c.rules {
        let s = r.severity.map(|s| s.as_str()).unwrap_or("off");
        if !severities.contains(&s) {
            severities.push(s);
        }
    }
    field(&mut out, "severity", &[severities.join(", ")]);
    tested_by(&mut out, rules, |t| {
        t.body.iter().any(|s| match s {
            TestStmt::Expect(Expectation::Diagnostic { check, .. }) => check.name == c.id,
            TestStmt::Expect(Expectation::No { check: Some(x), .. }) => x.name == c.id,
            _ => false,
        })
    });
    source(&mut out, rules, c.span);
    out
}

fn explain_measure(rules: &RuleSet, m: &Measure) -> String {
    let idx = rules.measure_index.get(&m.id).copied();
    let mut out = format!(
        "{}: measure, defined at {}:{}\n\n",
        m.id, m.rule.file, m.rule.line
    );
    let title = m.title.as_deref().unwrap_or("(no title)");
    let _ = writeln!(out, "  {title}\n");
    if let Some(about) = &m.about {
        let _ = writeln!(out, "  {about}\n");
    }
    let unit = match (m.unit, m.better) {
        (Some(u), Some(Better::Higher)) => format!("{u} (higher is better)"),
        (Some(u), Some(Better::Lower)) => format!("{u} (lower is better)"),
        (Some(u), None) => u.to_string(),
        (None, _) => "not declared".to_string(),
    };
    field(&mut out, "unit", &[unit]);
    if let Some(t) = m.target {
        field(&mut out, "target", &[display::amount(t, m.unit)]);
    }
    if let Some(traj) = &m.trajectory {
        let points: Vec<String> = traj
            .written
            .sub_periods()
            .filter_map(|s| {
                traj.at(s)
                    .map(|v| format!("{s} {}", display::amount(v, m.unit)))
            })
            .collect();
        field(&mut out, "trajectory", &[points.join(", ")]);
    }
    let mut flags = Vec::new();
    if m.required {
        flags.push("required: must appear in every return".to_string());
    }
    if m.cumulative {
        flags.push("cumulative: must not fall from one quarter to the next".to_string());
    }
    if !flags.is_empty() {
        field(&mut out, "also", &flags);
    }
    if m.bands.is_empty() {
        field(&mut out, "bands", &["none: no computed status".to_string()]);
    } else {
        let bands: Vec<String> = m
            .bands
            .iter()
            .map(|b| one_line(rules.snippet(b.span)))
            .collect();
        field(&mut out, "bands", &bands);
    }
    if let Some(i) = idx {
        let readers: Vec<String> = rules
            .checks
            .iter()
            .filter(|c| check_reads(c, i))
            .map(|c| c.id.clone())
            .collect();
        if !readers.is_empty() {
            field(&mut out, "read by", &[readers.join(", ")]);
        }
    }
    tested_by(&mut out, rules, |t| {
        t.body.iter().any(|s| match s {
            TestStmt::Given(assigns) | TestStmt::GivenOther(_, assigns) => assigns
                .iter()
                .any(|(p, _)| p.parts.first().is_some_and(|f| f.name == m.id)),
            TestStmt::Expect(Expectation::Diagnostic { on: Some(x), .. }) => x.name == m.id,
            TestStmt::Expect(Expectation::True(e)) => names_measure(e, &m.id),
            _ => false,
        })
    });
    source(&mut out, rules, m.span);
    out
}

/// The most tests `tested by` lists; past this many it says how many more.
const MAX_TESTS_SHOWN: usize = 12;

/// `tested by:` and each test that `tests` picks.
fn tested_by(out: &mut String, rules: &RuleSet, tests: impl Fn(&ast::TestDecl) -> bool) {
    let lines: Vec<String> = rules
        .tests
        .iter()
        .filter(|(_, t)| tests(t))
        .map(|(f, t)| {
            let (file, line) = match rules.sources.get(f.0 as usize) {
                Some(s) => (
                    s.path.to_string(),
                    s.lines.line_col(&s.text, t.span.start as usize).0,
                ),
                None => (String::new(), 0),
            };
            format!("{file}:{line} {:?}", t.name.value)
        })
        .collect();
    if lines.is_empty() {
        field(
            out,
            "tested by",
            &["no test (see `ragcheck test`)".to_string()],
        );
    } else if lines.len() > MAX_TESTS_SHOWN {
        let mut shown = lines[..MAX_TESTS_SHOWN].to_vec();
        shown.push(format!("… and {} more", lines.len() - MAX_TESTS_SHOWN));
        field(out, "tested by", &shown);
    } else {
        field(out, "tested by", &lines);
    }
}

/// The source of a declaration, with line numbers.
fn source(out: &mut String, rules: &RuleSet, span: Span) {
    let Some(src) = rules.sources.get(span.file.0 as usize) else {
        return;
    };
    let first = src.lines.line_col(&src.text, span.start as usize).0;
    let last = src.lines.line_col(&src.text, span.end as usize).0;
    let width = last.to_string().len();
    out.push('\n');
    for line in first..=last {
        let _ = writeln!(
            out,
            " {line:>width$} │ {}",
            src.lines.line_text(&src.text, line)
        );
    }
}

/// The `where` condition of a check's header, as written.
fn scope_filter(rules: &RuleSet, span: Span) -> Option<String> {
    let text = rules.snippet(span);
    let mut in_string = false;
    let mut escaped = false;
    let mut head_end = text.len();
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => {
                head_end = i;
                break;
            }
            _ => {}
        }
    }
    let head = &text[..head_end];
    let at = head.find(" where ")?;
    Some(one_line(&head[at + " where ".len()..]))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a check names measure `m` in its `for` list or reads one of
/// its fields.
fn check_reads(c: &Check, m: usize) -> bool {
    if let Scope::Measures(ids) = &c.scope
        && ids.contains(&m)
    {
        return true;
    }
    let filter = match &c.scope {
        Scope::EachMeasure(Some(w)) | Scope::EachValue(Some(w)) => expr_reads(w, m),
        _ => false,
    };
    filter || c.rules.iter().any(|r| expr_reads(&r.condition, m))
}

fn expr_reads(e: &ir::Expr, m: usize) -> bool {
    match e {
        ir::Expr::Slot(s) => s.subject == Subject::Measure(m),
        ir::Expr::Const(_) => false,
        ir::Expr::Neg(x) | ir::Expr::Not(x) => expr_reads(x, m),
        ir::Expr::Arith(_, a, b)
        | ir::Expr::Cmp(_, a, b)
        | ir::Expr::And(a, b)
        | ir::Expr::Or(a, b) => expr_reads(a, m) || expr_reads(b, m),
        ir::Expr::Is { operand, .. } | ir::Expr::Matches(operand, _) => expr_reads(operand, m),
        ir::Expr::In { operand, list, .. } => {
            expr_reads(operand, m) || list.iter().any(|x| expr_reads(x, m))
        }
        ir::Expr::Call(_, args) | ir::Expr::Peers { args, .. } => {
            args.iter().any(|x| expr_reads(x, m))
        }
        ir::Expr::Count(cond) => cond.as_ref().is_some_and(|c| expr_reads(c, m)),
    }
}

/// Whether an expectation's expression reads `<measure>.<field>`.
fn names_measure(e: &ast::Expr, measure: &str) -> bool {
    match &e.kind {
        ExprKind::Path(parts) => parts.len() == 2 && parts[0].name == measure,
        ExprKind::List(items) => items.iter().any(|i| names_measure(i, measure)),
        ExprKind::Call(_, args) => args.iter().any(|a| match a {
            ast::Arg::Expr(x) => names_measure(x, measure),
            ast::Arg::EachMeasure(..) | ast::Arg::Peers(..) => false,
        }),
        ExprKind::Unary(_, x) => names_measure(x, measure),
        ExprKind::Binary(_, a, b) => names_measure(a, measure) || names_measure(b, measure),
        ExprKind::Is { operand, .. } | ExprKind::Matches(operand, _) => {
            names_measure(operand, measure)
        }
        ExprKind::In { operand, list, .. } => {
            names_measure(operand, measure) || names_measure(list, measure)
        }
        _ => false,
    }
}
