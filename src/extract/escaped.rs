//! Dumps inside escaped log strings: a logrus / JSON log record whose message holds the
//! whole dump with its newlines written as `\n`
//! (`msg="=== BEGIN goroutine stack dump ===\ngoroutine 1 [running]:\n…"`), possibly quoted
//! twice or more (strace), split over several journald lines, or pasted as a fragment
//! without its `msg="` wrapper. The text is decoded piece by piece and read by a nested
//! [`Extractor`], so a message of any length takes memory for one decoded line.

use crate::escape::Unescaper;
use crate::input::Line;
use crate::model::{Dump, DumpKind};
use crate::parse::{End, parse_header};

use super::marker::BEGIN_MARKER;
use super::{Extractor, State, crash, prefix};

/// A dump inside a quoted log message being decoded.
pub(super) struct Escaped {
    /// One decoder per level of quoting, outermost first.
    decoders: Vec<Unescaper>,
    /// The decoded text is read by a nested extractor.
    inner: Box<Extractor>,
    /// Decoded bytes not yet ending in a newline.
    pending: Vec<u8>,
    first_line: u64,
    start_byte: u64,
    /// The physical line ended before the closing quote: the next line may continue it
    /// (journald splits long lines), or the message was cut.
    awaiting_continuation: bool,
    depth: usize,
    /// Physical lines the message was split over (journald splits over-long lines).
    pieces: u32,
    /// A decoded line grew past the longest line read: its rest, up to the next decoded
    /// newline, is dropped (the message may hold no newline at all).
    overlong: bool,
}

impl Extractor {
    fn escaped_mut(&mut self) -> Option<&mut Escaped> {
        match &mut self.state {
            State::Escaped(e) => Some(e),
            _ => None,
        }
    }

    /// Starts decoding if `text` holds an escaped dump (`\ngoroutine 1 [running]:\n` with
    /// literal backslashes). Returns whether it did.
    pub(super) fn start_escaped(&mut self, text: &[u8], l: &Line<'_>) -> bool {
        if self.nested {
            return false;
        }
        if let Some(p) = memchr::memmem::find(text, BEGIN_MARKER) {
            if text.get(p + BEGIN_MARKER.len()) == Some(&b'\\') {
                self.begin_escaped(text, p, l.number, l.offset);
                self.after_escaped_piece(l.partial);
                return true;
            }
            return false;
        }
        let mut from = 0;
        while let Some(p) = memchr::memmem::find(&text[from..], b"goroutine ") {
            let at = from + p;
            // After `\n` or the opening quote of a message; or at the start of the text or
            // after a space: a fragment of a logged dump pasted without its `msg="` wrapper,
            // perhaps behind a journald prefix (`escaped_header_at` then demands the `\n`).
            let before = if at > 0 { text[at - 1] } else { b' ' };
            if matches!(before, b'n' | b'"' | b' ' | b'\t') && escaped_header_at(&text[at..]) {
                if matches!(before, b' ' | b'\t') && !escaped_header_then_newline(&text[at..]) {
                    from = at + 10;
                    continue;
                }
                self.begin_escaped(text, at, l.number, l.offset);
                self.after_escaped_piece(l.partial);
                return true;
            }
            from = at + 10;
        }
        false
    }

    /// Starts decoding at `start`, which is inside the quoted message.
    fn begin_escaped(&mut self, text: &[u8], start: usize, number: u64, offset: u64) {
        self.close(End::Boundary);
        // The first `\…n` after the start tells how many times the text was quoted:
        // one backslash once, two twice, four three times.
        let depth = match memchr::memchr(b'\\', &text[start..]) {
            Some(p) => {
                let run = text[start + p..].iter().take_while(|&&c| c == b'\\').count();
                (usize::BITS - run.leading_zeros()) as usize
            }
            None => 1,
        }
        .clamp(1, 4);
        let mut inner = Extractor::new(&self.source);
        inner.nested = true;
        inner.bare_kind = DumpKind::LogrusLine;
        // A function line held outside any dump is dropped here: what follows the message
        // cannot be its file line.
        self.state = State::Escaped(Box::new(Escaped {
            decoders: vec![Unescaper::new(); depth],
            inner: Box::new(inner),
            pending: Vec::new(),
            first_line: number,
            start_byte: offset,
            awaiting_continuation: false,
            depth,
            pieces: 1,
            overlong: false,
        }));
        self.decode_piece(&text[start..], number);
    }

    fn after_escaped_piece(&mut self, partial: bool) {
        let Some(e) = self.escaped_mut() else { return };
        if e.decoders.iter().any(Unescaper::closed) {
            self.end_escaped(false);
        } else if !partial {
            e.awaiting_continuation = true;
        }
    }

    /// Feeds a physical line while decoding. Returns false if the line is not part of the
    /// message (the message ended before it, and the state is no longer `Escaped`): it is
    /// then read as any other line.
    pub(super) fn feed_escaped(&mut self, l: &Line<'_>) -> bool {
        let Some(e) = self.escaped_mut() else { return false };
        let mut text = l.text;
        if e.awaiting_continuation {
            // journald splits an over-long line into several, each with its own prefix.
            text = prefix::split_log_prefix(text).1;
            let new_record = text.is_empty()
                || text.starts_with(b"time=")
                || text.starts_with(b"level=")
                || text.starts_with(b"{\"")
                || crash::starts_crash(text)
                || parse_header(text).is_some();
            if new_record {
                self.end_escaped(true);
                return false;
            }
            e.awaiting_continuation = false;
            e.pieces += 1;
        }
        self.decode_piece(text, l.number);
        self.after_escaped_piece(l.partial);
        true
    }

    fn decode_piece(&mut self, text: &[u8], number: u64) {
        let max_line = self.max_line;
        let mut buf = std::mem::take(&mut self.scratch);
        let State::Escaped(e) = &mut self.state else {
            self.scratch = buf;
            return;
        };
        buf.clear();
        buf.extend_from_slice(text);
        let mut next = Vec::new();
        // Each level decodes what the level outside it produced, also in the piece where an
        // outer level reached its closing quote (its output up to the quote still needs the
        // inner levels).
        for dec in e.decoders.iter_mut() {
            next.clear();
            dec.feed(&buf, &mut next);
            std::mem::swap(&mut buf, &mut next);
        }
        e.pending.extend_from_slice(&buf);
        let mut start = 0;
        while let Some(p) = memchr::memchr(b'\n', &e.pending[start..]) {
            if std::mem::take(&mut e.overlong) {
                start += p + 1;
                continue;
            }
            let mut line = &e.pending[start..start + p];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            e.inner.text_line(line, number, 0);
            start += p + 1;
        }
        e.pending.drain(..start);
        if e.pending.len() > max_line {
            if !e.overlong
                && let Some(o) = e.inner.open_mut().filter(|o| o.b.in_body())
            {
                let message = format!(
                    "a line of the logged dump is longer than {max_line} bytes: skipped (raise the limit with --max-line-length)"
                );
                o.b.warn(number, message);
            }
            e.pending.clear();
            e.overlong = true;
        }
        self.scratch = buf;
    }

    /// Ends the quoted message; `cut` says the closing quote never came.
    pub(super) fn end_escaped(&mut self, cut: bool) {
        let e = match std::mem::replace(&mut self.state, State::Outside) {
            State::Escaped(e) => e,
            other => {
                self.state = other;
                return;
            }
        };
        let mut e = *e;
        if cut {
            // An escape sequence cut by the end of the message is kept as written, passing
            // through the levels inside the one that held it.
            let mut carry = Vec::new();
            for dec in &mut e.decoders {
                let mut out = Vec::new();
                dec.feed(&carry, &mut out);
                dec.finish(&mut out);
                carry = out;
            }
            e.pending.extend_from_slice(&carry);
        }
        if !e.pending.is_empty() {
            let rest = std::mem::take(&mut e.pending);
            e.inner.text_line(&rest, self.last_line, 0);
        }
        let last_line = self.last_line;
        let end = if cut {
            End::Cut {
                line: last_line,
                message: "the log message holding the dump ends without its closing quote: truncated".into(),
            }
        } else {
            End::Boundary
        };
        let mut dumps = e.inner.finish_nested(end);
        for d in &mut dumps {
            d.kind = DumpKind::LogrusLine;
            d.span.first_line = e.first_line;
            d.span.last_line = last_line;
            d.span.start_byte = e.start_byte;
            d.span.end_byte = self.last_end;
            let how = match e.depth {
                1 => "escaped in a log message".to_string(),
                n => format!("escaped {n} times in a log message"),
            };
            d.wrapping.insert(0, how);
            if e.pieces > 1 {
                d.wrapping.insert(1, format!("log message split over {} lines, rejoined", e.pieces));
            }
        }
        self.dumps.extend(dumps);
    }

    fn finish_nested(mut self, end: End) -> Vec<Dump> {
        self.close(end);
        self.dumps
    }
}

/// Whether `s` (starting at `goroutine `) is a header followed by an escaped newline.
fn escaped_header_at(s: &[u8]) -> bool {
    let end = s.iter().position(|&c| c == b'\\').unwrap_or(s.len());
    let head = &s[..end];
    head.ends_with(b":") && parse_header(head).is_some()
}

/// Whether `s` (starting at `goroutine `) is a header followed by a literal `\n`.
fn escaped_header_then_newline(s: &[u8]) -> bool {
    let end = s.iter().position(|&c| c == b'\\').unwrap_or(s.len());
    s[end..].starts_with(b"\\n") || s[end..].starts_with(b"\\\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_escaped_headers() {
        assert!(escaped_header_at(br"goroutine 1 [running]:\nmain.main()"));
        assert!(!escaped_header_at(br"goroutine 1 is [x]\n"));
        assert!(escaped_header_then_newline(br"goroutine 1 [running]:\nmain.main()"));
        assert!(!escaped_header_then_newline(br"goroutine 1 [running]:\tx"));
    }
}
