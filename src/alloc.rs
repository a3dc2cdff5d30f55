//! The binary's memory allocator: the system's, with every large block marked for
//! transparent huge pages where Linux offers them, and glibc told to keep large blocks in
//! its arenas when the input is large.
//!
//! A 100k-goroutine dump becomes ~90 MB of model in fresh memory. On 4 KiB pages the kernel
//! hands that over in ~26,000 page faults, each ~1.7 µs to take and ~0.6 µs to give back at
//! exit on the VM we measure on: a sixth of the process's CPU time. Two changes cut them to
//! ~5,000 (`BENCHMARKS.md`, sixth pass):
//!
//! - A block marked `MADV_HUGEPAGE` is faulted in 2 MiB at a time when the kernel's
//!   `transparent_hugepage` setting is `madvise` or `always`; elsewhere the advice changes
//!   nothing. Small blocks are left alone: they share pages with their neighbours, and the
//!   advice costs a system call.
//! - glibc serves blocks above a threshold from fresh `mmap`s, faulted in anew each time,
//!   and raises that threshold only as such blocks are freed. For a large input,
//!   [`tune_malloc_for`] fixes it at 32 MiB from the start, so the model's tables come from
//!   the arenas' heaps. Those are reused from block to block (the analysis's tables land in
//!   advised memory the parse gave back), and a thread's heap is aligned to 64 MiB, so its
//!   advised blocks hold whole huge pages.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, with blocks of [`HUGE_PAGE`] and more advised to use huge pages.
/// The `holdup` binary installs it with `#[global_allocator]`; a library user may too.
pub struct HugePageAlloc;

/// The size of a transparent huge page on x86-64 (and arm64 with 4 KiB pages). Only whole,
/// aligned huge pages inside a block are advised, so a smaller block has none to advise.
pub const HUGE_PAGE: usize = 2 << 20;

// SAFETY: every call is passed to `System` unchanged; the advice only changes how the kernel
// backs memory the block already owns, never its contents or its bounds.
unsafe impl GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `layout` are passed on as they are.
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as in `dealloc`; `new_size` is checked by the caller.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        // A growing vector is advised again as it crosses each size; the kernel merges the
        // repeated advice into one mapping. A block that `realloc` moved within the heap
        // was copied before it could be advised, in small pages. Moving every large block
        // to an advised one before the copy was tried: it gave up `mremap`, which grows a
        // mapped block without copying, and made the 1M-goroutine dump's stitch 0.4 s
        // slower. With glibc tuned for a large input, blocks of 32 MiB and more are mapped
        // (see `tune_malloc_for`), so such small-page copies stay below that size.
        advise(p, new_size);
        p
    }
}

/// Inputs from this size up have glibc's thresholds fixed by [`tune_malloc_for`].
pub const LARGE_INPUT: u64 = 64 << 20;

/// Tunes glibc for inputs of up to `largest` bytes; call it before reading them. From
/// [`LARGE_INPUT`] up, it fixes glibc's `mmap` threshold at its 64-bit ceiling (see the
/// module comment) and its trim threshold at twice that, as glibc's own adjustment would.
/// Left to trim at its 128 KiB default, glibc would hand each file's memory back and fault
/// it in again for the next: three times the page faults over 2,000 files. Smaller inputs
/// keep glibc's defaults: blocks of a few MiB kept in the heap cost a 19 MB dump 5 MiB of
/// peak memory (18 instead of 13 MiB, close to the input's size), and their faults are few.
/// Elsewhere than glibc it does nothing.
pub fn tune_malloc_for(largest: u64) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if largest >= LARGE_INPUT {
        // SAFETY: `mallopt` only sets tuning parameters; any value is valid, and a refused
        // one leaves the default in place.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = largest;
}

/// Advises the whole huge pages inside `len` bytes at `p`.
#[cfg(target_os = "linux")]
fn advise(p: *mut u8, len: usize) {
    if len < HUGE_PAGE || p.is_null() {
        return;
    }
    let start = (p as usize).next_multiple_of(HUGE_PAGE);
    let end = (p as usize + len) / HUGE_PAGE * HUGE_PAGE;
    if end > start {
        // SAFETY: the range lies inside a block this allocator just handed out, and the
        // advice changes no byte of it. A refusal (no THP support) leaves it as it was.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_: *mut u8, _: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `VmFlags` of the mapping that holds `addr`, from `/proc/self/smaps`.
    #[cfg(target_os = "linux")]
    fn vm_flags(addr: usize) -> Option<String> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((lo, hi)) = range.split_once('-')
                && let (Ok(lo), Ok(hi)) = (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
            {
                inside = (lo..hi).contains(&addr);
            } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                return Some(flags.trim().to_string());
            }
        }
        None
    }

    #[test]
    fn blocks_keep_their_contents_through_every_path() {
        let a = HugePageAlloc;
        for size in [24, 4096, HUGE_PAGE - 1, 3 * HUGE_PAGE + 5] {
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: non-zero sizes; every pointer is freed with the layout it has.
            unsafe {
                let z = a.alloc_zeroed(layout);
                assert!(!z.is_null());
                assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0), "{size}");
                a.dealloc(z, layout);

                let p = a.alloc(layout);
                assert!(!p.is_null());
                for i in 0..size {
                    *p.add(i) = (i % 251) as u8;
                }
                let bigger = size * 3 + HUGE_PAGE;
                let q = a.realloc(p, layout, bigger);
                assert!(!q.is_null());
                assert!((0..size).all(|i| *q.add(i) == (i % 251) as u8), "{size}");
                let smaller = size / 2 + 1;
                let r = a.realloc(q, Layout::from_size_align(bigger, 8).unwrap(), smaller);
                assert!((0..smaller).all(|i| *r.add(i) == (i % 251) as u8), "{size}");
                a.dealloc(r, Layout::from_size_align(smaller, 8).unwrap());
            }
        }
    }

    /// The advice reaches the kernel: the mapping behind a large block carries the
    /// huge-page flag (`hg`), which a small block's need not.
    #[cfg(target_os = "linux")]
    #[test]
    fn large_blocks_are_advised_to_use_huge_pages() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            return; // a kernel built without huge pages refuses the advice
        }
        let a = HugePageAlloc;
        let layout = Layout::from_size_align(4 * HUGE_PAGE, 8).unwrap();
        // SAFETY: a non-zero size, freed with its layout.
        let p = unsafe { a.alloc(layout) };
        assert!(!p.is_null());
        let inside = (p as usize).next_multiple_of(HUGE_PAGE);
        let flags = vm_flags(inside).expect("the block's mapping is listed in /proc/self/smaps");
        // SAFETY: as above.
        unsafe { a.dealloc(p, layout) };
        assert!(flags.split(' ').any(|f| f == "hg"), "flags of an advised block: {flags}");
    }
}
