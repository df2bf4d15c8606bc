//! `policy-naming`: policy names follow the `[policies] naming` template (R-005's convention
//! `{table}_{operation}_{description}`).

use super::Rule;
use crate::catalog::Pos;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::{PolicyCommand, Stmt};

pub static RULE: Rule = Rule {
    id: "policy-naming",
    default_severity: Severity::Warning,
    summary: "A policy name that does not follow the [policies] naming template",
    doc: include_str!("../../rules/policy-naming.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let Some(template) = ctx.config.policies.naming.as_deref() else {
        return;
    };
    let parts = parse_template(template);
    for (index, stmt) in ctx.statements().iter().enumerate() {
        // (name, its span, table name, command)
        let (name, span, table, command) = match &stmt.kind {
            Stmt::CreatePolicy(cp) => (
                &cp.name.value,
                cp.name.span,
                cp.table.name.value.clone(),
                Some(cp.command),
            ),
            Stmt::AlterPolicy(ap) => {
                let Some(to) = &ap.rename_to else { continue };
                // The command comes from the policy the set created, when it knows it.
                let pos = Pos {
                    file: ctx.file_id,
                    stmt: index,
                };
                let command = ctx
                    .catalog()
                    .policies
                    .iter()
                    .find(|p| p.renames.iter().any(|r| r.at.pos() == pos))
                    .map(|p| p.command);
                (&to.value, to.span, ap.table.name.value.clone(), command)
            }
            _ => continue,
        };
        // A policy made before the set: any operation may be the right one.
        let fits = match command {
            Some(command) => matches(&parts, name, &table, command),
            None => ALL_COMMANDS
                .iter()
                .any(|&command| matches(&parts, name, &table, command)),
        };
        if fits {
            continue;
        }
        let example = example(&parts, &table, command);
        out.push(
            ctx.diagnostic(
                &RULE,
                span,
                format!("policy name \"{name}\" does not follow the naming template `{template}`"),
            )
            .with_help(format!("for this policy, for example: `{example}`"))
            .in_statement(stmt.span),
        );
    }
}

const ALL_COMMANDS: [PolicyCommand; 5] = [
    PolicyCommand::All,
    PolicyCommand::Select,
    PolicyCommand::Insert,
    PolicyCommand::Update,
    PolicyCommand::Delete,
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Table,
    Operation,
    Description,
}

fn parse_template(template: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = template;
    while !rest.is_empty() {
        let placeholder = [
            ("{table}", Part::Table),
            ("{operation}", Part::Operation),
            ("{description}", Part::Description),
        ]
        .into_iter()
        .find(|(p, _)| rest.starts_with(p));
        if let Some((text, part)) = placeholder {
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(part);
            rest = &rest[text.len()..];
        } else if let Some(c) = rest.chars().next() {
            literal.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    parts
}

/// Whether `name` fits the template; `{description}` matches any non-empty text.
fn matches(parts: &[Part], name: &str, table: &str, command: PolicyCommand) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return name.is_empty();
    };
    let fixed = match first {
        Part::Literal(l) => Some(l.as_str()),
        Part::Table => Some(table),
        Part::Operation => Some(command.as_str()),
        Part::Description => None,
    };
    match fixed {
        Some(text) => name
            .strip_prefix(text)
            .is_some_and(|remaining| matches(rest, remaining, table, command)),
        // Try every non-empty prefix; names are short.
        None => name
            .char_indices()
            .skip(1)
            .map(|(i, _)| i)
            .chain(std::iter::once(name.len()))
            .filter(|&i| i > 0)
            .any(|i| matches(rest, &name[i..], table, command)),
    }
}

/// The template filled in for this policy; an unknown command stays a placeholder.
fn example(parts: &[Part], table: &str, command: Option<PolicyCommand>) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Literal(l) => l.as_str(),
            Part::Table => table,
            Part::Operation => command.map_or("<operation>", PolicyCommand::as_str),
            Part::Description => "own",
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_matching() {
        let parts = parse_template("{table}_{operation}_{description}");
        let ok = |n: &str| matches(&parts, n, "clients", PolicyCommand::Select);
        assert!(ok("clients_select_own"));
        assert!(ok("clients_select_own_rows"));
        assert!(!ok("clients_select_"));
        assert!(!ok("clients_insert_own"));
        assert!(!ok("users_select_own"));
        assert!(!ok("Clients can read their rows"));
        let all = parse_template("{operation}-{table}");
        assert!(matches(&all, "all-t", "t", PolicyCommand::All));
        assert!(!matches(&all, "all-t2", "t", PolicyCommand::All));
        assert_eq!(
            example(&parts, "clients", Some(PolicyCommand::Delete)),
            "clients_delete_own"
        );
    }
}
