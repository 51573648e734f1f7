//! Return files: every loader, then the whole check, never panics.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ragcheck::engine::{CheckOptions, check_loaded};
use ragcheck::span::SourceFile;

fn rules() -> &'static ragcheck::Program {
    static RULES: OnceLock<ragcheck::Program> = OnceLock::new();
    RULES.get_or_init(|| {
        let text = "measure appraisals { unit percent target 100% cumulative \
                    green when value >= target amber when value >= target - 10% red otherwise }\n\
                    check percent_range for each value where unit == percent { \
                    error when value < 0% or value > 100% \"found {value}\" }\n";
        match ragcheck::compile(vec![SourceFile::new("fuzz.rag", text)]).rules {
            Some(r) => r,
            None => std::process::abort(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let name = match kind % 4 {
        0 => "f.yaml",
        1 => "f.json",
        2 => "f.csv",
        _ => "f.xlsx",
    };
    let loaded = ragcheck::returns::load(name, body.to_vec());
    let opts = CheckOptions {
        keep_sources: true,
        ..CheckOptions::default()
    };
    let _ = check_loaded(rules(), &loaded, &opts);
});
