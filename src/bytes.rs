//! The byte kernels: the few loops that run over every byte of a dump, written with SSE2 on
//! x86-64 (part of its baseline, so always there) and portably elsewhere. Each kernel has
//! one entry point that picks its version; the portable versions are compiled on x86-64 too
//! and the tests hold them to the SSE2 ones, so neither can rot unseen.

/// Appends to `out` the position (plus `base`) of every `\n` in `bytes`.
///
/// Dump lines average 55 bytes, and on lines that short `memchr`'s per-match setup costs
/// more than its search: a 192 MB dump took 33 ms through `memchr_iter`. Comparing 64 bytes
/// at a time into one bit mask and walking its set bits takes 17 ms.
pub(crate) fn push_newlines(bytes: &[u8], base: u32, out: &mut Vec<u32>) {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86_64 baseline, so every x86_64 CPU has it.
        unsafe { push_newlines_sse2(bytes, base, out) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    push_newlines_portable(bytes, base, out)
}

/// [`push_newlines`] on every other CPU (and in the tests, against the SSE2 kernel).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn push_newlines_portable(bytes: &[u8], base: u32, out: &mut Vec<u32>) {
    out.extend(memchr::memchr_iter(b'\n', bytes).map(|p| base + p as u32));
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn push_newlines_sse2(bytes: &[u8], base: u32, out: &mut Vec<u32>) {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set_epi64x, _mm_set1_epi8};
    let newline = _mm_set1_epi8(b'\n' as i8);
    let mask16 = |b: &[u8]| {
        let half = |r: std::ops::Range<usize>| i64::from_le_bytes(b[r].try_into().expect("8 bytes"));
        let v = _mm_set_epi64x(half(8..16), half(0..8));
        u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)) as u16)
    };
    let mut chunks = bytes.chunks_exact(64);
    let mut at = base;
    for c in &mut chunks {
        let mut mask = mask16(&c[..16]) | mask16(&c[16..32]) << 16 | mask16(&c[32..48]) << 32 | mask16(&c[48..]) << 48;
        while mask != 0 {
            out.push(at + mask.trailing_zeros());
            mask &= mask - 1;
        }
        at += 64;
    }
    out.extend(memchr::memchr_iter(b'\n', chunks.remainder()).map(|p| at + p as u32));
}

/// Whether every byte of `b` is printable ASCII (space to `~`): then it holds no control
/// character and is valid UTF-8, and can be kept as it is.
///
/// The parser asks this of every argument list (30 MB at 100k goroutines, 20 to 60 bytes
/// each). A byte-wise fold over such short lists cost 6% of an analysis; eight bytes at a
/// time, a byte below 0x20 shows as a borrow into its top bit and one at or above 0x7f as a
/// top bit after adding 1. Both tests are exact for "some byte is out of range": a borrow or
/// carry only starts at a byte that is out of range itself.
pub fn is_printable_ascii(b: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const TOPS: u64 = u64::from_ne_bytes([0x80; 8]);
    let out_of_range = |x: u64| (x.wrapping_sub(ONES * 0x20) & !x) | (x.wrapping_add(ONES) | x);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        if out_of_range(x) & TOPS != 0 {
            return false;
        }
    }
    chunks.remainder().iter().all(|&c| (0x20..0x7f).contains(&c))
}

/// Whether the argument list `args` may print a reliable word, one without the trailing `?`.
/// `false` means it surely prints none, so a caller that only wants reliable words can skip
/// reading it; `true` only that it is worth reading (lists of 64 bytes or more are not
/// examined).
///
/// Since Go 1.17 nine frames in ten print only `?` words, and the holder index reads every
/// frame of a dump: 30 MB of argument text at 100k goroutines. The parser asks this of each
/// list while it is in cache and keeps the answer in [`crate::model::FrameRec`]; rather than read words one
/// by one, it marks in bit masks the bytes that are `0`, `x`, `?` and hex digits, then finds
/// where each `0x` word ends by letting a carry run through its digits.
pub fn may_print_reliable_word(args: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86_64 baseline, so every x86_64 CPU has it.
        unsafe { may_print_reliable_word_sse2(args) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    may_print_reliable_word_portable(args)
}

/// [`may_print_reliable_word`] on every other CPU (and in the tests, against the SSE2
/// kernel), byte by byte: a `0x` and hex digits whose run is not followed by `?`.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn may_print_reliable_word_portable(args: &[u8]) -> bool {
    if args.len() >= 64 {
        return true;
    }
    let mut i = 0;
    while i + 2 < args.len() {
        if args[i] == b'0' && args[i + 1] == b'x' && args[i + 2].is_ascii_hexdigit() {
            let end = i + 2 + args[i + 2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            if args.get(end) != Some(&b'?') {
                return true;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn may_print_reliable_word_sse2(args: &[u8]) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set_epi64x, _mm_set1_epi8,
    };
    let len = args.len();
    // Masks are 64 bits and a word's end is the bit after its digits.
    if len >= 64 {
        return true;
    }
    let word = |at: usize| u64::from_le_bytes(args[at..at + 8].try_into().expect("8 bytes"));
    let set = |c: u8| _mm_set1_epi8(c as i8);
    let (mut hex, mut x, mut zero, mut question) = (0u64, 0u64, 0u64, 0u64);
    // Marks the bytes of `v`; `keep` of its top bytes go to bit `at` on.
    let mut mark = |v: __m128i, keep: usize, at: usize| {
        let between = |v, lo: u8, hi: u8| _mm_and_si128(_mm_cmpgt_epi8(v, set(lo - 1)), _mm_cmplt_epi8(v, set(hi + 1)));
        // Bytes of 0x80 and above compare as negative, below every bound.
        let lower = _mm_or_si128(v, set(0x20));
        let h = _mm_or_si128(between(v, b'0', b'9'), between(lower, b'a', b'f'));
        let bits = |m| u64::from(_mm_movemask_epi8(m) as u16 >> (16 - keep)) << at;
        hex |= bits(h);
        x |= bits(_mm_cmpeq_epi8(v, set(b'x')));
        zero |= bits(_mm_cmpeq_epi8(v, set(b'0')));
        question |= bits(_mm_cmpeq_epi8(v, set(b'?')));
    };
    // Loads stay inside the list and never go through memory: a list shorter than 16 bytes
    // is put together from two overlapping 8-byte (or 4-byte) reads, and a last partial
    // chunk is read as the list's last 16 bytes, whose top bytes are kept.
    if len >= 16 {
        for k in 0..len / 16 {
            mark(_mm_set_epi64x(word(16 * k + 8) as i64, word(16 * k) as i64), 16, 16 * k);
        }
        if !len.is_multiple_of(16) {
            mark(_mm_set_epi64x(word(len - 8) as i64, word(len - 16) as i64), len % 16, len - len % 16);
        }
    } else {
        let (lo, hi) = match len {
            8.. => (word(0), word(len - 8).checked_shr(8 * (16 - len) as u32).unwrap_or(0)),
            4.. => {
                let half = |at: usize| u64::from(u32::from_le_bytes(args[at..at + 4].try_into().expect("4 bytes")));
                (half(0) | half(len - 4) << (8 * (len - 4)), 0)
            }
            _ => (args.iter().rev().fold(0, |acc, &b| acc << 8 | u64::from(b)), 0),
        };
        mark(_mm_set_epi64x(hi as i64, lo as i64), 16, 0);
    }
    let inside = (1u64 << len) - 1;
    let hex = hex & inside;
    // The first digit of every `0x` word; it starts a run of digits, as `x` is not one.
    let first = ((x & (zero << 1)) << 1) & hex;
    // Adding it carries through the run to the bit just after it: where the word ends.
    let ends = hex.wrapping_add(first) & !hex;
    ends & !(question & inside) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs that reach every case of both kernels: lengths around the 8/16/64-byte steps,
    /// words at every alignment, `?`, upper-case digits, bytes with the high bit set.
    fn samples() -> Vec<Vec<u8>> {
        let pieces: [&[u8]; 12] =
            [b"0x", b"0x1", b"0xc000", b"?", b", ", b"{", b"}", b"0xAbC?", b"x0", b"\xff", b"\n", b"00x9"];
        let mut out = Vec::new();
        let mut seed = 0x2545f4914f6cdd1du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut s = Vec::new();
            let mut r = seed;
            while s.len() < (seed % 80) as usize {
                s.extend_from_slice(pieces[(r % 12) as usize]);
                r = r.rotate_right(5) ^ 0x9e37;
            }
            out.push(s);
        }
        out
    }

    #[test]
    fn printable_ascii_is_exactly_space_to_tilde() {
        // Every byte value at every position of lists up to 24 bytes long, among printable
        // neighbours of both edges of the range (0x20 and 0x7e), where a carry could leak.
        for len in 1..24 {
            for at in 0..len {
                for fill in [b' ', b'~', b'a'] {
                    for v in 0..=255u8 {
                        let mut b = vec![fill; len];
                        b[at] = v;
                        let want = (0x20..0x7f).contains(&v);
                        assert_eq!(is_printable_ascii(&b), want, "byte {v:#x} at {at} of {len}, among {fill:#x}");
                    }
                }
            }
        }
        assert!(is_printable_ascii(b""));
        assert!(is_printable_ascii(b"0xc000010008, 0x1, {0x0, 0x2}, ?"));
        assert!(!is_printable_ascii("0x1,\té".as_bytes()));
    }

    #[test]
    fn the_portable_argument_kernel_agrees_with_the_sse2_one() {
        for s in samples() {
            assert_eq!(
                may_print_reliable_word(&s),
                may_print_reliable_word_portable(&s),
                "{:?}",
                String::from_utf8_lossy(&s)
            );
        }
        assert!(!may_print_reliable_word_portable(b"0x1?, 0x2?"));
        assert!(may_print_reliable_word_portable(b"0x1?, 0x2"));
    }

    #[test]
    fn the_portable_newline_kernel_agrees_with_the_sse2_one() {
        for (i, s) in samples().iter().enumerate().take(3000) {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            push_newlines(s, i as u32, &mut a);
            push_newlines_portable(s, i as u32, &mut b);
            assert_eq!(a, b);
        }
    }
}
