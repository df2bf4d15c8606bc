//! `[verify] rls_isolation`: the multi-user test of risk R-005, on the real data, before COMMIT.
//!
//! For every table in an exposed schema that has row level security and an owner column
//! (`[indexes] user_columns`): take two owners present in the table; as `authenticated` with
//! `request.jwt.claims` of owner A, no row of another owner may be visible (unless the table is
//! in `[verify] shared_tables`); as `anon`, no row at all (unless a policy grants `anon`); as
//! `service_role`, every row. Everything runs inside savepoints that are rolled back: the role
//! and the claims never outlive the check.

use crate::config::Config;
use crate::runner::Runner;
use crate::syntax::names::{fold_ident, quote_ident, sql_name, table_name};
use postgres::Client;

/// What the check found: failures refuse the COMMIT; untestable tables are listed.
#[derive(Debug, Default)]
pub struct Isolation {
    pub problems: Vec<String>,
    pub untestable: Vec<String>,
    pub tested: usize,
}

/// Whether the check runs: `[verify] rls_isolation`, default on for runner `supabase`.
pub fn enabled(config: &Config) -> bool {
    config
        .verify
        .rls_isolation
        .unwrap_or(config.runner() == Runner::Supabase)
}

const SAVEPOINT: &str = "pgward_rls_isolation";

/// Count rows of `table` as `role` with these JWT claims; `None` when the role may not read the
/// table at all (permission denied: nothing is visible). The caller's savepoint is rolled back.
fn count_as(
    client: &mut Client,
    role: &str,
    claims: &str,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Option<i64>, postgres::Error> {
    client.batch_execute(&format!("SAVEPOINT {SAVEPOINT}_role"))?;
    let result = (|| {
        let sub = serde_json::from_str::<serde_json::Value>(claims)
            .ok()
            .and_then(|v| v.get("sub").and_then(|s| s.as_str().map(str::to_string)))
            .unwrap_or_default();
        client.query_one(
            "SELECT set_config('request.jwt.claims', $1, true), \
                    set_config('request.jwt.claim.sub', $2, true)",
            &[&claims, &sub],
        )?;
        client.batch_execute(&format!("SET LOCAL ROLE {}", quote_ident(role)))?;
        client.query_one(sql, params)?.try_get::<_, i64>(0)
    })();
    client.batch_execute(&format!(
        "ROLLBACK TO SAVEPOINT {SAVEPOINT}_role; RELEASE SAVEPOINT {SAVEPOINT}_role"
    ))?;
    match result {
        Ok(n) => Ok(Some(n)),
        Err(e) if e.code() == Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn check(client: &mut Client, config: &Config) -> Result<Isolation, postgres::Error> {
    let mut out = Isolation::default();
    if !enabled(config) {
        return Ok(out);
    }
    let roles: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role')",
            &[],
        )?
        .try_get(0)?;
    if roles < 3 {
        if config.verify.rls_isolation == Some(true) {
            out.problems.push(
                "[verify] rls_isolation needs the roles anon, authenticated and service_role; \
                 this database lacks some of them"
                    .to_string(),
            );
        }
        return Ok(out);
    }
    let schemas = config.exposed_schemas();
    let owner_columns: Vec<String> = config
        .indexes
        .user_columns
        .iter()
        .map(|c| fold_ident(c))
        .collect();
    let shared: Vec<(String, String)> = config
        .verify
        .shared_tables
        .iter()
        .filter_map(|t| table_name(t))
        .collect();
    let tables = client.query(
        "SELECT DISTINCT ON (n.nspname, c.relname) n.nspname, c.relname, a.attname::text,
                EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polpermissive
                        AND p.polcmd IN ('r', '*')
                        AND (p.polroles @> ARRAY[0::oid]
                             OR p.polroles @> ARRAY[(SELECT oid FROM pg_roles WHERE rolname = 'anon')]))
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity
           AND n.nspname = ANY($1) AND a.attname = ANY($2)
         ORDER BY n.nspname, c.relname, array_position($2, a.attname::text)",
        &[&schemas, &owner_columns],
    )?;
    client.batch_execute(&format!("SAVEPOINT {SAVEPOINT}"))?;
    let result = (|| -> Result<(), postgres::Error> {
        for row in &tables {
            let schema: String = row.try_get(0)?;
            let name: String = row.try_get(1)?;
            let column: String = row.try_get(2)?;
            let anon_policy: bool = row.try_get(3)?;
            let table = sql_name(&schema, &name);
            let shown = format!("{schema}.{name}");
            let col = quote_ident(&column);
            let total: i64 = client
                .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
                .try_get(0)?;
            let owners: Vec<String> = client
                .query(
                    &format!(
                        "SELECT DISTINCT {col}::text FROM {table} WHERE {col} IS NOT NULL ORDER BY 1 LIMIT 2"
                    ),
                    &[],
                )?
                .iter()
                .map(|r| r.try_get::<_, String>(0))
                .collect::<Result<_, _>>()?;
            let [a, _b] = owners.as_slice() else {
                out.untestable.push(format!(
                    "{shown}: fewer than two owners in {column} ({} found), not testable",
                    owners.len()
                ));
                continue;
            };
            out.tested += 1;
            let claims_a = serde_json::json!({"sub": a, "role": "authenticated"}).to_string();
            let others = count_as(
                client,
                "authenticated",
                &claims_a,
                &format!("SELECT count(*) FROM {table} WHERE {col}::text IS DISTINCT FROM $1"),
                &[a],
            )?
            .unwrap_or(0);
            let is_shared = shared.iter().any(|(s, n)| *s == schema && *n == name);
            if others > 0 && !is_shared {
                out.problems.push(format!(
                    "{shown}: as role authenticated with the claims of {column} {a}, {others} of \
                     {total} rows belonging to other owners are visible (must be 0; list the \
                     table in [verify] shared_tables if its rows are shared on purpose)"
                ));
            }
            let claims_anon = serde_json::json!({"role": "anon"}).to_string();
            let anon = count_as(
                client,
                "anon",
                &claims_anon,
                &format!("SELECT count(*) FROM {table}"),
                &[],
            )?
            .unwrap_or(0);
            if anon > 0 && !anon_policy {
                out.problems.push(format!(
                    "{shown}: as role anon, {anon} of {total} rows are visible (must be 0: no \
                     policy grants anon)"
                ));
            }
            let claims_service = serde_json::json!({"role": "service_role"}).to_string();
            let service = count_as(
                client,
                "service_role",
                &claims_service,
                &format!("SELECT count(*) FROM {table}"),
                &[],
            )?;
            if service != Some(total) {
                out.problems.push(format!(
                    "{shown}: as role service_role, {} of {total} rows are visible (must be all)",
                    service
                        .map_or_else(|| "none (permission denied)".to_string(), |n| n.to_string())
                ));
            }
        }
        Ok(())
    })();
    client.batch_execute(&format!(
        "ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}"
    ))?;
    result?;
    Ok(out)
}
