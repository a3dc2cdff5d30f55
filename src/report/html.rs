//! `holdup analyze --format html`: one self-contained page to look at and to attach to a
//! ticket — no network, no external scripts or fonts. The first finding is the first thing on
//! the page; then the wait-for graph (inline SVG, nodes linking to their goroutines), a flame
//! graph of where the goroutines sit (drawn by `inferno` from the folded stacks), and every
//! goroutine folded into collapsible groups with a search box and state filters.
//!
//! A large dump stays a small page: goroutines are shown as groups of the same stack (a few
//! hundred at most, each stack once), never one element per goroutine.
//!
//! The page's script reads `#q=TEXT` (and `&state=STATE`) from the address, so a link can
//! point at a filtered view; the browser test uses that too.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::infer::{Confidence, short};
use crate::report::esc::html as esc;
use crate::report::model::{
    BlockerInfo, DeadlockFinding, Evidence, Finding, GRef, GoroutineInfo, GroupInfo, NoHolderFinding, Node, Report,
    WaiterGroups,
};
use crate::report::{collapsed, evidence, svg, words};

/// Groups listed at most per dump (the largest first); the rest are counted.
pub const MAX_GROUPS: usize = 400;
/// Frames shown per stack.
const MAX_FRAMES: usize = 40;
/// Waiter groups listed per finding.
const WAITER_GROUPS: usize = 8;
/// States offered as filters at most.
const MAX_STATE_FILTERS: usize = 12;

const STYLE: &str = r#"
:root{--fg:#1d2330;--muted:#5b6475;--line:#dfe3ea;--bg:#f6f7f9;--card:#fff;--red:#c0392b;--redbg:#fdecea;--amber:#9a6b00;--amberbg:#fff6dd;--blue:#2f5f98;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:16px 20px 40px}
header.top{background:#1d2330;color:#fff;padding:10px 20px;font-size:13px}
header.top b{font-size:15px;margin-right:8px}
h1{font-size:20px;margin:18px 0 2px;word-break:break-all}
h2{font-size:16px;margin:0 0 8px}
h3{font-size:14px;margin:12px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.meta{color:var(--muted);margin:0 0 10px}
.reason{background:var(--redbg);border-left:4px solid var(--red);padding:6px 10px;font-family:var(--mono);white-space:pre-wrap;word-break:break-all}
.verdict{display:flex;gap:10px;flex-wrap:wrap;margin:12px 0}
.chip{background:var(--card);border:1px solid var(--line);border-radius:16px;padding:3px 12px}
.chip.alarm{border-color:var(--red);color:var(--red);font-weight:600}
.chip.ok{border-color:#2e7d32;color:#2e7d32;font-weight:600}
.chip.note{border-color:#b26a00;color:#b26a00}
.finding{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--red);border-radius:6px;padding:14px 16px;margin:14px 0;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.finding.noholder{border-left-color:#d4a20b}
.finding h2{font-size:17px;line-height:1.35}
.tag{display:inline-block;font-size:12px;font-weight:700;letter-spacing:.05em;color:#fff;background:var(--red);border-radius:4px;padding:1px 7px;margin-right:6px;vertical-align:2px}
.noholder .tag{background:#d4a20b}
.num{color:var(--muted);margin-right:4px}
.cols{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:18px}
@media (max-width:900px){.cols{grid-template-columns:1fr}}
table.stack{border-collapse:collapse;width:100%;font-family:var(--mono);font-size:12.5px}
table.stack td{padding:1px 6px;vertical-align:top;border-bottom:1px solid #f0f2f5}
table.stack td.loc{color:var(--muted);white-space:nowrap;text-align:right}
table.stack tr.lib td.fn{color:#8a93a3}
table.stack td.fn{word-break:break-all}
ul.evidence{margin:0;padding-left:18px}
ul.evidence li{margin:2px 0}
.conf{font-weight:600}.conf.high{color:#2e7d32}.conf.medium{color:var(--amber)}.conf.low{color:var(--red)}
.muted{color:var(--muted)}
code,.mono{font-family:var(--mono);font-size:12.5px}
table.waiters{border-collapse:collapse;width:100%;margin-top:4px}
table.waiters td,table.waiters th{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
table.waiters td.n{text-align:right;font-weight:600;white-space:nowrap}
section.box{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:14px 16px;margin:18px 0}
.graph{overflow:auto;max-height:720px}
.graph a:hover rect{stroke-width:3}
.graph svg{max-width:100%;height:auto}
p.member{font-weight:600;margin:12px 0 4px}
iframe.flame{width:100%;border:0}
.controls{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin-bottom:8px}
.controls input[type=search]{flex:1 1 260px;padding:6px 10px;border:1px solid #c5cbd6;border-radius:4px;font:inherit}
.controls button{font:inherit;font-size:12.5px;border:1px solid #c5cbd6;background:#fff;border-radius:14px;padding:2px 10px;cursor:pointer}
.controls button[aria-pressed=true]{background:var(--blue);border-color:var(--blue);color:#fff}
details.group{border-bottom:1px solid var(--line);padding:4px 0}
details.group>summary{cursor:pointer;list-style-position:outside}
details.group>summary .count{display:inline-block;min-width:64px;text-align:right;font-weight:700;margin-right:6px}
details.group>summary .where{font-family:var(--mono);font-size:12.5px}
details.group .body{padding:4px 0 8px 72px}
details.group:target{background:#fff9e0}
.role{font-size:11.5px;font-weight:700;border-radius:3px;padding:0 5px;margin-left:6px;color:#fff;background:var(--red)}
.role.waits{background:#7f8c8d}
footer{color:var(--muted);font-size:12px;margin-top:24px}
"#;

const SCRIPT: &str = r#"
(function(){
  function apply(root){
    var q=(root.querySelector('input[type=search]').value||'').toLowerCase().trim();
    var on=[].slice.call(root.querySelectorAll('.controls button[aria-pressed=true]')).map(function(b){return b.dataset.state;});
    var shown=0;
    root.querySelectorAll('details.group').forEach(function(g){
      var okq=!q||g.dataset.text.indexOf(q)>=0;
      var st=g.dataset.states.split('\n');
      var oks=!on.length||on.some(function(s){return st.indexOf(s)>=0;});
      g.hidden=!(okq&&oks);
      if(!g.hidden)shown++;
    });
    root.querySelector('.shown').textContent=shown;
    root.dataset.shown=shown;
  }
  var params={};
  (location.hash.replace(/^#/,'').split('&')).forEach(function(kv){var i=kv.indexOf('=');if(i>0)params[kv.slice(0,i)]=decodeURIComponent(kv.slice(i+1).replace(/\+/g,' '));});
  document.querySelectorAll('section.groups').forEach(function(root){
    var input=root.querySelector('input[type=search]');
    if(params.q!==undefined)input.value=params.q;
    input.addEventListener('input',function(){apply(root);});
    root.querySelectorAll('.controls button').forEach(function(b){
      if(params.state!==undefined&&b.dataset.state===params.state)b.setAttribute('aria-pressed','true');
      b.addEventListener('click',function(){b.setAttribute('aria-pressed',b.getAttribute('aria-pressed')==='true'?'false':'true');apply(root);});
    });
    apply(root);
  });
  function openTarget(){var id=location.hash.slice(1);if(!id||id.indexOf('=')>=0)return;var el=document.getElementById(id);if(el&&el.tagName==='DETAILS'){el.hidden=false;el.open=true;}}
  window.addEventListener('hashchange',openTarget);openTarget();
  document.body.dataset.ready='yes';
})();
"#;

/// Writes one page with the reports of every dump (built with
/// [`Parts::ALL`](crate::report::model::Parts)).
pub fn write(w: &mut dyn Write, reports: &[&Report]) -> io::Result<()> {
    let title = match reports {
        [r] => format!("holdup: {}", r.source),
        _ => format!("holdup: {} dumps", reports.len()),
    };
    write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"generator\" content=\"holdup {}\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&title)
    )?;
    writeln!(w, "<header class=\"top\"><b>holdup</b>why the Go process is stuck</header><main>")?;
    for (k, r) in reports.iter().enumerate() {
        let mut s = String::new();
        dump(&mut s, r, k);
        w.write_all(s.as_bytes())?;
    }
    writeln!(
        w,
        "<footer>Written by holdup {}. Holders are inferred: a goroutine dump never says who holds a mutex; the confidence says how sure.</footer></main><script>{SCRIPT}</script></body></html>",
        env!("CARGO_PKG_VERSION")
    )
}

fn id(g: GRef) -> String {
    g.id.map_or("(no id)".to_string(), |i| i.to_string())
}

fn conf(c: Confidence) -> String {
    format!("<span class=\"conf {0}\">{0} confidence</span>", c.as_str())
}

fn lock_name(r: &Report, l: usize) -> String {
    let lock = &r.locks[l];
    format!("<b>{}</b> {}", esc(&lock.id), esc(&words::describe_lock(lock)))
}

fn state(g: &GoroutineInfo) -> String {
    words::state_minutes(&g.state, g.wait_minutes)
}

fn dump(s: &mut String, r: &Report, k: usize) {
    let mut title = r.source.clone();
    if r.of > 1 {
        title.push_str(&format!(" (dump {} of {})", r.index + 1, r.of));
    }
    let _ = write!(s, "<section class=\"dump\" id=\"dump-{k}\"><h1>{}</h1>", esc(&title));
    let program = r.program.as_deref().unwrap_or("unknown program");
    let _ = write!(
        s,
        "<p class=\"meta\">{} goroutines · {} · {} · {}</p>",
        r.goroutines,
        esc(program),
        esc(r.kind),
        esc(&r.go)
    );
    if let Some(reason) = &r.reason {
        let _ = write!(s, "<div class=\"reason\">{}</div>", esc(reason.lines().next().unwrap_or("")));
    }
    verdict(s, r);
    if r.has_findings() {
        let _ = write!(s, "<section class=\"findings\">");
        for (i, f) in r.findings.iter().enumerate() {
            match f {
                Finding::Deadlock(c) => deadlock(s, r, k, i + 1, c),
                Finding::Blocker(b) => blocker(s, r, k, i + 1, b),
                Finding::NoHolder(n) => no_holder(s, r, k, i + 1, n),
                Finding::Stuck(f) => stuck(s, k, i + 1, f),
            }
        }
        if r.hidden_locks > 0 {
            let _ = write!(
                s,
                "<p class=\"muted\">{} more contended lock(s) not shown; see <code>holdup analyze --format json</code>.</p>",
                r.hidden_locks
            );
        }
        s.push_str("</section>");
        graph(s, r, k);
    }
    flame(s, r);
    groups(s, r, k);
    if r.warnings > 0 {
        let _ = write!(
            s,
            "<p class=\"muted\">{} line(s) of the dump could not be read; <code>holdup summary</code> lists them.</p>",
            r.warnings
        );
    }
    s.push_str("</section>");
}

/// The verdict in a line of chips, before any detail.
fn verdict(s: &mut String, r: &Report) {
    s.push_str("<div class=\"verdict\">");
    if !r.has_findings() {
        let calm = crate::report::words::Calm::of(r);
        let (class, label) = match calm.label() {
            Some(l) => ("ok", format!("{l}: ")),
            None => ("note", String::new()),
        };
        let _ = write!(s, "<span class=\"chip {class}\">{label}{}</span>", esc(&calm.sentence(r)));
    }
    for f in &r.findings {
        let _ = match f {
            Finding::Deadlock(c) => {
                write!(s, "<span class=\"chip alarm\">deadlock of {} goroutines</span>", c.members.len())
            }
            Finding::Blocker(b) => write!(
                s,
                "<span class=\"chip alarm\">{} goroutine(s) blocked behind goroutine {}</span>",
                b.blocked,
                id(b.goroutine.goroutine)
            ),
            Finding::NoHolder(n) => write!(
                s,
                "<span class=\"chip\">{} waits on {} with no live holder</span>",
                r.locks[n.lock].waiters.len(),
                esc(&r.locks[n.lock].id)
            ),
            Finding::Stuck(f) => write!(
                s,
                "<span class=\"chip alarm\">{} goroutine(s) stuck in {}</span>",
                f.count,
                esc(short(f.place.as_deref().unwrap_or("?")))
            ),
        };
    }
    let _ = write!(s, "<span class=\"chip\">{} contended lock(s)</span></div>", r.locks.len());
}

fn stack(s: &mut String, g: &GoroutineInfo) {
    s.push_str("<table class=\"stack\">");
    for f in g.frames.iter().take(MAX_FRAMES) {
        let file = f.file.rsplit('/').next().unwrap_or("");
        let _ = write!(
            s,
            "<tr{}><td class=\"fn\" title=\"{}\">{}</td><td class=\"loc\" title=\"{}:{}\">{}:{}</td></tr>",
            if f.library { " class=\"lib\"" } else { "" },
            esc(&f.func),
            esc(short(&f.func)),
            esc(&f.file),
            f.line,
            esc(file),
            f.line
        );
    }
    if g.frames.len() > MAX_FRAMES {
        let _ = write!(s, "<tr><td class=\"muted\">… {} more frames</td><td></td></tr>", g.frames.len() - MAX_FRAMES);
    }
    s.push_str("</table>");
}

fn evidence_list(s: &mut String, items: &[Evidence]) {
    s.push_str("<ul class=\"evidence\">");
    for e in items {
        let _ = write!(s, "<li>{}</li>", esc(&evidence::text(e)));
    }
    s.push_str("</ul>");
}

fn waiters(s: &mut String, heading: &str, groups: Option<&WaiterGroups>) {
    let Some(groups) = groups else { return };
    let _ = write!(s, "<h3>{}</h3><table class=\"waiters\">", esc(heading));
    for g in groups.groups.iter().take(WAITER_GROUPS) {
        let path: Vec<String> = g.path.iter().map(|f| esc(short(f)).into_owned()).collect();
        let mins = g.longest_wait.map_or(String::new(), |m| format!(", {m}+ min"));
        let read = if g.read { " (read)" } else { "" };
        let _ = write!(
            s,
            "<tr><td class=\"n\">{} ×</td><td>{}</td><td>[{}{mins}]{read}</td><td class=\"mono\">{}</td><td class=\"muted\">{}</td></tr>",
            g.count,
            esc(g.operation.as_deref().unwrap_or("")),
            esc(words::state(&g.state)),
            path.join(" ← "),
            esc(&words::abbreviate_ids(&g.ids, g.members, 6))
        );
    }
    if groups.groups.len() > WAITER_GROUPS {
        let rest: u64 = groups.groups[WAITER_GROUPS..].iter().map(|g| g.count).sum();
        let _ = write!(
            s,
            "<tr><td class=\"n\">{rest} ×</td><td colspan=\"4\" class=\"muted\">in {} other stack shapes</td></tr>",
            groups.groups.len() - WAITER_GROUPS
        );
    }
    s.push_str("</table>");
}

fn blocker(s: &mut String, r: &Report, k: usize, n: usize, b: &BlockerInfo) {
    let _ = write!(
        s,
        "<article class=\"finding blocker\" id=\"finding-{k}-{n}\"><h2><span class=\"num\">{n}.</span><span class=\"tag\">BLOCKING</span>{}</h2><div class=\"cols\"><div><h3>Its stack</h3><p class=\"muted\">[{}] {}</p>",
        esc(&words::blocker_headline(r, b).line()),
        esc(&state(&b.goroutine)),
        esc(&b.route)
    );
    stack(s, &b.goroutine);
    s.push_str("</div><div>");
    let me = b.goroutine.goroutine.index;
    for &l in &b.holds {
        let holders = &r.locks[l].holders;
        let mine = holders.iter().find(|h| h.goroutine.index == me);
        let c = mine.map_or(Confidence::Low, |h| h.confidence);
        let _ = write!(s, "<h3>Why it holds {}</h3><p>{} — {}</p>", esc(&r.locks[l].id), lock_name(r, l), conf(c));
        if let Some(h) = mine {
            evidence_list(s, &h.evidence);
        }
        let others: Vec<String> = holders
            .iter()
            .filter(|h| h.goroutine.index != me)
            .map(|h| format!("goroutine {} ({}, score {:.1})", id(h.goroutine), h.confidence.as_str(), h.score))
            .collect();
        if !others.is_empty() {
            let _ = write!(s, "<p class=\"muted\">Other candidates: {}</p>", esc(&others.join(", ")));
        }
    }
    for via in &b.via {
        for &held in &via.holds {
            let _ = write!(
                s,
                "<p>Chain: goroutine {} waits for {} and holds {}</p>",
                id(via.goroutine),
                esc(&r.locks[via.waits].id),
                lock_name(r, held)
            );
        }
    }
    s.push_str("</div></div>");
    let title = words::waiters_title(b.blocked, &b.by_operation, b.longest_wait);
    waiters(s, &title, b.waiters.as_ref());
    s.push_str("</article>");
}

fn deadlock(s: &mut String, r: &Report, k: usize, n: usize, c: &DeadlockFinding) {
    let names: Vec<String> = c.members.iter().map(|m| id(m.goroutine.goroutine)).collect();
    let _ = write!(
        s,
        "<article class=\"finding deadlock\" id=\"finding-{k}-{n}\"><h2><span class=\"num\">{n}.</span><span class=\"tag\">DEADLOCK</span>goroutines {} wait for each other</h2>",
        names.join(", ")
    );
    for m in &c.members {
        let holds: Vec<String> = m.holds.iter().map(|&l| esc(&r.locks[l].id).into_owned()).collect();
        let waits: Vec<String> = m.waits.iter().map(|&l| lock_name(r, l)).collect();
        let _ = write!(
            s,
            "<div class=\"cols\"><div><p class=\"member\">Goroutine {} [{}] holds {} and waits for {}</p>",
            id(m.goroutine.goroutine),
            esc(&state(&m.goroutine)),
            holds.join(", "),
            waits.join(", ")
        );
        stack(s, &m.goroutine);
        s.push_str("</div><div>");
        for &l in &c.locks {
            let lock = &r.locks[l];
            if let Some(h) = lock.holders.first().filter(|h| h.goroutine == m.goroutine.goroutine) {
                let _ = write!(s, "<h3>Why it holds {}</h3><p>{}</p>", esc(&lock.id), conf(h.confidence));
                evidence_list(s, &h.evidence);
            }
        }
        s.push_str("</div></div>");
    }
    if c.behind > 0 {
        waiters(s, &words::behind_cycle_title(c.behind, &c.by_operation), c.waiters.as_ref());
    }
    s.push_str("</article>");
}

fn no_holder(s: &mut String, r: &Report, k: usize, n: usize, f: &NoHolderFinding) {
    let lock = &r.locks[f.lock];
    let headline = words::no_holder_headline(r, f).join(" ");
    let _ = write!(
        s,
        "<article class=\"finding noholder\" id=\"finding-{k}-{n}\"><h2><span class=\"num\">{n}.</span><span class=\"tag\">NO HOLDER</span>{}</h2><p>{}</p>",
        esc(&headline),
        esc(words::NO_HOLDER)
    );
    waiters(s, &words::waiters_title(lock.waiters.len(), &f.by_operation, f.longest_wait), f.waiters.as_ref());
    s.push_str("</article>");
}

fn stuck(s: &mut String, k: usize, n: usize, f: &crate::report::model::StuckFinding) {
    use crate::report::stuck as words_of;
    let _ = write!(
        s,
        "<article class=\"finding\" id=\"finding-{k}-{n}\"><h2><span class=\"num\">{n}.</span><span class=\"tag\">STUCK</span>{} — {}</h2><p>stuck rather than idle ({} confidence):</p><ul>",
        esc(&words_of::subject(f)),
        esc(&words_of::what(f)),
        f.confidence.as_str()
    );
    for sig in &f.signals {
        let _ = write!(s, "<li>{}</li>", esc(&words_of::signal_text(sig)));
    }
    s.push_str("</ul>");
    stack(s, &f.goroutine);
    if !f.waits_on.is_empty() {
        let _ = write!(s, "<p>{}</p><ul>", esc(&words_of::waits_on_heading(f.waits_on[0].waits_on)));
        for e in &f.waits_on {
            let _ = write!(s, "<li>{}</li>", esc(&words_of::edge_text(e)));
        }
        s.push_str("</ul>");
    }
    s.push_str("</article>");
}

fn graph(s: &mut String, r: &Report, k: usize) {
    let link = |n: &Node| match n {
        Node::Goroutine { in_group: Some(g), .. } | Node::Waiters { in_group: Some(g), .. } => {
            Some(format!("#group-{k}-{g}"))
        }
        _ => None,
    };
    let d = svg::draw(r, &link);
    let _ = write!(
        s,
        "<section class=\"box\"><h2>Wait-for graph</h2><p class=\"muted\">Goroutines wait for locks (grey arrows); locks are held by goroutines (red; dashed or dotted when less sure). Holders are outlined in red, deadlock cycles drawn in red. Click a goroutine to see its group below.</p><div class=\"graph\" data-nodes=\"{}\">{}</div>",
        d.nodes, d.svg
    );
    if d.locks_left_out > 0 {
        let _ =
            write!(s, "<p class=\"muted\">{} less contended lock(s) left out of the picture.</p>", d.locks_left_out);
    }
    s.push_str("</section>");
}

fn flame(s: &mut String, r: &Report) {
    if r.groups.is_empty() {
        return;
    }
    let lines: Vec<String> = r.groups.iter().map(|g| collapsed::line(g, true)).collect();
    let mut opt = inferno::flamegraph::Options::default();
    opt.title = "Where the goroutines sit".to_string();
    opt.count_name = "goroutines".to_string();
    opt.name_type = "Function:".to_string();
    opt.deterministic = true;
    // A fixed width: left to the frame, the drawing's width depends on when its script runs.
    opt.image_width = Some(1120);
    // A generic family: inferno quotes any other name, and a quoted list names no font.
    opt.font_type = "sans-serif".to_string();
    let mut svg = Vec::new();
    if inferno::flamegraph::from_lines(&mut opt, lines.iter().map(String::as_str), &mut svg).is_err() {
        return;
    }
    let svg = String::from_utf8_lossy(&svg);
    // The frame graph's height, to size its frame: `<svg … height="N" …>`.
    let height = svg
        .find("<svg")
        .and_then(|at| svg[at..].find("height=\"").map(|h| at + h + 8))
        .and_then(|at| svg[at..].split('"').next().and_then(|h| h.parse::<f64>().ok()))
        .unwrap_or(400.0);
    // Its own script (zoom, search, details) runs inside a sandboxed frame, apart from the page.
    let _ = write!(
        s,
        "<section class=\"box\"><h2>Where the goroutines sit</h2><p class=\"muted\">A flame graph of every goroutine's stack, outermost at the bottom; width is how many goroutines. Click to zoom.</p><iframe class=\"flame\" sandbox=\"allow-scripts\" style=\"height:{:.0}px\" title=\"flame graph\" srcdoc=\"{}\"></iframe></section>",
        height + 24.0,
        crate::report::esc::markup(&svg)
    );
}

fn groups(s: &mut String, r: &Report, k: usize) {
    if r.groups.is_empty() {
        return;
    }
    // The states offered as filters: the most common.
    let mut states: Vec<(String, u64)> = Vec::new();
    for g in &r.groups {
        for (st, n) in &g.states {
            match states.iter_mut().find(|(x, _)| x == st) {
                Some(e) => e.1 += n,
                None => states.push((st.clone(), *n)),
            }
        }
    }
    states.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: u64 = r.groups.iter().map(|g| g.count).sum();
    let _ = write!(
        s,
        "<section class=\"box groups\" id=\"groups-{k}\"><h2>Goroutines: {total} in {} groups of the same stack</h2><div class=\"controls\"><input type=\"search\" placeholder=\"Search functions, files, states, ids…\" aria-label=\"search goroutines\">",
        r.groups.len()
    );
    for (st, n) in states.iter().take(MAX_STATE_FILTERS) {
        let _ = write!(
            s,
            "<button type=\"button\" aria-pressed=\"false\" data-state=\"{}\">{} ({n})</button>",
            esc(st),
            esc(words::state(st))
        );
    }
    let _ = write!(
        s,
        "<span class=\"muted\"><span class=\"shown\">{}</span> shown</span></div>",
        r.groups.len().min(MAX_GROUPS)
    );
    for (j, g) in r.groups.iter().enumerate().take(MAX_GROUPS) {
        group(s, r, k, j, g);
    }
    if r.groups.len() > MAX_GROUPS {
        let rest: u64 = r.groups[MAX_GROUPS..].iter().map(|g| g.count).sum();
        let _ = write!(
            s,
            "<p class=\"muted\">{rest} more goroutine(s) in {} smaller groups not listed; <code>holdup groups</code> lists them all.</p>",
            r.groups.len() - MAX_GROUPS
        );
    }
    s.push_str("</section>");
}

fn group(s: &mut String, r: &Report, k: usize, j: usize, g: &GroupInfo) {
    let top = g.frames.iter().find(|f| !f.library).or(g.frames.first()).map_or("(no frames)", |f| short(&f.func));
    let states: Vec<String> = if g.states.len() == 1 {
        vec![words::state(&g.states[0].0).to_string()]
    } else {
        g.states.iter().map(|(st, n)| format!("{} ×{n}", words::state(st))).collect()
    };
    let waits = match g.wait_minutes {
        Some((lo, hi)) if lo == hi => format!(", {lo}+ min"),
        Some((lo, hi)) => format!(", {lo}–{hi}+ min"),
        None => String::new(),
    };
    // What the search box looks in: functions, files, states, ids, lock ids.
    let mut text = String::new();
    for f in &g.frames {
        let _ = write!(text, "{} {}:{} ", f.func, f.file, f.line);
    }
    for (st, _) in &g.states {
        let _ = write!(text, "{st} ");
    }
    for i in g.ids.iter().flatten() {
        let _ = write!(text, "{i} ");
    }
    for &l in g.holds.iter().chain(&g.waits_for) {
        let _ = write!(text, "{} ", r.locks[l].id);
    }
    let state_list: Vec<&str> = g.states.iter().map(|(st, _)| st.as_str()).collect();
    let _ = write!(
        s,
        "<details class=\"group\" id=\"group-{k}-{j}\" data-states=\"{}\" data-text=\"{}\"><summary><span class=\"count\">{} ×</span>[{}{waits}] <span class=\"where\">{}</span>",
        esc(&state_list.join("\n")),
        esc(&text.to_lowercase()),
        g.count,
        esc(&states.join(", ")),
        esc(top)
    );
    for &l in &g.holds {
        let _ = write!(s, "<span class=\"role\">holds {}</span>", esc(&r.locks[l].id));
    }
    for &l in &g.waits_for {
        let _ = write!(s, "<span class=\"role waits\">waits for {}</span>", esc(&r.locks[l].id));
    }
    let _ = write!(
        s,
        "</summary><div class=\"body\"><p class=\"muted\">goroutines {}</p>",
        esc(&words::abbreviate_ids(&g.ids, g.members, 12))
    );
    let info = GoroutineInfo {
        goroutine: GRef { index: 0, id: None },
        state: String::new(),
        wait_minutes: None,
        frames: g.frames.clone(),
    };
    stack(s, &info);
    if let Some(c) = &g.created_by {
        let _ = write!(s, "<p class=\"muted\">created by <code>{}</code></p>", esc(short(c)));
    }
    s.push_str("</div></details>");
}
