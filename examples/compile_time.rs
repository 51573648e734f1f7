//! How long `ragcheck::compile` takes on a rule set, in-process (no start-up,
//! no listing): the files are read once, then compiled `--runs` times.
//!
//! ```text
//! cargo run --release --example compile_time -- [--runs N] RULES...
//! ```
//!
//! Prints the median and the fastest run in milliseconds, and the size of
//! the rule set.

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut runs = 7usize;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs);
        } else {
            paths.push(PathBuf::from(arg));
        }
    }
    let (sources, errors) = ragcheck::rules_io::read_rule_files(&paths);
    if !errors.is_empty() {
        eprintln!("compile_time: {errors:?}");
        std::process::exit(2);
    }
    let mut times = Vec::with_capacity(runs);
    let mut size = (0, 0, 0);
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let compiled = ragcheck::compile(sources.clone());
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        let Some(rules) = compiled.rules else {
            eprintln!("compile_time: the rules do not compile");
            std::process::exit(1);
        };
        size = (sources.len(), rules.measures.len(), rules.checks.len());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{} files, {} measures, {} checks: median {:.1} ms, fastest {:.1} ms over {} runs",
        size.0,
        size.1,
        size.2,
        times[times.len() / 2],
        times[0],
        times.len()
    );
}
