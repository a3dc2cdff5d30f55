//! Folded stacks, the input of flame graph tools (inferno, flamegraph.pl, speedscope):
//! `holdup groups --format collapsed`, one line per group of goroutines with the same stack,
//! `outermost;…;innermost COUNT`. The HTML report draws its flame graph from the same lines.

use std::io::{self, Write};

use crate::infer::short;
use crate::report::esc::visible;
use crate::report::model::GroupInfo;

/// One group as a folded line: its first member's functions, outermost first, then how many
/// goroutines it has. `short` names functions without their module path (for the HTML page's
/// narrow frames); the file output keeps full names.
pub fn line(g: &GroupInfo, short_names: bool) -> String {
    let mut s = String::new();
    for (i, f) in g.frames.iter().rev().enumerate() {
        if i > 0 {
            s.push(';');
        }
        let name = if short_names { short(&f.func) } else { &f.func };
        // `;` separates frames and a line break ends the record: a name from the dump can
        // hold neither.
        s.push_str(&visible(name).replace(';', ":"));
    }
    if g.frames.is_empty() {
        s.push_str("(no frames)");
    }
    s.push(' ');
    s.push_str(&g.count.to_string());
    s
}

/// Writes every group as a folded line.
pub fn write(w: &mut dyn Write, groups: &[GroupInfo]) -> io::Result<()> {
    for g in groups {
        writeln!(w, "{}", line(g, false))?;
    }
    Ok(())
}
