//! `--format html` (SPEC 4.3): the page's structure for a small fixture,
//! that nothing a return holds can break out of the page, that the page
//! asks for nothing over the network, and that a large run is summarised.
//! `tests/browser.rs` loads such pages in a real browser.

use std::path::PathBuf;

use ragcheck::engine::{CheckOptions, Input, check_inputs};
use ragcheck::render::{Format, RenderOptions};

mod common;

/// The page for these files, checked as `ragcheck check --format html`
/// checks them.
fn page(files: &[PathBuf]) -> String {
    let rules = common::rules("tests/html/rules.rag");
    let renderer = Format::Html.renderer(&rules.catalogue(), &RenderOptions::default());
    let opts = CheckOptions {
        keep_sources: renderer.wants_sources(),
        keep_values: renderer.wants_values(),
        ..CheckOptions::default()
    };
    let inputs = files.iter().map(|f| Input::File(f.clone())).collect();
    let report = check_inputs(&rules, inputs, &opts);
    common::render(Format::Html, &rules, &report)
}

fn fixture(names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|n| PathBuf::from(format!("tests/html/returns/{n}")))
        .collect()
}

/// The page with its style sheet and script left out: what is left is
/// the structure and the content.
fn structure(page: &str) -> String {
    let cut = |text: &str, open: &str, close: &str| -> String {
        match (text.find(open), text.find(close)) {
            (Some(a), Some(b)) if a < b => {
                format!("{}{open}…{}", &text[..a], &text[b..])
            }
            _ => text.to_string(),
        }
    };
    let page = cut(page, "<style>", "</style>");
    let page = cut(&page, "<script>", "</script>");
    // The policy's hashes change with the style sheet and the script; a
    // unit test checks them.
    let mut out = String::new();
    let mut rest = page.as_str();
    while let Some(at) = rest.find("'sha256-") {
        let end = rest[at + 1..].find('\'').map_or(rest.len(), |e| at + 1 + e);
        out.push_str(&rest[..at]);
        out.push_str("'sha256-…");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn html_report_structure() {
    insta::assert_snapshot!(structure(&page(&fixture(&["leeds.yaml", "york.yaml"]))));
}

#[test]
fn nothing_in_a_return_breaks_out_of_the_page() {
    let html = page(&fixture(&["hostile.yaml", "leeds.yaml"]));
    let body = structure(&html);
    // Our own elements only: one script (ours, at the end), one style
    // sheet, and none of the elements the return tries to smuggle in.
    assert_eq!(html.matches("<script").count(), 1, "{body}");
    assert_eq!(html.matches("<style").count(), 1, "{body}");
    for smuggled in [
        "<img",
        "<iframe",
        "<b onmouseover",
        "<svg onload",
        "<a href=\"http",
        "<!--",
    ] {
        assert!(!body.contains(smuggled), "`{smuggled}` got into the page");
    }
    // Each text is there, escaped.
    for shown in [
        "&lt;script&gt;alert(&#39;organisation&#39;)&lt;/script&gt;",
        "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;iframe src=&quot;https://example.com/&quot;&gt;",
        "&lt;b onmouseover=alert(2)&gt;Gren&lt;/b&gt;",
        "&lt;svg onload=alert(3)&gt;",
        "&#39; onfocus=&#39;alert(4)",
        "101% &lt;a href=&quot;http://example.com/&quot;&gt;link&lt;/a&gt;",
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
    ] {
        assert!(body.contains(shown), "`{shown}` is not shown, escaped");
    }
    // No attribute is left open: every quote in the page is ours, so
    // they pair up in every tag.
    for tag in body.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in <{tag}>"
        );
    }
}

#[test]
fn the_page_asks_for_nothing_over_the_network() {
    let html = page(&fixture(&["hostile.yaml", "leeds.yaml", "york.yaml"]));
    assert!(
        html.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        )
    );
    let lower = html.to_ascii_lowercase();
    for attribute in ["src=", "href=", "action=", "srcset=", "poster=", "data="] {
        for (at, _) in lower.match_indices(attribute) {
            let value = &lower[at + attribute.len()..];
            let value = value.trim_start_matches(['"', '\'']);
            assert!(
                !value.starts_with("http") && !value.starts_with("//"),
                "a request for {}",
                &html[at..(at + 80).min(html.len())]
            );
        }
    }
    assert!(!lower.contains("url("), "a style sheet URL");
    assert!(!lower.contains("@import"), "a style sheet import");
}

#[test]
fn a_large_run_is_summarised() {
    // A collection of many returns in one CSV file: one with a problem,
    // the rest clean.
    let dir = std::env::temp_dir().join(format!("ragcheck-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("collection.csv");
    let mut csv = String::from("organisation,period,measure,status,q1,q2,q3,q4\n");
    for n in 0..120 {
        let q4 = if n == 7 { "945" } else { "100%" };
        csv.push_str(&format!(
            "Council {n:03},2011/12 Q4,appraisals,Green,30%,55%,80%,{q4}\n"
        ));
    }
    std::fs::write(&path, csv).unwrap_or_else(|e| panic!("{e}"));
    let html = page(std::slice::from_ref(&path));
    let _ = std::fs::remove_dir_all(&dir);
    // Every return has its row in the overview.
    assert_eq!(html.matches("<tr data-problems=").count(), 120);
    // The one with problems has its section, closed; the clean ones are a
    // row each, with no RAG table or chart of their own.
    assert_eq!(html.matches("<details class=\"ret\"").count(), 1);
    assert!(!html.contains("<details class=\"ret\" open"));
    assert!(html.contains("Returns with no problems (119)"));
    assert_eq!(html.matches("<table class=\"ragt\">").count(), 1);
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 1);
    // Proportionate: a few hundred bytes for each clean return.
    let page_itself = 40_000;
    assert!(
        html.len() < page_itself + 120 * 1_500,
        "{} bytes",
        html.len()
    );
}

#[test]
fn a_small_run_shows_every_return_in_full() {
    let html = page(&fixture(&["leeds.yaml", "york.yaml"]));
    // The return with problems starts open; the clean one has its full
    // section too, closed.
    assert_eq!(html.matches("<details class=\"ret\" open>").count(), 1);
    assert_eq!(html.matches("<details class=\"ret\">").count(), 1);
    assert_eq!(html.matches("<table class=\"ragt\">").count(), 2);
    // RAG is words and letters, never colour alone.
    for word in [">Green</span>", ">Amber</span>", ">G</span>"] {
        assert!(html.contains(word), "no {word}");
    }
}

#[test]
fn every_overview_row_has_a_cell_for_every_measure() {
    // The hostile return comes first and lacks `sickness_absence`, which
    // Leeds's return brings: its row is completed when the page is
    // written.
    let html = page(&fixture(&["hostile.yaml", "leeds.yaml", "york.yaml"]));
    let head = html
        .split("<table class=\"overview\">")
        .nth(1)
        .and_then(|t| t.split("</thead>").next())
        .unwrap_or_default();
    let columns = head.matches("<th ").count();
    let rows: Vec<&str> = html
        .split("<tr data-problems=")
        .skip(1)
        .map(|r| r.split("</tr>").next().unwrap_or_default())
        .collect();
    assert_eq!(rows.len(), 3);
    for row in rows {
        // The row header and a cell per column after it.
        assert_eq!(row.matches("<td").count() + 1, columns, "{row}");
    }
}
