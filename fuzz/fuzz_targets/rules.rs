//! Rule text: parsing and compiling never panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ragcheck::span::SourceFile;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ragcheck::compile(vec![SourceFile::new("fuzz.rag", text)]);
    }
});
