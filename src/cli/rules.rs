//! `ragcheck rules`: compile and list.

use ragcheck::render::Format;

use super::{BROKEN, OK, Settings, finish, load_rules, write_output};

pub(crate) fn run(settings: &Settings) -> i32 {
    let Some((rules, _)) = load_rules(settings) else {
        return BROKEN;
    };
    if settings.format == Format::Json {
        let catalogue = ragcheck::catalogue::Catalogue::of(&rules);
        return match serde_json::to_vec_pretty(&catalogue) {
            Ok(mut json) => {
                json.push(b'\n');
                finish(
                    write_output(settings, &json, rules.sources.iter().map(|s| &*s.path)),
                    OK,
                )
            }
            Err(e) => finish(Err(format!("cannot write the catalogue: {e}")), OK),
        };
    }
    let mut text = String::new();
    text.push_str(&format!(
        "{} rule files: {} measures, {} checks, {} tests",
        rules.sources.len(),
        rules.measures.len(),
        rules.checks.len(),
        rules.tests.len()
    ));
    if !rules.waivers.is_empty() {
        text.push_str(&format!(", {} waivers", rules.waivers.len()));
    }
    text.push_str("\n\n");
    text.push_str("measures:\n");
    for m in &rules.measures {
        let unit = m.unit.map(|u| u.name()).unwrap_or("-");
        let bands: Vec<&str> = m.bands.iter().map(|b| b.status.name()).collect();
        let mut flags = Vec::new();
        if m.required {
            flags.push("required");
        }
        if m.cumulative {
            flags.push("cumulative");
        }
        text.push_str(&format!(
            "  {:<28} {:<8} {:<22} {}\n",
            m.id,
            unit,
            if bands.is_empty() {
                "no bands".to_string()
            } else {
                bands.join(" > ")
            },
            flags.join(", ")
        ));
    }
    text.push_str("\nchecks:\n");
    for c in &rules.checks {
        let scope = match &c.scope {
            ragcheck::ir::Scope::Return => "each return".to_string(),
            ragcheck::ir::Scope::EachMeasure(_) => "each measure".to_string(),
            ragcheck::ir::Scope::EachValue(_) => "each value".to_string(),
            ragcheck::ir::Scope::Measures(ids) => format!("{} measures", ids.len()),
        };
        text.push_str(&format!(
            "  {:<28} {:<14} {}:{}\n",
            c.id, scope, c.rule.file, c.rule.line
        ));
    }
    if !rules.layouts.is_empty() {
        text.push_str("\nlayouts:\n");
        for l in &rules.layouts {
            let shape = match &l.values {
                ragcheck::layout::Values::Long { .. } => "long".to_string(),
                ragcheck::layout::Values::Wide(subs) => format!(
                    "wide ({})",
                    subs.iter()
                        .map(|s| s.sub.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            };
            let files: Vec<&str> = l.files.iter().map(|p| p.text.as_str()).collect();
            text.push_str(&format!(
                "  {:<28} {:<18} {:<34} {}:{}\n",
                l.name,
                shape,
                if files.is_empty() {
                    "(only with --layout)".to_string()
                } else {
                    files.join(", ")
                },
                l.rule.file,
                l.rule.line
            ));
        }
    }
    if !rules.waivers.is_empty() {
        text.push_str("\nwaivers:\n");
        for w in &rules.waivers {
            text.push_str(&waiver_lines(w));
        }
    }
    finish(
        write_output(
            settings,
            text.as_bytes(),
            rules.sources.iter().map(|s| &*s.path),
        ),
        OK,
    )
}

/// A waiver as `rules` and `explain` list it: what it covers, then until
/// when, who approved it, why, and where it is written.
pub(crate) fn waiver_lines(w: &ragcheck::ir::Waiver) -> String {
    let i = &w.info;
    format!(
        "  {}\n      until {}, approved by {}: {}\n      {}:{}\n",
        w.describe(),
        i.until,
        i.approved,
        i.reason,
        i.rule.file,
        i.rule.line
    )
}
