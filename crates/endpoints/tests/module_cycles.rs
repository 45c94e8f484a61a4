//! No import loops: in every crate of the workspace, no module imports another that imports
//! it back, directly or through others (ARCHITECTURE.md, "Module layers").
//!
//! Every source file is parsed with `syn`. An edge goes from a module to the module that
//! defines what it names: every `use` tree (grouped, nested, renamed, glob; starting at
//! `crate`, `self`, `super` or a child module) and every path in its items (expressions,
//! types, patterns, trait bounds, and `crate::`/`super::`/`self::` paths inside macro calls).
//! A path that goes through a re-export (`crate::Error`, re-exported by `lib.rs` from
//! `error`) is followed to the module that defines the item, so a facade does not make a
//! loop by itself. Items and modules marked `#[cfg(test)]` are skipped (tests may look
//! anywhere); code after them counts. A cycle fails the test with the modules and their
//! edges.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

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

/// Whether `attrs` mark test-only code (`#[cfg(test)]`, `#[cfg(all(test, ...))]`).
fn test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && {
            let text = a
                .meta
                .require_list()
                .map_or(String::new(), |l| l.tokens.to_string());
            !text.contains("not")
                && text
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == "test")
        }
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item;
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The name an item defines in its module's namespace, if any.
fn item_name(item: &syn::Item) -> Option<String> {
    use syn::Item;
    let ident = match item {
        Item::Const(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::Fn(i) => &i.sig.ident,
        Item::Macro(i) => i.ident.as_ref()?,
        Item::Mod(i) => &i.ident,
        Item::Static(i) => &i.ident,
        Item::Struct(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::TraitAlias(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Union(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// What one source file says, before paths are resolved.
#[derive(Default, Debug)]
struct Facts {
    /// Names its items define.
    defined: BTreeSet<String>,
    /// Its top-level `use` bindings: name → path as written, with the module it was written in.
    bindings: BTreeMap<String, (Vec<String>, Vec<String>)>,
    /// Its top-level glob imports, as written, with the module they were written in.
    globs: Vec<(Vec<String>, Vec<String>)>,
    /// Every path it names (use trees and paths in items), as written, with the module (file
    /// module plus inline modules) it was written in.
    named: Vec<(Vec<String>, Vec<String>)>,
    /// Out-of-line child modules declared `#[cfg(test)] mod x;`.
    test_children: Vec<String>,
}

struct Collector {
    /// The module the visitor is in: the file's module path plus inline modules.
    here: Vec<String>,
    /// How many inline modules deep (bindings count only at the file's top level).
    inline: usize,
    facts: Facts,
}

impl Collector {
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.use_binding(prefix, n.ident.to_string(), None),
            syn::UseTree::Rename(r) => {
                self.use_binding(prefix, r.ident.to_string(), Some(r.rename.to_string()))
            }
            syn::UseTree::Glob(_) => {
                self.facts.named.push((self.here.clone(), prefix.clone()));
                if self.inline == 0 {
                    self.facts.globs.push((self.here.clone(), prefix.clone()));
                }
            }
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    fn use_binding(&mut self, prefix: &[String], name: String, rename: Option<String>) {
        let mut path = prefix.to_vec();
        // `use a::b::{self}` names `a::b`.
        if name != "self" {
            path.push(name.clone());
        }
        let bound = rename.unwrap_or_else(|| path.last().cloned().unwrap_or(name));
        self.facts.named.push((self.here.clone(), path.clone()));
        if self.inline == 0 && bound != "_" {
            self.facts.bindings.insert(bound, (self.here.clone(), path));
        }
    }

    /// `crate::a::b`, `super::x`, `self::y` and `$crate::z` inside macro tokens.
    fn macro_tokens(&mut self, tokens: TokenStream) {
        let flat: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < flat.len() {
            match &flat[i] {
                TokenTree::Group(g) => self.macro_tokens(g.stream()),
                TokenTree::Ident(id)
                    if matches!(id.to_string().as_str(), "crate" | "super" | "self") =>
                {
                    let mut path = vec![id.to_string()];
                    let mut j = i + 1;
                    while j + 2 < flat.len() + 1 {
                        let colons = matches!((&flat.get(j), &flat.get(j + 1)), (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':');
                        match (colons, flat.get(j + 2)) {
                            (true, Some(TokenTree::Ident(next))) => {
                                path.push(next.to_string());
                                j += 3;
                            }
                            _ => break,
                        }
                    }
                    if path.len() > 1 {
                        self.facts.named.push((self.here.clone(), path));
                    }
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if test_only(item_attrs(item)) {
            if let syn::Item::Mod(m) = item {
                if m.content.is_none() && self.inline == 0 {
                    self.facts.test_children.push(m.ident.to_string());
                }
            }
            return;
        }
        if self.inline == 0 {
            if let Some(name) = item_name(item) {
                self.facts.defined.insert(name);
            }
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let Some((_, items)) = &m.content else {
            return;
        };
        self.here.push(m.ident.to_string());
        self.inline += 1;
        for item in items {
            self.visit_item(item);
        }
        self.inline -= 1;
        self.here.pop();
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let attrs = match item {
            syn::ImplItem::Const(i) => &i.attrs,
            syn::ImplItem::Fn(i) => &i.attrs,
            syn::ImplItem::Type(i) => &i.attrs,
            syn::ImplItem::Macro(i) => &i.attrs,
            _ => return syn::visit::visit_impl_item(self, item),
        };
        if !test_only(attrs) {
            syn::visit::visit_impl_item(self, item);
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if u.leading_colon.is_none() {
            self.use_tree(&mut Vec::new(), &u.tree);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() && path.segments.len() > 1 {
            let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
            self.facts.named.push((self.here.clone(), segments));
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macro_tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

fn split(module: &str) -> Vec<String> {
    module
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The facts of one file, which is module `module`.
fn facts(module: &str, text: &str) -> Facts {
    let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{module}: {e}"));
    let mut collector = Collector {
        here: split(module),
        inline: 0,
        facts: Facts::default(),
    };
    for item in &file.items {
        collector.visit_item(item);
    }
    collector.facts
}

struct Crate {
    facts: BTreeMap<String, Facts>,
}

impl Crate {
    fn new(files: BTreeMap<String, String>) -> Self {
        let mut facts: BTreeMap<String, Facts> = files
            .iter()
            .map(|(m, text)| (m.clone(), facts(m, text)))
            .collect();
        // Out-of-line `#[cfg(test)] mod x;` files, and everything below them, are test code.
        let test_modules: Vec<String> = facts
            .iter()
            .flat_map(|(m, f)| {
                f.test_children.iter().map(move |c| {
                    if m.is_empty() {
                        c.clone()
                    } else {
                        format!("{m}::{c}")
                    }
                })
            })
            .collect();
        facts.retain(|m, _| {
            !test_modules
                .iter()
                .any(|t| m == t || m.starts_with(&format!("{t}::")))
        });
        Crate { facts }
    }

    fn is_module(&self, path: &[String]) -> bool {
        self.facts.contains_key(&path.join("::"))
    }

    /// The file module a module path (maybe inside inline modules) belongs to.
    fn file_module(&self, here: &[String]) -> Vec<String> {
        let mut m = here.to_vec();
        while !m.is_empty() && !self.is_module(&m) {
            m.pop();
        }
        m
    }

    /// A path as written in module `here`, from the crate root; `None` when it leaves the
    /// crate (another crate, `std`, a local name, a generic).
    fn absolute(&self, here: &[String], path: &[String]) -> Option<Vec<String>> {
        let first = path.first()?;
        match first.as_str() {
            "crate" | "$crate" => Some(path[1..].to_vec()),
            "self" => Some([here, &path[1..]].concat()),
            "super" => {
                let mut base = here.to_vec();
                let mut rest = path;
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
                Some([&base[..], rest].concat())
            }
            _ => {
                let child = [here, &path[..1]].concat();
                if self.is_module(&child) {
                    return Some([here, path].concat());
                }
                // A name bound by the file's `use` (`use crate::description;` then
                // `description::quote`).
                let file = self.file_module(here);
                let (at, bound) = self.facts.get(&file.join("::"))?.bindings.get(first)?;
                if bound.first() == Some(first) && at == &file {
                    // `use a;` of an outside crate binds itself.
                    if !self.is_module(&[&file[..], &bound[..1]].concat()) {
                        return None;
                    }
                }
                let mut full = self.absolute(at, bound)?;
                full.extend_from_slice(&path[1..]);
                Some(full)
            }
        }
    }

    /// The module that defines what the absolute `path` names, following re-exports.
    fn defining(&self, path: &[String], depth: usize) -> String {
        let mut module: Vec<String> = Vec::new();
        for (i, segment) in path.iter().enumerate() {
            let child = [&module[..], std::slice::from_ref(segment)].concat();
            if self.is_module(&child) {
                module = child;
                continue;
            }
            if depth < 16 {
                let facts = &self.facts[&module.join("::")];
                if !facts.defined.contains(segment) {
                    if let Some((at, bound)) = facts.bindings.get(segment) {
                        if let Some(mut target) = self.absolute(at, bound) {
                            target.extend_from_slice(&path[i + 1..]);
                            return self.defining(&target, depth + 1);
                        }
                    }
                    for (at, glob) in &facts.globs {
                        let Some(target) = self.absolute(at, glob) else {
                            continue;
                        };
                        let Some(there) = self.facts.get(&target.join("::")) else {
                            continue;
                        };
                        if there.defined.contains(segment) || there.bindings.contains_key(segment) {
                            let mut next = target.clone();
                            next.extend_from_slice(&path[i..]);
                            return self.defining(&next, depth + 1);
                        }
                    }
                }
            }
            break;
        }
        module.join("::")
    }

    fn edges(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut graph = BTreeMap::new();
        for (module, facts) in &self.facts {
            let mut targets = BTreeSet::new();
            for (here, path) in &facts.named {
                if let Some(full) = self.absolute(here, path) {
                    targets.insert(self.defining(&full, 0));
                }
            }
            targets.remove(module);
            graph.insert(module.clone(), targets);
        }
        graph
    }
}

fn edges(modules: &BTreeMap<String, PathBuf>) -> BTreeMap<String, BTreeSet<String>> {
    let files = modules
        .iter()
        .map(|(m, path)| {
            (
                m.clone(),
                fs::read_to_string(path).expect("readable source"),
            )
        })
        .collect();
    Crate::new(files).edges()
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

/// The edges of a crate given as (module, source) pairs.
fn edges_of(files: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
    let files = files
        .iter()
        .map(|(m, text)| ((*m).to_owned(), (*text).to_owned()))
        .collect();
    Crate::new(files).edges()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn every_use_tree_counts() {
    let graph = edges_of(&[
        ("", "mod a; mod b; mod c; mod d; mod e; pub use e::Thing;"),
        (
            "a",
            "use crate::{b::{self, B}, c::C as Renamed};\n\
             use super::d::*;\n\
             pub fn f() -> crate::Thing { todo!() }",
        ),
        ("b", "pub struct B;"),
        ("c", "pub struct C;"),
        ("d", "pub struct D;"),
        ("e", "pub struct Thing;"),
    ]);
    // `crate::Thing` is followed through the root's re-export to `e`.
    assert_eq!(graph["a"], set(&["b", "c", "d", "e"]));
    assert_eq!(graph[""], set(&["e"]));
}

#[test]
fn paths_in_items_and_macros_count_and_test_code_does_not() {
    let graph = edges_of(&[
        ("", "mod a; mod b; mod c; mod d; mod e;"),
        (
            "a",
            "fn f() { let _ = super::b::make(); }\n\
             #[cfg(test)]\n\
             mod tests { use crate::d::D; }\n\
             #[cfg(test)]\n\
             fn helper() { crate::d::f(); }\n\
             fn g() { println!(\"{}\", crate::c::NAME); }\n\
             impl X { fn h(&self) -> self::inner::Y { todo!() } }\n\
             mod inner { pub fn i() { super::super::e::go() } }",
        ),
        ("b", "pub fn make() {}"),
        ("c", "pub const NAME: &str = \"\";"),
        ("d", "pub struct D;"),
        ("e", "pub fn go() {}"),
    ]);
    assert_eq!(graph["a"], set(&["b", "c", "e"]));
}

#[test]
fn a_loop_through_a_grouped_import_is_seen() {
    let graph = edges_of(&[
        ("", "mod a; mod b;"),
        ("a", "use crate::{b::B, other};\npub struct A;"),
        (
            "b",
            "#[cfg(test)]\nmod tests {}\nuse super::a::A;\npub struct B;",
        ),
    ]);
    assert_eq!(cycles(&graph), vec![vec!["a", "b"]]);
}

#[test]
fn test_only_files_are_left_out() {
    let graph = edges_of(&[
        ("", "mod a;\n#[cfg(test)]\nmod tests;"),
        ("a", "pub struct A;"),
        ("tests", "use crate::a::A;"),
    ]);
    assert!(!graph.contains_key("tests"), "{graph:?}");
}
