//! Names written outside SQL (in `pgward.toml`, on the command line: `--protect`), read the way
//! PostgreSQL reads an identifier: `"Quoted"` keeps its case (`""` is a quote inside), anything
//! else folds ASCII letters to lower case, as the recognizers fold unquoted SQL identifiers.
//! The one owner of "what table does this config entry name"; config, rules and apply call it.
//!
//! And the one owner of printing a name: [`quote_ident`] / [`sql_name`] for SQL sent to a server
//! (always quoted), [`qualified`] for SQL in help texts and fixes (quoted where needed),
//! [`display`] and [`plain`] for messages (`public` left out).

use super::model::quote_if_needed;

/// One identifier as written (`Users`, `"Users"`, trimmed): its folded value, and whether it
/// was quoted.
pub fn read_ident(part: &str) -> (String, bool) {
    let part = part.trim();
    match part
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(inner) => (inner.replace("\"\"", "\""), true),
        None => (part.to_ascii_lowercase(), false),
    }
}

/// One identifier as written, folded (see [`read_ident`]).
pub fn fold_ident(part: &str) -> String {
    read_ident(part).0
}

/// `schema.table` split on the dots outside double quotes; each part trimmed, quotes kept.
pub fn split_qualified(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            // `""` inside quotes toggles twice: still quoted.
            '"' => quoted = !quoted,
            '.' if !quoted => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts
}

/// A table named in the config (`clients`, `app.clients`, `"Big.Table"`): `(schema, table)`,
/// folded, an unqualified name meaning `public`. `None` for an empty part or more than two.
pub fn table_name(text: &str) -> Option<(String, String)> {
    let key = match split_qualified(text).as_slice() {
        [table] => ("public".to_string(), fold_ident(table)),
        [schema, table] => (fold_ident(schema), fold_ident(table)),
        _ => return None,
    };
    (!key.0.is_empty() && !key.1.is_empty()).then_some(key)
}

/// An identifier always in double quotes (`"a""b"`): correct SQL for every name, whatever its
/// case or characters.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"schema"."name"`, always quoted: for SQL pgward runs itself.
pub fn sql_name(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// `schema.name`, always qualified, quoted where PostgreSQL needs it: SQL in help texts and fixes.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_if_needed(schema), quote_if_needed(name))
}

/// For messages: quoted where needed, `public` left out (`users`, `app.jobs`, `"Users"`).
pub fn display(schema: &str, name: &str) -> String {
    if schema == "public" || schema.is_empty() {
        quote_if_needed(name)
    } else {
        qualified(schema, name)
    }
}

/// For messages that put the name in double quotes, as PostgreSQL's own do: no quoting inside,
/// `public` (or no schema) left out (`users`, `app.jobs`).
pub fn plain(schema: &str, name: &str) -> String {
    if schema == "public" || schema.is_empty() {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str, n: &str) -> Option<(String, String)> {
        Some((s.to_string(), n.to_string()))
    }

    #[test]
    fn identifiers_fold_like_postgresql() {
        assert_eq!(fold_ident(" User_ID "), "user_id");
        assert_eq!(fold_ident("\"UserId\""), "UserId");
        assert_eq!(fold_ident("\"a\"\"b\""), "a\"b");
        assert_eq!(read_ident("\"x\""), ("x".to_string(), true));
        // PostgreSQL folds only ASCII letters in a UTF-8 database.
        assert_eq!(fold_ident("Ärger"), "Ärger");
    }

    #[test]
    fn table_names() {
        assert_eq!(table_name("Clients"), t("public", "clients"));
        assert_eq!(table_name("app.Clients"), t("app", "clients"));
        assert_eq!(table_name("app.\"Big.Table\""), t("app", "Big.Table"));
        assert_eq!(table_name("\"my.schema\".\"T\""), t("my.schema", "T"));
        assert_eq!(table_name(" auth . \"Users\" "), t("auth", "Users"));
        assert_eq!(table_name("a.b.c"), None);
        assert_eq!(table_name("app."), None);
        assert_eq!(table_name(""), None);
        assert_eq!(split_qualified("\"a\"\".b\".c"), ["\"a\"\".b\"", "c"]);
    }

    #[test]
    fn printing() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(sql_name("public", "users"), "\"public\".\"users\"");
        assert_eq!(qualified("public", "Users"), "public.\"Users\"");
        assert_eq!(display("public", "Users"), "\"Users\"");
        assert_eq!(display("app", "jobs"), "app.jobs");
        assert_eq!(plain("public", "Users"), "Users");
        assert_eq!(plain("My App", "jobs"), "My App.jobs");
    }
}
