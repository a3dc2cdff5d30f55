//! `holdup groups`: goroutines folded into groups of the same stack, largest first.

use std::collections::BTreeMap;
use std::io::{self, Write};

use colored::Colorize;
use serde::Serialize;

use crate::group::{Group, Similarity};
use crate::infer::short;
use crate::model::Dump;
use crate::report::esc::visible;

/// The schema name of `holdup groups --format json`.
pub const SCHEMA: &str = "holdup.groups/v1";

/// The JSON view of one dump's groups.
#[derive(Serialize)]
pub struct DumpGroups {
    source: String,
    index: usize,
    similarity: &'static str,
    goroutines: u64,
    groups: Vec<GroupJson>,
}

#[derive(Serialize)]
struct GroupJson {
    count: u64,
    states: BTreeMap<String, u64>,
    wait_minutes: Option<(u32, u32)>,
    ids: Vec<u64>,
    frames: Vec<FrameJson>,
    created_by: Option<FrameJson>,
}

#[derive(Serialize)]
struct FrameJson {
    func: String,
    file: String,
    line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Option<String>,
}

/// The name of a similarity, as on the command line.
pub fn similarity_name(s: Similarity) -> &'static str {
    match s {
        Similarity::Exact => "exact",
        Similarity::Args => "args",
        Similarity::Lines => "lines",
    }
}

fn states(d: &Dump, g: &Group) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for &i in &g.members {
        let gr = &d.goroutines[i];
        *m.entry(d.state(gr).to_string()).or_insert(0) += u64::from(gr.count);
    }
    m
}

fn wait_range(d: &Dump, g: &Group) -> Option<(u32, u32)> {
    let ws = g.members.iter().filter_map(|&i| d.goroutines[i].wait_minutes);
    ws.fold(None, |acc, w| Some(acc.map_or((w, w), |(lo, hi): (u32, u32)| (lo.min(w), hi.max(w)))))
}

/// Builds the JSON view.
pub fn dump_groups(d: &Dump, index: usize, sim: Similarity, groups: &[Group]) -> DumpGroups {
    DumpGroups {
        source: d.source.clone(),
        index,
        similarity: similarity_name(sim),
        goroutines: groups.iter().map(|g| g.count).sum(),
        groups: groups
            .iter()
            .map(|g| {
                let first = &d.goroutines[g.members[0]];
                GroupJson {
                    count: g.count,
                    states: states(d, g),
                    wait_minutes: wait_range(d, g),
                    ids: g.members.iter().filter_map(|&i| d.goroutines[i].id).collect(),
                    frames: d
                        .frames(first)
                        .map(|f| FrameJson {
                            func: f.func.full.clone(),
                            file: f.site.file.clone(),
                            line: f.site.line,
                            args: (sim == Similarity::Exact).then(|| f.args.to_string()),
                        })
                        .collect(),
                    created_by: first.created_by.as_ref().map(|c| {
                        let (func, site) = d.created_by(c);
                        FrameJson { func: func.full.clone(), file: site.file.clone(), line: site.line, args: None }
                    }),
                }
            })
            .collect(),
    }
}

/// Abbreviates a list of ids: the first few, then how many more.
pub fn abbreviate_ids(d: &Dump, members: &[usize], show: usize) -> String {
    let mut s: Vec<String> =
        members.iter().take(show).map(|&i| d.goroutines[i].id.map_or("?".into(), |x| x.to_string())).collect();
    if members.len() > show {
        s.push(format!("… ({} in all)", members.len()));
    }
    s.join(", ")
}

/// Writes the groups of one dump for people.
pub fn write_text(w: &mut dyn Write, d: &Dump, sim: Similarity, groups: &[Group], max_frames: usize) -> io::Result<()> {
    let total: u64 = groups.iter().map(|g| g.count).sum();
    writeln!(
        w,
        "{}: {total} goroutines in {} groups (similarity: {})",
        visible(&d.source).bold(),
        groups.len(),
        similarity_name(sim)
    )?;
    for g in groups {
        let st = states(d, g);
        let st: Vec<String> = if st.len() == 1 {
            st.keys().cloned().collect()
        } else {
            st.iter().map(|(s, n)| format!("{s} ×{n}")).collect()
        };
        let waits = match wait_range(d, g) {
            Some((lo, hi)) if lo == hi => format!(", {lo} minutes"),
            Some((lo, hi)) => format!(", {lo}–{hi} minutes"),
            None => String::new(),
        };
        writeln!(w, "\n{:>7} × [{}{waits}]", g.count.to_string().bold(), visible(&st.join(", ")))?;
        writeln!(w, "          {}", format!("goroutines {}", abbreviate_ids(d, &g.members, 8)).dimmed())?;
        let first = &d.goroutines[g.members[0]];
        let n = first.frames.len();
        for f in d.frames(first).take(max_frames) {
            let file = visible(f.site.file.rsplit('/').next().unwrap_or(""));
            let args = if sim == Similarity::Exact { format!("({})", visible(f.args)) } else { String::new() };
            writeln!(
                w,
                "          {:<64} {}",
                format!("{}{args}", visible(short(&f.func.full))),
                format!("{file}:{}", f.site.line).dimmed()
            )?;
        }
        if n > max_frames {
            writeln!(w, "          {}", format!("… {} more frames", n - max_frames).dimmed())?;
        }
        if let Some(c) = &first.created_by {
            let (func, _) = d.created_by(c);
            writeln!(w, "          {}", format!("created by {}", visible(short(&func.full))).dimmed())?;
        }
    }
    writeln!(w)
}

/// A goroutine's state as reports show it (a header-less goroutine has none).
pub(crate) fn state_of(d: &Dump, g: usize) -> &str {
    match d.state(&d.goroutines[g]) {
        "" => "state unknown",
        s => s,
    }
}

/// Writes goroutines folded by stack shape, one line each: count, state (with the longest
/// wait), the first application frames; then their ids. `note` adds a word to a group's line
/// (e.g. ` (read)` for RWMutex readers). Used under findings and in diffs.
pub fn write_shapes(
    w: &mut dyn Write,
    d: &Dump,
    gs: &[usize],
    max: usize,
    note: &dyn Fn(usize) -> &'static str,
) -> io::Result<()> {
    let groups = crate::group::group(d, gs, Similarity::Lines);
    for g in groups.iter().take(max) {
        let first = g.members[0];
        let gr = &d.goroutines[first];
        let path: Vec<std::borrow::Cow<'_, str>> = d
            .frames(gr)
            .filter(|f| !f.func.is_stdlib() && !f.func.is_sync_or_runtime())
            .take(4)
            .map(|f| visible(short(&f.func.full)))
            .collect();
        let state = visible(state_of(d, first));
        let mins = g.members.iter().filter_map(|&i| d.goroutines[i].wait_minutes).max();
        let mins = mins.map_or(String::new(), |m| format!(", {m}+ min"));
        writeln!(w, "     {:>5} × [{state}{mins}]{} {}", g.count, note(first), path.join(" ← "))?;
        writeln!(w, "             {}", format!("goroutines {}", abbreviate_ids(d, &g.members, 6)).dimmed())?;
    }
    if groups.len() > max {
        let rest: u64 = groups[max..].iter().map(|g| g.count).sum();
        writeln!(w, "     … {rest} more in {} other stack shapes", groups.len() - max)?;
    }
    Ok(())
}
