//! Undoing Go/JSON string quoting, as a streaming state machine.
//!
//! Dumps logged as one log line arrive inside a quoted string (`msg="…\n…"` from logrus text,
//! `{"msg":"…"}` from JSON loggers), sometimes quoted twice (a log line seen through strace),
//! and sometimes split over several physical lines by journald. The decoder takes bytes in
//! pieces of any size, keeps an escape sequence that straddles two pieces, and stops at the
//! closing quote. Go labels in goroutine headers use the same quoting.

/// Decodes the inside of a Go- or JSON-quoted string.
#[derive(Debug, Default, Clone)]
pub struct Unescaper {
    /// Bytes of an escape sequence not yet complete (starts with `\`).
    pending: Vec<u8>,
    /// The closing quote was seen.
    closed: bool,
}

/// What one call to [`Unescaper::feed`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fed {
    /// Bytes of the input consumed; less than the input when the closing quote came early.
    pub consumed: usize,
    /// The closing quote was reached.
    pub closed: bool,
}

impl Unescaper {
    /// A decoder positioned just after an opening quote.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the closing quote was reached.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Decodes `input` onto `out`, stopping after an unescaped `"`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Fed {
        let mut i = 0;
        while i < input.len() && !self.closed {
            if !self.pending.is_empty() {
                self.pending.push(input[i]);
                i += 1;
                self.finish_escape(out);
                continue;
            }
            // Copy the run of plain bytes in one go.
            let run = memchr::memchr2(b'\\', b'"', &input[i..]).unwrap_or(input.len() - i);
            out.extend_from_slice(&input[i..i + run]);
            i += run;
            if i < input.len() {
                if input[i] == b'"' {
                    self.closed = true;
                } else {
                    self.pending.push(b'\\');
                }
                i += 1;
            }
        }
        Fed { consumed: i, closed: self.closed }
    }

    /// Ends the input: an escape cut in the middle is kept as written.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.pending);
    }

    /// Completes `pending` if it holds a whole escape sequence.
    fn finish_escape(&mut self, out: &mut Vec<u8>) {
        let p = &self.pending;
        let simple = match p[1] {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            b'\'' => Some(b'\''),
            b'/' => Some(b'/'),
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(12),
            b'v' => Some(11),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            self.pending.clear();
            return;
        }
        let (digits, radix) = match p[1] {
            b'x' => (2, 16),
            b'u' => (4, 16),
            b'U' => (8, 16),
            b'0'..=b'7' => (3, 8),
            _ => {
                // Not an escape Go or JSON would write: keep the bytes as they are.
                out.append(&mut self.pending);
                return;
            }
        };
        let have = if radix == 8 { p.len() - 1 } else { p.len() - 2 };
        if have < digits {
            return;
        }
        let text = std::str::from_utf8(if radix == 8 { &p[1..] } else { &p[2..] }).unwrap_or("");
        match u32::from_str_radix(text, radix) {
            Ok(v) if p[1] == b'x' || radix == 8 => out.push(v as u8),
            Ok(v) => {
                let c = char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            Err(_) => out.extend_from_slice(p),
        }
        self.pending.clear();
    }
}

/// Decodes a whole quoted string such as `"p s, x}"` (with its quotes). `None` if `s` is not
/// a complete quoted string.
pub fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?;
    let mut dec = Unescaper::new();
    let mut out = Vec::with_capacity(inner.len());
    let fed = dec.feed(inner.as_bytes(), &mut out);
    (fed.closed && fed.consumed == inner.len()).then(|| String::from_utf8_lossy(&out).into_owned())
}

/// Text from a dump made safe to show: control characters (C0 but the tab, DEL, C1) become
/// visible escapes (`\x1b`, `\u{9b}`), so that no terminal control sequence taken from a
/// dump reaches a terminal, and every output format (XML above all, where they are invalid
/// even escaped) stays well-formed. Go never prints them in a function name, file path,
/// wait reason or label; in a dump they are damage, or an attack.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !has_control(s.as_bytes()) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            if (c as u32) < 0x80 {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`visible`] of bytes read as UTF-8 (invalid sequences replaced).
pub fn visible_lossy(b: &[u8]) -> String {
    visible(&String::from_utf8_lossy(b)).into_owned()
}

fn is_control(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// Whether `b` may hold a control character (C0 but the tab, DEL, or a C1 character,
/// which UTF-8 encodes after a 0xc2 byte). Written as one pass without early exit, which
/// the compiler vectorises: it runs on every argument list.
pub fn has_control(b: &[u8]) -> bool {
    b.iter().fold(false, |any, &c| any | ((c < 0x20) & (c != b'\t')) | (c == 0x7f) | (c == 0xc2))
        && std::str::from_utf8(b).map_or(true, |s| s.chars().any(is_control))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquotes_go_strings() {
        assert_eq!(unquote(r#""p s, x}""#).as_deref(), Some("p s, x}"));
        assert_eq!(unquote(r#""4\n2""#).as_deref(), Some("4\n2"));
        assert_eq!(unquote(r#""a\"b\\c\x41\u00e9\U0001F600""#).as_deref(), Some("a\"b\\cAé😀"));
        assert_eq!(unquote(r#""unterminated"#), None);
        assert_eq!(unquote(r#""early" tail"#), None);
        assert_eq!(unquote("bare"), None);
    }

    #[test]
    fn escapes_straddling_pieces_decode_whole() {
        let mut dec = Unescaper::new();
        let mut out = Vec::new();
        for piece in [&b"a\\"[..], b"n\\u00", b"e9b\\", b"\"x"] {
            assert!(!dec.feed(piece, &mut out).closed);
        }
        let fed = dec.feed(b"y\" after", &mut out);
        assert_eq!(fed, Fed { consumed: 2, closed: true });
        assert_eq!(String::from_utf8(out).unwrap(), "a\néb\"xy");
    }

    #[test]
    fn unknown_escapes_are_kept() {
        let mut dec = Unescaper::new();
        let mut out = Vec::new();
        dec.feed(br#"\q\x4"#, &mut out);
        dec.finish(&mut out);
        assert_eq!(out, br#"\q\x4"#);
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(visible("main.main"), "main.main");
        assert_eq!(visible("a\u{1b}[2Jb\tc\u{7f}\u{9b}d é"), "a\\x1b[2Jb\tc\\x7f\\u{9b}d é");
        assert!(!has_control("plain é\t".as_bytes()));
        assert!(has_control(b"x\x1by"));
    }
}
