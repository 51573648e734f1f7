//! The library's modules depend on one another without cycles (issue 13):
//! the core stages (`ir`, `eval`, `checks`, `compile`, `diagnostic`,
//! `returns`) form no cycle among themselves, and the whole graph has no
//! cycle but one known one, which may only shrink.
//!
//! A module's dependencies are the top-level modules it names as
//! `crate::NAME` (in paths and `use crate::{…}` lists) outside comments
//! and test code (`#[cfg(test)]` items, and files declared so). To see
//! the whole graph and every cycle left in it:
//! `cargo test --test module_cycles -- --ignored --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The core stages, which must not depend on one another in a circle.
const CORE: [&str; 6] = ["ir", "eval", "checks", "compile", "diagnostic", "returns"];

/// The one cycle left, outside the core stages: the gather resolves each
/// return's values as the evaluator does (`eval::entry_value`,
/// `ReturnCtx`), while the evaluator looks peers and past returns up in the
/// gathered `Collection`. It may shrink, never grow.
const KNOWN_CYCLE: [&str; 2] = ["collection", "eval"];

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn core_stages_form_no_cycle() {
    let graph = module_graph();
    let core: Graph = CORE
        .iter()
        .map(|m| {
            let deps = graph[*m]
                .iter()
                .filter(|d| CORE.contains(&d.as_str()))
                .cloned()
                .collect();
            (m.to_string(), deps)
        })
        .collect();
    let cycles = components(&core);
    assert!(
        cycles.is_empty(),
        "the core stages depend on one another in a circle: {}",
        describe(&core, &cycles)
    );
}

#[test]
fn no_cycle_but_the_known_one() {
    let graph = module_graph();
    let cycles: Vec<_> = components(&graph)
        .into_iter()
        .filter(|c| c.iter().any(|m| !KNOWN_CYCLE.contains(&m.as_str())))
        .collect();
    assert!(
        cycles.is_empty(),
        "modules depend on one another in a circle: {}",
        describe(&graph, &cycles)
    );
}

#[test]
#[ignore = "prints the module graph; run by hand"]
fn print_module_graph() {
    let graph = module_graph();
    for (module, deps) in &graph {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        println!("{module} → {}", deps.join(", "));
    }
    println!("cycles:{}", describe(&graph, &components(&graph)));
}

#[test]
fn the_graph_is_read() {
    // The reader must see the dependencies that are surely there.
    let graph = module_graph();
    assert!(graph["eval"].contains("ir"), "{graph:?}");
    assert!(graph["compile"].contains("ast"), "{graph:?}");
    assert!(graph["returns"].contains("diagnostic"), "{graph:?}");
}

/// Each top-level module of `src/` (the binary's `cli` left out) and the
/// top-level modules it names.
fn module_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeSet::new();
    for entry in std::fs::read_dir(&src).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        let is_module = path.is_dir() || path.extension().is_some_and(|x| x == "rs");
        if is_module && !["lib", "main", "cli"].contains(&name.as_str()) {
            modules.insert(name);
        }
    }
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let test_files: BTreeSet<PathBuf> = files.iter().flat_map(|f| test_modules(f)).collect();
    for file in &files {
        if test_files.contains(file) {
            continue;
        }
        let rel = file.strip_prefix(&src).unwrap_or_else(|e| panic!("{e}"));
        let top = rel
            .components()
            .next()
            .and_then(|c| Path::new(c.as_os_str()).file_stem())
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        let Some(deps) = graph.get_mut(&top) else {
            continue;
        };
        let text = without_tests(&code(
            &std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{e}")),
        ));
        for name in named_modules(&text) {
            if name != top && modules.contains(&name) {
                deps.insert(name);
            }
        }
    }
    graph
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The files of the modules a file declares under `#[cfg(test)]`
/// (`#[cfg(test)] mod tests;`).
fn test_modules(file: &Path) -> Vec<PathBuf> {
    let text = code(&std::fs::read_to_string(file).unwrap_or_default());
    let dir = match file.file_name().and_then(|n| n.to_str()) {
        Some("mod.rs" | "lib.rs" | "main.rs") => file.parent().map(Path::to_path_buf),
        _ => Some(file.with_extension("")),
    }
    .unwrap_or_default();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        rest = &rest[at + "#[cfg(test)]".len()..];
        let item = rest.trim_start();
        let item = item.strip_prefix("pub(crate) ").unwrap_or(item);
        if let Some(decl) = item.strip_prefix("mod ")
            && let Some(end) = decl.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            && decl[end..].trim_start().starts_with(';')
        {
            let name = &decl[..end];
            out.push(dir.join(format!("{name}.rs")));
            out.push(dir.join(name).join("mod.rs"));
        }
    }
    out
}

/// The text with comments, string and character literals blanked out, so
/// that what is left is code.
fn code(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        let after_ident = out
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if let Some((open, hashes)) = raw_string_start(rest).filter(|_| !after_ident) {
            let close = format!("\"{}", "#".repeat(hashes));
            i += open
                + rest[open..]
                    .find(&close)
                    .map_or(rest.len() - open, |e| e + close.len());
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            i = j + 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' {
            // A character literal ('x', '\n', '{'), or a lifetime ('a).
            let close = if b.get(i + 1) == Some(&b'\\') {
                rest.get(3..).and_then(|r| r.find('\'')).map(|e| e + 4)
            } else {
                let c = rest[1..].chars().next().map_or(0, char::len_utf8);
                (rest.as_bytes().get(1 + c) == Some(&b'\'')).then_some(2 + c)
            };
            match close {
                Some(len) => {
                    i += len;
                    out.push_str("' '");
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Where a raw string (`r"…"`, `r#"…"#`, `br"…"`) starts: the length of
/// its opening (up to the `"`) and how many `#`s close it.
fn raw_string_start(rest: &str) -> Option<(usize, usize)> {
    let after = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    let hashes = after.len() - after.trim_start_matches('#').len();
    after[hashes..]
        .starts_with('"')
        .then_some((rest.len() - after.len() + hashes + 1, hashes))
}

/// The code without its `#[cfg(test)]` items.
fn without_tests(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        rest = &rest[at + "#[cfg(test)]".len()..];
        let semi = rest.find(';');
        let brace = rest.find('{');
        match (semi, brace) {
            (Some(s), Some(b)) if s < b => rest = &rest[s + 1..],
            (Some(s), None) => rest = &rest[s + 1..],
            (_, Some(b)) => {
                let mut depth = 0usize;
                let mut end = rest.len();
                for (i, c) in rest[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &rest[end..];
            }
            (None, None) => rest = "",
        }
    }
    out.push_str(rest);
    out
}

/// Every `NAME` in `crate::NAME`, and in `use crate::{NAME, …}` lists.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `mycrate::`, not `crate::`
        }
        if let Some(list) = rest.strip_prefix('{') {
            // Top-level names of a braced list: those at depth 0.
            let mut depth = 0usize;
            let mut start = true;
            for (i, c) in list.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        start = false;
                        out.insert(ident(&list[i..]));
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out
}

/// The strongly connected components of more than one module (Tarjan).
fn components(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        let graph = s.graph;
        for w in graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// Each component with the dependencies inside it.
fn describe(graph: &Graph, components: &[Vec<String>]) -> String {
    let mut out = String::new();
    for c in components {
        out.push_str(&format!("\n  {}:", c.join(", ")));
        for m in c {
            for d in &graph[m] {
                if c.contains(d) {
                    out.push_str(&format!("\n    {m} → {d}"));
                }
            }
        }
    }
    out
}
