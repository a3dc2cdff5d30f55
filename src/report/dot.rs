//! The wait-for graph in Graphviz DOT. Waiters of a lock that hold nothing are folded into
//! one node per stack shape ("30 × (*Root).Get"), so a dump with thousands of waiters still
//! draws as a readable picture: `holdup graph dump.txt | dot -Tsvg > graph.svg`.

use std::collections::HashSet;
use std::io::{self, Write};

use crate::analysis::Analysis;
use crate::group::{Similarity, group};
use crate::infer::{Confidence, short};
use crate::locks::Mode;

/// Escapes a string for a double-quoted DOT label.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Writes the graphs of several analyses as one DOT document (one cluster per dump).
pub fn write(w: &mut dyn Write, analyses: &[(usize, Analysis<'_>)]) -> io::Result<()> {
    writeln!(w, "digraph holdup {{")?;
    writeln!(w, "  rankdir=LR;")?;
    writeln!(w, "  node [fontname=\"Helvetica\", fontsize=10];")?;
    for (n, (index, a)) in analyses.iter().enumerate() {
        let d = a.dump;
        writeln!(w, "  subgraph cluster_{n} {{")?;
        writeln!(w, "    label=\"{} #{index}\";", esc(&d.source))?;
        let p = format!("d{n}_");
        let holders: HashSet<usize> = a.holders.iter().filter_map(|h| h.first().map(|h| h.goroutine)).collect();
        let blockers: HashSet<usize> = a.blockers.iter().map(|b| b.goroutine).collect();
        let gid = |g: usize| d.goroutines[g].id.map_or("?".to_string(), |i| i.to_string());
        let top = |g: usize| {
            d.frames(&d.goroutines[g])
                .find(|f| !f.func.is_sync_or_runtime() && !f.func.is_stdlib())
                .map_or(String::new(), |f| short(&f.func.full).to_string())
        };
        for (li, l) in a.locks.iter().enumerate() {
            let addr = l.addr.map_or("address unknown".to_string(), |x| format!("{x:#x}"));
            writeln!(
                w,
                "    {p}L{li} [shape=ellipse, style=filled, fillcolor=\"#fff2cc\", label=\"{} {}\\n{}\\n{}\"];",
                l.id,
                l.kind.as_str(),
                addr,
                esc(short(&d.func(l.site()).full))
            )?;
        }
        let mut drawn: HashSet<usize> = HashSet::new();
        let mut node = |w: &mut dyn Write, g: usize| -> io::Result<()> {
            if drawn.insert(g) {
                let color = if blockers.contains(&g) { "#f4cccc" } else { "#ffffff" };
                writeln!(
                    w,
                    "    {p}g{g} [shape=box, style=filled, fillcolor=\"{color}\", label=\"goroutine {}\\n[{}]\\n{}\"];",
                    gid(g),
                    esc(d.state(&d.goroutines[g])),
                    esc(&top(g))
                )?;
            }
            Ok(())
        };
        for (li, l) in a.locks.iter().enumerate() {
            if let Some(h) = a.holders[li].first() {
                node(w, h.goroutine)?;
                let style = match h.confidence {
                    Confidence::High => "solid",
                    Confidence::Medium => "dashed",
                    Confidence::Low => "dotted",
                };
                writeln!(
                    w,
                    "    {p}L{li} -> {p}g{} [label=\"held by ({})\", style={style}, color=\"#cc0000\"];",
                    h.goroutine,
                    h.confidence.as_str()
                )?;
            }
            // Waiters that hold something are drawn one by one; the rest fold by stack.
            type Waiters = Vec<(usize, Mode)>;
            let (solo, plain): (Waiters, Waiters) = l.waiters.iter().partition(|(g, _)| holders.contains(g));
            for (g, m) in solo {
                node(w, g)?;
                writeln!(w, "    {p}g{g} -> {p}L{li} [label=\"{}\"];", mode_word(m))?;
            }
            let gs: Vec<usize> = plain.iter().map(|&(g, _)| g).collect();
            for (k, grp) in group(d, &gs, Similarity::Lines).iter().enumerate() {
                let first = grp.members[0];
                let mode = plain.iter().find(|&&(g, _)| g == first).map_or(Mode::Write, |&(_, m)| m);
                writeln!(
                    w,
                    "    {p}L{li}w{k} [shape=box, style=\"rounded\", label=\"{} × {}\\n[{}]\"];",
                    grp.count,
                    esc(&top(first)),
                    esc(d.state(&d.goroutines[first]))
                )?;
                writeln!(w, "    {p}L{li}w{k} -> {p}L{li} [label=\"{}\"];", mode_word(mode))?;
            }
        }
        writeln!(w, "  }}")?;
    }
    writeln!(w, "}}")
}

fn mode_word(m: Mode) -> &'static str {
    match m {
        Mode::Read => "waits (read)",
        Mode::Write => "waits",
    }
}
