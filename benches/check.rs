//! criterion benchmarks of the engine, one per stage: splitter, PostgreSQL's grammar, statement
//! parsing, catalog replay, the rules alone, the whole library check of a 2,000-file generated set,
//! and the language server's re-check of one 5,000-line buffer. Numbers and commands:
//! `benches/README.md`.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use pgward::catalog::Catalog;
use pgward::engine::{self, CheckInput, WorkspaceFile};
use pgward::{Config, SourceFile, syntax};
use std::hint::black_box;
use std::sync::Arc;

#[path = "support/corpus.rs"]
mod corpus;

const FILES: usize = 2000;
const SEED: u64 = 42;

fn inputs(set: &[(String, String)]) -> Vec<CheckInput> {
    set.iter()
        .map(|(name, text)| CheckInput {
            source: SourceFile::new(name.clone(), text.clone()),
            report: true,
        })
        .collect()
}

fn total_bytes(set: &[(String, String)]) -> u64 {
    set.iter().map(|(_, t)| t.len() as u64).sum()
}

fn syntax_benches(c: &mut Criterion) {
    let set = corpus::generate(FILES, SEED);
    let mut g = c.benchmark_group("syntax");
    g.throughput(Throughput::Bytes(total_bytes(&set)));
    g.sample_size(10);
    g.bench_function("split_2000_files", |b| {
        b.iter(|| {
            for (_, text) in &set {
                black_box(syntax::split::split(black_box(text)));
            }
        })
    });
    // PostgreSQL's grammar (libpg_query) alone: one validation per file, as parse_file does.
    g.bench_function("grammar_2000_files", |b| {
        b.iter(|| {
            for (_, text) in &set {
                let _ = black_box(syntax::grammar::check_sql(black_box(text)));
            }
        })
    });
    g.bench_function("parse_file_2000_files_1_thread", |b| {
        b.iter(|| {
            for (_, text) in &set {
                black_box(syntax::parse_file(black_box(text)));
            }
        })
    });
    g.finish();
}

fn catalog_benches(c: &mut Criterion) {
    let set = corpus::generate(FILES, SEED);
    let parsed: Vec<_> = set.iter().map(|(_, t)| syntax::parse_file(t)).collect();
    let mut g = c.benchmark_group("catalog");
    g.throughput(Throughput::Bytes(total_bytes(&set)));
    g.sample_size(20);
    g.bench_function("replay_2000_files", |b| {
        b.iter(|| black_box(Catalog::replay(black_box(&parsed))))
    });
    g.finish();
}

/// The rules alone, on a workspace parsed and replayed once, one thread: every rule over every
/// file of the set (quadratic rules show here first).
fn rules_benches(c: &mut Criterion) {
    let set = corpus::generate(FILES, SEED);
    let config = Config::default();
    let workspace = engine::build_workspace(inputs(&set));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap_or_else(|e| panic!("thread pool: {e}"));
    let mut g = c.benchmark_group("rules");
    g.throughput(Throughput::Bytes(total_bytes(&set)));
    g.sample_size(10);
    g.bench_function("run_rules_2000_files_1_thread", |b| {
        b.iter(|| pool.install(|| black_box(engine::run_rules(&workspace, &config))))
    });
    g.finish();
}

fn check_benches(c: &mut Criterion) {
    let set = corpus::generate(FILES, SEED);
    let config = Config::default();
    let mut g = c.benchmark_group("check");
    g.throughput(Throughput::Bytes(total_bytes(&set)));
    g.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("thread pool: {e}"));
        g.bench_function(format!("library_2000_files_{threads}_threads"), |b| {
            b.iter_batched(
                || inputs(&set),
                |inputs| pool.install(|| black_box(engine::check(inputs, &config))),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// One buffer of about 5,000 lines: generated migrations concatenated.
fn big_buffer(lines: usize) -> String {
    let mut rng = corpus::Rng(7);
    let mut text = String::new();
    let mut i = 100_000;
    while text.lines().count() < lines {
        text.push_str(&corpus::migration(&mut rng, i));
        i += 1;
    }
    text
}

fn lsp_benches(c: &mut Criterion) {
    let set = corpus::generate(FILES, SEED);
    let buffer = big_buffer(5000);
    let config = Config::default();
    let mut g = c.benchmark_group("lsp");
    g.throughput(Throughput::Bytes(buffer.len() as u64));
    g.sample_size(20);
    // What the language server does on a change: the context files are parsed once and cached;
    // each re-check parses the buffer, replays the set and runs the rules on the buffer only.
    let context: Vec<(Arc<SourceFile>, Arc<syntax::ParsedFile>)> = set
        .iter()
        .map(|(n, t)| {
            let s = SourceFile::new(n.clone(), t.clone());
            let p = syntax::parse_file(&s.text);
            (Arc::new(s), Arc::new(p))
        })
        .collect();
    g.bench_function("recheck_5000_line_buffer_cached_context_2000_files", |b| {
        b.iter(|| {
            let source = SourceFile::new("buffer.sql", buffer.clone());
            let parsed = syntax::parse_file(&source.text);
            let mut files: Vec<WorkspaceFile> = context
                .iter()
                .map(|(s, p)| WorkspaceFile {
                    source: Arc::clone(s).into(),
                    parsed: Arc::clone(p).into(),
                    report: false,
                })
                .collect();
            files.push(WorkspaceFile {
                source: source.into(),
                parsed: parsed.into(),
                report: true,
            });
            let workspace = engine::workspace_from_files(files);
            black_box(engine::run_rules(&workspace, &config))
        })
    });
    // The same through `engine::check`, re-parsing the context every time (a 200-file context).
    let small = &set[..200];
    g.bench_function("recheck_5000_line_buffer_check_200_context_files", |b| {
        b.iter_batched(
            || {
                let mut inputs: Vec<CheckInput> = small
                    .iter()
                    .map(|(n, t)| CheckInput {
                        source: SourceFile::new(n.clone(), t.clone()),
                        report: false,
                    })
                    .collect();
                inputs.push(CheckInput {
                    source: SourceFile::new("buffer.sql", buffer.clone()),
                    report: true,
                });
                inputs
            },
            |inputs| black_box(engine::check(inputs, &config)),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(
    benches,
    syntax_benches,
    catalog_benches,
    rules_benches,
    check_benches,
    lsp_benches
);
criterion_main!(benches);
