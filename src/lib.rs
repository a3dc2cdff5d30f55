//! holdup reads Go goroutine dumps and says why the process is stuck: which goroutine holds
//! the lock that others wait on, what that holder is doing, and how many goroutines pile up
//! behind it.
//!
//! The library is layered: [`read`] takes a file, bytes or a reader ([`Input`]) within the
//! limits of [`ReadOptions`]; inside, the input is read as lines, the dumps are found in them
//! and their wrapping undone, and each dump's lines are parsed into the [`model`]. The
//! analysis modules ([`analysis`] first) work on the model, and [`report`] renders it. The
//! byte kernels, extraction and parsing are private to the crate.
//!
//! ```
//! let text = "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\n";
//! let dumps = holdup::read_dumps(text.as_bytes(), "example.txt").unwrap();
//! assert_eq!(dumps.len(), 1);
//! let d = &dumps[0];
//! let g = &d.goroutines[0];
//! assert_eq!(g.id, Some(1));
//! assert_eq!(d.state(g), "running");
//! assert_eq!(d.frames(g).next().unwrap().func.full, "main.main");
//! ```
//!
//! Reading a file with [`read`] and printing who holds each contended lock:
//!
//! ```
//! use holdup::{Input, ReadOptions, read};
//! let path = "testdata/corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log";
//! let dumps = read(Input::Path(path), &ReadOptions::default()).unwrap();
//! let d = &dumps[0];
//! let a = holdup::analysis::analyze(d);
//! for (lock, holders) in a.locks.iter().zip(&a.holders) {
//!     let site = &d.func(lock.site()).full;
//!     let name = holdup::report::words::lock_words(lock.kind, lock.addr, lock.owner, site);
//!     match holders.first() {
//!         Some(h) => println!(
//!             "{name} is held by goroutine {:?} ({:?} confidence)",
//!             d.goroutines[h.goroutine].id,
//!             h.confidence
//!         ),
//!         None => println!("{name}: no live holder found"),
//!     }
//! }
//! let first = a.holders[0].first().expect("the volume lock has a holder");
//! assert_eq!(d.goroutines[first.goroutine].id, Some(197));
//! ```

/// Prints `holdup: MESSAGE` on standard error with control characters made visible:
/// messages carry file names and text from dumps, which must not drive the terminal.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("holdup: {}", $crate::escape::visible(&format!($($arg)*)))
    };
}

pub mod alloc;
pub mod analysis;
pub(crate) mod bytes;
pub(crate) mod cache;
pub mod capture;
pub mod check;
pub mod cli;
pub mod diff;
pub mod doing;
pub(crate) mod era;
pub mod error;
pub(crate) mod escape;
pub(crate) mod extract;
pub mod filter;
pub mod graph;
pub mod group;
pub mod infer;
pub mod input;
pub mod locks;
pub mod model;
pub(crate) mod par;
pub(crate) mod parse;
pub mod report;
pub mod split;
pub mod stuck;
pub mod waits;

use std::io::Read;

pub use error::{Error, ErrorKind};
pub use model::Dump;

/// Lines longer than this are handed out in pieces (only a dump inside one log line may be
/// longer; anything else that long is not dump text). The default of
/// [`ReadOptions::max_line_length`].
pub const MAX_LINE_PIECE: usize = 4 << 20;

/// The limits that keep reading bounded, whatever the input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// The most bytes read from one input (after gzip is undone): the rest is left unread and
    /// the last dump gets a warning. Guards against a gzip bomb or a device file.
    pub max_input_size: u64,
    /// Lines longer than this are not read as dump text (a warning says so), except a dump
    /// inside one log line, which is decoded piece by piece.
    pub max_line_length: usize,
}

/// The default of [`ReadOptions::max_input_size`]: 8 GiB, four times the largest dump
/// measured (a million goroutines, 1.9 GB).
pub const DEFAULT_MAX_INPUT_SIZE: u64 = 8 << 30;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { max_input_size: DEFAULT_MAX_INPUT_SIZE, max_line_length: MAX_LINE_PIECE }
    }
}

/// Where [`read`] takes its dumps from.
pub enum Input<'a> {
    /// A file, or `-` for standard input; gzip is recognised by its content. A large plain
    /// file is read on every core.
    Path(&'a str),
    /// Bytes in memory, named `name` in messages; gzip is recognised by its content. Plain
    /// text is read in place, without a copy.
    Bytes {
        /// The bytes.
        bytes: &'a [u8],
        /// The name used in messages and in [`Dump::source`].
        name: &'a str,
    },
    /// Any reader of text already decompressed (a socket, an HTTP body), named `name`.
    Reader {
        /// The reader.
        reader: Box<dyn Read + Send + 'a>,
        /// The name used in messages and in [`Dump::source`].
        name: &'a str,
    },
}

/// Reads every dump in `input` within the limits of `opts`. Fails on an I/O error, and with
/// [`ErrorKind::NoDump`] when the input holds no dump (or [`ErrorKind::TooLarge`] when its
/// first `max_input_size` bytes hold none).
///
/// ```
/// use holdup::{Input, ReadOptions, read};
/// let text = b"goroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\n";
/// let dumps = read(Input::Bytes { bytes: text, name: "paste" }, &ReadOptions::default()).unwrap();
/// assert_eq!(dumps[0].goroutines.len(), 1);
/// ```
pub fn read(input: Input<'_>, opts: &ReadOptions) -> Result<Vec<Dump>, Error> {
    let (dumps, name) = match input {
        Input::Path(path) => return read_path_sized(path, regular_file_size(path), opts),
        Input::Bytes { bytes, name } => (read_bytes(bytes, name, opts)?, name),
        Input::Reader { reader, name } => (read_sized(reader, name, 0, opts)?, name),
    };
    if dumps.is_empty() {
        return Err(Error::new(name, ErrorKind::NoDump));
    }
    Ok(dumps)
}

/// Reads every dump in `reader` (already decompressed) within the default limits, naming
/// the input `source` in messages. Fails only on I/O errors; an input without any dump
/// yields an empty list. [`read`] takes limits of its own.
pub fn read_dumps_from<R: Read>(reader: R, source: &str) -> Result<Vec<Dump>, Error> {
    read_sized(reader, source, 0, &ReadOptions::default())
}

/// Reads every dump in `reader` (already decompressed) within the limits of `opts`, for an
/// input of about `size_hint` bytes (0: unknown).
pub(crate) fn read_sized<R: Read>(
    reader: R,
    source: &str,
    size_hint: u64,
    opts: &ReadOptions,
) -> Result<Vec<Dump>, Error> {
    read_lines(input::LineReader::new(reader, opts.max_line_length), source, size_hint, opts)
}

/// Reads every dump in the lines of `lines`, from an input of about `size_hint` bytes.
fn read_lines<S: input::Source>(
    lines: input::LineReader<S>,
    source: &str,
    size_hint: u64,
    opts: &ReadOptions,
) -> Result<Vec<Dump>, Error> {
    let mut ex = extract::Extractor::new(source);
    ex.size_hint(size_hint);
    ex.max_line(opts.max_line_length);
    let limit = opts.max_input_size;
    if feed_lines(lines.with_limit(limit), &mut ex, source)? {
        let mut dumps = ex.finish();
        let Some(last) = dumps.last_mut() else {
            return Err(Error::new(source, ErrorKind::TooLarge { limit }));
        };
        let line = last.span.last_line;
        let message = format!(
            "the input is larger than {limit} bytes: the rest was not read (raise the limit with --max-input-size)"
        );
        // First, as the reason for the rest: a missing END marker or a cut goroutine is
        // what stopping early looks like, not damage of its own.
        last.warnings.retain(|w| w.message != extract::NO_END_MARKER);
        last.warnings.insert(0, model::Warning { line, message });
        return Ok(dumps);
    }
    Ok(ex.finish())
}

/// Hands every line of `lines` to `ex`; returns whether the input was cut at the reader's
/// byte limit.
pub(crate) fn feed_lines<S: input::Source>(
    mut lines: input::LineReader<S>,
    ex: &mut extract::Extractor,
    source: &str,
) -> Result<bool, Error> {
    while let Some(l) = lines.next_line().map_err(|e| Error::io(source, e))? {
        ex.line(&l);
    }
    Ok(lines.truncated())
}

/// Whether the file at `path` starts with the gzip magic (a file too short to tell, or one
/// that cannot be read, counts as compressed: it is then read as a stream, which reports
/// any error).
fn starts_gzip(path: &str) -> bool {
    let mut head = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .map(|()| head == input::GZIP_MAGIC)
        .unwrap_or(true)
}

/// Reads a large plain file on every core (see [`split`]); `None` when the file is small,
/// not a regular plain file (`file_size` is its size if it is one), or its pieces could not
/// be stitched.
fn parallel_read(path: &str, file_size: Option<u64>, opts: &ReadOptions) -> Result<Option<Vec<Dump>>, Error> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // A file over the size limit is read in one piece, which stops at the limit.
    let Some(size) = file_size.filter(|&s| s >= split::MIN_PARALLEL_BYTES && s <= opts.max_input_size && threads >= 2)
    else {
        return Ok(None);
    };
    split::read_parallel(path, size, threads, opts.max_line_length)
}

/// Reads every dump in `bytes` within the default limits, decompressing gzip if the bytes
/// start with its magic. An input without any dump yields an empty list. [`read`] takes
/// limits of its own.
pub fn read_dumps(bytes: &[u8], source: &str) -> Result<Vec<Dump>, Error> {
    read_bytes(bytes, source, &ReadOptions::default())
}

/// [`read_dumps`] within the limits of `opts`.
pub(crate) fn read_bytes(bytes: &[u8], source: &str, opts: &ReadOptions) -> Result<Vec<Dump>, Error> {
    if bytes.starts_with(&input::GZIP_MAGIC) {
        let reader = input::sniff_gzip(Box::new(bytes)).map_err(|e| Error::io(source, e))?;
        // The compressed size says little of the text's: the tables are sized as for a pipe.
        return read_sized(reader, source, 0, opts);
    }
    // Plain text is read in place: lines borrow `bytes`, nothing is copied.
    read_lines(input::LineReader::from_slice(bytes, opts.max_line_length), source, bytes.len() as u64, opts)
}

/// Opens a path (or `-` for stdin) and reads every dump in it within the default limits.
/// Fails with [`ErrorKind::NoDump`] when the input holds none. [`read`] takes limits of its
/// own.
pub fn read_path(path: &str) -> Result<Vec<Dump>, Error> {
    read_path_sized(path, regular_file_size(path), &ReadOptions::default())
}

/// The size of the file at `path` if it is a regular file (not `-`, a pipe or a device).
pub fn regular_file_size(path: &str) -> Option<u64> {
    if path == "-" { None } else { std::fs::metadata(path).ok().filter(|m| m.is_file()).map(|m| m.len()) }
}

/// [`read`] of a path whose [`regular_file_size`] the caller has already asked (a fleet of
/// small files is not asked twice).
pub(crate) fn read_path_sized(path: &str, size: Option<u64>, opts: &ReadOptions) -> Result<Vec<Dump>, Error> {
    // The size says whether to split the file and how large to make the tables. A large
    // compressed file is read as a pipe is, its size unknown: the compressed size says
    // little of the text's. (A small one keeps it as a hint, which spares every small file
    // of a fleet a second open.)
    let file_size = size.filter(|&s| s < split::MIN_PARALLEL_BYTES || !starts_gzip(path));
    let dumps = match parallel_read(path, file_size, opts)? {
        Some(dumps) => dumps,
        None => {
            let reader = input::open(path).map_err(|e| Error::io(path, e))?;
            read_sized(reader, path, file_size.unwrap_or(0), opts)?
        }
    };
    if dumps.is_empty() {
        return Err(Error::new(path, ErrorKind::NoDump));
    }
    Ok(dumps)
}
