//! `extension-in-public`: `CREATE EXTENSION` into `public` (no `SCHEMA`, or `SCHEMA public`)
//! while `public` is exposed through the API: the extension's functions, tables and views become
//! part of the API and callable by `anon` (Supabase's advisor lint 0014).

use super::Rule;
use super::common::schema::{is_exposed, q};
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::Stmt;

pub static RULE: Rule = Rule {
    id: "extension-in-public",
    default_severity: Severity::Warning,
    summary: "CREATE EXTENSION into public while it is exposed through the API",
    doc: include_str!("../../rules/extension-in-public.md"),
    check: Some(check),
};

/// Extensions whose control file fixes their schema (or that create no SQL objects in it):
/// `WITH SCHEMA` does not move them, and they never land in `public`.
const FIXED_SCHEMA: &[&str] = &[
    "plpgsql",
    "plv8",
    "pg_cron",
    "pg_graphql",
    "pg_net",
    "pgsodium",
    "supabase_vault",
    "pgmq",
    "postgis_topology",
    "pgaudit",
];

/// Extensions every Supabase project already has in schema `extensions`: `CREATE EXTENSION IF
/// NOT EXISTS` of one of them does nothing there.
const SUPABASE_PREINSTALLED: &[&str] = &["uuid-ossp", "pgcrypto", "pg_stat_statements", "pgjwt"];

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for stmt in ctx.statements() {
        let Stmt::CreateExtension {
            name,
            if_not_exists,
            schema,
        } = &stmt.kind
        else {
            continue;
        };
        let target = schema.as_ref().map_or("public", |s| s.value.as_str());
        if target != "public" || !is_exposed(ctx.config, "public") {
            continue;
        }
        if FIXED_SCHEMA.contains(&name.value.as_str())
            || (*if_not_exists && SUPABASE_PREINSTALLED.contains(&name.value.as_str()))
        {
            continue;
        }
        let stmt_span = stmt.context.in_do_block.unwrap_or(stmt.span);
        let mut d = ctx
            .diagnostic(
                &RULE,
                name.span,
                format!(
                    "extension {} is created in schema \"public\", which the API exposes: its \
                     functions become callable by anon",
                    q(&name.value)
                ),
            )
            .with_help(
                "create it in its own schema: `CREATE SCHEMA IF NOT EXISTS extensions;` then \
                 `CREATE EXTENSION … WITH SCHEMA extensions;`",
            )
            .in_statement(stmt_span);
        if schema.is_none() {
            let edits = vec![Edit {
                span: Span::empty(name.span.end),
                replacement: " WITH SCHEMA extensions".to_string(),
            }];
            let title = "Create it WITH SCHEMA extensions";
            // Supabase projects have the `extensions` schema; elsewhere it may not exist, and
            // the fixed statement would fail: `--fix` leaves that to a person.
            d = if ctx.config.supabase_preset() {
                d.with_fix(title, edits)
            } else {
                d.with_unsafe_fix(title, edits)
            };
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{fixed, run, spans};

    const RULE: &str = "extension-in-public";

    #[test]
    fn extensions_in_public() {
        let a = "CREATE EXTENSION IF NOT EXISTS vector;\n\
                 CREATE EXTENSION \"pg_trgm\" SCHEMA public;\n\
                 CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;\n\
                 CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";\n\
                 CREATE EXTENSION pgcrypto;\n\
                 CREATE EXTENSION pg_cron;\n\
                 DO $$ BEGIN CREATE EXTENSION postgis; EXCEPTION WHEN OTHERS THEN NULL; END $$;\n";
        let out = run(&[("1.sql", a)], &[], "");
        assert_eq!(
            spans(&out, RULE),
            vec!["vector", "\"pg_trgm\"", "pgcrypto", "postgis"]
        );
        let text = fixed(&out, RULE).expect("fix");
        assert!(text.starts_with("CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions;"));
        let out = run(&[("1.sql", a)], &[], "[rls]\nexposed_schemas = [\"api\"]\n");
        assert!(spans(&out, RULE).is_empty());
    }
}
