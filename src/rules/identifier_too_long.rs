//! `identifier-too-long`: a name over 63 bytes (PostgreSQL's NAMEDATALEN - 1). PostgreSQL
//! truncates it with only a NOTICE, so the object gets another name than the migration says;
//! two long names that agree on their first 63 bytes become the same name, and the second
//! `CREATE` fails (an error then).

use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::{
    AlterTableAction, Ident, ObjectKind, QualifiedName, RenameTarget, Statement, Stmt,
    TableConstraint,
};

pub static RULE: Rule = Rule {
    id: "identifier-too-long",
    default_severity: Severity::Warning,
    summary: "An identifier over 63 bytes: PostgreSQL truncates it (an error when two names collide)",
    doc: include_str!("../../rules/identifier-too-long.md"),
    check: Some(check),
};

/// PostgreSQL's limit: NAMEDATALEN (64) - 1 bytes.
pub const MAX_BYTES: usize = 63;

/// The name PostgreSQL keeps: at most 63 bytes, cut at a character boundary.
pub fn truncated(name: &str) -> &str {
    let mut end = name.len().min(MAX_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// A name a statement gives to an object, and the namespace it must be unique in.
struct Named<'a> {
    ident: &'a Ident,
    /// `relation public`, `column public.t`, …: two names collide only in the same one.
    namespace: String,
    kind: &'static str,
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let mut mine: Vec<(usize, Named)> = Vec::new();
    for (i, stmt) in ctx.statements().iter().enumerate() {
        mine.extend(names(stmt).into_iter().map(|n| (i, n)));
    }
    // Only names of 63 bytes or more can be cut or collide; they are rare, so the earlier
    // files are read only when this one has such a name.
    if !mine.iter().any(|(_, n)| n.ident.value.len() > MAX_BYTES) {
        return;
    }
    let mut earlier: Vec<Named> = Vec::new();
    for file in &ctx.workspace.files[..ctx.file_id] {
        for stmt in file.parsed.statements.iter() {
            earlier.extend(
                names(stmt)
                    .into_iter()
                    .filter(|n| n.ident.value.len() >= MAX_BYTES),
            );
        }
    }
    for (k, (i, n)) in mine.iter().enumerate() {
        let full = &n.ident.value;
        if full.len() <= MAX_BYTES {
            continue;
        }
        let short = truncated(full);
        let stmt = &ctx.statements()[*i];
        // A different name before it that PostgreSQL cuts to the same one.
        let same_file = mine[..k].iter().map(|(_, m)| m);
        let clash = earlier
            .iter()
            .chain(same_file)
            .find(|m| {
                m.namespace == n.namespace
                    && m.ident.value != *full
                    && truncated(&m.ident.value) == short
            })
            .map(|m| m.ident.value.as_str());
        let mut d = ctx
            .diagnostic(
                &RULE,
                n.ident.span,
                format!(
                    "{} name is {} bytes: PostgreSQL truncates it to 63 bytes, \"{short}\"",
                    n.kind,
                    full.len()
                ),
            )
            .with_help("choose a name of at most 63 bytes, so the object gets the name the migration gives it")
            .in_statement(stmt.span);
        if let Some(other) = clash {
            d.message = format!(
                "{} name is {} bytes and PostgreSQL truncates it to \"{short}\", the same name as \"{other}\": this statement fails (or refers to the other object)",
                n.kind,
                full.len()
            );
            d.severity = Severity::Error;
        }
        out.push(d);
    }
}

/// The names a statement gives (created or renamed-to objects), not the names it refers to.
fn names(stmt: &Statement) -> Vec<Named<'_>> {
    let mut out: Vec<Named> = Vec::new();
    let rel = |q: &QualifiedName| format!("relation {}", q.schema_or_public());
    let table_ns =
        |what: &str, q: &QualifiedName| format!("{what} {}.{}", q.schema_or_public(), q.name.value);
    fn constraints<'a>(out: &mut Vec<Named<'a>>, cs: &'a [TableConstraint], t: &QualifiedName) {
        for c in cs {
            if let Some(name) = &c.name {
                out.push(Named {
                    ident: name,
                    namespace: format!("constraint {}.{}", t.schema_or_public(), t.name.value),
                    kind: "constraint",
                });
            }
        }
    }
    match &stmt.kind {
        Stmt::CreateTable(ct) => {
            out.push(Named {
                ident: &ct.name.name,
                namespace: rel(&ct.name),
                kind: "table",
            });
            for c in &ct.columns {
                out.push(Named {
                    ident: &c.name,
                    namespace: table_ns("column", &ct.name),
                    kind: "column",
                });
                constraints(&mut out, &c.constraints, &ct.name);
            }
            constraints(&mut out, &ct.constraints, &ct.name);
        }
        Stmt::AlterTable(at) => {
            for a in &at.actions {
                match &a.action {
                    AlterTableAction::AddColumn { column, .. } => {
                        out.push(Named {
                            ident: &column.name,
                            namespace: table_ns("column", &at.name),
                            kind: "column",
                        });
                        constraints(&mut out, &column.constraints, &at.name);
                    }
                    AlterTableAction::AddConstraint(c) => {
                        constraints(&mut out, std::slice::from_ref(c), &at.name)
                    }
                    AlterTableAction::RenameColumn { to, .. } => out.push(Named {
                        ident: to,
                        namespace: table_ns("column", &at.name),
                        kind: "column",
                    }),
                    AlterTableAction::RenameConstraint { to, .. } => out.push(Named {
                        ident: to,
                        namespace: table_ns("constraint", &at.name),
                        kind: "constraint",
                    }),
                    AlterTableAction::RenameTable { to } => out.push(Named {
                        ident: to,
                        namespace: rel(&at.name),
                        kind: "table",
                    }),
                    _ => {}
                }
            }
        }
        Stmt::CreateIndex(ci) => {
            if let Some(name) = &ci.name {
                out.push(Named {
                    ident: name,
                    namespace: rel(&ci.table),
                    kind: "index",
                });
            }
        }
        Stmt::CreateView {
            name, materialized, ..
        } => out.push(Named {
            ident: &name.name,
            namespace: rel(name),
            kind: if *materialized {
                "materialized view"
            } else {
                "view"
            },
        }),
        Stmt::CreateSequence { name, .. } => out.push(Named {
            ident: &name.name,
            namespace: rel(name),
            kind: "sequence",
        }),
        Stmt::CreateFunction { name, kind, .. } => out.push(Named {
            ident: &name.name,
            // Overloads share a name on purpose: no collision check across them.
            namespace: format!("function {}", name.key().0),
            kind: if *kind == ObjectKind::Procedure {
                "procedure"
            } else {
                "function"
            },
        }),
        Stmt::CreateType { name, kind, .. } => out.push(Named {
            ident: &name.name,
            namespace: format!("type {}", name.schema_or_public()),
            kind: if *kind == ObjectKind::Domain {
                "domain"
            } else {
                "type"
            },
        }),
        Stmt::CreateTrigger { name, table, .. } => out.push(Named {
            ident: name,
            namespace: table_ns("trigger", table),
            kind: "trigger",
        }),
        Stmt::CreatePolicy(p) => out.push(Named {
            ident: &p.name,
            namespace: table_ns("policy", &p.table),
            kind: "policy",
        }),
        Stmt::AlterPolicy(p) => {
            if let Some(to) = &p.rename_to {
                out.push(Named {
                    ident: to,
                    namespace: table_ns("policy", &p.table),
                    kind: "policy",
                });
            }
        }
        Stmt::CreateSchema { name, .. } => out.push(Named {
            ident: name,
            namespace: "schema".into(),
            kind: "schema",
        }),
        Stmt::RenameObject(ro) => {
            if let RenameTarget::Name(to) = &ro.to {
                out.push(Named {
                    ident: to,
                    namespace: match ro.kind {
                        ObjectKind::Index
                        | ObjectKind::View
                        | ObjectKind::MaterializedView
                        | ObjectKind::Sequence => rel(&ro.name),
                        ObjectKind::Type | ObjectKind::Domain => {
                            format!("type {}", ro.name.schema_or_public())
                        }
                        other => other.sql().to_lowercase(),
                    },
                    kind: "object",
                });
            }
        }
        _ => {}
    }
    out
}
