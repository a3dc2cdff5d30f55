//! `holdup check`: the CI gate. Finds the dumps under the given paths, analyzes each, turns the
//! analysis into findings by rules, and says with the exit code whether they pass.
//!
//! Rules and severity:
//!
//! | rule | a finding when | severity |
//! |---|---|---|
//! | `deadlock` | goroutines wait for each other's locks | error if in `fail_on`, else warning |
//! | `blocked` | a holder has more than `max_blocked` goroutines behind it | error if in `fail_on`, else warning |
//! | `leaked-lock` | goroutines wait for a lock no live goroutine holds | error if in `fail_on`, else warning |
//! | `panic` | the dump is a panic or fatal error traceback | error if in `fail_on`, else warning |
//! | `stuck` | goroutines look stuck doing work (waiting beyond `max_wait` when set) | error if in `fail_on`, else warning |
//! | `long-wait` | goroutines waited longer than `max_wait` (only when set) | error |
//! | `too-many-goroutines` | a dump holds more than `max_goroutines` (only when set) | error |
//!
//! Findings whose message matches an `ignore` regex are dropped. Exit codes: 0 every input
//! passed (warnings allowed), 1 an error finding, 2 an input could not be read (takes
//! precedence). Rules come from the command line, else `holdup.toml` (or `--config`), else the
//! defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use rayon::prelude::*;
use regex::Regex;
use serde::Deserialize;

use crate::analysis::{Analysis, analyze};
use crate::infer::{Confidence, short};
use crate::model::{Dump, DumpKind, Frame, Func};
use crate::report::analysis_json::{DumpAnalysis, dump_analysis};
use crate::report::words;
use crate::{ErrorKind, ReadOptions};

/// The config file looked for in the current directory.
pub const CONFIG_FILE: &str = "holdup.toml";

const AFTER_HELP: &str = "\
Rules:
  deadlock             goroutines wait for each other's locks
  blocked              a goroutine holds a lock with more than --max-blocked goroutines behind it
  leaked-lock          goroutines wait for a lock that no live goroutine holds
  panic                the dump is a panic or fatal error traceback
  stuck                goroutines look stuck doing work, not on a lock: a request waiting in a
                       WaitGroup, a channel or a remote call, a file-system call that does not
                       return (only those waiting longer than --max-wait, when it is given)
  long-wait            goroutines waited longer than --max-wait (only when it is given)
  too-many-goroutines  a dump holds more than --max-goroutines goroutines (only when given)
  deadlock, blocked, leaked-lock, panic and stuck findings are errors when the rule is in --fail-on
  (default: deadlock,blocked), else warnings: shown, never failing. long-wait and
  too-many-goroutines findings are always errors.

Inputs:
  Directories are searched recursively, skipping hidden files and directories and not
  following symbolic links to directories; files in them that hold no dump are skipped with a
  note. A file named on the command line that holds no dump is an input error. A file may hold
  several dumps; each is checked.

Config:
  holdup.toml in the current directory (or --config FILE) may set the rules:
    fail_on = [\"deadlock\", \"blocked\", \"leaked-lock\"]
    max_blocked = 5
    max_wait = \"10m\"
    max_goroutines = 50000
    ignore = ['events\\.\\(\\*Events\\)']
  A rule given on the command line replaces the file's (--ignore replaces its whole list).
  Unknown keys are an error.

Output:
  Findings go to stdout (text: `FILE: RULE: MESSAGE`, one per line); notes, input errors and
  the one-line summary go to stderr.

Exit codes:
  0  every input passed (warnings do not fail)
  1  at least one finding is an error
  2  an input could not be read, a named file holds no dump, or the config or arguments are
     wrong (takes precedence over 1)";

/// Arguments of `holdup check`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct CheckArgs {
    /// Dump files or directories (searched recursively); '-' reads stdin.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,

    /// Rules whose findings fail the check, comma-separated: deadlock, blocked, leaked-lock,
    /// panic, stuck, or none [default: deadlock,blocked].
    #[arg(long, value_name = "RULES", value_parser = parse_rule_list)]
    pub fail_on: Vec<RuleList>,

    /// A blocker fails `blocked` when more than N goroutines wait behind it [default: 0].
    #[arg(long, value_name = "N")]
    pub max_blocked: Option<usize>,

    /// Report goroutines that waited longer than this (`10m`, `1h 30m`) as `long-wait`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_wait: Option<Duration>,

    /// Report a dump with more than N goroutines as `too-many-goroutines`.
    #[arg(long, value_name = "N")]
    pub max_goroutines: Option<u64>,

    /// Drop findings whose subject matches this regex: a blocker's stack or lock sites, the
    /// function a deadlocked goroutine is stuck in (repeatable; replaces the config's list).
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub ignore: Vec<Regex>,

    /// Output format: text for people, json (schema holdup.check/v1), junit (XML for
    /// Jenkins/GitLab), or github (GitHub Actions annotations).
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Read the rules from this TOML file instead of ./holdup.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Do not read ./holdup.toml.
    #[arg(long)]
    pub no_config: bool,

    /// With --format npd: the longest line written, in bytes (node-problem-detector cuts
    /// a plugin's output at its max_output_length, 80 unless configured).
    #[arg(long, value_name = "BYTES", default_value_t = 80, value_parser = clap::value_parser!(u16).range(20..))]
    pub npd_max_length: u16,
}

/// Output formats of `holdup check`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckFormat {
    /// `FILE: RULE: MESSAGE` lines.
    Text,
    /// `holdup.check/v1`.
    Json,
    /// JUnit XML: one testcase per input file.
    Junit,
    /// GitHub Actions workflow commands (`::error file=…::…`).
    Github,
    /// One line of at most `--npd-max-length` bytes, for a Kubernetes node-problem-detector
    /// custom plugin (its exit codes are check's: 0 OK, 1 problem, 2 unknown).
    Npd,
}

/// A rule of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Goroutines wait for each other's locks.
    Deadlock,
    /// A holder has too many goroutines behind it.
    Blocked,
    /// Goroutines wait for a lock no live goroutine holds.
    LeakedLock,
    /// The dump is a panic or fatal error traceback.
    Panic,
    /// Goroutines look stuck doing work (not on a lock).
    Stuck,
    /// Goroutines waited longer than the limit.
    LongWait,
    /// A dump holds more goroutines than the limit.
    TooManyGoroutines,
}

impl Rule {
    /// The rules `fail_on` may name.
    pub const SELECTABLE: [Rule; 5] = [Rule::Deadlock, Rule::Blocked, Rule::LeakedLock, Rule::Panic, Rule::Stuck];

    /// The stable name used in every output and in `--fail-on`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Deadlock => "deadlock",
            Rule::Blocked => "blocked",
            Rule::LeakedLock => "leaked-lock",
            Rule::Panic => "panic",
            Rule::Stuck => "stuck",
            Rule::LongWait => "long-wait",
            Rule::TooManyGoroutines => "too-many-goroutines",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a finding fails the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Fails the check (exit 1).
    Error,
    /// Reported, does not fail.
    Warning,
}

impl Severity {
    /// The stable name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The rules of one `--fail-on` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleList(pub Vec<Rule>);

/// Parses `deadlock,blocked` (or `none`, or an empty string) into rules.
pub fn parse_rule_list(s: &str) -> Result<RuleList, String> {
    let mut rules = Vec::new();
    for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == "none" {
            continue;
        }
        rules.push(parse_rule(name)?);
    }
    Ok(RuleList(rules))
}

/// Parses one rule name that `fail_on` accepts.
fn parse_rule(name: &str) -> Result<Rule, String> {
    if let Some(r) = Rule::SELECTABLE.into_iter().find(|r| r.as_str() == name) {
        return Ok(r);
    }
    let why = match name {
        "long-wait" => "; long-wait is turned on by max_wait (--max-wait)".to_string(),
        "too-many-goroutines" => "; too-many-goroutines is turned on by max_goroutines (--max-goroutines)".to_string(),
        _ => String::new(),
    };
    Err(format!("unknown rule '{name}': expected deadlock, blocked, leaked-lock, panic, stuck or none{why}"))
}

/// Parses `10m`, `90s`, `1h 30m`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("'{s}' is not a duration like 10m or 1h30m: {e}"))
}

fn parse_regex(s: &str) -> Result<Regex, String> {
    Regex::new(s).map_err(|e| e.to_string())
}

/// The config file (`holdup.toml`).
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    fail_on: Option<Vec<String>>,
    max_blocked: Option<usize>,
    max_wait: Option<String>,
    max_goroutines: Option<u64>,
    ignore: Option<Vec<String>>,
}

/// The rules in force, after merging the command line over the config file.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Rules whose findings are errors (sorted, without duplicates).
    pub fail_on: Vec<Rule>,
    /// A blocker fails when more than this many goroutines wait behind it.
    pub max_blocked: usize,
    /// The longest wait allowed, if checked.
    pub max_wait: Option<Duration>,
    /// The most goroutines allowed, if checked.
    pub max_goroutines: Option<u64>,
    /// Findings whose message matches one of these are dropped.
    pub ignore: Vec<Regex>,
    /// The config file read, if any.
    pub config: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            fail_on: vec![Rule::Deadlock, Rule::Blocked],
            max_blocked: 0,
            max_wait: None,
            max_goroutines: None,
            ignore: Vec::new(),
            config: None,
        }
    }
}

impl Settings {
    /// Merges the command line over the config file (`--config`, else `./holdup.toml` unless
    /// `--no-config`). Errors name the file and what is wrong with it.
    pub fn resolve(args: &CheckArgs) -> Result<Settings, String> {
        let path = match (&args.config, args.no_config) {
            (Some(p), _) => Some(p.clone()),
            (None, false) if Path::new(CONFIG_FILE).is_file() => Some(PathBuf::from(CONFIG_FILE)),
            _ => None,
        };
        let mut s = match &path {
            Some(p) => Settings::from_file(p)?,
            None => Settings::default(),
        };
        if !args.fail_on.is_empty() {
            s.fail_on = args.fail_on.iter().flat_map(|l| &l.0).copied().collect();
        }
        s.fail_on.sort_unstable();
        s.fail_on.dedup();
        if let Some(n) = args.max_blocked {
            s.max_blocked = n;
        }
        if let Some(d) = args.max_wait {
            s.max_wait = Some(d);
        }
        if let Some(n) = args.max_goroutines {
            s.max_goroutines = Some(n);
        }
        if !args.ignore.is_empty() {
            s.ignore = args.ignore.clone();
        }
        Ok(s)
    }

    fn from_file(path: &Path) -> Result<Settings, String> {
        let name = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => format!("config file {name}: no such file"),
            _ => format!("config file {name}: {e}"),
        })?;
        let bad = |what: String| format!("bad config file {name}: {what}");
        let file: ConfigFile = toml::from_str(&text).map_err(|e| bad(e.to_string().trim_end().to_string()))?;
        let mut s = Settings { config: Some(name.to_string()), ..Settings::default() };
        if let Some(names) = file.fail_on {
            s.fail_on = names
                .iter()
                .filter(|n| *n != "none")
                .map(|n| parse_rule(n))
                .collect::<Result<_, _>>()
                .map_err(|e| bad(format!("fail_on: {e}")))?;
        }
        if let Some(n) = file.max_blocked {
            s.max_blocked = n;
        }
        if let Some(w) = file.max_wait {
            s.max_wait = Some(parse_duration(&w).map_err(|e| bad(format!("max_wait: {e}")))?);
        }
        s.max_goroutines = file.max_goroutines;
        if let Some(res) = file.ignore {
            s.ignore = res
                .iter()
                .map(|r| parse_regex(r))
                .collect::<Result<_, _>>()
                .map_err(|e| bad(format!("ignore: {e}")))?;
        }
        Ok(s)
    }

    /// The severity of a rule's findings.
    pub fn severity(&self, rule: Rule) -> Severity {
        match rule {
            Rule::LongWait | Rule::TooManyGoroutines => Severity::Error,
            r if self.fail_on.contains(&r) => Severity::Error,
            _ => Severity::Warning,
        }
    }

    /// Whether an `ignore` regex drops this finding: it matches the finding's subject (see
    /// [`Finding::ignore_keys`]), never the wording of its message.
    pub fn ignored(&self, f: &Finding) -> bool {
        self.ignore.iter().any(|re| {
            if f.ignore_keys.is_empty() {
                re.is_match(&f.message)
            } else {
                f.ignore_keys.iter().any(|k| re.is_match(k))
            }
        })
    }
}

/// One finding in one dump.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule that found it.
    pub rule: Rule,
    /// Whether it fails the check.
    pub severity: Severity,
    /// One line for people (what `--ignore` matches).
    pub message: String,
    /// The 1-based input line it points at (the holder's header, the panic message, …).
    pub line: Option<u64>,
    /// Goroutine ids involved: the holder, the cycle, the waiters of a leaked lock, the long
    /// waiters, the panicking goroutine.
    pub goroutines: Vec<u64>,
    /// Ids of the locks involved (`L1`, as in the analysis JSON).
    pub locks: Vec<String>,
    /// How sure the holder inference is (`blocked`, `deadlock`).
    pub confidence: Option<Confidence>,
    /// How many goroutines wait behind it (`blocked`, `deadlock`, `leaked-lock`).
    pub blocked_goroutines: Option<usize>,
    /// The frame that says what its first goroutine does (`local.(*Root).Remove`), for
    /// one-line summaries.
    pub subject: Option<String>,
    /// What `--ignore` matches (full function names): a blocker's frames and the lock
    /// sites of its locks; for a deadlock, only the function each of its goroutines is stuck
    /// in (innermost application code); a leaked lock's sites; a panic's and
    /// a long wait's goroutine frames. Empty: the message (too-many-goroutines).
    pub ignore_keys: Vec<String>,
}

impl Finding {
    fn new(rule: Rule, s: &Settings, message: String) -> Finding {
        Finding {
            rule,
            severity: s.severity(rule),
            message,
            line: None,
            goroutines: Vec::new(),
            locks: Vec::new(),
            confidence: None,
            blocked_goroutines: None,
            subject: None,
            ignore_keys: Vec::new(),
        }
    }
}

/// The findings of one analysis, before `ignore`: panic, deadlocks, blockers, leaked locks,
/// long waits, goroutine count.
pub fn findings(a: &Analysis<'_>, s: &Settings) -> Vec<Finding> {
    let d = a.dump;
    let mut out = Vec::new();
    let id = |g: usize| d.goroutines[g].id;
    let line = |g: usize| Some(d.goroutines[g].line);

    // panic: boom
    if d.kind == DumpKind::Panic {
        // Every line of the message: a re-panic says `panic: first [recovered]` then
        // `panic: second`.
        let reason: Vec<&str> =
            d.reason.as_deref().unwrap_or("panic").lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let reason = reason.join("; ");
        let mut f = Finding::new(Rule::Panic, s, reason.clone());
        if let Some(g) = d.goroutines.first() {
            f.message = format!("{reason} in goroutine {}", describe(d, 0, None));
            f.goroutines.extend(g.id);
            f.subject = Some(key_frame(d, 0, None));
            f.ignore_keys = frame_names(d, 0);
        }
        f.line = Some(d.span.first_line);
        out.push(f);
    }

    for c in &a.deadlocks {
        let names: Vec<String> = c.goroutines.iter().map(|&g| describe(d, g, None)).collect();
        let locks: Vec<String> = c.locks.iter().map(|&l| lock_desc(a, l)).collect();
        let mut behind: Vec<usize> = c
            .goroutines
            .iter()
            .flat_map(|&g| a.graph.blocked_behind(g))
            .filter(|g| !c.goroutines.contains(g))
            .collect();
        behind.sort_unstable();
        behind.dedup();
        let confidence = c.locks.iter().filter_map(|&l| a.holders[l].first().map(|h| h.confidence)).min();
        let mut f = Finding::new(
            Rule::Deadlock,
            s,
            format!(
                "goroutines {} wait for each other on {} ({} confidence); {} more goroutine(s) wait",
                names.join(" and "),
                locks.join(" and "),
                confidence.unwrap_or(Confidence::Low).as_str(),
                behind.len()
            ),
        );
        f.line = c.goroutines.first().and_then(|&g| line(g));
        f.subject = c.goroutines.first().map(|&g| key_frame(d, g, None));
        f.ignore_keys = c.goroutines.iter().filter_map(|&g| key_func(d, g, None).map(|f| f.full.clone())).collect();
        f.goroutines = c.goroutines.iter().filter_map(|&g| id(g)).collect();
        f.locks = c.locks.iter().map(|&l| a.locks[l].id.clone()).collect();
        f.confidence = confidence;
        f.blocked_goroutines = Some(behind.len());
        out.push(f);
    }

    // What a holder is doing: the table matched against the dump's functions once.
    let matcher = std::cell::OnceCell::new();
    for b in a.blockers.iter().filter(|b| !b.in_deadlock && b.blocked.len() > s.max_blocked) {
        let best = b.holds.iter().filter_map(|&l| a.holders[l].first()).map(|h| h.confidence).max();
        let conf = best.unwrap_or(Confidence::Low);
        let verb = words::holds_verb(conf);
        let hint = b.holds.first().map(|&l| d.func(a.locks[l].site()));
        let held: Vec<String> = b.holds.iter().map(|&l| lock_desc(a, l)).collect();
        let longest = b.longest_wait.map_or(String::new(), |m| format!("; the longest for {m}+ min"));
        let gr = &d.goroutines[b.goroutine];
        // The table's words only: the state, which says what it waits in, is in `who`.
        let at = key_func(d, b.goroutine, hint).map(|f| f.full.as_str());
        let doing = matcher.get_or_init(|| crate::doing::Matcher::new(d)).of(d, gr).map(|x| {
            let outer = x.outer.map(|o| d.func_at(o).full.as_str());
            words::doing_at(x.phrase, outer, &d.func_at(x.inner).full, at)
        });
        let who = describe(d, b.goroutine, hint);
        let who = match doing {
            Some(x) => format!("{}, {x})", who.strip_suffix(')').unwrap_or(&who)),
            None => who,
        };
        let through = if b.via.is_empty() {
            String::new()
        } else {
            let ids: Vec<String> = b.via.iter().map(|&(g, _)| id_text(d, g)).collect();
            format!(", some through goroutine(s) {}", ids.join(", "))
        };
        let mut f = Finding::new(
            Rule::Blocked,
            s,
            format!(
                "goroutine {who} {verb} {} ({} confidence); {}{longest}{through}",
                held.join(" and "),
                conf.as_str(),
                words::waiting(b.blocked.len(), &b.by_operation, 4)
            ),
        );
        f.line = line(b.goroutine);
        f.subject = Some(key_frame(d, b.goroutine, hint));
        f.ignore_keys = frame_names(d, b.goroutine);
        f.ignore_keys.extend(b.holds.iter().flat_map(|&l| site_names(a, l)));
        f.goroutines.extend(id(b.goroutine));
        f.locks = b.holds.iter().map(|&l| a.locks[l].id.clone()).collect();
        f.confidence = Some(conf);
        f.blocked_goroutines = Some(b.blocked.len());
        out.push(f);
    }

    for &l in &a.leaked {
        let lock = &a.locks[l];
        let waiters: Vec<usize> = lock.waiters.iter().map(|&(g, _)| g).collect();
        let longest = waiters.iter().filter_map(|&g| d.goroutines[g].wait_minutes).max();
        let longest = longest.map_or(String::new(), |m| format!("; the longest for {m}+ min"));
        let by_operation = crate::graph::by_operation(d, &a.entries, &waiters);
        let mut f = Finding::new(
            Rule::LeakedLock,
            s,
            format!(
                "{} — {}{longest}; {} (first waiter: goroutine {})",
                lock_desc(a, l),
                words::waiting(waiters.len(), &by_operation, 4),
                no_holder_phrase(a, l),
                waiters.first().map_or("?".to_string(), |&g| describe(d, g, None))
            ),
        );
        f.line = waiters.first().and_then(|&g| line(g));
        f.subject = Some(lock_desc(a, l));
        f.ignore_keys = site_names(a, l);
        f.goroutines = waiters.iter().filter_map(|&g| id(g)).collect();
        f.locks = vec![lock.id.clone()];
        f.blocked_goroutines = Some(waiters.len());
        out.push(f);
    }

    // stuck: work that does not end, beyond --max-wait when given.
    for st in &a.stuck.findings {
        if let Some(limit) = s.max_wait
            && u64::from(st.longest.unwrap_or(0)) * 60 <= limit.as_secs()
        {
            continue;
        }
        let first = st.goroutines[0];
        let mut f = Finding::new(Rule::Stuck, s, crate::report::stuck::check_line(d, st));
        f.line = line(first);
        f.goroutines = st.goroutines.iter().filter_map(|&g| id(g)).collect();
        f.confidence = Some(st.confidence);
        f.subject = st.place.map(|p| short(&d.func(p).full).to_string());
        out.push(f);
    }

    if let Some(limit) = s.max_wait {
        out.extend(long_waits(d, s, limit));
    }

    if let Some(max) = s.max_goroutines
        && d.goroutine_count() > max
    {
        let mut f = Finding::new(
            Rule::TooManyGoroutines,
            s,
            format!("{} goroutines, more than the limit of {max}", d.goroutine_count()),
        );
        f.line = Some(d.span.first_line);
        out.push(f);
    }
    out
}

/// `long-wait` findings: goroutines (not the runtime's own) whose `N minutes` exceeds the
/// limit, one finding per state and key frame, longest first.
fn long_waits(d: &Dump, s: &Settings, limit: Duration) -> Vec<Finding> {
    // (state, key frame) → goroutine indices, in dump order.
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (gi, g) in d.goroutines.iter().enumerate() {
        let Some(m) = g.wait_minutes else { continue };
        if u64::from(m) * 60 <= limit.as_secs() || crate::waits::is_system(d, g) {
            continue;
        }
        groups.entry((d.state(g).to_string(), key_frame(d, gi, None))).or_default().push(gi);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    let minutes = |g: usize| d.goroutines[g].wait_minutes.unwrap_or(0);
    for gs in &mut groups {
        // Longest first; among equals, dump order.
        gs.sort_by_key(|&g| std::cmp::Reverse(minutes(g)));
    }
    groups.sort_by_key(|gs| (std::cmp::Reverse(minutes(gs[0])), std::cmp::Reverse(gs.len()), gs[0]));
    let limit_text = humantime::format_duration(limit).to_string();
    groups
        .into_iter()
        .map(|gs| {
            let first = gs[0];
            let more = match gs.len() {
                1 => String::new(),
                n => format!(" and {} more like it", n - 1),
            };
            let mut f = Finding::new(
                Rule::LongWait,
                s,
                format!("goroutine {}{more} waited longer than {limit_text}", describe(d, first, None)),
            );
            f.line = Some(d.goroutines[first].line);
            f.subject = Some(key_frame(d, first, None));
            f.ignore_keys = frame_names(d, first);
            f.goroutines = gs.iter().filter_map(|&g| d.goroutines[g].id).collect();
            f
        })
        .collect()
}

fn id_text(d: &Dump, g: usize) -> String {
    d.goroutines[g].id.map_or("(no id)".to_string(), |i| i.to_string())
}

/// `8842 (syscall, 47 min, local.(*Root).Remove)`: id, state, wait, the frame that matters.
fn describe(d: &Dump, g: usize, site: Option<&Func>) -> String {
    let gr = &d.goroutines[g];
    let mut parts: Vec<String> = Vec::new();
    match d.state(gr) {
        "" => {}
        st => parts.push(st.to_string()),
    }
    if let Some(m) = gr.wait_minutes {
        parts.push(format!("{m} min"));
    }
    parts.push(key_frame(d, g, site));
    format!("{} ({})", id_text(d, g), parts.join(", "))
}

/// Every function on goroutine `g`'s stack, full names.
fn frame_names(d: &Dump, g: usize) -> Vec<String> {
    d.frames(&d.goroutines[g]).map(|f| f.func.full.clone()).collect()
}

/// The lock sites of lock `l`, full names.
fn site_names(a: &Analysis<'_>, l: usize) -> Vec<String> {
    a.locks[l].sites.iter().map(|&f| a.dump.func(f).full.clone()).collect()
}

/// Why nobody is named for a lock, hedged as the report hedges it: an excerpt may simply
/// not hold the holder; a whole dump suggests a leak.
fn no_holder_phrase(a: &Analysis<'_>, l: usize) -> String {
    let d = a.dump;
    let waiters = a.locks[l].waiters.len();
    let candidates = if a.candidates[l].is_empty() {
        String::new()
    } else {
        let ids: Vec<String> = a.candidates[l].iter().map(|h| id_text(d, h.goroutine)).collect();
        format!("; weak candidates: goroutine(s) {}", ids.join(", "))
    };
    if d.goroutines.len() <= waiters + 2 {
        format!(
            "this excerpt of {} goroutine(s) shows no holder: the holder may not be in it{candidates}",
            d.goroutines.len()
        )
    } else {
        format!(
            "no goroutine in the dump is seen holding it: leaked by a goroutine that returned without Unlock, or held where holdup cannot see it{candidates}"
        )
    }
}

/// The frame that says what a goroutine is doing: with a lock site given, the first method of
/// its receiver type (`(*Root).Remove` for a lock taken in `(*Root).Get`), else the first
/// function of its package; else the first of application code, else the first outside the
/// runtime and `sync`, else the top one.
fn key_frame(d: &Dump, g: usize, site: Option<&Func>) -> String {
    key_func(d, g, site).map_or("no frames".to_string(), |f| short(&f.full).to_string())
}

/// The function [`key_frame`] names.
pub(crate) fn key_func<'d>(d: &'d Dump, g: usize, site: Option<&Func>) -> Option<&'d Func> {
    let frames: Vec<_> = d.frames(&d.goroutines[g]).collect();
    let same_type = |f: &Frame<'_>, s: &Func| {
        f.func.package() == s.package() && s.receiver_type().is_some() && f.func.receiver_type() == s.receiver_type()
    };
    let pick = site
        .and_then(|s| frames.iter().find(|f| same_type(f, s)))
        .or_else(|| site.and_then(|s| frames.iter().find(|f| f.func.package() == s.package())))
        .or_else(|| frames.iter().find(|f| !f.func.is_stdlib() && !f.func.is_sync_or_runtime()))
        .or_else(|| frames.iter().find(|f| !f.func.is_sync_or_runtime()))
        .or(frames.first());
    pick.map(|f| f.func)
}

/// `mutex 0xc0000dc980 waited for in local.(*Root).Get`.
fn lock_desc(a: &Analysis<'_>, l: usize) -> String {
    let lock = &a.locks[l];
    words::lock_words(lock.kind, lock.addr, lock.owner, &a.dump.func(lock.site()).full)
}

/// The check of one dump.
pub struct DumpResult {
    /// Index of the dump within its input.
    pub index: usize,
    /// Findings left after `ignore`.
    pub findings: Vec<Finding>,
    /// How many findings `ignore` dropped.
    pub ignored: usize,
    /// The analysis as JSON, when the output needs it.
    pub analysis: Option<DumpAnalysis>,
}

/// What became of one input file.
pub enum Status {
    /// It held dumps and they were checked.
    Checked(Vec<DumpResult>),
    /// Found in a directory and holds no dump: not checked.
    Skipped,
    /// It could not be read, or was named and holds no dump.
    Error(String),
}

/// One input file and its result.
pub struct FileResult {
    /// The path (as given, or found under a directory), `-` for stdin.
    pub source: String,
    /// What became of it.
    pub status: Status,
    /// Notes for stderr: unreadable lines.
    pub notes: Vec<String>,
}

impl FileResult {
    /// The dumps checked (none for a skipped or unreadable file).
    pub fn dumps(&self) -> &[DumpResult] {
        match &self.status {
            Status::Checked(ds) => ds,
            _ => &[],
        }
    }

    /// Whether any finding is an error.
    pub fn failed(&self) -> bool {
        self.findings().any(|(_, f)| f.severity == Severity::Error)
    }

    /// Every finding with the index of its dump.
    pub fn findings(&self) -> impl Iterator<Item = (usize, &Finding)> {
        self.dumps().iter().flat_map(|d| d.findings.iter().map(move |f| (d.index, f)))
    }
}

/// Everything `holdup check` found.
pub struct Report {
    /// The rules used.
    pub settings: Settings,
    /// One entry per input file, in the order given (directories in sorted order).
    pub files: Vec<FileResult>,
    /// Directories given that held no file at all.
    pub empty_dirs: Vec<String>,
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Files whose dumps were checked.
    pub checked: usize,
    /// Dumps checked.
    pub dumps: usize,
    /// Checked files with an error finding.
    pub failed: usize,
    /// Files that could not be read.
    pub errors: usize,
    /// Files in directories skipped for holding no dump.
    pub skipped: usize,
    /// Error findings.
    pub error_findings: usize,
    /// Warning findings.
    pub warning_findings: usize,
    /// Findings dropped by `ignore`.
    pub ignored: usize,
}

impl Report {
    /// The counts for summaries.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for f in &self.files {
            match &f.status {
                Status::Checked(ds) => {
                    c.checked += 1;
                    c.dumps += ds.len();
                    c.failed += usize::from(f.failed());
                    c.ignored += ds.iter().map(|d| d.ignored).sum::<usize>();
                    for (_, x) in f.findings() {
                        match x.severity {
                            Severity::Error => c.error_findings += 1,
                            Severity::Warning => c.warning_findings += 1,
                        }
                    }
                }
                Status::Skipped => c.skipped += 1,
                Status::Error(_) => c.errors += 1,
            }
        }
        c
    }

    /// 0 passed, 1 an error finding, 2 an input error.
    pub fn exit_code(&self) -> u8 {
        let c = self.counts();
        if c.errors > 0 {
            2
        } else if c.error_findings > 0 {
            1
        } else {
            0
        }
    }

    /// How many dumps the input with this source holds (for "dump 2 of 3").
    pub fn dumps_in(&self, source: &str) -> usize {
        self.files.iter().find(|f| f.source == source).map_or(0, |f| f.dumps().len())
    }
}

/// A file to check: its path and whether it was named on the command line.
struct Input {
    path: String,
    named: bool,
}

/// Expands the paths: files as given, directories recursively in sorted order, skipping
/// hidden entries and symbolic links to directories. Returns the inputs, errors for
/// directories that could not be listed, and the directories that held no file.
fn expand(paths: &[String]) -> (Vec<Result<Input, FileResult>>, Vec<String>) {
    let mut out = Vec::new();
    let mut empty = Vec::new();
    for p in paths {
        let path = Path::new(p);
        if p != "-" && path.is_dir() {
            let before = out.len();
            walk(path, &mut out);
            if out.len() == before {
                empty.push(p.clone());
            }
        } else {
            out.push(Ok(Input { path: p.clone(), named: true }));
        }
    }
    (out, empty)
}

fn walk(dir: &Path, out: &mut Vec<Result<Input, FileResult>>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd.collect::<Result<Vec<_>, _>>(),
        Err(e) => Err(e),
    };
    let mut entries = match entries {
        Ok(es) => es,
        Err(e) => {
            let source = dir.display().to_string();
            let status = Status::Error(format!("{source}: cannot list the directory: {e}"));
            out.push(Err(FileResult { source, status, notes: Vec::new() }));
            return;
        }
    };
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        // A symbolic link counts as what it points to, but links to directories are not
        // followed (they may loop).
        let is_dir = ft.is_dir();
        let is_file = ft.is_file() || (ft.is_symlink() && path.is_file());
        if is_dir {
            walk(&path, out);
        } else if is_file {
            match path.to_str() {
                Some(s) => out.push(Ok(Input { path: s.to_string(), named: false })),
                None => {
                    let source = path.to_string_lossy().to_string();
                    let status = Status::Error(format!("{source}: the path is not valid UTF-8"));
                    out.push(Err(FileResult { source, status, notes: Vec::new() }));
                }
            }
        }
    }
}

/// Reads, analyzes and checks one input file.
fn check_file(input: &Input, s: &Settings, with_analysis: bool, read: &ReadOptions) -> FileResult {
    let source = input.path.clone();
    let dumps = match crate::read(crate::Input::Path(&input.path), read) {
        Ok(ds) => ds,
        Err(e) if matches!(e.kind, ErrorKind::NoDump) && !input.named => {
            return FileResult { source, status: Status::Skipped, notes: Vec::new() };
        }
        Err(e) => return FileResult { source, status: Status::Error(e.to_string()), notes: Vec::new() },
    };
    let mut notes = Vec::new();
    let results = dumps
        .iter()
        .enumerate()
        .map(|(index, d)| {
            let n = d.warnings.len() as u64 + d.warnings_dropped;
            if let Some(first) = d.warnings.first() {
                let more = if n > 1 { format!(" (and {} more; see `holdup summary`)", n - 1) } else { String::new() };
                notes.push(format!("warning: {}: {first}{more}", d.source));
            }
            let a = analyze(d);
            let (findings, dropped): (Vec<Finding>, Vec<Finding>) =
                findings(&a, s).into_iter().partition(|f| !s.ignored(f));
            DumpResult {
                index,
                findings,
                ignored: dropped.len(),
                analysis: with_analysis.then(|| dump_analysis(&a, index)),
            }
        })
        .collect();
    FileResult { source, status: Status::Checked(results), notes }
}

/// Checks every path with the given settings, files in parallel, results in input order,
/// each read within the limits of `read`.
pub fn check(paths: &[String], settings: Settings, with_analysis: bool, read: &ReadOptions) -> Report {
    let (inputs, empty_dirs) = expand(paths);
    let files = inputs
        .into_par_iter()
        .map(|i| match i {
            Ok(input) => check_file(&input, &settings, with_analysis, read),
            Err(r) => r,
        })
        .collect();
    Report { settings, files, empty_dirs }
}

/// Checks one file found in a directory being followed (`holdup watch`): like a file found
/// under a directory given to `check`, one that holds no dump is skipped, not an error.
pub fn check_found(path: &str, settings: Settings, with_analysis: bool, read: &ReadOptions) -> Report {
    let input = Input { path: path.to_string(), named: false };
    let files = vec![check_file(&input, &settings, with_analysis, read)];
    Report { settings, files, empty_dirs: Vec::new() }
}

/// Runs `holdup check`, reading each input within the limits of `read`.
pub fn run(args: &CheckArgs, read: &ReadOptions, out: &mut dyn Write) -> io::Result<ExitCode> {
    let settings = match Settings::resolve(args) {
        Ok(s) => s,
        Err(e) => {
            say!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let report = check(&args.paths, settings, args.format == CheckFormat::Json, read);
    for f in &report.files {
        for n in &f.notes {
            say!("{n}");
        }
        match &f.status {
            Status::Skipped => say!("note: skipped {}: no goroutine dump in it", f.source),
            Status::Error(e) => say!("{e}"),
            Status::Checked(_) => {}
        }
    }
    for d in &report.empty_dirs {
        say!("note: no files in {d}");
    }
    use crate::report::check as render;
    match args.format {
        CheckFormat::Text => render::write_text(out, &report)?,
        CheckFormat::Json => render::write_json(out, &report)?,
        CheckFormat::Junit => render::write_junit(out, &report)?,
        CheckFormat::Github => render::write_github(out, &report)?,
        CheckFormat::Npd => crate::report::npd::write(out, &report, usize::from(args.npd_max_length))?,
    }
    out.flush()?;
    say!("{}", render::summary(&report));
    if args.format == CheckFormat::Npd {
        return Ok(ExitCode::from(crate::report::npd::exit_code(&report)));
    }
    Ok(ExitCode::from(report.exit_code()))
}
