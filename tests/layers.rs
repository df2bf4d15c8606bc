//! Tidy test: the layers of `src/` import one way only.
//!
//! ```text
//! source → syntax → runner → config → discover → catalog → diagnostic → rules → engine → report → lsp | apply | init → cli
//! ```
//!
//! Every `crate::<module>` path in non-test code of `src/` must name the file's own top-level module
//! or one in a lower layer. Modules in the same layer (lsp, apply, init) do not import each other.
//! Test code (`#[cfg(test)]` modules, `tests.rs` files) may reach up, the way a dev-dependency
//! does: a rule's unit tests run the whole engine. See ARCHITECTURE.md for what each layer owns.

use std::path::{Path, PathBuf};

/// Top-level modules of `src/`, lowest layer first. A module may import its own layer's module
/// and any module with a smaller number.
const LAYERS: &[(&str, u32)] = &[
    ("source", 0),
    ("syntax", 1),
    ("runner", 2),
    ("config", 3),
    ("discover", 4),
    ("catalog", 5),
    ("diagnostic", 6),
    ("rules", 7),
    ("engine", 8),
    ("report", 9),
    ("lsp", 10),
    ("apply", 10),
    ("init", 10),
    ("cli", 11),
];

fn layer_of(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None` for the crate roots).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// The lines of `text` that are not test code, with their 1-based numbers.
fn non_test_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            // Skip the attributed item: to its closing brace at the same indentation (rustfmt
            // guarantees it), or a one-line `mod tests;` (that file is skipped by name).
            let indent = &line[..line.len() - trimmed.len()];
            let close = format!("{indent}}}");
            match lines.next() {
                Some((_, item)) if item.trim_end().ends_with(';') && !item.contains('{') => {}
                Some((_, item)) if item.trim_end().ends_with('}') => {}
                _ => {
                    for (_, next) in lines.by_ref() {
                        if next == close {
                            break;
                        }
                    }
                }
            }
            continue;
        }
        out.push((i + 1, line));
    }
    out
}

/// Every `crate::<module>` named in `code` (comments already removed), with its byte offset.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("crate::").map(|i| i + from) {
        from = i + "crate::".len();
        // `$crate::` or `foo_crate::` are not paths into this crate.
        if code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        {
            continue;
        }
        let after = &code[from..];
        let Some(group) = after.strip_prefix('{') else {
            found.push((i, ident(after)));
            continue;
        };
        // `use crate::{a::X, b::{self, Y}}`: the first name of every top-level part.
        let mut depth = 0;
        let mut start_of_part = true;
        for (j, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => start_of_part = true,
                c if c.is_whitespace() => {}
                _ if start_of_part => {
                    start_of_part = false;
                    let name = ident(&group[j..]);
                    if !name.is_empty() {
                        found.push((i, name));
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// `text` without test code and `//` comments (lines kept, so offsets map to line numbers).
fn code_of(text: &str) -> String {
    let mut kept = vec![""; text.lines().count()];
    for (line_no, line) in non_test_lines(text) {
        kept[line_no - 1] = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
    }
    kept.join("\n")
}

fn line_at(code: &str, offset: usize) -> usize {
    code[..offset].matches('\n').count() + 1
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn is_test_file(rel: &Path) -> bool {
    rel.file_name().is_some_and(|n| n == "tests.rs")
}

#[test]
fn imports_never_go_up_a_layer() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() > 20,
        "expected the sources under {}",
        src.display()
    );
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in &files {
        let rel = path.strip_prefix(&src).expect("under src");
        let Some(module) = module_of(rel) else {
            continue;
        };
        let Some(own) = layer_of(&module) else {
            problems.push(format!(
                "src/{}: top-level module `{module}` has no layer: add it to LAYERS in \
                 tests/layers.rs and to ARCHITECTURE.md",
                rel.display()
            ));
            continue;
        };
        if is_test_file(rel) {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("read source");
        let code = code_of(&text);
        for (offset, target) in crate_paths(&code) {
            let line_no = line_at(&code, offset);
            checked += 1;
            {
                if target == module || target == "self" || target == "super" {
                    continue;
                }
                match layer_of(&target) {
                    Some(layer) if layer < own => {}
                    Some(layer) => problems.push(format!(
                        "src/{}:{line_no}: `{module}` (layer {own}) imports `crate::{target}` \
                         (layer {layer}): move the shared item down to the layer that owns it, \
                         or this code up",
                        rel.display()
                    )),
                    // `crate::SomeReexport` from lib.rs, or a macro: not a layer.
                    None => {}
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} crate paths found: is the scanner broken?"
    );
    assert!(
        problems.is_empty(),
        "imports that go up a layer (layers, lowest first: {}):\n{}",
        LAYERS
            .iter()
            .map(|(m, l)| format!("{m}={l}"))
            .collect::<Vec<_>>()
            .join(" "),
        problems.join("\n")
    );
}

/// sqlparser is a detail of `syntax`: rules, catalog and everything above see our own model.
#[test]
fn only_syntax_sees_the_parser() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&src).expect("under src");
        let in_syntax = rel.starts_with("syntax") && !rel.ends_with("syntax/model.rs");
        if in_syntax {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("read source");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("sqlparser::") {
                problems.push(format!("src/{}:{}: {}", rel.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "sqlparser used outside src/syntax/ (or in the statement model): convert to \
         syntax::model types in src/syntax/convert* instead:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_scanner_sees_what_it_must() {
    let names = |code: &str| -> Vec<String> {
        crate_paths(&code_of(code))
            .into_iter()
            .map(|(_, n)| n)
            .collect()
    };
    assert_eq!(
        names("use crate::{\n    config::Config,\n    rules::{self, Rule},\n};"),
        ["config", "rules"]
    );
    assert_eq!(
        names("let x = crate::engine::check(a); // crate::cli"),
        ["engine"]
    );
    assert!(names("$crate::foo").is_empty());
    let text = "use crate::a;\n#[cfg(test)]\nmod tests {\n    use crate::b;\n}\nuse crate::c;\n";
    let kept: Vec<&str> = non_test_lines(text).into_iter().map(|(_, l)| l).collect();
    assert_eq!(kept, ["use crate::a;", "use crate::c;"]);
}
