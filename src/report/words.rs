//! The words the renderers share: how a lock, a state and a list of goroutines read, so that
//! text, HTML and Markdown say the same thing in the same words.

use crate::infer::short;
use crate::locks::LockKind;
use crate::report::model::LockInfo;

/// What a lock without a live holder means.
pub const NO_HOLDER: &str = "no live holder found — the lock may have been leaked by a goroutine that returned without Unlock, or the holder is missing from this dump";

/// A goroutine's state as reports show it (a header-less goroutine has none).
pub fn state(s: &str) -> &str {
    if s.is_empty() { "state unknown" } else { s }
}

/// The verb of a holder at a confidence: a guess is worded as one.
pub fn holds_verb(c: crate::infer::Confidence) -> &'static str {
    match c {
        crate::infer::Confidence::High => "holds",
        crate::infer::Confidence::Medium => "most likely holds",
        crate::infer::Confidence::Low => "may hold",
    }
}

/// What a confidence means, for the line above a holder's stack.
pub fn confidence_phrase(c: crate::infer::Confidence) -> &'static str {
    match c {
        crate::infer::Confidence::High => "high confidence: its own frames point at the lock",
        crate::infer::Confidence::Medium => "medium confidence: clearly ahead of the other candidates",
        crate::infer::Confidence::Low => "low confidence: a guess, check the other candidates",
    }
}

/// A lock as a headline names it: `mutex 0xc0000dc980`, `RWMutex in the object at 0x…`.
pub fn lock_phrase(l: &LockInfo) -> String {
    let kind = match l.kind {
        LockKind::Mutex => "mutex",
        LockKind::RwMutex => "RWMutex",
    };
    match (l.address, l.owner) {
        (Some(a), _) => format!("{kind} {a:#x}"),
        (None, Some(o)) => format!("the {kind} in the object at {o:#x}"),
        (None, None) => format!("the {kind} waited for in {}", short(l.site())),
    }
}

/// Goroutines by operation, largest first: `30 ContainerCreate, 10 Cleanup` (at most `max`,
/// then `and N more`).
pub fn operations(by: &std::collections::BTreeMap<String, usize>, max: usize) -> String {
    let mut e: Vec<(&String, &usize)> = by.iter().collect();
    e.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
    let mut parts: Vec<String> = e.iter().take(max).map(|(k, v)| format!("{v} {k}")).collect();
    let rest: usize = e.iter().skip(max).map(|(_, v)| **v).sum();
    if rest > 0 {
        parts.push(format!("{rest} more"));
    }
    parts.join(", ")
}

/// The lock in words: `mutex 0xc0000dc980 waited for in local.(*Root).Get`. Where a holder
/// took the lock is not in a dump: the place named is where the waiters wait.
pub fn describe_lock(l: &LockInfo) -> String {
    let kind = match l.kind {
        LockKind::Mutex => "mutex",
        LockKind::RwMutex => "RWMutex",
    };
    let at = match (l.address, l.owner) {
        (Some(a), _) => format!(" {a:#x}"),
        (None, Some(o)) => format!(" in the object at {o:#x}"),
        (None, None) => " (address not printed)".to_string(),
    };
    format!("{kind}{at} waited for in {}", short(l.site()))
}

/// The first `show` of a group's ids, then how many records it has in all.
pub fn abbreviate_ids(ids: &[Option<u64>], members: usize, show: usize) -> String {
    let mut s: Vec<String> = ids.iter().take(show).map(|i| i.map_or("?".into(), |x| x.to_string())).collect();
    if members > show {
        s.push(format!("… ({members} in all)"));
    }
    s.join(", ")
}
