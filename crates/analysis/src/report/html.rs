//! Reports as one self-contained HTML page.

use super::{BacktestReport, CompareReport};

/// A backtest report as one self-contained HTML page.
pub fn backtest(report: &BacktestReport) -> String {
    format!(
        "<!doctype html><title>{}</title>",
        report.policy.policy.name
    )
}

/// A compare report as one self-contained HTML page.
pub fn compare(report: &CompareReport) -> String {
    format!(
        "<!doctype html><title>{}</title>",
        report.champion.policy.name
    )
}
