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
fn every_function_is_in_the_language_reference() {
    let doc = read("docs/language.md");
    for f in ragcheck::functions::FUNCTIONS {
        let row = format!("| `{}` | {} |", f.usage, f.doc);
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

/// A snapshot whose test or input is gone would never be checked again:
/// every `.snap` must name an existing source file that still asserts it,
/// and, for fixture-driven snapshots, an existing input file.
#[test]
fn no_stale_snapshots() {
    let mut stale = Vec::new();
    let mut dirs = vec![
        std::path::PathBuf::from("tests"),
        std::path::PathBuf::from("src"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = path.to_string_lossy().to_string();
            if !name.ends_with(".snap") {
                continue;
            }
            let text = read(&name);
            let header = |key: &str| {
                text.lines()
                    .take_while(|l| !l.is_empty())
                    .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
            };
            match header("source:") {
                Some(src) if std::path::Path::new(&src).exists() => {
                    // The test name is the part of the file name after `__`.
                    let file = path
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    let test = file
                        .trim_end_matches(".snap")
                        .rsplit("__")
                        .next()
                        .unwrap_or("")
                        .split('@')
                        .next()
                        .unwrap_or("")
                        .trim_end_matches(|c: char| c == '-' || c.is_ascii_digit())
                        .to_string();
                    if !read(&src).contains(&test) {
                        stale.push(format!("{name}: `{test}` is no longer in {src}"));
                    }
                }
                other => stale.push(format!("{name}: source {other:?} is gone")),
            }
            if let Some(input) = header("input_file:")
                && !std::path::Path::new(&input).exists()
            {
                stale.push(format!("{name}: input {input} is gone"));
            }
        }
    }
    assert!(stale.is_empty(), "stale snapshots:\n{}", stale.join("\n"));
}

/// The README's example shows real output: running it again gives the
/// same text.
#[test]
fn the_readme_example_output_is_current() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ragcheck"))
        .args(["check", "docs/examples/my-return.yaml", "--color", "never"])
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let readme = read("README.md");
    assert!(
        readme.contains(stdout.as_ref()),
        "README.md's example output is stale (run scripts/update-readme-example); it should read:\n{stdout}"
    );
}
