//! The wait-for graph in Graphviz DOT. Waiters of a lock that hold nothing are folded into
//! one node per stack shape ("30 × (*Root).Get"), so a dump with thousands of waiters still
//! draws as a readable picture: `holdup graph dump.txt | dot -Tsvg > graph.svg`.

use std::io::{self, Write};

use crate::infer::{Confidence, short};
use crate::report::model::{Node, Report};

/// Escapes a string for a double-quoted DOT label (control characters made visible: a raw
/// line break or escape sequence has no business in a label).
fn esc(s: &str) -> String {
    crate::report::esc::visible(s).replace('\\', "\\\\").replace('"', "\\\"")
}

/// Writes the graphs of several reports (built with
/// [`Parts::graph`](crate::report::model::Parts)) as one DOT document, one cluster per dump.
pub fn write(w: &mut dyn Write, reports: &[&Report]) -> io::Result<()> {
    writeln!(w, "digraph holdup {{")?;
    writeln!(w, "  rankdir=LR;")?;
    writeln!(w, "  node [fontname=\"Helvetica\", fontsize=10];")?;
    for (n, r) in reports.iter().enumerate() {
        let Some(graph) = &r.graph else { continue };
        writeln!(w, "  subgraph cluster_{n} {{")?;
        writeln!(w, "    label=\"{} #{}\";", esc(&r.source), r.index)?;
        let p = format!("d{n}_");
        let name = |node: usize| match &graph.nodes[node] {
            Node::Lock { lock } => format!("{p}L{lock}"),
            Node::Goroutine { goroutine, .. } => format!("{p}g{}", goroutine.index),
            Node::Waiters { lock, group, .. } => format!("{p}L{lock}w{group}"),
        };
        let top = |t: &Option<String>| t.as_deref().map_or(String::new(), |t| esc(short(t)));
        for (li, l) in r.locks.iter().enumerate() {
            let addr = l.address.map_or("address unknown".to_string(), |x| format!("{x:#x}"));
            writeln!(
                w,
                "    {p}L{li} [shape=ellipse, style=filled, fillcolor=\"#fff2cc\", label=\"{} {}\\n{}\\n{}\"];",
                l.id,
                l.kind.as_str(),
                addr,
                esc(short(l.site()))
            )?;
        }
        let mut drawn = vec![false; graph.nodes.len()];
        let mut node = |w: &mut dyn Write, i: usize| -> io::Result<()> {
            if std::mem::replace(&mut drawn[i], true) {
                return Ok(());
            }
            match &graph.nodes[i] {
                Node::Goroutine { goroutine, state, top: t, blocker, .. } => {
                    let color = if *blocker { "#f4cccc" } else { "#ffffff" };
                    writeln!(
                        w,
                        "    {} [shape=box, style=filled, fillcolor=\"{color}\", label=\"goroutine {}\\n[{}]\\n{}\"];",
                        name(i),
                        goroutine.id.map_or("?".to_string(), |i| i.to_string()),
                        esc(state),
                        top(t)
                    )
                }
                Node::Waiters { count, top: t, state, .. } => writeln!(
                    w,
                    "    {} [shape=box, style=\"rounded\", label=\"{count} × {}\\n[{}]\"];",
                    name(i),
                    top(t),
                    esc(state)
                ),
                Node::Lock { .. } => Ok(()),
            }
        };
        for (li, edges) in graph.locks.iter().enumerate() {
            if let Some((h, c)) = edges.held_by {
                node(w, h)?;
                let style = match c.0 {
                    Confidence::High => "solid",
                    Confidence::Medium => "dashed",
                    Confidence::Low => "dotted",
                };
                writeln!(
                    w,
                    "    {p}L{li} -> {} [label=\"held by ({})\", style={style}, color=\"#cc0000\"];",
                    name(h),
                    c.0.as_str()
                )?;
            }
            for &(g, read) in edges.waiters.iter().chain(&edges.groups) {
                node(w, g)?;
                writeln!(w, "    {} -> {p}L{li} [label=\"{}\"];", name(g), mode_word(read))?;
            }
        }
        writeln!(w, "  }}")?;
    }
    writeln!(w, "}}")
}

fn mode_word(read: bool) -> &'static str {
    if read { "waits (read)" } else { "waits" }
}
