//! Property tests for `ragcheck fmt`: rule files are generated as token
//! trees and written out with random spacing, line breaks, comments and
//! extra parentheses. For each, the formatted text must parse to the same
//! AST as the input (spans erased), keep every comment in order, and be a
//! fixed point: formatting it again changes nothing.

use proptest::prelude::*;
use proptest::sample::select;

use ragcheck::format::{erase_spans, format_source};
use ragcheck::span::{FileId, SourceFile};

/// An expression as a token tree.
#[derive(Clone, Debug)]
enum E {
    Leaf(&'static str),
    Paren(Box<E>),
    Bin(&'static str, Box<E>, Box<E>),
    Not(Box<E>),
    Neg(Box<E>),
    Is(Box<E>, bool, &'static str),
    In(Box<E>, bool, Vec<E>),
    Matches(Box<E>, &'static str),
    Call(&'static str, Vec<E>),
    Count(Option<Box<E>>),
}

const LEAVES: &[&str] = &[
    "95",
    "8.37",
    "1_000",
    "95%",
    "£250k",
    "£1.5m",
    "$5",
    "8.37 days",
    "3  mins",
    "\"text\"",
    "\"a # b\"",
    "\"say \\\"hi\\\"\"",
    "true",
    "value",
    "target",
    "expected",
    "appraisals.q4",
    "return.period",
    "green",
    "amber",
    "percent",
    "status",
];
const OPS: &[&str] = &[
    "or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/",
];
const KINDS: &[&str] = &["missing", "deferred", "blank"];
const REGEXES: &[&str] = &["\"(?i)plan\"", "\"a(b\"", "\"x # y\""];
const FUNCS: &[&str] = &["abs", "min", "max", "round", "lower"];

fn expr() -> impl Strategy<Value = E> {
    select(LEAVES)
        .prop_map(E::Leaf)
        .prop_recursive(4, 32, 3, |inner| {
            let boxed = inner.clone().prop_map(Box::new);
            prop_oneof![
                boxed.clone().prop_map(E::Paren),
                (select(OPS), boxed.clone(), boxed.clone()).prop_map(|(o, a, b)| E::Bin(o, a, b)),
                boxed.clone().prop_map(E::Not),
                boxed.clone().prop_map(E::Neg),
                (boxed.clone(), any::<bool>(), select(KINDS)).prop_map(|(a, n, k)| E::Is(a, n, k)),
                (
                    boxed.clone(),
                    any::<bool>(),
                    prop::collection::vec(inner.clone(), 0..3)
                )
                    .prop_map(|(a, n, l)| E::In(a, n, l)),
                (boxed.clone(), select(REGEXES)).prop_map(|(a, r)| E::Matches(a, r)),
                (select(FUNCS), prop::collection::vec(inner.clone(), 1..3))
                    .prop_map(|(f, args)| E::Call(f, args)),
                prop::option::of(boxed).prop_map(E::Count),
            ]
        })
}

fn tokens(e: &E, out: &mut Vec<String>) {
    let t = |out: &mut Vec<String>, s: &str| out.push(s.to_string());
    match e {
        E::Leaf(s) => t(out, s),
        E::Paren(x) => {
            t(out, "(");
            tokens(x, out);
            t(out, ")");
        }
        E::Bin(op, a, b) => {
            tokens(a, out);
            t(out, op);
            tokens(b, out);
        }
        E::Not(x) => {
            t(out, "not");
            tokens(x, out);
        }
        E::Neg(x) => {
            t(out, "-");
            tokens(x, out);
        }
        E::Is(x, negated, kind) => {
            tokens(x, out);
            t(out, "is");
            if *negated {
                t(out, "not");
            }
            t(out, kind);
        }
        E::In(x, negated, items) => {
            tokens(x, out);
            if *negated {
                t(out, "not");
            }
            t(out, "in");
            t(out, "[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    t(out, ",");
                }
                tokens(item, out);
            }
            t(out, "]");
        }
        E::Matches(x, re) => {
            tokens(x, out);
            t(out, "matches");
            t(out, re);
        }
        E::Call(f, args) => {
            t(out, f);
            t(out, "(");
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    t(out, ",");
                }
                tokens(a, out);
            }
            t(out, ")");
        }
        E::Count(cond) => {
            t(out, "count");
            t(out, "(");
            t(out, "each");
            t(out, "measure");
            if let Some(c) = cond {
                t(out, "where");
                tokens(c, out);
            }
            t(out, ")");
        }
    }
}

/// A statement or block header as tokens: words and expressions.
#[derive(Clone, Debug)]
enum P {
    W(&'static str),
    X(E),
}

fn line(parts: Vec<P>) -> Vec<String> {
    let mut out = Vec::new();
    for p in parts {
        match p {
            P::W(w) => out.push(w.to_string()),
            P::X(e) => tokens(&e, &mut out),
        }
    }
    out
}

use P::{W, X};

fn measure_stmt() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        select(
            &[
                "unit percent",
                "unit gbp",
                "better higher",
                "required",
                "cumulative"
            ][..]
        )
        .prop_map(|s| s.split(' ').map(str::to_string).collect()),
        expr().prop_map(|e| line(vec![W("target"), X(e)])),
        Just(vec!["trajectory".into(), "linear".into()]),
        (expr(), expr()).prop_map(|(a, b)| line(vec![
            W("trajectory"),
            W("q1"),
            X(a),
            W(","),
            W("q4"),
            X(b)
        ])),
        Just(vec!["about".into(), "\"what # it is\"".into()]),
        (select(&["green", "amber", "red"][..]), expr()).prop_map(|(s, e)| line(vec![
            W(s),
            W("when"),
            X(e)
        ])),
        Just(vec!["red".into(), "otherwise".into()]),
    ]
}

fn check_stmt() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        Just(vec!["about".into(), "\"checks # things\"".into()]),
        (
            select(&["error", "warning", "info"][..]),
            expr(),
            select(&["\"m {value}\"", "\"a # b\"", "\"a very long message that goes on and on so that the line will not fit in a hundred columns\""][..]),
            prop::option::of(select(&["\"h\"", "\"help with a # in it\""][..]))
        )
            .prop_map(|(s, e, m, h)| {
                let mut parts = vec![W(s), W("when"), X(e), W(m)];
                if let Some(h) = h {
                    parts.push(W("help"));
                    parts.push(W(h));
                }
                line(parts)
            }),
    ]
}

fn test_stmt() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        Just(line(vec![W("given"), W("file"), W("\"samples/x.yaml\"")])),
        Just(line(vec![
            W("given"),
            W("appraisals.q4"),
            W("="),
            W("\"94%\""),
            W(","),
            W("return.period"),
            W("="),
            W("\"2011/12 Q2\"")
        ])),
        expr().prop_map(|e| line(vec![W("expect"), X(e)])),
        Just(line(vec![
            W("expect"),
            W("error"),
            W("percent_range"),
            W("on"),
            W("appraisals")
        ])),
        Just(line(vec![W("expect"), W("warning"), W("sudden_jump")])),
        Just(line(vec![W("expect"), W("no"), W("error")])),
        Just(line(vec![
            W("expect"),
            W("no"),
            W("info"),
            W("percent_range")
        ])),
        Just(line(vec![W("expect"), W("no"), W("diagnostics")])),
    ]
}

/// A top-level item: header tokens (ending with `{` for blocks), statements,
/// and whether it is a block.
type Item = (Vec<String>, Vec<Vec<String>>, bool);

fn item() -> impl Strategy<Value = Item> {
    let scope = prop_oneof![
        Just(vec![]),
        prop::option::of(expr()).prop_map(|w| {
            let mut p = vec![W("for"), W("each"), W("measure")];
            if let Some(w) = w {
                p.push(W("where"));
                p.push(X(w));
            }
            line(p)
        }),
        prop::option::of(expr()).prop_map(|w| {
            let mut p = vec![W("for"), W("each"), W("value")];
            if let Some(w) = w {
                p.push(W("where"));
                p.push(X(w));
            }
            line(p)
        }),
        Just(line(vec![W("for"), W("appraisals"), W(","), W("budget")])),
    ];
    prop_oneof![
        (
            select(&["appraisals", "budget"][..]),
            any::<bool>(),
            prop::collection::vec(measure_stmt(), 0..6)
        )
            .prop_map(|(id, titled, body)| {
                let mut head = vec!["measure".to_string(), id.to_string()];
                if titled {
                    head.push("\"A title # with a hash\"".into());
                }
                head.push("{".into());
                (head, body, true)
            }),
        (scope, prop::collection::vec(check_stmt(), 0..4)).prop_map(|(scope, body)| {
            let mut head = vec!["check".to_string(), "c".to_string()];
            head.extend(scope);
            head.push("{".into());
            (head, body, true)
        }),
        select(&["off", "info"][..]).prop_map(|l| {
            (
                vec!["severity".into(), "sudden_jump".into(), l.into()],
                vec![],
                false,
            )
        }),
        prop::collection::vec(test_stmt(), 0..5).prop_map(|body| {
            (
                vec!["test".into(), "\"a test # name\"".into(), "{".into()],
                body,
                true,
            )
        }),
    ]
}

/// Whitespace and comments between tokens.
const SEPARATORS: &[&str] = &[
    " ",
    " ",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\n    ",
    " # trailing\n",
    "\n# own line\n\n",
    "\n\n\n",
];

/// Join tokens, taking separators in turn from `seps`. Comments are
/// numbered so that their order is checked too.
fn write(items: &[Item], seps: &[usize]) -> String {
    let mut out = String::new();
    let mut i = 0usize;
    let mut comment = 0usize;
    let mut sep = |out: &mut String| {
        let s = SEPARATORS[seps[i % seps.len()] % SEPARATORS.len()];
        i += 1;
        if s.contains('#') {
            comment += 1;
            out.push_str(
                &s.replace("trailing", &format!("t{comment}"))
                    .replace("own line", &format!("o{comment}")),
            );
        } else {
            out.push_str(s);
        }
    };
    for (head, body, block) in items {
        for t in head {
            out.push_str(t);
            sep(&mut out);
        }
        for stmt in body {
            for t in stmt {
                out.push_str(t);
                sep(&mut out);
            }
        }
        if *block {
            out.push('}');
        }
        sep(&mut out);
    }
    out
}

/// The comments of a text, in order (a `#` inside a string is none).
fn comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '#' => {
                let end = text[i..].find('\n').map(|n| i + n).unwrap_or(text.len());
                out.push(text[i..end].trim_end().to_string());
                for _ in chars.by_ref().take_while(|(_, c)| *c != '\n') {}
            }
            _ => {}
        }
    }
    out
}

fn parse(text: &str) -> Result<ragcheck::ast::RuleFile, String> {
    ragcheck::syntax::parse_file(FileId(0), &SourceFile::new("p.rag", text))
        .map_err(|d| format!("{}: {}", d.code, d.message))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn fmt_keeps_meaning_and_comments_and_is_idempotent(
        items in prop::collection::vec(item(), 0..5),
        seps in prop::collection::vec(0usize..64, 1..80),
    ) {
        let input = write(&items, &seps);
        let before = parse(&input);
        prop_assert!(before.is_ok(), "generated text does not parse: {:?}\n{}", before.err(), input);
        let once = format_source(&SourceFile::new("p.rag", input.as_str()));
        prop_assert!(once.is_ok(), "fmt failed: {:?}\n{}", once.err(), input);
        let once = once.unwrap_or_default();
        let after = parse(&once);
        prop_assert!(after.is_ok(), "fmt output does not parse: {:?}\n{}", after.err(), once);
        prop_assert_eq!(
            erase_spans(&after.unwrap_or_default()),
            erase_spans(&before.unwrap_or_default()),
            "\n--- input\n{}\n--- formatted\n{}", input, once
        );
        prop_assert_eq!(comments(&once), comments(&input));
        let twice = format_source(&SourceFile::new("p.rag", once.as_str())).unwrap_or_default();
        prop_assert_eq!(&twice, &once, "\n--- input\n{}", input);
    }
}
