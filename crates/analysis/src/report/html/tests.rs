//! The page on hand-built reports: escaping, determinism, the figures it holds, and reports
//! with nothing to draw.

#![allow(clippy::unwrap_used, clippy::panic)]

use crate::report::*;
use crate::stats::Stability;
use crate::FailureKind;

#[path = "../../../tests/fixtures/reports.rs"]
mod fixtures;

use super::{backtest, compare};

/// The text of the element carrying `data-figure="name"`, up to its first `<`.
fn figure<'a>(page: &'a str, name: &str) -> &'a str {
    let hook = format!("data-figure=\"{name}\">");
    let start = page
        .find(&hook)
        .unwrap_or_else(|| panic!("no figure {name}"))
        + hook.len();
    let end = page[start..].find('<').map_or(page.len(), |e| start + e);
    &page[start..end]
}

/// Every number in the page's SVG coordinates parses as a finite number.
fn assert_svg_finite(page: &str) {
    assert!(!page.contains("NaN"), "NaN in the page");
    assert!(!page.contains("inf\""), "inf in the page");
    for attr in [
        " x=\"",
        " y=\"",
        " width=\"",
        " height=\"",
        " x1=\"",
        " x2=\"",
        " y1=\"",
        " y2=\"",
        " cx=\"",
        " cy=\"",
        " r=\"",
    ] {
        for piece in page.split(attr).skip(1) {
            let value = &piece[..piece.find('"').unwrap()];
            let n: f64 = value.parse().unwrap_or_else(|_| panic!("{attr}{value}"));
            assert!(n.is_finite() && n >= 0.0, "{attr}{value}");
        }
    }
    for piece in page.split("points=\"").skip(1) {
        for xy in piece[..piece.find('"').unwrap()].split_whitespace() {
            for v in xy.split(',') {
                assert!(v.parse::<f64>().unwrap().is_finite(), "points {xy}");
            }
        }
    }
}

/// A policy that decided nothing, has no scorecard and no rules.
fn empty_policy(name: &str) -> PolicyReport {
    PolicyReport {
        policy: fixtures::name(name, "0", ""),
        cutoffs: None,
        decided: 0,
        failures: vec![],
        decisions: DecisionMix::default(),
        approval_rate: None,
        bad_rate_approved: BadRate::default(),
        bad_rate_by_decision: [BadRate::default(); 3],
        score: None,
        strategy: vec![],
        knockouts: vec![],
        reasons: vec![],
        distributions: Distributions::default(),
    }
}

#[test]
fn text_from_the_input_is_escaped() {
    let mut report = fixtures::compare();
    report.champion.policy.name = "<script>alert('name')</script>".to_owned();
    report.challenger.policy.version = "\"><img src=x onerror=alert(1)>".to_owned();
    report.input.failures[0].first_message =
        "bad <script>alert(\"msg\")</script> & more".to_owned();
    report.champion.knockouts[0].id = "<b>ko</b>".to_owned();
    report.challenger.reasons[0].code = "<i>CODE</i>".to_owned();
    let page = compare(&report);
    assert!(
        !page.contains("<script"),
        "a script element reached the page"
    );
    assert!(!page.contains("<img"), "an img element reached the page");
    assert!(!page.contains("<b>ko") && !page.contains("<i>CODE"));
    assert!(page.contains("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;"));
    assert!(page.contains("bad &lt;script&gt;alert(&quot;msg&quot;)&lt;/script&gt; &amp; more"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // Escaped in the hooks too, which carry rule ids and codes.
    assert_eq!(
        figure(&page, "knockout-fired-champion-&lt;b&gt;ko&lt;/b&gt;"),
        "312"
    );

    let mut bt = fixtures::backtest();
    bt.stability.as_mut().unwrap().features[0].name = "<script>x</script>".to_owned();
    let page = backtest(&bt);
    assert!(!page.contains("<script"));
    assert!(page.contains("&lt;script&gt;x&lt;/script&gt;"));
}

#[test]
fn same_report_same_bytes() {
    let report = fixtures::compare();
    assert_eq!(compare(&report), compare(&report.clone()));
    let report = fixtures::backtest();
    assert_eq!(backtest(&report), backtest(&report.clone()));
}

#[test]
fn the_page_needs_nothing_from_outside() {
    for page in [
        compare(&fixtures::compare()),
        backtest(&fixtures::backtest()),
    ] {
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("default-src 'none'"));
        for outside in [
            "http://", "https://", "src=", "href=", "@import", "url(", "<script", "<link",
        ] {
            let hits: Vec<_> = page
                .match_indices(outside)
                .map(|(i, _)| &page[i..(i + 60).min(page.len())])
                .collect();
            // The SVG namespace is a name, not a fetch.
            let fetches: Vec<_> = hits
                .iter()
                .filter(|h| !h.starts_with("http://www.w3.org/2000/svg"))
                .collect();
            assert!(fetches.is_empty(), "{outside}: {fetches:?}");
        }
        assert_svg_finite(&page);
    }
}

#[test]
fn the_swap_matrix_cells_hold_the_report_counts() {
    let mut report = fixtures::compare();
    report.swap.matrix = [[5_601, 302, 153], [604, 805, 86], [227, 98, 2_049]];
    report.swap.both_decided = report.swap.matrix.iter().flatten().sum();
    let page = compare(&report);
    let names = ["approve", "review", "reject"];
    for (i, row) in report.swap.matrix.iter().enumerate() {
        for (j, n) in row.iter().enumerate() {
            let cell = format!("swap-{}-{}", names[i], names[j]);
            assert_eq!(
                figure(&page, &cell).replace(',', ""),
                n.to_string(),
                "{cell}"
            );
            let share = *n as f64 / report.swap.both_decided as f64;
            assert_eq!(
                figure(&page, &format!("{cell}-share")),
                format!("{:.1}%", share * 100.0),
                "{cell}"
            );
        }
    }
    assert_eq!(figure(&page, "swap-both-decided"), "9,925");
    // Swap-ins sit where the challenger approves and the champion did not.
    let review_approve = page.find("data-figure=\"swap-review-approve\"").unwrap();
    let cell_start = page[..review_approve].rfind("<td").unwrap();
    assert!(page[cell_start..review_approve].contains("swap-in"));
    let approve_reject = page.find("data-figure=\"swap-approve-reject\"").unwrap();
    let cell_start = page[..approve_reject].rfind("<td").unwrap();
    assert!(page[cell_start..approve_reject].contains("swap-out"));
}

#[test]
fn figures_read_back_as_percentages_with_one_decimal() {
    let report = fixtures::compare();
    let page = compare(&report);
    assert_eq!(figure(&page, "approval-rate-champion"), "61.2%");
    assert_eq!(figure(&page, "approval-rate-challenger"), "65.0%");
    assert_eq!(figure(&page, "decision-reject-count-champion"), "2,356");
    assert_eq!(figure(&page, "approval-rate-delta"), "+3.7 pp");
    assert_eq!(figure(&page, "bad-rate-delta"), "-0.2 pp");
    assert_eq!(figure(&page, "ks-champion"), "0.370");
    assert_eq!(figure(&page, "cutoff-approve-challenger"), "590");
    assert_eq!(figure(&page, "arm-approval-rate-challenger"), "64.9%");
    assert_eq!(figure(&page, "failure-not_an_application"), "38");
    assert_eq!(figure(&page, "failure-rule-challenger"), "12");
    let page = backtest(&fixtures::backtest());
    assert_eq!(figure(&page, "psi-overdue_30"), "0.310");
    assert!(
        page.contains(r#"data-figure="psi-flag-overdue_30"><span class="flag shift">shift</span>"#)
    );
    assert!(page.contains(r#"data-figure="psi-flag-income"><span class="flag watch">watch</span>"#));
}

#[test]
fn an_empty_report_renders_dashes_and_notes() {
    let report = CompareReport {
        format: "underwrite.compare".to_owned(),
        version: REPORT_VERSION,
        input: InputSummary::default(),
        champion: empty_policy("a"),
        challenger: empty_policy("b"),
        swap: SwapReport {
            both_decided: 0,
            matrix: [[0; 3]; 3],
            failed: FailedSides::default(),
            swap_in: SwapSet::default(),
            swap_out: SwapSet::default(),
            swap_out_reasons: vec![],
            approval_rate_delta: None,
            bad_rate_delta: None,
            at_other_approval_rate: AtOther::default(),
        },
        split: None,
    };
    let page = compare(&report);
    assert_svg_finite(&page);
    assert_eq!(figure(&page, "approval-rate-champion"), "–");
    assert_eq!(figure(&page, "ks-challenger"), "–");
    assert_eq!(figure(&page, "swap-review-review-share"), "–");
    assert!(page.contains("No scorecard: no strategy curve."));
    assert!(page.contains("No scores"));
    assert!(page.contains("nothing decided"));
    assert!(!page.contains("data-figure=\"split-salt\""));

    let bt = BacktestReport {
        format: "underwrite.backtest".to_owned(),
        version: REPORT_VERSION,
        input: InputSummary::default(),
        policy: empty_policy("c"),
        stability: Some(StabilityReport {
            reference: ReferenceName {
                policy: fixtures::name("c", "0", ""),
                decided: 0,
            },
            score: None,
            features: vec![PsiRow {
                name: "income".to_owned(),
                psi: None,
                flag: None,
                bins: vec![],
            }],
        }),
    };
    let page = backtest(&bt);
    assert_svg_finite(&page);
    assert_eq!(figure(&page, "psi-income"), "–");
}

#[test]
fn unlabelled_lines_give_no_bad_rates_and_no_curve() {
    let mut report = fixtures::backtest();
    let p = &mut report.policy;
    for b in p.score.as_mut().unwrap().histogram.iter_mut() {
        (b.bad, b.good) = (0, 0);
    }
    for r in p.strategy.iter_mut() {
        r.bad_rate = BadRate::default();
        r.cumulative_bad_rate = BadRate::default();
        r.odds = None;
    }
    p.bad_rate_approved = BadRate::default();
    p.bad_rate_by_decision = [BadRate::default(); 3];
    let s = p.score.as_mut().unwrap();
    (s.ks, s.auc, s.gini) = (None, None, None);
    let page = backtest(&report);
    assert_svg_finite(&page);
    assert!(page.contains("No labelled lines: the strategy curve needs bad rates."));
    assert_eq!(figure(&page, "bad-rate-approved-policy"), "–");
    assert_eq!(figure(&page, "gini-policy"), "–");
    // The histogram is still drawn, every bar unlabelled (the tooltips name each part).
    assert!(
        page.contains(" unlabelled</title>")
            && !page.contains(" bad</title>")
            && !page.contains(" good</title>")
    );
}

#[test]
fn one_outcome_and_one_score() {
    let mut report = fixtures::backtest();
    let p = &mut report.policy;
    p.decided = 500;
    p.decisions = DecisionMix {
        approve: fixtures::share(500, 500),
        review: fixtures::share(0, 500),
        reject: fixtures::share(0, 500),
    };
    p.approval_rate = Some(1.0);
    let band = ScoreBand {
        from: 700,
        to: 701,
        count: 500,
        bad: 10,
        good: 390,
    };
    let s = p.score.as_mut().unwrap();
    (s.min, s.max, s.histogram) = (700, 700, vec![band]);
    p.strategy = fixtures::strategy(&[band], 500, 700);
    p.cutoffs = Some(Cutoffs {
        approve: 700,
        review: 700,
    });
    let page = backtest(&report);
    assert_svg_finite(&page);
    assert_eq!(figure(&page, "decision-approve-share-policy"), "100.0%");
    assert_eq!(figure(&page, "decision-reject-share-policy"), "0.0%");
    assert!(page.contains("approve ≥ 700"));
}

#[test]
fn extreme_scores_do_not_overflow_or_draw_off_the_chart() {
    let mut report = fixtures::backtest();
    let s = report.policy.score.as_mut().unwrap();
    s.histogram = vec![
        ScoreBand {
            from: i64::MIN,
            to: i64::MIN + 1,
            count: 3,
            bad: 1,
            good: 2,
        },
        ScoreBand {
            from: i64::MAX - 1,
            to: i64::MAX,
            count: 4,
            bad: 0,
            good: 4,
        },
    ];
    report.policy.cutoffs = Some(Cutoffs {
        approve: i64::MAX,
        review: i64::MIN,
    });
    let page = backtest(&report);
    assert_svg_finite(&page);
    assert!(page.contains(r#"data-figure="chart-score-histogram""#));
}

#[test]
fn a_failure_kind_is_named_as_the_json_names_it() {
    let mut report = fixtures::backtest();
    report.input.failures[0].kind = FailureKind::BadOutcome;
    let page = backtest(&report);
    assert_eq!(figure(&page, "failure-bad_outcome"), "38");
}
