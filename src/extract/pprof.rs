//! pprof goroutine profiles. `debug=2` is a plain dump and needs nothing here; `debug=1`
//! (`goroutine profile: total 7`, then records `3 @ 0x4390f6 0x44a1c5` with `#\t0x…\tpkg.f`
//! frame lines) is read by the parser's `debug1` mode once a dump of kind
//! [`crate::model::DumpKind::PprofDebug1`] is open. A `grep -C` of one keeps the records
//! without the header, so a record line starts a profile too.

use std::sync::LazyLock;

use regex::bytes::Regex;

/// The first line of a pprof `debug=1` record: `3 @ 0x4390f6 0x44a1c5`.
static DEBUG1_RECORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d+ @( 0x[0-9a-f]+)+$").expect("valid regex"));

/// Whether `body` (a line without its log prefix) starts a `debug=1` profile.
pub(super) fn starts_profile(body: &[u8]) -> bool {
    body.starts_with(b"goroutine profile: total ") || DEBUG1_RECORD.is_match(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_profile_starts() {
        assert!(starts_profile(b"goroutine profile: total 7"));
        assert!(starts_profile(b"3 @ 0x4390f6 0x44a1c5"));
        assert!(!starts_profile(b"3 @ noon"));
        assert!(!starts_profile(b"goroutine 1 [running]:"));
    }
}
