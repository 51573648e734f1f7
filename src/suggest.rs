//! "Did you mean …?": the closest known name to one that is not known, for
//! the help of a diagnostic. The compiler, the built-in checks, the return
//! readers, rule tests and the CLI all suggest names the same way, so the
//! rule lives here, apart from all of them.

/// The closest name, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    // The edit distance is at least the difference in length: skip the
    // costly distance for candidates that cannot be close enough.
    candidates
        .filter(|c| c.len().abs_diff(name.len()) <= 2.max(c.len() / 4))
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len().max(name.len()))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn a_typo_finds_its_name_and_a_stranger_finds_none() {
        let names = ["appraisals", "sickness_absence", "budget"];
        assert_eq!(
            did_you_mean("apraisals", names.into_iter()),
            Some("appraisals")
        );
        assert_eq!(did_you_mean("budgte", names.into_iter()), Some("budget"));
        assert_eq!(did_you_mean("headcount", names.into_iter()), None);
        // A name two letters long is not "close" to another two-letter one.
        assert_eq!(did_you_mean("ab", ["cd"].into_iter()), None);
    }

    #[test]
    fn ties_go_to_the_first_in_alphabetical_order() {
        assert_eq!(did_you_mean("cat", ["cut", "cot"].into_iter()), Some("cot"));
    }
}
