//! How every JSON value of a log line is written besides the payload: serde_json's compact
//! output, with U+0085, U+2028 and U+2029 escaped as well (JSON allows them raw, but some line
//! readers take them for line breaks; the payload writer escapes the same three).

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

/// serde_json's compact formatter, escaping the three line separators it leaves raw.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineFormatter;

impl Formatter for LineFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaping_separators(writer, fragment.as_bytes())
    }

    fn write_raw_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Raw JSON (an application's id as sent): in valid JSON the separators can only be
        // inside strings, where their escapes mean the same.
        write_escaping_separators(writer, fragment.as_bytes())
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        char_escape: serde_json::ser::CharEscape,
    ) -> io::Result<()> {
        CompactFormatter.write_char_escape(writer, char_escape)
    }
}

/// Write `bytes` (UTF-8) with U+0085, U+2028 and U+2029 as `\u` escapes.
fn write_escaping_separators<W: ?Sized + io::Write>(
    writer: &mut W,
    bytes: &[u8],
) -> io::Result<()> {
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let escape: &[u8] = match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (0xC2, Some(0x85), _) => b"\\u0085",
            (0xE2, Some(0x80), Some(0xA8)) => b"\\u2028",
            (0xE2, Some(0x80), Some(0xA9)) => b"\\u2029",
            _ => {
                i += 1;
                continue;
            }
        };
        writer.write_all(&bytes[run..i])?;
        writer.write_all(escape)?;
        i += if bytes[i] == 0xC2 { 2 } else { 3 };
        run = i;
    }
    writer.write_all(&bytes[run..])
}

/// Append `value` to `out` as JSON, compact, separators escaped.
pub(crate) fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(
        out,
        LineFormatter,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_escaped_in_strings_and_raw_values() {
        let mut out = Vec::new();
        write(&mut out, "a\u{2028}b\u{2029}c\u{85}d\ne\u{e9}").expect("json");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            r#""a\u2028b\u2029c\u0085d\ne\u00e9""#.replace("\\u00e9", "\u{e9}")
        );
        let raw =
            serde_json::value::RawValue::from_string("\"x\u{2028}y\"".to_owned()).expect("json");
        let mut out = Vec::new();
        write(&mut out, &raw).expect("json");
        assert_eq!(out, br#""x\u2028y""#);
    }
}
