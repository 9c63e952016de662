//! The real-shaped example payloads in `testdata/signals/` normalize to what they claim to be.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use underwrite_signals::features::{FeatureValue, FeatureVector, Schema};
use underwrite_signals::normalize::{normalize, Normalized};
use underwrite_signals::signals::{
    parse, PayloadShape, SignalError, SignalStatus, UnavailableReason,
};

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/signals")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn load(name: &str) -> Normalized {
    let schema = Arc::new(Schema::phone_catalog());
    normalize(&bytes(name), &schema).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn get(n: &Normalized, name: &str) -> FeatureValue {
    n.features
        .get_by_name(name)
        .unwrap_or_else(|| panic!("{name} not in schema"))
        .clone()
}

fn num(n: &Normalized, name: &str) -> Decimal {
    get(n, name)
        .as_number()
        .unwrap_or_else(|| panic!("{name} is {}", get(n, name)))
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

const SUCCESS_FILES: [&str; 6] = [
    "alpha-sample.json",
    "beta-sample.json",
    "clean.json",
    "thin-file.json",
    "risky.json",
    "banded.json",
];

#[test]
fn alpha_reference_sample() {
    let n = load("alpha-sample.json");
    assert_eq!(n.status, SignalStatus::Success);
    assert!(n.unknown.is_empty() && n.warnings.is_empty());
    assert_eq!(num(&n, "events_overdue_day30"), Decimal::ZERO);
    assert_eq!(
        get(&n, "events_overdue_day30_amount"),
        FeatureValue::Missing
    );
    assert_eq!(
        get(&n, "events_overdue_days_since_last"),
        FeatureValue::Never
    );
    assert_eq!(get(&n, "events_overdue_day30_days"), FeatureValue::Missing);
    let sent = n
        .features
        .values()
        .iter()
        .filter(|v| !v.is_missing())
        .count();
    // 35 signals, of which 8 amount/days nulls stay missing.
    assert_eq!(sent, 35 - 8);
}

#[test]
fn beta_reference_sample() {
    let n = load("beta-sample.json");
    assert_eq!(n.status, SignalStatus::Success);
    // `arbitrary` and `preloan` are on-request catalog signals, so nothing is unknown.
    assert!(n.unknown.is_empty(), "{:?}", n.unknown);
    assert_eq!(num(&n, "events_arbitrary_day30"), Decimal::ZERO);
    assert_eq!(num(&n, "events_preloan_day30"), Decimal::ZERO);
    assert_eq!(get(&n, "events_debt_day90_amount").to_string(), "A0");
}

#[test]
fn clean_borrower() {
    let n = load("clean.json");
    assert_eq!(
        parse(&bytes("clean.json")).unwrap().shape,
        Some(PayloadShape::Items)
    );
    assert_eq!(num(&n, "events_successful_repayment_day30"), dec("2"));
    for window in [30, 90, 180] {
        assert_eq!(
            num(&n, &format!("events_overdue_day{window}")),
            Decimal::ZERO
        );
    }
    assert_eq!(
        get(&n, "events_overdue_days_since_last"),
        FeatureValue::Never
    );
    assert_eq!(num(&n, "events_loan_disbursement_day180"), dec("2"));
    assert_eq!(num(&n, "events_debt_day30_amount"), dec("1250.50"));
    assert!(n.warnings.is_empty());
}

#[test]
fn risky_borrower() {
    let n = load("risky.json");
    assert_eq!(
        parse(&bytes("risky.json")).unwrap().shape,
        Some(PayloadShape::Result)
    );
    assert_eq!(num(&n, "events_overdue_day30"), dec("3"));
    assert_eq!(num(&n, "events_overdue_day30_days"), dec("45"));
    assert_eq!(num(&n, "events_overdue_days_since_last"), dec("4"));
    assert_eq!(
        num(&n, "events_application_reception_day30_institution_count"),
        dec("9")
    );
    assert_eq!(num(&n, "events_overdue_day30_amount"), dec("18500.75"));
}

#[test]
fn thin_file() {
    let n = load("thin-file.json");
    assert_eq!(n.status, SignalStatus::Success);
    assert_eq!(
        get(&n, "events_overdue_days_since_last"),
        FeatureValue::Never
    );
    assert_eq!(
        get(&n, "events_loan_disbursement_days_since_last"),
        FeatureValue::Never
    );
    assert_eq!(get(&n, "events_debt_day90_amount"), FeatureValue::Missing);
    // A null count is zero.
    assert_eq!(
        num(&n, "events_marketing_day30_institution_count"),
        Decimal::ZERO
    );
    assert_eq!(num(&n, "events_application_reception_day30"), dec("1"));
}

#[test]
fn banded_amounts() {
    let n = load("banded.json");
    for (name, band) in [
        ("events_overdue_day30_amount", "A0"),
        ("events_debt_day30_amount", "A3"),
        ("events_overdue_day90_amount", "A1"),
        ("events_debt_day90_amount", "A5"),
        ("events_overdue_day180_amount", "A2"),
    ] {
        assert!(matches!(get(&n, name), FeatureValue::Band(_)), "{name}");
        assert_eq!(get(&n, name).to_string(), band);
    }
}

#[test]
fn no_data_unavailable_and_processing() {
    let n = load("no-data.json");
    assert_eq!(n.status, SignalStatus::NoData);
    assert!(n.features.values().iter().all(FeatureValue::is_missing));
    let n = load("unavailable.json");
    assert_eq!(
        n.status,
        SignalStatus::Unavailable(UnavailableReason::ServiceUnavailable)
    );
    assert!(n.features.values().iter().all(FeatureValue::is_missing));
    let schema = Arc::new(Schema::phone_catalog());
    assert_eq!(
        normalize(&bytes("processing.json"), &schema),
        Err(SignalError::NotReady)
    );
}

#[test]
fn every_example_round_trips_through_json() {
    let schema = Arc::new(Schema::phone_catalog());
    for name in SUCCESS_FILES {
        let n = load(name);
        let json = serde_json::to_value(&n.features).unwrap();
        let back = FeatureVector::from_json_map(Arc::clone(&schema), json.as_object().unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, n.features, "{name}");
    }
}

#[test]
fn every_example_uses_only_catalog_signals() {
    for name in SUCCESS_FILES {
        assert!(load(name).unknown.is_empty(), "{name}");
    }
}
