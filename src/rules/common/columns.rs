//! The column types a statement declares (`CREATE TABLE` columns, `ADD COLUMN`,
//! `ALTER COLUMN … TYPE`), read into base name, modifiers and array-ness: what the style rules
//! (`prefer-*`) judge.

use crate::source::Span;
use crate::syntax::{AlterTableAction, ConstraintKind, Ident, Stmt};

/// A type as written, taken apart: `timestamp(3) without time zone[]` is base
/// `timestamp without time zone`, modifiers `3`, array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName {
    /// Lower case, `pg_catalog.` removed, modifiers and array brackets removed.
    pub base: String,
    /// The text inside the parentheses, if any (`3`, `10, 2`).
    pub modifiers: Option<String>,
    /// `[]` (or `ARRAY`) suffix, as written: appended again by fixes.
    pub array: String,
}

impl TypeName {
    pub fn parse(data_type: &str) -> TypeName {
        let t = data_type.trim();
        let t = t.strip_prefix("pg_catalog.").unwrap_or(t);
        let (t, array) = match t.find('[').or_else(|| t.find(" array")) {
            Some(p) => (&t[..p], t[p..].to_string()),
            None => (t, String::new()),
        };
        let (base, modifiers) = match (t.find('('), t.find(')')) {
            (Some(open), Some(close)) if close > open => (
                format!("{} {}", t[..open].trim(), t[close + 1..].trim()),
                Some(t[open + 1..close].trim().to_string()),
            ),
            _ => (t.to_string(), None),
        };
        TypeName {
            base: base.trim().to_string(),
            modifiers,
            array,
        }
    }
}

/// One column type a statement declares.
pub struct DeclaredType<'a> {
    pub column: &'a Ident,
    pub data_type: &'a str,
    pub span: Span,
    /// The column is the table's whole primary key (a column `PRIMARY KEY`, or a table
    /// `PRIMARY KEY (col)` of that one column in the same `CREATE TABLE`).
    pub primary_key: bool,
    /// Declared by `ALTER COLUMN … TYPE` (not a new column: `serial` is not allowed there).
    pub alter_type: bool,
}

/// The column types a statement declares, in order.
pub fn declared_types(stmt: &Stmt) -> Vec<DeclaredType<'_>> {
    let mut out = Vec::new();
    let column_pk = |cs: &[crate::syntax::TableConstraint]| {
        cs.iter()
            .any(|c| matches!(c.kind, ConstraintKind::PrimaryKey(_)))
    };
    match stmt {
        Stmt::CreateTable(ct) => {
            let table_pk: Option<&str> = ct.constraints.iter().find_map(|c| match &c.kind {
                ConstraintKind::PrimaryKey(cols) if cols.len() == 1 => Some(cols[0].value.as_str()),
                _ => None,
            });
            for c in &ct.columns {
                out.push(DeclaredType {
                    column: &c.name,
                    data_type: &c.data_type,
                    span: c.data_type_span,
                    primary_key: column_pk(&c.constraints) || table_pk == Some(&c.name.value),
                    alter_type: false,
                });
            }
        }
        Stmt::AlterTable(at) => {
            for a in &at.actions {
                match &a.action {
                    AlterTableAction::AddColumn { column, .. } => out.push(DeclaredType {
                        column: &column.name,
                        data_type: &column.data_type,
                        span: column.data_type_span,
                        primary_key: column_pk(&column.constraints),
                        alter_type: false,
                    }),
                    AlterTableAction::AlterColumnType {
                        column,
                        data_type,
                        data_type_span,
                        ..
                    } => out.push(DeclaredType {
                        column,
                        data_type,
                        span: *data_type_span,
                        primary_key: false,
                        alter_type: true,
                    }),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::TypeName;

    #[test]
    fn type_names_come_apart() {
        let t = TypeName::parse("timestamp(3) without time zone[]");
        assert_eq!(t.base, "timestamp without time zone");
        assert_eq!(t.modifiers.as_deref(), Some("3"));
        assert_eq!(t.array, "[]");
        let t = TypeName::parse("pg_catalog.varchar(20)");
        assert_eq!(
            (t.base.as_str(), t.modifiers.as_deref()),
            ("varchar", Some("20"))
        );
        let t = TypeName::parse("integer");
        assert_eq!(
            (t.base.as_str(), t.modifiers, t.array.as_str()),
            ("integer", None, "")
        );
    }
}
