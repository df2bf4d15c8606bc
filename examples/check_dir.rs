//! A stand-in for `pgward check --format json DIR` that needs only the library: reads every
//! `*.sql` file of a directory (sorted by name, which is migration order for the generated sets),
//! checks them and prints the JSON diagnostics. Used to measure the engine on its own.
//!
//! ```text
//! cargo run --release --example check_dir -- DIR [THREADS]
//! ```

use pgward::{CheckInput, Config, SourceFile};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: check_dir DIR [THREADS]");
        std::process::exit(2);
    };
    let threads: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let mut paths: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    let config = Config::default();
    let out = pool.install(|| -> std::io::Result<_> {
        use rayon::prelude::*;
        let inputs = paths
            .par_iter()
            .map(|p| {
                let text = std::fs::read_to_string(p)?;
                Ok(CheckInput {
                    source: SourceFile::new(p.display().to_string(), text),
                    report: true,
                })
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(pgward::check(inputs, &config))
    })?;
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let files = &out.workspace.files;
    let items: Vec<serde_json::Value> = out
        .diagnostics
        .iter()
        .filter_map(|d| {
            let f = files.get(d.file)?;
            let start = f.source.lines.line_col(&f.source.text, d.span.start);
            let end = f.source.lines.line_col(&f.source.text, d.span.end);
            Some(serde_json::json!({
                "file": f.source.name, "rule": d.rule, "severity": d.severity.as_str(),
                "message": d.message, "line": start.line, "column": start.column,
                "end_line": end.line, "end_column": end.column, "help": d.help,
            }))
        })
        .collect();
    serde_json::to_writer_pretty(&mut w, &items)?;
    writeln!(w)?;
    eprintln!("{} files, {} diagnostics", files.len(), items.len());
    Ok(())
}
