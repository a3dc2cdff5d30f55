//! Crash output: a Go program's own report of its death, `SIGQUIT: quit` / `panic: …` /
//! `fatal error: …`, with the lines before the first goroutine (the message, `[signal …]`,
//! `PC=0x… m=0 sigcode=0`) kept as the dump's reason.

use std::sync::LazyLock;

use regex::bytes::Regex;

use crate::model::DumpKind;
use crate::parse::trim_indent;

use super::Extractor;

/// The longest preamble (panic message, signal lines) kept as a dump's reason.
const MAX_REASON: usize = 4096;

/// A line that starts a crash dump: signal, panic or fatal error, after an optional prefix.
static CRASH_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(SIG[A-Z0-9]+: |panic: |fatal error: )").expect("valid regex"));

/// Whether `body` (a line without its log prefix) starts a crash report.
pub(super) fn starts_crash(body: &[u8]) -> bool {
    CRASH_START.is_match(body)
}

/// The kind of dump a crash line starts: `SIGQUIT: quit` is the runtime's answer to a
/// signal asking for a dump; anything else is a death.
pub(super) fn crash_kind(body: &[u8]) -> DumpKind {
    if body.starts_with(b"SIGQUIT: ") { DumpKind::Sigquit } else { DumpKind::Panic }
}

/// Whether a preamble line (without its log prefix and indentation) belongs to the reason.
/// Before the first blank line (`message_done` false) every line does: a message may hold
/// newlines. After it only what a crash report prints: `[signal SIGSEGV: …]`,
/// `PC=0x… m=0 sigcode=0`, `panic: second [recovered]`.
pub(super) fn keeps_in_reason(t: &[u8], message_done: bool) -> bool {
    !message_done
        || t.starts_with(b"[signal ")
        || t.starts_with(b"PC=")
        || t.starts_with(b"panic: ")
        || t.starts_with(b"[")
}

/// A preamble line as the reason keeps it: without its indentation.
pub(super) fn reason_text(body: &[u8]) -> &[u8] {
    trim_indent(body)
}

impl Extractor {
    /// Appends a line to the open dump's reason, up to [`MAX_REASON`] bytes.
    pub(super) fn add_reason(&mut self, text: &[u8]) {
        if let Some(o) = self.open_mut() {
            let d = o.b.dump_mut();
            let r = d.reason.get_or_insert_with(String::new);
            if r.len() + text.len() < MAX_REASON {
                if !r.is_empty() {
                    r.push('\n');
                }
                r.push_str(&crate::escape::visible_lossy(text));
            }
        }
    }
}
