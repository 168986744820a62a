//! The house stays in order: within each crate no two source files import each other, so every
//! dependency between stages points one way (ARCHITECTURE.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path within a crate (`["model", "session"]`), and the file that holds it.
type Modules = BTreeMap<Vec<String>, PathBuf>;

fn modules(root: &Path) -> Modules {
    let mut out = Modules::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The code of a file without comments and without its `mod tests`.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules of its own crate that the file of `module` names (`crate::a::b`, `super::c`,
/// and the items of a braced `use` list).
fn imports(module: &[String], path: &Path, all: &Modules) -> BTreeSet<Vec<String>> {
    let code = code(path);
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("::") {
        let start = code[..at]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let base = &code[start..at];
        let mut here: Vec<String> = match base {
            "crate" => Vec::new(),
            // A folder's mod.rs is its folder's module, so `super` is the parent either way.
            "super" => module[..module.len().saturating_sub(1)].to_vec(),
            "self" => module.to_vec(),
            _ => continue,
        };
        let rest = &code[at + 2..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let mut segments: Vec<&str> = rest[..end].split("::").filter(|s| !s.is_empty()).collect();
        while segments.first() == Some(&"super") {
            here.pop();
            segments.remove(0);
        }
        let mut paths = vec![segments.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
        if rest[end..].starts_with('{') {
            let list = &rest[end + 1..rest[end..].find('}').map_or(end + 1, |i| end + i)];
            for item in list.split(',') {
                let item = item.split(" as ").next().unwrap_or("").trim();
                let mut p = paths[0].clone();
                p.extend(item.split("::").filter(|s| !s.is_empty()).map(String::from));
                paths.push(p);
            }
        }
        for p in paths {
            let full: Vec<String> = here.iter().cloned().chain(p).collect();
            let target = (0..=full.len())
                .rev()
                .map(|n| full[..n].to_vec())
                .find(|m| all.contains_key(m));
            if let Some(target) = target.filter(|t| t.as_slice() != module) {
                found.insert(target);
            }
        }
    }
    found
}

#[test]
fn no_two_files_import_each_other() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut loops = Vec::new();
    for krate in ["hardware", "firmware", "runtime", "train"] {
        let all = modules(&workspace.join(krate).join("src"));
        assert!(all.len() > 3, "{krate}: no sources found");
        let deps: BTreeMap<_, _> = all
            .iter()
            .map(|(m, path)| (m.clone(), imports(m, path, &all)))
            .collect();
        for (a, uses) in &deps {
            for b in uses.iter().filter(|b| a < *b) {
                if deps[b].contains(a) {
                    loops.push(format!("{krate}: {} <-> {}", a.join("/"), b.join("/")));
                }
            }
        }
    }
    assert!(
        loops.is_empty(),
        "files that import each other:\n{}",
        loops.join("\n")
    );
}

#[test]
fn the_check_sees_a_loop() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(
        src.join("lib.rs"),
        "pub mod a;\npub mod b;\npub mod c;\npub mod d;\n",
    )
    .unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::Thing;\n").unwrap();
    std::fs::write(src.join("b.rs"), "use crate::{a::Other, c};\n").unwrap();
    std::fs::write(src.join("c.rs"), "// use crate::a;\n").unwrap();
    std::fs::write(src.join("d.rs"), "").unwrap();
    let all = modules(src);
    let a = vec!["a".to_string()];
    let b = vec!["b".to_string()];
    let c = vec!["c".to_string()];
    assert!(imports(&a, &all[&a], &all).contains(&b));
    assert!(imports(&b, &all[&b], &all).contains(&a));
    assert!(imports(&b, &all[&b], &all).contains(&c));
    assert!(
        imports(&c, &all[&c], &all).is_empty(),
        "comments are not imports"
    );
}
