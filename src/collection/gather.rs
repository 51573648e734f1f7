//! The gather phase: what each file gives ([`Part`], taken on the worker
//! that read the file) is merged into one [`Builder`] as soon as the file
//! is done, and the file's text (and model, when it was loaded in full)
//! are dropped. What is kept is small: per measure of each return the own
//! value's amount ([`super::Item`]), per return a [`super::Head`] naming
//! its interned measures, and, once every file is in, per set of peers
//! its statistics (and, when read in order, an index into the items per
//! value). The text and place of a value are not kept: a diagnostic that
//! shows them reads the file again ([`Collection::show`]).
//!
//! The result does not depend on the order files finish in: returns are
//! sorted by organisation, period and file order; peers by amount (equal
//! amounts by scale); and the unit of a set of peers is that of the value
//! of the first file.

use std::path::Path;

use compact_str::CompactString;
use rust_decimal::Decimal;

use super::{Collection, HashMap, Head, Items, Number, PastFields, PeerSet, Source, stats};
use crate::diagnostic::Location;
use crate::eval::{Program, ReturnCtx, Val, to_val};
use crate::ir::RuleSet;
use crate::period::Period;
use crate::returns::skim::{self, Skimmed};
use crate::returns::{Format, LoadedFile, Return};
use crate::value::{Unit, parse_value, trim};

/// A measure's own value, when a number: its amount and unit.
type Own = (Decimal, Option<Unit>);

/// What one file gives, borrowing its loaded model: made on the worker
/// that read it, then merged with [`Builder::add`].
#[derive(Debug, Default)]
pub struct Part<'a> {
    returns: Vec<PartReturn<'a>>,
    /// Each return's measures, the first of each id only, sorted by id.
    items: Vec<(&'a str, Option<Own>)>,
    /// By item, when the rules read `previous` or `last_year`.
    past: Vec<PastFields>,
    /// By item, for a source that cannot be read again: the own value as
    /// typed and its place.
    kept: Vec<(usize, CompactString, Option<Location>)>,
    /// The rules read peers in order ([`super::Needs::peer_order`]).
    sorted: bool,
}

#[derive(Debug)]
struct PartReturn<'a> {
    org: &'a str,
    period: Period,
    ret: u32,
    /// Key values of `peers by` groups, by [`super::Needs::peer_groups`].
    keys: Vec<Option<&'a str>>,
    start: usize,
    len: usize,
}

impl<'a> Part<'a> {
    /// What a loaded file gives. With `keep`, the own values' text and
    /// place are kept (standard input, which cannot be read again).
    pub fn of_file(loaded: &'a LoadedFile, rules: &'a Program, keep: bool) -> Part<'a> {
        let mut part = Part {
            sorted: rules.collection.peer_order,
            ..Part::default()
        };
        for (r, ret) in loaded.returns.iter().enumerate() {
            part.add_return(rules, ret, r, keep.then_some(loaded));
        }
        part
    }

    /// What one return gives (rule tests gather their made-up returns so);
    /// its values' text is kept, their place is not.
    pub fn of_return(rules: &'a Program, ret: &'a Return) -> Part<'a> {
        let mut part = Part {
            sorted: rules.collection.peer_order,
            ..Part::default()
        };
        part.add_return(rules, ret, 0, None);
        let kept: Vec<_> = (0..part.items.len()).collect();
        part.keep(ret, &kept, None);
        part
    }

    fn add_return(
        &mut self,
        rules: &'a Program,
        ret: &'a Return,
        index: usize,
        keep: Option<&'a LoadedFile>,
    ) {
        let needs = &rules.collection;
        let Some(org) = ret.organisation.as_ref() else {
            return;
        };
        let Some(Ok(period)) = ret.period.as_ref().map(|p| Period::find_in(p.as_str())) else {
            return;
        };
        let keys = needs
            .peer_groups
            .iter()
            .map(|&k| {
                let key = rules.return_keys.get(k)?;
                ret.header(key).map(|t| t.as_str().trim())
            })
            .collect();
        let start = self.items.len();
        if needs.past {
            // `previous.rag` needs the bands, and they need the whole
            // return resolved.
            let ctx = ReturnCtx::new(rules, ret);
            for (i, e) in ctx.entries.iter().enumerate() {
                let value = ctx.value(i, None);
                self.items.push((e.entry.id(), number(&value)));
                let typed = match Number::of(&value) {
                    Some(n) => n.typed,
                    None => CompactString::default(),
                };
                self.past.push(PastFields {
                    typed,
                    status: match e.status {
                        Val::Status(r, _) => Some(r),
                        _ => None,
                    },
                    rag: e.rag,
                    subs: e
                        .values
                        .iter()
                        .filter_map(|(s, v)| Number::of(v).map(|n| (s, n)))
                        .collect(),
                    commentary: (needs.past_commentary && !e.texts[3].is_missing())
                        .then(|| Box::from(e.texts[3].text().as_ref())),
                });
            }
        } else {
            // Only the own value: nothing else of the return is resolved.
            let sub = period.sub();
            for entry in &ret.measures {
                let value = crate::eval::entry_value(rules, entry, sub);
                self.items.push((entry.id(), number(&value)));
            }
        }
        self.first_of_each_id(start, needs.past);
        if let Some(loaded) = keep {
            let kept: Vec<usize> = (start..self.items.len()).collect();
            self.keep(ret, &kept, Some(loaded));
        }
        self.returns.push(PartReturn {
            org: org.as_str().trim(),
            period,
            ret: index as u32,
            keys,
            start,
            len: self.items.len() - start,
        });
    }

    /// What a skimmed return gives ([`crate::returns::skim`]): the same
    /// as the return loaded in full would, when the rules do not read
    /// `previous` or `last_year`.
    pub fn of_skim(rules: &RuleSet, ret: &'a Skimmed<'_>) -> Part<'a> {
        let mut part = Part {
            sorted: rules.collection.peer_order,
            ..Part::default()
        };
        for entry in &ret.measures {
            let value = own_value(
                rules,
                entry.id,
                entry.unit.as_deref(),
                entry.value.as_deref(),
            );
            part.items.push((entry.id, value));
        }
        part.first_of_each_id(0, false);
        part.returns.push(PartReturn {
            org: ret.organisation.trim(),
            period: ret.period,
            ret: 0,
            keys: ret
                .keys
                .iter()
                .map(|k| k.as_deref().map(str::trim))
                .collect(),
            start: 0,
            len: part.items.len(),
        });
        part
    }

    /// Only the first entry of each id of the return whose items start at
    /// `start` counts: later ones go.
    fn first_of_each_id(&mut self, start: usize, past: bool) {
        let mut ids: Vec<(&str, usize)> = (start..self.items.len())
            .map(|i| (self.items[i].0, i))
            .collect();
        ids.sort_unstable();
        let mut later: Vec<usize> = ids
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| w[1].1)
            .collect();
        later.sort_unstable_by(|a, b| b.cmp(a));
        for i in later {
            self.items.remove(i);
            if past {
                self.past.remove(i);
            }
        }
    }

    /// Keep the text and place of the own value of `items` of `ret`.
    fn keep(&mut self, ret: &'a Return, items: &[usize], loaded: Option<&'a LoadedFile>) {
        let Some(Ok(period)) = ret.period.as_ref().map(|p| Period::find_in(p.as_str())) else {
            return;
        };
        for &i in items {
            let id = self.items[i].0;
            let Some(text) = ret
                .measures
                .iter()
                .find(|e| e.id() == id)
                .and_then(|e| e.values.get(period.sub()))
            else {
                continue;
            };
            self.kept.push((
                i,
                CompactString::from(text.as_str()),
                loaded.map(|l| l.locate(text.pos)),
            ));
        }
    }
}

/// The own value of a measure `id` whose `unit:` field and value are
/// given as typed: as `crate::eval::entry_value` has it, when a number.
fn own_value(rules: &RuleSet, id: &str, unit: Option<&str>, value: Option<&str>) -> Option<Own> {
    let declared = rules
        .measure_index
        .get(id)
        .and_then(|&d| rules.measures.get(d))
        .and_then(|m| m.unit);
    let unit = declared.or_else(|| unit.and_then(|t| Unit::from_name(trim(t))));
    let value = value?;
    number(&to_val(&parse_value(value), value, unit))
}

/// What file `name` gives the gather, when it can be skimmed
/// ([`crate::returns::skim`]): a YAML file in the fast reader's subset,
/// read for rules that do not read `previous` or `last_year`. `merge` is
/// given the file's part, and `true` returned; `false` when the file must
/// be loaded in full (and `merge` was not called).
pub fn skim_file(rules: &RuleSet, name: &str, bytes: &[u8], merge: impl FnOnce(Part<'_>)) -> bool {
    if rules.collection.past
        || name == "-"
        || Format::of(name) != Format::Yaml
        || bytes.len() > crate::returns::MAX_FILE_BYTES
    {
        return false;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut keys: Vec<&str> = Vec::new();
    for &k in &rules.collection.peer_groups {
        match rules.return_keys.get(k) {
            Some(key) => keys.push(key),
            None => return false,
        }
    }
    match skim::skim(text, &keys) {
        None => false,
        Some(None) => {
            merge(Part::default());
            true
        }
        Some(Some(ret)) => {
            merge(Part::of_skim(rules, &ret));
            true
        }
    }
}

/// A value's amount and unit, when it is a number.
fn number(v: &Val<'_>) -> Option<Own> {
    match v {
        Val::Num(n, u, _) => Some((*n, *u)),
        _ => None,
    }
}

/// A value of a set of peers while the sets are built: which set (`peers`,
/// group 0, or group `g + 1` of `peers by` with the key value), and which
/// item of which file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Value {
    group: u32,
    key: u32,
    measure: u32,
    order: u32,
    item: u32,
}

/// A set of peers, its statistics worked out, from its `values` (numbers
/// all); `scratch` is reused from set to set.
fn peer_set(items: &Items, values: &[Value], sorted: bool, scratch: &mut Scratch) -> PeerSet {
    // The unit of the value of the first file (by order; in a file, of
    // its first return).
    let unit = values
        .iter()
        .min_by_key(|v| (v.order, v.item))
        .and_then(|v| items.number(v.item))
        .and_then(|(_, u)| u);
    // A value of another unit is not comparable: left out. By amount,
    // equal amounts by scale (`30` before `30.0`), so that the
    // statistics, and how they show, do not depend on the order the
    // files finished in.
    let (pairs, amounts) = scratch;
    pairs.clear();
    pairs.extend(values.iter().filter_map(|v| match items.number(v.item) {
        Some((n, u)) if u == unit => Some((n, v.item)),
        _ => None,
    }));
    pairs
        .sort_unstable_by(|(a, i), (b, j)| a.cmp(b).then(a.scale().cmp(&b.scale())).then(i.cmp(j)));
    amounts.clear();
    amounts.extend(pairs.iter().map(|(n, _)| *n));
    PeerSet {
        len: amounts.len() as u32,
        sorted: match sorted {
            true => pairs.iter().map(|(_, i)| *i).collect(),
            false => Box::default(),
        },
        unit,
        median: stats::median(amounts),
        mad: stats::mad(amounts),
        mean: stats::mean(amounts),
    }
}

/// Buffers [`peer_set`] reuses.
type Scratch = (Vec<(Decimal, u32)>, Vec<Decimal>);

/// Builds a [`Collection`] from files and returns merged in any order; the
/// result does not depend on the order they were added in.
#[derive(Debug, Default)]
pub struct Builder {
    c: Collection,
    /// By return, in the order added: whether its values are peers, and
    /// where its `peers by` key values are in `group_keys`, and how many.
    peers: Vec<(bool, u32, u32)>,
    /// Interned key values (`u32::MAX`: none).
    group_keys: Vec<u32>,
    /// Whether sets of peers keep their values sorted.
    sorted: bool,
    /// Each shape's index in [`Collection::shapes`].
    shapes: HashMap<Box<[u32]>, u32>,
}

/// The index of `name` among `names`, added if new.
fn intern(names: &mut HashMap<Box<str>, u32>, name: &str) -> u32 {
    if let Some(&i) = names.get(name) {
        return i;
    }
    let i = names.len() as u32;
    names.insert(name.into(), i);
    i
}

impl Builder {
    /// `--layout`, so that a file read again for a diagnostic is read as it
    /// was.
    pub fn new(layout: Option<usize>) -> Builder {
        let mut b = Builder::default();
        b.c.layout = layout;
        b
    }

    /// Add what file number `order` gives (files are numbered in the order
    /// their returns take precedence: a fact given twice is taken from the
    /// first). `path` is where to read it again (`None`: standard input or
    /// a made-up return, whose part keeps what a diagnostic shows). With
    /// `peers`, its values are peers (a file of the run, not history).
    pub fn add(&mut self, order: u32, path: Option<&Path>, part: Part<'_>, peers: bool) {
        self.sorted |= part.sorted;
        let c = &mut self.c;
        let slot = order as usize;
        if c.sources.len() <= slot {
            c.sources.resize(slot + 1, None);
        }
        c.sources[slot] = Some(match path {
            Some(p) => Source::Path(p.into()),
            None => Source::Kept,
        });
        // Interned measures of the part's items, in its order.
        let mut measures = Vec::with_capacity(part.items.len());
        for (id, _) in &part.items {
            let m = match c.measures.get(*id) {
                Some(&m) => m,
                None => {
                    let m = c.measure_names.len() as u32;
                    c.measures.insert((*id).into(), m);
                    c.measure_names.push((*id).into());
                    m
                }
            };
            measures.push(m);
        }
        let mut at = vec![u32::MAX; part.items.len()];
        let mut shape: Vec<u32> = Vec::new();
        for r in &part.returns {
            let org = intern(&mut c.orgs, r.org);
            self.peers
                .push((peers, self.group_keys.len() as u32, r.keys.len() as u32));
            for k in &r.keys {
                let key = k.map_or(u32::MAX, |k| intern(&mut c.keys, k));
                self.group_keys.push(key);
            }
            // Sorted by interned measure, for lookups; a return's items
            // fit in one page (a return of more measures than that keeps
            // the first).
            let mut mine: Vec<(u32, usize)> = (r.start..r.start + r.len)
                .map(|i| (measures[i], i))
                .collect();
            mine.sort_unstable();
            mine.truncate(Items::PAGE);
            let start = c.items.start_run(mine.len());
            shape.clear();
            for (k, &(m, i)) in mine.iter().enumerate() {
                at[i] = start + k as u32;
                c.items.push(part.items[i].1);
                shape.push(m);
            }
            let shape = match self.shapes.get(shape.as_slice()) {
                Some(&s) => s,
                None => {
                    let s = c.shapes.len() as u32;
                    c.shapes.push(shape.as_slice().into());
                    self.shapes.insert(shape.as_slice().into(), s);
                    s
                }
            };
            c.heads.push(Head {
                org,
                period: r.period,
                order,
                ret: r.ret,
                start,
                shape,
            });
        }
        for (i, p) in part.past.into_iter().enumerate() {
            if let Some(&item) = at.get(i).filter(|&&a| a != u32::MAX) {
                c.past.insert(item, p);
            }
        }
        for (i, typed, place) in part.kept {
            if let Some(&item) = at.get(i).filter(|&&a| a != u32::MAX) {
                c.kept.insert(item, (typed, place.map(Box::new)));
            }
        }
    }

    pub fn finish(self) -> Collection {
        let Builder {
            mut c,
            peers,
            group_keys,
            sorted,
            shapes,
        } = self;
        drop(shapes);
        c.shapes.shrink_to_fit();
        c.items.shrink();
        // The sets of peers, a period at a time, from buffers reused from
        // period to period: no list is built for a set that keeps none.
        let mut heads: Vec<u32> = (0..c.heads.len() as u32)
            .filter(|&h| peers.get(h as usize).is_some_and(|p| p.0))
            .collect();
        heads.sort_unstable_by_key(|&h| c.heads[h as usize].period);
        let mut values: Vec<Value> = Vec::new();
        let mut scratch = Scratch::default();
        for run in heads.chunk_by(|&a, &b| c.heads[a as usize].period == c.heads[b as usize].period)
        {
            let period = c.heads[run[0] as usize].period;
            values.clear();
            for &h in run {
                let head = &c.heads[h as usize];
                let (_, keys, n) = peers[h as usize];
                for (k, &m) in c.shape(head).iter().enumerate() {
                    let item = head.start + k as u32;
                    // Only numbers are peers.
                    if c.items.get(item).and_then(super::Item::unit).is_none() {
                        continue;
                    }
                    values.push(Value {
                        group: 0,
                        key: 0,
                        measure: m,
                        order: head.order,
                        item,
                    });
                    for g in 0..n {
                        let key = group_keys.get((keys + g) as usize).copied();
                        if let Some(key) = key.filter(|&k| k != u32::MAX) {
                            values.push(Value {
                                group: g + 1,
                                key,
                                measure: m,
                                order: head.order,
                                item,
                            });
                        }
                    }
                }
            }
            values.sort_unstable();
            for set in
                values.chunk_by(|a, b| (a.group, a.key, a.measure) == (b.group, b.key, b.measure))
            {
                let v = set[0];
                let peer_set = peer_set(&c.items, set, sorted, &mut scratch);
                if v.group == 0 {
                    c.peers.insert((v.measure, period), peer_set);
                } else {
                    c.groups
                        .insert((v.measure, period, v.group - 1, v.key), peer_set);
                }
            }
        }
        drop(values);
        drop(heads);
        drop(peers);
        drop(group_keys);
        c.heads
            .sort_unstable_by_key(|h| (h.org, h.period, h.order, h.ret));
        c.heads.shrink_to_fit();
        c
    }
}
