//! Text as a saved `underwrite backtest --json` report → `Reference::from_json` (what
//! `backtest --reference REPORT` reads). Besides "no panic" (huge counts, duplicate bins and
//! scores, extreme scores, odd bin names):
//!
//! * what is refused is refused with a typed `ReferenceError` (counts adding up past `u64::MAX`
//!   included: `regressions/reference/*-overflows.json` once panicked on an overflow);
//! * an accepted reference gives a backtest of `rules/starter.yaml` over a fixed history
//!   (`testdata/history/portfolio.jsonl`) a stability section: one row per policy input,
//!   each PSI finite and not negative with the flag its value reads as, each side's shares in
//!   [0, 1] summing to 1 where the PSI is defined;
//! * that report renders as tables (one cell per column), and saved as JSON it reads back as
//!   the reference the backtest itself gives.
//!
//! Input: UTF-8 text (seeds: saved reports, trimmed); anything else is not a report.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use underwrite_analysis::report::tables;
use underwrite_analysis::stats::Stability;
use underwrite_analysis::{Backtest, Observer, Reference};
use underwrite_core::policy::Policy;

const STARTER: &str = include_str!("../../rules/starter.yaml");
const HISTORY: &str = include_str!("../../testdata/history/portfolio.jsonl");

fn starter() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(STARTER.as_bytes()).expect("starter policy loads"))
}

/// The backtest every reference is compared with, folded once.
fn backtest() -> &'static Backtest<'static> {
    static BACKTEST: OnceLock<Backtest<'static>> = OnceLock::new();
    BACKTEST.get_or_init(|| {
        let policy = starter();
        let observer = Observer::new(vec![policy]);
        let mut backtest = Backtest::new(policy);
        for (i, line) in HISTORY.lines().enumerate() {
            backtest.add(i as u64 + 1, &observer.observe(line));
        }
        backtest
    })
}

fn shares_sum_to_one(shares: impl Iterator<Item = f64>) -> bool {
    (shares.sum::<f64>() - 1.0).abs() < 1e-9
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let reference = match Reference::from_json(text) {
        Ok(reference) => reference,
        Err(e) => {
            // Feature and bin names are quoted as given (the CLI escapes them when it prints).
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let backtest = backtest();
    let report = backtest.report(Some(&reference));
    let stability = report.stability.as_ref().expect("a stability section");
    assert_eq!(
        stability.features.len(),
        report.policy.distributions.features.len()
    );
    for row in stability.score.iter().chain(&stability.features) {
        match row.psi {
            Some(psi) => {
                assert!(psi.is_finite() && psi >= 0.0, "{}: PSI {psi}", row.name);
                assert_eq!(row.flag, Some(Stability::of(psi)));
                assert!(shares_sum_to_one(row.bins.iter().map(|b| b.reference)));
                assert!(shares_sum_to_one(row.bins.iter().map(|b| b.actual)));
            }
            None => assert_eq!(row.flag, None),
        }
        for bin in &row.bins {
            assert!(
                (0.0..=1.0).contains(&bin.reference),
                "{}: {bin:?}",
                row.name
            );
            assert!((0.0..=1.0).contains(&bin.actual), "{}: {bin:?}", row.name);
        }
    }
    for t in tables::backtest(&report) {
        for row in &t.rows {
            assert_eq!(row.len(), t.columns.len(), "table {}", t.name);
        }
        let _ = t.to_text();
    }
    let json = serde_json::to_string(&report).expect("a report serializes");
    assert_eq!(
        Reference::from_json(&json).expect("a saved report reads back"),
        backtest.reference()
    );
});
