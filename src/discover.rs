//! Finding the files to check under the paths a user names: [`find`] is
//! the one way in, giving a sorted [`FileList`] with the paths that could
//! not be read and what the walk had to say; [`in_partition`] deals the
//! files into `--partition` shares. Rule files are found by the same walk
//! ([`crate::rules_io`]).
//!
//! A returns repository holds more than returns: CI workflows under
//! `.github/`, build output under a gitignored `target/`, the lock files
//! Excel leaves beside an open workbook (`~$q3.xlsx`). Folders are walked
//! with the `ignore` crate (ripgrep's walker) so that these are left out
//! the way a developer expects:
//!
//! - `.gitignore` (and `.ignore`) files are honoured, in the folder walked
//!   and in its parents, **also outside a git repository**: a repository
//!   downloaded as a zip, or a returns folder copied to a shared drive,
//!   means to leave out the same files (ripgrep requires a `.git` folder
//!   for this; ruff does not). The user's global gitignore is not read, so
//!   a run gives the same files on every machine. `--no-ignore` turns all
//!   of this off.
//! - Hidden files and folders (a name starting with `.`) are skipped.
//! - Office lock files (`~$name.xlsx`) are skipped.
//! - `--exclude GLOB` patterns leave out files and folders, with
//!   `.gitignore` syntax: a pattern without a `/` matches a name at any
//!   depth (`drafts`, `*.bak.csv`), one with a `/` is anchored at the
//!   folder it was given in (the working directory for `--exclude`, the
//!   config file's folder for `exclude` in `ragcheck.toml`).
//! - Symbolic links inside a folder are followed, so a linked returns file
//!   or folder is checked; a link that leads back to a folder being walked
//!   is reported (a warning) and not followed again.
//! - A FIFO, socket or device named like a return is never opened (a FIFO
//!   could block for ever): a warning says it was not read.
//!
//! A file named directly is always checked, whatever its name, extension or
//! ignore rules say. In a folder, a file is a return when its extension is
//! one of [`returns::Format::EXTENSIONS`] (any case).

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::returns;

/// A sorted list of files, packed into one text buffer: about 45 bytes a
/// file rather than a `PathBuf`'s ~75, so a national collection's file
/// list stays small. Paths that are not UTF-8 are kept aside as they are
/// and come last.
#[derive(Clone, Debug, Default)]
pub struct FileList {
    text: String,
    spans: Vec<(u32, u32)>,
    odd: Vec<PathBuf>,
}

impl FileList {
    pub fn len(&self) -> usize {
        self.spans.len() + self.odd.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The files, in path order.
    pub fn iter(&self) -> impl Iterator<Item = &Path> {
        self.spans
            .iter()
            .map(|&(start, len)| Path::new(&self.text[start as usize..(start + len) as usize]))
            .chain(self.odd.iter().map(PathBuf::as_path))
    }

    /// The files, in path order, each as a path of its own, only as it is
    /// taken.
    pub fn into_paths(self) -> impl Iterator<Item = PathBuf> {
        let FileList { text, spans, odd } = self;
        spans
            .into_iter()
            .map(move |(start, len)| PathBuf::from(&text[start as usize..(start + len) as usize]))
            .chain(odd)
    }
}

/// What [`find`] found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// The files to check, sorted.
    pub files: FileList,
    /// Paths that could not be read, with why, sorted.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Things worth saying that do not fail the run (a symlink loop).
    pub warnings: Vec<String>,
}

impl Discovered {
    /// The files, as paths.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.iter().map(Path::to_path_buf).collect()
    }
}

/// Expand paths into the files to check, in sorted order. Folders are
/// walked for the extensions of [`returns::Format::EXTENSIONS`] as the
/// module docs describe (ignore files, hidden files, lock files and
/// `--exclude` are honoured); files named directly are taken whatever
/// their name or extension.
pub fn find(paths: &[PathBuf], opts: &WalkOptions) -> Discovered {
    let mut list = FileList::default();
    let push = |list: &mut FileList, path: &Path| match path.to_str() {
        Some(s) if list.text.len() + s.len() < u32::MAX as usize => {
            list.spans.push((list.text.len() as u32, s.len() as u32));
            list.text.push_str(s);
        }
        _ => list.odd.push(path.to_path_buf()),
    };
    let Walked {
        mut unreadable,
        warnings,
    } = walk_files(paths, is_return_file, opts, |path| push(&mut list, path));
    let text = &list.text;
    let path =
        |&(start, len): &(u32, u32)| Path::new(&text[start as usize..(start + len) as usize]);
    list.spans.sort_by(|a, b| path(a).cmp(path(b)));
    list.spans.dedup_by(|a, b| path(a) == path(b));
    list.spans.shrink_to_fit();
    list.odd.sort();
    list.odd.dedup();
    unreadable.sort();
    unreadable.dedup();
    Discovered {
        files: list,
        unreadable,
        warnings,
    }
}

/// Whether a file found in a folder is a return, by its extension.
fn is_return_file(path: &Path) -> bool {
    path.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| returns::Format::from_extension(x).is_some())
}

/// `--partition K/N`: whether a file is in the K-th of N shares. Files are
/// dealt by a stable hash (FNV-1a, 64 bits) of the path relative to the
/// argument it was found under (its file name when named directly), so
/// the same collection is split the same way on every machine, whatever
/// the folder it is mounted at.
pub fn in_partition(path: &Path, args: &[PathBuf], k: u32, n: u32) -> bool {
    let rel = args
        .iter()
        .filter_map(|a| path.strip_prefix(a).ok())
        .filter(|r| !r.as_os_str().is_empty())
        .min_by_key(|r| r.components().count())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| path.file_name().map(PathBuf::from).unwrap_or_default());
    let text = crate::display::path(&rel);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    n > 0 && h % u64::from(n) == u64::from(k.saturating_sub(1))
}

/// How folders are walked.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Honour `.gitignore` and `.ignore` files.
    pub gitignore: bool,
    /// Files and folders to leave out.
    pub exclude: Exclude,
}

impl Default for WalkOptions {
    fn default() -> WalkOptions {
        WalkOptions {
            gitignore: true,
            exclude: Exclude::default(),
        }
    }
}

/// `--exclude` patterns, each anchored at the folder it was written for.
#[derive(Clone, Debug, Default)]
pub struct Exclude {
    sets: Vec<Gitignore>,
}

impl Exclude {
    /// Add `patterns` (gitignore syntax) anchored at `base`. A pattern
    /// that is not a valid glob is an error naming it.
    pub fn add(&mut self, base: &Path, patterns: &[String]) -> Result<(), String> {
        if patterns.is_empty() {
            return Ok(());
        }
        let base = absolute(base);
        let mut builder = GitignoreBuilder::new(&base);
        for p in patterns {
            builder
                .add_line(None, p)
                .map_err(|e| format!("bad exclude pattern `{p}`: {}", glob_error(&e)))?;
        }
        let set = builder
            .build()
            .map_err(|e| format!("bad exclude pattern: {}", glob_error(&e)))?;
        self.sets.push(set);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// Whether `path` (a file, or a folder when `is_dir`) is excluded.
    fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        if self.sets.is_empty() {
            return false;
        }
        let path = absolute(path);
        self.sets
            .iter()
            .any(|set| set.matched(&path, is_dir).is_ignore())
    }
}

/// The reason in an `ignore` error, without the path it adds.
fn glob_error(e: &ignore::Error) -> String {
    match e {
        ignore::Error::Glob { err, .. } => err.clone(),
        other => other.to_string(),
    }
}

/// `path` from the root, with `.` and `..` folded away by name (the way
/// the user wrote it, not where links lead), so that patterns and paths
/// compare as written.
fn absolute(path: &Path) -> PathBuf {
    use std::path::Component;
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// What walking the paths found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Paths that could not be read, with why.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Things worth saying that do not fail the run (a symlink loop).
    pub warnings: Vec<String>,
}

/// Every file named in `paths`, and every file under a folder named there
/// that `keep` accepts and the walk does not leave out (see the module
/// docs), handed to `found` in no particular order.
pub(crate) fn walk_files(
    paths: &[PathBuf],
    keep: fn(&Path) -> bool,
    opts: &WalkOptions,
    mut found: impl FnMut(&Path),
) -> Walked {
    let mut walked = Walked::default();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(meta) if meta.is_dir() => walk_folder(p, keep, opts, &mut walked, &mut found),
            Ok(_) => found(p),
            Err(e) => walked.unreadable.push((p.clone(), missing_reason(p, &e))),
        }
    }
    walked
}

/// Why a path named on the command line cannot be opened, in words: a
/// symbolic link that loops or leads nowhere is not "no such file".
pub fn missing_reason(path: &Path, e: &std::io::Error) -> String {
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if link {
        let target = std::fs::read_link(path)
            .map(|t| format!(" `{}`", t.display()))
            .unwrap_or_default();
        if is_loop(e) {
            return format!("a symbolic link{target} that leads back to itself (a symlink loop)");
        }
        if e.kind() == std::io::ErrorKind::NotFound {
            return format!("a symbolic link to{target}, which does not exist");
        }
    }
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ if is_loop(e) => "too many levels of symbolic links (a symlink loop)".into(),
        _ => e.to_string(),
    }
}

/// Whether an I/O error is "too many levels of symbolic links".
fn is_loop(e: &std::io::Error) -> bool {
    // ELOOP: 40 on Linux, 62 on macOS and the BSDs.
    #[cfg(target_os = "linux")]
    const ELOOP: i32 = 40;
    #[cfg(not(target_os = "linux"))]
    const ELOOP: i32 = 62;
    cfg!(unix) && e.raw_os_error() == Some(ELOOP)
}

/// Whether a file name is a lock file that an office suite leaves beside an
/// open document: Excel's `~$name.xlsx`, LibreOffice's `.~lock.name#`.
pub fn is_lock_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("~$") || n.starts_with(".~lock."))
}

fn walk_folder(
    root: &Path,
    keep: fn(&Path) -> bool,
    opts: &WalkOptions,
    walked: &mut Walked,
    found: &mut impl FnMut(&Path),
) {
    let exclude = opts.exclude.clone();
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(true)
        .git_ignore(opts.gitignore)
        .git_exclude(opts.gitignore)
        .ignore(opts.gitignore)
        .parents(opts.gitignore)
        .require_git(false)
        .follow_links(true)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !exclude.excludes(entry.path(), is_dir)
        });
    for entry in builder.build() {
        match entry {
            Ok(e) => {
                let path = e.path();
                let Some(kind) = e.file_type() else {
                    continue;
                };
                if kind.is_file() && keep(path) && !is_lock_file(path) {
                    found(path);
                } else if !kind.is_file() && !kind.is_dir() && keep(path) {
                    // A FIFO or a device named like a return is never
                    // opened (it could block for ever): said, not checked.
                    walked.warnings.push(format!(
                        "`{}` is not a regular file (a FIFO, socket or device); not read",
                        crate::display::visible(&crate::display::path(path))
                    ));
                }
            }
            Err(err) => walk_error(err, keep, walked),
        }
    }
}

/// Sort an error of the walk into a warning or an unreadable path.
fn walk_error(err: ignore::Error, keep: fn(&Path) -> bool, walked: &mut Walked) {
    match err {
        ignore::Error::Partial(errs) => {
            for e in errs {
                walk_error(e, keep, walked);
            }
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(*err, keep, walked)
        }
        ignore::Error::Loop { ancestor, child } => {
            walked.warnings.push(loop_warning(&ancestor, &child))
        }
        ignore::Error::WithPath { path, err } => match (*err, path) {
            (ignore::Error::Loop { ancestor, child }, _) => {
                walked.warnings.push(loop_warning(&ancestor, &child))
            }
            (inner, path) => match inner.io_error().map(root_io) {
                Some(io) => {
                    // A link that leads nowhere (or round in a circle)
                    // matters only if its name says it is a return.
                    let broken_link = io.kind() == std::io::ErrorKind::NotFound || is_loop(io);
                    if !broken_link || keep(&path) {
                        let reason = missing_reason(&path, io);
                        walked.unreadable.push((path, reason));
                    }
                }
                // A bad `.gitignore` line: ripgrep says so and walks on.
                None => walked
                    .warnings
                    .push(format!("{}: {inner}", crate::display::path(&path))),
            },
        },
        other => match other.io_error() {
            Some(io) => walked.unreadable.push((PathBuf::new(), io.to_string())),
            None => walked.warnings.push(other.to_string()),
        },
    }
}

/// The operating system's error inside an I/O error that wraps it (the
/// walker wraps its errors once more, with the path in the message).
fn root_io(e: &std::io::Error) -> &std::io::Error {
    let inner = e
        .get_ref()
        .and_then(|inner| inner.source())
        .and_then(|source| source.downcast_ref::<std::io::Error>());
    match inner {
        Some(inner) => root_io(inner),
        None => e,
    }
}

fn loop_warning(ancestor: &Path, child: &Path) -> String {
    format!(
        "`{}` is a symbolic link back to `{}` (a symlink loop); not followed again",
        crate::display::path(child),
        crate::display::path(ancestor)
    )
}
