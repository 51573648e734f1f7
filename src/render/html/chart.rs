//! The small inline SVG chart of a measure's row: its values across the
//! sub-periods, what they were expected to be (the trajectory or the
//! target, dashed), and the bands behind them as shaded stretches, each
//! labelled with its status's letter so that colour is never the only
//! clue. The return's own value is drawn as a square, the others as dots.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::escape;
use crate::rag::Rag;
use crate::report::MeasureDetail;

const WIDTH: f64 = 132.0;
const HEIGHT: f64 = 40.0;
/// Space around the plot.
const PAD: f64 = 4.0;
/// Space on the right for the bands' letters.
const LABELS: f64 = 10.0;

/// Write the chart of a measure; nothing when it has no number to show.
/// `label` names the measure, for the chart's accessible name.
pub(super) fn write(out: &mut String, label: &str, d: &MeasureDetail) {
    let number = |n: Option<Decimal>| n.and_then(|n| n.to_f64()).filter(|n| n.is_finite());
    let values: Vec<Option<f64>> = d.values.iter().map(|v| number(v.number)).collect();
    let expected: Vec<Option<f64>> = d.values.iter().map(|v| number(v.expected)).collect();
    let thresholds: Vec<f64> = d
        .thresholds
        .iter()
        .filter_map(|&t| number(Some(t)))
        .collect();
    let known = || values.iter().chain(&expected).flatten().copied();
    let (Some(mut lo), Some(mut hi)) = (
        known().chain(thresholds.iter().copied()).reduce(f64::min),
        known().chain(thresholds.iter().copied()).reduce(f64::max),
    ) else {
        return;
    };
    if values.iter().all(Option::is_none) {
        return;
    }
    if hi <= lo {
        lo -= 1.0;
        hi += 1.0;
    }
    // Room around the values, and for the bands beyond the outermost
    // thresholds to show (and take their letter).
    let span = hi - lo;
    let (mut lo, mut hi) = (lo - span * 0.08, hi + span * 0.08);
    if let (Some(&low), Some(&high)) = (thresholds.first(), thresholds.last()) {
        lo = lo.min(low - span * 0.3);
        hi = hi.max(high + span * 0.3);
    }
    let y = |v: f64| PAD + (hi - v) / (hi - lo) * (HEIGHT - 2.0 * PAD);
    let n = d.values.len();
    let plot = WIDTH - 2.0 * PAD - LABELS;
    let x = |i: usize| match n {
        0 | 1 => PAD + plot / 2.0,
        _ => PAD + plot * i as f64 / (n - 1) as f64,
    };

    out.push_str(r#"<svg class="chart" viewBox="0 0 132 40" width="132" height="40" role="img" aria-label=""#);
    escape(out, &describe(label, d));
    out.push_str(r#""><rect class="bg" x="0.5" y="0.5" width="131" height="39"/>"#);
    // The bands: the stretch below the first threshold, between each two,
    // above the last.
    if d.regions.len() == thresholds.len() + 1 {
        for (k, status) in d.regions.iter().enumerate() {
            let top = thresholds.get(k).copied().unwrap_or(hi).min(hi);
            let bottom = k
                .checked_sub(1)
                .and_then(|j| thresholds.get(j))
                .copied()
                .unwrap_or(lo)
                .max(lo);
            let Some(status) = status else { continue };
            if top <= bottom {
                continue;
            }
            let (y0, y1) = (y(top), y(bottom));
            let (class, letter) = match status {
                Rag::Green => ("rg", 'G'),
                Rag::Amber => ("ra", 'A'),
                Rag::Red => ("rr", 'R'),
            };
            let _ = write!(
                out,
                r#"<rect class="{class}" x="1" y="{y0:.1}" width="130" height="{:.1}"/>"#,
                y1 - y0
            );
            if y1 - y0 >= 6.0 {
                let _ = write!(
                    out,
                    r#"<text class="bl" x="124" y="{:.1}">{letter}</text>"#,
                    (y0 + y1) / 2.0 + 2.5
                );
            }
        }
    }
    line(out, "exp", &expected, &x, &y);
    line(out, "val", &values, &x, &y);
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else { continue };
        if d.own == Some(i) {
            let _ = write!(
                out,
                r#"<rect class="own" x="{:.1}" y="{:.1}" width="5" height="5"/>"#,
                x(i) - 2.5,
                y(*v) - 2.5
            );
        } else {
            let _ = write!(
                out,
                r#"<circle class="pt" cx="{:.1}" cy="{:.1}" r="2"/>"#,
                x(i),
                y(*v)
            );
        }
    }
    out.push_str("</svg>");
}

/// A polyline through the points that are known, broken where one is not;
/// a lone point is drawn as a short level stroke.
fn line(
    out: &mut String,
    class: &str,
    points: &[Option<f64>],
    x: &dyn Fn(usize) -> f64,
    y: &dyn Fn(f64) -> f64,
) {
    let mut i = 0;
    while i < points.len() {
        let run: Vec<(usize, f64)> = points[i..]
            .iter()
            .enumerate()
            .map_while(|(j, p)| p.map(|v| (i + j, v)))
            .collect();
        if run.is_empty() {
            i += 1;
            continue;
        }
        i += run.len();
        let _ = write!(out, r#"<polyline class="{class}" points=""#);
        if let [(j, v)] = run[..] {
            let _ = write!(
                out,
                "{:.1},{:.1} {:.1},{:.1}",
                x(j) - 4.0,
                y(v),
                x(j) + 4.0,
                y(v)
            );
        } else {
            for (n, (j, v)) in run.iter().enumerate() {
                let sep = if n == 0 { "" } else { " " };
                let _ = write!(out, "{sep}{:.1},{:.1}", x(*j), y(*v));
            }
        }
        out.push_str(r#""/>"#);
    }
}

/// The chart in words: its accessible name.
fn describe(label: &str, d: &MeasureDetail) -> String {
    let mut text = format!("Chart of {label}:");
    let given: Vec<String> = d
        .values
        .iter()
        .filter_map(|v| Some(format!(" {} {}", v.name.to_uppercase(), v.text.as_deref()?)))
        .collect();
    text.push_str(&given.join(","));
    if let Some(target) = &d.target {
        let _ = write!(text, "; target {target}");
    }
    text
}
