//! The functions of the rule language, in one table.
//!
//! Every function is one [`Signature`] row in [`FUNCTIONS`]: its name, the
//! kinds of its arguments, the rule that gives the unit of its result, and
//! how it is written and what it gives, for help and documentation. The
//! compiler resolves calls from this table (`compile/expr.rs`), the names
//! it lists are reserved (`compile::is_reserved`), `unknown_function`'s help
//! lists them, and `docs/language.md`'s table of functions is checked
//! against it (`tests/docs_in_sync.rs`). Adding a function is a variant
//! of [`Func`], a row here and its arm in `eval::value::apply` (or in
//! `ReturnCtx::peers`, `eval/mod.rs`, for the functions over `peers`).
//!
//! A name may have several rows, told apart by the kinds of their
//! arguments: `count(each measure)` and `count(peers)`, `min(x, y)` and
//! `min(peers)`.

use crate::ir::Func;

/// The kind of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// A number of any unit.
    Number,
    /// A plain number: `round`'s digits.
    Plain,
    /// Any value, read as its text.
    Text,
    /// `each measure [where CONDITION]`.
    EachMeasure,
    /// `peers` or `peers by return.KEY` (SPEC 3.9).
    Peers,
}

/// What the result of a call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// The type of the arguments, which must agree (`abs`, `round`, `min`).
    Arguments,
    /// A plain number (`len`, `count`, `rank`).
    Plain,
    /// A text (`lower`).
    Text,
    /// A number in the unit of the measure in scope (`median(peers)`).
    MeasureUnit,
}

/// One function (or one form of a function whose name has several).
#[derive(Debug)]
pub struct Signature {
    pub name: &'static str,
    pub func: Func,
    pub params: &'static [Param],
    /// The last parameter may repeat: at least `params.len()` arguments.
    pub repeats: bool,
    pub returns: Returns,
    /// How a call is written, as the documentation shows it.
    pub usage: &'static str,
    /// What it gives, one line.
    pub doc: &'static str,
    /// The arguments in words, for "`round` takes …".
    pub takes: &'static str,
}

/// Every function of the language, in the order the documentation lists
/// them.
pub const FUNCTIONS: &[Signature] = &[
    Signature {
        name: "abs",
        func: Func::Abs,
        params: &[Param::Number],
        repeats: false,
        returns: Returns::Arguments,
        usage: "abs(x)",
        doc: "absolute value, same unit",
        takes: "one argument",
    },
    Signature {
        name: "min",
        func: Func::Min,
        params: &[Param::Number, Param::Number],
        repeats: true,
        returns: Returns::Arguments,
        usage: "min(x, y, ...)",
        doc: "the smallest, same unit",
        takes: "two or more arguments",
    },
    Signature {
        name: "max",
        func: Func::Max,
        params: &[Param::Number, Param::Number],
        repeats: true,
        returns: Returns::Arguments,
        usage: "max(x, y, ...)",
        doc: "the largest, same unit",
        takes: "two or more arguments",
    },
    Signature {
        name: "round",
        func: Func::Round,
        params: &[Param::Number, Param::Plain],
        repeats: false,
        returns: Returns::Arguments,
        usage: "round(x, digits)",
        doc: "rounded, same unit",
        takes: "two arguments: a number and the digits to keep",
    },
    Signature {
        name: "len",
        func: Func::Len,
        params: &[Param::Text],
        repeats: false,
        returns: Returns::Plain,
        usage: "len(text)",
        doc: "number of characters",
        takes: "one argument",
    },
    Signature {
        name: "lower",
        func: Func::Lower,
        params: &[Param::Text],
        repeats: false,
        returns: Returns::Text,
        usage: "lower(text)",
        doc: "lower-cased text",
        takes: "one argument",
    },
    Signature {
        name: "count",
        func: Func::CountEach,
        params: &[Param::EachMeasure],
        repeats: false,
        returns: Returns::Plain,
        usage: "count(each measure [where C])",
        doc: "how many measures of the return satisfy C",
        takes: "`each measure [where CONDITION]`",
    },
    Signature {
        name: "count",
        func: Func::PeerCount,
        params: &[Param::Peers],
        repeats: false,
        returns: Returns::Plain,
        usage: "count(peers)",
        doc: "how many returns of the same period give this measure a value",
        takes: "`peers`",
    },
    Signature {
        name: "median",
        func: Func::Median,
        params: &[Param::Peers],
        repeats: false,
        returns: Returns::MeasureUnit,
        usage: "median(peers)",
        doc: "the median of the peers, in the measure's unit",
        takes: "`peers` or `peers by return.KEY`",
    },
    Signature {
        name: "mad",
        func: Func::Mad,
        params: &[Param::Peers],
        repeats: false,
        returns: Returns::MeasureUnit,
        usage: "mad(peers)",
        doc: "the median absolute deviation from the median, unscaled",
        takes: "`peers` or `peers by return.KEY`",
    },
    Signature {
        name: "mean",
        func: Func::Mean,
        params: &[Param::Peers],
        repeats: false,
        returns: Returns::MeasureUnit,
        usage: "mean(peers)",
        doc: "the mean of the peers",
        takes: "`peers` or `peers by return.KEY`",
    },
    Signature {
        name: "min",
        func: Func::PeerMin,
        params: &[Param::Peers],
        repeats: false,
        returns: Returns::MeasureUnit,
        usage: "min(peers)",
        doc: "the smallest of the peers",
        takes: "`peers` or `peers by return.KEY`",
    },
    Signature {
        name: "max",
        func: Func::PeerMax,
        params: &[Param::Peers],
        repeats: false,
        returns: Returns::MeasureUnit,
        usage: "max(peers)",
        doc: "the largest of the peers",
        takes: "`peers` or `peers by return.KEY`",
    },
    Signature {
        name: "quantile",
        func: Func::Quantile,
        params: &[Param::Peers, Param::Plain],
        repeats: false,
        returns: Returns::MeasureUnit,
        usage: "quantile(peers, P)",
        doc: "the P quantile (P from 0 to 1), R's type 7",
        takes: "`peers` and a fraction from 0 to 1",
    },
    Signature {
        name: "rank",
        func: Func::Rank,
        params: &[Param::Peers],
        repeats: false,
        returns: Returns::Plain,
        usage: "rank(peers)",
        doc: "this value's rank among the peers, 1 the best by `better`; ties share the best rank",
        takes: "`peers` or `peers by return.KEY`",
    },
];

/// The rows of a function name (empty when there is no such function).
pub fn named(name: &str) -> impl Iterator<Item = &'static Signature> + '_ {
    FUNCTIONS.iter().filter(move |s| s.name == name)
}

/// Every function name once, in table order.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS
        .iter()
        .enumerate()
        .filter(|(i, s)| !FUNCTIONS[..*i].iter().any(|t| t.name == s.name))
        .map(|(_, s)| s.name)
}

/// "abs, min, max and count": the names in words.
pub fn names_in_words() -> String {
    let names: Vec<&str> = names().collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// `true` when `name` is a function of the language.
pub fn is_function(name: &str) -> bool {
    FUNCTIONS.iter().any(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_listed_once_in_table_order() {
        assert_eq!(
            names_in_words(),
            "abs, min, max, round, len, lower, count, median, mad, mean, quantile and rank"
        );
    }

    #[test]
    fn rows_of_one_name_differ_in_their_argument_kinds() {
        for (i, a) in FUNCTIONS.iter().enumerate() {
            for b in &FUNCTIONS[i + 1..] {
                assert!(
                    a.name != b.name || a.params.first() != b.params.first(),
                    "{} has two rows taking the same first argument",
                    a.name
                );
            }
        }
    }
}
