//! When a step is worth running on every core.
//!
//! Handing work to rayon's pool costs tens of microseconds (waking its threads, gathering
//! the results): more than the whole analysis of a small dump, which a fleet check reads by
//! the thousand. Steps over fewer than [`MIN_ITEMS`] goroutines run on the calling thread;
//! [`map_when`] takes the decision from the caller (several inputs, several dumps).

use std::ops::Range;

use rayon::prelude::*;

/// The fewest goroutines for which a step over them uses every core.
pub const MIN_ITEMS: usize = 4096;

/// `items` mapped by `f`, in order: on every core when `work` (the goroutines the step
/// reads) reaches [`MIN_ITEMS`], else on this thread.
pub fn map<T: Sync, R: Send>(work: usize, items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    map_when(work >= MIN_ITEMS, items, f)
}

/// `items` mapped by `f`, in order: on every core when `parallel`, else on this thread.
pub fn map_when<T: Sync, R: Send>(parallel: bool, items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    if parallel { items.par_iter().map(f).collect() } else { items.iter().map(f).collect() }
}

/// `f(0), …, f(count - 1)`, in order, on every core under the same rule as [`map`].
pub fn map_indices<R: Send>(work: usize, count: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    if work >= MIN_ITEMS { (0..count).into_par_iter().map(f).collect() } else { (0..count).map(f).collect() }
}

/// `(a(), b())`: side by side on the pool when `work` (the goroutines the two read) reaches
/// [`MIN_ITEMS`], else one after the other on this thread, which for a small dump also
/// spares starting the pool at all.
pub fn join<A: Send, B: Send>(work: usize, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    if work >= MIN_ITEMS { rayon::join(a, b) } else { (a(), b()) }
}

/// How many slices a pass over `n` goroutines that gathers per-slice tables is cut into:
/// four per thread from [`MIN_ITEMS`] up (uneven slices then even out), else one.
pub fn slices_for(n: usize) -> usize {
    if n >= MIN_ITEMS { rayon::current_num_threads() * 4 } else { 1 }
}

/// `f` of each of `slices` consecutive, near-equal ranges that cover `0..n`, in order, under
/// the same rule as [`map`].
pub fn map_slices<R: Send>(n: usize, slices: usize, f: impl Fn(Range<usize>) -> R + Sync + Send) -> Vec<R> {
    map_indices(n, slices, |k| f(n * k / slices..n * (k + 1) / slices))
}
