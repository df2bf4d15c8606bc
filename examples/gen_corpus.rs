//! Deterministic generator of realistic Supabase-style migration sets, for benchmarks and
//! scaling measurements.
//!
//! ```text
//! cargo run --release --example gen_corpus -- OUT_DIR [FILES] [SEED]
//! ```
//! Writes `FILES` (default 2000) migrations of about 40 lines each into `OUT_DIR`, with a few
//! deliberate mistakes (a non-idempotent CREATE, a CONCURRENTLY index inside BEGIN, a missing
//! user_id index, a policy name reused on another table).

use std::path::Path;

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        eprintln!("usage: gen_corpus OUT_DIR [FILES] [SEED]");
        std::process::exit(2);
    };
    let files: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(42);
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;
    let mut bytes = 0;
    for (name, text) in corpus::generate(files, seed) {
        bytes += text.len();
        std::fs::write(out.join(name), text)?;
    }
    eprintln!("wrote {files} files, {bytes} bytes, to {}", out.display());
    Ok(())
}
