//! Who can reach an object through the API: the roles the anon key and a signed-in user's JWT
//! map to (`anon`, `authenticated`), given the exposed schemas (config), the privileges the set
//! left (the catalog), and the defaults the database had before it (`[privileges]
//! supabase_defaults`).

use super::schema::is_exposed;
use crate::catalog::{Baseline, Loc, ObjectAcl, OtherRelation};
use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::{GrantObjectKind, ObjectKind, Privileges};

/// The roles API clients act as.
pub const API_ROLES: [&str; 2] = ["anon", "authenticated"];

pub fn baseline(ctx: &FileContext) -> Baseline {
    Baseline {
        supabase: ctx.config.supabase_default_privileges(),
    }
}

/// The API roles that hold `privilege` on an object in `schema` and may use the schema; empty
/// when the schema is not exposed.
pub fn reaching_roles(
    ctx: &FileContext,
    acl: &ObjectAcl,
    kind: GrantObjectKind,
    schema: &str,
    privilege: Privileges,
) -> Vec<&'static str> {
    if !is_exposed(ctx.config, schema) {
        return Vec::new();
    }
    let base = baseline(ctx);
    API_ROLES
        .into_iter()
        .filter(|role| {
            ctx.catalog().schema_usable(base, schema, role)
                && acl.allows(base, kind, schema, role, privilege)
        })
        .collect()
}

/// The API roles that can `SELECT` from a view, materialized view or foreign table.
pub fn readers(ctx: &FileContext, r: &OtherRelation) -> Vec<&'static str> {
    reaching_roles(
        ctx,
        &r.acl,
        GrantObjectKind::Table,
        &r.key.0,
        Privileges::SELECT,
    )
}

/// The last of the statements that made an exposure: the object's definition, and the grants
/// to the roles that reach it (so a later `GRANT` is reported where it is written).
pub fn latest(defined: Loc, others: &[Option<Loc>], acl: &ObjectAcl, roles: &[&str]) -> Loc {
    let grants = roles
        .iter()
        .chain(&["public"])
        .filter_map(|r| acl.own.get(r).and_then(|e| e.last_grant));
    others
        .iter()
        .flatten()
        .copied()
        .chain(grants)
        .fold(defined, |a, b| if b.pos() > a.pos() { b } else { a })
}

/// The span to suppress a diagnostic at `loc` (a place in this file) by: its statement, or
/// the `DO` block for a statement inside one.
pub fn statement_span(ctx: &FileContext, loc: &Loc) -> Span {
    ctx.statements()
        .get(loc.stmt())
        .map_or(loc.span(), |s| s.context.in_do_block.unwrap_or(s.span))
}

/// A view or materialized view that reads a table with row level security with its owner's
/// rights, readable by API roles: the tables it reads that way (empty when it does not).
pub fn bypassed_tables(ctx: &FileContext, r: &OtherRelation) -> Vec<String> {
    let view = match r.kind {
        ObjectKind::View => !r.security_invoker,
        ObjectKind::MaterializedView => true,
        _ => false,
    };
    if !view {
        return Vec::new();
    }
    let mut out = Vec::new();
    rls_tables(ctx, &r.reads, 0, &mut out);
    out
}

/// The tables with row level security among `reads`, through plain views (which run with the
/// outer view's rights), a few levels deep.
fn rls_tables(
    ctx: &FileContext,
    reads: &[crate::catalog::Key],
    depth: usize,
    out: &mut Vec<String>,
) {
    let catalog = ctx.catalog();
    for k in reads {
        let table = catalog.table(k).and_then(|id| catalog.tables.get(id));
        if let Some(t) = table {
            let name = crate::catalog::plain_key(k);
            if t.rls_enabled && !out.contains(&name) {
                out.push(name);
            }
        } else if let Some(v) = catalog.other_relation(k)
            && v.kind == ObjectKind::View
            && depth < 4
        {
            rls_tables(ctx, &v.reads, depth + 1, out);
        }
    }
}

/// `anon and authenticated`, `anon`.
pub fn roles_text(roles: &[&str]) -> String {
    roles.join(" and ")
}
