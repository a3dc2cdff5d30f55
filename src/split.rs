//! Reading one large file on several cores.
//!
//! A plain (uncompressed) file is cut at goroutine headers that follow a blank line, each
//! piece is read by its own extractor on its own thread, and the pieces are stitched back:
//! the first dump of a piece continues the last dump of the piece before it. The stitching
//! is checked, not assumed: when a piece ends somewhere a plain continuation cannot follow
//! (inside a prefixed or escaped dump, a preamble, a half-read frame) or the next piece
//! repeats a goroutine id (a second dump starting exactly at the cut), the whole file is read
//! again in one piece, so the result is always what a sequential read gives.

use hashbrown::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use memchr::memmem;

use crate::error::Error;
use crate::extract::{Chunk, ChunkEnd, Extractor, NO_END_MARKER, is_boundary};
use crate::model::{Dump, Era, FuncId, Goroutine, SiteId, StateId, Warning};

/// Files smaller than this are read in one piece: threads would cost more than they save.
pub const MIN_PARALLEL_BYTES: u64 = 16 << 20;

/// How far past a nominal cut point to look for a goroutine header.
const SEARCH_WINDOW: usize = 4 << 20;

/// How much of the search window is read at a time: a header is usually a few kB past the
/// cut, and reading (and faulting in) the whole window costs milliseconds before any thread starts.
const SEARCH_STEP: usize = 64 << 10;

/// Byte offsets where pieces start: each at a `goroutine N [` line after a blank line.
fn cut_points(file: &mut File, size: u64, pieces: usize) -> std::io::Result<Vec<u64>> {
    let finder = memmem::Finder::new(b"\n\ngoroutine ");
    let mut cuts = vec![0u64];
    let mut window = Vec::with_capacity(SEARCH_STEP);
    for k in 1..pieces {
        let nominal = size * k as u64 / pieces as u64;
        if nominal <= *cuts.last().unwrap_or(&0) {
            continue;
        }
        file.seek(SeekFrom::Start(nominal))?;
        if let Some(at) = find_cut(file, &finder, &mut window)? {
            cuts.push(nominal + at as u64);
        }
    }
    Ok(cuts)
}

/// The offset, from the file's position, of the first header line after a blank line within
/// `SEARCH_WINDOW` bytes. The window is read a step at a time, and a match is only judged once
/// its whole line has been read (or nothing more will be). `window` is a buffer to reuse; it is
/// emptied first.
fn find_cut(file: &mut File, finder: &memmem::Finder, window: &mut Vec<u8>) -> std::io::Result<Option<usize>> {
    window.clear();
    let mut from = 0;
    loop {
        let room = SEARCH_WINDOW - window.len();
        let got = file.by_ref().take(room.min(SEARCH_STEP) as u64).read_to_end(window)?;
        let last = got < room.min(SEARCH_STEP) || window.len() >= SEARCH_WINDOW;
        // A match may straddle the step's end: the next step looks again from just before it.
        let mut next = window.len().saturating_sub(finder.needle().len() - 1);
        while let Some(p) = finder.find(&window[from..]) {
            let at = from + p + 2;
            let Some(e) = memchr::memchr(b'\n', &window[at..]) else {
                if last && is_boundary(&window[at..]) {
                    return Ok(Some(at));
                }
                // The header's line runs past what has been read: judge it after the next step.
                next = next.min(at - 2);
                break;
            };
            if is_boundary(&window[at..at + e]) {
                return Ok(Some(at));
            }
            from = at;
        }
        if last {
            return Ok(None);
        }
        from = from.max(next);
    }
}

/// Reads the bytes `[start, end)` of `path` as one chunk.
fn read_chunk(
    path: &str,
    start: u64,
    end: u64,
    continuation: bool,
    last: bool,
    max_line: usize,
) -> Result<Chunk, Error> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    f.seek(SeekFrom::Start(start)).map_err(|e| Error::io(path, e))?;
    let mut ex = if continuation { Extractor::continuation(path) } else { Extractor::new(path) };
    ex.size_hint(end - start);
    ex.max_line(max_line);
    crate::feed_lines(crate::input::LineReader::new(f.take(end - start), max_line), &mut ex, path)?;
    Ok(ex.finish_chunk(last))
}

/// Reads `path` (a plain file of `size` bytes) on up to `threads` threads. `None` when the
/// pieces could not be stitched and the caller must read the file in one piece.
pub fn read_parallel(path: &str, size: u64, threads: usize, max_line: usize) -> Result<Option<Vec<Dump>>, Error> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let cuts = cut_points(&mut f, size, threads).map_err(|e| Error::io(path, e))?;
    if cuts.len() < 2 {
        return Ok(None);
    }
    let bounds: Vec<(u64, u64)> = cuts.iter().zip(cuts.iter().skip(1).chain([&size])).map(|(&a, &b)| (a, b)).collect();
    let n = bounds.len();
    let chunks: Vec<Result<Chunk, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| s.spawn(move || read_chunk(path, a, b, i > 0, i + 1 == n, max_line)))
            .collect();
        handles.into_iter().map(|h| h.join().expect("chunk reader panicked")).collect()
    });
    let mut chunks = chunks.into_iter();
    let first = chunks.next().expect("at least one chunk")?;
    let mut line_base = first.last_line;
    // The state at the cut: a dump still open (and whether it began with a BEGIN marker),
    // no dump open, or something a plain continuation cannot follow.
    let mut at_cut = first.end;
    let mut out = first.dumps;
    for (i, (chunk, &(start, _))) in chunks.zip(bounds.iter().skip(1)).enumerate() {
        let last_chunk = i + 2 == n;
        let mut chunk = chunk?;
        for d in &mut chunk.dumps {
            shift(d, line_base, start);
        }
        let mut dumps = chunk.dumps.into_iter();
        let next_at_cut = if !chunk.starts_with_continuation {
            return Ok(None);
        } else {
            let cont = dumps.next().expect("continuation dump");
            let runs_on = !last_chunk && dumps.len() == 0 && matches!(chunk.end, ChunkEnd::Open { .. });
            match at_cut {
                ChunkEnd::Open { marker } => {
                    let Some(last) = out.last_mut() else { return Ok(None) };
                    if !absorb(last, cont) {
                        return Ok(None);
                    }
                    if runs_on {
                        ChunkEnd::Open { marker }
                    } else {
                        if marker && !chunk.continuation_closed_by_end {
                            last.warnings.push(Warning { line: last.span.last_line, message: NO_END_MARKER.into() });
                        }
                        chunk.end
                    }
                }
                ChunkEnd::Outside => {
                    out.push(cont);
                    chunk.end
                }
                ChunkEnd::Tangled => return Ok(None),
            }
        };
        out.extend(dumps);
        line_base += chunk.last_line;
        at_cut = next_at_cut;
    }
    Ok(Some(out))
}

/// Moves a chunk's dump to its place in the whole file.
fn shift(d: &mut Dump, lines: u64, bytes: u64) {
    d.span.first_line += lines;
    d.span.last_line += lines;
    d.span.start_byte += bytes;
    d.span.end_byte += bytes;
    for g in &mut d.goroutines {
        g.line += lines;
    }
    for w in &mut d.warnings {
        w.line += lines;
    }
}

/// Appends the goroutines of `other` (the rest of the same dump) to `into`, re-interning its
/// states, functions and call sites. Returns false if `other` repeats a goroutine id of
/// `into`: a sequential read would have started a new dump there.
fn absorb(into: &mut Dump, other: Dump) -> bool {
    // The ids of `into` are distinct (the parser checked), so inserting `other`'s finds a repeat.
    let mut ids = crate::parse::IdSet::default();
    for id in into.goroutines.iter().filter_map(|g| g.id) {
        ids.insert(id);
    }
    if !other.goroutines.iter().filter_map(|g| g.id).all(|id| ids.insert(id)) {
        return false;
    }
    let mut state_index: HashMap<&str, u32> =
        into.states.iter().enumerate().map(|(i, s)| (s.as_str(), i as u32)).collect();
    let mut new_states = Vec::new();
    let state_map: Vec<StateId> = other
        .states
        .iter()
        .map(|s| {
            let n = into.states.len() + new_states.len();
            StateId(*state_index.entry(s.as_str()).or_insert_with(|| {
                new_states.push(s.clone());
                n as u32
            }))
        })
        .collect();
    drop(state_index);
    into.states.extend(new_states);

    let mut func_index: HashMap<String, FuncId> =
        into.funcs.iter().enumerate().map(|(i, f)| (f.full.clone(), FuncId(i as u32))).collect();
    let func_map: Vec<FuncId> = other
        .funcs
        .into_iter()
        .map(|f| {
            *func_index.entry(f.full.clone()).or_insert_with(|| {
                into.funcs.push(f);
                FuncId(into.funcs.len() as u32 - 1)
            })
        })
        .collect();
    let mut site_index: HashMap<(FuncId, String, u32, Option<u32>), SiteId> = into
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.func, s.file.clone(), s.line, s.pc_offset), SiteId(i as u32)))
        .collect();
    let site_map: Vec<SiteId> = other
        .sites
        .into_iter()
        .map(|mut s| {
            s.func = func_map[s.func.0 as usize];
            let key = (s.func, s.file.clone(), s.line, s.pc_offset);
            *site_index.entry(key).or_insert_with(|| {
                into.sites.push(s);
                SiteId(into.sites.len() as u32 - 1)
            })
        })
        .collect();

    let frame_base = into.frames.len() as u32;
    let remap_range = |r: &std::ops::Range<u32>| r.start + frame_base..r.end + frame_base;
    // The other piece's argument arena is kept as it is, not copied: its frames' offsets
    // stay valid in it. The frames and goroutines are appended, one table per core.
    into.args.append(frame_base, other.args);
    let (frames, goroutines) = (&mut into.frames, &mut into.goroutines);
    rayon::join(
        || {
            frames.extend(other.frames.iter().map(|f| {
                let mut f = *f;
                f.site = site_map[f.site.0 as usize];
                f
            }))
        },
        || {
            goroutines.extend(other.goroutines.into_iter().map(|mut g: Goroutine| {
                g.state = state_map[g.state.0 as usize];
                g.frames = remap_range(&g.frames);
                if let Some(c) = g.created_by.as_mut() {
                    c.site = site_map[c.site.0 as usize];
                }
                for a in &mut g.ancestors {
                    a.frames = remap_range(&a.frames);
                    if let Some(c) = a.created_by.as_mut() {
                        c.site = site_map[c.site.0 as usize];
                    }
                }
                g
            }))
        },
    );
    if into.runtime_stack.is_none() {
        into.runtime_stack = other.runtime_stack.as_ref().map(remap_range);
    }
    into.warnings.extend(other.warnings);
    into.warnings_dropped += other.warnings_dropped;
    into.span.last_line = other.span.last_line;
    into.span.end_byte = other.span.end_byte;
    into.era = merge_eras(&into.era, &other.era);
    true
}

/// The era both halves of a dump agree on: the intersection of their ranges.
fn merge_eras(a: &Era, b: &Era) -> Era {
    let mut clues = a.clues.clone();
    for c in &b.clues {
        if !clues.contains(c) {
            clues.push(c.clone());
        }
    }
    Era {
        min: a.min.max(b.min),
        max: match (a.max, b.max) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        },
        clues,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// What `find_cut` must find: the first header after a blank line, searching the
    /// whole window at once.
    fn first_header(bytes: &[u8]) -> Option<usize> {
        let hay = &bytes[..bytes.len().min(SEARCH_WINDOW)];
        let mut from = 0;
        while let Some(p) = memmem::find(&hay[from..], b"\n\ngoroutine ") {
            let at = from + p + 2;
            let end = memchr::memchr(b'\n', &hay[at..]).map_or(hay.len(), |e| at + e);
            if is_boundary(&hay[at..end]) {
                return Some(at);
            }
            from = at;
        }
        None
    }

    #[test]
    fn the_cut_is_found_wherever_the_steps_divide_it() {
        let path = std::env::temp_dir().join(format!("holdup-find-cut-{}", std::process::id()));
        let filler = b"\tmain.go:12 +0x1\n".repeat(SEARCH_STEP / 17 + 1);
        let finder = memmem::Finder::new(b"\n\ngoroutine ");
        let mut window = Vec::new();
        // A false start (not a header) and then a header, placed so that the step's end
        // falls before, inside and after each of them in turn.
        for shift in 0..40 {
            let mut bytes = filler[..SEARCH_STEP - 30 + shift].to_vec();
            bytes.extend_from_slice(b"\n\ngoroutine x\n\ngoroutine 7 [chan receive]:\nmain.f()\n");
            std::fs::File::create(&path).unwrap().write_all(&bytes).unwrap();
            let mut f = File::open(&path).unwrap();
            let found = find_cut(&mut f, &finder, &mut window).unwrap();
            assert_eq!(found, first_header(&bytes), "shift {shift}");
            assert!(found.is_some(), "shift {shift}");
        }
        // Nothing to find, and a header whose line the file's end cuts off.
        for tail in [&b"\tmain.go:1\n"[..], b"\n\ngoroutine 9 [running]:"] {
            let mut bytes = filler.clone();
            bytes.extend_from_slice(tail);
            std::fs::File::create(&path).unwrap().write_all(&bytes).unwrap();
            let found = find_cut(&mut File::open(&path).unwrap(), &finder, &mut window).unwrap();
            assert_eq!(found, first_header(&bytes));
        }
        std::fs::remove_file(&path).ok();
    }
}
