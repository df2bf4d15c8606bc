//! Policies for the security rules: the live policies a file created, with their statement, and
//! which roles a policy applies to.

use crate::catalog::{Loc, Name, Policy, PolicyId, Table};
use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::{PolicyCommand, PolicyExpr, Statement};

/// A live policy on a live table, as the set left it (`ALTER POLICY` followed).
pub struct PolicyHere<'a> {
    pub id: PolicyId,
    pub policy: &'a Policy,
    pub table: &'a Table,
    /// The statement that last set its roles or an expression (in this file).
    pub stmt: &'a Statement,
}

impl<'a> PolicyHere<'a> {
    /// The statement span for suppressions (the `DO` block for a statement inside one).
    pub fn statement_span(&self) -> Span {
        self.stmt.context.in_do_block.unwrap_or(self.stmt.span)
    }
    /// The policy's name in its defining statement.
    pub fn name_span(&self) -> Span {
        self.policy.defined.span()
    }
    pub fn using(&self) -> Option<&'a PolicyExpr> {
        self.policy.using.as_deref().map(|(e, _)| e)
    }
    pub fn with_check(&self) -> Option<&'a PolicyExpr> {
        self.policy.with_check.as_deref().map(|(e, _)| e)
    }
    /// Where to point at an expression: the expression itself when this file holds its text,
    /// else the policy's name in the statement that changed it last.
    pub fn span_of(&self, expr: &PolicyExpr) -> Span {
        let written = [&self.policy.using, &self.policy.with_check]
            .into_iter()
            .filter_map(|e| e.as_deref())
            .find(|(e, _)| std::ptr::eq(e, expr))
            .map(|(_, loc)| loc.file());
        if written == Some(self.policy.defined.file()) {
            expr.span
        } else {
            self.name_span()
        }
    }
}

fn live_policy<'a>(ctx: &FileContext<'a>, id: PolicyId) -> Option<(&'a Policy, &'a Table)> {
    let catalog = ctx.catalog();
    let policy = catalog.policies.get(id)?;
    if policy.dropped.is_some() {
        return None;
    }
    let table = catalog.tables.get(policy.table)?;
    table.is_live().then_some((policy, table))
}

/// Live policies whose definition (roles, expressions) this file changed last: the file where
/// a policy is judged as a whole.
pub fn live_policies_defined_here<'a>(
    ctx: &'a FileContext,
) -> impl Iterator<Item = PolicyHere<'a>> + 'a {
    let ids = &ctx.catalog().created_in(ctx.file_id).policies_defined;
    ids.iter().filter_map(move |&id| {
        let (policy, table) = live_policy(ctx, id)?;
        if policy.defined.file() != ctx.file_id {
            return None;
        }
        let stmt = ctx.statements().get(policy.defined.stmt())?;
        Some(PolicyHere {
            id,
            policy,
            table,
            stmt,
        })
    })
}

/// A live policy's `USING`/`WITH CHECK` expression whose text is in this file.
pub struct ExprHere<'a> {
    pub policy: &'a Policy,
    pub table: &'a Table,
    pub expr: &'a PolicyExpr,
    /// The statement that wrote it.
    pub stmt: &'a Statement,
}

impl ExprHere<'_> {
    pub fn statement_span(&self) -> Span {
        self.stmt.context.in_do_block.unwrap_or(self.stmt.span)
    }
}

/// The expressions of live policies that this file wrote (and no later statement replaced).
pub fn live_policy_exprs_here<'a>(ctx: &'a FileContext) -> impl Iterator<Item = ExprHere<'a>> + 'a {
    let ids = &ctx.catalog().created_in(ctx.file_id).policy_exprs;
    ids.iter().flat_map(move |&id| {
        let found: Vec<ExprHere<'a>> = match live_policy(ctx, id) {
            Some((policy, table)) => [&policy.using, &policy.with_check]
                .into_iter()
                .filter_map(|e| e.as_deref())
                .filter(|(_, loc): &&(PolicyExpr, Loc)| loc.file() == ctx.file_id)
                .filter_map(|(expr, loc)| {
                    Some(ExprHere {
                        policy,
                        table,
                        expr,
                        stmt: ctx.statements().get(loc.stmt())?,
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        found
    })
}

/// Roles that bypass row level security: policies for them change nothing.
pub const BYPASS_ROLES: &[&str] = &["service_role", "postgres", "supabase_admin"];

/// Whether a policy with these `TO` roles applies to `role` (no `TO` means `public`, which
/// every role is a member of).
pub fn applies_to(roles: &[Name], role: &str) -> bool {
    roles.is_empty() || roles.iter().any(|r| r == role || r == "public")
}

/// Whether the policy reaches clients through the API (`anon`, `authenticated`, `public`).
pub fn reaches_clients(roles: &[Name]) -> bool {
    applies_to(roles, "anon") || applies_to(roles, "authenticated")
}

/// Whether `anon` (the key shipped in every frontend) is one of the policy's roles.
pub fn reaches_anon(roles: &[Name]) -> bool {
    applies_to(roles, "anon")
}

/// `TO anon, authenticated` for messages; `public` when there is no `TO`.
pub fn roles_display(roles: &[Name]) -> String {
    if roles.is_empty() {
        "public".to_string()
    } else {
        roles
            .iter()
            .map(Name::as_str)
            .collect::<Vec<_>>()
            .join(", ")
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
