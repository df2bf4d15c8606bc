//! Every rule's doc (`rules/<id>.md`) is complete and its examples are true: each ```sql block
//! under `## Example` makes the rule fire, each under `## Use instead` does not. A ```toml block
//! under `## Configuration` is the config the examples run with. Adding an example needs no code.
//! And every registered rule has a row in README's rule table (id, default severity, summary as
//! `pgward rule` prints it) and at least one `bad_*` and one `good_*` fixture.

use pgward::engine::{CheckInput, check};
use pgward::{Config, SourceFile};
use std::path::Path;

const SECTIONS: &[&str] = &[
    "What it does",
    "Why it matters",
    "Example",
    "Use instead",
    "Configuration",
];

/// A fenced code block: the section it sits in, its language and its text.
struct Block {
    section: String,
    lang: String,
    text: String,
}

struct Doc {
    title: Option<String>,
    sections: Vec<String>,
    blocks: Vec<Block>,
}

fn parse_doc(markdown: &str) -> Doc {
    let mut doc = Doc {
        title: None,
        sections: Vec::new(),
        blocks: Vec::new(),
    };
    let mut open: Option<(String, String)> = None;
    for line in markdown.lines() {
        if let Some((lang, text)) = &mut open {
            if line.trim_start().starts_with("```") {
                doc.blocks.push(Block {
                    section: doc.sections.last().cloned().unwrap_or_default(),
                    lang: std::mem::take(lang),
                    text: std::mem::take(text),
                });
                open = None;
            } else {
                text.push_str(line);
                text.push('\n');
            }
        } else if let Some(fence) = line.trim_start().strip_prefix("```") {
            open = Some((fence.trim().to_string(), String::new()));
        } else if let Some(h) = line.strip_prefix("## ") {
            doc.sections.push(h.trim().to_string());
        } else if let Some(h) = line.strip_prefix("# ")
            && doc.title.is_none()
        {
            doc.title = Some(h.trim().to_string());
        }
    }
    assert!(open.is_none(), "unterminated code block");
    doc
}

fn run(sql: &str, config: &Config) -> Vec<pgward::Diagnostic> {
    let input = CheckInput {
        source: SourceFile::new("example.sql", sql),
        report: true,
    };
    check(vec![input], config).diagnostics
}

#[test]
fn every_rule_has_a_complete_doc() {
    for rule in pgward::rules::all() {
        let doc = parse_doc(rule.doc);
        assert!(
            rule.doc.starts_with(&format!("# {}\n", rule.id)),
            "rules/{}.md must start with `# {}`",
            rule.id,
            rule.id
        );
        assert_eq!(
            doc.title.as_deref(),
            Some(rule.id),
            "rules/{}.md title",
            rule.id
        );
        assert_eq!(
            doc.sections, SECTIONS,
            "rules/{}.md must have exactly these sections, in order",
            rule.id
        );
        for section in ["Example", "Use instead"] {
            assert!(
                doc.blocks
                    .iter()
                    .any(|b| b.section == section && b.lang == "sql"),
                "rules/{}.md: no ```sql block under `## {section}`",
                rule.id
            );
        }
    }
}

#[test]
fn every_doc_file_belongs_to_a_registered_rule() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("rules/ directory") {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file name");
        let rule = pgward::rules::find(id)
            .unwrap_or_else(|| panic!("{} belongs to no registered rule", path.display()));
        let on_disk = std::fs::read_to_string(&path).expect("readable doc");
        assert_eq!(on_disk, rule.doc, "{id}: the registry embeds another file");
        seen += 1;
    }
    assert_eq!(
        seen,
        pgward::rules::all().len(),
        "a rule without a doc file"
    );
}

#[test]
fn doc_examples_fire_and_alternatives_do_not() {
    let mut failures = Vec::new();
    for rule in pgward::rules::all() {
        let doc = parse_doc(rule.doc);
        let config = match doc
            .blocks
            .iter()
            .find(|b| b.section == "Configuration" && b.lang == "toml")
        {
            Some(b) => Config::from_toml(&b.text, Path::new("pgward.toml"))
                .unwrap_or_else(|e| panic!("rules/{}.md: bad toml example: {e}", rule.id)),
            None => Config::default(),
        };
        for block in doc.blocks.iter().filter(|b| b.lang == "sql") {
            let fired: Vec<_> = run(&block.text, &config)
                .into_iter()
                .filter(|d| d.rule == rule.id)
                .collect();
            match block.section.as_str() {
                "Example" if fired.is_empty() => failures.push(format!(
                    "rules/{}.md: this example produces no {} diagnostic:\n{}",
                    rule.id, rule.id, block.text
                )),
                "Use instead" if !fired.is_empty() => failures.push(format!(
                    "rules/{}.md: this alternative still produces {:?}:\n{}",
                    rule.id,
                    fired.iter().map(|d| &d.message).collect::<Vec<_>>(),
                    block.text
                )),
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The rows of README's rule table (`| `id` | severity | summary |` under `## Rules`).
fn readme_rule_rows() -> Vec<(String, String, String)> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## Rules\n")
        .nth(1)
        .expect("README has a `## Rules` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .strip_prefix('|')?
                .strip_suffix('|')?
                .split('|')
                .collect();
            let [id, severity, summary] = cells.as_slice() else {
                return None;
            };
            let id = id.trim().strip_prefix('`')?.strip_suffix('`')?;
            Some((
                id.to_string(),
                severity.trim().to_string(),
                summary.trim().to_string(),
            ))
        })
        .collect()
}

/// Text as a terminal shows it: Markdown's backticks left out.
fn plain(text: &str) -> String {
    text.replace('`', "")
}

#[test]
fn readme_rule_table_matches_the_registry() {
    let rows = readme_rule_rows();
    let mut problems = Vec::new();
    for rule in pgward::rules::all() {
        let Some((_, severity, summary)) = rows.iter().find(|(id, _, _)| id == rule.id) else {
            problems.push(format!("{}: no row in README's rule table", rule.id));
            continue;
        };
        // `error / warning`: the rule reports both; the default comes first.
        // Rules that run only when selected show `off`, as `pgward rule` does.
        let default = severity.split('/').next().unwrap_or("").trim();
        let expected = if pgward::rules::on_by_default(rule) {
            rule.default_severity.as_str()
        } else {
            "off"
        };
        if default != expected {
            problems.push(format!(
                "{}: README says `{severity}`, the default severity is `{expected}`",
                rule.id,
            ));
        }
        if plain(summary) != plain(rule.summary) {
            problems.push(format!(
                "{}: README's summary differs from `pgward rule`'s:\n  README:   {}\n  registry: {}",
                rule.id,
                plain(summary),
                plain(rule.summary)
            ));
        }
    }
    let ids: Vec<&str> = rows.iter().map(|(id, _, _)| id.as_str()).collect();
    let registry: Vec<&str> = pgward::rules::all().iter().map(|r| r.id).collect();
    for id in &ids {
        if !registry.contains(id) {
            problems.push(format!("README lists `{id}`, which is no registered rule"));
        }
    }
    if problems.is_empty() && ids != registry {
        problems.push(format!(
            "README lists the rules in another order than `pgward rule`:\n  README:   {ids:?}\n  registry: {registry:?}"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_rule_has_bad_and_good_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut problems = Vec::new();
    for rule in pgward::rules::all() {
        let names: Vec<String> = std::fs::read_dir(root.join(rule.id))
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        for kind in ["bad_", "good_"] {
            if !names.iter().any(|n| n.starts_with(kind)) {
                problems.push(format!("fixtures/rules/{}/: no {kind}* case", rule.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
