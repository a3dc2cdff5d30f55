//! The words the renderers share: how a lock, a state and a list of goroutines read, so that
//! text, HTML and Markdown say the same thing in the same words.

use std::collections::BTreeMap;

use crate::infer::{Confidence, short};
use crate::locks::LockKind;
use crate::report::model::{BlockerInfo, DoingInfo, LockInfo, NoHolderFinding, Report};
use crate::waits::WaitKind;

/// What a lock without a live holder means.
pub const NO_HOLDER: &str = "no live holder found — the lock may have been leaked by a goroutine that returned without Unlock, or the holder is missing from this dump";

/// Fewer goroutines than this and a dump is read as an excerpt: a Go server runs more than a
/// handful, and people paste the few goroutines they think matter.
const EXCERPT_BELOW: u64 = 10;

/// What a report with no finding may say about the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calm {
    /// A whole-looking dump in which nothing waits for a lock or is known to be stuck.
    Ok,
    /// The same, but the dump holds blocking work worth a look (the report's notes).
    Busy,
    /// Nothing found, but the dump looks like an excerpt or is damaged: absence of evidence
    /// there says little about the process, so it gets no "OK".
    Excerpt,
}

impl Calm {
    /// The verdict for a report with no finding.
    pub fn of(r: &Report) -> Calm {
        if r.goroutines < EXCERPT_BELOW || r.warnings > 0 {
            Calm::Excerpt
        } else if r.notes.is_empty() {
            Calm::Ok
        } else {
            Calm::Busy
        }
    }

    /// The label before the sentence (`OK`), if the verdict earns one.
    pub fn label(self) -> Option<&'static str> {
        (self == Calm::Ok).then_some("OK")
    }

    /// The verdict in one sentence.
    pub fn sentence(self, r: &Report) -> String {
        match self {
            Calm::Ok | Calm::Busy => "nothing waits for a lock, and no goroutine is known to be stuck.".to_string(),
            Calm::Excerpt => {
                let n = r.goroutines;
                let what = if r.warnings > 0 {
                    "this dump is cut short or damaged (see the warnings)".to_string()
                } else {
                    format!("this dump holds only {n} goroutine{}", if n == 1 { "" } else { "s" })
                };
                format!(
                    "no hang found, but {what}: an excerpt cannot show that the process is healthy; \
                     a whole dump can."
                )
            }
        }
    }
}

/// A goroutine's state as reports show it (a header-less goroutine has none).
pub fn state(s: &str) -> &str {
    if s.is_empty() { "state unknown" } else { s }
}

/// A state with how long it has lasted, as Go printed it (whole minutes, rounded down, so a
/// lower bound): `semacquire, 47+ minutes`.
pub fn state_minutes(s: &str, minutes: Option<u32>) -> String {
    match minutes {
        Some(m) => format!("{}, {m}+ minutes", state(s)),
        None => state(s).to_string(),
    }
}

/// The verb of a holder at a confidence: a guess is worded as one.
pub fn holds_verb(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "holds",
        Confidence::Medium => "most likely holds",
        Confidence::Low => "may hold",
    }
}

/// What a confidence means, for the line above a holder's stack.
pub fn confidence_phrase(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high confidence: its own frames point at the lock",
        Confidence::Medium => "medium confidence: clearly ahead of the other candidates",
        Confidence::Low => "low confidence: a guess, check the other candidates",
    }
}

/// A lock's kind as sentences name it.
fn kind_word(kind: LockKind) -> &'static str {
    match kind {
        LockKind::Mutex => "mutex",
        LockKind::RwMutex => "RWMutex",
    }
}

/// A lock as a headline names it: `mutex 0xc0000dc980`, `RWMutex in the object at 0x…`.
pub fn lock_phrase(l: &LockInfo) -> String {
    let kind = kind_word(l.kind);
    match (l.address, l.owner) {
        (Some(a), _) => format!("{kind} {a:#x}"),
        (None, Some(o)) => format!("the {kind} in the object at {o:#x}"),
        (None, None) => format!("the {kind} waited for in {}", short(l.site())),
    }
}

/// Goroutines by operation, largest first: `30 ContainerCreate, 10 Cleanup` (at most `max`,
/// then `and N more`).
pub fn operations(by: &BTreeMap<String, usize>, max: usize) -> String {
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
    lock_words(l.kind, l.address, l.owner, l.site())
}

/// [`describe_lock`] from a lock's parts (`site`: the lock site's full name), for what
/// words a lock of the analysis rather than of a report (`check`, the crate's example).
pub fn lock_words(kind: LockKind, address: Option<u64>, owner: Option<u64>, site: &str) -> String {
    let at = match (address, owner) {
        (Some(a), _) => format!(" {a:#x}"),
        (None, Some(o)) => format!(" in the object at {o:#x}"),
        (None, None) => " (address not printed)".to_string(),
    };
    format!("{}{at} waited for in {}", kind_word(kind), short(site))
}

/// What a goroutine is doing with the path of the calls: `deleting a directory tree:
/// os.RemoveAll → unix.Unlinkat` (`outer` and `inner`: full names).
pub fn doing_words(phrase: &str, outer: Option<&str>, inner: &str) -> String {
    match outer {
        Some(o) => format!("{phrase}: {} → {}", short(o), short(inner)),
        None => format!("{phrase}: {}", short(inner)),
    }
}

/// [`doing_words`] for a sentence that already names the goroutine's place `at` (full
/// name): the words alone when the work is done in that very function (`in mount.mount
/// (mounting a file system)`, not `… (mounting a file system: mount.mount)`).
pub fn doing_at(phrase: &str, outer: Option<&str>, inner: &str, at: Option<&str>) -> String {
    if outer.is_none() && at == Some(inner) { phrase.to_string() } else { doing_words(phrase, outer, inner) }
}

/// [`doing_words`] of a report's [`DoingInfo`].
pub fn doing_text(x: &DoingInfo) -> String {
    doing_words(x.phrase, x.outer.as_deref(), &x.inner)
}

/// What a holder is doing, for its headline: the words of [`crate::doing`]'s table with the
/// path of the calls, else what it waits in; `None` for running code the table does not
/// know (its state is shown with its stack).
pub fn holder_doing(b: &BlockerInfo) -> Option<String> {
    match (&b.doing, b.waits_in) {
        (Some(x), _) => Some(doing_at(x.phrase, x.outer.as_deref(), &x.inner, b.at.as_deref())),
        (None, WaitKind::Running | WaitKind::Runnable | WaitKind::Other) => None,
        (None, k) => Some(crate::doing::wait_phrase(k).to_string()),
    }
}

/// `N goroutine(s) wait: 30 ContainerCreate, 10 Cleanup`, the operations at most `max`.
pub fn waiting(n: usize, by_operation: &BTreeMap<String, usize>, max: usize) -> String {
    // One goroutine: its operation without a count.
    let ops = match (n, by_operation.keys().next()) {
        (1, Some(op)) if by_operation.len() == 1 => op.clone(),
        _ => operations(by_operation, max),
    };
    let ops = if ops.is_empty() { String::new() } else { format!(": {ops}") };
    format!("{n} {}{ops}", goroutines_wait(n))
}

/// `goroutine waits` or `goroutines wait`, as the count asks.
pub fn goroutines_wait(n: usize) -> &'static str {
    if n == 1 { "goroutine waits" } else { "goroutines wait" }
}

/// The title over a finding's folded waiters, the same in every format: `40 goroutines wait:
/// 30 ContainerCreate, 10 Cleanup; the longest for 47+ minutes`.
pub fn waiters_title(n: usize, by_operation: &BTreeMap<String, usize>, longest: Option<u32>) -> String {
    let longest = longest.map_or(String::new(), |m| format!("; the longest for {m}+ minutes"));
    format!("{}{longest}", waiting(n, by_operation, HEADLINE_OPERATIONS))
}

/// The title over the goroutines that wait behind a deadlock, outside its cycle: `behind the
/// cycle, 3 goroutines wait: 2 ContainerInspect, 1 Containers`.
pub fn behind_cycle_title(n: usize, by_operation: &BTreeMap<String, usize>) -> String {
    format!("behind the cycle, {}", waiting(n, by_operation, HEADLINE_OPERATIONS))
}

/// A blocker's headline in its parts, so that a renderer can break lines between them:
/// `goroutine 197 in local.(*Root).Remove` `(deleting a directory tree: os.RemoveAll →
/// unix.Unlinkat)` `holds mutex 0xc0000dc980` `— 40 goroutines wait: 30 ContainerCreate, 10
/// Cleanup`.
pub struct Headline {
    /// Who: `goroutine 197 in local.(*Root).Remove`.
    pub who: String,
    /// What it is doing, in parentheses, when known.
    pub doing: Option<String>,
    /// What it holds, with the verb its confidence allows: `holds mutex 0xc0000dc980`.
    pub holds: String,
    /// Who waits: `— 40 goroutines wait: 30 ContainerCreate, 10 Cleanup`.
    pub waits: String,
}

impl Headline {
    /// The parts in reading order.
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.who.as_str())
            .chain(self.doing.as_deref())
            .chain([self.holds.as_str(), self.waits.as_str()])
    }

    /// The headline on one line.
    pub fn line(&self) -> String {
        self.parts().collect::<Vec<_>>().join(" ")
    }
}

/// How many operations a headline lists before `N more`.
const HEADLINE_OPERATIONS: usize = 4;

/// The headline of blocker `b` of report `r`: who blocks whom, doing what. A guess is worded
/// as one ([`holds_verb`]).
pub fn blocker_headline(r: &Report, b: &BlockerInfo) -> Headline {
    let conf = if b.has_holder { b.confidence } else { Confidence::Low };
    let at = b.at.as_deref().map_or(String::new(), |f| format!(" in {}", short(f)));
    let held: Vec<String> = b.holds.iter().map(|&l| lock_phrase(&r.locks[l])).collect();
    Headline {
        who: format!("goroutine {}{at}", b.goroutine.goroutine.id.map_or("(no id)".to_string(), |i| i.to_string())),
        doing: holder_doing(b).map(|x| format!("({x})")),
        holds: format!("{} {}", holds_verb(conf), held.join(" and ")),
        waits: format!("— {}", waiting(b.blocked, &b.by_operation, HEADLINE_OPERATIONS)),
    }
}

/// The headline of a lock without a holder, in its parts (the lock, who waits, how long):
/// `L3 mutex 0xc… waited for in service.(*VolumeStore).Get` `— 12 goroutines wait: 8 Get, 4
/// List;` `the longest for 30+ minutes`.
pub fn no_holder_headline(r: &Report, f: &NoHolderFinding) -> Vec<String> {
    let lock = &r.locks[f.lock];
    let waits = format!("— {}", waiting(lock.waiters.len(), &f.by_operation, HEADLINE_OPERATIONS));
    let mut parts = vec![format!("{} {}", lock.id, describe_lock(lock))];
    match f.longest_wait {
        Some(m) => parts.extend([format!("{waits};"), format!("the longest for {m}+ minutes")]),
        None => parts.push(waits),
    }
    parts
}

/// The first `show` of a group's ids, then how many records it has in all.
pub fn abbreviate_ids(ids: &[Option<u64>], members: usize, show: usize) -> String {
    let mut s: Vec<String> = ids.iter().take(show).map(|i| i.map_or("?".into(), |x| x.to_string())).collect();
    if members > show {
        s.push(format!("… ({members} in all)"));
    }
    s.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_work_names_its_path_unless_the_sentence_already_does() {
        let (outer, inner) = (Some("os.RemoveAll"), "golang.org/x/sys/unix.Unlinkat");
        let at = Some("example.com/v/local.(*Root).Remove");
        assert_eq!(
            doing_at("deleting a directory tree", outer, inner, at),
            "deleting a directory tree: os.RemoveAll → unix.Unlinkat"
        );
        let mount = "example.com/pkg/mount.mount";
        assert_eq!(doing_at("mounting a file system", None, mount, Some(mount)), "mounting a file system");
        assert_eq!(doing_at("mounting a file system", None, mount, at), "mounting a file system: mount.mount");
    }

    #[test]
    fn one_waiter_is_named_by_its_operation_without_a_count() {
        let by = |pairs: &[(&str, usize)]| pairs.iter().map(|&(k, v)| (k.to_string(), v)).collect();
        assert_eq!(waiting(1, &by(&[("Containers", 1)]), 4), "1 goroutine waits: Containers");
        assert_eq!(
            waiting(40, &by(&[("Cleanup", 10), ("ContainerCreate", 30)]), 4),
            "40 goroutines wait: 30 ContainerCreate, 10 Cleanup"
        );
        assert_eq!(waiting(6, &by(&[("a", 1), ("b", 2), ("c", 3)]), 2), "6 goroutines wait: 3 c, 2 b, 1 more");
        assert_eq!(waiting(2, &BTreeMap::new(), 4), "2 goroutines wait");
    }
}
