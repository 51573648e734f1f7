//! The raw command line, as clap parses it: every flag as typed, with
//! nothing decided yet. [`super::settings`] turns it (and the config file)
//! into the settings the subcommands run with; nothing else reads it.
//!
//! A flag that was not given is `None` here, never its default, so that the
//! config file can fill it in and `--show-settings` can say where each
//! value came from.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};
use ragcheck::render::Format;
use serde::Deserialize;

const EXAMPLES: &str = "\
Examples:
  ragcheck check returns/                 check every return under returns/ against ./rules
  ragcheck check q3.xlsx --rules ../rules check one workbook against rules kept elsewhere
  ragcheck check . --format sarif -o ragcheck.sarif
                                          write a SARIF report for code scanning
  ragcheck check . --show-settings        print the settings in effect and where each comes from
  ragcheck rules                          compile and lint ./rules, list what they define
  ragcheck explain status_mismatch        what a check means, with an example
  ragcheck fmt --check                    list rule files that are not formatted

Settings are read from ragcheck.toml, or [tool.ragcheck] in pyproject.toml, in the working
directory or the nearest folder above it; flags override them (docs/guide.md, \"Configuration\").";

/// Validate public-sector RAG performance returns against rules written as text.
#[derive(Debug, Parser)]
#[command(
    name = "ragcheck",
    version,
    about,
    max_term_width = 100,
    after_help = EXAMPLES
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// Rule files or folders (repeatable); default `./rules`, or `rules` in
    /// the config file. With `rules`, `test` and `fmt`, positional paths
    /// take the place of these.
    #[arg(long = "rules", global = true, value_name = "PATH")]
    pub(crate) rules: Vec<PathBuf>,

    /// Output format [default: human]: `concise` is one line per diagnostic.
    /// `check` takes every format; `rules` takes `human` and `json`.
    #[arg(long, global = true, value_parser = format_parser())]
    pub(crate) format: Option<Format>,

    /// Write the output to FILE instead of standard output (`-` is standard
    /// output).
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// The least severity that makes `check` fail (exit status 1)
    /// [default: error].
    #[arg(long = "fail-on", global = true, value_enum)]
    pub(crate) fail_on: Option<FailOn>,

    /// Worker threads for `check` and `test` (0: one per core, the default).
    #[arg(long, short = 'j', global = true, value_name = "N")]
    pub(crate) jobs: Option<usize>,

    /// Print only the problems: no RAG tables, no summary, no progress.
    #[arg(long, short = 'q', global = true)]
    pub(crate) quiet: bool,

    /// Colours in human output [default: auto]; `auto` colours a terminal
    /// unless NO_COLOR is set, `always` colours even when NO_COLOR is set.
    #[arg(long, global = true, value_enum)]
    pub(crate) color: Option<ColorArg>,

    /// Read settings from this file (a ragcheck.toml, or a pyproject.toml
    /// with [tool.ragcheck]) instead of looking for one.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,

    /// Ignore every config file: flags and defaults only.
    #[arg(long = "no-config", global = true)]
    pub(crate) no_config: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check returns (files or folders; `-` reads standard input).
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Compile and lint rule files only; list their measures and checks.
    Rules {
        /// Rule files or folders [default: the `--rules` paths, else ./rules].
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Run the `test` blocks of rule files.
    Test {
        /// Rule files or folders [default: the `--rules` paths, else ./rules].
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Format rule files in one canonical layout.
    Fmt {
        /// Only report files that would change (exit status 1 if any).
        #[arg(long)]
        check: bool,
        /// Rule files or folders [default: the `--rules` paths, else ./rules].
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Explain a check: what it means, from its `about` and source.
    Explain {
        /// A built-in check, a check or a measure of the rules.
        #[arg(value_name = "CHECK_ID")]
        id: String,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), for `man -l -` or a man folder.
    Man,
}

const CHECK_EXAMPLES: &str = "\
Examples:
  ragcheck check returns/                  every return under returns/, against ./rules
  ragcheck check . --exclude drafts        leave out every folder or file named drafts
  ragcheck check - < q3.yaml               a return on standard input
  ragcheck check . --format github         annotations for GitHub Actions
  ragcheck check . --fail-on warning -q    fail on warnings too, print only the problems

Folders are walked for .yaml, .yml, .json, .csv, .xlsx and .ods files; .gitignore files,
hidden files and folders and Office lock files (~$name.xlsx) are left out. A file named
directly is always checked.";

/// The arguments of `ragcheck check`.
#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Returns to check: files, folders (walked), or `-` for standard input.
    #[arg(value_name = "PATH", required_unless_present = "show_settings")]
    pub(crate) paths: Vec<PathBuf>,

    /// Leave out files and folders matching GLOB when walking folders
    /// (repeatable; .gitignore syntax, so `drafts` matches at any depth).
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,

    /// Walk into what .gitignore and .ignore files leave out.
    #[arg(long = "no-ignore")]
    pub(crate) no_ignore: bool,

    /// Print the settings in effect, and where each comes from, then stop.
    #[arg(long = "show-settings")]
    pub(crate) show_settings: bool,

    /// Count the diagnostics of each check instead of listing them (human
    /// and concise output).
    #[arg(long)]
    pub(crate) statistics: bool,

    /// Read every CSV file and spreadsheet with this layout of the rules,
    /// whatever its name.
    #[arg(long, value_name = "NAME")]
    pub(crate) layout: Option<String>,

    /// Earlier returns (files or folders, repeatable) for `previous`,
    /// `last_year` and `restated_value`: read with the same layouts, never
    /// checked or reported.
    #[arg(long, value_name = "PATH")]
    pub(crate) history: Vec<PathBuf>,

    /// Check only the K-th of N shares of the input files (dealt by a
    /// stable hash of each path), for splitting a collection over N
    /// machines; peers and history are still gathered from every file.
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    pub(crate) partition: Option<(u32, u32)>,
}

/// `--partition K/N`, with 1 <= K <= N.
fn parse_partition(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{text}` is not K/N with 1 <= K <= N, such as `2/3`");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let k: u32 = k.trim().parse().map_err(|_| bad())?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// `--format`: one of the names of [`Format::ALL`].
fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.map(Format::name))
        .try_map(|name| Format::parse(&name).ok_or("not a format"))
}

/// A format named in the config file.
pub(crate) fn parse_format<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Format>, D::Error> {
    let name = String::deserialize(d)?;
    match Format::parse(&name) {
        Some(f) => Ok(Some(f)),
        None => Err(serde::de::Error::custom(format!(
            "unknown format `{name}`, expected one of {}",
            Format::ALL.map(|f| format!("`{}`", f.name())).join(", ")
        ))),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ColorArg {
    Auto,
    Always,
    Never,
}

/// How a value of one of these enums is written on the command line.
pub(crate) fn flag_value(v: impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}
