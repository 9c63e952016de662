//! Arbitrary bytes, pushed in arbitrary pieces → `underwrite_core::line::LineSplitter`, the
//! one splitter of `underwrite batch`, `kyc --jsonl`, the history reader and
//! `POST /v1/decisions/batch`. Besides "no panic":
//!
//! * the lines are exactly those of a reference that splits the whole input at once with
//!   `<[u8]>::split` (written here from the rules, not from the splitter): the same numbers,
//!   the same text (or `NotUtf8` naming the first bad byte, as `std::str::from_utf8` finds
//!   it), the same `TooLong` lengths; blank lines skipped but counted;
//! * and the same as the splitter itself gives when the input comes in one piece;
//! * each push takes bytes up to and including its first `\n` (all of them when there is
//!   none), at least one, and gives at most one line; numbers only grow; what is held of an
//!   unfinished line never passes the cap plus one byte; the caller emptying its buffer
//!   between lines (a chunk handed over) changes nothing; a second `finish` gives nothing.
//!
//! Input: the first byte picks the cap (0–23 bytes mostly, so lines over it are common; some
//! powers of two; the top of `u64`, so that no arithmetic on the cap overflows); the second
//! byte's low three bits say how many piece sizes follow (each byte a size of 1–256 bytes,
//! used in turn; none: the input in one piece) and its next three bits after how many lines
//! the buffer is emptied; the rest is the input. Seeds: `fuzz/corpus/line_splitter/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use underwrite_core::line::{InputLine, LineFailure, LineSplitter};

/// A line as read: its number, and its text or its failure.
type Read = (usize, Result<String, LineFailure>);

/// The cap the first byte picks.
fn cap(byte: u8) -> u64 {
    match byte {
        0..=239 => u64::from(byte % 24),
        240..=247 => 1 << (byte - 232),
        _ => u64::MAX - u64::from(255 - byte),
    }
}

/// The rules applied to the whole input at once, the obvious way.
fn reference(input: &[u8], cap: u64) -> Vec<Read> {
    let mut pieces: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    // After a final `\n` (or in an empty input) `split` gives an empty piece: no line.
    if pieces.last() == Some(&&b""[..]) {
        pieces.pop();
    }
    let terminated = if input.ends_with(b"\n") {
        pieces.len()
    } else {
        pieces.len().saturating_sub(1)
    };
    let mut out = Vec::new();
    for (i, piece) in pieces.into_iter().enumerate() {
        let line = match piece {
            [text @ .., b'\r'] if i < terminated => text,
            _ => piece,
        };
        let number = i + 1;
        if line.len() as u64 > cap {
            let failure = LineFailure::TooLong {
                bytes: line.len() as u64,
                cap,
            };
            out.push((number, Err(failure)));
        } else if line.iter().any(|b| !b" \t\r".contains(b)) {
            let text = match std::str::from_utf8(line) {
                Ok(text) => Ok(text.to_owned()),
                Err(e) => Err(LineFailure::NotUtf8 {
                    column: e.valid_up_to() + 1,
                }),
            };
            out.push((number, text));
        }
    }
    out
}

/// The splitter fed `input` in pieces of `sizes` (used in turn; the whole input when empty),
/// the buffer emptied after every `clear_every` lines; checks every push.
fn split(input: &[u8], cap: u64, sizes: &[usize], clear_every: usize) -> Vec<Read> {
    let mut splitter = LineSplitter::new(cap);
    let mut buf = Vec::new();
    let mut out: Vec<Read> = Vec::new();
    let mut in_buf = 0;
    let mut take = |line: InputLine, buf: &mut Vec<u8>, out: &mut Vec<Read>| {
        if let Some((last, _)) = out.last() {
            assert!(line.number > *last, "numbers grow");
        }
        out.push((line.number, line.text(buf).map(str::to_owned)));
        in_buf += 1;
        if in_buf >= clear_every {
            buf.clear();
            in_buf = 0;
        }
    };
    let mut rest = input;
    let mut size = sizes.iter().cycle();
    while !rest.is_empty() {
        let n = size.next().map_or(rest.len(), |&n| n.min(rest.len()));
        let mut piece = &rest[..n];
        rest = &rest[n..];
        while !piece.is_empty() {
            let next = splitter.next_number();
            let (used, line) = splitter.push(piece, &mut buf);
            assert!(used >= 1 && used <= piece.len(), "took {used} of {}", piece.len());
            let newline = piece.iter().position(|&b| b == b'\n');
            assert_eq!(used, newline.map_or(piece.len(), |i| i + 1), "up to the first newline");
            assert!(
                line.as_ref().is_none_or(|l| l.number == next),
                "the line has the number announced"
            );
            assert_eq!(
                splitter.next_number(),
                next + usize::from(newline.is_some()),
                "a line ends only at a newline"
            );
            piece = &piece[used..];
            assert!(
                splitter.held() as u64 <= cap.saturating_add(1),
                "held {} with cap {cap}",
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
    assert_eq!(splitter.finish(&mut buf), None, "a second finish gives nothing");
    assert_eq!(splitter.held(), 0, "nothing held after the end");
    out
}

fuzz_target!(|data: &[u8]| {
    let [cap_byte, layout, rest @ ..] = data else {
        return;
    };
    let count = usize::from(layout & 7).min(rest.len());
    let (sizes, input) = rest.split_at(count);
    let sizes: Vec<usize> = sizes.iter().map(|&b| usize::from(b) + 1).collect();
    let clear_every = usize::from((layout >> 3) & 7) + 1;
    let cap = cap(*cap_byte);

    let lines = split(input, cap, &sizes, clear_every);
    assert_eq!(lines, reference(input, cap), "the reference's lines");
    assert_eq!(
        lines,
        split(input, cap, &[], usize::MAX),
        "the lines of the input in one piece"
    );
});
