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

/// GNU time, to measure a case's processor time and peak memory.
const GNU_TIME: &str = "/usr/bin/time";

/// The address space ragcheck may use in a case (512 MiB): a bomb that
/// got through would fail to allocate and abort, which the case catches.
const MEMORY_CAP: u64 = 512 * 1024 * 1024;

/// The processor time (user and system) a case may take: each finishes in
/// well under a second in a release build; this is room for a debug one.
const CPU_LIMIT: Duration = Duration::from_secs(10);

/// The wall-clock time after which a case is killed (a hang): generous,
/// since a CI machine may be loaded.
const TIME_LIMIT: Duration = Duration::from_secs(120);

/// What a case ran into.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
    /// Processor time and peak memory (KiB), when `/usr/bin/time` is there
    /// to measure them.
    cpu: Option<Duration>,
    peak_kib: Option<u64>,
}

impl Outcome {
    fn transcript(&self) -> String {
        format!(
            "exit status: {:?} in {:?} ({:?} of processor time, {:?} KiB at most)\n----- stdout -----\n{}\n----- stderr -----\n{}",
            self.code,
            self.took,
            self.cpu,
            self.peak_kib,
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
        .arg("--");
    let timing = dir.with_extension("time");
    let measured = Path::new(GNU_TIME).exists();
    if measured {
        cmd.arg(GNU_TIME)
            .arg("--format=%U %S %M")
            .arg(format!("--output={}", timing.display()));
    }
    cmd.arg(binary())
        .args(&run.args)
        .arg("--color")
        .arg("never")
        .current_dir(&dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NO_COLOR")
        .env_remove("RAGCHECK_DEBUG_PANIC")
        // Wide enough that no message wraps, whatever the length of the
        // checkout's path in the messages.
        .env("COLUMNS", "10000")
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
    let (cpu, peak_kib) = match std::fs::read_to_string(&timing) {
        Ok(text) if measured => {
            // The last line: GNU time may first say how the command ended.
            let fields: Vec<&str> = text
                .lines()
                .last()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            let seconds = |s: Option<&&str>| s.and_then(|s| s.parse::<f64>().ok());
            let cpu = match (seconds(fields.first()), seconds(fields.get(1))) {
                (Some(u), Some(s)) => Some(Duration::from_secs_f64(u + s)),
                _ => None,
            };
            (cpu, fields.get(2).and_then(|m| m.parse().ok()))
        }
        _ => (None, None),
    };
    let outcome = Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        took,
        cpu,
        peak_kib,
    };
    if let Ok(report) = std::env::var("HOSTILE_REPORT") {
        let line = format!(
            "{name}\t{:?}\t{:?}\t{:?}\n",
            outcome.code, outcome.cpu, outcome.peak_kib
        );
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(report)
            .and_then(|mut f| f.write_all(line.as_bytes()));
    }
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
        outcome.cpu.unwrap_or(took) < CPU_LIMIT,
        "ragcheck took {:?}\n{}",
        outcome.cpu,
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
    fifo_in_folder => 0, [
        "warning: `returns/a.yaml` is not a regular file (a FIFO, socket or device); not read",
        "1 return,",
    ];
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
    ods_mismatched_end_tag => 1, [
        "this ODS file cannot be read: its part `content.xml` is not well-formed XML \
         (expected `</table:table>`, but `</tablE:table>` was found, at byte",
    ];
    xlsx_long_shared_string => 1, ["the part `xl/sharedStrings.xml` of this spreadsheet holds a text of more than 2 MiB"];
    xlsx_broken_xml => 1, ["this XLSX file cannot be read: a part of it is not well-formed XML"];
    xlsx_reference_past_the_last_cell => 1, [
        "its part `xl/worksheets/sheet1.xml` names the cell `AAAAAAAAAAAAAAAAAAAAAAAAA1`, past the last a sheet can have (`XFD1048576`)",
    ];
    xlsx_many_shared_strings => 1, ["this spreadsheet holds more than 4000000 shared strings"];
    xlsx_shared_string_many_cells => 1, ["this spreadsheet's cells expand to more than 64 MiB of text"];

    // Rule sets.
    many_large_patterns => 2, [
        "this pattern takes the rules' compiled patterns past 64 MiB",
        "ragcheck holds at most 64 MiB of compiled patterns",
        "1 error,",
    ];

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

    // Terminal escapes, quotations, positions.
    escapes_human => 1, ["Council \\u{1b}[2J\\u{1b}]0;pwned\\u{7}", "\\u{1b}[31mred.yaml"];
    escapes_github => 1, ["says \\u{1b}[2J\\u{1b}]0;pwned\\u{7}", "\\u{1b}[31mred.yaml"];
    long_quotations => 1, ["xxxxxxxx…"];
    lone_cr_positions => 1, ["\"line\": 6"];
    utf32 => 1, ["this file is UTF-32 text; ragcheck reads UTF-8"];

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

/// No raw escape character reaches the output, in human or github format.
#[test]
fn escapes_never_reach_the_terminal() {
    for (name, setup) in [
        (
            "escapes_human_raw",
            generate::escapes_human as fn(&Path) -> Run,
        ),
        ("escapes_github_raw", generate::escapes_github),
    ] {
        let outcome = run_case(name, setup);
        for c in ['\u{1b}', '\u{7}', '\u{8}'] {
            assert!(
                !outcome.stdout.contains(c) && !outcome.stderr.contains(c),
                "{name}: {c:?} reached the output\n{}",
                outcome.transcript()
            );
        }
    }
}

/// 100 MB of user text quoted into messages gives output of a few
/// kilobytes per message, not the text itself.
#[test]
fn long_quotations_are_cut() {
    let outcome = run_case("long_quotations_size", generate::long_quotations);
    assert!(
        outcome.stdout.len() < 1_000_000,
        "{} bytes of output",
        outcome.stdout.len()
    );
}

/// Thousands of diagnostics on one line take about as long to show as on
/// as many lines (SPEC 5): rendering is not quadratic in the line length.
#[test]
fn one_long_line_renders_in_linear_time() {
    let one = run_case("one_long_line", generate::one_long_line);
    let many = run_case("many_short_lines", generate::many_short_lines);
    assert!(one.stdout.contains("2000 warnings"), "{}", one.transcript());
    let (one_cpu, many_cpu) = (one.cpu.unwrap_or(one.took), many.cpu.unwrap_or(many.took));
    assert!(
        one_cpu < many_cpu * 4 + Duration::from_secs(1),
        "one line: {one_cpu:?}, many lines: {many_cpu:?}"
    );
}

/// A CSV file of 100,000 returns takes about the memory of one of 10,000
/// (issue 16), in JSON and in human output: its returns are built,
/// checked and handed on a piece at a time, never all held, and neither is
/// its text: each piece's rows are read again from the file, and human
/// output keeps only the text around each diagnostic for its snippets.
/// (Holding every return took 4–5 times as much; holding the text, and a
/// second copy for snippets, 1.5 and 2.4 times.)
#[test]
fn csv_memory_stays_flat() {
    for (small, large) in [
        (
            (
                "csv_returns_small",
                generate::csv_returns_small as fn(&Path) -> Run,
            ),
            (
                "csv_returns_large",
                generate::csv_returns_large as fn(&Path) -> Run,
            ),
        ),
        (
            (
                "csv_human_small",
                generate::csv_human_small as fn(&Path) -> Run,
            ),
            (
                "csv_human_large",
                generate::csv_human_large as fn(&Path) -> Run,
            ),
        ),
    ] {
        let small = run_case(small.0, small.1);
        let large = run_case(large.0, large.1);
        for outcome in [&small, &large] {
            assert_eq!(outcome.code, Some(1), "{}", outcome.transcript());
        }
        if let (Some(small_kib), Some(large_kib)) = (small.peak_kib, large.peak_kib) {
            eprintln!("10,000 returns: {small_kib} KiB; 100,000: {large_kib} KiB");
            assert!(
                large_kib * 2 <= small_kib * 3,
                "100,000 returns took {large_kib} KiB, 10,000 took {small_kib} KiB"
            );
        }
    }
}
