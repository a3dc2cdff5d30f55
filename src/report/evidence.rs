//! Evidence in words: the sentences under a holder in the reports. The rules in `infer`
//! record what they saw as data ([`Evidence`]); this is the one place that words it.

use std::fmt::Write as _;

use crate::infer::{Evidence, short};
use crate::locks::Lock;
use crate::model::Dump;
use crate::waits::WaitKind;

/// One piece of evidence that goroutine `g` holds `l`, as a sentence.
pub fn sentence(d: &Dump, l: &Lock, g: usize, why: &Evidence) -> String {
    let site_func = d.func(l.site());
    let site_type = site_func.receiver_type().map(|t| (site_func.package(), t));
    match *why {
        Evidence::Direct { owner, value } => {
            let what = if owner { "the waiters' lock-site receiver" } else { "the lock's address" };
            format!("passes {what} {value:#x} to {}", frame_passing(d, g, value).unwrap_or_default())
        }
        Evidence::Owner { value, frame, lock, typed } => {
            let of_type = if typed { ", a receiver of the lock sites' type" } else { "" };
            format!(
                "passes {value:#x} to {}: {} bytes below the lock at {lock:#x}, the struct that contains it{of_type}",
                short(&d.frame(frame).func.full),
                lock - value
            )
        }
        Evidence::Shared { value, waiters, others } => {
            let who = match others {
                1 => "no other goroutine outside the waiters does".to_string(),
                n => format!("{n} goroutines outside the waiters do"),
            };
            format!("shares object {value:#x} with {waiters} of {} waiters; {who}", l.waiters.len())
        }
        Evidence::PastLine { at, line } => {
            format!("inside {} at line {at}, past line {line} where the waiters block", short(&site_func.full))
        }
        Evidence::SameType { func, count } => {
            let only = match count {
                1 => "; the only such goroutine not waiting".to_string(),
                n => format!("; one of {n} such goroutines"),
            };
            let ty = site_type.map_or("", |t| t.1);
            format!("inside {}, a method of {ty} like the lock site{only}", short(&d.func(func).full))
        }
        Evidence::AtWork => {
            let ty = site_type.map_or("", |t| t.1);
            format!("the innermost code it runs is in a method of {ty}, the lock's type, and not waiting for this lock")
        }
        Evidence::Package => format!("runs code of package {} like the lock site", short(site_func.package())),
        Evidence::Dumper => "but it is the goroutine that wrote this dump".to_string(),
        Evidence::State { kind } => format!("{}: {}", d.state(&d.goroutines[g]), state_phrase(kind)),
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

/// The innermost frame of goroutine `g` that passes `v` reliably, as a short name.
fn frame_passing(d: &Dump, g: usize, v: u64) -> Option<String> {
    d.frames(&d.goroutines[g]).find(|f| f.words().any(|w| !w.unreliable && w.value == v)).map(|f| {
        let mut s = short(&f.func.full).to_string();
        let _ = write!(s, " ({}:{})", f.site.file.rsplit('/').next().unwrap_or(""), f.site.line);
        s
    })
}
