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
//! [`report`] renders a whole report. A log lists every result together,
//! after a rule table that depends on all of them, so [`SarifStream`] keeps
//! the diagnostics as reports arrive — and only them, with the path,
//! organisation and period a result names, not the measures, checks or
//! text of the files — and renders them at the end, byte for byte as
//! [`report`] does.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use serde::Serialize;

use super::RenderOptions;
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::report::{CheckInfo, FileReport, Report, ReturnReport};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base id that result URIs are relative to.
pub const SRCROOT: &str = "%SRCROOT%";

/// Write the report as a SARIF log, pretty-printed, with a final newline.
pub fn report(
    report: &Report,
    catalogue: &[CheckInfo],
    opts: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let base = opts.base_dir.as_deref();
    let mut rules: Vec<RuleOut> = catalogue.iter().map(rule).collect();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, c) in catalogue.iter().enumerate() {
        index.entry(c.id.as_str()).or_insert(i);
    }
    let mut unknown: Vec<&Diagnostic> = report
        .diagnostics()
        .filter(|d| !index.contains_key(d.code.as_str()))
        .collect();
    unknown.sort_by(|a, b| a.code.cmp(&b.code));
    unknown.dedup_by(|a, b| a.code == b.code);
    for d in unknown {
        index.insert(&d.code, rules.len());
        rules.push(unlisted_rule(d));
    }

    let mut seen: HashMap<u64, u32> = HashMap::new();
    let mut results = Vec::new();
    for file in &report.files {
        let file_level = file.diagnostics.iter().map(|d| (d, None, None));
        let in_returns = file.returns.iter().flat_map(|r| {
            r.diagnostics
                .iter()
                .map(|d| (d, r.organisation.as_deref(), r.period.as_deref()))
        });
        for (d, organisation, period) in file_level.chain(in_returns) {
            let primary = d.location.as_ref();
            let place = artifact(primary.map_or(&*file.path, |l| &*l.file), base);
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
            results.push(ResultOut {
                rule_id: &d.code,
                rule_index: index[d.code.as_str()],
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
                suppressions: d.waived.then(|| {
                    vec![Suppression {
                        kind: "external",
                        justification: "waived in the rule files",
                    }]
                }),
            });
        }
    }

    let log = Log {
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
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// A SARIF log built file by file, for runs too large to hold every
/// report: only what [`report`] reads of each file is kept (see
/// [`findings`]), and [`SarifStream::finish`] writes the log.
#[derive(Default)]
pub struct SarifStream {
    files: Vec<FileReport>,
}

impl SarifStream {
    pub fn new() -> SarifStream {
        SarifStream::default()
    }

    /// Add one file's report; pass it through [`findings`] first (on
    /// another thread, say) to keep less.
    pub fn file(&mut self, file: FileReport) {
        let file = findings(file);
        if !file.diagnostics.is_empty() || !file.returns.is_empty() {
            self.files.push(file);
        }
    }

    /// Write the whole log to `out`.
    pub fn finish(
        self,
        catalogue: &[CheckInfo],
        opts: &RenderOptions,
        out: &mut dyn io::Write,
    ) -> io::Result<()> {
        report(&Report { files: self.files }, catalogue, opts, out)
    }
}

/// What a SARIF log needs of a file's report: its path and diagnostics,
/// and each return's organisation, period and diagnostics. Returns with no
/// diagnostics, measures, checks and the file's text are dropped: they
/// give no result, so [`report`] writes the same log from what is left.
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
    let defined = c
        .rule
        .as_ref()
        .map(|r| format!("{}:{}:{}", r.file, r.line, r.column));
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
/// result still has one.
fn unlisted_rule(d: &Diagnostic) -> RuleOut {
    let text = format!("The check `{}`.", d.code);
    RuleOut {
        id: d.code.clone(),
        name: d.code.clone(),
        short_description: Text { text: text.clone() },
        full_description: Text { text: text.clone() },
        help: Help {
            text: text.clone(),
            markdown: text,
        },
        default_configuration: Configuration {
            level: level(d.severity),
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
    kind: &'static str,
    justification: &'static str,
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
