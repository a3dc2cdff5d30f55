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

/// The lock in words: `mutex 0xc0000dc980 locked in local.(*Root).Get`.
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
    format!("{kind}{at} locked in {}", short(l.site()))
}

/// The first `show` of a group's ids, then how many records it has in all.
pub fn abbreviate_ids(ids: &[Option<u64>], members: usize, show: usize) -> String {
    let mut s: Vec<String> = ids.iter().take(show).map(|i| i.map_or("?".into(), |x| x.to_string())).collect();
    if members > show {
        s.push(format!("… ({members} in all)"));
    }
    s.join(", ")
}
