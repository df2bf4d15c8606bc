//! `[verify] rls_isolation` (issue 14): the multi-user test `pgward apply` runs before COMMIT,
//! against a real PostgreSQL with the Supabase roles and a minimal `auth` schema.

mod common;

use common::pg::{Db, PASSWORD};
use std::process::Command;

/// The Supabase roles (cluster-wide, created once by whichever test comes first) and, in this
/// database, `auth.users`, `auth.uid()` reading `request.jwt.claims`, and Supabase's default
/// privileges (tables in `public` readable and writable by the API roles).
fn supabase_db() -> Db {
    let db = Db::new();
    db.exec(
        "DO $$ BEGIN CREATE ROLE anon NOLOGIN NOINHERIT; \
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         DO $$ BEGIN CREATE ROLE authenticated NOLOGIN NOINHERIT; \
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         DO $$ BEGIN CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS; \
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         CREATE SCHEMA auth;
         CREATE TABLE auth.users (id uuid PRIMARY KEY, email text);
         CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
           $$ SELECT nullif(current_setting('request.jwt.claims', true)::jsonb ->> 'sub', '')::uuid $$;
         GRANT USAGE ON SCHEMA auth, public TO anon, authenticated, service_role;
         GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated, service_role;
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;",
    );
    db
}

const A: &str = "11111111-1111-1111-1111-111111111111";
const B: &str = "22222222-2222-2222-2222-222222222222";

fn notes_migration(policy: &str) -> String {
    format!(
        "CREATE TABLE public.notes (id int PRIMARY KEY, user_id uuid NOT NULL, body text);\n\
         CREATE INDEX notes_user_id ON public.notes (user_id);\n\
         ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;\n\
         {policy}\n\
         INSERT INTO public.notes VALUES (1, '{A}', 'a1'), (2, '{A}', 'a2'), (3, '{B}', 'b1');\n"
    )
}

struct Outcome {
    code: i32,
    all: String,
}

fn apply(db: &Db, migration: &str, toml: &str) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let migrations = dir.path().join("migrations");
    std::fs::create_dir_all(&migrations).expect("migrations dir");
    std::fs::write(migrations.join("0001_notes.sql"), migration).expect("write migration");
    std::fs::write(dir.path().join("pgward.toml"), toml).expect("write config");
    let out = Command::new(env!("CARGO_BIN_EXE_pgward"))
        .args([
            "apply",
            "migrations",
            "--no-backup",
            "--database-url",
            &db.url,
        ])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .output()
        .expect("run pgward");
    let all = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(PASSWORD), "password printed:\n{all}");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        all,
    }
}

const ON: &str = "[verify]\nrls_isolation = true\n";

#[test]
fn a_leaky_policy_is_refused_with_the_counts_and_nothing_survives() {
    let db = supabase_db();
    let r = apply(
        &db,
        &notes_migration(
            "CREATE POLICY notes_read ON public.notes FOR SELECT TO authenticated USING (true);",
        ),
        ON,
    );
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(
        r.all.contains(&format!(
            "public.notes: as role authenticated with the claims of user_id {A}, 1 of 3 rows \
             belonging to other owners are visible"
        )),
        "{}",
        r.all
    );
    // Refused before COMMIT: the table, its rows and the history row are gone.
    assert!(!db.table_exists("public.notes"));
    assert!(db.history().is_empty());
}

#[test]
fn a_correct_policy_passes_and_the_check_leaves_no_trace() {
    let db = supabase_db();
    let r = apply(
        &db,
        &notes_migration(
            "CREATE POLICY notes_read ON public.notes FOR SELECT TO authenticated \
             USING ((select auth.uid()) = user_id);",
        ),
        ON,
    );
    assert_eq!(r.code, 0, "{}", r.all);
    assert_eq!(db.history(), ["0001_notes.sql"]);
    // The rows are the migration's, untouched; no claim or role outlived the check (the
    // history row above was written as the migration's own role after it).
    assert_eq!(db.query("SELECT count(*) FROM public.notes"), ["3"]);
}

#[test]
fn a_shared_table_passes_with_config() {
    let db = supabase_db();
    let r = apply(
        &db,
        &notes_migration(
            "CREATE POLICY notes_read ON public.notes FOR SELECT TO authenticated USING (true);",
        ),
        "[verify]\nrls_isolation = true\nshared_tables = [\"notes\"]\n",
    );
    assert_eq!(r.code, 0, "{}", r.all);
    assert!(db.table_exists("public.notes"));
}

#[test]
fn a_table_with_one_owner_is_listed_as_not_testable() {
    let db = supabase_db();
    let migration = format!(
        "CREATE TABLE public.notes (id int PRIMARY KEY, user_id uuid NOT NULL);\n\
         CREATE INDEX notes_user_id ON public.notes (user_id);\n\
         ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;\n\
         CREATE POLICY notes_read ON public.notes FOR SELECT TO authenticated USING (true);\n\
         INSERT INTO public.notes VALUES (1, '{A}');\n"
    );
    let r = apply(&db, &migration, ON);
    assert_eq!(r.code, 0, "{}", r.all);
    assert!(
        r.all
            .contains("public.notes: fewer than two owners in user_id (1 found), not testable"),
        "{}",
        r.all
    );
}

#[test]
fn off_by_default_outside_supabase() {
    let db = supabase_db();
    let r = apply(
        &db,
        &notes_migration(
            "CREATE POLICY notes_read ON public.notes FOR SELECT TO authenticated USING (true);",
        ),
        "",
    );
    assert_eq!(r.code, 0, "{}", r.all);
}
