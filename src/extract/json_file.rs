//! Docker's json-file log driver: one JSON object per line of the process's output,
//! `{"log":"goroutine 1 [running]:\n","stream":"stderr","time":"…"}`. The `log` string is
//! decoded and read as the line the process wrote.

use crate::escape::Unescaper;

/// The wrapping a dump read from such records is given.
pub(super) const WRAPPING: &str = "docker json-file log lines";

/// Whether a line may be a json-file record (the one test on the hot path).
pub(super) fn may_be_record(line: &[u8]) -> bool {
    line.first() == Some(&b'{')
}

/// Decodes the `log` string of a json-file record into `out` (emptied first), without its
/// trailing newline. False when `line` is not such a record or its string does not close.
pub(super) fn decode_record(line: &[u8], out: &mut Vec<u8>) -> bool {
    let Some(body) = line.strip_prefix(br#"{"log":"#) else { return false };
    let Some(body) = body.strip_prefix(b"\"").or_else(|| body.strip_prefix(b" \"")) else { return false };
    out.clear();
    if !Unescaper::new().feed(body, out).closed {
        return false;
    }
    while matches!(out.last(), Some(b'\n' | b'\r')) {
        out.pop();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_log_string() {
        let mut out = Vec::new();
        assert!(decode_record(br#"{"log":"\tmain.go:3 +0x1d\n","stream":"stderr"}"#, &mut out));
        assert_eq!(out, b"\tmain.go:3 +0x1d");
        assert!(decode_record(br#"{"log": "x\r\n"}"#, &mut out));
        assert_eq!(out, b"x");
        assert!(!decode_record(br#"{"log":"cut"#, &mut out));
        assert!(!decode_record(br#"{"msg":"x"}"#, &mut out));
    }
}
