//! `holdup check` output: text lines for people, `holdup.check/v1` JSON, JUnit XML for
//! Jenkins and GitLab, and GitHub Actions workflow commands. Only the text is coloured.
//!
//! The JSON names are a contract like `holdup.analysis/v1`: fields may be added, never renamed
//! or removed within `v1`.

use std::io::{self, Write};

use colored::Colorize;
use serde::Serialize;

use crate::check::{Counts, Finding, Report, Severity, Status};
use crate::report::analysis_json::DumpAnalysis;

/// The schema name of the JSON output.
pub const SCHEMA: &str = "holdup.check/v1";

/// Where a finding is: the file, and the dump when the file holds several.
fn place(source: &str, index: usize, of: usize) -> String {
    // File names found under a directory come from whoever wrote them: shown, never obeyed.
    let source = crate::escape::visible(source);
    if of > 1 { format!("{source} (dump {} of {of})", index + 1) } else { source.into_owned() }
}

/// `dump.log: blocked: goroutine 197 (…) holds …`, one line per finding; warnings say so.
pub fn write_text(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    for file in &r.files {
        let of = file.dumps().len();
        for (index, f) in file.findings() {
            let at = place(&file.source, index, of);
            match f.severity {
                Severity::Error => writeln!(w, "{}: {}: {}", at.bold(), f.rule.as_str().red().bold(), f.message)?,
                Severity::Warning => {
                    writeln!(w, "{}: {} (warning): {}", at.bold(), f.rule.as_str().yellow().bold(), f.message)?
                }
            }
        }
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line summary: `check failed: 3 files checked, 2 findings, 1 failed`.
pub fn summary(r: &Report) -> String {
    let c: Counts = r.counts();
    let verdict = if r.exit_code() == 0 { "check passed" } else { "check failed" };
    let mut s = format!("{verdict}: {} checked", plural(c.checked, "file", "files"));
    if c.dumps != c.checked {
        s.push_str(&format!(" ({})", plural(c.dumps, "dump", "dumps")));
    }
    s.push_str(&format!(", {}", plural(c.error_findings + c.warning_findings, "finding", "findings")));
    if c.warning_findings > 0 {
        s.push_str(&format!(" ({})", plural(c.warning_findings, "warning", "warnings")));
    }
    s.push_str(&format!(", {} failed", c.failed));
    if c.errors > 0 {
        s.push_str(&format!(", {}", plural(c.errors, "input error", "input errors")));
    }
    if c.skipped > 0 {
        s.push_str(&format!(", {} skipped (no dump)", c.skipped));
    }
    if c.ignored > 0 {
        s.push_str(&format!(", {} ignored", c.ignored));
    }
    if let Some(cfg) = &r.settings.config {
        s.push_str(&format!("; rules from {cfg}"));
    }
    s
}

/// The whole JSON document.
#[derive(Serialize)]
pub struct CheckDoc<'a> {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Whether the check passed (exit code 0).
    pub passed: bool,
    /// The exit code: 0 passed, 1 a finding is an error, 2 an input error.
    pub exit_code: u8,
    /// The rules used.
    pub rules: RulesJson,
    /// Counts.
    pub summary: SummaryJson,
    /// One entry per input file, in order (files skipped in directories included).
    pub inputs: Vec<InputJson>,
    /// Every finding, in input order.
    pub findings: Vec<FindingJson>,
    /// The analysis of every dump checked, as in `holdup.analysis/v1`.
    pub dumps: Vec<&'a DumpAnalysis>,
}

/// The rules in force.
#[derive(Serialize)]
pub struct RulesJson {
    /// Rules whose findings are errors.
    pub fail_on: Vec<&'static str>,
    /// Goroutines allowed behind one blocker.
    pub max_blocked: usize,
    /// The longest wait allowed, in seconds (null: not checked).
    pub max_wait_seconds: Option<u64>,
    /// The most goroutines allowed (null: not checked).
    pub max_goroutines: Option<u64>,
    /// The `ignore` regexes.
    pub ignore: Vec<String>,
    /// The config file read, if any.
    pub config: Option<String>,
}

/// Counts over all inputs.
#[derive(Serialize)]
pub struct SummaryJson {
    /// Files whose dumps were checked.
    pub files_checked: usize,
    /// Dumps checked.
    pub dumps: usize,
    /// Checked files with an error finding.
    pub failed: usize,
    /// Inputs that could not be read.
    pub input_errors: usize,
    /// Files in directories skipped for holding no dump.
    pub skipped: usize,
    /// Findings that are errors.
    pub errors: usize,
    /// Findings that are warnings.
    pub warnings: usize,
    /// Findings dropped by `ignore`.
    pub ignored: usize,
}

/// One input file.
#[derive(Serialize)]
pub struct InputJson {
    /// Its path (`-` for stdin).
    pub source: String,
    /// `passed`, `failed`, `error` (could not be read) or `skipped` (no dump, found in a
    /// directory).
    pub status: &'static str,
    /// Dumps in it.
    pub dumps: usize,
    /// Findings in it (after `ignore`).
    pub findings: usize,
    /// What went wrong, for `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One finding.
#[derive(Serialize)]
pub struct FindingJson {
    /// The input file.
    pub source: String,
    /// Index of the dump within the file (as `dumps[].index`).
    pub dump: usize,
    /// `deadlock`, `blocked`, `leaked-lock`, `panic`, `stuck`, `long-wait`, `too-many-goroutines`.
    pub rule: &'static str,
    /// `error` (fails the check) or `warning`.
    pub severity: &'static str,
    /// One line for people; what `--ignore` matches.
    pub message: String,
    /// The 1-based input line it points at.
    pub line: Option<u64>,
    /// Goroutine ids involved.
    pub goroutines: Vec<u64>,
    /// Lock ids involved (as in `dumps[].locks[].id`).
    pub locks: Vec<String>,
    /// The holder's confidence (`blocked`, `deadlock`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<&'static str>,
    /// Goroutines waiting behind it (`blocked`, `deadlock`, `leaked-lock`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_goroutines: Option<usize>,
}

fn finding_json(source: &str, dump: usize, f: &Finding) -> FindingJson {
    FindingJson {
        source: source.to_string(),
        dump,
        rule: f.rule.as_str(),
        severity: f.severity.as_str(),
        message: f.message.clone(),
        line: f.line,
        goroutines: f.goroutines.clone(),
        locks: f.locks.clone(),
        confidence: f.confidence.map(|c| c.as_str()),
        blocked_goroutines: f.blocked_goroutines,
    }
}

/// Builds the JSON document.
pub fn doc(r: &Report) -> CheckDoc<'_> {
    let c = r.counts();
    let s = &r.settings;
    let code = r.exit_code();
    CheckDoc {
        schema: SCHEMA,
        passed: code == 0,
        exit_code: code,
        rules: RulesJson {
            fail_on: s.fail_on.iter().map(|r| r.as_str()).collect(),
            max_blocked: s.max_blocked,
            max_wait_seconds: s.max_wait.map(|d| d.as_secs()),
            max_goroutines: s.max_goroutines,
            ignore: s.ignore.iter().map(|re| re.as_str().to_string()).collect(),
            config: s.config.clone(),
        },
        summary: SummaryJson {
            files_checked: c.checked,
            dumps: c.dumps,
            failed: c.failed,
            input_errors: c.errors,
            skipped: c.skipped,
            errors: c.error_findings,
            warnings: c.warning_findings,
            ignored: c.ignored,
        },
        inputs: r
            .files
            .iter()
            .map(|f| {
                let (status, error) = match &f.status {
                    Status::Checked(_) if f.failed() => ("failed", None),
                    Status::Checked(_) => ("passed", None),
                    Status::Skipped => ("skipped", None),
                    Status::Error(e) => ("error", Some(e.clone())),
                };
                InputJson {
                    source: f.source.clone(),
                    status,
                    dumps: f.dumps().len(),
                    findings: f.findings().count(),
                    error,
                }
            })
            .collect(),
        findings: r
            .files
            .iter()
            .flat_map(|file| file.findings().map(|(i, f)| finding_json(&file.source, i, f)))
            .collect(),
        dumps: r.files.iter().flat_map(|f| f.dumps().iter().filter_map(|d| d.analysis.as_ref())).collect(),
    }
}

/// `--format json`: one `holdup.check/v1` document on one line.
pub fn write_json(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    serde_json::to_writer(&mut *w, &doc(r))?;
    w.write_all(b"\n")
}

/// Escapes text for XML 1.0 content or (with `attr`) a double-quoted attribute. Characters
/// XML 1.0 cannot hold at all (control characters, U+FFFE, U+FFFF) are written as `\xNN` or
/// U+FFFD, so that any dump text gives a well-formed document.
pub fn xml_escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\'' if attr => out.push_str("&apos;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `--format junit`: one `<testsuite>` with one `<testcase>` per input file (files skipped in
/// directories are left out), a `<failure>` per error finding, an `<error>` for an input that
/// could not be read, and warnings in `<system-out>`. `failures` and `errors` count test
/// cases, as JUnit does.
pub fn write_junit(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    let cases: Vec<_> = r.files.iter().filter(|f| !matches!(f.status, Status::Skipped)).collect();
    let failures = cases.iter().filter(|f| f.failed()).count();
    let errors = cases.iter().filter(|f| matches!(f.status, Status::Error(_))).count();
    let counts = format!(r#"tests="{}" failures="{failures}" errors="{errors}""#, cases.len());
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(w, r#"<testsuites name="holdup check" {counts}>"#)?;
    writeln!(w, r#"  <testsuite name="holdup check" {counts} skipped="0">"#)?;
    for file in cases {
        let name = xml_escape(&file.source, true);
        let open = format!(r#"    <testcase name="{name}" classname="holdup.check" file="{name}""#);
        let of = file.dumps().len();
        match &file.status {
            Status::Error(e) => {
                writeln!(w, "{open}>")?;
                writeln!(
                    w,
                    r#"      <error type="input" message="{}">{}</error>"#,
                    xml_escape(e, true),
                    xml_escape(e, false)
                )?;
                writeln!(w, "    </testcase>")?;
            }
            _ if file.findings().next().is_none() => writeln!(w, "{open}/>")?,
            _ => {
                writeln!(w, "{open}>")?;
                let mut out = String::new();
                for (index, f) in file.findings() {
                    let at = place(&file.source, index, of);
                    let line = f.line.map_or(String::new(), |l| format!(" (input line {l})"));
                    let text = format!("{at}: {}: {}{line}", f.rule, f.message);
                    match f.severity {
                        Severity::Error => writeln!(
                            w,
                            r#"      <failure type="{}" message="{}">{}</failure>"#,
                            f.rule,
                            xml_escape(&f.message, true),
                            xml_escape(&text, false)
                        )?,
                        Severity::Warning => out.push_str(&format!("warning: {text}\n")),
                    }
                }
                if !out.is_empty() {
                    writeln!(w, "      <system-out>{}</system-out>", xml_escape(&out, false))?;
                }
                writeln!(w, "    </testcase>")?;
            }
        }
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")
}

/// Escapes the message of a GitHub workflow command: `%`, CR and LF.
pub fn github_data(s: &str) -> String {
    let s = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    // The runner prints these lines in the job's log: other controls are shown, not obeyed.
    crate::escape::visible(&s).into_owned()
}

/// Escapes a property of a GitHub workflow command: as [`github_data`], and `:` and `,`.
pub fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `--format github`: `::error file=…,line=…,title=holdup RULE::MESSAGE` per finding
/// (`::warning` for warnings), `::error` for an input that could not be read.
pub fn write_github(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    for file in &r.files {
        // Standard input has no file to annotate.
        let file_prop = (file.source != "-").then(|| format!("file={},", github_property(&file.source)));
        match &file.status {
            Status::Error(e) => {
                let props = file_prop.clone().unwrap_or_default();
                writeln!(w, "::error {props}title={}::{}", github_property("holdup input error"), github_data(e))?;
            }
            Status::Skipped => {}
            Status::Checked(ds) => {
                for (index, f) in file.findings() {
                    let level = match f.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    };
                    let mut props = String::new();
                    if let Some(p) = &file_prop {
                        props.push_str(p);
                        if let Some(l) = f.line {
                            props.push_str(&format!("line={l},"));
                        }
                    }
                    let title = github_property(&format!("holdup {}", f.rule));
                    let dump =
                        if ds.len() > 1 { format!("(dump {} of {}) ", index + 1, ds.len()) } else { String::new() };
                    writeln!(w, "::{level} {props}title={title}::{}", github_data(&format!("{dump}{}", f.message)))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping_follows_the_actions_toolkit() {
        // actions/toolkit `escapeData` and `escapeProperty`.
        assert_eq!(github_data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(github_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        // `%` first, so an escape is not escaped again.
        assert_eq!(github_data("%0A"), "%250A");
    }

    #[test]
    fn xml_escaping_keeps_documents_well_formed() {
        assert_eq!(xml_escape(r#"<a & "b" 'c'>"#, true), "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;");
        assert_eq!(xml_escape(r#"<a & "b">"#, false), r#"&lt;a &amp; "b"&gt;"#);
        // Line breaks survive attribute normalization; text keeps them as they are.
        assert_eq!(xml_escape("a\nb\tc\rd", true), "a&#10;b&#9;c&#13;d");
        assert_eq!(xml_escape("a\nb\tc\rd", false), "a\nb\tc&#13;d");
        // Characters XML 1.0 cannot hold.
        assert_eq!(xml_escape("\u{0}\u{1b}x\u{FFFE}", false), "\\x00\\x1bx\u{FFFD}");
        let doc = format!(r#"<r a="{}">{}</r>"#, xml_escape("q\"\n\u{7}", true), xml_escape("<\u{7}&", false));
        let parsed = roxmltree::Document::parse(&doc).expect("well-formed");
        assert_eq!(parsed.root_element().attribute("a"), Some("q\"\n\\x07"));
        assert_eq!(parsed.root_element().text(), Some("<\\x07&"));
    }
}
