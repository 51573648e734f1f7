//! Checking returns: load, evaluate in parallel, report. The files come
//! from [`crate::discover`].
//!
//! Each file is read, loaded and checked by one rayon worker, producing its
//! own [`FileReport`]; reports are gathered in path order so the output
//! never depends on which worker finished first. A file's text and loaded
//! model live only while it is checked ([`check_input`]); [`check_each`]
//! hands reports on in order as they are done, for output that is written
//! as it comes, instead of gathering them all ([`check_inputs`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::collection::{Builder, Collection, Part};
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::display::path as display_path;
use crate::eval::Program;
use crate::report::{FileReport, Report};
use crate::returns::{self, LoadedFile};
use crate::waiver;

mod file;
mod handoff;

use file::check_loaded_sharing;
pub use file::{check_loaded, check_return};
use handoff::Handoff;

/// Where returns come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    /// Standard input, already read.
    Stdin(Vec<u8>),
}

/// Options for a check run.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Keep the text of each file that has a diagnostic in its report, for
    /// snippets (a clean file needs none, and its text is not kept).
    pub keep_sources: bool,
    /// `--layout NAME`: the index of the layout (in [`crate::ir::RuleSet::layouts`])
    /// that reads every CSV file and spreadsheet, whatever its name.
    pub layout: Option<usize>,
    /// Leave the rule set's waivers out: every diagnostic stands as the
    /// checks raised it (rule tests, whose fixture returns are made up).
    pub ignore_waivers: bool,
    /// Keep every sub-period's value, the target and the bands of each
    /// measure ([`crate::report::MeasureDetail`]), for the HTML report.
    pub keep_values: bool,
    /// The collection gathered first ([`gather`]), when the rules read
    /// `peers`, `previous` or `last_year` or history is given (SPEC 3.9).
    pub collection: Option<Arc<Collection>>,
}

/// Check inputs in parallel; reports come back in input order, followed
/// by the rule files' problems found over the run (`expired_waiver`,
/// `unused_waiver`: see [`waiver::Tally`]).
pub fn check_inputs(rules: &Program, inputs: Vec<Input>, opts: &CheckOptions) -> Report {
    let mut files: Vec<FileReport> = inputs
        .into_par_iter()
        .map(|input| check_input(rules, input, opts))
        .collect();
    if !opts.ignore_waivers {
        let mut tally = waiver::Tally::new(rules);
        files.iter().for_each(|f| tally.add(f));
        files.extend(tally.finish(rules));
    }
    Report { files }
}

/// How many inputs [`check_each`] keeps in flight (being checked, or done
/// and waiting for those before them to be handed on): enough to keep every
/// worker busy, few enough that the reports waiting their turn stay small.
pub const STREAM_WINDOW: usize = 512;

/// No further input is started while those in flight come to this many
/// bytes: a national collection may be a few CSV files of tens of megabytes
/// each, and a file's report (and rendered output) is held until it is
/// handed on.
pub const STREAM_WINDOW_BYTES: u64 = 64 << 20;

/// Check inputs in parallel and hand each file's report to `sink` in input
/// order, as soon as it and those before it are done. At most
/// [`STREAM_WINDOW`] inputs (and, past the first, [`STREAM_WINDOW_BYTES`])
/// are in flight at a time, so memory stays flat however many returns there
/// are, for a renderer that writes each file's part as it comes.
pub fn check_each(
    rules: &Program,
    inputs: impl IntoIterator<Item = Input>,
    opts: &CheckOptions,
    sink: impl FnMut(FileReport),
) {
    check_each_then(rules, inputs, opts, |report| report, sink);
}

/// [`check_each`], with `then` applied to each report on the worker that
/// checked it (to render it, say), so that only `sink` runs in order, on
/// the calling thread.
///
/// The inputs flow through a window rather than in batches: a new input is
/// started as soon as one is handed on, so no worker waits for the slowest
/// file of a batch, and `sink` runs while the workers check.
pub fn check_each_then<T: Send>(
    rules: &Program,
    inputs: impl IntoIterator<Item = Input>,
    opts: &CheckOptions,
    then: impl Fn(FileReport) -> T + Sync,
    mut sink: impl FnMut(T),
) {
    let then = &then;
    if rayon::current_thread_index().is_some() {
        // Called on a pool thread: waiting there for the pool's work could
        // starve it (a pool of one would never run it). Check a window at a
        // time instead.
        let mut inputs = inputs.into_iter().peekable();
        while inputs.peek().is_some() {
            let window: Vec<Input> = inputs.by_ref().take(STREAM_WINDOW).collect();
            let done: Vec<Vec<T>> = window
                .into_par_iter()
                .map(|input| {
                    let mut pieces = Vec::new();
                    check_input_pieces(rules, input, opts, &mut |piece| pieces.push(then(piece)));
                    pieces
                })
                .collect();
            done.into_iter().flatten().for_each(&mut sink);
        }
        return;
    }
    let mut inputs = inputs.into_iter().enumerate();
    let handoff = Handoff::<T>::default();
    let handoff = &handoff;
    // Runs here, on the calling thread; the spawned checks run on the pool.
    rayon::in_place_scope(|scope| {
        // Sizes of the inputs in flight, oldest first, from the next one to
        // hand on.
        let mut flight: std::collections::VecDeque<u64> = Default::default();
        let mut flight_bytes = 0u64;
        let mut batch = Vec::new();
        loop {
            while flight.len() < STREAM_WINDOW
                && (flight.is_empty() || flight_bytes < STREAM_WINDOW_BYTES)
            {
                let Some((i, input)) = inputs.next() else {
                    break;
                };
                let bytes = input_bytes(&input);
                flight.push_back(bytes);
                flight_bytes += bytes;
                scope.spawn(move |_| {
                    let _depth = Depth::enter();
                    let outermost = _depth.outermost();
                    let mut piece = 0u32;
                    let mut ended = false;
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        check_input_pieces(rules, input, opts, &mut |report| {
                            let last = !report.piece.more;
                            let done = then(report);
                            handoff.finish(i, piece, last, Ok(done), outermost);
                            piece += 1;
                            ended = last;
                        });
                    }));
                    match result {
                        Err(panic) => handoff.finish(i, piece, true, Err(panic), false),
                        // Every input ends with a last piece
                        // (`check_input_pieces` makes sure of it).
                        Ok(()) if !ended => handoff.finish(
                            i,
                            piece,
                            true,
                            Err(Box::new("an input ended without its last piece")),
                            false,
                        ),
                        Ok(()) => {}
                    }
                });
            }
            if flight.is_empty() {
                break;
            }
            // Every input in flight ends with exactly one last piece, so
            // this returns.
            handoff.take(flight.len(), &mut batch);
            for (result, last) in batch.drain(..) {
                match result {
                    Ok(t) => sink(t),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
                if last {
                    flight_bytes -= flight.pop_front().unwrap_or(0);
                }
            }
        }
    });
}

/// How many pieces of a file's report may wait, done, for the files before
/// it to be handed on: its worker waits (when it can do so safely) until
/// they are taken, so that a large CSV file behind a slow one is not held
/// whole.
const PIECES_WAITING: usize = 4;

/// How deep in the checks of inputs a worker thread is: a worker waiting
/// in a join may run another input's check on top of its own, and only
/// the outermost check on a thread may wait for its pieces to be taken
/// (one below it may be the input they wait for).
struct Depth;

thread_local! {
    static DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

impl Depth {
    fn enter() -> Depth {
        DEPTH.with(|d| d.set(d.get() + 1));
        Depth
    }

    fn outermost(&self) -> bool {
        DEPTH.with(|d| d.get() == 1)
    }
}

impl Drop for Depth {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// The size of an input, for [`STREAM_WINDOW_BYTES`].
fn input_bytes(input: &Input) -> u64 {
    match input {
        Input::File(path) => std::fs::metadata(path).map_or(0, |m| m.len()),
        Input::Stdin(b) => b.len() as u64,
    }
}

/// Read, load and check one input, its report whole. Its text and loaded
/// model are dropped here, once checked: only the report (and the text,
/// for a file with a diagnostic when `keep_sources` asks) outlives this
/// call.
pub fn check_input(rules: &Program, input: Input, opts: &CheckOptions) -> FileReport {
    let mut whole: Option<FileReport> = None;
    check_input_pieces(rules, input, opts, &mut |piece| match &mut whole {
        Some(report) => report.absorb(piece),
        None => whole = Some(piece),
    });
    whole.unwrap_or_else(|| internal_error_report("-", &"no report"))
}

/// How many rows' returns of a CSV file make one piece of its report, at
/// most (a return's rows are never split between pieces).
pub const PIECE_ROWS: usize = 4096;

/// How many returns of a CSV file make one piece of its report, at most:
/// a return's report (its measures, diagnostics and the checks run) and
/// its rendered part outweigh its rows when returns are short.
pub const PIECE_RETURNS: usize = 256;

/// Read, load and check one input, handing its report to `emit` in
/// pieces ([`crate::report::Piece`]), in order, the last with
/// `piece.more` false: a CSV file read without a layout is indexed, then
/// its returns are built and checked [`PIECE_ROWS`] rows (at most
/// [`PIECE_RETURNS`] returns) at a time, so a
/// collection's returns and their reports are never all held; every other
/// file is one piece.
///
/// A file that cannot be read at all (gone, forbidden, not a regular file)
/// gives a report holding one `unreadable_path` error, which makes the run
/// fail with exit status 2. A panic while checking (a bug in ragcheck) is
/// caught here and reported as an `internal_error` on the file (in a piece
/// of its own after those already handed on), so the other files are
/// still checked.
pub fn check_input_pieces(
    rules: &Program,
    input: Input,
    opts: &CheckOptions,
    emit: &mut dyn FnMut(FileReport),
) {
    let name = match &input {
        Input::File(path) => display_path(path),
        Input::Stdin(_) => "-".to_string(),
    };
    let mut pieces = 0usize;
    let mut returns = 0usize;
    let mut ended = false;
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut emit = |report: FileReport| {
            pieces += 1;
            returns += report.returns.len();
            ended = !report.piece.more;
            emit(report);
        };
        debug_panic(&name);
        let opened = match input {
            Input::File(path) => match crate::read::file(&path, returns::MAX_FILE_BYTES as u64) {
                Ok(bytes) => returns::open(&name, bytes, rules, opts.layout),
                Err(crate::read::ReadError::TooBig { size, .. }) => {
                    returns::Opened::Whole(returns::too_big(&name, size))
                }
                Err(e) => return emit(unreadable_report(&path, &e.to_string())),
            },
            Input::Stdin(bytes) => returns::open("-", bytes, rules, opts.layout),
        };
        match opened {
            returns::Opened::Whole(loaded) => emit(check_loaded(rules, &loaded, opts)),
            returns::Opened::Csv(csv) => check_csv(rules, csv, opts, &mut emit),
        }
    }));
    if let Err(panic) = checked {
        let mut report = internal_error_report(&name, panic.as_ref());
        report.piece.continued = pieces > 0;
        report.piece.first_return = returns;
        emit(report);
    } else if !ended {
        // Never so: the last piece says so. Said, should it be.
        let mut report = internal_error_report(&name, &"the report of this file was cut short");
        report.piece.continued = pieces > 0;
        report.piece.first_return = returns;
        emit(report);
    }
}

/// Check a CSV file read without a layout, its returns built and checked
/// [`PIECE_ROWS`] rows (and at most [`PIECE_RETURNS`] returns) at a time,
/// each batch's report a piece.
fn check_csv(
    rules: &Program,
    csv: returns::CsvFile,
    opts: &CheckOptions,
    emit: &mut dyn FnMut(FileReport),
) {
    let returns::CsvFile {
        source,
        mut index,
        problems,
    } = csv;
    let mut loaded = LoadedFile {
        source,
        sheet: None,
        returns: Vec::new(),
        problems,
    };
    let mut text = None;
    let mut first_return = 0;
    let mut continued = false;
    loop {
        let batch = index.next_batch(&loaded.source.text, PIECE_ROWS, PIECE_RETURNS);
        loaded.returns = batch;
        let mut report = check_loaded_sharing(rules, &loaded, opts, &mut text);
        report.piece = crate::report::Piece {
            continued,
            more: !index.is_done(),
            first_return,
        };
        first_return += loaded.returns.len();
        loaded.returns = Vec::new();
        // The file's own problems go with its first piece.
        loaded.problems = Vec::new();
        continued = true;
        emit(report);
        if index.is_done() {
            return;
        }
    }
}

/// In debug builds only, panic on a file whose name contains the text of
/// `RAGCHECK_DEBUG_PANIC`: the tests' way to show that a panic in one file
/// is caught and the others are still checked. Release builds have no
/// such switch.
fn debug_panic(name: &str) {
    #[cfg(debug_assertions)]
    if let Some(text) = std::env::var_os("RAGCHECK_DEBUG_PANIC")
        && !text.is_empty()
        && name.contains(&*text.to_string_lossy())
    {
        panic!("RAGCHECK_DEBUG_PANIC asked for a panic on {name}");
    }
    #[cfg(not(debug_assertions))]
    let _ = name;
}

/// The code of the diagnostic for a path that cannot be read at all.
pub const UNREADABLE_PATH: &str = "unreadable_path";

/// The code of the diagnostic for a file whose check panicked.
pub const INTERNAL_ERROR: &str = "internal_error";

/// The report of a file that could not be read.
fn unreadable_report(path: &Path, reason: &str) -> FileReport {
    let diagnostic = unreadable(path, reason);
    FileReport {
        path: Arc::from(display_path(path)),
        source: None,
        diagnostics: vec![diagnostic],
        returns: Vec::new(),
        rule_file: false,
        piece: Default::default(),
    }
}

/// The report of a file whose check panicked: a bug in ragcheck, reported
/// on the file with what the panic said.
fn internal_error_report(name: &str, panic: &(dyn std::any::Any + Send)) -> FileReport {
    let said = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    let said = crate::display::quote(&said);
    let diagnostic = Diagnostic::new(
        Severity::Error,
        INTERNAL_ERROR,
        format!("ragcheck failed while checking this file (it panicked: {said})"),
    )
    .at(Location::whole_file(Arc::from(name)))
    .help(
        "this is a bug in ragcheck, not in your file: please report it to the \
         ragcheck maintainers (see docs/security.md), with the file if you can share it",
    );
    FileReport {
        path: Arc::from(name),
        source: None,
        diagnostics: vec![diagnostic],
        returns: Vec::new(),
        rule_file: false,
        piece: Default::default(),
    }
}

/// The first phase of a run whose rules read the collection (SPEC 3.9):
/// read every input file and every history file, in parallel, and keep
/// only what `peers`, `previous`, `last_year` and `restated_value` need.
/// Inputs give facts and peer values; history files only facts. Files
/// that cannot be read or loaded give nothing here (the check phase
/// reports the inputs among them; history is never reported).
pub fn gather<'p>(
    rules: &Program,
    inputs: impl IntoIterator<Item = &'p Path>,
    stdin: Option<&[u8]>,
    history: impl IntoIterator<Item = &'p Path>,
    layout: Option<usize>,
) -> Collection {
    let inputs: Vec<&Path> = inputs.into_iter().collect();
    let history: Vec<&Path> = history.into_iter().collect();
    // Files are numbered in the order their returns take precedence:
    // the inputs, standard input, then history.
    let mut files: Vec<(u32, &Path, bool)> = Vec::with_capacity(inputs.len() + history.len());
    files.extend(inputs.iter().enumerate().map(|(i, p)| (i as u32, *p, true)));
    let stdin_order = inputs.len() as u32;
    files.extend(
        history
            .iter()
            .enumerate()
            .map(|(j, p)| (stdin_order + 1 + j as u32, *p, false)),
    );
    let builder = std::sync::Mutex::new(Builder::new(layout));
    let add = |order: u32, path: Option<&Path>, name: String, bytes: Vec<u8>, peers: bool| {
        let loaded = returns::load_with(&name, bytes, rules, layout);
        let part = Part::of_file(&loaded, rules, path.is_none());
        // Merged as soon as the file is done; its text and model go.
        builder
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .add(order, path, part, peers);
    };
    files.par_iter().for_each(|&(order, path, peers)| {
        if let Ok(bytes) = crate::read::file(path, returns::MAX_FILE_BYTES as u64) {
            let name = display_path(path);
            // Most files are skimmed for what the gather needs; the rest
            // are loaded in full, to the same effect.
            let merge = |part: Part<'_>| {
                builder
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .add(order, Some(path), part, peers);
            };
            if !crate::collection::skim_file(rules, &name, &bytes, merge) {
                add(order, Some(path), name, bytes, peers);
            }
        }
    });
    if let Some(bytes) = stdin {
        add(stdin_order, None, "-".into(), bytes.to_vec(), true);
    }
    builder
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .finish()
}

/// A diagnostic for a path that could not be read at all (exit status 2).
pub fn unreadable(path: &Path, reason: &str) -> Diagnostic {
    Diagnostic::new(
        Severity::Error,
        UNREADABLE_PATH,
        format!(
            "cannot read `{}`: {reason}",
            crate::display::quote(&display_path(path))
        ),
    )
    .at(Location::whole_file(Arc::from(display_path(path))))
}
