//! Reading inputs: files, standard input and gzip, split into lines with bounded memory.
//!
//! Everything downstream sees lines as byte slices borrowed from one reused buffer (a file,
//! standard input, gzip) or from bytes already in memory, read in place. A line longer than
//! the limit is handed out in pieces (`Line::partial`), so a file without newlines (binary
//! data, one enormous log record) never makes the buffer grow without bound.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// The gzip magic bytes.
pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Opens a path (or `-` for standard input) for reading, decompressing gzip when the data
/// starts with the gzip magic bytes, whatever the file is called.
pub fn open(path: &str) -> io::Result<Box<dyn Read + Send>> {
    let reader: Box<dyn Read + Send> =
        if path == "-" { Box::new(io::stdin()) } else { Box::new(File::open(Path::new(path))?) };
    sniff_gzip(reader)
}

/// Wraps `reader` in a gzip decoder if its first bytes are the gzip magic.
pub fn sniff_gzip<'a>(mut reader: Box<dyn Read + Send + 'a>) -> io::Result<Box<dyn Read + Send + 'a>> {
    let mut head = [0u8; 2];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let rest = io::Cursor::new(head[..got].to_vec()).chain(reader);
    if got == 2 && head == GZIP_MAGIC { Ok(Box::new(MultiGzDecoder::new(rest))) } else { Ok(Box::new(rest)) }
}

/// One line (or one piece of an over-long line) handed out by [`LineReader`].
#[derive(Debug)]
pub struct Line<'a> {
    /// The bytes without the line ending (`\n` or `\r\n`).
    pub text: &'a [u8],
    /// 1-based line number.
    pub number: u64,
    /// Byte offset of the first byte of `text` in the input.
    pub offset: u64,
    /// More pieces of this same line follow (the line was longer than the limit).
    pub partial: bool,
    /// This piece continues a line whose earlier pieces were already handed out.
    pub continued: bool,
}

/// Where a [`LineReader`] gets its bytes: a reader copied into a reused buffer, or a byte
/// slice already in memory, read in place.
pub trait Source {
    /// The bytes held, from the oldest one still needed.
    fn window(&self) -> &[u8];
    /// Forgets the first `n` bytes of the window; `end` bytes of it are filled.
    fn discard(&mut self, n: usize, end: usize);
    /// Makes bytes available after the first `end` of the window; returns how many (0 at
    /// the end of the input).
    fn more(&mut self, end: usize) -> io::Result<usize>;
}

/// A reader's bytes, copied into one buffer that only grows for an over-long line.
pub struct ReadSource<R> {
    inner: R,
    buf: Vec<u8>,
    /// The next read's size: it starts small and doubles up to [`READ_SIZE`], so that a
    /// small file does not pay for zeroing a buffer sized for a large one (a `check` over
    /// thousands of 1 kB dumps spent 15% of its time in that `memset`).
    read_size: usize,
}

impl<R: Read> Source for ReadSource<R> {
    fn window(&self) -> &[u8] {
        &self.buf
    }

    fn discard(&mut self, n: usize, end: usize) {
        self.buf.copy_within(n..end, 0);
    }

    fn more(&mut self, end: usize) -> io::Result<usize> {
        let want = end + self.read_size;
        self.read_size = (self.read_size * 2).min(READ_SIZE);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[end..]) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// A byte slice read in place: lines borrow it, nothing is copied.
pub struct SliceSource<'a> {
    bytes: &'a [u8],
    /// Offset in `bytes` of the window's first byte.
    base: usize,
}

impl Source for SliceSource<'_> {
    fn window(&self) -> &[u8] {
        &self.bytes[self.base..]
    }

    fn discard(&mut self, n: usize, _end: usize) {
        self.base += n;
    }

    fn more(&mut self, end: usize) -> io::Result<usize> {
        // The window grows a read's worth at a time, so that newlines are found block by
        // block, each block still in cache when its lines are parsed.
        Ok((self.bytes.len() - self.base - end).min(READ_SIZE))
    }
}

/// Splits an input into lines with bounded memory: a reader through one reused buffer, or
/// a byte slice in place.
pub struct LineReader<S> {
    src: S,
    start: usize,
    end: usize,
    eof: bool,
    /// Number of the line that `window[start..]` begins.
    number: u64,
    /// Input offset of `window[start]`.
    offset: u64,
    max_piece: usize,
    continuing: bool,
    /// Newline positions in the window, found once per read with one vectorised scan:
    /// calling `memchr` per line costs more than the search itself on 60-byte lines.
    newlines: Vec<u32>,
    /// Index into `newlines` of the first newline at or after `start`.
    next_newline: usize,
    /// Bytes read so far (the input offset of `window[end]`).
    read: u64,
    /// The most bytes to read; the rest of the input is left unread.
    limit: u64,
    /// The input held more than `limit` bytes.
    truncated: bool,
}

/// Size of a read once the input has proved large, and of the in-place window's steps.
const READ_SIZE: usize = 1 << 20;

/// Size of the first read from a reader.
const FIRST_READ_SIZE: usize = 64 << 10;

impl<R: Read> LineReader<ReadSource<R>> {
    /// Reads `inner` line by line; lines longer than `max_piece` bytes come out in pieces.
    pub fn new(inner: R, max_piece: usize) -> Self {
        LineReader::with_source(ReadSource { inner, buf: Vec::new(), read_size: FIRST_READ_SIZE }, max_piece)
    }
}

impl<'a> LineReader<SliceSource<'a>> {
    /// Reads `bytes` line by line without copying them; lines longer than `max_piece` bytes
    /// come out in pieces, as from [`LineReader::new`].
    pub fn from_slice(bytes: &'a [u8], max_piece: usize) -> Self {
        LineReader::with_source(SliceSource { bytes, base: 0 }, max_piece)
    }
}

impl<S: Source> LineReader<S> {
    fn with_source(src: S, max_piece: usize) -> Self {
        LineReader {
            src,
            start: 0,
            end: 0,
            eof: false,
            number: 1,
            offset: 0,
            max_piece: max_piece.max(16),
            continuing: false,
            newlines: Vec::new(),
            next_newline: 0,
            read: 0,
            limit: u64::MAX,
            truncated: false,
        }
    }

    /// Reads at most `limit` bytes of the input: what follows is left unread, and
    /// [`LineReader::truncated`] says whether there was any.
    pub fn with_limit(mut self, limit: u64) -> Self {
        self.limit = limit;
        self
    }

    /// Whether the input held more than the limit (see [`LineReader::with_limit`]); known
    /// once the last line has been handed out.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// The next line or piece, or `None` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        loop {
            // Newlines before `start` were passed over inside an over-long piece.
            while self.newlines.get(self.next_newline).is_some_and(|&p| (p as usize) < self.start) {
                self.next_newline += 1;
            }
            let avail = self.end - self.start;
            if let Some(&p) = self.newlines.get(self.next_newline) {
                let len = p as usize - self.start;
                if len <= self.max_piece {
                    self.next_newline += 1;
                    let s = self.start;
                    return Ok(Some(self.emit(s, s + len, len + 1, false)));
                }
            }
            if avail > self.max_piece || (self.eof && avail > 0) {
                let take = avail.min(self.max_piece);
                let partial = take < avail || !self.eof;
                let s = self.start;
                return Ok(Some(self.emit(s, s + take, take, partial)));
            }
            if self.eof {
                return Ok(None);
            }
            self.fill()?;
        }
    }

    fn emit(&mut self, s: usize, e: usize, consumed: usize, partial: bool) -> Line<'_> {
        let number = self.number;
        let offset = self.offset;
        let continued = self.continuing;
        self.start += consumed;
        self.offset += consumed as u64;
        self.continuing = partial;
        if !partial {
            self.number += 1;
        }
        let mut text = &self.src.window()[s..e];
        if !partial && text.last() == Some(&b'\r') {
            text = &text[..text.len() - 1];
        }
        Line { text, number, offset, partial, continued }
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.src.discard(self.start, self.end);
            let shift = self.start as u32;
            self.newlines.drain(..self.next_newline);
            for p in &mut self.newlines {
                *p -= shift;
            }
            self.next_newline = 0;
            self.end -= self.start;
            self.start = 0;
        }
        let mut n = self.src.more(self.end)?;
        let room = self.limit - self.read;
        if n as u64 > room {
            // Bytes past the limit may sit in the buffer: they are never looked at.
            self.truncated = true;
            n = room as usize;
        }
        self.read += n as u64;
        if n == 0 {
            self.eof = true;
            return Ok(());
        }
        let from = self.end;
        crate::bytes::push_newlines(&self.src.window()[from..from + n], from as u32, &mut self.newlines);
        self.end += n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Seen = Vec<(String, u64, u64, bool, bool)>;

    fn collect<S: Source>(mut r: LineReader<S>) -> Seen {
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push((String::from_utf8_lossy(l.text).into_owned(), l.number, l.offset, l.partial, l.continued));
        }
        out
    }

    /// The lines of `input` as (text, number, partial, continued), checking on the way that
    /// a reader and the slice in place give the same lines, numbers and offsets.
    fn lines(input: &[u8], max: usize) -> Vec<(String, u64, bool, bool)> {
        let read = collect(LineReader::new(input, max));
        assert_eq!(read, collect(LineReader::from_slice(input, max)), "reader and slice disagree");
        read.into_iter().map(|(t, n, _, p, c)| (t, n, p, c)).collect()
    }

    #[test]
    fn slices_read_in_place_give_the_lines_a_reader_gives() {
        // Blocks of a read (1 MiB) and over-long pieces both cut through lines here.
        let mut text = Vec::new();
        for i in 0..40_000u32 {
            text.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, (i % 97) as usize));
            text.extend_from_slice(if i % 13 == 0 { b"\r\n" } else { b"\n" });
        }
        text.extend(std::iter::repeat_n(b'z', 3 << 20));
        text.extend_from_slice(b"\ntail without newline");
        for max in [64, 1 << 20, 4 << 20] {
            let got = lines(&text, max);
            assert!(got.len() > 40_000, "max {max}");
        }
    }

    #[test]
    fn splits_lines_and_strips_crlf() {
        let got = lines(b"a\r\nbb\n\nccc", 100);
        let want = vec![
            ("a".to_string(), 1, false, false),
            ("bb".to_string(), 2, false, false),
            (String::new(), 3, false, false),
            ("ccc".to_string(), 4, false, false),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn hands_out_long_lines_in_pieces() {
        let input = [b"x".repeat(40), b"\nyy\n".to_vec()].concat();
        let got = lines(&input, 16);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], ("x".repeat(16), 1, true, false));
        assert_eq!(got[1], ("x".repeat(16), 1, true, true));
        assert_eq!(got[2], ("x".repeat(8), 1, false, true));
        assert_eq!(got[3], ("yy".to_string(), 2, false, false));
    }

    #[test]
    fn finds_every_newline_at_every_alignment() {
        // Newlines at every position of a 64-byte block, runs of them, bytes with the high
        // bit set (signed compares), and every remainder length.
        let mut text = Vec::new();
        for i in 0..300u32 {
            text.extend(std::iter::repeat_n(b'a' + (i % 7) as u8, (i % 67) as usize));
            text.push(if i % 5 == 0 { 0xff } else { b'\n' });
            if i % 11 == 0 {
                text.extend_from_slice(b"\n\n\n");
            }
        }
        for len in [0, 1, 63, 64, 65, 127, 128, text.len()] {
            for base in [0u32, 17] {
                let bytes = &text[..len.min(text.len())];
                let mut got = Vec::new();
                crate::bytes::push_newlines(bytes, base, &mut got);
                let want: Vec<u32> = memchr::memchr_iter(b'\n', bytes).map(|p| base + p as u32).collect();
                assert_eq!(got, want, "length {len}");
            }
        }
    }

    #[test]
    fn stops_at_the_byte_limit_and_says_so() {
        let input = b"one\ntwo\nthree\n";
        for limit in [0u64, 3, 8, 13, 14, 100] {
            let mut got = Vec::new();
            let mut r = LineReader::new(&input[..], 16).with_limit(limit);
            while let Some(l) = r.next_line().unwrap() {
                got.extend_from_slice(l.text);
                got.push(b'|');
            }
            let want_bytes = (limit as usize).min(input.len());
            let want: Vec<u8> = input[..want_bytes].iter().map(|&c| if c == b'\n' { b'|' } else { c }).collect();
            let want = if want.last().is_some_and(|&c| c != b'|') { [want, vec![b'|']].concat() } else { want };
            assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want), "limit {limit}");
            assert_eq!(r.truncated(), (limit as usize) < input.len(), "limit {limit}");
            let mut s = LineReader::from_slice(input, 16).with_limit(limit);
            while s.next_line().unwrap().is_some() {}
            assert_eq!(s.truncated(), r.truncated(), "slice, limit {limit}");
        }
    }

    #[test]
    fn detects_gzip_by_magic() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(b"goroutine 1 [running]:\n").unwrap();
        let gz = enc.finish().unwrap();
        let mut out = String::new();
        sniff_gzip(Box::new(io::Cursor::new(gz))).unwrap().read_to_string(&mut out).unwrap();
        assert_eq!(out, "goroutine 1 [running]:\n");
        let mut plain = String::new();
        sniff_gzip(Box::new(io::Cursor::new(b"x".to_vec()))).unwrap().read_to_string(&mut plain).unwrap();
        assert_eq!(plain, "x");
    }
}
