//! The `holdup` binary: all the work is in the library (`holdup::cli`).

fn main() -> std::process::ExitCode {
    holdup::cli::main()
}
