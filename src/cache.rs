//! Hints to the CPU's caches.
//!
//! The analysis of a large dump reads records scattered over hundreds of megabytes (the
//! waiters of one lock, their frames, their argument text), each load waiting on the one
//! before it. Loads started a few records ahead overlap those waits.

/// Asks the CPU to start loading the cache line of `x`; a hint, with no effect on results.
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address, and `x` is a valid reference.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((x as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
