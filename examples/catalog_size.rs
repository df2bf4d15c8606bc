//! What the replayed catalog of a generated set costs: heap bytes and allocations (counted by
//! a global allocator), the size of its postcard encoding (what the check cache stores) and
//! the time to decode it (best of REPEAT, one thread).
//!
//! ```text
//! cargo run --release --example catalog_size -- [FILES] [REPEAT]
//! ```

use pgward::catalog::Catalog;
use pgward::syntax;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

#[path = "../benches/support/corpus.rs"]
mod corpus;

struct Counting;
static BYTES: AtomicUsize = AtomicUsize::new(0);
static BLOCKS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        BYTES.fetch_add(layout.size(), Relaxed);
        BLOCKS.fetch_add(1, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        BYTES.fetch_sub(layout.size(), Relaxed);
        BLOCKS.fetch_sub(1, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn heap() -> (usize, usize) {
    (BYTES.load(Relaxed), BLOCKS.load(Relaxed))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let files: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let repeat: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let set = corpus::generate(files, 42);
    let parsed: Vec<_> = set.iter().map(|(_, t)| syntax::parse_file(t)).collect();
    let (b0, n0) = heap();
    let mut catalog = Catalog::replay(&parsed);
    catalog.shrink_to_fit();
    let (b1, n1) = heap();
    println!(
        "{files} files: catalog {:.1} MB in {} allocations ({} tables)",
        (b1 - b0) as f64 / 1e6,
        n1 - n0,
        catalog.tables.len()
    );
    let part = |name: &str, f: &dyn Fn() -> Box<dyn std::any::Any>| {
        let (b, n) = heap();
        let kept = f();
        let (b2, n2) = heap();
        println!(
            "  {name:>10}: {:7.1} MB in {:8} allocations",
            (b2 - b) as f64 / 1e6,
            n2 - n
        );
        drop(kept);
    };
    part("tables", &|| Box::new(catalog.tables.clone()));
    part("indexes", &|| Box::new(catalog.indexes.clone()));
    part("policies", &|| Box::new(catalog.policies.clone()));
    part("functions", &|| Box::new(catalog.functions.clone()));
    part("facts", &|| {
        Box::new(
            (0..catalog.files_replayed())
                .map(|f| catalog.file_facts(f).to_vec())
                .collect::<Vec<_>>(),
        )
    });
    let columns: usize = catalog.tables.iter().map(|t| t.columns.len()).sum();
    println!(
        "  sizes: Table {} Column {} Index {} Policy {} Fact {} Loc {} Option<Loc> {}; {columns} columns, {} indexes, {} policies",
        size_of::<pgward::catalog::Table>(),
        size_of::<pgward::catalog::Column>(),
        size_of::<pgward::catalog::Index>(),
        size_of::<pgward::catalog::Policy>(),
        size_of::<pgward::catalog::Fact>(),
        size_of::<pgward::catalog::Loc>(),
        size_of::<Option<pgward::catalog::Loc>>(),
        catalog.indexes.len(),
        catalog.policies.len(),
    );
    let (b1, n1) = heap();
    black_box(catalog.created_in(0));
    let (b2, n2) = heap();
    println!(
        "objects by file: {:.1} MB in {} allocations",
        (b2 - b1) as f64 / 1e6,
        n2 - n1
    );
    let Ok(bytes) = postcard::to_allocvec(&catalog) else {
        return;
    };
    let mut best = f64::MAX;
    for _ in 0..repeat {
        let t = Instant::now();
        let decoded: Result<Catalog, _> = postcard::from_bytes(&bytes);
        best = best.min(t.elapsed().as_secs_f64());
        black_box(decoded.is_ok());
    }
    println!(
        "postcard: {:.2} MB, decode {:.2} ms (best of {repeat})",
        bytes.len() as f64 / 1e6,
        best * 1e3
    );
}
