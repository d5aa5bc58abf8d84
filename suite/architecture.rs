//! The layering holds: every `crate::…` path in `src/` goes from a layer to one that
//! ARCHITECTURE.md's table lets it import. The table is the one description of the
//! layering; this test reads it, so the words and the code cannot drift apart. Inside a
//! layer, files that sit side by side import each other one way only: no circles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The top-level modules each layer may import, as ARCHITECTURE.md's table gives them
/// (rows `| `layer/` | a, b, c |` between the table's heading and its end).
type Arrows = BTreeMap<String, BTreeSet<String>>;

fn allowed_arrows(architecture: &str) -> Arrows {
    let table = architecture
        .split("| layer | may import |")
        .nth(1)
        .expect("ARCHITECTURE.md has the table `| layer | may import |`");
    table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            let layer = cells[0].trim_matches('`').trim_end_matches('/').to_owned();
            let imports = cells[1]
                .split(',')
                .map(|m| m.trim().trim_matches('`').trim_end_matches('/').to_owned())
                .filter(|m| !m.is_empty() && m != "—")
                .collect();
            (layer, imports)
        })
        .collect()
}

/// One import of another layer: where it stands and what it names.
#[derive(Debug, PartialEq, Eq)]
struct Import {
    file: String,
    line: usize,
    target: String,
}

/// The layers a file of `layer` names through `crate::` (or the crate's own name, as
/// the faulty fixtures write it), outside comments.
fn imports_in(file: &str, text: &str, layer: &str) -> Vec<Import> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for prefix in ["crate::", "ipc_conformance::"] {
            for (at, _) in code.match_indices(prefix) {
                let before = code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let target: String = code[at + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !target.is_empty() && target != layer {
                    found.push(Import {
                        file: file.to_owned(),
                        line: i + 1,
                        target,
                    });
                }
            }
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).expect("src/ is readable") {
            let path = entry.expect("src/ is readable").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The layer a file under `src/` belongs to: its top-level module (`lib.rs` and
/// `main.rs` are the crate's root, above every layer).
fn layer_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "main.rs" => None,
        dir => Some(dir.trim_end_matches(".rs").to_owned()),
    }
}

/// Every import in `src/` the table does not allow, as `file:line: a imports b`.
fn forbidden_imports(src: &Path, arrows: &Arrows) -> Vec<String> {
    let mut wrong = Vec::new();
    for path in rust_files(src) {
        let relative = path.strip_prefix(src).expect("below src/");
        let Some(layer) = layer_of(relative) else {
            continue;
        };
        let file = format!("src/{}", relative.display());
        let Some(allowed) = arrows.get(&layer) else {
            wrong.push(format!(
                "{file}: layer `{layer}` has no row in ARCHITECTURE.md"
            ));
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("a source file is readable");
        for import in imports_in(&file, &text, &layer) {
            if !allowed.contains(&import.target) {
                wrong.push(format!(
                    "{}:{}: `{layer}` imports `{}`, which ARCHITECTURE.md does not allow",
                    import.file, import.line, import.target
                ));
            }
        }
    }
    wrong
}

fn architecture_md() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md is readable")
}

/// The sibling modules a file names through `super::` (`use super::{a, b::X}`,
/// `super::a::f()`), or through its full path from the crate's root.
fn siblings_named(text: &str, module: &[&str], siblings: &BTreeSet<String>) -> BTreeSet<String> {
    let parent = module[..module.len() - 1].join("::");
    let mut named = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut paths: Vec<&str> = Vec::new();
        if let Some(group) = code
            .split("super::{")
            .nth(1)
            .and_then(|g| g.split('}').next())
        {
            paths.extend(group.split(','));
        }
        paths.extend(code.split("super::").skip(1));
        let full = format!("crate::{parent}::");
        paths.extend(code.split(full.as_str()).skip(1));
        for path in paths {
            let first: String = path
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if siblings.contains(&first) && first != module[module.len() - 1] {
                named.insert(first);
            }
        }
    }
    named
}

/// For each folder of `src/`, its files (not `mod.rs`) and the siblings each imports.
fn sibling_imports(src: &Path) -> BTreeMap<PathBuf, BTreeMap<String, BTreeSet<String>>> {
    let files = rust_files(src);
    let mut folders: BTreeMap<PathBuf, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for path in &files {
        let relative = path.strip_prefix(src).expect("below src/");
        let (folder, name) = match path.file_name().and_then(|n| n.to_str()) {
            Some("mod.rs") => {
                let dir = relative.parent().expect("mod.rs is in a folder");
                (dir.parent().unwrap_or(Path::new("")), dir.file_name())
            }
            _ => (
                relative.parent().unwrap_or(Path::new("")),
                relative.file_stem(),
            ),
        };
        let name = name.and_then(|n| n.to_str()).expect("utf-8 names");
        folders
            .entry(folder.to_path_buf())
            .or_default()
            .insert(name.to_owned(), path.clone());
    }
    folders
        .into_iter()
        .map(|(folder, modules)| {
            let names: BTreeSet<String> = modules.keys().cloned().collect();
            let mut prefix: Vec<String> = folder
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let edges = modules
                .iter()
                .filter(|(_, path)| !path.ends_with("mod.rs"))
                .map(|(name, path)| {
                    prefix.push(name.clone());
                    let module: Vec<&str> = prefix.iter().map(String::as_str).collect();
                    let text = std::fs::read_to_string(path).expect("a source file is readable");
                    let named = siblings_named(&text, &module, &names);
                    prefix.pop();
                    (name.clone(), named)
                })
                .collect();
            (folder, edges)
        })
        .collect()
}

/// A circle of imports among `edges`, as `a → b → a`, if there is one.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|start| visit(start, edges, &mut Vec::new(), &mut done))
}

#[test]
fn files_side_by_side_import_each_other_one_way() {
    let circles: Vec<String> = sibling_imports(&Path::new(ROOT).join("src"))
        .iter()
        .filter_map(|(folder, edges)| {
            circle(edges).map(|c| format!("src/{}: {}", folder.display(), c.join(" → ")))
        })
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn a_circle_of_siblings_is_found() {
    let names: BTreeSet<String> = ["run", "jobs", "args"].map(String::from).into();
    let run = siblings_named(
        "use super::{jobs, load};\nuse super::args::RunArgs;",
        &["cli", "run"],
        &names,
    );
    let jobs = siblings_named(
        "fn f() { crate::cli::run::outcome(); }",
        &["cli", "jobs"],
        &names,
    );
    assert_eq!(run, ["args", "jobs"].map(String::from).into());
    let edges = BTreeMap::from([
        ("run".to_owned(), run),
        ("jobs".to_owned(), jobs),
        ("args".to_owned(), BTreeSet::new()),
    ]);
    assert_eq!(circle(&edges).unwrap().join(" → "), "jobs → run → jobs");
}

#[test]
fn every_import_follows_the_allowed_arrows() {
    let arrows = allowed_arrows(&architecture_md());
    let wrong = forbidden_imports(&Path::new(ROOT).join("src"), &arrows);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_layer_of_src_has_a_row_and_every_row_a_layer() {
    let arrows = allowed_arrows(&architecture_md());
    let layers: BTreeSet<String> = rust_files(&Path::new(ROOT).join("src"))
        .iter()
        .filter_map(|p| layer_of(p.strip_prefix(Path::new(ROOT).join("src")).ok()?))
        .collect();
    let rows: BTreeSet<String> = arrows.keys().cloned().collect();
    assert_eq!(layers, rows);
    for (layer, imports) in &arrows {
        for target in imports {
            assert!(
                rows.contains(target),
                "`{layer}` may import `{target}`, which is no layer"
            );
        }
    }
}

#[test]
fn the_ground_floor_imports_nothing_and_the_driver_and_model_not_each_other() {
    let arrows = allowed_arrows(&architecture_md());
    assert!(arrows["platform"].is_empty());
    assert!(!arrows["driver"].contains("model"));
    assert!(!arrows["driver"].contains("report"));
    assert!(!arrows["model"].contains("driver"));
}

#[test]
fn a_forbidden_import_is_found_and_a_comment_is_not() {
    let text = "use crate::scenario::Scenario;\n\
                // crate::model is named in a comment only\n\
                /// [`run`](crate::report::render_timeline)\n\
                fn f() { let _ = crate::model::cross_check; }\n";
    let found = imports_in("src/driver/x.rs", text, "driver");
    let targets: Vec<_> = found.iter().map(|i| (i.target.as_str(), i.line)).collect();
    assert_eq!(targets, [("scenario", 1), ("model", 4)]);
}
