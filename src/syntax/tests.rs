use super::*;
use crate::ast::*;

/// Render an expression as an S-expression, to test precedence.
fn sexp(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number(n) => n.to_string(),
        ExprKind::Quantity(n, u) => format!("{n}{}", u.name()),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Path(p) => p
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join("."),
        ExprKind::List(items) => {
            format!("[{}]", items.iter().map(sexp).collect::<Vec<_>>().join(" "))
        }
        ExprKind::Call(f, args) => format!(
            "({} {})",
            f.name,
            args.iter()
                .map(|a| match a {
                    Arg::Expr(e) => sexp(e),
                    Arg::EachMeasure(Some(c), _) => format!("(each {})", sexp(c)),
                    Arg::EachMeasure(None, _) => "each".into(),
                    Arg::Peers(None, _) => "peers".into(),
                    Arg::Peers(Some(by), _) => format!(
                        "(peers by {})",
                        by.iter()
                            .map(|i| i.name.as_str())
                            .collect::<Vec<_>>()
                            .join(".")
                    ),
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ExprKind::Unary(UnOp::Not, x) => format!("(not {})", sexp(x)),
        ExprKind::Unary(UnOp::Neg, x) => format!("(neg {})", sexp(x)),
        ExprKind::Binary(op, a, b) => format!("({} {} {})", op.symbol(), sexp(a), sexp(b)),
        ExprKind::Is {
            operand,
            negated,
            kind,
        } => {
            format!(
                "(is{} {} {})",
                if *negated { "-not" } else { "" },
                sexp(operand),
                kind.name
            )
        }
        ExprKind::In {
            operand,
            negated,
            list,
        } => {
            format!(
                "(in{} {} {})",
                if *negated { "-not" } else { "" },
                sexp(operand),
                sexp(list)
            )
        }
        ExprKind::Matches(x, r) => format!("(matches {} {:?})", sexp(x), r.value),
    }
}

fn expr(text: &str) -> String {
    match template::embedded(text, FileId(0)) {
        Ok(e) => sexp(&e),
        Err(e) => format!("error: {}", e.message),
    }
}

#[test]
fn binary_operators_associate_left() {
    assert_eq!(expr("1 - 2 - 3"), "(- (- 1 2) 3)");
    assert_eq!(expr("8 / 4 / 2"), "(/ (/ 8 4) 2)");
    assert_eq!(expr("a or b or c"), "(or (or a b) c)");
}

#[test]
fn precedence_follows_the_spec() {
    assert_eq!(expr("1 + 2 * 3"), "(+ 1 (* 2 3))");
    assert_eq!(expr("-value * 2"), "(* (neg value) 2)");
    assert_eq!(expr("a or b and c"), "(or a (and b c))");
    assert_eq!(expr("not a == b"), "(not (== a b))");
    assert_eq!(expr("not a and b"), "(and (not a) b)");
    assert_eq!(
        expr("value >= expected - 10%"),
        "(>= value (- expected 10percent))"
    );
    assert_eq!(
        expr("value < 0% or value > 100%"),
        "(or (< value 0percent) (> value 100percent))"
    );
    assert_eq!(expr("(1 + 2) * 3"), "(* (+ 1 2) 3)");
}

#[test]
fn postfix_tests_bind_like_comparisons() {
    assert_eq!(expr("status in [amber, red]"), "(in status [amber red])");
    assert_eq!(expr("status not in [red]"), "(in-not status [red])");
    assert_eq!(expr("commentary is missing"), "(is commentary missing)");
    assert_eq!(expr("value is not deferred"), "(is-not value deferred)");
    assert_eq!(
        expr("not (commentary matches \"(?i)action|plan\")"),
        "(not (matches commentary \"(?i)action|plan\"))"
    );
    assert_eq!(
        expr("a is missing and b + 1 > 2"),
        "(and (is a missing) (> (+ b 1) 2))"
    );
}

#[test]
fn quantity_literals() {
    assert_eq!(expr("£250k"), "250000gbp");
    assert_eq!(expr("£1.5m"), "1500000.0gbp");
    assert_eq!(expr("8.37 days"), "8.37days");
    assert_eq!(expr("3 mins"), "3minutes");
    assert_eq!(expr("95%"), "95percent");
    assert_eq!(expr("1_000"), "1000");
    assert_eq!(
        expr("abs(budget.value) > £250k"),
        "(> (abs budget.value) 250000gbp)"
    );
    assert_eq!(
        expr("count(each measure where rag == red)"),
        "(count (each (== rag red)))"
    );
}

#[test]
fn syntax_errors_say_what_was_expected_in_words() {
    let src = SourceFile::new(
        "bad.rag",
        "measure m {\n    unit percent\n    green when value >=\n}\n",
    );
    let d = match parse_file(FileId(0), &src) {
        Ok(_) => panic!("should not parse"),
        Err(d) => d,
    };
    assert_eq!(d.code, "syntax_error");
    let loc = d.location.clone().unwrap_or_else(|| panic!("no location"));
    assert_eq!((loc.line, loc.column), (4, 1));
    assert!(d.message.contains("expected"), "{}", d.message);
    assert!(d.message.contains("a value or a name"), "{}", d.message);
    assert!(!d.message.contains("expr"), "{}", d.message);
}

#[test]
fn the_spec_examples_parse() {
    let text = r#"
measure appraisals "Every year 100% of staff have an appraisal" {
    unit percent                 # percent | gbp
    better higher
    target 100%
    trajectory q1 25%, q2 50%, q3 75%, q4 100%
    required
    cumulative
    green when value >= expected
    amber when value >= expected - 10%
    red otherwise
}

check percent_range for each value where unit == percent {
    about "A percentage lies between 0% and 100%."
    error when value < 0% or value > 100%
        "a percentage must lie between 0% and 100%, found {value}"
        help "a typing slip? 945 may be meant as 94.5% or 94%"
}

check remedial_action for each measure where status in [amber, red] {
    error when commentary is missing "{status} measure {id} has no commentary"
    warning when not (commentary matches "(?i)action|plan|recover|remed")
        "{status} measure {id}: the commentary names no remedial action"
}

check budget_balanced {
    warning when abs(budget.value) > £250k "budget variance of {budget.value} at {return.period}"
}

severity unknown_measure off

test "94% appraisals is amber" {
    given appraisals.q4 = "94%", appraisals.status = "Amber"
    expect appraisals.rag == amber
    expect no error
}

test "a 945 typo is caught" {
    given appraisals.q4 = "945"
    expect error percent_range on appraisals
}
"#;
    let src = SourceFile::new("spec.rag", text);
    let file = match parse_file(FileId(0), &src) {
        Ok(f) => f,
        Err(d) => panic!("{d:?}"),
    };
    assert_eq!(file.items.len(), 7);
    let Item::Test(t) = &file.items[5] else {
        panic!("not a test")
    };
    assert_eq!(t.body.len(), 3);
    assert!(matches!(
        &t.body[2],
        TestStmt::Expect(Expectation::No { check: None, .. })
    ));
}

/// The message of the first rule of the first check in `text`, with the
/// text each of its parts' spans covers.
fn message_parts(text: &str) -> Vec<String> {
    let src = SourceFile::new("t.rag", text);
    let file = match parse_file(FileId(0), &src) {
        Ok(f) => f,
        Err(d) => panic!("{d:?}"),
    };
    let Some(Item::Check(c)) = file.items.first() else {
        panic!("not a check")
    };
    let Some(CheckStmt::Rule(r)) = c.body.first() else {
        panic!("not a rule")
    };
    let at = |s: crate::span::Span| &text[s.start as usize..s.end as usize];
    r.message
        .parts
        .iter()
        .map(|p| match p {
            TemplatePart::Text(t) => format!("text {t:?}"),
            TemplatePart::Expr(e) => match &e.kind {
                ExprKind::Matches(x, re) => {
                    format!(
                        "expr `{}`: `{}` matches `{}`",
                        at(e.span),
                        at(x.span),
                        at(re.span)
                    )
                }
                _ => format!("expr `{}`", at(e.span)),
            },
            TemplatePart::Bad(b) => format!("bad `{}`: {}", at(b.span), b.message),
        })
        .collect()
}

#[test]
fn message_parts_point_at_their_text_after_escapes() {
    let text = r#"check c for each measure {
    error when value > 1 "a \"quoted\" {{b}} {lower(officer) matches \"x\"} c"
}
"#;
    assert_eq!(
        message_parts(text),
        [
            r#"text "a \"quoted\" {b} ""#,
            r#"expr `lower(officer) matches \"x\"`: `lower(officer)` matches `\"x\"`"#,
            r#"text " c""#,
        ]
    );
}

#[test]
fn bad_message_parts_are_kept_for_the_compiler() {
    let text = "check c for each measure {\n    error when value > 1 \"\\t{value +} {id\"\n}\n";
    assert_eq!(
        message_parts(text),
        [
            "text \"\\t\"",
            "bad ``: in `{value +}`: expected a value or a name (such as `95%`, `target` or \
             `budget.q3`), but the file ends here",
            "text \" \"",
            "bad `{`: this `{` is never closed",
        ]
    );
}
