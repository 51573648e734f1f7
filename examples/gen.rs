//! A deterministic generator of returns, rules and injected defects, for
//! benchmarks and ground-truth tests.
//!
//! ```text
//! cargo run --release --example gen -- --returns 10000 --measures 40 \
//!     --defect-rate 0.01 --seed 1 --format yaml --out /tmp/bench
//! cargo run --release --example gen -- --rules-only --measures 1000 --checks 1000 --out /tmp/big
//! ```
//!
//! Writes into `--out`:
//!
//! - `returns/`: one YAML file per return (SPEC 2.1), or `--files` CSV
//!   collections (SPEC 2.2) holding all the returns between them;
//! - `rules/`: `measures.rag` (`m0`..`m{M-1}`, with units, targets and
//!   bands) and `checks.rag` (`--checks` further checks: `for each value`,
//!   `for each measure where …`, return scope with `count(…)`, `matches`,
//!   cross-measure references);
//! - `ground-truth.jsonl`: one line per injected defect, naming the file,
//!   the return, the measure, the field and the check that must report it.
//!
//! The same seed gives byte-identical output. Values, statuses and
//! commentaries are realistic (`63%`, `£235,000 underspend`, `8.63 days`,
//! `N/A`, `To be reported in Quarter 4`), and a return without injected
//! defects agrees with its rules: its declared statuses are those its bands
//! compute, so the diagnostics a run reports are (nearly) all injected ones.
//!
//! The generator is also compiled into `tests/ground_truth.rs` (through
//! `#[path]`), which is why its pieces are public.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// splitmix64: small, fast, and good enough to pick values.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64 - 1) as usize]
    }
}

// ---------------------------------------------------------------------------
// Measures
// ---------------------------------------------------------------------------

/// The kinds of measure generated, each with its unit and bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Percent, higher is better, `green when value >= target`.
    Percent,
    /// Percent with a linear trajectory, cumulative.
    PercentCumulative,
    /// Budget variance in £, lower is better, target £0.
    Money,
    /// Days, lower is better, amber within 5% over target.
    Days,
    /// Minutes, lower is better, amber within 50% over target.
    Minutes,
    /// A count with no bands.
    Count,
    /// Hours with no bands.
    Hours,
}

const KINDS: [Kind; 7] = [
    Kind::Percent,
    Kind::Money,
    Kind::Days,
    Kind::PercentCumulative,
    Kind::Count,
    Kind::Minutes,
    Kind::Hours,
];

/// One generated measure. Amounts are in thousandths of the unit (percent
/// points, pounds, days, minutes), so band decisions are exact.
#[derive(Clone, Debug)]
pub struct Measure {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub section: &'static str,
    /// In thousandths; `None` for kinds without bands.
    pub target: Option<i64>,
    pub required: bool,
}

impl Measure {
    pub fn unit(&self) -> &'static str {
        match self.kind {
            Kind::Percent | Kind::PercentCumulative => "percent",
            Kind::Money => "gbp",
            Kind::Days => "days",
            Kind::Minutes => "minutes",
            Kind::Count => "count",
            Kind::Hours => "hours",
        }
    }

    pub fn banded(&self) -> bool {
        self.target.is_some()
    }

    pub fn is_percent(&self) -> bool {
        matches!(self.kind, Kind::Percent | Kind::PercentCumulative)
    }

    /// The status the bands give for `value` (thousandths) in quarter `q`.
    pub fn rag(&self, value: i64, q: u8) -> Option<Rag> {
        let t = self.target?;
        Some(match self.kind {
            Kind::Percent => band_higher(value, t, 10_000),
            Kind::PercentCumulative => band_higher(value, t * i64::from(q) / 4, 10_000),
            Kind::Money => band_lower(value, t, t + 250_000_000),
            // amber when value <= target * 1.05
            Kind::Days => band_lower(value * 100, t * 100, t * 105),
            // amber when value <= target * 1.5
            Kind::Minutes => band_lower(value * 10, t * 10, t * 15),
            Kind::Count | Kind::Hours => return None,
        })
    }

    /// The declaration in the rule language.
    pub fn rule_text(&self) -> String {
        let mut s = format!(
            "measure {} \"{}\" {{\n    unit {}\n",
            self.id,
            self.title,
            self.unit()
        );
        let better = match self.kind {
            Kind::Percent | Kind::PercentCumulative | Kind::Count => "higher",
            _ => "lower",
        };
        let _ = writeln!(s, "    better {better}");
        if let Some(t) = self.target {
            let _ = writeln!(s, "    target {}", self.rule_amount(t));
        }
        if self.kind == Kind::PercentCumulative {
            s.push_str("    trajectory linear\n    cumulative\n");
        }
        if self.required {
            s.push_str("    required\n");
        }
        let bands = match self.kind {
            Kind::Percent | Kind::PercentCumulative => {
                "green when value >= expected\n    amber when value >= expected - 10%\n    red otherwise\n"
            }
            Kind::Money => {
                "green when value <= target\n    amber when value <= target + £250k\n    red otherwise\n"
            }
            Kind::Days => {
                "green when value <= target\n    amber when value <= target * 1.05\n    red otherwise\n"
            }
            Kind::Minutes => {
                "green when value <= target\n    amber when value <= target * 1.5\n    red otherwise\n"
            }
            Kind::Count | Kind::Hours => "",
        };
        if !bands.is_empty() {
            s.push_str("    ");
            s.push_str(bands);
        }
        s.push_str("}\n");
        s
    }

    /// An amount as a rule literal (`95%`, `£0`, `8.37 days`, `3 mins`).
    fn rule_amount(&self, thousandths: i64) -> String {
        let n = decimal(thousandths, 3);
        match self.kind {
            Kind::Percent | Kind::PercentCumulative => format!("{n}%"),
            Kind::Money => format!("£{n}"),
            Kind::Days => format!("{n} days"),
            Kind::Minutes => format!("{n} mins"),
            Kind::Hours => format!("{n} hours"),
            Kind::Count => n,
        }
    }
}

fn band_higher(value: i64, expected: i64, amber_gap: i64) -> Rag {
    if value >= expected {
        Rag::Green
    } else if value >= expected - amber_gap {
        Rag::Amber
    } else {
        Rag::Red
    }
}

fn band_lower(value: i64, green: i64, amber: i64) -> Rag {
    if value <= green {
        Rag::Green
    } else if value <= amber {
        Rag::Amber
    } else {
        Rag::Red
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

const SECTIONS: [&str; 5] = [
    "Contribution to Cross Council Priorities",
    "Directorate Priorities",
    "Council Business Plan headline indicators",
    "Resources and Efficiency",
    "Customer Access",
];

const SUBJECTS: [&str; 12] = [
    "invoices paid within 30 days",
    "staff with an appraisal",
    "calls answered",
    "complaints resolved at first contact",
    "council tax collected",
    "planning applications decided on time",
    "residents satisfied with the service",
    "freedom of information requests answered on time",
    "working days lost to sickness",
    "households in temporary accommodation",
    "library visits",
    "repairs completed on time",
];

/// `count` measures `m0`..: kinds in turn, the first two required.
pub fn measures(count: usize, rng: &mut Rng) -> Vec<Measure> {
    (0..count)
        .map(|i| {
            let kind = KINDS[i % KINDS.len()];
            let target = match kind {
                Kind::Percent | Kind::PercentCumulative => Some(rng.range(80, 99) * 1000),
                Kind::Money => Some(0),
                Kind::Days => Some(rng.range(500, 1200) * 10),
                Kind::Minutes => Some(rng.range(2, 6) * 1000),
                Kind::Count | Kind::Hours => None,
            };
            let subject = SUBJECTS[i % SUBJECTS.len()];
            let title = match kind {
                Kind::Money => format!("No variation from the agreed budget for {subject} (m{i})"),
                Kind::Days => format!("Average days for {subject} (m{i})"),
                Kind::Minutes => format!("Average wait in minutes for {subject} (m{i})"),
                Kind::Hours => format!("Hours spent on {subject} (m{i})"),
                Kind::Count => format!("Number of {subject} (m{i})"),
                _ => format!("Percentage of {subject} (m{i})"),
            };
            Measure {
                id: format!("m{i}"),
                kind,
                title,
                section: SECTIONS[i % SECTIONS.len()],
                target,
                required: i < 2,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

/// `count` further checks over `measures`, cycling through the shapes the
/// language has. None fires on a return without defects.
pub fn checks(count: usize, measures: &[Measure]) -> String {
    let of = |pred: &dyn Fn(&Measure) -> bool, k: usize| -> Option<&Measure> {
        let found: Vec<&Measure> = measures.iter().filter(|m| pred(m)).collect();
        (!found.is_empty()).then(|| found[k % found.len()])
    };
    let mut out = String::from("# Generated checks (examples/gen.rs).\n\n");
    for k in 0..count {
        let v = k % 7;
        let text = match k % 16 {
            0 => format!(
                "check g{k}_percent_ceiling for each value where unit == percent {{\n    about \"A percentage stays below {c}%.\"\n    warning when value > {c}% \"{{id}} {{value}} is over {c}% in Q{{quarter}}\"\n}}\n",
                c = 101 + v
            ),
            1 => format!(
                "check g{k}_no_negative_time for each value where unit in [days, minutes, hours] {{\n    about \"Times are not negative.\"\n    error when value < 0 \"{{id}}: a time cannot be negative, found {{value}}\"\n        help \"check the sign\"\n}}\n"
            ),
            2 => format!(
                "check g{k}_money_cap for each value where unit == gbp {{\n    about \"A variance stays within £{c}m.\"\n    warning when abs(value) > £{c}m \"{{id}}: variance of {{value}} in Q{{quarter}}\"\n}}\n",
                c = 5 + v
            ),
            3 => format!(
                "check g{k}_short_commentary for each measure where status in [amber, red] {{\n    about \"An Amber or Red commentary says enough.\"\n    warning when len(commentary) < {c} \"{{status}} measure {{id}}: a commentary of {{len(commentary)}} characters\"\n}}\n",
                c = 10 + v
            ),
            4 => format!(
                "check g{k}_officer_name for each measure {{\n    about \"An officer is named as first and last name.\"\n    info when officer is not missing and not (officer matches \"^[A-Z][A-Za-z.'-]* [A-Z][A-Za-z' -]+$\")\n        \"{{id}}: `{{officer}}` does not look like a name\"\n}}\n"
            ),
            5 => format!(
                "check g{k}_many_reds {{\n    about \"A return with many Red measures is escalated.\"\n    warning when count(each measure where status == red) > {c}\n        \"{{return.organisation}} has more than {c} Red measures at {{return.period}}\"\n}}\n",
                c = measures.len() / 2 + v
            ),
            6 => format!(
                "check g{k}_many_missing {{\n    about \"A return reports most of its values.\"\n    info when count(each measure where value is missing) > {c}\n        \"{{return.organisation}}: more than {c} measures have no value at {{return.period}}\"\n}}\n",
                c = measures.len() * 3 / 4 + v
            ),
            7 => match of(&|m| m.kind == Kind::Days, k) {
                Some(m) => format!(
                    "check g{k}_cross_{id} {{\n    about \"{id} stays within {c} times its target.\"\n    warning when {id}.value > {id}.target * {c} \"{id} is {{{id}.value}} at {{return.period}}\"\n}}\n",
                    id = m.id,
                    c = 3 + v
                ),
                None => format!("check g{k}_empty {{\n    info when false \"never\"\n}}\n"),
            },
            8 => {
                let a = of(&|m| m.kind == Kind::Percent, k);
                let b = of(&|m| m.kind == Kind::Percent, k + 1);
                match (a, b) {
                    (Some(a), Some(b)) => format!(
                        "check g{k}_collapse for {a}, {b} {{\n    about \"A percentage does not collapse from Q1.\"\n    warning when value < q1 * 0.01 \"{{id}} fell from {{q1}} to {{value}}\"\n}}\n",
                        a = a.id,
                        b = b.id
                    ),
                    _ => format!("check g{k}_empty {{\n    info when false \"never\"\n}}\n"),
                }
            }
            9 => format!(
                "check g{k}_status_typo for each measure where status is not missing {{\n    about \"A status is spelt out.\"\n    warning when lower(status) matches \"^(gr|am|re)$\" \"{{id}}: status `{{status}}` is abbreviated\"\n}}\n"
            ),
            10 => format!(
                "check g{k}_late_deferral for each value where value is deferred {{\n    about \"A deferral is not to a quarter far ahead.\"\n    info when quarter + {c} < return.quarter \"{{id}}: Q{{quarter}} deferred\"\n}}\n",
                c = 4 + v
            ),
            11 => format!(
                "check g{k}_rounded_days for each value where unit == days {{\n    about \"Days lost stay below {c}.\"\n    warning when round(value, 1) > {c} days \"{{id}}: {{value}} in Q{{quarter}}\"\n}}\n",
                c = 40 + v
            ),
            12 => format!(
                "check g{k}_period_form {{\n    about \"The period reads YYYY/YY Qn.\"\n    error when return.organisation is missing or not (return.period matches \"^[0-9]{{4}}/[0-9]{{2}} Q[1-4]$\")\n        \"the period `{{return.period}}` is not of the form 2011/12 Q4\"\n}}\n"
            ),
            13 => format!(
                "check g{k}_max_percent for each measure where unit == percent and q1 is not missing {{\n    about \"No quarter of a percentage is over {c}%.\"\n    warning when max(q1, value) > {c}% \"{{id}}: {{value}}\"\n}}\n",
                c = 150 + v
            ),
            14 => format!(
                "check g{k}_title for each measure where section is not missing {{\n    about \"A measure has a title.\"\n    info when title is missing \"{{id}} has no title\"\n}}\n"
            ),
            _ => match of(&|m| m.kind == Kind::Minutes, k) {
                Some(m) => format!(
                    "check g{k}_wait_{id} for {id} {{\n    about \"{id} stays below an hour.\"\n    warning when min(value, q1) > 60 mins and status == green \"{id} is green at {{value}}\"\n}}\n",
                    id = m.id
                ),
                None => format!("check g{k}_empty {{\n    info when false \"never\"\n}}\n"),
            },
        };
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// Write `rules/measures.rag` and `rules/checks.rag` under `dir`.
pub fn write_rules(dir: &Path, measures: &[Measure], checks_count: usize) -> std::io::Result<()> {
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules)?;
    let mut text = String::from("# Generated measures (examples/gen.rs).\n\n");
    for m in measures {
        text.push_str(&m.rule_text());
        text.push('\n');
    }
    std::fs::write(rules.join("measures.rag"), text)?;
    std::fs::write(rules.join("checks.rag"), checks(checks_count, measures))
}

// ---------------------------------------------------------------------------
// Returns
// ---------------------------------------------------------------------------

/// One measure entry of a generated return, as text.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub section: String,
    pub officer: String,
    pub status: String,
    pub commentary: String,
    pub values: [Option<String>; 4],
}

/// One generated return.
#[derive(Clone, Debug)]
pub struct Return {
    pub organisation: String,
    pub directorate: &'static str,
    pub period: String,
    pub quarter: u8,
    pub entries: Vec<Entry>,
}

/// A defect injected into a return, and the check that must report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defect {
    /// The file, relative to `returns/`.
    pub file: String,
    pub organisation: String,
    pub period: String,
    pub measure: String,
    /// `q1`..`q4`, `status`, or empty for the whole entry.
    pub field: String,
    pub check: &'static str,
}

impl Defect {
    pub fn to_json(&self) -> String {
        format!(
            "{{\"file\":{},\"organisation\":{},\"period\":{},\"measure\":{},\"field\":{},\"check\":{}}}",
            json_str(&self.file),
            json_str(&self.organisation),
            json_str(&self.period),
            json_str(&self.measure),
            json_str(&self.field),
            json_str(self.check)
        )
    }
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const ORG_KINDS: [&str; 5] = [
    "City Council",
    "County Council",
    "Borough Council",
    "District Council",
    "NHS Trust",
];
const PLACES: [&str; 12] = [
    "Leeds",
    "Leicestershire",
    "Kirklees",
    "Wakefield",
    "Calderdale",
    "Bradford",
    "York",
    "Rutland",
    "Harborough",
    "Charnwood",
    "Melton",
    "Blaby",
];
const DIRECTORATES: [&str; 4] = [
    "Customer Access and Performance",
    "Resources",
    "Adult Social Care",
    "Environment and Neighbourhoods",
];
const FIRST: [&str; 8] = [
    "Jane", "Alan", "Priya", "Mohammed", "Siobhan", "Tom", "Grace", "Wei",
];
const LAST: [&str; 8] = [
    "Smith", "Patel", "O'Neill", "Khan", "Robinson", "Okafor", "Hughes", "Chen",
];
const GOOD: [&str; 4] = [
    "Performance remains on track against the target for the year and the service continues to improve.",
    "The figure reflects steady progress; the team has kept to the agreed trajectory this quarter.",
    "Results are in line with the plan agreed with members, with no concerns to report at this stage.",
    "The service has maintained its performance, helped by the new online forms introduced last year.",
];
const BAD: [&str; 4] = [
    "Performance has fallen behind the trajectory; an action plan agreed with the service manager aims to recover the position by year end.",
    "The figure is below target because of vacancies; a remedial plan is in place and weekly monitoring has started.",
    "Demand rose sharply this quarter. A recovery plan, including overtime and a review of the process, has been agreed.",
    "The variance is due to delayed invoices; actions to recover the position are set out in the directorate plan.",
];

/// Generate return `index` (deterministic in `seed` and `index` alone, so
/// files can be generated in any order).
pub fn generate_return(seed: u64, index: usize, measures: &[Measure]) -> Return {
    let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    let organisation = format!("{} {} {}", rng.pick(&PLACES), rng.pick(&ORG_KINDS), index);
    let year = rng.range(2007, 2013);
    let quarter = rng.range(1, 4) as u8;
    let period = format!("{year}/{:02} Q{quarter}", (year + 1) % 100);
    let entries = measures
        .iter()
        .map(|m| entry(&mut rng, m, quarter))
        .collect();
    Return {
        organisation,
        directorate: DIRECTORATES[rng.range(0, DIRECTORATES.len() as i64 - 1) as usize],
        period,
        quarter,
        entries,
    }
}

/// A clean entry: values up to the return's quarter, the status its bands
/// give, a commentary that names an action when it is Amber or Red.
fn entry(rng: &mut Rng, m: &Measure, quarter: u8) -> Entry {
    let mut values: [Option<String>; 4] = Default::default();
    let mut amounts: [Option<i64>; 4] = [None; 4];
    // A level and a drift: consecutive quarters stay close, so that
    // `sudden_jump` and `not_cumulative` stay quiet.
    let level = match m.kind {
        Kind::Percent => rng.range(60_000, 100_000),
        Kind::PercentCumulative => m.target.unwrap_or(0) + rng.range(-25_000, 5_000),
        Kind::Money => rng.range(-900, 600) * 1000 * 1000,
        Kind::Days => m.target.unwrap_or(8_000) + rng.range(-2_000, 1_500),
        Kind::Minutes => m.target.unwrap_or(3_000) + rng.range(-1_000, 3_000),
        Kind::Count => rng.range(50, 5_000) * 1000,
        Kind::Hours => rng.range(1, 400) * 1000,
    };
    for q in 1..=quarter {
        let i = usize::from(q - 1);
        // Now and then a past or current quarter has no figure.
        if rng.chance(0.02) {
            values[i] = Some(if q < 4 && rng.chance(0.5) {
                "To be reported in Quarter 4".to_string()
            } else {
                rng.pick(&["N/A", "NA", "-"]).to_string()
            });
            continue;
        }
        let amount = match m.kind {
            Kind::PercentCumulative => (level * i64::from(q) / 4).clamp(0, 100_000) / 100 * 100,
            Kind::Percent => (level + rng.range(-3_000, 3_000)).clamp(0, 100_000) / 100 * 100,
            Kind::Money => level + rng.range(-50, 50) * 1000 * 1000,
            Kind::Days => (level + rng.range(-300, 300)).max(100) / 10 * 10,
            Kind::Minutes => (level + rng.range(-200, 200)).max(100) / 10 * 10,
            Kind::Count => (level + rng.range(-level / 10, level / 10)) / 1000 * 1000,
            Kind::Hours => (level + rng.range(-level / 10, level / 10)).max(1000) / 1000 * 1000,
        };
        amounts[i] = Some(amount);
        values[i] = Some(value_text(rng, m, amount));
    }
    let current = amounts[usize::from(quarter - 1)];
    let rag = current.and_then(|v| m.rag(v, quarter));
    let status = match rag {
        Some(r) => r,
        // No bands, or no value: the author's own judgement.
        None => *rng.pick(&[Rag::Green, Rag::Green, Rag::Amber]),
    };
    let commentary = match status {
        Rag::Green => rng.pick(&GOOD).to_string(),
        _ => rng.pick(&BAD).to_string(),
    };
    Entry {
        id: m.id.clone(),
        title: m.title.clone(),
        section: m.section.to_string(),
        officer: format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST)),
        status: status_text(rng, status),
        commentary,
        values,
    }
}

fn status_text(rng: &mut Rng, rag: Rag) -> String {
    let name = match rag {
        Rag::Red => "Red",
        Rag::Amber => "Amber",
        Rag::Green => "Green",
    };
    match rng.range(0, 9) {
        0 => name.to_uppercase(),
        1 => name.to_lowercase(),
        _ => name.to_string(),
    }
}

/// An amount (thousandths) as a person types it for the measure's unit.
fn value_text(rng: &mut Rng, m: &Measure, amount: i64) -> String {
    match m.kind {
        Kind::Percent | Kind::PercentCumulative => format!("{}%", decimal(amount, 3)),
        Kind::Money => {
            let pounds = amount / 1000;
            let word = if pounds < 0 {
                "underspend"
            } else {
                "overspend"
            };
            let abs = pounds.abs();
            match rng.range(0, 3) {
                0 if abs % 1000 == 0 => format!("£{}k {word}", abs / 1000),
                1 if pounds < 0 => format!("-£{}", thousands(abs)),
                _ => format!("£{} {word}", thousands(abs)),
            }
        }
        Kind::Days => format!("{} days", decimal(amount, 3)),
        Kind::Minutes => format!("{} mins", decimal(amount, 3)),
        Kind::Hours => format!("{} hours", decimal(amount, 3)),
        Kind::Count => {
            let n = amount / 1000;
            match rng.range(0, 5) {
                0 => format!("{n} (Approx)"),
                1 | 2 => thousands(n),
                _ => n.to_string(),
            }
        }
    }
}

/// `x` thousandths as a decimal without trailing zeros (`8630` → `8.63`).
fn decimal(x: i64, scale: u32) -> String {
    let div = 10i64.pow(scale);
    let sign = if x < 0 { "-" } else { "" };
    let (int, frac) = (x.abs() / div, x.abs() % div);
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let digits = format!("{frac:0width$}", width = scale as usize);
    format!("{sign}{int}.{}", digits.trim_end_matches('0'))
}

/// `1250000` → `1,250,000`.
fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

// ---------------------------------------------------------------------------
// Defects
// ---------------------------------------------------------------------------

/// Inject defects into a clean return: each entry gets one with probability
/// `rate`, and a return misses a required measure with probability `rate`.
/// Returns each defect as (measure, field, check).
pub fn inject(
    rng: &mut Rng,
    ret: &mut Return,
    measures: &[Measure],
    rate: f64,
) -> Vec<(String, String, &'static str)> {
    let mut found = Vec::new();
    let q = ret.quarter;
    let qi = usize::from(q - 1);
    let mut duplicates = Vec::new();
    for (i, (e, m)) in ret.entries.iter_mut().zip(measures).enumerate() {
        if !rng.chance(rate) {
            continue;
        }
        let current_ok = e.values[qi].is_some() && m.rag(0, q).is_some() && {
            // a value that parsed to an amount (not N/A or a deferral)
            let v = e.values[qi].as_deref().unwrap_or("");
            !matches!(v, "N/A" | "NA" | "-") && !v.starts_with("To be")
        };
        let mut kinds: Vec<&'static str> =
            vec!["unparseable_value", "unknown_status", "duplicate_measure"];
        if m.is_percent() && m.kind == Kind::Percent {
            kinds.push("percent_range");
            kinds.push("unit_mismatch");
        }
        if current_ok {
            kinds.push("status_mismatch");
        }
        if q < 4 {
            kinds.push("future_value");
        }
        if q >= 2 && m.kind != Kind::PercentCumulative {
            kinds.push("overdue_deferral");
        }
        let kind = *rng.pick(&kinds);
        let qf = |q: usize| format!("q{}", q + 1);
        let field = match kind {
            "unparseable_value" => {
                let text = match m.kind {
                    Kind::Money => rng.pick(&["£617, unders", "£1,00 overspend", "£12,3456"]),
                    Kind::Percent | Kind::PercentCumulative => rng.pick(&["N#", "94,5%", "1,00%"]),
                    _ => rng.pick(&["N#", "1,00", "12,34"]),
                };
                e.values[qi] = Some(text.to_string());
                qf(qi)
            }
            "unknown_status" => {
                e.status = rng
                    .pick(&["Gren", "Amberr", "Rd", "Greeen", "Ambre"])
                    .to_string();
                "status".into()
            }
            "duplicate_measure" => {
                duplicates.push(i);
                String::new()
            }
            "percent_range" => {
                e.values[qi] = Some(rng.pick(&["945", "870", "1000%", "-5%"]).to_string());
                qf(qi)
            }
            "unit_mismatch" => {
                e.values[qi] = Some(rng.pick(&["8.63 days", "£13,000", "3 hours"]).to_string());
                qf(qi)
            }
            "status_mismatch" => {
                let declared = parse_rag(&e.status);
                let other = match declared {
                    Some(Rag::Green) => Rag::Red,
                    Some(Rag::Amber) => Rag::Green,
                    _ => Rag::Amber,
                };
                e.status = status_text(rng, other);
                if other != Rag::Green {
                    e.commentary = rng.pick(&BAD).to_string();
                }
                "status".into()
            }
            "future_value" => {
                let fq = rng.range(i64::from(q), 3) as usize;
                e.values[fq] = Some(match m.kind {
                    Kind::Money => "£12,000 overspend".to_string(),
                    Kind::Percent | Kind::PercentCumulative => "75%".to_string(),
                    Kind::Days => "4.5 days".to_string(),
                    Kind::Minutes => "2 mins".to_string(),
                    Kind::Hours => "12 hours".to_string(),
                    Kind::Count => "120".to_string(),
                });
                qf(fq)
            }
            _ => {
                // overdue_deferral: deferred from an earlier quarter to the current one, which
                // still has no value.
                let from = rng.range(0, i64::from(q) - 2) as usize;
                e.values[from] = Some(format!("To be reported in Quarter {q}"));
                e.values[qi] = None;
                qf(from)
            }
        };
        found.push((e.id.clone(), field, kind));
    }
    // Duplicates last, so that the copy is of the finished entry.
    for &i in duplicates.iter().rev() {
        let copy = ret.entries[i].clone();
        ret.entries.insert(i + 1, copy);
    }
    if rng.chance(rate) {
        let gone = measures.iter().position(|m| m.required);
        if let Some(g) = gone {
            let id = measures[g].id.clone();
            // Only if the measure has no other defect to report.
            if !found.iter().any(|(m, _, _)| *m == id) {
                ret.entries.retain(|e| e.id != id);
                found.push((id, String::new(), "missing_measure"));
            }
        }
    }
    found
}

fn parse_rag(s: &str) -> Option<Rag> {
    match s.to_ascii_lowercase().as_str() {
        "green" => Some(Rag::Green),
        "amber" => Some(Rag::Amber),
        "red" => Some(Rag::Red),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// A scalar for YAML: plain when it can be, single-quoted otherwise.
fn yaml_scalar(s: &str, flow: bool) -> String {
    let first = s.chars().next().unwrap_or(' ');
    let special = s.is_empty()
        || "!&*|>'\"%@`{}[]#,?:-".contains(first)
            && !(first == '-' && s.len() > 1 && !s[1..].starts_with(' '))
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.ends_with(' ')
        || (flow && s.contains([',', '[', ']', '{', '}']));
    if special {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_string()
    }
}

/// A return as YAML (SPEC 2.1). Values are written in flow style
/// (`{q1: 63%, q2: 94%}`) or block style, in turn.
pub fn write_yaml(rng: &mut Rng, ret: &Return) -> String {
    let mut s = String::with_capacity(600 * ret.entries.len() + 200);
    let _ = write!(
        s,
        "# Quarterly performance return, generated.\nreturn:\n  organisation: {}\n  directorate: {}\n  period: {}\nmeasures:\n",
        yaml_scalar(&ret.organisation, false),
        ret.directorate,
        ret.period
    );
    for e in &ret.entries {
        let _ = write!(
            s,
            "  {}:\n    title: {}\n    section: {}\n    officer: {}\n    status: {}\n    commentary: >\n",
            e.id,
            yaml_scalar(&e.title, false),
            yaml_scalar(&e.section, false),
            yaml_scalar(&e.officer, false),
            yaml_scalar(&e.status, false)
        );
        // Fold the commentary over lines of about 70 characters.
        let mut line = String::new();
        for word in e.commentary.split(' ') {
            if !line.is_empty() && line.len() + word.len() > 70 {
                let _ = writeln!(s, "      {line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        let _ = writeln!(s, "      {line}");
        let present: Vec<(usize, &String)> = e
            .values
            .iter()
            .enumerate()
            .filter_map(|(q, v)| v.as_ref().map(|v| (q, v)))
            .collect();
        if present.is_empty() {
            s.push_str("    values: {}\n");
        } else if rng.chance(0.5) {
            let items: Vec<String> = present
                .iter()
                .map(|(q, v)| format!("q{}: {}", q + 1, yaml_scalar(v, true)))
                .collect();
            let _ = writeln!(s, "    values: {{{}}}", items.join(", "));
        } else {
            s.push_str("    values:\n");
            for (q, v) in present {
                let _ = writeln!(s, "      q{}: {}", q + 1, yaml_scalar(v, false));
            }
        }
    }
    s
}

pub const CSV_HEADER: &str =
    "organisation,period,directorate,measure,title,section,officer,status,commentary,q1,q2,q3,q4\n";

fn csv_cell(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// A return as CSV rows (SPEC 2.2), one per measure.
pub fn write_csv_rows(out: &mut String, ret: &Return) {
    for e in &ret.entries {
        for (i, cell) in [
            ret.organisation.as_str(),
            &ret.period,
            ret.directorate,
            &e.id,
            &e.title,
            &e.section,
            &e.officer,
            &e.status,
            &e.commentary,
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                out.push(',');
            }
            csv_cell(out, cell);
        }
        for v in &e.values {
            out.push(',');
            csv_cell(out, v.as_deref().unwrap_or(""));
        }
        out.push('\n');
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    pub returns: usize,
    pub measures: usize,
    pub checks: usize,
    pub defect_rate: f64,
    pub seed: u64,
    pub csv: bool,
    /// CSV files to spread the returns over.
    pub files: usize,
    pub out: PathBuf,
    pub rules_only: bool,
    /// Check a JSON report against `out/ground-truth.jsonl` instead.
    pub verify: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            returns: 20,
            measures: 40,
            checks: 60,
            defect_rate: 0.01,
            seed: 1,
            csv: false,
            files: 1,
            out: PathBuf::from("gen-out"),
            rules_only: false,
            verify: None,
        }
    }
}

/// Generate everything `opts` asks for; the defects injected.
pub fn generate(opts: &Options) -> std::io::Result<Vec<Defect>> {
    let mut rng = Rng::new(opts.seed);
    let measures = measures(opts.measures, &mut rng);
    std::fs::create_dir_all(&opts.out)?;
    write_rules(&opts.out, &measures, opts.checks)?;
    if opts.rules_only {
        return Ok(Vec::new());
    }
    let dir = opts.out.join("returns");
    std::fs::create_dir_all(&dir)?;
    let mut defects = Vec::new();
    let files = opts.files.max(1);
    let mut csv: Vec<String> = vec![CSV_HEADER.to_string(); if opts.csv { files } else { 0 }];
    let width = opts.returns.max(1).to_string().len().max(5);
    for i in 0..opts.returns {
        let mut ret = generate_return(opts.seed, i, &measures);
        let mut drng =
            Rng::new(opts.seed.wrapping_add(1) ^ (i as u64).wrapping_mul(0x9FB2_1C65_1E98_DF25));
        let injected = inject(&mut drng, &mut ret, &measures, opts.defect_rate);
        let file = if opts.csv {
            let f = i * files / opts.returns.max(1);
            write_csv_rows(&mut csv[f], &ret);
            format!("collection-{f:03}.csv")
        } else {
            let name = format!("r{i:0width$}.yaml");
            std::fs::write(dir.join(&name), write_yaml(&mut drng, &ret))?;
            name
        };
        defects.extend(injected.into_iter().map(|(measure, field, check)| Defect {
            file: file.clone(),
            organisation: ret.organisation.clone(),
            period: ret.period.clone(),
            measure,
            field,
            check,
        }));
    }
    for (f, text) in csv.iter().enumerate() {
        std::fs::write(dir.join(format!("collection-{f:03}.csv")), text)?;
    }
    let mut truth =
        std::io::BufWriter::new(std::fs::File::create(opts.out.join("ground-truth.jsonl"))?);
    for d in &defects {
        writeln!(truth, "{}", d.to_json())?;
    }
    truth.flush()?;
    Ok(defects)
}

// ---------------------------------------------------------------------------
// Checking a run against the ground truth
// ---------------------------------------------------------------------------

/// One diagnostic as the ground truth needs it: file, organisation of its
/// return (empty for file-level ones), measure, code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reported {
    pub file: String,
    pub organisation: String,
    pub measure: String,
    pub code: String,
}

/// The defects no diagnostic reports: same file (by path suffix), same
/// return (by organisation), same measure, same check.
pub fn missed<'a>(defects: &'a [Defect], reported: &[Reported]) -> Vec<&'a Defect> {
    let mut by_file: std::collections::HashMap<(&str, &str, &str), Vec<&str>> = Default::default();
    for r in reported {
        let name = r.file.rsplit('/').next().unwrap_or(&r.file);
        by_file
            .entry((name, r.measure.as_str(), r.code.as_str()))
            .or_default()
            .push(r.organisation.as_str());
    }
    defects
        .iter()
        .filter(|d| {
            let key = (d.file.as_str(), d.measure.as_str(), d.check);
            match by_file.get(&key) {
                Some(orgs) => !orgs.iter().any(|o| *o == d.organisation),
                None => true,
            }
        })
        .collect()
}

/// Read `ground-truth.jsonl`.
pub fn read_truth(path: &Path) -> Result<Vec<Defect>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
            let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            let check = CHECK_IDS
                .iter()
                .find(|c| **c == v["check"].as_str().unwrap_or_default())
                .ok_or_else(|| format!("unknown check in {line}"))?;
            Ok(Defect {
                file: field("file"),
                organisation: field("organisation"),
                period: field("period"),
                measure: field("measure"),
                field: field("field"),
                check,
            })
        })
        .collect()
}

/// Every check a defect can name.
pub const CHECK_IDS: [&str; 9] = [
    "unparseable_value",
    "unknown_status",
    "duplicate_measure",
    "percent_range",
    "unit_mismatch",
    "status_mismatch",
    "future_value",
    "overdue_deferral",
    "missing_measure",
];

/// The diagnostics of a `--format json` report.
pub fn read_json_report(path: &Path) -> Result<Vec<Reported>, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for ret in v["returns"].as_array().into_iter().flatten() {
        let org = ret["organisation"].as_str().unwrap_or_default();
        for d in ret["diagnostics"].as_array().into_iter().flatten() {
            out.push(Reported {
                file: d["file"].as_str().unwrap_or_default().to_string(),
                organisation: org.to_string(),
                measure: d["measure"].as_str().unwrap_or_default().to_string(),
                code: d["code"].as_str().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(out)
}

/// `gen --verify REPORT.json --out DIR`: print found/missed, exit 1 when
/// any defect was missed.
fn verify(report: &Path, out: &Path) -> i32 {
    let result = read_truth(&out.join("ground-truth.jsonl"))
        .and_then(|truth| Ok((truth, read_json_report(report)?)));
    let (truth, reported) = match result {
        Ok(x) => x,
        Err(e) => {
            eprintln!("gen: {e}");
            return 2;
        }
    };
    let missed = missed(&truth, &reported);
    println!(
        "ground truth: {} injected, {} found, {} missed",
        truth.len(),
        truth.len() - missed.len(),
        missed.len()
    );
    for d in missed.iter().take(20) {
        println!("  missed: {}", d.to_json());
    }
    i32::from(!missed.is_empty())
}

fn usage() -> ! {
    eprintln!(
        "usage: gen --out DIR [--returns N] [--measures M] [--checks C] [--defect-rate R] \
         [--seed S] [--format yaml|csv] [--files F] [--rules-only]\n       \
         gen --out DIR --verify REPORT.json"
    );
    std::process::exit(2)
}

fn parse_args() -> Options {
    let mut opts = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--rules-only" {
            opts.rules_only = true;
            continue;
        }
        let Some(value) = args.next() else { usage() };
        let num = |v: &str| v.parse::<usize>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--returns" => opts.returns = num(&value),
            "--measures" => opts.measures = num(&value),
            "--checks" => opts.checks = num(&value),
            "--files" => opts.files = num(&value),
            "--seed" => opts.seed = value.parse().unwrap_or_else(|_| usage()),
            "--defect-rate" => opts.defect_rate = value.parse().unwrap_or_else(|_| usage()),
            "--format" => {
                opts.csv = match value.as_str() {
                    "csv" => true,
                    "yaml" => false,
                    _ => usage(),
                }
            }
            "--out" => opts.out = PathBuf::from(value),
            "--verify" => opts.verify = Some(PathBuf::from(value)),
            _ => usage(),
        }
    }
    opts
}

#[allow(dead_code)] // compiled into tests/ground_truth.rs too, which has its own main
fn main() {
    let opts = parse_args();
    if let Some(report) = &opts.verify {
        std::process::exit(verify(report, &opts.out));
    }
    match generate(&opts) {
        Ok(defects) => eprintln!(
            "gen: {} returns, {} measures, {} checks, {} defects in {}",
            if opts.rules_only { 0 } else { opts.returns },
            opts.measures,
            opts.checks,
            defects.len(),
            opts.out.display()
        ),
        Err(e) => {
            eprintln!("gen: {e}");
            std::process::exit(1);
        }
    }
}
