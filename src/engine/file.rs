//! Checking one loaded file: its loading problems, the built-in and user
//! checks of each return, the waivers, and the file's report. The
//! scheduler ([`super`]) decides which file, and when.

use std::sync::Arc;

use rayon::prelude::*;

use crate::checks;
use crate::diagnostic::{self, Diagnostic};
use crate::eval::{Program, ReturnCtx, Val};
use crate::field::KnownField;
use crate::report::{FileReport, MeasureDetail, MeasureReport, ReturnReport, SubValue};
use crate::returns::LoadedFile;
use crate::span::Chunks;
use crate::waiver;

use super::CheckOptions;

/// Check one loaded file.
pub fn check_loaded(rules: &Program, loaded: &LoadedFile, opts: &CheckOptions) -> FileReport {
    check_loaded_sharing(rules, loaded, opts, &mut None)
}

/// [`check_loaded`], the file's text for snippets taken from `text`, or
/// made there once: the pieces of a CSV file held whole (standard input)
/// share one copy. A piece read back from its file has no whole text, and
/// no `source` from here.
pub(super) fn check_loaded_sharing(
    rules: &Program,
    loaded: &LoadedFile,
    opts: &CheckOptions,
    text: &mut Option<Arc<Chunks>>,
) -> FileReport {
    // `invalid_return`, and a layout's `unknown_measure`, are found while
    // loading: they take their check's severity setting here.
    let mut file_diags: Vec<Diagnostic> = loaded
        .problems
        .iter()
        .filter_map(|f| {
            let setting = matches!(f.code.as_ref(), "invalid_return" | "unknown_measure")
                .then(|| checks::builtin_index(&f.code))
                .flatten();
            let severity = match setting {
                Some(i) => rules.builtin_severity.get(i).copied().flatten()?,
                None => f.severity,
            };
            let mut d = f.clone().locate(|pos| loaded.locate(pos));
            d.severity = severity;
            Some(d)
        })
        .collect();
    diagnostic::sort(&mut file_diags);
    let check = |ret| {
        let ctx = ReturnCtx::with_collection(rules, ret, opts.collection.as_deref());
        let mut report = check_return(rules, loaded, &ctx);
        if !opts.ignore_waivers {
            report.waivers = waiver::apply(
                rules,
                report.organisation.as_deref(),
                report.period.as_deref(),
                &mut report.diagnostics,
            );
        }
        if opts.keep_values {
            add_details(&mut report, &ctx);
        }
        report
    };
    // A CSV collection holds many returns: they are checked in parallel
    // too, so that one large file does not leave the other workers idle.
    let returns: Vec<ReturnReport> = if loaded.returns.len() > 1 {
        loaded.returns.par_iter().map(check).collect()
    } else {
        loaded.returns.iter().map(check).collect()
    };
    // The text is kept only for snippets, so only when there is a
    // diagnostic to show one for: a clean file's text is dropped with it.
    let diagnosed = !file_diags.is_empty() || returns.iter().any(|r| !r.diagnostics.is_empty());
    FileReport {
        path: loaded.source.path.clone(),
        source: (opts.keep_sources && diagnosed && !loaded.source.text.is_empty()).then(|| {
            text.get_or_insert_with(|| Arc::new(Chunks::whole(loaded.source.text.as_str())))
                .clone()
        }),
        diagnostics: file_diags,
        returns,
        rule_file: false,
        piece: Default::default(),
    }
}

/// Give each measure of a return's report its [`MeasureDetail`]: every
/// sub-period's value as typed and as a number, what it is expected to
/// be, the target, and the bands at the return's own period.
fn add_details(report: &mut ReturnReport, ctx: &ReturnCtx<'_>) {
    for (m, e) in report.measures.iter_mut().zip(&ctx.entries) {
        let decl = e.decl.and_then(|d| ctx.rules.measures.get(d));
        let stated_target = match e.target {
            Val::Num(n, _, _) => Some(n),
            _ => None,
        };
        let values = e
            .values
            .iter()
            .map(|(sub, value)| SubValue {
                name: sub.name().into(),
                text: e.entry.values.get(sub).map(|t| t.as_str().into()),
                number: match value {
                    Val::Num(n, _, _) => Some(*n),
                    _ => None,
                },
                expected: decl.map_or(stated_target, |d| d.expected(Some(sub)).or(stated_target)),
            })
            .collect();
        let target = e
            .entry
            .known(KnownField::Target)
            .map(|t| t.as_str().into())
            .or_else(|| {
                let t = decl?.target?;
                Some(crate::display::amount(t, e.unit).into())
            });
        let (thresholds, regions) = decl
            .and_then(|d| crate::compile::band_regions(d, ctx.sub))
            .unwrap_or_default();
        m.detail = Some(Box::new(MeasureDetail {
            values,
            own: ctx
                .sub
                .and_then(|own| e.values.iter().position(|(sub, _)| sub == own)),
            target,
            unit: e.unit,
            thresholds,
            regions,
        }));
    }
}

/// Check one resolved return: built-in checks, then the user's.
pub fn check_return(
    rules: &crate::ir::RuleSet,
    loaded: &LoadedFile,
    ctx: &ReturnCtx<'_>,
) -> ReturnReport {
    let mut findings = Vec::new();
    checks::run_all(ctx, &mut findings);
    let checks_run = ctx.run_checks(&mut findings);
    let mut diagnostics: Vec<Diagnostic> = findings
        .into_iter()
        .map(|f| f.locate(|pos| loaded.locate(pos)))
        .collect();
    diagnostic::sort(&mut diagnostics);
    let measures = ctx
        .entries
        .iter()
        .map(|e| MeasureReport {
            id: e.entry.id().into(),
            title: e
                .entry
                .known(KnownField::Title)
                .map(|t| t.as_str().into())
                .or_else(|| {
                    e.decl
                        .and_then(|d| rules.measures[d].title.as_deref().map(Into::into))
                }),
            status: match e.status {
                Val::Status(r, _) => Some(r),
                _ => None,
            },
            status_text: e.entry.known(KnownField::Status).map(|t| t.as_str().into()),
            rag: e.rag,
            value: ctx
                .sub
                .and_then(|s| e.entry.values.get(s))
                .map(|t| t.as_str().into()),
            detail: None,
        })
        .collect();
    let mut runs: Vec<crate::report::CheckRun> = checks::BUILTINS
        .iter()
        .enumerate()
        .filter(|(i, b)| b.run.is_some() && rules.builtin_severity[*i].is_some())
        .map(|(i, _)| crate::report::CheckRun {
            id: checks::BUILTIN_KEYS[i].clone(),
            evaluated: 1,
        })
        .collect();
    runs.extend(checks_run);
    ReturnReport {
        organisation: ctx
            .ret
            .organisation
            .as_ref()
            .map(|t| t.as_str().to_string()),
        // The canonical form (SPEC 2.5), or the text as typed when it
        // cannot be read.
        period: match ctx.known_period() {
            Some(p) => Some(p.to_string()),
            None => ctx.ret.period.as_ref().map(|t| t.as_str().to_string()),
        },
        measures,
        diagnostics,
        checks: runs,
        not_evaluated: ctx.not_evaluated.get(),
        waivers: Vec::new(),
    }
}
