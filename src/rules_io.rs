//! Finding and reading rule files.

use std::path::{Path, PathBuf};

use crate::span::SourceFile;

/// Every `.rag` file under the given paths (folders walked recursively), in
/// sorted path order, read as UTF-8. Unreadable paths are returned as
/// `(path, reason)`.
pub fn read_rule_files(paths: &[PathBuf]) -> (Vec<SourceFile>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let walked = crate::discover::walk_files(
        paths,
        is_rule_file,
        &crate::discover::WalkOptions::default(),
        |path| files.push(path.to_path_buf()),
    );
    let mut errors = walked.unreadable;
    files.sort();
    files.dedup();
    let mut sources = Vec::new();
    for f in files {
        match read_text(&f) {
            Ok(text) => sources.push(SourceFile::new(crate::engine::display_path(&f), text)),
            Err(reason) => errors.push((f, reason)),
        }
    }
    (sources, errors)
}

fn is_rule_file(path: &Path) -> bool {
    path.extension().and_then(|x| x.to_str()) == Some("rag")
}

/// Read a UTF-8 text file, with a plain reason on failure.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}
