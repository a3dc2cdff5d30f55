//! The parsed form of goroutine dumps: plain data, no I/O.
//!
//! A [`Dump`] is one goroutine dump found in an input (a file may hold several). Its goroutines
//! keep their frames in one arena per dump, and every distinct call site (function + file line)
//! is stored once: real dumps repeat the same few thousand call sites across up to hundreds of
//! thousands of goroutines, so interning keeps the model well below the size of the input and
//! lets the parser skip re-parsing a file line it has already seen.
//!
//! Words follow the Go runtime and panicparse: a goroutine has a *state* (the text between the
//! brackets of its header), a *stack* of *frames*, and each frame is a *call* of a *function* at a
//! *site* (file and line) with *arguments*.

use std::fmt;
use std::ops::Range;

pub use crate::bytes::may_print_reliable_word;

/// Where a dump was found in its input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Span {
    /// 1-based number of the first input line that belongs to the dump.
    pub first_line: u64,
    /// 1-based number of the last input line that belongs to the dump.
    pub last_line: u64,
    /// Byte offset of the start of the first line in the (decompressed) input.
    pub start_byte: u64,
    /// Byte offset just past the last line.
    pub end_byte: u64,
}

/// How a dump was wrapped in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DumpKind {
    /// Bare `runtime.Stack(buf, true)` text or `/debug/pprof/goroutine?debug=2`.
    #[default]
    Raw,
    /// A dockerd/cri-o SIGUSR1 file (`goroutine-stacks-<time>.log`) or text between
    /// `=== BEGIN goroutine stack dump ===` and `=== END goroutine stack dump ===` lines.
    DockerdFile,
    /// A dump logged as one log line (logrus text or JSON), with Go-quoted escapes.
    LogrusLine,
    /// The stderr of a process killed by SIGQUIT (`SIGQUIT: quit`, `PC=… m=0 sigcode=0`).
    Sigquit,
    /// A panic or fatal error traceback (`panic: …`, `fatal error: …`).
    Panic,
    /// `/debug/pprof/goroutine?debug=1`: stacks with counts, no goroutine ids or states.
    PprofDebug1,
}

impl DumpKind {
    /// The stable name used in JSON and text output.
    pub fn as_str(self) -> &'static str {
        match self {
            DumpKind::Raw => "raw",
            DumpKind::DockerdFile => "dockerd-file",
            DumpKind::LogrusLine => "logrus-line",
            DumpKind::Sigquit => "sigquit",
            DumpKind::Panic => "panic",
            DumpKind::PprofDebug1 => "pprof-debug1",
        }
    }
}

impl fmt::Display for DumpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A problem found while reading a dump: the input line and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based input line number (for a dump inside an escaped log line: that log line).
    pub line: u64,
    /// What could not be read, in words.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A Go release as (major, minor), e.g. `GoVersion(1, 21)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoVersion(pub u8, pub u8);

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "go{}.{}", self.0, self.1)
    }
}

/// The range of Go releases that could have printed a dump, with the clues that narrowed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Era {
    /// Oldest release consistent with the dump, if any clue bounds it.
    pub min: Option<GoVersion>,
    /// Newest release consistent with the dump, if any clue bounds it.
    pub max: Option<GoVersion>,
    /// One phrase per clue, e.g. "`created by … in goroutine N` (go1.21+)".
    pub clues: Vec<String>,
}

impl Era {
    /// Whether arguments were printed by the register ABI (Go 1.17+), so `?` marks matter.
    pub fn register_abi(&self) -> bool {
        self.min.is_some_and(|v| v >= GoVersion(1, 17))
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (Some(a), Some(b)) if a == b => write!(f, "{a}"),
            (Some(a), Some(b)) => write!(f, "{a}–{b}"),
            (Some(a), None) => write!(f, "{a}+"),
            (None, Some(b)) => write!(f, "≤{b}"),
            (None, None) => f.write_str("unknown"),
        }
    }
}

/// Index of a call site in [`Dump::sites`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteId(pub u32);

/// Index of a function in [`Dump::funcs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(pub u32);

/// A function name split into its parts.
///
/// `github.com/docker/docker/volume/local.(*Root).Remove` has package
/// `github.com/docker/docker/volume/local`, receiver `*Root` and name `Remove`;
/// `main.main.func1` has package `main`, no receiver and name `main.func1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Func {
    /// The name as printed, e.g. `sync.(*Mutex).lockSlow`.
    pub full: String,
    /// Byte length of the package path prefix of `full` (without the dot after it).
    pkg_len: u32,
    /// Byte range of the receiver type in `full` (`*Root`, `HandlerFunc`), empty if none.
    recv: (u32, u32),
    /// Byte offset in `full` of the method or function name (after the receiver).
    name_start: u32,
}

impl Func {
    /// Splits a printed function name into package, receiver and name.
    pub fn new(full: String) -> Func {
        let (pkg_len, recv, name_start) = split_func_name(&full);
        Func { full, pkg_len, recv, name_start }
    }

    /// The import path of the function's package, e.g. `net/http`.
    pub fn package(&self) -> &str {
        &self.full[..self.pkg_len as usize]
    }

    /// The receiver type (`*Root`, `HandlerFunc`), if this is a method.
    pub fn receiver(&self) -> Option<&str> {
        let (a, b) = self.recv;
        (b > a).then(|| &self.full[a as usize..b as usize])
    }

    /// The function or method name after package and receiver, e.g. `Remove` or `main.func1`.
    pub fn name(&self) -> &str {
        &self.full[self.name_start as usize..]
    }

    /// A closure or a `go` statement's wrapper (`main.func1`, `(*T).Run.func2`,
    /// `main.gowrap1`), not a function written with a name of its own.
    pub fn is_closure(&self) -> bool {
        let name = self.name();
        name.contains(".func") || name.contains("gowrap")
    }

    /// The method name without closure suffixes: `Lock` for `(*Mutex).Lock.func1`.
    pub fn base_name(&self) -> &str {
        let name = self.name();
        name.split('.').next().unwrap_or(name)
    }

    /// The receiver type without the pointer star or generic brackets, e.g. `Root`.
    pub fn receiver_type(&self) -> Option<&str> {
        self.receiver().map(|r| {
            let r = r.trim_start_matches('*');
            r.split('[').next().unwrap_or(r)
        })
    }

    /// True for functions of the Go runtime itself (`runtime.*`, `runtime/internal/*`,
    /// `internal/runtime/*`).
    pub fn is_runtime(&self) -> bool {
        let p = self.package();
        self.full == "panic"
            || p == "runtime"
            || p.starts_with("runtime/internal/")
            || p.starts_with("internal/runtime/")
    }

    /// True for the lock machinery: `sync`, `internal/sync`, `sync/atomic` and the runtime.
    pub fn is_sync_or_runtime(&self) -> bool {
        let p = self.package();
        p == "sync" || p == "internal/sync" || p == "sync/atomic" || self.is_runtime()
    }

    /// True for the Go standard library (a package path whose first element has no dot),
    /// but not for `main`.
    pub fn is_stdlib(&self) -> bool {
        let p = self.package();
        let first = p.split('/').next().unwrap_or(p);
        !first.contains('.') && p != "main" && !p.is_empty()
    }
}

/// Returns (package length, receiver byte range, name start) for a printed Go function name.
fn split_func_name(full: &str) -> (u32, (u32, u32), u32) {
    let b = full.as_bytes();
    // The package path ends at the first '.' after the last '/' that is outside of
    // brackets or parentheses: `(*T)` and generic `[...]` may contain slashes.
    let mut depth = 0i32;
    let mut last_slash = 0usize;
    let mut path_end = b.len();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'(' | b'[' => {
                depth += 1;
                if path_end == b.len() {
                    path_end = i;
                }
            }
            b')' | b']' => depth -= 1,
            b'/' if depth == 0 && path_end == b.len() => last_slash = i + 1,
            _ => {}
        }
    }
    let pkg_len =
        b[last_slash..path_end.min(b.len())].iter().position(|&c| c == b'.').map(|p| last_slash + p).unwrap_or(0);
    if pkg_len == 0 {
        return (0, (0, 0), 0);
    }
    let rest = pkg_len + 1;
    if rest >= b.len() {
        return (pkg_len as u32, (0, 0), rest.min(b.len()) as u32);
    }
    // Pointer receiver: `pkg.(*T).M` (also `pkg.(*T[...]).M`).
    if b[rest] == b'(' {
        let mut depth = 0i32;
        for (i, &c) in b[rest..].iter().enumerate() {
            match c {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        let close = rest + i;
                        let name = if b.get(close + 1) == Some(&b'.') { close + 2 } else { close + 1 };
                        return (pkg_len as u32, ((rest + 1) as u32, close as u32), name.min(b.len()) as u32);
                    }
                }
                _ => {}
            }
        }
        return (pkg_len as u32, (0, 0), rest as u32);
    }
    // Value receiver `pkg.T.M` versus a closure `pkg.F.func1`: the second element decides.
    let first_end = component_end(b, rest);
    if first_end < b.len() {
        let second = &full[first_end + 1..];
        let second = second.split('.').next().unwrap_or(second);
        let closure = second.starts_with("func")
            || second.starts_with("gowrap")
            || second.starts_with("deferwrap")
            || second.bytes().all(|c| c.is_ascii_digit())
            || second.contains('·');
        if !closure && !second.is_empty() && !full[rest..first_end].contains('·') {
            return (pkg_len as u32, (rest as u32, first_end as u32), (first_end + 1) as u32);
        }
    }
    (pkg_len as u32, (0, 0), rest as u32)
}

/// End of the dotted name component starting at `start`, skipping generic brackets.
fn component_end(b: &[u8], start: usize) -> usize {
    let mut depth = 0i32;
    for (i, &c) in b[start..].iter().enumerate() {
        match c {
            b'[' => depth += 1,
            b']' => depth -= 1,
            b'.' if depth == 0 => return start + i,
            _ => {}
        }
    }
    b.len()
}

/// A call site: a function and the file line it was executing, shared by every frame that
/// printed the same two lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The function.
    pub func: FuncId,
    /// Source file path as printed (may be empty when the file line was missing).
    pub file: String,
    /// Source line number (0 when unknown).
    pub line: u32,
    /// Program counter offset from the function entry (`+0x1d`), absent for inlined calls.
    pub pc_offset: Option<u32>,
}

/// One argument word as printed by the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgWord {
    /// The value.
    pub value: u64,
    /// Printed with a trailing `?`: the register ABI could not confirm the value (Go 1.17+).
    pub unreliable: bool,
    /// Nesting depth: 0 for a top-level argument, 1 inside one `{…}`, and so on.
    pub depth: u8,
    /// Index of the top-level argument this word belongs to.
    pub index: u16,
    /// The first word inside a `{…}` group: in the register ABI the type word of an
    /// interface `{itab, data}` or the data pointer of a string `{ptr, len}`, so a value
    /// shared with other goroutines, not an object of its own.
    pub leads_group: bool,
}

/// Iterates the numeric words of a raw argument list such as `{0x0?, 0x40}, 0xc000aee820`.
///
/// `...`, `_` and anything unreadable are skipped; this is what analysis needs (values with
/// their reliability), not a faithful tree; see [`parse_args`] for the tree.
#[derive(Debug, Clone)]
pub struct ArgWords<'a> {
    /// The text the words are read from: the argument list alone, or a dump's whole argument
    /// arena with `i..end` the list.
    s: &'a [u8],
    i: usize,
    end: usize,
    depth: u8,
    index: u16,
    /// The next word is the first of a `{…}` group.
    group_start: bool,
}

impl<'a> ArgWords<'a> {
    /// Starts iterating the words of `raw` (the text between the call's parentheses).
    pub fn new(raw: &'a str) -> Self {
        Self::within(raw.as_bytes(), 0..raw.len())
    }

    /// Starts iterating the words of the argument list at `range` in `text`. Nothing outside
    /// the range is read as part of a word; a range running past the text ends with it.
    pub fn within(text: &'a [u8], range: Range<usize>) -> Self {
        ArgWords { s: text, i: range.start, end: range.end.min(text.len()), depth: 0, index: 0, group_start: false }
    }
}

/// Per byte: its value as a hex digit, or [`NOT_HEX`].
static HEX_DIGIT: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};
const NOT_HEX: u8 = 0xff;

impl Iterator for ArgWords<'_> {
    type Item = ArgWord;

    // Every argument word of every frame goes through here (30 MB of argument text in a
    // 100k-goroutine dump), hence the digit table and the single index kept in a local.
    fn next(&mut self) -> Option<ArgWord> {
        let s = self.s;
        let end = self.end;
        let mut i = self.i;
        while i < end {
            let c = s[i];
            i += 1;
            match c {
                b'{' => {
                    self.depth = self.depth.saturating_add(1);
                    self.group_start = true;
                }
                b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.group_start = false;
                }
                b',' if self.depth == 0 => self.index = self.index.saturating_add(1),
                b'0' if i < end && s[i] == b'x' => {
                    let start = i + 1;
                    let mut j = start;
                    let mut value: u64 = 0;
                    let mut overflow = false;
                    while j < end {
                        let digit = HEX_DIGIT[s[j] as usize];
                        if digit == NOT_HEX {
                            break;
                        }
                        overflow |= value >> 60 != 0;
                        value = value.wrapping_shl(4) | u64::from(digit);
                        j += 1;
                    }
                    let unreliable = j < end && s[j] == b'?';
                    self.i = if unreliable { j + 1 } else { j };
                    let leads_group = std::mem::take(&mut self.group_start);
                    if j > start && !overflow {
                        return Some(ArgWord { value, unreliable, depth: self.depth, index: self.index, leads_group });
                    }
                    i = self.i;
                }
                b'0'..=b'9' => {
                    // Decimal words do not occur in Go tracebacks; skip the token.
                    while i < end && s[i].is_ascii_alphanumeric() {
                        i += 1;
                    }
                }
                _ => {}
            }
        }
        self.i = i;
        None
    }
}

/// One argument of a call, as a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A word: `0xc000aee820` or `0x0?`.
    Word {
        /// The value.
        value: u64,
        /// Printed with a trailing `?`.
        unreliable: bool,
    },
    /// An aggregate `{…}` (struct, string, slice or interface in the register ABI).
    Group(Vec<Arg>),
    /// `...`: the runtime stopped printing arguments here.
    Elided,
    /// `_`: an argument the runtime could not print (offset too large).
    Omitted,
    /// Text that is not a word (damaged input), kept as printed.
    Other(String),
}

/// Parses a raw argument list into a tree. Never fails: unreadable text becomes [`Arg::Other`].
pub fn parse_args(raw: &str) -> Vec<Arg> {
    // The runtime nests aggregates a few levels deep at most; damaged text may open
    // thousands of braces, and a tree that deep would overflow the stack of whoever walks it
    // (this parser, the JSON writer). Groups below this depth are flattened into their parent.
    const MAX_DEPTH: usize = 16;
    fn parse_list(tokens: &mut std::iter::Peekable<std::vec::IntoIter<String>>, depth: usize) -> Vec<Arg> {
        let mut out = Vec::new();
        let mut flattened = 0usize;
        while let Some(t) = tokens.next() {
            match t.as_str() {
                "{" if depth >= MAX_DEPTH => flattened += 1,
                "}" if flattened > 0 => flattened -= 1,
                "{" => out.push(Arg::Group(parse_list(tokens, depth + 1))),
                "}" => break,
                "," => {}
                "..." => out.push(Arg::Elided),
                "_" => out.push(Arg::Omitted),
                _ => out.push(word(&t)),
            }
        }
        out
    }
    fn word(t: &str) -> Arg {
        let (body, unreliable) = match t.strip_suffix('?') {
            Some(b) => (b, true),
            None => (t, false),
        };
        match body.strip_prefix("0x").and_then(|h| u64::from_str_radix(h, 16).ok()) {
            Some(value) => Arg::Word { value, unreliable },
            None => Arg::Other(t.to_string()),
        }
    }
    let mut tokens = Vec::new();
    let mut cur = String::new();
    for c in raw.chars() {
        match c {
            '{' | '}' | ',' => {
                if !cur.trim().is_empty() {
                    tokens.push(cur.trim().to_string());
                }
                cur.clear();
                tokens.push(c.to_string());
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        tokens.push(cur.trim().to_string());
    }
    parse_list(&mut tokens.into_iter().peekable(), 0)
}

/// A frame as stored: its call site and its arguments in the dump's argument arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRec {
    /// The call site.
    pub site: SiteId,
    /// Start of the raw argument text in its arena ([`Dump::args_arena`]).
    pub args_start: u32,
    /// Length of the raw argument text, and in the top bit whether it may print a reliable
    /// word (see [`FrameRec::may_print_reliable_word`]).
    args: u32,
}

impl FrameRec {
    const MAY_PRINT: u32 = 1 << 31;

    /// A frame record for the argument text `args_start..args_start + args_len`; `may_print`
    /// is [`may_print_reliable_word`] of that text. Lists are shorter than the longest
    /// line the reader passes on, far below 2 GB.
    pub fn new(site: SiteId, args_start: u32, args_len: u32, may_print: bool) -> Self {
        debug_assert!(args_len < Self::MAY_PRINT);
        FrameRec { site, args_start, args: args_len | if may_print { Self::MAY_PRINT } else { 0 } }
    }

    /// Length of the raw argument text.
    pub fn args_len(&self) -> u32 {
        self.args & !Self::MAY_PRINT
    }

    /// Whether the arguments may print a word without `?`. Answered when the frame was read,
    /// while its text was in cache: later passes over every frame (waits, the holder index)
    /// then skip nine frames in ten without loading their text.
    pub fn may_print_reliable_word(&self) -> bool {
        self.args & Self::MAY_PRINT != 0
    }
}

/// A frame seen through its dump: function, site and arguments together.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'d> {
    /// The function.
    pub func: &'d Func,
    /// The call site (file, line, pc offset).
    pub site: &'d Site,
    /// Interned id of the call site (equal ids mean the same function and file line).
    pub site_id: SiteId,
    /// The raw argument text between the parentheses, e.g. `0xc000aee820, {0x0?, 0x40}`.
    pub args: &'d str,
}

impl<'d> Frame<'d> {
    /// Whether the call was inlined: the runtime prints `(...)` and no pc offset.
    pub fn inlined(&self) -> bool {
        self.args == "..."
    }

    /// The numeric argument words.
    pub fn words(&self) -> ArgWords<'d> {
        ArgWords::new(self.args)
    }

    /// The first top-level argument word, if printed: the receiver of a method.
    pub fn first_word(&self) -> Option<ArgWord> {
        self.words().next().filter(|w| w.index == 0 && w.depth == 0)
    }
}

/// `created by F` (and `in goroutine N` since Go 1.21).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreatedBy {
    /// The `go` statement's function and site.
    pub site: SiteId,
    /// The creating goroutine's id, when printed.
    pub parent: Option<u64>,
}

/// An ancestor stack printed with `GODEBUG=tracebackancestors=N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ancestor {
    /// The id from `[originating from goroutine N]:`.
    pub id: u64,
    /// Its frames in [`Dump::frames`].
    pub frames: Range<u32>,
    /// Its `created by` line, if printed.
    pub created_by: Option<CreatedBy>,
}

/// Where the runtime left frames out of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elision {
    /// Number of frames printed before the marker.
    pub after: u32,
    /// How many frames were left out, when the runtime said (`...12 frames elided...`).
    pub count: Option<u32>,
}

/// Index of an interned state text in [`Dump::states`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StateId(pub u32);

/// One goroutine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goroutine {
    /// The goroutine id; `None` when the header was lost or for pprof `debug=1` records.
    pub id: Option<u64>,
    /// The wait reason or status without decorations (`semacquire`, `IO wait`, `running`).
    pub state: StateId,
    /// `N minutes` from the header: how long it has waited (coarse; see the analysis docs).
    pub wait_minutes: Option<u32>,
    /// `locked to thread`.
    pub locked_to_thread: bool,
    /// `(scan)`: the garbage collector was scanning its stack.
    pub scan: bool,
    /// `(leaked)`: the Go 1.26+ leak detector found it blocked for ever.
    pub leaked: bool,
    /// `(durable)` or `synctest bubble N`: it is blocked inside a `testing/synctest` bubble.
    pub synctest: bool,
    /// Goroutine labels printed after the state (Go 1.27+), as (key, value) pairs.
    pub labels: Vec<(String, String)>,
    /// Its frames in [`Dump::frames`], innermost first.
    pub frames: Range<u32>,
    /// Where frames were elided, if anywhere.
    pub elided: Option<Elision>,
    /// `goroutine running on other thread; stack unavailable`.
    pub stack_unavailable: bool,
    /// The `created by` line.
    pub created_by: Option<CreatedBy>,
    /// Ancestor stacks, oldest last.
    pub ancestors: Vec<Ancestor>,
    /// How many goroutines share this stack: 1, except in pprof `debug=1` records.
    pub count: u32,
    /// 1-based input line of the header (or of the first frame if the header was lost).
    pub line: u64,
}

/// One goroutine dump.
#[derive(Debug, Clone, Default)]
pub struct Dump {
    /// Name of the input (a path, or `-` for standard input).
    pub source: String,
    /// Where in the input the dump was found.
    pub span: Span,
    /// How it was wrapped.
    pub kind: DumpKind,
    /// What else had to be undone to read it (e.g. `journald prefix`, `escaped twice`).
    pub wrapping: Vec<String>,
    /// The panic, fatal error or signal message printed before the stacks, if any.
    pub reason: Option<String>,
    /// The goroutines in the order printed.
    pub goroutines: Vec<Goroutine>,
    /// Frames of the system stack printed after `runtime stack:` by a fatal error.
    pub runtime_stack: Option<Range<u32>>,
    /// Lines that could not be read.
    pub warnings: Vec<Warning>,
    /// Warnings beyond those kept in `warnings` (bounded so garbage cannot exhaust memory).
    pub warnings_dropped: u64,
    /// Which Go releases could have printed it.
    pub era: Era,
    /// Interned state texts.
    pub states: Vec<String>,
    /// Interned functions.
    pub funcs: Vec<Func>,
    /// Interned call sites.
    pub sites: Vec<Site>,
    /// All frames of all goroutines (and ancestors), each goroutine a contiguous range.
    pub frames: Vec<FrameRec>,
    /// The raw argument texts of the frames.
    pub args: ArgArenas,
}

/// The raw argument texts of a dump's frames, each [`FrameRec`] pointing into the arena that
/// holds its frame's. A dump read in one piece has one arena; one read in pieces on several
/// cores keeps each piece's arena as it was read rather than copying them into one, and a
/// frame's arena is the last one that starts at or before it. Frames of one call site that
/// print the same text in a row share one copy of it.
#[derive(Debug, Clone, Default)]
pub struct ArgArenas {
    /// The texts of the frames before the first of `after` (of all frames if it is empty).
    first: String,
    /// Further arenas as (index of their first frame, texts), in frame order.
    after: Vec<(u32, String)>,
}

impl ArgArenas {
    /// One arena holding the texts of every frame.
    pub fn new(text: String) -> Self {
        ArgArenas { first: text, after: Vec::new() }
    }

    /// The arena holding the arguments of the frame at `index` in [`Dump::frames`].
    #[inline]
    pub fn holding(&self, index: u32) -> &str {
        match self.after.partition_point(|&(first, _)| first <= index) {
            0 => &self.first,
            k => &self.after[k - 1].1,
        }
    }

    /// The argument text of `rec`, the frame at `index` in [`Dump::frames`].
    #[inline]
    pub fn text(&self, index: u32, rec: &FrameRec) -> &str {
        let start = rec.args_start as usize;
        &self.holding(index)[start..start + rec.args_len() as usize]
    }

    /// Appends the arenas of a piece whose frames were appended from index `frame_base` on;
    /// their offsets stay valid, as nothing is copied.
    pub fn append(&mut self, frame_base: u32, piece: ArgArenas) {
        self.after.push((frame_base, piece.first));
        self.after.extend(piece.after.into_iter().map(|(first, text)| (first + frame_base, text)));
    }

    /// The bytes of text held, in all arenas.
    pub fn len(&self) -> usize {
        self.first.len() + self.after.iter().map(|(_, t)| t.len()).sum::<usize>()
    }

    /// Whether no frame has any argument text.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Dump {
    /// The state text of a goroutine.
    pub fn state(&self, g: &Goroutine) -> &str {
        &self.states[g.state.0 as usize]
    }

    /// A frame by its index in [`Dump::frames`].
    pub fn frame(&self, index: u32) -> Frame<'_> {
        let rec = &self.frames[index as usize];
        let site = &self.sites[rec.site.0 as usize];
        Frame { func: &self.funcs[site.func.0 as usize], site, site_id: rec.site, args: self.args.text(index, rec) }
    }

    /// The argument arena holding the arguments of the frame at `index`.
    pub fn args_arena(&self, index: u32) -> &str {
        self.args.holding(index)
    }

    /// The reliable argument words (printed without `?`) of a frame by its index in
    /// [`Dump::frames`]. Frames that print none are passed over without reading them word
    /// by word (see [`may_print_reliable_word`]).
    pub fn reliable_words_at(&self, index: u32) -> impl Iterator<Item = ArgWord> + '_ {
        let rec = &self.frames[index as usize];
        let start = rec.args_start as usize;
        // Nine frames in ten are answered by the flag alone, without finding their arena.
        let (text, range) = match rec.may_print_reliable_word() {
            true => (self.args_arena(index).as_bytes(), start..start + rec.args_len() as usize),
            false => (&[][..], 0..0),
        };
        ArgWords::within(text, range).filter(|w| !w.unreliable)
    }

    /// The call site of a frame by its index in [`Dump::frames`], without its arguments.
    /// Where only the function or line matters this spares a read of the argument text:
    /// on a large dump, a cache miss per frame.
    pub fn site_at(&self, index: u32) -> &Site {
        &self.sites[self.frames[index as usize].site.0 as usize]
    }

    /// The function of a frame by its index in [`Dump::frames`], without its arguments.
    pub fn func_at(&self, index: u32) -> &Func {
        &self.funcs[self.site_at(index).func.0 as usize]
    }

    /// The frames of a goroutine, innermost first.
    pub fn frames(&self, g: &Goroutine) -> impl ExactSizeIterator<Item = Frame<'_>> + DoubleEndedIterator + '_ {
        g.frames.clone().map(move |i| self.frame(i))
    }

    /// The frame records of a goroutine (site and argument range), innermost first.
    pub fn frame_recs(&self, g: &Goroutine) -> &[FrameRec] {
        &self.frames[g.frames.start as usize..g.frames.end as usize]
    }

    /// The frames in a range of [`Dump::frames`] (ancestors, the runtime stack).
    pub fn frames_in(&self, range: Range<u32>) -> impl ExactSizeIterator<Item = Frame<'_>> + '_ {
        range.map(move |i| self.frame(i))
    }

    /// The function and site of a `created by` line.
    pub fn created_by(&self, c: &CreatedBy) -> (&Func, &Site) {
        let site = &self.sites[c.site.0 as usize];
        (&self.funcs[site.func.0 as usize], site)
    }

    /// A function by id.
    pub fn func(&self, id: FuncId) -> &Func {
        &self.funcs[id.0 as usize]
    }

    /// A call site by id.
    pub fn site(&self, id: SiteId) -> &Site {
        &self.sites[id.0 as usize]
    }

    /// Number of goroutines, counting pprof `debug=1` records by their counts.
    pub fn goroutine_count(&self) -> u64 {
        self.goroutines.iter().map(|g| u64::from(g.count)).sum()
    }

    /// Finds a goroutine by id.
    pub fn goroutine(&self, id: u64) -> Option<&Goroutine> {
        self.goroutines.iter().find(|g| g.id == Some(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_function_names() {
        let cases = [
            (
                "github.com/docker/docker/volume/local.(*Root).Remove",
                "github.com/docker/docker/volume/local",
                Some("*Root"),
                "Remove",
            ),
            ("sync.(*Mutex).lockSlow", "sync", Some("*Mutex"), "lockSlow"),
            ("internal/sync.(*Mutex).Lock", "internal/sync", Some("*Mutex"), "Lock"),
            ("main.main", "main", None, "main"),
            ("main.main.func1", "main", None, "main.func1"),
            ("net/http.HandlerFunc.ServeHTTP", "net/http", Some("HandlerFunc"), "ServeHTTP"),
            ("net/http.(*Server).Serve.func3", "net/http", Some("*Server"), "Serve.func3"),
            ("runtime.gcenable.gowrap1", "runtime", None, "gcenable.gowrap1"),
            ("main.func·028", "main", None, "func·028"),
            ("example.com/m/store.(*Cache[...]).Get", "example.com/m/store", Some("*Cache[...]"), "Get"),
            ("example.com/m/store.Map[...]", "example.com/m/store", None, "Map[...]"),
            ("gopkg.in/yaml%2ev2.(*decoder).unmarshal", "gopkg.in/yaml%2ev2", Some("*decoder"), "unmarshal"),
            ("panic", "", None, "panic"),
            (
                "github.com/docker/docker/api/server/router/container.(*containerRouter).(github.com/docker/docker/api/server/router/container.deleteContainers)-fm",
                "github.com/docker/docker/api/server/router/container",
                Some("*containerRouter"),
                "(github.com/docker/docker/api/server/router/container.deleteContainers)-fm",
            ),
        ];
        for (full, pkg, recv, name) in cases {
            let f = Func::new(full.to_string());
            assert_eq!(f.package(), pkg, "package of {full}");
            assert_eq!(f.receiver(), recv, "receiver of {full}");
            assert_eq!(f.name(), name, "name of {full}");
        }
        assert_eq!(Func::new("sync.(*Mutex).Lock".into()).receiver_type(), Some("Mutex"));
        assert_eq!(Func::new("a/b.(*C[...]).D.func1".into()).base_name(), "D");
    }

    #[test]
    fn classifies_packages() {
        assert!(Func::new("runtime.gopark".into()).is_runtime());
        assert!(Func::new("internal/runtime/syscall.Syscall6".into()).is_runtime());
        assert!(Func::new("sync.(*Mutex).Lock".into()).is_sync_or_runtime());
        assert!(!Func::new("main.main".into()).is_stdlib());
        assert!(Func::new("net/http.(*conn).serve".into()).is_stdlib());
        assert!(!Func::new("github.com/a/b.F".into()).is_stdlib());
    }

    #[test]
    fn iterates_argument_words() {
        let words: Vec<_> = ArgWords::new("0xc000aee820, {0x0?, 0x40}, ..., _").collect();
        assert_eq!(
            words,
            vec![
                ArgWord { value: 0xc000aee820, unreliable: false, depth: 0, index: 0, leads_group: false },
                ArgWord { value: 0, unreliable: true, depth: 1, index: 1, leads_group: true },
                ArgWord { value: 0x40, unreliable: false, depth: 1, index: 1, leads_group: false },
            ]
        );
        assert_eq!(ArgWords::new("...").count(), 0);
        assert_eq!(ArgWords::new("0xffffffffffffffffff").count(), 0, "overflowing word is skipped");
        assert_eq!(ArgWords::within(b"0x1, 0x2", 5..40).map(|w| w.value).collect::<Vec<_>>(), vec![2]);
        assert!(!may_print_reliable_word(b""), "an empty list prints nothing");
    }

    /// The words of an argument list, read one character at a time.
    fn words_by_hand(raw: &str) -> Vec<(u64, bool, u8, u16, bool)> {
        let (mut out, mut depth, mut index, mut lead) = (Vec::new(), 0u8, 0u16, false);
        let b = raw.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'{' => (depth, lead) = (depth + 1, true),
                b'}' => (depth, lead) = (depth.saturating_sub(1), false),
                b',' if depth == 0 => index += 1,
                b'0' if b.get(i + 1) == Some(&b'x') => {
                    let digits = b[i + 2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
                    let end = i + 2 + digits;
                    let unreliable = b.get(end) == Some(&b'?');
                    let text = &raw[i + 2..end];
                    if let Ok(v) = u64::from_str_radix(text, 16) {
                        out.push((v, unreliable, depth, index, std::mem::take(&mut lead)));
                    } else {
                        lead = false;
                    }
                    i = end + usize::from(unreliable);
                    continue;
                }
                b'0'..=b'9' => {
                    while b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric) {
                        i += 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        out
    }

    /// The prefilter's rule, one byte at a time: some `0x` and digits not followed by `?`.
    fn may_print_by_hand(list: &[u8]) -> bool {
        if list.len() >= 64 {
            return true;
        }
        (0..list.len().saturating_sub(2)).any(|i| {
            let digits = list[i + 2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            list[i..].starts_with(b"0x") && digits > 0 && list.get(i + 2 + digits) != Some(&b'?')
        })
    }

    #[test]
    fn each_frame_finds_its_text_in_the_arena_of_its_piece() {
        // Three pieces read on three cores: frames 0–1, 2–3 (two arenas of its own, as a
        // piece that was itself stitched) and 4.
        let mut a = ArgArenas::new("0x1, 0x2".into());
        let mut second = ArgArenas::new("0xa".into());
        second.append(1, ArgArenas::new("0xbb, 0xcc".into()));
        a.append(2, second);
        a.append(4, ArgArenas::new("...".into()));
        let rec = |start, len| FrameRec::new(SiteId(0), start, len, false);
        assert_eq!(a.text(0, &rec(0, 3)), "0x1");
        assert_eq!(a.text(1, &rec(5, 3)), "0x2");
        assert_eq!(a.text(2, &rec(0, 3)), "0xa");
        assert_eq!(a.text(3, &rec(6, 4)), "0xcc");
        assert_eq!(a.text(4, &rec(0, 3)), "...");
        assert_eq!(a.len(), 8 + 3 + 10 + 3);
        assert!(ArgArenas::default().is_empty());
    }

    #[test]
    fn argument_words_in_an_arena_match_reading_by_hand_and_none_is_passed_over() {
        // Every run length from 0 to 20 digits, both cases, each delimiter, at every offset
        // of an arena and at its very end, where the bytes after a list may be digits too:
        // the words read in place match a reading by hand, and the prefilter (which reads
        // lists of every length from 0 to over 64 bytes) answers as a byte-by-byte reading
        // does, so it never skips a list that prints a reliable word.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let digits = b"0123456789abcdefABCDEF";
        let others = ["?", ", ", "}", "{", "...", "_", " ", "x", "g", "\u{e9}", ")"];
        let mut passed_over = 0;
        for _ in 0..20_000 {
            let mut list = String::new();
            for _ in 0..1 + next(4) {
                list.push_str(if next(5) == 0 { others[next(others.len())] } else { "0x" });
                for _ in 0..next(21) {
                    list.push(digits[next(digits.len())] as char);
                }
                if next(3) != 0 {
                    list.push_str(others[next(others.len())]);
                }
            }
            let pad: String = (0..next(20)).map(|_| digits[next(digits.len())] as char).collect();
            let tail = if next(2) == 0 { ", 0x1f}, 0x2, 0x3" } else { "" };
            let arena = format!("{pad}{list}{}{tail}", &pad[..pad.len().min(next(9))]);
            let range = pad.len()..pad.len() + list.len();
            let got: Vec<_> = ArgWords::within(arena.as_bytes(), range.clone())
                .map(|w| (w.value, w.unreliable, w.depth, w.index, w.leads_group))
                .collect();
            let want = words_by_hand(&list);
            assert_eq!(got, want, "words of {list:?}");
            let reliable = want.iter().any(|w| !w.1);
            let may = may_print_reliable_word(list.as_bytes());
            assert_eq!(may, may_print_by_hand(list.as_bytes()), "{list:?}");
            assert!(may || !reliable, "a reliable word in {list:?} was missed");
            passed_over += usize::from(!may);
        }
        assert!(passed_over > 1000, "lists without reliable words are passed over: {passed_over}");
    }

    #[test]
    fn lists_of_question_marked_words_are_passed_over() {
        let lists = [
            ("0x0?, {0x507122?, 0x0?}, 0x0?", false),
            ("0xc000aee820, 0x1a2?", true),
            ("0x0?, ...", false),
            ("", false),
            ("{0x0?, 0x40}", true),
            ("0x1?, 0x2?, 0x3?, 0x4?, 0x5?, 0x6?, 0x7?, 0x8?, 0x9?, 0xa?", false),
            ("0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0", true),
            // 64 bytes or more: left to the caller to read.
            ("0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?, 0x0?", true),
            ("0x1", true),
        ];
        for (list, may) in lists {
            assert_eq!(may_print_reliable_word(list.as_bytes()), may, "{list:?}");
        }
    }

    #[test]
    fn parses_argument_trees() {
        assert_eq!(
            parse_args("{{0x5f4?, 0x0?}, 0x5f?}, 0x1e?, ..."),
            vec![
                Arg::Group(vec![
                    Arg::Group(vec![
                        Arg::Word { value: 0x5f4, unreliable: true },
                        Arg::Word { value: 0, unreliable: true }
                    ]),
                    Arg::Word { value: 0x5f, unreliable: true },
                ]),
                Arg::Word { value: 0x1e, unreliable: true },
                Arg::Elided,
            ]
        );
        assert_eq!(parse_args(""), vec![]);
        assert_eq!(parse_args("_, zz"), vec![Arg::Omitted, Arg::Other("zz".into())]);
    }
}
