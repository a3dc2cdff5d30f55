//! Escaping what a dump says before it reaches an output. Function names, file paths, states
//! and panic messages come from the dump, and a dump can hold anything: markup, quotes,
//! backticks, terminal escape sequences. Every renderer passes such strings through one of
//! these functions.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Control characters (C0, DEL, C1) written as visible `\x1b` escapes, so that a terminal
/// never receives an escape sequence from a dump and a line never breaks inside a name.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text for HTML, SVG and XML, in element content and in quoted attributes: the five
/// markup characters as entities, control characters made visible (XML forbids most of them).
pub fn html(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| matches!(c, '&' | '<' | '>' | '"' | '\'') || c.is_control()) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in visible(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// holdup's own markup (an SVG it drew) as the value of a quoted HTML attribute: the markup
/// characters as entities, line breaks kept (the drawing's script needs them). Never for
/// text from a dump: use [`html`].
pub fn markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_escapes_never_pass_raw() {
        let s = "main.<script>alert('x&y')</script>\x1b[31m\"`";
        assert_eq!(visible(s), "main.<script>alert('x&y')</script>\\x1b[31m\"`");
        assert_eq!(html(s), "main.&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;\\x1b[31m&quot;`");
        assert!(matches!(html("local.(*Root).Remove"), Cow::Borrowed(_)));
        assert_eq!(visible("a\u{9b}b\nc"), "a\\x9bb\\x0ac");
    }
}
