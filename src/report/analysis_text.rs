//! The analysis report for people: the most important finding first, each with the holder's
//! stack, the evidence, and the waiters grouped by stack — readable in ten seconds. Control
//! characters from the dump are written as visible escapes: a dump never drives the terminal.

use std::io::{self, Write};

use crate::infer::{Confidence, short};
use crate::report::esc::visible;
use crate::report::evidence;
use crate::report::model::{
    BlockerInfo, DeadlockFinding, EdgeInfo, Evidence, Finding, GRef, GoroutineInfo, NoHolderFinding, Report,
    StuckFinding, WaiterGroups,
};
use crate::report::stuck;
use crate::report::style::{Paint, Style};
use crate::report::words;

/// Frames of a holder's stack shown.
const HOLDER_FRAMES: usize = 12;
/// Waiter groups shown per finding.
const WAITER_GROUPS: usize = 5;
/// Goroutine ids shown per waiter group.
const IDS_SHOWN: usize = 6;

/// Writes the report of one dump (built with [`Parts::detail`](crate::report::model::Parts)).
pub fn write(w: &mut dyn Write, r: &Report, style: Style) -> io::Result<()> {
    let t = Text { r, s: style };
    let mut title = visible(&r.source).into_owned();
    if r.of > 1 {
        title.push_str(&format!(" (dump {} of {})", r.index + 1, r.of));
    }
    let name = visible(r.program.as_deref().unwrap_or("unknown program"));
    let n = r.goroutines;
    let goroutines = if n == 1 { "goroutine" } else { "goroutines" };
    let about = format!("{}, {name}, {n} {goroutines}, {}", r.kind, r.go);
    if title.chars().count() + 2 + about.chars().count() <= 100 {
        writeln!(w, "{}  {about}", style.paint(&title, Paint::Bold))?;
    } else {
        // A long path on a line of its own (its middle elided past 100 columns).
        writeln!(w, "{}\n  {}", style.paint(&fit(&title, 100), Paint::Bold), fit(&about, 98))?;
    }
    if let Some(reason) = &r.reason {
        let first = visible(reason.lines().next().unwrap_or(""));
        writeln!(w, "  {}", style.paint(&fit(&first, 98), Paint::Red))?;
    }
    if !r.has_findings() {
        let calm = words::Calm::of(r);
        let sentence = calm.sentence(r);
        match calm.label() {
            // Wrapped as plain text, so that colour codes do not count as columns.
            Some(label) => {
                let text = wrap(&format!("{label} {sentence}"), 100, "  ");
                let painted = format!("  {}", style.paint(label, Paint::Fine));
                writeln!(w, "{}", text.replacen(&format!("  {label}"), &painted, 1))?
            }
            None => writeln!(w, "{}", wrap(&sentence, 100, "  "))?,
        }
        if !r.notes.is_empty() {
            // Not OK: nothing is known to be stuck, but the busy work is shown.
            writeln!(w, "  {} what it is busy with:", style.paint("note:", Paint::Note))?;
            for s in &r.notes {
                writeln!(w, "{}", wrap(&visible(&format!("{} — {}", stuck::subject(s), stuck::what(s))), 100, "    "))?;
            }
        }
        return writeln!(w);
    }
    for (i, f) in r.findings.iter().enumerate() {
        match f {
            Finding::Deadlock(c) => t.deadlock(w, i + 1, c)?,
            Finding::Blocker(b) => t.blocker(w, i + 1, b)?,
            Finding::NoHolder(l) => t.no_holder(w, i + 1, l)?,
            Finding::Stuck(s) => t.stuck(w, i + 1, s)?,
        }
    }
    if r.hidden_locks > 0 {
        writeln!(w, "\n  ({} more contended lock(s) not shown; see --format json)", r.hidden_locks)?;
    }
    if r.warnings > 0 {
        writeln!(
            w,
            "  {} {} line(s) could not be read; `holdup summary` lists them",
            style.paint("note:", Paint::Note),
            r.warnings
        )?;
    }
    writeln!(w)
}

/// One report being written.
struct Text<'r> {
    r: &'r Report,
    s: Style,
}

fn id_of(g: GRef) -> String {
    g.id.map_or("(no id)".to_string(), |i| i.to_string())
}

/// `s` cut to `width` characters, the middle elided with `…` (long chains and names).
fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    let head: String = s.chars().take(width / 2).collect();
    let tail: String = s.chars().skip(n - (width - width / 2 - 1)).collect();
    format!("{head}…{tail}")
}

/// `s` wrapped at word boundaries to lines of at most `width` characters, each starting
/// with `indent` (continuation lines two more).
fn wrap(s: &str, width: usize, indent: &str) -> String {
    let mut lines = vec![indent.to_string()];
    let cont = format!("{indent}  ");
    for word in s.split(' ') {
        push_word(&mut lines, word, width, &cont);
    }
    lines.join("\n")
}

/// Appends `word` to the last of `lines` after a space (none on a line of indentation only),
/// or starts a new line with `cont` when it would pass `width` columns. A word too long for
/// any line (a generic function's name) has its middle elided.
fn push_word(lines: &mut Vec<String>, word: &str, width: usize, cont: &str) {
    let room = width.saturating_sub(cont.chars().count()).max(8);
    let word = fit(word, room);
    let wlen = word.chars().count();
    let line = lines.last_mut().expect("a line");
    let fresh = line.bytes().all(|b| b == b' ');
    let len = line.chars().count();
    if !fresh && len + 1 + wlen > width {
        lines.push(format!("{cont}{word}"));
    } else {
        if !fresh {
            line.push(' ');
        }
        line.push_str(&word);
    }
}

fn state_text(g: &GoroutineInfo) -> String {
    visible(&words::state_minutes(&g.state, g.wait_minutes)).into_owned()
}

impl Text<'_> {
    /// A finding's heading, the `parts` of its sentence packed onto lines of at most 100
    /// columns: a part that does not fit on the current line starts the next one, indented
    /// under the text; a part too long for any line is wrapped at its spaces.
    fn heading<'p>(
        &self,
        w: &mut dyn Write,
        n: usize,
        tag: &str,
        paint: Paint,
        parts: impl IntoIterator<Item = &'p str>,
    ) -> io::Result<()> {
        const INDENT: &str = "   ";
        let plain = format!("{n}. {tag}");
        let mut lines: Vec<String> = vec![plain.clone()];
        for (k, part) in parts.into_iter().enumerate() {
            let part = visible(part);
            let last = lines.last().map_or(0, |l| l.chars().count());
            if k > 0 && last + 1 + part.chars().count() > 100 {
                lines.push(INDENT.to_string());
            }
            for word in part.split(' ').filter(|w| !w.is_empty()) {
                // A part's own continuation: two more columns.
                push_word(&mut lines, word, 100, "     ");
            }
        }
        let text = lines.join("\n");
        let painted = format!("{n}. {}", self.s.paint(tag, paint));
        writeln!(w, "\n{}", text.replacen(&plain, &painted, 1))
    }

    fn lock_name(&self, l: usize) -> String {
        let lock = &self.r.locks[l];
        format!("{} {}", lock.id, visible(&words::describe_lock(lock)))
    }

    fn blocker(&self, w: &mut dyn Write, n: usize, b: &BlockerInfo) -> io::Result<()> {
        let r = self.r;
        let conf = if b.has_holder { b.confidence } else { Confidence::Low };
        // A guess is worded as one, in the headline and below it.
        let verb = words::holds_verb(conf);
        let headline = words::blocker_headline(r, b);
        // A holder whose own wait leads on is named after the goroutine the chain ends in.
        let lead = b.beyond.last().map(stuck::root_lead);
        let (who, doing, holds) = match lead {
            // `… holds up goroutine 25 in releaseMounts (waiting …), which may hold …`
            Some(_) => match &headline.doing {
                Some(x) => (headline.who.clone(), Some(format!("{x},")), format!("which {}", headline.holds)),
                None => (format!("{},", headline.who), None, format!("which {}", headline.holds)),
            },
            None => (headline.who.clone(), headline.doing.clone(), headline.holds.clone()),
        };
        let parts: Vec<&str> = lead
            .as_deref()
            .into_iter()
            .chain([who.as_str()])
            .chain(doing.as_deref())
            .chain([holds.as_str(), headline.waits.as_str()])
            .collect();
        self.heading(w, n, "BLOCKING", Paint::Alarm, parts)?;
        writeln!(w, "   {}", fit(&format!("[{}] {}", visible(&state_text(&b.goroutine)), visible(&b.route)), 97))?;
        writeln!(w, "   its stack ({}):", words::confidence_phrase(conf))?;
        self.stack(w, &b.goroutine)?;
        let me = b.goroutine.goroutine.index;
        for &l in &b.holds {
            writeln!(w, "   {}", fit(&self.lock_name(l), 97))?;
            let holders = &r.locks[l].holders;
            if let Some(h) = holders.iter().find(|h| h.goroutine.index == me) {
                writeln!(w, "   why it {verb} it:")?;
                self.evidence(w, &h.evidence)?;
            }
            let others: Vec<String> = holders
                .iter()
                .filter(|h| h.goroutine.index != me)
                .map(|h| format!("goroutine {} ({}, score {:.1})", id_of(h.goroutine), h.confidence.as_str(), h.score))
                .collect();
            if !others.is_empty() {
                let text = wrap(&format!("other candidates: {}", others.join(", ")), 100, "     ");
                writeln!(w, "{}", self.s.paint(&text, Paint::Dim))?;
            }
        }
        if b.beyond.is_empty() {
            self.waits_on(w, &b.waits_on)?;
        } else {
            self.chain(w, b.goroutine.goroutine.id, &b.beyond)?;
        }
        for via in &b.via {
            for &held in &via.holds {
                let h = r.locks[held].holders.first().map_or("low", |h| h.confidence.as_str());
                let line = format!(
                    "chain: goroutine {} waits for {} and {} {} ({h} confidence; {} waiter(s))",
                    id_of(via.goroutine),
                    r.locks[via.waits].id,
                    if h == "high" { "holds" } else { "may hold" },
                    self.lock_name(held),
                    r.locks[held].waiters.len()
                );
                writeln!(w, "{}", wrap(&line, 100, "   "))?;
            }
        }
        let longest = b.longest_wait.map_or(String::new(), |m| format!(", the longest for {m}+ minutes"));
        writeln!(w, "   waiting ({}{longest}):", b.blocked)?;
        self.waiter_groups(w, b.waiters.as_ref())
    }

    fn deadlock(&self, w: &mut dyn Write, n: usize, c: &DeadlockFinding) -> io::Result<()> {
        let r = self.r;
        let names: Vec<String> = c.members.iter().map(|m| id_of(m.goroutine.goroutine)).collect();
        let what = format!("goroutines {} wait for each other", names.join(", "));
        self.heading(w, n, "DEADLOCK", Paint::Alarm, [what.as_str()])?;
        for m in &c.members {
            let holds: Vec<&str> = m.holds.iter().map(|&l| r.locks[l].id.as_str()).collect();
            let waits: Vec<String> = m.waits.iter().map(|&l| self.lock_name(l)).collect();
            let line = format!(
                "goroutine {} [{}] holds {} and waits for {}",
                id_of(m.goroutine.goroutine),
                state_text(&m.goroutine),
                holds.join(", "),
                waits.join(", ")
            );
            writeln!(w, "{}", wrap(&line, 100, "   "))?;
            self.stack(w, &m.goroutine)?;
            for &l in &c.locks {
                let lock = &r.locks[l];
                if let Some(h) = lock.holders.first().filter(|h| h.goroutine == m.goroutine.goroutine) {
                    writeln!(w, "     why it holds {} ({} confidence):", lock.id, h.confidence.as_str())?;
                    self.evidence(w, &h.evidence)?;
                }
            }
        }
        if c.behind > 0 {
            writeln!(w, "   {}:", words::behind_cycle_title(c.behind, &c.by_operation))?;
            self.waiter_groups(w, c.waiters.as_ref())?;
        }
        Ok(())
    }

    fn no_holder(&self, w: &mut dyn Write, n: usize, f: &NoHolderFinding) -> io::Result<()> {
        let lock = &self.r.locks[f.lock];
        let parts = words::no_holder_headline(self.r, f);
        self.heading(w, n, "NO HOLDER", Paint::Caution, parts.iter().map(String::as_str))?;
        writeln!(w, "{}", wrap(words::NO_HOLDER, 100, "   "))?;
        if !lock.candidates.is_empty() {
            writeln!(w, "   candidates, on weak evidence (not a finding):")?;
            for h in &lock.candidates {
                writeln!(w, "     goroutine {}", id_of(h.goroutine))?;
                for e in &h.evidence {
                    writeln!(w, "{}", wrap(&format!("- {}", visible(&evidence::text(e))), 100, "       "))?;
                }
            }
        }
        self.waiter_groups(w, f.waiters.as_ref())
    }

    fn stuck(&self, w: &mut dyn Write, n: usize, s: &StuckFinding) -> io::Result<()> {
        let lead = s.beyond.last().map(stuck::root_lead);
        let (subject, what) = match lead {
            Some(_) => (format!("{},", stuck::subject(s)), format!("which is {}", stuck::what(s))),
            None => (stuck::subject(s), format!("— {}", stuck::what(s))),
        };
        let parts: Vec<&str> = lead.as_deref().into_iter().chain([subject.as_str(), what.as_str()]).collect();
        self.heading(w, n, "STUCK", Paint::Alarm, parts)?;
        writeln!(w, "   stuck rather than idle ({} confidence):", s.confidence.as_str())?;
        for sig in &s.signals {
            writeln!(w, "{}", wrap(&format!("- {}", stuck::signal_text(sig)), 100, "     "))?;
        }
        writeln!(w, "   its stack:")?;
        self.stack(w, &s.goroutine)?;
        for e in s.waited_on_by.iter().take(5) {
            writeln!(w, "{}", wrap(&visible(&format!("waited on by {}", stuck::waiter_text(e))), 100, "   "))?;
        }
        if s.behind > 0 {
            writeln!(w, "{}", wrap(&stuck::behind_text(s.behind, &s.behind_ids), 100, "   "))?;
        }
        if s.beyond.is_empty() {
            self.waits_on(w, &s.waits_on)
        } else {
            self.chain(w, s.goroutine.goroutine.id, &s.beyond)
        }
    }

    /// A chain past a goroutine, hop by hop, down to the goroutine it comes to.
    fn chain(&self, w: &mut dyn Write, from: Option<u64>, hops: &[EdgeInfo]) -> io::Result<()> {
        writeln!(w, "   the chain:")?;
        let mut at = from;
        for e in hops {
            writeln!(w, "{}", wrap(&format!("- {}", stuck::hop_text(at, e)), 100, "     "))?;
            at = e.goroutine.id;
        }
        Ok(())
    }

    /// The other side of a goroutine's wait, when it is not a lock.
    fn waits_on(&self, w: &mut dyn Write, edges: &[EdgeInfo]) -> io::Result<()> {
        let Some(first) = edges.first() else { return Ok(()) };
        writeln!(w, "   {}", stuck::waits_on_heading(first.waits_on))?;
        for e in edges.iter().take(5) {
            writeln!(w, "{}", wrap(&visible(&format!("- {}", stuck::edge_text(e))), 100, "     "))?;
        }
        if edges.len() > 5 {
            writeln!(w, "     - … and {} more", edges.len() - 5)?;
        }
        Ok(())
    }

    fn evidence(&self, w: &mut dyn Write, items: &[Evidence]) -> io::Result<()> {
        for e in items {
            writeln!(w, "{}", wrap(&format!("- {}", visible(&evidence::text(e))), 100, "     "))?;
        }
        Ok(())
    }

    /// Writes the top of a stack, folding runs of the same function (deep recursion).
    fn stack(&self, w: &mut dyn Write, g: &GoroutineInfo) -> io::Result<()> {
        let s = self.s;
        let frames = &g.frames;
        let mut shown = 0;
        // The lock machinery at the top of a waiting stack is one line, not five.
        let mut i = frames.iter().take_while(|f| f.machinery).count();
        if i > 0 && i < frames.len() {
            let inner = visible(short(&frames[i - 1].func));
            writeln!(
                w,
                "       {}",
                s.paint(&fit(&format!("[{inner} and {} more runtime/sync frames]", i - 1), 93), Paint::Dim)
            )?;
        } else {
            i = 0;
        }
        while i < frames.len() && shown < HOLDER_FRAMES {
            let f = &frames[i];
            let mut run = 1;
            while i + run < frames.len() && frames[i + run].func == f.func {
                run += 1;
            }
            let file = visible(f.file.rsplit('/').next().unwrap_or(""));
            let name = visible(short(&f.func));
            let times = if run > 1 { format!(" ×{run}") } else { String::new() };
            let text = format!("{name}{times}");
            // Name and place fit 100 columns: a generic function's name is elided first.
            let loc = fit(&format!("{file}:{}", f.line), 40);
            let room = 92 - loc.chars().count();
            let text = fit(&text, room);
            let pad = room.min(60);
            let loc = s.paint(&loc, Paint::Dim);
            if f.library {
                writeln!(w, "       {} {loc}", s.paint_padded(&text, pad, Paint::Dim))?;
            } else {
                writeln!(w, "       {text:<pad$} {loc}")?;
            }
            shown += 1;
            i += run;
        }
        if i < frames.len() {
            writeln!(w, "       {}", s.paint(&format!("… {} more frames", frames.len() - i), Paint::Dim))?;
        }
        Ok(())
    }

    /// Writes waiters folded by the functions on their stacks, one line per group: count,
    /// state (with the longest wait), the first application frames; then their ids.
    fn waiter_groups(&self, w: &mut dyn Write, groups: Option<&WaiterGroups>) -> io::Result<()> {
        let Some(groups) = groups else { return Ok(()) };
        for g in groups.groups.iter().take(WAITER_GROUPS) {
            let mins = g.longest_wait.map_or(String::new(), |m| format!(", {m}+ min"));
            let read = if g.read { " (read)" } else { "" };
            let op = visible(g.operation.as_deref().unwrap_or(""));
            let head = format!("     {:>5} × {op} [{}{mins}]{read}", g.count, visible(words::state(&g.state)));
            writeln!(w, "{}", fit(&head, 100))?;
            writeln!(w, "             {}", fit(&visible(&g.route), 87))?;
            let ids = format!("goroutines {}", words::abbreviate_ids(&g.ids, g.members, IDS_SHOWN));
            writeln!(w, "             {}", self.s.paint(&fit(&ids, 87), Paint::Dim))?;
        }
        if groups.groups.len() > WAITER_GROUPS {
            let rest: u64 = groups.groups[WAITER_GROUPS..].iter().map(|g| g.count).sum();
            writeln!(w, "     … {rest} more in {} other stack shapes", groups.groups.len() - WAITER_GROUPS)?;
        }
        Ok(())
    }
}
