// A test fails by panicking: expect is how it says why.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use super::*;
use crate::render::{Format, fixture};
use crate::report::Report;

fn human(report: &Report, color: bool) -> String {
    let opts = RenderOptions {
        color,
        ..RenderOptions::default()
    };
    let mut out = Vec::new();
    crate::render::report(Format::Human, report, &[], &opts, &mut out).expect("writing to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn human_report() {
    insta::assert_snapshot!(human(&fixture::report(), false));
}

#[test]
fn no_colour_means_no_escapes_and_colour_means_some() {
    let plain = human(&fixture::report(), false);
    assert!(!plain.contains('\x1b'), "ANSI escape in uncoloured output");
    let coloured = human(&fixture::report(), true);
    assert!(coloured.contains("\x1b["));
    // Colour changes nothing but the escapes.
    let stripped = strip_ansi(&coloured);
    assert_eq!(stripped, plain);
}

/// Remove `ESC [ ... letter` sequences.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn the_rule_or_built_in_check_closes_each_diagnostic() {
    let text = human(&fixture::report(), false);
    assert!(text.contains(
        "  help: a typing slip? 945 may be meant as 94.5% or 94%\n  rule: rules/common.rag:3:5\n"
    ));
    assert!(text.contains("  built-in check\n"));
    assert!(text.contains("at samples/bradford.xlsx [Sheet1!E7]"));
    assert!(text.contains("appraisals       945          Amber    green    ✗ differs"));
    assert!(text.ends_with(
        "4 returns, 8 measures: 7 errors, 1 warning, 2 infos\n\
         RAG: 2 green, 2 amber, 1 red, 3 none; 3 conditions not evaluated (a value was missing)\n"
    ));
}

#[test]
fn quiet_shows_only_the_problems() {
    let full = human(&fixture::report(), false);
    let opts = RenderOptions {
        quiet: true,
        ..RenderOptions::default()
    };
    let mut out = Vec::new();
    crate::render::report(Format::Human, &fixture::report(), &[], &opts, &mut out)
        .expect("writing to a Vec");
    let quiet = String::from_utf8(out).expect("UTF-8");
    // Every problem is still there, word for word.
    assert!(quiet.contains(
        "  help: a typing slip? 945 may be meant as 94.5% or 94%\n  rule: rules/common.rag:3:5\n"
    ));
    assert!(quiet.contains("at samples/bradford.xlsx [Sheet1!E7]"));
    // No RAG table, no summary.
    assert!(!quiet.contains("✗ differs"), "{quiet}");
    assert!(!quiet.contains("RAG:"), "{quiet}");
    assert!(!quiet.contains(" measures: "), "{quiet}");
    assert!(quiet.len() < full.len());
    // An empty report says nothing at all.
    let mut out = Vec::new();
    crate::render::report(Format::Human, &Report::default(), &[], &opts, &mut out)
        .expect("writing to a Vec");
    assert!(out.is_empty());
}

const RULES: &str = "\
measure appraisals \"Appraisals\" {
    unit percent
    green when value >= 95
    amber when value >= 90%
}
";

#[test]
fn rule_file_diagnostics() {
    use crate::render::fixture::locate;
    let mut unit = Diagnostic::new(
        Severity::Error,
        "unit_error",
        "`value` is a percent and `95` is a number",
    )
    .at(locate("rules/common.rag", RULES, 3, "95"))
    .label("a number")
    .help("write 95%");
    unit.related.push((
        locate("rules/common.rag", RULES, 2, "percent"),
        "the unit is declared here".into(),
    ));
    let bands = Diagnostic::new(
        Severity::Error,
        "missing_otherwise",
        "the bands of appraisals have no `otherwise`",
    )
    .at(locate(
        "rules/common.rag",
        RULES,
        4,
        "amber when value >= 90%",
    ))
    .help("end the bands with `red otherwise`");
    let nowhere = Diagnostic::new(
        Severity::Warning,
        "no_rules",
        "no rule files were found under ./rules",
    );
    let source = |path: &str| (path == "rules/common.rag").then(|| Arc::from(RULES));
    let mut out = Vec::new();
    diagnostics(
        &[unit, bands, nowhere],
        &source,
        &RenderOptions::default(),
        &mut out,
    )
    .expect("writing to a Vec");
    let text = String::from_utf8(out).expect("UTF-8");
    assert!(!text.contains("built-in check"));
    insta::assert_snapshot!(text);
}

#[test]
fn nothing_to_say_says_nothing() {
    let mut out = Vec::new();
    diagnostics(&[], &|_| None, &RenderOptions::default(), &mut out).expect("writing to a Vec");
    assert!(out.is_empty());
}

#[test]
fn waived_and_located_without_text() {
    let mut d = fixture::awkward();
    d.waived = Some(fixture::waived());
    d.related.push((
        Location {
            cell: Some("Sheet2!A1".into()),
            ..Location::whole_file("other.xlsx".into())
        },
        "compare this cell".into(),
    ));
    let mut out = Vec::new();
    diagnostics(&[d], &|_| None, &RenderOptions::default(), &mut out).expect("writing to a Vec");
    insta::assert_snapshot!(String::from_utf8(out).expect("UTF-8"));
}

#[test]
fn a_location_on_a_huge_line_is_named_not_shown() {
    let text: Arc<str> = format!(
        "{{\"q4\": \"945\", \"pad\": \"{}\"}}\n",
        "x".repeat(100_000)
    )
    .into();
    let d = Diagnostic::new(Severity::Error, "percent_range", "945 is too big").at(Location {
        file: "big.json".into(),
        start: 8,
        end: 11,
        line: 1,
        column: 9,
        end_line: 1,
        end_column: 12,
        cell: None,
    });
    let mut out = Vec::new();
    let source = |_: &str| Some(text.clone());
    diagnostics(&[d], &source, &RenderOptions::default(), &mut out).expect("writing to a Vec");
    let out = String::from_utf8(out).expect("UTF-8");
    assert!(out.contains("at big.json:1:9"), "{out}");
    assert!(out.len() < 1000);
}

/// Thousands of diagnostics in a large file render in time proportional to
/// their number, not to the number times the file's size.
#[test]
fn many_diagnostics_in_a_large_file_render_quickly() {
    let mut text = String::new();
    let mut diags = Vec::new();
    for line in 1..=20_000u32 {
        let start = text.len();
        text.push_str("York Council,2011/12 Q4,appraisals,Red,10%,20%,30%,945\n");
        if line % 4 == 0 {
            let at = start + 51;
            diags.push(
                Diagnostic::new(Severity::Error, "percent_range", "945 is too big")
                    .at(Location {
                        file: "big.csv".into(),
                        start: at,
                        end: at + 3,
                        line,
                        column: 52,
                        end_line: line,
                        end_column: 55,
                        cell: None,
                    })
                    .label("here"),
            );
        }
    }
    let text: Arc<str> = text.into();
    let source = |_: &str| Some(text.clone());
    let started = std::time::Instant::now();
    let mut out = Vec::new();
    diagnostics(&diags, &source, &RenderOptions::default(), &mut out).expect("writing to a Vec");
    let out = String::from_utf8(out).expect("UTF-8");
    assert!(
        out.contains("╭─[big.csv:20000:52]"),
        "{}",
        &out[out.len() - 600..]
    );
    // Rescanning 1 MB per diagnostic would take minutes; this takes well
    // under a second in release and a few in debug.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}
