//! `--format junit`: JUnit XML for CI test reports.
//!
//! - one `<testsuite>` per return, named `ORGANISATION PERIOD (file)`, and
//!   one per file with file-level problems (an unreadable file), named by
//!   the file;
//! - one `<testcase classname="FILE" name="CHECK">` per check evaluated on
//!   the return, in catalogue order, with `assertions` = how many times it
//!   was evaluated; a code that raised a diagnostic but is not in the list
//!   gets a test case too, so that nothing is lost;
//! - one `<failure message="…" type="SEVERITY">` per diagnostic of that
//!   check at or above `--fail-on` (none when it is `never`; waived ones
//!   never fail), its body the location, help and rule;
//! - diagnostics below the threshold (or waived) go to the test case's
//!   `<system-out>`, so a report still shows them;
//! - a test case whose diagnostics include a waived one and none that
//!   fails is `<skipped message="waived: REASON …"/>` (SPEC 3.8), counted
//!   in its suite's `skipped`.
//!
//! `tests` counts test cases and `failures` the test cases that failed.
//! There are no timings, so the output is the same on every run.
//!
//! [`Junit`] renders file by file, spooling the suites until the totals of
//! `<testsuites>` are known.

use std::fmt::Write as _;
use std::io;

use super::spool::Spool;
use super::{Finished, RenderOptions, Renderer, return_title};
use crate::diagnostic::Diagnostic;
use crate::report::{CheckRun, FileReport};

/// `--format junit`, written file by file: each file's suites go to a
/// spool as they come, with their counts added up, and the document is
/// written at the end — totals first.
pub struct Junit {
    opts: RenderOptions,
}

impl Junit {
    pub fn new(opts: &RenderOptions) -> Junit {
        Junit { opts: opts.clone() }
    }
}

impl Renderer for Junit {
    type Part = Suites;
    type Document = JunitStream;

    fn start(&self) -> JunitStream {
        JunitStream {
            spool: Spool::new("xml"),
            tests: 0,
            failures: 0,
        }
    }

    fn part(&self, file: FileReport) -> io::Result<Suites> {
        Ok(self::file(&file, &self.opts))
    }

    fn take(
        &self,
        doc: &mut JunitStream,
        suites: Suites,
        _out: &mut dyn io::Write,
    ) -> io::Result<()> {
        doc.tests += suites.tests;
        doc.failures += suites.failures;
        doc.spool.write_all(suites.xml.as_bytes())
    }

    fn finish(&self, mut doc: JunitStream, out: &mut dyn io::Write) -> io::Result<Finished> {
        head(doc.tests, doc.failures, out)?;
        doc.spool.copy_to(out)?;
        tail(out)?;
        Ok(Finished::default())
    }
}

/// The document of [`Junit`]: the suites spooled so far and their totals.
pub struct JunitStream {
    spool: Spool,
    tests: usize,
    failures: usize,
}

/// `<testsuite>` elements (one file's, say), with their counts.
#[derive(Clone, Debug, Default)]
pub struct Suites {
    /// Test cases.
    tests: usize,
    /// Test cases that failed.
    failures: usize,
    xml: String,
}

/// Render one file's suites: one for its file-level problems, when it has
/// any, then one per return.
pub fn file(file: &FileReport, opts: &RenderOptions) -> Suites {
    let mut all = Suites::default();
    let mut add = |s: Suites| {
        all.tests += s.tests;
        all.failures += s.failures;
        all.xml.push_str(&s.xml);
    };
    if !file.diagnostics.is_empty() {
        add(suite(
            file.path.to_string(),
            &file.path,
            &[],
            &file.diagnostics,
            opts,
        ));
    }
    for r in &file.returns {
        let name = format!(
            "{} ({})",
            return_title(r.organisation.as_deref(), r.period.as_deref()),
            file.path
        );
        add(suite(name, &file.path, &r.checks, &r.diagnostics, opts));
    }
    all
}

/// The XML declaration and the `<testsuites>` start tag, with the totals.
fn head(tests: usize, failures: usize, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="ragcheck" tests="{tests}" failures="{failures}" errors="0">"#
    )
}

fn tail(out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(out, "</testsuites>")
}

/// One `<testsuite>`.
fn suite(
    name: String,
    file: &str,
    checks: &[CheckRun],
    diagnostics: &[Diagnostic],
    opts: &RenderOptions,
) -> Suites {
    // The checks run, then any other code that raised something.
    let mut cases: Vec<(&str, Option<u64>)> =
        checks.iter().map(|c| (&*c.id, Some(c.evaluated))).collect();
    for d in diagnostics {
        if !cases.iter().any(|(id, _)| *id == d.code) {
            cases.push((&d.code, None));
        }
    }
    let mut body = String::new();
    let mut failures = 0;
    let mut skipped = 0;
    for (id, evaluated) in &cases {
        let mine: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.code == *id).collect();
        let (failing, passing): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
            mine.into_iter().partition(|d| opts.fails(d));
        if !failing.is_empty() {
            failures += 1;
        }
        let _ = write!(
            body,
            r#"    <testcase classname="{}" name="{}""#,
            attr(file),
            attr(id)
        );
        if let Some(n) = evaluated {
            let _ = write!(body, r#" assertions="{n}""#);
        }
        if failing.is_empty() && passing.is_empty() {
            body.push_str("/>\n");
            continue;
        }
        body.push_str(">\n");
        if failing.is_empty()
            && let Some(w) = passing.iter().find_map(|d| d.waived.as_ref())
        {
            skipped += 1;
            let _ = writeln!(
                body,
                r#"      <skipped message="{}"/>"#,
                attr(&format!(
                    "waived: {} (approved by {}, until {})",
                    w.reason, w.approved, w.until
                ))
            );
        }
        for d in failing {
            let _ = writeln!(
                body,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                attr(&d.message),
                d.severity,
                text(&details(d))
            );
        }
        if !passing.is_empty() {
            let lines: Vec<String> = passing
                .iter()
                .map(|d| match &d.waived {
                    Some(w) => format!(
                        "{} (waived until {}: {}, approved by {}): {} at {}",
                        d.severity,
                        w.until,
                        w.reason,
                        w.approved,
                        d.message,
                        place(d)
                    ),
                    None => format!("{}: {} at {}", d.severity, d.message, place(d)),
                })
                .collect();
            let _ = writeln!(
                body,
                "      <system-out>{}</system-out>",
                text(&lines.join("\n"))
            );
        }
        body.push_str("    </testcase>\n");
    }
    let mut xml = format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\"",
        attr(&name),
        cases.len()
    );
    if cases.is_empty() {
        xml.push_str("/>\n");
    } else {
        xml.push_str(">\n");
        xml.push_str(&body);
        xml.push_str("  </testsuite>\n");
    }
    Suites {
        tests: cases.len(),
        failures,
        xml,
    }
}

/// Where a diagnostic is: `file:line:column` or `file [Sheet1!E7]`.
fn place(d: &Diagnostic) -> String {
    match &d.location {
        Some(l) => l.to_string(),
        None => "(no location)".to_string(),
    }
}

/// A failure's body: where, what about, what to do, which rule.
fn details(d: &Diagnostic) -> String {
    let mut lines = vec![place(d)];
    match (&d.measure, &d.field) {
        (Some(m), Some(f)) => lines.push(format!("measure: {m}, field: {f}")),
        (Some(m), None) => lines.push(format!("measure: {m}")),
        _ => {}
    }
    if let Some(help) = &d.help {
        lines.push(format!("help: {help}"));
    }
    lines.push(match &d.rule {
        Some(r) => format!("rule: {r}"),
        None => "built-in check".to_string(),
    });
    lines.join("\n")
}

/// Escape text for an attribute value: markup characters, both quotes, and
/// line breaks and tabs as character references (a parser would fold them
/// into spaces otherwise).
fn attr(s: &str) -> String {
    escape(s, true)
}

/// Escape text for element content.
fn text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            // Characters XML 1.0 cannot carry at all, even escaped.
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    // A test fails by panicking: expect is how it says why.
    #![allow(clippy::expect_used, clippy::unwrap_used)]

    use quick_xml::XmlVersion;
    use quick_xml::events::Event;

    use super::*;
    use crate::diagnostic::Severity;
    use crate::render::{Format, fixture};
    use crate::report::Report;

    fn junit(report: &Report, fail_on: Option<Severity>) -> String {
        let opts = RenderOptions {
            fail_on,
            ..RenderOptions::default()
        };
        let mut out = Vec::new();
        crate::render::report(Format::Junit, report, &[], &opts, &mut out)
            .expect("writing to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    /// What a strict parser sees: each element's name and attributes, and
    /// every text, unescaped. Panics on malformed XML.
    #[derive(Debug, Default)]
    struct Parsed {
        elements: Vec<(String, Vec<(String, String)>)>,
        texts: Vec<String>,
    }

    impl Parsed {
        fn count(&self, name: &str) -> usize {
            self.elements.iter().filter(|(n, _)| n == name).count()
        }

        fn attrs(&self, name: &str) -> Vec<&Vec<(String, String)>> {
            self.elements
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, a)| a)
                .collect()
        }
    }

    fn get<'a>(attrs: &'a [(String, String)], key: &str) -> &'a str {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {key} in {attrs:?}"))
    }

    fn parse(xml: &str) -> Parsed {
        let mut reader = quick_xml::Reader::from_str(xml);
        reader.config_mut().check_end_names = true;
        let mut parsed = Parsed::default();
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => {
                    let name = e.name().as_ref().to_string();
                    let attrs = e
                        .attributes()
                        .map(|a| {
                            let a = a.expect("a well-formed attribute");
                            let key = a.key.as_ref().to_string();
                            // Normalised as the XML spec says a parser must:
                            // a raw line break would come back as a space.
                            let value = a
                                .normalized_value(XmlVersion::Implicit1_0)
                                .expect("attribute escapes are valid")
                                .into_owned();
                            (key, value)
                        })
                        .collect();
                    parsed.elements.push((name, attrs));
                }
                Event::Text(t) => parsed.texts.push(t.xml10_content().into_owned()),
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().expect("a valid character reference") {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_xml_entity(&r)
                            .unwrap_or_else(|| panic!("unknown entity &{};", &*r))
                            .to_string(),
                    };
                    parsed.texts.push(c);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        parsed
    }

    #[test]
    fn streaming_file_by_file_gives_the_whole_document() {
        for report in [fixture::report(), Report::default()] {
            for fail_on in [Some(Severity::Error), Some(Severity::Info), None] {
                let opts = RenderOptions {
                    fail_on,
                    ..RenderOptions::default()
                };
                // Every file's suites, held at once, under their totals.
                let suites: Vec<Suites> = report.files.iter().map(|f| file(f, &opts)).collect();
                let mut whole = Vec::new();
                head(
                    suites.iter().map(|s| s.tests).sum(),
                    suites.iter().map(|s| s.failures).sum(),
                    &mut whole,
                )
                .unwrap();
                suites.iter().for_each(|s| whole.extend(s.xml.as_bytes()));
                tail(&mut whole).unwrap();
                assert_eq!(junit(&report, fail_on), String::from_utf8_lossy(&whole));
            }
        }
    }

    #[test]
    fn junit_report() {
        insta::assert_snapshot!(junit(&fixture::report(), Some(Severity::Error)));
    }

    #[test]
    fn counts_follow_the_threshold() {
        let report = fixture::report();
        for (fail_on, failing_cases) in [
            (Some(Severity::Error), 7),
            (Some(Severity::Warning), 8),
            (Some(Severity::Info), 10),
            (None, 0),
        ] {
            let xml = junit(&report, fail_on);
            let parsed = parse(&xml);
            // One suite per return, one for the unreadable file.
            assert_eq!(parsed.count("testsuite"), 5);
            let cases = parsed.count("testcase");
            // Checks run: 1 + 6 + 2 + 3, and the broken file's one code.
            assert_eq!(cases, 13);
            let top = &parsed.attrs("testsuites")[0];
            assert_eq!(get(top, "tests"), cases.to_string());
            assert_eq!(
                get(top, "failures"),
                failing_cases.to_string(),
                "{fail_on:?}"
            );
            let suites = parsed.attrs("testsuite");
            let sum = |key| -> usize {
                suites
                    .iter()
                    .map(|s| get(s, key).parse::<usize>().expect("a count"))
                    .sum()
            };
            assert_eq!(sum("tests"), cases);
            assert_eq!(sum("failures"), failing_cases);
            let failures = report
                .diagnostics()
                .filter(|d| fail_on.is_some_and(|f| d.severity >= f))
                .count();
            assert_eq!(parsed.count("failure"), failures);
        }
    }

    #[test]
    fn suites_and_cases_are_named_as_promised() {
        let parsed = parse(&junit(&fixture::report(), Some(Severity::Error)));
        let names: Vec<&str> = parsed
            .attrs("testsuite")
            .iter()
            .map(|a| get(a, "name"))
            .collect();
        assert_eq!(
            names,
            [
                "Bradford Council 2011/12 Q3 (samples/bradford.xlsx)",
                "samples/broken.yaml",
                "Leeds City Council 2011/12 Q4 (samples/cap-2011-12-q4.yaml)",
                "Leeds City Council 2011/12 Q4 (samples/collection.csv)",
                "York Council 2011/12 Q4 (samples/collection.csv)",
            ]
        );
        let percent = parsed
            .attrs("testcase")
            .into_iter()
            .find(|a| get(a, "name") == "percent_range")
            .expect("percent_range");
        assert_eq!(get(percent, "classname"), fixture::YAML_PATH);
        assert_eq!(get(percent, "assertions"), "4");
        let failure = parsed
            .attrs("failure")
            .into_iter()
            .find(|a| get(a, "message").contains("945"))
            .expect("the 945 failure");
        assert_eq!(get(failure, "type"), "error");
        assert!(parsed.texts.iter().any(|t| t.contains(
            "samples/cap-2011-12-q4.yaml:14:11\nmeasure: appraisals, field: q4\n\
             help: a typing slip? 945 may be meant as 94.5% or 94%\nrule: rules/common.rag:3:5"
        )));
    }

    #[test]
    fn awkward_text_survives_a_round_trip() {
        let mut report = fixture::report();
        let mut d = fixture::awkward();
        d.message.push_str(" ]]> \u{1} end");
        d.severity = Severity::Error;
        report.files[0].returns[0].diagnostics.push(d.clone());
        let xml = junit(&report, Some(Severity::Error));
        let parsed = parse(&xml);
        let case = parsed
            .attrs("testcase")
            .into_iter()
            .find(|a| get(a, "name") == d.code)
            .expect("a case for the awkward code");
        assert_eq!(get(case, "classname"), "samples/bradford.xlsx");
        let failure = parsed
            .attrs("failure")
            .into_iter()
            .find(|a| get(a, "message").starts_with("50%"))
            .expect("the awkward failure");
        assert_eq!(
            get(failure, "message"),
            d.message.replace('\u{1}', "\u{FFFD}")
        );
        assert!(parsed.texts.concat().contains("odd dir/a,b:c%.yaml:1:1"));
    }

    #[test]
    fn below_the_threshold_is_output_not_failure() {
        let parsed = parse(&junit(&fixture::report(), Some(Severity::Error)));
        let out = parsed.texts.concat();
        assert!(out.contains(
            "warning: amber measure appraisals: the commentary names no remedial action at samples/cap-2011-12-q4.yaml:9:7"
        ));
        assert_eq!(parsed.count("system-out"), 3);
    }

    #[test]
    fn an_empty_report_is_still_a_document() {
        let parsed = parse(&junit(&Report::default(), Some(Severity::Error)));
        assert_eq!(parsed.count("testsuites"), 1);
        assert_eq!(parsed.count("testsuite"), 0);
    }
}
