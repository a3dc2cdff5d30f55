//! Properties, checked on random inputs (proptest):
//!
//! - a random goroutine model, printed as the Go runtime of each era prints it (stack-ABI
//!   words; register-ABI words with `?` and `{…}` aggregates; `created by … in goroutine N`;
//!   labels), parses back to the same model;
//! - a real dump damaged at random (cut short, lines duplicated, lines of another dump
//!   spliced in, bytes flipped) never makes the reader panic, and every goroutine whose
//!   lines lie away from the damage is still read, with the same stack.

mod common;

use proptest::prelude::*;

use holdup::Dump;

// ---- random models printed in Go's format ------------------------------------------------

/// How the runtime printed a dump, by Go release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GoEra {
    /// Go ≤ 1.16: argument words on the stack, never `?`, no aggregates.
    StackAbi,
    /// Go 1.17–1.20: register ABI, `?` on words that may be stale, `{…}` aggregates.
    RegisterAbi,
    /// Go 1.21–1.26: and `created by F in goroutine N`.
    InGoroutine,
    /// Go 1.27: and goroutine labels in the header.
    Labels,
}

#[derive(Debug, Clone)]
enum ArgM {
    Word(u64, bool),
    Group(Vec<ArgM>),
    Omitted,
}

#[derive(Debug, Clone)]
struct FrameM {
    func: String,
    /// `None`: an inlined call, printed `(...)` without a pc offset.
    args: Option<Vec<ArgM>>,
    elided: bool,
    file: String,
    line: u32,
    pc: u32,
}

#[derive(Debug, Clone)]
struct GoroutineM {
    id: u64,
    state: String,
    minutes: Option<u32>,
    locked: bool,
    labels: Vec<(String, String)>,
    frames: Vec<FrameM>,
    created_by: Option<(String, Option<u64>, String, u32, u32)>,
}

fn func_name() -> impl Strategy<Value = String> {
    let pkg = prop::sample::select(vec![
        "main",
        "sync",
        "net/http",
        "github.com/docker/docker/daemon",
        "example.com/a/b.v2/internal/c",
        "gopkg.in/yaml.v3",
    ]);
    let ty = prop::sample::select(vec!["Root", "memoryStore", "T", "conn"]);
    let name = prop::sample::select(vec!["Lock", "Remove", "serve", "Get", "run"]);
    (pkg, ty, name, 0..6u8, 1..4u8).prop_map(|(p, t, n, shape, k)| match shape {
        0 => format!("{p}.{n}"),
        1 => format!("{p}.(*{t}).{n}"),
        2 => format!("{p}.{t}.{n}"),
        3 => format!("{p}.{n}.func{k}"),
        4 => format!("{p}.(*{t}[...]).{n}"),
        _ => format!("{p}.(*{t}).{n}.func{k}.{k}"),
    })
}

fn args(era: GoEra) -> BoxedStrategy<Vec<ArgM>> {
    let word =
        (any::<u64>(), any::<bool>()).prop_map(move |(v, q)| ArgM::Word(v >> (v % 40), q && era != GoEra::StackAbi));
    if era == GoEra::StackAbi {
        prop::collection::vec(word, 0..6).boxed()
    } else {
        let leaf = prop_oneof![6 => word, 1 => Just(ArgM::Omitted)];
        let arg = leaf.prop_recursive(3, 12, 4, |inner| prop::collection::vec(inner, 1..4).prop_map(ArgM::Group));
        prop::collection::vec(arg, 0..6).boxed()
    }
}

fn frame(era: GoEra) -> impl Strategy<Value = FrameM> {
    let file = prop::sample::select(vec!["/app/main.go", "/usr/lib/go/src/sync/mutex.go", "/src/a b/with space.go"]);
    (func_name(), prop::option::weighted(0.85, args(era)), any::<bool>(), file, 1..5000u32, 0..0x2000u32).prop_map(
        move |(func, args, elided, file, line, pc)| FrameM {
            func,
            elided: elided && args.as_ref().is_some_and(|a| !a.is_empty()) && era != GoEra::StackAbi,
            args,
            file: file.to_string(),
            line,
            pc,
        },
    )
}

fn label_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_.]{0,8}",
        // Text Go quotes: spaces, commas, colons, quotes, braces, non-ASCII.
        "[a-z ,:\"{}é/]{1,10}",
    ]
}

fn goroutine(era: GoEra) -> impl Strategy<Value = GoroutineM> {
    let state = prop::sample::select(vec![
        "running",
        "runnable",
        "chan receive",
        "semacquire",
        "sync.Mutex.Lock",
        "sync.RWMutex.RLock",
        "select",
        "select (no cases)",
        "IO wait",
        "sleep",
        "syscall",
    ]);
    let labels = if era == GoEra::Labels {
        prop::collection::vec((label_text(), label_text()), 0..3).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    let created = prop::option::of((func_name(), 1..1000u64, 1..500u32, 0..0x400u32));
    (
        1..1_000_000u64,
        state,
        prop::option::of(1..100_000u32),
        any::<bool>(),
        labels,
        prop::collection::vec(frame(era), 1..7),
        created,
    )
        .prop_map(move |(id, state, minutes, locked, mut labels, frames, created)| {
            // Keys are unique in a label set.
            let mut seen = std::collections::HashSet::new();
            labels.retain(|(k, _)| seen.insert(k.clone()));
            GoroutineM {
                id,
                minutes: if state == "running" { None } else { minutes },
                state: state.to_string(),
                locked,
                labels,
                frames,
                created_by: created.map(|(f, parent, line, pc)| {
                    let parent = (era >= GoEra::InGoroutine).then_some(parent);
                    (f, parent, "/app/spawn.go".to_string(), line, pc)
                }),
            }
        })
}

impl PartialOrd for GoEra {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some((*self as u8).cmp(&(*other as u8)))
    }
}

fn render_args(args: &[ArgM], out: &mut String) {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match a {
            ArgM::Word(v, q) => {
                out.push_str(&format!("{v:#x}"));
                if *q {
                    out.push('?');
                }
            }
            ArgM::Group(g) => {
                out.push('{');
                render_args(g, out);
                out.push('}');
            }
            ArgM::Omitted => out.push('_'),
        }
    }
}

fn args_text(f: &FrameM) -> String {
    match &f.args {
        None => "...".to_string(),
        Some(a) => {
            let mut s = String::new();
            render_args(a, &mut s);
            if f.elided {
                s.push_str(", ...");
            }
            s
        }
    }
}

/// A label key or value as Go's traceback prints it: bare when it is a plain word, else quoted.
fn label_token(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"_./".contains(&c)) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap()
    }
}

fn render(gs: &[GoroutineM]) -> String {
    let mut out = String::new();
    for g in gs {
        let mut bracket = g.state.clone();
        if let Some(m) = g.minutes {
            bracket.push_str(&format!(", {m} minutes"));
        }
        if g.locked {
            bracket.push_str(", locked to thread");
        }
        out.push_str(&format!("goroutine {} [{bracket}]", g.id));
        if !g.labels.is_empty() {
            let pairs: Vec<String> =
                g.labels.iter().map(|(k, v)| format!("{}: {}", label_token(k), label_token(v))).collect();
            out.push_str(&format!(" {{{}}}", pairs.join(", ")));
        }
        out.push_str(":\n");
        for f in &g.frames {
            out.push_str(&format!("{}({})\n\t{}:{}", f.func, args_text(f), f.file, f.line));
            if f.args.is_some() {
                out.push_str(&format!(" +{:#x}", f.pc));
            }
            out.push('\n');
        }
        if let Some((func, parent, file, line, pc)) = &g.created_by {
            out.push_str(&format!("created by {func}"));
            if let Some(p) = parent {
                out.push_str(&format!(" in goroutine {p}"));
            }
            out.push_str(&format!("\n\t{file}:{line} +{pc:#x}\n"));
        }
        out.push('\n');
    }
    out
}

fn models() -> impl Strategy<Value = (GoEra, Vec<GoroutineM>)> {
    prop::sample::select(vec![GoEra::StackAbi, GoEra::RegisterAbi, GoEra::InGoroutine, GoEra::Labels])
        .prop_flat_map(|era| (Just(era), prop::collection::vec(goroutine(era), 1..8)))
        .prop_map(|(era, mut gs)| {
            // Ids are unique within a dump (a repeated id starts a second dump).
            let mut seen = std::collections::HashSet::new();
            gs.retain(|g| seen.insert(g.id));
            (era, gs)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn printed_models_parse_back_to_the_same_model((era, gs) in models()) {
        let text = render(&gs);
        let dumps = holdup::read_dumps(text.as_bytes(), "model").expect("reads");
        prop_assert_eq!(dumps.len(), 1, "one dump, {:?}:\n{}", era, text);
        let d = &dumps[0];
        prop_assert!(d.warnings.is_empty(), "warnings {:?}:\n{}", d.warnings, text);
        prop_assert_eq!(d.goroutines.len(), gs.len());
        for (g, m) in d.goroutines.iter().zip(&gs) {
            prop_assert_eq!(g.id, Some(m.id));
            prop_assert_eq!(d.state(g), m.state.as_str());
            prop_assert_eq!(g.wait_minutes, m.minutes);
            prop_assert_eq!(g.locked_to_thread, m.locked);
            prop_assert_eq!(&g.labels, &m.labels, "labels of goroutine {}:\n{}", m.id, text);
            prop_assert_eq!(d.frames(g).len(), m.frames.len());
            for (f, fm) in d.frames(g).zip(&m.frames) {
                prop_assert_eq!(&f.func.full, &fm.func);
                let printed_args = args_text(fm);
                prop_assert_eq!(f.args, printed_args.as_str());
                prop_assert_eq!(&f.site.file, &fm.file);
                prop_assert_eq!(f.site.line, fm.line);
                prop_assert_eq!(f.site.pc_offset, fm.args.is_some().then_some(fm.pc));
                prop_assert_eq!(f.inlined(), fm.args.is_none());
                // The words read are the words printed, `?` and all.
                let mut printed = Vec::new();
                fn words(a: &[ArgM], out: &mut Vec<(u64, bool)>) {
                    for x in a {
                        match x {
                            ArgM::Word(v, q) => out.push((*v, *q)),
                            ArgM::Group(g) => words(g, out),
                            ArgM::Omitted => {}
                        }
                    }
                }
                words(fm.args.as_deref().unwrap_or(&[]), &mut printed);
                let read: Vec<(u64, bool)> = f.words().map(|w| (w.value, w.unreliable)).collect();
                prop_assert_eq!(read, printed);
            }
            match (&g.created_by, &m.created_by) {
                (None, None) => {}
                (Some(c), Some((func, parent, file, line, pc))) => {
                    let (f, s) = d.created_by(c);
                    prop_assert_eq!(&f.full, func);
                    prop_assert_eq!(c.parent, *parent);
                    prop_assert_eq!(&s.file, file);
                    prop_assert_eq!(s.line, *line);
                    prop_assert_eq!(s.pc_offset, Some(*pc));
                }
                (got, want) => prop_assert!(false, "created by: read {:?}, printed {:?}", got, want),
            }
        }
    }
}

// ---- real dumps, damaged at random ---------------------------------------------------------

/// Small bare dumps from several Go releases (no wrapping, so damage is all there is).
fn real_dumps() -> &'static [Vec<u8>] {
    static DUMPS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    DUMPS.get_or_init(|| {
        let mut out = Vec::new();
        for rel in [
            "dumps/waitkinds/go1.19.8/stack.txt",
            "dumps/waitkinds/go1.27.3/stack.txt",
            "dumps/generics-closures/go1.23.9/stack.txt",
            "dumps/labels/go1.27.3/stack.txt",
            "dumps/elided/go1.21.13/stack.txt",
            "dumps/ancestors/go1.19.8/stack.txt",
        ] {
            let path = common::testdata(rel);
            if path.exists() {
                out.push(common::read_plain(&path));
            }
        }
        assert!(out.len() >= 3, "the bundled dumps are there");
        out
    })
}

fn lines_of(b: &[u8]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect();
    if v.last().is_some_and(Vec::is_empty) {
        v.pop();
    }
    v
}

/// A goroutine as compared: id, state and the functions of its stack.
type Key = (u64, String, Vec<String>);

fn keys(d: &Dump) -> Vec<(Key, u64)> {
    d.goroutines
        .iter()
        .filter_map(|g| {
            let id = g.id?;
            Some(((id, d.state(g).to_string(), d.frames(g).map(|f| f.func.full.clone()).collect()), g.line))
        })
        .collect()
}

#[derive(Debug, Clone)]
enum Damage {
    /// The input ends at this byte of this line.
    Cut { line: usize, at: usize },
    /// Lines `from..from+n` appear twice.
    Duplicate { from: usize, n: usize },
    /// Lines of another dump are spliced in before `at`.
    Splice { at: usize, other: usize, from: usize, n: usize },
    /// Bytes of line `line` are replaced.
    Flip { line: usize, at: Vec<(usize, u8)> },
}

fn damage() -> impl Strategy<Value = (usize, Damage)> {
    let n = real_dumps().len();
    (0..n).prop_flat_map(move |which| {
        let lines = lines_of(&real_dumps()[which]).len();
        let line = 1..lines;
        let d = prop_oneof![
            (line.clone(), 0..200usize).prop_map(|(line, at)| Damage::Cut { line, at }),
            (line.clone(), 1..30usize).prop_map(|(from, n)| Damage::Duplicate { from, n }),
            (line.clone(), 0..n, 0..400usize, 1..30usize).prop_map(|(at, other, from, n)| Damage::Splice {
                at,
                other,
                from,
                n
            }),
            (line, prop::collection::vec((0..200usize, any::<u8>()), 1..6))
                .prop_map(|(line, at)| Damage::Flip { line, at }),
        ];
        (Just(which), d)
    })
}

/// Applies the damage; returns the text and the damaged range of original line indices
/// (0-based, inclusive), widened by one line each side.
fn apply(lines: &[Vec<u8>], d: &Damage) -> (Vec<u8>, usize, usize) {
    let join = |ls: &[Vec<u8>]| {
        let mut out = Vec::new();
        for l in ls {
            out.extend_from_slice(l);
            out.push(b'\n');
        }
        out
    };
    let last = lines.len() - 1;
    match d {
        Damage::Cut { line, at } => {
            let mut out = join(&lines[..*line]);
            let l = &lines[*line];
            out.extend_from_slice(&l[..(*at).min(l.len())]);
            (out, line - 1, last)
        }
        Damage::Duplicate { from, n } => {
            let end = (from + n).min(lines.len());
            let mut v = lines[..end].to_vec();
            v.extend_from_slice(&lines[*from..end]);
            v.extend_from_slice(&lines[end..]);
            (join(&v), end - 1, end)
        }
        Damage::Splice { at, other, from, n } => {
            let o = lines_of(&real_dumps()[*other]);
            let from = (*from).min(o.len() - 1);
            let end = (from + n).min(o.len());
            let mut v = lines[..*at].to_vec();
            v.extend_from_slice(&o[from..end]);
            v.extend_from_slice(&lines[*at..]);
            (join(&v), at - 1, *at)
        }
        Damage::Flip { line, at } => {
            let mut v = lines.to_vec();
            let l = &mut v[*line];
            for &(p, b) in at {
                if !l.is_empty() {
                    let i = p % l.len();
                    l[i] = b;
                }
            }
            (join(&v), line - 1, (line + 1).min(last))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn damaged_dumps_keep_the_goroutines_away_from_the_damage((which, d) in damage()) {
        let original = &real_dumps()[which];
        let lines = lines_of(original);
        let before = holdup::read_dumps(original, "original").expect("reads");
        prop_assert_eq!(before.len(), 1);
        let (text, lo, hi) = apply(&lines, &d);
        // Never a panic: an error is only for I/O.
        let after = holdup::read_dumps(&text, "damaged").expect("reads");
        let found: std::collections::HashSet<Key> = after.iter().flat_map(keys).map(|(k, _)| k).collect();
        // Goroutine blocks: from the header's line to the line before the next header.
        let ks = keys(&before[0]);
        for (i, (k, line)) in ks.iter().enumerate() {
            let start = (*line - 1) as usize;
            let end = ks.get(i + 1).map_or(lines.len() - 1, |(_, l)| (*l - 2) as usize);
            let away = end < lo || start > hi;
            if away {
                prop_assert!(
                    found.contains(k),
                    "goroutine {} (lines {}..={}) lost; damage {:?} at lines {}..={}",
                    k.0, start + 1, end + 1, d, lo + 1, hi + 1
                );
            }
        }
    }
}
