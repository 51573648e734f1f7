//! Arguments → validated settings → library calls → rendered output.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};

mod check;
mod explain;
mod fmt;
mod rules;
mod test;

use ragcheck::diagnostic::{Diagnostic, Severity};
use ragcheck::engine;
use ragcheck::render::{self, Format, RenderOptions};
use ragcheck::rules_io::read_rule_files;
use ragcheck::span::SourceFile;

/// Validate public-sector RAG performance returns against rules written as text.
#[derive(Debug, Parser)]
#[command(name = "ragcheck", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// Rule files or folders (repeatable); default `./rules`.
    #[arg(long = "rules", global = true, value_name = "PATH")]
    pub(crate) rules: Vec<PathBuf>,

    /// Output format.
    #[arg(long, global = true, value_parser = format_parser(), default_value_t = Format::Human)]
    pub(crate) format: Format,

    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// The least severity that makes the run fail (exit status 1).
    #[arg(long = "fail-on", global = true, value_enum, default_value_t = FailOn::Error)]
    pub(crate) fail_on: FailOn,

    /// Worker threads (default, or 0: one per core).
    #[arg(long, short = 'j', global = true, value_name = "N")]
    pub(crate) jobs: Option<usize>,

    /// Print only the problems: no RAG tables, no summary, no progress.
    #[arg(long, short = 'q', global = true)]
    pub(crate) quiet: bool,

    /// Colours in human output; `auto` colours a terminal unless NO_COLOR is
    /// set, `always` colours even when NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub(crate) color: ColorArg,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check returns (files or folders; `-` reads standard input).
    Check {
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
    },
    /// Compile and lint rule files only; list their measures and checks.
    Rules {
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Run the `test` blocks of rule files.
    Test {
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Format rule files in one canonical layout.
    Fmt {
        /// Only report files that would change (exit status 1 if any).
        #[arg(long)]
        check: bool,
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Explain a check: what it means, from its `about` and source.
    Explain {
        #[arg(value_name = "CHECK_ID")]
        id: String,
    },
}

/// `--format`: one of the names of [`Format::ALL`].
fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.map(Format::name))
        .try_map(|name| Format::parse(&name).ok_or("not a format"))
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ColorArg {
    Auto,
    Always,
    Never,
}

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
    if let Some(n) = cli.jobs {
        // 0 leaves rayon's default, one thread per core. Building the global
        // pool only fails if one already exists, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let settings = Settings::from(&cli);
    match &cli.command {
        Command::Check { paths } => check::run(&cli, &settings, paths),
        Command::Rules { paths } => rules::run(&cli, &settings, paths),
        Command::Explain { id } => explain::run(&cli, &settings, id),
        Command::Test { paths } => test::run(&cli, &settings, paths),
        Command::Fmt { check, paths } => fmt::run(&cli, &settings, *check, paths),
    }
}

/// Resolved output settings.
pub(crate) struct Settings {
    render: RenderOptions,
    pub(crate) format: Format,
    /// Colour for what goes to standard error (rule-file problems,
    /// unreadable paths): decided for stderr as `render.color` is for the
    /// output.
    stderr_color: bool,
}

impl From<&Cli> for Settings {
    fn from(cli: &Cli) -> Settings {
        let to_file = cli.output.is_some();
        // https://no-color.org: a NO_COLOR that is set and not empty turns
        // colour off; an explicit `--color always` still wins.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color_for = |terminal: bool| match cli.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => terminal && !no_color,
        };
        let color = color_for(!to_file && std::io::stdout().is_terminal());
        let stderr_color = color_for(std::io::stderr().is_terminal());
        let fail_on = match cli.fail_on {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        };
        Settings {
            render: RenderOptions {
                color,
                fail_on,
                base_dir: std::env::current_dir().ok(),
                quiet: cli.quiet,
                step_summary: false,
            },
            format: cli.format,
            stderr_color,
        }
    }
}

impl Settings {
    /// Render options for human output on standard error.
    pub(crate) fn stderr_render(&self) -> RenderOptions {
        RenderOptions {
            color: self.stderr_color,
            ..self.render.clone()
        }
    }
}

pub(crate) fn rule_paths(cli: &Cli) -> Vec<PathBuf> {
    if cli.rules.is_empty() {
        vec![PathBuf::from("rules")]
    } else {
        cli.rules.clone()
    }
}

/// Read and compile the rule set; on failure, print why and give `None`.
pub(crate) fn load_rules(
    cli: &Cli,
    settings: &Settings,
    paths: &[PathBuf],
) -> Option<(ragcheck::RuleSet, Vec<Diagnostic>)> {
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
    if !problems.is_empty() && (failed || !cli.quiet) {
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

pub(crate) fn write_output(cli: &Cli, bytes: &[u8]) -> Result<(), String> {
    match &cli.output {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|_| out.flush())
                .map_err(|e| format!("cannot write the output: {e}"))
        }
    }
}
