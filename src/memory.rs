//! Giving freed memory back to the operating system after large requests.
//!
//! glibc's `malloc` keeps one arena per thread that allocates (tokio's workers and one thread
//! per pooled SQLite connection), and keeps what a request frees inside the arena that served
//! it. A 10,000-record roster sync parses its variables into about 60 MB of short-lived
//! values (async-graphql's `ConstValue` tree and the copy it makes for the argument); when the
//! next large request lands on another thread's arena, both copies stay resident. Measured on
//! SQLite (BENCHMARKS.md, "Roster sync"): live heap at its peak 72 MB (heaptrack), resident
//! 127-191 MiB over five runs; with a trim after each large request, resident stays near live.
//! `malloc_trim(0)` returns every arena's whole free pages (glibc ≥ 2.8, `malloc_trim(3)`).
//!
//! The `civlink` binary allocates Rust's memory through mimalloc (`src/main.rs`), which returns
//! freed pages to the operating system on its own (after its purge delay); glibc's `malloc`
//! still serves what C code allocates (SQLite's page cache), and this trims that.

/// Request bodies from this size on (bytes, by `Content-Length`) are followed by
/// [`release_free_memory`]: a 10,000-volunteer sync is about 2.3 MB, an ordinary query a few KB.
pub const TRIM_AFTER_BYTES: u64 = 1 << 20;

/// Returns glibc's free pages to the operating system, on a blocking thread (it walks every
/// arena: a few milliseconds). Nothing on platforms without glibc, whose allocators return
/// memory on their own terms.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::task::spawn_blocking(|| {
        // SAFETY: `malloc_trim` only releases memory the allocator holds free; it takes the
        // arenas' locks like any allocation and is safe to call from any thread at any time.
        unsafe { libc::malloc_trim(0) };
    });
}
