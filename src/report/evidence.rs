//! Evidence in words: the sentences under a holder in the reports. The rules in `infer`
//! record what they saw as data; the report model resolves it into names and values
//! ([`Evidence`]); this is the one place that words it.

use crate::infer::{self, short};
use crate::locks::Lock;
use crate::model::Dump;
use crate::report::model::Evidence;
use crate::waits::WaitKind;

/// What a rule recorded about goroutine `g` holding `l`, as a sentence.
pub fn sentence(d: &Dump, l: &Lock, g: usize, e: &infer::Evidence) -> String {
    text(&Evidence::resolve(d, l, g, e))
}

/// One piece of evidence that a goroutine holds a lock, as a sentence.
pub fn text(e: &Evidence) -> String {
    match e {
        Evidence::Direct { owner, value, frame } => {
            let what = if *owner { "the waiters' lock-site receiver" } else { "the lock's address" };
            let at = frame.as_ref().map_or(String::new(), |f| {
                format!("{} ({}:{})", short(&f.func), f.file.rsplit('/').next().unwrap_or(""), f.line)
            });
            format!("passes {what} {value:#x} to {at}")
        }
        Evidence::Owner { value, func, lock, typed } => {
            let of_type = if *typed { ", a receiver of the lock sites' type" } else { "" };
            format!(
                "passes {value:#x} to {}: {} bytes below the lock at {lock:#x}, the struct that contains it{of_type}",
                short(func),
                lock - value
            )
        }
        Evidence::Shared { value, waiters, of, others } => {
            let who = match others {
                1 => "no other goroutine outside the waiters does".to_string(),
                n => format!("{n} goroutines outside the waiters do"),
            };
            format!("shares object {value:#x} with {waiters} of {of} waiters; {who}")
        }
        Evidence::PastLine { func, at, line } => {
            format!("inside {} at line {at}, past line {line} where the waiters block", short(func))
        }
        Evidence::SameType { func, ty, count } => {
            let only = match count {
                1 => "; the only such goroutine not waiting".to_string(),
                n => format!("; one of {n} such goroutines"),
            };
            format!("inside {}, a method of {ty} like the lock site{only}", short(func))
        }
        Evidence::AtWork { ty } => {
            format!("the innermost code it runs is in a method of {ty}, the lock's type, and not waiting for this lock")
        }
        Evidence::Package { package } => format!("runs code of package {} like the lock site", short(package)),
        Evidence::Dumper => "but it is the goroutine that wrote this dump".to_string(),
        Evidence::State { state, kind } => format!("{state}: {}", state_phrase(*kind)),
        Evidence::Nested => "waits for another lock from inside the same code: the way lock chains form".to_string(),
        Evidence::Longer { minutes, longest } => {
            format!("blocked {minutes} minutes, at least as long as the longest waiter ({longest})")
        }
        Evidence::Shorter { minutes, longest } => {
            format!("blocked only {minutes} minutes while a waiter has waited {longest}")
        }
    }
}

fn state_phrase(kind: WaitKind) -> &'static str {
    match kind {
        WaitKind::Syscall => "in a system call while others wait",
        WaitKind::IoWait => "waiting for I/O while others wait",
        WaitKind::Sleep => "sleeping while others wait",
        WaitKind::Running | WaitKind::Runnable => "running while others wait",
        _ => "blocked on a channel while others wait",
    }
}
