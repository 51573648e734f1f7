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
            Ok(text) => sources.push(SourceFile::new(crate::display::path(&f), text)),
            Err(reason) => errors.push((f, reason)),
        }
    }
    (sources, errors)
}

fn is_rule_file(path: &Path) -> bool {
    path.extension().and_then(|x| x.to_str()) == Some("rag")
}

/// The largest rule file read, in bytes (8 MiB): a rule set is text a
/// person writes, and a larger file is refused before it is read.
pub const MAX_RULE_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Read a UTF-8 rule file of at most [`MAX_RULE_FILE_BYTES`], with a plain
/// reason on failure (a FIFO or a device is refused unopened).
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = crate::read::file(path, MAX_RULE_FILE_BYTES).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}
