//! The value-text parser (SPEC 2.4), as a table: every value text in the
//! seed documents, plus the tricky ones.

use ragcheck::value::{MissingKind, Quantity, Unit, ValueText, parse_value, suggest};
use rust_decimal::Decimal;

/// What a text should parse to.
enum Expect {
    Is(ValueText),
    /// Invalid, with a reason containing this text.
    Invalid(&'static str),
}

fn dec(s: &str) -> Decimal {
    s.parse()
        .unwrap_or_else(|e| panic!("bad decimal {s:?} in test: {e}"))
}

fn quantity(amount: &str, unit: Option<Unit>) -> Quantity {
    Quantity::new(dec(amount), unit)
}

fn is(q: Quantity) -> Expect {
    Expect::Is(ValueText::Quantity(q))
}

fn pct(amount: &str) -> Expect {
    is(quantity(amount, Some(Unit::Percent)))
}

fn gbp(amount: &str) -> Expect {
    is(quantity(amount, Some(Unit::Gbp)))
}

fn bare(amount: &str) -> Expect {
    is(quantity(amount, None))
}

fn unit(amount: &str, unit: Unit) -> Expect {
    is(quantity(amount, Some(unit)))
}

fn approx(amount: &str, u: Option<Unit>) -> Expect {
    is(Quantity {
        approx: true,
        ..quantity(amount, u)
    })
}

fn baseline(amount: &str, u: Option<Unit>) -> Expect {
    is(Quantity {
        baseline: true,
        ..quantity(amount, u)
    })
}

fn missing(kind: MissingKind) -> Expect {
    Expect::Is(ValueText::Missing(kind))
}

fn blank() -> Expect {
    missing(MissingKind::Blank)
}

fn na() -> Expect {
    missing(MissingKind::NotApplicable)
}

fn unavailable() -> Expect {
    missing(MissingKind::NotAvailable)
}

fn deferred(quarter: Option<u8>) -> Expect {
    missing(MissingKind::Deferred {
        quarter,
        month: None,
    })
}

fn deferred_to_month(month: u8) -> Expect {
    missing(MissingKind::Deferred {
        quarter: None,
        month: Some(month),
    })
}

fn invalid(reason_contains: &'static str) -> Expect {
    Expect::Invalid(reason_contains)
}

fn cases() -> Vec<(&'static str, Expect)> {
    use Unit::*;
    vec![
        // --- Every value text in the seed documents.
        ("63%", pct("63")),
        ("94%", pct("94")),
        ("99%", pct("99")),
        ("945", bare("945")),
        ("N/A", na()),
        ("71% Baseline", baseline("71", Some(Percent))),
        ("N#", invalid("is not a number")),
        ("To be reported in Quarter 4", deferred(Some(4))),
        // --- Deferrals to a month (of the financial year: April is 1).
        ("To be reported in October", deferred_to_month(7)),
        ("To be reported in Month 7", deferred_to_month(7)),
        ("To be reported in M07", deferred_to_month(7)),
        ("Available from Jan 2017", deferred_to_month(10)),
        ("Not available until March", deferred_to_month(12)),
        ("To be reported in April, Q1", deferred(Some(1))),
        ("To be reported, may slip", deferred(None)),
        ("100", bare("100")),
        ("£13,000 overspend", gbp("13000")),
        ("£0", gbp("0")),
        ("£235,000 underspend", gbp("-235000")),
        (
            "£617, unders",
            invalid("unrecognised text after the amount: `, unders`"),
        ),
        ("50%", pct("50")),
        ("NA", na()),
        ("To be collected through Clözens Panel", unavailable()),
        (
            "Indicator to be derived from feedback survey of council managers",
            unavailable(),
        ),
        ("95%", pct("95")),
        ("81%", pct("81")),
        ("67%", pct("67")),
        ("To be reported at Quarter 4", deferred(Some(4))),
        ("48%", pct("48")),
        ("Indicator being developed", unavailable()),
        ("400 (Approx)", approx("400", None)),
        ("432", bare("432")),
        ("97%", pct("97")),
        ("85%", pct("85")),
        ("8.63 days", unit("8.63", Days)),
        ("4.6%", pct("4.6")),
        ("3.4%", pct("3.4")),
        ("1.38 Mins", unit("1.38", Minutes)),
        ("92.6%", pct("92.6")),
        // A merged cell in the seed: a deferral and a value at once.
        (
            "To be reported at Quarter 4 48%",
            invalid("both a reason for a missing value and an amount (`48%`)"),
        ),
        // --- Percentages.
        ("94.5%", pct("94.5")),
        ("94.5 %", pct("94.5")),
        ("100 per cent", pct("100")),
        ("100 Per  Cent", pct("100")),
        ("100 percent", pct("100")),
        ("-3%", pct("-3")),
        ("+2.5%", pct("2.5")),
        (".5%", pct("0.5")),
        ("  63%  ", pct("63")),
        ("71% (Baseline)", baseline("71", Some(Percent))),
        ("Baseline: 71%", baseline("71", Some(Percent))),
        ("95% (est.)", approx("95", Some(Percent))),
        ("95% provisional", approx("95", Some(Percent))),
        ("94%%", invalid("unrecognised text after the amount: `%`")),
        ("%", invalid("no number before the percent sign")),
        ("£5%", invalid("both a currency sign and another unit")),
        // --- Money.
        ("£13,000", gbp("13000")),
        ("£617k", gbp("617000")),
        ("£617K", gbp("617000")),
        ("£1.2m", gbp("1200000")),
        ("£1.2M", gbp("1200000")),
        ("£1.2 million", gbp("1200000")),
        ("£2bn", gbp("2000000000")),
        ("£2BN", gbp("2000000000")),
        ("£0.5k", gbp("500")),
        ("£1.2345k", gbp("1234.5")),
        ("-£5,000", gbp("-5000")),
        ("£-5,000", gbp("-5000")),
        ("−£5,000", gbp("-5000")),
        ("–£5k", gbp("-5000")),
        ("-£5k", gbp("-5000")),
        ("£ 5,000", gbp("5000")),
        ("£1,250.50", gbp("1250.50")),
        ("£0 underspend", gbp("0")),
        ("£5k under spend", gbp("-5000")),
        ("£5k under-spend", gbp("-5000")),
        ("£5k Underspent", gbp("-5000")),
        ("£5k over-spend", gbp("5000")),
        ("235,000 underspend", bare("-235000")),
        ("$5", unit("5", Usd)),
        ("€3.5k", unit("3500", Eur)),
        ("€3.5k (approx)", approx("3500", Some(Eur))),
        ("-£5k underspend", invalid("gives the direction twice")),
        (
            "£5k underspend overspend",
            invalid("gives the direction twice"),
        ),
        ("£", invalid("no amount after the currency sign")),
        ("£abc", invalid("no amount after the currency sign")),
        ("-£-5", invalid("more than one sign")),
        ("--5", invalid("more than one sign")),
        ("5k", invalid("without a currency sign")),
        ("£5kg", invalid("unrecognised text after the amount: `kg`")),
        ("(£5,000)", invalid("in brackets")),
        (
            "5,000 €",
            invalid("unrecognised text after the amount: `€`"),
        ),
        ("3 days underspend", invalid("of a duration")),
        // --- Durations.
        ("1 day", unit("1", Days)),
        ("8.63days", unit("8.63", Days)),
        ("8.63 working days", unit("8.63", Days)),
        ("1.38 mins", unit("1.38", Minutes)),
        ("3 minutes", unit("3", Minutes)),
        ("3 min", unit("3", Minutes)),
        ("3 mins.", unit("3", Minutes)),
        ("3 hours", unit("3", Hours)),
        ("2 hrs", unit("2", Hours)),
        ("1 hour", unit("1", Hours)),
        (
            "1.38 Mins average",
            invalid("unrecognised text after the amount: `average`"),
        ),
        (
            "45 seconds",
            invalid("unrecognised text after the amount: `seconds`"),
        ),
        // --- Counts and bare numbers.
        ("1,250", bare("1250")),
        ("1,250,000", bare("1250000")),
        ("0.1", bare("0.1")),
        ("-3", bare("-3")),
        ("-0", bare("0")),
        ("007", bare("7")),
        ("~400", approx("400", None)),
        ("approx. 400", approx("400", None)),
        ("Approx 400", approx("400", None)),
        ("c. 400", approx("400", None)),
        ("circa 400", approx("400", None)),
        ("(Approx) 400", approx("400", None)),
        ("400 approximately", approx("400", None)),
        (
            "400 (approx.) Baseline",
            is(Quantity {
                approx: true,
                baseline: true,
                ..quantity("400", None)
            }),
        ),
        (
            "1,00",
            invalid("`1,00` has a badly placed thousands separator"),
        ),
        ("12,50", invalid("badly placed thousands separator")),
        ("1,2500", invalid("badly placed thousands separator")),
        ("1234,567", invalid("badly placed thousands separator")),
        ("0,5", invalid("badly placed thousands separator")),
        ("1,250,00", invalid("badly placed thousands separator")),
        ("1.250,5", invalid("comma after the decimal point")),
        ("1_000", invalid("underscore")),
        ("5.", invalid("decimal point with no digits")),
        ("1.2.3", invalid("more than one decimal point")),
        ("1e3", invalid("unrecognised text after the amount: `e3`")),
        (
            "1 250",
            invalid("unrecognised text after the amount: `250`"),
        ),
        ("99999999999999999999999999999999", invalid("too large")),
        ("£99999999999999999999bn", invalid("too large")),
        (
            "0.00000000000000000000000000001",
            invalid("28 decimal places"),
        ),
        ("abc", invalid("is not a number")),
        ("Green", invalid("is not a number")),
        ("#REF!", invalid("spreadsheet error")),
        ("#N/A", invalid("spreadsheet error")),
        ("~", invalid("is not a number")),
        (".", invalid("is not a number")),
        // --- Missing values.
        ("", blank()),
        ("   ", blank()),
        ("\t\u{a0}", blank()),
        ("n/a", na()),
        ("N.A.", na()),
        ("-", na()),
        ("–", na()),
        ("—", na()),
        ("Not applicable", na()),
        ("Not applicable this quarter", na()),
        ("To be reported in Q4", deferred(Some(4))),
        ("To be reported in Q 2", deferred(Some(2))),
        ("To be reported in quarter two", deferred(Some(2))),
        ("To be reported in the 3rd quarter", deferred(Some(3))),
        ("To be reported at year end", deferred(Some(4))),
        (
            "To be reported at the end of the financial year",
            deferred(Some(4)),
        ),
        ("To be reported in Quarter 4 2011/12.", deferred(Some(4))),
        ("Due in Quarter 2", deferred(Some(2))),
        ("Due Q3", deferred(Some(3))),
        ("Not due until Q4", deferred(Some(4))),
        ("Due to staff shortages", invalid("is not a number")),
        ("Due to staff shortages, not collected", unavailable()),
        ("To be reported", deferred(None)),
        ("Data to follow", deferred(None)),
        ("Annual measure", deferred(None)),
        ("Not available until Q3", deferred(Some(3))),
        ("To be reported in Quarter 5", invalid("names quarter 5")),
        ("Due in Q0", invalid("names quarter 0")),
        ("Not available", unavailable()),
        ("TBC", unavailable()),
        ("tbc.", unavailable()),
        ("To be collected through Citizens Panel", unavailable()),
        ("Amended indicator proposed for 2012 onwards", unavailable()),
        ("Indicator being developed £5k", invalid("(`£5k`)")),
        ("Quarter 4", invalid("is not a number")),
    ]
}

#[test]
fn value_table() {
    let cases = cases();
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for (text, expect) in &cases {
        let got = parse_value(text);
        let ok = match (expect, &got) {
            (Expect::Is(want), got) => want == got && same_scale(want, got),
            (Expect::Invalid(part), ValueText::Invalid { reason }) => reason.contains(part),
            (Expect::Invalid(_), _) => false,
        };
        if !ok {
            let want = match expect {
                Expect::Is(v) => format!("{v:?}"),
                Expect::Invalid(part) => format!("Invalid containing {part:?}"),
            };
            failures.push(format!("{text:?}\n    want {want}\n    got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `£1.2m` should be 1200000, not 1200000.0: the parser keeps the decimal
/// places as typed, and a multiplier uses them up.
fn same_scale(want: &ValueText, got: &ValueText) -> bool {
    match (want, got) {
        (ValueText::Quantity(w), ValueText::Quantity(g)) => w.amount.scale() == g.amount.scale(),
        _ => true,
    }
}

#[test]
fn suggestions() {
    let cases: &[(&str, Option<&str>)] = &[
        ("£617, unders", Some("£617 underspend")),
        ("1_000", Some("1000")),
        ("1.38 Minz", Some("1.38 mins")),
        ("8.63 dyas", Some("8.63 days")),
        ("94%%", Some("94%")),
        ("(£5,000)", Some("-£5,000")),
        ("5,000 €", Some("€5,000")),
        ("0,5", Some("0.5")),
        ("£5k overspnd", Some("£5k overspend")),
        ("71% basline", Some("71% baseline")),
        ("nil", Some("0")),
        ("400 (Approx", Some("400 approx")),
        // Coin tosses and hopeless cases get no guess.
        ("1,00", None),
        ("12,50", None),
        ("N#", None),
        ("abc", None),
        ("1.38 Mins average", None),
        ("£5 dys", None),
        // Valid values need no suggestion.
        ("63%", None),
        ("N/A", None),
        ("", None),
    ];
    for (text, want) in cases {
        assert_eq!(suggest(text).as_deref(), *want, "suggest({text:?})");
    }
}

#[test]
fn decimal_arithmetic_is_exact() {
    let amount = |t: &str| match parse_value(t) {
        ValueText::Quantity(q) => q.amount,
        other => panic!("{t:?} parsed to {other:?}"),
    };
    assert_eq!(amount("0.1") + amount("0.2"), amount("0.3"));
    assert_eq!(amount("0.1%") + amount("0.2%"), amount("0.3%"));
    assert_eq!(amount("£0.1m") + amount("£0.2m"), amount("£0.3m"));
    assert_eq!(amount("£1.2m") - amount("£1,199,999.99"), amount("0.01"));
}

#[test]
fn display_is_canonical() {
    let cases = [
        ("63%", "63%"),
        ("-£5k", "-£5,000"),
        ("£1.2m", "£1,200,000"),
        ("£1,250.50", "£1,250.50"),
        ("£235,000 underspend", "-£235,000"),
        ("$5", "$5"),
        ("€3.5k", "€3,500"),
        ("8.63 days", "8.63 days"),
        ("1 day", "1 day"),
        ("1.38 Mins", "1.38 mins"),
        ("1 minute", "1 min"),
        ("3 hrs", "3 hours"),
        ("1 hour", "1 hour"),
        ("1,250", "1250"),
        ("400 (Approx)", "400 (Approx)"),
        ("71% Baseline", "71% Baseline"),
    ];
    for (text, want) in cases {
        match parse_value(text) {
            ValueText::Quantity(q) => assert_eq!(q.to_string(), want, "display of {text:?}"),
            other => panic!("{text:?} parsed to {other:?}"),
        }
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Text shaped like values, so that the interesting branches are hit
    /// far more often than by arbitrary strings.
    const VALUE_LIKE: &str = "[ (~+−–-]{0,2}[£$€]?[ +-]?[0-9,._]{0,14}\
        [ ]?(%|k|m|bn|days|mins|hours|per cent)?\
        ( ?(\\(Approx\\)|Baseline|underspend|overspend|unders|%|,|x))?";
    const PHRASE_LIKE: &str = "(To be reported|Due|N/A|TBC|Not available|Indicator being developed)\
        ( in| at| until)?( Quarter| Q| the| end of the year| year end)? ?[0-9]{0,3}(%|£5k| 2011/12|\\.)?";

    fn unit() -> impl Strategy<Value = Option<Unit>> {
        prop_oneof![
            Just(None),
            proptest::sample::select(Unit::ALL.to_vec()).prop_map(Some)
        ]
    }

    /// Any decimal: a mantissa within 96 bits and a scale of 0..=28.
    fn decimal() -> impl Strategy<Value = Decimal> {
        let max = (1i128 << 96) - 1;
        (-max..=max, 0u32..=28).prop_filter_map("representable", |(m, scale)| {
            Decimal::try_from_i128_with_scale(m, scale).ok()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics_on_any_text(text in any::<String>()) {
            let _ = parse_value(&text);
            let _ = suggest(&text);
        }

        #[test]
        fn never_panics_on_value_like_text(text in VALUE_LIKE) {
            let _ = parse_value(&text);
            if let Some(s) = suggest(&text) {
                prop_assert!(!matches!(parse_value(&s), ValueText::Invalid { .. }), "{text:?} → {s:?}");
            }
        }

        #[test]
        fn never_panics_on_phrase_like_text(text in PHRASE_LIKE) {
            let _ = parse_value(&text);
            let _ = suggest(&text);
        }

        #[test]
        fn percent_round_trips(amount in decimal()) {
            let text = format!("{amount}%");
            match parse_value(&text) {
                ValueText::Quantity(q) => {
                    prop_assert_eq!(q.amount, amount);
                    prop_assert_eq!(q.amount.scale(), amount.scale());
                    prop_assert_eq!(q.unit, Some(Unit::Percent));
                }
                other => prop_assert!(false, "{text:?} parsed to {other:?}"),
            }
        }

        #[test]
        fn display_round_trips(amount in decimal(), unit in unit(), approx: bool, baseline: bool) {
            let q = Quantity { amount, unit, approx, baseline };
            let text = q.to_string();
            let want = Quantity {
                unit: unit.filter(|u| *u != Unit::Count),
                ..q
            };
            prop_assert_eq!(parse_value(&text), ValueText::Quantity(want), "{}", text);
        }
    }
}
