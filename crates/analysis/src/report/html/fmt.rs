//! Text for the page: escaping and the number formats every section shares.

use std::fmt::Write;

/// The dash shown for a figure that does not exist (`None`, or not finite).
pub(super) const NONE: &str = "–";

/// `s` with the five characters that mean something in HTML text or a quoted attribute
/// replaced by their entities. Every text that comes from a report goes through it.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A share as a percentage with one decimal (`0.6123` → `61.2%`), or [`NONE`].
pub(super) fn pct(share: Option<f64>) -> String {
    match share.filter(|x| x.is_finite()) {
        Some(x) => format!("{}%", fixed(x * 100.0, 1)),
        None => NONE.to_owned(),
    }
}

/// A difference of shares in percentage points, signed (`0.012` → `+1.2 pp`), or [`NONE`].
pub(super) fn pp(delta: Option<f64>) -> String {
    match delta.filter(|x| x.is_finite()) {
        Some(x) => {
            let s = fixed(x * 100.0, 1);
            if s.starts_with('-') || s == "0.0" {
                format!("{s} pp")
            } else {
                format!("+{s} pp")
            }
        }
        None => NONE.to_owned(),
    }
}

/// A statistic with `places` decimals (KS, AUC, PSI), or [`NONE`].
pub(super) fn stat(x: Option<f64>, places: usize) -> String {
    match x.filter(|x| x.is_finite()) {
        Some(x) => fixed(x, places),
        None => NONE.to_owned(),
    }
}

/// `x` with `places` decimals, never `-0.0`.
fn fixed(x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_owned()
    } else {
        s
    }
}

/// A count with thousands separators (`12345` → `12,345`).
pub(super) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A signed integer (a score) with thousands separators.
pub(super) fn int(n: i64) -> String {
    if n < 0 {
        format!("-{}", count(n.unsigned_abs()))
    } else {
        count(n.unsigned_abs())
    }
}

/// An SVG coordinate: one decimal, and `0` for anything not finite, so no `NaN` or `inf`
/// ever reaches an attribute.
pub(super) fn coord(x: f64) -> String {
    if x.is_finite() {
        fixed(x, 1)
    } else {
        "0".to_owned()
    }
}

/// The first 12 hex digits of a hash, escaped.
pub(super) fn short_sha(sha: &str) -> String {
    esc(&sha.chars().take(12).collect::<String>())
}

/// `bad/labelled` as a small note next to a bad rate (`12/280`), or empty with nothing labelled.
pub(super) fn counts_note(bad: u64, labelled: u64) -> String {
    if labelled == 0 {
        String::new()
    } else {
        let mut s = String::new();
        let _ = write!(s, " <small>{}/{}</small>", count(bad), count(labelled));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rates_counts_and_missing_values() {
        assert_eq!(pct(Some(0.6123)), "61.2%");
        assert_eq!(pct(Some(1.0)), "100.0%");
        assert_eq!(pct(Some(-0.00001)), "0.0%");
        assert_eq!(pct(None), NONE);
        assert_eq!(pct(Some(f64::NAN)), NONE);
        assert_eq!(pp(Some(0.012)), "+1.2 pp");
        assert_eq!(pp(Some(-0.0251)), "-2.5 pp");
        assert_eq!(pp(Some(0.0)), "0.0 pp");
        assert_eq!(stat(Some(0.41234), 3), "0.412");
        assert_eq!(stat(Some(f64::INFINITY), 3), NONE);
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(int(-1234), "-1,234");
        assert_eq!(coord(f64::NAN), "0");
        assert_eq!(coord(-0.01), "0.0");
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(short_sha("0123456789abcdef"), "0123456789ab");
    }
}
