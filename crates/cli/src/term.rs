//! Text bound for the terminal: every control character from an input is made visible.
//!
//! File names, policy and rule names, test names and provider messages all come from inputs, and
//! any of them can hold a carriage return, an ANSI escape sequence or a bidi override that would
//! rewrite what the user sees. Everything the CLI writes to stderr, and every human-readable line
//! it writes to stdout (`check`, `test`), goes through [`escape`]. JSON output keeps the same
//! characters out of its strings with `\uXXXX` escapes ([`crate::json`]), using the same
//! predicate, [`is_hostile`]. Escapes here use Rust's spelling (`\r`, `\n`, `\t`, `\u{1b}`), so
//! a line stays one line and reads the same in a log as on a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;

/// Whether `c` must not reach a terminal raw: C0 and C1 controls, DEL, the Unicode line and
/// paragraph separators, and the bidi marks, embeddings, overrides and isolates. All of them are
/// in the Basic Multilingual Plane.
pub fn is_hostile(c: char) -> bool {
    c.is_control() // C0, DEL, C1
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' // line / paragraph separator
                | '\u{202A}'..='\u{202E}' // embeddings and overrides
                | '\u{2066}'..='\u{2069}' // isolates
                | '\u{200E}' | '\u{200F}' | '\u{061C}' // LRM, RLM, ALM
        )
}

/// `text` with every control character escaped; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hostile(c) => {
                // Writing into a String cannot fail.
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Write `line`, escaped, plus a newline to stderr. A closed or failing stderr is ignored: there
/// is nowhere left to report it, and `eprintln!` would panic instead.
pub fn eprint_line(line: &str) {
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    let _ = writeln!(lock, "{}", escape(line));
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(escape("café: ok"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn controls_separators_and_bidi_are_escaped() {
        let hostile =
            "a\rb\nc\td\u{1b}[31me\u{7f}\u{85}\u{9b}f\u{2028}\u{2029}\u{202e}g\u{2066}\u{2069}";
        let escaped = escape(hostile);
        assert_eq!(
            escaped,
            "a\\rb\\nc\\td\\u{1b}[31me\\u{7f}\\u{85}\\u{9b}f\\u{2028}\\u{2029}\\u{202e}g\\u{2066}\\u{2069}"
        );
        assert!(!escaped.chars().any(char::is_control));
    }
}
