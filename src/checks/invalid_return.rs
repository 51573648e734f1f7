use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ReturnCtx;
use crate::value::is_blank;

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

/// Values given for sub-periods of another frequency than the return's
/// (`m7` in a quarterly return): reported here, once the period is known,
/// and ignored. A blank one (an empty cell in a CSV column of another
/// frequency) is passed over: a collection may mix frequencies.
pub(super) fn other_frequencies(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    let own = ctx.frequency;
    for e in &ctx.entries {
        if own == crate::period::Frequency::Quarterly && e.entry.values.only_quarters() {
            continue;
        }
        for (sub, text) in e.entry.values.iter() {
            if sub.frequency == own || is_blank(text.as_str()) {
                continue;
            }
            let period = match ctx.known_period() {
                Some(p) => format!("this return's period {p} is {own}"),
                None => format!("this return's values are {own}"),
            };
            let keys = match own {
                crate::period::Frequency::Annual => "`year`",
                crate::period::Frequency::Quarterly => "`q1`..`q4`",
                crate::period::Frequency::Monthly => "`m1`..`m12`",
            };
            out.push(
                CHECK
                    .finding(
                        format!(
                            "`{sub}` is {} {} value, but {period}; the value is ignored",
                            if sub.frequency == crate::period::Frequency::Annual {
                                "an"
                            } else {
                                "a"
                            },
                            sub.frequency
                        ),
                        text.pos,
                    )
                    .label(format!("not a {} of this return", own.sub_word()))
                    .help(format!(
                        "give {own} values as {keys}, or check the return's period"
                    ))
                    .measure(e.entry.id())
                    .field(sub.name()),
            );
        }
    }
}
