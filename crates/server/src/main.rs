//! The `switchboard` binary.

/// mimalloc instead of the system's malloc: measured in BENCHMARKS.md ("An allocator for
/// many small values").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    switchboard::cli::main()
}
