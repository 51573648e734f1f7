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
        ValueText::Missing(MissingKind::Deferred { quarter: Some(4) })
    );
}
