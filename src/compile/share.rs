//! Conditions that checks share, decided once per entry.
//!
//! Rule sets repeat their filters: `where unit == percent`, `where status in
//! [amber, red]` and `count(each measure where status == red)` appear in
//! check after check. A condition on one entry that does not read the
//! quarter has one answer per entry of a return, so the compiler gathers
//! the distinct ones into [`RuleSet::shared`] and points each use at its
//! index; the evaluator then decides each at most once per entry, however
//! many checks ask (`eval::ReturnCtx::selection`). A `for each value`
//! `where` that does read the quarter (`where value is deferred`) is shared
//! the same way, per value, in [`RuleSet::shared_values`].

use std::collections::HashMap;

use crate::ir::{Expr, Part, RuleSet, Scope};

/// Fill [`RuleSet::shared`] and point every shareable `where` and `count`
/// condition at its entry there.
pub(super) fn share_conditions(rules: &mut RuleSet) {
    let mut table = Table::default();
    // Per value: a condition that reads the quarter means something else
    // there than for an entry (`value` is each quarter's, not the
    // return's), so these have a table of their own.
    let mut values = Table::default();
    for check in &mut rules.checks {
        let (cond, per_entry) = match &mut check.scope {
            Scope::EachMeasure(Some(w)) => (Some(w), true),
            Scope::EachValue(Some(w)) => {
                let per_entry = !w.reads_quarter();
                (Some(w), per_entry)
            }
            _ => (None, false),
        };
        if let Some(w) = cond {
            table.counts_in(w);
            if per_entry {
                check.shared_where = Some(table.id(w));
            } else {
                check.shared_value_where = Some(values.id(w));
            }
        }
        for rule in &mut check.rules {
            table.counts_in(&mut rule.condition);
            for part in rule
                .message
                .parts
                .iter_mut()
                .chain(rule.help.iter_mut().flat_map(|h| h.parts.iter_mut()))
            {
                if let Part::Expr(e) = part {
                    table.counts_in(e);
                }
            }
        }
    }
    for measure in &mut rules.measures {
        for band in &mut measure.bands {
            if let Some(c) = &mut band.condition {
                table.counts_in(c);
            }
        }
    }
    rules.shared = table.conditions;
    rules.shared_values = values.conditions;
}

/// The distinct conditions, keyed by their structure.
#[derive(Default)]
struct Table {
    conditions: Vec<Expr>,
    /// The structure of each condition (its `Debug` form: every operator,
    /// slot, constant and regex pattern) → index.
    index: HashMap<String, usize>,
}

impl Table {
    fn id(&mut self, e: &Expr) -> usize {
        let key = format!("{e:?}");
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.conditions.push(e.clone());
        self.index.insert(key, self.conditions.len() - 1);
        self.conditions.len() - 1
    }

    /// Give every `count(each measure where …)` inside `e` its index.
    fn counts_in(&mut self, e: &mut Expr) {
        if let Expr::Count(Some(c), id) = e {
            self.counts_in(c);
            *id = Some(self.id(c));
            return;
        }
        for child in e.children_mut() {
            self.counts_in(child);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use crate::ir::RuleSet;
    use crate::span::SourceFile;

    fn rules(text: &str) -> RuleSet {
        let compiled = crate::compile(vec![SourceFile::new("t.rag", text)]);
        assert!(
            compiled.diagnostics.is_empty(),
            "{:?}",
            compiled.diagnostics
        );
        compiled.rules.expect("the rules compile")
    }

    #[test]
    fn equal_conditions_are_decided_once() {
        let r = rules(
            r#"
check a for each value where unit == percent { warning when value > 100% "a" }
check b for each measure where unit == percent { warning when q1 is missing "b" }
check c for each value where value is deferred { info when quarter < 2 "c" }
check d { warning when count(each measure where status == red) > 3 "d" }
check e { warning when count(each measure where status == red) > 5 "e {count(each measure where unit == percent)}" }
"#,
        );
        // `unit == percent` (twice as a `where`, once in a message) and
        // `status == red` (twice); `value is deferred` reads the quarter.
        assert_eq!(r.shared.len(), 2);
        let ids: Vec<Option<usize>> = r.checks.iter().map(|c| c.shared_where).collect();
        assert_eq!(ids, [Some(0), Some(0), None, None, None]);
        // ... and is shared per value.
        assert_eq!(r.shared_values.len(), 1);
        let per_value: Vec<Option<usize>> = r.checks.iter().map(|c| c.shared_value_where).collect();
        assert_eq!(per_value, [None, None, Some(0), None, None]);
    }
}
