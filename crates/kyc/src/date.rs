//! Dates of birth (`YYYY-MM-DD`) and their comparison.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::field::FieldOutcome;

/// A calendar date (proleptic Gregorian), validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a date string was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not `YYYY-MM-DD` with ASCII digits.
    Format,
    /// Year 0000 (the calendar has no year zero).
    Year,
    /// Month outside 01..=12.
    Month,
    /// Day outside the month (including 29 February in a common year).
    Day,
}

impl std::fmt::Display for DateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DateError::Format => "expected YYYY-MM-DD",
            DateError::Year => "year 0000 does not exist",
            DateError::Month => "month out of range 01-12",
            DateError::Day => "day does not exist in that month",
        })
    }
}

impl Date {
    /// Build a date from its components, validating them.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if year == 0 || year > 9999 {
            return Err(DateError::Year);
        }
        if !(1..=12).contains(&month) {
            return Err(DateError::Month);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::Day);
        }
        Ok(Self { year, month, day })
    }

    /// Parse exactly `YYYY-MM-DD` (no surrounding whitespace, no time part).
    pub fn parse(s: &str) -> Result<Self, DateError> {
        let b = s.as_bytes();
        let (Some(head), Some(&[t0, t1]), 10) = (b.first_chunk::<8>(), b.get(8..10), b.len())
        else {
            return Err(DateError::Format);
        };
        // XOR with "0000-00-" (little-endian): digits become 0..=9 and the dashes 0.
        let x = u64::from_le_bytes(*head) ^ 0x2D30_302D_3030_3030;
        let tail = u16::from_le_bytes([t0, t1]) ^ 0x3030;
        // A byte is <= 9 iff adding 0x76 to its low seven bits leaves the high bit clear and
        // it had no high bit itself (no carries between bytes: 0x7F + 0x76 < 0x100).
        let over9 = |v: u64| ((v & 0x7F7F_7F7F_7F7F_7F7F) + 0x7676_7676_7676_7676) | v;
        let digits_ok = (over9(x) | over9(u64::from(tail))) & 0x8080_8080_8080_8080 == 0;
        if !digits_ok || x & 0xFF00_00FF_0000_0000 != 0 {
            return Err(DateError::Format);
        }
        let [y0, y1, y2, y3, _, m0, m1, _] = x.to_le_bytes().map(u16::from);
        let year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
        let [d0, d1] = tail.to_le_bytes();
        // Month and day are below 100.
        Self::new(year, (m0 * 10 + m1) as u8, d0 * 10 + d1)
    }

    /// The year.
    #[must_use]
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1..=12.
    #[must_use]
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1..=31.
    #[must_use]
    pub fn day(self) -> u8 {
        self.day
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(y: u16) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Which rule decided a DOB comparison (for audit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DobRule {
    /// Both dates equal.
    Equal,
    /// Same year, month and day swapped.
    MonthDaySwapped,
    /// One component differs by exactly one (e.g. day 20 vs 21).
    OffByOne,
    /// One component differs in exactly one digit of its zero-padded form (e.g. 1985 vs 1995).
    OneDigit,
    /// One component differs by more than one, in more than one digit.
    ComponentTooFar,
    /// More than one component differs.
    SeveralComponents,
    /// One side has no date of birth.
    NotProvided,
}

/// What a DOB outcome rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DobDetails {
    /// The rule that decided the outcome.
    pub rule: DobRule,
    /// The year differs.
    pub year_differs: bool,
    /// The month differs.
    pub month_differs: bool,
    /// The day differs.
    pub day_differs: bool,
}

impl DobDetails {
    /// Details for a missing DOB on either side.
    #[must_use]
    pub fn not_provided() -> Self {
        Self {
            rule: DobRule::NotProvided,
            year_differs: false,
            month_differs: false,
            day_differs: false,
        }
    }
}

/// Within one: numerically ±1, or the zero-padded digits differ in exactly one position.
fn within_one(a: u16, b: u16, width: u32) -> Option<DobRule> {
    if a.abs_diff(b) == 1 {
        return Some(DobRule::OffByOne);
    }
    let mut differing = 0;
    let (mut x, mut y) = (a, b);
    for _ in 0..width {
        differing += u32::from(x % 10 != y % 10);
        x /= 10;
        y /= 10;
    }
    (differing == 1).then_some(DobRule::OneDigit)
}

/// Compare two dates of birth by the contract's rules.
///
/// ```
/// use underwrite_kyc::{date::{compare_dob, Date}, FieldOutcome};
/// let d = |s| Date::parse(s).unwrap();
/// assert_eq!(compare_dob(d("2000-09-20"), d("2000-09-20")).0, FieldOutcome::ExactMatch);
/// assert_eq!(compare_dob(d("2000-09-12"), d("2000-12-09")).0, FieldOutcome::Transposed);
/// assert_eq!(compare_dob(d("2000-09-20"), d("2000-09-21")).0, FieldOutcome::PartialMatch);
/// assert_eq!(compare_dob(d("2000-09-20"), d("2001-09-21")).0, FieldOutcome::NoMatch);
/// ```
#[must_use]
pub fn compare_dob(a: Date, b: Date) -> (FieldOutcome, DobDetails) {
    let year_differs = a.year != b.year;
    let month_differs = a.month != b.month;
    let day_differs = a.day != b.day;
    let details = |rule| DobDetails {
        rule,
        year_differs,
        month_differs,
        day_differs,
    };
    if a == b {
        return (FieldOutcome::ExactMatch, details(DobRule::Equal));
    }
    if !year_differs && a.month == b.day && a.day == b.month && a.month != a.day {
        return (FieldOutcome::Transposed, details(DobRule::MonthDaySwapped));
    }
    let differing = [year_differs, month_differs, day_differs]
        .iter()
        .filter(|&&d| d)
        .count();
    if differing > 1 {
        return (FieldOutcome::NoMatch, details(DobRule::SeveralComponents));
    }
    let rule = if year_differs {
        within_one(a.year, b.year, 4)
    } else if month_differs {
        within_one(a.month.into(), b.month.into(), 2)
    } else {
        within_one(a.day.into(), b.day.into(), 2)
    };
    match rule {
        Some(rule) => (FieldOutcome::PartialMatch, details(rule)),
        None => (FieldOutcome::NoMatch, details(DobRule::ComponentTooFar)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn digits<const N: usize>(b: &[u8]) -> Option<u16> {
        if b.len() != N {
            return None;
        }
        b.iter().try_fold(0u16, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u16::from(d - b'0'))
        })
    }

    /// The previous, plain parser: the reference for the byte-pattern one.
    fn reference_parse(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        let (Some(y), Some(b'-'), Some(m), Some(b'-'), Some(d), 10) = (
            b.get(0..4),
            b.get(4),
            b.get(5..7),
            b.get(7),
            b.get(8..10),
            b.len(),
        ) else {
            return Err(DateError::Format);
        };
        let (Some(y), Some(m), Some(d)) = (digits::<4>(y), digits::<2>(m), digits::<2>(d)) else {
            return Err(DateError::Format);
        };
        Date::new(y, m as u8, d as u8)
    }

    proptest! {
        #[test]
        fn parse_agrees_with_the_plain_parser(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9/: -]{8,12}|\\PC{0,12}") {
            prop_assert_eq!(Date::parse(&s), reference_parse(&s));
        }
    }

    fn d(s: &str) -> Date {
        Date::parse(s).expect("valid test date")
    }

    #[test]
    fn parses_valid_dates() {
        assert_eq!(d("2000-09-20"), Date::new(2000, 9, 20).expect("valid"));
        assert_eq!(d("2000-02-29").day(), 29);
        assert_eq!(d("1600-02-29").year(), 1600);
        assert_eq!(d("2000-09-20").to_string(), "2000-09-20");
    }

    #[test]
    fn rejects_invalid_dates() {
        assert_eq!(Date::parse("2000-02-30"), Err(DateError::Day));
        assert_eq!(Date::parse("1900-02-29"), Err(DateError::Day));
        assert_eq!(Date::parse("2000-13-01"), Err(DateError::Month));
        assert_eq!(Date::parse("2000-00-01"), Err(DateError::Month));
        assert_eq!(Date::parse("2000-04-31"), Err(DateError::Day));
        assert_eq!(Date::parse("0000-01-01"), Err(DateError::Year));
        for bad in [
            "20-09-2000",
            "2000/09/20",
            "2000-9-20",
            " 2000-09-20",
            "2000-09-20T00:00",
            "２０００-09-20",
            "+200-09-20",
            "",
        ] {
            assert_eq!(Date::parse(bad), Err(DateError::Format), "{bad:?}");
        }
    }

    #[test]
    fn reference_example_and_rules() {
        let base = d("2000-09-20");
        let cases = [
            ("2000-09-20", FieldOutcome::ExactMatch, DobRule::Equal),
            ("2000-09-21", FieldOutcome::PartialMatch, DobRule::OffByOne),
            ("2000-09-19", FieldOutcome::PartialMatch, DobRule::OffByOne),
            ("2000-10-20", FieldOutcome::PartialMatch, DobRule::OffByOne),
            ("2001-09-20", FieldOutcome::PartialMatch, DobRule::OffByOne),
            ("2010-09-20", FieldOutcome::PartialMatch, DobRule::OneDigit),
            ("2000-09-28", FieldOutcome::PartialMatch, DobRule::OneDigit),
            ("2000-09-10", FieldOutcome::PartialMatch, DobRule::OneDigit),
            (
                "2000-09-02",
                FieldOutcome::NoMatch,
                DobRule::ComponentTooFar,
            ),
            ("2000-09-22", FieldOutcome::PartialMatch, DobRule::OneDigit),
            (
                "2000-09-13",
                FieldOutcome::NoMatch,
                DobRule::ComponentTooFar,
            ),
            (
                "2001-09-21",
                FieldOutcome::NoMatch,
                DobRule::SeveralComponents,
            ),
            (
                "1990-09-20",
                FieldOutcome::NoMatch,
                DobRule::ComponentTooFar,
            ),
        ];
        for (other, outcome, rule) in cases {
            let (o, det) = compare_dob(base, d(other));
            assert_eq!((o, det.rule), (outcome, rule), "2000-09-20 vs {other}");
        }
        // 1999 vs 2000 differs in all four digits and by one: the numeric rule catches it.
        assert_eq!(
            compare_dob(d("1999-09-20"), d("2000-09-20")).0,
            FieldOutcome::PartialMatch
        );
    }

    #[test]
    fn month_day_transposition() {
        let (o, det) = compare_dob(d("2000-09-12"), d("2000-12-09"));
        assert_eq!(o, FieldOutcome::Transposed);
        assert!(det.month_differs && det.day_differs && !det.year_differs);
        // Different year: not a transposition, two components differ.
        assert_eq!(
            compare_dob(d("2000-09-12"), d("2001-12-09")).0,
            FieldOutcome::NoMatch
        );
        // Month == day swapped is just equality.
        assert_eq!(
            compare_dob(d("2000-05-05"), d("2000-05-05")).0,
            FieldOutcome::ExactMatch
        );
        // 01-02 vs 02-01: both a swap and a two-component difference; swap wins.
        assert_eq!(
            compare_dob(d("2000-01-02"), d("2000-02-01")).0,
            FieldOutcome::Transposed
        );
    }
}
