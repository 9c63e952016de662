//! The tables of each report, built from its types.

use super::{Cell, Table};
use crate::report::{
    BacktestReport, BadRate, CompareReport, DecisionMix, FailureCount, InputSummary, PolicyReport,
    StabilityReport,
};

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn policy_title(p: &PolicyReport) -> String {
    let sha: String = p.policy.sha256.chars().take(12).collect();
    format!("{} {} ({sha})", p.policy.name, p.policy.version)
}

fn input_table(input: &InputSummary) -> Table {
    let mut t = Table::new("input", "Input", &["measure", "value"]);
    t.rows.push(vec![text("lines"), Cell::Count(input.lines)]);
    t.rows.push(vec![text("read"), Cell::Count(input.read)]);
    t.rows
        .push(vec![text("labelled"), Cell::Count(input.labelled)]);
    t.rows
        .push(vec![text("labelled bad"), Cell::Count(input.bad)]);
    t.rows.push(vec![
        text("bad rate (labelled)"),
        Cell::Rate(crate::stats::ratio(input.bad, input.labelled)),
    ]);
    t
}

fn failures_table(name: &str, title: &str, failures: &[FailureCount]) -> Table {
    let mut t = Table::new(
        name,
        title,
        &["kind", "lines", "first line", "first message"],
    );
    for f in failures {
        t.rows.push(vec![
            text(f.kind.as_str()),
            Cell::Count(f.count),
            Cell::Count(f.first_line),
            text(f.first_message.clone()),
        ]);
    }
    t
}

fn mix_rows(t: &mut Table, who: &str, mix: &DecisionMix, rates: &[BadRate; 3]) {
    for (outcome, share, rate) in [
        ("approve", mix.approve, rates[0]),
        ("review", mix.review, rates[1]),
        ("reject", mix.reject, rates[2]),
    ] {
        let mut row = Vec::new();
        if !who.is_empty() {
            row.push(text(who));
        }
        row.extend([
            text(outcome),
            Cell::Count(share.count),
            Cell::Rate(share.share),
            Cell::Count(rate.labelled),
            Cell::Rate(rate.rate),
        ]);
        t.rows.push(row);
    }
}

fn score_table(name: &str, p: &PolicyReport) -> Table {
    let mut t = Table::new(
        name,
        format!("Score — {}", policy_title(p)),
        &["from", "to", "count", "good", "bad", "bad rate"],
    );
    if let Some(s) = &p.score {
        for b in &s.histogram {
            t.rows.push(vec![
                Cell::Int(b.from),
                Cell::Int(b.to),
                Cell::Count(b.count),
                Cell::Count(b.good),
                Cell::Count(b.bad),
                Cell::Rate(crate::stats::ratio(b.bad, b.bad + b.good)),
            ]);
        }
    }
    t
}

fn power_rows(t: &mut Table, who: &str, p: &PolicyReport) {
    let s = p.score.as_ref();
    t.rows.push(vec![
        text(who),
        Cell::Count(s.map_or(0, |s| s.scored)),
        Cell::Number(s.map(|s| s.mean)),
        Cell::Number(s.and_then(|s| s.ks)),
        Cell::Number(s.and_then(|s| s.auc)),
        Cell::Number(s.and_then(|s| s.gini)),
    ]);
}

fn strategy_table(name: &str, p: &PolicyReport) -> Table {
    let mut t = Table::new(
        name,
        format!(
            "Strategy — {} (cut-off decided applications, highest band first; * the policy's approve cut-off)",
            policy_title(p)
        ),
        &[
            "band",
            "count",
            "bad rate",
            "odds",
            "cum. count",
            "approval rate",
            "cum. bad rate",
        ],
    );
    for r in &p.strategy {
        let mark = if r.policy_cutoff { " *" } else { "" };
        t.rows.push(vec![
            text(format!("{}–{}{mark}", r.from, r.to - 1)),
            Cell::Count(r.count),
            Cell::Rate(r.bad_rate.rate),
            Cell::Number(r.odds),
            Cell::Count(r.cumulative_count),
            Cell::Rate(r.approval_rate),
            Cell::Rate(r.cumulative_bad_rate.rate),
        ]);
    }
    t
}

fn knockout_rows(t: &mut Table, who: &str, p: &PolicyReport) {
    for k in &p.knockouts {
        let mut row = Vec::new();
        if !who.is_empty() {
            row.push(text(who));
        }
        row.extend([
            text(k.id.clone()),
            text(k.outcome.as_str()),
            Cell::Count(k.fired.count),
            Cell::Rate(k.fired.share),
            Cell::Count(k.alone),
            Cell::Rate(k.bad_rate.rate),
        ]);
        t.rows.push(row);
    }
}

fn reason_rows(t: &mut Table, who: &str, rows: &[crate::report::ReasonRow]) {
    for r in rows {
        let mut row = Vec::new();
        if !who.is_empty() {
            row.push(text(who));
        }
        row.extend([
            text(r.code.clone()),
            Cell::Count(r.given.count),
            Cell::Rate(r.given.share),
        ]);
        t.rows.push(row);
    }
}

fn stability_table(s: &StabilityReport) -> Table {
    let mut t = Table::new(
        "stability",
        format!(
            "Stability against {} {} ({} decisions): PSI, flagged at 0.1 and 0.25",
            s.reference.policy.name, s.reference.policy.version, s.reference.decided
        ),
        &["what", "psi", "flag"],
    );
    for row in s.score.iter().chain(&s.features) {
        t.rows.push(vec![
            text(row.name.clone()),
            Cell::Number(row.psi),
            text(
                row.flag
                    .map_or_else(|| "–".to_string(), |f| format!("{f:?}").to_lowercase()),
            ),
        ]);
    }
    t
}

/// The tables of a backtest report.
pub fn backtest(report: &BacktestReport) -> Vec<Table> {
    let p = &report.policy;
    let mut decisions = Table::new(
        "decisions",
        format!("Decisions — {} ({} decided)", policy_title(p), p.decided),
        &["decision", "count", "share", "labelled", "bad rate"],
    );
    mix_rows(&mut decisions, "", &p.decisions, &p.bad_rate_by_decision);
    let mut power = Table::new(
        "score_power",
        "Score power",
        &["policy", "scored", "mean", "KS", "AUC", "Gini"],
    );
    power_rows(&mut power, &p.policy.name, p);
    let mut knockouts = Table::new(
        "knockouts",
        "Knock-outs (alone: rejections no other rule would have made)",
        &[
            "knock-out",
            "outcome",
            "fired",
            "share",
            "alone",
            "bad rate",
        ],
    );
    knockout_rows(&mut knockouts, "", p);
    let mut reasons = Table::new("reasons", "Reason codes", &["code", "given", "share"]);
    reason_rows(&mut reasons, "", &p.reasons);
    let mut failed = report.input.failures.clone();
    failed.extend(p.failures.iter().cloned());
    let mut tables = vec![
        input_table(&report.input),
        decisions,
        power,
        score_table("score", p),
        strategy_table("strategy", p),
        knockouts,
        reasons,
        failures_table("failures", "Lines without a decision", &failed),
    ];
    if let Some(s) = &report.stability {
        tables.push(stability_table(s));
    }
    tables
}

/// The tables of a compare report.
pub fn compare(report: &CompareReport) -> Vec<Table> {
    let (a, b) = (&report.champion, &report.challenger);
    let s = &report.swap;
    let mut decisions = Table::new(
        "decisions",
        format!(
            "Decisions — champion {} vs challenger {}",
            policy_title(a),
            policy_title(b)
        ),
        &[
            "policy", "decision", "count", "share", "labelled", "bad rate",
        ],
    );
    mix_rows(
        &mut decisions,
        "champion",
        &a.decisions,
        &a.bad_rate_by_decision,
    );
    mix_rows(
        &mut decisions,
        "challenger",
        &b.decisions,
        &b.bad_rate_by_decision,
    );
    let mut matrix = Table::new(
        "swap_matrix",
        format!(
            "Swap matrix (rows: champion, columns: challenger; {} lines both decided)",
            s.both_decided
        ),
        &["champion \\ challenger", "approve", "review", "reject"],
    );
    for (i, outcome) in ["approve", "review", "reject"].iter().enumerate() {
        let mut row = vec![text(*outcome)];
        row.extend(s.matrix[i].iter().map(|n| Cell::Count(*n)));
        matrix.rows.push(row);
    }
    let mut sets = Table::new(
        "swap_sets",
        "Swap sets and deltas (challenger minus champion)",
        &["measure", "count", "share", "labelled", "bad rate"],
    );
    for (name, set) in [("swap-in", s.swap_in), ("swap-out", s.swap_out)] {
        sets.rows.push(vec![
            text(name),
            Cell::Count(set.size.count),
            Cell::Rate(set.size.share),
            Cell::Count(set.bad_rate.labelled),
            Cell::Rate(set.bad_rate.rate),
        ]);
    }
    let mut deltas = Table::new(
        "deltas",
        "Approval and bad rates",
        &["measure", "champion", "challenger", "delta"],
    );
    deltas.rows.push(vec![
        text("approval rate"),
        Cell::Rate(a.approval_rate),
        Cell::Rate(b.approval_rate),
        Cell::RateDelta(s.approval_rate_delta),
    ]);
    deltas.rows.push(vec![
        text("bad rate of the approved"),
        Cell::Rate(a.bad_rate_approved.rate),
        Cell::Rate(b.bad_rate_approved.rate),
        Cell::RateDelta(s.bad_rate_delta),
    ]);
    let mut at_other = Table::new(
        "at_other_approval_rate",
        "Each policy with its approve cut-off moved to the other's approval rate",
        &["policy", "cut-off", "approval rate", "bad rate"],
    );
    let at = &s.at_other_approval_rate;
    for (who, point) in [
        ("champion", at.champion),
        ("champion, next above", at.champion_above),
        ("challenger", at.challenger),
        ("challenger, next above", at.challenger_above),
    ] {
        at_other.rows.push(vec![
            text(who),
            point.map_or(Cell::Number(None), |p| Cell::Int(p.cutoff)),
            Cell::Rate(point.map(|p| p.approval_rate)),
            Cell::Rate(point.and_then(|p| p.bad_rate.rate)),
        ]);
    }
    let mut out_reasons = Table::new(
        "swap_out_reasons",
        "The challenger's reasons on the swap-outs",
        &["code", "given", "share"],
    );
    reason_rows(&mut out_reasons, "", &s.swap_out_reasons);
    let mut power = Table::new(
        "score_power",
        "Score power",
        &["policy", "scored", "mean", "KS", "AUC", "Gini"],
    );
    power_rows(&mut power, "champion", a);
    power_rows(&mut power, "challenger", b);
    let mut knockouts = Table::new(
        "knockouts",
        "Knock-outs (alone: rejections no other rule would have made)",
        &[
            "policy",
            "knock-out",
            "outcome",
            "fired",
            "share",
            "alone",
            "bad rate",
        ],
    );
    knockout_rows(&mut knockouts, "champion", a);
    knockout_rows(&mut knockouts, "challenger", b);
    let mut reasons = Table::new(
        "reasons",
        "Reason codes",
        &["policy", "code", "given", "share"],
    );
    reason_rows(&mut reasons, "champion", &a.reasons);
    reason_rows(&mut reasons, "challenger", &b.reasons);
    let mut failed = report.input.failures.clone();
    let mut sided = Table::new(
        "failures_by_policy",
        format!(
            "Read lines a policy failed (champion only {}, challenger only {}, both {})",
            s.failed.champion_only, s.failed.challenger_only, s.failed.both
        ),
        &["policy", "kind", "lines", "first line", "first message"],
    );
    for (who, p) in [("champion", a), ("challenger", b)] {
        for f in &p.failures {
            sided.rows.push(vec![
                text(who),
                text(f.kind.as_str()),
                Cell::Count(f.count),
                Cell::Count(f.first_line),
                text(f.first_message.clone()),
            ]);
        }
    }
    failed.sort_by_key(|f| f.kind);
    let mut tables = vec![
        input_table(&report.input),
        decisions,
        matrix,
        sets,
        deltas,
        at_other,
        out_reasons,
        power,
        strategy_table("strategy_champion", a),
        strategy_table("strategy_challenger", b),
        knockouts,
        reasons,
        failures_table("failures", "Lines no policy could decide", &failed),
        sided,
    ];
    if let Some(split) = &report.split {
        let mut arms = Table::new(
            "arms",
            format!(
                "Arms: {}/{} by id, salt {:?} ({} lines without an id)",
                split.champion_percent,
                100 - split.champion_percent,
                split.salt,
                split.unroutable
            ),
            &[
                "arm",
                "decided",
                "share",
                "approval rate",
                "labelled",
                "bad rate",
            ],
        );
        for (who, arm) in [
            ("champion", split.champion),
            ("challenger", split.challenger),
        ] {
            arms.rows.push(vec![
                text(who),
                Cell::Count(arm.size.count),
                Cell::Rate(arm.size.share),
                Cell::Rate(arm.approval_rate),
                Cell::Count(arm.bad_rate_approved.labelled),
                Cell::Rate(arm.bad_rate_approved.rate),
            ]);
        }
        tables.push(arms);
    }
    tables
}
