//! The rule parser and compiler never panic, whatever the text.

use proptest::prelude::*;
use ragcheck::span::SourceFile;

/// Fragments of the rule language, so generated text gets past the parser
/// often enough to exercise the compiler too.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("measure".to_string()),
        Just("check".to_string()),
        Just("severity".to_string()),
        Just("test".to_string()),
        Just("unit percent".to_string()),
        Just("unit gbp".to_string()),
        Just("better higher".to_string()),
        Just("target 100%".to_string()),
        Just("trajectory linear".to_string()),
        Just("trajectory q1 25%, q4 100%".to_string()),
        Just("required".to_string()),
        Just("cumulative".to_string()),
        Just("green when value >= expected".to_string()),
        Just("amber when value >= target - 10%".to_string()),
        Just("red otherwise".to_string()),
        Just("for each value where unit == percent".to_string()),
        Just("for each measure".to_string()),
        Just("error when".to_string()),
        Just("warning when not (commentary matches \"(?i)plan\")".to_string()),
        Just("\"message {value} {{\"".to_string()),
        Just("\"{".to_string()),
        Just("help \"h\"".to_string()),
        Just("count(each measure where rag == red)".to_string()),
        Just("abs(budget.value) > £250k".to_string()),
        Just("value is missing".to_string()),
        Just("status in [amber, red]".to_string()),
        Just("1 - 2 * 3 / 0".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("waive status_mismatch".to_string()),
        Just("waive m".to_string()),
        Just("on m".to_string()),
        Just("for \"Leeds\"".to_string()),
        Just("until 2012/13 Q2".to_string()),
        Just("until Quarter 5 2016/18".to_string()),
        Just("until \"Oct 2016\"".to_string()),
        Just("because \"reason\"".to_string()),
        Just("approved \"\"".to_string()),
        Just("m".to_string()),
        Just("budget".to_string()),
        Just("\n".to_string()),
        "[a-z_]{1,8}",
        "[0-9]{1,30}(\\.[0-9]{1,30})?%?",
        "\\PC{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = ragcheck::compile(vec![SourceFile::new("p.rag", text)]);
    }

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(token(), 0..60)) {
        let text = tokens.join(" ");
        let _ = ragcheck::compile(vec![SourceFile::new("p.rag", text)]);
    }

    #[test]
    fn well_formed_measures_with_random_thresholds_compile_or_explain(
        a in 0u32..200, b in 0u32..200, op1 in prop_oneof![Just(">="), Just(">"), Just("<"), Just("<="), Just("=="), Just("!=")],
        op2 in prop_oneof![Just(">="), Just(">"), Just("<"), Just("<=")],
    ) {
        let text = format!(
            "measure m {{\n unit percent\n better higher\n green when value {op1} {a}%\n amber when value {op2} {b}%\n red otherwise\n}}\n"
        );
        let compiled = ragcheck::compile(vec![SourceFile::new("p.rag", text)]);
        // Either it compiles, or every problem is a located diagnostic.
        for d in &compiled.diagnostics {
            prop_assert!(d.location.is_some());
            prop_assert!(!d.message.is_empty());
        }
    }
}

#[test]
fn deep_or_long_expressions_are_refused_not_crashed() {
    for text in [
        format!(
            "check c {{\n error when {}1{} \"x\"\n}}\n",
            "(".repeat(50_000),
            ")".repeat(50_000)
        ),
        format!(
            "check c {{\n error when {}true \"x\"\n}}\n",
            "not ".repeat(50_000)
        ),
        format!(
            "check c {{\n error when {}1 > 2 \"x\"\n}}\n",
            "1 + ".repeat(50_000)
        ),
        format!(
            "check c {{\n error when {}1{} > 2 \"x\"\n}}\n",
            "abs(".repeat(100),
            ")".repeat(100)
        ),
    ] {
        let compiled = ragcheck::compile(vec![SourceFile::new("deep.rag", text)]);
        assert!(compiled.rules.is_none());
        let codes: Vec<&str> = compiled
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert!(
            codes == ["too_complex"] || codes == ["syntax_error"],
            "{codes:?}"
        );
    }
}
