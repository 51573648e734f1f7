//! `ragcheck check`: load the rules, check the returns, render.

use std::io::Read;

use ragcheck::diagnostic::Diagnostic;
use ragcheck::engine::{self, CheckOptions, Input};
use ragcheck::render::{self, Format};

use std::path::PathBuf;

use super::{BROKEN, Cli, FAILED, OK, Settings, load_rules, rule_paths, write_output};

pub(crate) fn run(cli: &Cli, settings: &Settings, paths: &[PathBuf]) -> i32 {
    let Some((rules, _warnings)) = load_rules(cli, settings, &rule_paths(cli)) else {
        return BROKEN;
    };
    let mut inputs = Vec::new();
    let mut stdin_used = false;
    let mut file_paths = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            if !stdin_used {
                let mut bytes = Vec::new();
                if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                    eprintln!("error: cannot read standard input: {e}");
                    return BROKEN;
                }
                inputs.push(Input::Stdin(bytes));
                stdin_used = true;
            }
        } else {
            file_paths.push(p.clone());
        }
    }
    let (files, unreadable) = engine::discover(&file_paths);
    inputs.extend(files.into_iter().map(Input::File));
    let opts = CheckOptions {
        keep_sources: settings.format == Format::Human,
    };
    let report = engine::check_inputs(&rules, inputs, &opts);
    let catalogue = rules.catalogue();
    let mut buf = Vec::new();
    if let Err(e) = render::report(
        settings.format,
        &report,
        &catalogue,
        &settings.render,
        &mut buf,
    ) {
        eprintln!("error: cannot render the report: {e}");
        return BROKEN;
    }
    if let Err(e) = write_output(cli, &buf) {
        eprintln!("error: {e}");
        return BROKEN;
    }
    if !unreadable.is_empty() {
        let diags: Vec<Diagnostic> = unreadable
            .iter()
            .map(|(p, r)| engine::unreadable(p, r))
            .collect();
        let mut err = std::io::stderr().lock();
        let _ = render::human::diagnostics(&diags, &|_| None, &settings.render, &mut err);
        return BROKEN;
    }
    let failing = report.diagnostics().any(|d| settings.render.fails(d));
    if failing { FAILED } else { OK }
}
