//! Waivers (SPEC 3.8) end to end: the real binary, run from the repository
//! root with the rules and returns of `tests/waivers/`.
//!
//! `rules/waivers.rag` holds three waivers: `status_mismatch` on
//! `appraisals` for Leeds until 2012/13 Q2 (it applies to Leeds's Q2
//! return, has expired for Leeds's Q3 return, and York has the same problem
//! without a waiver), `commentary_given` without `on` or `for` (every
//! measure of every organisation), and one that matches nothing.

// A test fails by panicking: expect is how it says why.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use serde_json::Value;

use common::{ROOT, Run, assert_valid, json_schema, ragcheck, run, sarif_schema, temp_dir};

mod common;

const RULES: &str = "tests/waivers/rules";
const RETURNS: &str = "tests/waivers/returns";
const LEEDS_Q2: &str = "tests/waivers/returns/leeds-2012-13-q2.yaml";
const LEEDS_Q3: &str = "tests/waivers/returns/leeds-2012-13-q3.yaml";
const YORK_Q2: &str = "tests/waivers/returns/york-2012-13-q2.yaml";

/// `ragcheck check` of `paths` with the waiver rules, in a format.
fn check(format: &str, paths: &[&str]) -> Run {
    let mut args = vec![
        "check", "--rules", RULES, "--color", "never", "--format", format,
    ];
    args.extend_from_slice(paths);
    ragcheck(&args)
}

/// Every diagnostic of a JSON report, with the entry's scope.
fn diagnostics(json: &Value) -> Vec<(String, Value)> {
    json["returns"]
        .as_array()
        .expect("returns")
        .iter()
        .flat_map(|e| {
            let scope = e["scope"].as_str().expect("a scope").to_string();
            e["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .map(move |d| (scope.clone(), d.clone()))
        })
        .collect()
}

fn codes(json: &Value) -> Vec<String> {
    diagnostics(json)
        .iter()
        .map(|(_, d)| {
            let waived = if d["waived"].is_object() {
                " (waived)"
            } else {
                ""
            };
            format!("{}{waived}", d["code"].as_str().expect("a code"))
        })
        .collect()
}

#[test]
fn a_waiver_that_applies_lets_the_run_pass() {
    let r = check("json", &[LEEDS_Q2]);
    assert_eq!(r.code, 0, "{}", r.transcript());
    let json = r.json();
    assert_eq!(
        codes(&json),
        [
            "commentary_given (waived)",
            "status_mismatch (waived)",
            // The waivers for Leeds's later return and for Bradford met
            // nothing in this run.
            "unused_waiver",
        ]
    );
    let s = &json["summary"];
    assert_eq!(
        (&s["errors"], &s["warnings"], &s["infos"]),
        (&0.into(), &0.into(), &1.into())
    );
    assert_eq!(s["waived"], 2);
    let (_, mismatch) = diagnostics(&json)
        .into_iter()
        .find(|(_, d)| d["code"] == "status_mismatch")
        .expect("the waived mismatch");
    assert_eq!(
        mismatch["waived"],
        serde_json::json!({
            "reason": "appraisal records are being reloaded after the SAP migration",
            "approved": "Head of Performance",
            "until": "2012/13 Q2",
            "rule": {"file": "tests/waivers/rules/waivers.rag", "line": 5, "column": 1}
        })
    );
}

#[test]
fn the_same_problem_for_another_organisation_fails() {
    let r = check("json", &[YORK_Q2]);
    assert_eq!(r.code, 1, "{}", r.transcript());
    let json = r.json();
    assert_eq!(
        codes(&json),
        [
            "commentary_given (waived)",
            "status_mismatch",
            "unused_waiver",
            "unused_waiver",
        ]
    );
}

#[test]
fn an_expired_waiver_is_a_warning_at_the_waiver_and_the_error_stands() {
    let r = check("json", &[LEEDS_Q3]);
    assert_eq!(r.code, 1, "{}", r.transcript());
    let json = r.json();
    let all = diagnostics(&json);
    let (scope, expired) = all
        .iter()
        .find(|(_, d)| d["code"] == "expired_waiver")
        .expect("expired_waiver");
    assert_eq!(scope, "rules");
    assert_eq!(expired["severity"], "warning");
    assert_eq!(expired["file"], "tests/waivers/rules/waivers.rag");
    assert_eq!(expired["line"], 5);
    let mismatch = all
        .iter()
        .find(|(_, d)| d["code"] == "status_mismatch")
        .map(|(_, d)| d)
        .expect("the mismatch");
    assert!(mismatch.get("waived").is_none(), "{mismatch}");
    assert_eq!(json["summary"]["errors"], 1);
    assert_eq!(json["summary"]["warnings"], 1);
}

#[test]
fn output_does_not_depend_on_the_number_of_workers() {
    for format in ["human", "json", "sarif", "junit", "github"] {
        let one = ragcheck(&[
            "check", "--rules", RULES, "--format", format, "--jobs", "1", RETURNS,
        ]);
        let four = ragcheck(&[
            "check", "--rules", RULES, "--format", format, "--jobs", "4", RETURNS,
        ]);
        assert_eq!(one.stdout, four.stdout, "{format}");
        assert_eq!(one.code, four.code, "{format}");
    }
}

/// The whole folder, in each format: a waiver that applies, the same
/// problem for another organisation, an expired waiver, an unused one and
/// one without `on` or `for`.
#[test]
fn snapshot_human() {
    let r = check("human", &[RETURNS]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!(r.transcript());
}

#[test]
fn snapshot_json() {
    let r = check("json", &[RETURNS]);
    assert_eq!(r.code, 1);
    assert_valid(&json_schema(), &r.json(), "json");
    insta::assert_snapshot!(r.transcript());
}

#[test]
fn snapshot_sarif() {
    let r = check("sarif", &[RETURNS]);
    assert_eq!(r.code, 1);
    let log = r.json();
    assert_valid(&sarif_schema(), &log, "sarif");
    let results = log["runs"][0]["results"].as_array().expect("results");
    let suppressed: Vec<&Value> = results
        .iter()
        .filter_map(|r| r.get("suppressions"))
        .collect();
    // Three returns' missing commentaries and Leeds's Q2 mismatch.
    assert_eq!(suppressed.len(), 4);
    for s in &suppressed {
        assert_eq!(s[0]["kind"], "external");
        assert!(
            s[0]["justification"]
                .as_str()
                .is_some_and(|j| !j.is_empty())
        );
    }
    // The SARIF base URI is the absolute path of the checkout: not part of
    // what is compared.
    let root = format!("file://{ROOT}/");
    insta::assert_snapshot!(r.transcript().replace(&root, "file://[ROOT]/"));
}

#[test]
fn snapshot_junit() {
    let r = check("junit", &[RETURNS]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!(r.transcript());
}

#[test]
fn snapshot_github() {
    let r = check("github", &[RETURNS]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!(r.transcript());
}

#[test]
fn rule_tests_leave_waivers_out() {
    let r = ragcheck(&["test", "--rules", RULES, "--color", "never"]);
    assert_eq!(r.code, 0, "{}", r.transcript());
}

#[test]
fn rules_lists_waivers_and_explain_shows_them() {
    let r = ragcheck(&["rules", "--rules", RULES, "--color", "never"]);
    assert_eq!(r.code, 0, "{}", r.transcript());
    insta::assert_snapshot!("rules", r.transcript());
    let r = ragcheck(&[
        "explain",
        "status_mismatch",
        "--rules",
        RULES,
        "--color",
        "never",
    ]);
    assert_eq!(r.code, 0, "{}", r.transcript());
    insta::assert_snapshot!("explain", r.transcript());
}

#[test]
fn fmt_lays_waivers_out_and_keeps_them() {
    let dir = temp_dir("fmt");
    let file = dir.join("w.rag");
    std::fs::write(
        &file,
        "measure appraisals { unit percent }\n\
         waive   status_mismatch on appraisals   for \"Leeds City Council\" until 2012/13    Q2 because \"reloading\"   approved \"Head of Performance\" # why\n\
         waive commentary_given until \"2012/13 Q4\"\n    because \"later\"\n  approved \"Board\"\n",
    )
    .expect("writing a fixture");
    let path = file.to_str().expect("a UTF-8 path");
    let r = ragcheck(&["fmt", path]);
    assert_eq!(r.code, 0, "{}", r.transcript());
    let formatted = std::fs::read_to_string(&file).expect("the formatted file");
    insta::assert_snapshot!("fmt", formatted);
    let again = ragcheck(&["fmt", "--check", path]);
    assert_eq!(again.code, 0, "{}", again.transcript());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn human_output_greys_waived_diagnostics() {
    let r = ragcheck(&["check", "--rules", RULES, "--color", "always", LEEDS_Q2]);
    assert_eq!(r.code, 0, "{}", r.transcript());
    let dim = "\x1b[2m";
    let line = |needle: &str| {
        r.stdout
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?}:\n{}", r.stdout))
    };
    // The whole diagnostic is greyed, its reason and approver too.
    assert!(line("error[status_mismatch] (waived)").starts_with(dim));
    assert!(line("is declared Green").starts_with(dim));
    assert!(line("waived until 2012/13 Q2: appraisal records").contains(dim));
    // A diagnostic that is not waived keeps its colours.
    assert!(!line("unused_waiver").starts_with(dim));
}

#[test]
fn the_library_reports_what_the_command_line_does() {
    use ragcheck::engine::{CheckOptions, Input, check_inputs};
    use ragcheck::render::Format;

    let rules = common::rules(RULES);
    let inputs = [LEEDS_Q2, LEEDS_Q3, YORK_Q2]
        .iter()
        .map(|p| Input::File(p.into()))
        .collect();
    let report = check_inputs(&rules, inputs, &CheckOptions::default());
    // The rule file's problems come last, after every input.
    let last = report.files.last().expect("files");
    assert!(last.rule_file);
    assert_eq!(&*last.path, "tests/waivers/rules/waivers.rag");
    let out = common::render(Format::Json, &rules, &report);
    let cli = check("json", &[RETURNS]);
    assert_eq!(out, cli.stdout);

    // Rule tests' way: no waiver applies, none is reported.
    let report = check_inputs(
        &rules,
        vec![Input::File(LEEDS_Q2.into())],
        &CheckOptions {
            ignore_waivers: true,
            ..CheckOptions::default()
        },
    );
    assert!(report.files.iter().all(|f| !f.rule_file));
    assert!(report.diagnostics().all(|d| !d.is_waived()));
}

#[test]
fn the_step_summary_counts_waived_diagnostics_apart() {
    let dir = temp_dir("step_summary");
    let summary = dir.join("summary.md");
    let r = run(
        common::command(&["check", "--rules", RULES, "--format", "github", RETURNS])
            .env("GITHUB_STEP_SUMMARY", &summary),
    );
    assert_eq!(r.code, 1, "{}", r.transcript());
    let markdown = std::fs::read_to_string(&summary).expect("the step summary");
    insta::assert_snapshot!("step_summary", markdown);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_waiver_checks_take_severity_settings() {
    let dir = temp_dir("severity");
    // A return after the `commentary_given` waiver's `until` (2012/13 Q4),
    // whose only problem is the missing commentary: a warning, once the
    // waiver has expired.
    let ret = dir.join("leeds-2013-14-q1.yaml");
    std::fs::write(
        &ret,
        "return:\n  organisation: Leeds City Council\n  period: 2013/14 Q1\n\
         measures:\n  appraisals:\n    status: Red\n    values: {q1: 10%}\n",
    )
    .expect("writing a fixture");
    let ret = ret.to_str().expect("a UTF-8 path");
    let r = check("json", &[ret]);
    assert_eq!(r.code, 0, "{}", r.transcript());
    assert_eq!(
        codes(&r.json()),
        [
            "commentary_given",
            "unused_waiver",
            "expired_waiver",
            "unused_waiver"
        ]
    );

    let strict = dir.join("strict.rag");
    std::fs::write(
        &strict,
        "severity expired_waiver error\nseverity unused_waiver off\n",
    )
    .expect("writing a fixture");
    let r = ragcheck(&[
        "check",
        "--rules",
        RULES,
        "--rules",
        strict.to_str().expect("a UTF-8 path"),
        "--format",
        "json",
        ret,
    ]);
    assert_eq!(r.code, 1, "{}", r.transcript());
    let json = r.json();
    assert_eq!(codes(&json), ["commentary_given", "expired_waiver"]);
    assert_eq!(json["summary"]["errors"], 1);
    let _ = std::fs::remove_dir_all(&dir);
}
