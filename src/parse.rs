//! The line state machine that turns the clean lines of one dump into a [`Dump`].
//!
//! "Clean" means the extractor has already removed log prefixes and escapes: every line the
//! builder sees is a line the Go runtime printed. The builder never fails; a line it cannot
//! place inside a goroutine becomes a [`Warning`] with its input line number, and a line it
//! does not recognise between goroutines is handed back ([`Fed::Unknown`]) so the extractor
//! can decide whether the dump ended there.
//!
//! States and the lines that move between them (a goroutine's body is its frames, its
//! `created by` line and its ancestors):
//!
//! ```text
//! Between  --"goroutine 7 [select]:"-->               Body
//! Between  --"main.f(0x1)" + "\t/x.go:3"-->           Body (header lost: anonymous goroutine)
//! Body     --"main.f(0x1)"-->                         Body, call pending its file line
//! Body     --"\t/src/x.go:12 +0x1d"-->                Body, frame stored
//! Body     --"created by main.g in goroutine 1"-->    Body, created-by pending its file line
//! Body     --"...additional frames elided..."-->      Body
//! Body     --"[originating from goroutine 3]:"-->     Body (frames now go to an ancestor)
//! Body     --""-->                                    Between
//! Between  --"runtime stack:"-->                      Body (the system stack of a fatal error)
//! ```
//!
//! pprof `debug=1` records (`3 @ 0x… 0x…` then `#\t0x…\tpkg.f+0x1d\t\t/x.go:12`) go through
//! the same builder in its `debug1` mode.

use std::sync::LazyLock;

use hashbrown::{HashMap, HashSet, HashTable};
use memchr::memmem::Finder;

use crate::escape::unquote;
use crate::model::{
    Ancestor, ArgArenas, CreatedBy, Dump, DumpKind, Elision, FrameRec, Func, FuncId, Goroutine, Site, SiteId, StateId,
    Warning,
};

/// Built once: building a `memmem::Finder` per line costs more than the search.
static IN_GOROUTINE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b" in goroutine "));

/// At most this many warnings are kept per dump; the rest are only counted.
pub const MAX_WARNINGS: usize = 200;

/// What the builder made of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fed {
    /// The line was part of the dump.
    Consumed,
    /// The line is not dump text and no goroutine was open to own it.
    Unknown,
    /// A goroutine header whose id this dump already holds: a second dump starts here.
    DuplicateId,
}

/// Where frames currently go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Between goroutines.
    Between,
    /// The frames of the current goroutine.
    Goroutine,
    /// The frames of the current goroutine's last ancestor.
    Ancestor,
    /// The frames after `runtime stack:`.
    RuntimeStack,
}

/// A function line waiting for its file line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    /// A frame.
    Frame,
    /// `created by F`, with the parent id if printed.
    CreatedBy(Option<u64>),
}

/// Clues about the Go release, gathered while parsing (read by `era.rs`).
#[derive(Debug, Clone, Default)]
pub struct Clues {
    /// `created by F in goroutine N` was seen.
    pub created_in_goroutine: bool,
    /// `created by F` without a parent id was seen.
    pub created_without_goroutine: bool,
    /// A header carried `gp=… m=…`.
    pub gp_header: bool,
    /// An argument word ended in `?`.
    pub question_args: bool,
    /// A header carried goroutine labels.
    pub labels: bool,
    /// `...N frames elided...` was seen.
    pub frames_elided_count: bool,
    /// `...additional frames elided...` was seen in a goroutine's own stack.
    pub frames_elided_old: bool,
    /// `runtime.goexit({})` was seen.
    pub goexit_braces: bool,
    /// The top 12 bits of the first heap-looking argument (`0xc82` for `0xc820482bd0`).
    pub heap_top: Option<u16>,
    /// File lines carried ` fp=… sp=… pc=…`.
    pub fp_sp_pc: bool,
}

/// The goroutine ids seen in a dump, to notice a second dump that starts without a
/// boundary (its ids repeat). Ids are small sequential numbers in practice: a bit set holds
/// the first 2^24 of them, which costs one bit test per header where a hash set cost a
/// cache miss into a table of a few megabytes; larger ids go to a hash set.
#[derive(Default)]
pub(crate) struct IdSet {
    bits: Vec<u64>,
    large: HashSet<u64>,
}

impl IdSet {
    const DENSE: u64 = 1 << 24;

    /// Adds `id`; false if it was already there.
    pub(crate) fn insert(&mut self, id: u64) -> bool {
        if id >= Self::DENSE {
            return self.large.insert(id);
        }
        let (word, bit) = ((id / 64) as usize, id % 64);
        if word >= self.bits.len() {
            // Grows to a power of two past the id, so sequential ids grow it a few times.
            self.bits.resize((word + 1).next_power_of_two(), 0);
        }
        let fresh = self.bits[word] & (1 << bit) == 0;
        self.bits[word] |= 1 << bit;
        fresh
    }
}

/// Builds one [`Dump`] from its clean lines.
pub struct DumpBuilder {
    d: Dump,
    /// The argument texts, becoming the dump's one [`ArgArenas`] at the end (checked as
    /// UTF-8 once).
    args: Vec<u8>,
    site_table: HashTable<u32>,
    /// Per site: the two halves of its key's 128-bit XXH3 hash (the low half places it in
    /// the table) and the key's length. The hash identifies the key: comparing the 130-byte
    /// key itself for every frame took a tenth of the parse; a false match needs a 128-bit
    /// collision (about 1 in 10^26 for a million distinct sites). One XXH3-128 pass costs
    /// less than the two seeded 64-bit hashes it replaced, which buffered their input.
    site_prints: Vec<(u64, u64, u32)>,
    func_index: HashMap<String, FuncId>,
    state_index: HashMap<Vec<u8>, StateId>,
    ids: IdSet,
    scratch: Vec<u8>,
    body: Body,
    cur: Option<Goroutine>,
    /// The pending call's function name, its argument range and kind.
    pending: Option<(u32, u32, Call)>,
    /// The pending call's site key being built: its function name and a newline; the file
    /// line is appended when it comes. One buffer, so a frame costs no allocation.
    pending_key: Vec<u8>,
    /// Length of the function name at the start of `pending_key`.
    pending_name_len: usize,
    /// Per call site: the last frame's argument text (start and length in `args`) and
    /// whether it may print a reliable word. A frame whose text equals it shares it.
    site_args: Vec<(u32, u32, bool)>,
    pending_line: u64,
    /// A function line seen between goroutines: a goroutine whose header was lost, if a
    /// file line follows.
    lookahead: Option<(Vec<u8>, u64)>,
    runtime_stack_start: Option<u32>,
    debug1_total: Option<u64>,
    heap_probes: u32,
    pub(crate) clues: Clues,
}

impl DumpBuilder {
    /// Starts a dump of the given kind found in `source`.
    pub fn new(source: &str, kind: DumpKind) -> Self {
        let d = Dump { source: source.to_string(), kind, ..Dump::default() };
        DumpBuilder {
            d,
            args: Vec::new(),
            site_table: HashTable::new(),
            site_prints: Vec::new(),
            func_index: HashMap::new(),
            state_index: HashMap::new(),
            ids: IdSet::default(),
            scratch: Vec::new(),
            body: Body::Between,
            cur: None,
            pending: None,
            pending_key: Vec::new(),
            pending_name_len: 0,
            site_args: Vec::new(),
            pending_line: 0,
            lookahead: None,
            runtime_stack_start: None,
            debug1_total: None,
            heap_probes: 0,
            clues: Clues::default(),
        }
    }

    /// Sizes the tables for a dump of up to `bytes` bytes of text. Growing them by doubling
    /// copied each table about twice over (6% of a 10k-goroutine parse). The estimates are
    /// generous: capacity that is never written stays address space, not memory, and
    /// [`DumpBuilder::finish`] gives back what a small dump in a large input left unused.
    pub fn reserve_for(&mut self, bytes: u64) {
        // Per byte of dump text, measured on real and generated dumps: a frame takes 60–130
        // bytes (function and file line), its arguments a sixth of that, a goroutine 400+.
        // `try_reserve`: where address space is short (a strict overcommit policy), the
        // tables simply grow as before.
        let bytes = bytes.min(1 << 32) as usize;
        let _ = self.d.frames.try_reserve(bytes / 48);
        let _ = self.args.try_reserve(bytes / 4);
        let _ = self.d.goroutines.try_reserve(bytes / 384);
    }

    /// The dump being built (its kind, reason and span can still be changed).
    pub fn dump_mut(&mut self) -> &mut Dump {
        &mut self.d
    }

    /// The dump being built.
    pub fn dump(&self) -> &Dump {
        &self.d
    }

    /// Whether any goroutine (or runtime stack) was read so far.
    pub fn is_empty(&self) -> bool {
        self.d.goroutines.is_empty() && self.cur.is_none() && self.runtime_stack_start.is_none()
    }

    /// Whether a goroutine body is open (so an unknown line is damage, not trailing text).
    pub fn in_body(&self) -> bool {
        self.body != Body::Between
    }

    /// Records a warning, keeping at most [`MAX_WARNINGS`].
    pub fn warn(&mut self, line: u64, message: impl Into<String>) {
        if self.d.warnings.len() < MAX_WARNINGS {
            self.d.warnings.push(Warning { line, message: message.into() });
        } else {
            self.d.warnings_dropped += 1;
        }
    }

    /// Feeds one clean line.
    pub fn feed(&mut self, line: &[u8], number: u64) -> Fed {
        if self.d.kind == DumpKind::PprofDebug1 {
            return self.feed_debug1(line, number);
        }
        if self.lookahead.is_some() {
            if self.completes_headless(line) {
                return self.headless_goroutine(line, number);
            }
            self.lookahead = None;
        }
        let Some(&first) = line.first() else {
            self.end_body();
            return Fed::Consumed;
        };
        match first {
            b'\t' | b' ' | b'\\' if self.in_body() => self.feed_indented(line, number),
            b'g' if line.starts_with(b"goroutine ") => match parse_header(line) {
                Some(h) => self.header(h, number),
                None => match unglue_header(line) {
                    Some((h, rest)) => self.glued_header(h, rest, number),
                    None => self.other(line, number),
                },
            },
            b'c' if line.starts_with(b"created by ") && self.in_body() => {
                let (name, parent) = parse_created_by(&line[11..]);
                self.clues.created_in_goroutine |= parent.is_some();
                self.clues.created_without_goroutine |= parent.is_none();
                self.start_call(name, number, Call::CreatedBy(parent));
                Fed::Consumed
            }
            b'.' if line.starts_with(b"...") && self.in_body() => {
                self.flush_call();
                if let Some(g) = self.cur.as_mut().filter(|_| self.body == Body::Goroutine) {
                    let count = parse_elided_count(line);
                    self.clues.frames_elided_count |= count.is_some();
                    self.clues.frames_elided_old |= count.is_none();
                    g.elided = Some(Elision { after: g.frames.end - g.frames.start, count });
                }
                Fed::Consumed
            }
            b'[' if line.starts_with(b"[originating from goroutine ") && self.cur.is_some() => {
                self.flush_call();
                let id = parse_u64(&line[28..]).map(|(v, _)| v).unwrap_or(0);
                let at = self.d.frames.len() as u32;
                if let Some(g) = self.cur.as_mut() {
                    g.ancestors.push(Ancestor { id, frames: at..at, created_by: None });
                }
                self.body = Body::Ancestor;
                Fed::Consumed
            }
            b'r' if line == b"runtime stack:" => {
                self.end_body();
                self.runtime_stack_start = Some(self.d.frames.len() as u32);
                self.d.runtime_stack = Some(self.d.frames.len() as u32..self.d.frames.len() as u32);
                self.body = Body::RuntimeStack;
                Fed::Consumed
            }
            _ => self.other(line, number),
        }
    }

    /// Whether `line` is the file line that makes the function line held between goroutines
    /// (`sync.(*Mutex).Lock(0xc208731b90)` then `\t/…/mutex.go:66 +0xd3`) a goroutine whose
    /// header was lost. The one place this lookahead is judged: the extractor asks it too,
    /// of a builder holding a function line met outside any dump.
    pub(crate) fn completes_headless(&self, line: &[u8]) -> bool {
        self.lookahead.is_some() && self.pending.is_none() && is_indented(line)
    }

    /// A file line after a function line seen between goroutines: a goroutine whose header
    /// was lost.
    #[inline(never)]
    fn headless_goroutine(&mut self, line: &[u8], number: u64) -> Fed {
        let Some((text, at)) = self.lookahead.take() else { return Fed::Unknown };
        self.warn(at, "frames without a goroutine header: kept as an anonymous goroutine");
        self.start_goroutine(None, at);
        self.body = Body::Goroutine;
        self.start_call(&text, at, Call::Frame);
        self.feed(line, number)
    }

    /// A header with the function line glued to it (`…5940 minutes]:github.com/x.F(…)`):
    /// both are read.
    #[inline(never)]
    fn glued_header(&mut self, h: Header<'_>, rest: &[u8], number: u64) -> Fed {
        let fed = self.header(h, number);
        if fed == Fed::Consumed {
            self.note_glued();
            self.other(rest, number);
        }
        fed
    }

    /// A file line with the next function line glued to it
    /// (`…/kill.go:162 +0x215github.com/x.F(…)`): the frame is finished and the next begun.
    /// Tried only once a line failed to read as it stands.
    #[inline(never)]
    fn glued_file_line(&mut self, text: &[u8], number: u64) -> bool {
        let Some((file, call)) = unglue_file_line(text) else { return false };
        let Some((name, args)) = split_call(call) else { return false };
        self.finish_call(Some(file));
        self.start_call_with_args(name, args, number, Call::Frame);
        self.note_glued();
        true
    }

    fn note_glued(&mut self) {
        if !self.d.wrapping.iter().any(|w| w == GLUED_LINES) {
            self.d.wrapping.push(GLUED_LINES.to_string());
        }
    }

    /// A line that is neither a header nor indented: a function line or something unknown.
    fn other(&mut self, line: &[u8], number: u64) -> Fed {
        if self.pending.is_some() && self.in_body() && line.first() == Some(&b'/') && self.glued_file_line(line, number)
        {
            return Fed::Consumed;
        }
        if let Some((name, args)) = split_call(line) {
            if self.in_body() {
                self.start_call_with_args(name, args, number, Call::Frame);
                return Fed::Consumed;
            }
            self.lookahead = Some((line.to_vec(), number));
            return Fed::Consumed;
        }
        // non-Go function            (a C frame from a cgo traceback; `\tpc=0x…` follows)
        if line == b"non-Go function" && self.in_body() {
            self.start_call_with_args(line, b"", number, Call::Frame);
            return Fed::Consumed;
        }
        // A paste that lost the file line's indentation altogether: `/src/x.go:12 +0x1d`.
        if self.pending.is_some()
            && self.in_body()
            && let Some((_, key_end)) = file_line_ends(line)
            && looks_like_path(&line[..key_end])
        {
            self.finish_call(Some(&line[..key_end]));
            return Fed::Consumed;
        }
        Fed::Unknown
    }

    /// A line that is not dump text, met inside a goroutine body. After a function line
    /// that still waits for its file line it is damage worth a warning; after a complete
    /// frame the goroutine may simply have ended there (a log goes on after a dump that no
    /// blank line closed), so the body ends quietly: frames after it would come without a
    /// header and be reported then.
    pub fn unreadable(&mut self, line: &[u8], number: u64) {
        if self.pending.is_none() && !looks_like_cut_call(line) {
            self.end_body();
            return;
        }
        let shown = String::from_utf8_lossy(&line[..line.len().min(80)]).into_owned();
        self.warn(number, format!("unreadable line inside a goroutine: {shown:?}"));
    }

    fn feed_indented(&mut self, line: &[u8], number: u64) -> Fed {
        let text = trim_indent(line);
        if text.is_empty() {
            self.end_body();
            return Fed::Consumed;
        }
        // Tested on the first byte before the whole prefix: this runs for every file line.
        if text[0] == b'g' && text.starts_with(b"goroutine running on other thread") {
            if let Some(g) = self.cur.as_mut() {
                g.stack_unavailable = true;
            }
            return Fed::Consumed;
        }
        if self.pending.is_some()
            && let Some((_, key_end)) = file_line_ends(text)
        {
            if key_end < text.len() {
                self.clues.fp_sp_pc = true;
            }
            self.finish_call(Some(&text[..key_end]));
            return Fed::Consumed;
        }
        // The file line of a cgo frame: `\tpc=0x7f…` or `\t/src/x.c:12 pc=0x7f…`.
        if self.pending.is_some()
            && let Some(p) = memchr::memmem::find(text, b"pc=0x")
            && (p == 0 || text[p - 1] == b' ')
        {
            let file = if p == 0 { &b"?"[..] } else { &text[..p - 1] };
            self.finish_call(Some(file));
            return Fed::Consumed;
        }
        if self.pending.is_some() && self.glued_file_line(text, number) {
            return Fed::Consumed;
        }
        // Damaged pastes indent function lines too.
        if let Some((name, args)) = split_call(text) {
            self.start_call_with_args(name, args, number, Call::Frame);
            return Fed::Consumed;
        }
        if looks_like_file_line(text) {
            self.warn(number, "file line without a function line before it");
            return Fed::Consumed;
        }
        Fed::Unknown
    }

    fn header(&mut self, h: Header<'_>, number: u64) -> Fed {
        if !self.ids.insert(h.id) {
            // A crash printed by two threads at once shows a goroutine first as "running on
            // other thread; stack unavailable", then with its stack: one goroutine, one dump.
            let placeholder = |g: &Goroutine| g.id == Some(h.id) && g.stack_unavailable && g.frames.is_empty();
            if self.cur.as_ref().is_some_and(placeholder) {
                self.cur = None;
            } else if let Some(i) = self.d.goroutines.iter().rposition(placeholder) {
                self.d.goroutines.remove(i);
            } else {
                return Fed::DuplicateId;
            }
        }
        self.lookahead = None;
        self.clues.gp_header |= h.gp;
        self.clues.labels |= !h.labels.is_empty();
        self.start_goroutine(Some(h.id), number);
        let state = self.intern_state(h.reason);
        if let Some(g) = self.cur.as_mut() {
            g.state = state;
            g.wait_minutes = h.minutes;
            g.locked_to_thread = h.locked;
            g.scan = h.scan;
            g.leaked = h.leaked;
            g.synctest = h.synctest;
            g.labels = h.labels;
        }
        self.body = Body::Goroutine;
        Fed::Consumed
    }

    fn start_goroutine(&mut self, id: Option<u64>, number: u64) {
        self.end_body();
        let at = self.d.frames.len() as u32;
        let unknown = self.intern_state(b"");
        self.cur = Some(Goroutine {
            id,
            state: unknown,
            wait_minutes: None,
            locked_to_thread: false,
            scan: false,
            leaked: false,
            synctest: false,
            labels: Vec::new(),
            frames: at..at,
            elided: None,
            stack_unavailable: false,
            created_by: None,
            ancestors: Vec::new(),
            count: 1,
            line: number,
        });
    }

    /// Closes the open body (at a blank line, a new header or the end).
    fn end_body(&mut self) {
        self.flush_call();
        if self.body == Body::RuntimeStack
            && let (Some(start), Some(r)) = (self.runtime_stack_start, self.d.runtime_stack.as_mut())
        {
            *r = start..self.d.frames.len() as u32;
        }
        if let Some(g) = self.cur.take() {
            self.d.goroutines.push(g);
        }
        self.body = Body::Between;
    }

    fn start_call(&mut self, line: &[u8], number: u64, kind: Call) {
        match kind {
            Call::Frame => match split_call(line) {
                Some((name, args)) => self.start_call_with_args(name, args, number, kind),
                None => self.start_call_with_args(line, b"", number, kind),
            },
            Call::CreatedBy(_) => self.start_call_with_args(line, b"", number, kind),
        }
    }

    fn start_call_with_args(&mut self, name: &[u8], args: &[u8], number: u64, kind: Call) {
        self.flush_call();
        let start = self.args.len() as u32;
        if !args.is_empty() {
            if !self.clues.question_args {
                self.clues.question_args = memchr::memchr(b'?', args).is_some();
            }
            // A few hundred frames tell where the heap is; scanning every frame would cost.
            if self.clues.heap_top.is_none() && self.heap_probes < 512 {
                self.heap_probes += 1;
                self.note_heap_prefix(args);
            }
            // Argument lists are printable ASCII but for damage; checking that is a few word
            // operations (see the kernel), where `str::from_utf8` on every 20-byte list cost
            // 3% of an analysis. Anything else is made visible here, once, like every text of
            // the model (see `escape::visible`).
            if crate::bytes::is_printable_ascii(args) {
                self.args.extend_from_slice(args);
            } else {
                self.args.extend_from_slice(crate::escape::visible_lossy(args).as_bytes());
            }
        }
        let len = self.args.len() as u32 - start;
        self.pending_key.clear();
        self.pending_key.extend_from_slice(name);
        self.pending_key.push(b'\n');
        self.pending_name_len = name.len();
        self.pending = Some((start, len, kind));
        self.pending_line = number;
    }

    fn note_heap_prefix(&mut self, args: &[u8]) {
        // Before Go 1.26 the heap lives at 0xc000000000 and up; where exactly moved over time.
        let words = crate::model::ArgWords::new(std::str::from_utf8(args).unwrap_or(""));
        if let Some(w) = words.filter(|w| !w.unreliable).find(|w| (0xc0_0000_0000..0xd0_0000_0000).contains(&w.value)) {
            self.clues.heap_top = Some((w.value >> 28) as u16);
        }
    }

    /// A pending call whose file line never came is stored without a file.
    fn flush_call(&mut self) {
        if self.pending.is_some() {
            let line = self.pending_line;
            if self.body != Body::Between {
                self.warn(line, "function line without its file line");
            }
            self.finish_call(None);
        }
    }

    /// Stores the pending call with its file line (already cut before any ` fp=` suffix).
    fn finish_call(&mut self, file_line: Option<&[u8]>) {
        let Some((args_start, args_len, kind)) = self.pending.take() else { return };
        let site = self.intern_site(file_line.unwrap_or(b""));
        match kind {
            Call::Frame => {
                let rec = self.frame_rec(site, args_start, args_len);
                self.d.frames.push(rec);
                let end = self.d.frames.len() as u32;
                match self.body {
                    Body::Goroutine => {
                        if let Some(g) = self.cur.as_mut() {
                            g.frames.end = end;
                        }
                    }
                    Body::Ancestor => {
                        if let Some(a) = self.cur.as_mut().and_then(|g| g.ancestors.last_mut()) {
                            a.frames.end = end;
                        }
                    }
                    Body::RuntimeStack | Body::Between => {}
                }
            }
            Call::CreatedBy(parent) => {
                let c = CreatedBy { site, parent };
                if let Some(g) = self.cur.as_mut() {
                    match (self.body, g.ancestors.last_mut()) {
                        (Body::Ancestor, Some(a)) => a.created_by = Some(c),
                        _ => g.created_by = Some(c),
                    }
                }
            }
        }
    }

    /// The record of a frame whose arguments were appended to `args` at `start`. Since Go
    /// 1.17 many frames of a site print the same text (`0x0?, 0x0?`): one that equals the
    /// site's last text is taken back out of the arena and shares that text instead. The
    /// 100k bigdump's arena shrinks from 31 to 21 MB, memory that would be fresh pages, and
    /// the prefilter is not asked again of a text it has answered for.
    fn frame_rec(&mut self, site: SiteId, start: u32, len: u32) -> FrameRec {
        let i = site.0 as usize;
        if i >= self.site_args.len() {
            self.site_args.resize(i + 1, (0, u32::MAX, false));
        }
        let (last, last_len, last_may) = self.site_args[i];
        let text = &self.args[start as usize..];
        if last_len == len && len > 0 && self.args[last as usize..(last + len) as usize] == *text {
            self.args.truncate(start as usize);
            return FrameRec::new(site, last, len, last_may);
        }
        let may = crate::model::may_print_reliable_word(text);
        self.site_args[i] = (start, len, may);
        FrameRec::new(site, start, len, may)
    }

    fn intern_site(&mut self, file_line: &[u8]) -> SiteId {
        self.pending_key.truncate(self.pending_name_len + 1);
        self.pending_key.extend_from_slice(file_line);
        let key = &self.pending_key[..];
        let full = xxhash_rust::xxh3::xxh3_128(key);
        let (hash, print) = (full as u64, (full >> 64) as u64);
        let len = key.len() as u32;
        let prints = &self.site_prints;
        if let Some(&id) = self.site_table.find(hash, |&id| prints[id as usize] == (hash, print, len)) {
            return SiteId(id);
        }
        let id = self.d.sites.len() as u32;
        let func = self.intern_func();
        let (file, line, pc_offset) = split_file_line(file_line);
        if func.0 as usize == self.d.funcs.len() - 1 && self.d.funcs[func.0 as usize].full == "runtime.goexit" {
            self.clues.goexit_braces |= self.args.ends_with(b"{}");
        }
        self.d.sites.push(Site { func, file: crate::escape::visible_lossy(file), line, pc_offset });
        self.site_prints.push((hash, print, len));
        let prints = &self.site_prints;
        self.site_table.insert_unique(hash, id, |&id| prints[id as usize].0);
        SiteId(id)
    }

    fn intern_func(&mut self) -> FuncId {
        let name = String::from_utf8_lossy(&self.pending_key[..self.pending_name_len]);
        if let Some(&id) = self.func_index.get(name.as_ref()) {
            return id;
        }
        let id = FuncId(self.d.funcs.len() as u32);
        let name = name.into_owned();
        let mut shown = crate::escape::visible(&name).into_owned();
        if let Some(fixed) = unmarkdown_receiver(&shown) {
            shown = fixed;
            if !self.d.wrapping.iter().any(|w| w == MARKDOWN_STARS) {
                self.d.wrapping.push(MARKDOWN_STARS.to_string());
            }
        }
        self.func_index.insert(name, id);
        self.d.funcs.push(Func::new(shown));
        id
    }

    fn intern_state(&mut self, text: &[u8]) -> StateId {
        if let Some(&id) = self.state_index.get(text) {
            return id;
        }
        let id = StateId(self.d.states.len() as u32);
        self.d.states.push(crate::escape::visible_lossy(text));
        self.state_index.insert(text.to_vec(), id);
        id
    }

    // ---- pprof debug=1 -------------------------------------------------------------

    fn feed_debug1(&mut self, line: &[u8], number: u64) -> Fed {
        // goroutine profile: total 2143
        if let Some(rest) = line.strip_prefix(b"goroutine profile: total ") {
            self.debug1_total = parse_u64(rest).map(|(v, _)| v);
            return Fed::Consumed;
        }
        if line.is_empty() {
            self.end_body();
            return Fed::Consumed;
        }
        // --      (`grep -C`'s separator: the records around it were cut by the filter)
        if line == b"--" {
            self.end_body();
            if !self.d.wrapping.iter().any(|w| w == GREP_CONTEXT) {
                self.d.wrapping.push(GREP_CONTEXT.to_string());
                self.warn(
                    number,
                    "a `--` line: the profile was filtered with `grep -C`, so records may be missing or cut",
                );
            }
            return Fed::Consumed;
        }
        // 1 @ 0x55b008e939d6 0x55b008ea37d2 …
        if let Some((count, rest)) = parse_u64(line)
            && rest.starts_with(b" @")
        {
            self.start_goroutine(None, number);
            let state = self.intern_state(b"");
            if let Some(g) = self.cur.as_mut() {
                g.count = u32::try_from(count).unwrap_or(u32::MAX);
                g.state = state;
            }
            self.body = Body::Goroutine;
            return Fed::Consumed;
        }
        // # labels: {"handler":"ps"}
        if let Some(rest) = line.strip_prefix(b"# labels: ") {
            if let Some(g) = self.cur.as_mut() {
                g.labels = parse_labels(rest).unwrap_or_default();
            }
            return Fed::Consumed;
        }
        // #	0x55b00a483d30	github.com/x/oci.WaitContainerStop+0x270		/src/runtime_oci.go:685
        if line.starts_with(b"#") && self.cur.is_some() {
            let mut fields = line[1..].split(|&c| c == b'\t').filter(|f| !f.is_empty());
            let _pc = fields.next();
            let (Some(sym), file) = (fields.next(), fields.next()) else {
                // #	0x4a1b2c  (a frame whose function the runtime could not name)
                self.start_call_with_args(b"?", b"", number, Call::Frame);
                self.finish_call(Some(b"?:0"));
                return Fed::Consumed;
            };
            let (name, off) = match memchr::memmem::rfind(sym, b"+0x") {
                Some(p) => (&sym[..p], &sym[p..]),
                None => (sym, &b""[..]),
            };
            self.start_call_with_args(name, b"", number, Call::Frame);
            self.scratch.clear();
            self.scratch.extend_from_slice(file.unwrap_or(b""));
            if !off.is_empty() {
                self.scratch.push(b' ');
                self.scratch.extend_from_slice(off);
            }
            let file_line = std::mem::take(&mut self.scratch);
            self.finish_call(Some(&file_line));
            return Fed::Consumed;
        }
        Fed::Unknown
    }

    /// Ends the dump: closes the open goroutine and checks what the input promised.
    pub fn finish(mut self, end: End) -> (Dump, Clues) {
        let cut_call = self.pending.is_some() && self.in_body();
        match end {
            End::Boundary => {}
            End::Input(line) => {
                if cut_call {
                    self.warn(line, "the input ends between a function line and its file line: truncated");
                    self.finish_call(None);
                }
                let headless = self.cur.as_ref().is_some_and(|g| g.frames.is_empty() && !g.stack_unavailable);
                if self.body == Body::Goroutine && headless && !cut_call {
                    self.warn(line, "the input ends right after a goroutine header: truncated");
                }
            }
            End::Cut { line, message } => {
                if cut_call {
                    self.finish_call(None);
                }
                self.warn(line, message);
            }
        }
        self.end_body();
        if let Some(total) = self.debug1_total {
            let seen = self.d.goroutine_count();
            if seen != total {
                let line = self.d.span.last_line;
                self.warn(line, format!("profile says {total} goroutines but {seen} were read"));
            }
        }
        // Give back what `reserve_for` guessed beyond the dump (a small dump in a big log).
        fn trim<T>(v: &mut Vec<T>) {
            if v.capacity() > v.len() + v.len() / 2 {
                v.shrink_to_fit();
            }
        }
        trim(&mut self.d.frames);
        trim(&mut self.d.goroutines);
        trim(&mut self.args);
        // Every piece appended was ASCII or made valid by `from_utf8_lossy`, so the whole
        // is valid UTF-8 and the lossy path never runs; it only keeps this free of panics.
        self.d.args = ArgArenas::new(match String::from_utf8(std::mem::take(&mut self.args)) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        });
        (self.d, self.clues)
    }
}

/// How a dump ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// At a boundary: a blank line, a marker, another dump.
    Boundary,
    /// At the end of the input, read up to the given line.
    Input(u64),
    /// The text was cut (a log message without its closing quote): always worth a warning.
    Cut {
        /// The input line where it was cut.
        line: u64,
        /// What to tell the user.
        message: String,
    },
}

/// A parsed goroutine header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    pub id: u64,
    pub reason: &'a [u8],
    pub minutes: Option<u32>,
    pub locked: bool,
    pub scan: bool,
    pub leaked: bool,
    pub synctest: bool,
    pub gp: bool,
    pub labels: Vec<(String, String)>,
}

/// Parses `goroutine 7 gp=0x… m=3 mp=0x… [chan receive (scan), 5 minutes, locked to thread] {k: v}:`.
pub(crate) fn parse_header(line: &[u8]) -> Option<Header<'_>> {
    let rest = line.strip_prefix(b"goroutine ")?;
    let (id, rest) = parse_u64(rest)?;
    let open = memchr::memchr(b'[', rest)?;
    let between = &rest[..open];
    // Only ` gp=… m=… mp=…` may sit between the id and the bracket.
    if !(between == b" " || between.starts_with(b" gp=") && between.ends_with(b" ")) {
        return None;
    }
    let close = open + memchr::memchr(b']', &rest[open..])?;
    let tail = &rest[close + 1..];
    let labels = match tail {
        b":" => Vec::new(),
        _ => {
            let body = tail.strip_prefix(b" ")?.strip_suffix(b":")?;
            parse_labels(body)?
        }
    };
    let mut h = Header {
        id,
        reason: b"",
        minutes: None,
        locked: false,
        scan: false,
        leaked: false,
        synctest: false,
        gp: between.len() > 1,
        labels,
    };
    let mut parts = rest[open + 1..close].split(|&c| c == b',');
    let mut reason = parts.next().unwrap_or(b"");
    loop {
        if let Some(r) = reason.strip_suffix(b" (scan)") {
            h.scan = true;
            reason = r;
        } else if let Some(r) = reason.strip_suffix(b" (leaked)") {
            h.leaked = true;
            reason = r;
        } else if let Some(r) = reason.strip_suffix(b" (durable)").or_else(|| reason.strip_suffix(b" (synctest)")) {
            // Go 1.25+ `(durable)`; the Go 1.24 experiment printed `(synctest)`.
            h.synctest = true;
            reason = r;
        } else {
            break;
        }
    }
    h.reason = reason;
    for part in parts {
        let part = part.strip_prefix(b" ").unwrap_or(part);
        if part == b"locked to thread" {
            h.locked = true;
        } else if part.starts_with(b"synctest bubble") || part.starts_with(b"synctest group") {
            h.synctest = true;
        } else if let Some((n, unit)) = parse_u64(part)
            && (unit == b" minutes" || unit == b" minute")
        {
            h.minutes = Some(u32::try_from(n).unwrap_or(u32::MAX));
        }
    }
    Some(h)
}

/// Parses goroutine labels: `{handler: ps, id: "4\n2"}` (traceback, Go-quoted where needed) or
/// `{"handler":"ps"}` (pprof debug=1).
pub(crate) fn parse_labels(body: &[u8]) -> Option<Vec<(String, String)>> {
    let s = std::str::from_utf8(body).ok()?;
    let mut rest = s.strip_prefix('{')?.strip_suffix('}')?;
    let mut out = Vec::new();
    // One token: a quoted string (with escapes) or a bare word up to `stop`.
    fn token<'a>(s: &'a str, stop: &[char]) -> Option<(String, &'a str)> {
        if s.starts_with('"') {
            let b = s.as_bytes();
            let mut i = 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return Some((unquote(&s[..=i])?, &s[i + 1..])),
                    _ => i += 1,
                }
            }
            None
        } else {
            let end = s.find(stop).unwrap_or(s.len());
            Some((s[..end].to_string(), &s[end..]))
        }
    }
    while !rest.is_empty() {
        let (k, r) = token(rest, &[':'])?;
        let r = r.strip_prefix(':')?;
        let r = r.strip_prefix(' ').unwrap_or(r);
        let (v, r) = token(r, &[','])?;
        out.push((k, v));
        rest = r.strip_prefix(',').map(|r| r.strip_prefix(' ').unwrap_or(r)).unwrap_or(r);
        if !r.starts_with(',') && !r.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// The note on a pprof profile filtered by `grep -C`.
const GREP_CONTEXT: &str = "filtered by grep (`--` between records)";

/// The note on a dump whose lines were glued together.
const GLUED_LINES: &str = "lines glued together (e-mail quoting?): split again";

/// A header with text glued after its colon: the header and the text. Only the first few
/// colons after the bracket are tried, so a line of colons costs no more than one.
pub(crate) fn unglue_header(line: &[u8]) -> Option<(Header<'_>, &[u8])> {
    let close = memchr::memchr(b']', line)?;
    memchr::memchr_iter(b':', &line[close..]).take(4).find_map(|p| {
        let end = close + p + 1;
        let rest = &line[end..];
        if rest.is_empty() || rest[0] == b' ' {
            return None;
        }
        Some((parse_header(&line[..end])?, rest))
    })
}

/// First path elements of Go packages, to tell where a glued function name starts after
/// the hex digits of a pc offset (`+0x2fdatabase/sql.…`: `2f`, not `2fda`).
const PACKAGE_STARTS: &[&[u8]] = &[
    b"github.com/",
    b"golang.org/",
    b"google.golang.org/",
    b"gopkg.in/",
    b"k8s.io/",
    b"go.",
    b"gitlab.com/",
    b"bufio.",
    b"bytes.",
    b"context.",
    b"crypto/",
    b"database/",
    b"encoding/",
    b"errors.",
    b"fmt.",
    b"internal/",
    b"io.",
    b"io/",
    b"log.",
    b"main.",
    b"net.",
    b"net/",
    b"os.",
    b"os/",
    b"reflect.",
    b"runtime.",
    b"runtime/",
    b"strings.",
    b"sync.",
    b"sync/",
    b"syscall.",
    b"testing.",
    b"time.",
];

/// Splits a file line glued to the next function line: `/x/kill.go:162 +0x215github.com/…`
/// or, without a pc offset, `/x/kill.go:162github.com/…`. Returns (file line, the rest).
fn unglue_file_line(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = memchr::memrchr(b':', &text[..memchr::memchr(b'(', text)?])?;
    let digits = text[colon + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || !looks_like_path(&text[..colon]) {
        return None;
    }
    let after_line = colon + 1 + digits;
    let rest = &text[after_line..];
    let Some(hex) = rest.strip_prefix(b" +0x") else {
        // No pc offset: the function's first letter follows the line number.
        return rest.first().is_some_and(|c| c.is_ascii_alphabetic()).then(|| text.split_at(after_line));
    };
    let start = after_line + 4;
    let run = hex.iter().take_while(|c| c.is_ascii_hexdigit()).count();
    // The function begins inside or after the hex digits: a known package root decides,
    // else every hex digit is the offset's.
    let split = (1..=run)
        .find(|&k| PACKAGE_STARTS.iter().any(|p| hex[k..].starts_with(p)))
        .or_else(|| (run > 0 && hex.get(run).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')).then_some(run))?;
    Some(text.split_at(start + split))
}

/// The note on a dump whose pointer receivers lost their `*` to markdown.
const MARKDOWN_STARS: &str = "markdown turned `*` into `_` in receivers: read back as `*`";

/// `sync.(*RWMutex).Lock` from `sync.(_RWMutex).Lock`: GitHub markdown pairs the stars of
/// two pointer receivers as emphasis and some renderers write them back as underscores. A
/// Go type name may begin with `_`, but a pointer receiver printed by the runtime always
/// reads `(*`, and a value receiver has no parentheses: `(_` is always the damage.
fn unmarkdown_receiver(name: &str) -> Option<String> {
    name.contains(".(_").then(|| name.replace(".(_", ".(*"))
}

/// Splits `pkg.(*T).M(0x1, {0x2?})` into name and argument text; `None` if it is not a call.
pub(crate) fn split_call(line: &[u8]) -> Option<(&[u8], &[u8])> {
    if line.last() != Some(&b')') {
        return None;
    }
    // Argument lists never contain parentheses, so the last '(' opens them.
    let open = memchr::memrchr(b'(', line)?;
    let name = &line[..open];
    if name.is_empty() || memchr::memchr(b' ', name).is_some() {
        return None;
    }
    Some((name, &line[open + 1..line.len() - 1]))
}

/// Splits `F in goroutine 12` into name and parent.
fn parse_created_by(rest: &[u8]) -> (&[u8], Option<u64>) {
    match IN_GOROUTINE.find(rest) {
        Some(p) => (&rest[..p], parse_u64(&rest[p + 14..]).map(|(v, _)| v)),
        None => (rest, None),
    }
}

/// `...12 frames elided...` → 12; `...additional frames elided...` → None.
fn parse_elided_count(line: &[u8]) -> Option<u32> {
    parse_u64(&line[3..]).and_then(|(v, _)| u32::try_from(v).ok())
}

/// Whether a line is the head of a function line cut short: `pkg.f(0x1, 0x` (a name without
/// spaces, then an opening parenthesis, but no closing one).
fn looks_like_cut_call(line: &[u8]) -> bool {
    let line = trim_indent(line);
    match memchr::memchr(b'(', line) {
        Some(p) => {
            let name = &line[..p];
            p > 0
                && line.last() != Some(&b')')
                && memchr::memchr(b'.', name).is_some()
                && memchr::memchr(b' ', name).is_none()
        }
        None => false,
    }
}

/// Leading decimal number and the rest.
pub(crate) fn parse_u64(s: &[u8]) -> Option<(u64, &[u8])> {
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 20 {
        return None;
    }
    let mut v = 0u64;
    for &c in &s[..digits] {
        // Goroutine ids are uint64: up to 20 digits, but no more than u64::MAX.
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some((v, &s[digits..]))
}

/// Whether a line starts with the indentation of a file line: a tab, spaces, or the literal
/// two characters `\t` of a damaged paste.
fn is_indented(line: &[u8]) -> bool {
    matches!(line.first(), Some(b'\t' | b' ')) || line.starts_with(b"\\t")
}

/// Strips the indentation of a file line.
pub(crate) fn trim_indent(mut line: &[u8]) -> &[u8] {
    loop {
        match line {
            [b'\t' | b' ', rest @ ..] => line = rest,
            [b'\\', b't', rest @ ..] => line = rest,
            _ => return line,
        }
    }
}

/// Where the parts of a trimmed file line end: `(path:line end, key end)`, where the key is
/// the line without a ` fp=… sp=… pc=…` suffix (it differs per goroutine). `None` if the text
/// is not `path/file.go:123 +0x1d` (or `?:0`).
///
/// The line is read from its end, where everything variable is: the optional
/// ` fp=0x… sp=0x… pc=0x…`, the optional ` +0x1d`, the line number. The path is never
/// scanned, so long paths cost nothing and paths with spaces need no special case.
fn file_line_ends(text: &[u8]) -> Option<(usize, usize)> {
    // The hex digits that end the line belong to ` pc=0x…` or ` +0x…`: found once for both.
    let hex = hex_run_start(text);
    let head_end = if hex < text.len() && text[..hex].ends_with(b" pc=0x") {
        // ` fp=0x… sp=0x… pc=0x…` as a whole, or it is not Go's suffix.
        let sp = strip_hex_back(&text[..hex - 6], b" sp=0x")?;
        let key_end = strip_hex_back(&text[..sp], b" fp=0x")?;
        let head_end = strip_hex_back(&text[..key_end], b" +0x").unwrap_or(key_end);
        return ends_in_line_number(&text[..head_end]).then_some((head_end, key_end));
    } else if hex < text.len() && text[..hex].ends_with(b" +0x") {
        hex - 4
    } else {
        text.len()
    };
    ends_in_line_number(&text[..head_end]).then_some((head_end, text.len()))
}

/// Where the run of hex digits that ends `text` starts.
fn hex_run_start(text: &[u8]) -> usize {
    let mut i = text.len();
    while i > 0 && text[i - 1].is_ascii_hexdigit() {
        i -= 1;
    }
    i
}

/// If `text` ends in `tag` followed by hex digits, where `tag` starts.
fn strip_hex_back(text: &[u8], tag: &[u8]) -> Option<usize> {
    let before = hex_run_start(text);
    (before < text.len() && text[..before].ends_with(tag)).then(|| before - tag.len())
}

/// Whether `head` ends in `:` and a line number.
fn ends_in_line_number(head: &[u8]) -> bool {
    let digits = head.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && digits < head.len() && head[head.len() - digits - 1] == b':'
}

/// Whether trimmed text looks like `path/file.go:123 +0x1d` (or `?:0`), possibly followed by
/// ` fp=0x… sp=0x… pc=0x…` (a frame at its function's entry prints no `+0x`).
fn looks_like_file_line(text: &[u8]) -> bool {
    file_line_ends(text).is_some()
}

/// Whether the text before the line number of a file line names a source file (`?`,
/// `<autogenerated>`, or a Go, assembly or C file), for file lines that lost their
/// indentation and so could be any text with a colon and digits.
fn looks_like_path(text: &[u8]) -> bool {
    let (path, _, _) = split_file_line(text);
    path == b"?"
        || path == b"<autogenerated>"
        || [&b".go"[..], b".s", b".c", b".h", b".cc", b".cpp"].iter().any(|ext| path.ends_with(ext))
}

/// Splits `/src/x.go:123 +0x1d` into path, line and pc offset.
fn split_file_line(text: &[u8]) -> (&[u8], u32, Option<u32>) {
    let (head, pc) = match strip_hex_back(text, b" +0x") {
        Some(p) => {
            let hex = std::str::from_utf8(&text[p + 4..]).ok();
            (&text[..p], hex.and_then(|h| u32::from_str_radix(h, 16).ok()))
        }
        None => (text, None),
    };
    match memchr::memrchr(b':', head) {
        Some(p) => match parse_u64(&head[p + 1..]) {
            Some((line, [])) => (&head[..p], u32::try_from(line).unwrap_or(0), pc),
            _ => (head, 0, pc),
        },
        None => (head, 0, pc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lbl(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn frames_of_a_site_share_equal_argument_text() {
        let text = "\
goroutine 1 [chan receive]:
main.f(0x0?, 0x0?)
\t/app/main.go:10 +0x1
main.g(0x0?, 0x0?)
\t/app/main.go:20 +0x2

goroutine 2 [chan receive]:
main.f(0x0?, 0x0?)
\t/app/main.go:10 +0x1
main.g(0xc000010000, 0x0?)
\t/app/main.go:20 +0x2

goroutine 3 [chan receive]:
main.f(0x0?, 0x0?)
\t/app/main.go:10 +0x1
main.g(0x0?, 0x0?)
\t/app/main.go:20 +0x2
";
        let dumps = crate::read_dumps(text.as_bytes(), "t").unwrap();
        let d = &dumps[0];
        let args: Vec<Vec<&str>> = d.goroutines.iter().map(|g| d.frames(g).map(|f| f.args).collect()).collect();
        assert_eq!(args, [["0x0?, 0x0?"; 2], ["0x0?, 0x0?", "0xc000010000, 0x0?"], ["0x0?, 0x0?"; 2]]);
        let start = |g: usize, k: usize| d.frame_recs(&d.goroutines[g])[k].args_start;
        // main.f's text is stored once for all three frames; main.g's equal text is not
        // main.f's to share, and after a different one it is stored again.
        assert!(start(1, 0) == start(0, 0) && start(2, 0) == start(0, 0));
        assert_ne!(start(0, 1), start(0, 0), "texts are shared within a call site only");
        assert_ne!(start(1, 1), start(0, 1));
        assert_ne!(start(2, 1), start(0, 1), "only the site's last text is shared");
        assert_eq!(d.args.len(), 3 * "0x0?, 0x0?".len() + "0xc000010000, 0x0?".len());
        let may: Vec<bool> = d.frames.iter().map(|r| r.may_print_reliable_word()).collect();
        assert_eq!(may, [false, false, false, true, false, false], "a shared text keeps its answer");
    }

    #[test]
    fn parses_every_header_form() {
        let h = parse_header(b"goroutine 7 [chan receive, 3098 minutes, locked to thread]:").unwrap();
        assert_eq!((h.id, h.reason, h.minutes, h.locked), (7, &b"chan receive"[..], Some(3098), true));
        let h = parse_header(b"goroutine 18 gp=0xc000007c00 m=nil [GC worker (idle)]:").unwrap();
        assert_eq!((h.id, h.reason, h.gp), (18, &b"GC worker (idle)"[..], true));
        let h = parse_header(b"goroutine 72 gp=0xc000153880 m=6 mp=0xc00004fc08 [syscall]:").unwrap();
        assert_eq!((h.id, h.reason), (72, &b"syscall"[..]));
        let h = parse_header(b"goroutine 9 [running (scan)]:").unwrap();
        assert_eq!((h.reason, h.scan), (&b"running"[..], true));
        let h = parse_header(b"goroutine 9 [chan receive (leaked), 2 minutes]:").unwrap();
        assert_eq!((h.reason, h.leaked, h.minutes), (&b"chan receive"[..], true, Some(2)));
        let h = parse_header(b"goroutine 9 [select (durable), synctest bubble 4]:").unwrap();
        assert_eq!((h.reason, h.synctest), (&b"select"[..], true));
        let h = parse_header(b"goroutine 19 [sleep] {handler: ps, id: 42}:").unwrap();
        assert_eq!(h.labels, lbl(&[("handler", "ps"), ("id", "42")]));
        let h = parse_header(br#"goroutine 19 [sleep] {handler: "p s, x}", id: "4\n2"}:"#).unwrap();
        assert_eq!(h.labels, lbl(&[("handler", "p s, x}"), ("id", "4\n2")]));
        let h = parse_header(b"goroutine 1 [select (no cases)]:").unwrap();
        assert_eq!(h.reason, b"select (no cases)");
        assert!(parse_header(b"goroutine 1 [running]").is_none(), "no colon");
        assert!(parse_header(b"goroutine x [running]:").is_none());
        assert!(parse_header(b"goroutine 1 blah [running]:").is_none());
    }

    #[test]
    fn parses_pprof_labels() {
        assert_eq!(
            parse_labels(br#"{"handler":"ps", "id":"4\n2"}"#).unwrap(),
            lbl(&[("handler", "ps"), ("id", "4\n2")])
        );
        assert_eq!(parse_labels(b"{}").unwrap(), vec![]);
        assert!(parse_labels(b"{unterminated").is_none());
    }

    #[test]
    fn splits_calls() {
        assert_eq!(split_call(b"main.main()"), Some((&b"main.main"[..], &b""[..])));
        assert_eq!(
            split_call(b"sync.(*Mutex).Lock(0xc000aee820, {0x0?, 0x40}, ...)"),
            Some((&b"sync.(*Mutex).Lock"[..], &b"0xc000aee820, {0x0?, 0x40}, ..."[..]))
        );
        assert_eq!(split_call(b"panic({0x6b8a40?, 0xc0000a0010?})").unwrap().0, b"panic");
        assert_eq!(split_call(b"a/b.(*T).(a/b.f)-fm(0x1)"), Some((&b"a/b.(*T).(a/b.f)-fm"[..], &b"0x1"[..])));
        assert_eq!(split_call(b"exit status 2"), None);
        assert_eq!(split_call(b"some text (with spaces)"), None);
    }

    #[test]
    fn id_set_notices_repeats_small_and_large() {
        let mut ids = IdSet::default();
        for id in [1, 63, 64, 5000, IdSet::DENSE - 1, IdSet::DENSE, u64::MAX] {
            assert!(ids.insert(id), "{id} is new");
        }
        for id in [1, 63, 64, 5000, IdSet::DENSE - 1, IdSet::DENSE, u64::MAX] {
            assert!(!ids.insert(id), "{id} repeats");
        }
        assert!(ids.insert(0) && ids.insert(65) && ids.insert(IdSet::DENSE + 1));
    }

    #[test]
    fn splits_file_lines() {
        assert_eq!(
            split_file_line(b"/usr/local/go/src/sync/mutex.go:83 +0x1c4"),
            (&b"/usr/local/go/src/sync/mutex.go"[..], 83, Some(0x1c4))
        );
        assert_eq!(
            split_file_line(b"/usr/local/go/src/sync/mutex.go:46"),
            (&b"/usr/local/go/src/sync/mutex.go"[..], 46, None)
        );
        assert_eq!(
            split_file_line(b"c:/go/src/runtime/proc.go:250 +0x5"),
            (&b"c:/go/src/runtime/proc.go"[..], 250, Some(5))
        );
        assert_eq!(split_file_line(b"C:/Program Files/Go/src/x.go:7"), (&b"C:/Program Files/Go/src/x.go"[..], 7, None));
        assert_eq!(split_file_line(b"?:0"), (&b"?"[..], 0, None));
        assert!(looks_like_file_line(b"?:0"));
        assert!(looks_like_file_line(b"/x.go:12 +0x1d"));
        assert!(!looks_like_file_line(b"goroutine running on other thread; stack unavailable"));
        // (head end, key end): the key drops ` fp= sp= pc=`, the head also drops ` +0x…`.
        let ends = |t: &str| file_line_ends(t.as_bytes());
        assert_eq!(ends("/x.go:12 +0x1d"), Some((8, 14)));
        assert_eq!(ends("/x.go:12"), Some((8, 8)));
        assert_eq!(ends("/x.go:12 +0x1d fp=0xc0 sp=0xc1 pc=0x4a"), Some((8, 14)));
        assert_eq!(ends("/x.go:12 fp=0xc0 sp=0xc1 pc=0x4a"), Some((8, 8)));
        assert_eq!(ends("/x.go:12 +0x1d sp=0xc1 pc=0x4a"), None, "pc= without fp= is not Go's suffix");
        assert_eq!(ends("/x.go:12 +0x"), None);
        assert_eq!(ends("/x.go:1abc"), None);
        assert_eq!(ends("/x.go +0x1d"), None);
        assert_eq!(ends(":5"), Some((2, 2)));
        assert_eq!(ends("5"), None);
        assert_eq!(ends(""), None);
        assert_eq!(trim_indent(b"\\t/x.go:1"), b"/x.go:1");
        assert_eq!(trim_indent(b"        /x.go:1"), b"/x.go:1");
    }
}
