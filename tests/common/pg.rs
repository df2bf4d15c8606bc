//! A throwaway PostgreSQL cluster for the apply tests: `initdb` + `pg_ctl` on a free port on
//! 127.0.0.1, one per test binary, a fresh database per test. Host connections need a password
//! (scram), so every test also exercises password handling and redaction.
//!
//! The cluster is stopped (`pg_ctl stop -m immediate`) and its directory removed by a small
//! watchdog process as soon as the test binary exits, however it exits (pass, panic, abort):
//! a static's Drop never runs, a watchdog always does.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const PASSWORD: &str = "s3cret-pw";

pub struct Cluster {
    pub port: u16,
    pub bin: PathBuf,
    pub dir: PathBuf,
    pub sock: PathBuf,
}

fn find_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p).find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    });
    if on_path.is_some() {
        return on_path;
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    versions.into_iter().next().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A command run as the `postgres` OS user when we are root (the server refuses to run as root).
fn pg_command(bin: &Path, tool: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    }
}

fn run(mut cmd: Command, what: &str) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

impl Cluster {
    // The watchdog must outlive this process: it is never waited for, on purpose.
    #[allow(clippy::zombie_processes)]
    fn start() -> Cluster {
        let bin = find_bin().unwrap_or_else(|| {
            panic!(
                "PostgreSQL server binaries (initdb, pg_ctl) not found: install them with `apt-get install postgresql`"
            )
        });
        let dir = tempfile::Builder::new()
            .prefix("pgward-pg-")
            .tempdir_in("/tmp")
            .expect("temp dir")
            .keep();
        let data = dir.join("data");
        let sock = dir.join("sock");
        std::fs::create_dir_all(&sock).expect("socket dir");
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.args(["-R", "postgres:postgres"]).arg(&dir);
                    c
                },
                "chown",
            );
        }
        let pwfile = dir.join("pw");
        std::fs::write(&pwfile, PASSWORD).expect("password file");
        if is_root() {
            let _ = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&pwfile)
                .status();
        }
        let mut initdb = pg_command(&bin, "initdb");
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .args(["--no-sync", "-E", "UTF8", "--locale=C"]);
        run(initdb, "initdb");
        write_tls_cert(&data);
        let port = free_port();
        // Stop and clean up when this test binary exits, whatever the way.
        let watchdog = format!(
            "while [ -d /proc/{pid} ]; do sleep 0.3; done; {pgctl} -D '{data}' stop -m immediate >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            pgctl = if is_root() {
                format!("runuser -u postgres -- '{}'", bin.join("pg_ctl").display())
            } else {
                format!("'{}'", bin.join("pg_ctl").display())
            },
            data = data.display(),
            dir = dir.display(),
        );
        Command::new("sh")
            .args(["-c", &watchdog])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("watchdog");
        let mut start = pg_command(&bin, "pg_ctl");
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50 -c ssl=on",
                sock.display()
            ))
            .args(["-w", "-t", "60", "start"]);
        run(start, "pg_ctl start");
        Cluster {
            port,
            bin,
            dir,
            sock,
        }
    }

    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(db), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to {db}: {e}"))
    }
}

pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

/// A fresh, empty database for one test.
pub struct Db {
    pub name: String,
    pub url: String,
}

impl Db {
    pub fn new() -> Db {
        static N: AtomicUsize = AtomicUsize::new(0);
        let c = cluster();
        let name = format!("t_{}", N.fetch_add(1, Ordering::SeqCst));
        let mut admin = c.client("postgres");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        Db {
            url: c.url(&name),
            name,
        }
    }

    pub fn client(&self) -> postgres::Client {
        cluster().client(&self.name)
    }

    /// Run SQL and return the first column of every row as text (NULL as "NULL").
    pub fn query(&self, sql: &str) -> Vec<String> {
        let mut c = self.client();
        c.simple_query(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => {
                    Some(r.get(0).unwrap_or("NULL").to_string())
                }
                _ => None,
            })
            .collect()
    }

    pub fn exec(&self, sql: &str) {
        self.client()
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    pub fn table_exists(&self, name: &str) -> bool {
        self.query(&format!("SELECT to_regclass('{name}') IS NOT NULL")) == ["t"]
    }

    /// Rows of pgward's history (file names in order), empty when the table does not exist.
    pub fn history(&self) -> Vec<String> {
        if !self.table_exists("pgward.schema_history") {
            return Vec::new();
        }
        self.query("SELECT file_name FROM pgward.schema_history ORDER BY file_name")
    }
}

/// A throwaway self-signed certificate, so `sslmode=require` (what Supabase needs) is tested.
fn write_tls_cert(data: &Path) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let cert = params.self_signed(&key).expect("self-signed");
    let crt = data.join("server.crt");
    let pem = data.join("server.key");
    std::fs::write(&crt, cert.pem()).expect("write cert");
    std::fs::write(&pem, key.serialize_pem()).expect("write key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pem, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    if is_root() {
        let _ = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&crt)
            .arg(&pem)
            .status();
    }
}
