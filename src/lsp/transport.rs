//! JSON-RPC framing over a byte stream (`Content-Length: N\r\n\r\n` + body).
//!
//! lsp-server's own stdio reader stops the connection on the first malformed message; the
//! protocol wants a JSON-RPC error back instead, so we read frames ourselves and hand the main
//! loop either a message or a description of what was wrong with the bytes.

use lsp_server::{ErrorCode, Message};
use serde_json::Value;
use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc::{self, Receiver};

/// A body larger than this is refused (and skipped) rather than allocated.
const MAX_BODY: usize = 64 * 1024 * 1024;

#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// Bytes that are not a valid message; answered with a JSON-RPC error.
    Invalid {
        id: Value,
        code: i32,
        message: String,
    },
}

enum Frame {
    Body(Vec<u8>),
    Bad(String),
}

/// Read one frame; `None` at end of input.
fn read_frame(r: &mut dyn BufRead) -> io::Result<Option<Frame>> {
    let mut length: Option<usize> = None;
    let mut bad_header: Option<String> = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        // Header lines are ASCII; a non-UTF-8 header line makes read_line fail, so read bytes.
        let mut raw = Vec::new();
        if r.read_until(b'\n', &mut raw)? == 0 {
            return Ok(None);
        }
        line.push_str(&String::from_utf8_lossy(&raw));
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            // Stray blank lines between messages: skip.
            continue;
        }
        saw_header = true;
        match line.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
            Some(_) => {} // Content-Type and unknown headers are ignored.
            None => bad_header = Some(format!("malformed header line `{line}`")),
        }
    }
    if let Some(problem) = bad_header {
        return Ok(Some(Frame::Bad(problem)));
    }
    let Some(length) = length else {
        return Ok(Some(Frame::Bad("missing Content-Length header".into())));
    };
    if length > MAX_BODY {
        io::copy(&mut r.take(length as u64), &mut io::sink())?;
        return Ok(Some(Frame::Bad(format!(
            "message of {length} bytes is larger than the {MAX_BODY} byte limit"
        ))));
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body)?;
    Ok(Some(Frame::Body(body)))
}

/// Turn a frame's body into a message, or say why it is not one.
pub fn decode(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Incoming::Invalid {
                id: Value::Null,
                code: ErrorCode::ParseError as i32,
                message: format!("parse error: {e}"),
            };
        }
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    if !value.is_object() {
        return Incoming::Invalid {
            id: Value::Null,
            code: ErrorCode::InvalidRequest as i32,
            message: "invalid request: a message must be a JSON object".into(),
        };
    }
    // lsp-server's untagged `Message` would read a request whose id is neither a number nor a
    // string as a notification, and its caller would wait forever for an answer.
    if value.get("method").is_some()
        && !matches!(id, Value::Null | Value::Number(_) | Value::String(_))
    {
        return Incoming::Invalid {
            id: Value::Null,
            code: ErrorCode::InvalidRequest as i32,
            message: "invalid request: `id` must be a number or a string".into(),
        };
    }
    match serde_json::from_value::<Message>(value) {
        Ok(msg) => Incoming::Message(msg),
        Err(e) => Incoming::Invalid {
            id,
            code: ErrorCode::InvalidRequest as i32,
            message: format!("invalid request: {e}"),
        },
    }
}

/// Read messages on a thread until end of input (or a read error); the channel closes then.
pub fn spawn_reader(mut input: impl BufRead + Send + 'static) -> Receiver<Incoming> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        loop {
            let incoming = match read_frame(&mut input) {
                Ok(None) | Err(_) => break,
                Ok(Some(Frame::Bad(problem))) => Incoming::Invalid {
                    id: Value::Null,
                    code: ErrorCode::ParseError as i32,
                    message: problem,
                },
                Ok(Some(Frame::Body(body))) => decode(&body),
            };
            let is_exit = matches!(&incoming, Incoming::Message(Message::Notification(n)) if n.method == "exit");
            if tx.send(incoming).is_err() || is_exit {
                break;
            }
        }
    });
    rx
}

/// Write one JSON body with its header.
pub fn write_frame(w: &mut dyn Write, body: &str) -> io::Result<()> {
    write!(w, "Content-Length: {}\r\n\r\n", body.len())?;
    w.write_all(body.as_bytes())?;
    w.flush()
}

/// A notification's JSON body, serialized straight from its params: no `serde_json::Value`
/// tree in between (a publication of a few hundred diagnostics would be built twice).
pub fn notification_body(
    method: &str,
    params: &impl serde::Serialize,
) -> serde_json::Result<String> {
    #[derive(serde::Serialize)]
    struct Body<'a, P> {
        jsonrpc: &'static str,
        method: &'a str,
        params: &'a P,
    }
    serde_json::to_string(&Body {
        jsonrpc: "2.0",
        method,
        params,
    })
}

pub fn write_message(w: &mut dyn Write, msg: &Message) -> io::Result<()> {
    let mut value = serde_json::to_value(msg)?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("jsonrpc".into(), Value::from("2.0"));
    }
    write_frame(w, &value.to_string())
}

/// An error response whose id may be `null` (lsp-server's `Response` cannot say that).
pub fn write_error(w: &mut dyn Write, id: Value, code: i32, message: &str) -> io::Result<()> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": message },
    });
    write_frame(w, &body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<Incoming> {
        let rx = spawn_reader(io::Cursor::new(input.as_bytes().to_vec()));
        rx.iter().collect()
    }

    #[test]
    fn good_bad_and_huge_frames() {
        let ok = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let input = format!(
            "Content-Length: {}\r\n\r\n{ok}Content-Length: 5\r\n\r\n{{oops\
             Content-Length: 2\r\n\r\n[]X-Nope\r\n\r\nContent-Length: 11\r\n\r\n{{\"id\":true}}\
             Content-Length: {}\r\n\r\n{ok}",
            ok.len(),
            ok.len()
        );
        let got = frames(&input);
        assert_eq!(got.len(), 6, "{got:?}");
        assert!(
            matches!(&got[0], Incoming::Message(Message::Request(r)) if r.method == "shutdown")
        );
        assert!(matches!(&got[1], Incoming::Invalid { code: -32700, .. }));
        assert!(matches!(&got[2], Incoming::Invalid { code: -32600, .. }));
        assert!(matches!(&got[3], Incoming::Invalid { code: -32700, .. }));
        assert!(
            matches!(&got[4], Incoming::Invalid { code: -32600, id, .. } if *id == Value::Bool(true))
        );
        assert!(matches!(&got[5], Incoming::Message(_)));
    }

    #[test]
    fn a_request_with_an_object_id_is_invalid_not_a_notification() {
        match decode(br#"{"jsonrpc":"2.0","id":{"a":1},"method":"textDocument/hover"}"#) {
            Incoming::Invalid { id, code, .. } => {
                assert_eq!(id, Value::Null);
                assert_eq!(code, ErrorCode::InvalidRequest as i32);
            }
            Incoming::Message(m) => panic!("decoded as {m:?}"),
        }
    }

    #[test]
    fn truncated_input_ends_the_stream() {
        let got = frames("Content-Length: 100\r\n\r\n{\"id\":1");
        assert!(got.is_empty());
    }
}
