//! Bounded JSON Lines reading: the [`LineSource`] of `batch`, `kyc --jsonl` and the history
//! reader of `backtest` / `compare`, which run it through [`crate::pipeline`].
//!
//! Lines are read as bytes, never more than the line cap of one line at a time: a longer line is
//! skipped in fixed-size pieces without being buffered and becomes that line's error, and so does
//! a line that is not UTF-8. The rule for blank lines: a line that is empty or only spaces, tabs
//! and `\r` (JSON's whitespace besides the newline) is skipped (no output, not an error) but still
//! counts in line numbers; any other byte, a form feed included, makes the line one to parse. The
//! final newline does not make an extra line. `\r\n` endings are accepted, and a line's
//! terminator (`\n` or `\r\n`) is not part of its length: the cap and the length a too-long line
//! reports both count the bytes before it.

use std::fmt;
use std::io::{self, BufRead, Read};
use std::ops::Range;

use underwrite_core::application::is_blank_line;
use underwrite_core::line::{line_text, LineFailure};

use crate::limits::{ByteSize, LineLimit};
use crate::pipeline::{Chunk, ChunkLimits, LineSource};

/// One line that is not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the input (blank lines count).
    pub number: usize,
    /// Where its text is in the caller's buffer (without the terminator), or why it has none.
    body: Result<Range<usize>, LineFailure>,
}

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

/// Reads lines that are not blank, each at most `cap` bytes held.
pub struct JsonLines<R> {
    reader: R,
    cap: ByteSize,
    number: usize,
}

impl<R: BufRead> JsonLines<R> {
    /// Read `reader` with the line cap `limit`.
    pub fn new(reader: R, limit: LineLimit) -> Self {
        Self {
            reader,
            cap: limit.bytes,
            number: 0,
        }
    }

    /// The next line that is not blank, its text appended to `buf`; `None` at the end.
    fn next_into(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<Line>> {
        loop {
            let start = buf.len();
            // The cap plus `\r\n`: at most this much of one line is ever held.
            let window = self.cap.0.saturating_add(2);
            let read = (&mut self.reader).take(window).read_until(b'\n', buf)?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            let ended = buf.last() == Some(&b'\n');
            if !ended && read as u64 == window {
                // Longer than the cap and not finished: skip the rest without holding it.
                let last = buf.last().copied();
                buf.truncate(start);
                let length = self.skip_rest(read as u64, last)?;
                return Ok(Some(self.too_long(length)));
            }
            let mut end = buf.len();
            if ended {
                end -= 1;
                if end > start && buf[end - 1] == b'\r' {
                    end -= 1;
                }
            }
            let length = (end - start) as u64;
            if length > self.cap.0 {
                buf.truncate(start);
                return Ok(Some(self.too_long(length)));
            }
            buf.truncate(end);
            if is_blank_line(&buf[start..]) {
                buf.truncate(start);
                continue;
            }
            return Ok(Some(Line {
                number: self.number,
                body: Ok(start..end),
            }));
        }
    }

    fn too_long(&self, bytes: u64) -> Line {
        Line {
            number: self.number,
            body: Err(LineFailure::TooLong {
                bytes,
                cap: self.cap.0,
            }),
        }
    }

    /// Consume the rest of a line whose first `held` bytes, ending in `last`, were read already,
    /// up to and including its `\n` (or the end); returns the line's length without its `\n` or
    /// `\r\n`.
    fn skip_rest(&mut self, held: u64, mut last: Option<u8>) -> io::Result<u64> {
        let mut skipped = held;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(skipped);
            }
            match available.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let before = i.checked_sub(1).map_or(last, |j| Some(available[j]));
                    self.reader.consume(i + 1);
                    let cr = u64::from(before == Some(b'\r'));
                    return Ok(skipped + i as u64 - cr);
                }
                None => {
                    last = available.last().copied().or(last);
                    let n = available.len();
                    self.reader.consume(n);
                    skipped += n as u64;
                }
            }
        }
    }
}

impl<R: BufRead> LineSource for JsonLines<R> {
    type Line = Line;
    type Error = ReadError;

    /// Append lines until the chunk is full or the input ends; a failed read names the line it
    /// was reading.
    fn fill(&mut self, chunk: &mut Chunk<Line>, limits: ChunkLimits) -> Result<(), ReadError> {
        while chunk.has_room(limits) {
            let next = self.next_into(chunk.buf_mut()).map_err(|error| ReadError {
                line: self.number + 1,
                error,
            })?;
            match next {
                Some(line) => chunk.push(line),
                None => break,
            }
        }
        Ok(())
    }
}

impl Line {
    /// The line's text in `buf` (the chunk's buffer), or the failure that stands in for it: too
    /// long, or not UTF-8.
    pub fn text<'b>(&self, buf: &'b [u8]) -> Result<&'b str, LineFailure> {
        match &self.body {
            Ok(range) => line_text(buf.get(range.clone()).unwrap_or_default()),
            Err(failure) => Err(failure.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{JsonLines, Line, LineFailure};
    use crate::limits::{ByteSize, LineLimit};

    /// Every line read from `input` with cap `cap`, as (number, text or failure).
    fn read(input: &[u8], cap: u64) -> Vec<(usize, Result<String, LineFailure>)> {
        let limit = LineLimit {
            bytes: ByteSize(cap),
        };
        let mut lines = JsonLines::new(std::io::BufReader::with_capacity(4, input), limit);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(line) = lines.next_into(&mut buf).unwrap_or(None) {
            out.push((line.number, line.text(&buf).map(str::to_owned)));
            buf.clear();
        }
        out
    }

    #[test]
    fn blank_lines_are_skipped_but_counted_and_crlf_is_stripped() {
        let got = read(b"a\n\n  \t\r\nb\r\n\nc", 10);
        assert_eq!(
            got,
            [
                (1, Ok("a".into())),
                (4, Ok("b".into())),
                (6, Ok("c".into()))
            ]
        );
        assert!(read(b"", 10).is_empty());
        assert_eq!(read(b"x\n", 10).len(), 1, "the final newline adds no line");
    }

    #[test]
    fn long_lines_are_errors_and_the_next_line_is_intact() {
        let mut input = vec![b'x'; 100];
        input.extend_from_slice(b"\nok\n0123456789\n01234567890\n");
        input.extend_from_slice(&[b'y'; 50]);
        let got = read(&input, 10);
        let too_long = |bytes| Err(LineFailure::TooLong { bytes, cap: 10 });
        assert_eq!(
            got,
            [
                (1, too_long(100)),
                (2, Ok("ok".into())),
                (3, Ok("0123456789".into())),
                (4, too_long(11)),
                (5, too_long(50)),
            ]
        );
        // Exactly the cap, with `\r\n`, fits.
        assert_eq!(
            read(b"0123456789\r\nz", 10)[0],
            (1, Ok("0123456789".into()))
        );
    }

    #[test]
    fn only_spaces_tabs_and_cr_are_blank() {
        let got = read(b"\x0c\n \t\r\n\x0b\na", 10);
        let numbers: Vec<usize> = got.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            numbers,
            [1, 3, 4],
            "form feed and vertical tab lines are kept"
        );
        assert_eq!(got[0].1, Ok("\x0c".into()));
    }

    #[test]
    fn the_terminator_is_never_counted() {
        let too_long = |bytes| Err(LineFailure::TooLong { bytes, cap: 10 });
        for ending in ["\n", "\r\n"] {
            for (length, expected) in [
                (10, Ok("x".repeat(10))),
                (11, too_long(11)),
                (12, too_long(12)),
                (100, too_long(100)),
            ] {
                let input = format!("{}{ending}ok{ending}", "x".repeat(length));
                let got = read(input.as_bytes(), 10);
                assert_eq!(got[0], (1, expected), "{length} {ending:?}");
                assert_eq!(got[1], (2, Ok("ok".into())), "{length} {ending:?}");
            }
        }
        // A `\r` not followed by `\n` is part of the line.
        assert_eq!(
            read(
                &[b'x'; 11].iter().chain(b"\r").copied().collect::<Vec<u8>>(),
                10
            )[0],
            (1, too_long(12))
        );
    }

    #[test]
    fn invalid_utf8_is_that_lines_failure() {
        let got = read(b"{}\n{\xff}\n{}\n", 10);
        assert_eq!(got[1], (2, Err(LineFailure::NotUtf8 { column: 2 })));
        assert_eq!(got[2], (3, Ok("{}".into())));
    }

    #[test]
    fn text_ranges_append_to_the_buffer() {
        let limit = LineLimit {
            bytes: ByteSize(10),
        };
        let mut lines = JsonLines::new(&b"ab\ncd\n"[..], limit);
        let mut buf = Vec::new();
        let first = lines.next_into(&mut buf).ok().flatten();
        let second = lines.next_into(&mut buf).ok().flatten();
        assert_eq!(
            first,
            Some(Line {
                number: 1,
                body: Ok(0..2)
            })
        );
        assert_eq!(
            second,
            Some(Line {
                number: 2,
                body: Ok(2..4)
            })
        );
        assert_eq!(buf, b"abcd");
    }
}
