//! A batch body's lines, in chunks bounded by lines and bytes, cut as the body arrives by
//! core's [`LineSplitter`] (the rules of `underwrite batch`, which uses the same splitter: a
//! body gives the batch route the lines, line numbers and failures a file gives the CLI).
//!
//! Bytes come in pieces of any size ([`Chunk::fill`]); lines go into a [`Chunk`] until it
//! holds [`ChunkLimits::lines`] lines or [`ChunkLimits::bytes`] bytes (at least one line: a
//! chunk holds at most its byte limit plus one line). What did not fit is left for the next
//! chunk. No I/O here.

use underwrite_core::line::{InputLine, LineSplitter};

/// When a chunk is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimits {
    /// Lines (blank lines are not held, so they do not count).
    pub lines: usize,
    /// Bytes of line text.
    pub bytes: usize,
}

/// Lines of a body, their text in one buffer.
#[derive(Debug, Default)]
pub struct Chunk {
    buf: Vec<u8>,
    lines: Vec<InputLine>,
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
    pub fn lines(&self) -> &[InputLine] {
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

    /// Cut `data` (the next bytes of the body) with `splitter` into this chunk until all of it
    /// is used or the chunk is full; how many bytes were used (the rest go into the next
    /// chunk).
    pub fn fill(&mut self, splitter: &mut LineSplitter, data: &[u8], limits: ChunkLimits) -> usize {
        let mut used = 0;
        while used < data.len() && !self.is_full(limits) {
            let (taken, line) = splitter.push(&data[used..], &mut self.buf);
            used += taken;
            self.lines.extend(line);
        }
        used
    }

    /// The body has ended: its last line, when it had no `\n`, goes into the chunk (which may
    /// then hold one line over its limits).
    pub fn finish(&mut self, splitter: &mut LineSplitter) {
        self.lines.extend(splitter.finish(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use underwrite_core::line::LineFailure;

    /// What the chunks of `body`, fed in pieces of `piece` bytes, hold: each chunk's lines as
    /// (number, text or failure).
    fn chunks(
        body: &[u8],
        piece: usize,
        limits: ChunkLimits,
    ) -> Vec<Vec<(usize, Result<String, LineFailure>)>> {
        let cap = 4;
        let mut splitter = LineSplitter::new(cap);
        let mut chunk = Chunk::default();
        let mut out = Vec::new();
        let mut take = |chunk: &mut Chunk| {
            assert!(chunk.lines().len() <= limits.lines, "{:?}", chunk.lines());
            assert!(chunk.buf().len() < limits.bytes + cap as usize + 1);
            out.push(
                chunk
                    .lines()
                    .iter()
                    .map(|l| (l.number, l.text(chunk.buf()).map(str::to_owned)))
                    .collect(),
            );
            chunk.clear();
        };
        for mut data in body.chunks(piece) {
            while !data.is_empty() {
                let used = chunk.fill(&mut splitter, data, limits);
                data = &data[used..];
                if chunk.is_full(limits) {
                    take(&mut chunk);
                }
            }
        }
        chunk.finish(&mut splitter);
        take(&mut chunk);
        out
    }

    #[test]
    fn a_chunk_takes_lines_until_its_line_or_byte_limit_and_leaves_the_rest() {
        let body = b"ab\n\ncdef\r\nlonger\nx\ny\nz";
        let ok = |n: usize, text: &str| (n, Ok(text.to_owned()));
        let too_long = (4, Err(LineFailure::TooLong { bytes: 6, cap: 4 }));
        let by_lines = ChunkLimits {
            lines: 2,
            bytes: 100,
        };
        let by_bytes = ChunkLimits {
            lines: 100,
            bytes: 5,
        };
        for piece in [1, 3, body.len()] {
            assert_eq!(
                chunks(body, piece, by_lines),
                [
                    vec![ok(1, "ab"), ok(3, "cdef")],
                    vec![too_long.clone(), ok(5, "x")],
                    vec![ok(6, "y"), ok(7, "z")],
                ],
                "pieces of {piece}"
            );
            // A chunk takes the line that passes its byte limit; a line with no text counts
            // no bytes.
            assert_eq!(
                chunks(body, piece, by_bytes),
                [
                    vec![ok(1, "ab"), ok(3, "cdef")],
                    vec![too_long.clone(), ok(5, "x"), ok(6, "y"), ok(7, "z")],
                ],
                "pieces of {piece}"
            );
        }
    }
}
