//! A history as the provider's 35 default signals: names in the provider's order, and values
//! written the way a provider account sends them (nulls or zeros for empty windows, exact
//! amounts or bands).

use rust_decimal::Decimal;

use crate::history::{History, Series, Window};

/// The 35 default phone signals, in the order of the provider's sample payload.
pub(crate) const NAMES: [&str; 35] = [
    "events_marketing_day30_institution_count",
    "events_application_reception_day30",
    "events_application_reception_day30_institution_count",
    "events_application_approval_day30",
    "events_loan_disbursement_day30",
    "events_loan_disbursement_day30_institution_count",
    "events_repayment_reminder_day30",
    "events_repayment_reminder_day30_institution_count",
    "events_successful_repayment_day30",
    "events_successful_repayment_day30_institution_count",
    "events_overdue_day30",
    "events_overdue_day30_institution_count",
    "events_overdue_day30_amount",
    "events_debt_day30_amount",
    "events_overdue_day30_days",
    "events_marketing_day90_institution_count",
    "events_application_reception_day90",
    "events_loan_disbursement_day90",
    "events_loan_disbursement_day90_institution_count",
    "events_overdue_day90",
    "events_overdue_day90_institution_count",
    "events_overdue_day90_amount",
    "events_debt_day90_amount",
    "events_overdue_day90_days",
    "events_marketing_day180_institution_count",
    "events_application_reception_day180",
    "events_loan_disbursement_day180",
    "events_loan_disbursement_day180_institution_count",
    "events_overdue_day180",
    "events_overdue_day180_institution_count",
    "events_overdue_day180_amount",
    "events_overdue_day180_days",
    "events_loan_disbursement_days_since_last",
    "events_successful_repayment_days_since_last",
    "events_overdue_days_since_last",
];

/// Where [`NAMES`] has `events_overdue_day30` (a count a bad value can be put in).
pub(crate) const OVERDUE_30: usize = 10;
/// Where [`NAMES`] has `events_debt_day90_amount`.
pub(crate) const DEBT_90: usize = 22;
/// Where [`NAMES`] has `events_overdue_day90_days`.
pub(crate) const OVERDUE_DAYS_90: usize = 23;

/// What an account sends for an amount or days signal whose window had no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmptyAs {
    /// `null`, as in the reference's sample.
    Null,
    /// `0`.
    Zero,
}

/// How an account sends amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Amounts {
    /// The amount, e.g. `1250.50`.
    Exact,
    /// A band `"A0"` .. `"A12"`: `A0` below 400 (and for no event), then one level per
    /// doubling, so `A8` starts at 51,200.
    Banded,
}

/// An account's way of writing values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// Empty amount and days windows.
    pub(crate) empty: EmptyAs,
    /// Amounts.
    pub(crate) amounts: Amounts,
    /// Marketing counts are `null` (as the reference's thin-file sample sends them).
    pub(crate) marketing_null: bool,
}

/// One signal value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value {
    /// A whole number.
    Count(u32),
    /// An amount of money.
    Money(Decimal),
    /// An amount band level (`"A<level>"`).
    Band(u8),
    /// JSON `null`.
    Null,
    /// Literal JSON text that is *not* a valid value for the signal (malformed lines only).
    Bad(&'static str),
}

/// The band level of an amount: 0 below 400, then one level per doubling, at most 12.
fn band(amount: Decimal) -> u8 {
    let mut level = 0u8;
    let mut threshold = Decimal::from(400);
    while level < 12 && amount >= threshold {
        level += 1;
        threshold += threshold;
    }
    level
}

/// A money value of a window with `events` events.
fn money(style: Style, events: u32, amount: Decimal) -> Value {
    match (style.amounts, events) {
        (Amounts::Banded, 0) => Value::Band(0),
        (Amounts::Banded, _) => Value::Band(band(amount)),
        (Amounts::Exact, 0) => empty(style),
        (Amounts::Exact, _) => Value::Money(amount),
    }
}

/// A days value of a window with `events` events.
fn days(style: Style, events: u32, days: u32) -> Value {
    if events == 0 {
        empty(style)
    } else {
        Value::Count(days)
    }
}

fn empty(style: Style) -> Value {
    match style.empty {
        EmptyAs::Null => Value::Null,
        EmptyAs::Zero => Value::Count(0),
    }
}

fn since(s: &Series) -> Value {
    s.days_since_last.map_or(Value::Null, Value::Count)
}

/// The 35 values of [`NAMES`], in order.
pub(crate) fn values(h: &History, style: Style) -> [Value; 35] {
    use Window::{D180, D30, D90};
    let c = Value::Count;
    let mk = |w: Window| {
        if style.marketing_null {
            Value::Null
        } else {
            c(h.marketing.inst(w))
        }
    };
    let (apps, disb, od) = (&h.applications, &h.disbursements, &h.overdue);
    // Debt has its own events: a loan disbursed or an amount overdue in the window.
    let debt_events = |w: Window| disb.at(w) + od.at(w);
    [
        mk(D30),
        c(apps.at(D30)),
        c(apps.inst(D30)),
        c(h.approvals_30),
        c(disb.at(D30)),
        c(disb.inst(D30)),
        c(h.reminders.at(D30)),
        c(h.reminders.inst(D30)),
        c(h.repayments.at(D30)),
        c(h.repayments.inst(D30)),
        c(od.at(D30)),
        c(od.inst(D30)),
        money(style, od.at(D30), h.overdue_amount[0]),
        money(style, debt_events(D30), h.debt_amount[0]),
        days(style, od.at(D30), h.overdue_days[0]),
        mk(D90),
        c(apps.at(D90)),
        c(disb.at(D90)),
        c(disb.inst(D90)),
        c(od.at(D90)),
        c(od.inst(D90)),
        money(style, od.at(D90), h.overdue_amount[1]),
        money(style, debt_events(D90), h.debt_amount[1]),
        days(style, od.at(D90), h.overdue_days[1]),
        mk(D180),
        c(apps.at(D180)),
        c(disb.at(D180)),
        c(disb.inst(D180)),
        c(od.at(D180)),
        c(od.inst(D180)),
        money(style, od.at(D180), h.overdue_amount[2]),
        days(style, od.at(D180), h.overdue_days[2]),
        since(disb),
        since(&h.repayments),
        since(od),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_double_from_400() {
        assert_eq!(band(Decimal::from(399)), 0);
        assert_eq!(band(Decimal::from(400)), 1);
        assert_eq!(band(Decimal::from(51_199)), 7);
        assert_eq!(band(Decimal::from(51_200)), 8);
        assert_eq!(band(Decimal::from(10_000_000)), 12);
    }

    #[test]
    fn the_names_are_the_indexes_the_corruptions_use() {
        assert_eq!(NAMES[OVERDUE_30], "events_overdue_day30");
        assert_eq!(NAMES[DEBT_90], "events_debt_day90_amount");
        assert_eq!(NAMES[OVERDUE_DAYS_90], "events_overdue_day90_days");
        let mut sorted = NAMES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 35);
    }
}
