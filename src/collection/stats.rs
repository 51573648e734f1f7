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

/// A sorted list of values, however it is held: a slice, or the peers of
/// a collection, which hold indexes into their values.
pub trait Sorted {
    fn count(&self) -> usize;
    /// The `i`-th smallest value, `i < count()`.
    fn get(&self, i: usize) -> Decimal;
}

impl Sorted for [Decimal] {
    fn count(&self) -> usize {
        self.len()
    }

    fn get(&self, i: usize) -> Decimal {
        self[i]
    }
}

impl Sorted for Vec<Decimal> {
    fn count(&self) -> usize {
        self.len()
    }

    fn get(&self, i: usize) -> Decimal {
        self[i]
    }
}

impl<const N: usize> Sorted for [Decimal; N] {
    fn count(&self) -> usize {
        N
    }

    fn get(&self, i: usize) -> Decimal {
        self[i]
    }
}

/// The `p` quantile, `p` from 0 to 1, by linear interpolation between
/// order statistics: R's type 7, numpy's default. `h = (n - 1) p`; the
/// result is `x[⌊h⌋] + (h - ⌊h⌋) (x[⌊h⌋ + 1] - x[⌊h⌋])`.
pub fn quantile<S: Sorted + ?Sized>(sorted: &S, p: Decimal) -> Option<Decimal> {
    let n = sorted.count();
    if n == 0 || p < Decimal::ZERO || p > Decimal::ONE {
        return None;
    }
    let h = Decimal::from(n as u64 - 1).checked_mul(p)?;
    let lo = h.floor();
    let i = lo.to_usize()?;
    if i >= n {
        return None;
    }
    let x = sorted.get(i);
    if i + 1 < n {
        let next = sorted.get(i + 1);
        x.checked_add((h - lo).checked_mul(next.checked_sub(x)?)?)
    } else {
        Some(x)
    }
}

/// 1 + how many values are strictly better than `v`: 1 is the best, and
/// ties share the best rank. `higher_is_better` is the measure's `better`.
pub fn rank<S: Sorted + ?Sized>(sorted: &S, v: Decimal, higher_is_better: bool) -> usize {
    let n = sorted.count();
    // The first index whose value is not below `v` (or, higher being
    // better, not at or below it).
    let first = |past: &dyn Fn(Decimal) -> bool| {
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if past(sorted.get(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    let better = if higher_is_better {
        n - first(&|x| x <= v)
    } else {
        first(&|x| x < v)
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

/// `median`, `mad` and `quantile` against a reference that shares no code
/// with them: every value is scaled to a whole number of ten-thousandths
/// (an `i128`), and each statistic is worked out in whole numbers from its
/// definition on a sorted copy, multiplied up so that no division is left
/// (twice the median, four times the MAD, a thousand times a quantile at
/// `k`/1000). The statistic under test must equal it exactly.
#[cfg(test)]
mod reference {
    use super::*;
    use proptest::prelude::*;

    /// Ten-thousandths in a whole number: exact for the values generated.
    const SCALE: i128 = 10_000;

    fn whole(d: Decimal) -> i128 {
        let scaled = d * Decimal::from(SCALE as i64);
        assert_eq!(
            scaled.fract(),
            Decimal::ZERO,
            "{d} has more than 4 decimals"
        );
        scaled.to_i128().unwrap_or_default()
    }

    /// A value as typed in a return: up to 4 decimal places, either sign,
    /// small and large, with many ties.
    fn value() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            (-20i64..20, 0u32..2).prop_map(|(m, s)| Decimal::new(m, s)),
            (-1_000_000_000i64..1_000_000_000, 0u32..5).prop_map(|(m, s)| Decimal::new(m, s)),
        ]
    }

    fn sorted(mut xs: Vec<Decimal>) -> Vec<Decimal> {
        xs.sort();
        xs
    }

    /// 2 × the median of whole numbers, sorted.
    fn twice_median(x: &[i128]) -> i128 {
        let n = x.len();
        x[(n - 1) / 2] + x[n / 2]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn median_is_the_middle(xs in prop::collection::vec(value(), 1..60)) {
            let xs = sorted(xs);
            let x: Vec<i128> = xs.iter().map(|d| whole(*d)).collect();
            // The median of an even count may have a fifth decimal: twice it
            // has not.
            let m2 = median(&xs).map(|m| whole(m * Decimal::TWO));
            prop_assert_eq!(m2, Some(twice_median(&x)));
        }

        #[test]
        fn mad_is_the_median_distance_from_the_median(xs in prop::collection::vec(value(), 1..60)) {
            let xs = sorted(xs);
            let x: Vec<i128> = xs.iter().map(|d| whole(*d)).collect();
            let m2 = twice_median(&x);
            // |2x - 2m| = 2 |x - m|: twice each deviation, sorted.
            let mut dev2: Vec<i128> = x.iter().map(|v| (2 * v - m2).abs()).collect();
            dev2.sort();
            let want = twice_median(&dev2); // 4 × the MAD
            // 4 × the MAD is a whole number of ten-thousandths, so the MAD
            // has at most 6 decimals: compare at that scale.
            let got = mad(&xs).map(|d| d * Decimal::from(4 * SCALE as i64));
            prop_assert_eq!(got, Some(Decimal::from_i128_with_scale(want, 0)));
        }

        #[test]
        fn quantile_is_rs_type_7(xs in prop::collection::vec(value(), 1..60), k in 0i128..=1000) {
            let xs = sorted(xs);
            let x: Vec<i128> = xs.iter().map(|d| whole(*d)).collect();
            let n = x.len() as i128;
            // h = (n - 1) k / 1000 = j + r / 1000
            let (j, r) = (((n - 1) * k) / 1000, ((n - 1) * k) % 1000);
            let lo = x[j as usize];
            let hi = x.get(j as usize + 1).copied().unwrap_or(lo);
            let want = 1000 * lo + r * (hi - lo); // 1000 × SCALE × the quantile
            let p = Decimal::from_i128_with_scale(k, 3);
            let got = quantile(&xs, p).map(|q| q * Decimal::from(1000 * SCALE as i64));
            prop_assert_eq!(got, Some(Decimal::from_i128_with_scale(want, 0)));
        }

        #[test]
        fn quantile_ends_are_min_and_max_and_its_middle_is_the_median(
            xs in prop::collection::vec(value(), 1..60),
        ) {
            let xs = sorted(xs);
            prop_assert_eq!(quantile(&xs, Decimal::ZERO), xs.first().copied());
            prop_assert_eq!(quantile(&xs, Decimal::ONE), xs.last().copied());
            prop_assert_eq!(quantile(&xs, Decimal::new(5, 1)), median(&xs));
        }

        #[test]
        fn rank_counts_the_better_values(
            xs in prop::collection::vec(value(), 1..60),
            pick in any::<prop::sample::Index>(),
            higher in any::<bool>(),
        ) {
            let xs = sorted(xs);
            let v = xs[pick.index(xs.len())];
            let better = xs.iter().filter(|x| if higher { **x > v } else { **x < v }).count();
            prop_assert_eq!(rank(&xs, v, higher), better + 1);
        }
    }

    #[test]
    fn nothing_to_compute_is_unknown() {
        assert_eq!(median(&[]), None);
        assert_eq!(mad(&[]), None);
        assert_eq!(quantile(&[], Decimal::ONE), None);
        assert_eq!(quantile(&[Decimal::ONE], Decimal::new(-1, 1)), None);
        assert_eq!(quantile(&[Decimal::ONE], Decimal::new(11, 1)), None);
    }
}
