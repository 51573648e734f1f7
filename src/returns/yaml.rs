//! YAML and JSON returns, read straight from an event stream: the fast
//! reader's ([`super::fast_yaml`]) for the plain YAML most returns are
//! written in, granit-parser's for everything else. Both give the same
//! events (`Events`), and one reader builds the model from either.
//!
//! Going through serde would type every scalar (`NO` → false, `0o12` → 10)
//! and lose positions, so this loader walks the events itself: the shape of
//! a return is fixed and shallow (top → `return`/`measures` → measure →
//! `values`), so each level is one small function and everything else is
//! skipped iteratively. It is also the speed-critical path: the parser alone
//! reads ~60 MB/s, and this layer adds little more than one allocation per
//! scalar kept.
//!
//! What is kept, and where it points ([`Pos::Bytes`]):
//!
//! - a plain scalar: exactly the characters typed (`945` → `945`);
//! - a quoted scalar: the characters between the quotes (the quotes are not
//!   part of the value); its text is the unescaped value, so for `"a\"b"`
//!   the text is shorter than the range;
//! - a block scalar (`|`, `>`): its content lines, without the indicator and
//!   without trailing blank lines; the text is the folded value, trailing
//!   line break included, as YAML defines it;
//! - an empty value (`q2:`): text `""`, an empty range just after the key;
//!   `~` and `null` stay as typed, for the value parser to judge.
//!
//! JSON is read by the same path (YAML 1.2 is a superset of JSON): `94`
//! stays `"94"` and `"63%"` is `"63%"`. A `.json` file that uses YAML
//! syntax is accepted too.
//!
//! Decisions where the specification is silent:
//!
//! - each YAML document (`---`) of a file is one return; empty documents are
//!   skipped;
//! - a syntax error drops the document it is in (its partial return would
//!   mislead), with the other findings in it: the syntax error alone is
//!   reported for it; later documents are still read;
//! - keys other than `return` and `measures` at the top are ignored, except
//!   that a near miss (`measure:`) is named when a section is missing;
//! - keys of `values` are `q1`..`q4` (or `Q1`..`Q4`); any other key is an
//!   error;
//! - a measure whose body is not a mapping is reported and kept with its id
//!   only, so that it is not reported missing as well.

use std::borrow::Cow;
use std::collections::HashMap;

use granit_parser::{ErrorKind, Event, Options, Parser, ScalarStyle, ScanError, Span, StrInput};

use super::{
    Entry, KnownField, Pos, Problems, Return, Text, bad_measure_id, invalid, is_measure_id,
};
use crate::diagnostic::Diagnostic;
use crate::period::{Frequency, SubPeriod};

/// Mappings with more keys than this are indexed for duplicate detection;
/// smaller ones (nearly all) are scanned.
const INDEXED_KEYS: usize = 16;

/// The deepest nesting of collections accepted. A return needs four levels;
/// the bound keeps a hostile file (`[[[[…`) from costing memory or time.
pub const MAX_DEPTH: usize = 32;

/// Which syntax the user meant, for messages only: both are parsed alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    Yaml,
    Json,
}

impl Flavour {
    fn name(self) -> &'static str {
        match self {
            Flavour::Yaml => "YAML",
            Flavour::Json => "JSON",
        }
    }
}

/// Read every return of a YAML or JSON text: YAML through the fast reader
/// ([`super::fast_yaml`]) when the file keeps to its subset, everything
/// else (and every JSON file) through granit-parser.
pub fn load(text: &str, flavour: Flavour) -> (Vec<Return>, Vec<Diagnostic>) {
    if flavour == Flavour::Yaml
        && let Some(read) = load_fast(text)
    {
        return read;
    }
    load_granit(text, flavour)
}

/// Read a text through granit-parser alone: the reference the fast reader
/// is held to (differential tests, the fuzz target).
pub fn load_granit(text: &str, flavour: Flavour) -> (Vec<Return>, Vec<Diagnostic>) {
    let mut reader = Reader::new(flavour, Granit::new(text, flavour), text.len());
    match reader.run() {
        Ok(()) => (reader.returns, reader.findings.into_vec()),
        // Only the fast reader falls back.
        Err(Fallback) => (Vec::new(), Vec::new()),
    }
}

/// Read a YAML text through the fast reader alone: `None` when the text
/// leaves its subset somewhere, and must be read by granit-parser.
pub fn load_fast(text: &str) -> Option<(Vec<Return>, Vec<Diagnostic>)> {
    let mut reader = Reader::new(Flavour::Yaml, super::fast_yaml::Fast::new(text), text.len());
    reader.run().ok()?;
    Some((reader.returns, reader.findings.into_vec()))
}

/// One event reduced to what a return's shape needs.
#[derive(Debug, PartialEq)]
pub(super) enum Ev<'a> {
    Scalar(Cow<'a, str>, Pos),
    MapStart(Pos),
    SeqStart(Pos),
    /// The end of a mapping or a sequence (the parser keeps them balanced):
    /// the closing bracket of a flow collection, empty for a block one.
    End(Pos),
    DocStart,
    DocEnd,
    StreamEnd,
}

/// Why reading stopped before the end of a document.
pub(super) enum Stop {
    /// The document cannot be read (bad syntax): report, drop the document,
    /// go on with the next one.
    Document(Box<Diagnostic>),
    /// The whole file is refused (anchors, aliases, tags).
    File(Box<Diagnostic>),
    /// The fast reader met something outside its subset: the file is read
    /// again by granit-parser, from the start.
    Fallback,
}

pub(super) type Step<T> = Result<T, Stop>;

/// The fast reader gave up: read the file with granit-parser.
pub(super) struct Fallback;

/// Where the reader's events come from: granit-parser ([`Granit`]) or the
/// fast reader ([`super::fast_yaml::Fast`]). Both give the same events for
/// the same text, so one reader builds the model from either.
pub(super) trait Events<'a> {
    /// The next event.
    fn next(&mut self) -> Step<Ev<'a>>;
    /// After a syntax error, skip to the next document: `Some(false)` at
    /// the end of the stream, `None` to fall back to granit-parser.
    fn next_document(&mut self) -> Option<bool>;
}

struct Reader<'a, E> {
    flavour: Flavour,
    events: E,
    returns: Vec<Return>,
    findings: Problems,
    /// Keys seen in the mappings being read, innermost last, for duplicate
    /// detection without a map per mapping: each mapping owns the tail from
    /// its start.
    keys: Vec<(Cow<'a, str>, Pos)>,
    /// For each mapping (by its base in `keys`) with more than
    /// [`INDEXED_KEYS`] keys, an index of them, so that a mapping of a
    /// million keys is not a quadratic scan.
    indexes: Vec<(usize, HashMap<Cow<'a, str>, Pos>)>,
    /// Documents seen so far.
    documents: usize,
    /// The length of the text, in bytes.
    text_len: usize,
}

impl<'a, E: Events<'a>> Reader<'a, E> {
    fn new(flavour: Flavour, events: E, text_len: usize) -> Reader<'a, E> {
        Reader {
            text_len,
            flavour,
            events,
            returns: Vec::new(),
            findings: Problems::default(),
            keys: Vec::new(),
            indexes: Vec::new(),
            documents: 0,
        }
    }

    fn run(&mut self) -> Result<(), Fallback> {
        loop {
            self.keys.clear();
            self.indexes.clear();
            let mark = self.findings.len();
            match self.document() {
                Ok(true) => {}
                Ok(false) => break,
                Err(Stop::Document(finding)) => {
                    // The document is dropped, and with it what was found
                    // in it before the error: its syntax comes first.
                    self.findings.truncate(mark);
                    self.findings.push(*finding);
                    match self.events.next_document() {
                        Some(true) => {}
                        Some(false) => break,
                        None => return Err(Fallback),
                    }
                }
                Err(Stop::File(finding)) => {
                    self.returns.clear();
                    self.findings.clear();
                    self.findings.push(*finding);
                    return Ok(());
                }
                Err(Stop::Fallback) => return Err(Fallback),
            }
        }
        if self.returns.is_empty() && self.findings.is_empty() {
            self.findings.push(
                invalid("this file holds no return", Pos::File)
                    .help("a return is a mapping with a `return:` header and `measures:`"),
            );
        }
        Ok(())
    }

    /// Read one document; `false` at the end of the stream.
    fn document(&mut self) -> Step<bool> {
        match self.next()? {
            Ev::StreamEnd => return Ok(false),
            Ev::DocStart => {}
            _ => return Err(self.malformed()),
        }
        self.documents += 1;
        match self.next()? {
            Ev::MapStart(pos) => {
                if let Some(ret) = self.top(pos)? {
                    self.returns.push(ret);
                }
            }
            // An empty document (`---` alone, or comments only).
            Ev::Scalar(value, _) if value.is_empty() => {}
            Ev::Scalar(_, pos) => self.not_a_return(pos),
            Ev::SeqStart(start) => {
                let pos = self.skip_collection_from(start)?;
                self.not_a_return(pos);
            }
            _ => return Err(self.malformed()),
        }
        match self.next()? {
            Ev::DocEnd => Ok(true),
            _ => Err(self.malformed()),
        }
    }

    fn not_a_return(&mut self, pos: Pos) {
        self.findings.push(
            invalid("this is not a return", pos)
                .label("expected a mapping")
                .help("a return is a mapping with a `return:` header and `measures:`"),
        );
    }

    /// The top mapping of a document: `return:` and `measures:`.
    fn top(&mut self, start: Pos) -> Step<Option<Return>> {
        let base = self.keys.len();
        let mut ret = Return::default();
        let mut return_key = None;
        let mut measures_key = None;
        let mut first_key = None;
        let mut others: Vec<(Cow<'a, str>, Pos)> = Vec::new();
        while let Some((key, pos)) = self.key()? {
            first_key.get_or_insert(pos);
            if self.duplicate(base, &key, pos, || "at the top of the return".into()) {
                self.skip_value()?;
                continue;
            }
            match key.as_ref() {
                "return" => {
                    return_key = Some(pos);
                    ret.pos = pos;
                    self.header(&mut ret)?;
                }
                "measures" => {
                    measures_key = Some(pos);
                    self.measures(&mut ret)?;
                }
                _ => {
                    others.push((key.clone(), pos));
                    self.skip_value()?;
                }
            }
            self.remember(base, key, pos);
        }
        self.forget(base);
        // Where a missing section is reported: the file for the first
        // document, the document's first key for later ones.
        let place = if self.documents <= 1 {
            Pos::File
        } else {
            first_key.unwrap_or(start)
        };
        let mut complete = true;
        for (section, found) in [("return", return_key), ("measures", measures_key)] {
            if found.is_none() {
                complete = false;
                self.missing_section(section, &others, place);
            }
        }
        Ok(complete.then_some(ret))
    }

    fn missing_section(&mut self, section: &str, others: &[(Cow<'a, str>, Pos)], place: Pos) {
        let near = others
            .iter()
            // Lengths first: a long key is never a near miss, and costs a
            // quadratic table to compare.
            .filter(|(key, _)| key.len().abs_diff(section.len()) <= 2)
            .find(|(key, _)| strsim::damerau_levenshtein(key, section) <= 2);
        let finding = match near {
            Some((key, pos)) => invalid(format!("this return has no `{section}` section"), *pos)
                .label(format!("did you mean `{section}`?"))
                .help(format!("rename `{key}` to `{section}`")),
            None => invalid(format!("this return has no `{section}` section"), place).help(
                match section {
                    "return" => {
                        "start the return with a `return:` header giving organisation and period"
                    }
                    _ => "list the measures under `measures:`, each by its id",
                },
            ),
        };
        self.findings.push(finding);
    }

    /// The `return:` header.
    fn header(&mut self, ret: &mut Return) -> Step<()> {
        match self.next()? {
            Ev::MapStart(_) => {}
            Ev::Scalar(value, _) if value.is_empty() => return Ok(()),
            other => {
                return self.wrong_shape(
                    other,
                    "`return` should be a mapping of header fields (organisation, period, …)",
                );
            }
        }
        let base = self.keys.len();
        while let Some((key, pos)) = self.key()? {
            if self.duplicate(base, &key, pos, || "in the return header".into()) {
                self.skip_value()?;
                continue;
            }
            let value = self.scalar(&key)?;
            if let Some(value) = value {
                match key.as_ref() {
                    "organisation" => ret.organisation = Some(value),
                    "period" => ret.period = Some(value),
                    _ => ret.header.push((Text::new(key.as_ref(), pos), value)),
                }
            }
            self.remember(base, key, pos);
        }
        self.forget(base);
        Ok(())
    }

    /// `measures:`: measure id → fields. Repeated ids are all kept, for the
    /// `duplicate_measure` check to report.
    fn measures(&mut self, ret: &mut Return) -> Step<()> {
        match self.next()? {
            Ev::MapStart(start) => ret.measures.reserve(self.measures_guess(start)),
            Ev::Scalar(value, _) if value.is_empty() => return Ok(()),
            other => {
                return self.wrong_shape(
                    other,
                    "`measures` should be a mapping from measure id to its fields",
                );
            }
        }
        while let Some((id, pos)) = self.key()? {
            if !is_measure_id(&id) {
                self.findings.push(bad_measure_id(&id, pos));
                self.skip_value()?;
                continue;
            }
            // Built where it is kept: an entry is some 500 bytes.
            ret.measures.push(Entry {
                id: Some(Text::new(id.as_ref(), pos)),
                ..Entry::default()
            });
            if let Some(entry) = ret.measures.last_mut() {
                self.measure(entry, &id)?;
            }
        }
        // A guess far too large (a file of many small documents) is not
        // kept.
        if ret.measures.len() * 2 < ret.measures.capacity() {
            ret.measures.shrink_to_fit();
        }
        Ok(())
    }

    /// How many measures to make room for, from the bytes left after the
    /// start of `measures` (a measure of a return takes a few hundred):
    /// growing the list a measure at a time would copy it again and again.
    fn measures_guess(&self, start: Pos) -> usize {
        const BYTES_PER_MEASURE: usize = 256;
        const MOST: usize = 1024;
        match start {
            Pos::Bytes { start, .. } => {
                (self.text_len.saturating_sub(start as usize) / BYTES_PER_MEASURE + 1).min(MOST)
            }
            _ => 0,
        }
    }

    /// One measure's fields.
    fn measure(&mut self, entry: &mut Entry, id: &str) -> Step<()> {
        match self.next()? {
            Ev::MapStart(_) => {}
            Ev::Scalar(value, _) if value.is_empty() => return Ok(()),
            other => {
                let message = format!(
                    "measure `{id}` should be a mapping of its fields (title, status, values, …)"
                );
                return self.wrong_shape(other, &message);
            }
        }
        // The other fields' keys are kept in `keys` for repeats; the known
        // fields and `values` (the last slot), nearly every key, in a table.
        const VALUES: usize = KnownField::ALL.len();
        let mut first: [Option<Pos>; VALUES + 1] = [None; VALUES + 1];
        let base = self.keys.len();
        while let Some((key, pos)) = self.key()? {
            let slot = match key.as_ref() {
                "values" => Some(VALUES),
                name => KnownField::from_name(name).map(|field| field as usize),
            };
            let seen = match slot {
                Some(slot) => first.get(slot).copied().flatten(),
                None => self.first_given(base, &key),
            };
            if let Some(seen) = seen {
                let place = format!("in measure `{id}`");
                self.findings.push(duplicate_key(&key, pos, seen, &place));
                self.skip_value()?;
                continue;
            }
            match slot {
                Some(VALUES) => self.values(entry, id)?,
                Some(slot) => {
                    if let Some(value) = self.scalar(&key)?
                        && let Some(known) = entry.known.get_mut(slot)
                    {
                        *known = Some(value);
                    }
                }
                None => {
                    if let Some(value) = self.scalar(&key)? {
                        entry.extra.push((Text::new(key.as_ref(), pos), value));
                    }
                }
            }
            match slot.and_then(|slot| first.get_mut(slot)) {
                Some(at) => *at = Some(pos),
                None => self.remember(base, key, pos),
            }
        }
        self.forget(base);
        Ok(())
    }

    /// `values: {q1: …, q4: …}`.
    fn values(&mut self, entry: &mut Entry, id: &str) -> Step<()> {
        match self.next()? {
            Ev::MapStart(_) => {}
            Ev::Scalar(value, _) if value.is_empty() => return Ok(()),
            other => {
                return self.wrong_shape(
                    other,
                    "`values` should be a mapping of quarters, such as `{q1: 63%, q2: 94%}`",
                );
            }
        }
        // Where each sub-period was first given: quarters, months, year.
        let mut first: [Option<Pos>; 17] = [None; 17];
        while let Some((key, pos)) = self.key()? {
            let Some(sub) = SubPeriod::parse_key(&key) else {
                self.findings.push(
                    invalid(
                        format!("`{key}` is not a quarter, month or year; the value is ignored"),
                        pos,
                    )
                    .label("expected q1..q4, m1..m12 or year")
                    .measure(id)
                    .help("give quarterly values as `q1`, `q2`, `q3` and `q4` (monthly: `m1`..`m12`; annual: `year`)"),
                );
                self.skip_value()?;
                continue;
            };
            let seen = match sub.frequency {
                Frequency::Annual => 0,
                Frequency::Quarterly => 1 + sub.slot(),
                Frequency::Monthly => 5 + sub.slot(),
            };
            if let Some(first_pos) = first[seen] {
                self.findings.push(
                    duplicate_key(&key, pos, first_pos, &format!("in the values of `{id}`"))
                        .measure(id),
                );
                self.skip_value()?;
                continue;
            }
            first[seen] = Some(pos);
            let value = self.scalar(&key)?;
            entry.values.set(sub, value);
        }
        Ok(())
    }

    /// The next key of a mapping, or `None` at its end. A key that is a
    /// collection is reported and skipped with its value.
    #[inline]
    fn key(&mut self) -> Step<Option<(Cow<'a, str>, Pos)>> {
        match self.next()? {
            Ev::End(_) => Ok(None),
            Ev::Scalar(key, pos) => Ok(Some((key, pos))),
            other => self.odd_key(other),
        }
    }

    /// [`Reader::key`] when the next event is not a plain key: `event`.
    #[inline(never)]
    fn odd_key(&mut self, mut event: Ev<'a>) -> Step<Option<(Cow<'a, str>, Pos)>> {
        loop {
            match event {
                Ev::End(_) => return Ok(None),
                Ev::Scalar(key, pos) => return Ok(Some((key, pos))),
                Ev::MapStart(start) | Ev::SeqStart(start) => {
                    let pos = self.skip_collection_from(start)?;
                    self.findings.push(
                        invalid("a key must be plain text", pos)
                            .label("not a plain key")
                            .help("write keys as `name: value`"),
                    );
                    self.skip_value()?;
                }
                _ => return Err(self.malformed()),
            }
            event = self.next()?;
        }
    }

    /// A value that must be a scalar; a collection is reported and skipped.
    #[inline]
    fn scalar(&mut self, key: &str) -> Step<Option<Text>> {
        match self.next()? {
            Ev::Scalar(value, pos) => Ok(Some(Text::new(value, pos))),
            other => self.not_scalar(other, key),
        }
    }

    /// [`Reader::scalar`] when the value is not one: report and skip it.
    #[inline(never)]
    fn not_scalar(&mut self, node: Ev<'a>, key: &str) -> Step<Option<Text>> {
        match node {
            Ev::Scalar(value, pos) => Ok(Some(Text::new(value, pos))),
            other => {
                let message = format!("`{key}` should be text, not a nested list or mapping");
                self.wrong_shape(other, &message)?;
                Ok(None)
            }
        }
    }

    /// Report a node of the wrong shape (`message` says what was expected)
    /// and skip it.
    fn wrong_shape(&mut self, node: Ev<'a>, message: &str) -> Step<()> {
        let (pos, label) = match node {
            Ev::Scalar(_, pos) => (pos, "found text"),
            Ev::MapStart(start) => (self.skip_collection_from(start)?, "found a mapping"),
            Ev::SeqStart(start) => (self.skip_collection_from(start)?, "found a list"),
            _ => return Err(self.malformed()),
        };
        self.findings.push(invalid(message, pos).label(label));
        Ok(())
    }

    /// Is `key` already a key of the mapping whose keys start at `base`? If
    /// so, report it (the first is kept).
    fn duplicate(
        &mut self,
        base: usize,
        key: &str,
        pos: Pos,
        place: impl FnOnce() -> String,
    ) -> bool {
        match self.first_given(base, key) {
            Some(first) => {
                self.findings.push(duplicate_key(key, pos, first, &place()));
                true
            }
            None => false,
        }
    }

    /// Where `key` was first given in the mapping whose keys start at
    /// `base`, if it was.
    fn first_given(&self, base: usize, key: &str) -> Option<Pos> {
        match self.indexes.last() {
            Some((at, index)) if *at == base => index.get(key).copied(),
            _ => self
                .keys
                .get(base..)
                .unwrap_or_default()
                .iter()
                .find(|(seen, _)| seen == key)
                .map(|(_, pos)| *pos),
        }
    }

    /// Note a key of the mapping whose keys start at `base`.
    fn remember(&mut self, base: usize, key: Cow<'a, str>, pos: Pos) {
        match self.indexes.last_mut() {
            Some((at, index)) if *at == base => {
                index.entry(key.clone()).or_insert(pos);
            }
            _ => {
                if self.keys.len() - base >= INDEXED_KEYS {
                    let mut index: HashMap<Cow<'a, str>, Pos> = HashMap::new();
                    for (seen, at) in self.keys.get(base..).unwrap_or_default() {
                        index.entry(seen.clone()).or_insert(*at);
                    }
                    index.entry(key.clone()).or_insert(pos);
                    self.indexes.push((base, index));
                }
            }
        }
        self.keys.push((key, pos));
    }

    /// The mapping whose keys start at `base` has ended.
    fn forget(&mut self, base: usize) {
        self.keys.truncate(base);
        if matches!(self.indexes.last(), Some((at, _)) if *at == base) {
            self.indexes.pop();
        }
    }

    /// Skip one node, whatever it is.
    fn skip_value(&mut self) -> Step<()> {
        match self.next()? {
            Ev::Scalar(..) => Ok(()),
            Ev::MapStart(_) | Ev::SeqStart(_) => self.skip_collection().map(drop),
            _ => Err(self.malformed()),
        }
    }

    /// Skip the rest of a collection that starts at `start`; the place of
    /// the whole collection.
    fn skip_collection_from(&mut self, start: Pos) -> Step<Pos> {
        let end = self.skip_collection()?;
        Ok(match start {
            Pos::Bytes { start, .. } => Pos::bytes(start as usize, end.max(start as usize)),
            other => other,
        })
    }

    /// Skip the rest of a collection whose start was just read; the byte
    /// offset where its last content ends.
    fn skip_collection(&mut self) -> Step<usize> {
        let mut depth = 1usize;
        let mut last = 0;
        let end_of = |pos: Pos| match pos {
            Pos::Bytes { end, .. } => end as usize,
            _ => 0,
        };
        while depth > 0 {
            match self.next()? {
                Ev::Scalar(_, pos) => last = last.max(end_of(pos)),
                Ev::MapStart(_) | Ev::SeqStart(_) => depth += 1,
                Ev::End(pos) => {
                    depth -= 1;
                    if let Pos::Bytes { start, end } = pos
                        && end > start
                    {
                        last = last.max(end as usize);
                    }
                }
                _ => return Err(self.malformed()),
            }
        }
        Ok(last)
    }

    fn next(&mut self) -> Step<Ev<'a>> {
        self.events.next()
    }

    /// A parser error in the event stream itself (unbalanced events): never
    /// expected, reported rather than trusted.
    fn malformed(&self) -> Stop {
        Stop::Document(Box::new(invalid(
            format!(
                "this file could not be read as {}: unexpected structure",
                self.flavour.name()
            ),
            Pos::File,
        )))
    }
}

/// granit-parser's events, with anchors, aliases and tags refused and
/// syntax errors turned into findings.
struct Granit<'a> {
    text: &'a str,
    flavour: Flavour,
    parser: Parser<'a, StrInput<'a>>,
}

impl<'a> Events<'a> for Granit<'a> {
    fn next(&mut self) -> Step<Ev<'a>> {
        self.event()
    }

    fn next_document(&mut self) -> Option<bool> {
        Some(matches!(self.parser.proceed_next_document(), Ok(true)))
    }
}

impl<'a> Granit<'a> {
    fn new(text: &'a str, flavour: Flavour) -> Granit<'a> {
        let mut options = Options::default();
        options.flow_nesting_limit = MAX_DEPTH;
        options.block_nesting_limit = MAX_DEPTH;
        options.emit_anchor_events = true;
        options.emit_unresolved_aliases = true;
        options.set_emit_comments(false);
        Granit {
            text,
            flavour,
            parser: Parser::new_from_str_with_options(text, options),
        }
    }

    /// The next event, with anchors, aliases and tags refused and syntax
    /// errors turned into findings.
    fn event(&mut self) -> Step<Ev<'a>> {
        loop {
            let (event, span) = match self.parser.next() {
                None => return Ok(Ev::StreamEnd),
                Some(Ok(item)) => item,
                Some(Err(error)) => return Err(Stop::Document(Box::new(self.syntax(&error)))),
            };
            return Ok(match event {
                Event::Scalar(value, style, anchor, tag) => {
                    self.check_properties(anchor, tag.is_some(), &span)?;
                    let (start, end) = self.range(&span);
                    if style == ScalarStyle::Plain && start == end {
                        // An empty value: the parser reports it as `~`.
                        Ev::Scalar(Cow::Borrowed(""), Pos::bytes(start, start))
                    } else {
                        Ev::Scalar(value, self.scalar_pos(style, start, end))
                    }
                }
                Event::MappingStart(_, anchor, tag) => {
                    self.check_properties(anchor, tag.is_some(), &span)?;
                    Ev::MapStart(self.node_pos(&span))
                }
                Event::SequenceStart(_, anchor, tag) => {
                    self.check_properties(anchor, tag.is_some(), &span)?;
                    Ev::SeqStart(self.node_pos(&span))
                }
                Event::MappingEnd | Event::SequenceEnd => Ev::End(self.node_pos(&span)),
                Event::DocumentStart(..) => Ev::DocStart,
                Event::DocumentEnd => Ev::DocEnd,
                Event::StreamEnd => Ev::StreamEnd,
                Event::Alias(_) | Event::UnresolvedAlias(_) => {
                    return Err(Stop::File(Box::new(self.refuse_alias(&span))));
                }
                Event::Anchor(..) => return Err(Stop::File(Box::new(self.refuse_anchor(&span)))),
                // Stream start, comments (never emitted here), and any event
                // a later parser version adds.
                _ => continue,
            });
        }
    }

    /// Refuse anchors and tags on a node.
    fn check_properties(&mut self, anchor: usize, tagged: bool, span: &Span) -> Step<()> {
        if anchor != 0 {
            // The anchor event follows its node and spans `&name`.
            let at = match self.parser.peek() {
                Some(Ok((Event::Anchor(..), anchor_span))) => *anchor_span,
                _ => *span,
            };
            return Err(Stop::File(Box::new(self.refuse_anchor(&at))));
        }
        if tagged {
            let at = span.tag_span().unwrap_or(*span);
            let (start, end) = self.range(&at);
            let tag = self.text.get(start..end).unwrap_or("a tag");
            return Err(Stop::File(Box::new(
                invalid(
                    format!("tags (`{tag}`) have no place in a return; this file is not read"),
                    Pos::bytes(start, end),
                )
                .label("tag")
                .help("remove the tag: every field is read as the text typed, so no tag is needed"),
            )));
        }
        Ok(())
    }

    fn refuse_anchor(&self, span: &Span) -> Diagnostic {
        self.refuse_reference(span, "anchor")
    }

    fn refuse_alias(&self, span: &Span) -> Diagnostic {
        self.refuse_reference(span, "alias")
    }

    /// An anchor or alias refuses the file.
    fn refuse_reference(&self, span: &Span, what: &str) -> Diagnostic {
        let (start, end) = self.range(span);
        invalid(
            "anchors and aliases have no place in a return; this file is not read",
            Pos::bytes(start, end),
        )
        .label(what)
        .help("write each value out in full where it belongs, so the return reads as it is checked")
    }

    /// A syntax error as a finding at its marker.
    fn syntax(&self, error: &ScanError) -> Diagnostic {
        let at = error
            .marker()
            .byte_offset()
            .unwrap_or(0)
            .min(self.text.len());
        let end = self
            .text
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .filter(|c| *c != '\n' && *c != '\r')
            .map_or(at, |c| at + c.len_utf8());
        let pos = Pos::bytes(at, end);
        if let ErrorKind::RecursionLimitExceeded = error.kind() {
            return invalid(
                format!("this file nests deeper than {MAX_DEPTH} levels; it is not read"),
                pos,
            )
            .label("too deep")
            .help("a return nests four levels deep: return or measures, a measure, its values");
        }
        let mut message = error.info();
        if message.is_empty() {
            message = "syntax error".into();
        }
        invalid(
            format!("this file is not valid {}: {message}", self.flavour.name()),
            pos,
        )
        .label(message)
    }

    /// The byte range of a span.
    fn range(&self, span: &Span) -> (usize, usize) {
        let start = span.start.byte_offset().unwrap_or(0).min(self.text.len());
        let end = span.end.byte_offset().unwrap_or(start).min(self.text.len());
        (start, end.max(start))
    }

    fn node_pos(&self, span: &Span) -> Pos {
        let (start, end) = self.range(span);
        Pos::bytes(start, end)
    }

    /// Where a scalar's text is: see the module docs.
    fn scalar_pos(&self, style: ScalarStyle, start: usize, end: usize) -> Pos {
        let bytes = self.text.as_bytes();
        match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
                if end >= start + 2
                    && matches!(bytes.get(start), Some(b'"' | b'\''))
                    && bytes.get(end - 1) == bytes.get(start) =>
            {
                Pos::bytes(start + 1, end - 1)
            }
            ScalarStyle::Literal | ScalarStyle::Folded => {
                let raw = self.text.get(start..end).unwrap_or("");
                let lead = raw.len() - raw.trim_start().len();
                let content = raw.trim();
                if content.is_empty() {
                    Pos::bytes(start, start)
                } else {
                    Pos::bytes(start + lead, start + lead + content.len())
                }
            }
            _ => Pos::bytes(start, end),
        }
    }
}

fn duplicate_key(key: &str, pos: Pos, first: Pos, place: &str) -> Diagnostic {
    invalid(
        format!("`{key}` is given twice {place}; the first is kept"),
        pos,
    )
    .label("given again here")
    .related_pos(first, "first given here")
    .help(format!("remove one of the two `{key}`"))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, describe, load_text, messages};
    use super::super::{KnownField, LoadedFile};

    const SPEC: &str = "\
return:
  organisation: Leeds City Council          # required
  directorate: Customer Access and Performance
  period: 2011/12 Q4                        # required
measures:
  appraisals:
    title: Every year 100% of staff have an appraisal
    section: Contribution to Cross Council Priorities
    officer: Jane Smith
    status: Amber
    commentary: >
      As of 31st March 2012 full appraisals for the year were recorded at 94%
      and the rest are followed up.
    values: {q1: 63%, q2: 94%, q3: 99%, q4: 945}
  sickness:
    unit: days
    target: \"8.5 days\"
    values:
      q1: '2.1 days'
      q2:
      q3: ~
      q4: To be reported in Quarter 4
    data_quality: checked
";

    fn yaml(text: &str) -> LoadedFile {
        load_text("r.yaml", text)
    }

    #[test]
    fn reads_the_spec_example() {
        let file = yaml(SPEC);
        assert!(file.problems.is_empty(), "{:?}", messages(&file));
        insta::assert_snapshot!(describe(&file));
    }

    #[test]
    fn values_point_at_what_was_typed() {
        let file = yaml(SPEC);
        let ret = &file.returns[0];
        assert_eq!(at(&file, ret.pos), "1:1-1:7");
        let appraisals = &ret.measures[0];
        let q4 = appraisals
            .values
            .get(crate::returns::tests::q(4))
            .map(|t| (t.as_str(), at(&file, t.pos)));
        assert_eq!(q4, Some(("945", "14:45-14:48".to_string())));
        let sickness = &ret.measures[1];
        // Quoted: the range is between the quotes.
        let target = sickness
            .known(KnownField::Target)
            .map(|t| (t.as_str(), at(&file, t.pos)));
        assert_eq!(target, Some(("8.5 days", "17:14-17:22".to_string())));
        // Empty: text "", an empty range after the key.
        let q2 = sickness
            .values
            .get(crate::returns::tests::q(2))
            .map(|t| (t.as_str(), at(&file, t.pos)));
        assert_eq!(q2, Some(("", "20:9-20:9".to_string())));
        // Folded: the folded text, the range of its content lines.
        let commentary = appraisals
            .known(KnownField::Commentary)
            .map(|t| (t.as_str(), at(&file, t.pos)));
        assert_eq!(
            commentary,
            Some((
                "As of 31st March 2012 full appraisals for the year were recorded at 94% and the rest are followed up.\n",
                "12:7-13:36".to_string()
            ))
        );
    }

    #[test]
    fn typed_text_is_kept() {
        let file = yaml(
            "return: {organisation: NO, period: 2011/12 Q4}\n\
             measures:\n  m:\n    status: NO\n    target: 0o12\n    unit: null\n    title: true\n    \
             values: {q1: 945, q2: 1_000, q3: ~, q4: 1e3}\n",
        );
        assert!(file.problems.is_empty(), "{:?}", messages(&file));
        let ret = &file.returns[0];
        assert_eq!(ret.organisation.as_ref().map(|t| t.as_str()), Some("NO"));
        let m = &ret.measures[0];
        let known = |f| m.known(f).map(|t| t.as_str());
        assert_eq!(known(KnownField::Status), Some("NO"));
        assert_eq!(known(KnownField::Target), Some("0o12"));
        assert_eq!(known(KnownField::Unit), Some("null"));
        assert_eq!(known(KnownField::Title), Some("true"));
        let values: Vec<_> = m.values.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(values, ["945", "1_000", "~", "1e3"]);
    }

    #[test]
    fn duplicate_keys_name_both_places() {
        let file = yaml(
            "return:\n  organisation: A\n  period: 2011/12 Q4\n  organisation: B\n\
             measures:\n  m:\n    status: Red\n    status: Green\n    values: {q1: 1, q1: 2, Q2: 3}\n\
             \x20 m:\n    title: the same id again\nreturn: {}\n",
        );
        insta::assert_snapshot!(describe(&file));
        let ret = &file.returns[0];
        assert_eq!(ret.organisation.as_ref().map(|t| t.as_str()), Some("A"));
        // Both measures are kept, for `duplicate_measure`.
        assert_eq!(ret.measures.len(), 2);
        assert_eq!(
            ret.measures[0]
                .known(KnownField::Status)
                .map(|t| t.as_str()),
            Some("Red")
        );
        assert_eq!(
            ret.measures[0]
                .values
                .get(crate::returns::tests::q(1))
                .map(|t| t.as_str()),
            Some("1")
        );
        assert_eq!(file.problems.len(), 4);
        assert!(file.problems.iter().all(|f| f.related_pos.len() == 1));
    }

    #[test]
    fn repeated_fields_of_a_measure_point_at_the_first() {
        let file = yaml(
            "return: {organisation: A, period: 2011/12 Q4}\nmeasures:\n  m:\n    \
             title: {nested: map}\n    Title: kept apart\n    owner: x\n    values: {q1: 1}\n    \
             title: again\n    owner: y\n    values: {q2: 2}\n    status: Red\n",
        );
        let found: Vec<_> = file
            .problems
            .iter()
            .map(|f| {
                let first = f.related_pos.first().map(|(pos, _)| at(&file, *pos));
                (
                    f.message.as_str(),
                    at(&file, f.pos.unwrap_or_default()),
                    first,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "`title` should be text, not a nested list or mapping",
                    "4:12-4:25".to_string(),
                    None
                ),
                (
                    "`title` is given twice in measure `m`; the first is kept",
                    "8:5-8:10".to_string(),
                    Some("4:5-4:10".to_string())
                ),
                (
                    "`owner` is given twice in measure `m`; the first is kept",
                    "9:5-9:10".to_string(),
                    Some("6:5-6:10".to_string())
                ),
                (
                    "`values` is given twice in measure `m`; the first is kept",
                    "10:5-10:11".to_string(),
                    Some("7:5-7:11".to_string())
                ),
            ]
        );
        let m = &file.returns[0].measures[0];
        assert_eq!(m.known(KnownField::Title), None);
        assert_eq!(m.known(KnownField::Status).map(|t| t.as_str()), Some("Red"));
        let extra: Vec<_> = m
            .extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(extra, [("Title", "kept apart"), ("owner", "x")]);
        let values: Vec<_> = m.values.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(values, ["1"]);
    }

    #[test]
    fn anchors_aliases_and_tags_refuse_the_file() {
        let cases = [
            (
                "return: &h {organisation: A, period: 2011/12 Q4}\nmeasures: {}\n",
                "1:9-1:11",
                "anchor",
            ),
            (
                "return: {organisation: &o A, period: *o}\nmeasures: {}\n",
                "1:24-1:26",
                "anchor",
            ),
            (
                "return: {organisation: A, period: *nowhere}\nmeasures: {}\n",
                "1:35-1:43",
                "alias",
            ),
            (
                "return: {organisation: !!str A, period: x}\nmeasures: {}\n",
                "1:24-1:29",
                "tag",
            ),
            (
                "return: {organisation: A, period: x}\nmeasures: !custom {}\n",
                "2:11-2:18",
                "tag",
            ),
            (
                "return: {organisation: A, period: x}\nmeasures: {}\nignored: [&x 1, *x]\n",
                "3:11-3:13",
                "anchor",
            ),
        ];
        for (text, place, label) in cases {
            let file = yaml(text);
            assert!(file.returns.is_empty(), "{text}");
            assert_eq!(file.problems.len(), 1, "{text}: {:?}", messages(&file));
            let f = &file.problems[0];
            assert_eq!(f.code, "invalid_return");
            assert_eq!(
                (
                    at(&file, f.pos.unwrap_or_default()).as_str(),
                    f.label.as_deref()
                ),
                (place, Some(label)),
                "{text}"
            );
            assert!(f.message.contains("no place in a return"), "{}", f.message);
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let flow = format!("return: {}\n", "[".repeat(100_000));
        let block: String = (0..40)
            .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
            .collect();
        for text in [flow, block] {
            let file = yaml(&text);
            assert!(file.returns.is_empty());
            assert_eq!(
                messages(&file),
                [format!(
                    "this file nests deeper than {} levels; it is not read",
                    super::MAX_DEPTH
                )]
            );
        }
    }

    #[test]
    fn syntax_errors_point_at_the_error() {
        let file = yaml("return:\n  organisation: \"Leeds\n");
        insta::assert_snapshot!(describe(&file));
        assert!(file.returns.is_empty());
    }

    #[test]
    fn missing_sections() {
        let file = yaml("return: {organisation: A, period: 2011/12 Q4}\n");
        assert_eq!(messages(&file), ["this return has no `measures` section"]);
        assert!(file.returns.is_empty());
        let file = yaml("return: {organisation: A}\nmeasure:\n  m: {}\n");
        insta::assert_snapshot!(describe(&file));
        for text in ["", "# only a comment\n", "---\n...\n"] {
            assert_eq!(
                messages(&yaml(text)),
                ["this file holds no return"],
                "{text:?}"
            );
        }
        assert_eq!(messages(&yaml("just text\n")), ["this is not a return"]);
        assert_eq!(messages(&yaml("- a\n- b\n")), ["this is not a return"]);
    }

    #[test]
    fn each_document_is_a_return() {
        let file = yaml(
            "return: {organisation: A, period: 2011/12 Q1}\nmeasures: {m: {values: {q1: 1}}}\n\
             ---\nreturn: {organisation: B, period: [oops\nmeasures: {}\n\
             ---\nreturn: {organisation: C, period: 2011/12 Q3}\nmeasures: {}\n",
        );
        let orgs: Vec<_> = file
            .returns
            .iter()
            .map(|r| r.organisation.as_ref().map(|t| t.as_str()))
            .collect();
        assert_eq!(orgs, [Some("A"), Some("C")]);
        assert_eq!(file.problems.len(), 1);
        assert!(
            file.problems[0]
                .message
                .starts_with("this file is not valid YAML")
        );
    }

    #[test]
    fn wrong_shapes_are_reported_and_skipped() {
        let file = yaml(
            "return:\n  organisation: [A, B]\n  period: 2011/12 Q4\n\
             measures:\n  good:\n    title: {nested: map}\n    values: {q1: [1], q2: 2, q5: 3, annual: 4}\n\
             \x20 1bad: {title: x}\n  scalar: just text\n  list_values:\n    values: [1, 2]\n\
             \x20 ? [complex, key]\n  : 1\n",
        );
        insta::assert_snapshot!(describe(&file));
    }

    #[test]
    fn json_reads_like_yaml() {
        let json = r#"{
  "return": {"organisation": "Leeds City Council", "period": "2011/12 Q4", "directorate": "CAP"},
  "measures": {
    "appraisals": {"title": "Appraisals", "status": "Amber", "values": {"q1": "63%", "q2": 94, "q3": null, "q4": 945}},
    "sickness": {"unit": "days", "target": 8.5, "values": {"q1": "2.1 days"}}
  }
}"#;
        let yaml_text = "return: {organisation: Leeds City Council, period: 2011/12 Q4, directorate: CAP}\n\
            measures:\n  appraisals: {title: Appraisals, status: Amber, values: {q1: 63%, q2: 94, q3: null, q4: 945}}\n  \
            sickness: {unit: days, target: 8.5, values: {q1: 2.1 days}}\n";
        let from_json = load_text("r.json", json);
        let from_yaml = yaml(yaml_text);
        assert!(from_json.problems.is_empty(), "{:?}", messages(&from_json));
        let strip = |file: &LoadedFile| {
            let mut returns = file.returns.clone();
            for ret in &mut returns {
                ret.pos = Default::default();
                for t in [&mut ret.organisation, &mut ret.period]
                    .into_iter()
                    .flatten()
                {
                    t.pos = Default::default();
                }
                for (k, v) in &mut ret.header {
                    k.pos = Default::default();
                    v.pos = Default::default();
                }
                for e in &mut ret.measures {
                    for t in
                        e.id.iter_mut()
                            .chain(e.known.iter_mut().flatten())
                            .chain(e.values.texts_mut())
                    {
                        t.pos = Default::default();
                    }
                }
            }
            returns
        };
        assert_eq!(strip(&from_json), strip(&from_yaml));
        let q2 = from_json.returns[0].measures[0]
            .values
            .get(crate::returns::tests::q(2))
            .map(|t| at(&from_json, t.pos));
        assert_eq!(q2.as_deref(), Some("4:92-4:94"));
        let q1 = from_json.returns[0].measures[0]
            .values
            .get(crate::returns::tests::q(1))
            .map(|t| at(&from_json, t.pos));
        assert_eq!(q1.as_deref(), Some("4:80-4:83"), "without the quotes");
        let bad = load_text("r.json", "{\"return\": {\"organisation\": }");
        assert!(
            bad.problems[0]
                .message
                .starts_with("this file is not valid JSON"),
            "{:?}",
            messages(&bad)
        );
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let file = yaml(
            "\u{feff}return:\r\n  organisation: A\r\n  period: 2011/12 Q4\r\nmeasures:\r\n  m:\r\n    values: {q1: 945}\r\n",
        );
        assert!(file.problems.is_empty(), "{:?}", messages(&file));
        let ret = &file.returns[0];
        assert_eq!(at(&file, ret.pos), "1:2-1:8");
        let q1 = ret.measures[0]
            .values
            .get(crate::returns::tests::q(1))
            .map(|t| (t.as_str(), at(&file, t.pos)));
        assert_eq!(q1, Some(("945", "6:18-6:21".to_string())));
    }

    #[test]
    fn many_keys_stay_linear() {
        let mut text = String::from("return:\n  organisation: A\n  period: P\n");
        for i in 0..100_000 {
            text.push_str(&format!("  k{i}: v\n"));
        }
        text.push_str("  k7: again\nmeasures:\n  m:\n");
        for i in 0..50_000 {
            text.push_str(&format!("    f{i}: v\n"));
        }
        text.push_str("    f49999: again\n    f3: again\n");
        let file = yaml(&text);
        assert_eq!(file.returns[0].header.len(), 100_000);
        assert_eq!(file.returns[0].measures[0].extra.len(), 50_000);
        let dups: Vec<_> = file.problems.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            dups,
            [
                "`k7` is given twice in the return header; the first is kept",
                "`f49999` is given twice in measure `m`; the first is kept",
                "`f3` is given twice in measure `m`; the first is kept",
            ]
        );
        assert_eq!(at(&file, file.problems[0].related_pos[0].0), "11:3-11:5");
    }
}
