//! The shipped rules against the shipped samples: every defect of the seed
//! returns is found (the ground truth is `docs/seeds.md`), the clean JSON
//! return raises nothing, and the CSV collection's three returns are told
//! apart.

use std::collections::BTreeMap;

use ragcheck::discover;
use ragcheck::engine::{CheckOptions, Input, check_inputs};
use ragcheck::report::Report;
use ragcheck::rules_io::read_rule_files;

fn shipped_rules() -> ragcheck::Program {
    let (sources, errors) = read_rule_files(&["rules".into()]);
    assert!(errors.is_empty(), "{errors:?}");
    let compiled = ragcheck::compile(sources);
    match compiled.rules {
        Some(r) => r,
        None => panic!("shipped rules do not compile: {:#?}", compiled.diagnostics),
    }
}

fn check_samples() -> Report {
    let found = discover::find(&["samples".into()], &Default::default());
    let (files, errors) = (found.paths(), found.unreadable);
    assert!(errors.is_empty());
    check_inputs(
        &shipped_rules(),
        files.into_iter().map(Input::File).collect(),
        &CheckOptions::default(),
    )
}

/// (file, organisation, period) → code → count.
type Tally = BTreeMap<(String, String, String), BTreeMap<String, usize>>;

fn tally(report: &Report) -> Tally {
    let mut out = Tally::new();
    for f in &report.files {
        // Problems of the file itself (met while reading it) count under
        // the organisation `(file)`.
        for d in &f.diagnostics {
            let key = (f.path.to_string(), "(file)".to_string(), String::new());
            *out.entry(key)
                .or_default()
                .entry(format!("{} {}", d.severity, d.code))
                .or_default() += 1;
        }
        for r in &f.returns {
            let key = (
                f.path.to_string(),
                r.organisation.clone().unwrap_or_default(),
                r.period.clone().unwrap_or_default(),
            );
            let codes = out.entry(key).or_default();
            for d in &r.diagnostics {
                *codes
                    .entry(format!("{} {}", d.severity, d.code))
                    .or_default() += 1;
            }
        }
    }
    out
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn every_seed_defect_is_found() {
    let t = tally(&check_samples());
    let key = |f: &str, o: &str, p: &str| (f.to_string(), o.to_string(), p.to_string());

    // docs/seeds.md, Leeds 2011/12 Q4: 7 errors, 12 warnings, 4 infos.
    assert_eq!(
        t[&key(
            "samples/cap-2011-12-q4.yaml",
            "Leeds City Council",
            "2011/12 Q4"
        )],
        counts(&[
            ("error percent_range", 1),
            ("error status_mismatch", 1),
            ("error unparseable_value", 3),
            ("error unknown_status", 1),
            ("error remedial_action", 1),
            ("warning sudden_jump", 1),
            ("warning remedial_action", 3),
            ("warning officer_missing", 4),
            ("warning commentary_missing", 2),
            ("warning missing_status", 2),
            ("info rag_undetermined", 1),
            ("info unrated_measure", 3),
        ])
    );
    // Leicestershire 2007/08 Q3: every status the bands can check agrees.
    assert_eq!(
        t[&key(
            "samples/resources-2007-08-q3.yaml",
            "Leicestershire County Council",
            "2007/08 Q3"
        )],
        counts(&[("warning remedial_action", 5), ("info rag_undetermined", 3)])
    );
    // The CSV collection: two clean returns and one defective.
    let csv = "samples/collection-2012-13.csv";
    assert!(t[&key(csv, "Leeds City Council", "2012/13 Q2")].is_empty());
    assert!(t[&key(csv, "Leicestershire County Council", "2012/13 Q2")].is_empty());
    assert_eq!(
        t[&key(csv, "Leeds City Council", "2012/13 Q3")],
        counts(&[
            ("error percent_range", 1),
            ("error unparseable_value", 1),
            ("error remedial_action", 1),
            ("error unknown_status", 1),
            ("error duplicate_measure", 1),
            ("warning not_cumulative", 1),
            ("warning unknown_measure", 1),
            ("warning remedial_action", 1),
            ("warning budget_balanced", 1),
            ("warning overdue_deferral", 1),
            ("warning future_value", 1),
            ("warning officer_missing", 1),
        ])
    );
    // The collections read through layouts (tests/layouts.rs checks them
    // in detail): only the scorecard has a problem of the file itself, a
    // measure title that no rule declares.
    let scorecard = "samples/cap-scorecard-2011-12-q4.xlsx";
    assert_eq!(
        t[&key(scorecard, "(file)", "")],
        counts(&[("warning unknown_measure", 1)])
    );
    for path in [
        "samples/benchmarking-2018-19.csv",
        "samples/outcomes-2015-17.csv",
    ] {
        assert!(!t.contains_key(&key(path, "(file)", "")), "{path}");
    }
    // The JSON return is clean.
    assert!(
        t[&key(
            "samples/leeds-2012-13-q1.json",
            "Leeds City Council",
            "2012/13 Q1"
        )]
            .is_empty()
    );
}

#[test]
fn the_seeds_own_statuses_are_computed() {
    let report = check_samples();
    let rag = |file: &str, id: &str| {
        report
            .files
            .iter()
            .find(|f| f.path.as_ref() == file)
            .and_then(|f| f.returns[0].measures.iter().find(|m| m.id == id))
            .and_then(|m| m.rag)
            .map(|r| r.name())
    };
    let leics = "samples/resources-2007-08-q3.yaml";
    assert_eq!(rag(leics, "sickness_absence"), Some("amber")); // 8.63 days
    assert_eq!(rag(leics, "bme_workforce"), Some("amber")); // 4.6%
    assert_eq!(rag(leics, "disabled_workforce"), Some("amber")); // 3.4%
    assert_eq!(rag(leics, "public_satisfaction"), Some("red")); // bottom quartile
    let leeds = "samples/cap-2011-12-q4.yaml";
    assert_eq!(rag(leeds, "appraisals"), Some("green")); // 945 read as 945%
    assert_eq!(rag(leeds, "business_plan_equality"), Some("amber")); // 85%
}

#[test]
fn the_945_is_reported_at_its_exact_place() {
    let report = check_samples();
    let d = report
        .diagnostics()
        .find(|d| {
            d.code == "percent_range"
                && d.location
                    .as_ref()
                    .is_some_and(|l| l.file.ends_with(".yaml"))
        })
        .unwrap_or_else(|| panic!("no percent_range"));
    let l = d.location.clone().unwrap_or_else(|| panic!("no location"));
    assert_eq!(
        (l.file.as_ref(), l.line, l.column, l.end_column),
        ("samples/cap-2011-12-q4.yaml", 30, 11, 14)
    );
    assert_eq!(
        d.message,
        "a percentage must lie between 0% and 100%, found 945"
    );
    let rule = d.rule.clone().unwrap_or_else(|| panic!("no rule"));
    assert_eq!(rule.file.as_ref(), "rules/checks/common.rag");
}

#[test]
fn a_bad_file_never_stops_the_others() {
    let dir = std::env::temp_dir().join(format!("ragcheck-bad-{}", std::process::id()));
    let sub = dir.join("nested");
    std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
    let write = |p: &std::path::Path, text: &[u8]| {
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"))
    };
    write(&dir.join("a-broken.yaml"), b"return: [unclosed\n");
    write(&dir.join("b-binary.json"), &[0, 159, 146, 150, 0, 1]);
    write(&dir.join("notes.txt"), b"not a return, and not looked at");
    write(
        &sub.join("c-good.yml"),
        b"return:\n  organisation: Test\n  period: 2011/12 Q4\nmeasures:\n  budget:\n    values:\n      q4: \xc2\xa30\n",
    );
    let found = discover::find(std::slice::from_ref(&dir), &Default::default());
    let (files, errors) = (found.paths(), found.unreadable);
    assert!(errors.is_empty());
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(&dir)
                .unwrap_or(f)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(
        names,
        vec!["a-broken.yaml", "b-binary.json", "nested/c-good.yml"]
    );
    let report = check_inputs(
        &shipped_rules(),
        files.into_iter().map(Input::File).collect(),
        &CheckOptions::default(),
    );
    let codes: Vec<Vec<&str>> = report
        .files
        .iter()
        .map(|f| f.diagnostics.iter().map(|d| d.code.as_str()).collect())
        .collect();
    assert_eq!(
        codes,
        vec![vec!["invalid_return"], vec!["invalid_return"], vec![]]
    );
    assert_eq!(report.files[2].returns.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// More inputs than are kept in flight at once, of very different sizes
/// (so they finish out of order), some unreadable: `check_each` hands every
/// report on once, in input order, the same as `check_inputs` gathers them.
#[test]
fn streaming_hands_reports_on_in_input_order() {
    use ragcheck::engine::{STREAM_WINDOW, check_each};
    let rules = shipped_rules();
    let found = discover::find(&["samples".into()], &Default::default());
    let (files, _) = (found.paths(), found.unreadable);
    let inputs: Vec<Input> = (0..STREAM_WINDOW * 2 + 7)
        .map(|i| match i % 5 {
            0 => Input::File(format!("samples/no-such-file-{i}.yaml").into()),
            1 => Input::Stdin(format!("return: [broken {i}\n").into_bytes()),
            _ => Input::File(files[i % files.len()].clone()),
        })
        .collect();
    let gathered = check_inputs(&rules, inputs.clone(), &CheckOptions::default());
    let mut streamed = Vec::new();
    check_each(&rules, inputs, &CheckOptions::default(), |f| {
        streamed.push(f)
    });
    assert_eq!(streamed.len(), gathered.files.len());
    assert!(
        streamed
            .iter()
            .zip(&gathered.files)
            .all(|(a, b)| format!("{a:?}") == format!("{b:?}")),
        "a report out of order or different"
    );
}

/// Streaming from a thread of the pool itself (a library caller inside
/// `rayon::ThreadPool::install`, say) does not wait on work the pool can
/// never run: even a pool of one thread hands every report on, in order.
#[test]
fn streaming_from_a_pool_thread_does_not_hang() {
    use ragcheck::engine::check_each;
    let rules = shipped_rules();
    let found = discover::find(&["samples".into()], &Default::default());
    let (files, _) = (found.paths(), found.unreadable);
    let inputs: Vec<Input> = files.into_iter().map(Input::File).collect();
    let gathered = check_inputs(&rules, inputs.clone(), &CheckOptions::default());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut streamed = Vec::new();
    pool.install(|| {
        check_each(&rules, inputs, &CheckOptions::default(), |f| {
            streamed.push(f)
        })
    });
    let paths = |files: &[ragcheck::report::FileReport]| -> Vec<String> {
        files.iter().map(|f| f.path.to_string()).collect()
    };
    assert_eq!(paths(&streamed), paths(&gathered.files));
}

/// A CSV file of many returns is handed on in pieces, in order, between
/// the other inputs' reports, whatever finishes first: put back together,
/// the pieces are the report `check_inputs` gives, return for return.
#[test]
fn a_large_csv_file_comes_in_pieces_in_order() {
    use ragcheck::engine::{PIECE_RETURNS, check_each};
    let rules = shipped_rules();
    let dir = std::env::temp_dir().join(format!("ragcheck-pieces-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut csv = String::from("organisation,period,directorate,measure,status,q1,q2,q3,q4\n");
    // Rows of a return scattered: every return has a row in each third;
    // a few more returns than a piece holds, so two pieces.
    let returns = PIECE_RETURNS + 50;
    for part in 0..3 {
        for r in 0..returns {
            let value = if (r + part) % 97 == 0 { "945%" } else { "93%" };
            csv.push_str(&format!(
                "Council {r},2011/12 Q4,CAP,staff_appraisals_{part},Green,90%,{value},,\n"
            ));
        }
    }
    let big = dir.join("big.csv");
    std::fs::write(&big, &csv).unwrap_or_else(|e| panic!("{e}"));
    let found = discover::find(&["samples".into()], &Default::default());
    let mut inputs: Vec<Input> = found.paths().into_iter().map(Input::File).collect();
    for at in [0, inputs.len() / 2] {
        inputs.insert(at, Input::File(big.clone()));
    }
    let gathered = check_inputs(&rules, inputs.clone(), &CheckOptions::default());
    let mut pieces = Vec::new();
    check_each(&rules, inputs, &CheckOptions::default(), |f| pieces.push(f));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        pieces.len(),
        gathered.files.len() + 2,
        "two pieces a CSV file"
    );
    let mut whole: Vec<ragcheck::report::FileReport> = Vec::new();
    for piece in pieces {
        match whole.last_mut() {
            Some(last) if piece.piece.continued => {
                assert_eq!(last.path, piece.path);
                assert_eq!(piece.piece.first_return, last.returns.len());
                last.absorb(piece);
            }
            _ => whole.push(piece),
        }
    }
    assert!(whole.iter().all(|f| !f.piece.more));
    assert_eq!(whole.len(), gathered.files.len());
    for (a, b) in whole.iter().zip(&gathered.files) {
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", a.path);
    }
    let big_report = &gathered.files[0];
    assert_eq!(big_report.returns.len(), returns);
    assert!(big_report.returns.iter().all(|r| r.measures.len() == 3));
}
