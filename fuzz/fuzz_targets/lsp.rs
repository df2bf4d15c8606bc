//! The language server's message handling: framed JSON-RPC messages built from the input
//! (pieces separated by NUL bytes, each framed with a Content-Length header, between an
//! `initialize` and a `shutdown` + `exit`), or the raw bytes as they come. No panic, no hang,
//! and every answer is a well-framed JSON message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn frame(out: &mut Vec<u8>, body: &[u8]) {
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
}

fuzz_target!(|data: &[u8]| {
    let mut input = Vec::new();
    match data.split_first() {
        Some((0, raw)) => input.extend_from_slice(raw),
        _ => {
            frame(
                &mut input,
                br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
            );
            frame(
                &mut input,
                br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
            );
            for piece in data.split(|b| *b == 0) {
                frame(&mut input, piece);
            }
            frame(
                &mut input,
                br#"{"jsonrpc":"2.0","id":99,"method":"shutdown"}"#,
            );
            frame(&mut input, br#"{"jsonrpc":"2.0","method":"exit"}"#);
        }
    }
    let mut out = Vec::new();
    let _ = pgward::lsp::serve_bytes(input, &mut out);
    // Every answer is `Content-Length: N\r\n\r\n` + N bytes of JSON.
    let mut rest = out.as_slice();
    while !rest.is_empty() {
        let text = String::from_utf8_lossy(rest);
        let Some(header_end) = text.find("\r\n\r\n") else {
            panic!("unframed output: {text:?}");
        };
        let len: usize = text[..header_end]
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no Content-Length in {text:?}"));
        let body = &rest[header_end + 4..header_end + 4 + len];
        assert!(serde_json::from_slice::<serde_json::Value>(body).is_ok());
        rest = &rest[header_end + 4 + len..];
    }
});
