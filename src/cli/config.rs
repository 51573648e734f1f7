//! The config file: `ragcheck.toml`, or `[tool.ragcheck]` in
//! `pyproject.toml`, found the way ruff finds its own.
//!
//! From the working directory up to the root, the first folder that has a
//! `ragcheck.toml`, or a `pyproject.toml` with a `[tool.ragcheck]` table,
//! gives the settings (in one folder, `ragcheck.toml` wins). Paths in the
//! file (`rules`, `exclude`) are relative to the folder the file is in, so
//! the same file works from any folder below it. Flags override it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use ragcheck::render::Format;

use super::args::{ColorArg, FailOn};

/// The file names looked for, in the order they win within one folder.
pub(crate) const RAGCHECK_TOML: &str = "ragcheck.toml";
pub(crate) const PYPROJECT_TOML: &str = "pyproject.toml";

/// What a config file says. Every key is optional; an unknown key is an
/// error, so a typo never silently does nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Options {
    /// Rule files or folders.
    pub(crate) rules: Option<Vec<PathBuf>>,
    #[serde(default, deserialize_with = "super::args::parse_format")]
    pub(crate) format: Option<Format>,
    pub(crate) fail_on: Option<FailOn>,
    pub(crate) jobs: Option<usize>,
    pub(crate) color: Option<ColorArg>,
    /// Patterns to leave out when walking folders (added to `--exclude`).
    pub(crate) exclude: Option<Vec<String>>,
    /// Honour `.gitignore` and `.ignore` files (default true).
    pub(crate) respect_gitignore: Option<bool>,
    /// The layout to read every CSV file and spreadsheet with (`--layout`).
    pub(crate) layout: Option<String>,
}

/// A config file that was found and read.
#[derive(Debug)]
pub(crate) struct Config {
    /// The file, as a path usable from the working directory.
    pub(crate) path: PathBuf,
    /// Its folder, as a path usable from the working directory (empty for
    /// the working directory itself): what paths in the file are relative
    /// to.
    pub(crate) base: PathBuf,
    pub(crate) options: Options,
}

impl Config {
    /// A path written in the file, as a path usable from the working
    /// directory.
    pub(crate) fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() || self.base.as_os_str().is_empty() {
            path.to_path_buf()
        } else {
            self.base.join(path)
        }
    }
}

/// The config file for a run started in `cwd`: `explicit` if given, else
/// the nearest one at or above `cwd`. `Ok(None)` when there is none.
pub(crate) fn find(cwd: &Path, explicit: Option<&Path>) -> Result<Option<Config>, String> {
    if let Some(path) = explicit {
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the config file `{}`: {e}", path.display()))?;
        let options = if is_pyproject(path) {
            parse_pyproject(path, &text)?.unwrap_or_default()
        } else {
            parse(path, &text)?
        };
        return Ok(Some(Config {
            path: path.to_path_buf(),
            base,
            options,
        }));
    }
    // `base` walks up as `..`, `../..`: paths stay relative, as the user
    // would write them, and diagnostics name rule files that way.
    let mut base = PathBuf::new();
    for dir in cwd.ancestors() {
        let toml = dir.join(RAGCHECK_TOML);
        if toml.is_file() {
            let path = base.join(RAGCHECK_TOML);
            let text = std::fs::read_to_string(&toml)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let options = parse(&path, &text)?;
            return Ok(Some(Config {
                path,
                base,
                options,
            }));
        }
        let pyproject = dir.join(PYPROJECT_TOML);
        if pyproject.is_file() {
            let path = base.join(PYPROJECT_TOML);
            let text = std::fs::read_to_string(&pyproject)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            if let Some(options) = parse_pyproject(&path, &text)? {
                return Ok(Some(Config {
                    path,
                    base,
                    options,
                }));
            }
        }
        base.push("..");
    }
    Ok(None)
}

fn is_pyproject(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == PYPROJECT_TOML)
}

/// A `ragcheck.toml`.
fn parse(path: &Path, text: &str) -> Result<Options, String> {
    toml::from_str(text).map_err(|e| bad_file(path, text, &e))
}

/// The `[tool.ragcheck]` table of a `pyproject.toml`, if it has one. The
/// rest of the file is not ragcheck's business and is not checked.
fn parse_pyproject(path: &Path, text: &str) -> Result<Option<Options>, String> {
    #[derive(Deserialize)]
    struct PyProject {
        tool: Option<Tool>,
    }
    #[derive(Deserialize)]
    struct Tool {
        ragcheck: Option<Options>,
    }
    let doc: PyProject = toml::from_str(text).map_err(|e| bad_file(path, text, &e))?;
    Ok(doc.tool.and_then(|t| t.ragcheck))
}

/// A TOML error as one line: the file, the line, and what is wrong.
fn bad_file(path: &Path, text: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .and_then(|span| text.get(..span.start))
        .map(|before| format!(", line {}", before.matches('\n').count() + 1))
        .unwrap_or_default();
    format!("`{}`{line}: {}", path.display(), e.message().trim_end())
}
