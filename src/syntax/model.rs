//! Our own small statement model: what the rules and the catalog need to know about a statement,
//! with spans. Rules never look at sqlparser's AST; only `syntax::convert` does.

use super::Name;
use crate::source::Span;
use thin_vec::ThinVec;

/// `(schema, name)`, normalised; unqualified names are in `public`: the catalog's key.
pub type Key = (Name, Name);

/// A name as PostgreSQL sees it: unquoted identifiers folded to lower case, quoted ones kept.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Ident {
    pub value: String,
    /// Where the identifier stands in the file (the whole token, quotes included).
    pub span: Span,
}

/// A possibly schema-qualified object name. `schema` is `None` when the text had no schema;
/// [`QualifiedName::schema_or_public`] resolves it the PostgreSQL way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct QualifiedName {
    pub schema: Option<Ident>,
    pub name: Ident,
}

impl QualifiedName {
    pub fn schema_or_public(&self) -> &str {
        self.schema.as_ref().map_or("public", |s| s.value.as_str())
    }
    /// `schema.name` with the default schema filled in; the catalog's key.
    pub fn key(&self) -> Key {
        (
            self.schema_or_public().into(),
            self.name.value.as_str().into(),
        )
    }
    /// Span of the whole name (`schema.name`).
    pub fn span(&self) -> Span {
        match &self.schema {
            Some(s) => s.span.cover(self.name.span),
            None => self.name.span,
        }
    }
    /// For messages: `users`, `auth.users`, `"Users"`.
    pub fn display(&self) -> String {
        match &self.schema {
            Some(s) => super::names::qualified(&s.value, &self.name.value),
            None => quote_if_needed(&self.name.value),
        }
    }
}

/// Quote an identifier for SQL text when PostgreSQL would need it.
pub fn quote_if_needed(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// One statement of a file, top level or from inside a `DO` body.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Statement {
    /// The statement's text, from its first token to its last (the `;` excluded).
    pub span: Span,
    pub kind: Stmt,
    pub context: StmtContext,
}

/// Where a statement sits; only statements from `DO` bodies have anything set.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StmtContext {
    /// Span of the enclosing `DO` statement, for statements found inside its body.
    pub in_do_block: Option<Span>,
    /// Inside a PL/pgSQL block that has an `EXCEPTION` handler.
    pub exception_handler: bool,
    /// Under an `IF [NOT] EXISTS (SELECT … FROM pg_…/information_schema…)` guard.
    pub existence_guard: bool,
    /// Under a guard that checks `pg_available_extensions` (or `pg_available_extension_versions`).
    pub extension_availability_guard: bool,
    /// Span of the `EXECUTE '…'` statement that runs this statement (its text is a literal, or
    /// `format()` of literals): the statement's spans point inside that literal.
    pub in_execute: Option<Span>,
    /// Run by `EXECUTE` of text assembled from several pieces (`format()` arguments, `||`):
    /// the statement's span covers those pieces, so its file text is not the statement's text.
    pub assembled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TxControl {
    /// `BEGIN`, `BEGIN WORK`, `START TRANSACTION …`
    Begin,
    /// `COMMIT`, `COMMIT WORK`, `END`
    Commit,
    /// `ROLLBACK` (not `ROLLBACK TO SAVEPOINT`, which is `Other`)
    Rollback,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ForeignKey {
    pub columns: Vec<Ident>,
    pub ref_table: QualifiedName,
    pub ref_columns: Vec<Ident>,
    /// `ON DELETE …` (`NO ACTION` when not written).
    pub on_delete: FkAction,
}

/// A foreign key's referential action (`ON DELETE …`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ConstraintKind {
    PrimaryKey(Vec<Ident>),
    Unique(Vec<Ident>),
    ForeignKey(ForeignKey),
    Check,
    Exclude,
    /// `[CONSTRAINT n] NOT NULL col` as a table constraint (PostgreSQL 18).
    NotNull(Ident),
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableConstraint {
    pub name: Option<Ident>,
    pub kind: ConstraintKind,
    pub span: Span,
    /// `NOT VALID`: existing rows are not checked now.
    pub not_valid: bool,
    /// `UNIQUE USING INDEX idx` / `PRIMARY KEY USING INDEX idx`.
    pub using_index: Option<Ident>,
    /// `CHECK (col IS NOT NULL)`: the column, when that is the whole check.
    pub check_not_null: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnDef {
    pub name: Ident,
    /// The type as written, normalised to lower case (`uuid`, `vector(1536)`, `text[]`).
    pub data_type: String,
    pub data_type_span: Span,
    pub not_null: bool,
    /// Column-level constraints (`PRIMARY KEY`, `UNIQUE`, `REFERENCES t(c)`), expressed as
    /// table constraints over this one column.
    pub constraints: Vec<TableConstraint>,
    /// `DEFAULT expr`.
    pub default: Option<DefaultExpr>,
    /// `GENERATED … AS IDENTITY` / `GENERATED ALWAYS AS (expr) STORED`.
    pub generated: Option<Generated>,
    /// The whole column definition.
    pub span: Span,
}

impl ColumnDef {
    /// `serial`, `bigserial`, `smallserial` (and `serial2/4/8`): a sequence default.
    pub fn is_serial(&self) -> bool {
        matches!(
            self.data_type.as_str(),
            "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
        )
    }
}

/// How often a default expression's value may change, as PostgreSQL's function volatility
/// classes say (what decides whether `ADD COLUMN … DEFAULT` rewrites the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Volatility {
    /// Constants, casts of constants, and calls of functions PostgreSQL ships as IMMUTABLE or
    /// STABLE (`now()`, `current_timestamp`, `timezone(…)`, `auth.uid()`): evaluated once.
    Stable,
    /// A call of a function PostgreSQL ships as VOLATILE (`gen_random_uuid()`, `random()`,
    /// `clock_timestamp()`, `nextval(…)`): evaluated per row.
    Volatile,
    /// A call of a function pgward does not know (user functions are VOLATILE unless declared
    /// otherwise).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DefaultExpr {
    /// The expression after `DEFAULT`.
    pub span: Span,
    pub volatility: Volatility,
    /// The function that decided the volatility (`gen_random_uuid`), for messages.
    pub function: Option<String>,
    /// The expression is the `NULL` constant.
    pub null: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Generated {
    /// `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY`.
    Identity,
    /// `GENERATED ALWAYS AS (expr) STORED`.
    Stored,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CreateTable {
    pub name: QualifiedName,
    pub if_not_exists: bool,
    pub temporary: bool,
    pub columns: Vec<ColumnDef>,
    pub constraints: Vec<TableConstraint>,
    /// `CREATE TABLE … AS SELECT` / `PARTITION OF` / `LIKE`: columns may be unknown.
    pub columns_incomplete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AlterTableAction {
    AddColumn {
        if_not_exists: bool,
        column: ColumnDef,
    },
    DropColumn {
        name: Ident,
        if_exists: bool,
        cascade: bool,
    },
    RenameColumn {
        from: Ident,
        to: Ident,
    },
    RenameTable {
        to: Ident,
    },
    SetSchema {
        schema: Ident,
    },
    AddConstraint(TableConstraint),
    DropConstraint {
        name: Ident,
        if_exists: bool,
    },
    RenameConstraint {
        from: Ident,
        to: Ident,
    },
    EnableRls,
    DisableRls,
    ForceRls,
    NoForceRls,
    /// `ALTER [COLUMN] c [SET DATA] TYPE t [USING …]`.
    AlterColumnType {
        column: Ident,
        /// Normalised like [`ColumnDef::data_type`].
        data_type: String,
        data_type_span: Span,
        using: bool,
    },
    /// `ALTER [COLUMN] c SET NOT NULL`.
    SetNotNull {
        column: Ident,
    },
    /// `ALTER [COLUMN] c DROP NOT NULL`.
    DropNotNull {
        column: Ident,
    },
    /// `ALTER [COLUMN] c SET DEFAULT expr`.
    SetDefault {
        column: Ident,
        default: DefaultExpr,
    },
    /// `ALTER [COLUMN] c DROP DEFAULT`.
    DropDefault {
        column: Ident,
    },
    /// `VALIDATE CONSTRAINT name`.
    ValidateConstraint {
        name: Ident,
    },
    /// `SET LOGGED` (`logged: true`) / `SET UNLOGGED`.
    SetLogged {
        logged: bool,
    },
    /// `ENABLE|DISABLE [REPLICA|ALWAYS] TRIGGER …` and `… RULE …`.
    TriggerToggle,
    /// `ATTACH PARTITION p FOR VALUES …`.
    AttachPartition {
        partition: QualifiedName,
    },
    /// `DETACH PARTITION p [CONCURRENTLY | FINALIZE]`.
    DetachPartition {
        partition: QualifiedName,
        concurrently: bool,
    },
    /// `ALTER [COLUMN] c SET STATISTICS n`, `SET (…)`/`RESET (…)` of column options,
    /// `CLUSTER ON`, `SET WITHOUT CLUSTER`: catalog-only changes under SHARE UPDATE EXCLUSIVE.
    SetStatistics,
    /// Anything else (`ALTER COLUMN … TYPE`, `OWNER TO`, …), by its leading keywords.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlterAction {
    pub action: AlterTableAction,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlterTable {
    pub name: QualifiedName,
    pub if_exists: bool,
    pub only: bool,
    pub actions: Vec<AlterAction>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IndexColumn {
    /// The column, when the index element is a plain column (not an expression).
    pub column: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CreateIndex {
    pub name: Option<Ident>,
    pub keywords: CreateKeywords,
    /// The `CONCURRENTLY` keyword, when written.
    pub concurrently_kw: Option<Span>,
    /// The `ON` before the table name.
    pub on_kw: Span,
    pub table: QualifiedName,
    pub columns: Vec<IndexColumn>,
    pub unique: bool,
    pub concurrently: bool,
    pub if_not_exists: bool,
    /// Has a `WHERE` clause.
    pub partial: bool,
    /// `USING method`, folded (`None`: the default, btree).
    pub method: Option<String>,
    /// Has an `INCLUDE (…)` list.
    pub include: bool,
}

/// The kinds of object a `DROP` (or `CREATE`) statement names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ObjectKind {
    Table,
    View,
    MaterializedView,
    Index,
    Schema,
    Sequence,
    Type,
    Domain,
    Function,
    Procedure,
    Trigger,
    Policy,
    Extension,
    Publication,
    ForeignTable,
    Database,
    Tablespace,
    Role,
    Other,
}

impl ObjectKind {
    pub fn sql(self) -> &'static str {
        match self {
            ObjectKind::Table => "TABLE",
            ObjectKind::View => "VIEW",
            ObjectKind::MaterializedView => "MATERIALIZED VIEW",
            ObjectKind::Index => "INDEX",
            ObjectKind::Schema => "SCHEMA",
            ObjectKind::Sequence => "SEQUENCE",
            ObjectKind::Type => "TYPE",
            ObjectKind::Domain => "DOMAIN",
            ObjectKind::Function => "FUNCTION",
            ObjectKind::Procedure => "PROCEDURE",
            ObjectKind::Trigger => "TRIGGER",
            ObjectKind::Policy => "POLICY",
            ObjectKind::Extension => "EXTENSION",
            ObjectKind::Publication => "PUBLICATION",
            ObjectKind::ForeignTable => "FOREIGN TABLE",
            ObjectKind::Database => "DATABASE",
            ObjectKind::Tablespace => "TABLESPACE",
            ObjectKind::Role => "ROLE",
            ObjectKind::Other => "OBJECT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Drop {
    pub kind: ObjectKind,
    /// Every name in the list. For `SCHEMA`, `EXTENSION`, `PUBLICATION` the name has no schema.
    pub names: Vec<QualifiedName>,
    /// For `DROP TRIGGER/POLICY … ON table`.
    pub on_table: Option<QualifiedName>,
    pub if_exists: bool,
    pub cascade: bool,
    pub concurrently: bool,
    /// The `CONCURRENTLY` keyword, when written.
    pub concurrently_kw: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCommand {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyCommand::All => "all",
            PolicyCommand::Select => "select",
            PolicyCommand::Insert => "insert",
            PolicyCommand::Update => "update",
            PolicyCommand::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CreatePolicy {
    pub name: Ident,
    pub table: QualifiedName,
    pub command: PolicyCommand,
    pub roles: Vec<String>,
    pub permissive: bool,
    /// The `USING (…)` expression.
    pub using: Option<PolicyExpr>,
    /// The `WITH CHECK (…)` expression.
    pub with_check: Option<PolicyExpr>,
}

/// What the security rules need to know about a policy's `USING` or `WITH CHECK` expression,
/// read from its tokens. Its lists are thin (a pointer each): the catalog keeps one per
/// policy expression.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PolicyExpr {
    /// The expression, its parentheses included.
    pub span: Span,
    /// Constantly true: `(true)`, `((true))`, `(1 = 1)`.
    pub always_true: bool,
    /// Calls of `auth.uid()`, `auth.jwt()`, `auth.role()`, `auth.email()` and
    /// `current_setting(…)`.
    pub auth_calls: ThinVec<AuthCall>,
    /// Where the expression reads user-editable metadata (`raw_user_meta_data`,
    /// `user_metadata`, `'user_metadata'` as a JSON key).
    pub user_metadata: ThinVec<Span>,
    /// Every name that is not called (columns, tables, keywords), folded the PostgreSQL way;
    /// for `a.b` both parts.
    pub names: ThinVec<Name>,
    /// Has a `(SELECT …)` subquery.
    pub subquery: bool,
}

impl PolicyExpr {
    /// Whether `name` appears in the expression as a (column) name.
    pub fn mentions(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

/// A call of an auth helper in a policy expression.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthCall {
    /// `auth.uid`, `auth.jwt`, `auth.role`, `auth.email` or `current_setting`.
    pub function: Name,
    /// The call, from its name to its closing parenthesis.
    pub span: Span,
    /// Inside a `(SELECT …)`: PostgreSQL evaluates it once per statement, not once per row.
    pub wrapped: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlterPolicy {
    pub name: Ident,
    pub table: QualifiedName,
    pub rename_to: Option<Ident>,
    /// `TO roles` (replaces the policy's roles).
    pub roles: Option<Vec<String>>,
    /// `USING (…)` (replaces the policy's).
    pub using: Option<PolicyExpr>,
    /// `WITH CHECK (…)` (replaces the policy's).
    pub with_check: Option<PolicyExpr>,
}

/// What the security rules need to know about a function.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FunctionAttrs {
    /// `SECURITY DEFINER`: runs with its owner's rights.
    pub security_definer: bool,
    /// Has `SET search_path …` (any value, `FROM CURRENT` included).
    pub search_path: bool,
    /// `RETURNS trigger` / `RETURNS event_trigger`: not callable directly.
    pub returns_trigger: bool,
    /// A SQL-standard body (`BEGIN ATOMIC … END`, `RETURN expr`): its names are bound when the
    /// function is created, so the search path at call time does not matter.
    pub sql_body: bool,
}

/// What the security rules need to know about a view.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ViewFacts {
    /// `WITH (security_invoker = true)` (or `on`, `1`, `yes`, or the bare option).
    pub security_invoker: bool,
    /// The relations the query reads (after `FROM` / `JOIN`, at any depth), without the query's
    /// own `WITH` names and without function calls.
    pub reads: Vec<QualifiedName>,
}

/// A set of privileges (`GRANT SELECT, INSERT …`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Privileges(pub u16);

impl Privileges {
    pub const NONE: Privileges = Privileges(0);
    pub const SELECT: Privileges = Privileges(1);
    pub const INSERT: Privileges = Privileges(1 << 1);
    pub const UPDATE: Privileges = Privileges(1 << 2);
    pub const DELETE: Privileges = Privileges(1 << 3);
    pub const TRUNCATE: Privileges = Privileges(1 << 4);
    pub const REFERENCES: Privileges = Privileges(1 << 5);
    pub const TRIGGER: Privileges = Privileges(1 << 6);
    pub const EXECUTE: Privileges = Privileges(1 << 7);
    pub const USAGE: Privileges = Privileges(1 << 8);
    pub const CREATE: Privileges = Privileges(1 << 9);
    pub const MAINTAIN: Privileges = Privileges(1 << 10);
    pub const ALL: Privileges = Privileges((1 << 11) - 1);

    /// A privilege keyword (`select`, `EXECUTE`, …).
    pub fn from_word(word: &str) -> Option<Privileges> {
        Some(match word.to_ascii_lowercase().as_str() {
            "select" => Self::SELECT,
            "insert" => Self::INSERT,
            "update" => Self::UPDATE,
            "delete" => Self::DELETE,
            "truncate" => Self::TRUNCATE,
            "references" => Self::REFERENCES,
            "trigger" => Self::TRIGGER,
            "execute" => Self::EXECUTE,
            "usage" => Self::USAGE,
            "create" => Self::CREATE,
            "maintain" => Self::MAINTAIN,
            "temporary" | "temp" | "connect" | "set" | "alter" => Self::NONE,
            _ => return None,
        })
    }
    pub fn contains(self, other: Privileges) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn intersects(self, other: Privileges) -> bool {
        self.0 & other.0 != 0
    }
    pub fn union(self, other: Privileges) -> Privileges {
        Privileges(self.0 | other.0)
    }
    pub fn minus(self, other: Privileges) -> Privileges {
        Privileges(self.0 & !other.0)
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// What a `GRANT`/`REVOKE` is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum GrantObjectKind {
    /// `[TABLE]`: tables, views, materialized views, foreign tables.
    Table,
    Sequence,
    /// `FUNCTION`, `PROCEDURE`, `ROUTINE`.
    Function,
    Schema,
}

/// `GRANT privileges ON objects TO roles` / `REVOKE privileges ON objects FROM roles`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    pub revoke: bool,
    /// The privileges (`ALL` is [`Privileges::ALL`]); column privileges (`SELECT (a, b)`) are
    /// in `column_privileges` instead.
    pub privileges: Privileges,
    pub column_privileges: Privileges,
    pub kind: GrantObjectKind,
    /// `ON ALL TABLES|SEQUENCES|FUNCTIONS IN SCHEMA s, …`: `objects` are the schemas.
    pub all_in_schema: bool,
    /// The objects (for `SCHEMA` and `all_in_schema`, names without a schema part).
    pub objects: Vec<QualifiedName>,
    /// The roles, folded; `public` for `PUBLIC`.
    pub grantees: Vec<String>,
}

/// `ALTER DEFAULT PRIVILEGES [FOR ROLE r, …] [IN SCHEMA s, …] GRANT|REVOKE … ON TABLES|…`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DefaultPrivileges {
    /// `FOR ROLE`: whose future objects (empty: the role running the migration).
    pub for_roles: Vec<String>,
    /// `IN SCHEMA` (empty: every schema).
    pub schemas: Vec<String>,
    /// The grant, with no objects.
    pub grant: Grant,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PublicationTarget {
    /// No `FOR` clause.
    None,
    AllTables,
    /// `FOR TABLE a, b` and/or `FOR TABLES IN SCHEMA s`.
    Objects {
        tables: Vec<QualifiedName>,
        schemas: Vec<Ident>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CreatePublication {
    pub name: Ident,
    pub target: PublicationTarget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PublicationAction {
    Add,
    Set,
    Drop,
    /// `RENAME TO`, `OWNER TO`, `SET (…)`: no membership change.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlterPublication {
    pub name: Ident,
    pub action: PublicationAction,
    pub tables: Vec<QualifiedName>,
    pub schemas: Vec<Ident>,
}

/// What `ALTER <kind> name` changes about the name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RenameTarget {
    /// `RENAME TO new` (same schema).
    Name(Ident),
    /// `SET SCHEMA s`.
    Schema(Ident),
}

/// `ALTER INDEX | VIEW | MATERIALIZED VIEW | SEQUENCE | TYPE | DOMAIN | SCHEMA name RENAME TO new`
/// (or `SET SCHEMA s`): name changes of objects other than tables and policies, which the
/// catalog follows so a later `CREATE` of the old name is not taken for a conflict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RenameObject {
    pub kind: ObjectKind,
    /// For `SCHEMA`, the name has no schema part.
    pub name: QualifiedName,
    pub if_exists: bool,
    pub to: RenameTarget,
}

/// Where a `CREATE` statement's keywords stand: the `CREATE` verb and the words that name the
/// object kind (`FUNCTION`, `PROCEDURE`, `CONSTRAINT TRIGGER`, `MATERIALIZED VIEW`, `DOMAIN`).
/// Rules point at them and insert next to them (`OR REPLACE` goes right after `CREATE`) without
/// reading the statement's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct CreateKeywords {
    pub create: Span,
    pub kind: Span,
}

/// What a statement is, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Stmt {
    Transaction(TxControl),
    CreateTable(CreateTable),
    AlterTable(AlterTable),
    CreateIndex(CreateIndex),
    Drop(Drop),
    Truncate {
        tables: Vec<QualifiedName>,
        /// `TRUNCATE … CASCADE`: every table with a foreign key to these is emptied too.
        cascade: bool,
    },
    CreateSchema {
        name: Ident,
        if_not_exists: bool,
    },
    CreateExtension {
        name: Ident,
        if_not_exists: bool,
        /// `WITH SCHEMA s` / `SCHEMA s`.
        schema: Option<Ident>,
    },
    CreateSequence {
        name: QualifiedName,
        if_not_exists: bool,
    },
    /// `CREATE [OR REPLACE] FUNCTION/PROCEDURE`.
    CreateFunction {
        name: QualifiedName,
        or_replace: bool,
        /// [`ObjectKind::Function`] or [`ObjectKind::Procedure`].
        kind: ObjectKind,
        keywords: CreateKeywords,
        /// What the security rules need: `SECURITY DEFINER`, `SET search_path`, …
        attrs: FunctionAttrs,
    },
    /// `ALTER FUNCTION|PROCEDURE|ROUTINE name [(args)] action …` that changes `SECURITY` or
    /// `search_path` (renames, owners and other actions are not this).
    AlterFunction {
        name: QualifiedName,
        /// `SECURITY DEFINER` (`Some(true)`) / `SECURITY INVOKER` (`Some(false)`).
        security_definer: Option<bool>,
        /// `SET search_path …` (`Some(true)`) / `RESET search_path`, `RESET ALL` (`Some(false)`).
        search_path: Option<bool>,
    },
    CreateView {
        name: QualifiedName,
        or_replace: bool,
        materialized: bool,
        if_not_exists: bool,
        keywords: CreateKeywords,
        /// `WITH (security_invoker = …)` and the relations the query reads.
        view: ViewFacts,
    },
    /// `ALTER VIEW name SET (security_invoker [= value])` / `RESET (security_invoker)`.
    AlterViewInvoker {
        name: QualifiedName,
        security_invoker: bool,
    },
    /// `CREATE FOREIGN TABLE [IF NOT EXISTS] name …`.
    CreateForeignTable {
        name: QualifiedName,
        if_not_exists: bool,
    },
    /// `GRANT`/`REVOKE` of privileges on tables, sequences, functions and schemas.
    Grant(Grant),
    /// `ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s] GRANT|REVOKE …`.
    DefaultPrivileges(DefaultPrivileges),
    /// `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER name … ON table`.
    CreateTrigger {
        name: Ident,
        table: QualifiedName,
        or_replace: bool,
        /// `CREATE CONSTRAINT TRIGGER` (which has no `OR REPLACE`).
        constraint: bool,
        keywords: CreateKeywords,
    },
    /// `CREATE TYPE` (enum, composite, range, base) and `CREATE DOMAIN`. Both live in the same
    /// namespace (`pg_type`), so the catalog keeps them together.
    CreateType {
        name: QualifiedName,
        /// [`ObjectKind::Type`] or [`ObjectKind::Domain`].
        kind: ObjectKind,
        keywords: CreateKeywords,
    },
    CreatePolicy(CreatePolicy),
    AlterPolicy(AlterPolicy),
    CreatePublication(CreatePublication),
    AlterPublication(AlterPublication),
    RenameObject(RenameObject),
    /// `DO [LANGUAGE plpgsql] $$ … $$`; its SQL statements follow it as separate `Statement`s.
    Do {
        body: Span,
    },
    /// `REINDEX [(options)] {INDEX|TABLE|SCHEMA|DATABASE|SYSTEM} [CONCURRENTLY] name`
    Reindex {
        concurrently: bool,
        /// The `CONCURRENTLY` keyword (or option) that makes it concurrent.
        concurrently_kw: Option<Span>,
        /// `SCHEMA`, `DATABASE` or `SYSTEM`: these reindex many tables and are refused inside a
        /// transaction block even without `CONCURRENTLY`.
        #[serde(with = "reindex_scope")]
        many_tables: Option<Keyword>,
        /// `REINDEX TABLE t` / `REINDEX INDEX i`: the kind (`Table` or `Index`) and the name.
        target: Option<(ObjectKind, QualifiedName)>,
    },
    Vacuum,
    /// `VACUUM FULL [tables]` (also `VACUUM (FULL) …`): rewrites each table.
    VacuumFull {
        tables: Vec<QualifiedName>,
    },
    /// `CLUSTER [table [USING index]]`: rewrites the table (every clustered table without one).
    Cluster {
        table: Option<QualifiedName>,
    },
    /// `LOCK [TABLE] [ONLY] t, … [IN mode MODE] [NOWAIT]`.
    LockTable {
        tables: Vec<QualifiedName>,
        /// The mode as written, upper case with single spaces (`ACCESS EXCLUSIVE` by default).
        mode: String,
    },
    /// `REFRESH MATERIALIZED VIEW [CONCURRENTLY] name`.
    RefreshMaterializedView {
        name: QualifiedName,
        concurrently: bool,
    },
    /// `UPDATE` / `DELETE` (with or without `WHERE`) and `INSERT` of one table.
    DataChange(DataChange),
    /// `ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'value' …`.
    AddEnumValue {
        name: QualifiedName,
        value: String,
        value_span: Span,
        if_not_exists: bool,
    },
    /// A session setting of its own: `SET [SESSION|LOCAL] name …`, `RESET name`, `SET ROLE`,
    /// `SET SESSION AUTHORIZATION`, `SELECT [pg_catalog.]set_config('name', 'value', is_local)`.
    Session(SessionSetting),
    CreateDatabase,
    CreateTablespace,
    /// `CREATE/ALTER ROLE|USER|GROUP name …`.
    Role {
        name: Ident,
        /// The literal after `PASSWORD` (not `PASSWORD NULL`), quotes included.
        password: Option<Span>,
    },
    AlterSystem,
    /// A psql meta-command line (`\set`, `\i file`, …).
    PsqlMeta {
        command: String,
    },
    /// `EXECUTE` inside a `DO` body of text computed at run time: opaque. (`EXECUTE` of a
    /// literal is replaced by the statements it runs.)
    DynamicSql,
    /// Parsed and valid, but nothing the rules look at (INSERT, GRANT, COMMENT, SELECT, …).
    /// `keyword` is the statement's leading keyword(s) in upper case, e.g. `INSERT`, `GRANT`.
    Other {
        keyword: String,
    },
    /// Valid-looking PostgreSQL that pgward cannot analyse (sqlparser failed, no recognizer).
    /// Reported once as `unsupported-syntax` (info).
    Unsupported {
        keyword: String,
        message: String,
    },
    /// Not valid SQL: reported as `parse-error`.
    Invalid {
        message: String,
        /// Where exactly the problem is (inside the statement).
        at: Span,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DataChangeKind {
    Insert,
    Update,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DataChange {
    pub kind: DataChangeKind,
    pub table: QualifiedName,
    /// Has a `WHERE` clause (`UPDATE`/`DELETE`); `WHERE CURRENT OF` counts.
    pub filtered: bool,
}

/// A session setting statement. `name` is the parameter, lower case (`lock_timeout`,
/// `search_path`, `role`, `session_authorization`, `timezone`, `all` for `RESET ALL`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionSetting {
    pub name: String,
    /// The value as written: strings unquoted, list elements joined with `, `. `None` for
    /// `RESET`, `SET … TO DEFAULT` and `set_config(…, NULL, …)`: back to the default.
    pub value: Option<String>,
    /// `SET LOCAL` / `set_config(…, true)`: lasts until the end of the transaction.
    pub local: bool,
    /// Written as a `set_config(…)` call.
    pub function: bool,
}

impl SessionSetting {
    /// For a timeout parameter: the value in milliseconds (`'5s'`, `5000`, `'1min'`); `Some(0)`
    /// means "no timeout", `None` a value pgward cannot read (or `RESET`).
    pub fn duration_ms(&self) -> Option<u64> {
        let v = self.value.as_deref()?.trim();
        let digits = v
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(v.len());
        let number: f64 = v.get(..digits)?.parse().ok()?;
        let unit = v.get(digits..)?.trim().to_ascii_lowercase();
        let factor = match unit.as_str() {
            "" | "ms" => 1.0,
            "us" => 0.001,
            "s" => 1000.0,
            "min" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            _ => return None,
        };
        Some((number * factor).round() as u64)
    }
}

impl Statement {
    /// Statements PostgreSQL refuses inside a transaction block, with a name for messages.
    pub fn transaction_restriction(&self) -> Option<&'static str> {
        match &self.kind {
            Stmt::CreateIndex(ci) if ci.concurrently => Some("CREATE INDEX CONCURRENTLY"),
            Stmt::Drop(d) if d.concurrently => Some("DROP INDEX CONCURRENTLY"),
            Stmt::Reindex {
                many_tables: Some(scope),
                ..
            } => Some(match *scope {
                "SCHEMA" => "REINDEX SCHEMA",
                "DATABASE" => "REINDEX DATABASE",
                _ => "REINDEX SYSTEM",
            }),
            Stmt::Reindex {
                concurrently: true, ..
            } => Some("REINDEX CONCURRENTLY"),
            Stmt::Drop(d) if d.kind == ObjectKind::Database => Some("DROP DATABASE"),
            Stmt::Drop(d) if d.kind == ObjectKind::Tablespace => Some("DROP TABLESPACE"),
            Stmt::CreateTablespace => Some("CREATE TABLESPACE"),
            Stmt::Vacuum | Stmt::VacuumFull { .. } => Some("VACUUM"),
            Stmt::CreateDatabase => Some("CREATE DATABASE"),
            Stmt::AlterSystem => Some("ALTER SYSTEM"),
            _ => None,
        }
    }
}

/// A keyword from a fixed set. Named so that serde does not take `&'static str` for text
/// borrowed from its input (it is read back from owned text by [`reindex_scope`]).
type Keyword = &'static str;

/// `Stmt::Reindex::many_tables` through serde: one of a fixed set of keywords.
mod reindex_scope {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    const SCOPES: [&str; 3] = ["SCHEMA", "DATABASE", "SYSTEM"];

    pub fn serialize<S: Serializer>(value: &Option<&'static str>, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(word) => SCOPES
                .iter()
                .find(|s| **s == word)
                .map(|s| Some(*s))
                .ok_or_else(|| serde::de::Error::custom("unknown REINDEX scope")),
        }
    }
}
