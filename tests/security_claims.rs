//! Issue 14: what the security rules claim about PostgreSQL, checked on a real server.
//!
//! - a view runs with its owner's rights (past row level security) unless `security_invoker`;
//!   a materialized view has no row level security;
//! - a function without a fixed `search_path` resolves names through the caller's path, so a
//!   caller can make a `SECURITY DEFINER` function run their code with the owner's rights;
//! - the privilege model the catalog replays (`GRANT`, `REVOKE`, `ALTER DEFAULT PRIVILEGES`,
//!   PostgreSQL's `EXECUTE` to `PUBLIC`, Supabase's per-schema defaults, `CREATE OR REPLACE`
//!   keeping privileges) gives the server's answer: the objects pgward reports as reachable by
//!   `anon`/`authenticated` are exactly the ones `has_*_privilege` says they can reach.

mod common;

use common::pg::Db;
use pgward::Config;
use pgward::SourceFile;
use pgward::engine::{CheckInput, check};
use std::collections::BTreeSet;
use std::path::Path;

/// The Supabase roles (cluster-wide) and, in this database, Supabase's default privileges for
/// the connecting role: what `supabase_defaults = true` assumes.
fn supabase_db() -> Db {
    let db = Db::new();
    db.exec(
        "DO $$ BEGIN CREATE ROLE anon NOLOGIN NOINHERIT; \
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         DO $$ BEGIN CREATE ROLE authenticated NOLOGIN NOINHERIT; \
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         DO $$ BEGIN CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS; \
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;",
    );
    db
}

const NOTES: &str = "CREATE TABLE public.notes (id int, user_id uuid);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.notes FOR SELECT TO anon, authenticated
  USING (user_id = nullif(current_setting('request.jwt.claims', true)::jsonb ->> 'sub', '')::uuid);
INSERT INTO public.notes VALUES (1, '11111111-1111-1111-1111-111111111111'), (2, '22222222-2222-2222-2222-222222222222');
";

fn count_as(db: &Db, role: &str, relation: &str) -> String {
    let mut c = db.client();
    let mut tx = c.transaction().expect("begin");
    tx.batch_execute(&format!("SET LOCAL ROLE {role}"))
        .expect("set role");
    let n: i64 = tx
        .query_one(&format!("SELECT count(*) FROM {relation}"), &[])
        .expect("count")
        .get(0);
    tx.rollback().expect("rollback");
    n.to_string()
}

#[test]
fn views_run_with_their_owners_rights_unless_security_invoker() {
    let db = supabase_db();
    db.exec(NOTES);
    db.exec(
        "CREATE VIEW definer AS SELECT * FROM notes;
         CREATE VIEW invoker WITH (security_invoker = true) AS SELECT * FROM notes;
         CREATE VIEW altered AS SELECT * FROM notes;
         ALTER VIEW altered SET (security_invoker = on);
         CREATE MATERIALIZED VIEW stored AS SELECT * FROM notes;
         GRANT SELECT ON stored TO anon;",
    );
    // anon with no JWT: the policy admits no row.
    assert_eq!(count_as(&db, "anon", "notes"), "0");
    assert_eq!(count_as(&db, "anon", "definer"), "2", "owner's rights");
    assert_eq!(count_as(&db, "anon", "invoker"), "0", "caller's rights");
    assert_eq!(count_as(&db, "anon", "altered"), "0", "ALTER VIEW … SET");
    assert_eq!(count_as(&db, "anon", "stored"), "2", "no RLS on a matview");
    // A materialized view cannot be made an invoker view.
    let mut c = db.client();
    let err = c
        .batch_execute("ALTER MATERIALIZED VIEW stored SET (security_invoker = true)")
        .expect_err("matviews have no security_invoker");
    let message = err
        .as_db_error()
        .map_or_else(|| err.to_string(), |e| e.message().to_string());
    assert!(message.contains("security_invoker"), "{message}");
}

#[test]
fn a_mutable_search_path_lets_the_caller_run_code_as_the_owner() {
    let db = supabase_db();
    let evil = format!("{}_evil", db.name);
    db.exec(&format!(
        "CREATE ROLE {evil} NOLOGIN;
         GRANT CREATE ON DATABASE {db} TO {evil};
         CREATE FUNCTION public.shout(t text) RETURNS text LANGUAGE sql SECURITY DEFINER
           AS $$ SELECT upper(t) $$;
         CREATE FUNCTION public.shout_fixed(t text) RETURNS text LANGUAGE sql SECURITY DEFINER
           SET search_path = '' AS $$ SELECT upper(t) $$;
         SET ROLE {evil};
         CREATE SCHEMA evil;
         CREATE FUNCTION evil.upper(t text) RETURNS text LANGUAGE sql
           AS $$ SELECT 'ran as ' || current_user $$;
         RESET ROLE;",
        db = db.name
    ));
    let mut c = db.client();
    let owner: String = c
        .query_one("SELECT current_user::text", &[])
        .expect("user")
        .get(0);
    let mut tx = c.transaction().expect("begin");
    tx.batch_execute(&format!(
        "SET LOCAL ROLE {evil}; SET LOCAL search_path = evil, pg_catalog, public"
    ))
    .expect("set role");
    let hijacked: String = tx
        .query_one("SELECT public.shout('x')", &[])
        .expect("call")
        .get(0);
    let fixed: String = tx
        .query_one("SELECT public.shout_fixed('x')", &[])
        .expect("call")
        .get(0);
    tx.rollback().expect("rollback");
    assert_eq!(
        hijacked,
        format!("ran as {owner}"),
        "the caller's code, the owner's rights"
    );
    assert_eq!(fixed, "X");
}

/// Every object is named `open_…` (API roles can reach it) or `closed_…`.
const PRIVILEGES: &str = "
CREATE VIEW open_v1 AS SELECT * FROM notes;
CREATE VIEW closed_v2 AS SELECT * FROM notes;
REVOKE ALL ON closed_v2 FROM anon, authenticated;
CREATE VIEW open_v3 AS SELECT * FROM notes;
REVOKE SELECT ON TABLE public.open_v3 FROM anon;
CREATE OR REPLACE VIEW closed_v2 AS SELECT id, user_id FROM notes;
CREATE SCHEMA api;
CREATE VIEW api.closed_v4 AS SELECT * FROM public.notes;
GRANT SELECT ON api.closed_v4 TO anon;
CREATE SCHEMA api2;
GRANT USAGE ON SCHEMA api2 TO authenticated;
CREATE VIEW api2.open_v5 AS SELECT * FROM public.notes;
GRANT SELECT ON ALL TABLES IN SCHEMA api2 TO authenticated;
CREATE VIEW \"Invoker_V6\" WITH (security_invoker = true) AS SELECT * FROM notes;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM anon, authenticated;
CREATE VIEW closed_v7 AS SELECT * FROM notes;
CREATE VIEW open_v8 AS SELECT * FROM notes;
GRANT SELECT (id) ON open_v8 TO anon;

CREATE FUNCTION open_f1() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;
CREATE FUNCTION open_f2() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;
REVOKE EXECUTE ON FUNCTION open_f2() FROM PUBLIC;
CREATE FUNCTION closed_f3() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;
REVOKE ALL ON FUNCTION closed_f3() FROM PUBLIC, anon, authenticated;
CREATE OR REPLACE FUNCTION closed_f3() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 3 $$;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC, anon, authenticated;
CREATE FUNCTION open_f4() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
CREATE FUNCTION closed_f5() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;
CREATE FUNCTION open_f6() RETURNS int LANGUAGE sql SET search_path = '' AS $$ SELECT 1 $$;
GRANT EXECUTE ON FUNCTION open_f6() TO anon;
ALTER FUNCTION open_f6() SECURITY DEFINER;
CREATE FUNCTION api2.closed_f7() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA api2 FROM PUBLIC;
";

/// The names in double quotes right after `view ` / `function ` in pgward's messages.
fn reported(rule: &str, sql: &str) -> BTreeSet<String> {
    let config = Config::from_toml(
        "[rls]\nexposed_schemas = [\"public\", \"api\", \"api2\"]\n[privileges]\nsupabase_defaults = true\n",
        Path::new("pgward.toml"),
    )
    .expect("config");
    let out = check(
        vec![CheckInput {
            source: SourceFile::new("1.sql", sql),
            report: true,
        }],
        &config,
    );
    out.diagnostics
        .iter()
        .filter(|d| d.rule == rule)
        .filter_map(|d| {
            let start = d.message.find('"')? + 1;
            let len = d.message[start..].find('"')?;
            Some(d.message[start..start + len].to_string())
        })
        .map(|n| n.rsplit('.').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn replayed_privileges_match_the_servers() {
    let db = supabase_db();
    db.exec(NOTES);
    db.exec(PRIVILEGES);
    let reachable = |kind: &str, privilege: &str| -> BTreeSet<String> {
        let (catalog, check) = match kind {
            "view" => (
                "SELECT c.oid, c.relname::text AS name, n.nspname AS schema FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'v'",
                "has_table_privilege",
            ),
            _ => (
                "SELECT p.oid, p.proname::text AS name, n.nspname AS schema FROM pg_proc p \
                 JOIN pg_namespace n ON n.oid = p.pronamespace",
                "has_function_privilege",
            ),
        };
        db.query(&format!(
            "SELECT o.name FROM ({catalog}) o WHERE o.schema IN ('public', 'api', 'api2') \
             AND (o.name LIKE 'open%' OR o.name LIKE 'closed%') AND EXISTS (SELECT 1 FROM \
             unnest(ARRAY['anon', 'authenticated']) r WHERE has_schema_privilege(r, o.schema, \
             'USAGE') AND ({check}(r, o.oid, '{privilege}') OR (o.name = 'open_v8' AND \
             has_column_privilege(r, o.oid, 'id', 'SELECT'))))"
        ))
        .into_iter()
        .collect()
    };
    let server_views = reachable("view", "SELECT");
    let server_functions = reachable("function", "EXECUTE");
    let expected = |prefix: &str| -> BTreeSet<String> {
        PRIVILEGES
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| w.starts_with(prefix))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(server_views, expected("open_v"), "the server");
    assert_eq!(server_functions, expected("open_f"), "the server");
    let sql = format!("{NOTES}{PRIVILEGES}");
    assert_eq!(
        reported("security-definer-view", &sql),
        server_views,
        "pgward"
    );
    assert_eq!(
        reported("exposed-security-definer-function", &sql),
        server_functions,
        "pgward"
    );
}

#[test]
fn create_or_replace_keeps_privileges_and_replaces_attributes() {
    let db = supabase_db();
    db.exec(
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;
         REVOKE ALL ON FUNCTION f() FROM PUBLIC, anon, authenticated;
         CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;",
    );
    assert_eq!(
        db.query(
            "SELECT format('%s %s %s', has_function_privilege('anon', 'f()', 'EXECUTE'), \
             prosecdef, proconfig IS NULL) FROM pg_proc WHERE proname = 'f'"
        ),
        ["f f t"],
        "privileges kept; SECURITY DEFINER and SET search_path gone"
    );
}
