//! The comparison's own sections: the swap matrix as a heat map, the swap sets, each policy at
//! the other's approval rate, and the arms of a split.

use std::fmt::Write;

use super::fmt::{count, esc, pct, pp};
use super::sections::{bad_rate, fig};
use super::Side;
use crate::report::{ArmReport, SplitReport, SwapReport};

/// Outcomes in matrix order.
const OUTCOMES: [&str; 3] = ["approve", "review", "reject"];

/// The 3×3 matrix, champion's outcome by row and challenger's by column; each cell shaded by
/// its share of the lines both decided, holding its count and share. Swap-ins (challenger
/// approves, champion did not) and swap-outs (the reverse) are labelled.
pub(super) fn matrix(swap: &SwapReport) -> String {
    let total = swap.both_decided;
    let top = swap.matrix.iter().flatten().copied().max().unwrap_or(0);
    let mut s = String::from(
        r#"<table class="heat" data-figure="swap-matrix"><tr><th class="corner">champion ↓ · challenger →</th>"#,
    );
    for o in OUTCOMES {
        let _ = write!(s, "<th>{o}</th>");
    }
    s.push_str("</tr>");
    for (i, row) in swap.matrix.iter().enumerate() {
        let _ = write!(s, r#"<tr><th class="text">{}</th>"#, OUTCOMES[i]);
        for (j, n) in row.iter().enumerate() {
            let share = (total > 0).then(|| *n as f64 / total as f64);
            // Shade by the cell's size against the largest cell, so small swaps still show.
            let depth = if top == 0 {
                0.0
            } else {
                *n as f64 / top as f64
            };
            let alpha = (0.06 + 0.6 * depth).clamp(0.0, 1.0);
            let (class, tag) = match (i, j) {
                (1 | 2, 0) => (" class=\"in\"", r#"<span class="tag">swap-in</span>"#),
                (0, 1 | 2) => (" class=\"out\"", r#"<span class="tag">swap-out</span>"#),
                _ => ("", ""),
            };
            let figure = format!("swap-{}-{}", OUTCOMES[i], OUTCOMES[j]);
            let _ = write!(
                s,
                r#"<td{class} style="background: rgba(31, 95, 168, {alpha:.2})">{tag}<span class="n" data-figure="{figure}">{}</span><span data-figure="{figure}-share">{}</span></td>"#,
                count(*n),
                pct(share),
            );
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");
    let _ = write!(
        s,
        r#"<p class="sub">Both decided: <span data-figure="swap-both-decided">{}</span> lines.</p>"#,
        count(total)
    );
    s
}

/// The swap sets, the deltas and the lines one side failed.
pub(super) fn summary(swap: &SwapReport) -> String {
    let mut s = String::from(
        r#"<table class="swaps"><tr><th class="text">set</th><th>lines</th><th>share of both decided</th><th>bad rate</th></tr>"#,
    );
    for (name, key, set) in [
        (
            "Swap-in (challenger approves only)",
            "swap-in",
            &swap.swap_in,
        ),
        (
            "Swap-out (champion approves only)",
            "swap-out",
            &swap.swap_out,
        ),
    ] {
        let _ = write!(s, r#"<tr><td class="text">{name}</td>"#);
        s.push_str(&fig(&format!("{key}-count"), &count(set.size.count)));
        s.push_str(&fig(&format!("{key}-share"), &pct(set.size.share)));
        s.push_str(&fig(&format!("{key}-bad-rate"), &bad_rate(&set.bad_rate)));
        s.push_str("</tr>");
    }
    s.push_str("</table>");
    s.push_str(r#"<table class="deltas"><tr><th class="text">challenger − champion, over lines both decided</th><th></th></tr><tr><td class="text">approval rate</td>"#);
    s.push_str(&fig("approval-rate-delta", &pp(swap.approval_rate_delta)));
    s.push_str(r#"</tr><tr><td class="text">bad rate of the approved</td>"#);
    s.push_str(&fig("bad-rate-delta", &pp(swap.bad_rate_delta)));
    s.push_str("</tr></table>");
    s.push_str(r#"<table class="failed"><tr><th class="text">read lines failed by</th><th>lines</th></tr><tr><td class="text">the champion only</td>"#);
    s.push_str(&fig(
        "failed-champion-only",
        &count(swap.failed.champion_only),
    ));
    s.push_str(r#"</tr><tr><td class="text">the challenger only</td>"#);
    s.push_str(&fig(
        "failed-challenger-only",
        &count(swap.failed.challenger_only),
    ));
    s.push_str(r#"</tr><tr><td class="text">both</td>"#);
    s.push_str(&fig("failed-both", &count(swap.failed.both)));
    s.push_str("</tr></table>");
    s
}

/// The arms of a split: each policy over the lines routed to it.
pub(super) fn split(split: &SplitReport) -> String {
    let mut s = format!(
        r#"<p class="sub">Routed by a stable hash of each id with salt <code data-figure="split-salt">{}</code>: <span data-figure="split-champion-percent">{}</span>% to the champion; <span data-figure="split-unroutable">{}</span> lines without an id could not be routed.</p>"#,
        esc(&split.salt),
        split.champion_percent,
        count(split.unroutable),
    );
    s.push_str(r#"<table class="arms"><tr><th class="text">arm</th><th>decided</th><th>share of routed</th><th>approve</th><th>review</th><th>reject</th><th>approval rate</th><th>bad rate of the approved</th></tr>"#);
    let arms: [(Side, &ArmReport); 2] = [
        (Side::Champion, &split.champion),
        (Side::Challenger, &split.challenger),
    ];
    for (side, arm) in arms {
        let key = side.key();
        let _ = write!(
            s,
            r#"<tr><td class="text"><span class="swatch {}"></span>{key}</td>"#,
            side.class()
        );
        s.push_str(&fig(&format!("arm-size-{key}"), &count(arm.size.count)));
        s.push_str(&fig(&format!("arm-share-{key}"), &pct(arm.size.share)));
        let mix = &arm.decisions;
        for (name, share) in [
            ("approve", mix.approve),
            ("review", mix.review),
            ("reject", mix.reject),
        ] {
            s.push_str(&fig(
                &format!("arm-{name}-{key}"),
                &format!("{} <small>{}</small>", count(share.count), pct(share.share)),
            ));
        }
        s.push_str(&fig(
            &format!("arm-approval-rate-{key}"),
            &pct(arm.approval_rate),
        ));
        s.push_str(&fig(
            &format!("arm-bad-rate-approved-{key}"),
            &bad_rate(&arm.bad_rate_approved),
        ));
        s.push_str("</tr>");
    }
    s.push_str("</table>");
    s
}
