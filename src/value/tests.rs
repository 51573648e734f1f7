use super::*;

fn amount(text: &str) -> Decimal {
    match parse_value(text) {
        ValueText::Quantity(q) => q.amount,
        other => panic!("{text:?} parsed to {other:?}"),
    }
}

#[test]
fn arithmetic_is_exact() {
    assert_eq!(amount("0.1") + amount("0.2"), amount("0.3"));
}

#[test]
fn multipliers_use_up_decimal_places() {
    assert_eq!(decimal(12, 1, 6, false), Ok(Decimal::new(1_200_000, 0)));
    assert_eq!(decimal(12345, 4, 3, false), Ok(Decimal::new(12345, 1)));
    assert_eq!(decimal(5, 0, 3, true), Ok(Decimal::new(-5000, 0)));
    assert_eq!(decimal(MAX_MANTISSA, 0, 3, false), Err(Fault::TooLarge));
    assert_eq!(decimal(0, 0, 0, true), Ok(Decimal::ZERO));
}

#[test]
fn words_are_trimmed_of_punctuation_with_offsets() {
    let words: Vec<_> = Words::new(" (Q4).  48% - £5k, ").collect();
    assert_eq!(words, [(2, "Q4"), (8, "48%"), (14, "£5k")]);
}

#[test]
fn phrases_match_whole_words_anywhere() {
    let words: Vec<_> = Words::new("Data due to follow").collect();
    assert!(contains_phrase(&words, &["to", "follow"]));
    assert!(!contains_phrase(&words, &["due", "!to"]));
    let words: Vec<_> = Words::new("Overdue").collect();
    assert!(!contains_phrase(&words, &["due", "!to"]));
    let words: Vec<_> = Words::new("due").collect();
    assert!(contains_phrase(&words, &["due", "!to"]));
}

#[test]
fn quarters_are_named_many_ways() {
    let quarter = |t: &str| {
        let words: Vec<_> = Words::new(t).collect();
        scan_quarters(&words)
    };
    assert_eq!(quarter("in Quarter 4"), Ok(Some(4)));
    assert_eq!(quarter("in q2, not Q3"), Ok(Some(2)));
    assert_eq!(quarter("the second quarter"), Ok(Some(2)));
    assert_eq!(quarter("at the end of the financial year"), Ok(Some(4)));
    assert_eq!(quarter("next quarter"), Ok(None));
    assert_eq!(
        quarter("in Quarter 12"),
        Err(Fault::NoSuchQuarter { at: 11, len: 2 })
    );
}

#[test]
fn long_texts_are_refused_cheaply() {
    let long = "to be reported ".repeat(1000);
    assert!(matches!(parse_value(&long), ValueText::Invalid { .. }));
    let many_words = "to be reported in Q4 ".repeat(10);
    assert_eq!(
        parse_value(&many_words),
        ValueText::Missing(MissingKind::Deferred {
            quarter: Some(4),
            month: None
        })
    );
}

/// The plain shapes that make up nearly all real values take the fast path
/// (so that it keeps paying its way), and give what the general parser
/// gives.
#[test]
fn common_values_take_the_fast_path() {
    for text in [
        "63%",
        "73.8%",
        "945",
        "1,250",
        "1,250,000.5",
        ".5",
        "0123",
        "-£5,000",
        "+£5k underspend",
        "£235,000 underspend",
        "£467k overspend",
        "£1.2m",
        "£3BN",
        "$5,000",
        "€12.50",
        "8.63 days",
        "1 day",
        "3 hours",
        "2 hrs",
        "1.38 mins",
        "94.5 %",
        "50 percent",
        "400 (Approx)",
        "71% Baseline",
        "400 approx",
        "12 (est) provisional",
        "-0",
        "0.0000000000000000000000000001",
        "9999999999999999999",
    ] {
        let Some(fast) = plain_quantity(text) else {
            panic!("{text:?} missed the fast path");
        };
        assert_eq!(classify(text), Ok(ValueText::Quantity(fast)), "{text:?}");
    }
}

/// Texts the fast path leaves to the general parser: faults, and shapes it
/// does not read.
#[test]
fn other_values_fall_back() {
    for text in [
        "",
        "-",
        "5.",
        "1,00",
        "0,500",
        "1234,567",
        "1.2.3",
        "1.250,5",
        "1_000",
        "5k",
        "5 m",
        "£5%",
        "£5 days",
        "-£5k underspend",
        "3 days underspend",
        "£5 underspend overspend",
        "£ 5",
        "£-5",
        "−5",
        "5 days days",
        "5%%",
        "5 ",
        "5  days",
        "(5)",
        "~400",
        "approx 400",
        "5 under spend",
        "5 (approx.)",
        "5 per cent",
        "5 working days",
        "£5 million",
        "99999999999999999999",
        "0.00000000000000000000000000001",
    ] {
        assert_eq!(plain_quantity(text), None, "{text:?}");
    }
}

/// The fast path reads a long run of qualifiers, but a text over the limit
/// is refused before anything reads it.
#[test]
fn the_fast_path_keeps_the_length_limit() {
    let long = format!("5{}", " approx".repeat(200));
    assert!(plain_quantity(&long).is_some());
    assert!(
        matches!(parse_value(&long), ValueText::Invalid { reason } if reason.contains("too long"))
    );
}

mod fast_path {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of value texts, right and wrong: digits, separators, signs,
    /// currency signs, multipliers, spaces, unit words, qualifiers, spend
    /// words and stray letters, in any case.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[0-9]{1,4}",
            1 => "[0-9]{18,22}",
            1 => Just(",".to_owned()),
            1 => Just(".".to_owned()),
            1 => Just("_".to_owned()),
            1 => "[-+]",
            1 => Just("\u{2212}".to_owned()),
            1 => Just("\u{2013}".to_owned()),
            1 => "[£$€]",
            1 => "[%~()]",
            1 => "[kKmMbBnNtTx]{1,2}",
            2 => Just(" ".to_owned()),
            1 => Just("  ".to_owned()),
            1 => Just("\t".to_owned()),
            1 => Just("\u{a0}".to_owned()),
            1 => "(?i)(days?|working days|min(ute)?s?|hours?|hrs?|percent|per cent)\\.?",
            1 => "(?i)(baseline|approx(imately|imate)?|est(imated?)?|provisional)\\.?",
            1 => "(?i)\\(?(baseline|approx|est)\\.?\\)?",
            1 => "(?i)(under|over)[ -]?(spend|spent)",
            1 => "(?i)(thousand|million|billion|circa|c\\.|ca\\.)",
            1 => "[a-zA-Zé:;#/]{1,3}",
        ]
    }

    /// Mostly well-formed plain values, so that the fast path is taken
    /// often, with the edges (group sizes, leading zeros, many digits,
    /// signs with spend words) well covered.
    fn plain_like() -> impl Strategy<Value = String> {
        let number = prop_oneof![
            "[0-9]{1,3}(,[0-9]{3}){0,3}(\\.[0-9]{1,4})?",
            "[0-9]{1,20}(\\.[0-9]{0,30})?",
            "\\.[0-9]{1,3}",
            "0?\\.0{26,30}[0-9]{0,2}",
            "[0-9]{1,4}(,[0-9]{1,4}){1,2}",
        ];
        let tail = prop_oneof![
            Just(String::new()),
            "(?i)%|k|m|mn|bn|K|t|b|n|x",
            "(?i) (%|percent|days?|mins?|minutes?|hours?|hrs?|k|m)",
        ];
        let words = prop::collection::vec(
            "(?i) (\\(approx\\)|approx|baseline|\\(est\\)|provisional|underspend|overspent|overspend|x)",
            0..3,
        );
        ("[-+]?", "[£$€]?", number, tail, words).prop_map(|(sign, cur, n, tail, words)| {
            format!("{sign}{cur}{n}{tail}{}", words.concat())
        })
    }

    /// Whitespace, ASCII and not, that `trim` removes or keeps.
    fn space() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => Just(String::new()),
            1 => "[ \t\n\r\x0B\x0C\x1F\u{85}\u{a0}\u{2003}\u{3000}]{1,2}",
        ]
    }

    fn value_like() -> impl Strategy<Value = String> {
        let body = prop_oneof![
            prop::collection::vec(piece(), 0..8).prop_map(|p| p.concat()),
            plain_like(),
        ];
        (space(), body, space()).prop_map(|(before, body, after)| format!("{before}{body}{after}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// Wherever the fast path gives a quantity, the general parser
        /// gives the same one, and so `parse_value` is the general parser
        /// (`trim` included).
        #[test]
        fn fast_path_agrees_with_general(text in value_like()) {
            prop_assert_eq!(trim(&text), text.trim());
            if let Some(fast) = plain_quantity(&text) {
                prop_assert_eq!(scan_quantity(&text), Ok(fast.clone()));
                prop_assert_eq!(classify(&text), Ok(ValueText::Quantity(fast)));
            }
            prop_assert_eq!(parse_value(&text), parse_general(text.trim()));
        }
    }
}

#[test]
fn dates_are_not_values() {
    for date in ["2012-03-31", "2012-03-31 00:00:00", "2012-03-31T10:00"] {
        assert!(
            matches!(parse_value(date), ValueText::Invalid { ref reason } if reason == &format!("`{date}` is a date, not a value")),
            "{date}: {:?}",
            parse_value(date)
        );
    }
    assert!(matches!(parse_value("2012"), ValueText::Quantity(_)));
}
