//! The strict JSON scanner under the payload writer: it checks JSON's grammar token by token and
//! copies the text compactly, lazily.
//!
//! Lazily: the scanner remembers how far the text has been written (`flushed`) and writes only
//! when it must leave something out (whitespace), put something in (an escape for U+0085,
//! U+2028 or U+2029), or when its caller asks ([`Scanner::flush`]). A compact payload is thus
//! copied in a few `extend_from_slice` calls, not a push per token; a pretty one in one call per
//! run between two stretches of whitespace. What the caller wants left out, it skips
//! ([`Scanner::skip`]) after scanning it, truncating what a flush inside it wrote.
//!
//! Containers are followed by a bit per level of nesting, not by recursion, so nesting of any
//! depth costs no stack.

use std::fmt;

/// Why a payload could not be written: it is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the signals payload is not JSON: {kind} at byte {offset}")]
pub struct PayloadError {
    /// Where, in bytes from the payload's start.
    pub offset: usize,
    /// What was wrong there.
    pub kind: PayloadErrorKind,
}

/// What made a payload not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadErrorKind {
    /// The text ended inside a value.
    UnexpectedEnd,
    /// A byte that cannot start or continue a value here.
    UnexpectedByte,
    /// A raw control character inside a string.
    ControlCharacter,
    /// A `\` escape that JSON does not have.
    BadEscape,
    /// A number that does not follow JSON's grammar.
    BadNumber,
    /// Something after the value.
    TrailingBytes,
}

impl fmt::Display for PayloadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PayloadErrorKind::UnexpectedEnd => "unexpected end",
            PayloadErrorKind::UnexpectedByte => "unexpected character",
            PayloadErrorKind::ControlCharacter => "control character in a string",
            PayloadErrorKind::BadEscape => "invalid escape",
            PayloadErrorKind::BadNumber => "invalid number",
            PayloadErrorKind::TrailingBytes => "trailing characters",
        })
    }
}

/// Bytes a string's scan stops at: the quote, a backslash, control characters, and the first
/// bytes of U+0085 (`C2 85`) and U+2028 / U+2029 (`E2 80 A8`, `E2 80 A9`).
static STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[0xC2] = true;
    table[0xE2] = true;
    table
};

/// The kinds of the open containers, innermost last: a bit per level (set: object), the first
/// 64 levels without allocating.
#[derive(Debug, Default)]
struct Nesting {
    low: u64,
    high: Vec<bool>,
    depth: usize,
}

impl Nesting {
    fn push(&mut self, object: bool) {
        if self.depth < 64 {
            let bit = 1u64 << self.depth;
            if object {
                self.low |= bit;
            } else {
                self.low &= !bit;
            }
        } else {
            self.high.push(object);
        }
        self.depth += 1;
    }

    /// Whether the innermost open container is an object; `None` when none is open.
    fn top(&self) -> Option<bool> {
        let depth = self.depth.checked_sub(1)?;
        if depth < 64 {
            Some(self.low >> depth & 1 == 1)
        } else {
            self.high.last().copied()
        }
    }

    fn pop(&mut self) {
        if self.depth > 64 {
            self.high.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

/// A string scanned: its text between the quotes, and whether it has escapes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Str {
    pub start: usize,
    pub end: usize,
    pub escaped: bool,
}

/// A strict scan of one JSON text, copied compactly into the caller's buffer.
pub(super) struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    /// The text before this is written (or deliberately left out).
    flushed: usize,
    nesting: Nesting,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Scanner<'a> {
        Scanner {
            src: text.as_bytes(),
            pos: 0,
            flushed: 0,
            nesting: Nesting::default(),
        }
    }

    /// The byte at the scan, if any.
    pub fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    /// Step over one byte the caller has looked at.
    pub fn bump(&mut self) {
        self.pos += 1;
    }

    /// The text scanned at `range`.
    pub fn text(&self, from: usize, to: usize) -> &'a [u8] {
        self.src.get(from..to).unwrap_or_default()
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// Write what was scanned and not yet written.
    pub fn flush(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.text(self.flushed, self.pos));
        self.flushed = self.pos;
    }

    /// Leave out what was scanned and not yet written.
    pub fn skip(&mut self) {
        self.flushed = self.pos;
    }

    /// Step over whitespace, leaving it out.
    pub fn ws(&mut self, out: &mut Vec<u8>) {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
        if self.pos > start {
            out.extend_from_slice(self.text(self.flushed, start));
            self.flushed = self.pos;
        }
    }

    pub fn error(&self, kind: PayloadErrorKind) -> PayloadError {
        PayloadError {
            offset: self.pos,
            kind,
        }
    }

    /// The error for the byte at the scan, or for the end.
    pub fn unexpected(&self) -> PayloadError {
        self.error(if self.at_end() {
            PayloadErrorKind::UnexpectedEnd
        } else {
            PayloadErrorKind::UnexpectedByte
        })
    }

    /// Any one value (after optional whitespace).
    pub fn value(&mut self, out: &mut Vec<u8>) -> Result<(), PayloadError> {
        'value: loop {
            self.ws(out);
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    self.ws(out);
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        self.nesting.push(true);
                        self.key(out)?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.ws(out);
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        self.nesting.push(false);
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    self.string(out)?;
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                _ => return Err(self.unexpected()),
            }
            // A value is complete: close what it completes, or go on to the next element.
            loop {
                let Some(object) = self.nesting.top() else {
                    return Ok(());
                };
                self.ws(out);
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if object {
                            self.ws(out);
                            self.key(out)?;
                        }
                        continue 'value;
                    }
                    Some(b'}') if object => {
                        self.pos += 1;
                        self.nesting.pop();
                    }
                    Some(b']') if !object => {
                        self.pos += 1;
                        self.nesting.pop();
                    }
                    _ => return Err(self.unexpected()),
                }
            }
        }
    }

    /// An object's key and its colon (at the key's quote); the scan is then at the value.
    pub fn key(&mut self, out: &mut Vec<u8>) -> Result<Str, PayloadError> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected());
        }
        let key = self.string(out)?;
        self.ws(out);
        if self.peek() != Some(b':') {
            return Err(self.unexpected());
        }
        self.pos += 1;
        self.ws(out);
        Ok(key)
    }

    /// A string (at its opening quote); escapes stay as written, U+0085, U+2028 and U+2029 are
    /// escaped.
    pub fn string(&mut self, out: &mut Vec<u8>) -> Result<Str, PayloadError> {
        let src = self.src;
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            i = plain(src, i);
            let Some(&b) = src.get(i) else {
                self.pos = i;
                return Err(self.error(PayloadErrorKind::UnexpectedEnd));
            };
            match b {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(Str {
                        start,
                        end: i,
                        escaped,
                    });
                }
                b'\\' => {
                    escaped = true;
                    i = self.escape(i)?;
                }
                0xC2 | 0xE2 => {
                    let (len, escape): (usize, &[u8]) = match (b, src.get(i + 1), src.get(i + 2)) {
                        (0xC2, Some(0x85), _) => (2, b"\\u0085"),
                        (0xE2, Some(0x80), Some(0xA8)) => (3, b"\\u2028"),
                        (0xE2, Some(0x80), Some(0xA9)) => (3, b"\\u2029"),
                        _ => (1, b""),
                    };
                    if !escape.is_empty() {
                        out.extend_from_slice(self.text(self.flushed, i));
                        out.extend_from_slice(escape);
                        self.flushed = i + len;
                    }
                    i += len;
                }
                _ => {
                    self.pos = i;
                    return Err(self.error(PayloadErrorKind::ControlCharacter));
                }
            }
        }
    }

    /// Check the escape whose backslash is at `i`; the index after it.
    fn escape(&mut self, i: usize) -> Result<usize, PayloadError> {
        match self.src.get(i + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
            Some(b'u') if hex4(self.src, i + 2).is_some() => Ok(i + 6),
            Some(_) => {
                self.pos = i;
                Err(self.error(PayloadErrorKind::BadEscape))
            }
            None => {
                self.pos = i + 1;
                Err(self.error(PayloadErrorKind::UnexpectedEnd))
            }
        }
    }

    /// A number, checked against JSON's grammar (its text is copied as it is).
    pub fn number(&mut self) -> Result<(), PayloadError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error(PayloadErrorKind::BadNumber)),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.some_digits()?;
        }
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    fn some_digits(&mut self) -> Result<(), PayloadError> {
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return Err(self.error(PayloadErrorKind::BadNumber));
        }
        self.digits();
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), PayloadError> {
        let end = self.pos + word.len();
        if self.src.get(self.pos..end) != Some(word) {
            return Err(self.error(PayloadErrorKind::UnexpectedByte));
        }
        self.pos = end;
        Ok(())
    }
}

/// The index of the first byte at or after `i` that a string's scan stops at ([`STOP`]), or the
/// end: eight bytes at a time while none of them is a quote, a backslash, a control character or
/// a byte >= 0x80 (those are looked at one by one, for U+0085, U+2028 and U+2029).
fn plain(src: &[u8], mut i: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // The bytes of `x` that are zero, as their high bits: the classic test, exact for the
    // lowest flagged byte (a borrow can only flag bytes above a zero one).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while let Some(chunk) = src.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let x = u64::from_le_bytes(bytes);
        let quote = zero(x ^ u64::from_le_bytes([b'"'; 8]));
        let backslash = zero(x ^ u64::from_le_bytes([b'\\'; 8]));
        // Bytes below 0x20: subtracting 0x20 borrows into their high bit (lowest one exact).
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let stop = quote | backslash | control | (x & HIGHS);
        if stop != 0 {
            // Little-endian: the lowest flagged byte is the first in the text.
            i += (stop.trailing_zeros() / 8) as usize;
            break;
        }
        i += 8;
    }
    while src.get(i).is_some_and(|b| !STOP[usize::from(*b)]) {
        i += 1;
    }
    i
}

/// Decode a checked string's text (between its quotes) into UTF-8; `false` when it has a lone
/// surrogate escape, which is no text.
pub(super) fn decode(raw: &[u8], out: &mut Vec<u8>) -> bool {
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let simple = match raw.get(i + 1) {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0C,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => 0,
            _ => return false,
        };
        if simple != 0 {
            out.push(simple);
            i += 2;
            continue;
        }
        let Some(unit) = hex4(raw, i + 2) else {
            return false;
        };
        i += 6;
        let code = match unit {
            0xD800..=0xDBFF => {
                let low = match (raw.get(i), raw.get(i + 1)) {
                    (Some(b'\\'), Some(b'u')) => hex4(raw, i + 2),
                    _ => None,
                };
                match low {
                    Some(low @ 0xDC00..=0xDFFF) => {
                        i += 6;
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    _ => return false,
                }
            }
            0xDC00..=0xDFFF => return false,
            unit => unit,
        };
        let Some(c) = char::from_u32(code) else {
            return false;
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    true
}

/// The four hex digits at `at`, as a number.
fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    digits.iter().try_fold(0u32, |n, d| {
        let digit = char::from(*d).to_digit(16)?;
        Some(n << 4 | digit)
    })
}
