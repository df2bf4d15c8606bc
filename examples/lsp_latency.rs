//! Edit-to-diagnostics latency of `pgward lsp` as an editor sees it: a real client over stdio
//! (Content-Length frames), timing each `didChange` until the `publishDiagnostics` of that
//! version arrives, debounce included.
//!
//! ```text
//! cargo build --release && cargo run --release --example lsp_latency -- [CONTEXT] [LINES] [EDITS] [PGWARD]
//! ```
//! A temporary project with `migrations_dir`, CONTEXT generated migrations (default 200) and a
//! buffer of about LINES lines (default 5,000) in the middle of them; EDITS keystrokes (default
//! 30) at places spread over the buffer. PGWARD defaults to `target/release/pgward`.
//!
//! `lsp_latency --in-process [CONTEXT] [LINES] [EDITS]`: the same edits through the server's
//! own `Store` in this process, each stage of the work per edit timed on its own (decoding the
//! message, context, re-parse, prefix, replay, rules, conversion to LSP, JSON): a loop for
//! `perf record`.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn frames(stdout: impl Read + Send + 'static) -> Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut length = None;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    length = v.parse::<usize>().ok();
                }
            }
            let Some(n) = length else { return };
            let mut body = vec![0; n];
            if r.read_exact(&mut body).is_err() {
                return;
            }
            let Ok(v) = serde_json::from_slice::<Value>(&body) else {
                return;
            };
            if tx.send(v).is_err() {
                return;
            }
        }
    });
    rx
}

fn send(stdin: &mut impl Write, msg: &Value) {
    let body = msg.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
    stdin.flush().expect("flush");
}

/// Wait for the diagnostics of `version` of `uri`; how many there were.
fn published(rx: &Receiver<Value>, uri: &str, version: i64) -> usize {
    loop {
        let msg = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("publishDiagnostics within 60 s");
        if msg["method"] == "textDocument/publishDiagnostics"
            && msg["params"]["uri"] == uri
            && msg["params"]["version"] == version
        {
            return msg["params"]["diagnostics"].as_array().map_or(0, Vec::len);
        }
    }
}

/// The measured project: a temporary directory with `pgward.toml`, CONTEXT generated
/// migrations and a buffer of about LINES lines in the middle of them.
struct Project {
    dir: std::path::PathBuf,
    path: std::path::PathBuf,
    uri: String,
    text: String,
}

fn project(context: usize, lines: usize) -> Project {
    let dir = std::env::temp_dir().join(format!("pgward-lsp-latency-{}", std::process::id()));
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&migrations).expect("mkdir");
    std::fs::write(dir.join("pgward.toml"), "migrations_dir = \"migrations\"\n").expect("config");
    let set = corpus::generate(context, 42);
    for (name, text) in &set {
        std::fs::write(migrations.join(name), text).expect("write");
    }
    // The buffer sits in the middle of the set: files before it and after it.
    let middle = &set[context / 2].0;
    let name = format!("{}_buffer.sql", &middle[..14]);
    let mut rng = corpus::Rng(7);
    let mut text = String::new();
    let mut i = 100_000;
    while text.lines().count() < lines {
        text.push_str(&corpus::migration(&mut rng, i));
        i += 1;
    }
    let path = migrations.join(&name);
    std::fs::write(&path, &text).expect("write buffer");
    let uri = format!("file://{}", path.display());
    Project {
        dir,
        path,
        uri,
        text,
    }
}

/// The keystrokes: a space after the first word of a line, at lines spread over the buffer.
struct Keystrokes(u64);

impl Keystrokes {
    fn type_one(&mut self, text: &mut String) {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let line = (self.0 >> 33) as usize % text.lines().count().max(1);
        let at = text.lines().take(line).map(|l| l.len() + 1).sum::<usize>();
        let at = text[at..].find(' ').map_or(at, |i| at + i);
        text.insert(at, ' ');
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let in_process = args.first().is_some_and(|a| a == "--in-process");
    if in_process {
        args.remove(0);
    }
    let mut args = args.into_iter();
    let context: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let lines: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5000);
    let edits: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(30);
    if in_process {
        return stages(context, lines, edits);
    }
    let pgward = args
        .next()
        .unwrap_or_else(|| "target/release/pgward".to_string());
    // The server runs in the project directory: a relative path means from here.
    let pgward = std::path::absolute(&pgward).map_or(pgward, |p| p.display().to_string());
    let Project {
        dir, uri, mut text, ..
    } = project(context, lines);

    let mut child = Command::new(&pgward)
        .arg("lsp")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {pgward}: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let rx = frames(child.stdout.take().expect("stdout"));
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": null, "capabilities": {},
            "rootUri": format!("file://{}", dir.display())}}),
    );
    while rx
        .recv_timeout(Duration::from_secs(30))
        .expect("initialize")["id"]
        != 1
    {}
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    let t = Instant::now();
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "sql", "version": 1, "text": text}}}),
    );
    let found = published(&rx, &uri, 1);
    let open = t.elapsed();

    let cpu_before = cpu_ms(child.id());
    let mut times = Vec::with_capacity(edits);
    let mut keys = Keystrokes(0x9e37_79b9_7f4a_7c15);
    for k in 0..edits {
        keys.type_one(&mut text);
        let version = 2 + k as i64;
        let t = Instant::now();
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text}]}}),
        );
        published(&rx, &uri, version);
        times.push(t.elapsed());
    }
    let cpu = cpu_ms(child.id()).zip(cpu_before).map(|(a, b)| a - b);
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null}),
    );
    send(&mut stdin, &json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{context} context files, buffer of {} lines ({} diagnostics): didOpen → diagnostics {:.0} ms",
        text.lines().count(),
        found,
        ms(open)
    );
    println!(
        "didChange → publishDiagnostics over {edits} edits: min {:.0} ms, median {:.0} ms, p90 {:.0} ms, p95 {:.0} ms, max {:.0} ms (debounce included)",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() * 9 / 10]),
        ms(times[(times.len() * 95 / 100).min(times.len() - 1)]),
        ms(times[times.len() - 1])
    );
    if let Some(cpu) = cpu {
        // Wall time on a busy machine waits for a core; CPU time is the server's own work.
        println!(
            "server CPU time per edit: {:.1} ms (user + system, from /proc)",
            cpu / edits as f64
        );
    }
}

/// A process's user + system CPU time so far, in milliseconds (Linux `/proc/PID/stat`).
fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

/// `--in-process`: the server's work per edit, stage by stage, without the transport's waits
/// (no debounce, no pipes): what `Store::lint` spends in each stage, then turning the result
/// into the `publishDiagnostics` notification and its JSON. A loop to run under `perf`.
fn stages(context: usize, lines: usize, edits: usize) {
    use pgward::lsp::docs::{Document, Store};
    use std::str::FromStr;
    let Project {
        dir,
        path,
        uri,
        mut text,
    } = project(context, lines);
    let uri = lsp_types::Uri::from_str(&uri).expect("uri");
    let mut store = Store::default();
    store.root = Some(dir.clone());
    let doc = Document::new(uri.clone(), Some(path), text.clone(), 1);
    store.docs.insert(uri.clone(), doc);
    let t = Instant::now();
    store.lint(&uri).expect("lint");
    let open = t.elapsed();
    let mut keys = Keystrokes(0x9e37_79b9_7f4a_7c15);
    let names = [
        "decode didChange",
        "context",
        "parse",
        "prefix",
        "replay",
        "rules",
        "to LSP",
        "encode JSON",
        "total",
    ];
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(edits); names.len()];
    for k in 0..edits {
        keys.type_one(&mut text);
        let version = 2 + k as i32;
        let message = json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri.as_str(), "version": version},
                "contentChanges": [{"text": text}]}})
        .to_string();
        let start = Instant::now();
        // What the transport and the server do with the bytes of the message.
        let decoded: lsp_server::Message =
            serde_json::from_slice(message.as_bytes()).expect("json");
        let lsp_server::Message::Notification(n) = decoded else {
            panic!("not a notification")
        };
        let mut p: lsp_types::DidChangeTextDocumentParams =
            serde_json::from_value(n.params).expect("params");
        let decode = start.elapsed();
        let Some(doc) = store.docs.get_mut(&uri) else {
            panic!("no document")
        };
        doc.text = p.content_changes.remove(0).text;
        doc.version = version;
        doc.dirty = true;
        store.lint(&uri).expect("lint");
        let lint = store.docs[&uri].lint.as_ref().expect("linted");
        let t = Instant::now();
        let publish = lint.publish(&uri);
        let to_lsp = t.elapsed();
        let t = Instant::now();
        let body = pgward::lsp::notification_body("textDocument/publishDiagnostics", &publish)
            .expect("encode");
        std::hint::black_box(body);
        let encode = t.elapsed();
        let s = lint.timings;
        let row = [
            decode, s.context, s.parse, s.prefix, s.replay, s.rules, to_lsp, encode,
        ];
        let total: Duration = row.iter().sum();
        for (i, d) in row.into_iter().chain([total]).enumerate() {
            samples[i].push(d);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{context} context files, buffer of {} lines; first lint {:.1} ms; {edits} edits, in process:",
        text.lines().count(),
        ms(open)
    );
    for (name, mut times) in names.iter().zip(samples) {
        times.sort();
        println!(
            "  {name:<17} median {:>6.2} ms  p95 {:>6.2} ms",
            ms(times[times.len() / 2]),
            ms(times[(times.len() * 95 / 100).min(times.len() - 1)])
        );
    }
}
