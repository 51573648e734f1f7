//! Rule text → [`crate::ast`].
//!
//! pest does the parsing (`grammar/rules.pest`); hand-written builders, one
//! per grammar rule, turn its parse tree into the AST. `Pair` and `Rule`
//! never leave this module. Syntax errors become [`Diagnostic`]s whose
//! "expected …" lists are in plain words (see `expected`).

mod build;
mod expected;
mod expr;
mod template;

use pest::Parser as _;

use crate::ast::{Path, RuleFile};
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::{FileId, SourceFile};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/rules.pest"]
struct RuleParser;

/// Parse one rule file. On a syntax error, returns the diagnostic.
pub fn parse_file(file: FileId, source: &SourceFile) -> Result<RuleFile, Box<Diagnostic>> {
    let pairs = RuleParser::parse(Rule::file, &source.text)
        .map_err(|e| Box::new(expected::syntax_error(e, source)))?;
    let builder = build::Builder::new(file, 0);
    builder
        .file(pairs)
        .map_err(|e| Box::new(e.into_diagnostic(source)))
}

/// Parse a dotted path such as `appraisals.q4` (used by test fixtures).
pub fn parse_path(text: &str, file: FileId, offset: usize) -> Option<Path> {
    let pairs = RuleParser::parse(Rule::path_only, text).ok()?;
    let builder = build::Builder::new(file, offset);
    builder.path_only(pairs)
}

/// A problem found while building the AST (a bad quantity, say).
#[derive(Debug)]
pub(crate) struct BuildError {
    pub code: &'static str,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    pub start: usize,
    pub end: usize,
}

impl BuildError {
    fn into_diagnostic(self, source: &SourceFile) -> Diagnostic {
        let mut d = Diagnostic::new(Severity::Error, self.code, self.message)
            .at(source.locate(self.start, self.end))
            .label(self.label);
        d.help = self.help;
        d
    }
}

#[cfg(test)]
mod tests;
