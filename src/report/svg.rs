//! The wait-for graph drawn as SVG, laid out in Rust: `holdup graph --format svg`, and the
//! picture at the top of the HTML report. The same nodes as the DOT output (locks, holders,
//! waiters that hold something, other waiters folded by stack); holders are highlighted,
//! deadlock cycles drawn in red, and folded nodes grow with how many goroutines they stand for.
//!
//! The layered layout (ranks, crossing reduction, placement, edge curves) is `layout-rs`'s;
//! it only reports geometry to a recording backend here, and this module writes the SVG
//! itself, so that every string from the dump is escaped and the drawing can link its nodes
//! to the HTML page's goroutine groups.

use std::fmt::Write as _;
use std::io::{self, Write};

use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

use crate::infer::{Confidence, short};
use crate::report::esc::html as esc;
use crate::report::model::{Finding, Node, Report};

/// Locks drawn at most (the most waited-for first): beyond that a picture stops helping,
/// and the layout's time grows faster than linearly.
pub const MAX_LOCKS: usize = 40;
/// Characters of a label line kept.
const LABEL_CHARS: usize = 44;
/// Width of a character at the label's font size, for sizing boxes.
const CHAR_WIDTH: f64 = 6.8;
/// Height of a label line.
const LINE_HEIGHT: f64 = 15.0;

/// One dump's graph drawn: the `<svg>` element and how many nodes it has.
#[derive(Debug, Clone)]
pub struct Drawing {
    /// An `<svg>` element, with its own width, height and view box.
    pub svg: String,
    /// Nodes drawn.
    pub nodes: usize,
    /// Locks left out (beyond [`MAX_LOCKS`]).
    pub locks_left_out: usize,
    /// Width and height in pixels.
    pub size: (f64, f64),
}

/// Where a node links to in the HTML page (`None`: no link).
pub type Link<'a> = &'a dyn Fn(&Node) -> Option<String>;

/// Writes one standalone SVG document with the graphs of several reports (built with
/// [`Parts::graph`](crate::report::model::Parts)), one under the other.
pub fn write(w: &mut dyn Write, reports: &[&Report]) -> io::Result<()> {
    let none = |_: &Node| None;
    let mut parts = Vec::new();
    let (mut width, mut height) = (0.0f64, 0.0f64);
    for r in reports {
        let title = format!("{} #{}", r.source, r.index);
        let d = draw(r, &none);
        parts.push((height, title, d.svg));
        width = width.max(d.size.0);
        height += d.size.1 + 28.0;
    }
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}" viewBox="0 0 {:.0} {:.0}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif">"#,
        width.max(200.0),
        height.max(40.0),
        width.max(200.0),
        height.max(40.0)
    )?;
    writeln!(w, r#"<rect width="100%" height="100%" fill="white"/>"#)?;
    for (y, title, svg) in parts {
        writeln!(
            w,
            r##"<text x="8" y="{:.0}" font-size="13" font-weight="bold" fill="#333">{}</text>"##,
            y + 18.0,
            esc(&title)
        )?;
        writeln!(w, r#"<g transform="translate(0,{:.0})">{svg}</g>"#, y + 28.0)?;
    }
    writeln!(w, "</svg>")
}

/// An edge's curve (control points) and which of its ends carry a head.
type Curve = (Vec<(Point, Point)>, (bool, bool));

/// What the layout reported about one node or edge.
#[derive(Default)]
struct Recorder {
    /// Per node: top-left corner and size.
    boxes: Vec<Option<(Point, Point)>>,
    /// Per edge: the curve's control points, and which ends carry a head.
    curves: Vec<Option<Curve>>,
}

fn index_of(props: &Option<String>, prefix: char) -> Option<usize> {
    props.as_deref().and_then(|p| p.strip_prefix(prefix)).and_then(|n| n.parse().ok())
}

impl RenderBackend for Recorder {
    fn draw_rect(&mut self, xy: Point, size: Point, _: &StyleAttr, props: Option<String>, _: Option<ClipHandle>) {
        if let Some(i) = index_of(&props, 'n').filter(|&i| i < self.boxes.len()) {
            self.boxes[i] = Some((xy, size));
        }
    }
    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}
    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _: bool,
        head: (bool, bool),
        _: &StyleAttr,
        props: Option<String>,
        _: &str,
    ) {
        if let Some(i) = index_of(&props, 'e').filter(|&i| i < self.curves.len()) {
            self.curves[i] = Some((path.to_vec(), head));
        }
    }
    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

/// How an edge is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EdgeKind {
    /// A goroutine waits for a lock.
    Waits { read: bool },
    /// A lock is held by a goroutine.
    HeldBy(Confidence),
}

/// The look of a node: fill, stroke, stroke width, CSS class.
fn look(n: &Node) -> (&'static str, &'static str, f64, &'static str) {
    match n {
        Node::Lock { .. } => ("#fff4d6", "#b7950b", 1.2, "lock"),
        Node::Goroutine { in_deadlock: true, .. } => ("#fde2e1", "#c0392b", 2.5, "goroutine deadlock"),
        Node::Goroutine { blocker: true, .. } => ("#fde9d9", "#c0392b", 2.5, "goroutine holder"),
        Node::Goroutine { .. } => ("#ffffff", "#7f8c8d", 1.2, "goroutine"),
        Node::Waiters { .. } => ("#eaf1fb", "#5d7ea8", 1.2, "waiters"),
    }
}

/// The label lines of a node (unescaped; the first is bold).
fn label(r: &Report, n: &Node) -> Vec<String> {
    let top = |t: &Option<String>| t.as_deref().map(short).unwrap_or("(no application frame)").to_string();
    let state = |s: &str| format!("[{}]", crate::report::words::state(s));
    match n {
        Node::Lock { lock } => {
            let l = &r.locks[*lock];
            let addr = l.address.map_or("address unknown".to_string(), |x| format!("{x:#x}"));
            vec![format!("{} {}", l.id, l.kind.as_str()), addr, short(l.site()).to_string()]
        }
        Node::Goroutine { goroutine, state: s, top: t, .. } => {
            let id = goroutine.id.map_or("?".to_string(), |i| i.to_string());
            vec![format!("goroutine {id}"), state(s), top(t)]
        }
        Node::Waiters { count, top: t, state: s, .. } => vec![format!("{count} × {}", top(t)), state(s)],
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= LABEL_CHARS {
        s.to_string()
    } else {
        let head: String = s.chars().take(LABEL_CHARS - 1).collect();
        format!("{head}…")
    }
}

/// How many goroutines a node stands for.
fn weight(n: &Node) -> u64 {
    match n {
        Node::Waiters { count, .. } => *count,
        _ => 1,
    }
}

/// Draws one report's graph; `link` gives the target of each node's link, if any.
pub fn draw(r: &Report, link: Link<'_>) -> Drawing {
    let Some(graph) = &r.graph else {
        return Drawing { svg: String::new(), nodes: 0, locks_left_out: 0, size: (0.0, 0.0) };
    };
    let locks = graph.locks.len().min(MAX_LOCKS);
    // The nodes of the locks drawn, in order.
    let mut keep = vec![false; graph.nodes.len()];
    let mut edges: Vec<(usize, usize, EdgeKind)> = Vec::new();
    for (li, e) in graph.locks.iter().enumerate().take(locks) {
        keep[li] = true;
        if let Some((h, c)) = e.held_by {
            keep[h] = true;
            edges.push((li, h, EdgeKind::HeldBy(c.0)));
        }
        for &(g, read) in e.waiters.iter().chain(&e.groups) {
            keep[g] = true;
            edges.push((g, li, EdgeKind::Waits { read }));
        }
    }
    let cycle_locks: Vec<usize> = r
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::Deadlock(c) => Some(c.locks.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    let in_cycle = |n: usize| match &graph.nodes[n] {
        Node::Lock { lock } => cycle_locks.contains(lock),
        Node::Goroutine { in_deadlock, .. } => *in_deadlock,
        Node::Waiters { .. } => false,
    };

    let mut vg = VisualGraph::new(Orientation::LeftToRight);
    let mut handles = vec![None; graph.nodes.len()];
    let mut labels = vec![Vec::new(); graph.nodes.len()];
    for (i, n) in graph.nodes.iter().enumerate().filter(|&(i, _)| keep[i]) {
        let lines: Vec<String> = label(r, n).iter().map(|l| clip(l)).collect();
        let chars = lines.iter().map(|l| l.chars().count()).max().unwrap_or(4) as f64;
        // Folded nodes grow with the goroutines they stand for: ×1.3 per tenfold.
        let grow = 1.0 + 0.3 * (weight(n) as f64).log10();
        let size = Point::new((chars * CHAR_WIDTH + 24.0) * grow, (lines.len() as f64 * LINE_HEIGHT + 14.0) * grow);
        let elem = Element::create_with_properties(
            ShapeKind::new_box(""),
            StyleAttr::new(Color::fast("black"), 1, None, 0, 12),
            Orientation::LeftToRight,
            size,
            format!("n{i}"),
        );
        handles[i] = Some(vg.add_node(elem));
        labels[i] = lines;
    }
    for (k, &(from, to, _)) in edges.iter().enumerate() {
        if let (Some(a), Some(b)) = (handles[from], handles[to]) {
            vg.add_edge(Arrow::simple_with_properties("", format!("e{k}")), a, b);
        }
    }
    let mut rec = Recorder { boxes: vec![None; graph.nodes.len()], curves: vec![None; edges.len()] };
    // The layout asserts on shapes it cannot place; a picture that cannot be drawn must not
    // take the report down with it.
    let laid_out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        vg.do_it(false, false, false, &mut rec);
        rec
    }));
    let Ok(rec) = laid_out else {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="360" height="30"><text x="4" y="20" font-size="13" fill="#c0392b">the graph could not be laid out; see --format dot</text></svg>"##;
        return Drawing {
            svg: svg.to_string(),
            nodes: 0,
            locks_left_out: graph.locks.len() - locks,
            size: (360.0, 30.0),
        };
    };

    // The drawing's extent, then everything shifted into view.
    let (mut lo, mut hi) = (Point::new(f64::MAX, f64::MAX), Point::new(f64::MIN, f64::MIN));
    let mut grow = |p: Point| {
        lo = Point::new(lo.x.min(p.x), lo.y.min(p.y));
        hi = Point::new(hi.x.max(p.x), hi.y.max(p.y));
    };
    for (xy, size) in rec.boxes.iter().flatten() {
        grow(*xy);
        grow(Point::new(xy.x + size.x, xy.y + size.y));
    }
    for (path, _) in rec.curves.iter().flatten() {
        for &(a, b) in path {
            grow(a);
            grow(b);
        }
    }
    if lo.x > hi.x {
        lo = Point::new(0.0, 0.0);
        hi = Point::new(10.0, 10.0);
    }
    const MARGIN: f64 = 12.0;
    let (dx, dy) = (MARGIN - lo.x, MARGIN - lo.y);
    let (width, height) = (hi.x - lo.x + 2.0 * MARGIN, hi.y - lo.y + 2.0 * MARGIN);

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="waitgraph" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif" font-size="12">"#
    );
    s.push_str(concat!(
        r##"<defs><marker id="hw" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7f8c8d"/></marker>"##,
        r##"<marker id="hh" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/></marker></defs>"##
    ));
    for (k, &(from, to, kind)) in edges.iter().enumerate() {
        let Some((path, head)) = &rec.curves[k] else { continue };
        if path.len() < 2 {
            continue;
        }
        let mut d = format!(
            "M{:.1},{:.1} C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
            path[0].0.x + dx,
            path[0].0.y + dy,
            path[0].1.x + dx,
            path[0].1.y + dy,
            path[1].0.x + dx,
            path[1].0.y + dy,
            path[1].1.x + dx,
            path[1].1.y + dy
        );
        for p in &path[2..] {
            let _ = write!(d, " S{:.1},{:.1} {:.1},{:.1}", p.0.x + dx, p.0.y + dy, p.1.x + dx, p.1.y + dy);
        }
        let cycle = in_cycle(from) && in_cycle(to);
        let (class, color, width, dash, marker) = match kind {
            _ if cycle => ("edge cycle", "#c0392b", 2.6, "", "hh"),
            EdgeKind::HeldBy(Confidence::High) => ("edge held", "#c0392b", 2.0, "", "hh"),
            EdgeKind::HeldBy(Confidence::Medium) => ("edge held", "#c0392b", 2.0, r#" stroke-dasharray="6,4""#, "hh"),
            EdgeKind::HeldBy(Confidence::Low) => ("edge held", "#c0392b", 1.6, r#" stroke-dasharray="2,3""#, "hh"),
            EdgeKind::Waits { .. } => ("edge waits", "#7f8c8d", 1.2, "", "hw"),
        };
        let ends = match head {
            (true, _) => format!(r#" marker-start="url(#{marker})""#),
            _ => format!(r#" marker-end="url(#{marker})""#),
        };
        let title = match kind {
            EdgeKind::HeldBy(c) => format!("held by ({} confidence)", c.as_str()),
            EdgeKind::Waits { read: true } => "waits (read)".to_string(),
            EdgeKind::Waits { read: false } => "waits".to_string(),
        };
        let _ = write!(
            s,
            r#"<path class="{class}" d="{d}" fill="none" stroke="{color}" stroke-width="{width}"{dash}{ends}><title>{title}</title></path>"#
        );
    }
    let mut drawn = 0;
    for (i, n) in graph.nodes.iter().enumerate() {
        let Some((xy, size)) = rec.boxes[i] else { continue };
        drawn += 1;
        let (fill, stroke, sw, class) = look(n);
        let (x, y) = (xy.x + dx, xy.y + dy);
        let rx = match n {
            Node::Lock { .. } => size.y / 2.0,
            Node::Waiters { .. } => 10.0,
            Node::Goroutine { .. } => 3.0,
        };
        let lines = &labels[i];
        let href = link(n);
        if let Some(h) = &href {
            let _ = write!(s, r#"<a href="{}">"#, esc(h));
        }
        let _ = write!(
            s,
            r#"<g class="node {class}" id="node-{i}"><title>{}</title><rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" rx="{rx:.1}" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>"#,
            esc(&label(r, n).join(" · ")),
            size.x,
            size.y
        );
        let first = y + size.y / 2.0 - (lines.len() as f64 - 1.0) * LINE_HEIGHT / 2.0 + 4.0;
        for (k, line) in lines.iter().enumerate() {
            let weight = if k == 0 { r#" font-weight="600""# } else { "" };
            let color = if k == 0 { "#1b1b1b" } else { "#4a4a4a" };
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{color}"{weight}>{}</text>"#,
                x + size.x / 2.0,
                first + k as f64 * LINE_HEIGHT,
                esc(line)
            );
        }
        s.push_str("</g>");
        if href.is_some() {
            s.push_str("</a>");
        }
    }
    s.push_str("</svg>");
    Drawing { svg: s, nodes: drawn, locks_left_out: graph.locks.len() - locks, size: (width, height) }
}
