//! Bounded JSON Lines reading: the [`LineSource`] of `batch`, `kyc --jsonl` and the history
//! reader of `backtest` / `compare`, which run it through [`crate::pipeline`].
//!
//! The rules (where a line ends, `\r\n`, blank lines, the line cap, UTF-8) are core's
//! [`LineSplitter`], the one splitter the batch route of the service uses too; this module
//! only feeds it what the reader has buffered (`fill_buf`, `consume`), so a line longer than
//! the cap is counted as it passes and never held, and a line's text goes straight into the
//! chunk's buffer.

use std::fmt;
use std::io::{self, BufRead};

use underwrite_core::line::{InputLine, LineSplitter};

use crate::limits::LineLimit;
use crate::pipeline::{Chunk, ChunkLimits, LineSource};

/// A read that failed, and the line (1-based) it was reading.
#[derive(Debug)]
pub struct ReadError {
    /// The line being read.
    pub line: usize,
    /// Why the read failed.
    pub error: io::Error,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: cannot read: {}", self.line, self.error)
    }
}

/// Reads lines that are not blank, at most the line cap of one line held at a time.
pub struct JsonLines<R> {
    reader: R,
    splitter: LineSplitter,
}

impl<R: BufRead> JsonLines<R> {
    /// Read `reader` with the line cap `limit`.
    pub fn new(reader: R, limit: LineLimit) -> Self {
        Self {
            reader,
            splitter: LineSplitter::new(limit.bytes.0),
        }
    }
}

impl<R: BufRead> LineSource for JsonLines<R> {
    type Line = InputLine;
    type Error = ReadError;

    /// Append lines until the chunk is full or the input ends; a failed read names the line it
    /// was reading.
    fn fill(&mut self, chunk: &mut Chunk<InputLine>, limits: ChunkLimits) -> Result<(), ReadError> {
        while chunk.has_room(limits) {
            let data = match self.reader.fill_buf() {
                Ok(data) => data,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    return Err(ReadError {
                        line: self.splitter.next_number(),
                        error,
                    })
                }
            };
            if data.is_empty() {
                if let Some(line) = self.splitter.finish(chunk.buf_mut()) {
                    chunk.push(line);
                }
                break;
            }
            let (used, line) = self.splitter.push(data, chunk.buf_mut());
            self.reader.consume(used);
            if let Some(line) = line {
                chunk.push(line);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, BufRead, BufReader, Read};

    use underwrite_core::line::{InputLine, LineFailure};

    use super::JsonLines;
    use crate::limits::{ByteSize, LineLimit};
    use crate::pipeline::{Chunk, ChunkLimits, LineSource};

    fn limit(bytes: u64) -> LineLimit {
        LineLimit {
            bytes: ByteSize(bytes),
        }
    }

    /// Every chunk `source` fills under `limits`, as its lines' (number, text or failure).
    fn chunks(
        mut source: JsonLines<impl BufRead>,
        limits: ChunkLimits,
    ) -> Vec<Vec<(usize, Result<String, LineFailure>)>> {
        let mut out = Vec::new();
        loop {
            let mut chunk = Chunk::<InputLine>::default();
            source.fill(&mut chunk, limits).expect("no read error");
            if chunk.is_empty() {
                return out;
            }
            assert!(chunk.lines().len() <= limits.lines);
            let lines = chunk
                .lines()
                .iter()
                .map(|l| (l.number, l.text(chunk.buf()).map(str::to_owned)))
                .collect();
            out.push(lines);
        }
    }

    /// A reader's buffer smaller than a line: the line is whole in the chunk all the same, a
    /// line over the cap is its failure, and chunks stop at their line limit.
    #[test]
    fn lines_across_reads_fill_chunks_up_to_their_limits() {
        let input = &b"{\"a\":1}\r\n\n0123456789abc\n{\"b\":2}\n{\"c\":3}"[..];
        let limits = ChunkLimits {
            lines: 2,
            bytes: 1000,
        };
        let got = chunks(
            JsonLines::new(BufReader::with_capacity(3, input), limit(10)),
            limits,
        );
        let too_long = Err(LineFailure::TooLong { bytes: 13, cap: 10 });
        assert_eq!(
            got,
            [
                vec![(1, Ok(r#"{"a":1}"#.into())), (3, too_long)],
                vec![(4, Ok(r#"{"b":2}"#.into())), (5, Ok(r#"{"c":3}"#.into()))],
            ]
        );
    }

    /// A reader that gives `data`, then fails (once interrupted, which is retried).
    struct Failing {
        data: &'static [u8],
        interrupted: bool,
    }

    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if !self.data.is_empty() {
                let n = self.data.len().min(out.len());
                out[..n].copy_from_slice(&self.data[..n]);
                self.data = &self.data[n..];
                return Ok(n);
            }
            if !self.interrupted {
                self.interrupted = true;
                return Err(io::ErrorKind::Interrupted.into());
            }
            Err(io::Error::other("disk gone"))
        }
    }

    #[test]
    fn a_failed_read_names_the_line_it_was_reading_after_the_lines_before_it() {
        let reader = Failing {
            data: b"{}\n\n{\"x\"",
            interrupted: false,
        };
        let mut source = JsonLines::new(BufReader::with_capacity(4, reader), limit(10));
        let mut chunk = Chunk::<InputLine>::default();
        let error = source
            .fill(&mut chunk, ChunkLimits::default())
            .expect_err("the read fails");
        assert_eq!(error.line, 3);
        assert_eq!(error.to_string(), "line 3: cannot read: disk gone");
        let numbers: Vec<usize> = chunk.lines().iter().map(|l| l.number).collect();
        assert_eq!(numbers, [1], "the line read before it stays in the chunk");
    }
}
