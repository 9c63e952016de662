//! Writing compact JSON straight into a `String`: the generator's output is a fixed shape, so
//! it is written, not built as a tree and serialized (a tree per line would cost more than the
//! drawing does).

use std::fmt::Write;

/// Append `s` as a JSON string literal, escaped by serde_json (the escaping every reader of
/// these lines shares).
pub(crate) fn string(out: &mut String, s: &str) {
    // Serializing a `&str` cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// Append `"key":` (keys are the generator's own ASCII names, never escaped).
pub(crate) fn key(out: &mut String, key: &str) {
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
}

/// Append `"key":"value"` with the value escaped.
pub(crate) fn field(out: &mut String, k: &str, value: &str) {
    key(out, k);
    string(out, value);
}

/// Append an unsigned number.
pub(crate) fn number(out: &mut String, n: u64) {
    let _ = write!(out, "{n}");
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_what_json_requires() {
        let mut out = String::new();
        super::string(&mut out, "a\"b\\c\nd\u{1}é");
        assert_eq!(out, r#""a\"b\\c\nd\u0001é""#);
    }
}
