//! `ragcheck test`: run the `test` blocks of rule files.
//!
//! One line per test (`ok` or `FAIL`, where it is, its name), each failure
//! shown right under its `FAIL` line as a snippet of the rule file at the
//! `expect` that failed, then `N passed, M failed` alone on the last line.
//! Exit status: 0 when every test passes, 1 when one fails, 2 when the
//! rules do not compile or a test cannot be prepared.

use std::io::{IsTerminal, Write as _};
use std::path::Path;
use std::sync::Arc;

use ragcheck::diagnostic::Diagnostic;
use ragcheck::render::{self, RenderOptions};
use ragcheck::testing::{self, Outcome};

use super::{BROKEN, FAILED, OK, Settings, load_rules, write_output};

pub(crate) fn run(settings: &Settings) -> i32 {
    let Some((mut rules, _)) = load_rules(settings) else {
        return BROKEN;
    };
    let texts: Vec<(Arc<str>, Arc<str>)> = rules
        .sources
        .iter()
        .map(|s| (s.path.clone(), s.text.clone()))
        .collect();
    let lookup = |path: &str| {
        texts
            .iter()
            .find(|(p, _)| p.as_ref() == path)
            .map(|(_, t)| t.clone())
    };
    let prepared = testing::prepare(&mut rules, Path::new("."));
    let Some(suite) = prepared.suite else {
        let mut err = std::io::stderr().lock();
        let opts = RenderOptions {
            color: settings.render.color && std::io::stderr().is_terminal(),
            ..settings.render.clone()
        };
        let _ = render::human::diagnostics(&prepared.diagnostics, &lookup, &opts, &mut err);
        return BROKEN;
    };
    let outcomes = testing::run(&rules, &suite);
    let mut out = Vec::new();
    if !prepared.diagnostics.is_empty() && !settings.quiet {
        // Warnings only (an error stops the run above): shown first.
        let _ = render_failures(&prepared.diagnostics, &lookup, &settings.render, &mut out);
    }
    if outcomes.is_empty() {
        let _ = writeln!(out, "no tests in the rule files");
    }
    for o in &outcomes {
        if o.passed() && settings.quiet {
            continue;
        }
        let _ = writeln!(out, "{}", status_line(o, settings.render.color));
        if !o.passed() {
            let _ = writeln!(out);
            let _ = render_failures(&o.failures, &lookup, &settings.render, &mut out);
        }
    }
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let _ = writeln!(out, "{} passed, {} failed", outcomes.len() - failed, failed);
    if let Err(e) = write_output(settings, &out, texts.iter().map(|(p, _)| &**p)) {
        eprintln!("error: {e}");
        return BROKEN;
    }
    if failed > 0 { FAILED } else { OK }
}

/// `ok   rules/x.rag:12 "name"` or `FAIL rules/x.rag:12 "name"`.
fn status_line(o: &Outcome, color: bool) -> String {
    let (word, paint) = if o.passed() {
        ("ok  ", "\x1b[32m")
    } else {
        ("FAIL", "\x1b[1;31m")
    };
    let word = if color {
        format!("{paint}{word}\x1b[0m")
    } else {
        word.to_string()
    };
    format!("{word} {}:{} {:?}", o.file, o.line, o.name)
}

/// Render diagnostics as snippets, without the count line that
/// [`render::human::diagnostics`] ends with: a test's failures are counted
/// by the summary instead.
fn render_failures(
    diags: &[Diagnostic],
    lookup: &dyn Fn(&str) -> Option<Arc<str>>,
    opts: &RenderOptions,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    render::human::diagnostics(diags, lookup, opts, &mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    let body = text.trim_end_matches('\n');
    let body = match body.rfind('\n') {
        Some(i) => &body[..i],
        None => "",
    };
    out.extend_from_slice(body.trim_end_matches('\n').as_bytes());
    out.extend_from_slice(b"\n\n");
    Ok(())
}
