//! `holdup analyze --format markdown`: GitHub-flavoured Markdown to paste into an issue or an
//! incident ticket — the findings in order, each holder's stack in a code block, its evidence,
//! and the waiters in a collapsed `<details>`.
//!
//! Everything from the dump is escaped for where it lands: inline text has Markdown's and
//! HTML's special characters backslash-escaped or turned into entities, code spans and code
//! blocks are fenced with more backticks than the text holds, and control characters are made
//! visible.

use std::io::{self, Write};

use crate::infer::short;
use crate::report::esc::visible;
use crate::report::evidence;
use crate::report::model::{
    BlockerInfo, DeadlockFinding, Finding, GRef, GoroutineInfo, NoHolderFinding, Report, WaiterGroups,
};
use crate::report::words;

/// Frames of a stack shown.
const FRAMES: usize = 16;
/// Waiter groups listed per finding.
const GROUPS: usize = 10;

/// Text escaped for Markdown outside code: punctuation that Markdown or HTML would read.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in visible(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A code span that holds `s` whatever backticks it contains.
pub fn code(s: &str) -> String {
    let s = visible(s);
    let run = longest_run(&s, '`');
    let fence = "`".repeat(run + 1);
    // A span that starts or ends with a backtick needs a space inside its fence.
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for x in s.chars() {
        run = if x == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Writes one report.
pub fn write(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    let mut title = format!("holdup: {}", r.source);
    if r.of > 1 {
        title.push_str(&format!(" (dump {} of {})", r.index + 1, r.of));
    }
    writeln!(w, "### {}\n", text(&title))?;
    let program = r.program.as_deref().unwrap_or("unknown program");
    writeln!(w, "{} goroutines · {} · {} · {}\n", r.goroutines, text(program), code(r.kind), text(&r.go))?;
    if let Some(reason) = &r.reason {
        writeln!(w, "> {}\n", text(reason.lines().next().unwrap_or("")))?;
    }
    if !r.has_findings() {
        let calm = crate::report::words::Calm::of(r);
        let label = calm.label().map(|l| format!("**{l}**: ")).unwrap_or_default();
        writeln!(w, "{label}{}\n", calm.sentence(r))?;
        return Ok(());
    }
    for (i, f) in r.findings.iter().enumerate() {
        match f {
            Finding::Deadlock(c) => deadlock(w, r, i + 1, c)?,
            Finding::Blocker(b) => blocker(w, r, i + 1, b)?,
            Finding::NoHolder(n) => no_holder(w, r, i + 1, n)?,
            Finding::Stuck(f) => stuck(w, i + 1, f)?,
        }
    }
    if r.hidden_locks > 0 {
        writeln!(w, "_{} more contended lock(s) not shown; see `holdup analyze --format json`._\n", r.hidden_locks)?;
    }
    if r.warnings > 0 {
        writeln!(w, "_{} line(s) of the dump could not be read; `holdup summary` lists them._\n", r.warnings)?;
    }
    writeln!(w, "<sub>Written by holdup {}.</sub>\n", env!("CARGO_PKG_VERSION"))
}

fn id(g: GRef) -> String {
    g.id.map_or("(no id)".to_string(), |i| i.to_string())
}

fn lock_name(r: &Report, l: usize) -> String {
    let lock = &r.locks[l];
    format!("{} {}", code(&lock.id), text(&words::describe_lock(lock)))
}

fn state(g: &GoroutineInfo) -> String {
    words::state_minutes(&g.state, g.wait_minutes)
}

/// A stack in a fenced code block, innermost first.
fn stack(w: &mut dyn Write, g: &GoroutineInfo) -> io::Result<()> {
    let lines: Vec<String> = g
        .frames
        .iter()
        .take(FRAMES)
        .map(|f| format!("{}\n    {}:{}", visible(&f.func), visible(&f.file), f.line))
        .collect();
    let mut body = lines.join("\n");
    if g.frames.len() > FRAMES {
        body.push_str(&format!("\n… {} more frames", g.frames.len() - FRAMES));
    }
    let fence = "`".repeat(longest_run(&body, '`').max(2) + 1);
    writeln!(w, "{fence}text\n{body}\n{fence}\n")
}

fn evidence_list(w: &mut dyn Write, items: &[crate::report::model::Evidence]) -> io::Result<()> {
    for e in items {
        writeln!(w, "- {}", text(&evidence::text(e)))?;
    }
    writeln!(w)
}

fn waiters(w: &mut dyn Write, summary: &str, groups: Option<&WaiterGroups>) -> io::Result<()> {
    let Some(groups) = groups else { return Ok(()) };
    writeln!(w, "<details><summary>{}</summary>\n", crate::report::esc::html(summary))?;
    writeln!(w, "| goroutines | operation | state | where (innermost first) | ids |")?;
    writeln!(w, "|---:|---|---|---|---|")?;
    for g in groups.groups.iter().take(GROUPS) {
        // In a table even a code span ends a cell at `|`.
        let path: Vec<String> = g.path.iter().map(|f| code(short(f)).replace('|', "\\|")).collect();
        let mins = g.longest_wait.map_or(String::new(), |m| format!(", {m}+ min"));
        let read = if g.read { " (read)" } else { "" };
        writeln!(
            w,
            "| {} | {} | {}{mins}{read} | {} | {} |",
            g.count,
            text(g.operation.as_deref().unwrap_or("")),
            text(words::state(&g.state)),
            path.join(" ← "),
            text(&words::abbreviate_ids(&g.ids, g.members, 6))
        )?;
    }
    if groups.groups.len() > GROUPS {
        let rest: u64 = groups.groups[GROUPS..].iter().map(|g| g.count).sum();
        writeln!(w, "| {rest} | | | … in {} other stack shapes | |", groups.groups.len() - GROUPS)?;
    }
    writeln!(w, "\n</details>\n")
}

fn blocker(w: &mut dyn Write, r: &Report, n: usize, b: &BlockerInfo) -> io::Result<()> {
    writeln!(w, "#### {n}. 🔴 BLOCKING: {}\n", text(&words::blocker_headline(r, b).line()))?;
    writeln!(w, "[{}] {}\n", text(&state(&b.goroutine)), text(&b.route))?;
    let conf = if b.has_holder { b.confidence.as_str() } else { "low" };
    writeln!(w, "Its stack ({conf} confidence that it is the holder):\n")?;
    stack(w, &b.goroutine)?;
    let me = b.goroutine.goroutine.index;
    for &l in &b.holds {
        writeln!(w, "It holds {}:\n", lock_name(r, l))?;
        let holders = &r.locks[l].holders;
        if let Some(h) = holders.iter().find(|h| h.goroutine.index == me) {
            evidence_list(w, &h.evidence)?;
        }
        let others: Vec<String> = holders
            .iter()
            .filter(|h| h.goroutine.index != me)
            .map(|h| format!("goroutine {} ({}, score {:.1})", id(h.goroutine), h.confidence.as_str(), h.score))
            .collect();
        if !others.is_empty() {
            writeln!(w, "Other candidates: {}\n", others.join(", "))?;
        }
    }
    for via in &b.via {
        for &held in &via.holds {
            writeln!(
                w,
                "- chain: goroutine {} waits for {} and holds {}",
                id(via.goroutine),
                code(&r.locks[via.waits].id),
                lock_name(r, held)
            )?;
        }
    }
    let title = words::waiters_title(b.blocked, &b.by_operation, b.longest_wait);
    waiters(w, &title, b.waiters.as_ref())
}

fn deadlock(w: &mut dyn Write, r: &Report, n: usize, c: &DeadlockFinding) -> io::Result<()> {
    let names: Vec<String> = c.members.iter().map(|m| id(m.goroutine.goroutine)).collect();
    writeln!(w, "#### {n}. 🔴 DEADLOCK: goroutines {} wait for each other\n", names.join(", "))?;
    for m in &c.members {
        let holds: Vec<String> = m.holds.iter().map(|&l| code(&r.locks[l].id)).collect();
        let waits: Vec<String> = m.waits.iter().map(|&l| lock_name(r, l)).collect();
        writeln!(
            w,
            "Goroutine **{}** [{}] holds {} and waits for {}:\n",
            id(m.goroutine.goroutine),
            text(&state(&m.goroutine)),
            holds.join(", "),
            waits.join(", ")
        )?;
        stack(w, &m.goroutine)?;
        for &l in &c.locks {
            let lock = &r.locks[l];
            if let Some(h) = lock.holders.first().filter(|h| h.goroutine == m.goroutine.goroutine) {
                writeln!(w, "Why it holds {} ({} confidence):\n", code(&lock.id), h.confidence.as_str())?;
                evidence_list(w, &h.evidence)?;
            }
        }
    }
    if c.behind > 0 {
        waiters(w, &words::behind_cycle_title(c.behind, &c.by_operation), c.waiters.as_ref())?;
    }
    Ok(())
}

fn stuck(w: &mut dyn Write, n: usize, f: &crate::report::model::StuckFinding) -> io::Result<()> {
    use crate::report::stuck as words_of;
    writeln!(w, "#### {n}. 🔴 STUCK: {} — {}\n", text(&words_of::subject(f)), text(&words_of::what(f)))?;
    writeln!(w, "Stuck rather than idle ({} confidence):\n", f.confidence.as_str())?;
    for sig in &f.signals {
        writeln!(w, "- {}", text(&words_of::signal_text(sig)))?;
    }
    writeln!(w)?;
    stack(w, &f.goroutine)?;
    if let Some(first) = f.waits_on.first() {
        writeln!(w, "{}\n", text(&words_of::waits_on_heading(first.waits_on)))?;
        for e in &f.waits_on {
            writeln!(w, "- {}", text(&words_of::edge_text(e)))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

fn no_holder(w: &mut dyn Write, r: &Report, n: usize, f: &NoHolderFinding) -> io::Result<()> {
    let lock = &r.locks[f.lock];
    let headline = words::no_holder_headline(r, f).join(" ");
    writeln!(w, "#### {n}. 🟡 NO HOLDER: {}\n", text(&headline))?;
    writeln!(w, "{}\n", text(words::NO_HOLDER))?;
    waiters(w, &words::waiters_title(lock.waiters.len(), &f.by_operation, f.longest_wait), f.waiters.as_ref())
}
