//! Where a plain dump starts and ends: `goroutine N [` headers (also behind a prefix, or
//! with a function line glued on by e-mail quoting) and the dockerd / containerd markers
//! `=== BEGIN goroutine stack dump ===` … `=== END goroutine stack dump ===`.

use crate::parse::{parse_header, split_call, unglue_header};

pub(super) const BEGIN_MARKER: &[u8] = b"=== BEGIN goroutine stack dump ===";
const END_MARKER: &[u8] = b"=== END goroutine stack dump ===";

/// The warning for a dump that began with a BEGIN marker and never reached its END.
pub(crate) const NO_END_MARKER: &str = "no `=== END goroutine stack dump ===` line: the dump may be truncated";

/// A dockerd / containerd marker found on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    /// `=== BEGIN goroutine stack dump ===` starting at byte `at`; `escaped` when a
    /// backslash follows it (the dump is inside a quoted log message, `…===\ngoroutine 1`).
    Begin { at: usize, escaped: bool },
    /// `=== END goroutine stack dump ===` ending the line.
    End,
}

/// The marker on `raw`, if any. The END marker ends its line; inside a quoted log message it
/// is followed by the closing quote and belongs to the escaped dump instead.
pub(super) fn find_marker(raw: &[u8]) -> Option<Marker> {
    let p = memchr::memmem::find(raw, b"=== ")?;
    let at = &raw[p..];
    if at.starts_with(END_MARKER) && at[END_MARKER.len()..].iter().all(|c| c.is_ascii_whitespace()) {
        return Some(Marker::End);
    }
    if at.starts_with(BEGIN_MARKER) {
        return Some(Marker::Begin { at: p, escaped: at.get(BEGIN_MARKER.len()) == Some(&b'\\') });
    }
    None
}

/// Whether the text before a BEGIN marker at `at` is a log record's message field (`msg=`,
/// `"msg"`): the dump was logged, not written to a file of its own.
pub(super) fn logged_before(raw: &[u8], at: usize) -> bool {
    memchr::memmem::find(&raw[..at], b"msg=").is_some() || memchr::memmem::find(&raw[..at], b"\"msg\"").is_some()
}

/// Finds `goroutine N [...]:` at the end of a line behind some prefix; returns where the
/// header starts (0 without a prefix).
pub(super) fn find_prefixed_header(raw: &[u8]) -> Option<usize> {
    // A header ends its line, unless a function line was glued to it (e-mail quoting).
    let glued = raw.last() != Some(&b':');
    if glued && raw.last() != Some(&b')') {
        return None;
    }
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&raw[from..], b"goroutine ") {
        let at = from + p;
        let found = if glued {
            unglue_header(&raw[at..]).is_some_and(|(_, rest)| split_call(rest).is_some())
        } else {
            parse_header(&raw[at..]).is_some()
        };
        if found {
            return Some(at);
        }
        from = at + 10;
    }
    None
}

/// Whether a line (without its newline) starts a goroutine: the one question the parallel
/// reader ([`crate::split`]) asks about where it may cut a file. Cut after a blank line at
/// such a header, a chunk begins where a sequential read would begin a goroutine.
pub(crate) fn is_boundary(line: &[u8]) -> bool {
    parse_header(line).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_headers_behind_prefixes() {
        assert_eq!(find_prefixed_header(b"May 05 06:59:19 host crio[4618]: goroutine 11 [sleep]:"), Some(33));
        assert_eq!(find_prefixed_header(b"goroutine 1 [running]:"), Some(0));
        assert_eq!(find_prefixed_header(b"the goroutine 5 was slow"), None);
    }

    #[test]
    fn finds_markers() {
        assert_eq!(find_marker(b"=== END goroutine stack dump ===  "), Some(Marker::End));
        assert_eq!(find_marker(br#"msg="=== END goroutine stack dump ===""#), None);
        assert_eq!(find_marker(b"=== BEGIN goroutine stack dump ==="), Some(Marker::Begin { at: 0, escaped: false }));
        let logged = br#"level=info msg="=== BEGIN goroutine stack dump ===\ngoroutine 1"#;
        assert_eq!(find_marker(logged), Some(Marker::Begin { at: 16, escaped: true }));
        assert!(logged_before(logged, 16));
    }
}
