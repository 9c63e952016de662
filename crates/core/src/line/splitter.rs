//! [`LineSplitter`]: JSON Lines input cut into [`InputLine`]s as its bytes arrive, by one set
//! of rules for every surface (the rules are on the type).

use std::ops::Range;

use super::failure::{line_text, LineFailure};
use crate::application::is_blank_line;

/// The most memory an unfinished line's buffer keeps between lines; a longer line's is freed.
const KEEP_PARTIAL_BYTES: usize = 64 << 10;

/// One line that is not blank, as [`LineSplitter`] cut it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputLine {
    /// 1-based line number in the input (blank lines count).
    pub number: usize,
    /// Where its text (without the terminator) is in the caller's buffer, or why it has none.
    body: Result<Range<usize>, LineFailure>,
}

impl InputLine {
    /// The line's text in `buf` (the buffer [`LineSplitter::push`] appended it to), or the
    /// failure that stands in for it: too long, or not UTF-8 (naming the first bad byte).
    pub fn text<'b>(&self, buf: &'b [u8]) -> Result<&'b str, LineFailure> {
        match &self.body {
            Ok(range) => line_text(buf.get(range.clone()).unwrap_or_default()),
            Err(failure) => Err(failure.clone()),
        }
    }
}

/// A line longer than the cap, being passed over.
#[derive(Debug, Clone, Copy)]
struct Skipping {
    /// Its bytes so far.
    length: u64,
    /// The last of them.
    last: Option<u8>,
}

/// Cuts JSON Lines input into [`InputLine`]s as its bytes arrive, by one set of rules for
/// every surface (`underwrite batch`, `kyc --jsonl` and the history reader of `backtest` /
/// `compare`, fed from a reader; `POST /v1/decisions/batch`, fed from the body's frames):
///
/// * a line ends at `\n`; a `\r` just before it is not part of the line (a `\r` anywhere else
///   is); the final `\n` does not make an extra line, and a last line without one is a line as
///   it stands ([`finish`](LineSplitter::finish));
/// * a line whose length, its terminator (`\n` or `\r\n`) not counted, is over the cap is that
///   line's [`LineFailure::TooLong`], whatever its bytes: it is counted while it passes and
///   never held (at most the cap plus one byte of an unfinished line is held,
///   [`LineSplitter::held`]);
/// * a line that is empty or only spaces, tabs and `\r` ([`is_blank_line`]) is skipped, but
///   counts in line numbers; any other byte, a form feed included, makes it a line;
/// * whether a line is UTF-8 is found when its text is asked for ([`InputLine::text`]): one
///   that is not is that line's [`LineFailure::NotUtf8`].
///
/// Push-based, so it does no I/O: the caller hands over bytes as they come, in pieces of any
/// size, and gets the same lines whatever the pieces. Each [`LineSplitter::push`] takes bytes
/// up to and including the next `\n` and gives at most one line, its text appended to the
/// caller's buffer; so a caller can stop between any two lines (its chunk is full) and hand
/// over the rest of its bytes later.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    /// The longest line, in bytes, without its terminator.
    cap: u64,
    /// Lines ended so far, blank ones included.
    number: usize,
    /// The start of a line whose end has not arrived (at most `cap + 1` bytes).
    partial: Vec<u8>,
    /// The line being passed over, when it is too long already.
    skipping: Option<Skipping>,
}

impl LineSplitter {
    /// A splitter whose lines are at most `cap` bytes, their terminators not counted.
    pub fn new(cap: u64) -> LineSplitter {
        LineSplitter {
            cap,
            number: 0,
            partial: Vec::new(),
            skipping: None,
        }
    }

    /// The number the next line will have (for naming the line a failed read was reading).
    pub fn next_number(&self) -> usize {
        self.number.saturating_add(1)
    }

    /// Bytes of an unfinished line held until its end arrives: at most the cap plus one.
    pub fn held(&self) -> usize {
        self.partial.len()
    }

    /// Take the next bytes of the input, `data`, up to and including its first `\n` (all of it
    /// when it has none): returns how many bytes were taken, and the line they ended if it is
    /// not blank, its text appended to `buf`. The bytes not taken are the caller's to push
    /// next. Taking none happens only when `data` is empty.
    #[inline]
    pub fn push(&mut self, data: &[u8], buf: &mut Vec<u8>) -> (usize, Option<InputLine>) {
        let Some(end) = memchr::memchr(b'\n', data) else {
            self.hold(data);
            return (data.len(), None);
        };
        if self.skipping.is_some() || !self.partial.is_empty() {
            return (end + 1, self.end(&data[..end], Ending::Newline, buf));
        }
        // The whole line is in `data` (most lines, when a reader's buffer is large).
        self.number = self.number.saturating_add(1);
        let line = &data[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = if line.len() as u64 > self.cap {
            Some(self.too_long(line.len() as u64))
        } else if is_blank_line(line) {
            None
        } else {
            let start = buf.len();
            buf.extend_from_slice(line);
            Some(InputLine {
                number: self.number,
                body: Ok(start..buf.len()),
            })
        };
        (end + 1, line)
    }

    /// The input has ended: its last line, when it had no `\n` (its text appended to `buf`).
    /// Calling it again gives `None`; bytes pushed after it start a new line.
    pub fn finish(&mut self, buf: &mut Vec<u8>) -> Option<InputLine> {
        if self.skipping.is_none() && self.partial.is_empty() {
            return None;
        }
        self.end(&[], Ending::Input, buf)
    }

    /// Keep `piece`, the start of a line whose end has not arrived, or only count it when the
    /// line is too long.
    fn hold(&mut self, piece: &[u8]) {
        if let Some(skipping) = &mut self.skipping {
            skipping.length = skipping.length.saturating_add(piece.len() as u64);
            skipping.last = piece.last().copied().or(skipping.last);
            return;
        }
        let length = self.partial.len().saturating_add(piece.len()) as u64;
        if length >= self.cap.saturating_add(2) {
            // Over the cap even if it ends in `\r\n`: counted from here on, none of it held.
            self.skipping = Some(Skipping {
                length,
                last: piece.last().or(self.partial.last()).copied(),
            });
            self.partial = Vec::new();
        } else {
            self.partial.extend_from_slice(piece);
        }
    }

    /// The line ends with `piece` (its last bytes, without the `\n`).
    fn end(&mut self, piece: &[u8], ending: Ending, buf: &mut Vec<u8>) -> Option<InputLine> {
        self.number = self.number.saturating_add(1);
        // The `\r` of a `\r\n` is the terminator's; a `\r` that ends the input is the line's.
        let ends_in_cr = |last: Option<u8>| ending == Ending::Newline && last == Some(b'\r');
        if let Some(skipping) = self.skipping.take() {
            let cr = ends_in_cr(piece.last().copied().or(skipping.last));
            let length = skipping.length.saturating_add(piece.len() as u64) - u64::from(cr);
            return Some(self.too_long(length));
        }
        let cr = ends_in_cr(piece.last().or(self.partial.last()).copied());
        let length = self.partial.len().saturating_add(piece.len()) - usize::from(cr);
        if length as u64 > self.cap {
            // Counted, never joined.
            self.release_partial();
            return Some(self.too_long(length as u64));
        }
        // The line is `partial` then `piece`, without the `\r` if it ends in one.
        let (head, tail) = if piece.is_empty() {
            (self.partial.get(..length).unwrap_or_default(), piece)
        } else {
            let from_piece = length - self.partial.len();
            (
                &self.partial[..],
                piece.get(..from_piece).unwrap_or_default(),
            )
        };
        let line = if is_blank_line(head) && is_blank_line(tail) {
            None
        } else {
            let start = buf.len();
            buf.extend_from_slice(head);
            buf.extend_from_slice(tail);
            Some(InputLine {
                number: self.number,
                body: Ok(start..buf.len()),
            })
        };
        self.release_partial();
        line
    }

    /// Empty `partial` for the next line, giving its memory back when one long line grew it:
    /// otherwise a single line of up to the cap that spanned two pushes would stay held, at its
    /// size, for the rest of the input.
    fn release_partial(&mut self) {
        if self.partial.capacity() > KEEP_PARTIAL_BYTES {
            self.partial = Vec::new();
        } else {
            self.partial.clear();
        }
    }

    fn too_long(&self, bytes: u64) -> InputLine {
        InputLine {
            number: self.number,
            body: Err(LineFailure::TooLong {
                bytes,
                cap: self.cap,
            }),
        }
    }
}

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// At a `\n`.
    Newline,
    /// At the end of the input, without one.
    Input,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_long_line_s_buffer_is_given_back_once_the_line_ends() {
        let mut splitter = LineSplitter::new(4 << 20);
        let mut buf = Vec::new();
        let line = vec![b'x'; 1 << 20];
        // The line spans two pushes, so its first half is held in `partial`.
        let (used, none) = splitter.push(&line[..1000], &mut buf);
        assert_eq!((used, none), (1000, None));
        splitter.push(&line[1000..], &mut buf);
        assert_eq!(splitter.held(), 1 << 20);
        let (_, got) = splitter.push(b"\n", &mut buf);
        assert!(got.is_some_and(|l| l.body == Ok(0..1 << 20)));
        assert!(splitter.partial.capacity() <= KEEP_PARTIAL_BYTES);
    }

    /// What a line reads as: its bytes, or its failure.
    type Read = (usize, Result<Vec<u8>, LineFailure>);

    /// The rules of `LineSplitter`'s doc applied to a whole input at once, the obvious way.
    fn reference(input: &[u8], cap: u64) -> Vec<Read> {
        let mut pieces: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
        // The final `\n` makes no extra line (and an empty input none at all).
        if pieces.last().is_some_and(|p| p.is_empty()) {
            pieces.pop();
        }
        let ended = pieces
            .len()
            .saturating_sub(usize::from(!input.ends_with(b"\n")));
        let mut out = Vec::new();
        for (i, piece) in pieces.into_iter().enumerate() {
            let line = if i < ended {
                piece.strip_suffix(b"\r").unwrap_or(piece)
            } else {
                piece
            };
            if line.len() as u64 > cap {
                out.push((
                    i + 1,
                    Err(LineFailure::TooLong {
                        bytes: line.len() as u64,
                        cap,
                    }),
                ));
            } else if !line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
                out.push((i + 1, Ok(line.to_vec())));
            }
        }
        out
    }

    /// The splitter fed `input` in pieces cut at `cuts`, the buffer emptied after every
    /// `clear_every` lines (as a caller hands over a full chunk); checks what is held.
    fn split(input: &[u8], cap: u64, cuts: &[usize], clear_every: usize) -> Vec<Read> {
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        bounds.push(0);
        bounds.push(input.len());
        bounds.sort_unstable();
        let mut splitter = LineSplitter::new(cap);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        let mut in_buf = 0;
        let mut take = |line: InputLine, buf: &mut Vec<u8>, out: &mut Vec<Read>| {
            let body = match &line.body {
                Ok(range) => Ok(buf[range.clone()].to_vec()),
                Err(failure) => Err(failure.clone()),
            };
            out.push((line.number, body));
            in_buf += 1;
            if in_buf >= clear_every {
                buf.clear();
                in_buf = 0;
            }
        };
        for pair in bounds.windows(2) {
            let mut piece = &input[pair[0]..pair[1]];
            while !piece.is_empty() {
                let (used, line) = splitter.push(piece, &mut buf);
                assert!(used > 0 && used <= piece.len(), "took {used}");
                assert!(
                    !piece[..used - 1].contains(&b'\n'),
                    "took bytes past a newline"
                );
                piece = &piece[used..];
                assert!(
                    splitter.held() as u64 <= cap + 1,
                    "held {}",
                    splitter.held()
                );
                if let Some(line) = line {
                    take(line, &mut buf, &mut out);
                }
            }
        }
        if let Some(line) = splitter.finish(&mut buf) {
            take(line, &mut buf, &mut out);
        }
        assert_eq!(splitter.finish(&mut buf), None, "finish twice");
        assert_eq!(splitter.held(), 0);
        out
    }

    /// Every line of `input` with cap `cap`, as (number, text or failure), fed in pieces of at
    /// most four bytes; the same lines fed a byte at a time and all at once.
    fn read(input: &[u8], cap: u64) -> Vec<(usize, Result<String, LineFailure>)> {
        let fours: Vec<usize> = (4..input.len()).step_by(4).collect();
        let ones: Vec<usize> = (1..input.len()).collect();
        let lines = split(input, cap, &fours, 1);
        assert_eq!(split(input, cap, &ones, 3), lines, "a byte at a time");
        assert_eq!(split(input, cap, &[], usize::MAX), lines, "all at once");
        lines
            .into_iter()
            .map(|(number, body)| {
                let text = body.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
                (number, text)
            })
            .collect()
    }

    fn input_bytes() -> impl Strategy<Value = Vec<u8>> {
        // Few distinct bytes, so that newlines, `\r`, blanks and non-UTF-8 bytes are common.
        prop::collection::vec(
            prop::sample::select(vec![b'\n', b'\r', b' ', b'\t', b'a', b'{', 0xff]),
            0..200,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn lines_are_the_reference_s_however_the_input_is_cut(
            input in input_bytes(),
            cap in 0u64..12,
            cuts in prop::collection::vec(0usize..400, 0..12),
            clear_every in 1usize..5,
        ) {
            prop_assert_eq!(split(&input, cap, &cuts, clear_every), reference(&input, cap));
        }
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
        assert_eq!(read(b"x\n\n", 10).len(), 1, "a blank last line is no line");
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
        // A long line of blanks is too long all the same.
        assert_eq!(read(&[b' '; 11], 10), [(1, too_long(11))]);
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
        let mut input = vec![b'x'; 11];
        input.push(b'\r');
        assert_eq!(read(&input, 10)[0], (1, too_long(12)));
        assert_eq!(read(b"ab\r", 10), [(1, Ok("ab\r".into()))]);
        assert_eq!(read(b"ab\r\rx\n", 10), [(1, Ok("ab\r\rx".into()))]);
    }

    #[test]
    fn invalid_utf8_is_that_lines_failure_naming_the_column() {
        let got = read(b"{}\n{\xff}\n{}\n", 10);
        assert_eq!(got[2], (3, Ok("{}".into())));
        let mut splitter = LineSplitter::new(100);
        let mut buf = Vec::new();
        let (used, line) = splitter.push(b"{\"a\xff\"}\nnext", &mut buf);
        assert_eq!(used, 7);
        let line = line.expect("a line");
        assert_eq!(line.number, 1);
        assert_eq!(line.text(&buf), Err(LineFailure::NotUtf8 { column: 4 }));
    }

    #[test]
    fn a_too_long_line_is_counted_without_being_held() {
        let cap = 4;
        let mut splitter = LineSplitter::new(cap);
        let mut buf = Vec::new();
        let long = vec![b'x'; 10_000];
        for _ in 0..100 {
            assert_eq!(splitter.push(&long, &mut buf), (long.len(), None));
            assert!(splitter.held() as u64 <= cap + 1);
        }
        assert_eq!(splitter.next_number(), 1);
        let (used, line) = splitter.push(b"\r\nok\n", &mut buf);
        assert_eq!(used, 2);
        assert_eq!(
            line.map(|l| (l.number, l.text(&buf))),
            Some((
                1,
                Err(LineFailure::TooLong {
                    bytes: 1_000_000,
                    cap: 4
                })
            ))
        );
        assert!(buf.is_empty(), "none of it was kept");
        let (_, line) = splitter.push(b"ok\n", &mut buf);
        assert_eq!(line.map(|l| (l.number, l.text(&buf))), Some((2, Ok("ok"))));
    }

    #[test]
    fn a_cap_at_the_top_of_the_range_does_not_overflow() {
        let mut splitter = LineSplitter::new(u64::MAX);
        let mut buf = Vec::new();
        splitter.push(b"abc", &mut buf);
        let (_, line) = splitter.push(b"d\r\n", &mut buf);
        assert_eq!(line.map(|l| l.number), Some(1));
        assert_eq!(buf, b"abcd");
    }

    #[test]
    fn text_is_appended_to_the_callers_buffer_one_line_per_push() {
        let mut splitter = LineSplitter::new(10);
        let mut buf = b"kept".to_vec();
        let input = b"ab\n\ncd\n";
        let (used, first) = splitter.push(input, &mut buf);
        assert_eq!(used, 3);
        assert_eq!(
            first,
            Some(InputLine {
                number: 1,
                body: Ok(4..6)
            })
        );
        assert_eq!(splitter.push(&input[3..], &mut buf), (1, None), "blank");
        let (used, second) = splitter.push(&input[4..], &mut buf);
        assert_eq!(used, 3);
        assert_eq!(
            second,
            Some(InputLine {
                number: 3,
                body: Ok(6..8)
            })
        );
        assert_eq!(buf, b"keptabcd");
        assert_eq!(splitter.finish(&mut buf), None);
        assert_eq!(splitter.next_number(), 4);
    }

    #[test]
    fn finishing_ends_the_last_line_and_a_new_one_may_follow() {
        let mut splitter = LineSplitter::new(10);
        let mut buf = Vec::new();
        assert_eq!(splitter.push(b"ab", &mut buf), (2, None));
        assert_eq!(splitter.held(), 2);
        let last = splitter.finish(&mut buf).expect("a line");
        assert_eq!((last.number, last.text(&buf)), (1, Ok("ab")));
        assert_eq!(splitter.finish(&mut buf), None);
        buf.clear();
        let (_, line) = splitter.push(b"cd\n", &mut buf);
        assert_eq!(line.map(|l| (l.number, l.text(&buf))), Some((2, Ok("cd"))));
    }
}
