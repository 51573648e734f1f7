//! `ragcheck check`: load the rules, check the returns, render, and decide
//! the exit status.
//!
//! Paths that cannot be read at all (a missing file, a folder that cannot be
//! walked, a named file that cannot be opened) make the run fail with exit
//! status 2, but only after every other return has been checked and
//! reported: one bad path never hides the rest.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ragcheck::diagnostic::Diagnostic;
use ragcheck::engine::{self, CheckOptions, Input};
use ragcheck::render::{self, Format};
use ragcheck::report::Summary;

use super::{BROKEN, Cli, FAILED, OK, Settings, load_rules, rule_paths};

/// The variable GitHub Actions sets to the step's Markdown summary file.
const STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";

pub(crate) fn run(cli: &Cli, settings: &Settings, paths: &[PathBuf]) -> i32 {
    let Some((rules, _warnings)) = load_rules(cli, settings, &rule_paths(cli)) else {
        return BROKEN;
    };
    let Inputs {
        stdin,
        files,
        unreadable,
    } = match inputs(paths) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {e}");
            return BROKEN;
        }
    };
    if stdin.is_none() && files.is_empty() && unreadable.is_empty() && !cli.quiet {
        eprintln!(
            "warning: no returns found (files ending in .{})",
            engine::RETURN_EXTENSIONS.join(", .")
        );
    }
    if let Some(out) = &cli.output
        && let Some(input) = overwritten_input(out, &files)
    {
        eprintln!(
            "error: `--output {}` is one of the returns being checked (`{}`); \
             ragcheck never writes to the files it checks",
            out.display(),
            input.display()
        );
        return BROKEN;
    }
    let opts = CheckOptions {
        keep_sources: settings.format == Format::Human,
    };
    let progress = !cli.quiet && std::io::stderr().is_terminal();
    // Every format is written file by file as reports arrive, so memory
    // stays flat however many returns there are.
    let total = files.len() + usize::from(stdin.is_some());
    let inputs = stdin.into_iter().chain(files.into_inputs());
    let failing = match stream(cli, settings, &rules, (total, inputs), &opts, progress) {
        Ok(failing) => failing,
        Err(e) => {
            eprintln!("error: {e}");
            return BROKEN;
        }
    };
    if !unreadable.is_empty() {
        report_unreadable(settings, &unreadable);
        return BROKEN;
    }
    if failing { FAILED } else { OK }
}

/// Say on stderr which paths could not be read.
fn report_unreadable(settings: &Settings, unreadable: &[(PathBuf, String)]) {
    let diags: Vec<Diagnostic> = unreadable
        .iter()
        .map(|(p, r)| engine::unreadable(p, r))
        .collect();
    let mut err = std::io::stderr().lock();
    let _ = render::human::diagnostics(&diags, &|_| None, &settings.stderr_render(), &mut err);
}

/// Check and render file by file, in order, as [`engine::check_each`]
/// does: each file is rendered on the worker that checked it, and only
/// what the format must hold until the end is kept (see [`Output`]). With
/// `--format github`, the step summary is appended to
/// `$GITHUB_STEP_SUMMARY` once the annotations are out. Returns whether
/// anything fails the run.
fn stream(
    cli: &Cli,
    settings: &Settings,
    rules: &ragcheck::RuleSet,
    (total, inputs): (usize, impl Iterator<Item = Input>),
    opts: &CheckOptions,
    progress: bool,
) -> Result<bool, String> {
    let mut out: Box<dyn Write> = match &cli.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let step_summary = match settings.format {
        Format::Github => std::env::var_os(STEP_SUMMARY).filter(|p| !p.is_empty()),
        _ => None,
    };
    let mut output = match settings.format {
        Format::Human => Output::Human(Summary::default()),
        Format::Json => Output::Json(render::json::JsonStream::new()),
        Format::Sarif => Output::Sarif(render::sarif::SarifStream::new(
            &rules.catalogue(),
            &settings.render,
        )),
        Format::Junit => Output::Junit(render::junit::JunitStream::new()),
        Format::Github => Output::Github(
            step_summary
                .is_some()
                .then(render::github::StepSummary::new),
        ),
    };
    let bar = progress_bar(total, progress && total > 1);
    let start = Instant::now();
    let mut failing = false;
    let mut failed: Option<std::io::Error> = None;
    // Each file is checked and rendered on a worker, into its own part;
    // only taking the parts in, in order, is serial.
    let render_part = |file: ragcheck::report::FileReport| -> std::io::Result<Part> {
        let summary = file.summary();
        let failing = fails(&file, settings);
        let rendered = match settings.format {
            Format::Human => {
                let mut bytes = Vec::new();
                render::human::file(&file, &settings.render, &mut bytes)?;
                Rendered::Text(bytes)
            }
            Format::Json => {
                let (bytes, entries) = render::json::file_entries(&file)?;
                Rendered::Json(bytes, entries)
            }
            Format::Sarif => Rendered::Sarif(render::sarif::findings(file)),
            Format::Junit => Rendered::Junit(render::junit::file(&file, &settings.render)),
            Format::Github => {
                let mut bytes = Vec::new();
                render::github::file(&file, &mut bytes)?;
                let sections = match step_summary {
                    Some(_) => render::github::sections(&file),
                    None => Vec::new(),
                };
                Rendered::Github(bytes, sections)
            }
        };
        Ok(Part {
            summary,
            failing,
            rendered,
        })
    };
    engine::check_each_then(rules, inputs, opts, render_part, |part| {
        if failed.is_some() {
            return;
        }
        let written = part.and_then(|part| {
            failing |= part.failing;
            output.take(part, &mut |bytes| bar.suspend(|| out.write_all(bytes)))
        });
        if let Err(e) = written {
            failed = Some(e);
        }
        tick(&bar, progress, total, start);
    });
    bar.finish_and_clear();
    if let Some(e) = failed {
        return Err(format!("cannot write the output: {e}"));
    }
    let markdown = match output {
        Output::Human(summary) => {
            render::human::summary(&summary, &settings.render, &mut out).map(|_| None)
        }
        Output::Json(json) => json.finish(&mut out).map(|_| None),
        Output::Sarif(sarif) => sarif.finish(&mut out).map(|_| None),
        Output::Junit(junit) => junit.finish(&mut out).map(|_| None),
        Output::Github(summary) => Ok(summary.map(render::github::StepSummary::finish)),
    }
    .and_then(|markdown| out.flush().map(|_| markdown))
    .map_err(|e| format!("cannot write the output: {e}"))?;
    if let (Some(path), Some(markdown)) = (step_summary, markdown)
        && let Err(e) = append_step_summary(Path::new(&path), &markdown)
    {
        // The annotations are out; a summary that cannot be written is
        // worth saying but does not change the verdict.
        eprintln!(
            "warning: cannot append the step summary to `{}`: {e}",
            Path::new(&path).display()
        );
    }
    Ok(failing)
}

/// One file, checked and rendered on a worker thread.
struct Part {
    summary: Summary,
    failing: bool,
    rendered: Rendered,
}

/// A file's part of the output, in its format.
enum Rendered {
    /// Human output: written out as it comes.
    Text(Vec<u8>),
    /// JSON entries, and how many.
    Json(Vec<u8>, usize),
    /// What a SARIF log needs of the file, to be rendered in order.
    Sarif(ragcheck::report::FileReport),
    Junit(render::junit::Suites),
    /// Annotations, written out as they come, and the file's sections of
    /// the step summary (none when there is no step summary to write).
    Github(Vec<u8>, Vec<String>),
}

/// What the run keeps, in its format, until every file is in.
enum Output {
    /// The counts, for the summary line.
    Human(Summary),
    Json(render::json::JsonStream),
    Sarif(render::sarif::SarifStream),
    Junit(render::junit::JunitStream),
    /// The step summary, when there is one to write.
    Github(Option<render::github::StepSummary>),
}

impl Output {
    /// Take in one file's part; what is written out as it comes goes to
    /// `write`.
    fn take(
        &mut self,
        part: Part,
        write: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        match (self, part.rendered) {
            (Output::Human(summary), Rendered::Text(bytes)) => {
                summary.add(&part.summary);
                write(&bytes)
            }
            (Output::Json(json), Rendered::Json(bytes, entries)) => {
                json.push(&part.summary, &bytes, entries)
            }
            (Output::Sarif(sarif), Rendered::Sarif(file)) => sarif.file(&file),
            (Output::Junit(junit), Rendered::Junit(suites)) => junit.push(&suites),
            (Output::Github(summary), Rendered::Github(bytes, sections)) => {
                if let Some(summary) = summary {
                    summary.push(&part.summary, sections);
                }
                write(&bytes)
            }
            _ => Err(std::io::Error::other(
                "a part rendered in another format (a bug in ragcheck)",
            )),
        }
    }
}

/// Whether a file's report has anything that fails the run.
fn fails(file: &ragcheck::report::FileReport, settings: &Settings) -> bool {
    file.all_diagnostics().any(|d| settings.render.fails(d))
}

/// A progress bar, hidden until the run proves long.
fn progress_bar(total: usize, wanted: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} checking {pos}/{len} files {wide_bar} {eta}")
    {
        bar.set_style(style);
    }
    if wanted && total > LONG_RUN_FILES {
        bar.set_draw_target(ProgressDrawTarget::stderr());
    }
    bar
}

/// What the paths on the command line come to.
struct Inputs {
    /// Standard input (once, however often `-` is named), then the files
    /// found under the paths, in path order. Kept as paths, not yet as
    /// [`Input`]s, so a long list costs as little as it can.
    stdin: Option<Input>,
    files: engine::FileList,
    /// Paths that could not be read, with why.
    unreadable: Vec<(PathBuf, String)>,
}

/// Expand the paths; only failing to read standard input is an error.
fn inputs(paths: &[PathBuf]) -> Result<Inputs, String> {
    let mut stdin = None;
    let mut named = Vec::new();
    let mut unreadable = Vec::new();
    let mut stdin_read = false;
    for p in paths {
        if p.as_os_str() == "-" {
            if stdin_read {
                continue;
            }
            stdin_read = true;
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            stdin = Some(Input::Stdin(bytes));
        } else if p.is_file()
            && let Err(e) = std::fs::File::open(p)
        {
            // A file named on the command line that cannot be opened is an
            // unreadable path (exit status 2), not a bad return.
            unreadable.push((p.clone(), e.to_string()));
        } else {
            named.push(p.clone());
        }
    }
    let (files, errors) = engine::discover_list(&named);
    unreadable.extend(errors);
    unreadable.sort();
    Ok(Inputs {
        stdin,
        files,
        unreadable,
    })
}

/// The input that `output` names, if any: writing the report there would
/// destroy a return (SPEC 5). Only an existing file can be one, so most
/// runs cost a single `stat`; otherwise each input is looked at once.
fn overwritten_input<'a>(output: &Path, files: &'a engine::FileList) -> Option<&'a Path> {
    let output = file_identity(output)?;
    files
        .iter()
        .find(|p| file_identity(p).is_some_and(|p| p == output))
}

/// What makes two paths the same file, whatever their names: on Unix its
/// device and inode (one `stat`, and hard links are caught too).
#[cfg(unix)]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.dev(), meta.ino()))
}

/// What makes two paths the same file, whatever their names: elsewhere its
/// canonical path.
#[cfg(not(unix))]
fn file_identity(path: &Path) -> Option<std::path::PathBuf> {
    path.canonicalize().ok()
}

/// A run is long enough for a progress bar when it has more files than
/// this, or has taken longer than [`LONG_RUN_TIME`] so far.
const LONG_RUN_FILES: usize = 200;
const LONG_RUN_TIME: Duration = Duration::from_secs(2);

/// Count one file off, and show the bar once the run proves long.
fn tick(bar: &ProgressBar, progress: bool, total: usize, start: Instant) {
    bar.inc(1);
    if progress && bar.is_hidden() && (total > LONG_RUN_FILES || start.elapsed() > LONG_RUN_TIME) {
        bar.set_draw_target(ProgressDrawTarget::stderr());
    }
}

/// Append the Markdown step summary to GitHub's summary file.
fn append_step_summary(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(markdown.as_bytes())?;
    file.flush()
}
