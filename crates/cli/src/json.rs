//! JSON bound for stdout, with nothing hostile left raw inside its strings.
//!
//! `serde_json` escapes only `"`, `\` and the characters below U+0020, so an id, a signal name or
//! an error message holding a bidi override, a C1 control (U+009B starts an ANSI sequence on some
//! terminals) or U+2028 would reach the terminal raw inside a JSON string. Every JSON document the
//! CLI prints is written with [`Escaping`], which writes each character [`term::is_hostile`]
//! rejects as a `\uXXXX` escape: still valid JSON, parsing back to the same string.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

use crate::term;

/// `value` as one line of JSON (no newline), appended to `out`.
pub fn to_writer_compact<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Escaping(CompactFormatter));
    value.serialize(&mut ser)
}

/// `value` as indented JSON (no final newline).
pub fn to_vec_pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    let mut ser =
        serde_json::Serializer::with_formatter(&mut out, Escaping(PrettyFormatter::new()));
    value.serialize(&mut ser)?;
    Ok(out)
}

/// A compact or pretty formatter that also escapes hostile characters in strings and in raw
/// JSON fragments (a batch `id` is echoed as written). Only this module builds one, around the
/// two `serde_json` formatters, whose only overrides are the layout methods delegated below.
struct Escaping<F>(F);

/// Write `text`, with every hostile character at or above U+0020 as `\uXXXX`.
///
/// Characters below U+0020 are left alone: in a string fragment `serde_json` has escaped them
/// already, and in a raw fragment of valid JSON they can only be whitespace between tokens, where
/// an escape would be invalid. Everything else hostile can only sit inside a string, where the
/// escape is valid. Every hostile character is in the Basic Multilingual Plane, so one `\uXXXX`
/// spells it.
fn write_escaped<W: ?Sized + Write>(writer: &mut W, text: &str) -> io::Result<()> {
    let mut rest = text;
    while let Some((at, c)) = rest
        .char_indices()
        .find(|&(_, c)| c >= ' ' && term::is_hostile(c))
    {
        writer.write_all(&rest.as_bytes()[..at])?;
        write!(writer, "\\u{:04x}", u32::from(c))?;
        rest = &rest[at + c.len_utf8()..];
    }
    writer.write_all(rest.as_bytes())
}

impl<F: Formatter> Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(writer, fragment)
    }

    fn write_raw_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(writer, fragment)
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_key(writer)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::{to_vec_pretty, to_writer_compact};
    use serde_json::value::RawValue;

    const HOSTILE: &str = concat!(
        "a\u{202e}b\u{2028}c\u{2029}\u{9b}31m\u{7f}\u{85}",
        "\u{200e}\u{200f}\u{61c}\u{2066}\u{2069}\u{1b}\r\n\"\\é"
    );

    #[test]
    fn hostile_characters_are_escaped_and_parse_back() {
        let value = serde_json::json!({ HOSTILE: [HOSTILE, 1] });
        let mut compact = Vec::new();
        to_writer_compact(&mut compact, &value).unwrap();
        let pretty = to_vec_pretty(&value).unwrap();
        for bytes in [compact, pretty] {
            let text = String::from_utf8(bytes).unwrap();
            assert!(
                !text
                    .chars()
                    .any(|c| c != '\n' && crate::term::is_hostile(c)),
                "{text:?}"
            );
            assert!(
                text.contains("a\\u202eb\\u2028c\\u2029\\u009b31m\\u007f\\u0085"),
                "{text}"
            );
            assert!(text.contains('é'), "plain text stays as it is: {text}");
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, value);
        }
    }

    #[test]
    fn raw_fragments_are_escaped_inside_strings_only() {
        let raw_text = "{ \"k\":\t[\"\u{202e}x\u{9b}\"] }";
        let raw: Box<RawValue> = serde_json::from_str(raw_text).unwrap();
        let mut out = Vec::new();
        to_writer_compact(&mut out, &raw).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "{ \"k\":\t[\"\\u202ex\\u009b\"] }");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, serde_json::json!({"k": ["\u{202e}x\u{9b}"]}));
    }
}
