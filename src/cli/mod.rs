//! Arguments → validated settings → library calls → rendered output.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use clap::{CommandFactory, Parser};

mod args;
mod check;
mod config;
mod explain;
mod fmt;
mod rules;
mod settings;
mod test;

use ragcheck::diagnostic::{Diagnostic, Severity};
use ragcheck::engine;
use ragcheck::render;
use ragcheck::rules_io::read_rule_files;
use ragcheck::span::SourceFile;

use args::Cli;
pub(crate) use settings::Settings;
use settings::Task;

/// Exit statuses (SPEC 4).
pub(crate) const OK: i32 = 0;
pub(crate) const FAILED: i32 = 1;
pub(crate) const BROKEN: i32 = 2;

pub fn run(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { BROKEN } else { OK };
        }
    };
    let (task, settings) = match settings::resolve(cli) {
        Ok(resolved) => resolved,
        Err(e) => {
            eprintln!("error: {e}");
            return BROKEN;
        }
    };
    if settings.jobs > 0
        && let Err(e) = start_workers(settings.jobs)
    {
        eprintln!("error: {e}");
        return BROKEN;
    }
    match task {
        Task::Check {
            paths,
            show_settings: true,
            ..
        } => {
            let _ = paths;
            finish(write_output(&settings, settings.show().as_bytes(), []), OK)
        }
        Task::Check {
            paths,
            layout,
            collection,
            ..
        } => check::run(&settings, &paths, layout.as_deref(), &collection),
        Task::Rules => rules::run(&settings),
        Task::Explain { id } => explain::run(&settings, &id),
        Task::Test => test::run(&settings),
        Task::Fmt { check } => fmt::run(&settings, check),
        Task::Completions(shell) => {
            let mut bytes = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ragcheck", &mut bytes);
            finish(write_output(&settings, &bytes, []), OK)
        }
        Task::Man => {
            let mut bytes = Vec::new();
            let written = clap_mangen::Man::new(Cli::command())
                .render(&mut bytes)
                .map_err(|e| format!("cannot write the man page: {e}"))
                .and_then(|()| write_output(&settings, &bytes, []));
            finish(written, OK)
        }
    }
}

/// The exit status for output that was (or was not) written.
pub(crate) fn finish(written: Result<(), String>, status: i32) -> i32 {
    match written {
        Ok(()) => status,
        Err(e) => {
            eprintln!("error: {e}");
            BROKEN
        }
    }
}

/// Read and compile the rule set; on failure, print why and give `None`.
pub(crate) fn load_rules(settings: &Settings) -> Option<(ragcheck::Program, Vec<Diagnostic>)> {
    let paths = &settings.rules;
    if settings.rules_default && !paths.iter().any(|p| p.exists()) {
        eprintln!(
            "error: no rules: there is no `rules` folder here\n  \
             help: point at your rules with `--rules PATH`, or set `rules = [\"PATH\"]` \
             in ragcheck.toml"
        );
        return None;
    }
    let (sources, errors) = read_rule_files(paths);
    let mut problems: Vec<Diagnostic> = errors
        .iter()
        .map(|(p, reason)| engine::unreadable(p, reason))
        .collect();
    if sources.is_empty() && problems.is_empty() {
        problems.push(
            Diagnostic::new(
                Severity::Error,
                "no_rules",
                format!(
                    "no rule files (*.rag) found in {}",
                    paths
                        .iter()
                        .map(|p| format!("`{}`", p.display()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .help("point at your rules with `--rules PATH`, or create a `rules/` folder"),
        );
    }
    let texts: Vec<(Arc<str>, Arc<str>)> = sources
        .iter()
        .map(|s: &SourceFile| (s.path.clone(), s.text.clone()))
        .collect();
    let compiled = ragcheck::compile(sources);
    problems.extend(compiled.diagnostics);
    let failed = compiled.rules.is_none() || problems.iter().any(|d| d.severity == Severity::Error);
    if !problems.is_empty() && (failed || !settings.quiet) {
        let lookup = |path: &str| {
            texts
                .iter()
                .find(|(p, _)| p.as_ref() == path)
                .map(|(_, t)| t.clone())
        };
        let mut err = std::io::stderr().lock();
        let _ = render::human::diagnostics(&problems, &lookup, &settings.stderr_render(), &mut err);
    }
    match compiled.rules {
        Some(r) if !failed => Some((r, problems)),
        _ => None,
    }
}

/// The most worker threads `--jobs` starts: more only costs memory (each
/// thread has its own stack and allocator heap) and time to start them.
pub(crate) const MAX_JOBS: usize = 64;

/// Start the pool of `n` workers, at most [`MAX_JOBS`]. A pool that cannot
/// be built (the system refuses threads) is an error that stops the run,
/// never a panic later.
fn start_workers(n: usize) -> Result<(), String> {
    let n = if n > MAX_JOBS {
        eprintln!("warning: --jobs {n} is more than ragcheck starts; using {MAX_JOBS} workers");
        MAX_JOBS
    } else {
        n
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .map_err(|e| format!("cannot start {n} worker threads: {e}"))
}

/// Write `bytes` to the output (`--output`, else standard output). A
/// reader that has gone away (`ragcheck rules | head`) is not an error:
/// the run ends quietly, as ripgrep's does. `read` are the files the
/// command read (its rule files): the output is never written over one of
/// them.
pub(crate) fn write_output<'a>(
    settings: &Settings,
    bytes: &[u8],
    read: impl IntoIterator<Item = &'a str>,
) -> Result<(), String> {
    match &settings.output {
        Some(path) => {
            if let Some(clash) = clobbers(path, read.into_iter().map(Path::new), false) {
                return Err(clobber_error("--output", path, &clash));
            }
            std::fs::write(path, bytes).map_err(|e| {
                format!(
                    "cannot write `{}`: {e}",
                    ragcheck::display::visible(&path.to_string_lossy())
                )
            })
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|_| out.flush())
                .map_err(|e| output_error(&e))
        }
    }
}

/// Why the output could not be written. A closed pipe ends the run here,
/// quietly and with status 0: what was wanted has been written.
pub(crate) fn output_error(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(OK);
    }
    format!("cannot write the output: {e}")
}

/// Which file ragcheck reads `target` is, if it is one: one of `read`, or
/// standard input (when `stdin` is read and is that file). Compared by
/// file identity, so another name, a symlink or a hard link is caught.
pub(crate) fn clobbers<'a>(
    target: &Path,
    read: impl IntoIterator<Item = &'a Path>,
    stdin: bool,
) -> Option<String> {
    let target_id = ragcheck::read::path_identity(target)?;
    if stdin && ragcheck::read::stdin_identity().as_ref() == Some(&target_id) {
        return Some("the file read as standard input".into());
    }
    read.into_iter()
        .find(|p| ragcheck::read::path_identity(p).as_ref() == Some(&target_id))
        .map(|p| {
            format!(
                "`{}`, a file this run reads",
                ragcheck::display::visible(&ragcheck::display::path(p))
            )
        })
}

/// The error for an output that would overwrite an input.
pub(crate) fn clobber_error(what: &str, target: &Path, input: &str) -> String {
    format!(
        "`{what} {}` is {input}; ragcheck never writes to the files it checks",
        ragcheck::display::visible(&target.to_string_lossy())
    )
}
