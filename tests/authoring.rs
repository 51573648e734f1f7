//! Authoring rules as text: `test` blocks, `ragcheck test`, `fmt` and
//! `explain` (SPEC 3.6, 4).
//!
//! The semantics of tests are checked through the library (one-line
//! helpers compile a rule text and run its tests); the commands through the
//! real binary, with the rule folders under `tests/authoring/`. The
//! formatter's property tests live in `authoring/fmt_props.rs`.

use std::path::{Path, PathBuf};

use ragcheck::diagnostic::Diagnostic;
use ragcheck::span::SourceFile;
use ragcheck::testing::{self, Outcome};

mod common;
#[path = "authoring/fmt_props.rs"]
mod fmt_props;

const MEASURES: &str = r#"
measure appraisals "Every year 100% of staff have an appraisal" {
    unit percent
    better higher
    target 100%
    trajectory q1 25%, q2 50%, q3 75%, q4 100%
    required
    green when value >= expected
    amber when value >= expected - 10%
    red otherwise
}

check percent_range for each value where unit == percent {
    error when value < 0% or value > 100% "a percentage must lie between 0% and 100%, found {value}"
}
"#;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Compile `MEASURES` plus `tests` and run the tests.
fn run(tests: &str) -> Result<Vec<Outcome>, Vec<Diagnostic>> {
    let compiled = ragcheck::compile(vec![SourceFile::new(
        "t.rag",
        format!("{MEASURES}\n{tests}"),
    )]);
    let Some(mut rules) = compiled.rules else {
        panic!("rules did not compile: {:#?}", compiled.diagnostics);
    };
    testing::run_all(&mut rules, root())
}

/// Run one test and give its failures' messages (empty when it passes).
fn failures(test: &str) -> Vec<String> {
    let outcomes = run(test).unwrap_or_else(|d| panic!("tests could not run: {d:#?}"));
    assert_eq!(outcomes.len(), 1);
    outcomes[0]
        .failures
        .iter()
        .map(|d| {
            assert_eq!(d.code, "test_failed");
            format!(
                "{} | {} | {}",
                d.message,
                d.label.as_deref().unwrap_or(""),
                d.help.as_deref().unwrap_or("")
            )
        })
        .collect()
}

/// The problems that stop tests from running, as `code: message`.
fn problems(test: &str) -> Vec<String> {
    match run(test) {
        Ok(_) => panic!("the tests ran"),
        Err(d) => d
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect(),
    }
}

#[test]
fn a_passing_test() {
    let f = failures(
        r#"test "94% appraisals is amber" {
            given appraisals.q4 = "94%", appraisals.status = "Amber"
            expect appraisals.rag == amber
            expect no error
        }"#,
    );
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn an_expression_that_is_false_says_what_its_names_are() {
    let f = failures(
        r#"test "t" {
            given appraisals.q4 = "94%"
            expect appraisals.rag == green
        }"#,
    );
    assert_eq!(f.len(), 1);
    assert!(
        f[0].starts_with("expected `appraisals.rag == green` to hold, but it is false"),
        "{f:?}"
    );
    assert!(f[0].contains("appraisals.rag is amber"), "{f:?}");
}

#[test]
fn an_expression_that_is_unknown_fails() {
    let f = failures(
        r#"test "t" {
            given appraisals.q4 = "N/A"
            expect appraisals.rag == red
        }"#,
    );
    assert_eq!(f.len(), 1);
    assert!(f[0].contains("but it is unknown"), "{f:?}");
    assert!(
        f[0].contains(
            r#"appraisals.rag is unknown (appraisals.value is missing ("N/A", not applicable))"#
        ),
        "{f:?}"
    );
}

#[test]
fn an_expected_diagnostic_that_is_absent() {
    let f = failures(
        r#"test "t" {
            given appraisals.q4 = "94%"
            expect error percent_range on appraisals
        }"#,
    );
    assert_eq!(f.len(), 1);
    assert!(
        f[0].starts_with(
            "expected an error from `percent_range` on `appraisals`, but none was raised"
        ),
        "{f:?}"
    );
    assert!(
        f[0].contains("warning missing_status on appraisals"),
        "{f:?}"
    );
}

#[test]
fn an_expected_diagnostic_must_match_severity_and_measure() {
    let f = failures(
        r#"test "t" {
            given appraisals.q4 = "945"
            expect warning percent_range
            expect error percent_range on budget
            expect error percent_range on appraisals
        }"#,
    );
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(f[0].contains("`percent_range` was raised as: error percent_range on appraisals"));
    assert!(
        f[1].contains("`budget` is not a measure declared in the rules"),
        "{f:?}"
    );
}

#[test]
fn a_forbidden_diagnostic_that_is_present() {
    let f = failures(
        r#"test "t" {
            given appraisals.q4 = "945", appraisals.status = "Green"
            expect no error
            expect no error percent_range
            expect no warning
            expect no error unparseable_value
        }"#,
    );
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(
        f[0].starts_with("expected no errors, but 1 error was raised"),
        "{f:?}"
    );
    assert!(
        f[1].starts_with("expected no errors from `percent_range`, but 1 error was raised"),
        "{f:?}"
    );
}

#[test]
fn expect_no_diagnostics_violated() {
    let f = failures(
        r#"test "t" {
            given appraisals.q4 = "94%"
            expect no diagnostics
        }"#,
    );
    assert_eq!(f.len(), 1);
    assert!(
        f[0].starts_with("expected no diagnostics, but 1 was raised"),
        "{f:?}"
    );
}

#[test]
fn an_invalid_given_text_is_allowed_and_reaches_the_value_parser() {
    let f = failures(
        r#"test "t" {
            given appraisals.q4 = "£617, unders"
            expect error unparseable_value on appraisals
            expect appraisals.q4 is invalid
            expect appraisals.rag is missing
            expect no info rag_undetermined
        }"#,
    );
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn given_file_starts_from_a_sample() {
    let f = failures(
        r#"test "t" {
            given file "samples/cap-2011-12-q4.yaml"
            expect return.organisation == "Leeds City Council"
            expect return.directorate == "Customer Access and Performance"
            expect appraisals.q3 == 99%
            expect error percent_range on appraisals
            expect warning unknown_measure
        }"#,
    );
    assert!(f.is_empty(), "{f:#?}");
    let f = failures(
        r#"test "t" {
            given file "samples/cap-2011-12-q4.yaml"
            given appraisals.q4 = "94%", return.organisation = "Elsewhere"
            expect return.organisation == "Elsewhere"
            expect appraisals.rag == amber
            expect no error percent_range
        }"#,
    );
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn given_return_period_moves_the_quarter() {
    let f = failures(
        r#"test "t" {
            given return.period = "2011/12 Q2", appraisals.q2 = "45%"
            expect return.quarter == 2
            expect return.year == "2011/12"
            expect appraisals.value == 45%
            expect appraisals.rag == amber
        }"#,
    );
    assert!(f.is_empty(), "{f:#?}");
    let f = failures(
        r#"test "t" {
            given return.period = "Q2 2011"
            expect error missing_header
        }"#,
    );
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn the_default_fixture_is_complete_and_missing_measure_never_runs() {
    let f = failures(
        r#"test "t" {
            expect return.organisation == "Test"
            expect return.period == "2011/12 Q4"
            expect no diagnostics
        }"#,
    );
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn unknown_names_in_givens_and_expectations_stop_the_run() {
    let p = problems(
        r#"test "t" {
            given apraisals.q4 = "94%"
            given appraisals.q5 = "1%", appraisals.rag = "green", appraisals.colour = "x"
            given return.quarter = "3", q4 = "1%"
            expect error percnt_range
            expect error missing_measure
            expect appraisals.q4 > 3
        }"#,
    );
    assert_eq!(
        p,
        [
            "unknown_name: there is no measure `apraisals`",
            "unknown_name: unknown field `q5`",
            "bad_given: `rag` is computed from the bands",
            "unknown_name: unknown field `colour`",
            "bad_given: `return.quarter` comes from the period",
            "bad_given: `q4` is not a field a test can set",
            "unknown_check: there is no check `percnt_range`",
            "bad_expect: `missing_measure` does not run in tests",
            "unit_error: cannot compare a number in percent with a plain number",
        ],
        "{p:#?}"
    );
}

#[test]
fn a_missing_sample_file_is_an_error_at_its_path() {
    let p = problems(
        r#"test "t" {
            given file "samples/nowhere.yaml"
            expect no error
        }"#,
    );
    assert_eq!(
        p,
        ["unreadable_path: cannot read `samples/nowhere.yaml`: no such file"]
    );
}

#[test]
fn outcomes_come_back_in_source_order() {
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "test \"t{i}\" {{\n    given appraisals.q4 = \"{i}%\"\n    expect appraisals.q4 == {i}%\n}}\n"
        ));
    }
    let outcomes = run(&text).unwrap_or_else(|d| panic!("{d:#?}"));
    let names: Vec<String> = outcomes.iter().map(|o| o.name.clone()).collect();
    let want: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
    assert_eq!(names, want);
    assert!(outcomes.iter().all(Outcome::passed));
}

// ------------------------------------------------------------- the binary

/// Run the binary in the repository root, with `--color never`; (exit
/// status, stdout, stderr).
fn ragcheck(args: &[&str]) -> (i32, String, String) {
    ragcheck_in(root(), args)
}

fn ragcheck_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let r = common::run(common::command_in(dir, args).args(["--color", "never"]));
    (r.code, r.stdout, r.stderr)
}

#[test]
fn the_shipped_rules_pass_their_own_tests() {
    let (code, out, err) = ragcheck(&["test", "rules/"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let last = out.lines().last().unwrap_or("");
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
    assert!(out.contains("ok   rules/measures/leeds-cap.rag:"), "{out}");
    assert!(out.contains("\"94% appraisals is amber\""));
    assert!(out.contains("\"8.63 days sickness at Q3 is amber\""));
    assert!(out.contains("\"4.6% BME workforce is amber\""));
    assert!(out.contains("\"a 945 typo is caught\""));
}

#[test]
fn test_reads_the_rules_option_by_default() {
    let (code, out, _) = ragcheck(&["--rules", "tests/authoring/passing", "test"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().last(), Some("8 passed, 0 failed"));
}

#[test]
fn a_failing_run() {
    let (code, out, err) = ragcheck(&["test", "tests/authoring/failing"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err, "");
    insta::assert_snapshot!(out);
}

#[test]
fn quiet_shows_only_failures() {
    let (code, out, _) = ragcheck(&["test", "--quiet", "tests/authoring/failing"]);
    assert_eq!(code, 1);
    assert!(!out.contains("ok   "), "{out}");
    assert!(out.contains("FAIL tests/authoring/failing/rules.rag:21"));
    assert_eq!(out.lines().last(), Some("1 passed, 5 failed"));
}

#[test]
fn tests_that_cannot_run_exit_2() {
    let (code, out, err) = ragcheck(&["test", "tests/authoring/bad_tests"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    insta::assert_snapshot!(err);
}

#[test]
fn rules_that_do_not_compile_exit_2() {
    let (code, out, err) = ragcheck(&["test", "tests/rules/bad/unknown_name.rag"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(err.contains("error[unknown_name]"), "{err}");
}

// ------------------------------------------------------------------- fmt

/// A fresh folder for one test, under cargo's scratch space.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("authoring-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn fmt_check_then_write_then_check_again() {
    let dir = scratch("fmt");
    let messy = read(&root().join("tests/authoring/fmt/messy.rag"));
    std::fs::create_dir_all(dir.join("rules/sub")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("rules/sub/messy.rag"), &messy).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("rules/notes.txt"), "measure   x {}\n")
        .unwrap_or_else(|e| panic!("{e}"));

    let (code, out, _) = ragcheck_in(&dir, &["fmt", "--check"]);
    assert_eq!((code, out.as_str()), (1, "rules/sub/messy.rag\n"));
    assert_eq!(
        read(&dir.join("rules/sub/messy.rag")),
        messy,
        "--check wrote"
    );

    let (code, out, err) = ragcheck_in(&dir, &["fmt", "rules"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let formatted = read(&dir.join("rules/sub/messy.rag"));
    insta::assert_snapshot!(formatted);
    assert_eq!(read(&dir.join("rules/notes.txt")), "measure   x {}\n");

    let (code, out, _) = ragcheck_in(&dir, &["fmt", "--check", "rules"]);
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn fmt_leaves_non_rag_files_and_bad_files_alone() {
    let dir = scratch("fmt-bad");
    std::fs::write(dir.join("notes.txt"), "measure   x {}\n").unwrap_or_else(|e| panic!("{e}"));
    let (code, _, err) = ragcheck_in(&dir, &["fmt", "notes.txt"]);
    assert_eq!(code, 0);
    assert!(err.contains("`notes.txt` is not a .rag file"), "{err}");
    assert_eq!(read(&dir.join("notes.txt")), "measure   x {}\n");

    std::fs::write(dir.join("broken.rag"), "measure   x {\n  unit\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, err) = ragcheck_in(&dir, &["fmt", "broken.rag"]);
    assert_eq!(code, 2);
    assert!(err.contains("broken.rag"), "{err}");
    assert_eq!(read(&dir.join("broken.rag")), "measure   x {\n  unit\n");
}

#[test]
fn the_shipped_rules_are_formatted() {
    let (code, out, err) = ragcheck(&["fmt", "--check", "rules/"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let (sources, errors) = ragcheck::rules_io::read_rule_files(&[root().join("rules")]);
    assert!(errors.is_empty());
    assert!(sources.len() >= 3);
    for s in &sources {
        let formatted =
            ragcheck::format::format_source(s).unwrap_or_else(|d| panic!("{}: {d:?}", s.path));
        assert_eq!(formatted, *s.text, "{} is not formatted", s.path);
    }
}

// --------------------------------------------------------------- explain

#[test]
fn explain_a_built_in_check() {
    let (code, out, _) = ragcheck(&["explain", "status_mismatch"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("status_mismatch (built-in, error by default)"),
        "{out}"
    );
    assert!(out.contains("Example:"), "{out}");
}

#[test]
fn explain_a_user_check() {
    let (code, out, _) = ragcheck(&[
        "--rules",
        "tests/authoring/passing",
        "explain",
        "percent_range",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn explain_a_measure() {
    let (code, out, _) = ragcheck(&[
        "--rules",
        "tests/authoring/passing",
        "explain",
        "appraisals",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn explain_an_unknown_id() {
    let (code, out, err) = ragcheck(&["explain", "percnt_range"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "error: there is no check or measure `percnt_range`; did you mean `percent_range`?\n"
    );
}

#[test]
fn a_collection_gives_its_first_return_and_a_broken_file_its_problems() {
    let f = failures(
        r#"test "t" {
            given file "samples/collection-2012-13.csv"
            expect return.organisation == "Leeds City Council"
        }"#,
    );
    assert!(f.is_empty(), "{f:#?}");
    let f = failures(
        r#"test "t" {
            given file "tests/authoring/fmt/messy.rag"
            expect error invalid_return
            expect return.organisation is missing
        }"#,
    );
    assert!(f.is_empty(), "{f:#?}");
}
