use super::Builtin;
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ReturnCtx;
use crate::field::KnownField;
use crate::value::{Unit, ValueText};

pub static CHECK: Builtin = Builtin {
    id: "unit_mismatch",
    severity: Severity::Error,
    about: "A value's explicit unit differs from the measure's declared unit.",
    docs: "\
What it does: reports a value written with a unit other than its measure's (`8.63 days` in a \
percent measure, `£5k` in a days measure), a typed field's value in another unit than its \
`field` declaration's, and a `unit` stated in the return that differs from the rules' declared \
unit. Such a value counts as missing in every rule.

Why: a value in the wrong unit was typed in the wrong row or column; comparing it with the \
thresholds would give a meaningless status.

Example:
    sickness_absence:            # declared `unit days` in the rules
      values: {q3: 8.63%}        # <- unit_mismatch",
    run: Some(run),
};

fn run(ctx: &ReturnCtx<'_>, out: &mut Vec<Diagnostic>) {
    for e in &ctx.entries {
        let declared = e.decl.and_then(|d| ctx.rules.measures[d].unit);
        if let (Some(d), Some(t)) = (declared, e.entry.known(KnownField::Unit)) {
            let stated = t.as_str().trim();
            if Unit::from_name(stated) != Some(d) {
                out.push(
                    CHECK.finding(format!(
                            "the return says measure `{}` is in `{stated}`, but the rules declare {d}",
                            e.entry.id()
                        ),
                        t.pos,
                    )
                    .label(format!("the rules say {d}"))
                    .help(format!("write `unit: {d}`, or leave the unit out"))
                    .measure(e.entry.id())
                    .field("unit"),
                );
            }
        }
        // Typed fields (`field numerator count`) are in their declared unit.
        for (name, text) in &e.entry.extra {
            let Some(&unit) = ctx.rules.field_units.get(name.as_str()) else {
                continue;
            };
            if let ValueText::Quantity(v) = crate::value::parse_value(text.as_str())
                && let Some(vu) = v.unit
                && vu != unit
            {
                out.push(
                    CHECK
                        .finding(
                            format!(
                                "`{}` is in {vu}, but the field `{}` is declared in {unit}",
                                text.as_str(),
                                name.as_str()
                            ),
                            text.pos,
                        )
                        .label(format!("{vu}, not {unit}"))
                        .help(format!(
                            "give the {} in {unit} (`field {} {unit}` in the rules)",
                            name.as_str(),
                            name.as_str()
                        ))
                        .measure(e.entry.id())
                        .field(name.as_str()),
                );
            }
        }
        let Some(unit) = e.unit else { continue };
        if !e.marks.other_unit {
            continue;
        }
        for (sub, parsed) in e.parsed.iter() {
            let Some(ValueText::Quantity(v)) = parsed else {
                continue;
            };
            let Some(vu) = v.unit else { continue };
            if vu != unit
                && !(unit == Unit::Count && vu == Unit::Count)
                && let Some(text) = e.entry.values.get(sub)
            {
                out.push(
                    CHECK
                        .finding(
                            format!(
                                "`{}` is in {vu}, but measure `{}` is in {unit}",
                                text.as_str(),
                                e.entry.id()
                            ),
                            text.pos,
                        )
                        .label(format!("{vu}, not {unit}"))
                        .help(format!(
                            "give the value in {unit}, or check it belongs to this measure"
                        ))
                        .measure(e.entry.id())
                        .field(sub.name()),
                );
            }
        }
    }
}
