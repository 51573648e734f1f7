// A test fails by panicking: expect is how it says why.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use sha2::{Digest, Sha256};

use super::*;

/// `sha256-` and the base64 of the text's SHA-256, as a CSP source.
fn csp_hash(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digest = Sha256::digest(text.as_bytes());
    let mut b64 = String::new();
    for chunk in digest.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| (n << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            b64.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
        b64.push_str(&"=".repeat(3 - chunk.len()));
    }
    format!("sha256-{b64}")
}

#[test]
fn the_policy_allows_exactly_our_style_and_script() {
    assert_eq!(STYLE_HASH, csp_hash(STYLE), "update STYLE_HASH");
    assert_eq!(SCRIPT_HASH, csp_hash(SCRIPT), "update SCRIPT_HASH");
}

#[test]
fn every_special_character_is_escaped() {
    let mut out = String::new();
    escape(&mut out, "<a href=\"x\" onclick='y'>&amp;</a> £617\r\n");
    assert_eq!(
        out,
        "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt; £617&#13;&#10;"
    );
}

fn located(text: &str, needle: &str) -> Location {
    let start = text.find(needle).expect("the needle is in the text");
    let line = text[..start].matches('\n').count() as u32 + 1;
    Location {
        file: "r.yaml".into(),
        start,
        end: start + needle.len(),
        line,
        column: 1,
        end_line: line,
        end_column: 1,
        cell: None,
    }
}

#[test]
fn the_value_is_marked_in_its_line() {
    let text = "a: 1\r\n  q4: <945>\r\nb: 2\n";
    let mut out = String::new();
    source_line(&mut out, text, &located(text, "<945>"));
    assert_eq!(
        out,
        "<pre class=\"src\"><span class=\"ln\">2</span>  q4: <mark>&lt;945&gt;</mark></pre>\n"
    );
}

#[test]
fn a_very_long_line_is_cut_around_the_value_on_character_boundaries() {
    let text = format!("{}VALUE{}\n", "é".repeat(5_000), "ü".repeat(5_000));
    let mut out = String::new();
    source_line(&mut out, &text, &located(&text, "VALUE"));
    assert!(out.len() < 1_000, "{} bytes", out.len());
    assert!(out.contains(&format!(
        "…{}<mark>VALUE</mark>{}…",
        "é".repeat(80),
        "ü".repeat(80)
    )));
    // A place that is not on a character boundary shows nothing rather
    // than panicking.
    let mut odd = located(&text, "VALUE");
    odd.start = 1;
    let mut out = String::new();
    source_line(&mut out, &text, &odd);
    assert!(out.is_empty());
}

#[test]
fn a_chart_needs_a_number() {
    let mut detail = crate::report::MeasureDetail {
        values: vec![crate::report::SubValue {
            name: "q4".into(),
            text: Some("N/A".into()),
            number: None,
            expected: None,
        }],
        ..Default::default()
    };
    let mut out = String::new();
    chart::write(&mut out, "m", &detail);
    assert!(out.is_empty());
    detail.values[0].number = Some(rust_decimal::Decimal::new(92, 0));
    detail.own = Some(0);
    detail.thresholds = vec![
        rust_decimal::Decimal::new(90, 0),
        rust_decimal::Decimal::new(95, 0),
    ];
    detail.regions = vec![Some(Rag::Red), Some(Rag::Amber), Some(Rag::Green)];
    chart::write(&mut out, "<m>", &detail);
    assert!(out.starts_with("<svg class=\"chart\""), "{out}");
    assert!(
        out.contains("aria-label=\"Chart of &lt;m&gt;: Q4 N/A\""),
        "{out}"
    );
    // The bands are lettered, and the return's own value is a square.
    for letter in [">G</text>", ">A</text>"] {
        assert!(out.contains(letter), "{out}");
    }
    assert!(out.contains("<rect class=\"own\""), "{out}");
}
