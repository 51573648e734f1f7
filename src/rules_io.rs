//! Finding and reading rule files.

use std::path::{Path, PathBuf};

use crate::span::SourceFile;

/// Every `.rag` file under the given paths (folders walked recursively), in
/// sorted path order, read as UTF-8. Unreadable paths are returned as
/// `(path, reason)`.
pub fn read_rule_files(paths: &[PathBuf]) -> (Vec<SourceFile>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.is_dir() {
            for entry in walkdir::WalkDir::new(p).sort_by_file_name() {
                match entry {
                    Ok(e)
                        if e.file_type().is_file()
                            && e.path().extension().and_then(|x| x.to_str()) == Some("rag") =>
                    {
                        files.push(e.into_path())
                    }
                    Ok(_) => {}
                    Err(err) => errors.push((p.clone(), err.to_string())),
                }
            }
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            errors.push((p.clone(), "no such file or folder".into()));
        }
    }
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
