//! `holdup check --format npd`: the one line a Kubernetes node-problem-detector custom
//! plugin prints.
//!
//! node-problem-detector's custom plugin monitor (`pkg/custompluginmonitor/plugin`) runs
//! the plugin, reads at most 4 KiB of its standard output, trims surrounding white space,
//! cuts the rest at `max_output_length` bytes (80 unless its config says otherwise) and
//! uses that as the node condition's message; the exit status decides the condition: 0 OK,
//! 1 problem (NonOK), anything else unknown. `holdup check` already exits 0, 1 or 2 in that
//! sense; this renderer writes exactly one line, never longer than the limit (cut on a
//! character boundary, with `…`), saying the most important error finding first.

use std::io::{self, Write};

use crate::check::{Finding, Report, Rule, Severity, Status};

/// Writes the line for `r`, at most `max` bytes plus the newline.
pub fn write(w: &mut dyn Write, r: &Report, max: usize) -> io::Result<()> {
    writeln!(w, "{}", fit(&line(r), max))
}

/// The exit code for `r` under node-problem-detector: check's, except that a run that
/// checked no dump at all is unknown (2), not OK.
pub fn exit_code(r: &Report) -> u8 {
    if r.counts().dumps == 0 { 2 } else { r.exit_code() }
}

/// The line, before fitting it to the limit.
pub fn line(r: &Report) -> String {
    let errors: Vec<&str> = r
        .files
        .iter()
        .filter_map(|f| match &f.status {
            Status::Error(e) => Some(e.as_str()),
            _ => None,
        })
        .collect();
    if let Some(e) = errors.first() {
        return format!("unknown: {e}");
    }
    let c = r.counts();
    if c.dumps == 0 {
        return "unknown: no goroutine dump to check".to_string();
    }
    let failing: Vec<&Finding> =
        r.files.iter().flat_map(|f| f.findings()).map(|(_, f)| f).filter(|f| f.severity == Severity::Error).collect();
    let Some(first) = failing.first() else {
        let warn = match c.warning_findings {
            0 => String::new(),
            1 => "; 1 warning".to_string(),
            n => format!("; {n} warnings"),
        };
        let dumps = if c.dumps == 1 { "1 dump".to_string() } else { format!("{} dumps", c.dumps) };
        return format!("ok: no deadlock or blocked goroutine in {dumps}{warn}");
    };
    let more = match failing.len() - 1 {
        0 => String::new(),
        n => format!(" (+{n} more)"),
    };
    format!("{}{more}", finding_line(first))
}

/// One finding in few words: the count, the goroutine, what it does.
fn finding_line(f: &Finding) -> String {
    let what = f.subject.as_deref().unwrap_or("?");
    let first = f.goroutines.first().map_or("?".to_string(), u64::to_string);
    let conf = f.confidence.map_or(String::new(), |c| format!(" ({})", c.as_str()));
    match f.rule {
        Rule::Blocked => {
            format!("{} goroutines blocked behind goroutine {first} in {what}{conf}", f.blocked_goroutines.unwrap_or(0))
        }
        Rule::Deadlock => {
            let ids: Vec<String> = f.goroutines.iter().map(u64::to_string).collect();
            format!("deadlock: goroutines {} in {what}{conf}", ids.join(", "))
        }
        Rule::LeakedLock => {
            format!("{} goroutines wait for {what}, held by no live goroutine", f.blocked_goroutines.unwrap_or(0))
        }
        Rule::Panic => format!("panic in {what}: {}", f.message),
        Rule::Stuck => format!("stuck: {}", f.message),
        Rule::LongWait | Rule::TooManyGoroutines => format!("{}: {}", f.rule, f.message),
    }
}

/// `s` on one line, cut to at most `max` bytes on a character boundary, ending in `…` when
/// cut.
pub fn fit(s: &str, max: usize) -> String {
    let one: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let one = one.trim();
    if one.len() <= max {
        return one.to_string();
    }
    let ell = '…';
    let mut end = max.saturating_sub(ell.len_utf8());
    while !one.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ell}", one[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fits_on_char_boundaries() {
        assert_eq!(fit("short", 80), "short");
        assert_eq!(fit("a\nb\tc", 80), "a b c");
        let cut = fit(&"é".repeat(100), 21);
        assert!(cut.len() <= 21 && cut.ends_with('…'), "{cut}");
        let cut = fit(&"x".repeat(100), 80);
        assert_eq!(cut.len(), 80);
    }
}
