//! Layouts (SPEC 2.6) and periods: arbitrary rule text holding a layout,
//! then arbitrary CSV read through each of its layouts and checked; and
//! `Period::find_in` on arbitrary text. The input is the rule text, a line
//! `%%`, then the CSV (seeds: `seeds/layout/`, made from `rules/layouts/`
//! with `samples/`, and `tests/layouts/`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ragcheck::engine::{CheckOptions, check_loaded};
use ragcheck::period::Period;
use ragcheck::span::SourceFile;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // A period anywhere in the text, or in any one line of it.
    let _ = Period::find_in(&text);
    for line in text.lines().take(64) {
        let _ = Period::find_in(line);
    }
    let Some(at) = text.find("\n%%\n") else {
        return;
    };
    let (rule_text, csv) = (&text[..at], &text[at + 4..]);
    let Some(rules) = ragcheck::compile(vec![SourceFile::new("fuzz.rag", rule_text)]).rules else {
        return;
    };
    let opts = CheckOptions {
        keep_sources: true,
        ..CheckOptions::default()
    };
    for layout in 0..rules.layouts.len().min(4) {
        let loaded =
            ragcheck::returns::load_with("f.csv", csv.as_bytes().to_vec(), &rules, Some(layout));
        let _ = check_loaded(&rules, &loaded, &opts);
    }
});
