//! Check returns through the streaming engine ([`engine::check_each`]) and
//! keep only counts: the peak memory of checking itself, without any
//! output.
//!
//! ```text
//! cargo run --release --example stream_check -- [--jobs N] --rules DIR... PATH...
//! ```

use std::path::PathBuf;

use ragcheck::engine::{self, CheckOptions};

fn main() {
    let mut rules = Vec::new();
    let mut paths = Vec::new();
    let mut jobs = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rules" => rules.extend(args.next().map(PathBuf::from)),
            "--jobs" => jobs = args.next().and_then(|n| n.parse::<usize>().ok()),
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if let Some(n) = jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let (sources, errors) = ragcheck::rules_io::read_rule_files(&rules);
    if !errors.is_empty() {
        eprintln!("stream_check: {errors:?}");
        std::process::exit(2);
    }
    let Some(rules) = ragcheck::compile(sources).rules else {
        eprintln!("stream_check: the rules do not compile");
        std::process::exit(2);
    };
    let files = ragcheck::discover::find(&paths, &Default::default()).files;
    let (mut returns, mut diagnostics) = (0usize, 0usize);
    engine::check_each(
        &rules,
        files.into_paths().map(engine::Input::File),
        &CheckOptions::default(),
        |file| {
            returns += file.returns.len();
            diagnostics += file.diagnostics.len()
                + file
                    .returns
                    .iter()
                    .map(|r| r.diagnostics.len())
                    .sum::<usize>();
        },
    );
    println!("{returns} returns, {diagnostics} diagnostics");
}
