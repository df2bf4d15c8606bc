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
