//! Compiling what the rule files say of checks as a whole: `severity`
//! settings (for built-in and user checks alike) and `waive` statements
//! (SPEC 3.8).

use std::collections::HashMap;

use super::{Compiler, NOT_WAIVABLE};
use crate::ast::{self, Item};
use crate::checks::BUILTINS;
use crate::diagnostic::Severity;
use crate::ir::RuleSet;
use crate::span::{FileId, Span};
use crate::suggest::did_you_mean;

impl Compiler<'_> {
    pub(super) fn severities(
        &mut self,
        files: &[(FileId, ast::RuleFile)],
        checks: &[(String, Span)],
    ) -> HashMap<String, (Option<Severity>, Span)> {
        let mut set: HashMap<String, (Option<Severity>, Span)> = HashMap::new();
        for (_, file) in files {
            for item in &file.items {
                let Item::Severity(s) = item else { continue };
                let known = BUILTINS.iter().any(|b| b.id == s.check.name)
                    || checks.iter().any(|(c, _)| *c == s.check.name);
                if !known {
                    let names = BUILTINS
                        .iter()
                        .map(|b| b.id)
                        .chain(checks.iter().map(|(c, _)| c.as_str()));
                    let suggestion = did_you_mean(&s.check.name, names);
                    self.report(
                        self.error(
                            "unknown_check",
                            s.check.span,
                            format!("there is no check `{}`", s.check.name),
                        )
                        .label("unknown check")
                        .suggest(suggestion),
                    );
                    continue;
                }
                if let Some((level, first)) = set.get(&s.check.name) {
                    if *level != s.level {
                        let loc = self.locate(*first);
                        self.report(
                            self.error(
                                "conflicting_severity",
                                s.span,
                                format!(
                                    "the severity of `{}` is set twice, differently",
                                    s.check.name
                                ),
                            )
                            .label("second setting")
                            .help("keep one `severity` line per check")
                            .related_at(loc, "first set here"),
                        );
                    }
                    continue;
                }
                set.insert(s.check.name.clone(), (s.level, s.span));
            }
        }
        set
    }

    /// A `waive` (SPEC 3.8): its check and measure must exist, its period
    /// must read as one, and its reason and approver may not be empty.
    pub(super) fn waiver(
        &mut self,
        rules: &RuleSet,
        w: &ast::WaiverDecl,
        checks: &[(String, Span)],
    ) -> Option<crate::ir::Waiver> {
        let mut ok = true;
        let name = w.check.name.as_str();
        if NOT_WAIVABLE.contains(&name) {
            self.report(
                self.error(
                    "unwaivable_check",
                    w.check.span,
                    format!("`{name}` is about the waivers themselves and cannot be waived"),
                )
                .label("cannot be waived")
                .help(format!("to silence it, write `severity {name} off`")),
            );
            ok = false;
        } else if !BUILTINS.iter().any(|b| b.id == name) && !checks.iter().any(|(c, _)| c == name) {
            let names = BUILTINS
                .iter()
                .map(|b| b.id)
                .filter(|id| !NOT_WAIVABLE.contains(id))
                .chain(checks.iter().map(|(c, _)| c.as_str()));
            let suggestion = did_you_mean(name, names);
            self.report(
                self.error(
                    "unknown_check",
                    w.check.span,
                    format!("there is no check `{name}`"),
                )
                .label("unknown check")
                .suggest(suggestion),
            );
            ok = false;
        }
        if let Some(m) = &w.measure
            && !rules.measure_index.contains_key(&m.name)
        {
            let suggestion = did_you_mean(&m.name, rules.measure_index.keys().map(String::as_str));
            self.report(
                self.error(
                    "unknown_name",
                    m.span,
                    format!("there is no measure `{}`", m.name),
                )
                .label("unknown measure")
                .help(match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "a waiver's `on` names a measure declared in the rule files".into(),
                }),
            );
            ok = false;
        }
        let until = match crate::period::Period::find_in(&w.until.value) {
            Ok(p) => Some((p.end_month(), p.to_string())),
            Err(e) => {
                self.report(
                    self.error(
                        "bad_period",
                        w.until.span,
                        format!("`{}` is not a period: {e}", w.until.value),
                    )
                    .label(e.label())
                    .help(format!(
                        "{}; the waiver covers returns whose period ends no later than this one",
                        e.help()
                    )),
                );
                None
            }
        };
        let texts = [
            (
                w.organisation.as_ref(),
                "organisation",
                "`for` names an organisation",
            ),
            (
                Some(&w.reason),
                "reason",
                "`because` says why the problem is accepted",
            ),
            (
                Some(&w.approved),
                "approver",
                "`approved` names who accepted it",
            ),
        ];
        for (text, what, help) in texts {
            if let Some(t) = text
                && t.value.trim().is_empty()
            {
                self.report(
                    self.error(
                        "empty_waiver_text",
                        t.span,
                        format!("a waiver's {what} may not be empty"),
                    )
                    .label(format!("empty {what}"))
                    .help(format!(
                        "{help}: a waiver is a reviewed decision, kept on record"
                    )),
                );
                ok = false;
            }
        }
        let (until_end, canonical) = until?;
        if !ok {
            return None;
        }
        let info = crate::diagnostic::Waived {
            reason: w.reason.value.clone(),
            approved: w.approved.value.clone(),
            until: canonical,
            rule: self.rule_ref(w.span),
        };
        Some(crate::ir::Waiver::new(
            w.check.name.clone(),
            w.measure.as_ref().map(|m| m.name.clone()),
            w.organisation.as_ref().map(|o| o.value.clone()),
            until_end,
            info,
            (
                Span {
                    end: w.until.span.end,
                    ..w.span
                },
                w.until.span,
            ),
        ))
    }
}
