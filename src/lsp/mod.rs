//! `pgward lsp`: a language server over stdio (lsp-server's message types, lsp-types' structs,
//! no async runtime). Full-text sync; diagnostics on open, change (a burst coalesced), save; code
//! actions to ignore a rule or apply its fix; hover shows the rule doc.

// lsp-types' `Uri` caches parsed parts in a Cell; its Hash/Eq use only the string, so keying
// maps by it is sound.
#![allow(clippy::mutable_key_type)]

pub mod actions;
pub mod docs;
mod server;
mod transport;

use std::io::BufReader;

/// How the server encodes a notification (for `examples/lsp_latency.rs`).
#[doc(hidden)]
pub use transport::notification_body;

/// Serve the client on stdin/stdout until `exit`; returns the process exit code (0 after
/// `shutdown` + `exit`, 1 otherwise).
pub fn run_stdio() -> i32 {
    let incoming = transport::spawn_reader(BufReader::new(std::io::stdin()));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    server::serve(incoming, &mut out)
}

/// Serve a whole input (framed JSON-RPC messages) and write every answer to `out`; returns the
/// exit code. The fuzz target's way into the message handling, without stdin.
#[doc(hidden)]
pub fn serve_bytes(input: Vec<u8>, out: &mut dyn std::io::Write) -> i32 {
    let incoming = transport::spawn_reader(std::io::Cursor::new(input));
    server::serve(incoming, out)
}
