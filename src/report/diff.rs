//! `holdup diff`: two dumps compared, for people (text) and scripts (`holdup.diff/v1`).

use std::io::{self, Write};

use colored::Colorize;
use serde::Serialize;

use crate::analysis::Analysis;
use crate::diff::Diff;
use crate::infer::short;
use crate::model::Dump;

/// The schema name.
pub const SCHEMA: &str = "holdup.diff/v1";

/// The JSON document. `stuck`, `new`, `gone` and `persisting_holders` are goroutine ids.
#[derive(Serialize)]
pub struct DiffDoc {
    schema: &'static str,
    old_dump: DumpRef,
    new_dump: DumpRef,
    seconds_apart: Option<i64>,
    stuck: Vec<u64>,
    changed: Vec<u64>,
    new: Vec<u64>,
    gone: Vec<u64>,
    persisting_holders: Vec<u64>,
    persisting_locks: Vec<PersistingLock>,
    /// Why the dumps may not be of one process (see `diff::mismatch`); empty when they look it.
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct DumpRef {
    source: String,
    index: usize,
    goroutines: u64,
}

#[derive(Serialize)]
struct PersistingLock {
    old_id: String,
    new_id: String,
    kind: &'static str,
    address: Option<String>,
    site: String,
    old_waiters: usize,
    new_waiters: usize,
    holder: Option<u64>,
    holder_persists: bool,
}

fn ids(d: &Dump, gs: impl Iterator<Item = usize>) -> Vec<u64> {
    gs.filter_map(|g| d.goroutines[g].id).collect()
}

/// Builds the JSON document.
pub fn doc(old: &Analysis<'_>, oi: usize, new: &Analysis<'_>, ni: usize, r: &Diff) -> DiffDoc {
    let (od, nd) = (old.dump, new.dump);
    DiffDoc {
        schema: SCHEMA,
        old_dump: DumpRef { source: od.source.clone(), index: oi, goroutines: od.goroutine_count() },
        new_dump: DumpRef { source: nd.source.clone(), index: ni, goroutines: nd.goroutine_count() },
        seconds_apart: r.seconds_apart,
        warnings: r.warnings.clone(),
        stuck: ids(nd, r.stuck.iter().map(|p| p.1)),
        changed: ids(nd, r.changed.iter().map(|p| p.1)),
        new: ids(nd, r.new.iter().copied()),
        gone: ids(od, r.gone.iter().copied()),
        persisting_holders: ids(nd, r.persisting_holders.iter().map(|p| p.2)),
        persisting_locks: r
            .persisting_locks
            .iter()
            .map(|&(ol, nl)| {
                let l = &new.locks[nl];
                let holder = new.holders[nl].first().and_then(|h| nd.goroutines[h.goroutine].id);
                PersistingLock {
                    old_id: old.locks[ol].id.clone(),
                    new_id: l.id.clone(),
                    kind: l.kind.as_str(),
                    address: l.addr.map(|a| format!("{a:#x}")),
                    site: nd.func(l.site()).full.clone(),
                    old_waiters: old.locks[ol].waiters.len(),
                    new_waiters: l.waiters.len(),
                    holder,
                    holder_persists: r.persisting_holders.iter().any(|p| p.1 == nl),
                }
            })
            .collect(),
    }
}

fn write_groups(w: &mut dyn Write, d: &Dump, gs: &[usize], max: usize) -> io::Result<()> {
    crate::report::groups::write_shapes(w, d, gs, max, &|_| "")
}

/// Writes the comparison for people.
pub fn write_text(w: &mut dyn Write, old: &Analysis<'_>, new: &Analysis<'_>, r: &Diff) -> io::Result<()> {
    let (od, nd) = (old.dump, new.dump);
    let apart = r.seconds_apart.map_or(String::new(), |s| format!(", {s} s apart (from the file names)"));
    writeln!(
        w,
        "{} → {}: {} → {} goroutines{apart}",
        od.source.bold(),
        nd.source.bold(),
        od.goroutine_count(),
        nd.goroutine_count()
    )?;
    if !r.persisting_holders.is_empty() {
        writeln!(w, "\n  {}", "still holding (the same goroutine is the best holder in both dumps):".red().bold())?;
        for &(ol, nl, g) in &r.persisting_holders {
            let l = &new.locks[nl];
            let gr = &nd.goroutines[g];
            let top = nd.frames(gr).find(|f| !f.func.is_stdlib() && !f.func.is_sync_or_runtime());
            writeln!(
                w,
                "    goroutine {} [{}] holds {} ({}, locked in {}) — {} waiters then, {} now",
                gr.id.map_or("?".into(), |i| i.to_string()),
                nd.state(gr),
                l.id,
                l.addr.map_or("address unknown".into(), |a| format!("{a:#x}")),
                short(&nd.func(l.site()).full),
                old.locks[ol].waiters.len(),
                l.waiters.len(),
            )?;
            if let Some(f) = top {
                writeln!(w, "      in {}", short(&f.func.full))?;
            }
        }
    }
    let waits: Vec<_> =
        r.persisting_locks.iter().filter(|p| !r.persisting_holders.iter().any(|h| h.1 == p.1)).collect();
    if !waits.is_empty() {
        writeln!(w, "\n  lock waits in both dumps:")?;
        for &&(ol, nl) in &waits {
            let l = &new.locks[nl];
            writeln!(
                w,
                "    {} {} (locked in {}): {} waiters then, {} now",
                l.id,
                l.addr.map_or("address unknown".into(), |a| format!("{a:#x}")),
                short(&nd.func(l.site()).full),
                old.locks[ol].waiters.len(),
                l.waiters.len()
            )?;
        }
    }
    writeln!(w, "\n  stuck: {} goroutines in the same place in both dumps", r.stuck.len().to_string().bold())?;
    write_groups(w, nd, &r.stuck.iter().map(|p| p.1).collect::<Vec<_>>(), 8)?;
    writeln!(w, "\n  moved: {} goroutines in both dumps, elsewhere", r.changed.len())?;
    write_groups(w, nd, &r.changed.iter().map(|p| p.1).collect::<Vec<_>>(), 4)?;
    writeln!(w, "\n  finished: {} goroutines only in the old dump", r.gone.len())?;
    write_groups(w, od, &r.gone, 4)?;
    writeln!(w, "\n  started: {} goroutines only in the new dump", r.new.len())?;
    write_groups(w, nd, &r.new, 4)?;
    writeln!(w)
}
