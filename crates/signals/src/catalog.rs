//! The signal catalog: every phone risk signal the provider documents, with its kind.
//!
//! Signal names follow one scheme, so the catalog is *parsed*, not typed out:
//!
//! * `events_<event>_day<N>` — number of `<event>` events in the last N days ([`SignalKind::Count`]);
//! * `events_<event>_day<N>_institution_count` — institutions reporting them ([`SignalKind::InstitutionCount`]);
//! * `events_<event>_day<N>_amount` — their amount ([`SignalKind::Amount`]);
//! * `events_<event>_day<N>_days` — days overdue within the window ([`SignalKind::Days`]);
//! * `events_<event>_days_since_last` — days since the most recent one ([`SignalKind::DaysSinceLast`]).
//!
//! Any name that fits the scheme is understood (an event or window the table below does not list
//! still gets a kind); the table only records which signals the provider documents and which of
//! them are on by default.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a signal measures; fixes its type, unit, valid range and what `null` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// Number of events in a window. Non-negative integer; `null` means 0 events.
    Count,
    /// Number of distinct institutions reporting events in a window. Non-negative integer;
    /// `null` means 0 institutions.
    InstitutionCount,
    /// Money amount of events in a window. Non-negative decimal, or a band such as `"A3"`;
    /// `null` means unknown (missing).
    Amount,
    /// Days overdue within a window. Non-negative integer; `null` means unknown (missing).
    Days,
    /// Days since the most recent event. Non-negative integer; `null` means the event never
    /// happened, which is *not* 0 (= today).
    DaysSinceLast,
}

/// What a JSON `null` value means for a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NullMeaning {
    /// `null` is a zero count.
    Zero,
    /// `null` means the event never happened (for "days since last").
    Never,
    /// `null` is unknown: the value is missing.
    Missing,
}

impl SignalKind {
    /// What `null` means for this kind, unless a policy overrides it.
    pub fn null_meaning(self) -> NullMeaning {
        match self {
            SignalKind::Count | SignalKind::InstitutionCount => NullMeaning::Zero,
            SignalKind::DaysSinceLast => NullMeaning::Never,
            SignalKind::Amount | SignalKind::Days => NullMeaning::Missing,
        }
    }

    /// The unit of the value, for documentation and tooling.
    pub fn unit(self) -> &'static str {
        match self {
            SignalKind::Count => "events",
            SignalKind::InstitutionCount => "institutions",
            SignalKind::Amount => "currency units",
            SignalKind::Days | SignalKind::DaysSinceLast => "days",
        }
    }

    /// Whether values must be whole numbers.
    pub fn is_integral(self) -> bool {
        !matches!(self, SignalKind::Amount)
    }

    /// Whether a banded string (`"A0"`..) is an acceptable value.
    pub fn accepts_band(self) -> bool {
        matches!(self, SignalKind::Amount)
    }

    /// Check a numeric value against the kind's valid range (non-negative; whole for counts
    /// and days). The error is the constraint violated.
    pub fn check(self, value: Decimal) -> Result<(), RangeViolation> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(RangeViolation::Negative);
        }
        if self.is_integral() && !value.fract().is_zero() {
            return Err(RangeViolation::Fractional);
        }
        Ok(())
    }

    /// The scheme's suffix for this kind (`""`, `"_institution_count"`, ...).
    fn suffix(self) -> &'static str {
        match self {
            SignalKind::Count => "",
            SignalKind::InstitutionCount => "_institution_count",
            SignalKind::Amount => "_amount",
            SignalKind::Days => "_days",
            SignalKind::DaysSinceLast => "_days_since_last",
        }
    }
}

impl fmt::Display for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignalKind::Count => "count",
            SignalKind::InstitutionCount => "institution count",
            SignalKind::Amount => "amount",
            SignalKind::Days => "days",
            SignalKind::DaysSinceLast => "days since last",
        })
    }
}

/// The constraint of a [`SignalKind`]'s range that a value violates
/// ([`SignalKind::check`]); displayed as the phrase an error message uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum RangeViolation {
    /// Below zero: no kind is negative.
    #[error("must not be negative")]
    Negative,
    /// A fraction where the kind counts (events, institutions, days).
    #[error("must be a whole number")]
    Fractional,
}

/// A signal name taken apart by the naming scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalName<'a> {
    /// The event, e.g. `overdue`, `loan_disbursement`.
    pub event: &'a str,
    /// The window in days (`None` for "days since last").
    pub window_days: Option<u16>,
    /// The measure, which fixes the kind.
    pub kind: SignalKind,
}

impl<'a> SignalName<'a> {
    /// Parse a name that fits `events_<event>_day<N>[_<measure>]` or
    /// `events_<event>_days_since_last`. Returns `None` for anything else.
    ///
    /// ```
    /// use underwrite_signals::catalog::{SignalKind, SignalName};
    /// let s = SignalName::parse("events_overdue_day90_institution_count").unwrap();
    /// assert_eq!((s.event, s.window_days, s.kind), ("overdue", Some(90), SignalKind::InstitutionCount));
    /// let s = SignalName::parse("events_overdue_days_since_last").unwrap();
    /// assert_eq!((s.event, s.window_days, s.kind), ("overdue", None, SignalKind::DaysSinceLast));
    /// assert!(SignalName::parse("score").is_none());
    /// ```
    pub fn parse(name: &'a str) -> Option<Self> {
        let rest = name.strip_prefix("events_")?;
        if let Some(event) = rest.strip_suffix("_days_since_last") {
            return valid_event(event).then_some(SignalName {
                event,
                window_days: None,
                kind: SignalKind::DaysSinceLast,
            });
        }
        // The window marker is the last `_day` followed by a digit (`_days` is a measure).
        let (event, after) = rest
            .rmatch_indices("_day")
            .map(|(at, _)| (&rest[..at], &rest[at + 4..]))
            .find(|(_, after)| after.starts_with(|c: char| c.is_ascii_digit()))?;
        let digits_len = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits_len > 4 {
            return None;
        }
        let (digits, measure) = after.split_at(digits_len);
        let window_days: u16 = digits.parse().ok().filter(|d| *d > 0)?;
        let kind = match measure {
            "" => SignalKind::Count,
            "_institution_count" => SignalKind::InstitutionCount,
            "_amount" => SignalKind::Amount,
            "_days" => SignalKind::Days,
            _ => return None,
        };
        valid_event(event).then_some(SignalName {
            event,
            window_days: Some(window_days),
            kind,
        })
    }

    /// Format back to the canonical name (the inverse of [`SignalName::parse`]).
    pub fn to_name(&self) -> String {
        match self.window_days {
            None => format!(
                "events_{}{}",
                self.event,
                SignalKind::DaysSinceLast.suffix()
            ),
            Some(days) => format!("events_{}_day{}{}", self.event, days, self.kind.suffix()),
        }
    }
}

fn valid_event(event: &str) -> bool {
    !event.is_empty()
        && !event.starts_with('_')
        && !event.ends_with('_')
        && event
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Availability of a documented signal in the provider's catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Selected for every account by default (✅ in the provider's table).
    Default,
    /// Available on request (🟨).
    OnRequest,
}

/// One documented signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The signal name, e.g. `events_overdue_day30_amount`.
    pub name: String,
    /// The event it counts.
    pub event: &'static str,
    /// The window in days, `None` for "days since last".
    pub window_days: Option<u16>,
    /// What it measures.
    pub kind: SignalKind,
    /// Default or on request.
    pub availability: Availability,
}

/// The windows the provider offers.
pub const WINDOWS: [u16; 3] = [30, 90, 180];

/// The letters of the amount bands the provider sends. The reference's only example is
/// `"A0"` (`events_debt_day90_amount`); no other letter is documented, so no other is accepted
/// (a `"Z1"` would otherwise order above every `A` band and read as the largest debt).
pub const BAND_LETTERS: &[u8] = b"A";

/// The largest band level accepted. The reference documents the form (`"A0"`) but not the
/// range; the shipped policies, docs and tests use levels 0 to 12, and two digits leave
/// room for every level a coarse amount bucket needs while refusing runaway text (`"A1000"`).
/// Change it here, and the docs' bands paragraph, if the provider documents more.
pub const BAND_MAX_LEVEL: u16 = 99;

/// [`BAND_FORM`] as a literal, for messages built with `concat!` (one text, one place).
macro_rules! band_form {
    () => {
        "\"A\" followed by a level from 0 to 99 in digits without leading zeros (\"A0\" to \"A99\")"
    };
}
pub(crate) use band_form;

/// How an accepted band is written, for messages and docs: a letter of [`BAND_LETTERS`], then
/// a level from 0 to [`BAND_MAX_LEVEL`] in ASCII digits without leading zeros, nothing else.
pub const BAND_FORM: &str = band_form!();

use Availability::{Default as D, OnRequest as R};

/// The provider's "Risk Signals - Phone" table: (event, measure, availability per 30/90/180-day
/// window, or a single entry for "days since last"). `None` means not offered.
const TABLE: &[(&str, SignalKind, [Option<Availability>; 3])] = &[
    (
        "application_approval",
        SignalKind::Count,
        [Some(D), Some(R), Some(R)],
    ),
    (
        "application_approval",
        SignalKind::InstitutionCount,
        [Some(R), Some(R), Some(R)],
    ),
    (
        "application_approval",
        SignalKind::DaysSinceLast,
        [Some(R), None, None],
    ),
    (
        "application_reception",
        SignalKind::Count,
        [Some(D), Some(D), Some(D)],
    ),
    (
        "application_reception",
        SignalKind::InstitutionCount,
        [Some(D), Some(R), Some(R)],
    ),
    (
        "application_reception",
        SignalKind::DaysSinceLast,
        [Some(R), None, None],
    ),
    (
        "application_rejection",
        SignalKind::Count,
        [Some(R), Some(R), Some(R)],
    ),
    (
        "application_rejection",
        SignalKind::InstitutionCount,
        [Some(R), Some(R), Some(R)],
    ),
    (
        "application_rejection",
        SignalKind::DaysSinceLast,
        [Some(R), None, None],
    ),
    ("arbitrary", SignalKind::Count, [Some(R), Some(R), Some(R)]),
    (
        "arbitrary",
        SignalKind::InstitutionCount,
        [Some(R), Some(R), Some(R)],
    ),
    ("captcha", SignalKind::Count, [Some(R), Some(R), Some(R)]),
    (
        "captcha",
        SignalKind::InstitutionCount,
        [Some(R), Some(R), Some(R)],
    ),
    ("captcha", SignalKind::DaysSinceLast, [Some(R), None, None]),
    ("debt", SignalKind::Amount, [Some(D), Some(D), Some(R)]),
    ("lending", SignalKind::Count, [Some(R), Some(R), Some(R)]),
    (
        "lending",
        SignalKind::InstitutionCount,
        [Some(R), Some(R), Some(R)],
    ),
    (
        "loan_disbursement",
        SignalKind::Count,
        [Some(D), Some(D), Some(D)],
    ),
    (
        "loan_disbursement",
        SignalKind::Amount,
        [Some(R), Some(R), Some(R)],
    ),
    (
        "loan_disbursement",
        SignalKind::InstitutionCount,
        [Some(D), Some(D), Some(D)],
    ),
    (
        "loan_disbursement",
        SignalKind::DaysSinceLast,
        [Some(D), None, None],
    ),
    ("marketing", SignalKind::Count, [Some(R), Some(R), Some(R)]),
    (
        "marketing",
        SignalKind::InstitutionCount,
        [Some(D), Some(D), Some(D)],
    ),
    (
        "marketing",
        SignalKind::DaysSinceLast,
        [Some(R), None, None],
    ),
    ("other", SignalKind::Count, [Some(R), Some(R), Some(R)]),
    (
        "other",
        SignalKind::InstitutionCount,
        [Some(R), Some(R), Some(R)],
    ),
    ("overdue", SignalKind::Count, [Some(D), Some(D), Some(D)]),
    ("overdue", SignalKind::Amount, [Some(D), Some(D), Some(D)]),
    (
        "overdue_autorepayment",
        SignalKind::Days,
        [Some(R), Some(R), Some(R)],
    ),
    (
        "overdue",
        SignalKind::InstitutionCount,
        [Some(D), Some(D), Some(D)],
    ),
    ("overdue", SignalKind::Days, [Some(D), Some(D), Some(D)]),
    ("overdue", SignalKind::DaysSinceLast, [Some(D), None, None]),
    ("preloan", SignalKind::Count, [Some(R), Some(R), Some(R)]),
    (
        "preloan",
        SignalKind::InstitutionCount,
        [Some(R), Some(R), Some(R)],
    ),
    (
        "repayment_reminder",
        SignalKind::Count,
        [Some(D), Some(R), Some(R)],
    ),
    (
        "repayment_reminder",
        SignalKind::Amount,
        [Some(R), Some(R), Some(R)],
    ),
    (
        "repayment_reminder",
        SignalKind::InstitutionCount,
        [Some(D), Some(R), Some(R)],
    ),
    (
        "repayment_reminder",
        SignalKind::DaysSinceLast,
        [Some(R), None, None],
    ),
    (
        "successful_repayment",
        SignalKind::Count,
        [Some(D), Some(R), Some(R)],
    ),
    (
        "successful_repayment",
        SignalKind::Amount,
        [Some(R), Some(R), Some(R)],
    ),
    (
        "successful_repayment",
        SignalKind::InstitutionCount,
        [Some(D), Some(R), Some(R)],
    ),
    (
        "successful_repayment",
        SignalKind::DaysSinceLast,
        [Some(D), None, None],
    ),
];

/// Every documented phone signal, in the provider's table order.
///
/// ```
/// use underwrite_signals::catalog::{phone_signals, Availability};
/// let all = phone_signals();
/// assert!(all.iter().any(|s| s.name == "events_overdue_day180_amount"));
/// let defaults = all.iter().filter(|s| s.availability == Availability::Default).count();
/// assert!(defaults >= 30);
/// ```
pub fn phone_signals() -> Vec<CatalogEntry> {
    let mut out = Vec::with_capacity(128);
    for &(event, kind, availability) in TABLE {
        if kind == SignalKind::DaysSinceLast {
            if let Some(a) = availability[0] {
                out.push(entry(event, None, kind, a));
            }
            continue;
        }
        for (window, a) in WINDOWS.iter().zip(availability) {
            if let Some(a) = a {
                out.push(entry(event, Some(*window), kind, a));
            }
        }
    }
    out
}

fn entry(
    event: &'static str,
    window_days: Option<u16>,
    kind: SignalKind,
    availability: Availability,
) -> CatalogEntry {
    let name = SignalName {
        event,
        window_days,
        kind,
    }
    .to_name();
    CatalogEntry {
        name,
        event,
        window_days,
        kind,
        availability,
    }
}

/// The kind of a signal name, from the scheme (`None` when the name does not fit it).
pub fn kind_of(name: &str) -> Option<SignalKind> {
    SignalName::parse(name).map(|s| s.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_name_round_trips_through_the_scheme() {
        for e in phone_signals() {
            let parsed = SignalName::parse(&e.name).expect(&e.name);
            assert_eq!(parsed.event, e.event);
            assert_eq!(parsed.window_days, e.window_days);
            assert_eq!(parsed.kind, e.kind);
            assert_eq!(parsed.to_name(), e.name);
        }
    }

    #[test]
    fn catalog_has_the_reference_default_signals() {
        // The 35 names in the reference's sample `result` object are all default signals.
        let defaults: Vec<String> = phone_signals()
            .into_iter()
            .filter(|e| e.availability == Availability::Default)
            .map(|e| e.name)
            .collect();
        for name in [
            "events_marketing_day30_institution_count",
            "events_application_reception_day30_institution_count",
            "events_application_approval_day30",
            "events_overdue_day30_days",
            "events_debt_day90_amount",
            "events_loan_disbursement_days_since_last",
            "events_overdue_days_since_last",
            "events_successful_repayment_days_since_last",
            "events_overdue_day180_amount",
        ] {
            assert!(defaults.iter().any(|d| d == name), "{name} not a default");
        }
        let names: std::collections::HashSet<_> =
            phone_signals().into_iter().map(|e| e.name).collect();
        assert_eq!(
            names.len(),
            phone_signals().len(),
            "duplicate catalog names"
        );
    }

    #[test]
    fn unknown_names_that_fit_the_scheme_are_understood() {
        let s = SignalName::parse("events_fraud_report_day60_amount").expect("fits");
        assert_eq!(s.event, "fraud_report");
        assert_eq!(s.window_days, Some(60));
        assert_eq!(s.kind, SignalKind::Amount);
        assert_eq!(kind_of("events_captcha_day7"), Some(SignalKind::Count));
    }

    #[test]
    fn names_outside_the_scheme_are_rejected() {
        for bad in [
            "",
            "events_",
            "events__day30",
            "events_overdue_day",
            "events_overdue_day0",
            "events_overdue_day30_score",
            "events_overdue_dayx",
            "events_Overdue_day30",
            "overdue_day30",
            "events_overdue_day123456",
            "events__days_since_last",
        ] {
            assert!(SignalName::parse(bad).is_none(), "{bad:?} parsed");
        }
    }

    #[test]
    fn band_form_states_the_catalog_bands() {
        for letter in BAND_LETTERS {
            let letter = char::from(*letter);
            assert!(BAND_FORM.contains(&format!("\"{letter}\"")), "{letter}");
            assert!(BAND_FORM.contains(&format!("\"{letter}{BAND_MAX_LEVEL}\"")));
        }
        assert!(BAND_FORM.contains(&format!("0 to {BAND_MAX_LEVEL}")));
        assert!(BAND_LETTERS.iter().all(u8::is_ascii_uppercase));
    }

    #[test]
    fn null_meanings_follow_the_kind() {
        assert_eq!(SignalKind::Count.null_meaning(), NullMeaning::Zero);
        assert_eq!(
            SignalKind::InstitutionCount.null_meaning(),
            NullMeaning::Zero
        );
        assert_eq!(SignalKind::DaysSinceLast.null_meaning(), NullMeaning::Never);
        assert_eq!(SignalKind::Amount.null_meaning(), NullMeaning::Missing);
        assert_eq!(SignalKind::Days.null_meaning(), NullMeaning::Missing);
    }

    #[test]
    fn range_checks() {
        use rust_decimal_macros_free::dec;
        assert!(SignalKind::Count.check(dec(3, 0)).is_ok());
        assert_eq!(
            SignalKind::Count.check(dec(-1, 0)),
            Err(RangeViolation::Negative)
        );
        assert_eq!(
            SignalKind::Count.check(dec(25, 1)),
            Err(RangeViolation::Fractional)
        );
        assert!(SignalKind::Amount.check(dec(25, 1)).is_ok());
        assert_eq!(
            SignalKind::Amount.check(dec(-25, 1)),
            Err(RangeViolation::Negative)
        );
        assert_eq!(
            RangeViolation::Fractional.to_string(),
            "must be a whole number"
        );
    }

    mod rust_decimal_macros_free {
        pub fn dec(num: i64, scale: u32) -> rust_decimal::Decimal {
            rust_decimal::Decimal::new(num, scale)
        }
    }
}
