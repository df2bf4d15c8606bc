//! Step 8: checks inside the transaction, after a file's statements and before COMMIT.

use super::plan::MigrationFile;
use super::preflight::{TableName, created_tables, table_exists};
use crate::config::Config;
use crate::syntax::{AlterTableAction, PublicationTarget, Stmt};
use postgres::Client;

/// Whether the file silences `rule` somewhere (`-- pgward-ignore[-file] rule`): the author
/// decided, verification does not overrule them.
pub fn suppresses(file: &MigrationFile, rule: &str) -> bool {
    crate::engine::suppress::suppressions(&file.source.text, &file.parsed.comments)
        .any(|s| s.rules.iter().any(|r| r.id == rule))
}

/// Whether verification enforces `rule`'s check after `file`: exactly when the lint gate
/// would have refused the rule's findings (the shared "fatal at apply") and the file does not
/// silence the rule.
fn enforced(config: &Config, file: &MigrationFile, rule: &str) -> bool {
    crate::engine::rule_fatal_at_apply(rule, config) && !suppresses(file, rule)
}

/// Tables whose RLS a file enables.
fn rls_enabled_by(file: &MigrationFile) -> Vec<TableName> {
    let mut out = Vec::new();
    for s in &file.parsed.statements {
        if let Stmt::AlterTable(at) = &s.kind
            && at.actions.iter().any(|a| {
                matches!(
                    a.action,
                    AlterTableAction::EnableRls | AlterTableAction::ForceRls
                )
            })
        {
            let (schema, name) = at.name.key();
            out.push(TableName::new(&schema, &name));
        }
    }
    out
}

/// Tables a file adds to a publication (by name).
fn published_by(file: &MigrationFile, publication: &str) -> Vec<TableName> {
    let mut out = Vec::new();
    for s in &file.parsed.statements {
        let tables = match &s.kind {
            Stmt::AlterPublication(ap) if ap.name.value == publication => &ap.tables,
            Stmt::CreatePublication(cp) if cp.name.value == publication => match &cp.target {
                PublicationTarget::Objects { tables, .. } => tables,
                _ => continue,
            },
            _ => continue,
        };
        for t in tables {
            let (schema, name) = t.key();
            out.push(TableName::new(&schema, &name));
        }
    }
    out
}

/// Verify the state after `file` (index `idx` of `run`, the files of this run in order).
/// Checks that a later file of the same run will satisfy are left to that file.
pub fn check(
    client: &mut Client,
    config: &Config,
    run: &[&MigrationFile],
    idx: usize,
    protected: &[TableName],
) -> Result<Vec<String>, postgres::Error> {
    let mut problems = Vec::new();
    let Some(file) = run.get(idx) else {
        return Ok(problems);
    };
    let later = run.get(idx + 1..).unwrap_or(&[]);

    let protected: &[TableName] = if enforced(config, file, "protected-table-drop") {
        protected
    } else {
        &[]
    };
    for t in protected {
        if !table_exists(client, t)? {
            problems.push(format!(
                "protected table {} no longer exists after {}",
                t.display(),
                file.source.name
            ));
        }
    }

    let created = created_tables([*file]);
    if enforced(config, file, "rls-not-enabled") {
        let enabled_later: Vec<TableName> = later.iter().flat_map(|f| rls_enabled_by(f)).collect();
        for t in &created {
            if !config.exposed_schemas().contains(&t.schema) || enabled_later.contains(t) {
                continue;
            }
            let row = client.query_opt(
                "SELECT c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
                &[&t.schema, &t.name],
            )?;
            if let Some(row) = row {
                let rls: bool = row.try_get(0)?;
                if !rls {
                    problems.push(format!(
                        "table {} was created in exposed schema \"{}\" without row level security \
                         (add `ALTER TABLE {} ENABLE ROW LEVEL SECURITY;` and policies)",
                        t.display(),
                        t.schema,
                        t.display()
                    ));
                }
            }
        }
    }

    if let Some(rt) = &config.realtime
        && enforced(config, file, "missing-realtime-publication")
    {
        let published_later: Vec<TableName> = later
            .iter()
            .flat_map(|f| published_by(f, &rt.publication))
            .collect();
        let mut wanted: Vec<TableName> = Vec::new();
        for entry in &rt.tables {
            if entry == "*" {
                wanted.extend(
                    created
                        .iter()
                        .filter(|t| config.exposed_schemas().contains(&t.schema))
                        .cloned(),
                );
            } else if let Some(t) = super::preflight::parse_config_table(entry) {
                wanted.push(t);
            }
        }
        wanted.dedup();
        for t in wanted {
            if published_later.contains(&t) || !table_exists(client, &t)? {
                continue;
            }
            let member: bool = client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_publication_tables
                                    WHERE pubname = $1 AND schemaname = $2 AND tablename = $3)",
                    &[&rt.publication, &t.schema, &t.name],
                )?
                .try_get(0)?;
            if !member {
                problems.push(format!(
                    "table {} is listed in [realtime] tables but is not in publication \"{}\" \
                     (add `ALTER PUBLICATION {} ADD TABLE {};`)",
                    t.display(),
                    rt.publication,
                    rt.publication,
                    t.display()
                ));
            }
        }
    }

    for problem in invalid_indexes(client, file)? {
        problems.push(problem);
    }
    Ok(problems)
}

/// Indexes the file creates (by name) that exist but are not valid (a failed or interrupted
/// `CREATE INDEX CONCURRENTLY` leaves one behind).
pub fn invalid_indexes(
    client: &mut Client,
    file: &MigrationFile,
) -> Result<Vec<String>, postgres::Error> {
    let mut out = Vec::new();
    for s in &file.parsed.statements {
        let Stmt::CreateIndex(ci) = &s.kind else {
            continue;
        };
        let Some(name) = &ci.name else { continue };
        let schema = ci.table.schema_or_public();
        let row = client.query_opt(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = $2",
            &[&schema, &name.value],
        )?;
        if let Some(row) = row {
            let valid: bool = row.try_get(0)?;
            if !valid {
                out.push(invalid_index_message(
                    &TableName::new(schema, &name.value).sql(),
                ));
            }
        }
    }
    Ok(out)
}

/// Every invalid index in the database's user schemas, as `schema.index` (quoted for SQL).
pub fn all_invalid_indexes(client: &mut Client) -> Result<Vec<String>, postgres::Error> {
    let rows = client.query(
        "SELECT n.nspname::text, c.relname::text FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         ORDER BY 1, 2",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            let schema: String = r.try_get(0)?;
            let name: String = r.try_get(1)?;
            Ok(TableName::new(&schema, &name).sql())
        })
        .collect()
}

/// The message for an invalid index that appeared during this run.
pub fn invalid_index_message(index: &str) -> String {
    format!(
        "index {index} is INVALID (left behind by a failed CREATE INDEX CONCURRENTLY): \
         drop it with `DROP INDEX CONCURRENTLY IF EXISTS {index};` and run apply again"
    )
}
