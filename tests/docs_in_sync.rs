//! Documentation that mirrors the code must not drift from it.

use ragcheck::checks::BUILTINS;

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_builtin_check_is_in_the_language_reference_with_its_severity() {
    let doc = read("docs/language.md");
    for b in BUILTINS.iter() {
        let row = format!("| `{}` | {} |", b.id, b.severity);
        assert!(doc.contains(&row), "docs/language.md lacks the row `{row}`");
    }
}

#[test]
fn every_compile_error_code_is_documented_and_has_an_example() {
    let doc = read("docs/language.md");
    let mut codes = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir("tests/rules/bad").unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let text = read(&path.to_string_lossy());
        let compiled = ragcheck::compile(vec![ragcheck::span::SourceFile::new("x.rag", text)]);
        for d in compiled.diagnostics {
            codes.insert(d.code);
        }
    }
    for code in &codes {
        assert!(
            doc.contains(&format!("| `{code}` |")),
            "docs/language.md does not document `{code}`"
        );
    }
    // The kinds SPEC 3.7 asks for all have an example file.
    for code in [
        "syntax_error",
        "unknown_name",
        "unknown_function",
        "unit_error",
        "missing_otherwise",
        "unreachable_band",
        "band_gap",
        "duplicate_id",
        "reserved_name",
        "bad_regex",
        "conflicting_severity",
    ] {
        assert!(
            codes.contains(code),
            "no example in tests/rules/bad raises `{code}`"
        );
    }
}

#[test]
fn every_builtin_check_has_docs_with_an_example() {
    for b in BUILTINS.iter() {
        assert!(b.docs.contains("What it does:"), "{}", b.id);
        assert!(b.docs.contains("Why:"), "{}", b.id);
        assert!(b.docs.contains("Example:"), "{}", b.id);
    }
}
