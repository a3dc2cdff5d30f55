//! The one error type: which input, and what went wrong with it.

use std::fmt;
use std::io;

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input could not be opened or read.
    Io(io::Error),
    /// The input was read but holds no goroutine dump.
    NoDump,
    /// A command-line value was not understood.
    Usage(String),
    /// The input is larger than `--max-input-size` and its first `limit` bytes hold no dump.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
}

/// An error naming the input it is about.
#[derive(Debug)]
pub struct Error {
    /// The input (a path, or `-` for standard input).
    pub source: String,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl Error {
    /// An error about `source`.
    pub fn new(source: &str, kind: ErrorKind) -> Self {
        Error { source: source.to_string(), kind }
    }

    /// An I/O error about `source`.
    pub fn io(source: &str, e: io::Error) -> Self {
        Error::new(source, ErrorKind::Io(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.source == "-" { "standard input" } else { &self.source };
        match &self.kind {
            ErrorKind::Io(e) if e.kind() == io::ErrorKind::NotFound => write!(f, "{name}: no such file"),
            ErrorKind::Io(e) if e.kind() == io::ErrorKind::IsADirectory => write!(
                f,
                "{name}: is a directory; give the dump files in it, or run `holdup check {name}` to check every dump under it"
            ),
            ErrorKind::Io(e) if e.kind() == io::ErrorKind::InvalidInput || e.kind() == io::ErrorKind::InvalidData => {
                write!(f, "{name}: cannot read the data: {e}")
            }
            ErrorKind::Io(e) => write!(f, "{name}: {e}"),
            ErrorKind::NoDump => {
                write!(f, "no goroutine dump found in {name}: expected a line like 'goroutine 1 [running]:'")
            }
            ErrorKind::Usage(m) => write!(f, "{m}"),
            ErrorKind::TooLarge { limit } => write!(
                f,
                "no goroutine dump found in the first {limit} bytes of {name}, and the rest was not read: \
                 it is larger than --max-input-size"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}
