//! The `ragcheck` command line: arguments → library calls → renderer →
//! exit status. Nothing here decides what is wrong with a return.

mod cli;

/// mimalloc rather than the system allocator: a check allocates and frees
/// many small objects per return on every worker thread, and reuses large
/// buffers file after file (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = cli::run(std::env::args_os());
    std::process::exit(code);
}
