//! Value text never panics, and a suggestion is always a valid value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ragcheck::value::{ValueText, parse_value, suggest};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let ValueText::Invalid { .. } = parse_value(text) {
            if let Some(s) = suggest(text) {
                assert!(!matches!(parse_value(&s), ValueText::Invalid { .. }), "{s:?}");
            }
        }
    }
});
