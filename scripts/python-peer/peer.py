#!/usr/bin/env python3
"""A plain Python peer of `ragcheck check`, for the end-to-end ratio of the benchmark.

    peer.py --rules rules --rules D/rules D/returns            # findings, one JSON line each
    peer.py --rules rules --rules D/rules --counts D/returns   # findings per check, as JSON

It checks a folder of YAML returns (SPEC 2.1) the way a competent analyst would write it in
Python: every file is read with PyYAML's C loader (`yaml.CSafeLoader`, libyaml), values are
parsed with regular expressions into `decimal.Decimal`, and the checks are written out as
Python functions. It prints each finding as `{"file", "measure", "check", "severity"}`.

What it runs, on the same returns, is what `ragcheck check --rules rules --rules D/rules`
runs:

- the built-in checks (SPEC 3.5): invalid_return, missing_header, duplicate_measure,
  unparseable_value, unit_mismatch, unknown_status, status_mismatch (RAG bands computed from
  the measures' `target`, `trajectory` and band lines), missing_status,
  missing_measure, unknown_measure, not_cumulative, future_value, rag_undetermined and
  overdue_deferral, with `severity` settings from the rule files;
- every check of the shipped rules/checks/common.rag, and published_ratio of
  rules/measures/benchmarking.rag (with its typed fields `numerator` and `denominator`);
- the generated checks of D/rules/checks.rag (examples/gen.rs `checks()`).

How the rules are read (the choice asked for): the peer is not a compiler of the rule
language. Rule files are read with simple regular expressions:

- `measure ID "title" { ... }` blocks: `unit`, `target`, `trajectory linear` or
  `trajectory q1 X, ...`, `required`, `cumulative`, and bands of the form
  `STATUS when value OP BASE [+|-|* LITERAL]` with BASE `target`, `expected` or a literal,
  then `STATUS otherwise`. That covers every measure of rules/ and of examples/gen.rs.
- `field NAME UNIT` and `severity CHECK LEVEL` lines.
- `check ID ... {` headers. The checks of common.rag and published_ratio are written out in
  Python below and run when a rule file declares them. The generated checks are recognised by
  their name (`gK_percent_ceiling`, `gK_cross_m2`, ...): the 16 templates of gen.rs (and its
  `gK_empty` filler) are written out below and only their parameters (thresholds, measure
  ids, regexes, severity) are read from the check's text. A check the peer does not know is
  reported on stderr and skipped.

Known differences from ragcheck. None of them arises on the generated returns: compare.py
finds the same findings, one by one (file, measure, check), as ragcheck on returns of
examples/gen.rs (seeds 1-5, defect rates 0.01-0.5, up to 2,000 returns) and on those
returns mutated by mutate.py (missing commentaries and officers, bad periods, money, days,
minutes and phrases, stated units and targets, misshapen YAML), which makes every check
fire but the generated status_typo and late_deferral, which cannot.

1. PyYAML's YAML 1.1 typing runs before the peer sees a scalar: `1_000` arrives as 1000,
   `NO` as False, `0o12` as 10, `~` as None (read as blank). ragcheck reads every scalar as
   the text typed (SPEC 2.1).
2. Anchors, aliases and tags are resolved by PyYAML instead of refusing the file; a file of
   several YAML documents is one invalid_return instead of one return per document; the
   depth and size limits of docs/security.md are not enforced.
3. Duplicate keys are found by a small subclass of CSafeLoader (`ReturnLoader`, below) that
   keeps every pair of a mapping with a repeated key; everything else is CSafeLoader's
   (it costs about 3% of the load: 5.65 s against 5.47 s CPU for 2,000 returns).
4. Periods: only quarterly notations (`2011/12 Q4`, `2011-12 Q4`, `Q4 2011/12`,
   `Quarter 4 2011/12`, `2011/12 Quarter 4`); annual and monthly returns (SPEC 2.5) are
   reported missing_header. Values are `q1`..`q4`.
5. The value parser is a regular expression for SPEC 2.4's shapes (qualifiers, sign,
   currency, number with well-formed thousands groups, multiplier, unit,
   underspend/overspend) and the phrase tables of src/value/phrase.rs; it gives the same
   answers on the shapes returns hold, not on every corner of src/value (e.g. it does not
   bound the mantissa at 96 bits).
6. Not done: CSV, JSON and spreadsheet returns, layouts, waivers (expired_waiver,
   unused_waiver), collection checks (`peers`, `previous`, `last_year`) and restated_value
   (every generated return is of its own organisation, so restated_value cannot fire),
   measure codes, line and column numbers, messages and help texts.
"""

import argparse
import json
import os
import re
import sys
from decimal import ROUND_HALF_EVEN, Decimal

import yaml

# ---------------------------------------------------------------------------
# Reading a YAML return
# ---------------------------------------------------------------------------


class Mapping(dict):
    """A YAML mapping; `pairs` lists every (key, value) when a key is repeated."""

    __slots__ = ("pairs",)


class ReturnLoader(yaml.CSafeLoader):
    """CSafeLoader that remembers repeated keys (PyYAML keeps only the last)."""


def _construct_map(loader, node):
    data = Mapping()
    yield data
    data.update(loader.construct_mapping(node))
    keys = [k.value for k, _ in node.value]
    if len(keys) != len(set(keys)):
        data.pairs = [
            (loader.construct_object(k, deep=True), loader.construct_object(v, deep=True))
            for k, v in node.value
        ]


ReturnLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def pairs_of(mapping):
    """Every (key, value) of a mapping, repeated keys included, in order."""
    pairs = getattr(mapping, "pairs", None)
    return pairs if pairs is not None else list(mapping.items())


def first_pairs(mapping, where, problems):
    """The pairs of a mapping with a repeated key kept at its first place (SPEC 2.1)."""
    pairs = getattr(mapping, "pairs", None)
    if pairs is None:
        return mapping.items()
    seen = {}
    for key, value in pairs:
        key = as_text(key)
        if key in seen:
            problems.append(("invalid_return", where))
        else:
            seen[key] = value
    return seen.items()


def as_text(v):
    """A scalar as text (None, as PyYAML gives an empty value, is blank)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def is_scalar(v):
    return not isinstance(v, (dict, list))


MEASURE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
KNOWN_FIELDS = ("title", "section", "officer", "status", "commentary", "unit", "target")
VALUE_KEY = re.compile(r"[qQ]([0-9])\Z")


class Ret:
    __slots__ = ("organisation", "period", "header", "entries")


class Raw:
    """A measure entry as read: id, its text fields, its quarterly value texts."""

    __slots__ = ("id", "fields", "values")


def read_return(doc, problems):
    """The return in a loaded document, or None; loading problems go to `problems`."""
    if doc is None:
        problems.append(("invalid_return", None))  # this file holds no return
        return None
    if not isinstance(doc, dict):
        problems.append(("invalid_return", None))  # this is not a return
        return None
    top = dict(first_pairs(doc, None, problems))
    complete = True
    for section in ("return", "measures"):
        if section not in top:
            problems.append(("invalid_return", None))
            complete = False
    ret = Ret()
    ret.organisation = ret.period = None
    ret.header = {}
    ret.entries = []
    header = top.get("return")
    if isinstance(header, dict):
        for key, value in first_pairs(header, None, problems):
            if not is_scalar(value):
                problems.append(("invalid_return", None))
                continue
            ret.header[as_text(key)] = as_text(value)
    elif header not in (None, "") and "return" in top:
        problems.append(("invalid_return", None))
    ret.organisation = ret.header.get("organisation")
    ret.period = ret.header.get("period")
    measures = top.get("measures")
    if isinstance(measures, dict):
        for key, body in pairs_of(measures):
            mid = as_text(key)
            if not MEASURE_ID.match(mid):
                problems.append(("invalid_return", None))
                continue
            ret.entries.append(read_entry(mid, body, problems))
    elif measures not in (None, "") and "measures" in top:
        problems.append(("invalid_return", None))
    return ret if complete else None


def read_entry(mid, body, problems):
    e = Raw()
    e.id = mid
    e.fields = {}
    e.values = {}
    if body in (None, ""):
        return e
    # As in ragcheck, a problem of shape or a repeated field names no measure; a bad
    # or repeated key among the values does.
    if not isinstance(body, dict):
        problems.append(("invalid_return", None))
        return e
    for key, value in first_pairs(body, None, problems):
        key = as_text(key)
        if key == "values":
            read_values(e, value, problems)
        elif not is_scalar(value):
            problems.append(("invalid_return", None))
        else:
            e.fields[key] = as_text(value)
    return e


def read_values(e, values, problems):
    if values in (None, ""):
        return
    if not isinstance(values, dict):
        problems.append(("invalid_return", None))
        return
    for key, value in pairs_of(values):
        m = VALUE_KEY.match(as_text(key))
        q = int(m.group(1)) if m else 0
        if not 1 <= q <= 4:
            # m1..m12 and `year` belong to other frequencies (not read by the peer).
            problems.append(("invalid_return", e.id))
            continue
        if q in e.values:
            problems.append(("invalid_return", e.id))
            continue
        if not is_scalar(value):
            problems.append(("invalid_return", None))
            continue
        e.values[q] = as_text(value)


# ---------------------------------------------------------------------------
# Periods (quarterly notations only)
# ---------------------------------------------------------------------------

YEAR_PAIR = r"(?:FY\s*)?([0-9]{4})\s*[/-]\s*([0-9]{2}|[0-9]{4})"
QUARTER = r"(?:Q|Quarter)\s*([0-9])"
PERIOD_FORMS = [
    re.compile(YEAR_PAIR + r"\s*[;,]?\s*" + QUARTER + r"(?![0-9])", re.I),
    re.compile(r"(?<![A-Za-z])" + QUARTER + r"\s+" + YEAR_PAIR, re.I),
]


def read_period(text):
    """(first year, quarter) of a quarterly period, or None when it cannot be read."""
    t = text.strip()
    for i, form in enumerate(PERIOD_FORMS):
        m = form.search(t)
        if not m:
            continue
        if i == 0:
            y, nxt, q = m.group(1), m.group(2), m.group(3)
        else:
            q, y, nxt = m.group(1), m.group(2), m.group(3)
        y, q = int(y), int(q)
        nxt = int(nxt) % 100
        if (y + 1) % 100 != nxt or not 1 <= q <= 4:
            return None
        return (y, q)
    return None


# ---------------------------------------------------------------------------
# Value text (SPEC 2.4)
# ---------------------------------------------------------------------------

PERCENT, GBP, USD, EUR, DAYS, MINUTES, HOURS, COUNT = (
    "percent", "gbp", "usd", "eur", "days", "minutes", "hours", "count")
UNITS = {PERCENT, GBP, USD, EUR, DAYS, MINUTES, HOURS, COUNT}
CURRENCY = {"£": GBP, "$": USD, "€": EUR}

QUALIFIER = (r"(?:\(\s*(?:baseline|approx(?:imately|imate)?\.?|est(?:imated?)?\.?|provisional)\s*\)"
             r"|(?:baseline|approx(?:imately|imate)?\.?|est(?:imated?)?\.?|provisional)(?![A-Za-z0-9]))")
SPEND = r"(?:under|over)(?:\s+|-)?spen[dt](?![A-Za-z0-9])"
SIGN = "-+\u2212\u2013"
QUANTITY = re.compile(
    r"(?P<pre>(?:(?:~|circa(?![A-Za-z0-9])|ca?\.|" + QUALIFIER + r")\s*:?\s*)*)"
    r"(?P<sign>[" + SIGN + r"])?"
    r"(?:(?P<cur>[£$€])\s*(?P<sign2>[" + SIGN + r"])?)?"
    r"(?P<num>(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)"
    r"(?:\s*(?P<mult>k|thousand|mn|m|million|bn|billion)(?![A-Za-z0-9]))?"
    r"(?:\s*(?P<unit>%|percent(?![A-Za-z0-9])|per\s+cent(?![A-Za-z0-9])"
    r"|working\s+days(?![A-Za-z0-9])|days?(?![A-Za-z0-9])"
    r"|(?:minutes?|mins?|hours?|hrs?|hr)(?![A-Za-z0-9])\.?))?"
    r"(?P<post>(?:\s*(?:" + QUALIFIER + "|" + SPEND + r"))*)\s*\Z",
    re.I)
POWERS = {"k": 3, "thousand": 3, "m": 6, "mn": 6, "million": 6, "bn": 9, "billion": 9}
UNIT_WORDS = {"%": PERCENT, "p": PERCENT, "w": DAYS, "d": DAYS, "m": MINUTES, "h": HOURS}
PREFIX = re.compile(r"(?:(?:~|circa(?![A-Za-z0-9])|ca?\.|" + QUALIFIER + r")\s*:?\s*)+", re.I)
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T]|\Z)")

NOT_APPLICABLE = {"n/a", "n/a.", "na", "n.a.", "n.a", "n / a", "not applicable",
                  "not applicable.", "-", "--", "\u2013", "\u2014", "\u2212"}
NOT_APPLICABLE_PHRASES = [("not", "applicable"), ("n/a",), ("na",)]
DEFERRAL_PHRASES = [
    ("to", "be", "reported"), ("to", "be", "provided"), ("to", "be", "published"),
    ("to", "be", "supplied"), ("to", "be", "submitted"), ("to", "be", "updated"),
    ("to", "be", "available"),
    ("will", "be", "reported"), ("will", "be", "provided"), ("will", "be", "published"),
    ("will", "be", "available"),
    ("reported", "in"), ("reported", "at"), ("reported", "by"), ("reporting", "in"),
    ("reported", "annually"), ("not", "yet", "reported"),
    ("annual", "measure"), ("annual", "indicator"), ("annual", "figure"),
    ("annual", "survey"), ("annual", "data"),
    ("available", "in"), ("available", "at"), ("available", "from"),
    ("available", "by"), ("available", "after"),
    ("due", "!to"), ("to", "follow"), ("awaited",), ("awaiting",), ("pending",),
]
NOT_AVAILABLE_PHRASES = [
    ("being", "developed"), ("under", "development"), ("in", "development"),
    ("to", "be", "developed"), ("to", "be", "collected"), ("to", "be", "derived"),
    ("to", "be", "determined"), ("to", "be", "confirmed"), ("to", "be", "agreed"),
    ("to", "be", "set"), ("indicator", "to", "be"), ("measure", "to", "be"),
    ("tbc",), ("tbd",), ("tba",),
    ("not", "available"), ("not", "yet", "available"), ("unavailable",), ("no", "data"),
    ("not", "collected"), ("not", "measured"), ("not", "known"), ("not", "yet", "known"),
    ("unknown",), ("proposed",), ("new", "indicator"), ("new", "measure"),
]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
PREPOSITIONS = {"in", "by", "until", "till", "from", "for", "of", "during"}
WORD_EDGE = re.compile(r"^[^\w%£$€]+|[^\w%£$€]+$")


class Parsed:
    """A value text parsed: kind is quantity, blank, not_applicable, deferred,
    not_available or invalid; a quantity has amount and unit (None: bare number); a
    deferral its quarter or month."""

    __slots__ = ("kind", "amount", "unit", "quarter", "month")

    def __init__(self, kind, amount=None, unit=None, quarter=None, month=None):
        self.kind = kind
        self.amount = amount
        self.unit = unit
        self.quarter = quarter
        self.month = month


BLANK = Parsed("blank")
INVALID = Parsed("invalid")
NOT_APPL = Parsed("not_applicable")


def parse_value(text):
    t = text.strip()
    if not t:
        return BLANK
    if len(t.encode()) > 1000 or DATE.match(t):
        return INVALID
    if t.lower() in NOT_APPLICABLE:
        return NOT_APPL
    first = t[0]
    if first.isascii() and first.isdigit() or first in ".~£$€" or first in SIGN:
        return parse_quantity(t)
    m = PREFIX.match(t)
    if m and m.end() < len(t):
        c = t[m.end()]
        if c.isascii() and c.isdigit() or c in ".~£$€" or c in SIGN:
            return parse_quantity(t)
    if first in "(%#":
        return INVALID
    return parse_phrase(t)


def parse_quantity(t):
    m = QUANTITY.match(t)
    if not m:
        return INVALID
    sign, cur, sign2 = m.group("sign"), m.group("cur"), m.group("sign2")
    if sign2 and sign:
        return INVALID  # two signs
    negative = (sign or sign2 or "+") != "+"
    mult, unit_word = m.group("mult"), m.group("unit")
    if mult and not cur:
        return INVALID  # `5k` or `5 m`: a multiplier needs a currency
    if unit_word and cur:
        return INVALID  # `£5 days`
    unit = CURRENCY[cur] if cur else None
    if unit_word:
        unit = UNIT_WORDS[unit_word[0].lower()]
    post = m.group("post").lower()
    spends = re.findall(r"(under|over)(?:\s+|-)?spen", post)
    if spends:
        if len(spends) > 1 or negative or unit in (DAYS, MINUTES, HOURS):
            return INVALID
        negative = spends[0] == "under"
    amount = Decimal(m.group("num").replace(",", ""))
    if mult:
        amount = amount.scaleb(POWERS[mult.lower()])
    if negative:
        amount = -amount
    return Parsed("quantity", amount, unit)


def words_of(t):
    out = []
    for w in t.split():
        w = WORD_EDGE.sub("", w)
        if w:
            out.append(w.lower())
    return out


def has_phrase(words, phrases):
    for phrase in phrases:
        first, rest = phrase[0], phrase[1:]
        for i, w in enumerate(words):
            if w != first:
                continue
            ok = True
            for j, p in enumerate(rest):
                nxt = words[i + 1 + j] if i + 1 + j < len(words) else None
                if p.startswith("!"):
                    ok = nxt != p[1:]
                else:
                    ok = nxt == p
                if not ok:
                    break
            if ok:
                return True
    return False


ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "first": 1, "second": 2, "third": 3,
            "fourth": 4}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}


def scan_quarters(words):
    """The first quarter a phrase names; "bad" for an amount or a quarter out of range."""
    first = None
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        used, q = 1, None
        if any(c.isdigit() for c in w) and any(c in w for c in "%£$€"):
            return "bad"
        if w[0] == "q" and len(w) > 1 and w[1:].isdigit():
            q = int(w[1:])
            if not 1 <= q <= 4:
                return "bad"
        elif w in ("q", "qtr", "quarter", "qu") and nxt is not None:
            if nxt.isdigit():
                q, used = int(nxt), 2
                if not 1 <= q <= 4:
                    return "bad"
            elif nxt in NUMBER_WORDS:
                q, used = NUMBER_WORDS[nxt], 2
        elif w in ORDINALS and nxt in ("quarter", "qtr", "q"):
            q, used = ORDINALS[w], 2
        elif w in ("year-end", "yearend"):
            q = 4
        elif w == "year" and nxt == "end":
            q, used = 4, 2
        elif w == "end" and nxt == "of":
            for j in range(i + 2, len(words)):
                if words[j] == "year":
                    q, used = 4, j - i + 1
                    break
                if words[j] not in ("the", "financial"):
                    break
        if first is None:
            first = q
        i += used
    return first


def scan_months(words):
    for i, w in enumerate(words):
        if w[0] == "m" and 1 < len(w) <= 3 and w[1:].isdigit() and 1 <= int(w[1:]) <= 12:
            return int(w[1:])
        if w == "month" and i + 1 < len(words):
            n = words[i + 1]
            if len(n) <= 2 and n.isdigit() and 1 <= int(n) <= 12:
                return int(n)
        if i > 0 and words[i - 1] in PREPOSITIONS:
            for k, name in enumerate(MONTHS):
                if w == name or (len(w) == 3 and name.startswith(w)):
                    return (k + 9) % 12 + 1
    return None


def parse_phrase(t):
    words = words_of(t)
    na = has_phrase(words, NOT_APPLICABLE_PHRASES)
    unavailable = has_phrase(words, NOT_AVAILABLE_PHRASES)
    deferred = has_phrase(words, DEFERRAL_PHRASES)
    if not (na or unavailable or deferred):
        return INVALID
    q = scan_quarters(words)
    if q == "bad":
        return INVALID
    if q is not None:
        return Parsed("deferred", quarter=q)
    month = scan_months(words)
    if month is not None:
        return Parsed("deferred", month=month)
    if na:
        return NOT_APPL
    if unavailable:
        return Parsed("not_available")
    return Parsed("deferred")


def literal(text):
    """A literal of the rule language (`95%`, `£250k`, `8.37 days`, `1.05`) as (amount, unit)."""
    p = parse_value(text.replace("_", ""))
    if p.kind != "quantity":
        raise ValueError("not a literal: " + text)
    return p.amount, p.unit


# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------

RED, AMBER, GREEN = 0, 1, 2
RAG = {"red": RED, "amber": AMBER, "green": GREEN}


class Measure:
    __slots__ = ("id", "title", "unit", "target", "trajectory", "required", "cumulative",
                 "bands", "better")

    def expected(self, q):
        if self.trajectory == "linear":
            return None if self.target is None else self.target * q / 4
        if isinstance(self.trajectory, dict):
            return self.trajectory.get(q)
        return self.target


MEASURE_BLOCK = re.compile(r'^measure\s+(\w+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\{(.*?)^\}', re.M | re.S)
BAND = re.compile(r"(red|amber|green)\s+when\s+value\s*(<=|>=|<|>|==|!=)\s*"
                  r"(target|expected|[^\s+*-][^+*]*?)(?:\s*([-+*])\s*(\S+))?\s*$")
OTHERWISE = re.compile(r"(red|amber|green)\s+otherwise\s*$")
CHECK_HEAD = re.compile(r"^check\s+(\w+)", re.M)
FIELD_LINE = re.compile(r"^field\s+(\w+)\s+(\w+)", re.M)
SEVERITY_LINE = re.compile(r"^severity\s+(\w+)\s+(\w+)", re.M)


def strip_comment(line):
    # A `#` after white space starts a comment, unless it is inside a string.
    if '"' not in line:
        return re.sub(r"(^|\s)#.*$", "", line)
    return line


def read_measure(mid, title, body):
    m = Measure()
    m.id, m.title = mid, title
    m.unit = m.target = m.trajectory = m.better = None
    m.required = m.cumulative = False
    m.bands = []
    for line in body.splitlines():
        line = strip_comment(line).strip()
        if not line:
            continue
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word == "unit":
            m.unit = rest
        elif word == "better":
            m.better = rest
        elif word == "target":
            m.target = literal(rest)[0]
        elif word == "required":
            m.required = True
        elif word == "cumulative":
            m.cumulative = True
        elif word == "trajectory":
            if rest == "linear":
                m.trajectory = "linear"
            else:
                m.trajectory = {int(q): literal(x)[0]
                                for q, x in re.findall(r"q([1-4])\s+([^,]+)", rest)}
        elif word in RAG:
            b = OTHERWISE.match(line)
            if b:
                m.bands.append((RAG[b.group(1)], None))
                continue
            b = BAND.match(line)
            if not b:
                print("peer: measure %s: band not understood, bands left out: %s" % (mid, line),
                      file=sys.stderr)
                m.bands = None
                break
            status, op, base, adj, amount = b.groups()
            if base not in ("target", "expected"):
                base = literal(base)[0]
            amount = literal(amount)[0] if adj else None
            m.bands.append((RAG[status], (op, base, adj, amount)))
    if m.bands is None:
        m.bands = []
    return m


COMPARE = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


def rule_regex(pattern):
    """A Rust `regex` pattern as a Python one: `$` ends the text there, not a line."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


class Check:
    """A check: its id, severity, the function that runs it over a return, parameters."""

    __slots__ = ("id", "severity", "run", "p")

    def __init__(self, cid, severity, run, **p):
        self.id, self.severity, self.run, self.p = cid, severity, run, p


class Rules:
    def __init__(self, paths):
        self.measures = {}
        self.field_units = {}
        self.checks = []
        self.severity = dict(BUILTIN_SEVERITY)
        texts = []
        for path in paths:
            if os.path.isfile(path):
                files = [path]
            else:
                files = sorted(os.path.join(d, f) for d, _, fs in os.walk(path)
                               for f in fs if f.endswith(".rag"))
            for f in files:
                with open(f, encoding="utf-8") as fh:
                    texts.append(fh.read())
        for text in texts:
            for mid, title, body in MEASURE_BLOCK.findall(text):
                self.measures[mid] = read_measure(mid, title or None, body)
            for name, unit in FIELD_LINE.findall(text):
                self.field_units[name] = unit
            for cid, level in SEVERITY_LINE.findall(text):
                self.severity[cid] = level
        for text in texts:
            heads = list(CHECK_HEAD.finditer(text))
            for i, h in enumerate(heads):
                end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
                block = text[h.start():end]
                # The check ends at its closing brace; tests that follow are not its text.
                close = re.search(r"^\}", block, re.M)
                block = block[:close.start()] if close else block
                check = make_check(h.group(1), block)
                if check is None:
                    print("peer: check %s is not one the peer knows; skipped" % h.group(1),
                          file=sys.stderr)
                    continue
                self.checks.append(check)
        for c in self.checks:
            c.severity = self.severity.get(c.id, c.severity)
            self.severity[c.id] = c.severity
        self.checks = [c for c in self.checks if c.severity != "off"]


BUILTIN_SEVERITY = {
    "invalid_return": "error", "missing_header": "error", "duplicate_measure": "error",
    "unparseable_value": "error", "unit_mismatch": "error", "unknown_status": "error",
    "status_mismatch": "error", "missing_status": "warning", "missing_measure": "error",
    "unknown_measure": "warning", "not_cumulative": "warning", "future_value": "warning",
    "rag_undetermined": "info", "overdue_deferral": "warning",
}

# ---------------------------------------------------------------------------
# A return resolved against the rules
# ---------------------------------------------------------------------------


class Entry:
    """A measure entry resolved: its measure, unit, parsed and resolved values, status, RAG."""

    __slots__ = ("id", "fields", "measure", "unit", "texts", "parsed", "nums", "kinds",
                 "present", "status", "status_raw", "rag", "target", "typed")


class Ctx:
    __slots__ = ("ret", "quarter", "entries", "first", "period_text")


def resolve(rules, raw, quarter):
    e = Entry()
    e.id = raw.id
    e.fields = f = raw.fields
    m = e.measure = rules.measures.get(raw.id)
    stated = f.get("unit")
    stated = stated.strip() if stated is not None else None
    e.unit = m.unit if m is not None and m.unit else (stated if stated in UNITS else None)
    e.parsed = {}
    e.nums = {}
    e.kinds = {}
    e.present = []
    for q, text in raw.values.items():
        p = parse_value(text)
        e.parsed[q] = p
        if p.kind == "quantity":
            if p.unit is not None and e.unit is not None and p.unit != e.unit:
                e.kinds[q] = "invalid"
            else:
                e.kinds[q] = "number"
                e.nums[q] = p.amount
            e.present.append(q)
        else:
            e.kinds[q] = p.kind
            if p.kind != "blank":
                e.present.append(q)
    e.present.sort()
    status = f.get("status")
    e.status_raw = status
    e.status = None
    if status is not None and status.strip():
        e.status = RAG.get(status.strip().lower(), "invalid")
    if m is not None and m.target is not None:
        e.target = m.target
    elif f.get("target") is not None:
        p = parse_value(f["target"])
        ok = p.kind == "quantity" and (p.unit is None or e.unit is None or p.unit == e.unit)
        e.target = p.amount if ok else None
    else:
        e.target = None
    e.texts = {}
    for name in ("title", "section", "officer", "commentary"):
        t = f.get(name)
        e.texts[name] = t if t is not None and t.strip() else None
    if "title" not in f and m is not None and m.title:
        e.texts["title"] = m.title
    e.typed = {}
    for name, unit in rules.field_units.items():
        if name in f:
            p = parse_value(f[name])
            if p.kind == "quantity" and (p.unit is None or p.unit == unit):
                e.typed[name] = p.amount
    e.rag = compute_rag(e, quarter)
    return e


def compute_rag(e, q):
    m = e.measure
    if m is None or not m.bands or q is None:
        return None
    value = e.nums.get(q)
    if value is None:
        return None
    for status, cond in m.bands:
        if cond is None:
            return status
        op, base, adj, amount = cond
        if base == "target":
            rhs = m.target
        elif base == "expected":
            rhs = m.expected(q)
        else:
            rhs = base
        if rhs is None:
            return None
        if adj == "+":
            rhs = rhs + amount
        elif adj == "-":
            rhs = rhs - amount
        elif adj == "*":
            rhs = rhs * amount
        if COMPARE[op](value, rhs):
            return status
    return None


# ---------------------------------------------------------------------------
# Built-in checks (SPEC 3.5)
# ---------------------------------------------------------------------------


def builtin_checks(ctx, rules, out):
    ret, q = ctx.ret, ctx.quarter
    org = ret.organisation
    if org is None or not org.strip():
        out.append(("missing_header", None))
    if ret.period is None or q is None:
        out.append(("missing_header", None))
    seen = set()
    for e in ctx.entries:
        mid, m = e.id, e.measure
        if mid in seen:
            out.append(("duplicate_measure", mid))
        seen.add(mid)
        if m is None:
            out.append(("unknown_measure", mid))
        parsed = e.parsed
        for p in parsed.values():
            if p.kind == "invalid":
                out.append(("unparseable_value", mid))
        target_text = e.fields.get("target")
        if target_text is not None and parse_value(target_text).kind == "invalid":
            out.append(("unparseable_value", mid))
        for name, unit in rules.field_units.items():
            text = e.fields.get(name)
            if text is None:
                continue
            p = parse_value(text)
            if p.kind == "invalid":
                out.append(("unparseable_value", mid))
            elif p.kind == "quantity" and p.unit is not None and p.unit != unit:
                out.append(("unit_mismatch", mid))
        stated = e.fields.get("unit")
        if stated is not None and m is not None and m.unit and stated.strip() != m.unit:
            out.append(("unit_mismatch", mid))
        if e.unit is not None:
            for p in parsed.values():
                if p.kind == "quantity" and p.unit is not None and p.unit != e.unit:
                    out.append(("unit_mismatch", mid))
        if e.status == "invalid":
            out.append(("unknown_status", mid))
        if e.rag is not None and e.status in (RED, AMBER, GREEN) and e.status != e.rag:
            out.append(("status_mismatch", mid))
        banded = m is not None and bool(m.bands)
        if banded and q is not None and q in e.nums and e.status is None:
            out.append(("missing_status", mid))
        if banded and e.rag is None and not (q is not None and e.kinds.get(q) == "invalid"):
            out.append(("rag_undetermined", mid))
        if m is not None and m.cumulative:
            best = None
            for sub in sorted(e.nums):
                n = e.nums[sub]
                if best is not None and n < best:
                    out.append(("not_cumulative", mid))
                    continue
                best = n
        if q is None:
            continue
        for sub, p in parsed.items():
            if sub > q and p.kind in ("quantity", "invalid"):
                out.append(("future_value", mid))
            if p.kind == "deferred":
                if p.quarter is not None:
                    due_end, owed = 3 * p.quarter, p.quarter
                elif p.month is not None:
                    due_end, owed = p.month, (p.month - 1) // 3 + 1
                else:
                    continue
                if due_end <= 3 * q and owed not in e.nums:
                    out.append(("overdue_deferral", mid))
    for m in rules.measures.values():
        if m.required and m.id not in ctx.first:
            out.append(("missing_measure", m.id))


# ---------------------------------------------------------------------------
# The checks of rules/ (common.rag, benchmarking.rag)
# ---------------------------------------------------------------------------
# Each takes (check, ctx, out). A condition that reads a missing value is unknown and
# does not fire (SPEC 3.3): with only `and`, `or` and `not`, a rule fires exactly when its
# condition can be decided true, which is how each is written out below.

ACTION = re.compile(r"(?i)action|plan|recover|remed")
HUNDRED = Decimal(100)


def percent_range(c, ctx, out):
    for e in ctx.entries:
        if e.unit != PERCENT:
            continue
        for q in e.present:
            n = e.nums.get(q)
            if n is not None and (n < 0 or n > HUNDRED):
                out.append((c.id, e.id))


def sudden_jump(c, ctx, out):
    rq = ctx.quarter
    if rq is None or rq < 2:
        return
    for e in ctx.entries:
        if e.unit not in (PERCENT, COUNT, DAYS, MINUTES, HOURS):
            continue
        value, before = e.nums.get(rq), e.nums.get(rq - 1)
        if value is not None and before is not None and value > before * 5:
            out.append((c.id, e.id))


def remedial_action(c, ctx, out):
    for e in ctx.entries:
        if e.status not in (AMBER, RED):
            continue
        commentary = e.texts["commentary"]
        if commentary is None:
            out.append((c.id, e.id, c.p["error"]))
        elif not ACTION.search(commentary):
            out.append((c.id, e.id, c.p["warning"]))


def commentary_missing(c, ctx, out):
    q = ctx.quarter
    for e in ctx.entries:
        if q not in e.nums:
            continue
        if e.status in (RED, AMBER):
            continue
        if e.texts["commentary"] is None:
            out.append((c.id, e.id))


def officer_missing(c, ctx, out):
    for e in ctx.entries:
        if e.status in (AMBER, RED) and e.texts["officer"] is None:
            out.append((c.id, e.id))


def unrated_measure(c, ctx, out):
    q = ctx.quarter
    for e in ctx.entries:
        if q in e.nums and e.target is None and e.status not in (RED, AMBER, GREEN):
            out.append((c.id, e.id))


def budget_balanced(c, ctx, out):
    i = ctx.first.get("budget")
    if i is None:
        return
    n = ctx.entries[i].nums.get(ctx.quarter)
    if n is not None and abs(n) > 250000:
        out.append((c.id, "budget"))


def published_ratio(c, ctx, out):
    q = ctx.quarter
    for e in ctx.entries:
        num, den = e.typed.get("numerator"), e.typed.get("denominator")
        value = e.nums.get(q)
        if num is None or den is None or value is None:
            continue
        if abs(value * den - num * HUNDRED) >= Decimal("0.02") * num * HUNDRED:
            out.append((c.id, e.id))


SHIPPED = {
    "percent_range": percent_range,
    "sudden_jump": sudden_jump,
    "remedial_action": remedial_action,
    "commentary_missing": commentary_missing,
    "officer_missing": officer_missing,
    "unrated_measure": unrated_measure,
    "budget_balanced": budget_balanced,
    "published_ratio": published_ratio,
}

# ---------------------------------------------------------------------------
# The generated checks (examples/gen.rs `checks()`)
# ---------------------------------------------------------------------------


def each_value(c, ctx, out, units, fires):
    """A `for each value where unit in UNITS` check: a finding for each
    sub-period's number that `fires`."""
    for e in ctx.entries:
        if e.unit in units:
            for q in e.present:
                n = e.nums.get(q)
                if n is not None and fires(n):
                    out.append((c.id, e.id))


def g_percent_ceiling(c, ctx, out):
    limit = c.p["c"]
    each_value(c, ctx, out, (PERCENT,), lambda n: n > limit)


def g_no_negative_time(c, ctx, out):
    limit = c.p["c"]
    each_value(c, ctx, out, (DAYS, MINUTES, HOURS), lambda n: n < limit)


def g_money_cap(c, ctx, out):
    limit = c.p["c"]
    each_value(c, ctx, out, (GBP,), lambda n: abs(n) > limit)


def g_short_commentary(c, ctx, out):
    for e in ctx.entries:
        if e.status in (AMBER, RED):
            commentary = e.texts["commentary"]
            if commentary is not None and len(commentary) < c.p["c"]:
                out.append((c.id, e.id))


def g_officer_name(c, ctx, out):
    pattern = c.p["re"]
    for e in ctx.entries:
        officer = e.texts["officer"]
        if officer is not None and not pattern.search(officer):
            out.append((c.id, e.id))


def g_many_reds(c, ctx, out):
    if sum(1 for e in ctx.entries if e.status == RED) > c.p["c"]:
        out.append((c.id, None))


def g_many_missing(c, ctx, out):
    q = ctx.quarter
    if sum(1 for e in ctx.entries if q not in e.nums) > c.p["c"]:
        out.append((c.id, None))


def g_cross(c, ctx, out):
    mid = c.p["m"]
    i = ctx.first.get(mid)
    if i is None:
        return
    e = ctx.entries[i]
    value = e.nums.get(ctx.quarter)
    if value is not None and e.target is not None and value > e.target * c.p["c"]:
        out.append((c.id, mid))


def g_collapse(c, ctx, out):
    for mid in c.p["ms"]:
        i = ctx.first.get(mid)
        if i is None:
            continue
        e = ctx.entries[i]
        value, q1 = e.nums.get(ctx.quarter), e.nums.get(1)
        if value is not None and q1 is not None and value < q1 * c.p["c"]:
            out.append((c.id, mid))


def g_status_typo(c, ctx, out):
    for e in ctx.entries:
        if e.status in (RED, AMBER, GREEN) and c.p["re"].search(e.status_raw.lower()):
            out.append((c.id, e.id))


def g_late_deferral(c, ctx, out):
    rq = ctx.quarter
    if rq is None:
        return
    for e in ctx.entries:
        for q in e.present:
            if e.kinds[q] == "deferred" and q + c.p["c"] < rq:
                out.append((c.id, e.id))


def g_rounded_days(c, ctx, out):
    places = Decimal(1).scaleb(-c.p["digits"])
    limit = c.p["c"]
    each_value(c, ctx, out, (DAYS,), lambda n: n.quantize(places, ROUND_HALF_EVEN) > limit)


def g_period_form(c, ctx, out):
    org = ctx.ret.organisation
    if org is None or not org.strip():
        out.append((c.id, None))
        return
    period = ctx.period_text
    if period is not None and not c.p["re"].search(period):
        out.append((c.id, None))


def g_max_percent(c, ctx, out):
    q = ctx.quarter
    for e in ctx.entries:
        if e.unit == PERCENT and 1 in e.nums:
            value = e.nums.get(q)
            if value is not None and max(e.nums[1], value) > c.p["c"]:
                out.append((c.id, e.id))


def g_title(c, ctx, out):
    for e in ctx.entries:
        if e.texts["section"] is not None and e.texts["title"] is None:
            out.append((c.id, e.id))


def g_wait(c, ctx, out):
    mid = c.p["m"]
    i = ctx.first.get(mid)
    if i is None:
        return
    e = ctx.entries[i]
    value, q1 = e.nums.get(ctx.quarter), e.nums.get(1)
    if value is not None and q1 is not None and min(value, q1) > c.p["c"] and e.status == GREEN:
        out.append((c.id, mid))


def g_empty(c, ctx, out):
    pass


def num(text):
    return Decimal(text)


def qty(text):
    return literal(text)[0]


# Per template: the name after `gK_`, the function, and the parameters read from the check's
# text: (name, regex, convert).
GENERATED = [
    ("percent_ceiling", g_percent_ceiling, [("c", r"when value > (\S+%)", qty)]),
    ("no_negative_time", g_no_negative_time, [("c", r"when value < (\S+)", num)]),
    ("money_cap", g_money_cap, [("c", r"when abs\(value\) > (£\S+)", qty)]),
    ("short_commentary", g_short_commentary, [("c", r"len\(commentary\) < (\d+)", int)]),
    ("officer_name", g_officer_name, [("re", r'officer matches "((?:[^"\\]|\\.)*)"', rule_regex)]),
    ("many_reds", g_many_reds, [("c", r"where status == red\) > (\d+)", int)]),
    ("many_missing", g_many_missing, [("c", r"where value is missing\) > (\d+)", int)]),
    ("cross_", g_cross, [("m", r"when (\w+)\.value > \w+\.target", str),
                         ("c", r"\.target \* (\S+)", num)]),
    ("collapse", g_collapse, [("ms", r"^check \w+ for ([\w, ]+?) \{",
                               lambda s: [x.strip() for x in s.split(",")]),
                              ("c", r"when value < q1 \* (\S+)", num)]),
    ("status_typo", g_status_typo, [("re", r'matches "((?:[^"\\]|\\.)*)"', rule_regex)]),
    ("late_deferral", g_late_deferral, [("c", r"when quarter \+ (\d+) < return\.quarter", int)]),
    ("rounded_days", g_rounded_days, [("digits", r"round\(value, (\d+)\)", int),
                                      ("c", r"round\(value, \d+\) > (\S+ days)", qty)]),
    ("period_form", g_period_form, [("re", r'return\.period matches "((?:[^"\\]|\\.)*)"',
                                     rule_regex)]),
    ("max_percent", g_max_percent, [("c", r"max\(q1, value\) > (\S+%)", qty)]),
    ("title", g_title, []),
    ("wait_", g_wait, [("m", r"^check \w+ for (\w+) \{", str),
                       ("c", r"min\(value, q1\) > (\S+ mins)", qty)]),
    ("empty", g_empty, []),
]
SEVERITY_OF_RULE = re.compile(r"^\s*(error|warning|info)\s+when\b", re.M)


def make_check(cid, block):
    severities = SEVERITY_OF_RULE.findall(block)
    if cid in SHIPPED:
        if cid == "remedial_action":
            # Two rules: an error and a warning.
            return Check(cid, "error", SHIPPED[cid], error=severities[0], warning=severities[1])
        return Check(cid, severities[0] if severities else "warning", SHIPPED[cid])
    m = re.match(r"g\d+_(\w+)$", cid)
    if not m:
        return None
    kind = m.group(1)
    for name, run, params in GENERATED:
        if kind == name or (name.endswith("_") and kind.startswith(name)):
            p = {}
            for key, pattern, convert in params:
                found = re.search(pattern, block, re.M)
                if not found:
                    return None
                p[key] = convert(found.group(1))
            return Check(cid, severities[0] if severities else "warning", run, **p)
    return None


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def check_text(text, rules):
    """Findings of one file: (check, measure) or (check, measure, severity)."""
    out = []
    try:
        doc = yaml.load(text, Loader=ReturnLoader)
    except yaml.YAMLError:
        return [("invalid_return", None)]
    ret = read_return(doc, out)
    if ret is None:
        return out
    period = read_period(ret.period) if ret.period is not None else None
    ctx = Ctx()
    ctx.ret = ret
    ctx.quarter = period[1] if period else None
    if period:
        ctx.period_text = "%d/%02d Q%d" % (period[0], (period[0] + 1) % 100, period[1])
    elif ret.period is not None and ret.period.strip():
        ctx.period_text = ret.period
    else:
        ctx.period_text = None
    ctx.entries = [resolve(rules, raw, ctx.quarter) for raw in ret.entries]
    ctx.first = {}
    for i, e in enumerate(ctx.entries):
        ctx.first.setdefault(e.id, i)
    builtin_checks(ctx, rules, out)
    for c in rules.checks:
        c.run(c, ctx, out)
    return out


def return_files(paths):
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        found = []
        for d, _, fs in os.walk(path):
            for f in fs:
                if f.endswith((".yaml", ".yml")):
                    found.append(os.path.join(d, f))
        yield from sorted(found)


def main():
    ap = argparse.ArgumentParser(description="A plain Python peer of `ragcheck check`.")
    ap.add_argument("--rules", action="append", required=True,
                    help="a rule file or folder (repeatable)")
    ap.add_argument("--counts", action="store_true",
                    help="print findings per check (JSON) instead of one line per finding")
    ap.add_argument("paths", nargs="+", help="YAML returns, or folders of them")
    args = ap.parse_args()
    rules = Rules(args.rules)
    counts = {}
    write = sys.stdout.write
    for path in return_files(args.paths):
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            findings = [("invalid_return", None)]
        else:
            findings = check_text(text, rules)
        for f in findings:
            check, measure = f[0], f[1]
            severity = f[2] if len(f) > 2 else rules.severity[check]
            if severity == "off":
                continue
            if args.counts:
                counts[check] = counts.get(check, 0) + 1
            else:
                write(json.dumps({"file": path, "measure": measure, "check": check,
                                  "severity": severity}) + "\n")
    if args.counts:
        json.dump(dict(sorted(counts.items())), sys.stdout, indent=1)
        write("\n")


if __name__ == "__main__":
    main()
