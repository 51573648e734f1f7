//! Diagnostics as plain data.
//!
//! The engine produces [`Diagnostic`]s; only the renderers in `render/` turn
//! them into text. There is one diagnostic type. The loaders, the built-in
//! checks and the evaluator know only a return's raw positions ([`Pos`]);
//! a diagnostic holds them until the engine locates it
//! ([`Diagnostic::locate`]) with the file's line index. By the time a report
//! is rendered every location is resolved to line and column, so rendering
//! never rescans a file.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// Where a diagnostic is: defined beside the spans and positions it is
/// resolved from.
pub use crate::span::Location;
use crate::span::Pos;

/// How serious a finding is. Ordered `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the rule that raised a diagnostic is written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RuleRef {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

/// `file:line:column`.
impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// What a waived diagnostic carries: why it is accepted, who approved it,
/// until when, and where the waiver is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Waived {
    pub reason: String,
    pub approved: String,
    /// The `until` period, in its canonical form (`2012/13 Q2`).
    pub until: String,
    /// Where the `waive` is written.
    pub rule: RuleRef,
}

/// One problem found in a return or a rule file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable check id or compile error code, e.g. `percent_range`, `unknown_name`.
    pub code: String,
    pub message: String,
    /// Primary location; `None` only for problems that concern no file.
    pub location: Option<Location>,
    /// Short text under the underlined span.
    pub label: Option<String>,
    /// Other places that matter (the first of two duplicate keys, say).
    pub related: Vec<(Location, String)>,
    pub help: Option<String>,
    pub measure: Option<String>,
    pub field: Option<String>,
    /// The rule that raised it; `None` for built-in checks.
    pub rule: Option<RuleRef>,
    /// Set when a waiver in the rule files accepts this problem (SPEC 3.8):
    /// it is still reported, marked so, and never fails the run.
    pub waived: Option<Arc<Waived>>,
    /// The place in a return file, until [`Diagnostic::locate`] turns it
    /// into [`Diagnostic::location`].
    #[serde(skip)]
    pub pos: Option<Pos>,
    /// Other places in the same return file, until [`Diagnostic::locate`]
    /// puts them, located, ahead of [`Diagnostic::related`].
    #[serde(skip)]
    pub related_pos: Vec<(Pos, String)>,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code: code.into(),
            message: crate::display::cap_message(message.into()),
            location: None,
            label: None,
            related: Vec::new(),
            help: None,
            measure: None,
            field: None,
            rule: None,
            waived: None,
            pos: None,
            related_pos: Vec::new(),
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// At a raw position in a return file, located later
    /// ([`Diagnostic::locate`]).
    pub fn at_pos(mut self, pos: Pos) -> Self {
        self.pos = Some(pos);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, location: Location, label: impl Into<String>) -> Self {
        self.related.push((location, label.into()));
        self
    }

    /// Another place in the same return file, as a raw position.
    pub fn related_pos(mut self, pos: Pos, label: impl Into<String>) -> Self {
        self.related_pos.push((pos, label.into()));
        self
    }

    pub fn measure(mut self, id: impl Into<String>) -> Self {
        self.measure = Some(id.into());
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Resolve the raw positions with `locate` (a file's
    /// [`crate::returns::LoadedFile::locate`]): the position becomes the
    /// location, and the related positions come, located, before the places
    /// already located.
    pub fn locate(mut self, locate: impl Fn(Pos) -> Location) -> Self {
        if let Some(pos) = self.pos.take() {
            self.location = Some(locate(pos));
        }
        if !self.related_pos.is_empty() {
            let mut related: Vec<(Location, String)> = std::mem::take(&mut self.related_pos)
                .into_iter()
                .map(|(pos, label)| (locate(pos), label))
                .collect();
            related.append(&mut self.related);
            self.related = related;
        }
        self
    }

    /// Help that suggests a name, ``did you mean `NAME`?``, when there is
    /// one (see [`crate::suggest::did_you_mean`]).
    pub fn suggest(self, name: Option<&str>) -> Self {
        match name {
            Some(name) => self.help(format!("did you mean `{name}`?")),
            None => self,
        }
    }

    /// [`Diagnostic::related`], when the place is known.
    pub fn related_at(mut self, location: Option<Location>, label: impl Into<String>) -> Self {
        if let Some(location) = location {
            self.related.push((location, label.into()));
        }
        self
    }

    /// Whether a waiver accepts it.
    pub fn is_waived(&self) -> bool {
        self.waived.is_some()
    }

    /// Sort key: file, position, then code, so output never depends on
    /// the order in which parallel workers finished.
    pub fn sort_key(&self) -> (Option<&str>, u32, u32, &str, &str) {
        match &self.location {
            Some(l) => (Some(&l.file), l.line, l.column, &self.code, &self.message),
            None => (None, 0, 0, &self.code, &self.message),
        }
    }
}

/// Sort diagnostics deterministically.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}
