//! Arguments → validated settings → library calls → rendered output.

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use ragcheck::diagnostic::{Diagnostic, Severity};
use ragcheck::engine::{self, CheckOptions, Input};
use ragcheck::render::{self, Format, RenderOptions};
use ragcheck::rules_io::read_rule_files;
use ragcheck::span::SourceFile;

/// Validate public-sector RAG performance returns against rules written as text.
#[derive(Debug, Parser)]
#[command(name = "ragcheck", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Rule files or folders (repeatable); default `./rules`.
    #[arg(long = "rules", global = true, value_name = "PATH")]
    rules: Vec<PathBuf>,

    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,

    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    output: Option<PathBuf>,

    /// The least severity that makes the run fail (exit status 1).
    #[arg(long = "fail-on", global = true, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,

    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', global = true, value_name = "N")]
    jobs: Option<usize>,

    /// Print only the problems: no RAG tables, no summary, no progress.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,

    /// Colours in human output; `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check returns (files or folders; `-` reads standard input).
    Check {
        #[arg(value_name = "PATH", default_value = ".")]
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

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Exit statuses (SPEC 4).
const OK: i32 = 0;
const FAILED: i32 = 1;
const BROKEN: i32 = 2;

pub fn run(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { BROKEN } else { OK };
        }
    };
    if let Some(n) = cli.jobs {
        // Only fails if a pool already exists, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let settings = Settings::from(&cli);
    match &cli.command {
        Command::Check { paths } => check(&cli, &settings, paths),
        Command::Rules { paths } => rules(&cli, &settings, paths),
        Command::Explain { id } => explain(&cli, &settings, id),
        Command::Test { .. } | Command::Fmt { .. } => {
            eprintln!("error: this command is not available yet in this version of ragcheck");
            BROKEN
        }
    }
}

/// Resolved output settings.
struct Settings {
    render: RenderOptions,
    format: Format,
}

impl From<&Cli> for Settings {
    fn from(cli: &Cli) -> Settings {
        let to_file = cli.output.is_some();
        let color = match cli.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                !to_file
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        let fail_on = match cli.fail_on {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        };
        let format = match cli.format {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Junit => Format::Junit,
            FormatArg::Github => Format::Github,
        };
        Settings {
            render: RenderOptions {
                color,
                fail_on,
                base_dir: std::env::current_dir().ok(),
            },
            format,
        }
    }
}

fn rule_paths(cli: &Cli) -> Vec<PathBuf> {
    if cli.rules.is_empty() {
        vec![PathBuf::from("rules")]
    } else {
        cli.rules.clone()
    }
}

/// Read and compile the rule set; on failure, print why and give `None`.
fn load_rules(
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
        let opts = RenderOptions {
            color: settings.render.color && std::io::stderr().is_terminal(),
            ..settings.render.clone()
        };
        let _ = render::human::diagnostics(&problems, &lookup, &opts, &mut err);
    }
    match compiled.rules {
        Some(r) if !failed => Some((r, problems)),
        _ => None,
    }
}

fn check(cli: &Cli, settings: &Settings, paths: &[PathBuf]) -> i32 {
    let Some((rules, _warnings)) = load_rules(cli, settings, &rule_paths(cli)) else {
        return BROKEN;
    };
    let mut inputs = Vec::new();
    let mut stdin_used = false;
    let mut file_paths = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            if !stdin_used {
                let mut bytes = Vec::new();
                if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                    eprintln!("error: cannot read standard input: {e}");
                    return BROKEN;
                }
                inputs.push(Input::Stdin(bytes));
                stdin_used = true;
            }
        } else {
            file_paths.push(p.clone());
        }
    }
    let (files, unreadable) = engine::discover(&file_paths);
    inputs.extend(files.into_iter().map(Input::File));
    let opts = CheckOptions {
        keep_sources: settings.format == Format::Human,
    };
    let report = engine::check_inputs(&rules, inputs, &opts);
    let catalogue = rules.catalogue();
    let mut buf = Vec::new();
    if let Err(e) = render::report(
        settings.format,
        &report,
        &catalogue,
        &settings.render,
        &mut buf,
    ) {
        eprintln!("error: cannot render the report: {e}");
        return BROKEN;
    }
    if let Err(e) = write_output(cli, &buf) {
        eprintln!("error: {e}");
        return BROKEN;
    }
    if !unreadable.is_empty() {
        let diags: Vec<Diagnostic> = unreadable
            .iter()
            .map(|(p, r)| engine::unreadable(p, r))
            .collect();
        let mut err = std::io::stderr().lock();
        let _ = render::human::diagnostics(&diags, &|_| None, &settings.render, &mut err);
        return BROKEN;
    }
    let failing = report.diagnostics().any(|d| settings.render.fails(d));
    if failing { FAILED } else { OK }
}

fn write_output(cli: &Cli, bytes: &[u8]) -> Result<(), String> {
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

fn rules(cli: &Cli, settings: &Settings, paths: &[PathBuf]) -> i32 {
    let paths = if paths.is_empty() {
        rule_paths(cli)
    } else {
        paths.to_vec()
    };
    let Some((rules, _)) = load_rules(cli, settings, &paths) else {
        return BROKEN;
    };
    let mut text = String::new();
    text.push_str(&format!(
        "{} rule files: {} measures, {} checks, {} tests\n\n",
        rules.sources.len(),
        rules.measures.len(),
        rules.checks.len(),
        rules.tests.len()
    ));
    text.push_str("measures:\n");
    for m in &rules.measures {
        let unit = m.unit.map(|u| u.name()).unwrap_or("-");
        let bands: Vec<&str> = m.bands.iter().map(|b| b.status.name()).collect();
        let mut flags = Vec::new();
        if m.required {
            flags.push("required");
        }
        if m.cumulative {
            flags.push("cumulative");
        }
        text.push_str(&format!(
            "  {:<28} {:<8} {:<22} {}\n",
            m.id,
            unit,
            if bands.is_empty() {
                "no bands".to_string()
            } else {
                bands.join(" > ")
            },
            flags.join(", ")
        ));
    }
    text.push_str("\nchecks:\n");
    for c in &rules.checks {
        let scope = match &c.scope {
            ragcheck::ir::Scope::Return => "each return".to_string(),
            ragcheck::ir::Scope::EachMeasure(_) => "each measure".to_string(),
            ragcheck::ir::Scope::EachValue(_) => "each value".to_string(),
            ragcheck::ir::Scope::Measures(ids) => format!("{} measures", ids.len()),
        };
        text.push_str(&format!(
            "  {:<28} {:<14} {}:{}\n",
            c.id, scope, c.rule.file, c.rule.line
        ));
    }
    match write_output(cli, text.as_bytes()) {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: {e}");
            BROKEN
        }
    }
}

fn explain(cli: &Cli, settings: &Settings, id: &str) -> i32 {
    if let Some(b) = ragcheck::checks::BUILTINS.iter().find(|b| b.id == id) {
        let text = format!(
            "{} (built-in, {} by default)\n\n{}\n\n{}\n",
            b.id, b.severity, b.about, b.docs
        );
        return match write_output(cli, text.as_bytes()) {
            Ok(()) => OK,
            Err(_) => BROKEN,
        };
    }
    let Some((rules, _)) = load_rules(cli, settings, &rule_paths(cli)) else {
        return BROKEN;
    };
    match rules.explain(id) {
        Some(text) => match write_output(cli, text.as_bytes()) {
            Ok(()) => OK,
            Err(_) => BROKEN,
        },
        None => {
            let names = ragcheck::checks::BUILTINS
                .iter()
                .map(|b| b.id)
                .chain(rules.checks.iter().map(|c| c.id.as_str()))
                .chain(rules.measures.iter().map(|m| m.id.as_str()));
            match ragcheck::compile::did_you_mean(id, names) {
                Some(s) => {
                    eprintln!("error: there is no check or measure `{id}`; did you mean `{s}`?")
                }
                None => eprintln!("error: there is no check or measure `{id}`"),
            }
            BROKEN
        }
    }
}
