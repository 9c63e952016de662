//! The signals payload as a log line holds it: re-serialized compactly from one strict parse of
//! the text the client sent, with the phone masked in the same pass.
//!
//! Why a parse and not a copy: a payload copied as sent carries the client's whitespace, and a
//! pretty-printed payload (or one that hides `\n{...a complete record...}\n` inside an unknown
//! key) would span several lines, some of which a reader takes for records. Here every token is
//! read by a strict JSON grammar and written back without a byte of whitespace; a string's raw
//! control characters are refused (JSON forbids them) and U+0085, U+2028 and U+2029, which some
//! line readers take for line breaks, are written as `\u` escapes. So whatever the client sent,
//! the payload adds no line break to the line, and its JSON value is the client's.
//!
//! Exactness: numbers are copied as their text (never through `f64`), strings keep their
//! escapes as written (so a lone surrogate escape reaches the replay's parser exactly as it
//! reached the decision's), and duplicate keys are kept in order.
//!
//! Masking (not in [`PhoneMasking::Keep`] mode), where the provider puts the phone: the
//! `requestMeta` objects at the top level (the bare `data` shape) and under a top-level `data`
//! (the envelope), duplicates included. It fails closed: what the masker cannot read is not
//! written. A `requestMeta` that is not an object, a top-level `data` that is not an object, and
//! a payload that is not an object (written as `null`) are dropped whole; a `phone` that cannot
//! be hashed (not a string or a number, or a string with a lone surrogate escape) is dropped.
//! No payload the signals reader accepts has any of these shapes, and the signals reader never
//! reads `requestMeta`, so masking never changes a decision.
//!
//! The parse is iterative (a bit per level of nesting, no recursion), so nesting of any depth
//! costs no stack; the three masked levels are the only ones handled by their own code.

use std::fmt;

use crate::mask::{write_hashed, PhoneMasking};

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

/// Append `payload` to `out`, compact, with the phone masked. On an error `out` is as it was.
pub(crate) fn write(
    out: &mut Vec<u8>,
    payload: &str,
    masking: &PhoneMasking,
) -> Result<(), PayloadError> {
    let mark = out.len();
    let mut reader = Reader {
        src: payload.as_bytes(),
        pos: 0,
        nesting: Nesting::default(),
    };
    let result = reader.payload(out, masking);
    if result.is_err() {
        out.truncate(mark);
    }
    result
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

/// Where the masker is: each level says what its keys mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The payload's top level: `requestMeta` (bare shape) and `data` (envelope).
    Top,
    /// A top-level `data` object: `requestMeta`.
    Data,
    /// A `requestMeta` object: `phone`.
    Meta,
}

/// What becomes of one entry of a masked level.
enum Action {
    /// Written as it is.
    Copy,
    /// An object whose keys are masked at this level.
    Descend(Level),
    /// Read (to find its end) and not written, key included.
    Drop,
    /// The phone, written as its keyed hash.
    Hash,
}

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

/// A string read: its text between the quotes, and whether it has escapes.
#[derive(Debug, Clone, Copy)]
struct Str {
    start: usize,
    end: usize,
    escaped: bool,
}

struct Reader<'a> {
    src: &'a [u8],
    pos: usize,
    nesting: Nesting,
}

impl<'a> Reader<'a> {
    fn payload(&mut self, out: &mut Vec<u8>, masking: &PhoneMasking) -> Result<(), PayloadError> {
        self.ws();
        let salt = match masking {
            PhoneMasking::Keep => None,
            PhoneMasking::Remove => Some(None),
            PhoneMasking::Hash { salt } => Some(Some(salt.as_slice())),
        };
        match salt {
            None => self.value(out)?,
            Some(salt) if self.peek() == Some(b'{') => self.masked(out, Level::Top, salt)?,
            Some(_) => {
                // Not an object: nowhere a phone could be read from. Checked, not written.
                let mark = out.len();
                self.value(out)?;
                out.truncate(mark);
                out.extend_from_slice(b"null");
            }
        }
        self.ws();
        if self.pos < self.src.len() {
            return Err(self.error(PayloadErrorKind::TrailingBytes));
        }
        Ok(())
    }

    /// An object at a masked level (at its `{`); `salt` is `None` to remove the phone.
    fn masked(
        &mut self,
        out: &mut Vec<u8>,
        level: Level,
        salt: Option<&[u8]>,
    ) -> Result<(), PayloadError> {
        self.pos += 1;
        out.push(b'{');
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            out.push(b'}');
            return Ok(());
        }
        let mut first = true;
        loop {
            self.ws();
            let entry = out.len();
            if !first {
                out.push(b',');
            }
            let key = self.key(out)?;
            self.ws();
            let action = self.action(level, key, salt);
            let kept = match action {
                Action::Copy => {
                    self.value(out)?;
                    true
                }
                Action::Descend(inner) => {
                    self.masked(out, inner, salt)?;
                    true
                }
                Action::Drop => {
                    self.value(out)?;
                    out.truncate(entry);
                    false
                }
                Action::Hash => self.hash_phone(out, entry, salt.unwrap_or_default())?,
            };
            first &= !kept;
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    out.push(b'}');
                    return Ok(());
                }
                Some(_) => return Err(self.error(PayloadErrorKind::UnexpectedByte)),
                None => return Err(self.error(PayloadErrorKind::UnexpectedEnd)),
            }
        }
    }

    /// What to do with the value of `key` at `level` (the reader is at the value).
    fn action(&self, level: Level, key: Str, salt: Option<&[u8]>) -> Action {
        let object = self.peek() == Some(b'{');
        let inner = match level {
            Level::Top if self.key_is(key, "requestMeta") => Level::Meta,
            Level::Top if self.key_is(key, "data") => Level::Data,
            Level::Data if self.key_is(key, "requestMeta") => Level::Meta,
            Level::Meta if self.key_is(key, "phone") => {
                return if salt.is_some() {
                    Action::Hash
                } else {
                    Action::Drop
                };
            }
            Level::Top | Level::Data | Level::Meta => return Action::Copy,
        };
        if object {
            Action::Descend(inner)
        } else {
            Action::Drop
        }
    }

    /// The phone's value, written as its keyed hash when it is a string or a number; else
    /// dropped with its key (written from `entry` on). Whether the entry was kept.
    fn hash_phone(
        &mut self,
        out: &mut Vec<u8>,
        entry: usize,
        salt: &[u8],
    ) -> Result<bool, PayloadError> {
        let start = self.pos;
        let mark = out.len();
        match self.peek() {
            Some(b'"') => {
                let s = self.string(out)?;
                out.truncate(mark);
                let mut text = Vec::new();
                let raw = self.src.get(s.start..s.end).unwrap_or_default();
                if decode(raw, &mut text) {
                    write_hashed(out, salt, &text);
                    return Ok(true);
                }
            }
            Some(b'-' | b'0'..=b'9') => {
                self.number(out)?;
                out.truncate(mark);
                write_hashed(out, salt, self.src.get(start..self.pos).unwrap_or_default());
                return Ok(true);
            }
            _ => self.value(out)?,
        }
        out.truncate(entry);
        Ok(false)
    }

    /// Whether the key's text (escapes decoded) is `name`.
    fn key_is(&self, key: Str, name: &str) -> bool {
        let raw = self.src.get(key.start..key.end).unwrap_or_default();
        if !key.escaped {
            return raw == name.as_bytes();
        }
        // An escape is at most 6 bytes for one byte of `name`'s ASCII.
        if raw.len() > 6 * name.len() {
            return false;
        }
        let mut text = Vec::with_capacity(name.len());
        decode(raw, &mut text) && text == name.as_bytes()
    }

    /// Any value, copied compactly: containers are followed by the nesting stack, not by
    /// recursion.
    fn value(&mut self, out: &mut Vec<u8>) -> Result<(), PayloadError> {
        'value: loop {
            self.ws();
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    out.push(b'{');
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        out.push(b'}');
                    } else {
                        self.nesting.push(true);
                        self.key(out)?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    out.push(b'[');
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        out.push(b']');
                    } else {
                        self.nesting.push(false);
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    self.string(out)?;
                }
                Some(b'-' | b'0'..=b'9') => self.number(out)?,
                Some(b't') => self.literal(out, b"true")?,
                Some(b'f') => self.literal(out, b"false")?,
                Some(b'n') => self.literal(out, b"null")?,
                Some(_) => return Err(self.error(PayloadErrorKind::UnexpectedByte)),
                None => return Err(self.error(PayloadErrorKind::UnexpectedEnd)),
            }
            // A value is complete: close what it completes, or go on to the next element.
            loop {
                let Some(object) = self.nesting.top() else {
                    return Ok(());
                };
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        out.push(b',');
                        if object {
                            self.ws();
                            self.key(out)?;
                        }
                        continue 'value;
                    }
                    Some(b'}') if object => {
                        self.pos += 1;
                        out.push(b'}');
                        self.nesting.pop();
                    }
                    Some(b']') if !object => {
                        self.pos += 1;
                        out.push(b']');
                        self.nesting.pop();
                    }
                    Some(_) => return Err(self.error(PayloadErrorKind::UnexpectedByte)),
                    None => return Err(self.error(PayloadErrorKind::UnexpectedEnd)),
                }
            }
        }
    }

    /// An object's key and its colon, written; the reader is then at the value.
    fn key(&mut self, out: &mut Vec<u8>) -> Result<Str, PayloadError> {
        match self.peek() {
            Some(b'"') => {}
            Some(_) => return Err(self.error(PayloadErrorKind::UnexpectedByte)),
            None => return Err(self.error(PayloadErrorKind::UnexpectedEnd)),
        }
        let key = self.string(out)?;
        self.ws();
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                out.push(b':');
                self.ws();
                Ok(key)
            }
            Some(_) => Err(self.error(PayloadErrorKind::UnexpectedByte)),
            None => Err(self.error(PayloadErrorKind::UnexpectedEnd)),
        }
    }

    /// A string (the reader at its opening quote), copied with its escapes as written and
    /// U+0085, U+2028 and U+2029 escaped.
    fn string(&mut self, out: &mut Vec<u8>) -> Result<Str, PayloadError> {
        let src = self.src;
        let start = self.pos + 1;
        let mut run = self.pos;
        let mut i = start;
        let mut escaped = false;
        loop {
            while src.get(i).is_some_and(|b| !STOP[usize::from(*b)]) {
                i += 1;
            }
            let Some(&b) = src.get(i) else {
                self.pos = i;
                return Err(self.error(PayloadErrorKind::UnexpectedEnd));
            };
            match b {
                b'"' => {
                    out.extend_from_slice(src.get(run..=i).unwrap_or_default());
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
                        out.extend_from_slice(src.get(run..i).unwrap_or_default());
                        out.extend_from_slice(escape);
                        run = i + len;
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
            Some(b'u') => {
                let hex = self.src.get(i + 2..i + 6);
                if hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    Ok(i + 6)
                } else {
                    self.pos = i;
                    Err(self.error(PayloadErrorKind::BadEscape))
                }
            }
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

    /// A number, checked against JSON's grammar and copied as its text.
    fn number(&mut self, out: &mut Vec<u8>) -> Result<(), PayloadError> {
        let start = self.pos;
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
        out.extend_from_slice(self.src.get(start..self.pos).unwrap_or_default());
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

    fn literal(&mut self, out: &mut Vec<u8>, word: &[u8]) -> Result<(), PayloadError> {
        let end = self.pos + word.len();
        if self.src.get(self.pos..end) != Some(word) {
            return Err(self.error(PayloadErrorKind::UnexpectedByte));
        }
        self.pos = end;
        out.extend_from_slice(word);
        Ok(())
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn error(&self, kind: PayloadErrorKind) -> PayloadError {
        PayloadError {
            offset: self.pos,
            kind,
        }
    }
}

/// Decode a checked string's text (between its quotes) into UTF-8; `false` when it has a lone
/// surrogate escape, which is no text.
fn decode(raw: &[u8], out: &mut Vec<u8>) -> bool {
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

#[cfg(test)]
mod tests;
