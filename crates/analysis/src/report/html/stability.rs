//! The stability section: PSI of the score and of each input against a reference, flagged.

use std::fmt::Write;

use super::fmt::{count, esc, pct, short_sha, stat, NONE};
use super::sections::{fig, fig_text};
use crate::report::StabilityReport;
use crate::stats::Stability;

/// The flag's name, as shown and as its CSS class.
fn flag_name(flag: Stability) -> &'static str {
    match flag {
        Stability::Stable => "stable",
        Stability::Watch => "watch",
        Stability::Shift => "shift",
    }
}

/// The PSI table with flags, and each row's groups (reference and actual shares) folded away
/// beneath it.
pub(super) fn section(report: &StabilityReport) -> String {
    let r = &report.reference;
    let mut s = format!(
        r#"<p class="sub">Against <span data-figure="stability-reference">{} {}</span> <code>{}</code>, {} decisions. PSI below 0.1 reads stable, below 0.25 worth watching, from 0.25 a shift.</p>"#,
        esc(&r.policy.name),
        esc(&r.policy.version),
        short_sha(&r.policy.sha256),
        count(r.decided),
    );
    let rows: Vec<_> = report.score.iter().chain(report.features.iter()).collect();
    if rows.is_empty() {
        s.push_str(r#"<p class="note">Nothing to compare.</p>"#);
        return s;
    }
    s.push_str(r#"<table class="psi"><tr><th class="text">distribution</th><th>PSI</th><th class="text">flag</th><th>groups</th></tr>"#);
    for row in &rows {
        let _ = write!(
            s,
            r#"<tr><td class="text"><code>{}</code></td>"#,
            esc(&row.name)
        );
        s.push_str(&fig(&format!("psi-{}", row.name), &stat(row.psi, 3)));
        let flag = match row.flag {
            Some(f) => format!(r#"<span class="flag {0}">{0}</span>"#, flag_name(f)),
            None => NONE.to_owned(),
        };
        s.push_str(&fig_text(&format!("psi-flag-{}", row.name), &flag));
        let _ = write!(s, "<td>{}</td></tr>", row.bins.len());
    }
    s.push_str("</table>");
    for row in rows.iter().filter(|r| !r.bins.is_empty()) {
        let _ = write!(
            s,
            r#"<details><summary>Groups of <code>{}</code></summary><table class="psi-bins"><tr><th class="text">group</th><th>reference</th><th>now</th></tr>"#,
            esc(&row.name)
        );
        for b in &row.bins {
            let _ = write!(
                s,
                r#"<tr><td class="text"><code>{}</code></td><td>{}</td><td>{}</td></tr>"#,
                esc(&b.label),
                pct(Some(b.reference)),
                pct(Some(b.actual)),
            );
        }
        s.push_str("</table></details>");
    }
    s
}
