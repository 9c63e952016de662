//! Value normalization: numbers, nulls, bands, strings, ranges, unknown and duplicate signals.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use underwrite_signals::catalog::{NullMeaning, RangeViolation, SignalKind};
use underwrite_signals::features::{Band, FeatureValue, Schema};
use underwrite_signals::normalize::{normalize, Normalized, UnknownSignal, Warning};
use underwrite_signals::signals::{JsonType, SignalError, ValueType};

fn schema() -> Arc<Schema> {
    Arc::new(Schema::phone_catalog())
}

/// A payload with one item.
fn item(name: &str, value: &str, value_type: &str) -> String {
    items(&[(name, value, value_type)])
}

fn items(list: &[(&str, &str, &str)]) -> String {
    let body: Vec<String> = list
        .iter()
        .map(|(n, v, t)| format!(r#"{{"name":"{n}","value":{v},"valueType":"{t}"}}"#))
        .collect();
    format!(
        r#"{{"status":"COMPLETED","resultCode":"SUCCESS","items":[{}]}}"#,
        body.join(",")
    )
}

/// A payload in the `result` shape.
fn result(entries: &[(&str, &str)]) -> String {
    let body: Vec<String> = entries
        .iter()
        .map(|(n, v)| format!(r#""{n}":{v}"#))
        .collect();
    format!(
        r#"{{"status":"COMPLETED","resultCode":"SUCCESS","result":{{{}}}}}"#,
        body.join(",")
    )
}

fn norm(json: &str) -> Result<Normalized, SignalError> {
    normalize(json.as_bytes(), &schema())
}

fn ok(json: &str) -> Normalized {
    norm(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn err(json: &str) -> SignalError {
    match norm(json) {
        Ok(n) => panic!("expected an error for {json}, got {n:?}"),
        Err(e) => e,
    }
}

fn value(n: &Normalized, name: &str) -> FeatureValue {
    n.features.get_by_name(name).unwrap().clone()
}

fn num(text: &str) -> FeatureValue {
    FeatureValue::Number(Decimal::from_str(text).unwrap())
}

fn band(text: &str) -> FeatureValue {
    FeatureValue::Band(Band::parse(text).unwrap())
}

const COUNT: &str = "events_overdue_day30";
const INSTITUTIONS: &str = "events_overdue_day30_institution_count";
const AMOUNT: &str = "events_overdue_day30_amount";
const DAYS: &str = "events_overdue_day30_days";
const SINCE: &str = "events_overdue_days_since_last";

#[test]
fn absent_signals_are_missing() {
    let n = ok(&item(COUNT, "1", "NUMBER"));
    assert_eq!(value(&n, COUNT), num("1"));
    assert_eq!(value(&n, INSTITUTIONS), FeatureValue::Missing);
    assert_eq!(value(&n, SINCE), FeatureValue::Missing);
}

#[test]
fn null_follows_the_kind_not_zero() {
    let n = ok(&result(&[
        (COUNT, "null"),
        (INSTITUTIONS, "null"),
        (AMOUNT, "null"),
        (DAYS, "null"),
        (SINCE, "null"),
    ]));
    assert_eq!(value(&n, COUNT), num("0"));
    assert_eq!(value(&n, INSTITUTIONS), num("0"));
    assert_eq!(value(&n, AMOUNT), FeatureValue::Missing);
    assert_eq!(value(&n, DAYS), FeatureValue::Missing);
    assert_eq!(value(&n, SINCE), FeatureValue::Never);
    // The same with the items shape and either valueType.
    let n = ok(&items(&[
        (SINCE, "null", "NUMBER"),
        (AMOUNT, "null", "STRING"),
    ]));
    assert_eq!(value(&n, SINCE), FeatureValue::Never);
    assert_eq!(value(&n, AMOUNT), FeatureValue::Missing);
}

#[test]
fn what_null_means_comes_from_the_catalog_kind_in_any_schema() {
    // A schema built name by name, in another order and with a name outside the catalog
    // scheme, reads `null` exactly as the catalog's kinds say: there is no other mechanism.
    let mut schema = Schema::new();
    for name in ["custom_score", SINCE, AMOUNT, COUNT, DAYS, INSTITUTIONS] {
        schema.add(name);
    }
    for def in schema.defs() {
        let expected = def
            .kind
            .map_or(NullMeaning::Missing, SignalKind::null_meaning);
        assert_eq!(def.null_meaning, expected, "{}", def.name);
    }
    let n = normalize(
        result(&[
            (AMOUNT, "null"),
            (COUNT, "null"),
            (SINCE, "null"),
            ("custom_score", "null"),
        ])
        .as_bytes(),
        &Arc::new(schema),
    )
    .unwrap();
    assert_eq!(value(&n, AMOUNT), FeatureValue::Missing);
    assert_eq!(value(&n, COUNT), num("0"));
    assert_eq!(value(&n, SINCE), FeatureValue::Never);
    assert_eq!(value(&n, "custom_score"), FeatureValue::Missing);
}

#[test]
fn numbers_are_exact_decimals() {
    let n = ok(&result(&[
        (AMOUNT, "12345.67"),
        ("events_debt_day30_amount", "0.1"),
        ("events_debt_day90_amount", "1.5e3"),
        (COUNT, "3"),
        (DAYS, "45.0"),
        (SINCE, "0"),
        (INSTITUTIONS, "-0"),
    ]));
    assert_eq!(
        value(&n, AMOUNT),
        FeatureValue::Number(Decimal::new(1_234_567, 2))
    );
    assert_eq!(
        value(&n, "events_debt_day30_amount"),
        FeatureValue::Number(Decimal::new(1, 1))
    );
    assert_eq!(value(&n, "events_debt_day90_amount"), num("1500"));
    assert_eq!(value(&n, COUNT), num("3"));
    // A whole number written with a zero fraction is still whole.
    assert_eq!(value(&n, DAYS), num("45"));
    // 0 days since last is today, which is not "never".
    assert_eq!(value(&n, SINCE), num("0"));
    assert_eq!(value(&n, INSTITUTIONS), num("0"));
    // Precision survives: 28 significant digits, more than f64 holds.
    let n = ok(&item(AMOUNT, "1234567890.123456789012345678", "NUMBER"));
    assert_eq!(
        value(&n, AMOUNT).to_string(),
        "1234567890.123456789012345678"
    );
}

#[test]
fn numbers_out_of_decimal_range_are_errors_naming_the_signal() {
    let huge = "9".repeat(10_000);
    for text in [
        "1e400",
        "1e300",
        "-1e400",
        "79228162514264337593543950336",
        "1e-40",
        huge.as_str(),
    ] {
        let e = err(&item(AMOUNT, text, "NUMBER"));
        assert!(
            matches!(e, SignalError::OutOfRange { ref signal, .. } if signal == AMOUNT),
            "{text}: {e:?}"
        );
        assert!(e.to_string().contains(AMOUNT));
        assert!(e.to_string().len() < 300);
    }
    // In the result shape too.
    assert!(matches!(
        err(&result(&[(COUNT, "1e400")])),
        SignalError::OutOfRange { .. }
    ));
}

#[test]
fn range_checks_per_kind() {
    let e = err(&item(COUNT, "-1", "NUMBER"));
    assert_eq!(
        e,
        SignalError::InvalidValue {
            signal: COUNT.into(),
            kind: SignalKind::Count,
            value: "-1".into(),
            constraint: RangeViolation::Negative
        }
    );
    assert_eq!(
        e.to_string(),
        "signal \"events_overdue_day30\": -1 must not be negative (it is a count)"
    );
    assert!(matches!(
        err(&item(COUNT, "2.5", "NUMBER")),
        SignalError::InvalidValue {
            constraint: RangeViolation::Fractional,
            ..
        }
    ));
    assert!(matches!(
        err(&item(INSTITUTIONS, "0.5", "NUMBER")),
        SignalError::InvalidValue {
            kind: SignalKind::InstitutionCount,
            ..
        }
    ));
    assert!(matches!(
        err(&item(AMOUNT, "-0.01", "NUMBER")),
        SignalError::InvalidValue {
            kind: SignalKind::Amount,
            ..
        }
    ));
    assert!(matches!(
        err(&result(&[(SINCE, "-3")])),
        SignalError::InvalidValue {
            kind: SignalKind::DaysSinceLast,
            ..
        }
    ));
    assert!(matches!(
        err(&result(&[(DAYS, "1.25")])),
        SignalError::InvalidValue {
            kind: SignalKind::Days,
            ..
        }
    ));
    // Amounts may be fractional.
    assert_eq!(
        value(&ok(&item(AMOUNT, "0.5", "NUMBER")), AMOUNT),
        num("0.5")
    );
}

#[test]
fn bands_are_accepted_for_amounts_only() {
    let n = ok(&items(&[
        (AMOUNT, r#""A0""#, "STRING"),
        ("events_debt_day90_amount", r#""A9""#, "STRING"),
    ]));
    assert_eq!(value(&n, AMOUNT), band("A0"));
    assert_eq!(value(&n, "events_debt_day90_amount"), band("A9"));
    // The alpha shape has no valueType; a band string still reads as a band.
    assert_eq!(
        value(&ok(&result(&[(AMOUNT, r#""A3""#)])), AMOUNT),
        band("A3")
    );
    let e = err(&item(COUNT, r#""A1""#, "STRING"));
    assert_eq!(
        e,
        SignalError::BandNotAllowed {
            signal: COUNT.into(),
            kind: SignalKind::Count,
            band: Band::parse("A1").unwrap()
        }
    );
    assert!(e.to_string().contains(COUNT));
}

#[test]
fn numeric_strings_are_accepted_for_numeric_kinds() {
    let n = ok(&items(&[
        (AMOUNT, r#""12.5""#, "NUMBER"),
        (COUNT, r#""7""#, "STRING"),
        (SINCE, r#""1e1""#, "NUMBER"),
    ]));
    assert_eq!(value(&n, AMOUNT), num("12.5"));
    assert_eq!(value(&n, COUNT), num("7"));
    assert_eq!(value(&n, SINCE), num("10"));
    // ... and still range-checked.
    assert!(matches!(
        err(&item(COUNT, r#""-2""#, "NUMBER")),
        SignalError::InvalidValue { .. }
    ));
    assert!(matches!(
        err(&item(COUNT, r#""2.5""#, "NUMBER")),
        SignalError::InvalidValue { .. }
    ));
    assert!(matches!(
        err(&item(AMOUNT, r#""1e400""#, "NUMBER")),
        SignalError::OutOfRange { .. }
    ));
}

#[test]
fn nan_infinity_empty_and_other_strings_are_not_numbers() {
    for text in [
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "inf",
        "",
        " ",
        " 12",
        "12 ",
        "+1",
        "1,000",
        "0x10",
        "twelve",
        "12 days",
        "1_000",
        "01",
    ] {
        for (shape, json) in [
            ("items NUMBER", item(COUNT, &format!("{text:?}"), "NUMBER")),
            ("items STRING", item(AMOUNT, &format!("{text:?}"), "STRING")),
            ("result", result(&[(SINCE, &format!("{text:?}"))])),
        ] {
            let e = err(&json);
            assert!(
                matches!(e, SignalError::NotANumber { .. }),
                "{shape} {text:?}: {e:?}"
            );
            assert!(e.signal().is_some());
        }
    }
    assert_eq!(
        err(&item(COUNT, r#""NaN""#, "NUMBER")).to_string(),
        "signal \"events_overdue_day30\": \"NaN\" is not a number"
    );
}

#[test]
fn value_type_must_agree_with_the_value() {
    let e = err(&item(COUNT, "3", "STRING"));
    assert_eq!(
        e,
        SignalError::ValueTypeMismatch {
            signal: COUNT.into(),
            value_type: ValueType::String,
            found: JsonType::Number,
            value: "3".into()
        }
    );
    assert!(e.to_string().contains(COUNT));
    assert!(matches!(
        err(&item(AMOUNT, r#""A2""#, "NUMBER")),
        SignalError::ValueTypeMismatch {
            value_type: ValueType::Number,
            found: JsonType::String,
            ..
        }
    ));
    // Unknown signals too: STRING with a number.
    assert!(matches!(
        err(&item("score", "3", "STRING")),
        SignalError::ValueTypeMismatch { .. }
    ));
    // NUMBER with a non-numeric string, for an unknown signal.
    assert!(matches!(
        err(&item("score", r#""high""#, "NUMBER")),
        SignalError::NotANumber { .. }
    ));
}

#[test]
fn booleans_arrays_and_objects_are_the_wrong_json_type() {
    for (text, found) in [
        ("true", JsonType::Bool),
        ("false", JsonType::Bool),
        ("[1]", JsonType::Array),
        (r#"{"v":1}"#, JsonType::Object),
    ] {
        for json in [item(COUNT, text, "NUMBER"), result(&[("score", text)])] {
            let e = err(&json);
            assert!(
                matches!(e, SignalError::WrongJsonType { found: f, .. } if f == found),
                "{json}: {e:?}"
            );
            assert!(e.to_string().contains("wrong JSON type"));
        }
    }
}

#[test]
fn unknown_signals_are_kept_typed_and_reported() {
    let n = ok(&items(&[
        ("score", r#""gold""#, "STRING"),
        ("risk_band", r#""B2""#, "STRING"),
        ("custom_ratio", "0.35", "NUMBER"),
        ("custom_count", r#""7""#, "NUMBER"),
        ("custom_text_number", r#""7""#, "STRING"),
        ("custom_null", "null", "NUMBER"),
        (COUNT, "1", "NUMBER"),
    ]));
    let got: Vec<(&str, FeatureValue)> = n
        .unknown
        .iter()
        .map(|u| (u.name.as_str(), u.value.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("score", FeatureValue::Text("gold".into())),
            // Not a catalog band (the provider documents only `A` bands): text, kept as sent.
            ("risk_band", FeatureValue::Text("B2".into())),
            ("custom_ratio", num("0.35")),
            ("custom_count", num("7")),
            ("custom_text_number", FeatureValue::Text("7".into())),
            ("custom_null", FeatureValue::Missing),
        ]
    );
    assert!(n.unknown.iter().all(|u| u.kind.is_none()));
    assert_eq!(n.warnings.len(), 6);
    assert_eq!(
        n.warnings[0],
        Warning::UnknownSignal {
            signal: "score".into(),
            value_type: Some(ValueType::String)
        }
    );
    assert_eq!(
        n.warnings[0].to_string(),
        "unknown signal \"score\" kept (valueType STRING)"
    );
    // The alpha shape: typed from the JSON type.
    let n = ok(&result(&[("score", r#""x""#), ("other", "5")]));
    assert_eq!(n.unknown[0].value, FeatureValue::Text("x".into()));
    assert_eq!(n.unknown[1].value, num("5"));
}

#[test]
fn unknown_but_understood_signals_get_their_kind() {
    let name = "events_fraud_report_day60_amount";
    let n = ok(&items(&[
        (name, "10.5", "NUMBER"),
        ("events_captcha_day7", "null", "NUMBER"),
    ]));
    assert_eq!(
        n.unknown[0],
        UnknownSignal {
            name: name.into(),
            kind: Some(SignalKind::Amount),
            value: num("10.5")
        }
    );
    // Its kind's null meaning applies: a count's null is 0.
    assert_eq!(n.unknown[1].value, num("0"));
    assert_eq!(
        n.warnings[0],
        Warning::UnknownButUnderstood {
            signal: name.into(),
            kind: SignalKind::Amount
        }
    );
    let message = n.warnings[0].to_string();
    assert!(
        message.contains(name) && message.contains("understood"),
        "{message}"
    );
    // And its kind's checks.
    assert!(matches!(
        err(&item("events_captcha_day7", "1.5", "NUMBER")),
        SignalError::InvalidValue {
            kind: SignalKind::Count,
            ..
        }
    ));
    // Warnings serialize with a tag.
    let json = serde_json::to_value(&n.warnings[0]).unwrap();
    assert_eq!(json["warning"], "unknown_but_understood");
    assert_eq!(json["kind"], "amount");
}

#[test]
fn duplicate_names_are_errors_in_both_shapes() {
    let dup = |e: SignalError, name: &str| {
        assert_eq!(
            e,
            SignalError::DuplicateSignal {
                signal: name.into()
            }
        );
    };
    dup(
        err(&items(&[
            (COUNT, "1", "NUMBER"),
            (AMOUNT, "2", "NUMBER"),
            (COUNT, "1", "NUMBER"),
        ])),
        COUNT,
    );
    dup(err(&result(&[(COUNT, "1"), (COUNT, "2")])), COUNT);
    // Duplicates whose value leaves the slot missing are still caught.
    dup(err(&result(&[(AMOUNT, "null"), (AMOUNT, "null")])), AMOUNT);
    dup(
        err(&items(&[
            ("score", "1", "NUMBER"),
            ("score", "1", "NUMBER"),
        ])),
        "score",
    );
    dup(
        err(&result(&[("x", "null"), ("y", "1"), ("x", "null")])),
        "x",
    );
    // An escaped spelling of the same name is the same name.
    dup(
        err(&result(&[
            (COUNT, "1"),
            (r"events_overdue\u005fday30", "1"),
        ])),
        COUNT,
    );
    // Many distinct unknown signals are fine, and a duplicate among many is found.
    let names: Vec<String> = (0..500).map(|i| format!("custom_{i}")).collect();
    let mut entries: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    assert_eq!(ok(&result(&entries)).unknown.len(), 500);
    entries.push(("custom_250", "2"));
    dup(err(&result(&entries)), "custom_250");
}

#[test]
fn escaped_names_and_strings_are_decoded() {
    let n = ok(&items(&[
        (r"events_overdue\u005fday30", "2", "NUMBER"),
        (AMOUNT, r#""\u0041\u0034""#, "STRING"),
        ("note", r#""line\nbreak \"quoted\"""#, "STRING"),
    ]));
    assert_eq!(value(&n, COUNT), num("2"));
    assert_eq!(value(&n, AMOUNT), band("A4"));
    assert_eq!(
        n.unknown[0].value,
        FeatureValue::Text("line\nbreak \"quoted\"".into())
    );
}

#[test]
fn normalized_serializes_to_json() {
    let n = ok(&items(&[
        (SINCE, "null", "NUMBER"),
        ("score", r#""x""#, "STRING"),
    ]));
    let json = serde_json::to_value(&n).unwrap();
    assert_eq!(json["status"], "SUCCESS");
    assert_eq!(json["features"][SINCE], "never");
    assert_eq!(json["features"][COUNT], serde_json::Value::Null);
    assert_eq!(json["unknown"][0]["name"], "score");
    assert_eq!(json["unknown"][0]["value"]["text"], "x");
    assert_eq!(json["warnings"][0]["warning"], "unknown_signal");
}
