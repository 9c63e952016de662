//! Every rate and statistic of a backtest and a comparison, on a small file computed by hand.
#![allow(clippy::unwrap_used, clippy::panic)]

use underwrite_analysis::report::{BacktestReport, CompareReport};
use underwrite_analysis::stats::Stability;
use underwrite_analysis::{Backtest, Compare, FailureKind, Observer};
use underwrite_core::policy::Policy;

fn policy(approve: i64, review: i64) -> Policy {
    let yaml = format!(
        r#"
name: hand
version: "{approve}"
features:
  aliases:
    overdue: events_overdue_day30
    apps: events_application_reception_day30_institution_count
knockouts:
  - id: stacking
    when: apps >= 5
    outcome: reject
    reason: {{ code: KO_STACK, text: stacking }}
  - id: watch
    when: apps == 4
    outcome: review
    reason: {{ code: KO_WATCH, text: watch }}
scorecard:
  base: 600
  cutoffs: {{ approve: {approve}, review: {review} }}
  characteristics:
    - id: overdue
      reason: {{ code: SC_OVERDUE, text: overdue }}
      bins:
        - {{ when: overdue == 0, points: 60 }}
        - {{ when: overdue == 1, points: 30 }}
        - {{ points: 0 }}
"#
    );
    Policy::load(yaml.as_bytes()).unwrap()
}

/// (overdue, apps, outcome) → a history line. Scores: overdue 0 → 660, 1 → 630, 2 → 600.
fn line(i: usize, overdue: u32, apps: u32, outcome: &str) -> String {
    format!(
        r#"{{"id": "a{i}", "signals": {{"status": "COMPLETED", "resultCode": "SUCCESS", "result": {{"events_overdue_day30": {overdue}, "events_application_reception_day30_institution_count": {apps}}}}}, "outcome": {outcome}}}"#
    )
}

const GOOD: &str = r#"{"bad": false}"#;
const BAD: &str = r#"{"bad": true}"#;
const NONE: &str = "null";

/// The file: ten decidable lines and two bad ones.
fn history() -> Vec<String> {
    let rows = [
        (0, 0, GOOD), // 1: 660 approve
        (0, 0, GOOD), // 2: 660 approve
        (0, 0, BAD),  // 3: 660 approve
        (1, 0, GOOD), // 4: 630 review
        (1, 0, BAD),  // 5: 630 review
        (2, 0, BAD),  // 6: 600 reject
        (0, 5, BAD),  // 7: 660, stacking alone rejects it
        (2, 6, BAD),  // 8: 600, stacking, but the score rejects too
        (0, 4, NONE), // 9: 660, watch sends it to review
        (0, 0, NONE), // 10: 660 approve
    ];
    let mut lines: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, (o, a, out))| line(i + 1, *o, *a, out))
        .collect();
    lines.push("{".to_string()); // 11
    lines.push(r#"{"signals": {}, "outcome": {"bad": "yes"}}"#.to_string()); // 12
    lines
}

fn backtest(policy: &Policy, lines: &[String]) -> BacktestReport {
    let observer = Observer::new(vec![policy]);
    let mut b = Backtest::new(policy);
    for (i, text) in lines.iter().enumerate() {
        b.add(i as u64 + 1, &observer.observe(text));
    }
    b.report(None)
}

fn close(a: Option<f64>, b: f64) {
    let a = a.unwrap_or(f64::NAN);
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn a_backtest_s_figures_are_the_hand_computed_ones() {
    let p = policy(650, 620);
    let r = backtest(&p, &history());
    let input = &r.input;
    assert_eq!(
        (input.lines, input.read, input.labelled, input.bad),
        (12, 10, 8, 5)
    );
    let kinds: Vec<(FailureKind, u64, u64)> = input
        .failures
        .iter()
        .map(|f| (f.kind, f.count, f.first_line))
        .collect();
    assert_eq!(
        kinds,
        [
            (FailureKind::NotAnApplication, 1, 11),
            (FailureKind::BadOutcome, 1, 12)
        ]
    );

    let p = &r.policy;
    assert_eq!(p.decided, 10);
    assert_eq!(p.decisions.approve.count, 4);
    assert_eq!(p.decisions.review.count, 3);
    assert_eq!(p.decisions.reject.count, 3);
    close(p.approval_rate, 0.4);
    close(p.bad_rate_approved.rate, 1.0 / 3.0);
    assert_eq!(
        (
            p.bad_rate_by_decision[2].bad,
            p.bad_rate_by_decision[2].labelled
        ),
        (3, 3)
    );
    close(p.bad_rate_by_decision[1].rate, 0.5);

    // Scores: 600 (0 good, 2 bad), 630 (1, 1), 660 (2 good, 2 bad, 2 unlabelled).
    let s = p.score.as_ref().unwrap();
    assert_eq!((s.scored, s.min, s.max), (10, 600, 660));
    close(Some(s.mean), 642.0);
    // KS: after 600, bads 2/5 against goods 0/3.
    close(s.ks, 0.4);
    // AUC: goods 630, 660, 660 against bads 600, 600, 630, 660, 660:
    // 2 + ½ for 630, 3 + 2·½ for each 660 → 10.5 of 15 pairs.
    close(s.auc, 0.7);
    close(s.gini, 0.4);
    assert_eq!(s.histogram.iter().map(|b| b.count).sum::<u64>(), 10);

    // Strategy: bands of 5 over the cut-off population (lines 1–6 and 10).
    let rows: Vec<(i64, u64, u64)> = p
        .strategy
        .iter()
        .map(|r| (r.from, r.count, r.cumulative_count))
        .collect();
    assert_eq!(rows, [(660, 4, 4), (630, 2, 6), (600, 1, 7)]);
    close(p.strategy[0].bad_rate.rate, 1.0 / 3.0);
    close(p.strategy[0].odds, 2.0);
    close(p.strategy[0].approval_rate, 0.4);
    close(p.strategy[1].approval_rate, 0.6);
    close(p.strategy[1].cumulative_bad_rate.rate, 0.4);
    close(p.strategy[2].cumulative_bad_rate.rate, 0.5);
    close(p.strategy[2].odds, 0.0);
    let flagged: Vec<bool> = p.strategy.iter().map(|r| r.policy_cutoff).collect();
    assert_eq!(flagged, [true, false, false], "the 660 row is the policy's");

    let ko: Vec<(&str, u64, u64)> = p
        .knockouts
        .iter()
        .map(|k| (k.id.as_str(), k.fired.count, k.alone))
        .collect();
    assert_eq!(ko, [("stacking", 2, 1), ("watch", 1, 0)]);
    close(p.knockouts[0].bad_rate.rate, 1.0);
    assert_eq!(p.knockouts[1].bad_rate.rate, None, "nothing labelled");

    let reasons: Vec<(&str, u64)> = p
        .reasons
        .iter()
        .map(|r| (r.code.as_str(), r.given.count))
        .collect();
    assert_eq!(
        reasons,
        [("SC_OVERDUE", 4), ("KO_STACK", 2), ("KO_WATCH", 1)]
    );
}

#[test]
fn a_comparison_s_swaps_deltas_and_points_are_the_hand_computed_ones() {
    let champion = policy(650, 620);
    let challenger = policy(620, 610);
    let observer = Observer::new(vec![&champion, &challenger]);
    let mut c = Compare::new(&champion, &challenger, None);
    let mut swapped = Vec::new();
    for (i, text) in history().iter().enumerate() {
        if let Some(s) = c.add(i as u64 + 1, &observer.observe(text)) {
            swapped.push(s.line);
        }
    }
    let r: CompareReport = c.report();
    let s = &r.swap;
    assert_eq!(s.matrix, [[4, 0, 0], [2, 1, 0], [0, 0, 3]]);
    assert_eq!(s.both_decided, 10);
    assert_eq!(s.matrix.iter().flatten().sum::<u64>(), s.both_decided);
    assert_eq!(swapped, [4, 5]);
    assert_eq!(s.swap_in.size.count, 2);
    close(s.swap_in.bad_rate.rate, 0.5);
    assert_eq!(s.swap_out.size.count, 0);
    close(s.approval_rate_delta, 0.2);
    close(s.bad_rate_delta, 0.4 - 1.0 / 3.0);
    let champion_at = s.at_other_approval_rate.champion.unwrap();
    assert_eq!(champion_at.cutoff, 630);
    close(Some(champion_at.approval_rate), 0.6);
    close(champion_at.bad_rate.rate, 0.4);
    let challenger_at = s.at_other_approval_rate.challenger.unwrap();
    assert_eq!(challenger_at.cutoff, 660);
    close(challenger_at.bad_rate.rate, 1.0 / 3.0);
    // The next points above: the champion's past 0.6 is 600 (0.7, bad 3 of 6); the
    // challenger's past 0.4 is 630 (0.6).
    let above = s.at_other_approval_rate.champion_above.unwrap();
    assert_eq!(above.cutoff, 600);
    close(Some(above.approval_rate), 0.7);
    close(above.bad_rate.rate, 0.5);
    assert_eq!(
        s.at_other_approval_rate.challenger_above.unwrap().cutoff,
        630
    );
    assert_eq!(r.input.lines, 12);
}

#[test]
fn psi_against_a_reference_is_the_hand_computed_one() {
    let p = policy(650, 620);
    let lines = history();
    let observer = Observer::new(vec![&p]);
    let mut reference = Backtest::new(&p);
    for (i, text) in lines[..4].iter().enumerate() {
        reference.add(i as u64 + 1, &observer.observe(text));
    }
    let reference = reference.reference();
    let mut now = Backtest::new(&p);
    for (i, text) in lines.iter().enumerate() {
        now.add(i as u64 + 1, &observer.observe(text));
    }
    let stability = now.report(Some(&reference)).stability.unwrap();
    // Score: reference 630 ×1, 660 ×3 → groups ≤630, 631–660, >660: [.25, .75, 0] against
    // [.4, .6, 0].
    let score = stability.score.unwrap();
    let by_hand = 0.15 * (0.4f64 / 0.25).ln() - 0.15 * (0.6f64 / 0.75).ln();
    close(score.psi, by_hand);
    assert_eq!(score.flag, Some(Stability::Watch));
    let labels: Vec<&str> = score.bins.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["≤ 630", "631–660", "> 660"]);
    // overdue: reference 0 ×3, 1 ×1 → groups ≤0, 1, >1: [.75, .25, 0] against [.6, .2, .2];
    // the empty reference group counts as PSI_FLOOR.
    let floor = underwrite_analysis::stats::PSI_FLOOR;
    let feature = |name: &str| stability.features.iter().find(|f| f.name == name).unwrap();
    let names: Vec<&str> = stability.features.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["apps", "overdue"],
        "in the order the policy first reads them"
    );
    let overdue = feature("overdue");
    let by_hand = (0.6 - 0.75) * (0.6f64 / 0.75).ln()
        + (0.2 - 0.25) * (0.2f64 / 0.25).ln()
        + (0.2 - floor) * (0.2 / floor).ln();
    close(overdue.psi, by_hand);
    assert_eq!(overdue.flag, Some(Stability::Shift));
    // apps: constant 0 in the reference; 4, 5 and 6 now are above its range.
    let apps = feature("apps");
    let by_hand = (0.7 - 1.0) * 0.7f64.ln() + (0.3 - floor) * (0.3 / floor).ln();
    close(apps.psi, by_hand);
    // A report's saved distributions make the same reference.
    let saved = serde_json::to_string(&backtest(&p, &lines[..4])).unwrap();
    let from_saved = underwrite_analysis::Reference::from_json(&saved).unwrap();
    assert_eq!(from_saved, reference);
}

/// A policy with a KYC knock-out, which still runs when the signals are missing, and a no-data
/// fallback of `no_data`.
fn kyc_policy(no_data: &str) -> Policy {
    let yaml = format!(
        r#"
name: kyc
version: "1"
knockouts:
  - id: kyc_no_match
    when: kyc.provided && kyc.result == "No Match"
    outcome: reject
    reason: {{ code: KYC_NO_MATCH, text: no match }}
no_data:
  outcome: {no_data}
  reason: {{ code: NO_DATA, text: no data }}
"#
    );
    Policy::load(yaml.as_bytes()).unwrap()
}

fn no_data_line(kyc: &str) -> String {
    let kyc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../../testdata/kyc/{kyc}.json")),
    )
    .unwrap();
    format!(
        r#"{{"id": 1, "signals": {{"status": "COMPLETED", "resultCode": "NO_DATA", "items": []}}, "kyc": {kyc}, "outcome": {{"bad": true}}}}"#
    )
}

#[test]
fn a_knockout_alone_rejects_when_the_signals_are_missing_unless_the_fallback_rejects_too() {
    let line = no_data_line("joe-no-match");
    let alone = |policy: &Policy| {
        let r = backtest(policy, std::slice::from_ref(&line));
        assert_eq!(r.policy.decisions.reject.count, 1);
        r.policy.knockouts[0].alone
    };
    assert_eq!(alone(&kyc_policy("review")), 1, "without the rule: review");
    assert_eq!(
        alone(&kyc_policy("reject")),
        0,
        "without the rule: still rejected"
    );
}

#[test]
fn the_policy_s_strategy_row_is_exactly_its_cut_off_off_the_1_2_5_grid() {
    // approve 655: bands of 5 start at 655 + 5k; nothing scores in [655, 660), so the
    // policy's row is [660, 665).
    let p = policy(655, 620);
    let r = backtest(&p, &history());
    let rows: Vec<(i64, bool)> = r
        .policy
        .strategy
        .iter()
        .map(|row| (row.from, row.policy_cutoff))
        .collect();
    assert_eq!(rows, [(660, true), (630, false), (600, false)]);
    let own = r
        .policy
        .strategy
        .iter()
        .find(|row| row.policy_cutoff)
        .unwrap();
    assert_eq!(
        own.approval_rate, r.policy.approval_rate,
        "the row is the policy's point"
    );
    // A cut-off inside what a zero-based band would be ([630, 635)): 632 approves 660 and
    // not 630, so 630 must not share the policy's band. Bands run 632 + 5k: 627, .., 657.
    let p = policy(632, 620);
    let r = backtest(&p, &history());
    let own = r
        .policy
        .strategy
        .iter()
        .find(|row| row.policy_cutoff)
        .unwrap();
    assert_eq!(own.from, 657);
    let below: Vec<i64> = r.policy.strategy.iter().map(|row| row.from).collect();
    assert_eq!(below, [657, 627, 597]);
    assert_eq!(own.approval_rate, r.policy.approval_rate);
    close(own.approval_rate, 0.4);
}

#[test]
fn lines_one_side_fails_are_counted_apart_and_split_arms_count_every_routed_line() {
    // The challenger divides by a count that is 0 on most lines: a rule error there.
    let champion = policy(650, 620);
    let challenger = Policy::load(
        br#"
name: strict
version: "1"
features:
  aliases:
    apps: events_application_reception_day30_institution_count
knockouts:
  - id: ratio
    when: 10 / apps > 1
    outcome: reject
    reason: { code: KO_RATIO, text: ratio }
"#,
    );
    let challenger = challenger.unwrap();
    let observer = Observer::new(vec![&champion, &challenger]);
    let split = "50/50"
        .parse::<underwrite_analysis::Split>()
        .unwrap()
        .with_salt("s");
    let mut c = Compare::new(&champion, &challenger, Some(split));
    let lines = history();
    for (i, text) in lines.iter().enumerate() {
        c.add(i as u64 + 1, &observer.observe(text));
    }
    let r = c.report();
    // Lines 7, 8 and 9 have applications (5, 6, 4); the other seven divide by zero.
    assert_eq!(r.swap.failed.challenger_only, 7);
    assert_eq!(r.swap.both_decided, 3);
    assert_eq!(r.challenger.failures[0].kind, FailureKind::Rule);
    let split = r.split.unwrap();
    assert_eq!(
        split.champion.size.count + split.challenger.size.count + split.unroutable,
        10,
        "every read line is in an arm or unroutable"
    );
    assert_eq!(split.champion.failed, 0);
    let challenger_decided = split.challenger.decisions.approve.count
        + split.challenger.decisions.review.count
        + split.challenger.decisions.reject.count;
    assert_eq!(
        challenger_decided + split.challenger.failed,
        split.challenger.size.count
    );
    assert!(split.challenger.failed > 0, "{split:?}");
}
