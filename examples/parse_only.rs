//! The parse-only baseline: read every return file under the given paths
//! and drain granit-parser's events, building nothing and checking nothing.
//! What `ragcheck check` costs beyond this is the engine's own work.
//!
//! ```text
//! cargo run --release --example parse_only -- [--jobs N] PATH...
//! ```
//!
//! Files are found as `ragcheck check` finds them and parsed in parallel
//! with rayon, one file per task, as the engine does; `--jobs 1` runs on
//! one thread. Prints files, bytes and events.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use granit_parser::Parser;
use rayon::prelude::*;

fn main() {
    let mut jobs = None;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--jobs" {
            jobs = args.next().and_then(|n| n.parse::<usize>().ok());
        } else {
            paths.push(PathBuf::from(arg));
        }
    }
    if let Some(n) = jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let found = ragcheck::engine::discover(&paths, &Default::default());
    let (files, errors) = (found.paths(), found.unreadable);
    for (path, reason) in &errors {
        eprintln!("parse_only: {}: {reason}", path.display());
    }
    let bytes = AtomicU64::new(0);
    let events: u64 = files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return 0;
            };
            bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
            let mut n = 0u64;
            for event in Parser::new_from_str(&text) {
                if event.is_err() {
                    break;
                }
                n += 1;
            }
            n
        })
        .sum();
    println!(
        "{} files, {} bytes, {} events",
        files.len(),
        bytes.load(Ordering::Relaxed),
        events
    );
}
