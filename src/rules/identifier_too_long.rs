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
    /// Two names collide only in the same namespace.
    namespace: Namespace<'a>,
    kind: &'static str,
}

/// Where a name must be unique, spelled out only when two names are compared ([`Namespace::text`]):
/// most names are short and never are.
enum Namespace<'a> {
    /// Relations of the name's schema (tables, indexes, views, sequences share it).
    Relation(&'a QualifiedName),
    /// Columns, constraints, triggers or policies (the `&str`) of a table.
    OfTable(&'static str, &'a QualifiedName),
    /// Functions of the name's schema.
    Function(&'a QualifiedName),
    /// Types and domains of the name's schema.
    Type(&'a QualifiedName),
    Schema,
    /// Objects of another kind (one namespace per kind).
    Kind(ObjectKind),
}

impl Namespace<'_> {
    /// `relation public`, `column public.t`, …
    fn text(&self) -> String {
        match self {
            Namespace::Relation(q) => format!("relation {}", q.schema_or_public()),
            Namespace::OfTable(what, q) => {
                format!("{what} {}.{}", q.schema_or_public(), q.name.value)
            }
            Namespace::Function(q) => format!("function {}", q.key().0),
            Namespace::Type(q) => format!("type {}", q.schema_or_public()),
            Namespace::Schema => "schema".into(),
            Namespace::Kind(kind) => kind.sql().to_lowercase(),
        }
    }
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let mut mine: Vec<(usize, Named)> = Vec::new();
    let mut found = Vec::new();
    for (i, stmt) in ctx.statements().iter().enumerate() {
        names(stmt, &mut found);
        mine.extend(found.drain(..).map(|n| (i, n)));
    }
    // Only names of 63 bytes or more can be cut or collide; they are rare, so the earlier
    // files are read only when this one has such a name.
    if !mine.iter().any(|(_, n)| n.ident.value.len() > MAX_BYTES) {
        return;
    }
    let mut earlier: Vec<Named> = Vec::new();
    for file in &ctx.workspace.files[..ctx.file_id] {
        for stmt in file.parsed.statements.iter() {
            names(stmt, &mut found);
            earlier.extend(found.drain(..).filter(|n| n.ident.value.len() >= MAX_BYTES));
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
                m.ident.value != *full
                    && truncated(&m.ident.value) == short
                    && m.namespace.text() == n.namespace.text()
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

/// The names a statement gives (created or renamed-to objects), not the names it refers to,
/// appended to `out`.
fn names<'a>(stmt: &'a Statement, out: &mut Vec<Named<'a>>) {
    let rel = Namespace::Relation;
    let table_ns = Namespace::OfTable;
    fn constraints<'a>(out: &mut Vec<Named<'a>>, cs: &'a [TableConstraint], t: &'a QualifiedName) {
        for c in cs {
            if let Some(name) = &c.name {
                out.push(Named {
                    ident: name,
                    namespace: Namespace::OfTable("constraint", t),
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
                constraints(out, &c.constraints, &ct.name);
            }
            constraints(out, &ct.constraints, &ct.name);
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
                        constraints(out, &column.constraints, &at.name);
                    }
                    AlterTableAction::AddConstraint(c) => {
                        constraints(out, std::slice::from_ref(c), &at.name)
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
            namespace: Namespace::Function(name),
            kind: if *kind == ObjectKind::Procedure {
                "procedure"
            } else {
                "function"
            },
        }),
        Stmt::CreateType { name, kind, .. } => out.push(Named {
            ident: &name.name,
            namespace: Namespace::Type(name),
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
            namespace: Namespace::Schema,
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
                        ObjectKind::Type | ObjectKind::Domain => Namespace::Type(&ro.name),
                        other => Namespace::Kind(other),
                    },
                    kind: "object",
                });
            }
        }
        _ => {}
    }
}
