//! The command line: arguments, colour choice, output and exit codes.
//!
//! Exit codes: 0 success; 1 `holdup check` found something; 2 an input could not be read
//! or held no dump, or the arguments were wrong. A closed pipe (`holdup … | head`) is not
//! an error.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use hashbrown::HashMap;
use regex::Regex;

use crate::analysis::analyze;
use crate::capture::fetch::{self, FetchOptions};
use crate::diff;
use crate::filter::{self, Filter};
use crate::group::{self, Similarity};
use crate::model::Dump;
use crate::report::diff as report_diff;
use crate::report::model::{Parts, Report};
use crate::report::style::Style;
use crate::report::{
    analysis_json, analysis_text, collapsed, dot, gotext, groups, html, markdown, model_json, summary, svg,
};
use crate::{Error, Input, ReadOptions};

const AFTER_HELP: &str = "\
Inputs:
  FILE may be a raw dump (runtime.Stack, /debug/pprof/goroutine?debug=2 or debug=1), a dockerd
  goroutine-stacks-*.log file, a log with the dump in one logrus/JSON line, journald or kubectl
  output with prefixes, SIGQUIT or panic output, gzip-compressed or not; '-' reads stdin.

Examples:
  holdup goroutine-stacks-2026-11-27T043144Z.log     what is stuck, and who holds it
  holdup summary dump.txt.gz                         where the dump came from, goroutine counts
  holdup goroutines --format json dump.txt | jq .    the parsed goroutines as JSON
  holdup groups --exclude-runtime dump.txt           what 40,000 goroutines are doing, folded
  holdup goroutines --state mutex --min-wait 10m d   who has waited 10 minutes for a lock
  holdup diff old.log new.log                        what stayed stuck between two dumps
  holdup check --format junit dumps/                 fail a CI job on deadlocks and blockers
  journalctl -u docker | holdup -                    a dump logged by dockerd

Terms used in the reports:
  waiter      a goroutine blocked acquiring a sync.Mutex or sync.RWMutex.
  holder      the goroutine that holds a lock. A dump never says who holds a mutex: holdup
              infers it from evidence in the stacks (the lock's address among a goroutine's
              arguments, code of the lock's type still running, ...) and says how sure it is.
  confidence  high: the goroutine's own frames carry the lock (its address or the object
              that contains it) and nothing contests it; medium: clearly ahead of every
              other candidate; low: a guess, shown as a candidate, never as the finding.
  blocker     a holder that does not itself wait for a lock: everything queued behind it
              waits for it to finish.
  deadlock    goroutines that each hold a lock another of them waits for.
  leaked / no holder
              goroutines wait for a lock that no goroutine in the dump is seen holding: it
              was locked by a goroutine that returned without Unlock, or the holder is not
              in this dump (an excerpt).
  operation   what a group of goroutines was doing, named by the service method under its
              request handler (ContainerCreate under postContainersCreate).

Exit codes:
  0  done (for `check`: every input passed)
  1  `check` found a problem
  2  an input could not be read or holds no goroutine dump, or bad arguments";

/// Find out why a Go process is stuck, from its goroutine dump.
///
/// holdup reads goroutine dumps (SIGQUIT output, dockerd SIGUSR1 files, pprof, panics, dumps
/// inside log lines) and reports which goroutine holds the lock the others wait on, what that
/// holder is doing, and how many goroutines pile up behind it.
#[derive(Parser, Debug)]
#[command(name = "holdup", version, after_help = AFTER_HELP, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Dump files to analyze (the same as `holdup analyze FILE...`).
    #[arg(value_name = "FILE")]
    files: Vec<String>,

    /// Output format of the default command, as for `holdup analyze`.
    #[arg(long, value_enum)]
    format: Option<AnalyzeFormat>,

    /// When to colour the output: auto colours a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,

    /// Read at most this much of each input (after gzip), e.g. 512M, 8G: the rest is left
    /// unread, with a warning.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "8G", global = true)]
    max_input_size: u64,

    /// Lines longer than this are skipped with a warning (a dump inside one log line is
    /// still read), e.g. 4M.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "4M", global = true)]
    max_line_length: u64,
}

/// A size in bytes: `4096`, `64K`, `512M`, `8G` (powers of 1024; a trailing `B`/`iB` is allowed).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t.strip_suffix("iB").or_else(|| t.strip_suffix('B')).unwrap_or(t);
    let (digits, shift) = match t.as_bytes().last() {
        Some(b'k' | b'K') => (&t[..t.len() - 1], 10),
        Some(b'm' | b'M') => (&t[..t.len() - 1], 20),
        Some(b'g' | b'G') => (&t[..t.len() - 1], 30),
        Some(b't' | b'T') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let n: u64 = digits.trim().parse().map_err(|_| format!("not a size: {s:?} (try 4096, 64K, 512M or 8G)"))?;
    n.checked_mul(1 << shift).filter(|&b| b > 0).ok_or_else(|| format!("size out of range: {s:?}"))
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Find what holds the process up: lock holders, deadlocks, blockers (the default).
    Analyze(AnalyzeArgs),
    /// Write the wait-for graph (goroutine → lock → holder) for Graphviz or as JSON.
    Graph(GraphArgs),
    /// List goroutines that pass the filters, as Go text (itself a dump) or the model as JSON.
    #[command(visible_alias = "parse")]
    Goroutines(ParseArgs),
    /// Fold goroutines with the same stack into groups, largest first.
    Groups(GroupsArgs),
    /// Compare two dumps: stuck goroutines, finished and new ones, persisting holders.
    Diff(DiffArgs),
    /// Per dump: where it came from, goroutine counts by state, longest waits, the program.
    Summary(SummaryArgs),
    /// The CI gate: fail (exit 1) when dumps show deadlocks, blocked goroutines, leaked locks…
    Check(crate::check::CheckArgs),
    /// Make a live daemon (dockerd, containerd, cri-o, …) dump its goroutines, save and analyze the dump.
    Capture(crate::capture::CaptureArgs),
    /// Check each new dump that appears in directories, as one JSON line per dump (a node agent).
    Watch(crate::capture::watch::WatchArgs),
}

#[derive(Args, Debug)]
struct AnalyzeArgs {
    /// Dump files ('-' for stdin), or http:// URLs (`http://127.0.0.1:6060/debug/pprof/goroutine?debug=2`).
    #[arg(value_name = "FILE|URL", required = true)]
    files: Vec<String>,
    /// Output format: text for people, html or markdown to share, json for programs, dot or
    /// svg for the wait-for graph.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text)]
    format: AnalyzeFormat,
    /// Write the output to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    #[command(flatten)]
    fetch: FetchArgs,
}

/// How URL inputs are fetched.
#[derive(Args, Debug)]
struct FetchArgs {
    /// Fetch URLs through this unix socket, like `curl --unix-socket` (dockerd serves pprof
    /// on /var/run/docker.sock when debug is on).
    #[arg(long, value_name = "PATH")]
    unix_socket: Option<std::path::PathBuf>,
    /// The longest a URL may take to answer in full (`60s`, `2m`).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_timeout)]
    timeout: std::time::Duration,
}

fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("'{s}' is not a duration like 60s or 2m: {e}"))
}

impl FetchArgs {
    fn options(&self) -> FetchOptions {
        FetchOptions { unix_socket: self.unix_socket.clone(), timeout: self.timeout }
    }
}

#[derive(Args, Debug)]
struct GraphArgs {
    /// Dump files ('-' for stdin).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<String>,
    /// Output format: dot for Graphviz (`| dot -Tsvg > g.svg`), svg (drawn by holdup), or json.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
}

/// Output formats of `analyze` (and `capture`).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnalyzeFormat {
    /// For people, in a terminal.
    Text,
    /// For programs: schema holdup.analysis/v1 (see README).
    Json,
    /// The wait-for graph, for Graphviz.
    Dot,
    /// The wait-for graph, drawn.
    Svg,
    /// One self-contained page: findings, graph, flame graph, goroutines.
    Html,
    /// To paste into an issue.
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GroupsFormat {
    Text,
    Json,
    Collapsed,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GraphFormat {
    Dot,
    Svg,
    Json,
}

#[derive(Args, Debug)]
struct ParseArgs {
    /// Dump files ('-' for stdin).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<String>,
    /// Output format: text re-prints the goroutines in Go's own format; json is the model
    /// (schema holdup.parse/v1, see README).
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
    #[command(flatten)]
    filter: FilterArgs,
}

#[derive(Args, Debug)]
struct GroupsArgs {
    /// Dump files ('-' for stdin).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<String>,
    /// How alike stacks must be: exact (functions, lines and argument values), args (ignore
    /// argument values), lines (ignore lines, pc offsets and state too).
    #[arg(long, value_enum, default_value_t = SimilarityArg::Args)]
    similarity: SimilarityArg,
    /// Frames shown per group.
    #[arg(long, default_value_t = 12, value_name = "N")]
    frames: usize,
    /// Output format: text, json (schema holdup.groups/v1), or collapsed (folded stacks
    /// `outermost;…;innermost COUNT` for inferno, flamegraph.pl, speedscope).
    #[arg(long, value_enum, default_value_t = GroupsFormat::Text)]
    format: GroupsFormat,
    #[command(flatten)]
    filter: FilterArgs,
}

#[derive(Args, Debug)]
#[command(after_help = "With one FILE, its first and last dumps are compared; with two, the last dump of each.\n\
Goroutines with the same id and the same state and stack in both are stuck; a lock whose best\n\
holder is the same goroutine in both dumps is still held — the strongest evidence a pair gives.")]
struct DiffArgs {
    /// The earlier dump file.
    #[arg(value_name = "OLD")]
    old: String,
    /// The later dump file (default: the last dump in OLD).
    #[arg(value_name = "NEW")]
    new: Option<String>,
    /// Output format (json: schema holdup.diff/v1).
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

/// Filters shared by every command that lists goroutines; all given must hold.
#[derive(Args, Debug, Default)]
#[command(next_help_heading = "Filters")]
struct FilterArgs {
    /// Keep goroutines in this state (`semacquire`, `IO wait`) or wait kind (`mutex`,
    /// `rwmutex`, `chan-receive`, …); repeat for any of several. An unknown name is an error.
    #[arg(long = "state", value_name = "STATE", value_parser = filter::parse_state)]
    states: Vec<String>,
    /// Keep goroutines that waited at least this long (`10m`, `1h30m`, with a unit; the
    /// header's `N minutes`).
    #[arg(long, value_name = "DURATION", value_parser = filter::parse_minutes)]
    min_wait: Option<u32>,
    /// Keep goroutines with a frame whose function matches REGEX.
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    func: Option<Regex>,
    /// Keep goroutines whose top matches REGEX: the innermost frame outside the runtime and
    /// sync (`syscall.Syscall`; a lock waiter's own function), or the innermost frame of
    /// application code (outside the standard library).
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    top: Option<Regex>,
    /// Keep the goroutine with this id; repeat for several.
    #[arg(long = "id", value_name = "N")]
    ids: Vec<u64>,
    /// Keep goroutines with a frame in a package starting with PREFIX; repeat for any of several.
    #[arg(long = "package", value_name = "PREFIX")]
    packages: Vec<String>,
    /// Leave out the runtime's own goroutines (GC workers, finalizers, idle threads).
    #[arg(long)]
    exclude_runtime: bool,
    /// Keep goroutines carrying this label (Go 1.27 headers, pprof debug=1); repeat for all of several.
    #[arg(long = "label", value_name = "KEY[=VALUE]")]
    labels: Vec<String>,
}

fn parse_regex(s: &str) -> Result<Regex, String> {
    Regex::new(s).map_err(|e| e.to_string())
}

impl FilterArgs {
    fn filter(&self) -> Filter {
        Filter {
            states: self.states.clone(),
            min_wait_minutes: self.min_wait,
            func: self.func.clone(),
            top: self.top.clone(),
            ids: self.ids.clone(),
            packages: self.packages.clone(),
            exclude_runtime: self.exclude_runtime,
            labels: self.labels.iter().map(|l| filter::parse_label(l)).collect(),
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SimilarityArg {
    Exact,
    Args,
    Lines,
}

#[derive(Args, Debug)]
struct SummaryArgs {
    /// Dump files ('-' for stdin).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<String>,
    /// Output format (json: schema holdup.summary/v1).
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum TextOrJson {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Decides once whether to colour: `--color`, then `NO_COLOR`, `TERM=dumb` and whether
/// stdout is a terminal.
fn decide_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
                && io::stdout().is_terminal()
        }
    }
}

/// The `--color` value given on the command line, read before clap parses it, so that help
/// and usage errors are coloured (or not) as asked too.
fn color_arg(args: &[std::ffi::OsString]) -> Option<ColorChoice> {
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    let mut found = None;
    while let Some(a) = it.next() {
        let v = match a.strip_prefix("--color") {
            Some("") => it.next().map(|v| v.into_owned()),
            Some(rest) if rest.starts_with('=') => Some(rest[1..].to_string()),
            _ => None,
        };
        if let Some(v) = v {
            found = ColorChoice::from_str(&v, true).ok().or(found);
        }
    }
    found
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let help_color = match color_arg(&args) {
        Some(ColorChoice::Never) => clap::ColorChoice::Never,
        Some(ColorChoice::Always) => clap::ColorChoice::Always,
        // Whether stdout is a terminal (or CLICOLOR_FORCE) is clap's to decide.
        _ if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb") =>
        {
            clap::ColorChoice::Never
        }
        _ => clap::ColorChoice::Auto,
    };
    let matches = Cli::command().color(help_color).get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let style = Style { color: decide_color(cli.color) };
    colored::control::set_override(style.color);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(cli, style, &mut out).and_then(|code| out.flush().map(|()| code));
    match result {
        Ok(code) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say!("{e}");
            ExitCode::from(2)
        }
    }
}

/// Runs a command line (`args` without the program's name) with its output to `out`, for
/// callers that drive holdup as a whole (the fuzz targets): the same path as the binary,
/// whatever the modules behind it look like. Colour is off; bad arguments are an error.
pub fn run_args(args: &[&str], out: &mut dyn Write) -> io::Result<ExitCode> {
    let argv = std::iter::once("holdup").chain(args.iter().copied());
    let cli = Cli::try_parse_from(argv).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    run(cli, Style { color: false }, out)
}

/// Loads every input, reporting unreadable ones on stderr; `ok` is false if any failed.
struct Loaded {
    dumps: Vec<Dump>,
    ok: bool,
}

fn load(files: &[String], read: &ReadOptions) -> Loaded {
    load_with(files, &FetchOptions::default(), read)
}

/// [`load`], fetching URL inputs with `fetch`.
fn load_with(files: &[String], fetch: &FetchOptions, read: &ReadOptions) -> Loaded {
    let mut dumps = Vec::new();
    let mut ok = true;
    // The sizes are asked first, on every core, so that glibc is tuned for the largest
    // before any thread allocates (standard input and unreadable files count as small).
    let many = files.len() > 1;
    let sizes = crate::par::map_when(many, files, |f| crate::regular_file_size(f));
    crate::alloc::tune_malloc_for(sizes.iter().flatten().copied().max().unwrap_or(0));
    // Several inputs (a fleet's dumps) are read on every core; messages keep input order.
    // One input keeps the cores for itself (a large file is split across them).
    let inputs: Vec<(&String, Option<u64>)> = files.iter().zip(sizes).collect();
    let read = crate::par::map_when(many, &inputs, |&(f, size)| {
        if fetch::is_url(f) { read_url(f, fetch, read) } else { crate::read_path_sized(f, size, read) }
    });
    for r in read {
        match r {
            Ok(ds) => {
                for d in &ds {
                    report_warnings(d);
                }
                dumps.extend(ds);
            }
            Err(e) => {
                report_error(&e);
                ok = false;
            }
        }
    }
    Loaded { dumps, ok }
}

/// Reads the dumps in a URL's body as it streams in.
fn read_url(url: &str, opts: &FetchOptions, read: &ReadOptions) -> Result<Vec<Dump>, Error> {
    let body = fetch::open(url, opts)?;
    let body = crate::input::sniff_gzip(body).map_err(|e| Error::io(url, e))?;
    let dumps = crate::read_sized(body, url, 0, read)?;
    if dumps.is_empty() {
        return Err(Error::new(url, crate::ErrorKind::NoDump));
    }
    Ok(dumps)
}

fn report_error(e: &Error) {
    say!("{e}");
}

/// Tells stderr how many lines of a dump could not be read (details are in `summary`).
fn report_warnings(d: &Dump) {
    let n = d.warnings.len() as u64 + d.warnings_dropped;
    if n > 0 {
        let first = &d.warnings[0];
        let more = if n > 1 { format!(" (and {} more; see `holdup summary`)", n - 1) } else { String::new() };
        say!("warning: {}: {first}{more}", d.source);
    }
}

fn exit_for(ok: bool) -> ExitCode {
    if ok { ExitCode::SUCCESS } else { ExitCode::from(2) }
}

/// The reading limits the command line asked for (`--max-input-size`, `--max-line-length`).
fn read_options(cli: &Cli) -> ReadOptions {
    ReadOptions {
        max_input_size: cli.max_input_size,
        max_line_length: usize::try_from(cli.max_line_length).unwrap_or(usize::MAX).max(64),
    }
}

fn run(cli: Cli, style: Style, out: &mut dyn Write) -> io::Result<ExitCode> {
    let read = &read_options(&cli);
    match cli.command {
        Some(Command::Analyze(a)) => match &a.output {
            Some(path) => {
                to_file(path, |out| cmd_analyze(&a.files, a.format, &a.fetch.options(), read, Style::PLAIN, out))
            }
            None => cmd_analyze(&a.files, a.format, &a.fetch.options(), read, style, out),
        },
        Some(Command::Graph(a)) => {
            let format = match a.format {
                GraphFormat::Dot => AnalyzeFormat::Dot,
                GraphFormat::Svg => AnalyzeFormat::Svg,
                GraphFormat::Json => AnalyzeFormat::Json,
            };
            cmd_analyze(&a.files, format, &FetchOptions::default(), read, style, out)
        }
        Some(Command::Goroutines(a)) => cmd_parse(&a, read, out),
        Some(Command::Groups(a)) => cmd_groups(&a, read, out),
        Some(Command::Diff(a)) => cmd_diff(&a, read, out),
        Some(Command::Summary(a)) => cmd_summary(&a, read, out),
        Some(Command::Check(a)) => crate::check::run(&a, read, out),
        Some(Command::Capture(a)) => crate::capture::run(&a, read, style, out),
        Some(Command::Watch(a)) => crate::capture::watch::run(&a, read, out),
        None => {
            if cli.files.is_empty() {
                say!("no input files; try `holdup --help`");
                return Ok(ExitCode::from(2));
            }
            let format = cli.format.unwrap_or(AnalyzeFormat::Text);
            cmd_analyze(&cli.files, format, &FetchOptions::default(), read, style, out)
        }
    }
}

/// Runs `f` with its output going to the file at `path` (`-o FILE`): never coloured.
fn to_file(path: &std::path::Path, f: impl FnOnce(&mut dyn Write) -> io::Result<ExitCode>) -> io::Result<ExitCode> {
    let file = match std::fs::File::create(path) {
        Ok(f) => f,
        Err(e) => {
            say!("cannot write {}: {e}", path.display());
            return Ok(ExitCode::from(2));
        }
    };
    let mut out = io::BufWriter::new(file);
    let code = f(&mut out)?;
    out.flush()?;
    Ok(code)
}

/// How many dumps each input holds, for "dump 2 of 3" headings.
fn dumps_per_source<'a>(sources: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    let mut n = HashMap::new();
    for s in sources {
        *n.entry(s).or_insert(0) += 1;
    }
    n
}

/// `f(dump, its number within its input)` for every dump, in order: on every core when there
/// are several (each dump's own analysis is parallel only when it is large).
fn each_dump<'d, T: Send>(dumps: &'d [Dump], f: impl Fn(&'d Dump, usize) -> T + Sync + Send) -> Vec<T> {
    let idx = indexed(dumps);
    crate::par::map_when(idx.len() > 1, &idx, |&(i, d)| f(d, i))
}

/// Numbers dumps within their own input (an input may hold several).
fn indexed(dumps: &[Dump]) -> Vec<(usize, &Dump)> {
    let mut idx = Vec::with_capacity(dumps.len());
    for (i, d) in dumps.iter().enumerate() {
        let n = if i > 0 && dumps[i - 1].source == d.source {
            idx.last().map_or(0, |&(n, _): &(usize, &Dump)| n + 1)
        } else {
            0
        };
        idx.push((n, d));
    }
    idx
}

fn cmd_parse(a: &ParseArgs, read: &ReadOptions, out: &mut dyn Write) -> io::Result<ExitCode> {
    let loaded = load(&a.files, read);
    let filter = a.filter.filter();
    let keep = |d: &Dump, g: &crate::model::Goroutine| filter.is_empty() || filter.matches(d, g);
    match a.format {
        TextOrJson::Json => {
            let doc = model_json::ParseDoc {
                schema: model_json::SCHEMA,
                dumps: indexed(&loaded.dumps)
                    .into_iter()
                    .map(|(i, d)| model_json::dump_json(d, i, &|g| keep(d, g)))
                    .collect(),
            };
            serde_json::to_writer(&mut *out, &doc)?;
            out.write_all(b"\n")?;
        }
        TextOrJson::Text => {
            for d in &loaded.dumps {
                for g in d.goroutines.iter().filter(|g| keep(d, g)) {
                    gotext::write_goroutine(out, d, g)?;
                }
            }
        }
    }
    Ok(exit_for(loaded.ok))
}

fn cmd_groups(a: &GroupsArgs, read: &ReadOptions, out: &mut dyn Write) -> io::Result<ExitCode> {
    let loaded = load(&a.files, read);
    let sim = match a.similarity {
        SimilarityArg::Exact => Similarity::Exact,
        SimilarityArg::Args => Similarity::Args,
        SimilarityArg::Lines => Similarity::Lines,
    };
    let filter = a.filter.filter();
    let per_dump: Vec<_> =
        indexed(&loaded.dumps).into_iter().map(|(i, d)| (i, d, group::group(d, &filter.select(d), sim))).collect();
    match a.format {
        GroupsFormat::Collapsed => {
            for (_, d, gs) in &per_dump {
                let infos: Vec<_> = gs.iter().map(|g| crate::report::model::group_info(d, g)).collect();
                collapsed::write(out, &infos)?;
            }
        }
        GroupsFormat::Json => {
            let dumps: Vec<_> = per_dump.iter().map(|(i, d, gs)| groups::dump_groups(d, *i, sim, gs)).collect();
            serde_json::to_writer(&mut *out, &serde_json::json!({ "schema": groups::SCHEMA, "dumps": dumps }))?;
            out.write_all(b"\n")?;
        }
        GroupsFormat::Text => {
            for (_, d, gs) in &per_dump {
                groups::write_text(out, d, sim, gs, a.frames)?;
            }
        }
    }
    Ok(exit_for(loaded.ok))
}

fn cmd_diff(a: &DiffArgs, read: &ReadOptions, out: &mut dyn Write) -> io::Result<ExitCode> {
    let old = match crate::read(Input::Path(&a.old), read) {
        Ok(d) => d,
        Err(e) => {
            report_error(&e);
            return Ok(ExitCode::from(2));
        }
    };
    let new = match &a.new {
        Some(p) => match crate::read(Input::Path(p), read) {
            Ok(d) => Some(d),
            Err(e) => {
                report_error(&e);
                return Ok(ExitCode::from(2));
            }
        },
        None => None,
    };
    let (o, oi, n, ni) = match &new {
        Some(n) => (&old[old.len() - 1], old.len() - 1, &n[n.len() - 1], n.len() - 1),
        None if old.len() >= 2 => (&old[0], 0, &old[old.len() - 1], old.len() - 1),
        None => {
            say!("{} holds only one dump; give a second file to compare with", a.old);
            return Ok(ExitCode::from(2));
        }
    };
    for d in [o, n] {
        report_warnings(d);
    }
    let (ao, an) = (analyze(o), analyze(n));
    let r = diff::diff(&ao, &an);
    for w in &r.warnings {
        say!("warning: {w}");
    }
    match a.format {
        TextOrJson::Json => {
            serde_json::to_writer(&mut *out, &report_diff::doc(&ao, oi, &an, ni, &r))?;
            out.write_all(b"\n")?;
        }
        TextOrJson::Text => report_diff::write_text(out, &ao, &an, &r)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_summary(a: &SummaryArgs, read: &ReadOptions, out: &mut dyn Write) -> io::Result<ExitCode> {
    let loaded = load(&a.files, read);
    let summaries: Vec<_> = each_dump(&loaded.dumps, summary::summarize);
    match a.format {
        TextOrJson::Json => {
            let doc = serde_json::json!({ "schema": summary::SCHEMA, "dumps": summaries });
            serde_json::to_writer(&mut *out, &doc)?;
            out.write_all(b"\n")?;
        }
        TextOrJson::Text => {
            let per_source = dumps_per_source(summaries.iter().map(|s| s.source.as_str()));
            for s in &summaries {
                summary::write_text(out, s, per_source[s.source.as_str()])?;
            }
        }
    }
    Ok(exit_for(loaded.ok))
}

fn cmd_analyze(
    files: &[String],
    format: AnalyzeFormat,
    fetch: &FetchOptions,
    read: &ReadOptions,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<ExitCode> {
    let loaded = load_with(files, fetch, read);
    render_analysis(&loaded.dumps, format, style, out)?;
    let code = exit_for(loaded.ok);
    // The process ends here: handing a 100,000-goroutine model back to the allocator page by
    // page costs more than the analysis of some dumps, and the OS reclaims it at once.
    std::mem::forget(loaded);
    Ok(code)
}

/// Analyzes dumps read elsewhere (`capture`) and writes the analysis as `analyze` does.
pub(crate) fn write_analysis(
    dumps: Vec<Dump>,
    format: AnalyzeFormat,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in &dumps {
        report_warnings(d);
    }
    render_analysis(&dumps, format, style, out)
}

fn render_analysis(dumps: &[Dump], format: AnalyzeFormat, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let parts = match format {
        AnalyzeFormat::Text => Parts { detail: true, ..Parts::default() },
        AnalyzeFormat::Dot | AnalyzeFormat::Svg => Parts { graph: true, ..Parts::default() },
        AnalyzeFormat::Html | AnalyzeFormat::Markdown => Parts::ALL,
        AnalyzeFormat::Json => Parts::default(),
    };
    let per_source = dumps_per_source(dumps.iter().map(|d| d.source.as_str()));
    let analyses: Vec<_> = each_dump(dumps, |d, i| {
        let a = analyze(d);
        let r = Report::build(&a, i, per_source[d.source.as_str()], parts);
        (a, r)
    });
    drop(per_source);
    let reports: Vec<&Report> = analyses.iter().map(|(_, r)| r).collect();
    match format {
        AnalyzeFormat::Json => {
            let doc = analysis_json::AnalysisDoc {
                schema: analysis_json::SCHEMA,
                dumps: reports.iter().map(|r| analysis_json::from_report(r)).collect(),
            };
            serde_json::to_writer(&mut *out, &doc)?;
            out.write_all(b"\n")?;
        }
        AnalyzeFormat::Dot => dot::write(out, &reports)?,
        AnalyzeFormat::Svg => svg::write(out, &reports)?,
        AnalyzeFormat::Html => html::write(out, &reports)?,
        AnalyzeFormat::Markdown => {
            for r in &reports {
                markdown::write(out, r)?;
            }
        }
        AnalyzeFormat::Text => {
            for r in &reports {
                analysis_text::write(out, r, style)?;
            }
        }
    }
    drop(reports);
    std::mem::forget(analyses);
    Ok(())
}
