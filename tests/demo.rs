//! The README's demo: `pgward check fixtures/demo` from the repository root, with the
//! repository's own pgward.toml (given explicitly, so the test does not depend on discovery).

use std::process::Command;

fn run(format: &str) -> (i32, String) {
    run_with(format, &[])
}

fn run_with(format: &str, extra: &[&str]) -> (i32, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_pgward"))
        .arg("check")
        .args(extra)
        .args([
            "--config",
            "pgward.toml",
            "--color",
            "never",
            "--format",
            format,
            "fixtures/demo",
        ])
        .current_dir(root)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run pgward");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn demo_human() {
    let (code, stdout) = run("human");
    assert_eq!(code, 1, "the demo has errors: {stdout}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn demo_json() {
    let (code, stdout) = run("json");
    assert_eq!(code, 1, "the demo has errors: {stdout}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let rules: Vec<&str> = value
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["rule"].as_str()).collect())
        .unwrap_or_default();
    // The four mistakes the README promises.
    for rule in [
        "protected-table-drop",
        "transaction-wrapper",
        "non-idempotent-ddl",
        "concurrent-in-transaction",
    ] {
        assert!(rules.contains(&rule), "{rule} missing: {rules:?}");
    }
    insta::assert_snapshot!(stdout);
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let (_, many) = run("json");
    let (_, one) = run_with("json", &["--threads", "1"]);
    assert_eq!(many, one);
}
