//! Collection checks (SPEC 3.9): every return against its peers and its
//! own past.
//!
//! When a rule set reads `peers`, `previous` or `last_year` (the compiler
//! records what it reads in [`Needs`]), or when `--history` is given, a
//! run has two phases. First every input file (and every history file) is
//! read, in parallel, and only the few numbers and fields those names
//! reference are kept, keyed by measure and period: a [`Collection`].
//! Then every return is checked as usual, with the collection to look
//! things up in. A rule set that needs none of it is checked in one
//! streaming pass, as before.
//!
//! The first pass skims a YAML return for what it needs
//! ([`crate::returns::skim`], [`skim_file`]) rather than building it; any
//! other file, and every file when the rules read `previous` or
//! `last_year` (whose RAG needs the whole return resolved), is loaded in
//! full. Both give the same [`Part`].
//!
//! What is kept is a few bytes per measure of each return, never a whole
//! return: the own value's amount and unit, 8 bytes; per return its
//! organisation (interned), period, place and measures (an interned
//! shape: the list of measure ids, kept once for every return that gives
//! the same ones), 24 bytes; per set of peers (a measure and period, and a
//! grouping key) its count, median, MAD and mean, worked out once, and,
//! only when the rules read the peers in order (`min`, `max`,
//! `quantile`, `rank`), a list of 4-byte indexes sorted by amount. Only
//! when the rules read `previous` or `last_year` is more kept for each
//! measure (status, RAG, every sub-period's value). The text and place of
//! a value are read again from its file when a diagnostic shows them
//! (`restated_value`'s second place), so nothing of a file is held
//! between the phases. See the gather module.

mod gather;
pub mod stats;
mod store;

use std::path::Path;
use std::sync::Arc;

use compact_str::CompactString;
use rust_decimal::Decimal;

use crate::diagnostic::Location;
use crate::eval::Val;
use crate::period::{Period, SubPeriod};
use crate::rag::Rag;
use crate::value::Unit;
use store::{Names, Paged, Sharded};

/// The maps of a collection: keys are short and hashed often while
/// checking (`median(peers)` looks its set up), so a fast hash.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

pub use crate::ir::Needs;
pub use crate::period::{Past, previous_period};

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

/// A number of another return as `previous` and `last_year` read it: its
/// amount, unit and the text as typed (what `{previous.value}` shows).
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    pub amount: Decimal,
    pub unit: Option<Unit>,
    pub typed: CompactString,
}

impl Number {
    fn of(v: &Val<'_>) -> Option<Number> {
        match v {
            Val::Num(n, u, raw) => Some(Number {
                amount: *n,
                unit: *u,
                typed: match raw {
                    Some(t) => CompactString::from(*t),
                    None => compact_str::format_compact!("{n}"),
                },
            }),
            _ => None,
        }
    }

    pub fn val(&self) -> Val<'_> {
        Val::Num(self.amount, self.unit, Some(&self.typed))
    }
}

/// What `previous` and `last_year` read of a measure besides its amount:
/// gathered only when the rules read them.
#[derive(Clone, Debug, Default)]
pub struct PastFields {
    /// The own value as typed, when it is a number.
    pub typed: CompactString,
    pub status: Option<Rag>,
    pub rag: Option<Rag>,
    /// Every sub-period's value that is a number (`previous.q2`).
    pub subs: Box<[(SubPeriod, Number)]>,
    /// Only when the rules read it.
    pub commentary: Option<Box<str>>,
}

/// One measure's own value in one gathered return, in 8 bytes: an exact
/// decimal's mantissa (55 bits, signed), what the value is (4 bits:
/// [`Item::NOT_A_NUMBER`], [`Item::NO_UNIT`] or the index of its unit in
/// [`Unit::ALL`]) and its scale (5 bits). The rare amount that does not
/// fit (a mantissa of more than 16 digits, a negative zero) is kept aside
/// in [`Items::wide`], and the item holds its index, with the scale bits
/// all set. Which measure an item is, is its return's shape
/// ([`Head::shape`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Item([u32; 2]);

impl Item {
    const WIDE: u64 = 31;
    const NO_UNIT: u64 = 14;
    const NOT_A_NUMBER: u64 = 15;
    /// Where the mantissa starts.
    const SHIFT: u32 = 9;

    fn bits(self) -> u64 {
        u64::from(self.0[0]) | (u64::from(self.0[1]) << 32)
    }

    fn of_bits(bits: u64) -> Item {
        Item([bits as u32, (bits >> 32) as u32])
    }

    /// `None` when not a number, else the number's unit.
    fn unit(self) -> Option<Option<Unit>> {
        match (self.bits() >> 5) & 15 {
            Item::NOT_A_NUMBER => None,
            Item::NO_UNIT => Some(None),
            u => Some(Unit::ALL.get(u as usize).copied()),
        }
    }
}

/// The items of every gathered return, in pages of [`Items::PAGE`] that
/// are allocated once at their full size and never moved, so that a large
/// collection's items are not copied as they grow (nor is the memory of
/// the copies left behind). An item's index is its page and its place in
/// the page; a return's items are in one page.
#[derive(Debug, Default)]
struct Items {
    pages: Vec<Vec<Item>>,
    /// Amounts that do not fit in an [`Item`].
    wide: Vec<Decimal>,
}

impl Items {
    /// 8,192 items, 64 KiB: a page is an allocation the allocator packs
    /// with others (a larger one is a mapping of its own, which the
    /// operating system may back with a 2 MiB page).
    const PAGE_BITS: u32 = 13;
    const PAGE: usize = 1 << Items::PAGE_BITS;

    /// Make room for `n` (at most [`Items::PAGE`]) items in one page, and
    /// give the index the first will have.
    fn start_run(&mut self, n: usize) -> u32 {
        let full = self.pages.last().is_none_or(|p| p.len() + n > Items::PAGE);
        if full {
            self.pages.push(Vec::with_capacity(Items::PAGE));
        }
        let page = self.pages.len() - 1;
        ((page as u32) << Items::PAGE_BITS) | self.pages[page].len() as u32
    }

    /// Add an item to the current run.
    fn push(&mut self, value: Option<(Decimal, Option<Unit>)>) {
        let bits = match value {
            None => Item::NOT_A_NUMBER << 5,
            Some((n, unit)) => {
                let kind = match unit {
                    None => Item::NO_UNIT,
                    Some(u) => Unit::ALL.iter().position(|x| *x == u).unwrap_or(0) as u64,
                };
                self.pack(n) | (kind << 5)
            }
        };
        if let Some(page) = self.pages.last_mut() {
            page.push(Item::of_bits(bits));
        }
    }

    /// An amount's mantissa (or index in `wide`) and scale bits.
    fn pack(&mut self, n: Decimal) -> u64 {
        let m = n.mantissa();
        let limit = 1i128 << (63 - Item::SHIFT);
        if (-limit..limit).contains(&m) && !(n.is_zero() && n.is_sign_negative()) {
            ((m as i64 as u64) << Item::SHIFT) | u64::from(n.scale())
        } else {
            self.wide.push(n);
            ((self.wide.len() as u64 - 1) << Item::SHIFT) | Item::WIDE
        }
    }

    fn amount(&self, item: Item) -> Decimal {
        let bits = item.bits();
        let scale = (bits & 31) as u32;
        if u64::from(scale) == Item::WIDE {
            return self
                .wide
                .get((bits >> Item::SHIFT) as usize)
                .copied()
                .unwrap_or_default();
        }
        Decimal::try_from_i128_with_scale(i128::from(bits as i64 >> Item::SHIFT), scale)
            .unwrap_or_default()
    }

    fn get(&self, i: u32) -> Option<Item> {
        let page = self.pages.get((i >> Items::PAGE_BITS) as usize)?;
        page.get((i & (Items::PAGE as u32 - 1)) as usize).copied()
    }

    /// The own value of item `i`: its amount and unit, when a number.
    fn number(&self, i: u32) -> Option<(Decimal, Option<Unit>)> {
        let item = self.get(i)?;
        Some((self.amount(item), item.unit()?))
    }

    fn shrink(&mut self) {
        if let Some(last) = self.pages.last_mut() {
            last.shrink_to_fit();
        }
        self.wide.shrink_to_fit();
    }
}

/// One gathered return: its organisation (interned), period, place among
/// the files (`order`) and in its file, and its [`Item`]s, which are
/// `items[start..]`, one for each measure of its shape (an index into
/// [`Collection::shapes`]: the return's interned measures, sorted; most
/// returns of a collection give the same measures, so a shape is kept
/// once for all of them).
#[derive(Clone, Copy, Debug)]
struct Head {
    org: u32,
    period: Period,
    order: u32,
    ret: u32,
    start: u32,
    shape: u32,
}

/// Where the returns of a file came from, to find a value's text and place
/// again when a diagnostic shows it (`restated_value`'s second place).
#[derive(Clone, Debug)]
enum Source {
    /// Read again when needed.
    Path(Box<Path>),
    /// Standard input or a rule test's made-up return: what a diagnostic
    /// may show was kept while gathering ([`Collection::kept`]).
    Kept,
}

/// The peers of one measure in one period (and group): the returns' own
/// values as indexes into [`Collection::items`], sorted by amount, and the
/// statistics that need every value, worked out once.
#[derive(Clone, Debug, Default)]
struct PeerSet {
    /// How many values (of the set's unit) there are.
    len: u32,
    /// Their items, sorted by amount, when the rules read them in order
    /// ([`Needs::peer_order`]); else empty.
    sorted: Box<[u32]>,
    unit: Option<Unit>,
    median: Option<Decimal>,
    mad: Option<Decimal>,
    mean: Option<Decimal>,
}

/// The peers of a measure, as `median(peers)` and the others read them.
#[derive(Clone, Copy, Debug)]
pub struct Peers<'a> {
    set: &'a PeerSet,
    items: &'a Items,
}

impl Peers<'_> {
    pub fn len(&self) -> usize {
        self.set.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.set.len == 0
    }

    /// The unit every value has (values of another unit are left out).
    pub fn unit(&self) -> Option<Unit> {
        self.set.unit
    }

    /// The `i`-th smallest value.
    pub fn at(&self, i: usize) -> Option<Decimal> {
        let k = *self.set.sorted.get(i)?;
        self.items.get(k).map(|item| self.items.amount(item))
    }

    pub fn min(&self) -> Option<Decimal> {
        self.at(0)
    }

    pub fn max(&self) -> Option<Decimal> {
        self.at(self.len().checked_sub(1)?)
    }

    pub fn median(&self) -> Option<Decimal> {
        self.set.median
    }

    pub fn mad(&self) -> Option<Decimal> {
        self.set.mad
    }

    pub fn mean(&self) -> Option<Decimal> {
        self.set.mean
    }

    pub fn quantile(&self, p: Decimal) -> Option<Decimal> {
        stats::quantile(self, p)
    }

    pub fn rank(&self, v: Decimal, higher_is_better: bool) -> usize {
        stats::rank(self, v, higher_is_better)
    }
}

impl stats::Sorted for Peers<'_> {
    fn count(&self) -> usize {
        self.len()
    }

    fn get(&self, i: usize) -> Decimal {
        self.at(i).unwrap_or_default()
    }
}

/// One measure of another return of the same organisation, found by
/// [`Collection::fact`].
#[derive(Clone, Copy, Debug)]
pub struct Fact<'a> {
    pub period: Period,
    /// The own value's amount and unit, when a number.
    pub number: Option<(Decimal, Option<Unit>)>,
    /// What `previous` and `last_year` read besides, when the rules read
    /// them.
    pub past: Option<&'a PastFields>,
    head: Head,
    measure: u32,
    item: u32,
}

impl Fact<'_> {
    /// The own value as `previous.value` reads it.
    pub fn value(&self) -> Option<Val<'_>> {
        let (n, u) = self.number?;
        Some(Val::Num(n, u, self.past.map(|p| p.typed.as_str())))
    }
}

/// Everything gathered from a run, looked up while checking: 12 bytes for
/// each measure of each return, and 4 more for each set of peers it is in.
#[derive(Debug, Default)]
pub struct Collection {
    /// Measure ids, interned: [`Item`]'s measure is an index into `measure_names`.
    measures: HashMap<Box<str>, u32>,
    measure_names: Vec<Box<str>>,
    /// Organisations and `peers by` key values, interned.
    orgs: Names,
    keys: Names,
    /// Every return gathered, sorted by organisation, period and order.
    heads: Paged<Head>,
    /// The measures of a return, interned and sorted: [`Head::shape`].
    shapes: Vec<Box<[u32]>>,
    items: Items,
    /// By item index, when the rules read `previous` or `last_year`; else
    /// empty.
    past: HashMap<u32, PastFields>,
    /// (measure, period) → the values of every return of the run.
    peers: Sharded<(u32, Period), PeerSet>,
    /// (measure, period, group, key value) → the values of the returns
    /// whose `return.KEY` (of `peers by` group `group`) is that value.
    groups: Sharded<(u32, Period, u32, u32), PeerSet>,
    /// By order: where each file's returns came from.
    sources: Paged<Option<Source>>,
    /// For items of [`Source::Kept`] returns: the own value as typed and
    /// its place.
    kept: HashMap<u32, (CompactString, Option<Box<Location>>)>,
    /// `--layout`, to read a file again as it was read.
    layout: Option<usize>,
}

impl Collection {
    /// The fact of `measure` in `organisation`'s return for `period` (the
    /// first file's, when two returns give it).
    pub fn fact(&self, organisation: &str, measure: &str, period: Period) -> Option<Fact<'_>> {
        let org = self.orgs.get(organisation.trim())?;
        let m = *self.measures.get(measure)?;
        let from = self
            .heads
            .partition_point(|h| (h.org, h.period) < (org, period));
        self.heads
            .iter_from(from)
            .take_while(|h| (h.org, h.period) == (org, period))
            .find_map(|h| {
                let at = self.shape(h).binary_search(&m).ok()?;
                let item = h.start + at as u32;
                Some(Fact {
                    period,
                    number: self.items.number(item),
                    past: self.past.get(&item),
                    head: *h,
                    measure: m,
                    item,
                })
            })
    }

    /// The measures of a return, sorted: what its items are.
    fn shape(&self, h: &Head) -> &[u32] {
        self.shapes.get(h.shape as usize).map_or(&[], |s| s)
    }

    /// The peers of `measure` in `period`, all or of one group (by its
    /// index in [`Needs::peer_groups`] and the return's key value).
    pub fn peers(
        &self,
        measure: &str,
        period: Period,
        group: Option<(usize, &str)>,
    ) -> Option<Peers<'_>> {
        let m = *self.measures.get(measure)?;
        let set = match group {
            None => self.peers.get(&(m, period))?,
            Some((g, key)) => {
                let key = self.keys.get(key.trim())?;
                self.groups.get(&(m, period, g as u32, key))?
            }
        };
        Some(Peers {
            set,
            items: &self.items,
        })
    }

    /// A fact's own value as typed and where it is, for a diagnostic that
    /// shows it: the file is read again (it is not kept while checking),
    /// so this is for the few values a diagnostic points at.
    pub fn show(
        &self,
        rules: &crate::ir::RuleSet,
        fact: &Fact<'_>,
    ) -> Option<(String, Option<Location>)> {
        match self.sources.get(fact.head.order as usize)?.as_ref()? {
            Source::Kept => {
                let (typed, at) = self.kept.get(&fact.item)?;
                Some((typed.to_string(), at.as_deref().cloned()))
            }
            Source::Path(path) => {
                let bytes = crate::read::file(path, crate::returns::MAX_FILE_BYTES as u64).ok()?;
                let name = crate::display::path(path);
                let loaded = crate::returns::load_with(&name, bytes, rules, self.layout);
                let name = self.measure_names.get(fact.measure as usize)?;
                let entry = loaded
                    .returns
                    .get(fact.head.ret as usize)?
                    .measures
                    .iter()
                    .find(|e| e.id() == &**name)?;
                let text = entry.values.get(fact.period.sub())?;
                Some((text.as_str().to_string(), Some(loaded.locate(text.pos))))
            }
        }
    }

    /// Whether `organisation` has a return for an earlier sub-period of
    /// `period`'s year: if not, nothing of this return can be a
    /// restatement, and `restated_value` looks nothing up.
    pub fn earlier_in_year(&self, organisation: &str, period: Period) -> bool {
        let Some(org) = self.orgs.get(organisation.trim()) else {
            return false;
        };
        let from = self.heads.partition_point(|h| h.org < org);
        self.heads
            .iter_from(from)
            .take_while(|h| h.org == org)
            .any(|h| h.period.year() == period.year() && h.period.sub() < period.sub())
    }

    /// Let go of the returns' own values once the sets of peers are
    /// worked out, when nothing reads them while checking: the rules read
    /// neither `previous` nor `last_year` nor the peers in order, and no
    /// organisation has returns for two sub-periods of one year (the only
    /// returns `restated_value` compares). A peer check of a collection
    /// then keeps, while checking, only its sets' statistics and what
    /// names the returns. Returns whether they were let go.
    pub fn let_go_of_values(&mut self, needs: &Needs) -> bool {
        if needs.past || needs.peer_order || !self.past.is_empty() || !self.kept.is_empty() {
            return false;
        }
        // `heads` is sorted by organisation and period (see `finish`).
        let restated = needs.restated
            && self
                .heads
                .iter()
                .zip(self.heads.iter_from(1))
                .any(|(a, b)| {
                    a.org == b.org
                        && a.period.year() == b.period.year()
                        && a.period.sub() != b.period.sub()
                });
        if restated {
            return false;
        }
        self.items = Items::default();
        true
    }

    /// Whether the returns' own values are still held (see
    /// [`Collection::let_go_of_values`]; for tests).
    pub fn holds_values(&self) -> bool {
        !self.items.pages.is_empty()
    }

    /// How many returns were gathered (for tests and statistics).
    pub fn returns_len(&self) -> usize {
        self.heads.len()
    }

    /// Everything gathered, in words, in an order that depends neither on
    /// the order files were added in nor on how names were interned: for
    /// tests that hold two ways of gathering to each other.
    pub fn describe(&self) -> String {
        use std::fmt::Write as _;
        let name = |names: &Names, i: u32| names.name(i).unwrap_or_default().to_string();
        let measure = |m: u32| {
            self.measure_names
                .get(m as usize)
                .map(|n| n.to_string())
                .unwrap_or_default()
        };
        let number = |i: u32| match self.items.number(i) {
            Some((n, u)) => format!("{n} {u:?}"),
            None => "not a number".into(),
        };
        let mut out = String::new();
        let _ = writeln!(out, "layout {:?}", self.layout);
        for (order, source) in self.sources.iter().enumerate() {
            let _ = writeln!(out, "source {order}: {source:?}");
        }
        // What each item is, for the sets of peers.
        let mut of_item: HashMap<u32, String> = HashMap::default();
        let mut heads: Vec<(String, String)> = Vec::new();
        for h in self.heads.iter() {
            let head = format!(
                "{:?} {} file {} return {}",
                name(&self.orgs, h.org),
                h.period,
                h.order,
                h.ret
            );
            let mut items: Vec<String> = Vec::new();
            for (k, &m) in self.shape(h).iter().enumerate() {
                let i = h.start + k as u32;
                of_item.insert(i, format!("{head} {}", measure(m)));
                let mut line = format!("  {} = {}", measure(m), number(i));
                if let Some(past) = self.past.get(&i) {
                    let _ = write!(line, " past {past:?}");
                }
                if let Some(kept) = self.kept.get(&i) {
                    let _ = write!(line, " kept {kept:?}");
                }
                items.push(line);
            }
            items.sort();
            heads.push((head, items.join("\n")));
        }
        heads.sort();
        for (head, items) in heads {
            let _ = writeln!(out, "{head}\n{items}");
        }
        let set = |set: &PeerSet| {
            let values: Vec<String> = set
                .sorted
                .iter()
                .map(|&i| {
                    let what = of_item.get(&i).map(String::as_str).unwrap_or("?");
                    format!("{} ({what})", number(i))
                })
                .collect();
            format!(
                "{} values, unit {:?} median {:?} mad {:?} mean {:?}\n    {}",
                set.len,
                set.unit,
                set.median,
                set.mad,
                set.mean,
                values.join("\n    ")
            )
        };
        let mut sets: Vec<String> = self
            .peers
            .iter()
            .map(|((m, p), s)| format!("peers {} {p}: {}", measure(*m), set(s)))
            .chain(self.groups.iter().map(|((m, p, g, k), s)| {
                format!(
                    "peers {} {p} group {g} {:?}: {}",
                    measure(*m),
                    name(&self.keys, *k),
                    set(s)
                )
            }))
            .collect();
        sets.sort();
        for s in sets {
            let _ = writeln!(out, "{s}");
        }
        out
    }
}

pub use gather::{Builder, Packed, Part, skim_file};

/// Shared so every worker of the check phase reads the same collection.
pub type Shared = Arc<Collection>;

#[cfg(test)]
mod packing {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(n: Decimal) {
        let mut items = Items::default();
        items.start_run(1);
        items.push(Some((n, Some(Unit::Percent))));
        let back = items.number(0).map(|(d, _)| d);
        // The same number, written the same way (`30.0` stays `30.0`).
        assert_eq!(
            back.map(|d| (d, d.scale(), d.is_sign_negative(), d.to_string())),
            Some((n, n.scale(), n.is_sign_negative(), n.to_string())),
            "{n}"
        );
    }

    #[test]
    fn amounts_that_do_not_fit_are_kept_aside() {
        for text in [
            "0",
            "-0",
            "-0.00",
            "30.0",
            "1e-28",
            "79228162514264337593543950335",
            "-288230376151711744",
            "288230376151711743",
            "-18014398509481984",
            "18014398509481983",
            "18014398509481984",
            "-18014398509481985",
            "-1801439850948198.5",
            "0.0000000000000000000000000001",
        ] {
            let n: Decimal = text
                .parse()
                .or_else(|_| Decimal::from_scientific(text))
                .unwrap_or_default();
            round_trip(n);
        }
    }

    proptest! {
        #[test]
        fn every_amount_comes_back_as_it_was(lo in any::<u32>(), mid in any::<u32>(), hi in any::<u32>(), negative in any::<bool>(), scale in 0u32..=28) {
            round_trip(Decimal::from_parts(lo, mid, hi, negative, scale));
        }

        #[test]
        fn small_amounts_come_back_as_they_were(m in any::<i64>(), scale in 0u32..=28) {
            round_trip(Decimal::new(m, scale));
        }
    }
}
