//! `ragcheck explain CHECK_ID`.

use super::{BROKEN, Cli, OK, Settings, load_rules, rule_paths, write_output};

pub(crate) fn run(cli: &Cli, settings: &Settings, id: &str) -> i32 {
    if let Some(b) = ragcheck::checks::BUILTINS.iter().find(|b| b.id == id) {
        let text = format!(
            "{} (built-in, {} by default)\n\n{}\n\n{}\n",
            b.id, b.severity, b.about, b.docs
        );
        return match write_output(cli, text.as_bytes()) {
            Ok(()) => OK,
            Err(_) => BROKEN,
        };
    }
    let Some((rules, _)) = load_rules(cli, settings, &rule_paths(cli)) else {
        return BROKEN;
    };
    match rules.explain(id) {
        Some(text) => match write_output(cli, text.as_bytes()) {
            Ok(()) => OK,
            Err(_) => BROKEN,
        },
        None => {
            let names = ragcheck::checks::BUILTINS
                .iter()
                .map(|b| b.id)
                .chain(rules.checks.iter().map(|c| c.id.as_str()))
                .chain(rules.measures.iter().map(|m| m.id.as_str()));
            match ragcheck::compile::did_you_mean(id, names) {
                Some(s) => {
                    eprintln!("error: there is no check or measure `{id}`; did you mean `{s}`?")
                }
                None => eprintln!("error: there is no check or measure `{id}`"),
            }
            BROKEN
        }
    }
}
