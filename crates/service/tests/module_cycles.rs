//! Data flows one way: no module of the service, the Arrow adapter or the decision log uses a
//! module that (directly or through others) uses it back.
//!
//! The graph is read from the sources: each file is a module (`lib.rs` the crate's root,
//! `a/mod.rs` and `a.rs` the module `a`), and every path a file names through `crate::`,
//! `super::` or `self::` (in `use` lines, `{…}` groups included, and in code) is an edge to the
//! longest prefix of that path that is a module. Comments, strings and `#[cfg(test)]` items are
//! left out: a unit test may use what its module must not. A re-export in `lib.rs` makes the root
//! use that module, so a module that names `crate::Reexported` closes a cycle through the root,
//! as it should.
//!
//! `MODULE_GRAPH_ROOT=/path/to/checkout` checks another tree (to see what an older revision
//! had).
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates whose modules must not form a cycle, relative to the repository root.
const CRATES: [&str; 3] = ["crates/service/src", "crates/arrow/src", "crates/log/src"];

fn repo() -> PathBuf {
    std::env::var_os("MODULE_GRAPH_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// A module's path inside its crate: `[]` for the root, `["routes", "decisions"]`.
type Module = Vec<String>;

fn show(module: &[String]) -> String {
    if module.is_empty() {
        "crate".to_string()
    } else {
        module.join("::")
    }
}

/// Every `.rs` file under `src`, as (module, source).
fn sources(src: &Path) -> Vec<(Module, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let mut module: Module = relative
                .iter()
                .map(|part| part.to_str().unwrap().to_string())
                .collect();
            let file = module.pop().unwrap();
            match file.as_str() {
                "lib.rs" | "main.rs" | "mod.rs" => {}
                name => module.push(name.trim_end_matches(".rs").to_string()),
            }
            out.push((module, std::fs::read_to_string(&path).unwrap()));
        }
    }
    out.sort();
    out
}

/// `text` without comments, string and char literals (each replaced by a space).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
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
            out.push(' ');
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push(' ');
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push(' ');
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push(' ');
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `code` without the items under `#[cfg(test)]` (a block up to its matching brace, or up to
/// the `;` that ends an item without a block).
fn without_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        rest = &rest[at + "#[cfg(test)]".len()..];
        let brace = rest.find('{');
        let semi = rest.find(';');
        match (brace, semi) {
            (Some(b), s) if s.is_none_or(|s| b < s) => {
                let mut depth = 0;
                let mut end = rest.len();
                for (i, c) in rest.char_indices().skip(b) {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &rest[end..];
            }
            (_, Some(s)) => rest = &rest[s + 1..],
            _ => rest = "",
        }
    }
    out.push_str(rest);
    out
}

/// Parse a path tree starting at `code[at..]` (after `crate::`, `super::` or `self::`): every
/// full path it names, with `prefix` before each.
fn paths_at(code: &[char], mut at: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let skip_ws = |code: &[char], mut at: usize| {
        while at < code.len() && code[at].is_whitespace() {
            at += 1;
        }
        at
    };
    at = skip_ws(code, at);
    if code.get(at) == Some(&'{') {
        at += 1;
        loop {
            at = skip_ws(code, at);
            match code.get(at) {
                None => return at,
                Some('}') => return at + 1,
                Some(',') => at += 1,
                Some(_) => at = paths_at(code, at, prefix, out),
            }
        }
    }
    let start = at;
    while at < code.len() && (code[at].is_alphanumeric() || code[at] == '_') {
        at += 1;
    }
    if at == start {
        out.push(prefix.to_vec());
        return at.max(start + 1).min(code.len());
    }
    let ident: String = code[start..at].iter().collect();
    let mut path = prefix.to_vec();
    path.push(ident);
    let after = skip_ws(code, at);
    if code.get(after) == Some(&':') && code.get(after + 1) == Some(&':') {
        paths_at(code, after + 2, &path, out)
    } else {
        out.push(path);
        at
    }
}

/// The modules `module` (whose source is `text`) names, resolved against `modules`.
fn uses(module: &Module, text: &str, modules: &BTreeSet<Module>) -> BTreeSet<Module> {
    let code: Vec<char> = without_test_items(&code_only(text)).chars().collect();
    let mut found = BTreeSet::new();
    let mut i = 0;
    while i < code.len() {
        let boundary = i == 0 || !(code[i - 1].is_alphanumeric() || code[i - 1] == '_');
        let word = |w: &str| {
            let w: Vec<char> = w.chars().collect();
            code.get(i..i + w.len()) == Some(&w[..])
        };
        let start = if !boundary {
            None
        } else if word("crate") {
            Some((5, Vec::new()))
        } else if word("super") {
            // The parent of this file's module (a `mod.rs` file is its directory's module).
            let mut parent = module.clone();
            parent.pop();
            Some((5, parent))
        } else if word("self") && !word("self_") {
            Some((4, module.clone()))
        } else if boundary && !(i >= 2 && code[i - 1] == ':' && code[i - 2] == ':') {
            // A path that starts with one of this file's child modules (`mod x;` … `x::f`), or
            // in the root any module (`pub use x::X`).
            let len = code[i..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .count();
            let mut child = module.clone();
            child.push(code[i..i + len].iter().collect());
            let mut after = i + len;
            while after < code.len() && code[after].is_whitespace() {
                after += 1;
            }
            let path_follows = code.get(after) == Some(&':') && code.get(after + 1) == Some(&':');
            (len > 0 && path_follows && modules.contains(&child)).then(|| (0, module.clone()))
        } else {
            None
        };
        let Some((len, base)) = start else {
            i += 1;
            continue;
        };
        let mut paths = Vec::new();
        let end = if len == 0 {
            paths_at(&code, i, &base, &mut paths)
        } else {
            let mut j = i + len;
            while j < code.len() && code[j].is_whitespace() {
                j += 1;
            }
            if code.get(j) != Some(&':') || code.get(j + 1) != Some(&':') {
                i += len;
                continue;
            }
            paths_at(&code, j + 2, &base, &mut paths)
        };
        for path in paths {
            let mut target = path;
            while !modules.contains(&target) {
                target.pop();
            }
            if &target != module {
                found.insert(target);
            }
        }
        i = end.max(i + 1);
    }
    found
}

/// The module graph of the crate at `src`.
fn graph(files: &[(Module, String)]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = files.iter().map(|(m, _)| m.clone()).collect();
    files
        .iter()
        .map(|(module, text)| (module.clone(), uses(module, text, &modules)))
        .collect()
}

/// Every cycle's modules, one cycle per strongly connected component with more than one
/// module, shown as `a → b → c → a`.
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    // Tarjan's algorithm, recursive: the graphs are a few dozen modules.
    struct State<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        on_stack: BTreeSet<&'g Module>,
        next: usize,
        components: Vec<Vec<&'g Module>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g Module) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let Some((w, _)) = s.graph.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[w].min(s.low[v]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.index[w].min(s.low[v]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w);
                if w == v {
                    break;
                }
            }
            s.components.push(component);
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    let mut out = Vec::new();
    for component in s.components.into_iter().filter(|c| c.len() > 1) {
        let members: BTreeSet<&Module> = component.iter().copied().collect();
        // One concrete cycle: a shortest way back to the first module, inside the component.
        let first = *members.iter().next().unwrap();
        let mut previous: BTreeMap<&Module, &Module> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([first]);
        let mut closing = None;
        while let Some(v) = queue.pop_front() {
            for w in &graph[v] {
                if w == first {
                    closing = Some(v);
                    break;
                }
                if members.contains(w) && !previous.contains_key(w) {
                    let (w, _) = graph.get_key_value(w).unwrap();
                    previous.insert(w, v);
                    queue.push_back(w);
                }
            }
            if closing.is_some() {
                break;
            }
        }
        let mut way = vec![first];
        let mut at = closing.unwrap();
        while at != first {
            way.push(at);
            at = previous[at];
        }
        way.push(first);
        let last = way.len() - 1;
        way[1..last].reverse();
        let shown: Vec<String> = way.iter().map(|m| show(m)).collect();
        let all: Vec<String> = members.iter().map(|m| show(m)).collect();
        out.push(format!(
            "{} (the cycle's modules: {})",
            shown.join(" → "),
            all.join(", ")
        ));
    }
    out
}

#[test]
fn no_crate_has_a_module_cycle() {
    let mut found = Vec::new();
    for krate in CRATES {
        let src = repo().join(krate);
        let files = sources(&src);
        assert!(files.len() > 3, "{krate}: {} files", files.len());
        for cycle in cycles(&graph(&files)) {
            found.push(format!("{krate}: {cycle}"));
        }
    }
    assert!(
        found.is_empty(),
        "modules that use each other:\n{}",
        found.join("\n")
    );
}

/// The checker finds what it is for: a cycle through a `use` group, through `super::`, through a
/// path in code and through a re-export at the root; and leaves out comments, strings and test
/// items.
#[test]
fn the_checker_names_cycles_and_ignores_what_is_not_code() {
    let file = |module: &[&str], text: &str| {
        (
            module.iter().map(|s| s.to_string()).collect::<Module>(),
            text.to_string(),
        )
    };
    let acyclic = [
        file(&[], "mod a; mod b; pub use b::B;"),
        file(
            &["a"],
            "use crate::b::B; // crate::c::C\nconst S: &str = \"crate::c\";\n\
             #[cfg(test)]\nmod tests { use crate::c::C; }\nfn f<'a>(x: &'a str) -> char { 'c' }",
        ),
        file(&["b"], "pub struct B; fn f() -> char { '\\'' }"),
        file(&["c"], "use crate::{a::A, b};"),
    ];
    assert_eq!(cycles(&graph(&acyclic)), Vec::<String>::new());
    let g = graph(&acyclic);
    assert_eq!(
        g[&vec!["c".to_string()]],
        BTreeSet::from([vec!["a".to_string()], vec!["b".to_string()]])
    );

    let grouped = [
        file(&[], "mod a; mod b; mod c;"),
        file(&["a"], "use crate::{b::{self, B}, c::C};"),
        file(&["c"], "pub struct C;"),
        file(&["b"], "fn f() { crate::a::g() }"),
    ];
    assert_eq!(
        cycles(&graph(&grouped)),
        vec!["a → b → a (the cycle's modules: a, b)".to_string()]
    );

    let through_super = [
        file(&[], "mod r;"),
        file(&["r"], "mod x; mod y; use self::x::X;"),
        file(&["r", "x"], "use super::y::Y;"),
        file(&["r", "y"], "use super::Z;"),
    ];
    assert_eq!(
        cycles(&graph(&through_super)),
        vec!["r → r::x → r::y → r (the cycle's modules: r, r::x, r::y)".to_string()]
    );

    let through_root = [
        file(&[], "mod a; pub use a::A;"),
        file(&["a"], "fn f(a: crate::A) -> crate::A { a }"),
    ];
    assert_eq!(
        cycles(&graph(&through_root)),
        vec!["crate → a → crate (the cycle's modules: crate, a)".to_string()]
    );
}

/// The crate doc of the service lists its modules in data-flow order: every module of the
/// crate is named, and each after every module it uses.
#[test]
fn the_service_s_crate_doc_lists_its_modules_in_data_flow_order() {
    let src = repo().join("crates/service/src");
    let files = sources(&src);
    let graph = graph(&files);
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let section: String = lib
        .lines()
        .skip_while(|l| !l.starts_with("//! # Modules, in data-flow order"))
        .skip(1)
        .take_while(|l| l.starts_with("//!") && !l.starts_with("//! # "))
        .map(|l| format!("{}\n", l.trim_start_matches("//!")))
        .collect();
    assert!(
        !section.is_empty(),
        "lib.rs has no '# Modules, in data-flow order'"
    );
    // Module names in order of first mention, as `name` in backquotes.
    let mut listed: Vec<Module> = Vec::new();
    for (i, piece) in section.split('`').enumerate() {
        if i % 2 == 1 {
            let module: Module = piece.split("::").map(str::to_string).collect();
            if graph.contains_key(&module) && !listed.contains(&module) {
                listed.push(module);
            }
        }
    }
    let missing: Vec<String> = graph
        .keys()
        .filter(|m| !m.is_empty() && !listed.contains(m))
        .map(|m| show(m))
        .collect();
    assert!(missing.is_empty(), "not listed in lib.rs: {missing:?}");
    let at = |m: &Module| listed.iter().position(|l| l == m);
    let mut wrong = Vec::new();
    for (module, uses) in &graph {
        let Some(here) = at(module) else { continue };
        for used in uses {
            if at(used).is_some_and(|there| there > here) {
                wrong.push(format!(
                    "{} is listed before {}, which it uses",
                    show(module),
                    show(used)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
