//! Stuck work in words: the STUCK findings, the notes on busy work of a dump with no
//! finding, and the other side of a wait (`it waits on goroutine 12, which it started`).
//! The analysis ([`crate::stuck`]) keeps all of it as data; this is where it is worded.

use std::io::{self, Write};

use colored::Colorize;

use crate::analysis::Analysis;
use crate::doing;
use crate::infer::short;
use crate::model::Dump;
use crate::stuck::{Edge, Link, Signal, Stuck};

/// The id of goroutine `g` as text.
fn id_of(d: &Dump, g: usize) -> String {
    d.goroutines[g].id.map_or("(no id)".to_string(), |i| i.to_string())
}

/// `chan receive, 5940 minutes`.
fn state_text(d: &Dump, g: usize) -> String {
    let gr = &d.goroutines[g];
    match gr.wait_minutes {
        Some(m) => format!("{}, {m} minutes", d.state(gr)),
        None => d.state(gr).to_string(),
    }
}

/// What the group is doing, in words: the table's phrase with its path, or the wait.
pub fn doing_text(d: &Dump, s: &Stuck) -> String {
    s.doing.map_or_else(|| doing::wait_phrase(s.kind).to_string(), |x| x.describe(d))
}

/// The subject of a stuck finding: `goroutine 11 [syscall, 3 minutes] in
/// container.(*Container).ToDisk` or `42747 goroutines [chan receive, …] in …`.
pub fn subject(d: &Dump, s: &Stuck) -> String {
    let first = s.goroutines[0];
    let place = s.place.map_or(String::new(), |f| format!(" in {}", short(&d.func(f).full)));
    if s.goroutines.len() == 1 {
        format!("goroutine {} [{}]{place}", id_of(d, first), state_text(d, first))
    } else {
        let longest = s.longest.map_or(String::new(), |m| format!(", up to {m} minutes"));
        format!("{} goroutines [{}{longest}]{place}", s.goroutines.len(), d.state(&d.goroutines[first]))
    }
}

/// One signal as a phrase.
pub fn signal_text(sig: &Signal) -> String {
    match *sig {
        Signal::Work(w) => match w {
            doing::Work::Disk => "it is in file-system work, which should end".to_string(),
            doing::Work::Remote => "it waits for another server to answer".to_string(),
            doing::Work::Stream => "it reads or writes a stream".to_string(),
            doing::Work::Retry => "it sleeps between attempts".to_string(),
        },
        Signal::WaitsForGoroutine(k) => format!("{}: another goroutine has to act", doing::wait_phrase(k)),
        Signal::Minutes(m) => format!("it has waited {m} minutes"),
        Signal::ServesRequest => "it serves a request (application code under an HTTP or gRPC server)".to_string(),
        Signal::BelowHandler => {
            "it waits below its request handler, not in the handler's own loop as streaming requests do".to_string()
        }
        Signal::PileUp(n) => format!("{n} goroutines wait at the same place"),
        Signal::WaitedOn(n) => format!("{n} goroutine(s) wait on it"),
        Signal::NoReceiver => "no other goroutine holds the channel it sends on".to_string(),
    }
}

/// One edge as a phrase, from the waiter's side.
pub fn edge_text(d: &Dump, e: &Edge) -> String {
    let how = match e.link {
        Link::Started => "which it started".to_string(),
        Link::SameObject(v) => format!("which runs a method of the same object {v:#x}"),
        Link::SameChannel(v) => format!("which uses the same channel {v:#x}"),
    };
    let what = doing::of(d, &d.goroutines[e.to]).map_or(String::new(), |x| format!(" — {}", x.describe(d)));
    format!(
        "goroutine {} [{}], {how} ({} confidence){what}",
        id_of(d, e.to),
        state_text(d, e.to),
        e.confidence.as_str()
    )
}

/// Writes the edges out of goroutine `g`: what it waits on in turn.
pub fn write_waits_on(w: &mut dyn Write, a: &Analysis<'_>, g: usize, indent: &str) -> io::Result<()> {
    let d = a.dump;
    let edges: Vec<&Edge> = a.stuck.waits_on(g).collect();
    if edges.is_empty() {
        return Ok(());
    }
    writeln!(w, "{indent}it waits in turn ({}) on:", doing::wait_phrase(edges[0].kind))?;
    for e in edges.iter().take(5) {
        writeln!(w, "{indent}  - {}", edge_text(d, e))?;
    }
    if edges.len() > 5 {
        writeln!(w, "{indent}  - … and {} more", edges.len() - 5)?;
    }
    Ok(())
}

/// Writes one STUCK finding, numbered `n`.
pub fn write_finding(
    w: &mut dyn Write,
    a: &Analysis<'_>,
    n: usize,
    s: &Stuck,
    stack: &dyn Fn(&mut dyn Write, usize) -> io::Result<()>,
) -> io::Result<()> {
    let d = a.dump;
    writeln!(w, "\n{n}. {} {} — {}", "STUCK".red().bold(), subject(d, s), doing_text(d, s))?;
    writeln!(w, "   stuck rather than idle ({} confidence):", s.confidence.as_str())?;
    for sig in &s.signals {
        writeln!(w, "     - {}", signal_text(sig))?;
    }
    writeln!(w, "   its stack:")?;
    stack(w, s.goroutines[0])?;
    let behind: Vec<&Edge> = a.stuck.edges.iter().filter(|e| s.goroutines.contains(&e.to)).collect();
    for e in behind.iter().take(5) {
        let place = d
            .frames(&d.goroutines[e.from])
            .find(|f| !f.func.is_stdlib() && !f.func.is_sync_or_runtime())
            .map_or(String::new(), |f| format!(" in {}", short(&f.func.full)));
        writeln!(
            w,
            "   waited on by goroutine {} [{}]{place} ({})",
            id_of(d, e.from),
            state_text(d, e.from),
            doing::wait_phrase(e.kind)
        )?;
    }
    write_waits_on(w, a, s.goroutines[0], "   ")
}

/// Writes the notes of a dump with no finding: its busiest blocking work.
pub fn write_notes(w: &mut dyn Write, a: &Analysis<'_>) -> io::Result<()> {
    let d = a.dump;
    writeln!(w, "  {} what it is busy with (not known to be stuck):", "note:".yellow())?;
    for s in &a.stuck.notes {
        writeln!(w, "    {} — {}", subject(d, s), doing_text(d, s))?;
    }
    Ok(())
}

/// A stuck-work finding or note in `holdup.analysis/v1` (fields only added, never renamed).
#[derive(serde::Serialize)]
pub struct StuckJson {
    /// Always `stuck` for a finding, `busy` for a note.
    pub kind: &'static str,
    /// The wait kind (`chan-receive`, `waitgroup`, `syscall`, …).
    pub waits_on: &'static str,
    /// Goroutine ids, the longest-waiting first.
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
    pub work: Option<&'static str>,
    /// Whether they serve a request.
    pub serves_request: bool,
    /// How sure it is stuck rather than idle: `high`, `medium`, `low`.
    pub confidence: &'static str,
    /// How bad, for ordering.
    pub severity: f64,
    /// The signals, as sentences.
    pub signals: Vec<String>,
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
    /// `started`, `same-object` or `same-channel`.
    pub link: &'static str,
    /// The object or channel address, for `same-object` and `same-channel`.
    pub value: Option<String>,
    /// `high`, `medium` or `low`.
    pub confidence: &'static str,
}

/// The JSON of one group, `kind` `stuck` or `busy`.
pub fn stuck_json(d: &Dump, s: &Stuck, kind: &'static str) -> StuckJson {
    StuckJson {
        kind,
        waits_on: s.kind.as_str(),
        goroutines: s.goroutines.iter().filter_map(|&g| d.goroutines[g].id).collect(),
        count: s.goroutines.len(),
        place: s.place.map(|f| d.func(f).full.clone()),
        longest_wait_minutes: s.longest,
        doing: doing_text(d, s),
        work: s.doing.map(|x| x.work.as_str()),
        serves_request: s.serves_request,
        confidence: s.confidence.as_str(),
        severity: (s.severity * 100.0).round() / 100.0,
        signals: s.signals.iter().map(signal_text).collect(),
    }
}

/// The JSON of one edge.
pub fn edge_json(d: &Dump, e: &Edge) -> EdgeJson {
    let (link, value) = match e.link {
        Link::Started => ("started", None),
        Link::SameObject(v) => ("same-object", Some(format!("{v:#x}"))),
        Link::SameChannel(v) => ("same-channel", Some(format!("{v:#x}"))),
    };
    EdgeJson {
        from: d.goroutines[e.from].id,
        to: d.goroutines[e.to].id,
        waits_on: e.kind.as_str(),
        link,
        value,
        confidence: e.confidence.as_str(),
    }
}
