//! Collection checks (SPEC 3.9): every return against its peers and its
//! own past.
//!
//! When a rule set reads `peers`, `previous` or `last_year` (the compiler
//! records what it reads in [`Needs`]), or when `--history` is given, a
//! run has two phases. First every input file (and every history file) is
//! read and resolved, in parallel, and only the few numbers and fields
//! those names reference are kept, keyed by measure and period: a
//! [`Collection`]. Then every return is checked as usual, with the
//! collection to look things up in. A rule set that needs none of it is
//! checked in one streaming pass, as before.
//!
//! What is kept per (organisation, period, measure) — a [`Fact`] — and
//! per (measure, period[, grouping key]) — a sorted list of values — is a
//! few bytes each, never a whole return.

pub mod stats;

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::diagnostic::Location;
use crate::eval::{ReturnCtx, Val};
use crate::period::{Period, SubPeriod};
use crate::rag::Rag;
use crate::returns::LoadedFile;
use crate::value::Unit;

/// What a rule set reads from the rest of the collection, decided when it
/// compiles.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// `peers` appears somewhere.
    pub peers: bool,
    /// `peers by return.KEY`: the keys, by [`crate::ir::RuleSet::return_keys`]
    /// index.
    pub peer_groups: Vec<usize>,
    /// `previous` or `last_year` appears somewhere.
    pub past: bool,
    /// `previous.commentary` (or `last_year`'s) is read.
    pub past_commentary: bool,
    /// `restated_value` is on: the value each return gives for its own
    /// sub-period, and where, are kept.
    pub restated: bool,
}

impl Needs {
    /// Does checking need a gathered collection at all (when no
    /// `--history` is given)? `restated_value` alone does not: see
    /// [`Needs::gather`].
    pub fn names_used(&self) -> bool {
        self.peers || self.past
    }

    /// Should a run gather first? When the rules read `peers`, `previous`
    /// or `last_year`, or when history is given. `restated_value` is on by
    /// default, but a run whose rules use no collection name and that has
    /// no `--history` stays one streaming pass, so that checking does not
    /// get slower for everyone; `restated_value` then compares only
    /// within such a gathered run.
    pub fn gather(&self, history_given: bool) -> bool {
        self.names_used() || history_given
    }
}

/// Which other return of the same organisation (SPEC 3.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Past {
    /// The period just before this one.
    Previous,
    /// The same sub-period a year earlier.
    LastYear,
}

impl Past {
    pub fn name(self) -> &'static str {
        match self {
            Past::Previous => "previous",
            Past::LastYear => "last_year",
        }
    }

    /// The period this one is, seen from `p`.
    pub fn of(self, p: Period) -> Option<Period> {
        match self {
            Past::Previous => previous_period(p),
            Past::LastYear => {
                let y = p.year().start().checked_sub(1)?;
                Some(Period::new(crate::period::Year(y), p.sub()))
            }
        }
    }
}

/// The period just before `p`: Q3 for Q4, the previous year's Q4 for Q1,
/// 2015/16 for 2016/17, M06 for M07.
pub fn previous_period(p: Period) -> Option<Period> {
    let sub = p.sub();
    if sub.index > 0 {
        return Some(Period::new(
            p.year(),
            SubPeriod::new(sub.frequency, sub.index - 1)?,
        ));
    }
    let y = crate::period::Year(p.year().start().checked_sub(1)?);
    let last = SubPeriod::new(sub.frequency, sub.frequency.count().checked_sub(1)?)?;
    Some(Period::new(y, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Period {
        Period::find_in(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn previous_and_last_year_follow_the_frequency() {
        let cases = [
            ("2016/17 Q4", "2016/17 Q3", "2015/16 Q4"),
            ("2016/17 Q1", "2015/16 Q4", "2015/16 Q1"),
            ("2016/17", "2015/16", "2015/16"),
            ("2016/17 M07", "2016/17 M06", "2015/16 M07"),
            ("2016/17 M01", "2015/16 M12", "2015/16 M01"),
        ];
        for (now, previous, last_year) in cases {
            assert_eq!(Past::Previous.of(p(now)), Some(p(previous)), "{now}");
            assert_eq!(Past::LastYear.of(p(now)), Some(p(last_year)), "{now}");
        }
    }
}

/// A number as gathered: its amount, unit and the text as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    pub amount: Decimal,
    pub unit: Option<Unit>,
    pub typed: Box<str>,
}

impl Number {
    fn of(v: &Val<'_>) -> Option<Number> {
        match v {
            Val::Num(n, u, raw) => Some(Number {
                amount: *n,
                unit: *u,
                typed: raw.map(Box::from).unwrap_or_else(|| n.to_string().into()),
            }),
            _ => None,
        }
    }

    pub fn val(&self) -> Val<'_> {
        Val::Num(self.amount, self.unit, Some(&self.typed))
    }
}

/// One measure of one return, as far as `previous`, `last_year` and
/// `restated_value` read it.
#[derive(Clone, Debug)]
pub struct Fact {
    pub period: Period,
    /// The value for the return's own sub-period.
    pub value: Option<Number>,
    pub status: Option<Rag>,
    pub rag: Option<Rag>,
    /// Every sub-period's value that is a number (`previous.q2`).
    pub subs: Box<[(SubPeriod, Number)]>,
    /// Only when the rules read it.
    pub commentary: Option<Box<str>>,
    /// Where the own value is, for `restated_value`'s second place.
    pub at: Option<Box<Location>>,
}

/// The sorted values of one measure in every return of one period.
#[derive(Clone, Debug, Default)]
pub struct PeerSet {
    pub values: Vec<Decimal>,
    pub unit: Option<Unit>,
    mad: Option<Decimal>,
}

impl PeerSet {
    fn push(&mut self, n: &Number) {
        if self.values.is_empty() {
            self.unit = n.unit;
        } else if self.unit != n.unit {
            // A value of another unit is not comparable: left out.
            return;
        }
        self.values.push(n.amount);
    }

    fn finish(&mut self) {
        self.values.sort_unstable();
        self.mad = stats::mad(&self.values);
    }

    pub fn mad(&self) -> Option<Decimal> {
        self.mad
    }
}

/// A return's value of each `peers by return.KEY` key, in
/// [`Needs::peer_groups`] order.
type GroupKeys = Vec<Option<Box<str>>>;

/// The peers of one group, by the value of its key.
type ByKey = HashMap<Box<str>, PeerSet>;

/// What one return contributes, gathered on a worker.
#[derive(Debug, Default)]
struct Gathered {
    /// (organisation, period, measure) → fact.
    facts: Vec<(Box<str>, Period, Box<str>, Fact)>,
    /// (measure, period, group key values by [`Needs::peer_groups`] order) → value.
    peers: Vec<(Box<str>, Period, GroupKeys, Number)>,
}

/// Everything gathered from a run: looked up while checking (nested maps
/// so that a lookup by `&str` allocates nothing).
#[derive(Debug, Default)]
pub struct Collection {
    /// organisation → measure → facts, one per period.
    facts: HashMap<Box<str>, HashMap<Box<str>, Vec<Fact>>>,
    /// measure → period → the values of every return of the run.
    peers: HashMap<Box<str>, HashMap<Period, PeerSet>>,
    /// measure → (period, group index) → key value → the values of the
    /// returns whose `return.KEY` is that value.
    groups: HashMap<Box<str>, HashMap<(Period, usize), ByKey>>,
}

impl Collection {
    /// The fact of `measure` in `organisation`'s return for `period`.
    pub fn fact(&self, organisation: &str, measure: &str, period: Period) -> Option<&Fact> {
        self.facts
            .get(organisation.trim())?
            .get(measure)?
            .iter()
            .find(|f| f.period == period)
    }

    /// The peers of `measure` in `period`, all or of one group.
    pub fn peers(
        &self,
        measure: &str,
        period: Period,
        group: Option<(usize, &str)>,
    ) -> Option<&PeerSet> {
        match group {
            None => self.peers.get(measure)?.get(&period),
            Some((g, key)) => self.groups.get(measure)?.get(&(period, g))?.get(key.trim()),
        }
    }

    /// How many facts are held (for tests and statistics).
    pub fn facts_len(&self) -> usize {
        self.facts
            .values()
            .flat_map(HashMap::values)
            .map(Vec::len)
            .sum()
    }
}

/// Builds a [`Collection`] from files and returns, in any order; the
/// result does not depend on the order things were added in.
#[derive(Debug, Default)]
pub struct Builder {
    parts: Vec<(u64, Gathered)>,
}

impl Builder {
    /// Add what one loaded file gives: every return's facts, and, when
    /// `peers` (a file of the run, not history), its values for peers.
    /// `order` places the file among the others, so that a fact given
    /// twice (two returns of one organisation and period) is taken from
    /// the first.
    pub fn add_file(
        &mut self,
        order: u64,
        loaded: &LoadedFile,
        rules: &crate::ir::RuleSet,
        peers: bool,
    ) {
        let mut g = Gathered::default();
        for ret in &loaded.returns {
            let ctx = ReturnCtx::new(rules, ret);
            gather_return(&ctx, Some(loaded), peers, &mut g);
        }
        self.parts.push((order, g));
    }

    /// Add one resolved return (rule tests build their collection so).
    pub fn add_return(&mut self, order: u64, ctx: &ReturnCtx<'_>, peers: bool) {
        let mut g = Gathered::default();
        gather_return(ctx, None, peers, &mut g);
        self.parts.push((order, g));
    }

    /// Merge builders made on different workers.
    pub fn merge(mut self, other: Builder) -> Builder {
        self.parts.extend(other.parts);
        self
    }

    pub fn finish(mut self) -> Collection {
        self.parts.sort_by_key(|(o, _)| *o);
        let mut c = Collection::default();
        for (_, g) in self.parts {
            for (org, period, measure, fact) in g.facts {
                let list = c.facts.entry(org).or_default().entry(measure).or_default();
                if !list.iter().any(|f| f.period == period) {
                    list.push(fact);
                }
            }
            for (measure, period, keys, n) in g.peers {
                for (gi, key) in keys.into_iter().enumerate() {
                    if let Some(key) = key {
                        c.groups
                            .entry(measure.clone())
                            .or_default()
                            .entry((period, gi))
                            .or_default()
                            .entry(key)
                            .or_default()
                            .push(&n);
                    }
                }
                c.peers
                    .entry(measure)
                    .or_default()
                    .entry(period)
                    .or_default()
                    .push(&n);
            }
        }
        for by_period in c.peers.values_mut() {
            by_period.values_mut().for_each(PeerSet::finish);
        }
        for by_key in c.groups.values_mut().flat_map(HashMap::values_mut) {
            by_key.values_mut().for_each(PeerSet::finish);
        }
        c
    }
}

/// The facts and peer values of one return.
fn gather_return(ctx: &ReturnCtx<'_>, loaded: Option<&LoadedFile>, peers: bool, g: &mut Gathered) {
    let needs = &ctx.rules.collection;
    let (Some(org), Some(period)) = (ctx.ret.organisation.as_ref(), ctx.known_period()) else {
        return;
    };
    let org = org.as_str().trim();
    let keys: Vec<Option<Box<str>>> = needs
        .peer_groups
        .iter()
        .map(|&k| {
            ctx.return_keys
                .get(k)
                .copied()
                .flatten()
                .map(|t| Box::from(t.as_str().trim()))
        })
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for (i, e) in ctx.entries.iter().enumerate() {
        let id = e.entry.id();
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let value = Number::of(&ctx.value(i, None));
        if peers
            && needs.peers
            && let Some(n) = &value
        {
            g.peers.push((id.into(), period, keys.clone(), n.clone()));
        }
        if !(needs.past || needs.restated) {
            continue;
        }
        let subs: Box<[(SubPeriod, Number)]> = if needs.past {
            e.values
                .iter()
                .filter_map(|(s, v)| Number::of(v).map(|n| (s, n)))
                .collect()
        } else {
            Box::new([])
        };
        let at = match (needs.restated, loaded) {
            (true, Some(l)) => e
                .entry
                .values
                .get(period.sub())
                .map(|t| Box::new(l.locate(t.pos))),
            _ => None,
        };
        g.facts.push((
            org.into(),
            period,
            id.into(),
            Fact {
                period,
                value,
                status: match e.status {
                    Val::Status(r, _) => Some(r),
                    _ => None,
                },
                rag: e.rag,
                subs,
                commentary: (needs.past_commentary && !e.texts[3].is_missing())
                    .then(|| Box::from(e.texts[3].text().as_ref())),
                at,
            },
        ));
    }
}

/// A file's place for [`Builder::add_file`], from its index among the
/// inputs (history files come after every input).
pub fn order(index: usize, history: bool) -> u64 {
    (u64::from(history) << 63) | index as u64
}

/// Shared so every worker of the check phase reads the same collection.
pub type Shared = Arc<Collection>;
