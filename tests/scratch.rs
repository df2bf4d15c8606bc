mod common;
use common::pg::Db;
use std::process::Command;

fn show(dir: &std::path::Path, args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_pgward")).args(args).current_dir(dir).output().unwrap();
    println!("$ pgward {}\n--- exit {:?}\n--- stdout\n{}--- stderr\n{}", args.join(" "), o.status.code(), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
}

#[test]
fn scratch() {
    let db = Db::new();
    db.exec("CREATE TABLE meetings (id int primary key, t text); INSERT INTO meetings VALUES (1,'a');");
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("migrations");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("20260107090000_init.sql"), "BEGIN;\nCREATE TABLE clients (id int);\nDO $$ BEGIN RAISE NOTICE 'Step 1/2 done'; END $$;\nCOMMIT;\n").unwrap();
    std::fs::write(m.join("20260107090100_bad.sql"), "CREATE TABLE x (id int);\nINSERT INTO x VALUES (1);\n\tINSERT INTO x VALUES ('é', 'zz');\n").unwrap();
    show(dir.path(), &["apply", "migrations", "--database-url", &db.url]);
    show(dir.path(), &["apply", "migrations", "--database-url", &db.url, "--format", "json"]);
    show(dir.path(), &["status", "migrations", "--database-url", &db.url]);
    show(dir.path(), &["apply", "--help"]);
}
