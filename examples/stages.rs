//! Times each stage of the engine on a generated set, single-threaded, for profiling
//! (`perf record … target/release/examples/stages STAGE`).
//!
//! ```text
//! cargo run --release --example stages -- [FILES] [STAGE] [REPEAT]
//! ```
//! STAGE: `all` (default), `split`, `sqlparser` (sqlparser alone on each split statement),
//! `parse`, `replay`, `rules`.

use pgward::catalog::Catalog;
use pgward::engine::{self, CheckInput};
use pgward::{Config, SourceFile, syntax};
use std::hint::black_box;
use std::time::Instant;

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() {
    let mut args = std::env::args().skip(1);
    let files: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let stage = args.next().unwrap_or_else(|| "all".to_string());
    let repeat: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let set = corpus::generate(files, 42);
    let bytes: usize = set.iter().map(|(_, t)| t.len()).sum();
    let mb = bytes as f64 / 1e6;
    let run = |name: &str, f: &mut dyn FnMut()| {
        if stage != "all" && stage != name {
            return;
        }
        let mut best = f64::MAX;
        for _ in 0..repeat {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name:>10}: {:8.2} ms  {:7.1} MB/s", best * 1e3, mb / best);
    };
    println!("{files} files, {bytes} bytes, best of {repeat}");
    run("split", &mut || {
        for (_, t) in &set {
            black_box(syntax::split::split(t));
        }
    });
    run("sqlparser", &mut || {
        let dialect = sqlparser::dialect::PostgreSqlDialect {};
        for (_, t) in &set {
            for s in syntax::split::split(t).statements {
                let text = t.get(s.span.range()).unwrap_or("");
                let _ = black_box(sqlparser::parser::Parser::parse_sql(&dialect, text));
            }
        }
    });
    run("parse", &mut || {
        for (_, t) in &set {
            black_box(syntax::parse_file(t));
        }
    });
    if stage == "all" || stage == "replay" {
        let parsed: Vec<_> = set.iter().map(|(_, t)| syntax::parse_file(t)).collect();
        run("replay", &mut || {
            black_box(Catalog::replay(&parsed));
        });
    }
    if stage != "all" && stage != "rules" {
        return;
    }
    let config = Config::default();
    let inputs: Vec<CheckInput> = set
        .iter()
        .map(|(n, t)| CheckInput {
            source: SourceFile::new(n.clone(), t.clone()),
            report: true,
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
    let Ok(pool) = pool else { return };
    let workspace = pool.install(|| engine::build_workspace(inputs));
    run("rules", &mut || {
        pool.install(|| black_box(engine::run_rules(&workspace, &config)));
    });
}
