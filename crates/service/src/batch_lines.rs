//! A batch body cut into lines as it arrives, in chunks bounded by lines and bytes.
//!
//! The rules are `underwrite batch`'s (the CLI's `lines` module), so a body gives the batch
//! route the lines, line numbers and failures a file gives the CLI:
//!
//! * a line ends at `\n`; a `\r` just before it is not part of the line; the final `\n` does
//!   not make an extra line, and a last line without one is a line as it stands;
//! * a line whose length (without its terminator) is over the cap is that line's
//!   [`LineFailure::TooLong`], whatever its bytes: it is counted while it passes and never held
//!   (at most the cap plus two bytes of one line are ever held);
//! * a line that is empty or only spaces, tabs and `\r` is skipped, but counts in line numbers;
//! * whether a line is UTF-8 is found when its text is asked for ([`Line::text`]).
//!
//! Bytes come in pieces of any size ([`LineSplitter::push`]); lines go into a [`Chunk`] until
//! it holds [`ChunkLimits::lines`] lines or [`ChunkLimits::bytes`] bytes (at least one line:
//! a chunk holds at most its byte limit plus one line). What did not fit is left for the next
//! chunk. No I/O here.

use std::ops::Range;

use underwrite_core::application::is_blank_line;
use underwrite_core::line::{line_text, LineFailure};

/// When a chunk is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimits {
    /// Lines (blank lines are not held, so they do not count).
    pub lines: usize,
    /// Bytes of line text.
    pub bytes: usize,
}

/// One line that is not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the body (blank lines count).
    pub number: usize,
    /// Where its text is in the chunk's buffer, or why it has none.
    body: Result<Range<usize>, LineFailure>,
}

impl Line {
    /// The line's text in `buf` (its chunk's [`Chunk::buf`]), or its failure: too long, or
    /// not UTF-8.
    pub fn text<'b>(&self, buf: &'b [u8]) -> Result<&'b str, LineFailure> {
        match &self.body {
            Ok(range) => line_text(buf.get(range.clone()).unwrap_or_default()),
            Err(failure) => Err(failure.clone()),
        }
    }
}

/// Lines of a body, their text in one buffer.
#[derive(Debug, Default)]
pub struct Chunk {
    buf: Vec<u8>,
    lines: Vec<Line>,
}

impl Chunk {
    /// An empty chunk whose buffer holds `bytes` before it grows.
    pub fn with_capacity(bytes: usize) -> Chunk {
        Chunk {
            buf: Vec::with_capacity(bytes),
            lines: Vec::new(),
        }
    }

    /// Empty the chunk, keeping its buffers for the next lines.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.lines.clear();
    }

    /// The lines, in body order.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The buffer the lines' text is in.
    pub fn buf(&self) -> &[u8] {
        &self.buf
    }

    /// Whether the chunk takes no more lines.
    pub fn is_full(&self, limits: ChunkLimits) -> bool {
        self.lines.len() >= limits.lines || self.buf.len() >= limits.bytes
    }

    fn push_text(&mut self, number: usize, text: &[u8]) {
        let start = self.buf.len();
        self.buf.extend_from_slice(text);
        self.lines.push(Line {
            number,
            body: Ok(start..self.buf.len()),
        });
    }

    fn push_failure(&mut self, number: usize, failure: LineFailure) {
        self.lines.push(Line {
            number,
            body: Err(failure),
        });
    }
}

/// A line longer than the cap, being passed over.
#[derive(Debug, Clone, Copy)]
struct Skipping {
    /// Bytes so far.
    length: u64,
    /// The last of them.
    last: Option<u8>,
}

/// Cuts a body into lines as its bytes arrive.
#[derive(Debug)]
pub struct LineSplitter {
    cap: usize,
    /// Lines ended so far.
    number: usize,
    /// The start of a line whose end has not arrived (at most `cap + 1` bytes).
    partial: Vec<u8>,
    /// The line being passed over, when it is too long.
    skipping: Option<Skipping>,
}

impl LineSplitter {
    /// A splitter whose lines are at most `cap` bytes.
    pub fn new(cap: usize) -> LineSplitter {
        LineSplitter {
            cap,
            number: 0,
            partial: Vec::new(),
            skipping: None,
        }
    }

    /// The number the next line will have.
    pub fn next_number(&self) -> usize {
        self.number + 1
    }

    /// Cut `data` (the next bytes of the body) into `chunk` until all of it is used or the chunk
    /// is full; how many bytes were used (the rest go into the next chunk).
    pub fn push(&mut self, data: &[u8], chunk: &mut Chunk, limits: ChunkLimits) -> usize {
        let mut used = 0;
        while used < data.len() && !chunk.is_full(limits) {
            let rest = &data[used..];
            match rest.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    self.end_line(&rest[..end], chunk);
                    used += end + 1;
                }
                None => {
                    self.hold(rest);
                    used = data.len();
                }
            }
        }
        used
    }

    /// The body has ended: its last line, when it had no `\n`, goes into `chunk` (which may
    /// then hold one line over its limits).
    pub fn finish(&mut self, chunk: &mut Chunk) {
        if let Some(skipping) = self.skipping.take() {
            self.number += 1;
            chunk.push_failure(self.number, self.too_long(skipping.length));
        } else if !self.partial.is_empty() {
            let partial = std::mem::take(&mut self.partial);
            self.number += 1;
            self.add(&partial, chunk);
        }
    }

    /// Keep `piece`, the start of a line whose end has not arrived, or count it when the line
    /// is too long already.
    fn hold(&mut self, piece: &[u8]) {
        if let Some(skipping) = &mut self.skipping {
            skipping.length += piece.len() as u64;
            skipping.last = piece.last().copied().or(skipping.last);
        } else if self.partial.len() + piece.len() >= self.cap.saturating_add(2) {
            // Over the cap even if it ends in `\r\n`: count it, hold none of it.
            self.skipping = Some(Skipping {
                length: (self.partial.len() + piece.len()) as u64,
                last: piece.last().copied().or(self.partial.last().copied()),
            });
            self.partial = Vec::new();
        } else {
            self.partial.extend_from_slice(piece);
        }
    }

    /// The line ends with `piece` (its bytes before the `\n`).
    fn end_line(&mut self, piece: &[u8], chunk: &mut Chunk) {
        self.number += 1;
        if let Some(skipping) = self.skipping.take() {
            let before = piece.last().copied().or(skipping.last);
            let length = skipping.length + piece.len() as u64 - u64::from(before == Some(b'\r'));
            chunk.push_failure(self.number, self.too_long(length));
            return;
        }
        let last = piece.last().or(self.partial.last()).copied();
        let length = self.partial.len() + piece.len() - usize::from(last == Some(b'\r'));
        if self.partial.is_empty() {
            self.add(strip_cr(piece), chunk);
        } else if length > self.cap {
            // Too long: counted, not joined.
            self.partial.clear();
            chunk.push_failure(self.number, self.too_long(length as u64));
        } else {
            let mut line = std::mem::take(&mut self.partial);
            line.extend_from_slice(piece);
            self.add(strip_cr(&line), chunk);
        }
    }

    /// A whole line, without its terminator.
    fn add(&self, line: &[u8], chunk: &mut Chunk) {
        if line.len() > self.cap {
            chunk.push_failure(self.number, self.too_long(line.len() as u64));
        } else if !is_blank_line(line) {
            chunk.push_text(self.number, line);
        }
    }

    fn too_long(&self, bytes: u64) -> LineFailure {
        LineFailure::TooLong {
            bytes,
            cap: self.cap as u64,
        }
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a line reads as: its text (lossy), or its failure.
    type Read = (usize, Result<Vec<u8>, LineFailure>);

    /// The rules of the module doc applied to a whole body at once, the obvious way.
    fn reference(body: &[u8], cap: usize) -> Vec<Read> {
        let mut pieces: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
        // The final `\n` makes no extra line (and an empty body none at all).
        if pieces.last().is_some_and(|p| p.is_empty()) {
            pieces.pop();
        }
        let ended = pieces
            .len()
            .saturating_sub(usize::from(!body.ends_with(b"\n")));
        let mut out = Vec::new();
        for (i, piece) in pieces.into_iter().enumerate() {
            let line = if i < ended {
                piece.strip_suffix(b"\r").unwrap_or(piece)
            } else {
                piece
            };
            if line.len() > cap {
                out.push((
                    i + 1,
                    Err(LineFailure::TooLong {
                        bytes: line.len() as u64,
                        cap: cap as u64,
                    }),
                ));
            } else if !line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
                out.push((i + 1, Ok(line.to_vec())));
            }
        }
        out
    }

    /// The splitter fed `body` in pieces cut at `cuts`, chunks taken whenever full.
    fn split(body: &[u8], cap: usize, cuts: &[usize], limits: ChunkLimits) -> Vec<Read> {
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
        bounds.push(0);
        bounds.push(body.len());
        bounds.sort_unstable();
        let mut splitter = LineSplitter::new(cap);
        let mut out = Vec::new();
        let mut chunk = Chunk::default();
        let take = |chunk: &mut Chunk, out: &mut Vec<Read>| {
            let whole = std::mem::take(chunk);
            for line in whole.lines() {
                let body = match &line.body {
                    Ok(range) => Ok(whole.buf()[range.clone()].to_vec()),
                    Err(failure) => Err(failure.clone()),
                };
                out.push((line.number, body));
            }
        };
        for pair in bounds.windows(2) {
            let mut piece = &body[pair[0]..pair[1]];
            while !piece.is_empty() {
                let used = splitter.push(piece, &mut chunk, limits);
                piece = &piece[used..];
                if chunk.is_full(limits) {
                    assert!(chunk.lines().len() <= limits.lines);
                    assert!(chunk.buf().len() < limits.bytes + cap + 1);
                    take(&mut chunk, &mut out);
                }
                assert!(
                    splitter.partial.len() <= cap + 1,
                    "held {}",
                    splitter.partial.len()
                );
            }
        }
        splitter.finish(&mut chunk);
        take(&mut chunk, &mut out);
        out
    }

    fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
        // Few distinct bytes, so that newlines, `\r`, blanks and non-UTF-8 bytes are common.
        prop::collection::vec(
            prop::sample::select(vec![b'\n', b'\r', b' ', b'\t', b'a', b'{', 0xff]),
            0..200,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn lines_are_the_reference_s_however_the_body_is_cut(
            body in body_bytes(),
            cap in 0usize..12,
            cuts in prop::collection::vec(0usize..400, 0..12),
            lines in 1usize..5,
            bytes in 1usize..30,
        ) {
            let limits = ChunkLimits { lines, bytes };
            prop_assert_eq!(split(&body, cap, &cuts, limits), reference(&body, cap));
        }
    }

    #[test]
    fn a_too_long_line_is_counted_without_being_held() {
        let cap = 4;
        let mut splitter = LineSplitter::new(cap);
        let mut chunk = Chunk::default();
        let limits = ChunkLimits {
            lines: 10,
            bytes: 100,
        };
        let long = vec![b'x'; 10_000];
        for _ in 0..100 {
            assert_eq!(splitter.push(&long, &mut chunk, limits), long.len());
            assert!(splitter.partial.len() <= cap + 1);
        }
        splitter.push(b"\r\nok\n", &mut chunk, limits);
        let texts: Vec<_> = chunk
            .lines()
            .iter()
            .map(|l| (l.number, l.text(chunk.buf()).map(str::to_string)))
            .collect();
        assert_eq!(
            texts,
            vec![
                (
                    1,
                    Err(LineFailure::TooLong {
                        bytes: 1_000_000,
                        cap: 4
                    })
                ),
                (2, Ok("ok".to_string())),
            ]
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_the_line_s_failure_naming_the_column() {
        let mut splitter = LineSplitter::new(100);
        let mut chunk = Chunk::default();
        let limits = ChunkLimits {
            lines: 10,
            bytes: 100,
        };
        splitter.push(b"{\"a\xff\"}\n", &mut chunk, limits);
        assert_eq!(
            chunk.lines()[0].text(chunk.buf()),
            Err(LineFailure::NotUtf8 { column: 4 })
        );
    }
}
