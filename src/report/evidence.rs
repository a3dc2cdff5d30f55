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
            let at = frame.as_ref().map_or("one of its functions".to_string(), |f| {
                format!("{} ({}:{})", short(&f.func), f.file.rsplit('/').next().unwrap_or(""), f.line)
            });
            if *owner {
                format!("{at} is called with {value:#x}, the object the waiters lock (their lock site's receiver)")
            } else {
                format!("{at} is called with the lock's own address, {value:#x}")
            }
        }
        Evidence::Owner { value, func, lock, typed } => {
            let of_type = if *typed { ", of the waiters' type" } else { "" };
            format!(
                "{} is called with {value:#x}, the object {} bytes below the lock at {lock:#x} that contains it{of_type}",
                short(func),
                lock - value
            )
        }
        Evidence::Shared { value, waiters, of, others } => {
            let who = match (*waiters, *of) {
                (1, 1) => "the waiter does".to_string(),
                (w, o) if w == o => format!("all {o} waiters do"),
                (1, o) => format!("1 of the {o} waiters does"),
                (w, o) => format!("{w} of the {o} waiters do"),
            };
            match others {
                1 => format!("it passes object {value:#x}, as {who}, and no other goroutine does"),
                2 => format!("it passes object {value:#x}, as {who}, and so does 1 other goroutine"),
                n => format!("it passes object {value:#x}, as {who}, and so do {} other goroutines", n - 1),
            }
        }
        Evidence::PastLine { func, at, line } => {
            format!("it is in {} at line {at}, past line {line} where the waiters wait: it got past Lock", short(func))
        }
        Evidence::SameType { func, ty, count } => match count {
            1 => format!(
                "it runs {}, a method of {ty} like the waiters: the only goroutine running code of {ty} that is not waiting",
                short(func)
            ),
            2 => format!("it runs {}, a method of {ty} like the waiters, as 1 other goroutine does", short(func)),
            n => {
                format!("it runs {}, a method of {ty} like the waiters, as {} other goroutines do", short(func), n - 1)
            }
        },
        Evidence::AtWork { ty } => {
            format!("its own innermost code is a method of {ty}: at work in {ty}'s code, not waiting to enter it")
        }
        Evidence::Package { package } => format!("it runs code of package {}, like the waiters", short(package)),
        Evidence::Dumper => "it is the goroutine that wrote this dump: busy printing, counted against it".to_string(),
        Evidence::State { state, kind } => format!("{state}: {}", state_phrase(*kind)),
        Evidence::Nested => "it waits for another lock from inside the same code: the way lock chains form".to_string(),
        Evidence::SameTime { minutes, longest } => {
            format!(
                "it has been blocked {minutes}+ minutes, as long as the waiters ({longest}+): it stalled when they began to wait"
            )
        }
        Evidence::WaitsOnItsOwn { count } => format!(
            "it waits for {count} goroutine(s) its own code started, which have not finished, while others wait: \
             the only candidate waiting on work rather than for input"
        ),
        Evidence::Longer { minutes, longest } => {
            format!("blocked {minutes}+ minutes, at least as long as the longest waiter ({longest}+)")
        }
        Evidence::Shorter { minutes, longest } => {
            format!("blocked only {minutes}+ minutes while a waiter has waited {longest}+")
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
