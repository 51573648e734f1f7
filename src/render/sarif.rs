//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it.
//!
//! - One run; `tool.driver.rules` lists every check of the catalogue (with
//!   the `shortDescription`, `fullDescription` and `help` GitHub insists
//!   on), then any code a diagnostic used that the catalogue lacks.
//! - Columns are `unicodeCodePoints`, which is how ragcheck counts them.
//! - URIs are relative to [`RenderOptions::base_dir`] under `%SRCROOT%`.
//! - `partialFingerprints.primaryLocationLineHash` is an FNV-1a hash of what
//!   identifies a finding (check, file, return, measure, field, message) and
//!   not of its line number, so a finding keeps its fingerprint when lines
//!   are added above it, and the hash is the same whether or not the file's
//!   text was kept. Identical findings are told apart by a `:N` suffix, as
//!   GitHub does with its own line hashes.
//!
//! The output is validated against the official schema in the tests.
//!
//! [`Sarif`] renders file by file: each result is rendered as it comes and
//! spooled until the rule table that heads the log is known, which keeps
//! only a count per fingerprint and the codes the catalogue lacks.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::spool::Spool;
use super::{Finished, RenderOptions, Renderer};
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::report::{CheckInfo, FileReport, ReturnReport};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base id that result URIs are relative to.
pub const SRCROOT: &str = "%SRCROOT%";

/// A file's diagnostics, each with the organisation and period of its
/// return: the file's own first, then its returns'.
fn file_results(
    file: &FileReport,
) -> impl Iterator<Item = (&Diagnostic, Option<&str>, Option<&str>)> {
    let file_level = file.diagnostics.iter().map(|d| (d, None, None));
    let in_returns = file.returns.iter().flat_map(|r| {
        r.diagnostics
            .iter()
            .map(|d| (d, r.organisation.as_deref(), r.period.as_deref()))
    });
    file_level.chain(in_returns)
}

/// One diagnostic's result. `at` is its file's path and its return's
/// organisation and period; `seen` counts the fingerprints so far, to tell
/// identical findings apart.
fn result<'a>(
    d: &'a Diagnostic,
    rule_index: usize,
    (path, organisation, period): (&str, Option<&str>, Option<&str>),
    base: Option<&Path>,
    seen: &mut HashMap<u64, u32>,
) -> ResultOut<'a> {
    let primary = d.location.as_ref();
    let place = artifact(primary.map_or(path, |l| &*l.file), base);
    let hash = fingerprint(&[
        &d.code,
        &place.uri,
        organisation.unwrap_or(""),
        period.unwrap_or(""),
        d.measure.as_deref().unwrap_or(""),
        d.field.as_deref().unwrap_or(""),
        &d.message,
    ]);
    let n = seen.entry(hash).or_insert(0);
    *n += 1;
    ResultOut {
        rule_id: &d.code,
        rule_index,
        level: level(d.severity),
        message: Text { text: message(d) },
        locations: vec![LocationOut {
            id: None,
            physical_location: physical(place, primary),
            message: None,
        }],
        related_locations: d
            .related
            .iter()
            .enumerate()
            .map(|(i, (l, label))| LocationOut {
                id: Some(i + 1),
                physical_location: physical(artifact(&l.file, base), Some(l)),
                message: Some(Text {
                    text: label.clone(),
                }),
            })
            .collect(),
        partial_fingerprints: Fingerprints {
            primary_location_line_hash: format!("{hash:016x}:{n}"),
        },
        suppressions: d.waived.as_ref().map(|w| {
            let at = crate::diagnostic::Location {
                line: w.rule.line,
                column: w.rule.column,
                end_line: w.rule.line,
                end_column: w.rule.column,
                ..crate::diagnostic::Location::whole_file(w.rule.file.clone())
            };
            vec![Suppression {
                kind: "external",
                status: "accepted",
                justification: format!(
                    "{} (approved by {}, until {})",
                    w.reason, w.approved, w.until
                ),
                location: LocationOut {
                    id: None,
                    physical_location: physical(artifact(&w.rule.file, base), Some(&at)),
                    message: None,
                },
            }]
        }),
    }
}

/// The log: one run with these rules and results.
fn log<'a>(rules: Vec<RuleOut>, base: Option<&Path>, results: Vec<ResultOut<'a>>) -> Log<'a> {
    Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "ragcheck",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules,
                },
            },
            original_uri_base_ids: base.and_then(base_uri).map(|uri| BaseIds {
                srcroot: Artifact {
                    uri,
                    uri_base_id: None,
                },
            }),
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

/// `--format sarif`, written file by file: each file is cut down to its
/// [`findings`] on its worker, and its results rendered into the
/// document's spool as it is taken.
pub struct Sarif {
    catalogue: Vec<CheckInfo>,
    base: Option<PathBuf>,
}

impl Sarif {
    /// A log of checks from `catalogue`; [`RenderOptions::base_dir`] is
    /// the root that URIs are relative to.
    pub fn new(catalogue: &[CheckInfo], opts: &RenderOptions) -> Sarif {
        Sarif {
            catalogue: catalogue.to_vec(),
            base: opts.base_dir.clone(),
        }
    }
}

impl Renderer for Sarif {
    /// What the log needs of the file.
    type Part = FileReport;
    type Document = SarifStream;

    fn start(&self) -> SarifStream {
        SarifStream::new(&self.catalogue, self.base.clone())
    }

    fn part(&self, file: FileReport) -> io::Result<FileReport> {
        Ok(findings(file))
    }

    fn take(
        &self,
        doc: &mut SarifStream,
        file: FileReport,
        _out: &mut dyn io::Write,
    ) -> io::Result<()> {
        doc.file(&file)
    }

    fn finish(&self, doc: SarifStream, out: &mut dyn io::Write) -> io::Result<Finished> {
        doc.finish(out)?;
        Ok(Finished::default())
    }
}

/// The document of [`Sarif`]. Each diagnostic's result is rendered as it
/// comes and spooled;
/// what is kept is a count per fingerprint (for the `:N` suffixes) and the
/// codes the catalogue lacks. Their rules go at the end of the rule table,
/// sorted, so a result of such a code is spooled with a stand-in rule
/// index, put right as the log is finished and the spool copied out after
/// the rule table.
pub struct SarifStream {
    rules: Vec<RuleOut>,
    /// The rule index of each code of the catalogue.
    index: HashMap<String, usize>,
    /// Codes the catalogue lacks, as first seen, with the first
    /// diagnostic's severity (for the rule's default level).
    unlisted: Vec<(String, Severity)>,
    unlisted_index: HashMap<String, usize>,
    base: Option<PathBuf>,
    seen: HashMap<u64, u32>,
    spool: Spool,
    results: usize,
}

/// Stand-in rule indexes start here: `UNLISTED + n` is the `n`th code the
/// catalogue lacks, as first seen.
const UNLISTED: usize = usize::MAX / 2;

/// How a result's rule index starts its line in the spool.
const RULE_INDEX: &str = "\"ruleIndex\": ";

/// The indent of a result in the log: `runs[0].results[n]`.
const RESULT_DEPTH: usize = 4;

impl SarifStream {
    fn new(catalogue: &[CheckInfo], base: Option<PathBuf>) -> SarifStream {
        let mut index = HashMap::new();
        for (i, c) in catalogue.iter().enumerate() {
            index.entry(c.id.clone()).or_insert(i);
        }
        SarifStream {
            rules: catalogue.iter().map(rule).collect(),
            index,
            unlisted: Vec::new(),
            unlisted_index: HashMap::new(),
            base,
            seen: HashMap::new(),
            spool: Spool::new("sarif"),
            results: 0,
        }
    }

    /// Add one file's results. Only what [`findings`] keeps is read.
    fn file(&mut self, file: &FileReport) -> io::Result<()> {
        let mut text = Vec::new();
        for (d, organisation, period) in file_results(file) {
            let rule_index = match self.index.get(d.code.as_str()) {
                Some(&i) => i,
                None => {
                    let next = self.unlisted.len();
                    let n = *self.unlisted_index.entry(d.code.clone()).or_insert(next);
                    if n == next {
                        self.unlisted.push((d.code.clone(), d.severity));
                    }
                    UNLISTED + n
                }
            };
            let at = (&*file.path, organisation, period);
            let result = result(d, rule_index, at, self.base.as_deref(), &mut self.seen);
            text.extend_from_slice(if self.results > 0 { b",\n" } else { b"" });
            text.extend_from_slice(&[b' '; 2 * RESULT_DEPTH]);
            super::json::write_indented(&mut text, &result, RESULT_DEPTH)?;
            self.results += 1;
        }
        self.spool.write_all(&text)
    }

    /// Write the whole log to `out`.
    fn finish(mut self, out: &mut dyn io::Write) -> io::Result<()> {
        // The rule table, with the codes the catalogue lacks at its end in
        // code order, as report() has it.
        let mut order: Vec<usize> = (0..self.unlisted.len()).collect();
        order.sort_by(|&a, &b| self.unlisted[a].0.cmp(&self.unlisted[b].0));
        let mut rule_index = vec![0; self.unlisted.len()];
        for (rank, &n) in order.iter().enumerate() {
            rule_index[n] = self.rules.len() + rank;
        }
        for &n in &order {
            let (code, severity) = &self.unlisted[n];
            self.rules.push(unlisted_rule(code, *severity));
        }
        let base = self.base.as_deref();
        let mut doc = serde_json::to_vec_pretty(&log(self.rules, base, Vec::new()))?;
        doc.push(b'\n');
        // The results go in the empty list that ends the run: the key can
        // only be the key, since a quote in a string is escaped.
        const EMPTY: &[u8] = b"\"results\": []";
        let at = doc
            .windows(EMPTY.len())
            .rposition(|w| w == EMPTY)
            .ok_or_else(|| io::Error::other("no results in the SARIF log (a bug in ragcheck)"))?;
        let (head, tail) = doc.split_at(at + EMPTY.len() - 1);
        out.write_all(head)?;
        if self.results > 0 {
            out.write_all(b"\n")?;
            if self.unlisted.is_empty() {
                self.spool.copy_to(out)?;
            } else {
                self.spool.copy_lines_to(out, &mut |line| {
                    stand_in(line).map(|(indent, n, rest)| {
                        let n = rule_index.get(n - UNLISTED).copied().unwrap_or(n);
                        let mut fixed = indent.to_vec();
                        fixed.extend_from_slice(RULE_INDEX.as_bytes());
                        fixed.extend_from_slice(n.to_string().as_bytes());
                        fixed.extend_from_slice(rest);
                        fixed
                    })
                })?;
            }
            out.write_all(b"\n")?;
            out.write_all(&[b' '; 2 * (RESULT_DEPTH - 1)])?;
        }
        out.write_all(tail)
    }
}

/// A spooled line that gives a stand-in rule index: its indent, the
/// stand-in and what follows it. Only a key can start a line (a line break
/// in a string is escaped), so no message is ever taken for one.
fn stand_in(line: &[u8]) -> Option<(&[u8], usize, &[u8])> {
    let indent = line.iter().take_while(|&&b| b == b' ').count();
    let (spaces, rest) = line.split_at(indent);
    let rest = rest.strip_prefix(RULE_INDEX.as_bytes())?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (number, rest) = rest.split_at(digits);
    let n: usize = std::str::from_utf8(number).ok()?.parse().ok()?;
    (n >= UNLISTED).then_some((spaces, n, rest))
}

/// What a SARIF log needs of a file's report: its path and diagnostics,
/// and each return's organisation, period and diagnostics. Returns with no
/// diagnostics, measures, checks and the file's text are dropped: they
/// give no result.
pub fn findings(file: FileReport) -> FileReport {
    let mut returns: Vec<ReturnReport> = file
        .returns
        .into_iter()
        .filter(|r| !r.diagnostics.is_empty())
        .map(|r| ReturnReport {
            organisation: r.organisation,
            period: r.period,
            diagnostics: r.diagnostics,
            ..ReturnReport::default()
        })
        .collect();
    // Collecting reuses the list of all the returns.
    returns.shrink_to_fit();
    FileReport {
        path: file.path,
        source: None,
        diagnostics: file.diagnostics,
        returns,
        rule_file: file.rule_file,
        piece: file.piece,
    }
}

/// The project's home, when the package names one.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty())
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The result's message: the diagnostic's, the cell it names, its help.
fn message(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    if let Some(cell) = d.location.as_ref().and_then(|l| l.cell.as_deref()) {
        text.push_str(&format!(" [{cell}]"));
    }
    if let Some(help) = &d.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    text
}

fn rule(c: &CheckInfo) -> RuleOut {
    let about = match c.about.trim() {
        "" => format!("The check `{}`.", c.id),
        about => about.to_string(),
    };
    let defined = c.rule.as_ref().map(|r| r.to_string());
    let (text, markdown) = match (c.docs.trim(), &defined) {
        ("", Some(at)) => (
            format!("{about}\n\nDefined in {at}."),
            format!("{about}\n\nDefined in `{at}`."),
        ),
        ("", None) => (about.clone(), about.clone()),
        (docs, _) => (docs.to_string(), docs.to_string()),
    };
    RuleOut {
        id: c.id.clone(),
        name: c.id.clone(),
        short_description: Text {
            text: about.clone(),
        },
        full_description: Text { text: about },
        help: Help { text, markdown },
        default_configuration: Configuration {
            level: level(c.severity),
        },
        properties: defined.map(|at| RuleProperties { rule: at }),
    }
}

/// A rule for a code that the catalogue does not list, so that every
/// result still has one; `severity` is its first diagnostic's.
fn unlisted_rule(code: &str, severity: Severity) -> RuleOut {
    let text = format!("The check `{code}`.");
    RuleOut {
        id: code.to_string(),
        name: code.to_string(),
        short_description: Text { text: text.clone() },
        full_description: Text { text: text.clone() },
        help: Help {
            text: text.clone(),
            markdown: text,
        },
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: None,
    }
}

fn physical(artifact: Artifact, l: Option<&Location>) -> Physical {
    Physical {
        artifact_location: artifact,
        region: l.map(|l| Region {
            start_line: l.line.max(1),
            start_column: l.column.max(1),
            end_line: l.end_line.max(l.line).max(1),
            end_column: l.end_column.max(1),
        }),
    }
}

/// A file's URI: relative to `base` (under `%SRCROOT%`) when it is inside
/// it or already relative, else an absolute `file:` URI.
fn artifact(path: &str, base: Option<&Path>) -> Artifact {
    let path = slashes(path);
    let mut rel = path.as_str();
    while let Some(rest) = rel.strip_prefix("./") {
        rel = rest;
    }
    if let Some(base) = base.map(|b| slashes(&b.to_string_lossy())) {
        let base = base.trim_end_matches('/');
        let base = base.strip_prefix("./").unwrap_or(base);
        if !base.is_empty()
            && base != "."
            && let Some(rest) = rel.strip_prefix(base).and_then(|r| r.strip_prefix('/'))
        {
            rel = rest;
        }
    }
    if is_absolute(rel) {
        Artifact {
            uri: absolute_uri(rel),
            uri_base_id: None,
        }
    } else {
        Artifact {
            uri: encode(rel),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// `%SRCROOT%` as a `file:` URI, when the base directory is absolute.
fn base_uri(base: &Path) -> Option<String> {
    let base = slashes(&base.to_string_lossy());
    if !is_absolute(&base) {
        return None;
    }
    let mut uri = absolute_uri(&base);
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

fn slashes(path: &str) -> String {
    path.replace('\\', "/")
}

/// `/x` or `C:/x`.
fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/') || (b.len() >= 3 && b[0].is_ascii_alphabetic() && &b[1..3] == b":/")
}

fn absolute_uri(path: &str) -> String {
    match path.strip_prefix('/') {
        Some(rest) => format!("file:///{}", encode(rest)),
        // A drive letter keeps its colon.
        None => format!("file:///{}:{}", &path[..1], encode(&path[2..])),
    }
}

/// Percent-encode everything but unreserved characters and `/`.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// 64-bit FNV-1a over the parts, each followed by a 0 byte: stable across
/// runs, builds and platforms (unlike std's randomly seeded hasher).
pub(crate) fn fingerprint(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for &b in part.as_bytes().iter().chain(&[0]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<BaseIds>,
    column_kind: &'static str,
    results: Vec<ResultOut<'a>>,
}

#[derive(Serialize)]
struct BaseIds {
    #[serde(rename = "%SRCROOT%")]
    srcroot: Artifact,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<RuleOut>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleOut {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RuleProperties>,
}

#[derive(Serialize)]
struct RuleProperties {
    /// Where a user check is written: `rules/common.rag:3:5`.
    #[serde(rename = "ragcheck/rule")]
    rule: String,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultOut<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<LocationOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<LocationOut>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<Vec<Suppression>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fingerprints {
    primary_location_line_hash: String,
}

#[derive(Serialize)]
struct Suppression {
    /// `external`: the waiver is written outside the file the result is in.
    kind: &'static str,
    status: &'static str,
    justification: String,
    /// Where the waiver is written.
    location: LocationOut,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: Physical,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[cfg(test)]
mod tests;
