//! Every defect the benchmark generator injects is reported: 20 generated
//! returns (YAML, and the same as a CSV collection) are checked with the
//! shipped rules plus the generated ones, and each line of the ground truth
//! must match a diagnostic (file, return, measure, check).

// A test fails by panicking.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use ragcheck::engine::{self, CheckOptions, Input};
use ragcheck::report::Report;

#[allow(dead_code)] // the generator's `main` and CLI are not used here
#[path = "../examples/gen.rs"]
mod generator;

use generator::{Options, Reported};

/// A fresh folder under the system's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ragcheck-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn check(out: &Path) -> Report {
    let rule_dirs = [PathBuf::from("rules"), out.join("rules")];
    let (sources, errors) = ragcheck::rules_io::read_rule_files(&rule_dirs);
    assert!(errors.is_empty(), "{errors:?}");
    let compiled = ragcheck::compile(sources);
    let Some(rules) = compiled.rules else {
        panic!(
            "generated rules do not compile: {:#?}",
            compiled.diagnostics
        );
    };
    let found = ragcheck::discover::find(&[out.join("returns")], &Default::default());
    let (files, unreadable) = (found.paths(), found.unreadable);
    assert!(unreadable.is_empty(), "{unreadable:?}");
    engine::check_inputs(
        &rules,
        files.into_iter().map(Input::File).collect(),
        &CheckOptions::default(),
    )
}

fn reported(report: &Report) -> Vec<Reported> {
    let mut out = Vec::new();
    for file in &report.files {
        for ret in &file.returns {
            for d in &ret.diagnostics {
                out.push(Reported {
                    file: file.path.to_string(),
                    organisation: ret.organisation.clone().unwrap_or_default(),
                    measure: d.measure.clone().unwrap_or_default(),
                    code: d.code.clone(),
                });
            }
        }
    }
    out
}

fn every_defect_is_found(csv: bool) {
    let out = scratch(if csv { "truth-csv" } else { "truth-yaml" });
    let opts = Options {
        returns: 20,
        measures: 40,
        checks: 60,
        defect_rate: 0.05,
        seed: 7,
        csv,
        files: 2,
        out: out.clone(),
        ..Options::default()
    };
    let defects = generator::generate(&opts).expect("generate");
    assert!(
        defects.len() >= 20,
        "only {} defects injected",
        defects.len()
    );
    // The file on disk agrees with what was returned.
    let truth = generator::read_truth(&out.join("ground-truth.jsonl")).expect("read truth");
    assert_eq!(truth, defects);
    let report = check(&out);
    assert_eq!(report.summary().returns, 20);
    let missed = generator::missed(&defects, &reported(&report));
    assert!(missed.is_empty(), "missed: {missed:#?}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn yaml_defects_are_all_found() {
    every_defect_is_found(false);
}

#[test]
fn csv_defects_are_all_found() {
    every_defect_is_found(true);
}

#[test]
fn generation_is_deterministic() {
    let a = scratch("det-a");
    let b = scratch("det-b");
    for out in [&a, &b] {
        let opts = Options {
            returns: 3,
            seed: 42,
            out: out.clone(),
            ..Options::default()
        };
        generator::generate(&opts).expect("generate");
    }
    for rel in [
        "returns/r00001.yaml",
        "rules/measures.rag",
        "rules/checks.rag",
        "ground-truth.jsonl",
    ] {
        let read = |dir: &Path| std::fs::read(dir.join(rel)).expect("read");
        assert_eq!(read(&a), read(&b), "{rel}");
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn streamed_reports_match_gathered_ones() {
    let out = scratch("stream");
    let opts = Options {
        returns: 30,
        measures: 8,
        checks: 20,
        seed: 11,
        out: out.clone(),
        ..Options::default()
    };
    generator::generate(&opts).expect("generate");
    let rule_dirs = [PathBuf::from("rules"), out.join("rules")];
    let (sources, _) = ragcheck::rules_io::read_rule_files(&rule_dirs);
    let rules = ragcheck::compile(sources).rules.expect("rules compile");
    let found = ragcheck::discover::find(&[out.join("returns")], &Default::default());
    let (files, _) = (found.paths(), found.unreadable);
    let inputs: Vec<Input> = files.into_iter().map(Input::File).collect();
    let gathered = engine::check_inputs(&rules, inputs.clone(), &CheckOptions::default());
    let mut streamed = Vec::new();
    engine::check_each(&rules, inputs, &CheckOptions::default(), |f| {
        streamed.push(f)
    });
    let key = |f: &ragcheck::report::FileReport| {
        (
            f.path.to_string(),
            f.returns.iter().map(|r| r.diagnostics.len()).sum::<usize>(),
        )
    };
    assert_eq!(
        streamed.iter().map(key).collect::<Vec<_>>(),
        gathered.files.iter().map(key).collect::<Vec<_>>()
    );
    let _ = std::fs::remove_dir_all(&out);
}
