//! Finding the dumps inside what users hand us, and undoing their wrapping.
//!
//! An input may hold zero, one or several dumps, wrapped in any of these ways (each is
//! recognised on the fly, line by line, so memory stays bounded), each in a module of its own:
//!
//! | wrapping | looks like | module |
//! |---|---|---|
//! | bare `runtime.Stack` / pprof `debug=2` | `goroutine 1 [running]:` at a line start | [`marker`] |
//! | dockerd / containerd markers | `=== BEGIN goroutine stack dump ===` … `=== END goroutine stack dump ===` | [`marker`] |
//! | frames without any header | `sync.(*Mutex).Lock(0xc208731b90)` + `\t/…/mutex.go:66 +0xd3` | [`State::Headless`] |
//! | journald / syslog / kubectl prefixes | `Aug 09 13:49:31 host dockerd[1802]: goroutine 1 [running]:` | [`prefix`] |
//! | indentation or e-mail quoting | `    goroutine 1 [running]:`, `> goroutine 1 [running]:` | [`prefix`] |
//! | one logrus / JSON log line | `msg="=== BEGIN goroutine stack dump ===\ngoroutine 1 [running]:\n…"` | [`escaped`] |
//! | the same, quoted twice (strace) | `msg=\"…\\ngoroutine 1 [running]:\\n…` | [`escaped`] |
//! | Docker json-file logs | `{"log":"goroutine 1 [running]:\n","stream":"stderr","time":"…"}` | [`json_file`] |
//! | SIGQUIT / crash output | `SIGQUIT: quit`, `PC=0x… m=0 sigcode=0`, register dump after | [`crash`] |
//! | panics and fatal errors | `panic: …`, `fatal error: all goroutines are asleep - deadlock!` | [`crash`] |
//! | pprof `debug=1` | `goroutine profile: total 7`, `1 @ 0x… 0x…`, `#\t0x…\tpkg.f+0x1d\t\t/x.go:12` | [`pprof`] |
//!
//! Glued lines from e-mail quoting (`…/kill.go:162 +0x215github.com/…`) are undone by the
//! parser, which knows what a file line is.
//!
//! The extractor is a state machine over the input's lines ([`State`]). While a dump is open
//! every line goes, with its prefix removed, to that dump's [`DumpBuilder`], once; a line the
//! builder does not take is examined once for a boundary: a marker, a header behind a new
//! prefix, a crash or profile start, a logged dump. A new dump also starts at a goroutine id
//! the current dump already holds (dumps are never merged). A line that opens a dump is
//! handed to the new dump's builder directly, not examined again.
//!
//! Two things are not states. The rest of an over-long line (`skipping`) is dropped
//! whatever the state, and a dump stays open across it. And the parallel reader
//! ([`crate::split`]) only asks [`is_boundary`] where it may cut a file, then reads each piece
//! with an extractor of its own and stitches the [`Chunk`]s.

mod crash;
mod escaped;
mod json_file;
mod marker;
mod pprof;
mod prefix;

pub(crate) use marker::{NO_END_MARKER, is_boundary};

use crate::era;
use crate::input::Line;
use crate::model::{Dump, DumpKind};
use crate::parse::{DumpBuilder, End, Fed, split_call};

use escaped::Escaped;
use marker::Marker;
use prefix::Prefix;

/// Where the extractor is between two lines of its input. Each variant gives a line that
/// leads into it and the states the next lines can lead to.
///
/// ```text
/// Outside   --"goroutine 1 [running]:", "=== BEGIN …", "panic: x", "goroutine profile: total 3"--> Dump
/// Outside   --"sync.(*Mutex).Lock(0xc208731b90)"-->                                              Headless
/// Outside   --`msg="goroutine 1 [running]:\nmain.main()…`-->                                     Escaped
/// Headless  --"\t/usr/lib/go/src/sync/mutex.go:66 +0xd3"-->                                      Dump
/// Headless  --anything else-->                                       as from Outside (the held line is dropped)
/// Dump      --a line its builder takes-->                                                        Dump
/// Dump      --"=== END goroutine stack dump ===", a repeated goroutine id, a new start-->         Outside / Dump
/// Dump      --`level=info msg="goroutine 1 [running]:\n…`-->                                    Escaped
/// Escaped   --the closing quote, or a new log record on the next line-->                         Outside
/// ```
enum State {
    /// No dump is open: `2026-11-27T04:31:44Z level=info msg="serving on :8080"`. Goes to
    /// `Dump` at a header (`goroutine 1 [running]:`, also behind a prefix), a BEGIN marker,
    /// a crash line (`panic: x`, `SIGQUIT: quit`) or a pprof `debug=1` line; to `Headless` at
    /// a function line; to `Escaped` at a log line holding an escaped dump; else stays.
    Outside,
    /// A function line met outside any dump, `sync.(*Mutex).Lock(0xc208731b90)`, held by the
    /// builder of a dump not yet opened (the builder's own lookahead judges it, see
    /// [`DumpBuilder::completes_headless`]). Goes to `Dump` when its file line
    /// `\t/usr/lib/go/src/sync/mutex.go:66 +0xd3` follows (a goroutine whose header was
    /// lost); stays at an END marker or the rest of an over-long line; otherwise the line is
    /// dropped and the next one read as from `Outside`.
    Headless(Open),
    /// A dump is open and its builder reads each line: `goroutine 7 [select]:`,
    /// `main.f(0x1)`, `\t/x.go:3 +0x1d`, or the crash preamble before its first goroutine
    /// (`[signal SIGSEGV: segmentation violation …]`). Stays while the builder takes lines;
    /// goes to `Outside` at an END marker; to a new `Dump` at a BEGIN marker, a crash or
    /// profile start, a header behind another prefix or a goroutine id it already holds; to
    /// `Escaped` at a log line holding an escaped dump. A line it does not take after a
    /// goroutine ends that goroutine (a log goes on after the dump) or, inside one, is
    /// reported as damage.
    Dump(Open),
    /// Decoding a dump inside a quoted log message,
    /// `level=info msg="goroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\n"`; a
    /// nested extractor reads the decoded lines. Stays while the message goes on (also over
    /// several journald lines, each with its own prefix); goes to `Outside` at the closing
    /// quote, or when the next line starts a new record (the message was cut).
    Escaped(Box<Escaped>),
}

/// A dump being read.
struct Open {
    b: DumpBuilder,
    prefix: Prefix,
    /// Opened by a BEGIN marker, so an END marker is expected.
    marker: bool,
    /// Lines before the first goroutine are still the reason (panic message, signal).
    preamble: bool,
    /// A blank line ended the message itself: later preamble lines are kept only if they
    /// look like part of a crash report (`[signal …]`, `PC=…`, `panic: …`).
    message_done: bool,
    /// Opened at the start of a chunk, continuing a dump begun in the previous chunk.
    continuation: bool,
}

impl Open {
    /// Hands `clean` (the line `raw` without its prefix) to the builder, and on success
    /// extends the dump's span over it.
    #[inline]
    fn feed(&mut self, clean: &[u8], raw: &[u8], number: u64, offset: u64) -> Fed {
        let fed = self.b.feed(clean, number);
        if fed == Fed::Consumed {
            if self.preamble && !self.b.is_empty() {
                self.preamble = false;
            }
            if self.preamble && clean.is_empty() {
                self.message_done = true;
            }
            // A blank line after the last goroutine does not extend the span.
            if !clean.is_empty() {
                self.b.dump_mut().span.last_line = number;
                self.b.dump_mut().span.end_byte = offset + raw.len() as u64;
            }
        }
        fed
    }
}

/// Finds and reads the dumps in one input, line by line.
pub struct Extractor {
    source: String,
    /// What a bare dump in this input is: a dockerd SIGUSR1 file or plain text.
    bare_kind: DumpKind,
    /// Reads the decoded text of an escaped dump (which holds no escaped dump of its own).
    nested: bool,
    dumps: Vec<Dump>,
    state: State,
    /// The rest of an over-long line is being skipped.
    skipping: bool,
    last_line: u64,
    last_end: u64,
    scratch: Vec<u8>,
    /// The chunk's opening continuation dump was closed by an END marker.
    continuation_closed_by_end: bool,
    /// The chunk's opening continuation dump held goroutines (and is `dumps[0]`).
    continuation_kept: bool,
    /// How many bytes the input holds: a dump opened at offset `o` reserves its tables for
    /// the `size_hint - o` bytes that may follow (see `DumpBuilder::reserve_for`). `Some(0)`:
    /// the size is unknown; `None`: not told yet.
    size_hint: Option<u64>,
    /// The longest line read ([`crate::ReadOptions::max_line_length`]), also inside a
    /// quoted message.
    max_line: usize,
}

/// The size a dump of unknown size is assumed to reach, for sizing its tables.
const UNKNOWN_SIZE: u64 = 256 << 20;

/// How a chunk of a file ended, for stitching chunks that were read in parallel.
#[derive(Debug)]
pub enum ChunkEnd {
    /// The last dump was still open, plain and between goroutines: the next chunk continues
    /// it. `marker` says it began with a BEGIN marker (so an END is still expected).
    Open {
        /// The dump began with `=== BEGIN goroutine stack dump ===`.
        marker: bool,
    },
    /// No dump was open: the next chunk's goroutines start a dump of their own.
    Outside,
    /// Anything else (a prefixed or escaped dump, a preamble, a half-read frame): the chunks
    /// cannot be stitched and the file is read again in one piece.
    Tangled,
}

/// What one chunk produced.
#[derive(Debug)]
pub struct Chunk {
    /// The dumps, the last one closed at the chunk's end if it was open.
    pub dumps: Vec<Dump>,
    /// How the chunk ended.
    pub end: ChunkEnd,
    /// The chunk began as a continuation and `dumps[0]` continues the previous chunk's dump.
    pub starts_with_continuation: bool,
    /// That continuation was closed by an END marker inside this chunk.
    pub continuation_closed_by_end: bool,
    /// The number of the chunk's last line.
    pub last_line: u64,
}

impl Extractor {
    /// An extractor for the input called `source` (a path or `-`).
    pub fn new(source: &str) -> Self {
        let base = source.rsplit(['/', '\\']).next().unwrap_or(source);
        let sigusr1 = base.contains("goroutine-stacks-");
        Extractor {
            source: source.to_string(),
            bare_kind: if sigusr1 { DumpKind::DockerdFile } else { DumpKind::Raw },
            nested: false,
            dumps: Vec::new(),
            state: State::Outside,
            skipping: false,
            last_line: 0,
            last_end: 0,
            scratch: Vec::new(),
            continuation_closed_by_end: false,
            continuation_kept: false,
            size_hint: None,
            max_line: crate::MAX_LINE_PIECE,
        }
    }

    /// The open dump, if any.
    fn open(&self) -> Option<&Open> {
        match &self.state {
            State::Dump(o) => Some(o),
            _ => None,
        }
    }

    /// The open dump, if any.
    fn open_mut(&mut self) -> Option<&mut Open> {
        match &mut self.state {
            State::Dump(o) => Some(o),
            _ => None,
        }
    }

    /// Says how many bytes the input holds (0: unknown, as for a pipe or a gzip stream), so
    /// that dumps can size their tables once instead of growing them by copying.
    pub fn size_hint(&mut self, bytes: u64) {
        self.size_hint = Some(bytes);
        let start = self.open().filter(|o| o.b.is_empty()).map(|o| o.b.dump().span.start_byte);
        if let Some(room) = start.and_then(|at| self.room_after(at))
            && let Some(o) = self.open_mut()
        {
            o.b.reserve_for(room);
        }
    }

    /// Sets the longest line read as dump text (see [`crate::ReadOptions::max_line_length`]),
    /// which bounds a line decoded from a logged dump too.
    pub fn max_line(&mut self, bytes: usize) {
        self.max_line = bytes;
    }

    /// An extractor for a chunk that starts at a goroutine header in the middle of a bare
    /// dump begun in an earlier chunk (a large file split to be read on several cores).
    pub fn continuation(source: &str) -> Self {
        let mut e = Extractor::new(source);
        e.open_dump(e.bare_kind, Prefix::None, 1, 0, false);
        if let Some(o) = e.open_mut() {
            o.continuation = true;
        }
        e
    }

    /// Ends a chunk, saying whether the next chunk can continue its last dump. The last
    /// chunk of a file (`last`) ends as the input ends.
    pub fn finish_chunk(mut self, last: bool) -> Chunk {
        let end = match &self.state {
            State::Escaped(_) | State::Headless(_) => ChunkEnd::Tangled,
            _ if self.skipping => ChunkEnd::Tangled,
            State::Outside => ChunkEnd::Outside,
            State::Dump(o) => {
                let plain = o.prefix.is_none() && !o.preamble && !o.b.in_body() && !o.b.is_empty();
                if plain { ChunkEnd::Open { marker: o.marker } } else { ChunkEnd::Tangled }
            }
        };
        if last {
            self.end_input();
        } else {
            self.end_escaped(true);
            if let (ChunkEnd::Open { .. }, Some(o)) = (&end, self.open_mut()) {
                // The END marker may come in a later chunk; the stitcher decides.
                o.marker = false;
            }
            self.close(End::Boundary);
        }
        Chunk {
            dumps: self.dumps,
            end,
            starts_with_continuation: self.continuation_kept,
            continuation_closed_by_end: self.continuation_closed_by_end,
            last_line: self.last_line,
        }
    }

    /// Reads one line (or one piece of an over-long line) of the input.
    pub fn line(&mut self, l: &Line<'_>) {
        self.last_line = l.number;
        self.last_end = l.offset + l.text.len() as u64;
        // Nearly every line is whole, outside any quoted dump, and not a docker json-file
        // record: it goes straight on, and the rest stays out of this hot path.
        if !l.partial && !l.continued && !matches!(self.state, State::Escaped(_)) && !json_file::may_be_record(l.text) {
            self.text_line(l.text, l.number, l.offset);
            return;
        }
        self.unusual_line(l);
    }

    /// A piece of an over-long line, a line inside a quoted dump, or a json-file record.
    #[inline(never)]
    fn unusual_line(&mut self, l: &Line<'_>) {
        if self.feed_escaped(l) {
            return;
        }
        if l.continued {
            if !self.skipping {
                // The head of this line went to the parser; the rest cannot be dump text.
                self.skipping = true;
            }
            if !l.partial {
                self.skipping = false;
            }
            return;
        }
        if !l.partial && !self.nested {
            let mut out = std::mem::take(&mut self.scratch);
            if json_file::decode_record(l.text, &mut out) {
                self.text_line(&out, l.number, l.offset);
                if let Some(o) = self.open_mut() {
                    push_unique(&mut o.b.dump_mut().wrapping, json_file::WRAPPING);
                }
                self.scratch = out;
                return;
            }
            self.scratch = out;
        }
        if l.partial {
            if self.start_escaped(l.text, l) {
                return;
            }
            if let Some(o) = self.open_mut().filter(|o| o.b.in_body()) {
                o.b.warn(
                    l.number,
                    format!(
                        "line longer than {} bytes: skipped (raise the limit with --max-line-length)",
                        l.text.len()
                    ),
                );
            }
            self.skipping = true;
            return;
        }
        self.text_line(l.text, l.number, l.offset);
    }

    /// Ends the input and returns the dumps found.
    pub fn finish(mut self) -> Vec<Dump> {
        self.end_input();
        self.dumps
    }

    /// Closes whatever is open as the input ends.
    fn end_input(&mut self) {
        self.end_escaped(true);
        let last = self.last_line;
        self.close(End::Input(last));
    }

    /// A whole line of dump text (a physical line, a decoded json-file record, or a line
    /// decoded from an escaped dump): to the open dump if it takes it, else examined.
    fn text_line(&mut self, raw: &[u8], number: u64, offset: u64) {
        if let State::Dump(o) = &self.state {
            let clean = o.prefix.strip(raw);
            if self.feed_open(clean, raw, number, offset) {
                return;
            }
        }
        self.examine(raw, number, offset);
    }

    /// Hands `clean` (the line `raw` without its prefix) to the open dump; false when the
    /// dump did not take it (or none is open).
    fn feed_open(&mut self, clean: &[u8], raw: &[u8], number: u64, offset: u64) -> bool {
        let Some(o) = self.open_mut() else { return false };
        match o.feed(clean, raw, number, offset) {
            Fed::Consumed => true,
            Fed::DuplicateId => {
                self.restart_dump(clean, raw, number, offset);
                true
            }
            Fed::Unknown => false,
        }
    }

    /// A header repeated a goroutine id: a second dump of the same shape starts at it, and
    /// takes the header (a new dump's builder takes any header).
    #[inline(never)]
    fn restart_dump(&mut self, clean: &[u8], raw: &[u8], number: u64, offset: u64) {
        let Some(o) = self.open() else { return };
        let kind = o.b.dump().kind;
        let prefix = o.prefix.clone();
        self.close(End::Boundary);
        self.open_dump(kind, prefix, number, offset, false);
        self.feed_open(clean, raw, number, offset);
    }

    /// A line the open dump (if any) did not take: look for dump boundaries and starts.
    #[inline(never)]
    fn examine(&mut self, raw: &[u8], number: u64, offset: u64) {
        match marker::find_marker(raw) {
            Some(Marker::End) => {
                if let Some(o) = self.open_mut() {
                    o.marker = false;
                    o.b.dump_mut().span.last_line = number;
                    o.b.dump_mut().span.end_byte = offset + raw.len() as u64;
                    if o.continuation {
                        self.continuation_closed_by_end = true;
                    }
                }
                self.close(End::Boundary);
                return;
            }
            Some(Marker::Begin { at, escaped }) => {
                let line = Line { text: raw, number, offset, partial: false, continued: false };
                if escaped && self.start_escaped(raw, &line) {
                    return;
                }
                self.close(End::Boundary);
                let kind = if marker::logged_before(raw, at) || self.nested {
                    DumpKind::LogrusLine
                } else {
                    DumpKind::DockerdFile
                };
                self.open_dump(kind, Prefix::None, number, offset, true);
                return;
            }
            None => {}
        }
        if self.start_escaped(raw, &Line { text: raw, number, offset, partial: false, continued: false }) {
            return;
        }
        // A header behind a prefix: learn the prefix.
        if let Some(k) = marker::find_prefixed_header(raw) {
            let prefix = Prefix::learn(&raw[..k]);
            let reuse =
                self.open().is_some_and(|o| o.b.dump().kind != DumpKind::PprofDebug1 && (k > 0 || o.b.is_empty()));
            if reuse {
                if let Some(o) = self.open_mut()
                    && k > 0
                {
                    if let Some(w) = prefix.describe() {
                        push_unique(&mut o.b.dump_mut().wrapping, w);
                    }
                    o.prefix = prefix;
                }
            } else {
                self.close(End::Boundary);
                self.open_dump(self.bare_kind, prefix, number, offset, false);
            }
            // The header itself is handed on as found, not through the prefix just learned:
            // were the two to disagree, the line would come back here without end.
            self.feed_open(&raw[k..], raw, number, offset);
            return;
        }
        let (log_prefix, body) = prefix::split_log_prefix(raw);
        if crash::starts_crash(body) {
            if self.open().is_some_and(|o| o.preamble) {
                self.add_reason(body);
                return;
            }
            self.close(End::Boundary);
            self.open_dump(crash::crash_kind(body), Prefix::learn(log_prefix), number, offset, false);
            if let Some(o) = self.open_mut() {
                o.preamble = true;
            }
            self.add_reason(body);
            return;
        }
        if let Some(o) = self.open().filter(|o| o.preamble) {
            let t = crash::reason_text(body);
            if crash::keeps_in_reason(t, o.message_done) {
                self.add_reason(t);
            }
            return;
        }
        if pprof::starts_profile(body) {
            self.close(End::Boundary);
            let prefix = Prefix::learn(log_prefix);
            let clean = prefix.strip(raw);
            self.open_dump(DumpKind::PprofDebug1, prefix, number, offset, false);
            // The profile's builder reads both lines that start one.
            self.feed_open(clean, raw, number, offset);
            return;
        }
        if let State::Headless(o) = &self.state
            && o.b.completes_headless(raw)
        {
            self.open_headless(raw, number, offset);
            return;
        }
        match &mut self.state {
            // Damage inside a goroutine, or the end of a dump that no blank line closed (a
            // log goes on after it): the builder tells them apart.
            State::Dump(o) if o.b.in_body() => o.b.unreadable(raw, number),
            State::Dump(_) | State::Escaped(_) => {}
            State::Outside | State::Headless(_) => {
                if split_call(raw).is_some() {
                    self.hold_call(raw, number, offset);
                } else {
                    self.state = State::Outside;
                }
            }
        }
    }

    /// A function line outside any dump: held by the builder of a dump that opens if its
    /// file line follows (`State::Headless`).
    #[inline(never)]
    fn hold_call(&mut self, raw: &[u8], number: u64, offset: u64) {
        let mut o = self.new_open(self.bare_kind, Prefix::None, number, offset, false);
        // Between goroutines, a builder holds a function line as its lookahead.
        o.feed(raw, raw, number, offset);
        self.state = State::Headless(o);
    }

    /// The file line that makes the held function line a goroutine without a header: the
    /// dump opens and reads it.
    fn open_headless(&mut self, raw: &[u8], number: u64, offset: u64) {
        let State::Headless(mut o) = std::mem::replace(&mut self.state, State::Outside) else { return };
        if let Some(room) = self.room_after(o.b.dump().span.start_byte) {
            o.b.reserve_for(room);
        }
        self.state = State::Dump(o);
        self.feed_open(raw, raw, number, offset);
    }

    /// How many bytes a dump that starts at `offset` may hold, for sizing its tables.
    fn room_after(&self, offset: u64) -> Option<u64> {
        match self.size_hint? {
            // A pipe or a gzip stream: the tables are sized for a large dump. Unwritten
            // capacity costs address space, not memory, whereas a table grown by doubling
            // is copied each time it outgrows a block of the heap, and where the heap keeps
            // large blocks (`alloc::tune_malloc_for`) the outgrown copies stay: 145 instead
            // of 90 MB for the 100k dump on stdin.
            0 => Some(UNKNOWN_SIZE),
            size => size.checked_sub(offset).filter(|&room| room > 0),
        }
    }

    /// A dump of `kind` starting at line `number`, byte `offset`, its tables not yet sized.
    fn new_open(&self, kind: DumpKind, prefix: Prefix, number: u64, offset: u64, marker: bool) -> Open {
        let mut b = DumpBuilder::new(&self.source, kind);
        let d = b.dump_mut();
        d.span.first_line = number;
        d.span.last_line = number;
        d.span.start_byte = offset;
        d.span.end_byte = offset;
        if let Some(w) = prefix.describe() {
            d.wrapping.push(w.to_string());
        }
        Open { b, prefix, marker, preamble: false, message_done: false, continuation: false }
    }

    /// Opens a dump (the state becomes `Dump`), its tables sized for the rest of the input.
    fn open_dump(&mut self, kind: DumpKind, prefix: Prefix, number: u64, offset: u64, marker: bool) {
        let mut o = self.new_open(kind, prefix, number, offset, marker);
        if let Some(room) = self.room_after(offset) {
            o.b.reserve_for(room);
        }
        self.state = State::Dump(o);
    }

    /// Closes the open dump, saying how it ended; any other state is left as it is.
    fn close(&mut self, end: End) {
        let o = match std::mem::replace(&mut self.state, State::Outside) {
            State::Dump(o) => o,
            other => {
                self.state = other;
                return;
            }
        };
        let empty = o.b.is_empty();
        let cut = matches!(end, End::Cut { .. });
        let (mut d, clues) = o.b.finish(end);
        if empty {
            return;
        }
        if o.continuation {
            self.continuation_kept = true;
        }
        if o.marker && !cut {
            let line = d.span.last_line;
            d.warnings.push(crate::model::Warning { line, message: NO_END_MARKER.into() });
        }
        d.era = era::guess(&d, &clues);
        self.dumps.push(d);
    }
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}
