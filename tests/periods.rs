//! Period notations (SPEC 2.5), data-driven: every line of
//! `tests/periods/notations.txt` is a text and what it reads as. And a
//! proptest: the reader never panics on any text, and reads every period's
//! canonical form back as that period.

use proptest::prelude::*;
use ragcheck::period::{Frequency, Period, SubPeriod, Year};
use ragcheck::render::Format;

mod common;

fn read(text: &str) -> String {
    match Period::find_in(text) {
        Ok(p) => p.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn every_notation_in_the_table() {
    let table = std::fs::read_to_string("tests/periods/notations.txt")
        .unwrap_or_else(|e| panic!("cannot read the table: {e}"));
    let mut failures = Vec::new();
    let mut rows = 0;
    for (n, line) in table.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((text, expected)) = line.split_once("=>") else {
            panic!("line {} has no `=>`: {line}", n + 1);
        };
        rows += 1;
        let got = read(text);
        if got != expected.trim() {
            failures.push(format!(
                "line {}: `{}` read as `{got}`, expected `{}`",
                n + 1,
                text.trim(),
                expected.trim()
            ));
        }
    }
    assert!(rows > 50, "the table has only {rows} rows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_error_helps_with_the_notations() {
    for text in ["Spring", "2016/18", "2016/17 Q1 2016/17 Q2", "2016/17 Q9"] {
        let Err(e) = Period::find_in(text) else {
            panic!("`{text}` should not read");
        };
        for notation in ["2016/17", "2016/17 Q3", "2016/17 M07", "October 2016"] {
            assert!(e.help().contains(notation), "{text}: {}", e.help());
        }
    }
}

fn any_period() -> impl Strategy<Value = Period> {
    (0u16..=9999, 0usize..3, 0u8..12).prop_map(|(year, f, i)| {
        let frequency = Frequency::ALL[f];
        let sub = SubPeriod::new(frequency, i % frequency.count())
            .unwrap_or_else(|| panic!("index in range"));
        Period::new(Year(year), sub)
    })
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC{0,40}") {
        let _ = Period::find_in(&text);
    }

    #[test]
    fn never_panics_on_period_like_text(text in "[0-9/;: QMqm\\-–a-zA-Z]{0,24}") {
        let _ = Period::find_in(&text);
    }

    #[test]
    fn canonical_forms_read_back(p in any_period()) {
        prop_assert_eq!(Period::find_in(&p.to_string()), Ok(p));
    }

    #[test]
    fn canonical_forms_read_back_inside_text(
        p in any_period(),
        before in prop::sample::select(vec!["", "Reporting Period :", "Period =", "Leeds City Council,"]),
        after in prop::sample::select(vec!["", "(final)", "- revised", "returns"]),
    ) {
        let text = format!("{before} {p} {after}");
        prop_assert_eq!(Period::find_in(&text), Ok(p));
    }

    #[test]
    fn other_quarterly_notations_read_the_same(year in 1000u16..=9998, q in 1u8..=4) {
        let p = Period::new(Year(year), SubPeriod::quarter(q).unwrap_or_else(|| panic!("quarter")));
        let short = (year + 1) % 100;
        for text in [
            format!("{year}-{short:02} Q{q}"),
            format!("{year}-{short:02};Q{q}"),
            format!("Q{q} {year}/{short:02}"),
            format!("Quarter {q} {year}/{short:02}"),
            format!("{year}/{} Quarter {q}", year + 1),
        ] {
            prop_assert_eq!(Period::find_in(&text), Ok(p), "{}", text);
        }
    }
}

/// Returns of every frequency, checked with `tests/periods/rules.rag`: the
/// human output, as a user sees it, snapshot-tested.
#[test]
fn returns_of_every_frequency() {
    let rules = common::rules("tests/periods/rules.rag");
    insta::glob!("periods/returns/*", |path| {
        let name = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
        let report = common::check_file(&rules, &format!("tests/periods/returns/{name}"));
        insta::assert_snapshot!(common::render(Format::Human, &rules, &report));
    });
}
