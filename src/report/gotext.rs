//! Writing goroutines back in the Go runtime's own text format, so that what holdup prints
//! (for example a filtered subset) is itself a dump any tool can read.

use std::io::{self, Write};

use crate::model::{CreatedBy, Dump, Frame, Goroutine};

/// Writes one goroutine as the runtime would print it, followed by a blank line.
pub fn write_goroutine(w: &mut dyn Write, d: &Dump, g: &Goroutine) -> io::Result<()> {
    if let Some(id) = g.id {
        write!(w, "goroutine {id} [{}", d.state(g))?;
        if g.leaked {
            w.write_all(b" (leaked)")?;
        }
        if g.scan {
            w.write_all(b" (scan)")?;
        }
        if let Some(m) = g.wait_minutes {
            write!(w, ", {m} minutes")?;
        }
        if g.locked_to_thread {
            w.write_all(b", locked to thread")?;
        }
        w.write_all(b"]")?;
        if !g.labels.is_empty() {
            w.write_all(b" {")?;
            for (i, (k, v)) in g.labels.iter().enumerate() {
                if i > 0 {
                    w.write_all(b", ")?;
                }
                write!(w, "{}: {}", quote_label(k), quote_label(v))?;
            }
            w.write_all(b"}")?;
        }
        w.write_all(b":\n")?;
    }
    if g.stack_unavailable {
        w.write_all(b"\tgoroutine running on other thread; stack unavailable\n")?;
    }
    for (i, f) in d.frames(g).enumerate() {
        if let Some(e) = g.elided.filter(|e| e.after as usize == i) {
            write_elision(w, e.count)?;
        }
        write_frame(w, &f)?;
    }
    if let Some(e) = g.elided.filter(|e| e.after == g.frames.end - g.frames.start) {
        write_elision(w, e.count)?;
    }
    if let Some(c) = &g.created_by {
        write_created_by(w, d, c)?;
    }
    for a in &g.ancestors {
        writeln!(w, "[originating from goroutine {}]:", a.id)?;
        for f in d.frames_in(a.frames.clone()) {
            write_frame(w, &f)?;
        }
        if let Some(c) = &a.created_by {
            write_created_by(w, d, c)?;
        }
    }
    w.write_all(b"\n")
}

fn write_elision(w: &mut dyn Write, count: Option<u32>) -> io::Result<()> {
    match count {
        Some(n) => writeln!(w, "...{n} frames elided..."),
        None => w.write_all(b"...additional frames elided...\n"),
    }
}

/// Writes `func(args)` and its tab-indented file line.
pub fn write_frame(w: &mut dyn Write, f: &Frame<'_>) -> io::Result<()> {
    writeln!(w, "{}({})", f.func.full, f.args)?;
    write_file_line(w, &f.site.file, f.site.line, f.site.pc_offset)
}

fn write_file_line(w: &mut dyn Write, file: &str, line: u32, pc: Option<u32>) -> io::Result<()> {
    write!(w, "\t{file}:{line}")?;
    if let Some(pc) = pc {
        write!(w, " +{pc:#x}")?;
    }
    w.write_all(b"\n")
}

fn write_created_by(w: &mut dyn Write, d: &Dump, c: &CreatedBy) -> io::Result<()> {
    let (func, site) = d.created_by(c);
    write!(w, "created by {}", func.full)?;
    if let Some(p) = c.parent {
        write!(w, " in goroutine {p}")?;
    }
    w.write_all(b"\n")?;
    write_file_line(w, &site.file, site.line, site.pc_offset)
}

/// Quotes a label key or value the way the runtime does: only when it holds characters
/// other than letters, digits, `.`, `/` and `_`.
fn quote_label(s: &str) -> String {
    let plain = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_'));
    if plain {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c if (c as u32) < 127 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x1_0000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_parser() {
        let text = "goroutine 7 [chan receive, 5 minutes, locked to thread] {handler: \"p s\", id: 42}:\n\
main.worker(0xc000010000, {0x0?, 0x40})\n\t/app/main.go:12 +0x1d\n\
sync.(*Mutex).Lock(...)\n\t/usr/local/go/src/sync/mutex.go:46\n\
...3 frames elided...\n\
main.main()\n\t/app/main.go:5 +0x20\n\
created by main.start in goroutine 1\n\t/app/main.go:30 +0x66\n\n";
        let dumps = crate::read_dumps(text.as_bytes(), "t").unwrap();
        let d = &dumps[0];
        let mut out = Vec::new();
        write_goroutine(&mut out, d, &d.goroutines[0]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }

    #[test]
    fn quotes_labels_like_the_runtime() {
        assert_eq!(quote_label("ps"), "ps");
        assert_eq!(quote_label("p s, x}"), "\"p s, x}\"");
        assert_eq!(quote_label("4\n2\u{1}é"), "\"4\\n2\\x01\\u00e9\"");
    }
}
