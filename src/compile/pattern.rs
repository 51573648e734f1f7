//! `matches "…"`: a pattern compiled with the memory it holds counted, so a
//! rule set cannot ask for gigabytes of compiled patterns (SPEC 5).
//!
//! Each pattern compiles to at most [`MAX_PATTERN_BYTES`] (the limit the
//! `regex` crate sets by default), and the patterns of a rule set hold at
//! most [`MAX_PATTERNS_BYTES`] between them, each counted by what its
//! compiled form reports it holds. Past either, the pattern is a
//! `bad_regex` error naming it; once one pattern does not fit, later ones
//! are not compiled (each would cost the time of a failed compile).

use crate::ir::Regex;

/// The most one pattern's automaton may take (10 MiB): `\w{200}` is past
/// it, since `\w` alone is hundreds of Unicode ranges.
pub const MAX_PATTERN_BYTES: usize = 10 << 20;

/// The most the compiled patterns of a rule set may hold between them
/// (64 MiB): a pattern of a real rule set holds 2 to 60 KiB
/// (`(?i)action|plan|recover|remed`: 40 KiB), so this is room for over a
/// thousand.
pub const MAX_PATTERNS_BYTES: usize = 64 << 20;

/// Why a pattern was not compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// Not a regular expression: the syntax error's last line.
    Syntax(String),
    /// Larger than [`MAX_PATTERN_BYTES`] alone.
    TooBig,
    /// Past what the rule set's patterns may hold together, which
    /// `used` bytes of earlier patterns already take.
    OverBudget { used: usize },
}

/// Compile `pattern` when the rule set's earlier patterns hold `used`
/// bytes: the regex and the bytes it holds.
pub fn compile(pattern: &str, used: usize) -> Result<(Regex, usize), PatternError> {
    let room = MAX_PATTERNS_BYTES.saturating_sub(used);
    let limit = MAX_PATTERN_BYTES.min(room);
    // As `regex::Regex::new` configures it, with the size limit lowered to
    // what room is left.
    let config = Regex::config()
        .nfa_size_limit(Some(limit))
        .hybrid_cache_capacity(2 << 20);
    let built = regex_automata::meta::Builder::new()
        .configure(config)
        .build(pattern);
    match built {
        Ok(regex) => {
            let bytes = regex.memory_usage();
            if bytes > room {
                return Err(PatternError::OverBudget { used });
            }
            Ok((regex, bytes))
        }
        Err(e) if e.size_limit().is_some() => {
            if limit < MAX_PATTERN_BYTES {
                Err(PatternError::OverBudget { used })
            } else {
                Err(PatternError::TooBig)
            }
        }
        Err(e) => {
            let said = match e.syntax_error() {
                Some(syntax) => syntax.to_string(),
                None => e.to_string(),
            };
            let detail = said
                .lines()
                .last()
                .unwrap_or("invalid pattern")
                .trim()
                .trim_start_matches("error: ")
                .to_string();
            Err(PatternError::Syntax(detail))
        }
    }
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = |b: usize| b >> 20;
        match self {
            PatternError::Syntax(detail) => {
                write!(
                    f,
                    "this pattern is not a valid regular expression: {detail}"
                )
            }
            PatternError::TooBig => write!(
                f,
                "this pattern compiles to more than {} MiB; ragcheck compiles a pattern of at most {} MiB",
                mib(MAX_PATTERN_BYTES),
                mib(MAX_PATTERN_BYTES)
            ),
            PatternError::OverBudget { used } => write!(
                f,
                "this pattern takes the rules' compiled patterns past {} MiB \
                 (those before it hold {:.1} MiB); ragcheck holds at most {} MiB of compiled patterns",
                mib(MAX_PATTERNS_BYTES),
                *used as f64 / (1 << 20) as f64,
                mib(MAX_PATTERNS_BYTES)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_as_the_regex_crate_compiles_them() {
        let (re, bytes) = compile("(?i)action|plan", 0).unwrap_or_else(|e| panic!("{e}"));
        assert!(re.is_match("An Action plan"));
        assert!(!re.is_match("nothing"));
        assert!(bytes > 0 && bytes < 1 << 20, "{bytes}");
        // Empty matches never split a character.
        let (re, _) = compile("^$", 0).unwrap_or_else(|e| panic!("{e}"));
        assert!(re.is_match(""));
        assert_eq!(
            compile("plan(", 0).map(|_| ()),
            Err(PatternError::Syntax("unclosed group".into()))
        );
    }

    #[test]
    fn one_pattern_and_all_patterns_are_bounded() {
        assert_eq!(
            compile(r"\w{300}", 0).map(|_| ()),
            Err(PatternError::TooBig)
        );
        // Fits alone, not with what is held.
        let (_, bytes) = compile(r"\w{50}", 0).unwrap_or_else(|e| panic!("{e}"));
        let used = MAX_PATTERNS_BYTES - bytes / 2;
        assert_eq!(
            compile(r"\w{50}", used).map(|_| ()),
            Err(PatternError::OverBudget { used })
        );
        let mut used = 0;
        let mut compiled = 0;
        while let Ok((_, bytes)) = compile(r"\w{50}", used) {
            used += bytes;
            compiled += 1;
        }
        assert!(
            used <= MAX_PATTERNS_BYTES && compiled >= 2,
            "{compiled} {used}"
        );
    }
}
