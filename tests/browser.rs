//! `--format html` in a real browser: headless Chromium loads reports made
//! by the binary, and the rendered page is checked as a reader would see
//! it — every diagnostic's message there, RAG as words, the script run
//! (so the page's Content-Security-Policy admits it), no console error
//! (a request the policy blocks is one), no request to any host a return
//! names, and a screenshot that is not blank.
//!
//! Chromium is found at `$RAGCHECK_CHROMIUM`, else `/usr/bin/chromium`
//! (`.ci/run` installs Debian's). Without it the tests say they are
//! skipped and pass — except under CI (`CI=true`), where they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

const RAGCHECK: &str = env!("CARGO_BIN_EXE_ragcheck");

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("RAGCHECK_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "Chromium is not at {} (set RAGCHECK_CHROMIUM); CI must run the browser tests",
            path.display()
        );
    }
    eprintln!(
        "skipped: Chromium is not at {} (install it, or set RAGCHECK_CHROMIUM)",
        path.display()
    );
    None
}

/// A folder of this test's own, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ragcheck-browser-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// Run ragcheck with these arguments; its standard output.
fn ragcheck(args: &[&str]) -> String {
    let out = Command::new(RAGCHECK)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "ragcheck {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

/// What headless Chromium made of a page.
struct Loaded {
    /// The DOM after the page's script ran (`--dump-dom`).
    dom: String,
    /// Chromium's log: a page's console messages are its `CONSOLE` lines.
    log: String,
    /// Chromium's network log.
    net: String,
}

/// Load `page` in headless Chromium, with `extra` arguments.
fn load(browser: &Path, page: &Path, dir: &Path, extra: &[&str]) -> Loaded {
    let profile = dir.join("profile");
    let net = dir.join("net.json");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", net.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", browser.display()));
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Loaded {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        log: String::from_utf8_lossy(&out.stderr).into_owned(),
        net: std::fs::read_to_string(&net).unwrap_or_default(),
    }
}

/// The text of a serialised DOM, entities decoded as far as our texts
/// need.
fn decoded(dom: &str) -> String {
    dom.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The page's console messages (errors, warnings, logs).
fn console(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// Every diagnostic message of a run, from its JSON output.
fn messages(args: &[&str]) -> Vec<String> {
    let mut json_args = vec!["check", "--format", "json"];
    json_args.extend_from_slice(args);
    let json: serde_json::Value =
        serde_json::from_str(&ragcheck(&json_args)).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for r in json["returns"].as_array().into_iter().flatten() {
        for d in r["diagnostics"].as_array().into_iter().flatten() {
            out.push(d["message"].as_str().unwrap_or_default().to_string());
        }
    }
    out
}

#[test]
fn the_samples_report_renders_with_every_problem() {
    let Some(browser) = chromium() else { return };
    let dir = scratch("samples");
    let page = dir.join("report.html");
    let page_arg = page.to_string_lossy().into_owned();
    ragcheck(&["check", "--format", "html", "-o", &page_arg, "samples/"]);
    let loaded = load(&browser, &page, &dir, &["--dump-dom"]);
    let text = decoded(&loaded.dom);
    let messages = messages(&["samples/"]);
    assert!(messages.len() > 10, "the samples have problems");
    for m in &messages {
        assert!(text.contains(m.as_str()), "not on the page: {m}");
    }
    // RAG as words and letters, each with its shape's class.
    for label in [
        "<span class=\"rag g\">Green</span>",
        "<span class=\"rag a\">Amber</span>",
        "<span class=\"rag r\">Red</span>",
        "<td class=\"c g\">G",
    ] {
        assert!(loaded.dom.contains(label), "no {label}");
    }
    // The script ran: it shows the filter and makes the headers buttons.
    assert!(loaded.dom.contains("<div class=\"tools\" id=\"tools\">"));
    assert!(
        loaded.dom.contains(
            "<th scope=\"col\" aria-sort=\"none\"><button type=\"button\">Return</button>"
        )
    );
    // Charts are there, inline.
    assert!(loaded.dom.contains("<svg class=\"chart\""));
    assert_eq!(console(&loaded.log), Vec::<&str>::new());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_page_reads_the_same_with_javascript_off() {
    let Some(browser) = chromium() else { return };
    let dir = scratch("nojs");
    let page = dir.join("report.html");
    let page_arg = page.to_string_lossy().into_owned();
    ragcheck(&["check", "--format", "html", "-o", &page_arg, "samples/"]);
    // Headless Chromium cannot serialise the DOM with scripts turned off
    // (`--dump-dom` runs a script of its own), so the page is loaded
    // without its script: what a reader with JavaScript off gets.
    let html = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{e}"));
    let (head, rest) = html
        .split_once("<script>")
        .unwrap_or_else(|| panic!("no script"));
    let (_, tail) = rest
        .split_once("</script>")
        .unwrap_or_else(|| panic!("no script end"));
    std::fs::write(&page, format!("{head}{tail}")).unwrap_or_else(|e| panic!("{e}"));
    let loaded = load(&browser, &page, &dir, &["--dump-dom"]);
    let text = decoded(&loaded.dom);
    for m in messages(&["samples/"]) {
        assert!(text.contains(m.as_str()), "not on the page: {m}");
    }
    // The script's tools stay hidden; the sections with problems are open.
    assert!(
        loaded
            .dom
            .contains("<div class=\"tools\" id=\"tools\" hidden=\"\">")
    );
    assert!(loaded.dom.contains("<details class=\"ret\" open=\"\">"));
    assert_eq!(console(&loaded.log), Vec::<&str>::new());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_hostile_return_makes_no_request_and_runs_nothing() {
    let Some(browser) = chromium() else { return };
    let dir = scratch("hostile");
    let page = dir.join("report.html");
    let page_arg = page.to_string_lossy().into_owned();
    let args = ["--rules", "tests/html/rules.rag", "tests/html/returns/"];
    let mut html_args = vec!["check", "--format", "html", "-o", &page_arg];
    html_args.extend_from_slice(&args);
    ragcheck(&html_args);
    let loaded = load(&browser, &page, &dir, &["--dump-dom"]);
    // No console message: a blocked request or script would log one.
    assert_eq!(console(&loaded.log), Vec::<&str>::new());
    // No request for a host the return names.
    assert!(!loaded.net.is_empty(), "no network log");
    assert!(
        !loaded.net.contains("example.com"),
        "a request left the page"
    );
    // The smuggled elements are text, not elements.
    for element in ["<img", "<iframe", "<b onmouseover"] {
        assert!(!loaded.dom.contains(element), "{element} is in the DOM");
    }
    let text = decoded(&loaded.dom);
    for m in messages(&args) {
        assert!(text.contains(m.as_str()), "not on the page: {m}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The width and height of a PNG, from its header.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.get(..8)? != b"\x89PNG\r\n\x1a\n" || png.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |at: usize| Some(u32::from_be_bytes(png.get(at..at + 4)?.try_into().ok()?));
    Some((be(16)?, be(20)?))
}

#[test]
fn a_screenshot_of_the_samples_report_is_not_blank() {
    let Some(browser) = chromium() else { return };
    let dir = scratch("screenshot");
    let page = dir.join("report.html");
    let page_arg = page.to_string_lossy().into_owned();
    ragcheck(&["check", "--format", "html", "-o", &page_arg, "samples/"]);
    let shot = dir.join("shot.png");
    load(
        &browser,
        &page,
        &dir,
        &[
            "--window-size=1280,1600",
            "--hide-scrollbars",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot: {e}"));
    assert_eq!(png_size(&png), Some((1280, 1600)));
    // A blank page of that size compresses to a few kilobytes; tables,
    // badges and charts take far more.
    assert!(png.len() > 60_000, "a blank page? {} bytes", png.len());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Whether `text` is in a serialised DOM outside any `<noscript>` (whose
/// content, with scripts on, is only text).
fn in_the_page(dom: &str, text: &str) -> bool {
    dom.match_indices(text).any(|(at, _)| {
        let before = &dom[..at];
        match before.rfind("<noscript>") {
            Some(open) => before[open..].contains("</noscript>"),
            None => true,
        }
    })
}

#[test]
fn a_link_into_a_large_run_opens_the_page_that_holds_it() {
    let Some(browser) = chromium() else { return };
    let dir = scratch("large");
    // 250 returns, every one with a problem: sections in three pages of
    // 100, the last two held back until opened.
    let mut csv = String::from("organisation,period,measure,status,q1,q2,q3,q4\n");
    for n in 0..250 {
        csv.push_str(&format!(
            "Council {n:03},2011/12 Q4,appraisals,Green,30%,55%,80%,9{n:02}\n"
        ));
    }
    let returns = dir.join("collection.csv");
    std::fs::write(&returns, csv).unwrap_or_else(|e| panic!("{e}"));
    let page = dir.join("report.html");
    let (page_arg, returns_arg) = (page.to_string_lossy(), returns.to_string_lossy());
    ragcheck(&[
        "check",
        "--rules",
        "tests/html/rules.rag",
        "--format",
        "html",
        "-o",
        &page_arg,
        &returns_arg,
    ]);
    let html = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{e}"));
    // The anchor of the return of `Council 240`, from its overview row.
    let row = html
        .split("<tr data-problems=")
        .find(|r| r.contains(">Council 240 2011/12 Q4<"))
        .unwrap_or_else(|| panic!("no row for Council 240"));
    let anchor = row
        .split("href=\"#")
        .nth(1)
        .and_then(|a| a.split('"').next())
        .unwrap_or_else(|| panic!("no link in {row}"));
    let summary = format!("<summary id=\"{anchor}\">");
    let loaded = load(&browser, &page, &dir, &["--dump-dom"]);
    // Before: the section is text in a <noscript>, not in the page.
    assert!(!in_the_page(&loaded.dom, &summary));
    let linked = dir.join("linked.html");
    std::fs::copy(&page, &linked).unwrap_or_else(|e| panic!("{e}"));
    let url_page = PathBuf::from(format!("{}#{anchor}", linked.display()));
    let loaded = load(&browser, &url_page, &dir, &["--dump-dom"]);
    assert!(
        loaded.dom.contains(&format!("<summary id=\"{anchor}\">")),
        "the link did not bring the section in"
    );
    assert!(
        loaded
            .dom
            .contains("a percentage must lie between 0% and 100%, found 940")
    );
    assert_eq!(console(&loaded.log), Vec::<&str>::new());
    let _ = std::fs::remove_dir_all(&dir);
}
