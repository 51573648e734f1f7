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
use ragcheck::report::{Report, Summary};

use super::{BROKEN, Cli, FAILED, OK, Settings, load_rules, rule_paths, write_output};

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
    if matches!(settings.format, Format::Human | Format::Json) {
        // Human and JSON output are written file by file as reports
        // arrive, so memory stays flat however many returns there are.
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
        return if failing { FAILED } else { OK };
    }
    let inputs: Vec<Input> = stdin.into_iter().chain(files.into_inputs()).collect();
    let report = check(&rules, inputs, &opts, progress);

    let mut buf = Vec::new();
    if let Err(e) = render::report(
        settings.format,
        &report,
        &rules.catalogue(),
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
    if settings.format == Format::Github
        && let Some(path) = std::env::var_os(STEP_SUMMARY).filter(|p| !p.is_empty())
        && let Err(e) = append_step_summary(Path::new(&path), &report)
    {
        // The annotations are out; a summary that cannot be written is
        // worth saying but does not change the verdict.
        eprintln!(
            "warning: cannot append the step summary to `{}`: {e}",
            Path::new(&path).display()
        );
    }
    if !unreadable.is_empty() {
        report_unreadable(settings, &unreadable);
        return BROKEN;
    }
    let failing = report.diagnostics().any(|d| settings.render.fails(d));
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

/// Check and render human or JSON output file by file, in batches as
/// [`engine::check_each`] does; only the summary's counts (and, for JSON, a
/// spool of the rendered entries) are kept. Returns whether anything fails
/// the run.
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
    let bar = progress_bar(total, progress && total > 1);
    let start = Instant::now();
    let mut summary = Summary::default();
    let mut json = (settings.format == Format::Json).then(render::json::JsonStream::new);
    let mut failing = false;
    let mut failed: Option<std::io::Error> = None;
    // Each file is checked and rendered on a worker, into its own bytes;
    // only writing them out, in order, is serial.
    let render_part = |file: ragcheck::report::FileReport| -> std::io::Result<Part> {
        let mut part = Part {
            summary: file.summary(),
            failing: fails(&file, settings),
            bytes: Vec::new(),
            entries: 0,
        };
        if settings.format == Format::Json {
            (part.bytes, part.entries) = render::json::file_entries(&file)?;
        } else {
            render::human::file(&file, &settings.render, &mut part.bytes)?;
        }
        Ok(part)
    };
    engine::check_each_then(rules, inputs, opts, render_part, |part| {
        if failed.is_some() {
            return;
        }
        let written = part.and_then(|part| {
            summary.add(&part.summary);
            failing |= part.failing;
            match &mut json {
                Some(json) => json.push(&part.summary, &part.bytes, part.entries),
                None => bar.suspend(|| out.write_all(&part.bytes)),
            }
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
    match json {
        Some(json) => json.finish(&mut out),
        None => render::human::summary(&summary, &settings.render, &mut out),
    }
    .and_then(|_| out.flush())
    .map_err(|e| format!("cannot write the output: {e}"))?;
    Ok(failing)
}

/// One file, checked and rendered on a worker thread.
struct Part {
    summary: Summary,
    failing: bool,
    bytes: Vec<u8>,
    /// JSON entries in `bytes`.
    entries: usize,
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
/// runs cost a single `stat`.
fn overwritten_input<'a>(output: &Path, files: &'a engine::FileList) -> Option<&'a Path> {
    let output = output.canonicalize().ok()?;
    files
        .iter()
        .find(|p| p.canonicalize().is_ok_and(|p| p == output))
}

/// A run is long enough for a progress bar when it has more files than
/// this, or has taken longer than [`LONG_RUN_TIME`] so far.
const LONG_RUN_FILES: usize = 200;
const LONG_RUN_TIME: Duration = Duration::from_secs(2);

/// Check every input. With `progress` (stderr is a terminal and the run is
/// not quiet) the inputs go to the engine in batches, and a bar on stderr
/// counts them off once the run is long; it is cleared before any output.
fn check(
    rules: &ragcheck::RuleSet,
    inputs: Vec<Input>,
    opts: &CheckOptions,
    progress: bool,
) -> Report {
    if !progress || inputs.len() < 2 {
        return engine::check_inputs(rules, inputs, opts);
    }
    let total = inputs.len();
    let bar = progress_bar(total, true);
    let start = Instant::now();
    let mut files = Vec::with_capacity(total);
    engine::check_each(rules, inputs, opts, |file| {
        files.push(file);
        tick(&bar, progress, total, start);
    });
    bar.finish_and_clear();
    Report { files }
}

/// Count one file off, and show the bar once the run proves long.
fn tick(bar: &ProgressBar, progress: bool, total: usize, start: Instant) {
    bar.inc(1);
    if progress && bar.is_hidden() && (total > LONG_RUN_FILES || start.elapsed() > LONG_RUN_TIME) {
        bar.set_draw_target(ProgressDrawTarget::stderr());
    }
}

/// Append the Markdown step summary to GitHub's summary file.
fn append_step_summary(path: &Path, report: &Report) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(render::github::step_summary(report).as_bytes())?;
    file.flush()
}
