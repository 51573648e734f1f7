use super::Builtin;
use crate::diagnostic::Severity;

pub static CHECK: Builtin = Builtin {
    id: "invalid_return",
    severity: Severity::Error,
    about: "The file is not a valid return: not YAML/JSON/CSV/spreadsheet, or lacking `return`/`measures`.",
    docs: "\
What it does: reports a file that cannot be read as a return at all: bad YAML or JSON syntax, \
a CSV without the required columns, a spreadsheet that cannot be opened, a file that is not \
text, or a YAML file without the `return:` and `measures:` sections. Anchors, aliases and tags \
are refused too: a return is plain data.

Why: nothing else can be checked in such a file, and a submission system would reject it.

Example:
    return:
      organisation: Leeds City Council
      period: 2011/12 Q4
    measures: [appraisals     # <- unclosed bracket: invalid_return",
    run: None,
};
