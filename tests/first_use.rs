//! A new user's first minutes: `ragcheck check .` in a real repository,
//! the config file, and flags that mean what they say. The real binary,
//! run in folders made for each test.

// A test fails by panicking: expect is how it says why.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{ROOT, Run, command, ragcheck_in, run, temp_dir, write};

mod common;

/// The files of a `--format json` run, in order.
fn files(r: &Run) -> Vec<String> {
    r.json()["returns"]
        .as_array()
        .expect("returns")
        .iter()
        .map(|e| e["file"].as_str().expect("file").to_string())
        .collect()
}

/// A return that raises errors under `tests/cli/rules`.
fn a_return() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("tests/cli/returns/errors.yaml"))
        .expect("the fixture")
}

fn fixture_rules() -> String {
    Path::new(ROOT)
        .join("tests/cli/rules")
        .to_string_lossy()
        .into_owned()
}

/// A returns repository as people keep them: CI workflows, build output
/// that git ignores, an Excel lock file, a hidden folder.
fn a_repository(name: &str) -> PathBuf {
    let repo = temp_dir(name);
    write(
        &repo.join(".github/workflows/ci.yml"),
        "on: push\njobs:\n  check:\n    runs-on: ubuntu-latest\n",
    );
    write(&repo.join(".gitignore"), "/target\n*.tmp.csv\n");
    write(&repo.join("target/debug/copy.yaml"), &a_return());
    write(&repo.join(".cache/old.yaml"), &a_return());
    write(&repo.join("returns/~$q3.xlsx"), "not a workbook");
    write(&repo.join("returns/scratch.tmp.csv"), "not,a,return\n");
    write(&repo.join("returns/2012/q2.yaml"), &a_return());
    write(&repo.join("returns/drafts/q3.yaml"), &a_return());
    write(&repo.join("README.md"), "# Returns\n");
    repo
}

#[test]
fn check_dot_in_a_repository_checks_only_the_returns() {
    let repo = a_repository("repository");
    let rules = fixture_rules();
    let r = ragcheck_in(
        &repo,
        &["check", ".", "--rules", &rules, "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.transcript());
    assert_eq!(
        files(&r),
        ["returns/2012/q2.yaml", "returns/drafts/q3.yaml"],
        "{}",
        r.transcript()
    );
    assert_eq!(r.stderr, "", "{}", r.transcript());

    // Not inside a git repository, and not at its root: the same.
    let r = ragcheck_in(
        &repo.join("returns"),
        &["check", ".", "--rules", &rules, "--format", "json"],
    );
    assert_eq!(files(&r), ["2012/q2.yaml", "drafts/q3.yaml"]);

    // --exclude: a name at any depth, or a path from the working directory.
    for pattern in ["drafts", "returns/drafts", "**/drafts/*.yaml"] {
        let r = ragcheck_in(
            &repo,
            &[
                "check",
                ".",
                "--rules",
                &rules,
                "--format",
                "json",
                "--exclude",
                pattern,
            ],
        );
        assert_eq!(files(&r), ["returns/2012/q2.yaml"], "--exclude {pattern}");
    }

    // --no-ignore walks into what .gitignore leaves out; hidden folders and
    // lock files stay out.
    let r = ragcheck_in(
        &repo,
        &[
            "check",
            ".",
            "--rules",
            &rules,
            "--format",
            "json",
            "--no-ignore",
        ],
    );
    assert_eq!(
        files(&r),
        [
            "returns/2012/q2.yaml",
            "returns/drafts/q3.yaml",
            "returns/scratch.tmp.csv",
            "target/debug/copy.yaml"
        ]
    );
}

#[test]
fn a_file_named_directly_is_always_checked() {
    let repo = a_repository("named");
    let rules = fixture_rules();
    let r = ragcheck_in(
        &repo,
        &[
            "check",
            "target/debug/copy.yaml",
            "returns/drafts/q3.yaml",
            "--exclude",
            "drafts",
            "--rules",
            &rules,
            "--format",
            "json",
        ],
    );
    assert_eq!(
        files(&r),
        ["returns/drafts/q3.yaml", "target/debug/copy.yaml"],
        "{}",
        r.transcript()
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_followed_once_and_loops_are_reported() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir("symlinks");
    let elsewhere = dir.join("elsewhere");
    write(&elsewhere.join("linked.yaml"), &a_return());
    let repo = dir.join("repo");
    write(&repo.join("returns/own.yaml"), &a_return());
    symlink(&elsewhere, repo.join("returns/shared")).unwrap();
    symlink(elsewhere.join("linked.yaml"), repo.join("returns/one.yaml")).unwrap();
    symlink("..", repo.join("returns/up")).unwrap();
    let rules = fixture_rules();
    let r = ragcheck_in(
        &repo,
        &["check", ".", "--rules", &rules, "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.transcript());
    assert_eq!(
        files(&r),
        [
            "returns/one.yaml",
            "returns/own.yaml",
            "returns/shared/linked.yaml"
        ]
    );
    assert_eq!(
        r.stderr,
        "warning: `returns/up` is a symbolic link back to `.` (a symlink loop); \
         not followed again\n"
    );

    // A loop, or a link to nothing, named directly: said as it is.
    symlink("loop.yaml", repo.join("loop.yaml")).unwrap();
    symlink("gone.yaml", repo.join("dangling.yaml")).unwrap();
    let r = ragcheck_in(
        &repo,
        &[
            "check",
            "loop.yaml",
            "dangling.yaml",
            "--rules",
            &rules,
            "-q",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.transcript());
    assert_eq!(
        r.stderr,
        "error: cannot read `dangling.yaml`: a symbolic link to `gone.yaml`, which does not exist\n\
         error: cannot read `loop.yaml`: a symbolic link `loop.yaml` that leads back to itself \
         (a symlink loop)\n"
    );
}

#[test]
fn a_missing_input_is_one_line_and_the_run_goes_on() {
    let dir = temp_dir("missing_input");
    write(&dir.join("q2.yaml"), &a_return());
    let rules = fixture_rules();
    let r = ragcheck_in(
        &dir,
        &["check", "nope.yaml", "q2.yaml", "--rules", &rules, "-q"],
    );
    assert_eq!(r.code, 2, "{}", r.transcript());
    assert_eq!(
        r.stderr,
        "error: cannot read `nope.yaml`: no such file or folder\n"
    );
    assert!(r.stdout.contains("q2.yaml"), "{}", r.transcript());
}

#[test]
fn a_missing_rules_folder_says_how_to_point_at_rules() {
    let dir = temp_dir("no_rules");
    write(&dir.join("q2.yaml"), &a_return());
    let r = ragcheck_in(&dir, &["check", "q2.yaml"]);
    assert_eq!(r.code, 2, "{}", r.transcript());
    assert_eq!(
        r.stderr,
        "error: no rules: there is no `rules` folder here\n  \
         help: point at your rules with `--rules PATH`, or set `rules = [\"PATH\"]` in \
         ragcheck.toml\n"
    );
}

// ---------------------------------------------------------------------------
// The config file
// ---------------------------------------------------------------------------

/// A project with its rules in `policy/` and a config file saying so.
fn a_project(name: &str, config_name: &str, config: &str) -> PathBuf {
    let dir = temp_dir(name);
    let rules = std::fs::read_to_string(Path::new(ROOT).join("tests/cli/rules/satisfaction.rag"))
        .expect("the fixture");
    write(&dir.join("policy/satisfaction.rag"), &rules);
    write(&dir.join("returns/q2.yaml"), &a_return());
    write(&dir.join("returns/drafts/q3.yaml"), &a_return());
    write(&dir.join(config_name), config);
    dir
}

#[test]
fn ragcheck_toml_is_found_from_a_folder_below_it() {
    let dir = a_project(
        "ragcheck_toml",
        "ragcheck.toml",
        "rules = [\"policy\"]\nformat = \"json\"\nexclude = [\"returns/drafts\"]\nfail-on = \"never\"\n",
    );
    let r = ragcheck_in(&dir.join("returns"), &["check", "."]);
    assert_eq!(r.code, 0, "{}", r.transcript());
    assert_eq!(files(&r), ["q2.yaml"], "{}", r.transcript());

    // Flags override the file.
    let r = ragcheck_in(&dir.join("returns"), &["check", ".", "--fail-on", "error"]);
    assert_eq!(r.code, 1, "{}", r.transcript());

    let r = ragcheck_in(
        &dir.join("returns"),
        &["check", "--show-settings", "--fail-on", "warning"],
    );
    assert_eq!(r.code, 0, "{}", r.transcript());
    insta::assert_snapshot!(r.stdout, @r"
    config file: ../ragcheck.toml
    rules              ../policy         (../ragcheck.toml)
    format             json              (../ragcheck.toml)
    output             standard output   (default)
    fail-on            warning           (--fail-on)
    jobs               0 (one per core)  (default)
    color              auto              (default)
    quiet              false             (default)
    exclude            returns/drafts    (../ragcheck.toml)
    respect-gitignore  true              (default)
    layout             (none)            (default)
    ");

    // --no-config: defaults only, so no ./rules here.
    let r = ragcheck_in(&dir, &["check", ".", "--no-config"]);
    assert_eq!(r.code, 2, "{}", r.transcript());
    assert!(r.stderr.contains("no `rules` folder"), "{}", r.transcript());
}

#[test]
fn pyproject_tool_ragcheck_is_read_and_other_tables_are_not() {
    let dir = a_project(
        "pyproject",
        "pyproject.toml",
        "[project]\nname = \"returns\"\n\n[tool.ruff]\nline-length = 88\n\n\
         [tool.ragcheck]\nrules = [\"policy\"]\nformat = \"json\"\n",
    );
    let r = ragcheck_in(&dir, &["check", "returns"]);
    assert_eq!(r.code, 1, "{}", r.transcript());
    assert_eq!(files(&r), ["returns/drafts/q3.yaml", "returns/q2.yaml"]);

    // A pyproject.toml without [tool.ragcheck] is passed over.
    write(
        &dir.join("returns/pyproject.toml"),
        "[project]\nname = \"x\"\n",
    );
    let r = ragcheck_in(&dir.join("returns"), &["check", "--show-settings"]);
    assert!(
        r.stdout.starts_with("config file: ../pyproject.toml\n"),
        "{}",
        r.transcript()
    );
}

#[test]
fn a_bad_config_file_is_one_clear_error() {
    let dir = a_project(
        "bad_config",
        "ragcheck.toml",
        "rules = [\"policy\"]\nfail_on = \"warning\"\n",
    );
    let r = ragcheck_in(&dir, &["check", "returns"]);
    assert_eq!(r.code, 2, "{}", r.transcript());
    assert_eq!(
        r.stderr,
        "error: `ragcheck.toml`, line 2: unknown field `fail_on`, expected one of `rules`, \
         `format`, `fail-on`, `jobs`, `color`, `exclude`, `respect-gitignore`, `layout`\n"
    );
    write(&dir.join("ragcheck.toml"), "format = \"xml\"\n");
    let r = ragcheck_in(&dir, &["check", "returns"]);
    assert_eq!(r.code, 2, "{}", r.transcript());
    assert!(
        r.stderr.starts_with(
            "error: `ragcheck.toml`, line 1: unknown format `xml`, expected one of `human`"
        ),
        "{}",
        r.transcript()
    );
}

// ---------------------------------------------------------------------------
// Flags that mean what they say
// ---------------------------------------------------------------------------

#[test]
fn a_flag_that_does_not_apply_is_refused() {
    let root = Path::new(ROOT);
    for (args, message) in [
        (
            &["fmt", "--check", "--fail-on", "warning"][..],
            "error: `--fail-on` does not apply to `ragcheck fmt`\n",
        ),
        (
            &["explain", "status_mismatch", "--format", "json"][..],
            "error: `--format` does not apply to `ragcheck explain`\n",
        ),
        (
            &["test", "--format", "json"][..],
            "error: `--format` does not apply to `ragcheck test`\n",
        ),
        (
            &["rules", "--jobs", "2"][..],
            "error: `--jobs` does not apply to `ragcheck rules`\n",
        ),
        (
            &["rules", "--format", "sarif"][..],
            "error: `ragcheck rules` writes `human` or `json`, not `sarif`\n",
        ),
    ] {
        let r = ragcheck_in(root, args);
        assert_eq!((r.code, r.stderr.as_str()), (2, message), "{args:?}");
    }
}

#[test]
fn dash_output_is_standard_output() {
    let r = ragcheck_in(
        Path::new(ROOT),
        &[
            "check",
            "tests/cli/returns/clean.yaml",
            "--rules",
            "tests/cli/rules",
            "-o",
            "-",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.transcript());
    assert!(r.stdout.contains("1 return"), "{}", r.transcript());
    assert!(!Path::new(ROOT).join("-").exists());
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    // `ragcheck … | head`: the reader goes before anything is written.
    for args in [
        &["check", "samples/", "--color", "never"][..],
        &["check", "samples/", "--format", "json"][..],
        &["rules", "--color", "never"][..],
        &["explain", "status_mismatch"][..],
    ] {
        let mut child = command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("it ends");
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).as_ref()
            ),
            (Some(0), ""),
            "{args:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// fmt on a Windows checkout
// ---------------------------------------------------------------------------

#[test]
fn fmt_check_passes_on_a_windows_checkout_of_formatted_rules() {
    let dir = temp_dir("crlf");
    let mut copies = Vec::new();
    let rules = Path::new(ROOT).join("rules");
    for entry in walk(&rules) {
        let text = std::fs::read_to_string(&entry).expect("a rule file");
        let windows = format!("\u{FEFF}{}", text.replace('\n', "\r\n"));
        let copy = dir.join(entry.strip_prefix(&rules).expect("under rules/"));
        write(&copy, &windows);
        copies.push((copy, windows));
    }
    assert!(!copies.is_empty());
    let r = ragcheck_in(&dir, &["fmt", "--check", "."]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.transcript());
    let r = ragcheck_in(&dir, &["fmt", "."]);
    assert_eq!(r.code, 0, "{}", r.transcript());
    for (copy, windows) in copies {
        assert_eq!(std::fs::read_to_string(&copy).expect("read"), windows);
    }
}

/// Every `.rag` file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|x| x == "rag") {
            out.push(path);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Machine-readable catalogue, completions, man page
// ---------------------------------------------------------------------------

#[test]
fn rules_format_json_is_a_catalogue_of_measures_and_checks() {
    let r = ragcheck_in(
        Path::new(ROOT),
        &["rules", "--rules", "tests/cli/rules", "--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.transcript());
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let ids = |key: &str| -> Vec<String> {
        json[key]
            .as_array()
            .expect("a list")
            .iter()
            .map(|e| e["id"].as_str().expect("an id").to_string())
            .collect()
    };
    assert_eq!(ids("measures"), ["satisfaction"]);
    let checks = ids("checks");
    // Every built-in check, then the rule set's own.
    for b in ragcheck::checks::BUILTINS.iter() {
        assert!(checks.contains(&b.id.to_string()), "{} missing", b.id);
    }
    let own: Vec<&serde_json::Value> = json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["builtin"] == false)
        .collect();
    assert!(!own.is_empty());
    for c in own {
        assert!(c["rule"]["file"].as_str().is_some(), "{c}");
        assert!(c["scope"].as_str().is_some(), "{c}");
    }
    let measure = &json["measures"][0];
    insta::assert_snapshot!(serde_json::to_string_pretty(measure).unwrap(), @r#"
    {
      "about": null,
      "bands": [
        {
          "status": "green",
          "text": "green when value >= target"
        },
        {
          "status": "amber",
          "text": "amber when value >= target - 10%"
        },
        {
          "status": "red",
          "text": "red otherwise"
        }
      ],
      "better": "higher",
      "cumulative": false,
      "id": "satisfaction",
      "required": false,
      "rule": {
        "column": 9,
        "file": "tests/cli/rules/satisfaction.rag",
        "line": 4
      },
      "target": "90%",
      "title": "Residents satisfied with the service",
      "unit": "percent"
    }
    "#);
}

#[test]
fn rules_format_json_lists_layouts_and_waivers() {
    let r = ragcheck_in(
        Path::new(ROOT),
        &["rules", "--rules", "rules", "--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.transcript());
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let layouts: Vec<(&str, &str)> = json["layouts"]
        .as_array()
        .expect("layouts")
        .iter()
        .map(|l| {
            (
                l["name"].as_str().expect("a name"),
                l["shape"].as_str().expect("a shape"),
            )
        })
        .collect();
    for name in ["benchmarking", "outcomes"] {
        assert!(
            layouts.contains(&(name, "long")),
            "{name} missing: {layouts:?}"
        );
    }
    assert!(
        layouts.iter().any(|(_, shape)| *shape == "wide"),
        "{layouts:?}"
    );

    let r = ragcheck_in(
        Path::new(ROOT),
        &[
            "rules",
            "--rules",
            "tests/waivers/rules",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.transcript());
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let first = &json["waivers"][0];
    assert_eq!(json["waivers"].as_array().map(Vec::len), Some(3));
    assert_eq!(first["check"], "status_mismatch");
    assert_eq!(first["measure"], "appraisals");
    assert_eq!(first["organisation"], "Leeds City Council");
    assert_eq!(first["until"], "2012/13 Q2");
    assert_eq!(first["approved"], "Head of Performance");
    assert!(first["rule"]["line"].as_u64().is_some(), "{first}");
    assert_eq!(json["waivers"][1]["measure"], serde_json::Value::Null);
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definitions() {
    let root = Path::new(ROOT);
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = ragcheck_in(root, &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.transcript());
        for word in ["check", "explain", "fail-on", "show-settings"] {
            assert!(r.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    let r = ragcheck_in(root, &["man"]);
    assert_eq!(r.code, 0, "{}", r.transcript());
    assert!(
        r.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &r.stdout[..200]
    );
    assert!(r.stdout.contains(".TH ragcheck 1"), "no title line");
    for word in ["\\-\\-rules", "\\-\\-fail\\-on", "ragcheck\\-check(1)"] {
        assert!(r.stdout.contains(word), "the man page lacks {word}");
    }
}

// ---------------------------------------------------------------------------
// Terminal output
// ---------------------------------------------------------------------------

/// `ragcheck ARGS` from the repository root with `COLUMNS` set.
fn ragcheck_columns(columns: &str, args: &[&str]) -> Run {
    run(command(args).env("COLUMNS", columns))
}

#[test]
fn human_output_wraps_to_columns_between_words_only() {
    let r = ragcheck_columns(
        "60",
        &["check", "docs/examples/my-return.yaml", "--color", "never"],
    );
    assert_eq!(r.code, 1, "{}", r.transcript());
    // Every word and every path of the 100-column output is still whole.
    let wide = ragcheck_columns(
        "100",
        &["check", "docs/examples/my-return.yaml", "--color", "never"],
    );
    let words = |text: &str| -> Vec<String> {
        text.split_whitespace()
            .filter(|w| {
                w.chars()
                    .all(|c| c.is_alphanumeric() || "./-_:`%£".contains(c))
            })
            .map(str::to_string)
            .collect()
    };
    let narrow_words = words(&r.stdout);
    for w in words(&wide.stdout) {
        assert!(
            narrow_words.contains(&w),
            "`{w}` was broken at 60 columns:\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout.contains("rules/measures/leeds-cap.rag:22"),
        "{}",
        r.stdout
    );
    // Prose wraps: no message or help line passes 60 columns (a line of
    // the return itself is shown as it is).
    for line in r.stdout.lines() {
        let prose = line.trim_start().starts_with("help:")
            || line.trim_start().starts_with('×')
            || line.trim_start().starts_with('│');
        if prose {
            assert!(line.chars().count() <= 60, "too wide: {line:?}");
        }
    }
    insta::assert_snapshot!(
        r.stdout.lines().filter(|l| l.contains("help:") || l.starts_with("        ")).collect::<Vec<_>>().join("\n"),
        @r"
    help: check the Q4 value and the status; the bands of
          `appraisals` are at
          rules/measures/leeds-cap.rag:22
    help: a typing slip? 945 may be meant as 94.5% or 94%
    help: check for a slipped digit or a missing decimal
          point
    help: did you mean `£617 underspend`?
    "
    );
}

#[test]
fn concise_output_is_one_line_per_diagnostic() {
    let r = ragcheck_columns(
        "40",
        &[
            "check",
            "docs/examples/my-return.yaml",
            "--format",
            "concise",
            "--color",
            "never",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.transcript());
    insta::assert_snapshot!(r.stdout, @r"
    docs/examples/my-return.yaml:6:13: error[status_mismatch] measure `appraisals` is declared Amber, but its thresholds give green for 945 at Q4
    docs/examples/my-return.yaml:13:11: error[percent_range] a percentage must lie between 0% and 100%, found 945
    docs/examples/my-return.yaml:13:11: warning[sudden_jump] appraisals: 945 is more than five times the previous quarter's value
    docs/examples/my-return.yaml:18:11: error[unparseable_value] `£617, unders` is not a value: unrecognised text after the amount: `, unders`
    1 return, 2 measures: 3 errors, 1 warning, 0 infos
    ");
}

#[test]
fn statistics_count_each_check() {
    let r = ragcheck_columns(
        "100",
        &[
            "check",
            "docs/examples/my-return.yaml",
            "nope.yaml",
            "--statistics",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.transcript());
    insta::assert_snapshot!(r.stdout, @r"
    count  severity  check
        1  error     percent_range
        1  error     status_mismatch
        1  warning   sudden_jump
        1  error     unparseable_value

    1 return, 2 measures: 3 errors, 1 warning, 0 infos; 1 path not read
    ");
    assert_eq!(
        r.stderr,
        "error: cannot read `nope.yaml`: no such file or folder\n"
    );
    let r = ragcheck_columns(
        "100",
        &["check", "samples/", "--statistics", "--format", "sarif"],
    );
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            2,
            "error: `--statistics` applies to `human` and `concise` output, not `sarif`\n"
        )
    );
}

#[test]
fn help_describes_every_argument_and_gives_examples() {
    let root = Path::new(ROOT);
    let top = ragcheck_in(root, &["--help"]);
    assert!(top.stdout.contains("Examples:"), "{}", top.stdout);
    for sub in [
        "check",
        "rules",
        "test",
        "fmt",
        "explain",
        "completions",
        "man",
    ] {
        let r = ragcheck_in(root, &[sub, "--help"]);
        assert_eq!(r.code, 0, "{sub}: {}", r.transcript());
        let mut in_list = false;
        for line in r.stdout.lines() {
            if line == "Arguments:" || line == "Options:" {
                in_list = true;
                continue;
            }
            if line.is_empty() || !line.starts_with(' ') {
                in_list = false;
                continue;
            }
            // An entry: the argument, then two spaces or more, then what
            // it is for. A continuation line is indented further.
            let entry = line.trim_start();
            if in_list && line.len() - entry.len() <= 6 {
                let described = entry
                    .split_once("  ")
                    .is_some_and(|(_, help)| !help.trim().is_empty());
                assert!(
                    described,
                    "`ragcheck {sub} --help`: no description for {entry:?}"
                );
            }
        }
    }
    let check = ragcheck_in(root, &["check", "--help"]);
    assert!(
        check
            .stdout
            .contains("Examples:\n  ragcheck check returns/"),
        "{}",
        check.stdout
    );
}
