//! No module cycles (docs/internals.md, "No module cycles"): every file under `src/` is a
//! module, and the modules it names (`use crate::…`, `use super::…`, `use child::…` and the
//! same paths written inline, `crate::escape::printable(…)`) are its dependencies. A name a
//! `mod.rs` re-exports (`pub use launch::Role`) is followed to the file that defines it, so
//! `use crate::model::Role` depends on `model/launch.rs`, not on `model/mod.rs`. A module's
//! use of its own ancestors (`use super::Loc` in `model/conf.rs`) is not counted: a
//! `mod.rs` declares its children, so parent and child always know each other; the rule is
//! about siblings and unrelated modules. Test code (`#[cfg(test)] mod tests { … }`, and
//! files declared `#[cfg(test)] mod …;`) is left out: a unit test may build its input with
//! any module of the crate, and that does not tie the shipped modules together.
//!
//! Why a token scan and not `syn`: `syn` is only a build dependency of the derive macros
//! here, and does not look inside macro calls (`format!("{}", crate::escape::printable(x))`,
//! `assert!(…)`), where this crate writes paths too; a scan of the tokens outside comments
//! and string literals sees those, needs no new dependency, and this crate has no
//! `#[path]` attributes or inline modules other than `mod tests` (checked below), so the
//! file tree is the module tree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module: its path from the crate root (`["model", "launch"]`; `[]` is `lib.rs`).
type ModPath = Vec<String>;

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Semi,
    Star,
    Hash,
    Other,
}

/// Tokens of Rust source with their 1-based line, comments and literals left out.
fn tokens(text: &str) -> Vec<(Tok, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let count_lines = |from: usize, to: usize, line: &mut usize| {
        *line += chars[from..to.min(chars.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let start = i;
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            count_lines(start, i, &mut line);
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            count_lines(start, i, &mut line);
        } else if (c == 'r' || (c == 'b' && next == Some('r')))
            && matches!(
                chars.get(i + if c == 'b' { 2 } else { 1 }),
                Some('"') | Some('#')
            )
            && raw_string_start(&chars, i + if c == 'b' { 2 } else { 1 }).is_some()
        {
            let at = i + if c == 'b' { 2 } else { 1 };
            let hashes = raw_string_start(&chars, at).unwrap();
            let start = i;
            i = at + hashes + 1;
            loop {
                if i >= chars.len() {
                    break;
                }
                if chars[i] == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            count_lines(start, i, &mut line);
        } else if c == 'b' && next == Some('"') {
            i += 1; // the string itself on the next turn
        } else if c == 'b' && next == Some('\'') {
            i += 1;
        } else if c == '\'' {
            // A char literal ('a', '\n', '\'') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                // A lifetime: its name is no identifier of the program.
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let word = word.strip_prefix("r#").map(str::to_owned).unwrap_or(word);
            out.push((Tok::Ident(word), line));
        } else if c == ':' && next == Some(':') {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            out.push((
                match c {
                    '{' => Tok::Open,
                    '}' => Tok::Close,
                    ',' => Tok::Comma,
                    ';' => Tok::Semi,
                    '*' => Tok::Star,
                    '#' => Tok::Hash,
                    _ => Tok::Other,
                },
                line,
            ));
            i += 1;
        }
    }
    out
}

/// The number of `#` of a raw string starting at `chars[at]`, if one starts there.
fn raw_string_start(chars: &[char], at: usize) -> Option<usize> {
    let mut hashes = 0;
    while chars.get(at + hashes) == Some(&'#') {
        hashes += 1;
    }
    (chars.get(at + hashes) == Some(&'"')).then_some(hashes)
}

/// One `use` of a name: the path as written, the name it is known by here, and whether it
/// is re-exported (`pub use`).
#[derive(Clone, Debug)]
struct Import {
    path: Vec<String>,
    alias: String,
    public: bool,
}

/// The paths of a use tree starting at `toks[*i]`, up to its `;`.
fn use_tree(toks: &[(Tok, usize)], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*i).map(|t| &t.0) {
            Some(Tok::Ident(word)) if word == "as" => {
                *i += 1;
                if let Some((Tok::Ident(alias), _)) = toks.get(*i) {
                    path.push(format!("as {alias}"));
                    *i += 1;
                }
            }
            Some(Tok::Ident(word)) => {
                path.push(word.clone());
                *i += 1;
            }
            Some(Tok::PathSep) => *i += 1,
            Some(Tok::Star) => {
                path.push("*".into());
                *i += 1;
            }
            Some(Tok::Open) => {
                *i += 1;
                loop {
                    match toks.get(*i).map(|t| &t.0) {
                        Some(Tok::Close) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Comma) => *i += 1,
                        None => return,
                        _ => use_tree(toks, i, &path, out),
                    }
                }
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// What one file says: its child modules, its imports, and every path it names (absolute
/// after resolving `crate`/`super`/`self`/child modules), with the line it is on.
#[derive(Debug, Default)]
struct FileFacts {
    children: BTreeSet<String>,
    /// Children declared `#[cfg(test)]`.
    test_children: BTreeSet<String>,
    imports: Vec<Import>,
    /// Items defined here (`struct X`, `fn x`, …), to tell them from re-exports.
    defined: BTreeSet<String>,
    named: Vec<(ModPath, usize)>,
}

fn scan(module: &ModPath, text: &str) -> FileFacts {
    let toks = tokens(text);
    let mut facts = FileFacts::default();
    // Child modules first: `use cache::TextCache` in a mod.rs names a child.
    for (at, w) in toks.windows(3).enumerate() {
        if let (Tok::Ident(m), Tok::Ident(name), Tok::Semi) = (&w[0].0, &w[1].0, &w[2].0)
            && m == "mod"
        {
            facts.children.insert(name.clone());
            if cfg_test_before(&toks, at) {
                facts.test_children.insert(name.clone());
            }
        }
        if let (Tok::Ident(kw), Tok::Ident(name)) = (&w[0].0, &w[1].0)
            && matches!(
                kw.as_str(),
                "struct" | "enum" | "fn" | "const" | "static" | "type" | "trait" | "union"
            )
        {
            facts.defined.insert(name.clone());
        }
    }
    // `mod tests {` and the like: `super` inside them is one level up less.
    let mut inline: Vec<(usize, usize)> = Vec::new(); // (brace depth when opened, extra depth)
    let mut depth = 0usize;
    let mut i = 0;
    let mut pending_inline = false;
    // The depth of the `#[cfg(test)]` inline module being skipped.
    let mut skipping: Option<usize> = None;
    while i < toks.len() {
        let (tok, line) = (&toks[i].0, toks[i].1);
        match tok {
            Tok::Open => {
                depth += 1;
                if pending_inline {
                    inline.push((depth, 0));
                    pending_inline = false;
                }
                i += 1;
                continue;
            }
            Tok::Close => {
                if inline.last().is_some_and(|&(d, _)| d == depth) {
                    inline.pop();
                }
                if skipping == Some(depth) {
                    skipping = None;
                }
                depth = depth.saturating_sub(1);
                i += 1;
                continue;
            }
            _ if skipping.is_some() => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let inner = inline.len();
        if let Tok::Ident(word) = tok {
            if word == "mod"
                && matches!(toks.get(i + 1), Some((Tok::Ident(_), _)))
                && matches!(toks.get(i + 2), Some((Tok::Open, _)))
            {
                if cfg_test_before(&toks, i) {
                    skipping = Some(depth + 1);
                } else {
                    pending_inline = true;
                }
                i += 2;
                continue;
            }
            if word == "use" {
                let public = i > 0
                    && (matches!(&toks[i - 1].0, Tok::Ident(p) if p == "pub")
                        || (i >= 4 && matches!(&toks[i - 4].0, Tok::Ident(p) if p == "pub")));
                i += 1;
                let mut paths = Vec::new();
                use_tree(&toks, &mut i, &[], &mut paths);
                for mut path in paths {
                    let alias = match path.last() {
                        Some(last) if last.starts_with("as ") => {
                            let alias = last[3..].to_string();
                            path.pop();
                            alias
                        }
                        Some(last) if last == "self" => {
                            path.pop();
                            path.last().cloned().unwrap_or_default()
                        }
                        Some(last) => last.clone(),
                        None => continue,
                    };
                    if let Some(abs) = absolute(module, inner, &facts.children, &path) {
                        facts.named.push((abs.clone(), line));
                        if inner == 0 {
                            facts.imports.push(Import {
                                path: abs,
                                alias,
                                public,
                            });
                        }
                    }
                }
                continue;
            }
            // An inline path: `crate::a::b`, `super::x`, `self::x`, `child::x`.
            let starts_path = matches!(toks.get(i + 1), Some((Tok::PathSep, _)))
                && !(i > 0 && matches!(toks[i - 1].0, Tok::PathSep));
            if starts_path {
                let mut path = vec![word.clone()];
                let mut j = i + 1;
                while let (Some((Tok::PathSep, _)), Some((Tok::Ident(next), _))) =
                    (toks.get(j), toks.get(j + 1))
                {
                    path.push(next.clone());
                    j += 2;
                }
                if let Some(abs) = absolute(module, inner, &facts.children, &path) {
                    facts.named.push((abs, line));
                }
                i = j;
                continue;
            }
        }
        i += 1;
    }
    facts
}

/// Whether `#[cfg(test)]` stands right before the `mod` at `toks[at]`.
fn cfg_test_before(toks: &[(Tok, usize)], at: usize) -> bool {
    // `#` `[` `cfg` `(` `test` `)` `]` `mod`
    at >= 7
        && toks[at - 7].0 == Tok::Hash
        && toks[at - 5].0 == Tok::Ident("cfg".into())
        && toks[at - 3].0 == Tok::Ident("test".into())
}

/// `path` as written in `module` (inside `inner` inline modules) from the crate root, or
/// `None` for a path into another crate (`std::…`, `serde::…`).
fn absolute(
    module: &ModPath,
    inner: usize,
    children: &BTreeSet<String>,
    path: &[String],
) -> Option<ModPath> {
    let mut base: ModPath = module.clone();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super") | Some("self") => {
            let mut ups = 0usize;
            while let Some(first) = rest.first() {
                match first.as_str() {
                    "super" => ups += 1,
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
            // Inside `mod tests { … }`, the first `super` is the file itself.
            let ups = ups.saturating_sub(inner.min(ups));
            for _ in 0..ups {
                base.pop()?;
            }
        }
        Some(first) if inner == 0 && children.contains(first) => {}
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Every module of the crate under `src` (`lib.rs` is the root; `main.rs`, another crate,
/// is left out) with what it says.
fn crate_modules(src: &Path) -> BTreeMap<ModPath, (PathBuf, FileFacts)> {
    let mut files = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut modules = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let mut module: ModPath = relative
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if module == ["main"] {
            continue;
        }
        if module.last().is_some_and(|m| m == "mod" || m == "lib") {
            module.pop();
        }
        let text = std::fs::read_to_string(&file).expect("read file");
        assert!(
            !text.contains("#[path"),
            "{}: a #[path] attribute: the file tree is no longer the module tree",
            file.display()
        );
        let facts = scan(&module, &text);
        modules.insert(module, (relative.to_path_buf(), facts));
    }
    // Files only tests compile (`#[cfg(test)] mod recognition_tests;`), and what is below.
    let test_only: Vec<ModPath> = modules
        .iter()
        .flat_map(|(module, (_, facts))| {
            facts.test_children.iter().map(move |child| {
                let mut path = module.clone();
                path.push(child.clone());
                path
            })
        })
        .collect();
    modules.retain(|module, _| !test_only.iter().any(|t| module.starts_with(t)));
    modules
}

/// The module that holds what `path` names: the longest prefix that is a module, then a
/// name it re-exports followed to where it comes from.
fn resolve(
    modules: &BTreeMap<ModPath, (PathBuf, FileFacts)>,
    path: &ModPath,
    hops: usize,
) -> Option<ModPath> {
    let mut len = path.len();
    while len > 0 && !modules.contains_key(&path[..len]) {
        len -= 1;
    }
    let module: ModPath = path[..len].to_vec();
    let (_, facts) = modules.get(&module)?;
    let Some(name) = path.get(len) else {
        return Some(module);
    };
    if hops < 8 && !facts.defined.contains(name) {
        let via = facts
            .imports
            .iter()
            .filter(|imp| imp.public)
            .find(|imp| &imp.alias == name);
        if let Some(imp) = via {
            let mut target = imp.path.clone();
            target.extend(path[len + 1..].iter().cloned());
            return resolve(modules, &target, hops + 1);
        }
        for imp in facts
            .imports
            .iter()
            .filter(|imp| imp.public && imp.alias == "*")
        {
            let from = &imp.path[..imp.path.len() - 1];
            if provides(modules, from, name) {
                let mut target = from.to_vec();
                target.extend(path[len..].iter().cloned());
                return resolve(modules, &target, hops + 1);
            }
        }
    }
    Some(module)
}

/// Whether the module `module` defines or re-exports `name` (or has a child so named).
fn provides(
    modules: &BTreeMap<ModPath, (PathBuf, FileFacts)>,
    module: &[String],
    name: &str,
) -> bool {
    modules.get(module).is_some_and(|(_, facts)| {
        facts.defined.contains(name)
            || facts.children.contains(name)
            || facts
                .imports
                .iter()
                .any(|imp| imp.public && imp.alias == name)
    })
}

/// module → module it depends on → the first line of the dependant that shows it.
type Graph = BTreeMap<ModPath, BTreeMap<ModPath, usize>>;

fn graph(modules: &BTreeMap<ModPath, (PathBuf, FileFacts)>) -> Graph {
    let mut graph = Graph::new();
    for (module, (_, facts)) in modules {
        let edges = graph.entry(module.clone()).or_default();
        for (path, line) in &facts.named {
            let Some(target) = resolve(modules, path, 0) else {
                continue;
            };
            // Itself, or one of its ancestors (see the top of this file).
            if module.starts_with(&target) {
                continue;
            }
            edges.entry(target).or_insert(*line);
        }
    }
    graph
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(graph: &Graph) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on_stack: BTreeSet<&'a ModPath>,
        found: Vec<Vec<ModPath>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a ModPath) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph[v].keys() {
            let Some((w, _)) = s.graph.get_key_value(w) else {
                continue;
            };
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
                component.push(w.clone());
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
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found.sort();
    s.found
}

/// Each cycle as its modules and the lines that tie them, for the failure message.
fn describe(src: &Path) -> Vec<String> {
    let modules = crate_modules(src);
    let graph = graph(&modules);
    cycles(&graph)
        .iter()
        .map(|component| {
            let mut text = format!(
                "cycle of {} modules: {}\n",
                component.len(),
                component
                    .iter()
                    .map(|m| modules[m].0.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for from in component {
                for (to, line) in &graph[from] {
                    if component.contains(to) {
                        text.push_str(&format!(
                            "  {}:{} uses {}\n",
                            modules[from].0.display(),
                            line,
                            modules[to].0.display()
                        ));
                    }
                }
            }
            text
        })
        .collect()
}

#[test]
fn src_has_no_module_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = describe(&src);
    assert!(
        found.is_empty(),
        "{} module cycle(s); move what both sides need into its own small file \
         (docs/internals.md, \"No module cycles\"):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Files of a made-up crate: (path under `src`, text).
type Tree<'a> = &'a [(&'a str, &'a str)];

/// The check can fail: each way of writing a dependency, on a tree made to hold a cycle.
#[test]
fn the_check_finds_cycles_however_the_path_is_written() {
    let cases: &[(&str, Tree, usize)] = &[
        (
            "use super::",
            &[
                ("lib.rs", "mod a;"),
                ("a/mod.rs", "mod x; mod y;"),
                ("a/x.rs", "use super::y::Y; pub struct X;"),
                ("a/y.rs", "use super::x::X; pub struct Y;"),
            ],
            1,
        ),
        (
            "use crate:: through a re-export, grouped",
            &[
                ("lib.rs", "pub mod a; pub mod b;"),
                ("a/mod.rs", "mod x; pub use x::{X as Renamed};"),
                ("a/x.rs", "use crate::b::Y; pub struct X;"),
                ("b.rs", "use crate::{a::Renamed};\npub struct Y;"),
            ],
            1,
        ),
        (
            "inline paths, also inside a macro and an inline module",
            &[
                ("lib.rs", "pub mod a; pub mod b;"),
                ("a.rs", "pub fn f() { format!(\"{}\", crate::b::g()); }"),
                (
                    "b.rs",
                    "pub fn g() {}\nmod inner { fn h() { super::super::a::f(); } }",
                ),
            ],
            1,
        ),
        (
            "no cycle: only test code closes it",
            &[
                ("lib.rs", "pub mod a; pub mod b;"),
                ("a.rs", "pub fn f() { crate::b::g(); }"),
                (
                    "b.rs",
                    "pub fn g() {}\n#[cfg(test)]\nmod tests { use super::super::a::f; }\n#[cfg(test)]\nmod more;",
                ),
                ("b/more.rs", "use crate::a::f;"),
            ],
            0,
        ),
        (
            "a child named from its mod.rs; a glob re-export",
            &[
                ("lib.rs", "pub mod a; pub mod b;"),
                ("a/mod.rs", "mod x; pub use x::*; fn h() { x::f(); }"),
                ("a/x.rs", "pub fn f() { crate::b::g(); }"),
                ("b.rs", "pub fn g() { crate::a::f(); }"),
            ],
            1,
        ),
        (
            "no cycle: child and parent, comments and strings",
            &[
                ("lib.rs", "pub mod a; pub mod b;"),
                ("a/mod.rs", "mod x; pub struct Loc; fn h() { x::f(); }"),
                ("a/x.rs", "use super::Loc; pub fn f() { crate::b::g(); }"),
                (
                    "b.rs",
                    "// crate::a::x::f\npub fn g() { let _ = \"crate::a::f\"; let _ = r#\"crate::a\"#; let _ = '\"'; }",
                ),
            ],
            0,
        ),
    ];
    for (what, files, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in *files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let found = describe(dir.path());
        assert_eq!(found.len(), *expected, "{what}: {found:#?}");
    }
}
