//! Every compile error kind, rendered as the user sees it.
//!
//! Each file in `tests/rules/bad/` is compiled alone; its diagnostics are
//! rendered without colour and snapshot-tested.

use std::sync::Arc;

use ragcheck::render::{self, RenderOptions};
use ragcheck::span::SourceFile;

fn render(sources: Vec<SourceFile>) -> String {
    let texts: Vec<(Arc<str>, Arc<str>)> = sources
        .iter()
        .map(|s| (s.path.clone(), s.text.clone()))
        .collect();
    let compiled = ragcheck::compile(sources);
    assert!(compiled.rules.is_none(), "a bad rule file compiled");
    let lookup = |p: &str| {
        texts
            .iter()
            .find(|(path, _)| path.as_ref() == p)
            .map(|(_, t)| t.clone())
    };
    let mut out = Vec::new();
    let opts = RenderOptions::default();
    render::human::diagnostics(&compiled.diagnostics, &lookup, &opts, &mut out)
        .unwrap_or_else(|e| panic!("render failed: {e}"));
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn bad_rule_files() {
    insta::glob!("rules/bad/*.rag", |path| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let name = format!(
            "tests/rules/bad/{}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("")
        );
        insta::assert_snapshot!(render(vec![SourceFile::new(name, text)]));
    });
}

#[test]
fn conflicting_severities_across_files_are_an_error() {
    let out = render(vec![
        SourceFile::new("a.rag", "severity unknown_measure off\n"),
        SourceFile::new("b.rag", "severity unknown_measure error\n"),
    ]);
    assert!(out.contains("conflicting_severity"), "{out}");
    assert!(out.contains("a.rag:1:1"), "{out}");
    assert!(out.contains("b.rag:1:1"), "{out}");
}

#[test]
fn every_file_is_compiled_and_every_error_reported() {
    let out = render(vec![
        SourceFile::new("a.rag", "measure m {\n  unit percnt\n}\n"),
        SourceFile::new(
            "b.rag",
            "measure n {\n  unit percent\n  green when value > 5\n  red otherwise\n}\n",
        ),
        SourceFile::new("c.rag", "check c {\n  error when\n}\n"),
    ]);
    assert!(out.contains("unknown_unit"), "{out}");
    assert!(out.contains("unit_error"), "{out}");
    assert!(out.contains("syntax_error"), "{out}");
    assert!(out.contains("3 errors"), "{out}");
}
