//! Red/Amber/Green statuses, ordered `red < amber < green`.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

impl Rag {
    pub const ALL: [Rag; 3] = [Rag::Red, Rag::Amber, Rag::Green];

    pub fn name(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
        }
    }

    /// A declared status, in any case (`Amber`, `GREEN`).
    pub fn parse(text: &str) -> Option<Rag> {
        let t = crate::value::trim(text);
        Rag::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(t))
    }

    /// The closest status name to a misspelling (`Gren` → `green`).
    pub fn suggest(text: &str) -> Option<Rag> {
        let t = text.trim().to_ascii_lowercase();
        // `Progress Green`: a status word among others.
        let words: Vec<Rag> = t
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter_map(Rag::parse)
            .collect();
        if let [one] = words.as_slice() {
            return Some(*one);
        }
        Rag::ALL
            .into_iter()
            .map(|r| (strsim::damerau_levenshtein(&t, r.name()), r))
            .filter(|(d, _)| *d <= 2)
            .min_by_key(|(d, _)| *d)
            .map(|(_, r)| r)
    }
}

impl fmt::Display for Rag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_in_any_case_and_order_red_amber_green() {
        assert_eq!(Rag::parse(" Amber "), Some(Rag::Amber));
        assert_eq!(Rag::parse("GREEN"), Some(Rag::Green));
        assert_eq!(Rag::parse("Gren"), None);
        assert_eq!(Rag::suggest("Gren"), Some(Rag::Green));
        assert_eq!(Rag::suggest("Progress Green"), Some(Rag::Green));
        assert_eq!(Rag::suggest("Red/Amber"), None);
        assert!(Rag::Red < Rag::Amber && Rag::Amber < Rag::Green);
    }
}
