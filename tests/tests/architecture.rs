//! The shape of the code, checked: the runtime's modules form layers that import only downward (the
//! order is `RUNTIME_LAYERS` below, which ARCHITECTURE.md draws), no crate of the workspace has an
//! import cycle among its top-level modules, and no library source file is over 600 lines outside its
//! tests. An import is a `crate::module` path (or `super::module` in a file at a crate's root) outside
//! comments and `#[cfg(test)] mod tests`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The runtime's top-level modules, bottom to top: each may import only those before it.
const RUNTIME_LAYERS: &[&str] = &[
    // Leaves: HTML escaping and the one cookie sealing.
    "html",
    "seal",
    // Answers kept briefly, one fetch in flight per key.
    "kept",
    // The WorkOS client, with its configuration and profile types.
    "client",
    // The session's plaintext and the login cookie: no Rocket state, no store.
    "codec",
    "flow",
    // Settings (the store's too), handler configuration, the effective redirect URIs.
    "settings",
    "handler",
    "redirect_uri",
    // Decisions as plain functions: tenant, role and group policy; the application's hooks.
    "policy",
    "tenant",
    "hooks",
    "audit",
    "email",
    // The server-side store (keys and bytes), then the sessions of requests.
    "store",
    "session",
    // The managed state, then what requests get: replies, guards, the revocation handle, routes.
    "sso",
    "reply",
    "guard",
    "revocation",
    "routes",
    // Directory events that end sessions: the poller and the webhook route.
    "directory",
    // The fairing that assembles it all, and the doors for tests and generated code.
    "fairing",
    "testing",
    "fuzzing",
    "__private",
];

/// Names under `crate::` that are not modules of the crate: the root's own function and the emulator
/// crate it re-exports.
const NOT_MODULES: &[&str] = &["now", "emulator"];

/// The root's re-exports of modules, and the module they are.
const ALIASES: &[(&str, &str)] = &[("config", "client"), ("profile", "client")];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, with its path relative to `dir`.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("source directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.push((relative, std::fs::read_to_string(&path).expect("source")));
            }
        }
    }
    found.sort();
    found
}

/// Files that are test modules of their own (declared under `#[cfg(test)]`).
fn is_test_file(relative: &str) -> bool {
    relative.ends_with("_tests.rs") || relative.ends_with("test_server.rs")
}

/// `text` up to its test module (`#[cfg(test)]` then `mod tests`), which closes every file that has one.
fn before_tests(text: &str) -> &str {
    text.match_indices("#[cfg(test)]\n")
        .find(|(at, marker)| {
            let next = text[at + marker.len()..].trim_start();
            next.starts_with("mod tests") || next.starts_with("pub(crate) mod tests")
        })
        .map_or(text, |(at, _)| &text[..at])
}

/// The code of a file without its test module and without comment lines.
fn code(text: &str) -> String {
    before_tests(text)
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers at the start of each path after every `prefix` in `code`, braces included
/// (`crate::{a, b::c}` names `a` and `b`).
fn imported(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut start_of_path = true;
            let mut name = String::new();
            for character in group.chars() {
                let in_name = character.is_ascii_alphanumeric() || character == '_';
                if in_name && start_of_path {
                    name.push(character);
                    continue;
                }
                if !name.is_empty() {
                    names.insert(std::mem::take(&mut name));
                    start_of_path = false;
                }
                match character {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start_of_path = true,
                    _ => {}
                }
            }
            if !name.is_empty() {
                names.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// Each top-level module of the crate at `src`, with the top-level modules it imports.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (relative, text) in sources(src) {
        if is_test_file(&relative) {
            continue;
        }
        let top = relative
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_owned();
        if top == "lib" || top == "main" {
            continue;
        }
        let code = code(&text);
        let mut names = imported(&code, "crate::");
        // In a file at the crate's root, `super::` is the crate.
        if !relative.contains('/') {
            names.extend(imported(&code, "super::"));
        }
        let edges = graph.entry(top.clone()).or_default();
        for mut name in names {
            if let Some((_, module)) = ALIASES.iter().find(|(alias, _)| *alias == name) {
                (*module).clone_into(&mut name);
            }
            // Lower-case paths only: `crate::WorkosSso` and the like are the root's re-exports.
            let is_module = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
            if is_module && name != top && !NOT_MODULES.contains(&name.as_str()) {
                edges.insert(name);
            }
        }
    }
    graph
}

/// A cycle of `graph`, if it has one, as the path that closes it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|step| step == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_runtime_imports_only_downward_through_its_layers() {
    let graph = module_graph(&workspace().join("sso-runtime/src"));
    assert!(graph.len() > 15, "the runtime's modules were not found");
    let layer = |name: &str| RUNTIME_LAYERS.iter().position(|layer| *layer == name);
    let mut upward = Vec::new();
    for (module, imports) in &graph {
        let Some(own) = layer(module) else {
            panic!("the module `{module}` has no place in RUNTIME_LAYERS: add it where it belongs");
        };
        for imported in imports {
            match layer(imported) {
                Some(other) if other < own => {}
                _ => upward.push(format!("{module} -> {imported}")),
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that go up or sideways: {upward:?}"
    );
}

#[test]
fn no_crate_of_the_workspace_has_an_import_cycle() {
    for src in [
        "sso-rules/src",
        "sso-macros/src",
        "sso-emulator/src",
        "sso-runtime/src",
    ] {
        let graph = module_graph(&workspace().join(src));
        assert_eq!(cycle(&graph), None, "an import cycle in {src}");
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    assert_eq!(cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(
        imported(
            "use crate::{a::X, b, c::{d, e}};\nlet _ = crate::f::g();",
            "crate::"
        ),
        BTreeSet::from(["a", "b", "c", "f"].map(str::to_owned))
    );
}

#[test]
fn no_library_source_file_is_over_600_lines_outside_its_tests() {
    let mut long = Vec::new();
    for src in [
        "sso-rules/src",
        "sso-macros/src",
        "sso-emulator/src",
        "sso-runtime/src",
    ] {
        for (relative, text) in sources(&workspace().join(src)) {
            if is_test_file(&relative) {
                continue;
            }
            let lines = before_tests(&text).lines().count();
            if lines > 600 {
                long.push(format!("{src}/{relative}: {lines}"));
            }
        }
    }
    assert!(long.is_empty(), "over 600 lines: {long:?}");
}
