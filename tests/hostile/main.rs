//! Hostile inputs against the real binary (issue 16, SPEC 5: safe on any
//! input). Each case is generated (`generate.rs`), then ragcheck runs on it
//! under a memory cap (`prlimit --as`, [`MEMORY_CAP`]) and a time limit
//! ([`TIME_LIMIT`]), and the case asserts:
//!
//! - the exit status, and a clear message saying why;
//! - no panic (no `panicked at` on standard error) and no crash;
//! - every input file byte-identical afterwards (ragcheck never writes to
//!   what it reads).
//!
//! Run one with `cargo test --test hostile CASE`; its files stay in
//! `target/tmp/hostile/CASE/`.

// A test fails by panicking: expect is how it says why.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod generate;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use generate::{Run, Stdin};

/// The address space ragcheck may use in a case (512 MiB): a bomb that
/// got through would fail to allocate and abort, which the case catches.
const MEMORY_CAP: u64 = 512 * 1024 * 1024;

/// How long a case may take. Each should finish in well under a second;
/// this is generous for a loaded CI machine and a debug build.
const TIME_LIMIT: Duration = Duration::from_secs(20);

/// What a case ran into.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Outcome {
    fn transcript(&self) -> String {
        format!(
            "exit status: {:?} in {:?}\n----- stdout -----\n{}\n----- stderr -----\n{}",
            self.code,
            self.took,
            cut(&self.stdout),
            cut(&self.stderr)
        )
    }

    fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn cut(text: &str) -> &str {
    match text.char_indices().nth(4000) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The files of a case's folder, each by its size and, up to 64 MiB, its
/// bytes' hash (a sparse 1 GiB file is compared by size and time).
fn fingerprint(dir: &Path) -> BTreeMap<PathBuf, (u64, u64, Option<std::time::SystemTime>)> {
    use std::hash::{Hash, Hasher};
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("a case folder").flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                let hash = if meta.len() <= 64 << 20 {
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    std::fs::read(&path).expect("a case file").hash(&mut h);
                    h.finish()
                } else {
                    0
                };
                out.insert(path, (meta.len(), hash, meta.modified().ok()));
            }
        }
    }
    out
}

/// The binary under test: this build's, or `HOSTILE_BIN` (to show that a
/// case fails on an older ragcheck).
fn binary() -> PathBuf {
    std::env::var_os("HOSTILE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ragcheck")))
}

/// Generate a case into a fresh folder and run ragcheck on it.
fn run_case(name: &str, setup: fn(&Path) -> Run) -> Outcome {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a case folder");
    generate::rules(&dir);
    let run = setup(&dir);
    let before = fingerprint(&dir);

    let mut cmd = Command::new("timeout");
    cmd.arg("--signal=KILL")
        .arg(TIME_LIMIT.as_secs().to_string())
        .arg("prlimit")
        .arg(format!("--as={}", run.memory.unwrap_or(MEMORY_CAP)))
        .arg("--")
        .arg(binary())
        .args(&run.args)
        .arg("--color")
        .arg("never")
        .current_dir(&dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NO_COLOR")
        .env_remove("RAGCHECK_DEBUG_PANIC")
        .envs(run.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match &run.stdin {
        Stdin::Null => {
            cmd.stdin(Stdio::null());
        }
        Stdin::File(path) => {
            cmd.stdin(std::fs::File::open(path).expect("a stdin file"));
        }
        Stdin::Endless => {
            cmd.stdin(Stdio::piped());
        }
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("timeout, prlimit and ragcheck start");
    if let Stdin::Endless = run.stdin {
        let mut pipe = child.stdin.take().expect("a stdin pipe");
        // Written until ragcheck stops reading and the pipe breaks.
        std::thread::spawn(move || {
            let chunk = vec![b'a'; 1 << 20];
            while pipe.write_all(&chunk).is_ok() {}
        });
    }
    let output = child.wait_with_output().expect("ragcheck runs");
    let took = start.elapsed();
    let outcome = Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        took,
    };
    assert_eq!(
        before,
        fingerprint(&dir),
        "the case's files changed\n{}",
        outcome.transcript()
    );
    assert!(
        !outcome.stderr.contains("panicked at") || name == "worker_panic",
        "ragcheck panicked\n{}",
        outcome.transcript()
    );
    assert!(
        outcome.code.is_some() && outcome.code != Some(137) && outcome.code != Some(124),
        "ragcheck was killed (memory or time)\n{}",
        outcome.transcript()
    );
    assert!(
        took < TIME_LIMIT,
        "ragcheck took {took:?}\n{}",
        outcome.transcript()
    );
    outcome
}

/// One test per case: its generator, the exit status, and what the output
/// must say.
macro_rules! hostile {
    ($($name:ident => $code:expr, $says:expr;)*) => {$(
        #[test]
        fn $name() {
            let outcome = run_case(stringify!($name), generate::$name);
            assert_eq!(outcome.code, Some($code), "{}", outcome.transcript());
            for says in $says {
                assert!(
                    outcome.output().contains(says),
                    "the output does not say {says:?}\n{}",
                    outcome.transcript()
                );
            }
        }
    )*};
}

hostile! {
    // Read first, refuse later; hangs.
    fifo_return => 2, ["cannot read `r.yaml`: it is a FIFO (named pipe), not a regular file"];
    fifo_rules => 2, ["cannot read `rules.rag`: it is a FIFO (named pipe), not a regular file"];
    dev_zero => 2, ["cannot read `/dev/zero`: it is a device, not a regular file"];
    sparse_return => 1, ["this return is not read: it is 1 GiB; the most ragcheck reads is 64 MiB"];
    sparse_return_in_folder => 1, ["this return is not read: it is 1 GiB", "1 return,"];
    sparse_rule_file => 2, ["cannot read `big.rag`: it is 1 GiB; the most ragcheck reads is 8 MiB"];
    endless_stdin => 1, ["this return is not read: it holds more than 64 MiB"];

    // Spreadsheet expansion bombs.
    ods_spaces => 1, ["cell Data!A2 expands to 3.8 GiB of text; a cell may hold at most 1 MiB"];
    ods_repeats_spaced => 1, ["this spreadsheet expands to 16384000004 cells; ragcheck reads at most 4000000"];
    ods_repeats_behind_a_gt => 1, ["this spreadsheet expands to 16384000004 cells"];
    ods_repeated_text => 1, ["this spreadsheet's cells expand to more than 64 MiB of text"];
    xlsx_long_shared_string => 1, ["the part `xl/sharedStrings.xml` of this spreadsheet holds a text of more than 2 MiB"];
    xlsx_many_shared_strings => 1, ["this spreadsheet holds more than 4000000 shared strings"];
    xlsx_shared_string_many_cells => 1, ["this spreadsheet's cells expand to more than 64 MiB of text"];

    // Write safety.
    output_onto_stdin => 2, ["`--output r.yaml` is the file read as standard input; ragcheck never writes to the files it checks"];
    output_onto_rule_file_check => 2, ["`--output rules/r.rag` is `rules/r.rag`, a file this run reads"];
    output_onto_rule_file_rules => 2, ["`--output rules/./r.rag` is `rules/r.rag`, a file this run reads"];
    output_onto_rule_file_test => 2, ["`--output rules/r.rag` is `rules/r.rag`, a file this run reads"];
    output_onto_rule_file_explain => 2, ["`--output rules/r.rag` is `rules/r.rag`, a file this run reads"];
    step_summary_onto_input => 2, ["`GITHUB_STEP_SUMMARY", "is `r.yaml`, a file this run reads"];

    // Resources.
    jobs_refused => 2, ["error: cannot start 64 worker threads"];
    jobs_huge => 0, ["warning: --jobs 100000000 is more than ragcheck starts; using 64 workers"];
    worker_panic => 2, [
        "ragcheck failed while checking this file",
        "this is a bug in ragcheck",
        "2 returns",
    ];

    // Rule tests reading files they should not.
    given_file_outside => 2, ["it is outside the folder"];
    given_file_dotdot => 2, ["it is outside the folder"];
}

/// The secret text of `given_file_outside` never reaches the output.
#[test]
fn given_file_outside_prints_nothing_of_the_file() {
    let outcome = run_case("given_file_outside_quiet", generate::given_file_outside);
    assert!(
        !outcome.output().contains("TOP-SECRET-TEXT"),
        "{}",
        outcome.transcript()
    );
}
