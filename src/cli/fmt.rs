//! `ragcheck fmt`: one canonical layout for rule files.
//!
//! Formats every `.rag` file under the paths (default: the `--rules` paths,
//! else `./rules`) in place; with `--check`, writes nothing and prints the
//! files that would change. A file named directly that is not a `.rag` file
//! is never touched. Exit status: 0 when nothing changed (or would change),
//! 1 when `--check` found files to format, 2 when a file could not be read,
//! parsed or written.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use ragcheck::diagnostic::Diagnostic;
use ragcheck::engine;
use ragcheck::render::{self, RenderOptions};
use ragcheck::rules_io::read_rule_files;

use super::{BROKEN, FAILED, OK, Settings, write_output};

pub(crate) fn run(settings: &Settings, check: bool) -> i32 {
    let paths = &settings.rules;
    let mut problems: Vec<Diagnostic> = Vec::new();
    let mut texts: Vec<(Arc<str>, Arc<str>)> = Vec::new();
    let mut wanted = Vec::new();
    for p in paths {
        if p.is_file() && p.extension().and_then(|e| e.to_str()) != Some("rag") {
            eprintln!(
                "warning: `{}` is not a .rag file; left as it is",
                ragcheck::display::path(p)
            );
        } else {
            wanted.push(p.clone());
        }
    }
    let (sources, unreadable) = read_rule_files(&wanted);
    problems.extend(unreadable.iter().map(|(p, r)| engine::unreadable(p, r)));
    let mut changed = Vec::new();
    for source in &sources {
        match ragcheck::format::format_source(source) {
            Ok(formatted) if formatted == *source.text => {}
            Ok(formatted) => {
                if !check && let Err(e) = replace(Path::new(&*source.path), &formatted) {
                    eprintln!("error: cannot write `{}`: {e}", source.path);
                    return BROKEN;
                }
                changed.push(source.path.clone());
            }
            Err(d) => {
                texts.push((source.path.clone(), source.text.clone()));
                problems.push(*d);
            }
        }
    }
    if !problems.is_empty() {
        let lookup = |path: &str| {
            texts
                .iter()
                .find(|(p, _)| p.as_ref() == path)
                .map(|(_, t)| t.clone())
        };
        let opts = RenderOptions {
            color: settings.render.color && std::io::stderr().is_terminal(),
            ..settings.render.clone()
        };
        let _ = render::human::diagnostics(&problems, &lookup, &opts, &mut std::io::stderr());
    }
    if check && !changed.is_empty() {
        let list: String = changed.iter().map(|p| format!("{p}\n")).collect();
        if let Err(e) = write_output(settings, list.as_bytes(), sources.iter().map(|s| &*s.path)) {
            eprintln!("error: {e}");
            return BROKEN;
        }
    }
    if !problems.is_empty() {
        BROKEN
    } else if check && !changed.is_empty() {
        FAILED
    } else {
        OK
    }
}

/// Replace a file's text through a temporary file in the same folder, so
/// that a failed write never leaves a rule file half written.
fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.ragcheck-fmt"));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
