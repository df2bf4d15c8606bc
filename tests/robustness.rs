//! Robustness of the whole pipeline (split, parse, DO bodies, catalog replay, rules) on hostile
//! and random input: property tests over random bytes, SQL token soup and mutated migrations,
//! plus one test per hostile input of issue 6. Every input must not panic, must finish, must
//! give statement spans that are in bounds, on character boundaries, ordered and non-overlapping,
//! and must give identical output on a second run and for any thread count.

use pgward::engine::{self, CheckInput, CheckOutput};
use pgward::syntax::{self, ParsedFile, Stmt};
use pgward::{Config, SourceFile};
use std::time::{Duration, Instant};

#[path = "../benches/support/corpus.rs"]
mod corpus;

use corpus::Rng;

/// Checks the span invariants of one parsed text; panics with the input on a violation.
fn assert_spans(text: &str, parsed: &ParsedFile) {
    let ok = |s: pgward::Span| {
        s.start <= s.end
            && s.end <= text.len()
            && text.is_char_boundary(s.start)
            && text.is_char_boundary(s.end)
    };
    // Top-level statements: in bounds, ordered, non-overlapping. Statements from a DO body lie
    // inside their DO statement, ordered and non-overlapping among themselves.
    let mut last_top_end = 0;
    let mut last_inner: Option<(pgward::Span, usize)> = None;
    for s in &parsed.statements {
        assert!(
            ok(s.span),
            "statement span {:?} out of bounds in {text:?}",
            s.span
        );
        match s.context.in_do_block {
            None => {
                assert!(
                    s.span.start >= last_top_end,
                    "overlapping statements at {:?} in {text:?}",
                    s.span
                );
                last_top_end = s.span.end;
            }
            Some(do_span) => {
                assert!(ok(do_span), "{text:?}");
                assert!(
                    s.span.start >= do_span.start && s.span.end <= do_span.end,
                    "DO body statement {:?} outside its DO {do_span:?} in {text:?}",
                    s.span
                );
                if let Some((prev_do, prev_end)) = last_inner
                    && prev_do == do_span
                {
                    assert!(s.span.start >= prev_end, "overlap in DO body: {text:?}");
                }
                last_inner = Some((do_span, s.span.end));
            }
        }
        match &s.kind {
            Stmt::Invalid { at, .. } => assert!(ok(*at), "{text:?}"),
            Stmt::Do { body } => assert!(ok(*body), "{text:?}"),
            _ => {}
        }
    }
    let mut last = 0;
    for c in &parsed.comments {
        assert!(
            ok(c.span) && c.span.start >= last,
            "comment {:?} in {text:?}",
            c.span
        );
        last = c.span.start;
    }
}

fn assert_output(out: &CheckOutput) {
    for d in &out.diagnostics {
        let file = &out.workspace.files[d.file];
        let text = &file.source.text;
        assert!(
            d.span.end <= text.len()
                && text.is_char_boundary(d.span.start)
                && text.is_char_boundary(d.span.end),
            "diagnostic {d:?} out of bounds"
        );
        // Every position converts (what the reporters do).
        let _ = file.source.lines.line_col(text, d.span.end);
        let _ = file.source.lines.utf16(text, d.span.end);
    }
}

/// What must not change between runs: every statement and every diagnostic.
fn fingerprint(out: &CheckOutput) -> String {
    let mut s = String::new();
    for f in &out.workspace.files {
        s.push_str(&format!(
            "{:?}\n{:?}\n",
            f.parsed.statements, f.parsed.comments
        ));
    }
    s.push_str(&format!("{:?}", out.diagnostics));
    s
}

fn check_set(texts: &[String], threads: usize) -> CheckOutput {
    let inputs = texts
        .iter()
        .enumerate()
        .map(|(i, t)| CheckInput {
            source: SourceFile::new(format!("{i:04}_f.sql"), t.clone()),
            report: true,
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| panic!("thread pool: {e}"));
    pool.install(|| engine::check(inputs, &Config::default()))
}

/// The property every input must have (one file checked on its own, twice).
fn property(text: &str) {
    let parsed = syntax::parse_file(text);
    assert_spans(text, &parsed);
    let again = syntax::parse_file(text);
    assert_eq!(
        format!("{:?}", parsed.statements),
        format!("{:?}", again.statements),
        "parse not deterministic for {text:?}"
    );
    let out = engine::check(
        vec![CheckInput {
            source: SourceFile::new("x.sql", text),
            report: true,
        }],
        &Config::default(),
    );
    assert_output(&out);
}

const SOUP: &[&str] = &[
    "CREATE ",
    "TABLE ",
    "INDEX ",
    "CONCURRENTLY ",
    "UNIQUE ",
    "ALTER ",
    "DROP ",
    "ADD ",
    "COLUMN ",
    "IF ",
    "NOT ",
    "EXISTS ",
    "POLICY ",
    "ON ",
    "FOR ",
    "TO ",
    "USING ",
    "WITH ",
    "CHECK ",
    "PUBLICATION ",
    "supabase_realtime ",
    "SET ",
    "SCHEMA ",
    "RENAME ",
    "TRUNCATE ",
    "CASCADE ",
    "REFERENCES ",
    "PRIMARY KEY ",
    "FOREIGN KEY ",
    "CONSTRAINT ",
    "DEFAULT ",
    "FUNCTION ",
    "RETURNS ",
    "TRIGGER ",
    "LANGUAGE ",
    "plpgsql ",
    "DO ",
    "BEGIN ",
    "END ",
    "COMMIT",
    "ROLLBACK",
    "EXCEPTION ",
    "WHEN ",
    "THEN ",
    "ELSE ",
    "LOOP ",
    "EXECUTE ",
    "RAISE ",
    "PERFORM ",
    "DECLARE ",
    "ATOMIC ",
    "GRANT ",
    "REVOKE ",
    "INSERT INTO ",
    "VALUES ",
    "SELECT ",
    "FROM ",
    "WHERE ",
    "pg_type ",
    "ENABLE ROW LEVEL SECURITY ",
    "users ",
    "auth.users ",
    "public.",
    "\"Q\"",
    "\"a\"\"b\" ",
    "t ",
    "x ",
    "id ",
    "uuid ",
    "int ",
    "text[] ",
    "1 ",
    "0.5 ",
    "$1 ",
    "'",
    "''",
    "'str' ",
    "E'\\'",
    "E'\\\\' ",
    "U&'",
    "\"",
    "$$",
    "$a$",
    "$b$ ",
    "$",
    "--",
    "-- pgward-ignore parse-error\n",
    "/*",
    "*/",
    "/* c */ ",
    "(",
    ")",
    "((",
    "))",
    "[",
    "]",
    ",",
    ",,",
    ".",
    ";",
    ";\n",
    ":=",
    "::",
    "=",
    "\n",
    "\r\n",
    "\t",
    " ",
    "\\set x 1\n",
    "\\.\n",
    "é",
    "日本",
    "😀",
    "\u{feff}",
    "\0",
];

fn soup(rng: &mut Rng, max: u64) -> String {
    let n = rng.below(max);
    (0..n).map(|_| rng.pick(SOUP)).collect()
}

fn random_bytes(rng: &mut Rng, max: u64) -> String {
    let n = rng.below(max) as usize;
    let bytes: Vec<u8> = (0..n).map(|_| rng.below(256) as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Fixtures and generated migrations, the seeds for mutations.
fn seeds() -> Vec<String> {
    let mut out: Vec<String> = corpus::generate(12, 9)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "sql")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                out.push(text);
            }
        }
    }
    out.sort();
    out
}

fn char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let len = text.len().max(1) as u64;
    let a = char_boundary(text, rng.below(len) as usize);
    let b = char_boundary(text, a + rng.below(64) as usize);
    let mut s = String::with_capacity(text.len() + 64);
    match rng.below(5) {
        // Delete a range.
        0 => {
            s.push_str(&text[..a]);
            s.push_str(&text[b..]);
        }
        // Duplicate a range.
        1 => {
            s.push_str(&text[..b]);
            s.push_str(&text[a..]);
        }
        // Insert a fragment.
        2 => {
            s.push_str(&text[..a]);
            s.push_str(rng.pick(SOUP));
            s.push_str(&text[a..]);
        }
        // Truncate.
        3 => s.push_str(&text[..a]),
        // Replace a range with soup.
        _ => {
            s.push_str(&text[..a]);
            s.push_str(&soup(rng, 6));
            s.push_str(&text[b..]);
        }
    }
    s
}

#[test]
fn property_random_bytes() {
    let mut rng = Rng(0xB17E5);
    for _ in 0..400 {
        property(&random_bytes(&mut rng, 200));
    }
}

#[test]
fn property_token_soup() {
    let mut rng = Rng(0x50_0B);
    for _ in 0..600 {
        property(&soup(&mut rng, 40));
    }
}

#[test]
fn property_mutated_migrations() {
    let mut rng = Rng(0x3A7E);
    let seeds = seeds();
    for i in 0..300 {
        let seed = &seeds[i % seeds.len()];
        let mut text = mutate(&mut rng, seed);
        for _ in 0..rng.below(3) {
            text = mutate(&mut rng, &text);
        }
        property(&text);
    }
}

/// Output order and content do not depend on the thread count, nor on the run.
#[test]
fn same_output_for_any_thread_count_and_run() {
    let mut rng = Rng(0x7E4D);
    let mut texts: Vec<String> = corpus::generate(40, 3)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let seeds = seeds();
    for i in 0..40 {
        texts.push(mutate(&mut rng, &seeds[i % seeds.len()]));
        texts.push(soup(&mut rng, 30));
    }
    let first = fingerprint(&check_set(&texts, 1));
    assert!(
        first.contains("Diagnostic"),
        "the set should produce diagnostics"
    );
    for threads in [2, 8, 1] {
        assert_eq!(
            first,
            fingerprint(&check_set(&texts, threads)),
            "{threads} threads"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile input.

/// Runs `f` and fails if it takes longer than `limit` (a hang shows up as a failure, not as a
/// stuck test run).
fn within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let v = f();
    assert!(t.elapsed() < limit, "{what} took {:?}", t.elapsed());
    v
}

fn check_one(text: String) -> CheckOutput {
    let out = engine::check(
        vec![CheckInput {
            source: SourceFile::new("hostile.sql", text),
            report: true,
        }],
        &Config::default(),
    );
    assert_output(&out);
    out
}

fn rules_of(out: &CheckOutput) -> Vec<&'static str> {
    out.diagnostics.iter().map(|d| d.rule).collect()
}

#[test]
fn deeply_nested_parentheses_are_a_diagnostic_not_a_stack_overflow() {
    let depth = 100_000;
    for (prefix, suffix) in [
        ("SELECT ", ";"),
        ("CREATE TABLE t (a int CHECK ", ");"),
        ("DO $$ BEGIN DELETE FROM t WHERE x = ", "; END $$;"),
        ("INSERT INTO t VALUES ", ";"),
    ] {
        let text = format!(
            "{prefix}{}1{}{suffix}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let out = within(Duration::from_secs(20), "nested parens", || check_one(text));
        // PostgreSQL's parser itself refuses this depth (a parse-error with its message), or
        // the model says it is too deep to analyse.
        let deep = out.diagnostics.iter().any(|d| {
            d.rule == "parse-error" || d.message.contains("too deep") || d.message.contains("nest")
        });
        assert!(deep, "{prefix}: {:?}", rules_of(&out));
    }
    // Unbalanced: a parse error at the first unclosed parenthesis.
    let text = format!("SELECT {}1;", "(".repeat(depth));
    let out = check_one(text);
    assert!(rules_of(&out).contains(&"parse-error"));
}

#[test]
fn deeply_nested_brackets_and_operators_finish() {
    for text in [
        format!("SELECT ARRAY{}1{};", "[".repeat(20_000), "]".repeat(20_000)),
        format!("SELECT {}1;", "- ".repeat(20_000)),
        format!("SELECT {}true;", "NOT ".repeat(20_000)),
        format!(
            "SELECT {}1{};",
            "CASE WHEN x THEN ".repeat(5_000),
            " END".repeat(5_000)
        ),
        format!("DO $$ {} $$;", "BEGIN ".repeat(20_000)),
        format!("DO $$ BEGIN {} END $$;", "IF x THEN ".repeat(20_000)),
    ] {
        // Finishing without a stack overflow is the property; the spans are checked inside.
        let out = within(Duration::from_secs(20), "deep nesting", || check_one(text));
        assert!(!out.workspace.files[0].parsed.statements.is_empty());
    }
}

#[test]
fn nul_bytes_and_control_characters() {
    let text = "CREATE TABLE t\0 (a int);\0\0\nDROP TABLE \0users;\u{1}\u{7f}".to_string();
    let out = check_one(text);
    assert!(!out.workspace.files[0].parsed.statements.is_empty());
}

#[test]
fn unterminated_at_the_end_of_a_big_file() {
    let body: String = corpus::generate(300, 5)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    for (tail, expect) in [
        ("SELECT 'never closed", "unterminated quoted string"),
        ("/* never closed", "unterminated /* comment"),
        ("DO $tag$ BEGIN", "unterminated dollar-quoted string"),
        ("SELECT \"never closed", "unterminated quoted identifier"),
    ] {
        let text = format!("{body}\n{tail}");
        let at = body.len() + 1;
        let out = within(Duration::from_secs(60), tail, || check_one(text));
        let d = out
            .diagnostics
            .iter()
            .find(|d| d.rule == "parse-error" && d.span.start >= at)
            .unwrap_or_else(|| panic!("{tail}: no parse-error at the end"));
        assert!(d.message.contains(expect), "{tail}: {}", d.message);
    }
}

#[test]
fn a_long_single_line_and_many_tiny_statements() {
    // 2 MB on one line in debug builds (the release-built benches cover 10 MB); the point is
    // that nothing is quadratic in the line length or the statement count.
    let line = "SELECT 1;".repeat(220_000);
    let out = within(Duration::from_secs(90), "long line", || check_one(line));
    assert_eq!(out.workspace.files[0].parsed.statements.len(), 220_000);
    // One huge string literal on one line.
    let text = format!("INSERT INTO t VALUES ('{}');", "x".repeat(4_000_000));
    let out = within(Duration::from_secs(30), "huge literal", || check_one(text));
    assert_eq!(out.workspace.files[0].parsed.statements.len(), 1);
}

#[test]
fn diagnostics_on_a_long_line_are_not_quadratic_to_position() {
    // Many diagnostics on one long line: line/column conversion must stay fast.
    let text = "DROP TABLE x;".repeat(50_000);
    let out = check_one(text);
    let f = &out.workspace.files[0].source;
    within(Duration::from_secs(20), "positions", || {
        for d in &out.diagnostics {
            let _ = f.lines.line_col(&f.text, d.span.start);
        }
    });
}

#[test]
fn invalid_utf8_lossy_text_is_checked() {
    let bytes = b"CREATE TABLE t (a int);\xff\xfe DROP TABLE \xc3(users);";
    let text = String::from_utf8_lossy(bytes).into_owned();
    let out = check_one(text);
    assert!(!out.workspace.files[0].parsed.statements.is_empty());
}
