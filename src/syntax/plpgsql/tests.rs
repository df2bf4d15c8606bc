use super::*;

const DO: Span = Span { start: 0, end: 1 };

fn found(body: &str) -> Vec<(String, bool, bool, bool, bool)> {
    split_body(body, 0, DO)
        .statements
        .into_iter()
        .map(|s| {
            assert_eq!(&body[s.span.range()], s.text);
            (
                s.text,
                s.dynamic,
                s.context.exception_handler,
                s.context.existence_guard,
                s.context.extension_availability_guard,
            )
        })
        .collect()
}

fn texts(body: &str) -> Vec<String> {
    found(body).into_iter().map(|f| f.0).collect()
}

#[test]
fn keeps_sql_and_skips_plpgsql() {
    let body = "
DECLARE
  n int := 0;
  c CURSOR FOR SELECT 1;
BEGIN
  RAISE NOTICE 'dropping; END';
  PERFORM pg_sleep(0);
  n := n + 1;
  comment := 'x';
  DROP TABLE old_videos;
  SELECT count(*) INTO n FROM t;
  NULL;
  RETURN;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO log VALUES ('a;b', $q$ END; $q$);
END;";
    assert_eq!(
        texts(body),
        vec![
            "DROP TABLE old_videos",
            "INSERT INTO log VALUES ('a;b', $q$ END; $q$)"
        ]
    );
}

#[test]
fn guards_held_in_variables() {
    // Assigned in DECLARE, with :=, and by SELECT … INTO.
    for body in [
            "DECLARE has_vector boolean := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector');
BEGIN IF has_vector THEN CREATE EXTENSION vector; END IF; END",
            "DECLARE ok bool; BEGIN ok := EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'vector');
IF ok THEN CREATE EXTENSION vector; ELSE RAISE NOTICE 'no vector'; END IF; END",
            "DECLARE available boolean; BEGIN
SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') INTO available;
IF available THEN CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions; END IF; END",
            "DECLARE n int; BEGIN SELECT count(*) INTO STRICT n FROM pg_available_extensions WHERE name = 'vector';
IF n > 0 THEN CREATE EXTENSION vector; END IF; END",
        ] {
            let f = found(body);
            assert_eq!(f.len(), 1, "{body}");
            assert!(f[0].4, "not seen as an availability guard: {body}");
        }
    // A variable reassigned from something else is no guard any more.
    let f = found(
        "DECLARE ok bool := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector');
BEGIN ok := true; IF ok THEN CREATE EXTENSION vector; END IF; END",
    );
    assert!(!f[0].4);
    // An unrelated variable is not a guard.
    let f =
        found("DECLARE flag bool := true; BEGIN IF flag THEN CREATE EXTENSION vector; END IF; END");
    assert!(!f[0].4 && !f[0].3);
}

#[test]
fn execute_is_dynamic() {
    let f = found("BEGIN EXECUTE 'DROP TABLE x'; EXECUTE format('DROP TABLE %I', t); END");
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|s| s.1));
    assert_eq!(f[1].0, "EXECUTE format('DROP TABLE %I', t)");
}

#[test]
fn exception_handler_flag() {
    let body = "BEGIN
  CREATE TYPE mood AS ENUM ('a');
  BEGIN
    CREATE TABLE inner_t (a int);
  END;
EXCEPTION
  WHEN duplicate_object THEN NULL;
  WHEN others THEN DROP TABLE cleanup;
END $$";
    let f = found(body);
    assert_eq!(f.len(), 3);
    assert_eq!(
        (f[0].0.as_str(), f[0].2),
        ("CREATE TYPE mood AS ENUM ('a')", true)
    );
    assert_eq!(
        (f[1].0.as_str(), f[1].2),
        ("CREATE TABLE inner_t (a int)", true)
    );
    // The handler's own statements are not protected by it.
    assert_eq!((f[2].0.as_str(), f[2].2), ("DROP TABLE cleanup", false));
}

#[test]
fn nested_block_without_handler_inside_one_with() {
    let body = "BEGIN
  BEGIN
    DROP TABLE a;
  EXCEPTION WHEN others THEN NULL;
  END;
  DROP TABLE b;
END";
    let f = found(body);
    assert_eq!(f.len(), 2);
    assert!(f[0].2);
    assert!(!f[1].2);
}

#[test]
fn existence_guards() {
    let body = "BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
    CREATE TYPE mood AS ENUM ('a');
  ELSIF x > 1 THEN
    DROP TABLE t1;
  ELSE
    DROP TABLE t2;
  END IF;
  IF x > 0 THEN
    CREATE TABLE t3 (a int);
  END IF;
  IF EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'v') THEN
    ALTER TABLE v RENAME TO w;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    CREATE EXTENSION vector;
  END IF;
  CREATE TABLE t4 (a int);
END";
    let f = found(body);
    let got: Vec<_> = f.iter().map(|s| (s.0.as_str(), s.3, s.4)).collect();
    assert_eq!(
        got,
        vec![
            ("CREATE TYPE mood AS ENUM ('a')", true, false),
            ("DROP TABLE t1", false, false),
            ("DROP TABLE t2", true, false),
            ("CREATE TABLE t3 (a int)", false, false),
            ("ALTER TABLE v RENAME TO w", true, false),
            ("CREATE EXTENSION vector", true, true),
            ("CREATE TABLE t4 (a int)", false, false),
        ]
    );
}

#[test]
fn guards_need_a_catalog_and_to_reg_counts() {
    let body = "BEGIN
  IF EXISTS (SELECT 1 FROM users WHERE id = 1) THEN DELETE FROM users; END IF;
  IF to_regclass('public.t') IS NULL THEN CREATE TABLE t (a int); END IF;
  IF x THEN NULL; ELSEIF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 's') THEN CREATE SCHEMA s; END IF;
END;";
    let got: Vec<_> = found(body).into_iter().map(|s| (s.0, s.3)).collect();
    assert_eq!(
        got,
        vec![
            ("DELETE FROM users".to_string(), false),
            ("CREATE TABLE t (a int)".to_string(), true),
            ("CREATE SCHEMA s".to_string(), true),
        ]
    );
}

#[test]
fn crlf_multibyte_and_strings_with_keywords() {
    let body = "\r\nDECLARE\r\n  msg text := 'END; BEGIN; EXCEPTION';\r\nBEGIN\r\n  -- é; END;\r\n  INSERT INTO \"tâble\" VALUES ('日本; END IF;');\r\n  RAISE NOTICE E'it\\'s; END';\r\n  UPDATE t SET a = 'ü';\r\nEND\r\n";
    assert_eq!(
        texts(body),
        vec![
            "INSERT INTO \"tâble\" VALUES ('日本; END IF;')",
            "UPDATE t SET a = 'ü'"
        ]
    );
}

#[test]
fn if_condition_is_not_a_statement() {
    let body = "BEGIN IF (SELECT CASE WHEN true THEN 1 END) = 1 THEN DELETE FROM t; END IF; END";
    assert_eq!(texts(body), vec!["DELETE FROM t"]);
}

#[test]
fn loops_and_case() {
    let body = "<<outer>>
BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'tmp' LOOP
    EXECUTE 'DROP TABLE ' || r.tablename;
    EXIT outer WHEN r IS NULL;
  END LOOP outer;
  WHILE n < 3 LOOP n := n + 1; TRUNCATE t; END LOOP;
  LOOP EXIT; END LOOP;
  FOREACH x IN ARRAY arr LOOP UPDATE t SET a = x; END LOOP;
  CASE n
    WHEN 1, 2 THEN DROP TABLE one;
    ELSE GRANT SELECT ON t TO anon;
  END CASE;
  CASE WHEN n > 1 THEN REVOKE ALL ON t FROM anon; END CASE;
END outer;";
    let f = found(body);
    let got: Vec<_> = f.iter().map(|s| (s.0.as_str(), s.1)).collect();
    assert_eq!(
        got,
        vec![
            ("EXECUTE 'DROP TABLE ' || r.tablename", true),
            ("TRUNCATE t", false),
            ("UPDATE t SET a = x", false),
            ("DROP TABLE one", false),
            ("GRANT SELECT ON t TO anon", false),
            ("REVOKE ALL ON t FROM anon", false),
        ]
    );
}

#[test]
fn nested_dollar_quotes_and_comments() {
    let body = "BEGIN
  -- DROP TABLE in_comment;
  /* DROP TABLE in_block; */
  CREATE FUNCTION f() RETURNS int AS $f$ BEGIN DROP TABLE never; RETURN 1; END $f$ LANGUAGE plpgsql;
  ALTER TABLE t ADD COLUMN c int;
END";
    let out = split_body(body, 100, DO);
    let t: Vec<_> = out.statements.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        t,
        vec![
            "CREATE FUNCTION f() RETURNS int AS $f$ BEGIN DROP TABLE never; RETURN 1; END $f$ LANGUAGE plpgsql",
            "ALTER TABLE t ADD COLUMN c int"
        ]
    );
    assert_eq!(out.comments.len(), 2);
    // Spans are shifted into the file.
    let s = &out.statements[1];
    assert_eq!(&body[s.span.start - 100..s.span.end - 100], s.text);
    assert_eq!(s.context.in_do_block, Some(DO));
}

#[test]
fn quoted_body_maps_positions() {
    // File: DO 'BEGIN DROP TABLE ''x''; END'
    let file = "DO 'BEGIN DROP TABLE ''x''; END'";
    let raw = &file[4..file.len() - 1];
    let out = split_quoted_body(raw, 4, DO);
    assert_eq!(out.statements.len(), 1);
    assert_eq!(out.statements[0].text, "DROP TABLE 'x'");
    assert_eq!(&file[out.statements[0].span.range()], "DROP TABLE ''x''");
}

#[test]
fn unterminated_in_body() {
    let out = split_body("BEGIN DROP TABLE a; RAISE 'x; END", 10, DO);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].at, Span::new(36, 37));
    assert_eq!(out.statements.len(), 1);
}

#[test]
fn deep_nesting_does_not_exhaust_the_stack() {
    let body = format!(
        "{}DROP TABLE deep;{}",
        "BEGIN IF x THEN LOOP ".repeat(50_000),
        " END LOOP; END IF; END;".repeat(50_000)
    );
    // Run on a small stack, like a worker thread's, to prove the bound.
    let handle = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || split_body(&body, 0, DO).statements.len());
    let count = handle.ok().and_then(|h| h.join().ok());
    assert!(count.is_some());
}

#[test]
fn malformed_bodies_do_not_hang_or_panic() {
    for body in [
        "END END ELSE WHEN EXCEPTION",
        "BEGIN IF x THEN",
        "BEGIN CASE WHEN",
        "<<a",
        "DECLARE",
        "FOR x IN",
        "BEGIN EXCEPTION WHEN",
        "IF THEN ELSIF ELSE END IF",
        ";;;",
        "x :=",
    ] {
        let _ = split_body(body, 0, DO);
    }
    let mut inputs = crate::syntax::split::tests::random_inputs(400);
    inputs.extend(crate::syntax::split::tests::random_chars(400));
    for text in inputs {
        let out = split_body(&text, 0, DO);
        let mut last = 0;
        for s in &out.statements {
            assert!(s.span.start >= last && s.span.end <= text.len(), "{text:?}");
            assert!(text.is_char_boundary(s.span.start) && text.is_char_boundary(s.span.end));
            last = s.span.end;
        }
    }
}
