//! The charts, as inline SVG: the decision mix, the score histograms with their cut-offs and
//! the strategy curves with their operating points. Each takes the policies being shown and
//! returns markup; a chart with nothing to draw returns a note saying why.

use super::fmt::{count, int, pct};
use super::svg::{nice_ceil, Anchor, Svg};
use super::Shown;
use crate::report::{AtOther, CutoffPoint, ScoreBand};

/// Width of every chart, in user units.
const WIDTH: f64 = 640.0;
/// Left margin for axis labels.
const LEFT: f64 = 56.0;
/// Right margin.
const RIGHT: f64 = 24.0;
/// At most this many bars in a histogram; finer bands are merged.
const MAX_BARS: i128 = 40;

/// The decision mix: one stacked bar per policy, approve / review / reject as shares of the
/// decided.
pub(super) fn decision_mix(policies: &[Shown]) -> String {
    let row = 50.0;
    let height = 20.0 + row * policies.len() as f64;
    let mut svg = Svg::new(WIDTH, height, "Decision mix", "chart-decision-mix");
    let (x0, x1) = (8.0, WIDTH - 8.0);
    for (i, p) in policies.iter().enumerate() {
        let top = 4.0 + row * i as f64;
        svg.text(x0, top + 12.0, Anchor::Start, "label", &p.title());
        let mix = &p.report.decisions;
        let parts = [
            ("approve", mix.approve.count),
            ("review", mix.review.count),
            ("reject", mix.reject.count),
        ];
        let total: u64 = parts.iter().map(|(_, n)| n).sum();
        let bar_top = top + 18.0;
        svg.rect(x0, bar_top, x1 - x0, 24.0, "track", "");
        if total == 0 {
            svg.text(
                (x0 + x1) / 2.0,
                bar_top + 16.0,
                Anchor::Middle,
                "muted",
                "nothing decided",
            );
            continue;
        }
        let mut x = x0;
        for (name, n) in parts {
            let share = n as f64 / total as f64;
            let w = (x1 - x0) * share;
            let tip = format!("{name}: {} ({})", count(n), pct(Some(share)));
            svg.rect(x, bar_top, w, 24.0, name, &tip);
            if w >= 44.0 {
                svg.text(
                    x + w / 2.0,
                    bar_top + 16.0,
                    Anchor::Middle,
                    "on-bar",
                    &pct(Some(share)),
                );
            }
            x += w;
        }
    }
    let legend_y = height - 4.0;
    for (i, name) in ["approve", "review", "reject"].iter().enumerate() {
        let x = x0 + 90.0 * i as f64;
        svg.rect(x, legend_y - 9.0, 10.0, 10.0, name, "");
        svg.text(x + 14.0, legend_y, Anchor::Start, "small", name);
    }
    svg.finish()
}

/// Display bins shared by every histogram on the page: `n` bins of `step` scores from `lo`.
struct Bins {
    lo: i128,
    step: i128,
    n: usize,
}

impl Bins {
    /// Bins covering every band of every policy, at most [`MAX_BARS`] of them, each a whole
    /// number of the finest band width so a band never straddles two bars.
    fn over(histograms: &[&[ScoreBand]]) -> Option<Bins> {
        let bands = histograms.iter().flat_map(|h| h.iter());
        let lo = bands.clone().map(|b| i128::from(b.from)).min()?;
        let hi = bands.clone().map(|b| i128::from(b.to.max(b.from))).max()?;
        let finest = bands
            .map(|b| i128::from(b.to) - i128::from(b.from))
            .filter(|w| *w > 0)
            .min()
            .unwrap_or(1);
        let range = (hi - lo).max(1);
        let wanted = (range + MAX_BARS - 1) / MAX_BARS;
        let step = finest * ((wanted + finest - 1) / finest).max(1);
        let n = usize::try_from((range + step - 1) / step)
            .unwrap_or(1)
            .clamp(1, MAX_BARS as usize + 1);
        Some(Bins { lo, step, n })
    }

    /// `(bad, good, unlabelled)` per bin.
    fn fill(&self, bands: &[ScoreBand]) -> Vec<[u64; 3]> {
        let mut out = vec![[0u64; 3]; self.n];
        for b in bands {
            let i =
                ((i128::from(b.from) - self.lo) / self.step).clamp(0, self.n as i128 - 1) as usize;
            let unlabelled = b.count.saturating_sub(b.bad).saturating_sub(b.good);
            for (slot, n) in out[i].iter_mut().zip([b.bad, b.good, unlabelled]) {
                *slot = slot.saturating_add(n);
            }
        }
        out
    }

    fn hi(&self) -> i128 {
        self.lo + self.step * self.n as i128
    }
}

/// The score histograms, one panel per scored policy on a shared score axis, bars split into
/// labelled bad, labelled good and unlabelled, each policy's cut-offs drawn as dashed lines.
pub(super) fn histograms(policies: &[Shown]) -> String {
    let scored: Vec<(&Shown, &[ScoreBand])> = policies
        .iter()
        .filter_map(|p| p.report.score.as_ref().map(|s| (p, s.histogram.as_slice())))
        .filter(|(_, h)| !h.is_empty())
        .collect();
    let hists: Vec<&[ScoreBand]> = scored.iter().map(|(_, h)| *h).collect();
    let Some(bins) = Bins::over(&hists) else {
        return r#"<p class="note">No scores: these policies have no scorecard, or it scored nothing.</p>"#.to_owned();
    };
    let filled: Vec<Vec<[u64; 3]>> = hists.iter().map(|h| bins.fill(h)).collect();
    let top_count = filled
        .iter()
        .flatten()
        .map(|c| c.iter().sum::<u64>())
        .max()
        .unwrap_or(0);
    let y_max = nice_ceil(top_count as f64);

    let panel = 170.0;
    let height = panel * scored.len() as f64 + 44.0;
    let mut svg = Svg::new(WIDTH, height, "Score histograms", "chart-score-histogram");
    let (x0, x1) = (LEFT, WIDTH - RIGHT);
    let (lo, hi) = (bins.lo as f64, bins.hi() as f64);
    let x_of = |score: f64| x0 + (x1 - x0) * ((score - lo) / (hi - lo)).clamp(0.0, 1.0);

    for (k, ((p, _), counts)) in scored.iter().zip(&filled).enumerate() {
        let top = panel * k as f64 + 18.0;
        let (py0, py1) = (top + 30.0, top + panel - 26.0);
        let y_of = |n: f64| py1 - (py1 - py0) * (n / y_max).clamp(0.0, 1.0);
        svg.text(x0, top, Anchor::Start, "label", &p.title());
        for t in [0.0, 0.5, 1.0] {
            let y = y_of(y_max * t);
            svg.line(x0, y, x1, y, "grid");
            svg.text(
                x0 - 6.0,
                y + 4.0,
                Anchor::End,
                "small",
                &count((y_max * t) as u64),
            );
        }
        let bar_w = (x1 - x0) / bins.n as f64;
        for (i, c) in counts.iter().enumerate() {
            let from = bins.lo + bins.step * i as i128;
            let x = x0 + bar_w * i as f64;
            let mut below = 0u64;
            for (n, class) in c.iter().zip(["bad", "good", "unlabelled"]) {
                if *n == 0 {
                    continue;
                }
                let (y_top, y_bottom) = (y_of((below + n) as f64), y_of(below as f64));
                let tip = format!("{}–{}: {} {class}", from, from + bins.step - 1, count(*n));
                svg.rect(x + 0.5, y_top, bar_w - 1.0, y_bottom - y_top, class, &tip);
                below += n;
            }
        }
        svg.line(x0, py1, x1, py1, "axis");
        if let Some(cut) = p.report.cutoffs {
            let (xr, xa) = (x_of(cut.review as f64), x_of(cut.approve as f64));
            svg.line(xr, py0 - 14.0, xr, py1, "cut review-line");
            svg.text(
                xr - 4.0,
                py0 - 4.0,
                Anchor::End,
                "small",
                &format!("review ≥ {}", int(cut.review)),
            );
            svg.line(xa, py0 - 14.0, xa, py1, "cut approve-line");
            svg.text(
                xa + 4.0,
                py0 - 4.0,
                Anchor::Start,
                "small",
                &format!("approve ≥ {}", int(cut.approve)),
            );
        }
    }
    // The shared score axis under the last panel.
    let axis_y = panel * scored.len() as f64 + 6.0;
    let tick = nice_ceil((hi - lo) / 6.0).max(1.0);
    let mut t = (lo / tick).ceil() * tick;
    while t <= hi && t.is_finite() {
        let x = x_of(t);
        svg.line(x, axis_y - 4.0, x, axis_y, "axis");
        svg.text(x, axis_y + 12.0, Anchor::Middle, "small", &int(t as i64));
        t += tick;
    }
    svg.text(
        (x0 + x1) / 2.0,
        axis_y + 28.0,
        Anchor::Middle,
        "small",
        "score",
    );
    let legend_x = x1 - 250.0;
    for (i, class) in ["bad", "good", "unlabelled"].iter().enumerate() {
        let x = legend_x + 84.0 * i as f64;
        svg.rect(x, axis_y + 19.0, 10.0, 10.0, class, "");
        svg.text(x + 14.0, axis_y + 28.0, Anchor::Start, "small", class);
    }
    svg.finish()
}

/// A point on the strategy chart: approval rate, bad rate.
fn point(approval: Option<f64>, bad: Option<f64>) -> Option<(f64, f64)> {
    match (approval, bad) {
        (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Some((x, y)),
        _ => None,
    }
}

/// The strategy curves: approval rate (x) against the bad rate of the approved (y) as the
/// approve cut-off moves, one per policy, each with its actual operating point and, in a
/// comparison, the point at the other policy's approval rate.
pub(super) fn strategy(policies: &[Shown], at_other: Option<&AtOther>) -> String {
    let curves: Vec<Vec<(f64, f64)>> = policies
        .iter()
        .map(|p| {
            let mut pts: Vec<(f64, f64)> = p
                .report
                .strategy
                .iter()
                .filter_map(|r| point(r.approval_rate, r.cumulative_bad_rate.rate))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            pts
        })
        .collect();
    if curves.iter().all(Vec::is_empty) {
        return if policies.iter().all(|p| p.report.strategy.is_empty()) {
            r#"<p class="note">No scorecard: no strategy curve.</p>"#.to_owned()
        } else {
            r#"<p class="note">No labelled lines: the strategy curve needs bad rates.</p>"#
                .to_owned()
        };
    }
    let operating: Vec<Option<(f64, f64)>> = policies
        .iter()
        .map(|p| point(p.report.approval_rate, p.report.bad_rate_approved.rate))
        .collect();
    let others: Vec<Option<(f64, f64)>> = policies
        .iter()
        .map(|p| {
            let at: Option<&CutoffPoint> = at_other.and_then(|a| p.side.at_other(a));
            at.and_then(|c| point(Some(c.approval_rate), c.bad_rate.rate))
        })
        .collect();
    let top_bad = curves
        .iter()
        .flatten()
        .copied()
        .chain(operating.iter().flatten().copied())
        .chain(others.iter().flatten().copied())
        .map(|(_, y)| y)
        .fold(0.0, f64::max);
    // Five to ten gridlines of a round step.
    let y_step = nice_ceil(top_bad.max(0.001) * 1.05 / 5.0);
    let y_ticks = ((top_bad.max(0.001) * 1.05 / y_step).ceil() as usize).clamp(1, 10);
    let y_max = y_step * y_ticks as f64;

    let height = 340.0;
    let mut svg = Svg::new(WIDTH, height, "Strategy curves", "chart-strategy");
    let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, 16.0, height - 48.0);
    let x_of = |x: f64| x0 + (x1 - x0) * x.clamp(0.0, 1.0);
    let y_of = |y: f64| y1 - (y1 - y0) * (y / y_max).clamp(0.0, 1.0);
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let x = x_of(t);
        svg.line(x, y0, x, y1, "grid");
        svg.text(x, y1 + 14.0, Anchor::Middle, "small", &pct(Some(t)));
    }
    for i in 0..=y_ticks {
        let v = y_step * i as f64;
        let y = y_of(v);
        svg.line(x0, y, x1, y, "grid");
        svg.text(x0 - 6.0, y + 4.0, Anchor::End, "small", &pct(Some(v)));
    }
    svg.line(x0, y1, x1, y1, "axis");
    svg.line(x0, y0, x0, y1, "axis");
    svg.text(
        (x0 + x1) / 2.0,
        y1 + 32.0,
        Anchor::Middle,
        "small",
        "approval rate",
    );
    svg.text(
        x0 + 6.0,
        y0 + 10.0,
        Anchor::Start,
        "small",
        "bad rate of the approved",
    );

    for (k, (p, pts)) in policies.iter().zip(&curves).enumerate() {
        let class = p.side.class();
        let pts: Vec<(f64, f64)> = pts.iter().map(|(x, y)| (x_of(*x), y_of(*y))).collect();
        svg.polyline(&pts, &format!("curve {class}"));
        if let Some((x, y)) = others[k] {
            let tip = format!(
                "{} at the other's approval rate: {} approved, {} bad",
                p.name(),
                pct(Some(x)),
                pct(Some(y))
            );
            svg.circle(x_of(x), y_of(y), 4.5, &format!("hollow {class}"), &tip);
        }
        if let Some((x, y)) = operating[k] {
            let tip = format!(
                "{} as it stands: {} approved, {} bad",
                p.name(),
                pct(Some(x)),
                pct(Some(y))
            );
            svg.circle(x_of(x), y_of(y), 5.5, &format!("dot {class}"), &tip);
            let (dx, dy, anchor) = if k == 0 {
                (-8.0, -8.0, Anchor::End)
            } else {
                (8.0, 16.0, Anchor::Start)
            };
            svg.text(
                x_of(x) + dx,
                y_of(y) + dy,
                anchor,
                &format!("small {class}-text"),
                p.side.key(),
            );
        }
        // Legend, top left, under the axis title: a curve at low approval has a low bad rate.
        let ly = y0 + 30.0 + 16.0 * k as f64;
        svg.rect(x0 + 8.0, ly - 12.0, 300.0, 16.0, "legend-bg", "");
        svg.line(
            x0 + 12.0,
            ly - 4.0,
            x0 + 32.0,
            ly - 4.0,
            &format!("curve {class}"),
        );
        svg.text(x0 + 38.0, ly, Anchor::Start, "small", &p.title());
    }
    svg.finish()
}
