//! User text made safe to quote in a message: control characters, line and paragraph
//! separators and bidi controls written as escapes (so a quoted value cannot move a terminal's
//! cursor, start a new log line or reorder what is shown), and long text cut.
//!
//! One place for it: the signals parser quotes provider codes and messages, and the policy
//! compiler (in `underwrite-core`) quotes expressions and names, both through these.

/// `text` with every control or invisible formatting character written as `\u{..}`
/// (`\n`, `\r`, `\t` as such).
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
                )
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to at most `max` chars, with `…` where it was cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or(text)),
    }
}
