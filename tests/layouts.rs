//! Collections as they are published (SPEC 2.6), read through the layouts
//! in `rules/layouts/`: the three shipped samples end to end, `--layout`,
//! and the layout errors a user meets at run time.

// A test fails by panicking: expect is how it says why.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use ragcheck::diagnostic::Diagnostic;
use ragcheck::engine::{CheckOptions, Input, check_inputs};
use ragcheck::report::{FileReport, Report};

mod common;

fn shipped_rules() -> ragcheck::Program {
    common::rules("rules")
}

fn check(path: &str) -> FileReport {
    let report: Report = check_inputs(
        &shipped_rules(),
        vec![Input::File(path.into())],
        &CheckOptions::default(),
    );
    report.files.into_iter().next().expect("one file")
}

/// Every diagnostic of a file, its returns' and its own.
fn diagnostics(file: &FileReport) -> Vec<&Diagnostic> {
    file.diagnostics
        .iter()
        .chain(file.returns.iter().flat_map(|r| &r.diagnostics))
        .collect()
}

#[test]
fn the_long_csv_finds_exactly_the_rows_whose_percentage_disagrees_with_its_parts() {
    let file = check("samples/benchmarking-2018-19.csv");
    assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
    // One return per council and quarter.
    assert_eq!(file.returns.len(), 12);
    let found: BTreeSet<(String, String, u32, String)> = file
        .returns
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)))
        .filter(|(_, d)| d.code == "published_ratio")
        .map(|(r, d)| {
            let loc = d.location.as_ref().expect("a place");
            (
                r.organisation.clone().unwrap_or_default(),
                r.period.clone().unwrap_or_default(),
                loc.line,
                d.measure.clone().unwrap_or_default(),
            )
        })
        .collect();
    // Lines 9, 11 and 20 of the file: the published percentage is not the
    // numerator over the denominator.
    let expected: BTreeSet<(String, String, u32, String)> = [
        ("Angus", "2018/19 Q4", 9, "council_tax_collected"),
        (
            "Clackmannanshire",
            "2018/19 Q2",
            11,
            "council_tax_collected",
        ),
        ("Angus", "2018/19 Q3", 20, "invoices_paid"),
    ]
    .into_iter()
    .map(|(o, p, l, m)| (o.to_string(), p.to_string(), l, m.to_string()))
    .collect();
    assert_eq!(found, expected);
    // The earlier quarters of the year came from the same council's rows.
    let angus_q4 = file
        .returns
        .iter()
        .find(|r| {
            r.organisation.as_deref() == Some("Angus") && r.period.as_deref() == Some("2018/19 Q4")
        })
        .expect("Angus Q4");
    let tax = angus_q4
        .measures
        .iter()
        .find(|m| m.id == "council_tax_collected")
        .expect("the measure");
    assert_eq!(tax.value.as_deref(), Some("89%"));
}

#[test]
fn the_annual_csv_loads_one_return_per_council_and_year() {
    let file = check("samples/outcomes-2015-17.csv");
    assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
    let returns: Vec<(String, String, usize)> = file
        .returns
        .iter()
        .map(|r| {
            (
                r.organisation.clone().unwrap_or_default(),
                r.period.clone().unwrap_or_default(),
                r.measures.len(),
            )
        })
        .collect();
    let expected: Vec<(String, String, usize)> = [
        ("Aberdeen City", "2015/16"),
        ("Angus", "2015/16"),
        ("Clackmannanshire", "2015/16"),
        ("Aberdeen City", "2016/17"),
        ("Angus", "2016/17"),
        ("Clackmannanshire", "2016/17"),
    ]
    .into_iter()
    .map(|(o, p)| (o.to_string(), p.to_string(), 2))
    .collect();
    assert_eq!(returns, expected);
    // Each row's value is its return's value for the year: the slip `549`
    // (for 54.9%) is out of range at its cell.
    let clacks = &file.returns[5];
    let recycling = clacks
        .measures
        .iter()
        .find(|m| m.id == "household_recycling")
        .expect("the measure");
    assert_eq!(recycling.value.as_deref(), Some("549"));
    let slip = clacks
        .diagnostics
        .iter()
        .find(|d| d.code == "percent_range")
        .and_then(|d| d.location.clone())
        .expect("percent_range");
    assert_eq!((slip.line, slip.column), (7, 33));
}

#[test]
fn the_scorecard_spreadsheet_reports_the_seed_slips_at_their_cells() {
    let file = check("samples/cap-scorecard-2011-12-q4.xlsx");
    assert_eq!(file.returns.len(), 1);
    let ret = &file.returns[0];
    assert_eq!(ret.organisation.as_deref(), Some("Leeds City Council"));
    // The period comes from the title cell.
    assert_eq!(ret.period.as_deref(), Some("2011/12 Q4"));
    let found: BTreeSet<(String, String)> = diagnostics(&file)
        .iter()
        .map(|d| {
            let cell = d
                .location
                .as_ref()
                .and_then(|l| l.cell.clone())
                .unwrap_or_default();
            (d.code.clone(), cell)
        })
        .collect();
    for (code, cell) in [
        ("percent_range", "Scorecard!H4"),     // 945
        ("status_mismatch", "Scorecard!C4"),   // Amber, but the bands say green
        ("unparseable_value", "Scorecard!H6"), // N#
        ("unparseable_value", "Scorecard!H9"), // £617, unders
        ("unknown_measure", "Scorecard!D11"),  // a title no rule declares
    ] {
        assert!(
            found.contains(&(code.to_string(), cell.to_string())),
            "no {code} at {cell}: {found:?}"
        );
    }
    let unknown = diagnostics(&file)
        .into_iter()
        .find(|d| d.code == "unknown_measure")
        .expect("unknown_measure");
    assert_eq!(
        unknown.help.as_deref(),
        Some(
            "did you mean `self_service` (“Increase the range of self service options available to the public”)?"
        )
    );
    // The continuation rows and the repeated header were skipped: five
    // measures of the first block and one of the second.
    let ids: Vec<&str> = ret.measures.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "appraisals",
            "staff_engagement",
            "consultation",
            "equality",
            "budget",
            "website_satisfaction"
        ]
    );
}

/// The committed spreadsheet is what its generator writes.
#[test]
fn the_scorecard_spreadsheet_is_its_generators_output() {
    let have_python = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_python {
        eprintln!("python3 is not installed: the generator is not run");
        return;
    }
    let committed = std::fs::read("samples/cap-scorecard-2011-12-q4.xlsx").expect("the sample");
    let dir = std::env::temp_dir().join(format!("ragcheck-scorecard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let script = dir.join("make_scorecard_xlsx.py");
    std::fs::copy("samples/make_scorecard_xlsx.py", &script).expect("copy the script");
    let status = Command::new("python3")
        .arg(&script)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .status()
        .expect("python3 runs");
    assert!(status.success());
    let made = std::fs::read(dir.join("cap-scorecard-2011-12-q4.xlsx")).expect("the output");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        made == committed,
        "samples/cap-scorecard-2011-12-q4.xlsx differs from what samples/make_scorecard_xlsx.py writes: run the script"
    );
}

/// Run the binary in the repository root; (exit status, stdout, stderr).
fn ragcheck(args: &[&str]) -> (i32, String, String) {
    let r = common::ragcheck(args);
    (r.code, r.stdout, r.stderr)
}

#[test]
fn layout_forces_a_layout_and_an_unknown_one_is_refused() {
    let dir = std::env::temp_dir().join(format!("ragcheck-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join("q2.csv");
    std::fs::write(
        &path,
        "Code,LocalAuthority,Period,Value,Numerator,Denominator\nCORP 08,Fife,2018-19;Q2,0.5,96,100\n",
    )
    .expect("write");
    let path = path.to_string_lossy().into_owned();
    // No pattern matches `q2.csv`: read as SPEC 2.2, it lacks the columns.
    let (code, stdout, _) = ragcheck(&["check", &path, "--format", "json"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("the header row has no"), "{stdout}");
    // Through the layout, the ratio check finds the slip.
    let (code, stdout, _) = ragcheck(&[
        "check",
        &path,
        "--format",
        "json",
        "--layout",
        "benchmarking",
    ]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("published_ratio"), "{stdout}");
    assert!(stdout.contains("\"period\": \"2018/19 Q2\""), "{stdout}");
    let (code, stdout, stderr) = ragcheck(&["check", &path, "--layout", "benchmarkin"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stderr.contains("there is no layout `benchmarkin`; did you mean `benchmarking`?"),
        "{stderr}"
    );
}

#[test]
fn rules_lists_the_layouts() {
    let (code, stdout, stderr) = ragcheck(&["rules", "--color", "never"]);
    assert_eq!(code, 0, "{stderr}");
    let listing = stdout
        .split("layouts:\n")
        .nth(1)
        .expect("a layouts section");
    insta::assert_snapshot!(listing);
}

#[test]
fn an_id_that_is_a_code_is_suggested_as_its_measure() {
    let yaml = "return:\n  organisation: Angus\n  period: 2018/19 Q2\nmeasures:\n  CORP08:\n    values: {q2: 95%}\n";
    let rules = shipped_rules();
    let loaded = ragcheck::returns::load("r.yaml", yaml.as_bytes().to_vec());
    let report = ragcheck::engine::check_loaded(&rules, &loaded, &CheckOptions::default());
    let unknown = report.returns[0]
        .diagnostics
        .iter()
        .find(|d| d.code == "unknown_measure")
        .expect("unknown_measure");
    assert_eq!(
        unknown.help.as_deref(),
        Some("did you mean `invoices_paid`?")
    );
}

/// Every run-time layout problem, as the user sees it: each file in
/// `tests/layouts/files/` checked with the rules in `tests/layouts/rules/`.
#[test]
fn layout_problems_in_files() {
    insta::glob!("layouts/files/*.csv", |path| {
        let name = format!(
            "tests/layouts/files/{}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("")
        );
        let (_, stdout, stderr) = ragcheck(&[
            "check",
            &name,
            "--rules",
            "tests/layouts/rules",
            "--color",
            "never",
        ]);
        insta::assert_snapshot!(format!("{stdout}----- stderr -----\n{stderr}"));
    });
}

#[test]
fn layout_reads_standard_input_as_a_table() {
    let csv = "Code,LocalAuthority,Period,Value,Numerator,Denominator\nCORP 08,Fife,2018-19;Q2,0.5,96,100\n";
    let r = common::ragcheck_stdin(
        &["check", "-", "--format", "json", "--layout", "benchmarking"],
        csv.as_bytes(),
    );
    let stdout = r.stdout;
    assert_eq!(r.code, 1, "{stdout}");
    assert!(stdout.contains("published_ratio"), "{stdout}");
}
