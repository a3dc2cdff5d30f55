//! Every line prefix the extractor recognises, in one place: what journald, syslog, kubectl
//! `--timestamps`, CRI log files, indentation and e-mail quoting put before the text the Go
//! runtime printed.
//!
//! Two kinds of recognition live here. [`split_log_prefix`] knows the common shapes in
//! general and is asked about a single line (a panic line behind a timestamp, the next
//! journald piece of a logged message). [`Prefix`] is one shape learned from the first line
//! of a dump (the text before its first `goroutine N [`) and stripped from every later line
//! of that dump, whatever its digits say.

use std::sync::{Arc, LazyLock, Mutex};

use hashbrown::HashMap;
use regex::bytes::Regex;

/// Log prefixes that may precede a panic or signal line: syslog/journald, ISO timestamps
/// (kubectl `--timestamps`, CRI log files), indentation and e-mail quoting.
static LOG_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(?:
            [A-Z][a-z]{2}\ +\d{1,2}\ \d{2}:\d{2}:\d{2}(?:\.\d+)?\ (?:\S+\ )?\S+?(?:\[\d+\])?:\ 
          | \d{4}-\d{2}-\d{2}[T\ ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\ (?:(?:stdout|stderr)\ [FP]\ )?
          | [\ \t]+
          | (?:>\ ?)+
        )",
    )
    .expect("valid regex")
});

/// Splits a line into the log prefix it starts with (empty if none) and the text after it:
/// `Sep 27 21:16:11 host dockerd[6773]: panic: x` gives the journald part and `panic: x`.
pub(super) fn split_log_prefix(line: &[u8]) -> (&[u8], &[u8]) {
    let len = LOG_PREFIX.find(line).map_or(0, |m| m.end());
    line.split_at(len)
}

/// Prefix regexes already compiled, by pattern. A fleet check reads thousands of dumps from
/// one daemon, all with the same prefix shape, and compiling the pair cost more than
/// reading a small dump. The dumps share one copy, and with it the states its lazy DFA
/// has built. A handful of shapes is all a run sees; the table is emptied if it ever fills.
static PREFIX_REGEXES: LazyLock<Mutex<HashMap<String, Option<Arc<PrefixRegexes>>>>> = LazyLock::new(Default::default);
const MAX_PREFIX_REGEXES: usize = 64;

/// A prefix shape's regexes: `full` strips the prefix, `blank` matches a line that is only
/// the prefix (a blank line in the dump).
#[derive(Debug)]
pub(super) struct PrefixRegexes {
    full: Regex,
    blank: Regex,
}

/// The compiled `full` and `blank` prefix patterns, from the table or compiled now.
fn prefix_regexes(full: &str, blank: &str) -> Option<Arc<PrefixRegexes>> {
    let key = format!("{full}\0{blank}");
    // A panic elsewhere while the lock was held leaves the table as it was: still usable.
    let mut table = PREFIX_REGEXES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(hit) = table.get(&key) {
        return hit.clone();
    }
    let made = match (Regex::new(full), Regex::new(blank)) {
        (Ok(full), Ok(blank)) => Some(Arc::new(PrefixRegexes { full, blank })),
        _ => None,
    };
    if table.len() >= MAX_PREFIX_REGEXES {
        table.clear();
    }
    table.insert(key, made.clone());
    made
}

/// A per-line prefix learned from the first header line of a dump.
#[derive(Debug, Clone)]
pub(super) enum Prefix {
    /// Lines carry no prefix.
    None,
    /// A fixed number of spaces or tabs (an indented paste); lines may be indented further.
    Indent(usize),
    /// A prefix whose digits and inner spaces vary (timestamps).
    Shape { regexes: Arc<PrefixRegexes>, what: &'static str },
}

impl Prefix {
    /// Learns the prefix shape from the text before `goroutine` on a header line.
    pub(super) fn learn(text: &[u8]) -> Prefix {
        if text.is_empty() {
            return Prefix::None;
        }
        if text.iter().all(|&c| c == b' ' || c == b'\t') {
            return Prefix::Indent(text.len());
        }
        let body_len = text.iter().rposition(|&c| c != b' ' && c != b'\t').map_or(0, |p| p + 1);
        let (trimmed, trailing) = text.split_at(body_len);
        // ASCII classes (`(?-u)`): the digits and spaces learned are ASCII, and Unicode `\d`
        // and `\s` compile to automata large enough that building them took 0.3 ms per
        // dump, most of the time of a fleet check over small journald dumps. The pattern is
        // built from the bytes themselves (other bytes as `\xNN`), so that it matches the
        // line it was learned from whatever that line holds.
        let mut pat = String::from("(?-u)^");
        let mut i = 0;
        while i < trimmed.len() {
            let c = trimmed[i];
            let run = |i: usize, f: fn(&u8) -> bool| i + trimmed[i..].iter().take_while(|c| f(c)).count();
            if c.is_ascii_digit() {
                i = run(i, u8::is_ascii_digit);
                pat.push_str(r"\d+");
                continue;
            } else if c == b' ' {
                i = run(i, |&c| c == b' ');
                pat.push_str(" +");
                continue;
            } else if is_month_at(&trimmed[i..]) {
                // Syslog timestamps start with the month, which may change mid-dump.
                i += 3;
                pat.push_str("[A-Z][a-z]{2}");
                continue;
            } else if c == b'.' && trimmed.get(i + 1).is_some_and(u8::is_ascii_digit) {
                // Fractional seconds: Go trims trailing zeros, so the part may vanish.
                i = run(i + 1, u8::is_ascii_digit);
                pat.push_str(r"(?:\.\d+)?");
                continue;
            }
            push_byte_pattern(&mut pat, c);
            i += 1;
        }
        let blank = format!(r"{pat}\s*$");
        for &c in trailing {
            push_byte_pattern(&mut pat, c);
        }
        match prefix_regexes(&pat, &blank) {
            Some(regexes) => {
                let quoted = trimmed.iter().all(|&c| c == b'>' || c == b' ');
                Prefix::Shape { regexes, what: if quoted { "quoted with >" } else { "log prefix on every line" } }
            }
            None => Prefix::None,
        }
    }

    /// Removes the prefix from a line; a line without it is returned unchanged.
    ///
    /// Inlined for the common case, a dump with no prefix: every line of the input passes
    /// here, and a call per line cost 2% of a 100k-goroutine analysis.
    #[inline]
    pub(super) fn strip<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        match self {
            Prefix::None => line,
            _ => self.strip_some(line),
        }
    }

    #[inline(never)]
    fn strip_some<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        match self {
            Prefix::None => line,
            Prefix::Indent(n) => {
                let k = line.iter().take(*n).take_while(|&&c| c == b' ' || c == b'\t').count();
                &line[k..]
            }
            Prefix::Shape { regexes, .. } => match regexes.full.find(line) {
                Some(m) => &line[m.end()..],
                None if regexes.blank.is_match(line) => &[],
                None => line,
            },
        }
    }

    /// Whether lines carry no prefix (a dump a parallel read may continue in the next chunk).
    pub(super) fn is_none(&self) -> bool {
        matches!(self, Prefix::None)
    }

    /// The wrapping the prefix stands for, as [`crate::model::Dump::wrapping`] names it.
    pub(super) fn describe(&self) -> Option<&'static str> {
        match self {
            Prefix::None => None,
            Prefix::Indent(_) => Some("indented"),
            Prefix::Shape { what, .. } => Some(what),
        }
    }
}

/// Whether `text` starts with a month abbreviation followed by a space.
fn is_month_at(text: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] =
        [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    text.len() >= 4 && text[3] == b' ' && MONTHS.contains(&&text[..3])
}

/// Appends a pattern matching the byte `c` itself (in a `(?-u)` pattern).
fn push_byte_pattern(pat: &mut String, c: u8) {
    if c.is_ascii_alphanumeric() || c == b' ' {
        pat.push(c as char);
    } else {
        pat.push_str(&format!(r"\x{c:02x}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_prefix_shapes() {
        let p = Prefix::learn(b"Oct 27 15:20:23 h-stg-core-1 dockerd[1748]: ");
        assert_eq!(p.strip(b"Oct 27 15:20:24 h-stg-core-1 dockerd[1748]: main.main()"), b"main.main()");
        assert_eq!(
            p.strip(b"Oct 27 15:20:24 h-stg-core-1 dockerd[1748]:         /x.go:1"),
            b"        /x.go:1",
            "indentation after the prefix is kept"
        );
        assert_eq!(p.strip(b"Oct 27 15:20:24 h-stg-core-1 dockerd[1748]:"), b"");
        assert_eq!(p.strip(b"Nov  1 00:00:00 h-stg-core-1 dockerd[1748]: x"), b"x");
        assert_eq!(p.strip(b"something else"), b"something else");
        let p = Prefix::learn(b"2024-01-02T03:04:05.123456789Z stderr F ");
        assert_eq!(p.strip(b"2024-01-02T03:04:06Z stderr F x"), b"x");
        let p = Prefix::learn(b"    ");
        assert_eq!(p.strip(b"            /x.go:1"), b"        /x.go:1");
        let p = Prefix::learn(b"> ");
        assert_eq!(p.strip(b"> main.main()"), b"main.main()");
        assert_eq!(p.strip(b">"), b"");
        let p = Prefix::learn("10:00 hôte démon: ".as_bytes());
        assert_eq!(p.strip("10:01 hôte démon: main.main()".as_bytes()), b"main.main()", "non-ASCII text in a prefix");
    }

    #[test]
    fn splits_common_log_prefixes() {
        let (p, rest) = split_log_prefix(b"Sep 27 21:16:11 host dockerd[6773]: panic: x");
        assert_eq!((p, rest), (&b"Sep 27 21:16:11 host dockerd[6773]: "[..], &b"panic: x"[..]));
        assert_eq!(split_log_prefix(b"2024-01-02T03:04:05Z stderr F SIGQUIT: quit").1, b"SIGQUIT: quit");
        assert_eq!(split_log_prefix(b"> > fatal error: x").1, b"fatal error: x");
        assert_eq!(split_log_prefix(b"panic: x").0, b"");
    }
}
