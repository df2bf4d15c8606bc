//! Policies for the security rules: the live policies a file created, with their statement, and
//! which roles a policy applies to.

use crate::catalog::{Policy, PolicyId, Table};
use crate::engine::FileContext;
use crate::syntax::{CreatePolicy, PolicyCommand, Statement, Stmt};

/// A live policy this file created (not dropped by the end of the set), on a live table.
pub struct PolicyHere<'a> {
    pub id: PolicyId,
    pub policy: &'a Policy,
    pub table: &'a Table,
    pub create: &'a CreatePolicy,
    pub stmt: &'a Statement,
}

impl PolicyHere<'_> {
    /// The statement span for suppressions (the `DO` block for a statement inside one).
    pub fn statement_span(&self) -> crate::source::Span {
        self.stmt.context.in_do_block.unwrap_or(self.stmt.span)
    }
}

pub fn live_policies_created_here<'a>(
    ctx: &'a FileContext,
) -> impl Iterator<Item = PolicyHere<'a>> + 'a {
    let catalog = ctx.catalog();
    catalog
        .created_in(ctx.file_id)
        .policies
        .iter()
        .filter_map(move |&id| {
            let policy = catalog.policies.get(id)?;
            if policy.dropped.is_some() {
                return None;
            }
            let table = catalog.tables.get(policy.table)?;
            if !table.is_live() {
                return None;
            }
            let stmt = ctx.statements().get(policy.created.stmt)?;
            let Stmt::CreatePolicy(create) = &stmt.kind else {
                return None;
            };
            Some(PolicyHere {
                id,
                policy,
                table,
                create,
                stmt,
            })
        })
}

/// Roles that bypass row level security: policies for them change nothing.
pub const BYPASS_ROLES: &[&str] = &["service_role", "postgres", "supabase_admin"];

/// Whether a policy with these `TO` roles applies to `role` (no `TO` means `public`, which
/// every role is a member of).
pub fn applies_to(roles: &[String], role: &str) -> bool {
    roles.is_empty() || roles.iter().any(|r| r == role || r == "public")
}

/// Whether the policy reaches clients through the API (`anon`, `authenticated`, `public`).
pub fn reaches_clients(roles: &[String]) -> bool {
    applies_to(roles, "anon") || applies_to(roles, "authenticated")
}

/// Whether `anon` (the key shipped in every frontend) is one of the policy's roles.
pub fn reaches_anon(roles: &[String]) -> bool {
    applies_to(roles, "anon")
}

/// `TO anon, authenticated` for messages; `public` when there is no `TO`.
pub fn roles_display(roles: &[String]) -> String {
    if roles.is_empty() {
        "public".to_string()
    } else {
        roles.join(", ")
    }
}

/// The commands a policy command covers (`ALL` is all four).
pub fn commands(command: PolicyCommand) -> &'static [PolicyCommand] {
    match command {
        PolicyCommand::All => &[
            PolicyCommand::Select,
            PolicyCommand::Insert,
            PolicyCommand::Update,
            PolicyCommand::Delete,
        ],
        PolicyCommand::Select => &[PolicyCommand::Select],
        PolicyCommand::Insert => &[PolicyCommand::Insert],
        PolicyCommand::Update => &[PolicyCommand::Update],
        PolicyCommand::Delete => &[PolicyCommand::Delete],
    }
}
