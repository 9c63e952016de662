//! An applicant's credit history over the last 180 days, drawn from their latent traits.
//!
//! Events are drawn per *period* — days 0-29, 30-89 and 90-179 before the request — and the
//! provider's windows (30, 90, 180 days) are sums of periods, so a 30-day count is never above
//! the 90-day count, which is never above the 180-day count. Each event is given a lender from
//! the applicant's pool, and institution counts are the distinct lenders seen so far, so they
//! are at most the event counts and grow with the window too. Days since the last event fall
//! inside the first period that has one; with none in 180 days, the last event is older or
//! never happened (`None`).

use rust_decimal::Decimal;

use crate::applicant::{Activity, Applicant};
use crate::draw::Draw;

/// The three periods' first and last day before the request.
const PERIODS: [(u32, u32); 3] = [(0, 29), (30, 89), (90, 179)];
/// Each period's length over 30 days, so rates can be given per 30 days.
const MONTHS: [f64; 3] = [1.0, 2.0, 3.0];
/// Most events of one kind in one period.
const CAP: u32 = 60;

/// One of the provider's windows, as an index into per-window arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    /// The last 30 days.
    D30 = 0,
    /// The last 90 days.
    D90 = 1,
    /// The last 180 days.
    D180 = 2,
}

/// One kind of event: counts and distinct lenders per window, and recency.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Series {
    /// Events per window (cumulative over periods).
    pub(crate) count: [u32; 3],
    /// Distinct institutions per window.
    pub(crate) institutions: [u32; 3],
    /// Days since the most recent event; `None`: never.
    pub(crate) days_since_last: Option<u32>,
}

impl Series {
    /// Events in a window.
    pub(crate) fn at(&self, w: Window) -> u32 {
        self.count[w as usize]
    }

    /// Institutions in a window.
    pub(crate) fn inst(&self, w: Window) -> u32 {
        self.institutions[w as usize]
    }

    /// Draw a series: `rate` events per 30 days (per period, scaled by its length), lenders
    /// from a pool of `pool`, and the chance `older` that an applicant with no event in 180
    /// days had one before.
    fn draw(d: &mut Draw, rate: [f64; 3], pool: u32, older: f64) -> (Series, [u32; 3]) {
        let mut s = Series::default();
        let mut per_period = [0u32; 3];
        let mut seen = 0u64;
        let pool = pool.clamp(1, 64);
        let mut total = 0;
        for p in 0..3 {
            let n = d.geometric(rate[p] * MONTHS[p], CAP);
            per_period[p] = n;
            for _ in 0..n {
                seen |= 1 << d.below(u64::from(pool));
            }
            total += n;
            s.count[p] = total;
            s.institutions[p] = seen.count_ones();
            if n > 0 && s.days_since_last.is_none() {
                s.days_since_last = Some(d.between(PERIODS[p].0, PERIODS[p].1));
            }
        }
        if s.days_since_last.is_none() && d.chance(older) {
            s.days_since_last = Some(d.between(180, 720));
        }
        (s, per_period)
    }
}

/// Per-window sums of money, from per-period sums.
fn cumulative(per_period: [Decimal; 3]) -> [Decimal; 3] {
    let a = per_period[0];
    let b = a + per_period[1];
    [a, b, b + per_period[2]]
}

/// A money amount in whole units from `lo` to `hi`, with cents one time in three.
fn amount(d: &mut Draw, lo: u32, hi: u32) -> Decimal {
    let units = i64::from(d.between(lo, hi));
    let cents = if d.chance(1.0 / 3.0) {
        i64::from(d.between(1, 99))
    } else {
        0
    };
    Decimal::new(units * 100 + cents, 2)
}

/// Everything the 35 default signals report about one applicant.
#[derive(Debug, Clone)]
pub(crate) struct History {
    /// Institutions that sent marketing, per window (no counts of events in the defaults).
    pub(crate) marketing: Series,
    /// Loan applications received by lenders.
    pub(crate) applications: Series,
    /// Applications approved in the last 30 days (at most the applications).
    pub(crate) approvals_30: u32,
    /// Loans disbursed.
    pub(crate) disbursements: Series,
    /// Repayment reminders (30-day window only in the defaults).
    pub(crate) reminders: Series,
    /// Successful repayments (30-day count and institutions, recency).
    pub(crate) repayments: Series,
    /// Overdue events.
    pub(crate) overdue: Series,
    /// Days overdue per window (sum over the window's overdue events).
    pub(crate) overdue_days: [u32; 3],
    /// Overdue amount per window.
    pub(crate) overdue_amount: [Decimal; 3],
    /// Debt per window: loans disbursed plus amounts overdue in it.
    pub(crate) debt_amount: [Decimal; 3],
}

impl History {
    /// Draw the history of `a`.
    pub(crate) fn draw(d: &mut Draw, a: &Applicant) -> Self {
        let act = a.activity.rate();
        let r = a.risk;
        let older = if a.activity == Activity::Thin {
            0.1
        } else {
            0.5
        };

        let mk = 0.4 * act * (0.8 + r);
        let (marketing, _) = Series::draw(d, [mk; 3], 40, 0.0);

        // Risky applicants apply more, at more lenders, and some are on a spree right now.
        let apps = act * (0.5 + 3.0 * r * r);
        let spree = if d.chance(0.35 * r * r) { 4.0 } else { 1.0 };
        let app_pool = 2 + d.geometric(1.0 + 10.0 * r * r, 40);
        let (applications, _) = Series::draw(d, [apps * spree, apps, apps], app_pool, older);
        let approve = 0.75 - 0.55 * r;
        let approvals_30 = (0..applications.at(Window::D30))
            .filter(|_| d.chance(approve))
            .count() as u32;

        let disb = act * (0.2 + 0.5 * r);
        let lenders = 1 + d.geometric(0.5 + 3.0 * r, 20);
        let (disbursements, disb_periods) = Series::draw(d, [disb; 3], lenders, older);
        // Small-ticket loans; riskier borrowers take larger ones.
        let loan_max = 6_000 + (14_000.0 * r) as u32;
        let mut lent = [Decimal::ZERO; 3];
        for (p, n) in disb_periods.iter().enumerate() {
            for _ in 0..*n {
                lent[p] += amount(d, 300, loan_max);
            }
        }

        // Overdue events need loans: their rate grows with the loans held and, steeply, risk.
        let loans = f64::from(disbursements.at(Window::D180));
        let od = 2.0 * r * r * r * (0.3 + 0.3 * loans.min(5.0));
        let (overdue, od_periods) = Series::draw(d, [od; 3], lenders, older * r);
        let mut days = [0u32; 3];
        let mut owed = [Decimal::ZERO; 3];
        for (p, n) in od_periods.iter().enumerate() {
            for _ in 0..*n {
                days[p] += 1 + d.geometric(2.0 + 20.0 * r * r, 90);
                owed[p] += amount(d, 200, 8_000);
            }
        }
        let overdue_days = [days[0], days[0] + days[1], days[0] + days[1] + days[2]];
        let overdue_amount = cumulative(owed);
        let lent = cumulative(lent);
        let debt_amount = [
            lent[0] + overdue_amount[0],
            lent[1] + overdue_amount[1],
            lent[2] + overdue_amount[2],
        ];

        // Borrowers with loans repay; the riskier, the less and the more they are reminded.
        let held = loans.min(4.0);
        let repay = if loans > 0.0 { held * (1.1 - r) } else { 0.0 };
        let (repayments, _) =
            Series::draw(d, [repay; 3], disbursements.inst(Window::D180), older * 0.5);
        let remind = held * (0.2 + 2.0 * r * r);
        let (reminders, _) = Series::draw(d, [remind; 3], disbursements.inst(Window::D180), 0.0);

        Self {
            marketing,
            applications,
            approvals_30,
            disbursements,
            reminders,
            repayments,
            overdue,
            overdue_days,
            overdue_amount,
            debt_amount,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_nest_and_institutions_fit() {
        for index in 0..3000 {
            let mut d = Draw::new(11, index);
            let a = Applicant::draw(&mut d);
            let h = History::draw(&mut d, &a);
            for s in [
                &h.marketing,
                &h.applications,
                &h.disbursements,
                &h.reminders,
                &h.repayments,
                &h.overdue,
            ] {
                assert!(
                    s.count[0] <= s.count[1] && s.count[1] <= s.count[2],
                    "{s:?}"
                );
                assert!(s.institutions[0] <= s.institutions[1]);
                assert!(s.institutions[1] <= s.institutions[2]);
                assert!((0..3).all(|w| s.institutions[w] <= s.count[w]), "{s:?}");
                match s.days_since_last {
                    Some(days) if days < 30 => assert!(s.count[0] > 0),
                    Some(days) if days < 90 => assert!(s.count[0] == 0 && s.count[1] > 0),
                    Some(days) if days < 180 => assert!(s.count[1] == 0 && s.count[2] > 0),
                    _ => assert_eq!(s.count[2], 0, "{s:?}"),
                }
            }
            assert!(h.approvals_30 <= h.applications.at(Window::D30));
            assert!(h.overdue_days[0] <= h.overdue_days[1]);
            assert!(h.overdue_days[1] <= h.overdue_days[2]);
            assert!(h.overdue_amount[0] <= h.overdue_amount[2]);
            assert!(h.debt_amount[0] <= h.debt_amount[1]);
            // Days overdue are counted per event, so there are at least as many as events.
            assert!((0..3).all(|w| h.overdue_days[w] >= h.overdue.count[w]));
        }
    }
}
