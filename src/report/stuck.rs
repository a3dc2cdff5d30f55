//! Stuck work in words: the STUCK findings, the notes on busy work of a dump with no
//! finding, and the other side of a wait (`goroutine 12 [syscall], which it started`). The
//! analysis ([`crate::stuck`]) and the report model keep all of it as data; this is where it
//! is worded, for the text report, `check` and the JSON's sentences.

use crate::doing::{self, Work};
use crate::infer::short;
use crate::model::Dump;
use crate::report::model::{EdgeInfo, StuckFinding};
use crate::report::words::{self, doing_text};
use crate::stuck::{Link, Signal, Stuck};
use crate::waits::WaitKind;

/// What a stuck group is doing: the table's words, or its wait's.
pub fn what(s: &StuckFinding) -> String {
    s.doing.as_ref().map_or_else(|| doing::wait_phrase(s.kind).to_string(), doing_text)
}

fn id_text(id: Option<u64>) -> String {
    id.map_or("(no id)".to_string(), |i| i.to_string())
}

fn state_text(state: &str, minutes: Option<u32>) -> String {
    crate::report::words::state_minutes(state, minutes)
}

/// The subject of a stuck finding: `goroutine 11 [syscall, 3 minutes] in
/// container.(*Container).ToDisk`, or `42747 goroutines [chan receive, up to 5940 minutes]
/// in daemon.(*Daemon).Kill`.
pub fn subject(s: &StuckFinding) -> String {
    let place = s.place.as_deref().map_or(String::new(), |f| format!(" in {}", short(f)));
    let g = &s.goroutine;
    if s.count == 1 {
        format!("goroutine {} [{}]{place}", id_text(g.goroutine.id), state_text(&g.state, g.wait_minutes))
    } else {
        let longest = s.longest_wait.map_or(String::new(), |m| format!(", up to {m}+ minutes"));
        format!("{} goroutines [{}{longest}]{place}", s.count, crate::report::words::state(&g.state))
    }
}

/// The goroutine a chain comes down to, as the first words of its finding's headline:
/// `goroutine 27 [chan receive, 1+ minutes] in main.(*plugin).Release holds up`.
pub fn root_lead(e: &EdgeInfo) -> String {
    let place = e.place.as_deref().map_or(String::new(), |f| format!(" in {}", short(f)));
    let what = e.doing.as_ref().map_or(String::new(), |x| format!(" ({})", doing_text(x)));
    format!("goroutine {} [{}]{place}{what} holds up", id_text(e.goroutine.id), state_text(&e.state, e.wait_minutes))
}

/// One hop of a chain, seen from the goroutine before it: `goroutine 25, waiting in
/// WaitGroup.Wait for goroutines to finish, waits on goroutine 27, which it started (high
/// confidence)`.
pub fn hop_text(from: Option<u64>, e: &EdgeInfo) -> String {
    format!("goroutine {}, {}, waits on {}", id_text(from), doing::wait_phrase(e.waits_on), edge_text(e))
}

/// Goroutines whose waits lead to a finding through its chain: `6 more goroutines wait
/// behind it: 11, 25, 26, …`.
pub fn behind_text(count: usize, ids: &[Option<u64>]) -> String {
    let mut list: Vec<String> = ids.iter().map(|&i| id_text(i)).collect();
    if count > ids.len() {
        list.push("…".to_string());
    }
    format!("{count} more {} behind it, through the chain: {}", words::goroutines_wait(count), list.join(", "))
}

/// One signal as a phrase.
pub fn signal_text(sig: &Signal) -> String {
    match *sig {
        Signal::Work(w) => match w {
            Work::Disk => "it is in file-system work, which should end".to_string(),
            Work::Remote => "it waits for another server to answer".to_string(),
            Work::Stream => "it reads or writes a stream".to_string(),
            Work::Retry => "it sleeps between attempts".to_string(),
        },
        Signal::WaitsForGoroutine(k) => format!("{}: another goroutine has to act", doing::wait_phrase(k)),
        Signal::Minutes(m) => format!("it has waited {m}+ minutes"),
        Signal::ServesRequest => "it serves a request (application code under an HTTP or gRPC server)".to_string(),
        Signal::BelowHandler => {
            "it waits below its request handler, not in the handler's own loop as streaming requests do".to_string()
        }
        Signal::PileUp(n) => format!("{n} goroutines wait at the same place"),
        Signal::WaitedOn(n) => format!("{n} {} on it", words::goroutines_wait(n)),
        Signal::NoReceiver => "no other goroutine holds the channel it sends on".to_string(),
    }
}

/// The other end of an edge, seen from the waiter: `goroutine 9 [syscall, 30 minutes] in
/// d.(*Daemon).StateChanged.func1, which it started (high confidence) — opening a FIFO…`.
pub fn edge_text(e: &EdgeInfo) -> String {
    let how = match e.link {
        Link::Started => "which it started".to_string(),
        Link::StartedHere => "which the function it waits in started".to_string(),
        Link::SameObject(v) => format!("which runs a method of the same object {v:#x}"),
        Link::SameChannel(v) => format!("which uses the same channel {v:#x}"),
        Link::SameType => "which runs code of the same type".to_string(),
    };
    let place = e.place.as_deref().map_or(String::new(), |f| format!(" in {}", short(f)));
    let what = e.doing.as_ref().map_or(String::new(), |x| format!(" — {}", doing_text(x)));
    format!(
        "goroutine {} [{}]{place}, {how} ({} confidence){what}",
        id_text(e.goroutine.id),
        state_text(&e.state, e.wait_minutes),
        e.confidence.as_str()
    )
}

/// A goroutine that waits on a stuck one, seen from the stuck one.
pub fn waiter_text(e: &EdgeInfo) -> String {
    let place = e.place.as_deref().map_or(String::new(), |f| format!(" in {}", short(f)));
    format!(
        "goroutine {} [{}]{place} ({})",
        id_text(e.goroutine.id),
        state_text(&e.state, e.wait_minutes),
        doing::wait_phrase(e.waits_on)
    )
}

/// The heading of the edges out of a goroutine: `it waits in turn (waiting in WaitGroup.Wait
/// for goroutines to finish) on:`.
pub fn waits_on_heading(kind: WaitKind) -> String {
    format!("it waits in turn ({}) on:", doing::wait_phrase(kind))
}

/// `check`'s one line for a stuck group, from the analysis (check does not build reports).
pub fn check_line(d: &Dump, s: &Stuck) -> String {
    let first = s.goroutines[0];
    let g = &d.goroutines[first];
    let place = s.place.map_or(String::new(), |f| format!(" in {}", short(&d.func(f).full)));
    let who = if s.goroutines.len() == 1 {
        format!("goroutine {} [{}]{place}", id_text(g.id), state_text(d.state(g), g.wait_minutes))
    } else {
        let longest = s.longest.map_or(String::new(), |m| format!(", up to {m}+ minutes"));
        format!("{} goroutines [{}{longest}]{place}", s.goroutines.len(), crate::report::words::state(d.state(g)))
    };
    let what = s.doing.map_or_else(|| doing::wait_phrase(s.kind).to_string(), |x| x.describe(d));
    format!("{who} — {what} ({} confidence that it is stuck)", s.confidence.as_str())
}

/// A stuck-work finding or note in `holdup.analysis/v1` (fields only added, never renamed).
#[derive(serde::Serialize)]
pub struct StuckJson {
    /// `stuck` for a finding, `busy` for a note.
    pub kind: &'static str,
    /// The wait kind (`chan-receive`, `waitgroup`, `syscall`, …).
    pub waits_on: &'static str,
    /// The kind of object waited on (`channel`, `waitgroup`, `syscall`, `io`, …).
    pub object: &'static str,
    /// Goroutine ids, the longest-waiting first (the first 20).
    pub goroutines: Vec<u64>,
    /// How many goroutines wait alike.
    pub count: usize,
    /// The innermost application function where they wait.
    pub place: Option<String>,
    /// The longest wait, in minutes.
    pub longest_wait_minutes: Option<u32>,
    /// What the first one is doing, in words (`syncing a file to disk: syscall.Fsync`).
    pub doing: String,
    /// The kind of work (`disk`, `remote`, `stream`, `retry`), when a row of the table matched.
    pub work: Option<Work>,
    /// Whether they serve a request.
    pub serves_request: bool,
    /// How sure it is stuck rather than idle: `high`, `medium`, `low`.
    pub confidence: &'static str,
    /// How bad, for ordering.
    pub severity: f64,
    /// The signals, as sentences.
    pub signals: Vec<String>,
    /// Ids of the goroutines on the other side of the first one's wait.
    pub waits_on_goroutines: Vec<u64>,
    /// The goroutine the finding comes down to: the end of the chain past the first one.
    pub root: Option<u64>,
    /// The chain past the first one: ids, each waiting on the next.
    pub beyond: Vec<Option<u64>>,
    /// How many goroutines of other groups wait behind it through the chain.
    pub behind: usize,
    /// Their ids (the first 20).
    pub behind_goroutines: Vec<u64>,
}

/// One edge beyond locks: a goroutine waiting (`waits_on`: `waitgroup`, `cond`, `chan-send`,
/// `chan-receive`) on another.
#[derive(serde::Serialize)]
pub struct EdgeJson {
    /// The waiting goroutine's id.
    pub from: Option<u64>,
    /// The goroutine on the other side.
    pub to: Option<u64>,
    /// What `from` waits in.
    pub waits_on: &'static str,
    /// The kind of object it waits on (`channel`, `waitgroup`, `cond`, …; see
    /// [`crate::locks::ObjectKind`]).
    pub object: &'static str,
    /// `started`, `started-here`, `same-object`, `same-type` or `same-channel`.
    pub link: &'static str,
    /// The object or channel address, for `same-object` and `same-channel`.
    pub value: Option<String>,
    /// `high`, `medium` or `low`.
    pub confidence: &'static str,
}

/// The JSON of one group, `kind` `stuck` or `busy`.
pub fn stuck_json(s: &StuckFinding, kind: &'static str) -> StuckJson {
    StuckJson {
        kind,
        waits_on: s.kind.as_str(),
        object: crate::locks::ObjectKind::of(s.kind).as_str(),
        goroutines: s.ids.iter().flatten().copied().collect(),
        count: s.count,
        place: s.place.clone(),
        longest_wait_minutes: s.longest_wait,
        doing: what(s),
        work: s.doing.as_ref().map(|x| x.work),
        serves_request: s.serves_request,
        confidence: s.confidence.as_str(),
        severity: (s.severity * 100.0).round() / 100.0,
        signals: s.signals.iter().map(signal_text).collect(),
        waits_on_goroutines: s.waits_on.iter().filter_map(|e| e.goroutine.id).collect(),
        root: s.root().id,
        beyond: s.beyond.iter().map(|e| e.goroutine.id).collect(),
        behind: s.behind,
        behind_goroutines: s.behind_ids.iter().flatten().copied().collect(),
    }
}

/// The JSON of one edge.
pub fn edge_json(e: &crate::report::model::EdgeRef) -> EdgeJson {
    let (link, value) = match e.link {
        Link::Started => ("started", None),
        Link::StartedHere => ("started-here", None),
        Link::SameObject(v) => ("same-object", Some(format!("{v:#x}"))),
        Link::SameChannel(v) => ("same-channel", Some(format!("{v:#x}"))),
        Link::SameType => ("same-type", None),
    };
    EdgeJson {
        from: e.from.id,
        to: e.to.id,
        waits_on: e.waits_on.as_str(),
        object: crate::locks::ObjectKind::of(e.waits_on).as_str(),
        link,
        value,
        confidence: e.confidence.as_str(),
    }
}
