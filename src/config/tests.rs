use super::*;

#[test]
fn unknown_key_is_an_error_with_its_line() {
    let err = Config::from_toml("[rules]\nignroe = []\n", Path::new("pgward.toml")).unwrap_err();
    assert!(err.message.contains("ignroe"), "{err}");
    assert_eq!(err.line, Some(2));
}

#[test]
fn defaults() {
    let c = Config::from_toml("", Path::new("x/pgward.toml")).unwrap();
    assert_eq!(c.indexes.user_columns, vec!["user_id"]);
    assert_eq!(c.rls.exposed_schemas, vec!["public"]);
    assert!(c.realtime.is_none());
    assert_eq!(c.postgres_version.major(), 15);
}

#[test]
fn max_blocking_size_reads_human_sizes_and_rejects_the_rest_with_its_line() {
    let c = Config::from_toml("", Path::new("pgward.toml")).unwrap();
    assert_eq!(c.apply.max_blocking_bytes(), 100 * 1024 * 1024);
    for (text, bytes) in [
        ("\"100MB\"", 100 << 20),
        ("\"1.5GB\"", 3 << 29),
        ("\"512 kB\"", 512 << 10),
        ("\"2TiB\"", 2 << 40),
        ("\"0\"", 0),
        ("4096", 4096),
        ("\"8mb\"", 8 << 20),
    ] {
        let c = Config::from_toml(
            &format!("[apply]\nmax_blocking_size = {text}\n"),
            Path::new("pgward.toml"),
        )
        .unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(c.apply.max_blocking_bytes(), bytes, "{text}");
    }
    for bad in [
        "\"100 parsecs\"",
        "\"MB\"",
        "\"1.\"",
        "-5",
        "\"\"",
        "\"1e9\"",
        "true",
    ] {
        let err = Config::from_toml(
            &format!("[apply]\nmax_blocking_size = {bad}\n"),
            Path::new("pgward.toml"),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(2), "{bad}: {err}");
        assert!(
            err.message.contains("max_blocking_size") || err.message.contains("a size like"),
            "{bad}: {err}"
        );
    }
    assert_eq!(ByteSize::human(100 << 20), "100 MB");
    assert_eq!(ByteSize::human(3 << 29), "1.5 GB");
    assert_eq!(ByteSize::human(812), "812 bytes");
}

#[test]
fn postgres_version() {
    let c = Config::from_toml("postgres_version = 17\n", Path::new("pgward.toml")).unwrap();
    assert_eq!(c.postgres_version.major(), 17);
    assert_eq!(c.parse_options().pg_version.major(), 17);
    for bad in [
        "postgres_version = 12",
        "postgres_version = 19",
        "postgres_version = \"15\"",
    ] {
        let err = Config::from_toml(
            &format!("migrations_dir = \"m\"\n{bad}\n"),
            Path::new("pgward.toml"),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(2), "{bad}: {err}");
        assert!(
            err.message.contains("postgres_version") || err.message.contains("integer"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn protected_tables_match_names_globs_schemas_and_quotes() {
    let p = ProtectedTables::new(&[
        "users",
        "USAGE_*",
        "app.Accounts",
        "\"Mixed\"",
        "\"my.schema\".\"T\"",
    ]);
    assert!(p.is_protected("public", "users"));
    assert!(!p.is_protected("other", "users"));
    assert!(!p.is_protected("public", "Users"));
    assert!(p.is_protected("public", "usage_alerts"));
    assert!(p.is_protected("app", "accounts"));
    assert!(p.is_protected("public", "Mixed"));
    assert!(!p.is_protected("public", "mixed"));
    assert!(p.is_protected("my.schema", "T"));
    assert!(p.is_protected("auth", "anything"));
    assert!(p.is_protected("storage", "objects"));
    assert!(p.is_schema_protected("app"));
    assert!(p.is_schema_protected("public"));
    assert!(p.is_schema_protected("auth"));
    assert!(!p.is_schema_protected("archive"));
    assert_eq!(
        p.literal_tables(),
        vec![
            ("public".to_string(), "users".to_string()),
            ("app".to_string(), "accounts".to_string()),
            ("public".to_string(), "Mixed".to_string()),
            ("my.schema".to_string(), "T".to_string()),
        ]
    );
}

#[test]
fn check_after_is_a_version_and_files_up_to_it_are_context() {
    let c = Config::from_toml(
        "runner = \"supabase\"\n[check]\nafter = \"20240101000000\"\n",
        Path::new("pgward.toml"),
    )
    .unwrap();
    assert!(c.before_after(Path::new("20230101000000_old.sql")));
    assert!(c.before_after(Path::new("20240101000000_baseline_point.sql")));
    assert!(!c.before_after(Path::new("20240101000001_new.sql")));
    let flyway = Config::from_toml(
        "runner = \"flyway\"\n[check]\nafter = \"V1.2\"\n",
        Path::new("pgward.toml"),
    )
    .unwrap();
    assert!(flyway.before_after(Path::new("V1_1__a.sql")));
    assert!(!flyway.before_after(Path::new("V1.10__b.sql")));
    assert!(!flyway.before_after(Path::new("R__views.sql")));
    let err = Config::from_toml("[check]\nafter = \"last-week\"\n", Path::new("pgward.toml"))
        .unwrap_err();
    assert_eq!(err.line, Some(2), "{err}");
    assert!(err.message.contains("[check] after"), "{err}");
    assert!(Config::default().after_version().is_none());
}

#[test]
fn files_exclude_globs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let c = Config::from_toml(
        "[files]\nexclude = [\"db/archive\", \"seed.sql\", \"db/*_draft.sql\"]\n",
        &root.join("pgward.toml"),
    )
    .unwrap();
    assert!(c.is_excluded(&root.join("db/archive/1_x.sql")));
    assert!(c.is_excluded(&root.join("db/archive/deep/2_y.sql")));
    assert!(c.is_excluded(&root.join("db/sub/seed.sql")));
    assert!(c.is_excluded(&root.join("db/3_draft.sql")));
    assert!(!c.is_excluded(&root.join("db/sub/3_draft.sql")));
    assert!(!c.is_excluded(&root.join("db/1_x.sql")));
    let err =
        Config::from_toml("[files]\nexclude = [\"[\"]\n", Path::new("pgward.toml")).unwrap_err();
    assert!(err.message.contains("[files] exclude"), "{err}");
}

#[test]
fn one_discovery_nearest_the_file_then_the_cwd() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::create_dir_all(root.join("c")).unwrap();
    std::fs::write(root.join("pgward.toml"), "").unwrap();
    std::fs::write(root.join("a/pgward.toml"), "").unwrap();
    let near = Config::find(None, Some(Path::new("a/b/1.sql")), &root);
    assert_eq!(near, Some(root.join("a/pgward.toml")));
    let from_cwd = Config::find(None, Some(Path::new("c")), &root);
    assert_eq!(from_cwd, Some(root.join("pgward.toml")));
    assert_eq!(
        Config::find(None, None, &root.join("a/b")),
        Some(root.join("a/pgward.toml"))
    );
    std::fs::write(root.join("a/pgward.toml"), "bogus = 1\n").unwrap();
    let err = Config::resolve(None, Some(Path::new("a/b/1.sql")), &root).unwrap_err();
    assert_eq!(err.path, root.join("a/pgward.toml"));
    assert_eq!(
        err.shown_from(&root),
        format!("a/pgward.toml:1: {}", err.message)
    );
}
