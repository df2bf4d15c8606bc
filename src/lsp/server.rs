//! The main loop: the initialize handshake, document sync, diagnostics, requests, and
//! shutdown/exit as the LSP spec wants them.
//!
//! Diagnostics are not debounced by a timer. The loop handles every message that has arrived
//! before it checks anything, checks one changed document when there is nothing left to read,
//! then reads again what arrived during that check before it publishes: a result that a newer
//! edit made stale is dropped (the document is checked again) instead of published. So an edit
//! made while the server is idle is published as soon as it is checked, a burst of keystrokes
//! that arrives while a check runs is coalesced into one check of its last version, and no
//! publication ever carries an older version than one the server has read.

use super::actions;
use super::docs::{Document, Store, uri_to_path};
use super::transport::{Incoming, notification_body, write_error, write_frame, write_message};
use crate::config::ConfigError;
use crate::report::lsp_json::uri_for_name;
use crate::source::{LineIndex, Utf16Pos};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    DiagnosticSeverity, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileSystemWatcher, GlobPattern,
    HoverParams, HoverProviderCapability, InitializeParams, InitializeResult, MessageType,
    Position, PublishDiagnosticsParams, Range, Registration, RegistrationParams,
    ServerCapabilities, ServerInfo, ShowMessageParams, TextDocumentContentChangeEvent,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::mpsc::{Receiver, TryRecvError};

#[derive(PartialEq, Eq)]
enum Phase {
    Uninitialized,
    Running,
    ShutDown,
}

struct Server<'w> {
    out: &'w mut dyn Write,
    store: Store,
    phase: Phase,
    /// Broken config files (or baselines) with their message, shown once each, and the open
    /// documents each one keeps from being checked. Cleared (and its diagnostic withdrawn)
    /// when no document fails on it any more.
    broken: HashMap<Uri, (String, HashSet<Uri>)>,
    next_request: i32,
}

fn params<P: DeserializeOwned>(value: Value) -> Result<P, String> {
    serde_json::from_value(value).map_err(|e| format!("invalid params: {e}"))
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

impl Server<'_> {
    fn send(&mut self, msg: Message) {
        // A client that stopped reading cannot be told anything; the loop ends on EOF.
        let _ = write_message(self.out, &msg);
    }

    fn respond(&mut self, id: RequestId, result: Result<Value, (i32, String)>) {
        let response = match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code, message),
        };
        self.send(Message::Response(response));
    }

    fn notify(&mut self, method: &str, params: impl serde::Serialize) {
        // A client that stopped reading cannot be told anything; the loop ends on EOF.
        if let Ok(body) = notification_body(method, &params) {
            let _ = write_frame(self.out, &body);
        }
    }

    /// A config that cannot be used is loud: an error message (once), a diagnostic on the
    /// config file, and one on the document, which is not checked (never with defaults that
    /// would drop its protections).
    fn config_broken(&mut self, doc: &Uri, error: &ConfigError) {
        let message = error.message.clone();
        let Some(config_uri) = uri_for_name(&error.path.to_string_lossy()) else {
            return;
        };
        let line = error.line.map_or(0, |l| l.saturating_sub(1)) as u32;
        let range = Range {
            start: Position { line, character: 0 },
            end: Position {
                line,
                character: u32::MAX,
            },
        };
        let shown = format!("pgward: {error}: no file is checked until it is fixed");
        let entry = self
            .broken
            .entry(config_uri.clone())
            .or_insert_with(|| (String::new(), HashSet::new()));
        let new_message = entry.0 != shown;
        entry.0 = shown.clone();
        entry.1.insert(doc.clone());
        if new_message {
            self.notify(
                "window/showMessage",
                ShowMessageParams {
                    typ: MessageType::ERROR,
                    message: shown,
                },
            );
            self.notify(
                "textDocument/publishDiagnostics",
                PublishDiagnosticsParams {
                    uri: config_uri,
                    diagnostics: vec![lsp_types::Diagnostic {
                        range,
                        severity: Some(DiagnosticSeverity::ERROR),
                        source: Some("pgward".into()),
                        message: message.clone(),
                        ..lsp_types::Diagnostic::default()
                    }],
                    version: None,
                },
            );
        }
        let version = self.store.docs.get(doc).map(|d| d.version);
        self.notify(
            "textDocument/publishDiagnostics",
            PublishDiagnosticsParams {
                uri: doc.clone(),
                diagnostics: vec![lsp_types::Diagnostic {
                    range: Range::default(),
                    severity: Some(DiagnosticSeverity::ERROR),
                    source: Some("pgward".into()),
                    message: format!("not checked: {error}"),
                    ..lsp_types::Diagnostic::default()
                }],
                version,
            },
        );
    }

    /// `doc` no longer fails on a broken config: withdraw the config file's diagnostic once no
    /// document fails on it.
    fn config_fine(&mut self, doc: &Uri) {
        let mut fixed = Vec::new();
        for (config_uri, (_, docs)) in &mut self.broken {
            docs.remove(doc);
            if docs.is_empty() {
                fixed.push(config_uri.clone());
            }
        }
        for uri in fixed {
            self.broken.remove(&uri);
            self.notify(
                "textDocument/publishDiagnostics",
                PublishDiagnosticsParams {
                    uri,
                    diagnostics: Vec::new(),
                    version: None,
                },
            );
        }
    }

    /// Lint a document if its text changed since the last lint, and publish its diagnostics
    /// (requests that need the lint of the current text).
    fn refresh(&mut self, uri: &Uri) {
        self.check(uri);
        self.publish(uri);
    }

    /// Lint a document if its text changed since the last lint; the result waits for
    /// [`Server::publish`].
    fn check(&mut self, uri: &Uri) {
        if !self.store.docs.get(uri).is_some_and(|d| d.dirty) {
            return;
        }
        if let Err(error) = self.store.lint(uri) {
            self.config_broken(uri, &error);
            return;
        }
        self.config_fine(uri);
        if let Some(doc) = self.store.docs.get_mut(uri) {
            doc.unpublished = true;
        }
    }

    /// Publish a document's lint if it is of its current text and not sent yet.
    fn publish(&mut self, uri: &Uri) {
        let Some(doc) = self.store.docs.get_mut(uri) else {
            return;
        };
        if doc.dirty || !doc.unpublished {
            return;
        }
        doc.unpublished = false;
        let Some(lint) = &doc.lint else { return };
        let publish = lint.publish(&doc.uri);
        self.notify("textDocument/publishDiagnostics", publish);
    }

    /// The next step when no message is waiting: publish a finished lint that is still
    /// current, else lint one changed document. `false` when there is nothing to do.
    fn work(&mut self) -> bool {
        let ready = self
            .store
            .docs
            .values()
            .find(|d| !d.dirty && d.unpublished)
            .map(|d| d.uri.clone());
        if let Some(uri) = ready {
            self.publish(&uri);
            return true;
        }
        let dirty = self
            .store
            .docs
            .values()
            .find(|d| d.dirty)
            .map(|d| d.uri.clone());
        match dirty {
            Some(uri) => {
                self.check(&uri);
                true
            }
            None => false,
        }
    }

    fn initialize(&mut self, id: RequestId, value: Value) {
        let init: InitializeParams = match params(value) {
            Ok(p) => p,
            Err(e) => {
                return self.respond(id, Err((ErrorCode::InvalidParams as i32, e)));
            }
        };
        #[allow(deprecated)] // root_uri: older clients send only that.
        let root = init
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .map(|f| f.uri.clone())
            .or(init.root_uri.clone());
        self.store.root = root.as_ref().and_then(uri_to_path);
        let result = InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "pgward".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        };
        self.respond(id, serde_json::to_value(result).map_err(internal));
        self.phase = Phase::Running;
        let dynamic_watch = init
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|c| c.dynamic_registration)
            .unwrap_or(false);
        if dynamic_watch {
            self.register_watchers();
        }
    }

    /// Ask the client to tell us when configs or migrations change on disk.
    fn register_watchers(&mut self) {
        let watchers = ["**/pgward.toml", "**/*.sql"]
            .iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect();
        let Ok(options) =
            serde_json::to_value(DidChangeWatchedFilesRegistrationOptions { watchers })
        else {
            return;
        };
        let registration = RegistrationParams {
            registrations: vec![Registration {
                id: "pgward-watch".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: Some(options),
            }],
        };
        self.next_request += 1;
        let id = RequestId::from(format!("pgward-{}", self.next_request));
        self.send(Message::Request(Request::new(
            id,
            "client/registerCapability".into(),
            registration,
        )));
    }

    fn request(&mut self, req: Request) {
        let Request { id, method, params } = req;
        match self.phase {
            Phase::Uninitialized if method == "initialize" => return self.initialize(id, params),
            Phase::Uninitialized => {
                return self.respond(
                    id,
                    Err((
                        ErrorCode::ServerNotInitialized as i32,
                        format!("`{method}` before `initialize`"),
                    )),
                );
            }
            Phase::ShutDown => {
                return self.respond(
                    id,
                    Err((
                        ErrorCode::InvalidRequest as i32,
                        format!("`{method}` after `shutdown`"),
                    )),
                );
            }
            Phase::Running => {}
        }
        let result = match method.as_str() {
            "initialize" => Err((
                ErrorCode::InvalidRequest as i32,
                "already initialized".to_string(),
            )),
            "shutdown" => {
                self.phase = Phase::ShutDown;
                Ok(Value::Null)
            }
            "textDocument/codeAction" => self.code_action(params),
            "textDocument/hover" => self.hover(params),
            _ => Err((
                ErrorCode::MethodNotFound as i32,
                format!("method not found: {method}"),
            )),
        };
        self.respond(id, result);
    }

    fn code_action(&mut self, value: Value) -> Result<Value, (i32, String)> {
        let p: CodeActionParams = params(value).map_err(invalid_params)?;
        let uri = p.text_document.uri;
        if let Some(only) = &p.context.only
            && !only
                .iter()
                .any(|k| k.as_str().is_empty() || *k == CodeActionKind::QUICKFIX)
        {
            return Ok(Value::Array(vec![]));
        }
        self.refresh(&uri);
        let actions = match self.store.docs.get(&uri).and_then(|d| d.lint.as_ref()) {
            Some(lint) => actions::code_actions(&uri, lint, p.range),
            None => Vec::new(),
        };
        serde_json::to_value(actions).map_err(internal)
    }

    fn hover(&mut self, value: Value) -> Result<Value, (i32, String)> {
        let p: HoverParams = params(value).map_err(invalid_params)?;
        let uri = p.text_document_position_params.text_document.uri;
        self.refresh(&uri);
        let hover = self
            .store
            .docs
            .get(&uri)
            .and_then(|d| d.lint.as_ref())
            .and_then(|lint| actions::hover(lint, p.text_document_position_params.position));
        serde_json::to_value(hover).map_err(internal)
    }

    /// Handle a notification; `Some(code)` when the server must exit.
    fn notification(&mut self, n: Notification) -> Option<i32> {
        if n.method == "exit" {
            return Some(if self.phase == Phase::ShutDown { 0 } else { 1 });
        }
        if self.phase != Phase::Running {
            // Before `initialize` notifications are dropped (the spec says so); after
            // `shutdown` only `exit` matters.
            return None;
        }
        // Notifications get no response, so bad params are only ignored.
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = params::<DidOpenTextDocumentParams>(n.params) {
                    let doc = p.text_document;
                    let path = uri_to_path(&doc.uri);
                    // Clients usually start us for SQL only; anything else is not ours to lint.
                    let sql_path = path
                        .as_ref()
                        .and_then(|p| p.extension())
                        .is_some_and(|x| x.eq_ignore_ascii_case("sql"));
                    if !sql_path && !doc.language_id.to_ascii_lowercase().contains("sql") {
                        return None;
                    }
                    // A new document may be a new file: its directory is walked again.
                    self.store.forget_listings();
                    self.store.docs.insert(
                        doc.uri.clone(),
                        Document::new(doc.uri, path, doc.text, doc.version),
                    );
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = params::<DidChangeTextDocumentParams>(n.params)
                    && let Some(doc) = self.store.docs.get_mut(&p.text_document.uri)
                {
                    // We ask for full sync; a client that sends ranges anyway is served too.
                    // An out-of-order older version never replaces a newer one.
                    if p.text_document.version >= doc.version {
                        for change in p.content_changes {
                            apply_change(&mut doc.text, change);
                        }
                        doc.version = p.text_document.version;
                        doc.dirty = true;
                    }
                }
            }
            "textDocument/didSave" => {
                if let Ok(p) = params::<DidSaveTextDocumentParams>(n.params) {
                    let uri = p.text_document.uri;
                    if uri_to_path(&uri).is_some_and(|path| Store::is_config_path(&path)) {
                        self.store.reload_configs();
                    }
                    // The saved file is context for the other open buffers.
                    self.store.mark_all_dirty();
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = params::<DidCloseTextDocumentParams>(n.params) {
                    let uri = p.text_document.uri;
                    self.store.docs.remove(&uri);
                    self.config_fine(&uri);
                    self.notify(
                        "textDocument/publishDiagnostics",
                        PublishDiagnosticsParams {
                            uri,
                            diagnostics: Vec::new(),
                            version: None,
                        },
                    );
                }
            }
            "workspace/didChangeWatchedFiles" => {
                if let Ok(p) = params::<DidChangeWatchedFilesParams>(n.params) {
                    let config_changed = p.changes.iter().any(|c| {
                        uri_to_path(&c.uri).is_some_and(|path| Store::is_config_path(&path))
                    });
                    if config_changed {
                        self.store.reload_configs();
                    }
                    if !p.changes.is_empty() {
                        self.store.mark_all_dirty();
                    }
                }
            }
            _ => {}
        }
        None
    }
}

/// Apply one content change: the whole text, or a UTF-16 range of it.
fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    let Some(range) = change.range else {
        *text = change.text;
        return;
    };
    let lines = LineIndex::new(text);
    let offset = |p: lsp_types::Position| {
        lines.offset_of_utf16(
            text,
            Utf16Pos {
                line: p.line,
                character: p.character,
            },
        )
    };
    let (start, end) = (offset(range.start), offset(range.end));
    if start <= end {
        text.replace_range(start..end, &change.text);
    }
}

fn internal(e: serde_json::Error) -> (i32, String) {
    (ErrorCode::InternalError as i32, e.to_string())
}

fn invalid_params(e: String) -> (i32, String) {
    (ErrorCode::InvalidParams as i32, e)
}

/// Serve one client until `exit` (or end of input). Returns the process exit code: 0 after
/// `shutdown` then `exit`, 1 otherwise.
pub fn serve(incoming: Receiver<Incoming>, out: &mut dyn Write) -> i32 {
    let mut server = Server {
        out,
        store: Store::default(),
        phase: Phase::Uninitialized,
        broken: HashMap::new(),
        next_request: 0,
    };
    loop {
        // Everything that has arrived first: a burst of edits is checked once, at its end.
        let next = match incoming.try_recv() {
            Ok(m) => Some(m),
            Err(TryRecvError::Empty) if server.work() => continue,
            Err(TryRecvError::Empty) => incoming.recv().ok(),
            Err(TryRecvError::Disconnected) => None,
        };
        let Some(next) = next else {
            return if server.phase == Phase::ShutDown {
                0
            } else {
                1
            };
        };
        match next {
            Incoming::Invalid { id, code, message } => {
                let _ = write_error(server.out, id, code, &message);
            }
            Incoming::Message(Message::Request(req)) => server.request(req),
            Incoming::Message(Message::Notification(n)) => {
                if let Some(code) = server.notification(n) {
                    return code;
                }
            }
            // Answers to our own requests (capability registration): nothing to do.
            Incoming::Message(Message::Response(_)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    #[test]
    fn incremental_changes_apply_in_utf16() {
        let mut text = "a𝄞b\nxyz".to_string();
        let change = |sl, sc, el, ec, t: &str| TextDocumentContentChangeEvent {
            range: Some(Range {
                start: Position {
                    line: sl,
                    character: sc,
                },
                end: Position {
                    line: el,
                    character: ec,
                },
            }),
            range_length: None,
            text: t.to_string(),
        };
        apply_change(&mut text, change(0, 3, 0, 4, "B"));
        assert_eq!(text, "a𝄞B\nxyz");
        apply_change(&mut text, change(1, 1, 1, 2, ""));
        assert_eq!(text, "a𝄞B\nxz");
        apply_change(
            &mut text,
            TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "new".into(),
            },
        );
        assert_eq!(text, "new");
    }

    /// What the server writes, sent on as it is written.
    struct Pipe(std::sync::mpsc::Sender<Vec<u8>>);

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let _ = self.0.send(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Cut complete `Content-Length` frames off the front of `bytes`.
    fn frames(bytes: &mut Vec<u8>) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let header = String::from_utf8_lossy(&bytes[..end]).to_string();
            let length: usize = header
                .trim()
                .strip_prefix("Content-Length: ")
                .and_then(|n| n.parse().ok())
                .expect("Content-Length");
            if bytes.len() < end + 4 + length {
                break;
            }
            let body: Vec<u8> = bytes.drain(..end + 4 + length).skip(end + 4).collect();
            out.push(serde_json::from_slice(&body).expect("JSON body"));
        }
        out
    }

    /// Edits that are waiting when the server looks (they arrived while it was busy) are one
    /// check: a single publication, of the last version. Deterministic: every message is queued
    /// before the server reads the first.
    #[test]
    fn a_queued_burst_is_checked_once_at_its_end() {
        let (tx, rx) = std::sync::mpsc::channel();
        let send = |method: &str, params: Value| {
            let n = Notification::new(method.to_string(), params);
            tx.send(Incoming::Message(Message::Notification(n)))
                .expect("queued");
        };
        let initialize = Request::new(
            RequestId::from(1),
            "initialize".into(),
            serde_json::json!({"processId": null, "capabilities": {}}),
        );
        tx.send(Incoming::Message(Message::Request(initialize)))
            .expect("queued");
        send("initialized", serde_json::json!({}));
        let uri = "untitled:burst.sql";
        let text = |v: usize| "DROP TABLE users;\n".repeat(v);
        send(
            "textDocument/didOpen",
            serde_json::json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1,
                                                 "text": text(1)}}),
        );
        for v in 2..=20 {
            send(
                "textDocument/didChange",
                serde_json::json!({"textDocument": {"uri": uri, "version": v},
                                   "contentChanges": [{"text": text(v)}]}),
            );
        }
        let (out_tx, out_rx) = std::sync::mpsc::channel();
        let server = std::thread::spawn(move || serve(rx, &mut Pipe(out_tx)));
        let mut bytes = Vec::new();
        let mut seen = Vec::new();
        let publication = loop {
            let chunk = out_rx
                .recv_timeout(std::time::Duration::from_secs(20))
                .expect("a publication");
            bytes.extend(chunk);
            seen.extend(frames(&mut bytes));
            if let Some(p) = seen
                .iter()
                .find(|m| m["method"] == "textDocument/publishDiagnostics")
            {
                break p.clone();
            }
        };
        assert_eq!(publication["params"]["version"], 20, "{publication}");
        // Of the text of version 20: its last statement is on line 19.
        let last_line = publication["params"]["diagnostics"]
            .as_array()
            .and_then(|d| {
                d.iter()
                    .filter_map(|d| d["range"]["start"]["line"].as_u64())
                    .max()
            });
        assert_eq!(last_line, Some(19));
        let request = Request::new(RequestId::from(2), "shutdown".into(), Value::Null);
        tx.send(Incoming::Message(Message::Request(request)))
            .expect("queued");
        send("exit", Value::Null);
        assert_eq!(server.join().expect("server thread"), 0);
        bytes.extend(out_rx.try_iter().flatten());
        seen.extend(frames(&mut bytes));
        let publications = seen
            .iter()
            .filter(|m| m["method"] == "textDocument/publishDiagnostics")
            .count();
        assert_eq!(publications, 1, "{seen:#?}");
    }
}
