//! No import loops: in every crate of the workspace, no module imports another that imports
//! it back, directly or through others (ARCHITECTURE.md, "Module layers").
//!
//! Edges are read from the sources: `crate::a::b` paths, `super::x` paths, and a module's
//! `pub use child::...` re-exports. `#[cfg(test)]` modules are ignored (tests may look
//! anywhere). A cycle fails the test with the modules and their edges.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `src/` directory of a workspace crate.
fn source_dirs() -> Vec<PathBuf> {
    let root = workspace();
    let mut dirs = Vec::new();
    for group in ["crates", "examples"] {
        let Ok(entries) = fs::read_dir(root.join(group)) else {
            continue;
        };
        for entry in entries.flatten() {
            let src = entry.path().join("src");
            if src.is_dir() {
                dirs.push(src);
            }
        }
    }
    dirs.sort();
    dirs
}

/// Module path (`description::args`) → file, for one crate.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("readable source dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).expect("under src");
            let mut parts: Vec<String> = relative
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("lib" | "main" | "mod")
            ) {
                parts.pop();
            }
            // `src/bin/x.rs` are separate crates; their module trees start afresh.
            if parts.first().is_some_and(|p| p == "bin") {
                continue;
            }
            out.insert(parts.join("::"), path);
        }
    }
    out
}

/// The code of a source file: without its `#[cfg(test)]` tail (test modules sit at the end
/// of a file) and without comments (doc links are not imports).
fn code(text: &str) -> String {
    let text = text.find("#[cfg(test)]").map_or(text, |i| &text[..i]);
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers of a `::`-separated path starting at `text`.
fn path_at(text: &str) -> Vec<&str> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    text[..end].split("::").filter(|s| !s.is_empty()).collect()
}

/// The longest known module that `path` starts with.
fn resolve(modules: &BTreeMap<String, PathBuf>, path: &[&str]) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|k| path[..k].join("::"))
        .find(|candidate| modules.contains_key(candidate))
}

fn edges(modules: &BTreeMap<String, PathBuf>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, file) in modules {
        let text = code(&fs::read_to_string(file).expect("readable source"));
        let is_dir_module = file
            .file_stem()
            .is_some_and(|s| s == "mod" || s == "lib" || s == "main");
        let parent = if is_dir_module {
            module.clone()
        } else {
            module
                .rsplit_once("::")
                .map_or(String::new(), |(p, _)| p.to_owned())
        };
        let join = |base: &str, rest: &[&str]| -> Vec<String> {
            let mut full: Vec<String> = base
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            full.extend(rest.iter().map(|s| (*s).to_owned()));
            full
        };
        let mut targets = BTreeSet::new();
        for (i, _) in text.match_indices("crate::") {
            let path = path_at(&text[i + "crate::".len()..]);
            targets.extend(resolve(modules, &path));
        }
        for (i, _) in text.match_indices("super::") {
            let path = path_at(&text[i + "super::".len()..]);
            let grandparent = parent.rsplit_once("::").map_or("", |(p, _)| p);
            let base = if is_dir_module { grandparent } else { &parent };
            let full = join(base, &path);
            let full: Vec<&str> = full.iter().map(String::as_str).collect();
            targets.extend(resolve(modules, &full));
        }
        // `pub use child::Item;` in a directory module re-exports its child.
        for line in text.lines() {
            let Some(rest) = line.trim_start().strip_prefix("pub use ") else {
                continue;
            };
            let path = path_at(rest);
            let full = join(&parent, &path);
            let full: Vec<&str> = full.iter().map(String::as_str).collect();
            if let Some(child) = resolve(modules, &full) {
                if child != *module && child.starts_with(&format!("{module}::")) {
                    targets.insert(child);
                }
            }
        }
        targets.remove(module);
        // A module naming its own ancestor by path (`crate::description` from inside
        // `description::args`) is fine only if that is a re-export facade; still an edge.
        graph.insert(module.clone(), targets);
    }
    graph
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
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
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn no_crate_has_an_import_loop() {
    let mut report = String::new();
    let dirs = source_dirs();
    assert!(dirs.len() >= 8, "found only {dirs:?}");
    for src in dirs {
        let modules = modules(&src);
        let graph = edges(&modules);
        for component in cycles(&graph) {
            report.push_str(&format!("{}: a loop among {component:?}\n", src.display()));
            for module in &component {
                let inside: Vec<&String> = graph[module]
                    .iter()
                    .filter(|t| component.contains(t))
                    .collect();
                report.push_str(&format!("    {module} -> {inside:?}\n"));
            }
        }
    }
    assert!(report.is_empty(), "import loops:\n{report}");
}

#[test]
fn the_checker_sees_a_loop() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    graph.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    graph.insert("d".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c"]]);
}
