//! A scripted session with the real `pgward lsp` binary: Content-Length framed JSON-RPC over its
//! stdin and stdout. Every read has a deadline, so a broken server fails the test instead of
//! hanging the suite. Assertions that need the parser and the rules run once those exist.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages read while waiting for another one.
    backlog: Vec<Value>,
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_frames(stdout: impl Read + Send + 'static) -> Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut length = None;
            loop {
                let mut line = String::new();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
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

impl Client {
    fn start(cwd: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pgward"))
            .arg("lsp")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn pgward lsp");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        Client {
            child,
            stdin,
            incoming: read_frames(stdout),
            backlog: Vec::new(),
        }
    }

    fn send_raw(&mut self, body: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("write");
        stdin.write_all(body).expect("write");
        stdin.flush().expect("flush");
    }

    fn send(&mut self, msg: Value) {
        self.send_raw(msg.to_string().as_bytes());
    }

    fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The first message (backlog first) that `pred` accepts, within the deadline.
    fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.backlog.push(m),
                Err(_) => panic!(
                    "no matching message within {WAIT:?}; backlog: {:#?}",
                    self.backlog
                ),
            }
        }
    }

    fn publish_for(&mut self, uri: &str) -> Value {
        let m = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"].clone()
    }

    fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server did not exit within {WAIT:?}");
    }
}

/// The parser and the rules these sessions assert on are part of pgward: a build without them
/// fails here instead of silently checking less.
fn rules_landed() -> bool {
    assert!(
        pgward::rules::find("protected-table-drop").is_some()
            && pgward::rules::find("schema-conflict").is_some()
            && pgward::rules::find("policy-name-collision").is_some()
            && !pgward::syntax::parse_file("DROP TABLE users;")
                .statements
                .is_empty(),
        "the parser and the rules must be present"
    );
    true
}

fn file_uri(path: &Path) -> String {
    pgward::report::common::file_uri_of_absolute(path)
}

/// Open `path` with `text` in the editor and wait for its diagnostics.
fn open_and_publish(client: &mut Client, path: &Path, text: &str) -> Value {
    let uri = file_uri(path);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
    );
    client.publish_for(&uri)
}

/// The rule ids of a publishDiagnostics notification.
fn diagnostic_codes(published: &Value) -> Vec<&str> {
    published["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect()
}

fn initialize(client: &mut Client, root: &Path) -> Value {
    let response = client.request(
        1,
        "initialize",
        json!({
            "processId": null,
            "rootUri": file_uri(root),
            "capabilities": {
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
            }
        }),
    );
    client.notify("initialized", json!({}));
    response
}

#[test]
fn scripted_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    std::fs::write(
        root.join("pgward.toml"),
        "migrations_dir = \"migrations\"\n\n[protected]\ntables = [\"users\"]\n",
    )
    .expect("config");
    std::fs::create_dir(root.join("migrations")).expect("mkdir");
    std::fs::write(
        root.join("migrations/0001_init.sql"),
        "BEGIN;\nCREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\nCOMMIT;\n",
    )
    .expect("context file");
    let doc_path = root.join("migrations/0002_drop.sql");
    let uri = file_uri(&doc_path);
    let full = rules_landed();

    let mut client = Client::start(&root);
    let init = initialize(&mut client, &root);
    let caps = &init["result"]["capabilities"];
    assert_eq!(init["result"]["serverInfo"]["name"], "pgward");
    assert_eq!(caps["textDocumentSync"]["change"], 1, "full sync: {init}");
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    assert_eq!(caps["hoverProvider"], true);
    assert!(caps["codeActionProvider"].is_object());

    // The server asks to watch configs and migrations; answer it.
    let reg = client.wait_for(|m| m["method"] == "client/registerCapability");
    assert_eq!(
        reg["params"]["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    let reg_id = reg["id"].clone();
    client.send(json!({"jsonrpc": "2.0", "id": reg_id, "result": null}));

    // didOpen publishes, with the document's version.
    let text = "BEGIN;\nDROP TABLE users;\nCOMMIT;\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
    );
    let published = client.publish_for(&uri);
    assert_eq!(published["version"], 1);
    let diags = published["diagnostics"].as_array().expect("array").clone();
    if full {
        let d = diags
            .iter()
            .find(|d| d["code"] == "protected-table-drop")
            .unwrap_or_else(|| panic!("protected-table-drop expected: {diags:#?}"));
        assert_eq!(d["range"]["start"], json!({"line": 1, "character": 11}));
        assert_eq!(d["range"]["end"], json!({"line": 1, "character": 16}));
        assert_eq!(d["severity"], 1);
        assert_eq!(d["source"], "pgward");
        assert!(
            d["codeDescription"]["href"]
                .as_str()
                .is_some_and(|h| h.ends_with("/rules/protected-table-drop.md"))
        );
    }

    // Two quick changes: the latest version is published last (the first one may or may not
    // have been checked before the second arrived).
    let edited = "BEGIN;\n  DROP TABLE users;\nCOMMIT;\n";
    for (version, t) in [(2, text), (3, edited)] {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": t}]}),
        );
    }
    let mut published = client.publish_for(&uri);
    if published["version"] == 2 {
        published = client.publish_for(&uri);
    }
    assert_eq!(published["version"], 3, "{published}");
    let diags = published["diagnostics"].as_array().expect("array").clone();
    if full {
        assert!(
            diags.iter().any(|d| d["code"] == "protected-table-drop"
                && d["range"]["start"] == json!({"line": 1, "character": 13})),
            "{diags:#?}"
        );
    }

    // Code actions on the DROP line.
    let actions = client.request(
        2,
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 1, "character": 13}, "end": {"line": 1, "character": 13}},
            "context": {"diagnostics": diags}
        }),
    );
    let list = actions["result"].as_array().expect("actions array").clone();
    if full {
        let ignore = list
            .iter()
            .find(|a| a["title"] == "pgward: ignore protected-table-drop for this statement")
            .unwrap_or_else(|| panic!("{list:#?}"));
        let edits = &ignore["edit"]["changes"][&uri];
        assert_eq!(
            edits[0],
            json!({"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}},
                   "newText": "  -- pgward-ignore protected-table-drop\n"})
        );
        let file = list
            .iter()
            .find(|a| a["title"] == "pgward: ignore protected-table-drop for this file")
            .unwrap_or_else(|| panic!("{list:#?}"));
        assert_eq!(
            file["edit"]["changes"][&uri][0]["newText"],
            "-- pgward-ignore-file protected-table-drop\n"
        );
    }

    // Hover on the table name.
    let hover = client.request(
        3,
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 15}}),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    if full {
        let value = hover["result"]["contents"]["value"].as_str().unwrap_or("");
        assert!(value.contains("protected-table-drop"), "{hover}");
    }

    if full {
        // The inserted ignore comment really silences the rule.
        let ignored =
            "BEGIN;\n  -- pgward-ignore protected-table-drop\n  DROP TABLE users;\nCOMMIT;\n";
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 4},
                   "contentChanges": [{"text": ignored}]}),
        );
        let published = client.publish_for(&uri);
        assert_eq!(published["version"], 4);
        assert!(
            !published["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "protected-table-drop")),
            "{published}"
        );
    }

    // A broken parser line gives parse-error once the parser exists.
    if full {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 5},
                   "contentChanges": [{"text": "BEGIN;\nSELECT 'unterminated;\n"}]}),
        );
        let published = client.publish_for(&uri);
        assert_eq!(published["version"], 5);
        assert!(
            published["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "parse-error")),
            "{published}"
        );
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 6},
                   "contentChanges": [{"text": text}]}),
        );
        let published = client.publish_for(&uri);
        assert_eq!(published["version"], 6);
    }

    // The config changes on disk: the server reloads it and re-lints.
    std::fs::write(
        root.join("pgward.toml"),
        "migrations_dir = \"migrations\"\n",
    )
    .expect("config");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&root.join("pgward.toml")), "type": 2}]}),
    );
    let published = client.publish_for(&uri);
    if full {
        assert!(
            !published["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "protected-table-drop")),
            "users is no longer protected: {published}"
        );
    }

    // Malformed input gets JSON-RPC errors and the server keeps going.
    client.send_raw(b"{this is not json");
    let err = client.wait_for(|m| m["error"]["code"] == -32700);
    assert_eq!(err["id"], Value::Null);
    let unknown = client.request(4, "pgward/noSuchMethod", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let bad = client.request(5, "textDocument/codeAction", json!({"textDocument": 7}));
    assert_eq!(bad["error"]["code"], -32602);
    client.send(json!({"jsonrpc": "2.0", "id": 6}));
    let invalid = client.wait_for(|m| m["error"]["code"] == -32600);
    assert_eq!(invalid["id"], 6);

    // didClose clears the document's diagnostics.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let cleared = client.publish_for(&uri);
    assert_eq!(cleared["diagnostics"], json!([]));

    // shutdown, then exit: code 0; requests after shutdown are refused.
    let shutdown = client.request(7, "shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null);
    assert!(shutdown.get("error").is_none());
    let late = client.request(8, "textDocument/hover", json!({}));
    assert_eq!(late["error"]["code"], -32600);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

#[test]
fn exit_without_shutdown_is_code_1_and_requests_wait_for_initialize() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = Client::start(dir.path());
    let early = client.request(1, "textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002);
    initialize(&mut client, dir.path());
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(1));
}

#[test]
fn end_of_input_without_exit_ends_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = Client::start(dir.path());
    initialize(&mut client, dir.path());
    client.stdin = None; // closes the pipe
    assert_eq!(client.exit_code(), Some(1));
}

/// A buffer in `migrations_dir` is checked with the other migrations on disk as context, and its
/// unsaved text (not the file on disk) is what gets checked.
#[test]
fn migrations_on_disk_are_context_for_the_buffer() {
    if !(rules_landed() && pgward::rules::find("schema-conflict").is_some()) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    std::fs::write(root.join("pgward.toml"), "migrations_dir = \"db\"\n").expect("config");
    std::fs::create_dir(root.join("db")).expect("mkdir");
    let first = root.join("db/0001_clients.sql");
    std::fs::write(
        &first,
        "BEGIN;\nCREATE TABLE IF NOT EXISTS clients (id bigint PRIMARY KEY);\nCOMMIT;\n",
    )
    .expect("context file");
    let doc_path = root.join("db/0002_more.sql");
    // On disk the file is harmless; the buffer is not.
    std::fs::write(&doc_path, "BEGIN;\nCOMMIT;\n").expect("doc on disk");
    let uri = file_uri(&doc_path);

    let mut client = Client::start(&root);
    initialize(&mut client, &root);
    let text = "BEGIN;\nALTER TABLE clients ADD COLUMN id bigint;\nCOMMIT;\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
    );
    let published = client.publish_for(&uri);
    let diags = published["diagnostics"].as_array().expect("array").clone();
    let conflict = diags
        .iter()
        .find(|d| d["code"] == "schema-conflict")
        .unwrap_or_else(|| panic!("schema-conflict from the context file expected: {diags:#?}"));
    assert_eq!(conflict["range"]["start"]["line"], 1);
    let related = conflict["relatedInformation"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        related
            .iter()
            .any(|r| r["location"]["uri"] == file_uri(&first)),
        "related information points into the context file: {conflict:#}"
    );

    // The context file changes on disk (no `id` column any more): after the watched-files
    // notification the buffer is re-checked against the new text.
    std::fs::write(
        &first,
        "BEGIN;\nCREATE TABLE IF NOT EXISTS clients (name text);\nCOMMIT;\n",
    )
    .expect("rewrite context");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&first), "type": 2}]}),
    );
    let published = client.publish_for(&uri);
    assert!(
        !published["diagnostics"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["code"] == "schema-conflict")),
        "{published}"
    );
    let _ = client.request(9, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

#[test]
fn documents_that_are_not_sql_are_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    let mut client = Client::start(&root);
    initialize(&mut client, &root);
    let toml = file_uri(&root.join("pgward.toml"));
    let sql = file_uri(&root.join("x.sql"));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": toml, "languageId": "toml", "version": 1,
                                "text": "[protected]\ntables = [\"users\"]\n"}}),
    );
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": sql, "languageId": "sql", "version": 1, "text": "SELECT 1;\n"}}),
    );
    client.publish_for(&sql);
    let hover = client.request(
        2,
        "textDocument/hover",
        json!({"textDocument": {"uri": toml}, "position": {"line": 0, "character": 1}}),
    );
    assert_eq!(hover["result"], Value::Null);
    assert!(
        !client
            .backlog
            .iter()
            .any(|m| m["params"]["uri"] == toml.as_str()),
        "{:#?}",
        client.backlog
    );
}

/// Apply an LSP `TextEdit` list to ASCII text (positions are then plain byte columns).
fn apply_edits(text: &str, edits: &Value) -> String {
    let offset = |p: &Value| -> usize {
        let line = p["line"].as_u64().unwrap_or(0) as usize;
        let character = p["character"].as_u64().unwrap_or(0) as usize;
        text.split_inclusive('\n')
            .take(line)
            .map(str::len)
            .sum::<usize>()
            + character
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .expect("edits")
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

/// What an editor does while the user types in a project whose path has a space and an `é`:
/// a policy name that collides with one in another migration on disk is reported from the
/// unsaved buffer, every code action's edit, applied to the text, makes the diagnostic go away,
/// and a save re-publishes.
#[test]
fn cross_file_collision_while_typing_and_code_actions_that_work() {
    if !(rules_landed() && pgward::rules::find("policy-name-collision").is_some()) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir
        .path()
        .canonicalize()
        .expect("canonical")
        .join("proj é x");
    std::fs::create_dir_all(root.join("db")).expect("mkdir");
    std::fs::write(root.join("pgward.toml"), "migrations_dir = \"db\"\n").expect("config");
    std::fs::write(
        root.join("db/0001_users.sql"),
        "BEGIN;\nCREATE TABLE IF NOT EXISTS users (id uuid PRIMARY KEY, clerk_id text NOT NULL);\n\
         ALTER TABLE users ENABLE ROW LEVEL SECURITY;\n\
         CREATE POLICY \"users_select_own\" ON users FOR SELECT USING (clerk_id = auth.uid()::text);\n\
         COMMIT;\n",
    )
    .expect("context");
    let doc_path = root.join("db/0002_clients.sql");
    std::fs::write(&doc_path, "BEGIN;\nCOMMIT;\n").expect("doc on disk");
    let uri = file_uri(&doc_path);
    assert!(uri.contains("proj%20%C3%A9%20x"), "{uri}");

    let mut client = Client::start(Path::new("/"));
    initialize(&mut client, &root);
    let text = "BEGIN;\nCREATE TABLE clients (id uuid PRIMARY KEY, user_id uuid NOT NULL);\n\
                ALTER TABLE clients ENABLE ROW LEVEL SECURITY;\n\
                CREATE POLICY \"users_select_own\" ON clients FOR SELECT USING (user_id = auth.uid());\n\
                COMMIT;\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
    );
    let published = client.publish_for(&uri);
    let diags = published["diagnostics"].as_array().expect("array").clone();
    assert!(
        diags.iter().any(|d| d["code"] == "policy-name-collision"),
        "the policy in 0001_users.sql collides with the unsaved buffer: {diags:#?}"
    );
    let target = diags
        .iter()
        .find(|d| d["code"] == "non-idempotent-ddl" && d["range"]["start"]["line"] == 1)
        .unwrap_or_else(|| panic!("CREATE TABLE without IF NOT EXISTS: {diags:#?}"))
        .clone();

    let actions = client.request(
        2,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": target["range"],
               "context": {"diagnostics": [target]}}),
    );
    let list = actions["result"].as_array().expect("actions").clone();
    let titles: Vec<&str> = list.iter().filter_map(|a| a["title"].as_str()).collect();
    for wanted in [
        "pgward: add IF NOT EXISTS",
        "pgward: ignore non-idempotent-ddl for this statement",
        "pgward: ignore non-idempotent-ddl for this file",
    ] {
        assert!(titles.contains(&wanted), "{wanted}: {titles:?}");
    }
    // Each action, applied by "the editor", silences the diagnostic it was offered for.
    let mut version = 2;
    for action in &list {
        let fixed = apply_edits(text, &action["edit"]["changes"][&uri]);
        assert_ne!(fixed, text, "{action:#}");
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": fixed}]}),
        );
        let published = loop {
            let p = client.publish_for(&uri);
            if p["version"] == version {
                break p;
            }
        };
        let still = published["diagnostics"].as_array().is_some_and(|d| {
            d.iter()
                .any(|d| d["code"] == "non-idempotent-ddl" && d["message"] == target["message"])
        });
        assert!(!still, "{} left the diagnostic: {fixed}", action["title"]);
        version += 1;
    }

    // A save re-publishes (the saved file is context for every open buffer).
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    let saved = client.publish_for(&uri);
    assert_eq!(saved["version"], version - 1);
    let _ = client.request(3, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

/// Clients that do not watch files (Neovim before 0.10, Helix) never tell us that `pgward.toml`
/// changed; the next check of a buffer must still use the edited config.
#[test]
fn an_edited_config_applies_without_a_watched_files_notification() {
    if !rules_landed() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    let config = root.join("pgward.toml");
    std::fs::write(&config, "[protected]\ntables = [\"users\"]\n").expect("config");
    let uri = file_uri(&root.join("0001_drop.sql"));
    let mut client = Client::start(&root);
    initialize(&mut client, &root);
    let text = "BEGIN;\nDROP TABLE IF EXISTS users;\nCOMMIT;\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
    );
    let has_drop = |p: &Value| {
        p["diagnostics"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["code"] == "protected-table-drop"))
    };
    assert!(has_drop(&client.publish_for(&uri)));
    // A different length, so the change shows even where mtimes are coarse.
    std::fs::write(&config, "[protected]\ntables = [\"accounts\"]\n").expect("config");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text}]}),
    );
    let published = client.publish_for(&uri);
    assert_eq!(published["version"], 2);
    assert!(
        !has_drop(&published),
        "the edited config applies: {published}"
    );
    let _ = client.request(2, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

/// A broken `pgward.toml` is loud in the editor: an error message, a diagnostic on the config
/// file at the bad line, one on the buffer (which is not checked with defaults that would drop
/// its protections); fixing the file withdraws them and the buffer is checked again.
#[test]
fn a_broken_config_is_loud_and_never_replaced_by_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    let config = root.join("pgward.toml");
    std::fs::write(&config, "[protected]\ntables = [\"users\"]\nbogus = 1\n").expect("config");
    let uri = file_uri(&root.join("0001_drop.sql"));
    let config_uri = file_uri(&config);
    let mut client = Client::start(&root);
    initialize(&mut client, &root);
    let text = "BEGIN;\nDROP TABLE IF EXISTS users;\nCOMMIT;\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
    );
    let shown = client.wait_for(|m| m["method"] == "window/showMessage");
    assert_eq!(shown["params"]["type"], 1, "an error: {shown}");
    let message = shown["params"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("pgward.toml:3") && message.contains("bogus"),
        "{message}"
    );
    assert!(!message.contains("default"), "{message}");
    let on_config = client.publish_for(&config_uri);
    assert_eq!(on_config["diagnostics"][0]["range"]["start"]["line"], 2);
    assert_eq!(on_config["diagnostics"][0]["severity"], 1);
    let on_buffer = client.publish_for(&uri);
    let diags = on_buffer["diagnostics"].as_array().expect("array");
    assert_eq!(diags.len(), 1, "{on_buffer}");
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("not checked")
    );

    std::fs::write(&config, "[protected]\ntables = [\"users\"]\n").expect("config");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": config_uri, "type": 2}]}),
    );
    let withdrawn = client.publish_for(&config_uri);
    assert_eq!(withdrawn["diagnostics"], json!([]));
    let checked = client.publish_for(&uri);
    assert!(
        checked["diagnostics"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["code"] == "protected-table-drop")),
        "{checked}"
    );
    let _ = client.request(2, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

/// `[check] after` and `[files] exclude` hold in the editor as in `pgward check`: an old or
/// excluded buffer gets no diagnostics, and an excluded file is not context.
#[test]
fn after_and_exclude_hold_in_the_editor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    std::fs::write(
        root.join("pgward.toml"),
        "migrations_dir = \"db\"\n[check]\nafter = \"0002\"\n[files]\nexclude = [\"db/archive\"]\n",
    )
    .expect("config");
    std::fs::create_dir_all(root.join("db/archive")).expect("mkdir");
    // Context that would make 0003 collide, were the excluded file loaded.
    std::fs::write(
        root.join("db/archive/0000_x.sql"),
        "BEGIN;\nCREATE TABLE t (id int);\nCREATE POLICY p ON t USING (true);\nCOMMIT;\n",
    )
    .expect("archive");
    let mut client = Client::start(&root);
    initialize(&mut client, &root);
    let bad = "DROP TABLE t;\n";
    let publish = |name: &str, text: &str, client: &mut Client| {
        open_and_publish(client, &root.join(name), text)
    };
    let old = publish("db/0001_old.sql", bad, &mut client);
    assert_eq!(old["diagnostics"], json!([]), "{old}");
    let excluded = publish("db/archive/0009_x.sql", bad, &mut client);
    assert_eq!(excluded["diagnostics"], json!([]), "{excluded}");
    let new = publish(
        "db/0003_new.sql",
        "BEGIN;\nCREATE TABLE t (id int);\nCREATE POLICY p ON t USING (true);\nCOMMIT;\n",
        &mut client,
    );
    let codes = diagnostic_codes(&new);
    assert!(!codes.is_empty(), "the new file is checked: {new}");
    assert!(
        !codes.contains(&"schema-conflict") && !codes.contains(&"policy-name-collision"),
        "the excluded file is not context: {codes:?}"
    );
    let _ = client.request(2, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

/// The baseline holds in the editor as in `pgward check`: a recorded finding is not shown, a
/// new one is; a missing baseline file is loud like a broken config.
#[test]
fn the_baseline_holds_in_the_editor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    std::fs::create_dir_all(root.join("db")).expect("mkdir");
    let old = "BEGIN;\nCREATE TABLE notes (id int);\nCOMMIT;\n";
    std::fs::write(root.join("db/0001_a.sql"), old).expect("file");
    std::fs::write(root.join("pgward.toml"), "migrations_dir = \"db\"\n").expect("config");
    let written = std::process::Command::new(env!("CARGO_BIN_EXE_pgward"))
        .args(["check", "--write-baseline", "baseline.json"])
        .current_dir(&root)
        .output()
        .expect("write baseline");
    assert!(written.status.success());
    std::fs::write(
        root.join("pgward.toml"),
        "migrations_dir = \"db\"\nbaseline = \"baseline.json\"\n",
    )
    .expect("config");
    let uri = file_uri(&root.join("db/0001_a.sql"));
    let mut client = Client::start(&root);
    initialize(&mut client, &root);
    let new = "BEGIN;\nCREATE TABLE notes (id int);\nCREATE TABLE tags (id int);\nCOMMIT;\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": new}}),
    );
    let published = client.publish_for(&uri);
    let lines: Vec<u64> = published["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["range"]["start"]["line"].as_u64())
        .collect();
    assert!(!lines.is_empty(), "the new table is reported: {published}");
    assert!(
        lines.iter().all(|l| *l == 2),
        "only the new statement: {published}"
    );
    let _ = client.request(2, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

/// The editor's context is the set `pgward check` loads (one discovery): a migration in a hidden
/// directory below `migrations_dir` is context for neither.
#[test]
fn hidden_directories_are_context_for_neither_check_nor_the_editor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    std::fs::write(root.join("pgward.toml"), "migrations_dir = \"db\"\n").expect("config");
    std::fs::create_dir_all(root.join("db/.trash")).expect("mkdir");
    let create = "BEGIN;\nCREATE TABLE t (id int);\nCREATE POLICY p ON t USING (true);\nCOMMIT;\n";
    std::fs::write(root.join("db/.trash/0000_x.sql"), create).expect("hidden");
    std::fs::write(root.join("db/0003_new.sql"), create).expect("new");
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_pgward"))
        .args(["check", "--no-cache", "--format", "json", "db/0003_new.sql"])
        .current_dir(&root)
        .output()
        .expect("run check");
    let check_out = String::from_utf8_lossy(&check.stdout);
    assert!(
        !check_out.contains("schema-conflict") && check_out.contains("\"rule\""),
        "check: the hidden file is not context, the new file is checked: {check_out}"
    );
    let mut client = Client::start(&root);
    initialize(&mut client, &root);
    let published = open_and_publish(&mut client, &root.join("db/0003_new.sql"), create);
    let codes = diagnostic_codes(&published);
    assert!(!codes.is_empty(), "the new file is checked: {published}");
    assert!(
        !codes.contains(&"schema-conflict") && !codes.contains(&"policy-name-collision"),
        "the editor: the hidden file is not context: {codes:?}"
    );
    let _ = client.request(2, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

/// A burst of keystrokes sent without waiting (as an editor sends them): the server publishes
/// as it can, but versions only go up, the last publication is of the last version, nothing
/// older follows it, and every publication is exactly what `pgward check` says of the text of
/// its version (no diagnostics of one version published under another).
#[test]
fn a_burst_of_keystrokes_ends_in_one_current_publication() {
    if !rules_landed() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    std::fs::write(
        root.join("pgward.toml"),
        "migrations_dir = \"db\"\n\n[protected]\ntables = [\"users\"]\n",
    )
    .expect("config");
    std::fs::create_dir(root.join("db")).expect("mkdir");
    std::fs::write(
        root.join("db/0001_users.sql"),
        "BEGIN;\nCREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\nCOMMIT;\n",
    )
    .expect("context file");
    let doc_path = root.join("db/0002_edit.sql");
    let uri = file_uri(&doc_path);
    let typed = "DROP TABLE users;\nCREATE TABLE users (id int);\n";
    let text_of = |version: usize| format!("BEGIN;\n{}COMMIT;\n", &typed[..version - 1]);
    let last = typed.len() + 1;

    let mut client = Client::start(&root);
    initialize(&mut client, &root);
    let first = open_and_publish(&mut client, &doc_path, &text_of(1));
    assert_eq!(first["version"], 1);
    for version in 2..=last {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text_of(version)}]}),
        );
    }
    let mut published = vec![first];
    while published.last().map(|p| p["version"].clone()) != Some(json!(last)) {
        published.push(client.publish_for(&uri));
    }
    // A request answered after the last publication: whatever was published before its answer
    // is in the backlog by then.
    let hover = client.request(
        2,
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 12}}),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    let late: Vec<&Value> = client
        .backlog
        .iter()
        .filter(|m| m["params"]["uri"] == uri.as_str())
        .collect();
    assert!(late.is_empty(), "nothing after the last version: {late:#?}");
    let versions: Vec<u64> = published
        .iter()
        .map(|p| p["version"].as_u64().expect("version"))
        .collect();
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "versions only go up: {versions:?}"
    );
    for p in &published {
        let version = p["version"].as_u64().expect("version") as usize;
        std::fs::write(&doc_path, text_of(version)).expect("write");
        let check = std::process::Command::new(env!("CARGO_BIN_EXE_pgward"))
            .args(["check", "--no-cache", "--format", "lsp", "db/0002_edit.sql"])
            .current_dir(&root)
            .output()
            .expect("run check");
        let out: Value = serde_json::from_slice(&check.stdout).expect("check's LSP JSON");
        let want = out
            .as_array()
            .and_then(|files| files.iter().find(|f| f["uri"] == uri.as_str()))
            .map_or(json!([]), |f| f["diagnostics"].clone());
        assert_eq!(
            p["diagnostics"],
            want,
            "version {version}:\n{}",
            text_of(version)
        );
    }
    let final_codes = diagnostic_codes(published.last().expect("published"));
    assert!(
        final_codes.contains(&"protected-table-drop"),
        "{final_codes:?}"
    );
    let _ = client.request(3, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

/// "Ignore for this statement" on a statement that already has a trailing ignore comment on its
/// own line adds the rule to that comment (no second comment above), and the result silences
/// the diagnostic.
#[test]
fn ignore_for_this_statement_extends_a_trailing_comment() {
    if !rules_landed() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    std::fs::write(
        root.join("pgward.toml"),
        "[protected]\ntables = [\"users\"]\n",
    )
    .expect("config");
    let doc_path = root.join("m.sql");
    let uri = file_uri(&doc_path);
    let text =
        "BEGIN;\nDROP TABLE users; -- pgward-ignore missing-lock-timeout -- reviewed\nCOMMIT;\n";
    let mut client = Client::start(&root);
    initialize(&mut client, &root);
    let published = open_and_publish(&mut client, &doc_path, text);
    let codes = diagnostic_codes(&published);
    assert!(
        codes.contains(&"protected-table-drop") && !codes.contains(&"missing-lock-timeout"),
        "{codes:?}"
    );
    let target = published["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["code"] == "protected-table-drop")
        .expect("protected-table-drop")
        .clone();
    let actions = client.request(
        2,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": target["range"],
               "context": {"diagnostics": [target]}}),
    );
    let list = actions["result"].as_array().expect("actions").clone();
    let ignore = list
        .iter()
        .find(|a| a["title"] == "pgward: ignore protected-table-drop for this statement")
        .unwrap_or_else(|| panic!("{list:#?}"));
    let fixed = apply_edits(text, &ignore["edit"]["changes"][&uri]);
    assert_eq!(
        fixed,
        "BEGIN;\nDROP TABLE users; -- pgward-ignore missing-lock-timeout, protected-table-drop -- reviewed\nCOMMIT;\n"
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    let published = loop {
        let p = client.publish_for(&uri);
        if p["version"] == 2 {
            break p;
        }
    };
    let codes = diagnostic_codes(&published);
    assert!(
        !codes.contains(&"protected-table-drop") && !codes.contains(&"unused-suppression"),
        "{codes:?}"
    );
    let _ = client.request(3, "shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}
