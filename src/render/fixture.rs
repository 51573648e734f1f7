//! A hand-built [`Report`] that every renderer's tests share: a YAML return
//! with source text, a CSV collection of two returns, a spreadsheet with a
//! cell diagnostic and a file with no readable return.

// Not every renderer's tests use every piece.
#![allow(dead_code)]

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Location, RuleRef, Severity};
use crate::rag::Rag;
use crate::report::{CheckInfo, CheckRun, FileReport, MeasureReport, Report, ReturnReport};

pub const YAML_PATH: &str = "samples/cap-2011-12-q4.yaml";

pub const YAML: &str = "\
return:
  organisation: Leeds City Council
  period: 2011/12 Q4
measures:
  appraisals:
    title: Every year 100% of staff have an appraisal
    status: Amber
    commentary: >
      As of 31st March 2012 full appraisals for the year were recorded at 94%.
    values:
      q1: 63%
      q2: 94%
      q3: 99%
      q4: 945
  sickness_absence:
    title: Working days lost to sickness per FTE
    status: Gren
    values: {q1: 2.1 days, q2: 4.3 days, q3: 6.2 days, q4: 8.63 days}
  budget:
    status: Green
    values: {q4: \"£617, unders\"}
";

pub const CSV_PATH: &str = "samples/collection.csv";

pub const CSV: &str = "\
organisation,period,measure,status,q1,q2,q3,q4
Leeds City Council,2011/12 Q4,appraisals,Green,63%,94%,99%,100%
Leeds City Council,2011/12 Q4,sickness_absence,Amber,2.1 days,4.3 days,6.2 days,8.63 days
York Council,2011/12 Q4,appraisals,Red,10%,20%,30%,40%
York Council,2011/12 Q4,sickness_absence,Green,2 days,3 days,4 days,
";

pub const XLSX_PATH: &str = "samples/bradford.xlsx";

pub const BROKEN_PATH: &str = "samples/broken.yaml";

pub const BROKEN: &str = "return:\n  organisation: [Leeds\n";

/// The location of `needle` on 1-based `line` of `text` (the first match at
/// or after character column `from`).
pub fn locate(path: &str, text: &str, line: u32, needle: &str) -> Location {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let line_text = text[line_start..].split('\n').next().unwrap_or("");
    let at = line_text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not on line {line}"));
    let column = line_text[..at].chars().count() as u32 + 1;
    Location {
        file: path.into(),
        start: line_start + at,
        end: line_start + at + needle.len(),
        line,
        column,
        end_line: line,
        end_column: column + needle.chars().count() as u32,
        cell: None,
    }
}

fn rule(line: u32, column: u32) -> Option<RuleRef> {
    Some(RuleRef {
        file: "rules/common.rag".into(),
        line,
        column,
    })
}

fn measure(
    id: &str,
    title: Option<&str>,
    status: &str,
    rag: Option<Rag>,
    value: &str,
) -> MeasureReport {
    MeasureReport {
        id: id.into(),
        title: title.map(Into::into),
        status: Rag::parse(status),
        status_text: (!status.is_empty()).then(|| status.into()),
        rag,
        value: (!value.is_empty()).then(|| value.into()),
        detail: None,
    }
}

fn runs(list: &[(&str, u64)]) -> Vec<CheckRun> {
    list.iter()
        .map(|(id, evaluated)| CheckRun {
            id: (*id).into(),
            evaluated: *evaluated,
        })
        .collect()
}

fn yaml_file() -> FileReport {
    let at = |line, needle| locate(YAML_PATH, YAML, line, needle);
    let mut percent_range = Diagnostic::new(
        Severity::Error,
        "percent_range",
        "a percentage must lie between 0% and 100%, found 945",
    )
    .at(at(14, "945"))
    .label("945 is read as 945%")
    .help("a typing slip? 945 may be meant as 94.5% or 94%");
    percent_range.measure = Some("appraisals".into());
    percent_range.field = Some("q4".into());
    percent_range.rule = rule(3, 5);

    let mut mismatch = Diagnostic::new(
        Severity::Error,
        "status_mismatch",
        "appraisals is declared Amber but its bands give green",
    )
    .at(at(7, "Amber"))
    .label("declared Amber")
    .related(at(14, "945"), "the q4 value that gives green")
    .help("correct the declared status, or the value if it is a slip");
    mismatch.measure = Some("appraisals".into());
    mismatch.field = Some("status".into());

    let mut remedial = Diagnostic::new(
        Severity::Warning,
        "remedial_action",
        "amber measure appraisals: the commentary names no remedial action",
    )
    .at(at(9, "As of 31st March 2012"))
    .help("say what will be done to recover, for example an action plan");
    remedial.measure = Some("appraisals".into());
    remedial.field = Some("commentary".into());
    remedial.rule = rule(12, 5);

    let mut unknown = Diagnostic::new(
        Severity::Error,
        "unknown_status",
        "`Gren` is not a status: use green, amber or red",
    )
    .at(at(17, "Gren"))
    .label("not a status")
    .help("did you mean `green`?");
    unknown.measure = Some("sickness_absence".into());
    unknown.field = Some("status".into());

    let mut unparseable = Diagnostic::new(
        Severity::Error,
        "unparseable_value",
        "`£617, unders` is not a value",
    )
    .at(at(21, "£617, unders"))
    .label("thousands separator followed by text")
    .help("write the amount as £617k underspend, or £617 underspend");
    unparseable.measure = Some("budget".into());
    unparseable.field = Some("q4".into());

    let mut undetermined = Diagnostic::new(
        Severity::Info,
        "rag_undetermined",
        "budget has bands but no computed status: its q4 value is missing",
    )
    .at(at(19, "budget"))
    .related(at(21, "£617, unders"), "this value could not be read");
    undetermined.measure = Some("budget".into());

    FileReport {
        path: YAML_PATH.into(),
        source: Some(std::sync::Arc::new(crate::span::Chunks::whole(YAML))),
        diagnostics: Vec::new(),
        returns: vec![ReturnReport {
            organisation: Some("Leeds City Council".into()),
            period: Some("2011/12 Q4".into()),
            measures: vec![
                measure(
                    "appraisals",
                    Some("Every year 100% of staff have an appraisal"),
                    "Amber",
                    Some(Rag::Green),
                    "945",
                ),
                measure(
                    "sickness_absence",
                    Some("Working days lost to sickness per FTE"),
                    "Gren",
                    Some(Rag::Amber),
                    "8.63 days",
                ),
                measure("budget", None, "Green", None, "£617, unders"),
            ],
            diagnostics: vec![
                mismatch,
                remedial,
                percent_range,
                unknown,
                undetermined,
                unparseable,
            ],
            checks: runs(&[
                ("unparseable_value", 9),
                ("unknown_status", 3),
                ("status_mismatch", 2),
                ("rag_undetermined", 3),
                ("percent_range", 4),
                ("remedial_action", 1),
            ]),
            not_evaluated: 1,
            waivers: Vec::new(),
        }],
        rule_file: false,
        piece: Default::default(),
    }
}

fn csv_file() -> FileReport {
    let at = |line, needle| locate(CSV_PATH, CSV, line, needle);
    let mut no_commentary = Diagnostic::new(
        Severity::Error,
        "remedial_action",
        "red measure appraisals has no commentary",
    )
    .at(at(4, "Red"))
    .label("declared red")
    .help("add a commentary that says what will be done to recover");
    no_commentary.measure = Some("appraisals".into());
    no_commentary.field = Some("commentary".into());
    no_commentary.rule = rule(11, 5);

    // A zero-length span at the end of a line: the blank q4 cell.
    let mut blank = at(5, "4 days,");
    blank.start = blank.end;
    blank.column = blank.end_column;
    let mut undetermined = Diagnostic::new(
        Severity::Info,
        "rag_undetermined",
        "sickness_absence has bands but no computed status: q4 is blank",
    )
    .at(blank)
    .label("blank");
    undetermined.measure = Some("sickness_absence".into());
    undetermined.field = Some("q4".into());

    let leeds = ReturnReport {
        organisation: Some("Leeds City Council".into()),
        period: Some("2011/12 Q4".into()),
        measures: vec![
            measure("appraisals", None, "Green", Some(Rag::Green), "100%"),
            measure(
                "sickness_absence",
                None,
                "Amber",
                Some(Rag::Amber),
                "8.63 days",
            ),
        ],
        diagnostics: Vec::new(),
        checks: runs(&[("status_mismatch", 2), ("remedial_action", 1)]),
        not_evaluated: 0,
        waivers: Vec::new(),
    };
    let york = ReturnReport {
        organisation: Some("York Council".into()),
        period: Some("2011/12 Q4".into()),
        measures: vec![
            measure("appraisals", None, "Red", Some(Rag::Red), "40%"),
            measure("sickness_absence", None, "Green", None, ""),
        ],
        diagnostics: vec![no_commentary, undetermined],
        checks: runs(&[
            ("status_mismatch", 1),
            ("rag_undetermined", 2),
            ("remedial_action", 1),
        ]),
        not_evaluated: 2,
        waivers: Vec::new(),
    };
    FileReport {
        path: CSV_PATH.into(),
        source: Some(std::sync::Arc::new(crate::span::Chunks::whole(CSV))),
        diagnostics: Vec::new(),
        returns: vec![leeds, york],
        rule_file: false,
        piece: Default::default(),
    }
}

fn xlsx_file() -> FileReport {
    let mut bad = Diagnostic::new(
        Severity::Error,
        "unparseable_value",
        "`#REF!` is not a value",
    )
    .at(Location {
        file: XLSX_PATH.into(),
        start: 0,
        end: 0,
        line: 7,
        column: 5,
        end_line: 7,
        end_column: 6,
        cell: Some("Sheet1!E7".into()),
    })
    .help("the cell holds a formula error: fix the formula in the spreadsheet");
    bad.measure = Some("appraisals".into());
    bad.field = Some("q3".into());
    FileReport {
        path: XLSX_PATH.into(),
        source: None,
        diagnostics: Vec::new(),
        returns: vec![ReturnReport {
            organisation: Some("Bradford Council".into()),
            period: Some("2011/12 Q3".into()),
            measures: vec![measure("appraisals", None, "amber", None, "#REF!")],
            diagnostics: vec![bad],
            checks: runs(&[("unparseable_value", 3)]),
            not_evaluated: 0,
            waivers: Vec::new(),
        }],
        rule_file: false,
        piece: Default::default(),
    }
}

fn broken_file() -> FileReport {
    let mut at = locate(BROKEN_PATH, BROKEN, 2, "[Leeds");
    at.start = BROKEN.len();
    at.end = BROKEN.len();
    at.line = 3;
    at.column = 1;
    at.end_line = 3;
    at.end_column = 1;
    let invalid = Diagnostic::new(
        Severity::Error,
        "invalid_return",
        "the file is not valid YAML: a flow sequence is never closed",
    )
    .at(at)
    .label("the file ends here")
    .related(
        locate(BROKEN_PATH, BROKEN, 2, "["),
        "the sequence opened here",
    )
    .help("close the sequence with `]`, or quote the text");
    FileReport {
        path: BROKEN_PATH.into(),
        source: Some(std::sync::Arc::new(crate::span::Chunks::whole(BROKEN))),
        diagnostics: vec![invalid],
        returns: Vec::new(),
        rule_file: false,
        piece: Default::default(),
    }
}

/// The shared report, files in path order.
pub fn report() -> Report {
    let mut files = vec![xlsx_file(), broken_file(), yaml_file(), csv_file()];
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Report { files }
}

/// The same report without source text, as the machine formats receive it.
pub fn report_without_sources() -> Report {
    let mut r = report();
    for f in &mut r.files {
        f.source = None;
    }
    r
}

/// The catalogue of the fixture's rule set.
pub fn catalogue() -> Vec<CheckInfo> {
    let builtin = |id: &str, about: &str, severity| CheckInfo {
        id: id.to_string(),
        about: about.to_string(),
        docs: format!(
            "## What it does\n\n{about}\n\n## Why\n\nA return must be read as the person meant it."
        ),
        severity,
        rule: None,
    };
    vec![
        builtin(
            "invalid_return",
            "The file is not a readable return.",
            Severity::Error,
        ),
        builtin(
            "unparseable_value",
            "A value cannot be read as a number, quantity or placeholder.",
            Severity::Error,
        ),
        builtin(
            "unknown_status",
            "A declared status is not green, amber or red.",
            Severity::Error,
        ),
        builtin(
            "status_mismatch",
            "The declared status differs from the computed status.",
            Severity::Error,
        ),
        builtin(
            "rag_undetermined",
            "A measure has bands but no computed status.",
            Severity::Info,
        ),
        CheckInfo {
            id: "percent_range".into(),
            about: "A percentage lies between 0% and 100%.".into(),
            docs: String::new(),
            severity: Severity::Error,
            rule: rule(1, 1),
        },
        CheckInfo {
            id: "remedial_action".into(),
            about: "An amber or red measure names its remedial action.".into(),
            docs: String::new(),
            severity: Severity::Error,
            rule: rule(9, 1),
        },
    ]
}

/// A diagnostic whose text holds every character that needs escaping in
/// some format.
pub fn awkward() -> Diagnostic {
    let mut d = Diagnostic::new(
        Severity::Warning,
        "odd:code,1",
        "50% done: a, b <c> & \"d\"\r\nsecond line\nthird",
    )
    .at(Location {
        file: Arc::from("odd dir/a,b:c%.yaml"),
        start: 0,
        end: 1,
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 2,
        cell: None,
    })
    .help("use 100%, not 100 %");
    d.measure = Some("m".into());
    d
}

/// What a waived diagnostic carries, as a waiver in `rules/waivers.rag`
/// would give it.
pub fn waived() -> Arc<crate::diagnostic::Waived> {
    Arc::new(crate::diagnostic::Waived {
        reason: "records \"reloaded\" after the SAP migration".into(),
        approved: "Head of Performance".into(),
        until: "2012/13 Q2".into(),
        rule: crate::diagnostic::RuleRef {
            file: "rules/waivers.rag".into(),
            line: 3,
            column: 1,
        },
    })
}
