//! Statistics over a sorted list of exact decimals: what `median(peers)`,
//! `mad(peers)`, `quantile(peers, P)` and `rank(peers)` compute.
//!
//! Every function takes the values sorted ascending and gives `None` where
//! the statistic is undefined (no values, a fraction outside 0..=1, an
//! overflow): the rule language reads `None` as *unknown*.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The middle value, or the mean of the two middle values.
pub fn median(sorted: &[Decimal]) -> Option<Decimal> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    if n % 2 == 1 {
        Some(sorted[n / 2])
    } else {
        sorted[n / 2 - 1]
            .checked_add(sorted[n / 2])
            .and_then(|s| s.checked_div(Decimal::TWO))
    }
}

/// The median absolute deviation from the median, unscaled (no 1.4826).
pub fn mad(sorted: &[Decimal]) -> Option<Decimal> {
    let m = median(sorted)?;
    let mut deviations = sorted
        .iter()
        .map(|x| x.checked_sub(m).map(|d| d.abs()))
        .collect::<Option<Vec<_>>>()?;
    deviations.sort_unstable();
    median(&deviations)
}

/// The arithmetic mean.
pub fn mean(sorted: &[Decimal]) -> Option<Decimal> {
    if sorted.is_empty() {
        return None;
    }
    let mut sum = Decimal::ZERO;
    for x in sorted {
        sum = sum.checked_add(*x)?;
    }
    sum.checked_div(Decimal::from(sorted.len() as u64))
}

/// The `p` quantile, `p` from 0 to 1, by linear interpolation between
/// order statistics: R's type 7, numpy's default. `h = (n - 1) p`; the
/// result is `x[⌊h⌋] + (h - ⌊h⌋) (x[⌊h⌋ + 1] - x[⌊h⌋])`.
pub fn quantile(sorted: &[Decimal], p: Decimal) -> Option<Decimal> {
    if sorted.is_empty() || p < Decimal::ZERO || p > Decimal::ONE {
        return None;
    }
    let h = Decimal::from(sorted.len() as u64 - 1).checked_mul(p)?;
    let lo = h.floor();
    let i = lo.to_usize()?;
    let x = *sorted.get(i)?;
    match sorted.get(i + 1) {
        Some(next) => x.checked_add((h - lo).checked_mul(next.checked_sub(x)?)?),
        None => Some(x),
    }
}

/// 1 + how many values are strictly better than `v`: 1 is the best, and
/// ties share the best rank. `higher_is_better` is the measure's `better`.
pub fn rank(sorted: &[Decimal], v: Decimal, higher_is_better: bool) -> usize {
    let better = if higher_is_better {
        sorted.len() - sorted.partition_point(|x| *x <= v)
    } else {
        sorted.partition_point(|x| *x < v)
    };
    better + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn ds(xs: &[&str]) -> Vec<Decimal> {
        let mut v: Vec<Decimal> = xs.iter().map(|x| d(x)).collect();
        v.sort();
        v
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&ds(&["3", "1", "2"])), Some(d("2")));
        assert_eq!(median(&ds(&["4", "1", "2", "3"])), Some(d("2.5")));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn mad_is_unscaled() {
        // median 2; deviations 1, 1, 0, 2, 7 → 1
        assert_eq!(mad(&ds(&["1", "1", "2", "4", "9"])), Some(d("1")));
    }

    #[test]
    fn quantile_is_rs_type_7() {
        let x = ds(&["1", "2", "3", "4"]);
        // R: quantile(1:4, c(0, .25, .5, .9, 1)) = 1, 1.75, 2.5, 3.7, 4
        assert_eq!(quantile(&x, d("0")), Some(d("1")));
        assert_eq!(quantile(&x, d("0.25")), Some(d("1.75")));
        assert_eq!(quantile(&x, d("0.5")), Some(d("2.5")));
        assert_eq!(quantile(&x, d("0.9")), Some(d("3.7")));
        assert_eq!(quantile(&x, d("1")), Some(d("4")));
        assert_eq!(quantile(&x, d("1.5")), None);
    }

    #[test]
    fn ties_share_the_best_rank() {
        let x = ds(&["90", "80", "80", "70"]);
        assert_eq!(rank(&x, d("90"), true), 1);
        assert_eq!(rank(&x, d("80"), true), 2);
        assert_eq!(rank(&x, d("70"), true), 4);
        assert_eq!(rank(&x, d("70"), false), 1);
        assert_eq!(rank(&x, d("80"), false), 2);
    }
}
