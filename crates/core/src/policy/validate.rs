//! Pass 6, structure: everything about a policy that is not an expression: metadata, rule ids,
//! outcomes, reasons, scorecard bins and cut-offs, fallbacks and tests.

use std::collections::HashSet;

use super::decision::Outcome;
use super::diagnostics::{At, Diagnostics};
use super::error::DiagnosticKind;
use super::positions::Path;
use super::spec::{PolicySpec, ReasonSpec, ScorecardSpec};

/// Most rules, bins, derived features and tests together.
pub const MAX_ITEMS: usize = 2_000;

/// Whether the policy has more items than [`MAX_ITEMS`] (reported; nothing else is checked then).
pub(crate) fn too_many_items(spec: &PolicySpec, diags: &mut Diagnostics<'_>) -> bool {
    let count = spec.knockouts.len()
        + spec.features.derived.len()
        + spec.tests.len()
        + spec.scorecard.as_ref().map_or(0, |s| {
            s.characteristics.iter().map(|c| c.bins.len() + 1).sum()
        });
    if count > MAX_ITEMS {
        diags.report(
            DiagnosticKind::Structure,
            At::File,
            None,
            format!("policy has {count} rules, bins and tests; the limit is {MAX_ITEMS}"),
        );
    }
    count > MAX_ITEMS
}

/// Check everything structural.
pub(crate) fn structure(spec: &PolicySpec, diags: &mut Diagnostics<'_>) {
    let root = Path::root();
    if spec.name.trim().is_empty() {
        diags.report(
            DiagnosticKind::Structure,
            At::Node(&root.key("name")),
            None,
            "the policy needs a name",
        );
    }
    if spec.version.trim().is_empty() {
        diags.report(
            DiagnosticKind::Structure,
            At::Node(&root.key("version")),
            None,
            "the policy needs a version",
        );
    }
    let mut ids = HashSet::new();
    for (i, k) in spec.knockouts.iter().enumerate() {
        let at = root.key("knockouts").index(i);
        if !ids.insert(k.id.as_str()) {
            diags.report(
                DiagnosticKind::Structure,
                At::Node(&at.key("id")),
                Some(&k.id),
                "rule id used twice",
            );
        }
        if k.outcome == Outcome::Approve {
            diags.report(
                DiagnosticKind::Structure,
                At::Node(&at.key("outcome")),
                Some(&k.id),
                "a knock-out's outcome must be `reject` or `review`",
            );
        }
        reason(&k.reason, &at.key("reason"), &k.id, diags);
    }
    if let Some(sc) = &spec.scorecard {
        scorecard(sc, &root.key("scorecard"), diags);
    }
    if spec
        .signals_unavailable
        .as_ref()
        .is_some_and(|f| f.outcome == Outcome::Approve)
    {
        diags.report(
            DiagnosticKind::Structure,
            At::Node(&root.key("signals_unavailable").key("outcome")),
            Some("signals_unavailable"),
            "unavailable signals must never approve; use `review` or `reject`",
        );
    }
    if let Some(f) = &spec.signals_unavailable {
        reason(
            &f.reason,
            &root.key("signals_unavailable").key("reason"),
            "signals_unavailable",
            diags,
        );
    }
    if let Some(f) = &spec.no_data {
        reason(
            &f.reason,
            &root.key("no_data").key("reason"),
            "no_data",
            diags,
        );
    }
    for (i, t) in spec.tests.iter().enumerate() {
        if t.name.trim().is_empty() {
            diags.report(
                DiagnosticKind::Structure,
                At::Node(&root.key("tests").index(i).key("name")),
                None,
                "a test needs a name",
            );
        }
    }
}

fn reason(r: &ReasonSpec, at: &Path, rule: &str, diags: &mut Diagnostics<'_>) {
    if r.code.trim().is_empty() || r.text.trim().is_empty() {
        diags.report(
            DiagnosticKind::Structure,
            At::Node(at),
            Some(rule),
            "a reason needs a code and a text",
        );
    }
}

fn scorecard(sc: &ScorecardSpec, at: &Path, diags: &mut Diagnostics<'_>) {
    if sc.cutoffs.approve < sc.cutoffs.review {
        diags.report(
            DiagnosticKind::Structure,
            At::Node(&at.key("cutoffs")),
            Some("cutoffs"),
            "the approve cut-off must not be below the review cut-off",
        );
    }
    if let Some(n) = sc.max_reasons {
        if !(1..=4).contains(&n) {
            diags.report(
                DiagnosticKind::Structure,
                At::Node(&at.key("max_reasons")),
                Some("max_reasons"),
                "max_reasons must be 1 to 4",
            );
        }
    }
    if sc.characteristics.is_empty() {
        diags.report(
            DiagnosticKind::Structure,
            At::Node(at),
            Some("scorecard"),
            "a scorecard needs characteristics",
        );
    }
    let mut ids = HashSet::new();
    for (ci, c) in sc.characteristics.iter().enumerate() {
        let c_at = at.key("characteristics").index(ci);
        if !ids.insert(c.id.as_str()) {
            diags.report(
                DiagnosticKind::Structure,
                At::Node(&c_at.key("id")),
                Some(&c.id),
                "characteristic id used twice",
            );
        }
        if let Some(r) = &c.reason {
            reason(r, &c_at.key("reason"), &c.id, diags);
        }
        let Some(last) = c.bins.len().checked_sub(1) else {
            diags.report(
                DiagnosticKind::Structure,
                At::Node(&c_at.key("bins")),
                Some(&c.id),
                "a characteristic needs bins",
            );
            continue;
        };
        let best = c.bins.iter().map(|b| b.points).max().unwrap_or(0);
        for (bi, b) in c.bins.iter().enumerate() {
            let id = format!("{}#{}", c.id, bi + 1);
            let b_at = c_at.key("bins").index(bi);
            match (&b.when, bi == last) {
                (None, false) => diags.report(
                    DiagnosticKind::Structure,
                    At::Node(&b_at),
                    Some(&id),
                    "only the last bin may leave out `when` (it matches everything)",
                ),
                (Some(_), true) => diags.report(
                    DiagnosticKind::Structure,
                    At::Node(&b_at),
                    Some(&id),
                    "the last bin must leave out `when`, so that every applicant matches a bin \
                     (add `- { points: N }` at the end)",
                ),
                _ => {}
            }
            if b.points < best && b.reason.is_none() && c.reason.is_none() {
                diags.report(
                    DiagnosticKind::Structure,
                    At::Node(&b_at),
                    Some(&id),
                    "a bin below the best needs a reason (on the bin or the characteristic)",
                );
            }
            if let Some(r) = &b.reason {
                reason(r, &b_at.key("reason"), &id, diags);
            }
        }
    }
}
