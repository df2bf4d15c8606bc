//! Times each enabled rule alone over every file of a generated set, single-threaded, and the
//! engine's per-file work around the rules (suppressions, reversal ranges, severity overrides,
//! sort), to find the rules that cost more than their share.
//!
//! ```text
//! cargo run --release --example rule_costs -- [FILES] [REPEAT] [RULE]
//! ```
//! Prints the best of REPEAT runs per rule, slowest first; with RULE, times only that rule (to
//! profile it: `perf record … rule_costs 2000 20 per-row-auth-call`). CPU time on a shared machine is noisy:
//! compare runs of the same build, or count instructions (`valgrind --tool=callgrind`).

use pgward::engine::{self, CheckInput, FileContext};
use pgward::{Config, SourceFile, rules};
use std::hint::black_box;
use std::time::Instant;

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() {
    let mut args = std::env::args().skip(1);
    let files: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let repeat: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let only = args.next();
    let set = corpus::generate(files, 42);
    let config = Config::default();
    let inputs: Vec<CheckInput> = set
        .into_iter()
        .map(|(name, text)| CheckInput {
            source: SourceFile::new(name, text),
            report: true,
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
    let Ok(pool) = pool else { return };
    let workspace = pool.install(|| engine::build_workspace(inputs));
    // Build the catalog's lazy indexes outside the timings (the first rule to ask pays for them).
    pool.install(|| black_box(engine::run_rules(&workspace, &config)));

    let best = |f: &mut dyn FnMut()| {
        (0..repeat.max(1))
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .fold(f64::MAX, f64::min)
    };
    let mut rows: Vec<(&str, f64, usize)> = Vec::new();
    for rule in rules::all()
        .iter()
        .filter(|r| rules::is_enabled(r, &config))
        .filter(|r| only.as_deref().is_none_or(|id| id == r.id))
    {
        let Some(check) = rule.check else { continue };
        let mut count = 0;
        let ms = best(&mut || {
            let mut found = Vec::new();
            for file_id in 0..workspace.files.len() {
                let ctx = FileContext {
                    file_id,
                    workspace: &workspace,
                    config: &config,
                };
                check(&ctx, &mut found);
            }
            count = found.len();
            black_box(found);
        });
        rows.push((rule.id, ms, count));
    }
    if only.is_some() {
        for (id, ms, count) in &rows {
            println!("{id}: {ms:.2} ms, {count} findings");
        }
        return;
    }
    let total = best(&mut || {
        pool.install(|| black_box(engine::run_rules(&workspace, &config)));
    });
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let sum: f64 = rows.iter().map(|r| r.1).sum();
    println!(
        "{} files, best of {repeat}, one thread",
        workspace.files.len()
    );
    println!("{:<36} {:>9} {:>9}", "rule", "ms", "findings");
    for (id, ms, count) in &rows {
        println!("{id:<36} {ms:>9.2} {count:>9}");
    }
    println!("{:<36} {:>9.2}", "sum of rules", sum);
    println!("{:<36} {:>9.2}", "run_rules (rules + engine)", total);
}
