// jemalloc, not the system allocator: a big set's check allocates and frees millions of small
// blocks across threads, and glibc's malloc spent a third of the 50 MB set's time managing
// its free lists (benches/README.md, session 7).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`: an arena per CPU (as many as the threads that
/// allocate), and freed pages given back after 300 ms instead of 10 s (the peak memory of a
/// big set is otherwise pages it freed long before).
#[cfg(all(not(target_env = "msvc"), target_os = "linux"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: Option<&'static u8> = Some(&MALLOC_CONF_TEXT[0]);
#[cfg(all(not(target_env = "msvc"), target_os = "linux"))]
static MALLOC_CONF_TEXT: [u8; 39] = *b"percpu_arena:percpu,dirty_decay_ms:300\0";

fn main() -> std::process::ExitCode {
    #[cfg(not(target_env = "msvc"))]
    pgward::engine::set_give_back(purge_arenas);
    pgward::cli::main()
}

/// jemalloc's dirty pages of every arena given back to the system now.
#[cfg(not(target_env = "msvc"))]
fn purge_arenas() {
    // `arena.<i>.purge` with `i` = MALLCTL_ARENAS_ALL (4096): no value read or written.
    // SAFETY: the name is a NUL-terminated string and the control takes no arguments.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"arena.4096.purge".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
    }
}
