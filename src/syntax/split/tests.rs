use super::*;

fn stmts(text: &str) -> Vec<&str> {
    split(text)
        .statements
        .iter()
        .map(|s| &text[s.span.range()])
        .collect()
}

fn tokens(text: &str) -> Vec<(TokenKind, &str)> {
    Lexer::new(text, true)
        .map(|t| (t.kind, &text[t.span.range()]))
        .collect()
}

#[test]
fn simple_statements_and_spans() {
    let text = "  SELECT 1 ;\nSELECT 2;SELECT 3  ";
    assert_eq!(stmts(text), vec!["SELECT 1", "SELECT 2", "SELECT 3"]);
    let out = split(text);
    assert_eq!(out.statements[0].span, Span::new(2, 10));
}

#[test]
fn empty_statements_produce_nothing() {
    assert_eq!(stmts(";;  ; \n;"), Vec::<&str>::new());
    assert_eq!(stmts("a;;b"), vec!["a", "b"]);
    assert!(split("").statements.is_empty());
    assert!(split("   \n -- only a comment\n").statements.is_empty());
}

#[test]
fn single_quoted_strings() {
    assert_eq!(
        stmts("SELECT 'a;b''c;'; SELECT 2"),
        vec!["SELECT 'a;b''c;'", "SELECT 2"]
    );
    assert_eq!(tokens("'it''s'"), vec![(TokenKind::String, "'it''s'")]);
}

#[test]
fn escape_strings() {
    assert_eq!(
        stmts(r"SELECT E'a\';b'; SELECT e'\\'; SELECT 3"),
        vec![r"SELECT E'a\';b'", r"SELECT e'\\'", "SELECT 3"]
    );
    // A backslash in a plain string is just a character.
    assert_eq!(
        stmts(r"SELECT 'a\'; SELECT 2"),
        vec![r"SELECT 'a\'", "SELECT 2"]
    );
    // `E` at the end of an identifier is not a prefix.
    assert_eq!(
        tokens("somee'x'"),
        vec![(TokenKind::Word, "somee"), (TokenKind::String, "'x'")]
    );
}

#[test]
fn unicode_and_prefixed_strings() {
    assert_eq!(
        tokens(r"U&'d\0061t;a' u&'x' B'101' X'1F' N'n;'"),
        vec![
            (TokenKind::String, r"U&'d\0061t;a'"),
            (TokenKind::String, "u&'x'"),
            (TokenKind::String, "B'101'"),
            (TokenKind::String, "X'1F'"),
            (TokenKind::String, "N'n;'"),
        ]
    );
    assert_eq!(
        tokens(r#"U&"a;b""#),
        vec![(TokenKind::QuotedIdent, r#"U&"a;b""#)]
    );
}

#[test]
fn quoted_identifiers() {
    assert_eq!(
        stmts(r#"DROP TABLE "we;ird""name"; SELECT 2"#),
        vec![r#"DROP TABLE "we;ird""name""#, "SELECT 2"]
    );
}

#[test]
fn dollar_quotes() {
    let text = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n\
                    CREATE FUNCTION g() AS $body$ a; $$ b; $body$;\nSELECT 3";
    assert_eq!(
        stmts(text),
        vec![
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
            "CREATE FUNCTION g() AS $body$ a; $$ b; $body$",
            "SELECT 3"
        ]
    );
    assert_eq!(
        tokens("$_$ a $_$ $function$;$function$"),
        vec![
            (TokenKind::DollarString, "$_$ a $_$"),
            (TokenKind::DollarString, "$function$;$function$")
        ]
    );
    // Tags are case-sensitive and must match exactly.
    assert_eq!(
        tokens("$a$ $A$ ; $a$"),
        vec![(TokenKind::DollarString, "$a$ $A$ ; $a$")]
    );
    // Multi-byte tag characters.
    assert_eq!(
        tokens("$é$;$é$ x"),
        vec![(TokenKind::DollarString, "$é$;$é$"), (TokenKind::Word, "x")]
    );
}

#[test]
fn parameters_are_not_dollar_quotes() {
    assert_eq!(
        tokens("$1 $22;"),
        vec![
            (TokenKind::Param, "$1"),
            (TokenKind::Param, "$22"),
            (TokenKind::Punct, ";")
        ]
    );
    assert_eq!(
        stmts("PREPARE p AS SELECT $1; SELECT $2"),
        vec!["PREPARE p AS SELECT $1", "SELECT $2"]
    );
    // `$` inside an identifier is part of it; `$1$` is not a tag.
    assert_eq!(tokens("a$b$"), vec![(TokenKind::Word, "a$b$")]);
    assert_eq!(
        tokens("$1$x"),
        vec![
            (TokenKind::Param, "$1"),
            (TokenKind::Punct, "$"),
            (TokenKind::Word, "x")
        ]
    );
}

#[test]
fn line_comments() {
    let text = "-- lead; comment\nSELECT 1 -- trailing; x\n; SELECT 2";
    assert_eq!(stmts(text), vec!["SELECT 1", "SELECT 2"]);
    let out = split(text);
    assert_eq!(out.comments.len(), 2);
    assert_eq!(out.comments[0].body, " lead; comment");
    assert!(out.comments[0].line_comment);
    assert_eq!(&text[out.comments[1].span.range()], "-- trailing; x");
}

#[test]
fn nested_block_comments() {
    let text = "/* a /* b; */ still; */ SELECT 1; /* c */";
    assert_eq!(stmts(text), vec!["SELECT 1"]);
    let out = split(text);
    assert_eq!(out.comments.len(), 2);
    assert_eq!(
        &text[out.comments[0].span.range()],
        "/* a /* b; */ still; */"
    );
    assert_eq!(out.comments[0].body, " a /* b; */ still; ");
    assert!(!out.comments[0].line_comment);
    assert_eq!(out.comments[1].body, " c ");
}

#[test]
fn comments_inside_statements_are_collected_in_order() {
    let text = "SELECT /* x */ 1 -- y\n, 2; -- z";
    let out = split(text);
    assert_eq!(stmts(text), vec!["SELECT /* x */ 1 -- y\n, 2"]);
    let bodies: Vec<_> = out.comments.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(bodies, vec![" x ", " y", " z"]);
}

#[test]
fn psql_meta_commands() {
    let text = "\\set ON_ERROR_STOP on\nSELECT 1;\n  \\i file.sql  \r\nSELECT '\\x';";
    let out = split(text);
    let got: Vec<_> = out
        .statements
        .iter()
        .map(|s| (&text[s.span.range()], s.meta))
        .collect();
    assert_eq!(
        got,
        vec![
            ("\\set ON_ERROR_STOP on", true),
            ("SELECT 1", false),
            ("\\i file.sql", true),
            ("SELECT '\\x'", false),
        ]
    );
    // psql reads a backslash anywhere outside quotes as a meta-command: `\gexec` after a
    // query runs it, and the next line is a new statement.
    assert_eq!(
        stmts("SELECT 'x' \\gexec\nDROP TABLE users;\nSELECT \"a\\b\", E'\\\\' \\gset"),
        vec![
            "SELECT 'x'",
            "\\gexec",
            "DROP TABLE users",
            "SELECT \"a\\b\", E'\\\\'",
            "\\gset"
        ]
    );
    // A meta-command ends a statement in progress (like `\g`).
    assert_eq!(
        stmts("SELECT 1\n\\g\nSELECT 2"),
        vec!["SELECT 1", "\\g", "SELECT 2"]
    );
}

#[test]
fn copy_from_stdin_data_is_skipped() {
    let text = "COPY t (a, b) FROM stdin;\n1\t'x;\n\\N\t$$\n\\.\nSELECT 1;\r\nCOPY t FROM STDIN;\r\n2\r\n\\.\r\nSELECT 2;COPY t TO STDOUT; SELECT 3";
    assert_eq!(
        stmts(text),
        vec![
            "COPY t (a, b) FROM stdin",
            "SELECT 1",
            "COPY t FROM STDIN",
            "SELECT 2",
            "COPY t TO STDOUT",
            "SELECT 3"
        ]
    );
    assert!(split(text).errors.is_empty());
    // Data without an end marker runs to the end of the file.
    assert_eq!(stmts("COPY t FROM stdin;\n1\n2"), vec!["COPY t FROM stdin"]);
}

#[test]
fn semicolons_inside_parentheses_do_not_split() {
    assert_eq!(
        stmts("SELECT (1; 2); SELECT 3"),
        vec!["SELECT (1; 2)", "SELECT 3"]
    );
    // A stray `)` does not make the depth negative.
    assert_eq!(stmts("SELECT 1); SELECT 2"), vec!["SELECT 1)", "SELECT 2"]);
}

#[test]
fn begin_atomic_bodies() {
    let text = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n  SELECT 3;\nEND;\nSELECT 4;";
    assert_eq!(
        stmts(text),
        vec![
            "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n  SELECT 3;\nEND",
            "SELECT 4"
        ]
    );
    let text =
        "create or replace procedure p() begin atomic insert into t values (1); end; select 1";
    assert_eq!(
        stmts(text),
        vec![
            "create or replace procedure p() begin atomic insert into t values (1); end",
            "select 1"
        ]
    );
    // Plain transaction BEGIN is not a body.
    assert_eq!(
        stmts("BEGIN; CREATE TABLE t (a int); COMMIT;"),
        vec!["BEGIN", "CREATE TABLE t (a int)", "COMMIT"]
    );
    // BEGIN not followed by ATOMIC in a function statement does not open a body.
    assert_eq!(
        stmts("CREATE FUNCTION f() AS $$ x $$ LANGUAGE plpgsql; BEGIN; END"),
        vec![
            "CREATE FUNCTION f() AS $$ x $$ LANGUAGE plpgsql",
            "BEGIN",
            "END"
        ]
    );
}

#[test]
fn unterminated_string_at_end_of_file() {
    let text = "SELECT 1;\nSELECT 'abc;\nSELECT 2;";
    let out = split(text);
    assert_eq!(stmts(text), vec!["SELECT 1", "SELECT 'abc;\nSELECT 2;"]);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].message, "unterminated quoted string");
    assert_eq!(&text[out.errors[0].at.range()], "'");
    assert_eq!(out.errors[0].at.start, 17);
    let out = split("SELECT E'abc\\'");
    assert_eq!(out.errors[0].at, Span::new(7, 9));
}

#[test]
fn unterminated_identifier_comment_dollar() {
    let text = "SELECT \"abc";
    let out = split(text);
    assert_eq!(out.errors[0].message, "unterminated quoted identifier");
    assert_eq!(out.errors[0].at, Span::new(7, 8));
    assert_eq!(stmts(text), vec!["SELECT \"abc"]);

    let text = "SELECT 1; /* a /* b */ SELECT 2;";
    let out = split(text);
    assert_eq!(out.errors[0].message, "unterminated /* comment");
    assert_eq!(out.errors[0].at, Span::new(10, 12));
    assert_eq!(stmts(text), vec!["SELECT 1"]);
    assert_eq!(out.comments.len(), 1);

    let text = "DO $body$ BEGIN NULL; END $$;";
    let out = split(text);
    assert_eq!(out.errors[0].message, "unterminated dollar-quoted string");
    assert_eq!(&text[out.errors[0].at.range()], "$body$");
    assert_eq!(stmts(text), vec![text]);
}

#[test]
fn crlf_and_multibyte() {
    let text = "-- café\r\nSELECT 'é;ü' AS \"naïve\";\r\nDROP TABLE ü;\r\n";
    assert_eq!(
        stmts(text),
        vec!["SELECT 'é;ü' AS \"naïve\"", "DROP TABLE ü"]
    );
    let out = split(text);
    assert_eq!(&text[out.comments[0].span.range()], "-- café");
    assert_eq!(out.comments[0].body, " café");
    // Non-ASCII characters are identifier characters, as in PostgreSQL.
    assert_eq!(
        tokens("äb;"),
        vec![(TokenKind::Word, "äb"), (TokenKind::Punct, ";")]
    );
}

/// A tiny deterministic generator (xorshift) so the property test needs no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = (self.next() % items.len() as u64) as usize;
        items.get(i).copied().unwrap_or("")
    }
}

pub(crate) const FRAGMENTS: &[&str] = &[
    "SELECT",
    " ",
    "\n",
    "\r\n",
    ";",
    "'",
    "''",
    "E'",
    "\\",
    "\\'",
    "\"",
    "$$",
    "$a$",
    "$1",
    "$",
    "--",
    "/*",
    "*/",
    "(",
    ")",
    "BEGIN",
    " ATOMIC ",
    "END",
    "CASE",
    "CREATE FUNCTION f()",
    "DO",
    "é",
    "日本",
    "x",
    "\\set x 1\n",
    "U&'",
    "DROP TABLE t",
    "IF",
    "THEN",
    "EXCEPTION",
    "LOOP",
    "declare",
    "\t",
    "0.5",
    "a$b",
    "-",
    "/",
    "*",
    "COPY t FROM stdin",
    "\n\\.\n",
    "<<l>>",
    "WHEN",
    "ELSE",
    "EXISTS (SELECT 1 FROM pg_type)",
];

pub(crate) fn random_inputs(count: usize) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..count)
        .map(|_| {
            let n = (rng.next() % 40) as usize;
            (0..n).map(|_| rng.pick(FRAGMENTS)).collect::<String>()
        })
        .collect()
}

/// Random characters: every ASCII byte (controls included) and some multi-byte chars.
pub(crate) fn random_chars(count: usize) -> Vec<String> {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let extra = ['é', '日', '\u{feff}', '\u{a0}', '😀'];
    (0..count)
        .map(|_| {
            let n = (rng.next() % 60) as usize;
            (0..n)
                .map(|_| {
                    let r = rng.next() % 140;
                    match char::from_u32(r as u32) {
                        Some(c) if r < 128 => c,
                        _ => extra.get((r % 5) as usize).copied().unwrap_or('x'),
                    }
                })
                .collect::<String>()
        })
        .collect()
}

#[test]
fn property_spans_are_sane_on_random_input() {
    let mut inputs = random_inputs(600);
    inputs.extend(random_chars(600));
    for text in inputs {
        let out = split(&text);
        let mut last_end = 0;
        for s in &out.statements {
            assert!(
                s.span.start <= s.span.end && s.span.end <= text.len(),
                "{text:?}"
            );
            assert!(text.is_char_boundary(s.span.start), "{text:?}");
            assert!(text.is_char_boundary(s.span.end), "{text:?}");
            assert!(s.span.start >= last_end, "overlap in {text:?}");
            assert!(!s.span.is_empty(), "{text:?}");
            last_end = s.span.end;
        }
        let mut last_end = 0;
        for c in &out.comments {
            assert!(
                c.span.end <= text.len() && c.span.start >= last_end,
                "{text:?}"
            );
            assert!(text.is_char_boundary(c.span.start) && text.is_char_boundary(c.span.end));
            last_end = c.span.end;
        }
        for e in &out.errors {
            assert!(e.at.end <= text.len());
            assert!(text.is_char_boundary(e.at.start) && text.is_char_boundary(e.at.end));
        }
    }
}

#[test]
fn splits_fast_enough() {
    // A smoke check, not a benchmark: debug builds are slow, so the bar is low.
    let unit =
        "CREATE TABLE t (a int, b text DEFAULT 'x;y'); -- c\nINSERT INTO t VALUES (1, $$z$$);\n";
    let text = unit.repeat(20_000);
    let t = std::time::Instant::now();
    let out = split(&text);
    assert_eq!(out.statements.len(), 40_000);
    assert!(t.elapsed().as_secs() < 10);
}
