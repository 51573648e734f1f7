//! The harness the integration tests share: the real binary run as a user
//! runs it ([`ragcheck`], [`Run`]), folders of a test's own, and fixture
//! rules compiled and checked through the library.
//!
//! A test file takes it with `mod common;` and `use common::*`-style
//! imports of what it needs. Every test file is its own crate, and most use
//! only part of the harness, hence the `dead_code` allowance below.

// Each test crate uses part of the harness; the rest is dead code there.
#![allow(dead_code)]
// A test fails by panicking: expect is how it says why.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ragcheck::engine::{CheckOptions, Input, check_inputs};
use ragcheck::render::{self, Format, RenderOptions};
use ragcheck::report::Report;
use ragcheck::rules_io::read_rule_files;
use serde_json::Value;

/// The repository root: the binary runs here unless a test says otherwise.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from_output(out: Output) -> Run {
        Run {
            code: out.status.code().expect("an exit status, not a signal"),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// The exit status and both streams, for snapshots.
    pub fn transcript(&self) -> String {
        format!(
            "exit status: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Standard output, read as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.transcript()))
    }
}

/// `ragcheck ARGS` from the repository root, not yet run.
pub fn command(args: &[&str]) -> Command {
    command_in(Path::new(ROOT), args)
}

/// `ragcheck ARGS` in `dir`, not yet run, with nothing inherited from the
/// environment that changes its output (a CI runner sets
/// `GITHUB_STEP_SUMMARY`; a user may set `NO_COLOR` or `COLUMNS`) and
/// nothing on standard input. A test that wants one of them sets it on the
/// command.
pub fn command_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ragcheck"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .env_remove("RAYON_NUM_THREADS")
        .stdin(Stdio::null());
    cmd
}

/// Run a command to its end.
pub fn run(cmd: &mut Command) -> Run {
    Run::from_output(cmd.output().expect("the binary runs"))
}

/// Run a command with `input` on its standard input.
pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Run {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("a stdin pipe")
        .write_all(input)
        .expect("writing stdin");
    Run::from_output(child.wait_with_output().expect("the binary runs"))
}

/// `ragcheck ARGS` from the repository root.
pub fn ragcheck(args: &[&str]) -> Run {
    run(&mut command(args))
}

/// `ragcheck ARGS` in `dir`.
pub fn ragcheck_in(dir: &Path, args: &[&str]) -> Run {
    run(&mut command_in(dir, args))
}

/// `ragcheck ARGS` from the repository root, with `input` on standard
/// input.
pub fn ragcheck_stdin(args: &[&str], input: &[u8]) -> Run {
    run_with_stdin(&mut command(args), input)
}

/// A fresh, empty folder of this test's own, under the test crate's name
/// in Cargo's temporary folder.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(env!("CARGO_CRATE_NAME"))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a temp folder");
    dir
}

/// Write a fixture file, making its folder first.
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("a folder");
    std::fs::write(path, text).expect("writing a fixture");
}

/// The rules of a fixture file or folder (from the repository root),
/// compiled; a test fails if they do not read or compile.
pub fn rules(path: &str) -> ragcheck::Program {
    let (sources, errors) = read_rule_files(&[path.into()]);
    assert!(errors.is_empty(), "{errors:?}");
    let compiled = ragcheck::compile(sources);
    match compiled.rules {
        Some(rules) => rules,
        None => panic!("{path} does not compile: {:#?}", compiled.diagnostics),
    }
}

/// Check one file with `rules`, keeping its text for human output.
pub fn check_file(rules: &ragcheck::Program, path: &str) -> Report {
    check_inputs(
        rules,
        vec![Input::File(path.into())],
        &CheckOptions {
            keep_sources: true,
            ..CheckOptions::default()
        },
    )
}

/// A report rendered in a format, as `ragcheck check` renders it with
/// default options.
pub fn render(format: Format, rules: &ragcheck::Program, report: &Report) -> String {
    let mut out = Vec::new();
    render::report(
        format,
        report,
        &rules.catalogue(),
        &RenderOptions::default(),
        &mut out,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(out).expect("the output is UTF-8")
}

/// A validator of the JSON output's schema (`docs/json-output.md`).
pub fn json_schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("../data/ragcheck-output.schema.json"))
        .expect("the schema is JSON");
    validator(&schema)
}

/// A validator of the official SARIF schema, with the `language` pattern
/// corrected as SARIF 2.1.0 Errata 01 did (see `tests/data/README.md`).
pub fn sarif_schema() -> jsonschema::Validator {
    const PUBLISHED: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    const CORRECTED: &str = r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#;
    let text = include_str!("../data/sarif-schema-2.1.0.json");
    assert_eq!(text.matches(PUBLISHED).count(), 2);
    let schema: Value =
        serde_json::from_str(&text.replace(PUBLISHED, CORRECTED)).expect("the schema is JSON");
    validator(&schema)
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the schema compiles")
}

/// Fail, saying where, unless `doc` is valid under the schema.
pub fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

/// The next number of splitmix64 from `state`: the same generated data on
/// every machine, without a dependency.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
