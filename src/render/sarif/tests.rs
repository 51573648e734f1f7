// A test fails by panicking: expect is how it says why.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use serde_json::Value;

use super::*;
use crate::render::{Format, fixture};
use crate::report::Report;

const OFFICIAL_SCHEMA: &str = include_str!("../../../tests/data/sarif-schema-2.1.0.json");

fn sarif_with(report: &Report, opts: &RenderOptions) -> String {
    let mut out = Vec::new();
    crate::render::report(Format::Sarif, report, &fixture::catalogue(), opts, &mut out)
        .expect("writing to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

/// The log built from a whole report, as it was before the log was
/// streamed: the oracle that the streamed log is tested against.
fn whole_report(
    report: &Report,
    catalogue: &[CheckInfo],
    opts: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let base = opts.base_dir.as_deref();
    let mut rules: Vec<RuleOut> = catalogue.iter().map(rule).collect();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, c) in catalogue.iter().enumerate() {
        index.entry(c.id.as_str()).or_insert(i);
    }
    let mut unknown: Vec<&Diagnostic> = report
        .diagnostics()
        .filter(|d| !index.contains_key(d.code.as_str()))
        .collect();
    unknown.sort_by(|a, b| a.code.cmp(&b.code));
    unknown.dedup_by(|a, b| a.code == b.code);
    for d in unknown {
        index.insert(&d.code, rules.len());
        rules.push(unlisted_rule(&d.code, d.severity));
    }

    let mut seen: HashMap<u64, u32> = HashMap::new();
    let mut results = Vec::new();
    for file in &report.files {
        for (d, organisation, period) in file_results(file) {
            let rule_index = index[d.code.as_str()];
            let at = (&*file.path, organisation, period);
            results.push(result(d, rule_index, at, base, &mut seen));
        }
    }
    serde_json::to_writer_pretty(&mut *out, &log(rules, base, results))?;
    writeln!(out)
}

fn sarif(report: &Report) -> String {
    sarif_with(report, &RenderOptions::default())
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("SARIF is JSON")
}

/// The official schema as published has a `language` pattern with a stray
/// `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) that no strict regex
/// engine compiles; SARIF 2.1.0 Errata 01 corrected it (sarif-spec issue
/// 488). The file is kept as published and corrected here; ragcheck writes
/// no `language`, so the pattern never applies to our output.
fn official_schema() -> Value {
    const PUBLISHED: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    const CORRECTED: &str = r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#;
    assert_eq!(OFFICIAL_SCHEMA.matches(PUBLISHED).count(), 2);
    serde_json::from_str(&OFFICIAL_SCHEMA.replace(PUBLISHED, CORRECTED)).expect("schema is JSON")
}

fn validate(text: &str) {
    let schema = official_schema();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&parse(text))
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The report with everything that needs care: a waived diagnostic with
/// awkward characters, a related cell, a diagnostic with no location, and
/// a code the catalogue does not list.
fn odd_report() -> Report {
    let mut r = fixture::report();
    let mut d = fixture::awkward();
    d.waived = Some(fixture::waived());
    d.related.push((
        Location {
            cell: Some("Sheet2!A1".into()),
            ..Location::whole_file("x y.xlsx".into())
        },
        "here".into(),
    ));
    r.files[0].returns[0].diagnostics.push(d);
    r.files[0].returns[0].diagnostics.push(Diagnostic::new(
        Severity::Info,
        "nowhere",
        "not in a file",
    ));
    r
}

#[test]
fn sarif_report() {
    let text =
        sarif(&fixture::report_without_sources()).replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!(text);
}

#[test]
fn the_output_matches_the_official_schema() {
    validate(&sarif(&fixture::report()));
    validate(&sarif(&odd_report()));
    validate(&sarif(&Report::default()));
    let opts = RenderOptions {
        base_dir: Some(PathBuf::from("/home/ci/repo")),
        ..RenderOptions::default()
    };
    validate(&sarif_with(&odd_report(), &opts));
}

#[test]
fn the_schema_check_would_catch_a_broken_log() {
    let schema = official_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let mut log = parse(&sarif(&fixture::report()));
    assert!(validator.is_valid(&log));
    log["runs"][0]["columnKind"] = "bytes".into();
    assert!(!validator.is_valid(&log));
}

#[test]
fn what_github_code_scanning_needs() {
    let log = parse(&sarif(&odd_report()));
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["tool"]["driver"]["name"], "ragcheck");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    // Every check of the catalogue, then the unlisted codes, sorted.
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let mut want: Vec<String> = fixture::catalogue().into_iter().map(|c| c.id).collect();
    want.extend(["nowhere".to_string(), "odd:code,1".to_string()]);
    assert_eq!(ids, want);
    for r in rules {
        for key in ["shortDescription", "fullDescription"] {
            assert!(!r[key]["text"].as_str().expect(key).is_empty(), "{r}");
        }
        assert!(!r["help"]["text"].as_str().expect("help").is_empty());
        assert!(!r["help"]["markdown"].as_str().expect("markdown").is_empty());
        assert!(r["defaultConfiguration"]["level"].is_string());
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 12);
    for result in results {
        let i = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], result["ruleId"]);
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert!(artifact["uri"].is_string());
        let hash = result["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .expect("a fingerprint");
        assert!(hash.len() > 17 && hash.as_bytes()[16] == b':', "{hash}");
    }
    let percent = results
        .iter()
        .find(|r| r["ruleId"] == "percent_range")
        .expect("percent_range");
    assert_eq!(percent["level"], "error");
    assert_eq!(
        percent["locations"][0]["physicalLocation"],
        serde_json::json!({
            "artifactLocation": {"uri": "samples/cap-2011-12-q4.yaml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 14, "startColumn": 11, "endLine": 14, "endColumn": 14}
        })
    );
    let waived = results
        .iter()
        .find(|r| r["ruleId"] == "odd:code,1")
        .expect("the waived one");
    assert_eq!(waived["suppressions"][0]["kind"], "external");
    assert_eq!(
        waived["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "odd%20dir/a%2Cb%3Ac%25.yaml"
    );
    let info = results
        .iter()
        .find(|r| r["ruleId"] == "nowhere")
        .expect("info");
    assert_eq!(info["level"], "note");
    assert_eq!(
        info["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "samples/bradford.xlsx"
    );
}

fn fingerprints(report: &Report) -> Vec<String> {
    let log = parse(&sarif(report));
    log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .expect("hash")
                .to_string()
        })
        .collect()
}

#[test]
fn fingerprints_are_stable_and_distinct() {
    let before = fingerprints(&fixture::report());
    assert_eq!(before, fingerprints(&fixture::report_without_sources()));
    let mut distinct = before.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), before.len());

    // Lines added above every finding move them but change no fingerprint.
    let mut moved = fixture::report();
    for f in &mut moved.files {
        for r in &mut f.returns {
            for d in &mut r.diagnostics {
                if let Some(l) = &mut d.location {
                    l.line += 3;
                    l.end_line += 3;
                }
            }
        }
    }
    assert_eq!(before, fingerprints(&moved));

    // The same finding in another return of a collection is another finding.
    let mut twice = fixture::report();
    let csv = twice
        .files
        .iter_mut()
        .find(|f| &*f.path == fixture::CSV_PATH)
        .expect("the CSV");
    let copy = csv.returns[1].diagnostics[0].clone();
    csv.returns[0].diagnostics.push(copy.clone());
    let all = fingerprints(&twice);
    let mut distinct = all.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), all.len());

    // The very same finding twice: the same hash, counted.
    let csv = twice
        .files
        .iter_mut()
        .find(|f| &*f.path == fixture::CSV_PATH)
        .expect("the CSV");
    csv.returns[1].diagnostics.push(copy);
    let all = fingerprints(&twice);
    let last = all.last().expect("a result");
    assert!(last.ends_with(":2"), "{last}");
    assert!(all.contains(&last.replace(":2", ":1")));
}

#[test]
fn fnv1a_is_fnv1a() {
    // FNV-1a 64 of "a" is af63dc4c8601ec8c; ours adds a 0 byte per part.
    let mut h: u64 = 0xaf63_dc4c_8601_ec8c;
    h ^= 0;
    h = h.wrapping_mul(0x0000_0100_0000_01b3);
    assert_eq!(fingerprint(&["a"]), h);
    assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
}

#[test]
fn uris_are_repository_relative() {
    let base = Some(Path::new("/home/ci/repo"));
    let a = artifact("/home/ci/repo/samples/x y.yaml", base);
    assert_eq!(
        (a.uri.as_str(), a.uri_base_id),
        ("samples/x%20y.yaml", Some(SRCROOT))
    );
    let a = artifact("./samples/x.yaml", base);
    assert_eq!(
        (a.uri.as_str(), a.uri_base_id),
        ("samples/x.yaml", Some(SRCROOT))
    );
    let a = artifact("/elsewhere/x.yaml", base);
    assert_eq!(
        (a.uri.as_str(), a.uri_base_id),
        ("file:///elsewhere/x.yaml", None)
    );
    let a = artifact(
        "C:\\work\\repo\\returns\\q4.csv",
        Some(Path::new("C:\\work\\repo\\")),
    );
    assert_eq!(
        (a.uri.as_str(), a.uri_base_id),
        ("returns/q4.csv", Some(SRCROOT))
    );
    let a = artifact("D:\\other\\q4.csv", Some(Path::new("C:\\work\\repo")));
    assert_eq!(a.uri, "file:///D:/other/q4.csv");
    let a = artifact("samples/x.yaml", Some(Path::new(".")));
    assert_eq!(a.uri, "samples/x.yaml");
    let a = artifact("repository/x.yaml", Some(Path::new("repo")));
    assert_eq!(a.uri, "repository/x.yaml");
    assert_eq!(
        base_uri(Path::new("/home/ci/repo")).as_deref(),
        Some("file:///home/ci/repo/")
    );
    assert_eq!(base_uri(Path::new("repo")), None);
}

#[test]
fn streaming_file_by_file_gives_the_whole_report_s_bytes() {
    let in_folder = RenderOptions {
        base_dir: Some(PathBuf::from("samples")),
        ..RenderOptions::default()
    };
    let mut duplicated = odd_report();
    duplicated.files.extend(odd_report().files);
    for report in [
        fixture::report(),
        odd_report(),
        duplicated,
        Report::default(),
    ] {
        for opts in [RenderOptions::default(), in_folder.clone()] {
            let mut whole = Vec::new();
            whole_report(&report, &fixture::catalogue(), &opts, &mut whole)
                .expect("writing to a Vec");
            assert_eq!(sarif_with(&report, &opts), String::from_utf8_lossy(&whole));
        }
    }
}

#[test]
fn findings_keep_only_what_a_log_shows() {
    for file in fixture::report().files {
        let kept = findings(file.clone());
        assert!(kept.source.is_none());
        assert!(kept.returns.iter().all(|r| {
            r.measures.is_empty() && r.checks.is_empty() && !r.diagnostics.is_empty()
        }));
        let all: Vec<&Diagnostic> = file.all_diagnostics().collect();
        let still: Vec<&Diagnostic> = kept.all_diagnostics().collect();
        assert_eq!(all, still);
    }
}
