//! The tables of one or more policies: input, headline figures, decision mix, strategy,
//! knock-outs, reasons and failures. Every figure a reader (or a test) looks up carries a
//! `data-figure` hook, named in `docs/report.md`.

use std::fmt::Write;

use super::fmt::{count, counts_note, esc, int, pct, stat, NONE};
use super::svg::cell_bar;
use super::Shown;
use crate::report::{AtOther, BadRate, FailureCount, InputSummary, ReasonRow};

/// A table cell holding `content` (markup) with the hook `figure` (escaped here).
pub(super) fn fig(figure: &str, content: &str) -> String {
    format!(r#"<td data-figure="{}">{}</td>"#, esc(figure), content)
}

/// [`fig`], left-aligned as text.
pub(super) fn fig_text(figure: &str, content: &str) -> String {
    format!(
        r#"<td class="text" data-figure="{}">{}</td>"#,
        esc(figure),
        content
    )
}

/// A bad rate and its counts, as cell content.
pub(super) fn bad_rate(b: &BadRate) -> String {
    format!("{}{}", pct(b.rate), counts_note(b.bad, b.labelled))
}

/// A bad rate alone, its counts in a tooltip, for tables too wide for the counts.
fn bad_rate_brief(b: &BadRate) -> String {
    format!(
        r#"<span title="{} bad of {} labelled">{}</span>"#,
        b.bad,
        b.labelled,
        pct(b.rate)
    )
}

/// The header row of a table with one column per policy.
fn policy_header(first: &str, policies: &[Shown]) -> String {
    let mut s = format!("<tr><th>{}</th>", esc(first));
    for p in policies {
        let _ = write!(
            s,
            r#"<th><span class="swatch {}"></span>{}</th>"#,
            p.side.class(),
            esc(&p.title())
        );
    }
    s.push_str("</tr>");
    s
}

/// What was read.
pub(super) fn input(input: &InputSummary) -> String {
    let failed: u64 = input.failures.iter().map(|f| f.count).sum();
    let mut s = String::from(
        r#"<table class="input"><tr><th>lines</th><th>read</th><th>labelled</th><th>labelled bad</th><th>failed before any policy</th></tr><tr>"#,
    );
    s.push_str(&fig("input-lines", &count(input.lines)));
    s.push_str(&fig("input-read", &count(input.read)));
    s.push_str(&fig("input-labelled", &count(input.labelled)));
    s.push_str(&fig("input-bad", &count(input.bad)));
    s.push_str(&fig("input-failed", &count(failed)));
    s.push_str("</tr></table>");
    s
}

/// The headline figures side by side: decided, approval rate, bad rate of the approved,
/// cut-offs and the score's power.
pub(super) fn headline(policies: &[Shown]) -> String {
    type Row<'r> = (&'r str, &'r str, fn(&Shown) -> String);
    let rows: [Row; 10] = [
        ("Decided", "decided", |p| count(p.report.decided)),
        ("Approval rate", "approval-rate", |p| {
            pct(p.report.approval_rate)
        }),
        ("Bad rate of the approved", "bad-rate-approved", |p| {
            bad_rate(&p.report.bad_rate_approved)
        }),
        ("Approve cut-off", "cutoff-approve", |p| {
            p.report.cutoffs.map_or(NONE.to_owned(), |c| int(c.approve))
        }),
        ("Review cut-off", "cutoff-review", |p| {
            p.report.cutoffs.map_or(NONE.to_owned(), |c| int(c.review))
        }),
        ("Scored", "scored", |p| {
            p.report
                .score
                .as_ref()
                .map_or(NONE.to_owned(), |s| count(s.scored))
        }),
        ("Mean score (min–max)", "score-mean", |p| {
            p.report.score.as_ref().map_or(NONE.to_owned(), |s| {
                format!(
                    "{} <small>{}–{}</small>",
                    stat(Some(s.mean), 1),
                    int(s.min),
                    int(s.max)
                )
            })
        }),
        ("KS", "ks", |p| {
            stat(p.report.score.as_ref().and_then(|s| s.ks), 3)
        }),
        ("AUC", "auc", |p| {
            stat(p.report.score.as_ref().and_then(|s| s.auc), 3)
        }),
        ("Gini", "gini", |p| {
            stat(p.report.score.as_ref().and_then(|s| s.gini), 3)
        }),
    ];
    let mut s = String::from(r#"<table class="headline">"#);
    s.push_str(&policy_header("", policies));
    for (label, key, value) in rows {
        let _ = write!(s, "<tr><td>{}</td>", esc(label));
        for p in policies {
            s.push_str(&fig(&format!("{key}-{}", p.side.key()), &value(p)));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");
    s
}

/// The decision mix with counts, shares of the decided and bad rates, one block per policy.
pub(super) fn decisions(policies: &[Shown]) -> String {
    let mut s = String::from(
        r#"<table class="decisions"><tr><th>policy</th><th class="text">decision</th><th>count</th><th>share of decided</th><th>bad rate</th></tr>"#,
    );
    for p in policies {
        let mix = &p.report.decisions;
        let parts = [
            ("approve", mix.approve),
            ("review", mix.review),
            ("reject", mix.reject),
        ];
        for (i, (name, share)) in parts.iter().enumerate() {
            let side = p.side.key();
            let first = if i == 0 {
                format!(
                    r#"<td rowspan="3" class="text"><span class="swatch {}"></span>{}</td>"#,
                    p.side.class(),
                    esc(&p.short())
                )
            } else {
                String::new()
            };
            let _ = write!(s, r#"<tr>{first}<td class="text">{name}</td>"#);
            s.push_str(&fig(
                &format!("decision-{name}-count-{side}"),
                &count(share.count),
            ));
            s.push_str(&fig(
                &format!("decision-{name}-share-{side}"),
                &pct(share.share),
            ));
            s.push_str(&fig(
                &format!("decision-{name}-bad-rate-{side}"),
                &bad_rate(&p.report.bad_rate_by_decision[i]),
            ));
            s.push_str("</tr>");
        }
    }
    s.push_str("</table>");
    s
}

/// One policy's strategy table: per score band from the top, the approval rate and bad rate
/// if the approve cut-off sat at the band's lowest score.
pub(super) fn strategy(p: &Shown) -> String {
    if p.report.strategy.is_empty() {
        return String::new();
    }
    let side = p.side.key();
    let mut s = format!(
        r#"<details open><summary>Strategy table: {} ({} bands)</summary><table class="strategy" data-figure="strategy-{side}"><tr><th>cut-off ≥</th><th>in band</th><th>band bad rate</th><th>odds</th><th>at or above</th><th>approval rate</th><th>bad rate at or above</th></tr>"#,
        esc(&p.title()),
        p.report.strategy.len(),
    );
    for r in &p.report.strategy {
        let mark = if r.policy_cutoff {
            r#" class="current""#
        } else {
            ""
        };
        let _ = write!(
            s,
            "<tr{mark}><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            int(r.from),
            if r.policy_cutoff { " <small>(policy)</small>" } else { "" },
            count(r.count),
            bad_rate_brief(&r.bad_rate),
            r.odds.filter(|o| o.is_finite()).map_or(NONE.to_owned(), |o| format!("{o:.1}:1")),
            count(r.cumulative_count),
            pct(r.approval_rate),
            bad_rate_brief(&r.cumulative_bad_rate),
        );
    }
    s.push_str("</table></details>");
    s
}

/// Where each policy operates on its strategy curve: its approval rate and bad rate as it
/// stands, and, in a comparison, at the other's approval rate.
pub(super) fn operating(policies: &[Shown], at_other: Option<&AtOther>) -> String {
    let mut s = String::from(
        r#"<table class="operating"><tr><th class="text">policy</th><th>approve cut-off</th><th>approval rate</th><th>bad rate of the approved</th></tr>"#,
    );
    for p in policies {
        let _ = write!(
            s,
            r#"<tr><td class="text"><span class="swatch {}"></span>{} as it stands</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            p.side.class(),
            esc(&p.short()),
            p.report.cutoffs.map_or(NONE.to_owned(), |c| int(c.approve)),
            pct(p.report.approval_rate),
            bad_rate(&p.report.bad_rate_approved),
        );
        if let Some(c) = at_other.and_then(|a| p.side.at_other(a)) {
            let key = p.side.key();
            let _ = write!(
                s,
                r#"<tr><td class="text"><span class="swatch hollow-swatch {}"></span>{} at the other's approval rate</td>"#,
                p.side.class(),
                esc(&p.short())
            );
            s.push_str(&fig(&format!("at-other-cutoff-{key}"), &int(c.cutoff)));
            s.push_str(&fig(
                &format!("at-other-approval-rate-{key}"),
                &pct(Some(c.approval_rate)),
            ));
            s.push_str(&fig(
                &format!("at-other-bad-rate-{key}"),
                &bad_rate(&c.bad_rate),
            ));
            s.push_str("</tr>");
        }
    }
    s.push_str("</table>");
    s
}

/// One policy's knock-outs: how often each fired, the rejections it alone caused and the bad
/// rate where it fired.
pub(super) fn knockouts(p: &Shown) -> String {
    let side = p.side.key();
    let mut s = format!(
        r#"<h3><span class="swatch {}"></span>{}</h3>"#,
        p.side.class(),
        esc(&p.title())
    );
    if p.report.knockouts.is_empty() {
        s.push_str(r#"<p class="note">No knock-out rules.</p>"#);
        return s;
    }
    s.push_str(r#"<table class="knockouts"><tr><th class="text">rule</th><th class="text">outcome</th><th class="text">code</th><th>fired</th><th>share</th><th></th><th>alone</th><th>bad rate</th></tr>"#);
    for k in &p.report.knockouts {
        let _ = write!(
            s,
            r#"<tr><td class="text"><code>{}</code></td><td class="text">{}</td><td class="text"><code>{}</code></td>"#,
            esc(&k.id),
            esc(k.outcome.as_str()),
            esc(&k.code),
        );
        s.push_str(&fig(
            &format!("knockout-fired-{side}-{}", k.id),
            &count(k.fired.count),
        ));
        let _ = write!(
            s,
            r#"<td>{}</td><td class="bar">{}</td>"#,
            pct(k.fired.share),
            cell_bar(k.fired.share, "fill")
        );
        s.push_str(&fig(
            &format!("knockout-alone-{side}-{}", k.id),
            &count(k.alone),
        ));
        let _ = write!(s, "<td>{}</td></tr>", bad_rate(&k.bad_rate));
    }
    s.push_str("</table>");
    s
}

/// Reason-code incidence as a table with bars; `figure` prefixes each count's hook.
pub(super) fn reasons(rows: &[ReasonRow], figure: &str, empty: &str) -> String {
    if rows.is_empty() {
        return format!(r#"<p class="note">{}</p>"#, esc(empty));
    }
    let mut s = String::from(
        r#"<table class="reasons"><tr><th class="text">code</th><th>given</th><th>share</th><th></th></tr>"#,
    );
    for r in rows {
        let _ = write!(
            s,
            r#"<tr><td class="text"><code>{}</code></td>"#,
            esc(&r.code)
        );
        s.push_str(&fig(&format!("{figure}-{}", r.code), &count(r.given.count)));
        let _ = write!(
            s,
            r#"<td>{}</td><td class="bar">{}</td></tr>"#,
            pct(r.given.share),
            cell_bar(r.given.share, "fill")
        );
    }
    s.push_str("</table>");
    s
}

/// One policy's reasons, under its name.
pub(super) fn policy_reasons(p: &Shown) -> String {
    format!(
        r#"<div><h3><span class="swatch {}"></span>{}</h3>{}</div>"#,
        p.side.class(),
        esc(&p.title()),
        reasons(
            &p.report.reasons,
            &format!("reason-{}", p.side.key()),
            "No reason codes given."
        ),
    )
}

/// Failures by kind, with the first line and message of each; `suffix` ends each hook.
fn failure_table(failures: &[FailureCount], suffix: &str) -> String {
    let mut s = String::from(
        r#"<table class="failures"><tr><th class="text">kind</th><th>lines</th><th>first line</th><th class="text">first message</th></tr>"#,
    );
    for f in failures {
        let kind = f.kind.as_str();
        let _ = write!(s, r#"<tr><td class="text"><code>{kind}</code></td>"#);
        s.push_str(&fig(&format!("failure-{kind}{suffix}"), &count(f.count)));
        let _ = write!(
            s,
            r#"<td>{}</td><td class="text msg">{}</td></tr>"#,
            count(f.first_line),
            esc(&f.first_message)
        );
    }
    s.push_str("</table>");
    s
}

/// Lines that failed: before any policy, and per policy.
pub(super) fn failures(input: &InputSummary, policies: &[Shown]) -> String {
    let mut s = String::new();
    s.push_str("<h3>Before any policy</h3>");
    if input.failures.is_empty() {
        s.push_str(r#"<p class="note">None: every line was read.</p>"#);
    } else {
        s.push_str(&failure_table(&input.failures, ""));
    }
    for p in policies {
        let _ = write!(
            s,
            r#"<h3><span class="swatch {}"></span>Failed by {}</h3>"#,
            p.side.class(),
            esc(&p.title())
        );
        if p.report.failures.is_empty() {
            s.push_str(r#"<p class="note">None.</p>"#);
        } else {
            s.push_str(&failure_table(
                &p.report.failures,
                &format!("-{}", p.side.key()),
            ));
        }
    }
    s
}
