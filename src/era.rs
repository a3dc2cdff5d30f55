//! Guessing which Go releases could have printed a dump, from what it prints.
//!
//! Each clue bounds the range from below or above; the result is the intersection. The
//! facts come from the runtime sources of each release (see `docs/go-runtime-facts.md`).

use crate::model::{Dump, Era, GoVersion};
use crate::parse::Clues;

/// Narrows the Go release range of a parsed dump.
pub fn guess(d: &Dump, c: &Clues) -> Era {
    let mut e = Era::default();
    let at_least = |e: &mut Era, v: GoVersion, why: &str| {
        e.min = Some(e.min.map_or(v, |m| m.max(v)));
        e.clues.push(format!("{why} ({v}+)"));
    };
    let at_most = |e: &mut Era, v: GoVersion, why: &str| {
        e.max = Some(e.max.map_or(v, |m| m.min(v)));
        e.clues.push(format!("{why} (≤{v})"));
    };
    if c.labels {
        at_least(&mut e, GoVersion(1, 27), "goroutine labels in headers");
    }
    if c.gp_header {
        at_least(&mut e, GoVersion(1, 23), "`gp=… m=…` in headers");
    }
    if c.created_in_goroutine {
        at_least(&mut e, GoVersion(1, 21), "`created by … in goroutine N`");
    } else if c.created_without_goroutine {
        at_most(&mut e, GoVersion(1, 20), "`created by` without `in goroutine N`");
    }
    if c.frames_elided_count {
        at_least(&mut e, GoVersion(1, 21), "`...N frames elided...`");
    }
    if c.frames_elided_old {
        at_most(&mut e, GoVersion(1, 20), "`...additional frames elided...`");
    }
    if c.question_args {
        at_least(&mut e, GoVersion(1, 17), "`?` after argument words (register ABI)");
    }
    let has_func = |pred: &dyn Fn(&str) -> bool| d.funcs.iter().any(|f| pred(&f.full));
    if has_func(&|f| f.starts_with("internal/sync.")) {
        at_least(&mut e, GoVersion(1, 24), "`internal/sync` frames");
    } else if has_func(&|f| f == "sync.(*Mutex).lockSlow") {
        at_least(&mut e, GoVersion(1, 14), "`sync.(*Mutex).lockSlow`");
    }
    if has_func(&|f| f.contains('·')) {
        at_most(&mut e, GoVersion(1, 4), "`·` in function names");
    }
    // Go 1.20 named the lock waits (before: `semacquire`); `sync.WaitGroup.Wait` came with
    // Go 1.24. `sync.Cond.Wait` is much older and dates nothing.
    let mutex_reasons = ["sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock"];
    if d.states.iter().any(|s| s == "sync.WaitGroup.Wait") {
        at_least(&mut e, GoVersion(1, 24), "`[sync.WaitGroup.Wait]` wait reason");
    } else if d.states.iter().any(|s| mutex_reasons.contains(&s.as_str())) {
        at_least(&mut e, GoVersion(1, 20), "`[sync.Mutex.Lock]`-style wait reasons");
    }
    // Where the heap starts tells the era of releases before the register ABI.
    match c.heap_top {
        Some(0xc20..=0xc21) => at_most(&mut e, GoVersion(1, 4), "heap addresses 0xc2080…"),
        Some(0xc82) => {
            at_least(&mut e, GoVersion(1, 5), "heap addresses 0xc820…");
            at_most(&mut e, GoVersion(1, 6), "heap addresses 0xc820…");
        }
        Some(0xc42) => {
            at_least(&mut e, GoVersion(1, 7), "heap addresses 0xc420…");
            at_most(&mut e, GoVersion(1, 10), "heap addresses 0xc420…");
        }
        Some(0xc00) => at_least(&mut e, GoVersion(1, 11), "heap addresses 0xc000…"),
        _ => {}
    }
    if let (Some(lo), Some(hi)) = (e.min, e.max)
        && lo > hi
    {
        e.clues.push("the clues disagree: the dump may mix releases or be edited".into());
    }
    e
}
