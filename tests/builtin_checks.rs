//! One return per built-in check, each triggering it, its human output
//! snapshot-tested; and a clean return that triggers none.

use ragcheck::engine::{CheckOptions, Input, check_inputs};
use ragcheck::render::Format;
use ragcheck::rules_io::read_rule_files;

mod common;

/// A fixture return checked with `tests/builtins/rules.rag`, and its human
/// output.
fn check(path: &str) -> (ragcheck::report::Report, String) {
    let rules = common::rules("tests/builtins/rules.rag");
    let report = common::check_file(&rules, path);
    let human = common::render(Format::Human, &rules, &report);
    (report, human)
}

#[test]
fn each_fixture_triggers_its_builtin_check() {
    insta::glob!("builtins/*.yaml", |path| {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let rel = format!("tests/builtins/{name}.yaml");
        let (report, human) = check(&rel);
        let codes: Vec<&str> = report.diagnostics().map(|d| d.code.as_str()).collect();
        if name == "clean" {
            assert!(codes.is_empty(), "the clean return raised {codes:?}");
        } else {
            assert!(
                codes.contains(&name),
                "{rel} should raise {name}, raised {codes:?}"
            );
        }
        insta::assert_snapshot!(human);
    });
}

#[test]
fn every_builtin_check_has_a_fixture() {
    for b in ragcheck::checks::BUILTINS.iter() {
        // The checks about waivers are raised over a run, at a waiver:
        // their fixtures are the rule files and returns of tests/waivers.rs.
        let path = match b.id {
            "expired_waiver" | "unused_waiver" => "tests/waivers/rules/waivers.rag".to_string(),
            // Raised across returns of a gathered collection: its fixture
            // is `restated_value_points_at_both_returns` there.
            "restated_value" => "tests/collection.rs".to_string(),
            id => format!("tests/builtins/{id}.yaml"),
        };
        assert!(
            std::path::Path::new(&path).exists(),
            "no fixture for built-in check {}",
            b.id
        );
    }
}

#[test]
fn a_check_set_off_does_not_run() {
    let (mut sources, _) = read_rule_files(&["tests/builtins/rules.rag".into()]);
    sources.push(ragcheck::span::SourceFile::new(
        "off.rag",
        "severity unknown_status off\n",
    ));
    let rules = ragcheck::compile(sources)
        .rules
        .unwrap_or_else(|| panic!("no rules"));
    let report = check_inputs(
        &rules,
        vec![Input::File("tests/builtins/unknown_status.yaml".into())],
        &CheckOptions::default(),
    );
    assert!(report.diagnostics().all(|d| d.code != "unknown_status"));
}
