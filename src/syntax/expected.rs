//! Syntax errors in words a non-programmer reads.
//!
//! pest reports the grammar rules it expected at the failing position; each
//! rule is mapped here to a phrase ("a comparison such as `value >= 95%`"),
//! the phrases are deduplicated, and the diagnostic points at the position.

use pest::error::{ErrorVariant, InputLocation};

use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::SourceFile;

/// What a grammar rule means, for "expected …" messages. `None` hides the
/// rule (it is an implementation detail covered by another phrase).
pub fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "the end of the file",
        Rule::measure_decl | Rule::kw_measure => "`measure`",
        Rule::check_decl | Rule::kw_check => "`check`",
        Rule::severity_decl | Rule::kw_severity => "`severity`",
        Rule::test_decl | Rule::kw_test => "`test`",
        Rule::waive_decl | Rule::kw_waive => "`waive`",
        Rule::waive_until | Rule::kw_until => "`until` and a period",
        Rule::period_text | Rule::period_word => "a period such as `2012/13 Q2`",
        Rule::waive_because | Rule::kw_because => "`because` and a reason in double quotes",
        Rule::waive_approved | Rule::kw_approved => {
            "`approved` and who approved it, in double quotes"
        }
        Rule::waive_for => "`for \"ORGANISATION\"`",
        Rule::waive_on => "`on MEASURE`",
        Rule::ident => "a name",
        Rule::string | Rule::string_body => "a text in double quotes",
        Rule::unit_stmt | Rule::kw_unit => "`unit`",
        Rule::better_stmt | Rule::kw_better => "`better`",
        Rule::target_stmt | Rule::kw_target => "`target`",
        Rule::trajectory_stmt | Rule::kw_trajectory => "`trajectory`",
        Rule::trajectory_point => "a quarter and its value, such as `q1 25%`",
        Rule::kw_linear => "`linear`",
        Rule::required_stmt | Rule::kw_required => "`required`",
        Rule::cumulative_stmt | Rule::kw_cumulative => "`cumulative`",
        Rule::about_stmt | Rule::kw_about => "`about`",
        Rule::band => "a band such as `green when value >= target`",
        Rule::kw_when => "`when`",
        Rule::kw_otherwise => "`otherwise`",
        Rule::scope | Rule::kw_for => "`for`",
        Rule::each_measure | Rule::each_value | Rule::kw_each => "`each measure` or `each value`",
        Rule::kw_value => "`value`",
        Rule::measure_list => "a list of measure ids",
        Rule::where_clause | Rule::kw_where => "`where`",
        Rule::rule_stmt | Rule::level => "`error`, `warning` or `info`",
        Rule::level_off => "`error`, `warning`, `info` or `off`",
        Rule::help_clause | Rule::kw_help => "`help`",
        Rule::given_file | Rule::given_stmt | Rule::kw_given => "`given`",
        Rule::kw_file => "`file`",
        Rule::given_assign => "a setting such as `appraisals.q4 = \"94%\"`",
        Rule::expect_stmt | Rule::kw_expect => "`expect`",
        Rule::expect_no | Rule::kw_no => "`no`",
        Rule::expect_diag => "a severity and check id",
        Rule::kw_on => "`on`",
        Rule::kw_diagnostics => "`diagnostics`",
        Rule::expr | Rule::expr_only => "an expression such as `value >= 95%`",
        Rule::eq | Rule::ne | Rule::le | Rule::ge | Rule::lt | Rule::gt => {
            "a comparison such as `>=`"
        }
        Rule::add | Rule::sub | Rule::mul | Rule::div => "an operator such as `+` or `*`",
        Rule::kw_or | Rule::kw_and => "`and` or `or`",
        Rule::kw_not | Rule::neg => "`not`",
        Rule::is_op | Rule::kw_is => "`is missing`",
        Rule::in_op | Rule::kw_in => "`in [...]`",
        Rule::matches_op | Rule::kw_matches => "`matches \"...\"`",
        Rule::list => "a list such as `[amber, red]`",
        Rule::call => "a function call",
        Rule::each_arg => "`each measure`",
        Rule::peers_arg | Rule::kw_peers => "`peers`",
        Rule::kw_by => "`by return.KEY`",
        Rule::path | Rule::path_only => "a name such as `value` or `budget.q3`",
        Rule::number => "a number",
        Rule::money | Rule::currency => "an amount of money such as `£250k`",
        Rule::magnitude => "`k`, `m` or `bn`",
        Rule::percent => "a percentage such as `95%`",
        Rule::duration | Rule::dur_unit => "a duration such as `8.37 days`",
        Rule::kw_true | Rule::kw_false => "`true` or `false`",
        Rule::layout_decl | Rule::kw_layout => "`layout`",
        Rule::field_decl | Rule::kw_field => "`field`",
        Rule::code_stmt | Rule::kw_code => "`code`",
        Rule::layout_stmt => "a layout statement such as `period column \"Period\"`",
        Rule::layout_key => "a name",
        Rule::layout_place | Rule::kw_column | Rule::kw_cell | Rule::kw_row => {
            "`column`, `cell` or `row`"
        }
        Rule::whole => "a whole number",
        Rule::kw_ratio => "`ratio`",
        Rule::layout_comma => "`,`",
        _ => return None,
    })
}

/// Phrases for the expected rules, with the many kinds of operand and of
/// operator each folded into one phrase.
fn grouped_words(positives: &[Rule]) -> Vec<&'static str> {
    const OPERAND: &[Rule] = &[
        Rule::ident,
        Rule::path,
        Rule::number,
        Rule::money,
        Rule::percent,
        Rule::duration,
        Rule::list,
        Rule::call,
        Rule::kw_true,
        Rule::kw_false,
        Rule::kw_not,
        Rule::neg,
        Rule::currency,
        Rule::string,
    ];
    const OPERATOR: &[Rule] = &[
        Rule::kw_or,
        Rule::kw_and,
        Rule::eq,
        Rule::ne,
        Rule::le,
        Rule::ge,
        Rule::lt,
        Rule::gt,
        Rule::add,
        Rule::sub,
        Rule::mul,
        Rule::div,
        Rule::is_op,
        Rule::in_op,
        Rule::matches_op,
        Rule::kw_is,
        Rule::kw_in,
        Rule::kw_matches,
        Rule::dur_unit,
        Rule::duration,
    ];
    let operands = positives.iter().filter(|r| OPERAND.contains(r)).count();
    let operators = positives.iter().filter(|r| OPERATOR.contains(r)).count();
    let mut words = Vec::new();
    for rule in positives {
        if operands >= 3 && OPERAND.contains(rule) {
            words.push("a value or a name (such as `95%`, `target` or `budget.q3`)");
        } else if operators >= 3 && OPERATOR.contains(rule) {
            words.push("an operator (such as `and`, `>=` or `+`)");
        } else if let Some(w) = describe(*rule) {
            words.push(w);
        }
    }
    words.sort_unstable();
    words.dedup();
    words
}

/// The word just before a byte offset.
fn previous_word(text: &str, offset: usize) -> Option<&str> {
    let before = text.get(..offset)?.trim_end();
    let start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(|i| i + 1)
        .unwrap_or(0);
    let word = before.get(start..)?;
    (!word.is_empty()).then_some(word)
}

const KEYWORDS: &[&str] = &[
    "measure",
    "check",
    "severity",
    "test",
    "unit",
    "better",
    "target",
    "trajectory",
    "required",
    "cumulative",
    "about",
    "when",
    "otherwise",
    "each",
    "where",
    "help",
    "given",
    "expect",
    "error",
    "warning",
    "info",
    "green",
    "amber",
    "red",
    "matches",
    "missing",
];

/// A keyword the user probably meant (`targte` → `target`).
fn suggest_keyword(word: &str) -> Option<&'static str> {
    if KEYWORDS.contains(&word) {
        return None;
    }
    KEYWORDS
        .iter()
        .map(|k| (strsim::damerau_levenshtein(word, k), *k))
        .filter(|(d, k)| *d <= 2 && *d < k.len() / 2 + 1)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn join_words(words: &[&str]) -> String {
    match words {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// Turn a pest error into a `syntax_error` diagnostic.
pub fn syntax_error(error: pest::error::Error<Rule>, source: &SourceFile) -> Diagnostic {
    let (start, end) = match error.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let text = &source.text;
    // Point at the offending word, not at an empty position.
    let found_end = text
        .get(start..)
        .map(|rest| {
            let word: usize = rest
                .chars()
                .take_while(|c| !c.is_whitespace())
                .map(char::len_utf8)
                .sum();
            start + word.max(rest.chars().next().map(char::len_utf8).unwrap_or(0))
        })
        .unwrap_or(start)
        .max(end);
    let found = text.get(start..found_end).unwrap_or("").trim();
    let (message, label) = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let words = grouped_words(positives);
            let expected = join_words(&words);
            let message = if found.is_empty() {
                format!("expected {expected}, but the file ends here")
            } else {
                format!("expected {expected}, found `{found}`")
            };
            (message, format!("expected {expected}"))
        }
        ErrorVariant::CustomError { message } if message.contains("stack limit") => (
            "this rule nests too deeply to read".to_string(),
            "too deep".to_string(),
        ),
        ErrorVariant::CustomError { message } => (message.clone(), "here".to_string()),
    };
    let previous = previous_word(text, start);
    let help = if let Some(kw) = previous.and_then(suggest_keyword) {
        Some(format!("did you mean `{kw}`?"))
    } else if found.starts_with('"') || found.ends_with('"') {
        Some("texts are written in double quotes and cannot span lines".to_string())
    } else if found == "}" || found.is_empty() {
        Some("check that every `{` has a matching `}` and every statement is complete".to_string())
    } else {
        None
    };
    let mut d = Diagnostic::new(Severity::Error, "syntax_error", message)
        .at(source.locate(start, found_end))
        .label(label);
    d.help = help;
    d
}
