//! The catalog and the schema-aware rules on real SQL text: replay across files, renames and
//! drops, and the single-file-with-context mode (only some files reported, the rest context).

use pgward::catalog::{Catalog, Fact, Pos};
use pgward::engine::{CheckInput, build_workspace, check};
use pgward::{Config, Diagnostic, SourceFile};
use std::path::Path;

fn inputs(files: &[(&str, &str)], reported: &[&str]) -> Vec<CheckInput> {
    files
        .iter()
        .map(|(name, text)| CheckInput {
            source: SourceFile::new(*name, *text),
            report: reported.is_empty() || reported.contains(name),
        })
        .collect()
}

fn catalog(files: &[(&str, &str)]) -> Catalog {
    build_workspace(inputs(files, &[])).catalog
}

fn key(schema: &str, name: &str) -> pgward::catalog::Key {
    (schema.into(), name.into())
}

/// `file:line:col severity rule: message [related]`, for readable assertions.
fn lines(files: &[(&str, &str)], reported: &[&str], config: &Config) -> Vec<String> {
    let out = check(inputs(files, reported), config);
    let at = |file: usize, offset: usize| {
        let f = &out.workspace.files[file].source;
        let lc = f.lines.line_col(&f.text, offset);
        format!("{}:{}:{}", f.name, lc.line, lc.column)
    };
    out.diagnostics
        .iter()
        .map(|d: &Diagnostic| {
            let mut s = format!(
                "{} {} {}: {}",
                at(d.file, d.span.start),
                d.severity.as_str(),
                d.rule,
                d.message
            );
            for r in &d.related {
                s.push_str(&format!(" [{} {}]", at(r.file, r.span.start), r.message));
            }
            s
        })
        .collect()
}

fn only(rule: &str, all: Vec<String>) -> Vec<String> {
    all.into_iter()
        .filter(|l| l.contains(&format!(" {rule}: ")))
        .collect()
}

const USERS: &str = "CREATE TABLE users (id uuid PRIMARY KEY, clerk_id text);\n\
CREATE POLICY \"users_select_own\" ON users FOR SELECT USING (clerk_id = auth.uid()::text);\n";
const CLIENTS: &str = "CREATE TABLE clients (id uuid PRIMARY KEY, user_id uuid);\n\
CREATE POLICY users_select_own ON clients FOR SELECT USING (user_id = auth.uid());\n";
const FIX: &str = "-- replace the users policy\n\
CREATE POLICY users_select_own ON users USING (true);\n\
DROP TABLE clients;\n";

#[test]
fn replay_follows_renames_and_drops_across_files() {
    let c = catalog(&[
        (
            "0001.sql",
            "CREATE TABLE meetings (id uuid PRIMARY KEY, user_id uuid REFERENCES auth.users (id));\n\
             CREATE INDEX meetings_user_idx ON meetings (user_id);\n\
             ALTER TABLE meetings ENABLE ROW LEVEL SECURITY;\n\
             CREATE POLICY meetings_select_own ON meetings FOR SELECT USING (user_id = auth.uid());\n\
             ALTER PUBLICATION supabase_realtime ADD TABLE meetings;\n",
        ),
        (
            "0002.sql",
            "ALTER TABLE meetings RENAME COLUMN user_id TO owner_id;\n\
             ALTER TABLE meetings RENAME TO calls;\n\
             DO $$ BEGIN ALTER TABLE calls SET SCHEMA archive; END $$;\n",
        ),
    ]);
    assert!(c.table(&key("public", "meetings")).is_none());
    let id = c.table(&key("archive", "calls")).expect("moved table");
    let t = &c.tables[id];
    assert!(t.rls_enabled);
    let cols: Vec<&str> = t.live_columns().map(|(_, c)| c.name.as_str()).collect();
    assert_eq!(cols, ["id", "owner_id"]);
    let index_cols: Vec<Option<usize>> = c
        .indexes_on(id)
        .flat_map(|(_, i)| i.columns.clone())
        .collect();
    assert_eq!(index_cols, [t.column("owner_id")]);
    assert_eq!(c.policies_on(id).count(), 1);
    let rt = c
        .publication("supabase_realtime")
        .expect("implicit publication");
    assert!(c.publishes(rt, id));
    assert_eq!(
        c.table_at(&key("public", "meetings"), Pos { file: 1, stmt: 0 }),
        Some(id)
    );
    // The column's definition is remembered at its name in the first file.
    let col = &t.columns[t.column("owner_id").expect("column")];
    assert_eq!(col.created.map(|l| (l.file(), l.stmt())), Some((0, 0)));
}

#[test]
fn unnamed_constraints_get_postgres_generated_names() {
    // `DROP CONSTRAINT` of the name PostgreSQL generated must find the constraint.
    let c = catalog(&[
        (
            "0001.sql",
            "CREATE TABLE e (id uuid PRIMARY KEY, user_id uuid, org_id uuid, UNIQUE (user_id, org_id));\n\
             CREATE TABLE x1 (id int PRIMARY KEY, y_id int);\n\
             CREATE TABLE y1 (id int PRIMARY KEY, x_id int REFERENCES x1);\n\
             ALTER TABLE x1 ADD FOREIGN KEY (y_id) REFERENCES y1;\n",
        ),
        (
            "0002.sql",
            "ALTER TABLE e DROP CONSTRAINT e_user_id_org_id_key;\n\
             ALTER TABLE e DROP CONSTRAINT e_pkey;\n\
             ALTER TABLE y1 DROP CONSTRAINT y1_x_id_fkey;\n",
        ),
    ]);
    let e = &c.tables[c.table(&key("public", "e")).expect("e")];
    assert!(e.primary_key.is_none());
    assert_eq!(e.live_uniques().count(), 0);
    let y1 = &c.tables[c.table(&key("public", "y1")).expect("y1")];
    assert_eq!(y1.live_foreign_keys().count(), 0);
    let x1 = &c.tables[c.table(&key("public", "x1")).expect("x1")];
    let names: Vec<Option<&str>> = x1.live_foreign_keys().map(|f| f.name.as_deref()).collect();
    assert_eq!(names, [Some("x1_y_id_fkey")]);
}

#[test]
fn policy_collisions_across_files() {
    let files = [
        ("0001.sql", USERS),
        ("0002.sql", CLIENTS),
        ("0003.sql", FIX),
    ];
    let got = only(
        "policy-name-collision",
        lines(&files, &[], &Config::default()),
    );
    assert_eq!(
        got,
        [
            "0002.sql:2:15 warning policy-name-collision: policy name \"users_select_own\" is \
             already used on table \"users\"; reusing it on \"clients\" makes the two policies \
             easy to confuse [0001.sql:2:15 policy \"users_select_own\" first created here]",
            "0003.sql:2:15 error policy-name-collision: policy \"users_select_own\" already \
             exists on table \"users\": PostgreSQL rejects this CREATE POLICY [0001.sql:2:15 \
             policy \"users_select_own\" first created here]",
        ]
    );
}

#[test]
fn single_file_with_context_reports_only_the_named_file() {
    let files = [
        ("0001.sql", USERS),
        ("0002.sql", CLIENTS),
        ("0003.sql", FIX),
    ];
    let got = lines(&files, &["0003.sql"], &Config::default());
    assert!(got.iter().all(|l| l.starts_with("0003.sql:")), "{got:#?}");
    let collision = only("policy-name-collision", got.clone());
    assert_eq!(collision.len(), 1, "{got:#?}");
    assert!(collision[0].contains("[0001.sql:2:15 "), "{got:#?}");
    // clients was created by 0002, an earlier file: dropping it is destructive.
    let drops = only("destructive-drop", got.clone());
    assert_eq!(drops.len(), 1, "{got:#?}");
    assert!(drops[0].starts_with("0003.sql:3:12 warning"), "{got:#?}");
    // Without the context files the same file shows no collision.
    let alone = lines(&[("0003.sql", FIX)], &[], &Config::default());
    assert!(only("policy-name-collision", alone).is_empty());
}

#[test]
fn facts_are_recorded_for_do_block_statements() {
    let c = catalog(&[(
        "0001.sql",
        "CREATE TABLE t (id int);\nDO $$\nBEGIN\n  CREATE TABLE t (id int);\nEND $$;\n",
    )]);
    let facts: Vec<&Fact> = c.file_facts(0).iter().map(|(_, f)| f).collect();
    assert!(
        matches!(facts.as_slice(), [Fact::AlreadyExists { .. }]),
        "{facts:#?}"
    );
}

#[test]
fn policy_naming_uses_the_template() {
    let config = Config::from_toml(
        "[policies]\nnaming = \"{table}_{operation}_{description}\"\n",
        Path::new("pgward.toml"),
    )
    .expect("config");
    let sql = "CREATE POLICY clients_select_own ON clients FOR SELECT USING (true);\n\
               CREATE POLICY \"Clients can read\" ON clients FOR SELECT USING (true);\n";
    let got = only("policy-naming", lines(&[("a.sql", sql)], &[], &config));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].starts_with("a.sql:2:15 warning"), "{got:#?}");
}

/// The diagnostics of a fixture case's rule (its directory) (a `.sql` file with an optional
/// `.toml` next to it, or a directory of files with an optional `pgward.toml`), as
/// `file:line:col severity rule`.
fn fixture(case: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let path = root.join(case);
    let (files, config_path) = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(&path)
            .expect("case directory")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        (files, path.join("pgward.toml"))
    } else {
        (vec![path.clone()], path.with_extension("toml"))
    };
    let config = if config_path.is_file() {
        Config::load(&config_path).expect("config")
    } else {
        Config::default()
    };
    let inputs: Vec<CheckInput> = files
        .iter()
        .map(|f| CheckInput {
            source: SourceFile::new(
                f.file_name().expect("name").to_string_lossy(),
                std::fs::read_to_string(f).expect("fixture"),
            ),
            report: true,
        })
        .collect();
    let out = check(inputs, &config);
    out.diagnostics
        .iter()
        // The rule of the case's directory (other rules have their own fixtures).
        .filter(|d| case.split('/').next() == Some(d.rule))
        .map(|d| {
            let f = &out.workspace.files[d.file].source;
            let lc = f.lines.line_col(&f.text, d.span.start);
            format!(
                "{}:{}:{} {} {}",
                f.name,
                lc.line,
                lc.column,
                d.severity.as_str(),
                d.rule
            )
        })
        .collect()
}

#[test]
fn fixture_positions() {
    let cases: &[(&str, &[&str])] = &[
        (
            "policy-name-collision/bad_same_table.sql",
            &["bad_same_table.sql:6:15 error policy-name-collision"],
        ),
        (
            "policy-name-collision/bad_other_table.sql",
            &["bad_other_table.sql:6:15 warning policy-name-collision"],
        ),
        ("policy-name-collision/good_drop_between.sql", &[]),
        (
            "policy-name-collision/bad_do_block.sql",
            &["bad_do_block.sql:5:17 error policy-name-collision"],
        ),
        (
            "policy-name-collision/bad_cross_file",
            &[
                "0002_clients.sql:3:15 warning policy-name-collision",
                "0003_fix_users.sql:2:15 error policy-name-collision",
            ],
        ),
        (
            "policy-name-collision/bad_renamed_table",
            &["0002_rename.sql:3:15 error policy-name-collision"],
        ),
        (
            "policy-naming/bad_naming.sql",
            &[
                "bad_naming.sql:5:15 warning policy-naming",
                "bad_naming.sql:6:15 warning policy-naming",
                "bad_naming.sql:7:15 warning policy-naming",
                "bad_naming.sql:8:15 warning policy-naming",
                "bad_naming.sql:9:54 warning policy-naming",
                "bad_naming.sql:12:50 warning policy-naming",
            ],
        ),
        ("policy-naming/good_no_template.sql", &[]),
        ("policy-naming/good_follows_template.sql", &[]),
        ("policy-name-collision/good_cross_file_replaced", &[]),
        ("schema-conflict/good_idempotent_set", &[]),
        ("destructive-drop/good_scratch_tables", &[]),
        (
            "schema-conflict/bad_same_file.sql",
            &[
                "bad_same_file.sql:6:14 error schema-conflict",
                "bad_same_file.sql:13:14 error schema-conflict",
                "bad_same_file.sql:16:15 error schema-conflict",
                "bad_same_file.sql:18:13 error schema-conflict",
            ],
        ),
        (
            "schema-conflict/bad_columns_and_publications.sql",
            &[
                "bad_columns_and_publications.sql:4:32 error schema-conflict",
                "bad_columns_and_publications.sql:5:32 error schema-conflict",
                "bad_columns_and_publications.sql:8:47 error schema-conflict",
                "bad_columns_and_publications.sql:12:33 error schema-conflict",
            ],
        ),
        (
            "schema-conflict/bad_drops.sql",
            &[
                "bad_drops.sql:2:12 error schema-conflict",
                "bad_drops.sql:17:13 error schema-conflict",
            ],
        ),
        (
            "schema-conflict/bad_guarded.sql",
            &["bad_guarded.sql:19:16 error schema-conflict"],
        ),
        (
            "schema-conflict/bad_cross_file",
            &[
                "0002_again.sql:2:14 error schema-conflict",
                "0002_again.sql:3:14 error schema-conflict",
                "0002_again.sql:4:32 error schema-conflict",
                "0002_again.sql:5:52 error schema-conflict",
            ],
        ),
        (
            "schema-conflict/bad_rename_frees_name",
            &[
                "0002_archive.sql:7:14 error schema-conflict",
                "0002_archive.sql:9:14 error schema-conflict",
            ],
        ),
        (
            "schema-conflict/bad_renamed_objects.sql",
            &[
                "bad_renamed_objects.sql:6:14 error schema-conflict",
                "bad_renamed_objects.sql:17:14 error schema-conflict",
                "bad_renamed_objects.sql:22:14 error schema-conflict",
            ],
        ),
        (
            "destructive-drop/bad_single_file.sql",
            &[
                "bad_single_file.sql:2:22 warning destructive-drop",
                "bad_single_file.sql:3:10 warning destructive-drop",
                "bad_single_file.sql:3:24 warning destructive-drop",
                "bad_single_file.sql:4:35 warning destructive-drop",
                "bad_single_file.sql:19:14 warning destructive-drop",
            ],
        ),
        (
            "destructive-drop/bad_cross_file",
            &[
                "0002_cleanup.sql:1:34 warning destructive-drop",
                "0002_cleanup.sql:5:12 warning destructive-drop",
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (case, expected) in cases {
        let got = fixture(case);
        if got != *expected {
            failures.push(format!("{case}:\n  expected {expected:#?}\n  got {got:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every fixture SQL file of the repository, replayed as one set in name order and in reverse:
/// whatever order statements come in, replay and the rules finish without panicking.
#[test]
fn replay_survives_any_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixture dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "sql") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert!(paths.len() > 20, "expected the repository's fixtures");
    let load = |paths: &[std::path::PathBuf]| -> Vec<CheckInput> {
        paths
            .iter()
            .map(|p| CheckInput {
                source: SourceFile::new(
                    p.to_string_lossy(),
                    std::fs::read_to_string(p).unwrap_or_default(),
                ),
                report: true,
            })
            .collect()
    };
    let forward = check(load(&paths), &Config::default());
    assert!(!forward.diagnostics.is_empty());
    paths.reverse();
    let backward = check(load(&paths), &Config::default());
    assert!(!backward.diagnostics.is_empty());
}

#[test]
fn a_search_for_a_foreign_key_cycle_agrees_with_the_components() {
    // a → b → c → a is a cycle (d hangs off it, e references itself, f → a was dropped);
    // every ordered pair of tables gets the same answer from both ways of asking.
    let c = catalog(&[
        (
            "0001.sql",
            "CREATE TABLE a (id int PRIMARY KEY, b_id int);\n\
             CREATE TABLE b (id int PRIMARY KEY, c_id int);\n\
             CREATE TABLE c (id int PRIMARY KEY, a_id int REFERENCES a);\n\
             CREATE TABLE d (id int PRIMARY KEY, a_id int REFERENCES a);\n\
             CREATE TABLE e (id int PRIMARY KEY, parent int REFERENCES e);\n\
             CREATE TABLE f (id int PRIMARY KEY, a_id int REFERENCES a);\n\
             ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;\n\
             ALTER TABLE b ADD FOREIGN KEY (c_id) REFERENCES c;\n",
        ),
        (
            "0002.sql",
            "DROP TABLE f;\nALTER TABLE a ADD COLUMN e_id int REFERENCES e;\n",
        ),
    ]);
    let id = |name: &str| c.tables.iter().position(|t| t.name == name).expect(name);
    // Every foreign key `from → to` (the dropped table's and the self-reference included).
    let mut on_cycle = Vec::new();
    for (from, table) in c.tables.iter().enumerate() {
        for fk in &table.foreign_keys {
            let to = fk.ref_table().expect("a known table");
            let shared = c.foreign_key_component(from).is_some()
                && c.foreign_key_component(from) == c.foreign_key_component(to);
            assert_eq!(
                c.foreign_key_path(to, from, 100),
                Some(shared),
                "{} → {}",
                table.name,
                c.tables[to].name
            );
            if shared {
                on_cycle.push(table.name.to_string());
            }
        }
    }
    assert_eq!(on_cycle, ["a", "b", "c"]);
    // A search that may visit no other table gives up on the path b → c → a.
    assert_eq!(c.foreign_key_path(id("b"), id("a"), 0), None);
}
