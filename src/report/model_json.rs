//! `holdup parse --format json`: the parsed model as JSON (schema `holdup.parse/v1`).
//!
//! These types are the wire format, kept apart from the model so the model can change
//! without breaking readers. Field names are a contract; new fields may be added.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Ancestor, Arg, CreatedBy, Dump, Frame, Goroutine, parse_args};

/// The schema name written in every document.
pub const SCHEMA: &str = "holdup.parse/v1";

/// The document.
#[derive(Serialize)]
pub struct ParseDoc<'a> {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Every dump of every input, in input order.
    pub dumps: Vec<DumpJson<'a>>,
}

/// One dump.
#[derive(Serialize)]
pub struct DumpJson<'a> {
    source: &'a str,
    index: usize,
    kind: &'static str,
    span: SpanJson,
    wrapping: &'a [String],
    reason: Option<&'a str>,
    era: EraJson<'a>,
    goroutine_count: u64,
    warnings: Vec<WarningJson<'a>>,
    warnings_dropped: u64,
    goroutines: Vec<GoroutineJson<'a>>,
    runtime_stack: Option<Vec<FrameJson<'a>>>,
}

#[derive(Serialize)]
struct SpanJson {
    first_line: u64,
    last_line: u64,
    start_byte: u64,
    end_byte: u64,
}

#[derive(Serialize)]
struct EraJson<'a> {
    min: Option<String>,
    max: Option<String>,
    clues: &'a [String],
}

#[derive(Serialize)]
struct WarningJson<'a> {
    line: u64,
    message: &'a str,
}

/// One goroutine.
#[derive(Serialize)]
pub struct GoroutineJson<'a> {
    id: Option<u64>,
    state: &'a str,
    wait_minutes: Option<u32>,
    locked_to_thread: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    scan: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    leaked: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    synctest: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<&'a str, &'a str>,
    count: u32,
    line: u64,
    frames: Vec<FrameJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    elided: Option<ElidedJson>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stack_unavailable: bool,
    created_by: Option<CreatedByJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ancestors: Vec<AncestorJson<'a>>,
}

#[derive(Serialize)]
struct ElidedJson {
    after_frames: u32,
    count: Option<u32>,
}

/// One frame.
#[derive(Serialize)]
pub struct FrameJson<'a> {
    func: &'a str,
    package: &'a str,
    receiver: Option<&'a str>,
    name: &'a str,
    args: Vec<ArgJson>,
    args_raw: &'a str,
    file: &'a str,
    line: u32,
    pc_offset: Option<String>,
    inlined: bool,
}

/// One argument: a word, a `{…}` group, or a marker.
#[derive(Serialize)]
#[serde(untagged)]
enum ArgJson {
    Word { word: String, unreliable: bool },
    Group { group: Vec<ArgJson> },
    Elided { elided: bool },
    Omitted { omitted: bool },
    Other { text: String },
}

#[derive(Serialize)]
struct CreatedByJson<'a> {
    func: &'a str,
    file: &'a str,
    line: u32,
    parent: Option<u64>,
}

#[derive(Serialize)]
struct AncestorJson<'a> {
    id: u64,
    frames: Vec<FrameJson<'a>>,
    created_by: Option<CreatedByJson<'a>>,
}

fn arg_json(a: &Arg) -> ArgJson {
    match a {
        Arg::Word { value, unreliable } => ArgJson::Word { word: format!("{value:#x}"), unreliable: *unreliable },
        Arg::Group(g) => ArgJson::Group { group: g.iter().map(arg_json).collect() },
        Arg::Elided => ArgJson::Elided { elided: true },
        Arg::Omitted => ArgJson::Omitted { omitted: true },
        Arg::Other(t) => ArgJson::Other { text: t.clone() },
    }
}

/// A frame as JSON.
pub fn frame_json<'a>(f: &Frame<'a>) -> FrameJson<'a> {
    let inlined = f.inlined();
    FrameJson {
        func: &f.func.full,
        package: f.func.package(),
        receiver: f.func.receiver(),
        name: f.func.name(),
        args: if inlined { Vec::new() } else { parse_args(f.args).iter().map(arg_json).collect() },
        args_raw: f.args,
        file: &f.site.file,
        line: f.site.line,
        pc_offset: f.site.pc_offset.map(|o| format!("{o:#x}")),
        inlined,
    }
}

fn created_by_json<'a>(d: &'a Dump, c: &CreatedBy) -> CreatedByJson<'a> {
    let (func, site) = d.created_by(c);
    CreatedByJson { func: &func.full, file: &site.file, line: site.line, parent: c.parent }
}

fn ancestor_json<'a>(d: &'a Dump, a: &Ancestor) -> AncestorJson<'a> {
    AncestorJson {
        id: a.id,
        frames: d.frames_in(a.frames.clone()).map(|f| frame_json(&f)).collect(),
        created_by: a.created_by.as_ref().map(|c| created_by_json(d, c)),
    }
}

/// A goroutine as JSON.
pub fn goroutine_json<'a>(d: &'a Dump, g: &'a Goroutine) -> GoroutineJson<'a> {
    GoroutineJson {
        id: g.id,
        state: d.state(g),
        wait_minutes: g.wait_minutes,
        locked_to_thread: g.locked_to_thread,
        scan: g.scan,
        leaked: g.leaked,
        synctest: g.synctest,
        labels: g.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        count: g.count,
        line: g.line,
        frames: d.frames(g).map(|f| frame_json(&f)).collect(),
        elided: g.elided.map(|e| ElidedJson { after_frames: e.after, count: e.count }),
        stack_unavailable: g.stack_unavailable,
        created_by: g.created_by.as_ref().map(|c| created_by_json(d, c)),
        ancestors: g.ancestors.iter().map(|a| ancestor_json(d, a)).collect(),
    }
}

/// A dump as JSON, with only the goroutines `keep` accepts.
pub fn dump_json<'a>(d: &'a Dump, index: usize, keep: &dyn Fn(&Goroutine) -> bool) -> DumpJson<'a> {
    DumpJson {
        source: &d.source,
        index,
        kind: d.kind.as_str(),
        span: SpanJson {
            first_line: d.span.first_line,
            last_line: d.span.last_line,
            start_byte: d.span.start_byte,
            end_byte: d.span.end_byte,
        },
        wrapping: &d.wrapping,
        reason: d.reason.as_deref(),
        era: EraJson {
            min: d.era.min.map(|v| v.to_string()),
            max: d.era.max.map(|v| v.to_string()),
            clues: &d.era.clues,
        },
        goroutine_count: d.goroutine_count(),
        warnings: d.warnings.iter().map(|w| WarningJson { line: w.line, message: &w.message }).collect(),
        warnings_dropped: d.warnings_dropped,
        goroutines: d.goroutines.iter().filter(|g| keep(g)).map(|g| goroutine_json(d, g)).collect(),
        runtime_stack: d.runtime_stack.clone().map(|r| d.frames_in(r).map(|f| frame_json(&f)).collect()),
    }
}
