//! `holdup check`: the CI gate. Rules over analyses, findings, exit codes.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Args;

/// Arguments of `holdup check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Dump files or directories (searched recursively).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,
}

/// Runs `holdup check`.
pub fn run(_args: &CheckArgs, _out: &mut dyn Write) -> io::Result<ExitCode> {
    Err(io::Error::other("holdup check is not built yet"))
}
