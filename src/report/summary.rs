//! `holdup summary`: per dump, where it came from, how many goroutines in which states, the
//! longest waits, and which program it looks like.

use std::collections::HashMap;
use std::io::{self, Write};

use colored::Colorize;
use serde::Serialize;

use crate::model::Dump;

/// The schema name of `holdup summary --format json`.
pub const SCHEMA: &str = "holdup.summary/v1";

/// The summary of one dump.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The input name.
    pub source: String,
    /// Index of the dump in its input.
    pub index: usize,
    /// How it was wrapped (`raw`, `dockerd-file`, …).
    pub kind: &'static str,
    /// Input lines it spans.
    pub lines: (u64, u64),
    /// Wrapping removed to read it.
    pub wrapping: Vec<String>,
    /// Panic or signal message.
    pub reason: Option<String>,
    /// Go release range, e.g. `go1.21+`.
    pub go: String,
    /// Number of goroutines.
    pub goroutines: u64,
    /// Goroutine count per state, largest first.
    pub states: Vec<(String, u64)>,
    /// The longest waits: goroutine id, state, minutes, top non-runtime function.
    pub longest_waits: Vec<LongWait>,
    /// The program it looks like.
    pub program: Program,
    /// Number of warnings.
    pub warnings: u64,
    /// The first warnings, as `line N: message`.
    pub first_warnings: Vec<String>,
}

/// One long wait.
#[derive(Debug, Serialize)]
pub struct LongWait {
    /// Goroutine id.
    pub goroutine: Option<u64>,
    /// Its state.
    pub state: String,
    /// Minutes waited.
    pub minutes: u32,
    /// Its innermost frame outside the runtime and `sync`.
    pub function: Option<String>,
}

/// Which program a dump looks like.
#[derive(Debug, Serialize)]
pub struct Program {
    /// A well-known daemon name (`dockerd`, `containerd`, …), when recognised.
    pub name: Option<String>,
    /// The module most frames belong to, outside the standard library.
    pub module: Option<String>,
    /// The directory of `main.main`'s file, if printed.
    pub main_dir: Option<String>,
}

/// The module root of a package path: `github.com/docker/docker/daemon` → `github.com/docker/docker`.
pub fn module_of(pkg: &str) -> &str {
    let parts: Vec<&str> = pkg.splitn(4, '/').collect();
    let n = match parts[0] {
        "github.com" | "gitlab.com" | "bitbucket.org" | "golang.org" => 3,
        host if host.contains('.') => 2,
        _ => 1,
    };
    let end: usize = parts.iter().take(n).map(|p| p.len() + 1).sum::<usize>().saturating_sub(1);
    &pkg[..end.min(pkg.len())]
}

/// Recognises the program from the modules and `main` package of a dump.
pub fn program_of(d: &Dump) -> Program {
    // Count frames per function first: functions are few, frames are many.
    let mut per_func = vec![0u64; d.funcs.len()];
    for f in &d.frames {
        per_func[d.site(f.site).func.0 as usize] += 1;
    }
    let mut by_module: HashMap<&str, u64> = HashMap::new();
    for (func, &n) in d.funcs.iter().zip(&per_func) {
        if n == 0 || func.is_stdlib() || func.package().is_empty() || func.package() == "main" {
            continue;
        }
        *by_module.entry(module_of(func.package())).or_default() += n;
    }
    let module = by_module.into_iter().max_by_key(|&(m, n)| (n, std::cmp::Reverse(m))).map(|(m, _)| m.to_string());
    let main_dir = d
        .sites
        .iter()
        .find(|s| d.func(s.func).full == "main.main")
        .and_then(|s| s.file.rsplit_once('/').map(|(dir, _)| dir.to_string()));
    let has_func = |needle: &str| d.funcs.iter().any(|f| f.full.contains(needle));
    let name = match module.as_deref() {
        Some("github.com/docker/docker" | "github.com/moby/moby") => Some("dockerd"),
        Some("github.com/containerd/containerd") if has_func("runtime/v2/shim") => Some("containerd-shim"),
        Some("github.com/containerd/containerd" | "github.com/docker/containerd") => Some("containerd"),
        Some("github.com/cri-o/cri-o") => Some("cri-o"),
        Some("go.etcd.io/etcd" | "github.com/coreos/etcd") => Some("etcd"),
        Some("k8s.io/kubernetes") if main_dir.as_deref().is_some_and(|m| m.ends_with("kubelet")) => Some("kubelet"),
        Some("k8s.io/kubernetes") => Some("kubernetes component"),
        _ => None,
    }
    .map(str::to_string)
    .or_else(|| main_dir.as_deref().and_then(|m| m.rsplit('/').next()).map(str::to_string))
    // `main.main` in `/main.go` leaves an empty directory name.
    .filter(|n| !n.is_empty());
    Program { name, module, main_dir }
}

/// Summarises one dump.
pub fn summarize(d: &Dump, index: usize) -> Summary {
    let mut states: HashMap<&str, u64> = HashMap::new();
    for g in &d.goroutines {
        let s = d.state(g);
        *states.entry(if s.is_empty() { "(no state)" } else { s }).or_default() += u64::from(g.count);
    }
    let mut states: Vec<(String, u64)> = states.into_iter().map(|(s, n)| (s.to_string(), n)).collect();
    states.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut waits: Vec<_> = d.goroutines.iter().filter(|g| g.wait_minutes.is_some()).collect();
    waits.sort_by_key(|g| (std::cmp::Reverse(g.wait_minutes), g.id));
    let longest_waits = waits
        .iter()
        .take(5)
        .map(|g| LongWait {
            goroutine: g.id,
            state: d.state(g).to_string(),
            minutes: g.wait_minutes.unwrap_or(0),
            function: d.frames(g).find(|f| !f.func.is_sync_or_runtime()).map(|f| f.func.full.clone()),
        })
        .collect();
    Summary {
        source: d.source.clone(),
        index,
        kind: d.kind.as_str(),
        lines: (d.span.first_line, d.span.last_line),
        wrapping: d.wrapping.clone(),
        reason: d.reason.clone(),
        go: d.era.to_string(),
        goroutines: d.goroutine_count(),
        states,
        longest_waits,
        program: program_of(d),
        warnings: d.warnings.len() as u64 + d.warnings_dropped,
        first_warnings: d.warnings.iter().take(5).map(ToString::to_string).collect(),
    }
}

/// Writes a summary for people.
pub fn write_text(w: &mut dyn Write, s: &Summary, of: usize) -> io::Result<()> {
    let title = format!("{}: dump {} of {}", s.source, s.index + 1, of);
    writeln!(w, "{}", title.bold())?;
    let mut wrap = s.kind.to_string();
    for x in &s.wrapping {
        wrap.push_str(", ");
        wrap.push_str(x);
    }
    writeln!(w, "  found:      lines {}–{} ({wrap})", s.lines.0, s.lines.1)?;
    let program = match (&s.program.name, &s.program.module) {
        (Some(n), Some(m)) if !m.ends_with(n.as_str()) => format!("{n} ({m})"),
        (Some(n), _) => n.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => "unknown".to_string(),
    };
    writeln!(w, "  program:    {program}, {}", s.go)?;
    if let Some(r) = &s.reason {
        let first = r.lines().next().unwrap_or("");
        writeln!(w, "  reason:     {}", first.red())?;
    }
    let states: Vec<String> = s.states.iter().take(8).map(|(st, n)| format!("{n} {st}")).collect();
    let more = if s.states.len() > 8 { format!(", … ({} more states)", s.states.len() - 8) } else { String::new() };
    writeln!(w, "  goroutines: {} — {}{more}", s.goroutines.to_string().bold(), states.join(", "))?;
    if !s.longest_waits.is_empty() {
        writeln!(w, "  longest waits:")?;
        for l in &s.longest_waits {
            let id = l.goroutine.map_or("?".to_string(), |i| i.to_string());
            let f = l.function.as_deref().unwrap_or("");
            writeln!(w, "    {:>6} min  goroutine {id} [{}] {f}", l.minutes, l.state)?;
        }
    }
    if s.warnings > 0 {
        writeln!(w, "  warnings:   {}", s.warnings.to_string().yellow())?;
        for x in &s.first_warnings {
            writeln!(w, "    {x}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_module_roots() {
        assert_eq!(module_of("github.com/docker/docker/daemon"), "github.com/docker/docker");
        assert_eq!(module_of("k8s.io/kubernetes/pkg/kubelet"), "k8s.io/kubernetes");
        assert_eq!(module_of("golang.org/x/net/http2"), "golang.org/x/net");
        assert_eq!(module_of("example.com/app/store"), "example.com/app");
        assert_eq!(module_of("net/http"), "net");
        assert_eq!(module_of("github.com/a"), "github.com/a");
    }
}
