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
//! The scan (`scan`) checks the grammar and copies lazily, so a compact payload costs a few
//! copies, and it follows nesting without recursion; this module walks the three levels where
//! the phone can be and decides what of them is written.

mod scan;

use crate::mask::{write_hashed, PhoneMasking};
use scan::{decode, Scanner, Str};
pub use scan::{PayloadError, PayloadErrorKind};

/// Append `payload` to `out`, compact, with the phone masked. On an error `out` is as it was.
pub(crate) fn write(
    out: &mut Vec<u8>,
    payload: &str,
    masking: &PhoneMasking,
) -> Result<(), PayloadError> {
    let mark = out.len();
    let result = write_payload(&mut Scanner::new(payload), out, masking);
    if result.is_err() {
        out.truncate(mark);
    }
    result
}

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

fn write_payload(
    scan: &mut Scanner<'_>,
    out: &mut Vec<u8>,
    masking: &PhoneMasking,
) -> Result<(), PayloadError> {
    scan.ws(out);
    let salt = match masking {
        PhoneMasking::Keep => None,
        PhoneMasking::Remove => Some(None),
        PhoneMasking::Hash { salt } => Some(Some(salt.as_slice())),
    };
    match salt {
        None => {
            scan.value(out)?;
            scan.flush(out);
        }
        Some(salt) if scan.peek() == Some(b'{') => masked(scan, out, Level::Top, salt)?,
        Some(_) => {
            // Not an object: nowhere a phone could be read from. Checked, not written.
            let mark = out.len();
            scan.value(out)?;
            scan.skip();
            out.truncate(mark);
            out.extend_from_slice(b"null");
        }
    }
    scan.ws(out);
    if !scan.at_end() {
        return Err(scan.error(PayloadErrorKind::TrailingBytes));
    }
    Ok(())
}

/// An object at a masked level (the scan at its `{`, everything before it written); `salt` is
/// `None` to remove the phone. Its entries are written one by one, so that any can be left out.
fn masked(
    scan: &mut Scanner<'_>,
    out: &mut Vec<u8>,
    level: Level,
    salt: Option<&[u8]>,
) -> Result<(), PayloadError> {
    scan.bump();
    scan.flush(out);
    scan.ws(out);
    if scan.peek() == Some(b'}') {
        scan.bump();
        scan.flush(out);
        return Ok(());
    }
    let mut first = true;
    loop {
        scan.ws(out);
        let entry = out.len();
        if !first {
            out.push(b',');
        }
        let key = scan.key(out)?;
        scan.flush(out);
        let kept = match action(scan, level, key, salt) {
            Action::Copy => {
                scan.value(out)?;
                scan.flush(out);
                true
            }
            Action::Descend(inner) => {
                masked(scan, out, inner, salt)?;
                true
            }
            Action::Drop => {
                scan.value(out)?;
                scan.skip();
                out.truncate(entry);
                false
            }
            Action::Hash => hash_phone(scan, out, entry, salt.unwrap_or_default())?,
        };
        first &= !kept;
        scan.ws(out);
        match scan.peek() {
            Some(b',') => {
                // Written before the next entry kept, if one is.
                scan.bump();
                scan.skip();
            }
            Some(b'}') => {
                scan.bump();
                scan.flush(out);
                return Ok(());
            }
            _ => return Err(scan.unexpected()),
        }
    }
}

/// What to do with the value of `key` at `level` (the scan is at the value).
fn action(scan: &Scanner<'_>, level: Level, key: Str, salt: Option<&[u8]>) -> Action {
    let inner = match level {
        Level::Top if key_is(scan, key, "requestMeta") => Level::Meta,
        Level::Top if key_is(scan, key, "data") => Level::Data,
        Level::Data if key_is(scan, key, "requestMeta") => Level::Meta,
        Level::Meta if key_is(scan, key, "phone") => {
            return if salt.is_some() {
                Action::Hash
            } else {
                Action::Drop
            };
        }
        Level::Top | Level::Data | Level::Meta => return Action::Copy,
    };
    if scan.peek() == Some(b'{') {
        Action::Descend(inner)
    } else {
        Action::Drop
    }
}

/// The phone's value, written as its keyed hash when it is a string or a number; else dropped
/// with its key (written from `entry` on). Whether the entry was kept.
fn hash_phone(
    scan: &mut Scanner<'_>,
    out: &mut Vec<u8>,
    entry: usize,
    salt: &[u8],
) -> Result<bool, PayloadError> {
    let start = scan.pos();
    let mark = out.len();
    let text = match scan.peek() {
        Some(b'"') => {
            let s = scan.string(out)?;
            let mut text = Vec::new();
            decode(scan.text(s.start, s.end), &mut text).then_some(text)
        }
        Some(b'-' | b'0'..=b'9') => {
            scan.number()?;
            Some(scan.text(start, scan.pos()).to_vec())
        }
        _ => {
            scan.value(out)?;
            None
        }
    };
    scan.skip();
    out.truncate(mark);
    match text {
        Some(text) => {
            write_hashed(out, salt, &text);
            Ok(true)
        }
        None => {
            out.truncate(entry);
            Ok(false)
        }
    }
}

/// Whether the key's text (escapes decoded) is `name`.
fn key_is(scan: &Scanner<'_>, key: Str, name: &str) -> bool {
    let raw = scan.text(key.start, key.end);
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

#[cfg(test)]
mod tests;
