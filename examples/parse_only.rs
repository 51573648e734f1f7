//! The parse-only baseline: read every return file under the given paths
//! and drain granit-parser's events, building nothing and checking nothing.
//! What `ragcheck check` costs beyond this is the engine's own work.
//!
//! ```text
//! cargo run --release --example parse_only -- [--jobs N] [--fast | --load | --csv] PATH...
//! ```
//!
//! Files are found as `ragcheck check` finds them and parsed in parallel
//! with rayon, one file per task, as the engine does; `--jobs 1` runs on
//! one thread. Prints files, bytes and events.
//!
//! `--fast` drains the fast YAML reader's events instead
//! (`ragcheck::returns::fast_yaml`), building nothing, and counts the files
//! it gives back to granit-parser; `--load` runs the whole loader
//! (`ragcheck::returns::load`: fast reader or granit-parser, and the return
//! model) and counts returns. `--csv` is the bare pass of a CSV
//! collection: every file through the `csv` crate's `ByteRecord` reader,
//! counting records and fields and building nothing (the baseline of a
//! CSV `ragcheck check`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use granit_parser::Parser;
use rayon::prelude::*;

fn main() {
    let mut jobs = None;
    let mut paths = Vec::new();
    let mut mode = Mode::Granit;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--jobs" => jobs = args.next().and_then(|n| n.parse::<usize>().ok()),
            "--fast" => mode = Mode::Fast,
            "--load" => mode = Mode::Load,
            "--csv" => mode = Mode::Csv,
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if let Some(n) = jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let found = ragcheck::discover::find(&paths, &Default::default());
    let (files, errors) = (found.paths(), found.unreadable);
    for (path, reason) in &errors {
        eprintln!("parse_only: {}: {reason}", path.display());
    }
    let bytes = AtomicU64::new(0);
    let fell_back = AtomicU64::new(0);
    let events: u64 = files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return 0;
            };
            bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
            match mode {
                Mode::Granit => {
                    let mut n = 0u64;
                    for event in Parser::new_from_str(&text) {
                        if event.is_err() {
                            break;
                        }
                        n += 1;
                    }
                    n
                }
                Mode::Fast => {
                    ragcheck::returns::fast_yaml::count_events(&text).unwrap_or_else(|| {
                        fell_back.fetch_add(1, Ordering::Relaxed);
                        0
                    })
                }
                Mode::Csv => {
                    let mut reader = csv::ReaderBuilder::new()
                        .has_headers(false)
                        .flexible(true)
                        .from_reader(text.as_bytes());
                    let mut record = csv::ByteRecord::new();
                    let mut n = 0u64;
                    while let Ok(true) = reader.read_byte_record(&mut record) {
                        n += record.len() as u64;
                    }
                    n
                }
                Mode::Load => {
                    let name = path.to_string_lossy();
                    ragcheck::returns::load(&name, text.into_bytes())
                        .returns
                        .len() as u64
                }
            }
        })
        .sum();
    let what = match mode {
        Mode::Load => "returns",
        Mode::Csv => "fields",
        _ => "events",
    };
    print!(
        "{} files, {} bytes, {events} {what}",
        files.len(),
        bytes.load(Ordering::Relaxed),
    );
    match mode {
        Mode::Fast => println!(", {} files fell back", fell_back.load(Ordering::Relaxed)),
        _ => println!(),
    }
}

#[derive(Clone, Copy)]
enum Mode {
    /// granit-parser's events.
    Granit,
    /// The fast reader's events.
    Fast,
    /// The whole loader, model included.
    Load,
    /// The `csv` crate's bare `ByteRecord` pass.
    Csv,
}
