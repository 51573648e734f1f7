//! Arguments → validated settings → library calls → rendered output.

use std::ffi::OsString;
use std::io::Write;
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
    if settings.jobs > 0 {
        // 0 leaves rayon's default, one thread per core. Building the global
        // pool only fails if one already exists, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(settings.jobs)
            .build_global();
    }
    match task {
        Task::Check {
            paths,
            show_settings: true,
            ..
        } => {
            let _ = paths;
            finish(write_output(&settings, settings.show().as_bytes()), OK)
        }
        Task::Check { paths, layout, .. } => check::run(&settings, &paths, layout.as_deref()),
        Task::Rules => rules::run(&settings),
        Task::Explain { id } => explain::run(&settings, &id),
        Task::Test => test::run(&settings),
        Task::Fmt { check } => fmt::run(&settings, check),
        Task::Completions(shell) => {
            let mut bytes = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ragcheck", &mut bytes);
            finish(write_output(&settings, &bytes), OK)
        }
        Task::Man => {
            let mut bytes = Vec::new();
            let written = clap_mangen::Man::new(Cli::command())
                .render(&mut bytes)
                .map_err(|e| format!("cannot write the man page: {e}"))
                .and_then(|()| write_output(&settings, &bytes));
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
pub(crate) fn load_rules(settings: &Settings) -> Option<(ragcheck::RuleSet, Vec<Diagnostic>)> {
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

/// Write `bytes` to the output (`--output`, else standard output). A
/// reader that has gone away (`ragcheck rules | head`) is not an error:
/// the run ends quietly, as ripgrep's does.
pub(crate) fn write_output(settings: &Settings, bytes: &[u8]) -> Result<(), String> {
    match &settings.output {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
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
