//! The `holdup` binary: all the work is in the library (`holdup::cli`).

/// Large tables on huge pages (see `holdup::alloc`): a quarter less CPU time on large dumps.
#[global_allocator]
static ALLOC: holdup::alloc::HugePageAlloc = holdup::alloc::HugePageAlloc;

fn main() -> std::process::ExitCode {
    holdup::cli::main()
}
