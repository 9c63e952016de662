//! Reports as one self-contained HTML page: inline CSS, charts as inline SVG drawn here, no
//! script, nothing fetched (a Content-Security-Policy of `default-src 'none'` says so to the
//! browser). The page is a pure function of the report: the same report gives the same bytes.
//!
//! Every text that comes from the input (policy names, rule ids, reason codes, messages) is
//! escaped; every figure carries a `data-figure` hook so tools and tests can read it back
//! (the hooks are listed in `docs/report.md`). Rates read as percentages with one decimal,
//! and a figure that does not exist as "–".

mod charts;
mod fmt;
mod page;
mod sections;
mod stability;
mod svg;
mod swap;
#[cfg(test)]
mod tests;

use self::fmt::{count, esc, short_sha};
use self::page::Page;
use crate::report::{AtOther, BacktestReport, CompareReport, CutoffPoint, PolicyReport};

/// Which policy a figure belongs to; its key ends the figure's hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The one policy of a backtest.
    Policy,
    /// The live policy of a comparison.
    Champion,
    /// The candidate of a comparison.
    Challenger,
}

impl Side {
    /// The key in hooks and the CSS class of its colour.
    fn key(self) -> &'static str {
        match self {
            Side::Policy => "policy",
            Side::Champion => "champion",
            Side::Challenger => "challenger",
        }
    }

    /// The CSS class of its colour.
    fn class(self) -> &'static str {
        self.key()
    }

    /// This side's point at the other side's approval rate.
    fn at_other(self, at: &AtOther) -> Option<&CutoffPoint> {
        match self {
            Side::Policy => None,
            Side::Champion => at.champion.as_ref(),
            Side::Challenger => at.challenger.as_ref(),
        }
    }
}

/// A policy's report and the side it is shown as.
struct Shown<'a> {
    side: Side,
    report: &'a PolicyReport,
}

impl Shown<'_> {
    /// `name version`, plain text.
    fn name(&self) -> String {
        let p = &self.report.policy;
        format!("{} {}", p.name, p.version)
    }

    /// The name with its side in a comparison (`champion: name version`), plain text.
    fn title(&self) -> String {
        match self.side {
            Side::Policy => self.name(),
            side => format!("{}: {}", side.key(), self.name()),
        }
    }

    /// The side's name in a comparison, the policy's in a backtest, plain text.
    fn short(&self) -> String {
        match self.side {
            Side::Policy => self.name(),
            side => side.key().to_owned(),
        }
    }

    /// Name, version and short hash, as markup.
    fn heading(&self) -> String {
        let p = &self.report.policy;
        format!(
            r#"<strong data-figure="policy-{}">{} {}</strong> <code title="SHA-256 of the policy file">{}</code>"#,
            self.side.key(),
            esc(&p.name),
            esc(&p.version),
            short_sha(&p.sha256),
        )
    }
}

/// The page of a backtest: one policy over one input.
pub fn backtest(report: &BacktestReport) -> String {
    let shown = [Shown {
        side: Side::Policy,
        report: &report.policy,
    }];
    let title = format!("Backtest: {}", shown[0].name());
    let subtitle = format!(
        "{} over {} lines.",
        shown[0].heading(),
        count(report.input.lines)
    );
    let mut page = Page::new(&title, &subtitle);
    common(&mut page, report, &shown);
    if let Some(stability) = &report.stability {
        page.section(
            "stability",
            "Stability (PSI)",
            &stability::section(stability),
        );
    }
    page.section(
        "failures",
        "Failures",
        &sections::failures(&report.input, &shown),
    );
    page.finish(&footer(&report.format, report.version))
}

/// The page of a comparison: champion and challenger over one input, where they disagree,
/// and the arms of a split when there is one.
pub fn compare(report: &CompareReport) -> String {
    let shown = [
        Shown {
            side: Side::Champion,
            report: &report.champion,
        },
        Shown {
            side: Side::Challenger,
            report: &report.challenger,
        },
    ];
    let title = format!(
        "Champion/challenger: {} vs {}",
        shown[0].name(),
        shown[1].name()
    );
    let subtitle = format!(
        "Champion {} · challenger {} · over {} lines.",
        shown[0].heading(),
        shown[1].heading(),
        count(report.input.lines),
    );
    let mut page = Page::new(&title, &subtitle);
    page.section("input", "Input", &sections::input(&report.input));
    page.section("headline", "Headline figures", &sections::headline(&shown));
    page.section(
        "swap",
        "Swap matrix",
        &format!(
            r#"<div class="row"><div>{}</div><div>{}</div></div><h3>Challenger's reasons on the swap-outs</h3>{}"#,
            swap::matrix(&report.swap),
            swap::summary(&report.swap),
            sections::reasons(&report.swap.swap_out_reasons, "swap-out-reason", "No swap-outs."),
        ),
    );
    page.section("decisions", "Decision mix", &mix(&shown));
    page.section("scores", "Score distribution", &charts::histograms(&shown));
    page.section(
        "strategy",
        "Strategy curve",
        &strategy(&shown, Some(&report.swap.at_other_approval_rate)),
    );
    page.section(
        "knockouts",
        "Knock-out incidence",
        &shown.iter().map(sections::knockouts).collect::<String>(),
    );
    page.section(
        "reasons",
        "Reason codes",
        &row(shown.iter().map(sections::policy_reasons)),
    );
    if let Some(split) = &report.split {
        page.section("split", "Arms of the split", &swap::split(split));
    }
    page.section(
        "failures",
        "Failures",
        &sections::failures(&report.input, &shown),
    );
    page.finish(&footer(&report.format, report.version))
}

/// The sections a backtest has in the order it shows them.
fn common(page: &mut Page, report: &BacktestReport, shown: &[Shown]) {
    page.section("input", "Input", &sections::input(&report.input));
    page.section("headline", "Headline figures", &sections::headline(shown));
    page.section("decisions", "Decision mix", &mix(shown));
    page.section("scores", "Score distribution", &charts::histograms(shown));
    page.section("strategy", "Strategy curve", &strategy(shown, None));
    page.section(
        "knockouts",
        "Knock-out incidence",
        &shown.iter().map(sections::knockouts).collect::<String>(),
    );
    page.section(
        "reasons",
        "Reason codes",
        &row(shown.iter().map(sections::policy_reasons)),
    );
}

/// The decision-mix chart beside its table.
fn mix(shown: &[Shown]) -> String {
    format!(
        r#"<div class="row">{}<div>{}</div></div>"#,
        charts::decision_mix(shown),
        sections::decisions(shown)
    )
}

/// The strategy chart beside its operating points, the strategy tables under them.
fn strategy(shown: &[Shown], at_other: Option<&AtOther>) -> String {
    format!(
        r#"<div class="row">{}<div>{}</div></div>{}"#,
        charts::strategy(shown, at_other),
        sections::operating(shown, at_other),
        row(shown.iter().map(sections::strategy)),
    )
}

/// Blocks side by side.
fn row(blocks: impl Iterator<Item = String>) -> String {
    let inner: String = blocks.map(|b| format!("<div>{b}</div>")).collect();
    format!(r#"<div class="row">{inner}</div>"#)
}

/// What made the page.
fn footer(format: &str, version: u32) -> String {
    format!(
        "Report <code>{}</code> version {} · underwrite {} · self-contained page: no script, nothing fetched.",
        esc(format),
        version,
        env!("CARGO_PKG_VERSION"),
    )
}
