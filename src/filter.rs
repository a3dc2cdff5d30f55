//! Goroutine filters shared by every command that lists goroutines (`goroutines`, `groups`,
//! `parse`): all given conditions must hold; a repeated option matches any of its values.

use regex::Regex;

use crate::model::{Dump, Goroutine};
use crate::waits::{self, WaitKind};

/// Which goroutines to keep. The default keeps all.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// State text (`semacquire`, `IO wait`) or wait kind (`mutex`, `chan-receive`), any of.
    pub states: Vec<String>,
    /// Waited at least this many minutes (`N minutes` in the header).
    pub min_wait_minutes: Option<u32>,
    /// Some frame's function matches.
    pub func: Option<Regex>,
    /// The goroutine's top matches: its innermost frame outside the runtime and `sync`
    /// (`syscall.Syscall`, `local.(*Root).Get` for a lock waiter), or its innermost frame
    /// of application code (outside the standard library: `local.removePath`).
    pub top: Option<Regex>,
    /// One of these ids.
    pub ids: Vec<u64>,
    /// Some frame's package starts with one of these prefixes.
    pub packages: Vec<String>,
    /// Leave out the runtime's own goroutines (GC workers, finalizers, …).
    pub exclude_runtime: bool,
    /// Carries every one of these labels (`key=value`; `key` alone: any value).
    pub labels: Vec<(String, Option<String>)>,
}

impl Filter {
    /// Whether the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
            && self.min_wait_minutes.is_none()
            && self.func.is_none()
            && self.top.is_none()
            && self.ids.is_empty()
            && self.packages.is_empty()
            && !self.exclude_runtime
            && self.labels.is_empty()
    }

    /// Whether goroutine `g` of dump `d` passes.
    pub fn matches(&self, d: &Dump, g: &Goroutine) -> bool {
        if !self.ids.is_empty() && !g.id.is_some_and(|id| self.ids.contains(&id)) {
            return false;
        }
        if let Some(m) = self.min_wait_minutes
            && g.wait_minutes.is_none_or(|w| w < m)
        {
            return false;
        }
        if !self.states.is_empty() {
            let state = d.state(g);
            let kind = waits::classify(d, g).kind;
            let hit = self.states.iter().any(|s| s.eq_ignore_ascii_case(state) || kind_matches(kind, s));
            if !hit {
                return false;
            }
        }
        if let Some(re) = &self.func
            && !d.frames(g).any(|f| re.is_match(&f.func.full))
        {
            return false;
        }
        if let Some(re) = &self.top {
            // A lock waiter's innermost frames are the lock machinery, and a syscall's the
            // standard library: either top may be the one a user means.
            let outside_machinery = d.frames(g).find(|f| !f.func.is_sync_or_runtime());
            let app = d.frames(g).find(|f| !f.func.is_sync_or_runtime() && !f.func.is_stdlib());
            if !outside_machinery.into_iter().chain(app).any(|f| re.is_match(&f.func.full)) {
                return false;
            }
        }
        if !self.packages.is_empty()
            && !d.frames(g).any(|f| self.packages.iter().any(|p| f.func.package().starts_with(p.as_str())))
        {
            return false;
        }
        if self.exclude_runtime && waits::is_system(d, g) {
            return false;
        }
        self.labels.iter().all(|(k, v)| g.labels.iter().any(|(gk, gv)| gk == k && v.as_ref().is_none_or(|v| v == gv)))
    }

    /// Indices of the goroutines of `d` that pass.
    pub fn select(&self, d: &Dump) -> Vec<usize> {
        (0..d.goroutines.len()).filter(|&i| self.is_empty() || self.matches(d, &d.goroutines[i])).collect()
    }
}

/// `mutex`, `rwmutex` (either mode), `rwmutex-read`, `chan-receive`, … name wait kinds.
fn kind_matches(kind: WaitKind, s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    kind.as_str() == s || (s == "rwmutex" && matches!(kind, WaitKind::RwRead | WaitKind::RwWrite))
}

/// Parses a duration for `--min-wait`: `10m`, `1h30m`, `90s`. A bare number is refused:
/// `10` could be seconds or minutes, and a filter that silently means the other one hides
/// goroutines. The runtime counts whole minutes, so the result is rounded up to minutes.
pub fn parse_minutes(s: &str) -> Result<u32, String> {
    let s = s.trim();
    if s.parse::<u64>().is_ok() {
        return Err(format!("{s:?} has no unit: write {s}m for minutes or {s}s for seconds"));
    }
    let d = humantime::parse_duration(s).map_err(|e| format!("invalid duration {s:?}: {e} (try 10m, 1h30m or 90s)"))?;
    Ok(u32::try_from(d.as_secs().div_ceil(60)).unwrap_or(u32::MAX))
}

/// The wait kinds `--state` accepts besides the header's state text.
pub fn kind_names() -> Vec<&'static str> {
    let mut v: Vec<&str> = WaitKind::ALL.iter().map(|k| k.as_str()).collect();
    v.insert(1, "rwmutex");
    v
}

/// The states the Go runtime prints in goroutine headers (its `waitReason` strings and
/// goroutine statuses, Go 1.3 to 1.27), lower-cased for comparison.
const GO_STATES: &[&str] = &[
    "running",
    "runnable",
    "syscall",
    "waiting",
    "dead",
    "copystack",
    "preempted",
    "idle",
    "sleep",
    "semacquire",
    "select",
    "select (no cases)",
    "chan send",
    "chan receive",
    "chan send (nil chan)",
    "chan receive (nil chan)",
    "io wait",
    "sync.mutex.lock",
    "sync.rwmutex.lock",
    "sync.rwmutex.rlock",
    "sync.waitgroup.wait",
    "sync.cond.wait",
    "finalizer wait",
    "force gc (idle)",
    "gc assist marking",
    "gc assist wait",
    "gc sweep wait",
    "gc scavenge wait",
    "gc worker (idle)",
    "gc worker (active)",
    "gc mark termination",
    "gc weak to strong wait",
    "garbage collection",
    "garbage collection scan",
    "dumping heap",
    "panicwait",
    "timer goroutine (idle)",
    "trace reader (blocked)",
    "wait for gc cycle",
    "debug call",
    "stopping the world",
    "flushing proc caches",
    "trace goroutine status",
    "trace proc status",
    "page trace flush",
    "coroutine",
    "synctest.run",
    "synctest.wait",
    "chan receive (synctest)",
    "chan send (synctest)",
    "select (synctest)",
    "sleep (synctest)",
    "cleanup wait",
    "stack unavailable",
    "enter",
    "moribund_unused",
    "sync.mutex.lock (synctest)",
];

/// Checks a `--state` value: a wait kind (`mutex`, `chan-receive`, …) or a state the runtime
/// prints (`semacquire`, `IO wait`, …), compared without case. Anything else is a typo that
/// would silently match nothing, so it is refused with the valid names.
pub fn parse_state(s: &str) -> Result<String, String> {
    let lower = s.trim().to_ascii_lowercase();
    if kind_names().contains(&lower.as_str()) || GO_STATES.contains(&lower.as_str()) {
        return Ok(s.trim().to_string());
    }
    Err(format!(
        "unknown state {s:?}: give a wait kind ({}) or a state as Go prints it in a goroutine header \
         (semacquire, IO wait, chan receive, select, sleep, syscall, running, sync.Mutex.Lock, …)",
        kind_names().join(", ")
    ))
}

/// Parses `key=value` (or `key`) for `--label`.
pub fn parse_label(s: &str) -> (String, Option<String>) {
    match s.split_once('=') {
        Some((k, v)) => (k.to_string(), Some(v.to_string())),
        None => (s.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = "goroutine 1 [chan receive, 30 minutes]:\nmain.main()\n\t/app/main.go:5 +0x1d\n\n\
goroutine 7 [sync.Mutex.Lock, 12 minutes] {team: storage}:\nsync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)\n\t/r/sema.go:95 +0x25\n\
sync.(*Mutex).lockSlow(0xc000010000)\n\t/s/mutex.go:173 +0x15d\nsync.(*Mutex).Lock(...)\n\t/s/mutex.go:92\n\
example.com/store.(*DB).Get(0xc000010000)\n\t/app/db.go:20 +0x46\ncreated by main.main in goroutine 1\n\t/app/main.go:9 +0x30\n\n\
goroutine 2 [force gc (idle)]:\nruntime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/r/proc.go:424 +0xce\nruntime.forcegchelper()\n\t/r/proc.go:326 +0xb3\n\
created by runtime.init.7 in goroutine 1\n\t/r/proc.go:314 +0x1a\n\n";

    fn ids(f: &Filter) -> Vec<u64> {
        let d = crate::read_dumps(DUMP.as_bytes(), "t").unwrap().remove(0);
        f.select(&d).into_iter().filter_map(|i| d.goroutines[i].id).collect()
    }

    #[test]
    fn each_condition_and_their_combination() {
        assert_eq!(ids(&Filter::default()), vec![1, 7, 2]);
        assert_eq!(ids(&Filter { states: vec!["chan receive".into()], ..Filter::default() }), vec![1]);
        assert_eq!(ids(&Filter { states: vec!["mutex".into()], ..Filter::default() }), vec![7], "wait kinds match too");
        assert_eq!(ids(&Filter { min_wait_minutes: Some(13), ..Filter::default() }), vec![1]);
        assert_eq!(ids(&Filter { func: Some(Regex::new(r"\(\*DB\)").unwrap()), ..Filter::default() }), vec![7]);
        assert_eq!(ids(&Filter { top: Some(Regex::new("^main").unwrap()), ..Filter::default() }), vec![1]);
        assert_eq!(ids(&Filter { ids: vec![2, 7], ..Filter::default() }), vec![7, 2]);
        assert_eq!(ids(&Filter { packages: vec!["example.com/".into()], ..Filter::default() }), vec![7]);
        assert_eq!(ids(&Filter { exclude_runtime: true, ..Filter::default() }), vec![1, 7]);
        assert_eq!(ids(&Filter { labels: vec![parse_label("team=storage")], ..Filter::default() }), vec![7]);
        assert_eq!(ids(&Filter { labels: vec![parse_label("team=net")], ..Filter::default() }), Vec::<u64>::new());
        let both = Filter {
            min_wait_minutes: Some(10),
            exclude_runtime: true,
            states: vec!["semacquire".into(), "sync.Mutex.Lock".into()],
            ..Filter::default()
        };
        assert_eq!(ids(&both), vec![7]);
    }

    #[test]
    fn durations_in_minutes() {
        assert_eq!(parse_minutes("10m"), Ok(10));
        assert_eq!(parse_minutes("1h30m"), Ok(90));
        assert_eq!(parse_minutes("90s"), Ok(2));
        assert!(parse_minutes("7").unwrap_err().contains("no unit"), "a bare number is ambiguous");
        assert!(parse_minutes("soon").unwrap_err().contains("invalid duration"));
    }

    #[test]
    fn states_are_checked() {
        assert_eq!(parse_state("mutex").as_deref(), Ok("mutex"));
        assert_eq!(parse_state("IO wait").as_deref(), Ok("IO wait"));
        assert_eq!(parse_state("sync.Mutex.Lock").as_deref(), Ok("sync.Mutex.Lock"));
        assert!(parse_state("chan-receive").is_ok());
        let e = parse_state("mutx").unwrap_err();
        assert!(e.contains("unknown state \"mutx\"") && e.contains("rwmutex-read") && e.contains("semacquire"), "{e}");
    }

    #[test]
    fn top_sees_past_the_lock_machinery_to_application_code() {
        let f = |re: &str| Filter { top: Some(Regex::new(re).unwrap()), ..Filter::default() };
        assert_eq!(ids(&f(r"^example\.com/store\.\(\*DB\)\.Get$")), vec![7], "the lock waiter's own code");
        assert_eq!(ids(&f("^main\\.main$")), vec![1]);
    }
}
