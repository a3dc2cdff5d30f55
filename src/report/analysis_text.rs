//! The analysis report for people: the most important finding first, each with the holder's
//! stack, the evidence, and the waiters grouped by stack — readable in ten seconds.

use std::io::{self, Write};

use colored::Colorize;

use crate::analysis::{Analysis, Blocker};
use crate::infer::{Confidence, Holder, short};
use crate::locks::{Lock, Mode};
use crate::model::{Dump, Frame};
use crate::report::evidence::sentence;
use crate::report::groups::state_of;
use crate::report::summary::program_of;

/// Frames of a holder's stack shown.
const HOLDER_FRAMES: usize = 12;
/// Waiter groups shown per finding.
const WAITER_GROUPS: usize = 5;

/// Writes the report of one dump.
pub fn write(w: &mut dyn Write, a: &Analysis<'_>, index: usize, of: usize) -> io::Result<()> {
    let d = a.dump;
    let program = program_of(d);
    let mut title = d.source.clone();
    if of > 1 {
        title.push_str(&format!(" (dump {} of {of})", index + 1));
    }
    let name = program.name.or(program.module).unwrap_or_else(|| "unknown program".into());
    let n = d.goroutine_count();
    let goroutines = if n == 1 { "goroutine" } else { "goroutines" };
    writeln!(w, "{}  {}, {}, {n} {goroutines}, {}", title.bold(), d.kind, name, d.era)?;
    if let Some(r) = &d.reason {
        writeln!(w, "  {}", r.lines().next().unwrap_or("").red())?;
    }
    if !a.has_findings() {
        writeln!(w, "  {} no goroutine waits for a lock.", "OK".green().bold())?;
        return writeln!(w);
    }
    let mut n = 0;
    for c in &a.deadlocks {
        n += 1;
        write_deadlock(w, a, n, &c.goroutines, &c.locks)?;
    }
    for b in a.blockers.iter().filter(|b| !b.in_deadlock) {
        n += 1;
        write_blocker(w, a, n, b)?;
    }
    for &l in &a.leaked {
        n += 1;
        write_leaked(w, a, n, l)?;
    }
    let mut shown: Vec<usize> = a.leaked.clone();
    for b in &a.blockers {
        shown.extend(&b.holds);
        shown.extend(b.via.iter().flat_map(|&(g, _)| a.graph.holds(g)));
    }
    for c in &a.deadlocks {
        shown.extend(&c.locks);
    }
    shown.sort_unstable();
    shown.dedup();
    if a.locks.len() > shown.len() {
        writeln!(w, "\n  ({} more contended lock(s) not shown; see --format json)", a.locks.len() - shown.len())?;
    }
    if d.warnings.len() as u64 + d.warnings_dropped > 0 {
        let n = d.warnings.len() as u64 + d.warnings_dropped;
        writeln!(w, "  {} {n} line(s) could not be read; `holdup summary` lists them", "note:".yellow())?;
    }
    writeln!(w)
}

fn heading(w: &mut dyn Write, n: usize, tag: colored::ColoredString, text: &str) -> io::Result<()> {
    writeln!(w, "\n{n}. {tag} {text}")
}

fn lock_name(d: &Dump, l: &Lock) -> String {
    format!("{} {}", l.id, l.describe(d))
}

fn id_of(d: &Dump, g: usize) -> String {
    d.goroutines[g].id.map_or("(no id)".to_string(), |i| i.to_string())
}

fn write_blocker(w: &mut dyn Write, a: &Analysis<'_>, n: usize, b: &Blocker) -> io::Result<()> {
    let d = a.dump;
    let best = b.holds.iter().filter_map(|&l| a.holders[l].first()).map(|h| h.confidence).max();
    let conf = best.map_or("low", |c| c.as_str());
    // A guess is worded as one.
    let verb = match best {
        Some(Confidence::High) => "holds",
        Some(Confidence::Medium) => "most likely holds",
        _ => "may hold",
    };
    heading(
        w,
        n,
        "BLOCKED".red().bold(),
        &format!(
            "goroutine {} [{}] {verb} {} — {} goroutine(s) wait behind it",
            id_of(d, b.goroutine),
            state_text(d, b.goroutine),
            b.holds.iter().map(|&l| a.locks[l].id.as_str()).collect::<Vec<_>>().join(", "),
            b.blocked.len().to_string().bold()
        ),
    )?;
    writeln!(w, "   its stack ({conf} confidence that it is the holder):")?;
    write_stack(w, d, b.goroutine)?;
    for &l in &b.holds {
        let lock = &a.locks[l];
        writeln!(w, "   holds {}", lock_name(d, lock))?;
        if let Some(h) = a.holders[l].iter().find(|h| h.goroutine == b.goroutine) {
            write_evidence(w, d, lock, h)?;
        }
        write_alternatives(w, d, &a.holders[l], b.goroutine)?;
    }
    for &(via, l) in &b.via {
        for held in a.graph.holds(via) {
            let h = a.holders[held].first().map_or("low", |h| h.confidence.as_str());
            writeln!(
                w,
                "   chain: goroutine {} waits for {} and {} {} ({h} confidence; {} waiter(s))",
                id_of(d, via),
                a.locks[l].id,
                if h == "high" { "holds" } else { "may hold" },
                lock_name(d, &a.locks[held]),
                a.locks[held].waiters.len()
            )?;
        }
    }
    let entries: Vec<String> = {
        let mut e: Vec<(&String, &usize)> = b.by_entry.iter().collect();
        e.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
        e.iter().take(6).map(|(k, v)| format!("{v} × {}", short(k))).collect()
    };
    let longest = b.longest_wait.map_or(String::new(), |m| format!(", longest {m} minutes"));
    writeln!(w, "   waiting ({}{longest}): {}", b.blocked.len(), entries.join(", "))?;
    write_waiter_groups(w, a, &b.blocked)
}

fn write_deadlock(w: &mut dyn Write, a: &Analysis<'_>, n: usize, gs: &[usize], ls: &[usize]) -> io::Result<()> {
    let d = a.dump;
    let names: Vec<String> = gs.iter().map(|&g| id_of(d, g)).collect();
    heading(w, n, "DEADLOCK".red().bold(), &format!("goroutines {} wait for each other", names.join(", ")))?;
    for &g in gs {
        let holds: Vec<&str> =
            a.graph.holds(g).into_iter().filter(|l| ls.contains(l)).map(|l| a.locks[l].id.as_str()).collect();
        let waits: Vec<String> =
            a.graph.waits_for(g).into_iter().filter(|l| ls.contains(l)).map(|l| lock_name(d, &a.locks[l])).collect();
        writeln!(
            w,
            "   goroutine {} [{}] holds {} and waits for {}",
            id_of(d, g).bold(),
            state_text(d, g),
            holds.join(", "),
            waits.join(", ")
        )?;
        write_stack(w, d, g)?;
        for &l in ls {
            if let Some(h) = a.holders[l].first().filter(|h| h.goroutine == g) {
                writeln!(w, "     why it holds {} ({} confidence):", a.locks[l].id, h.confidence.as_str())?;
                write_evidence(w, d, &a.locks[l], h)?;
            }
        }
    }
    let mut behind: Vec<usize> =
        gs.iter().flat_map(|&g| a.graph.blocked_behind(g)).filter(|g| !gs.contains(g)).collect();
    behind.sort_unstable();
    behind.dedup();
    if !behind.is_empty() {
        writeln!(w, "   {} more goroutine(s) wait behind the cycle:", behind.len())?;
        write_waiter_groups(w, a, &behind)?;
    }
    Ok(())
}

fn write_leaked(w: &mut dyn Write, a: &Analysis<'_>, n: usize, l: usize) -> io::Result<()> {
    let d = a.dump;
    let lock = &a.locks[l];
    let waiters: Vec<usize> = lock.waiters.iter().map(|&(g, _)| g).collect();
    let longest = waiters.iter().filter_map(|&g| d.goroutines[g].wait_minutes).max();
    let longest = longest.map_or(String::new(), |m| format!(", the longest for {m} minutes"));
    heading(
        w,
        n,
        "NO HOLDER".yellow().bold(),
        &format!("{} — {} goroutine(s) wait{longest}", lock_name(d, lock), waiters.len()),
    )?;
    writeln!(
        w,
        "   no live holder found — the lock may have been leaked by a goroutine that returned without Unlock, or the holder is missing from this dump"
    )?;
    if !a.candidates[l].is_empty() {
        writeln!(w, "   candidates, on weak evidence (not a finding):")?;
        for h in &a.candidates[l] {
            writeln!(w, "     goroutine {} [{}]", id_of(d, h.goroutine), state_text(d, h.goroutine))?;
            for e in &h.evidence {
                writeln!(w, "       - {}", crate::report::evidence::sentence(d, lock, h.goroutine, e))?;
            }
        }
    }
    write_waiter_groups(w, a, &waiters)
}

fn write_evidence(w: &mut dyn Write, d: &Dump, lock: &Lock, h: &Holder) -> io::Result<()> {
    for e in &h.evidence {
        writeln!(w, "     - {}", sentence(d, lock, h.goroutine, e))?;
    }
    Ok(())
}

fn write_alternatives(w: &mut dyn Write, d: &Dump, hs: &[Holder], chosen: usize) -> io::Result<()> {
    let others: Vec<String> = hs
        .iter()
        .filter(|h| h.goroutine != chosen)
        .map(|h| format!("goroutine {} ({}, score {:.1})", id_of(d, h.goroutine), h.confidence.as_str(), h.score))
        .collect();
    if !others.is_empty() {
        writeln!(w, "     other candidates: {}", others.join(", ").dimmed())?;
    }
    Ok(())
}

fn state_text(d: &Dump, g: usize) -> String {
    match d.goroutines[g].wait_minutes {
        Some(m) => format!("{}, {m} minutes", state_of(d, g)),
        None => state_of(d, g).to_string(),
    }
}

/// Writes the top of a stack, folding runs of the same function (deep recursion).
fn write_stack(w: &mut dyn Write, d: &Dump, g: usize) -> io::Result<()> {
    let frames: Vec<Frame<'_>> = d.frames(&d.goroutines[g]).collect();
    let mut shown = 0;
    // The lock machinery at the top of a waiting stack is one line, not five.
    let machinery = |f: &Frame<'_>| matches!(f.func.package(), "runtime" | "sync" | "internal/sync");
    let mut i = frames.iter().take_while(|f| machinery(f)).count();
    if i > 0 && i < frames.len() {
        let inner = short(&frames[i - 1].func.full);
        writeln!(w, "       {}", format!("[{inner} and {} more runtime/sync frames]", i - 1).dimmed())?;
    } else {
        i = 0;
    }
    while i < frames.len() && shown < HOLDER_FRAMES {
        let f = &frames[i];
        let mut run = 1;
        while i + run < frames.len() && frames[i + run].site.func == f.site.func {
            run += 1;
        }
        let file = f.site.file.rsplit('/').next().unwrap_or("");
        let name = short(&f.func.full);
        let times = if run > 1 { format!(" ×{run}") } else { String::new() };
        let text = format!("{name}{times}");
        let loc = format!("{file}:{}", f.site.line);
        if f.func.is_stdlib() || f.func.is_sync_or_runtime() {
            writeln!(w, "       {:<60} {}", text.dimmed(), loc.dimmed())?;
        } else {
            writeln!(w, "       {:<60} {}", text, loc.dimmed())?;
        }
        shown += 1;
        i += run;
    }
    if i < frames.len() {
        writeln!(w, "       {}", format!("… {} more frames", frames.len() - i).dimmed())?;
    }
    Ok(())
}

/// Writes waiters grouped by the functions on their stacks.
fn write_waiter_groups(w: &mut dyn Write, a: &Analysis<'_>, gs: &[usize]) -> io::Result<()> {
    let read = |g: usize| {
        let mode = a.locks.iter().flat_map(|l| l.waiters.iter()).find(|&&(x, _)| x == g);
        if mode.is_some_and(|&(_, m)| m == Mode::Read) { " (read)" } else { "" }
    };
    crate::report::groups::write_shapes(w, a.dump, gs, WAITER_GROUPS, &read)
}
