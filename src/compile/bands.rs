//! Band analysis: unreachable bands and gaps, found by interval analysis.
//!
//! Where every band condition compares `value` with constants (numbers,
//! `target`, `expected`, and arithmetic on them), combined with `and`, `or`
//! and `not`, each condition's truth is constant on every open interval
//! between two consecutive constants and at each constant. Evaluating the
//! bands at one point of each such region therefore gives the status of
//! every possible value. From that:
//! - a band that is first for no region can never apply (`unreachable_band`);
//! - statuses that do not move one way along the value axis (green above,
//!   red below, say, with a red stretch in between) leave a gap
//!   (`band_gap`): a value in that stretch gets a status its neighbours
//!   contradict.
//!
//! With a trajectory the analysis runs once per quarter (or month, for a
//! trajectory written in months), since `expected`
//! changes. Conditions that read anything else are not analysed.

use rust_decimal::Decimal;

use super::Compiler;
use crate::ast;
use crate::compile::expr::fold_constant;
use crate::display::amount;
use crate::ir::{self, Better, CmpOp, Field, RuleSet, Slot, Subject};
use crate::period::SubPeriod;
use crate::rag::Rag;

pub(super) fn analyse(
    c: &mut Compiler,
    rules: &RuleSet,
    idx: usize,
    ast_bands: &[&ast::Band],
    bands: &[ir::Band],
) {
    if bands.is_empty() || bands.len() != ast_bands.len() {
        return;
    }
    let Some(m) = rules.measures.get(idx) else {
        return;
    };
    let quarters: Vec<Option<SubPeriod>> = match &m.trajectory {
        Some(t) => t.written.sub_periods().map(Some).collect(),
        None => vec![None],
    };
    let mut reached = vec![false; bands.len()];
    let mut analysed = false;
    let mut gaps: Vec<(usize, String)> = Vec::new();
    for q in quarters {
        let Some(points) = sample_points(bands, m, q) else {
            return;
        };
        let mut statuses = Vec::with_capacity(points.len());
        for (x, region) in &points {
            let Some(i) = first_band(bands, m, q, *x) else {
                return;
            };
            reached[i] = true;
            statuses.push((bands[i].status, i, region.clone()));
        }
        analysed = true;
        if let Some(gap) = find_gap(&statuses, m.better, m)
            && !gaps.iter().any(|(i, _)| *i == gap.0)
        {
            {
                let when = match q {
                    Some(q) => format!(" in {}", q.label()),
                    None => String::new(),
                };
                gaps.push((gap.0, format!("{}{when}", gap.1)));
            }
        }
    }
    if !analysed {
        return;
    }
    for (i, band) in ast_bands.iter().enumerate() {
        if !reached[i] {
            c.report(
                c.error(
                    "unreachable_band",
                    band.span,
                    format!(
                        "this {} band can never apply: every value it covers is taken by an earlier band",
                        bands[i].status
                    ),
                )
                .label("never reached")
                .help("reorder the bands (the first that holds wins) or change the thresholds"),
            );
        }
    }
    for (i, text) in gaps {
        if let Some(band) = ast_bands.get(i) {
            c.report(
                c.error("band_gap", band.span, format!("the bands leave a gap: {text}"))
                    .label("values in the gap fall here")
                    .help(
                        "make each band start where the previous one ends, e.g. `green when value >= 95%` then `amber when value >= 85%`",
                    ),
            );
        }
    }
}

/// The constants a measure's bands compare the value with at `sub`,
/// ascending, and the status of each open stretch of the value axis around
/// them (below the first, between each two, above the last); `None` in
/// the list where no band applies. `None` when the bands read anything
/// but the value and constants. For the HTML report's chart.
pub(crate) fn regions(
    m: &ir::Measure,
    sub: Option<SubPeriod>,
) -> Option<(Vec<Decimal>, Vec<Option<Rag>>)> {
    if m.bands.is_empty() {
        return None;
    }
    let mut consts = Vec::new();
    for b in &m.bands {
        if let Some(cond) = &b.condition {
            constants(cond, m, sub, &mut consts)?;
        }
    }
    consts.sort();
    consts.dedup();
    let mut points = Vec::with_capacity(consts.len() + 1);
    if let (Some(&lo), Some(&hi)) = (consts.first(), consts.last()) {
        points.push(lo - Decimal::ONE);
        points.extend(consts.windows(2).map(|w| (w[0] + w[1]) / Decimal::TWO));
        points.push(hi + Decimal::ONE);
    } else {
        points.push(Decimal::ZERO);
    }
    // Every condition reads only the value and constants (or `constants`
    // would have failed), so a band that is not first holds nowhere there.
    let statuses = points
        .into_iter()
        .map(|x| first_band(&m.bands, m, sub, x).map(|i| m.bands[i].status))
        .collect();
    Some((consts, statuses))
}

/// One value in each region of the value axis, with a description.
fn sample_points(
    bands: &[ir::Band],
    m: &ir::Measure,
    q: Option<SubPeriod>,
) -> Option<Vec<(Decimal, Region)>> {
    let mut consts = Vec::new();
    for b in bands {
        if let Some(cond) = &b.condition {
            constants(cond, m, q, &mut consts)?;
        }
    }
    consts.sort();
    consts.dedup();
    let mut points = Vec::new();
    let (first, last) = (consts.first().copied(), consts.last().copied());
    match (first, last) {
        (Some(lo), Some(hi)) => {
            points.push((lo - Decimal::ONE, Region::Below(lo)));
            for w in consts.windows(2) {
                points.push((w[0], Region::At(w[0])));
                let mid = (w[0] + w[1]) / Decimal::TWO;
                points.push((mid, Region::Between(w[0], w[1])));
            }
            points.push((hi, Region::At(hi)));
            points.push((hi + Decimal::ONE, Region::Above(hi)));
        }
        _ => points.push((Decimal::ZERO, Region::Everywhere)),
    }
    Some(points)
}

#[derive(Clone, Debug)]
enum Region {
    Below(Decimal),
    At(Decimal),
    Between(Decimal, Decimal),
    Above(Decimal),
    Everywhere,
}

fn describe(region: &Region, m: &ir::Measure) -> String {
    let f = |d: &Decimal| amount(*d, m.unit);
    match region {
        Region::Below(d) => format!("below {}", f(d)),
        Region::At(d) => format!("of exactly {}", f(d)),
        Region::Between(a, b) => format!("between {} and {}", f(a), f(b)),
        Region::Above(d) => format!("above {}", f(d)),
        Region::Everywhere => "every value".into(),
    }
}

/// Collect the constants `value` is compared with; `None` if a condition
/// reads anything but `value` and constants.
fn constants(
    e: &ir::Expr,
    m: &ir::Measure,
    q: Option<SubPeriod>,
    out: &mut Vec<Decimal>,
) -> Option<()> {
    match e {
        ir::Expr::Cmp(_, a, b) => {
            let k = if is_value(a) {
                fold_constant(b, m, q)?
            } else if is_value(b) {
                fold_constant(a, m, q)?
            } else {
                return None;
            };
            out.push(k);
            Some(())
        }
        ir::Expr::And(a, b) | ir::Expr::Or(a, b) => {
            constants(a, m, q, out)?;
            constants(b, m, q, out)
        }
        ir::Expr::Not(x) => constants(x, m, q, out),
        ir::Expr::Const(ir::Const::Bool(_)) => Some(()),
        _ => None,
    }
}

fn is_value(e: &ir::Expr) -> bool {
    matches!(
        e,
        ir::Expr::Slot(Slot {
            subject: Subject::Current,
            field: Field::Value,
        })
    )
}

fn holds(e: &ir::Expr, m: &ir::Measure, q: Option<SubPeriod>, x: Decimal) -> Option<bool> {
    match e {
        ir::Expr::Cmp(op, a, b) => {
            let (l, r) = if is_value(a) {
                (x, fold_constant(b, m, q)?)
            } else {
                (fold_constant(a, m, q)?, x)
            };
            Some(match op {
                CmpOp::Eq => l == r,
                CmpOp::Ne => l != r,
                CmpOp::Lt => l < r,
                CmpOp::Le => l <= r,
                CmpOp::Gt => l > r,
                CmpOp::Ge => l >= r,
            })
        }
        ir::Expr::And(a, b) => Some(holds(a, m, q, x)? && holds(b, m, q, x)?),
        ir::Expr::Or(a, b) => Some(holds(a, m, q, x)? || holds(b, m, q, x)?),
        ir::Expr::Not(a) => Some(!holds(a, m, q, x)?),
        ir::Expr::Const(ir::Const::Bool(b)) => Some(*b),
        _ => None,
    }
}

fn first_band(
    bands: &[ir::Band],
    m: &ir::Measure,
    q: Option<SubPeriod>,
    x: Decimal,
) -> Option<usize> {
    for (i, b) in bands.iter().enumerate() {
        match &b.condition {
            None => return Some(i),
            Some(c) => {
                if holds(c, m, q, x)? {
                    return Some(i);
                }
            }
        }
    }
    None
}

/// The first region whose status is out of order along the value axis:
/// its band index and a description.
fn find_gap(
    statuses: &[(Rag, usize, Region)],
    better: Option<Better>,
    m: &ir::Measure,
) -> Option<(usize, String)> {
    let rank = |r: Rag| r as i32;
    let (first, last) = (statuses.first()?, statuses.last()?);
    let ascending = match better {
        Some(Better::Higher) => true,
        Some(Better::Lower) => false,
        None if rank(first.0) < rank(last.0) => true,
        None if rank(first.0) > rank(last.0) => false,
        None => return None,
    };
    for pair in statuses.windows(2) {
        let (prev, cur) = (&pair[0], &pair[1]);
        let wrong = if ascending {
            rank(cur.0) < rank(prev.0)
        } else {
            rank(cur.0) > rank(prev.0)
        };
        if wrong {
            return Some((
                cur.1,
                format!(
                    "a value {} is {}, yet lower values are {}",
                    describe(&cur.2, m),
                    cur.0,
                    prev.0
                ),
            ));
        }
    }
    None
}
