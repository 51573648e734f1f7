//! `.ods` spreadsheets: arbitrary `content.xml`, packed into a valid ODS
//! archive, through the whole loader and check. The `returns` target's
//! arbitrary bytes almost never make a zip archive, so this target is the
//! one that reaches the ODS reader and its expansion bounds (repeated
//! cells, `<text:s text:c="N"/>`): run it with `-rss_limit_mb=512` and a
//! bomb that got through fails as out-of-memory.
#![no_main]

use std::io::{Cursor, Write};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ragcheck::engine::{CheckOptions, check_loaded};
use ragcheck::span::SourceFile;

fn rules() -> &'static ragcheck::Program {
    static RULES: OnceLock<ragcheck::Program> = OnceLock::new();
    RULES.get_or_init(|| {
        let text = "measure m1 { unit percent target 100% \
                    green when value >= target red otherwise }\n";
        match ragcheck::compile(vec![SourceFile::new("fuzz.rag", text)]).rules {
            Some(r) => r,
            None => std::process::abort(),
        }
    })
}

/// An ODS archive around `content`.
fn ods(content: &[u8]) -> Option<Vec<u8>> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored);
    out.start_file("mimetype", stored).ok()?;
    out.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .ok()?;
    out.start_file("META-INF/manifest.xml", stored).ok()?;
    out.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).ok()?;
    out.start_file("content.xml", stored).ok()?;
    out.write_all(content).ok()?;
    Some(out.finish().ok()?.into_inner())
}

fuzz_target!(|data: &[u8]| {
    let Some(bytes) = ods(data) else {
        return;
    };
    let loaded = ragcheck::returns::load("f.ods", bytes);
    let _ = check_loaded(rules(), &loaded, &CheckOptions::default());
});
