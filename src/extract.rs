//! Finding the dumps inside what users hand us, and undoing their wrapping.
//!
//! An input may hold zero, one or several dumps, wrapped in any of these ways (each is
//! recognised on the fly, line by line, so memory stays bounded):
//!
//! | wrapping | looks like |
//! |---|---|
//! | bare `runtime.Stack` / pprof `debug=2` | `goroutine 1 [running]:` at a line start |
//! | dockerd / containerd markers | `=== BEGIN goroutine stack dump ===` … `=== END goroutine stack dump ===` |
//! | one logrus / JSON log line | `msg="=== BEGIN goroutine stack dump ===\ngoroutine 1 [running]:\n…"` |
//! | the same, quoted twice (strace) | `msg=\"…\\ngoroutine 1 [running]:\\n…` |
//! | journald / syslog / kubectl prefixes | `Aug 09 13:49:31 host dockerd[1802]: goroutine 1 [running]:` |
//! | indentation or e-mail quoting | `    goroutine 1 [running]:`, `> goroutine 1 [running]:` |
//! | SIGQUIT / crash output | `SIGQUIT: quit`, `PC=0x… m=0 sigcode=0`, register dump after |
//! | panics and fatal errors | `panic: …`, `fatal error: all goroutines are asleep - deadlock!` |
//! | pprof `debug=1` | `goroutine profile: total 7`, `1 @ 0x… 0x…`, `#\t0x…\tpkg.f+0x1d\t\t/x.go:12` |
//! | frames without any header | `sync.(*Mutex).Lock(0xc208731b90)` + `\t/…/mutex.go:66 +0xd3` |
//! | Docker json-file logs | `{"log":"goroutine 1 [running]:\n","stream":"stderr","time":"…"}` |
//!
//! The extractor hands every line of a dump, with its wrapping removed, to a
//! [`DumpBuilder`]; lines the builder does not want come back here to be checked for dump
//! boundaries. A new dump starts at a marker, a panic or signal line, a pprof header, or a
//! goroutine id the current dump already holds (dumps are never merged).

use std::sync::{Arc, LazyLock, Mutex};

use hashbrown::HashMap;
use regex::bytes::Regex;

use crate::era;
use crate::escape::Unescaper;
use crate::input::Line;
use crate::model::{Dump, DumpKind};
use crate::parse::{DumpBuilder, End, Fed, parse_header, split_call, trim_indent, unglue_header};

const BEGIN_MARKER: &[u8] = b"=== BEGIN goroutine stack dump ===";
const END_MARKER: &[u8] = b"=== END goroutine stack dump ===";

/// The warning for a dump that began with a BEGIN marker and never reached its END.
pub(crate) const NO_END_MARKER: &str = "no `=== END goroutine stack dump ===` line: the dump may be truncated";

/// The longest preamble (panic message, signal lines) kept as a dump's reason.
const MAX_REASON: usize = 4096;

/// Log prefixes that may precede a panic or signal line: syslog/journald, ISO timestamps
/// (kubectl `--timestamps`, CRI log files), indentation and e-mail quoting.
static LOG_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(?:
            [A-Z][a-z]{2}\ +\d{1,2}\ \d{2}:\d{2}:\d{2}(?:\.\d+)?\ (?:\S+\ )?\S+?(?:\[\d+\])?:\ 
          | \d{4}-\d{2}-\d{2}[T\ ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\ (?:(?:stdout|stderr)\ [FP]\ )?
          | [\ \t]+
          | (?:>\ ?)+
        )",
    )
    .expect("valid regex")
});

/// A line that starts a crash dump: signal, panic or fatal error, after an optional prefix.
static CRASH_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(SIG[A-Z0-9]+: |panic: |fatal error: )").expect("valid regex"));

/// The first line of a pprof `debug=1` record: `3 @ 0x4390f6 0x44a1c5`.
static DEBUG1_RECORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d+ @( 0x[0-9a-f]+)+$").expect("valid regex"));

/// Prefix regexes already compiled, by pattern. A fleet check reads thousands of dumps from
/// one daemon, all with the same prefix shape, and compiling the pair cost more than
/// reading a small dump. The dumps share one copy, and with it the states its lazy DFA
/// has built. A handful of shapes is all a run sees; the table is emptied if it ever fills.
static PREFIX_REGEXES: LazyLock<Mutex<HashMap<String, Option<Arc<PrefixRegexes>>>>> = LazyLock::new(Default::default);
const MAX_PREFIX_REGEXES: usize = 64;

/// A prefix shape's regexes: `full` strips the prefix, `blank` matches a line that is only
/// the prefix (a blank line in the dump).
#[derive(Debug)]
struct PrefixRegexes {
    full: Regex,
    blank: Regex,
}

/// The compiled `full` and `blank` prefix patterns, from the table or compiled now.
fn prefix_regexes(full: &str, blank: &str) -> Option<Arc<PrefixRegexes>> {
    let key = format!("{full}\0{blank}");
    // A panic elsewhere while the lock was held leaves the table as it was: still usable.
    let mut table = PREFIX_REGEXES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(hit) = table.get(&key) {
        return hit.clone();
    }
    let made = match (Regex::new(full), Regex::new(blank)) {
        (Ok(full), Ok(blank)) => Some(Arc::new(PrefixRegexes { full, blank })),
        _ => None,
    };
    if table.len() >= MAX_PREFIX_REGEXES {
        table.clear();
    }
    table.insert(key, made.clone());
    made
}

/// A per-line prefix learned from the first header line of a dump.
#[derive(Debug, Clone)]
enum Prefix {
    /// Lines carry no prefix.
    None,
    /// A fixed number of spaces or tabs (an indented paste); lines may be indented further.
    Indent(usize),
    /// A prefix whose digits and inner spaces vary (timestamps).
    Shape { regexes: Arc<PrefixRegexes>, what: &'static str },
}

impl Prefix {
    /// Learns the prefix shape from the text before `goroutine` on a header line.
    fn learn(text: &[u8]) -> Prefix {
        if text.is_empty() {
            return Prefix::None;
        }
        if text.iter().all(|&c| c == b' ' || c == b'\t') {
            return Prefix::Indent(text.len());
        }
        let body_len = text.iter().rposition(|&c| c != b' ' && c != b'\t').map_or(0, |p| p + 1);
        let (trimmed, trailing) = text.split_at(body_len);
        // ASCII classes (`(?-u)`): the digits and spaces learned are ASCII, and Unicode `\d`
        // and `\s` compile to automata large enough that building them took 0.3 ms per
        // dump, most of the time of a fleet check over small journald dumps. The pattern is
        // built from the bytes themselves (other bytes as `\xNN`), so that it matches the
        // line it was learned from whatever that line holds.
        let mut pat = String::from("(?-u)^");
        let mut i = 0;
        while i < trimmed.len() {
            let c = trimmed[i];
            let run = |i: usize, f: fn(&u8) -> bool| i + trimmed[i..].iter().take_while(|c| f(c)).count();
            if c.is_ascii_digit() {
                i = run(i, u8::is_ascii_digit);
                pat.push_str(r"\d+");
                continue;
            } else if c == b' ' {
                i = run(i, |&c| c == b' ');
                pat.push_str(" +");
                continue;
            } else if is_month_at(&trimmed[i..]) {
                // Syslog timestamps start with the month, which may change mid-dump.
                i += 3;
                pat.push_str("[A-Z][a-z]{2}");
                continue;
            } else if c == b'.' && trimmed.get(i + 1).is_some_and(u8::is_ascii_digit) {
                // Fractional seconds: Go trims trailing zeros, so the part may vanish.
                i = run(i + 1, u8::is_ascii_digit);
                pat.push_str(r"(?:\.\d+)?");
                continue;
            }
            push_byte_pattern(&mut pat, c);
            i += 1;
        }
        let blank = format!(r"{pat}\s*$");
        for &c in trailing {
            push_byte_pattern(&mut pat, c);
        }
        match prefix_regexes(&pat, &blank) {
            Some(regexes) => {
                let quoted = trimmed.iter().all(|&c| c == b'>' || c == b' ');
                Prefix::Shape { regexes, what: if quoted { "quoted with >" } else { "log prefix on every line" } }
            }
            None => Prefix::None,
        }
    }

    /// Removes the prefix from a line; a line without it is returned unchanged.
    fn strip<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        match self {
            Prefix::None => line,
            Prefix::Indent(n) => {
                let k = line.iter().take(*n).take_while(|&&c| c == b' ' || c == b'\t').count();
                &line[k..]
            }
            Prefix::Shape { regexes, .. } => match regexes.full.find(line) {
                Some(m) => &line[m.end()..],
                None if regexes.blank.is_match(line) => &[],
                None => line,
            },
        }
    }

    fn describe(&self) -> Option<&'static str> {
        match self {
            Prefix::None => None,
            Prefix::Indent(_) => Some("indented"),
            Prefix::Shape { what, .. } => Some(what),
        }
    }
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

/// A dump inside a quoted log message being decoded.
struct Escaped {
    /// One decoder per level of quoting, outermost first.
    decoders: Vec<Unescaper>,
    /// The decoded text is read by a nested extractor.
    inner: Box<Extractor>,
    /// Decoded bytes not yet ending in a newline.
    pending: Vec<u8>,
    first_line: u64,
    start_byte: u64,
    /// The physical line ended before the closing quote: the next line may continue it
    /// (journald splits long lines), or the message was cut.
    awaiting_continuation: bool,
    depth: usize,
    /// Physical lines the message was split over (journald splits over-long lines).
    pieces: u32,
    /// A decoded line grew past the longest line read: its rest, up to the next decoded
    /// newline, is dropped (the message may hold no newline at all).
    overlong: bool,
}

/// Finds and reads the dumps in one input, line by line.
pub struct Extractor {
    source: String,
    /// What a bare dump in this input is: a dockerd SIGUSR1 file or plain text.
    bare_kind: DumpKind,
    nested: bool,
    dumps: Vec<Dump>,
    open: Option<Open>,
    escaped: Option<Escaped>,
    /// A call line seen outside any dump: frames whose header is missing, if a file line follows.
    lookahead: Option<(Vec<u8>, u64, u64)>,
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
            open: None,
            escaped: None,
            lookahead: None,
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

    /// Says how many bytes the input holds (0: unknown, as for a pipe or a gzip stream), so
    /// that dumps can size their tables once instead of growing them by copying.
    pub fn size_hint(&mut self, bytes: u64) {
        self.size_hint = Some(bytes);
        let start = self.open.as_ref().filter(|o| o.b.is_empty()).map(|o| o.b.dump().span.start_byte);
        if let Some(room) = start.and_then(|at| self.room_after(at))
            && let Some(o) = self.open.as_mut()
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
        if let Some(o) = e.open.as_mut() {
            o.continuation = true;
        }
        e
    }

    /// Ends a chunk, saying whether the next chunk can continue its last dump. The last
    /// chunk of a file (`last`) ends as the input ends.
    pub fn finish_chunk(mut self, last: bool) -> Chunk {
        let end = match (&self.open, &self.escaped, &self.lookahead) {
            (_, Some(_), _) | (_, _, Some(_)) => ChunkEnd::Tangled,
            _ if self.skipping => ChunkEnd::Tangled,
            (None, None, None) => ChunkEnd::Outside,
            (Some(o), None, None) => {
                let plain = matches!(o.prefix, Prefix::None) && !o.preamble && !o.b.in_body() && !o.b.is_empty();
                if plain { ChunkEnd::Open { marker: o.marker } } else { ChunkEnd::Tangled }
            }
        };
        if last {
            self.end_input();
        } else {
            if self.escaped.is_some() {
                self.end_escaped(true);
            }
            if let (ChunkEnd::Open { .. }, Some(o)) = (&end, self.open.as_mut()) {
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
        if !l.partial && !l.continued && self.escaped.is_none() && l.text.first() != Some(&b'{') {
            self.text_line(l.text, l.number, l.offset);
            return;
        }
        self.unusual_line(l);
    }

    /// A piece of an over-long line, a line inside a quoted dump, or a json-file record.
    #[inline(never)]
    fn unusual_line(&mut self, l: &Line<'_>) {
        if self.escaped.is_some() && self.feed_escaped(l) {
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
        // Docker's json-file log driver: one JSON object per line of the process's output,
        // `{"log":"goroutine 1 [running]:\n","stream":"stderr","time":"…"}`.
        if !l.partial
            && !self.nested
            && let Some(body) = l.text.strip_prefix(br#"{"log":"#)
            && let Some(body) = body.strip_prefix(b"\"").or_else(|| body.strip_prefix(b" \""))
        {
            let mut dec = Unescaper::new();
            let mut out = std::mem::take(&mut self.scratch);
            out.clear();
            if dec.feed(body, &mut out).closed {
                while matches!(out.last(), Some(b'\n' | b'\r')) {
                    out.pop();
                }
                self.text_line(&out, l.number, l.offset);
                if let Some(o) = self.open.as_mut() {
                    push_unique(&mut o.b.dump_mut().wrapping, "docker json-file log lines");
                }
                self.scratch = out;
                return;
            }
            self.scratch = out;
        }
        if l.partial {
            if !self.nested && self.start_escaped(l.text, l) {
                return;
            }
            if let Some(o) = self.open.as_mut().filter(|o| o.b.in_body()) {
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
        if self.escaped.is_some() {
            self.end_escaped(true);
        }
        let last = self.last_line;
        self.close(End::Input(last));
    }

    fn text_line(&mut self, raw: &[u8], number: u64, offset: u64) {
        if let Some(o) = self.open.as_ref() {
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
        if let Some(o) = self.open.as_mut() {
            match o.b.feed(clean, number) {
                Fed::Consumed => {
                    if o.preamble && !o.b.is_empty() {
                        o.preamble = false;
                    }
                    if o.preamble && clean.is_empty() {
                        o.message_done = true;
                    }
                    // A blank line after the last goroutine does not extend the span.
                    if !clean.is_empty() {
                        o.b.dump_mut().span.last_line = number;
                        o.b.dump_mut().span.end_byte = offset + raw.len() as u64;
                    }
                    return true;
                }
                Fed::DuplicateId => {
                    self.restart_dump(raw, number, offset);
                    return true;
                }
                Fed::Unknown => {}
            }
        }
        false
    }

    /// A header repeated a goroutine id: a second dump of the same shape starts at it.
    #[inline(never)]
    fn restart_dump(&mut self, raw: &[u8], number: u64, offset: u64) {
        let Some(o) = self.open.as_ref() else { return };
        let kind = o.b.dump().kind;
        let prefix = o.prefix.clone();
        self.close(End::Boundary);
        self.open_dump(kind, prefix, number, offset, false);
        self.text_line(raw, number, offset);
    }

    /// A line the open dump (if any) did not take: look for dump boundaries and starts.
    #[inline(never)]
    fn examine(&mut self, raw: &[u8], number: u64, offset: u64) {
        if let Some(p) = memchr::memmem::find(raw, b"=== ") {
            // The END marker ends its line; inside a quoted log message it is followed by the
            // closing quote and belongs to the escaped dump, read below.
            if raw[p..].starts_with(END_MARKER) && raw[p + END_MARKER.len()..].iter().all(|c| c.is_ascii_whitespace()) {
                if let Some(o) = self.open.as_mut() {
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
            if raw[p..].starts_with(BEGIN_MARKER) {
                let after = &raw[p + BEGIN_MARKER.len()..];
                let line = Line { text: raw, number, offset, partial: false, continued: false };
                if after.first() == Some(&b'\\') && !self.nested && self.start_escaped(raw, &line) {
                    return;
                }
                self.close(End::Boundary);
                let logged = memchr::memmem::find(&raw[..p], b"msg=").is_some()
                    || memchr::memmem::find(&raw[..p], b"\"msg\"").is_some();
                let kind = if logged || self.nested { DumpKind::LogrusLine } else { DumpKind::DockerdFile };
                self.open_dump(kind, Prefix::None, number, offset, true);
                return;
            }
        }
        if !self.nested
            && self.start_escaped(raw, &Line { text: raw, number, offset, partial: false, continued: false })
        {
            return;
        }
        // A header behind a prefix: learn the prefix.
        if let Some(k) = find_prefixed_header(raw) {
            let prefix = Prefix::learn(&raw[..k]);
            let reuse = self
                .open
                .as_ref()
                .is_some_and(|o| o.b.dump().kind != DumpKind::PprofDebug1 && (k > 0 || o.b.is_empty()));
            if reuse {
                if let Some(o) = self.open.as_mut()
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
        let (log_prefix_len, body) = match LOG_PREFIX.find(raw) {
            Some(m) => (m.end(), &raw[m.end()..]),
            None => (0, raw),
        };
        if let Some(m) = CRASH_START.find(body) {
            let in_preamble = self.open.as_ref().is_some_and(|o| o.preamble);
            if in_preamble {
                self.add_reason(body);
                return;
            }
            let kind = if body.starts_with(b"SIGQUIT: ") { DumpKind::Sigquit } else { DumpKind::Panic };
            let _ = m;
            self.close(End::Boundary);
            let prefix = Prefix::learn(&raw[..log_prefix_len]);
            self.open_dump(kind, prefix, number, offset, false);
            if let Some(o) = self.open.as_mut() {
                o.preamble = true;
                if let Some(w) = o.prefix.describe() {
                    push_unique(&mut o.b.dump_mut().wrapping, w);
                }
            }
            self.add_reason(body);
            return;
        }
        if let Some(o) = self.open.as_ref().filter(|o| o.preamble) {
            // `[signal SIGSEGV: …]`, `PC=0x… m=0 sigcode=0`, `\tpanic: second [recovered]`, and
            // before the first blank line every line of a message that holds newlines.
            let t = trim_indent(body);
            if !o.message_done
                || t.starts_with(b"[signal ")
                || t.starts_with(b"PC=")
                || t.starts_with(b"panic: ")
                || t.starts_with(b"[")
            {
                self.add_reason(t);
            }
            return;
        }
        if body.starts_with(b"goroutine profile: total ") || DEBUG1_RECORD.is_match(body) {
            self.close(End::Boundary);
            self.open_dump(DumpKind::PprofDebug1, Prefix::learn(&raw[..log_prefix_len]), number, offset, false);
            self.text_line(raw, number, offset);
            return;
        }
        if let Some((text, at, at_off)) = self.lookahead.take()
            && (matches!(raw.first(), Some(b'\t' | b' ')) || raw.starts_with(b"\\t"))
        {
            self.close(End::Boundary);
            self.open_dump(self.bare_kind, Prefix::None, at, at_off, false);
            self.text_line(&text, at, at_off);
            self.text_line(raw, number, offset);
            return;
        }
        match self.open.as_mut() {
            // Damage inside a goroutine, or the end of a dump that no blank line closed (a
            // log goes on after it): the builder tells them apart.
            Some(o) if o.b.in_body() => o.b.unreadable(raw, number),
            Some(_) => {}
            None => {
                if split_call(raw).is_some() {
                    self.lookahead = Some((raw.to_vec(), number, offset));
                }
            }
        }
    }

    fn add_reason(&mut self, text: &[u8]) {
        if let Some(o) = self.open.as_mut() {
            let d = o.b.dump_mut();
            let r = d.reason.get_or_insert_with(String::new);
            if r.len() + text.len() < MAX_REASON {
                if !r.is_empty() {
                    r.push('\n');
                }
                r.push_str(&crate::escape::visible_lossy(text));
            }
        }
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

    fn open_dump(&mut self, kind: DumpKind, prefix: Prefix, number: u64, offset: u64, marker: bool) {
        let mut b = DumpBuilder::new(&self.source, kind);
        if let Some(room) = self.room_after(offset) {
            b.reserve_for(room);
        }
        let d = b.dump_mut();
        d.span.first_line = number;
        d.span.last_line = number;
        d.span.start_byte = offset;
        d.span.end_byte = offset;
        if let Some(w) = prefix.describe() {
            d.wrapping.push(w.to_string());
        }
        self.lookahead = None;
        self.open = Some(Open { b, prefix, marker, preamble: false, message_done: false, continuation: false });
    }

    /// Closes the open dump, saying how it ended.
    fn close(&mut self, end: End) {
        let Some(o) = self.open.take() else { return };
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

    // ---- dumps inside quoted log messages -----------------------------------------

    /// Starts decoding if `text` holds an escaped dump (`\ngoroutine 1 [running]:\n` with
    /// literal backslashes). Returns whether it did.
    fn start_escaped(&mut self, text: &[u8], l: &Line<'_>) -> bool {
        if let Some(p) = memchr::memmem::find(text, BEGIN_MARKER) {
            if text.get(p + BEGIN_MARKER.len()) == Some(&b'\\') {
                self.begin_escaped(text, p, l.number, l.offset);
                self.after_escaped_piece(l.partial);
                return true;
            }
            return false;
        }
        let mut from = 0;
        while let Some(p) = memchr::memmem::find(&text[from..], b"goroutine ") {
            let at = from + p;
            // After `\n` or the opening quote of a message; or at the start of the text or
            // after a space: a fragment of a logged dump pasted without its `msg="` wrapper,
            // perhaps behind a journald prefix (`escaped_header_at` then demands the `\n`).
            let before = if at > 0 { text[at - 1] } else { b' ' };
            if matches!(before, b'n' | b'"' | b' ' | b'\t') && escaped_header_at(&text[at..]) {
                if matches!(before, b' ' | b'\t') && !escaped_header_then_newline(&text[at..]) {
                    from = at + 10;
                    continue;
                }
                self.begin_escaped(text, at, l.number, l.offset);
                self.after_escaped_piece(l.partial);
                return true;
            }
            from = at + 10;
        }
        false
    }

    /// Starts decoding at `start`, which is inside the quoted message.
    fn begin_escaped(&mut self, text: &[u8], start: usize, number: u64, offset: u64) {
        self.close(End::Boundary);
        // The first `\…n` after the start tells how many times the text was quoted:
        // one backslash once, two twice, four three times.
        let depth = match memchr::memchr(b'\\', &text[start..]) {
            Some(p) => {
                let run = text[start + p..].iter().take_while(|&&c| c == b'\\').count();
                (usize::BITS - run.leading_zeros()) as usize
            }
            None => 1,
        }
        .clamp(1, 4);
        let mut inner = Extractor::new(&self.source);
        inner.nested = true;
        inner.bare_kind = DumpKind::LogrusLine;
        self.escaped = Some(Escaped {
            decoders: vec![Unescaper::new(); depth],
            inner: Box::new(inner),
            pending: Vec::new(),
            first_line: number,
            start_byte: offset,
            awaiting_continuation: false,
            depth,
            pieces: 1,
            overlong: false,
        });
        self.decode_piece(&text[start..], number);
    }

    fn after_escaped_piece(&mut self, partial: bool) {
        let done = self.escaped.as_ref().is_some_and(|e| e.decoders.iter().any(Unescaper::closed));
        if done {
            self.end_escaped(false);
        } else if !partial && let Some(e) = self.escaped.as_mut() {
            e.awaiting_continuation = true;
        }
    }

    /// Feeds a physical line while decoding. Returns false if the line is not part of the
    /// message (the message ended before it) and must be read normally.
    fn feed_escaped(&mut self, l: &Line<'_>) -> bool {
        let Some(e) = self.escaped.as_mut() else { return false };
        let mut text = l.text;
        if e.awaiting_continuation {
            // journald splits an over-long line into several, each with its own prefix.
            if let Some(m) = LOG_PREFIX.find(text) {
                text = &text[m.end()..];
            }
            let new_record = text.is_empty()
                || text.starts_with(b"time=")
                || text.starts_with(b"level=")
                || text.starts_with(b"{\"")
                || CRASH_START.is_match(text)
                || parse_header(text).is_some();
            if new_record {
                self.end_escaped(true);
                return false;
            }
            e.awaiting_continuation = false;
            e.pieces += 1;
        }
        self.decode_piece(text, l.number);
        self.after_escaped_piece(l.partial);
        true
    }

    fn decode_piece(&mut self, text: &[u8], number: u64) {
        let Some(e) = self.escaped.as_mut() else { return };
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        buf.extend_from_slice(text);
        let mut next = Vec::new();
        // Each level decodes what the level outside it produced, also in the piece where an
        // outer level reached its closing quote (its output up to the quote still needs the
        // inner levels).
        for dec in e.decoders.iter_mut() {
            next.clear();
            dec.feed(&buf, &mut next);
            std::mem::swap(&mut buf, &mut next);
        }
        e.pending.extend_from_slice(&buf);
        let mut start = 0;
        while let Some(p) = memchr::memchr(b'\n', &e.pending[start..]) {
            if std::mem::take(&mut e.overlong) {
                start += p + 1;
                continue;
            }
            let mut line = &e.pending[start..start + p];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            e.inner.text_line(line, number, 0);
            start += p + 1;
        }
        e.pending.drain(..start);
        if e.pending.len() > self.max_line {
            if !e.overlong
                && let Some(o) = e.inner.open.as_mut().filter(|o| o.b.in_body())
            {
                let message = format!(
                    "a line of the logged dump is longer than {} bytes: skipped (raise the limit with --max-line-length)",
                    self.max_line
                );
                o.b.warn(number, message);
            }
            e.pending.clear();
            e.overlong = true;
        }
        self.scratch = buf;
    }

    /// Ends the quoted message; `cut` says the closing quote never came.
    fn end_escaped(&mut self, cut: bool) {
        let Some(mut e) = self.escaped.take() else { return };
        if cut {
            // An escape sequence cut by the end of the message is kept as written, passing
            // through the levels inside the one that held it.
            let mut carry = Vec::new();
            for dec in &mut e.decoders {
                let mut out = Vec::new();
                dec.feed(&carry, &mut out);
                dec.finish(&mut out);
                carry = out;
            }
            e.pending.extend_from_slice(&carry);
        }
        if !e.pending.is_empty() {
            let rest = std::mem::take(&mut e.pending);
            e.inner.text_line(&rest, self.last_line, 0);
        }
        let last_line = self.last_line;
        let inner = *e.inner;
        let end = if cut {
            End::Cut {
                line: last_line,
                message: "the log message holding the dump ends without its closing quote: truncated".into(),
            }
        } else {
            End::Boundary
        };
        let mut dumps = inner.finish_nested(end);
        for d in &mut dumps {
            d.kind = DumpKind::LogrusLine;
            d.span.first_line = e.first_line;
            d.span.last_line = last_line;
            d.span.start_byte = e.start_byte;
            d.span.end_byte = self.last_end;
            let how = match e.depth {
                1 => "escaped in a log message".to_string(),
                n => format!("escaped {n} times in a log message"),
            };
            d.wrapping.insert(0, how);
            if e.pieces > 1 {
                d.wrapping.insert(1, format!("log message split over {} lines, rejoined", e.pieces));
            }
        }
        self.dumps.extend(dumps);
    }

    fn finish_nested(mut self, end: End) -> Vec<Dump> {
        self.close(end);
        self.dumps
    }
}

/// Whether `text` starts with a month abbreviation followed by a space.
fn is_month_at(text: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] =
        [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    text.len() >= 4 && text[3] == b' ' && MONTHS.contains(&&text[..3])
}

/// Appends a pattern matching the byte `c` itself (in a `(?-u)` pattern).
fn push_byte_pattern(pat: &mut String, c: u8) {
    if c.is_ascii_alphanumeric() || c == b' ' {
        pat.push(c as char);
    } else {
        pat.push_str(&format!(r"\x{c:02x}"));
    }
}

/// Whether `s` (starting at `goroutine `) is a header followed by an escaped newline.
fn escaped_header_at(s: &[u8]) -> bool {
    let end = s.iter().position(|&c| c == b'\\').unwrap_or(s.len());
    let head = &s[..end];
    head.ends_with(b":") && parse_header(head).is_some()
}

/// Whether `s` (starting at `goroutine `) is a header followed by a literal `\n`.
fn escaped_header_then_newline(s: &[u8]) -> bool {
    let end = s.iter().position(|&c| c == b'\\').unwrap_or(s.len());
    s[end..].starts_with(b"\\n") || s[end..].starts_with(b"\\\\n")
}

/// Finds `goroutine N [...]:` at the end of a line behind some prefix; returns where the
/// header starts.
fn find_prefixed_header(raw: &[u8]) -> Option<usize> {
    // A header ends its line, unless a function line was glued to it (e-mail quoting).
    let glued = raw.last() != Some(&b':');
    if glued && raw.last() != Some(&b')') {
        return None;
    }
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&raw[from..], b"goroutine ") {
        let at = from + p;
        let found = if glued {
            unglue_header(&raw[at..]).is_some_and(|(_, rest)| split_call(rest).is_some())
        } else {
            parse_header(&raw[at..]).is_some()
        };
        if found {
            return Some(at);
        }
        from = at + 10;
    }
    None
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_prefix_shapes() {
        let p = Prefix::learn(b"Oct 27 15:20:23 h-stg-core-1 dockerd[1748]: ");
        assert_eq!(p.strip(b"Oct 27 15:20:24 h-stg-core-1 dockerd[1748]: main.main()"), b"main.main()");
        assert_eq!(
            p.strip(b"Oct 27 15:20:24 h-stg-core-1 dockerd[1748]:         /x.go:1"),
            b"        /x.go:1",
            "indentation after the prefix is kept"
        );
        assert_eq!(p.strip(b"Oct 27 15:20:24 h-stg-core-1 dockerd[1748]:"), b"");
        assert_eq!(p.strip(b"Nov  1 00:00:00 h-stg-core-1 dockerd[1748]: x"), b"x");
        assert_eq!(p.strip(b"something else"), b"something else");
        let p = Prefix::learn(b"2024-01-02T03:04:05.123456789Z stderr F ");
        assert_eq!(p.strip(b"2024-01-02T03:04:06Z stderr F x"), b"x");
        let p = Prefix::learn(b"    ");
        assert_eq!(p.strip(b"            /x.go:1"), b"        /x.go:1");
        let p = Prefix::learn(b"> ");
        assert_eq!(p.strip(b"> main.main()"), b"main.main()");
        assert_eq!(p.strip(b">"), b"");
        let p = Prefix::learn("10:00 hôte démon: ".as_bytes());
        assert_eq!(p.strip("10:01 hôte démon: main.main()".as_bytes()), b"main.main()", "non-ASCII text in a prefix");
    }

    #[test]
    fn finds_headers_behind_prefixes() {
        assert_eq!(find_prefixed_header(b"May 05 06:59:19 host crio[4618]: goroutine 11 [sleep]:"), Some(33));
        assert_eq!(find_prefixed_header(b"goroutine 1 [running]:"), Some(0));
        assert_eq!(find_prefixed_header(b"the goroutine 5 was slow"), None);
    }

    #[test]
    fn recognises_escaped_headers() {
        assert!(escaped_header_at(br"goroutine 1 [running]:\nmain.main()"));
        assert!(!escaped_header_at(br"goroutine 1 is [x]\n"));
    }
}
