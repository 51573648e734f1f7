//! Waivers (SPEC 3.8): known, accepted problems, written in the rule files.
//!
//! The compiler turns each `waive` into a [`Waiver`] of the rule set. When a
//! return has been checked, [`apply`] marks each of its diagnostics that a
//! waiver covers ([`Diagnostic::waived`]) and notes, in the return's report,
//! which waivers met which diagnostics ([`Hit`]). A [`Tally`] adds those
//! notes up over the run, file by file in input order, so what it finds does
//! not depend on the number of threads; at the end of the run it gives the
//! diagnostics about the waivers themselves, `expired_waiver` and
//! `unused_waiver`, located at the waiver in its rule file and reported as
//! a rule file's problems ([`FileReport::rule_file`]).
//!
//! Only a return's own diagnostics can be waived: a waiver covers returns
//! up to a period, and a file that could not be read as a return, or a
//! return whose period cannot be read, has no period to compare.

use std::sync::Arc;

use crate::checks;
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{RuleSet, Waiver, same_name};
use crate::period::Period;
use crate::report::{FileReport, Hit};
use crate::span::Span;

/// Whether the waiver is about this diagnostic of a return of this
/// organisation, whatever the period.
fn covers(w: &Waiver, d: &Diagnostic, organisation: Option<&str>) -> bool {
    w.check == d.code
        && w.measure
            .as_ref()
            .is_none_or(|m| d.measure.as_ref() == Some(m))
        && w.organisation_key
            .as_ref()
            .is_none_or(|o| organisation.is_some_and(|org| same_name(org) == *o))
}

/// The last month a period covers ([`Period::end_month`], so "ends no
/// later than" is `<=`), and the period's canonical form. `None` when the
/// text holds no period (in any notation of SPEC 2.5).
pub fn period_end(text: &str) -> Option<(u32, String)> {
    let period = Period::find_in(text).ok()?;
    Some((period.end_month(), period.to_string()))
}

/// Mark the diagnostics of one return that a waiver covers, and say which
/// waivers met which diagnostics. The first waiver (in rule-set order) that
/// covers a diagnostic and whose `until` the return has not passed waives
/// it; when only waivers whose `until` has passed cover it, it stays as it
/// is and each of them is noted as expired.
pub fn apply(
    rules: &RuleSet,
    organisation: Option<&str>,
    period: Option<&str>,
    diagnostics: &mut [Diagnostic],
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    if rules.waivers.is_empty() {
        return hits;
    }
    let Some((end, canonical)) = period.and_then(period_end) else {
        return hits;
    };
    for d in diagnostics.iter_mut() {
        let mut covering = rules
            .waivers
            .iter()
            .enumerate()
            .filter(|(_, w)| covers(w, d, organisation));
        let Some(first) = covering.next() else {
            continue;
        };
        let in_time = std::iter::once(first)
            .chain(covering.clone())
            .find(|(_, w)| end <= w.until_end);
        match in_time {
            Some((i, w)) => {
                d.waived = Some(w.info.clone());
                hit(&mut hits, i).waived += 1;
            }
            None => {
                for (i, _) in std::iter::once(first).chain(covering) {
                    let h = hit(&mut hits, i);
                    h.expired += 1;
                    if h.first_expired.is_none() {
                        h.first_expired = Some(match &d.location {
                            Some(l) => format!("{}:{}:{} ({canonical})", l.file, l.line, l.column),
                            None => canonical.clone(),
                        });
                    }
                }
            }
        }
    }
    hits.sort_by_key(|h| h.waiver);
    hits
}

/// The hit of waiver `waiver`, added if there is none yet.
fn hit(hits: &mut Vec<Hit>, waiver: usize) -> &mut Hit {
    let at = match hits.iter().position(|h| h.waiver == waiver) {
        Some(at) => at,
        None => {
            hits.push(Hit {
                waiver,
                waived: 0,
                expired: 0,
                first_expired: None,
            });
            hits.len() - 1
        }
    };
    &mut hits[at]
}

/// What every waiver met over a run, added up file by file.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    waived: Vec<u64>,
    expired: Vec<u64>,
    first_expired: Vec<Option<String>>,
}

impl Tally {
    pub fn new(rules: &RuleSet) -> Tally {
        let n = rules.waivers.len();
        Tally {
            waived: vec![0; n],
            expired: vec![0; n],
            first_expired: vec![None; n],
        }
    }

    /// Add one file's hits. Files must come in input order for the first
    /// expired diagnostic named to be the first of the run.
    pub fn add(&mut self, file: &FileReport) {
        for r in &file.returns {
            self.add_hits(&r.waivers);
        }
    }

    /// Add hits taken from a file's report (see [`hits`]).
    pub fn add_hits(&mut self, hits: &[Hit]) {
        for h in hits {
            let Some(waived) = self.waived.get_mut(h.waiver) else {
                continue;
            };
            *waived += u64::from(h.waived);
            self.expired[h.waiver] += u64::from(h.expired);
            if self.first_expired[h.waiver].is_none() {
                self.first_expired[h.waiver] = h.first_expired.clone();
            }
        }
    }

    /// The diagnostics about the waivers: `expired_waiver` for a waiver that
    /// would have covered a diagnostic of a later return, `unused_waiver`
    /// for one that covered nothing. One report per rule file that has any,
    /// in the rule set's (path) order.
    pub fn finish(self, rules: &RuleSet) -> Vec<FileReport> {
        let severity = |id| {
            checks::builtin_index(id).and_then(|i| rules.builtin_severity.get(i).copied().flatten())
        };
        let (expired_at, unused_at) = (severity("expired_waiver"), severity("unused_waiver"));
        let mut reports: Vec<FileReport> = Vec::new();
        for (i, w) in rules.waivers.iter().enumerate() {
            let Some(source) = rules.sources.get(w.span.file.0 as usize) else {
                continue;
            };
            let locate = |s: Span| source.locate(s.start as usize, s.end as usize);
            let d = if self.expired[i] > 0 {
                let Some(severity) = expired_at else { continue };
                expired(
                    w,
                    severity,
                    self.expired[i],
                    self.first_expired[i].as_deref(),
                )
                .at(locate(w.until_span))
                .label("expired after this period")
            } else if self.waived[i] == 0 {
                let Some(severity) = unused_at else { continue };
                unused(w, severity)
                    .at(locate(w.span))
                    .label("covers nothing")
            } else {
                continue;
            };
            match reports.iter_mut().find(|r| r.path == source.path) {
                Some(r) => r.diagnostics.push(d),
                None => reports.push(FileReport {
                    path: source.path.clone(),
                    source: Some(Arc::new(crate::span::Chunks::whole(source.text.clone()))),
                    diagnostics: vec![d],
                    returns: Vec::new(),
                    rule_file: true,
                    piece: Default::default(),
                }),
            }
        }
        for r in &mut reports {
            crate::diagnostic::sort(&mut r.diagnostics);
        }
        reports.sort_by(|a, b| a.path.cmp(&b.path));
        reports
    }
}

/// The hits of every return of a file, for a [`Tally`] on another thread.
pub fn hits(file: &FileReport) -> Vec<Hit> {
    file.returns
        .iter()
        .flat_map(|r| r.waivers.iter().cloned())
        .collect()
}

fn expired(w: &Waiver, severity: Severity, count: u64, first: Option<&str>) -> Diagnostic {
    let diagnostics = if count == 1 {
        "a diagnostic".to_string()
    } else {
        format!("{count} diagnostics")
    };
    let mut d = Diagnostic::new(
        severity,
        "expired_waiver",
        format!(
            "the waiver of {} ran until {}, but would have covered {diagnostics} of later returns, \
             which count as usual",
            w.describe(),
            w.info.until
        ),
    )
    .help(
        "if the problem is still accepted, renew the waiver with a later `until` and a fresh \
         approval (a reviewed change); otherwise fix the returns",
    );
    if let Some(first) = first {
        d.help = d.help.map(|h| format!("first: {first}; {h}"));
    }
    d
}

fn unused(w: &Waiver, severity: Severity) -> Diagnostic {
    Diagnostic::new(
        severity,
        "unused_waiver",
        format!(
            "the waiver of {} (until {}) covered no diagnostic in this run",
            w.describe(),
            w.info.until
        ),
    )
    .help(
        "if the problem it accepted is fixed, remove the waiver; otherwise check its check id, \
         measure and organisation",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_end_in_order() {
        let end = |t| period_end(t).map(|(e, _)| e);
        assert!(end("2012/13 Q2") < end("2012/13 Q3"));
        assert!(end("2012/13 Q4") < end("2013/14 Q1"));
        assert_eq!(
            period_end("Quarter 2 2012-13").map(|(_, c)| c).as_deref(),
            Some("2012/13 Q2")
        );
        // A year ends with its last quarter and month.
        assert_eq!(end("2012/13"), end("2012/13 Q4"));
        assert_eq!(end("March 2013"), end("2012/13 Q4"));
        assert_eq!(end("Sep 2012"), end("2012/13 Q2"));
        assert_eq!(end("next spring"), None);
    }

    #[test]
    fn organisations_compare_loosely() {
        assert_eq!(
            same_name("  Leeds  City council "),
            same_name("Leeds City Council")
        );
    }
}
