//! Every console example in the documentation is run, and its output must
//! be what the documentation shows.
//!
//! The convention (also in docs/ARCHITECTURE.md, "Documentation that is
//! tested"):
//!
//! - Only ```` ```console ```` blocks in `README.md` and `docs/*.md` are run.
//!   In such a block a line starting with `$ ` is a command; the lines after
//!   it, up to the next command or the end of the block, are its output
//!   (standard output and standard error, as a terminal shows them).
//! - Commands run with `sh`, one block as one script, from the repository
//!   root, with the `ragcheck` this test suite built first on the `PATH`,
//!   no colour, no `COLUMNS` (so 100 columns) and no `NO_COLOR`. `cargo run
//!   --release --` at the start of a command stands for `ragcheck`.
//!   `echo $?` shows the previous command's exit status.
//! - Trailing spaces and trailing blank lines are not compared. A line
//!   that is only `...` in the documented output stands for any number of
//!   lines (an excerpt).
//! - A block that cannot run in a test (it needs the network, a terminal or
//!   a file the reader makes) is marked, on the line just before it, with
//!   `<!-- docs-test: skip REASON -->`; the reason is required.

// A test fails by panicking: expect is how it says why.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One console block.
struct Block {
    /// `docs/guide.md:385`: where the block starts.
    place: String,
    /// Each command and the output documented for it.
    steps: Vec<(String, String)>,
}

/// The documents whose console blocks are run.
fn documents() -> Vec<PathBuf> {
    let mut docs = vec![Path::new(ROOT).join("README.md")];
    let mut more: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .unwrap_or_else(|e| panic!("docs/: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    more.sort();
    docs.extend(more);
    docs
}

/// The console blocks of a document, and the skipped ones with their
/// reasons.
fn blocks(path: &Path) -> (Vec<Block>, Vec<(String, String)>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path
        .strip_prefix(ROOT)
        .unwrap_or(path)
        .display()
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let (mut found, mut skipped) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        if !fence.starts_with("```") {
            i += 1;
            continue;
        }
        let indent = lines[i].len() - fence.len();
        let console = fence.trim_start_matches('`').trim() == "console";
        let start = i;
        i += 1;
        let mut body = Vec::new();
        while i < lines.len() && !lines[i].trim_start().starts_with("```") {
            body.push(lines[i].get(indent..).unwrap_or("").to_string());
            i += 1;
        }
        i += 1;
        if !console {
            continue;
        }
        let place = format!("{name}:{}", start + 1);
        let marker = start
            .checked_sub(1)
            .map(|j| lines[j].trim())
            .and_then(|l| l.strip_prefix("<!-- docs-test: skip"))
            .and_then(|l| l.strip_suffix("-->"));
        if let Some(reason) = marker {
            assert!(
                !reason.trim().is_empty(),
                "{place}: a skipped console block must say why"
            );
            skipped.push((place, reason.trim().to_string()));
            continue;
        }
        let mut steps: Vec<(String, String)> = Vec::new();
        for line in body {
            match line.strip_prefix("$ ") {
                Some(command) => steps.push((command.to_string(), String::new())),
                None => match steps.last_mut() {
                    Some((_, output)) => {
                        output.push_str(&line);
                        output.push('\n');
                    }
                    None => panic!(
                        "{place}: a console block must start with a `$ ` command \
                         (output alone goes in a ```text block)"
                    ),
                },
            }
        }
        found.push(Block { place, steps });
    }
    (found, skipped)
}

/// The command as run: `cargo run --release --` is the built binary.
fn command_line(command: &str) -> String {
    for prefix in ["cargo run --release -- ", "cargo run -- "] {
        if let Some(rest) = command.strip_prefix(prefix) {
            return format!("ragcheck {rest}");
        }
    }
    command.to_string()
}

/// Run a block's commands as one script; each command's output, in order.
fn run(block: &Block) -> Vec<String> {
    const MARK: &str = "@@docs-test-step@@";
    let mut script = String::from("__status=0\n");
    for (command, _) in &block.steps {
        script.push_str(&format!(
            "echo '{MARK}'\n(exit $__status)\n{{ {}\n}} 2>&1\n__status=$?\n",
            command_line(command)
        ));
    }
    let binary = Path::new(env!("CARGO_BIN_EXE_ragcheck"));
    let bin_dir = binary.parent().expect("the binary's folder");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(ROOT)
        .env("PATH", std::env::join_paths(paths).expect("a PATH"))
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("RAYON_NUM_THREADS")
        .stdin(Stdio::null())
        .output()
        .expect("sh runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split(&format!("{MARK}\n"))
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// Text as compared: no trailing spaces on a line, no trailing blank lines.
fn normalise(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    lines[..end].join("\n")
}

/// Whether `actual` is what `documented` shows, where a `...` line of
/// `documented` stands for any number of lines.
fn matches(documented: &[&str], actual: &[&str]) -> bool {
    match documented.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => (0..=actual.len()).any(|skip| matches(rest, &actual[skip..])),
        Some((line, rest)) => actual.first() == Some(line) && matches(rest, &actual[1..]),
    }
}

/// Where two texts first differ, for the failure message.
fn first_difference(documented: &str, actual: &str) -> String {
    let (d, a): (Vec<&str>, Vec<&str>) = (documented.lines().collect(), actual.lines().collect());
    let n = d.iter().zip(&a).take_while(|(x, y)| x == y).count();
    format!(
        "first difference at output line {}:\n  documented: {:?}\n  actual:     {:?}",
        n + 1,
        d.get(n).copied().unwrap_or("(end of output)"),
        a.get(n).copied().unwrap_or("(end of output)")
    )
}

#[test]
fn every_console_example_in_the_docs_gives_the_output_shown() {
    let mut drifted = Vec::new();
    let mut ran = 0;
    for doc in documents() {
        let (found, _skipped) = blocks(&doc);
        for block in found {
            let outputs = run(&block);
            assert_eq!(
                outputs.len(),
                block.steps.len(),
                "{}: the block's script did not run to the end",
                block.place
            );
            for ((command, documented), actual) in block.steps.iter().zip(outputs) {
                ran += 1;
                let (documented, actual) = (normalise(documented), normalise(&actual));
                let (d, a): (Vec<&str>, Vec<&str>) =
                    (documented.lines().collect(), actual.lines().collect());
                if !matches(&d, &a) {
                    drifted.push(format!(
                        "{}: `$ {command}` drifted; {}\n----- actual output -----\n{actual}\n",
                        block.place,
                        first_difference(&documented, &actual)
                    ));
                }
            }
        }
    }
    assert!(ran > 0, "no console examples found");
    assert!(
        drifted.is_empty(),
        "{} documented command(s) no longer print what the docs show (update the docs, \
         or mark a block that cannot run with `<!-- docs-test: skip REASON -->`):\n\n{}",
        drifted.len(),
        drifted.join("\n")
    );
}

#[test]
fn the_convention_is_followed() {
    // `$ ` commands belong in ```console blocks, where they are run; a plain
    // block of `$ ` lines would never be checked.
    let mut plain = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap_or_else(|e| panic!("{e}"));
        let name = doc.strip_prefix(ROOT).unwrap_or(&doc).display().to_string();
        let mut fence: Option<(usize, String)> = None;
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("```") {
                fence = match fence {
                    None => Some((i + 1, t.trim_start_matches('`').trim().to_string())),
                    Some(_) => None,
                };
            } else if let Some((start, lang)) = &fence
                && t.starts_with("$ ")
                && lang != "console"
                && lang != "sh"
            {
                plain.push(format!("{name}:{start} (```{lang})"));
            }
        }
    }
    plain.dedup();
    assert!(
        plain.is_empty(),
        "blocks with `$ ` commands that are not ```console (so never run): {plain:?}"
    );
}
