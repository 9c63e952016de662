//! Envelope, status and shape handling of signals payloads: every bad input is a typed error.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use underwrite_signals::features::{FeatureValue, Schema};
use underwrite_signals::normalize::{normalize, Normalized, Warning};
use underwrite_signals::signals::{
    parse, JsonType, PayloadShape, SignalError, SignalStatus, UnavailableReason,
};

fn schema() -> Arc<Schema> {
    Arc::new(Schema::phone_catalog())
}

fn norm(json: &str) -> Result<Normalized, SignalError> {
    normalize(json.as_bytes(), &schema())
}

fn err(json: &str) -> SignalError {
    match norm(json) {
        Ok(n) => panic!("expected an error for {json}, got {n:?}"),
        Err(e) => e,
    }
}

/// A bare `data` object with status COMPLETED and the given result code and extra fields.
fn completed(code: &str, rest: &str) -> String {
    let sep = if rest.is_empty() { "" } else { "," };
    format!(r#"{{"status":"COMPLETED","resultCode":"{code}"{sep}{rest}}}"#)
}

fn success(rest: &str) -> String {
    completed("SUCCESS", rest)
}

fn all_missing(n: &Normalized) -> bool {
    n.features.values().iter().all(FeatureValue::is_missing)
}

#[test]
fn malformed_json_reports_line_and_column() {
    let e = err("{\n  \"status\": \"COMPLETED\",\n  \"resultCode\": }");
    match &e {
        SignalError::Json { line, column, .. } => assert_eq!((*line, *column), (3, 17)),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("line 3, column 17"), "{e}");
    for bad in [
        "",
        "{",
        "{\"a\":1}}",
        "nul",
        "{\"a\" 1}",
        "\u{feff}{}",
        "[1,]",
    ] {
        assert!(matches!(err(bad), SignalError::Json { .. }), "{bad:?}");
    }
    // Invalid UTF-8 inside a string.
    let bytes = b"{\"status\":\"\xff\"}";
    assert!(matches!(
        normalize(bytes, &schema()),
        Err(SignalError::Json { .. })
    ));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // Skipped values are scanned without recursion; read ones hit serde_json's depth limit.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        err(&deep),
        SignalError::WrongType {
            found: JsonType::Array,
            ..
        }
    ));
    let unclosed = "[".repeat(100_000);
    assert!(matches!(err(&unclosed), SignalError::Json { .. }));
    let deep_value = success(&format!(
        r#""result":{{"x":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    ));
    assert!(matches!(
        err(&deep_value),
        SignalError::WrongJsonType {
            found: JsonType::Array,
            ..
        }
    ));
}

#[test]
fn payload_must_be_an_object() {
    for (json, found) in [
        ("[]", JsonType::Array),
        ("5", JsonType::Number),
        ("\"x\"", JsonType::String),
        ("null", JsonType::Null),
        ("true", JsonType::Bool),
    ] {
        match err(json) {
            SignalError::WrongType {
                field, found: f, ..
            } => assert_eq!((field.as_str(), f), ("payload", found), "{json}"),
            other => panic!("{json}: {other:?}"),
        }
    }
}

#[test]
fn envelope_and_bare_data_give_the_same_result() {
    let data =
        success(r#""items":[{"name":"events_overdue_day30","value":2,"valueType":"NUMBER"}]"#);
    let enveloped =
        format!(r#"{{"code":"OK","message":"Success!","requestId":"r","data":{data}}}"#);
    let a = norm(&data).unwrap();
    let b = norm(&enveloped).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        a.features
            .get_by_name("events_overdue_day30")
            .unwrap()
            .to_string(),
        "2"
    );
    // An envelope without `code` is still an envelope (recognised by `data`).
    assert_eq!(norm(&format!(r#"{{"data":{data}}}"#)).unwrap(), a);
}

#[test]
fn envelope_code_other_than_ok_is_a_provider_error() {
    let e = err(
        r#"{"code":"UNAUTHORIZED","message":"invalid credentials","requestId":"r","data":null}"#,
    );
    assert_eq!(
        e,
        SignalError::Provider {
            code: "UNAUTHORIZED".into(),
            message: "invalid credentials".into()
        }
    );
    assert!(e.to_string().contains("UNAUTHORIZED"));
    // Even with a complete `data`, a bad code wins.
    let e = err(&format!(
        r#"{{"code":"RATE_LIMITED","data":{}}}"#,
        success(r#""result":{}"#)
    ));
    assert!(matches!(e, SignalError::Provider { ref code, .. } if code == "RATE_LIMITED"));
    // A code without data is still an envelope.
    assert!(matches!(
        err(r#"{"code":"E1"}"#),
        SignalError::Provider { .. }
    ));
    assert!(matches!(
        err(r#"{"code":404,"data":{}}"#),
        SignalError::WrongType { ref field, found: JsonType::Number, .. } if field == "code"
    ));
}

#[test]
fn envelope_data_must_be_an_object() {
    assert_eq!(
        err(r#"{"code":"OK","data":null}"#),
        SignalError::MissingField {
            field: "data".into()
        }
    );
    assert_eq!(
        err(r#"{"code":"OK"}"#),
        SignalError::MissingField {
            field: "data".into()
        }
    );
    assert!(matches!(
        err(r#"{"code":"OK","data":[]}"#),
        SignalError::WrongType { ref field, found: JsonType::Array, .. } if field == "data"
    ));
    assert_eq!(
        err(r#"{"code":"OK","status":"COMPLETED","data":{}}"#),
        SignalError::AmbiguousEnvelope { field: "status" }
    );
}

#[test]
fn status_field_is_required_and_checked() {
    assert_eq!(
        err(r#"{"resultCode":"SUCCESS","result":{}}"#),
        SignalError::MissingField {
            field: "status".into()
        }
    );
    assert!(matches!(
        err(r#"{"status":1,"resultCode":"SUCCESS","result":{}}"#),
        SignalError::WrongType { ref field, found: JsonType::Number, .. } if field == "status"
    ));
    let e = err(r#"{"status":"DONE","resultCode":"SUCCESS","result":{}}"#);
    assert!(
        matches!(e, SignalError::UnknownValue { field: "status", ref value, .. } if value == "DONE")
    );
    assert!(e.to_string().contains("status"), "{e}");
    // Spelling is exact.
    assert!(matches!(
        err(r#"{"status":"completed","resultCode":"SUCCESS","result":{}}"#),
        SignalError::UnknownValue {
            field: "status",
            ..
        }
    ));
}

#[test]
fn processing_means_not_ready() {
    assert_eq!(err(r#"{"status":"PROCESSING"}"#), SignalError::NotReady);
    let e = err(
        r#"{"code":"OK","data":{"id":"s1","status":"PROCESSING","resultCode":null,"items":[]}}"#,
    );
    assert_eq!(e, SignalError::NotReady);
    assert!(e.to_string().contains("not ready"));
}

#[test]
fn error_status_is_a_failure_with_the_providers_message() {
    let e = err(r#"{"status":"ERROR","resultCode":"SYSTEM_ERROR","resultMessage":"boom"}"#);
    assert_eq!(
        e,
        SignalError::Failed {
            result_code: Some("SYSTEM_ERROR".into()),
            message: Some("boom".into())
        }
    );
    assert_eq!(
        e.to_string(),
        "signals request failed: status is ERROR, resultCode SYSTEM_ERROR: boom"
    );
    assert_eq!(
        err(r#"{"status":"ERROR"}"#),
        SignalError::Failed {
            result_code: None,
            message: None
        }
    );
}

#[test]
fn result_code_is_required_and_checked() {
    assert_eq!(
        err(r#"{"status":"COMPLETED","result":{}}"#),
        SignalError::MissingField {
            field: "resultCode".into()
        }
    );
    assert!(matches!(
        err(&completed("PARTIAL", r#""result":{}"#)),
        SignalError::UnknownValue { field: "resultCode", ref value, .. } if value == "PARTIAL"
    ));
    assert!(matches!(
        err(r#"{"status":"COMPLETED","resultCode":[],"result":{}}"#),
        SignalError::WrongType { ref field, found: JsonType::Array, .. } if field == "resultCode"
    ));
}

#[test]
fn no_data_is_a_valid_empty_result() {
    for rest in ["", r#""items":[]"#, r#""result":{}"#, r#""items":null"#] {
        let n = norm(&completed("NO_DATA", rest)).unwrap();
        assert_eq!(n.status, SignalStatus::NoData);
        assert!(all_missing(&n));
        assert!(n.unknown.is_empty() && n.warnings.is_empty(), "{rest}");
    }
}

#[test]
fn unavailable_is_an_outcome_not_an_error() {
    for (code, reason) in [
        ("SYSTEM_ERROR", UnavailableReason::SystemError),
        ("SERVICE_UNAVAILABLE", UnavailableReason::ServiceUnavailable),
    ] {
        let n = norm(&completed(code, "")).unwrap();
        assert_eq!(n.status, SignalStatus::Unavailable(reason));
        assert_eq!(n.status.as_str(), code);
        assert_eq!(serde_json::to_value(n.status).unwrap(), code);
        let back: SignalStatus = serde_json::from_value(code.into()).unwrap();
        assert_eq!(back, n.status);
        assert!(all_missing(&n));
    }
}

#[test]
fn signals_sent_with_a_non_success_code_are_ignored_with_a_warning() {
    let n = norm(&completed(
        "SERVICE_UNAVAILABLE",
        r#""result":{"events_overdue_day30":3,"x":1}"#,
    ))
    .unwrap();
    assert!(all_missing(&n));
    assert_eq!(
        n.warnings,
        vec![Warning::SignalsIgnored {
            status: SignalStatus::Unavailable(UnavailableReason::ServiceUnavailable),
            count: 2
        }]
    );
}

#[test]
fn success_needs_exactly_one_shape() {
    assert_eq!(err(&success("")), SignalError::NoSignals);
    assert_eq!(
        err(&success(r#""items":[],"result":{}"#)),
        SignalError::BothShapes
    );
    // `null` for the unused shape counts as absent.
    let p = parse(success(r#""items":null,"result":{"a":1}"#).as_bytes())
        .unwrap()
        .shape;
    assert_eq!(p, Some(PayloadShape::Result));
    let p = parse(success(r#""items":[],"result":null"#).as_bytes())
        .unwrap()
        .shape;
    assert_eq!(p, Some(PayloadShape::Items));
    // Empty but present is a valid (if useless) success.
    let n = norm(&success(r#""items":[]"#)).unwrap();
    assert!(all_missing(&n));
}

#[test]
fn items_must_be_an_array_and_result_an_object() {
    for (value, found) in [
        ("{}", JsonType::Object),
        ("\"x\"", JsonType::String),
        ("5", JsonType::Number),
        ("null", JsonType::Null),
        ("true", JsonType::Bool),
    ] {
        assert_eq!(
            err(&success(&format!(r#""items":{value}"#))),
            SignalError::WrongType {
                field: "items".into(),
                expected: "an array",
                found
            }
        );
    }
    for (value, found) in [
        ("[]", JsonType::Array),
        ("1.5", JsonType::Number),
        ("null", JsonType::Null),
    ] {
        assert_eq!(
            err(&success(&format!(r#""result":{value}"#))),
            SignalError::WrongType {
                field: "result".into(),
                expected: "an object",
                found
            }
        );
    }
}

#[test]
fn item_shape_errors_name_the_item_or_signal() {
    let item = |s: &str| err(&success(&format!(r#""items":[{s}]"#)));
    assert!(matches!(
        err(&success(r#""items":[{"name":"a","value":1,"valueType":"NUMBER"}, 7]"#)),
        SignalError::WrongType { ref field, found: JsonType::Number, .. } if field == "items[1]"
    ));
    assert_eq!(
        item(r#"{"value":1,"valueType":"NUMBER"}"#),
        SignalError::MissingField {
            field: "items[0].name".into()
        }
    );
    assert!(matches!(
        item(r#"{"name":3,"value":1,"valueType":"NUMBER"}"#),
        SignalError::WrongType { ref field, found: JsonType::Number, .. } if field == "items[0].name"
    ));
    assert_eq!(
        item(r#"{"name":"","value":1,"valueType":"NUMBER"}"#),
        SignalError::EmptyName {
            field: "items[0].name".into()
        }
    );
    assert_eq!(
        item(r#"{"name":"events_overdue_day30","value":1}"#),
        SignalError::MissingSignalField {
            signal: "events_overdue_day30".into(),
            field: "valueType"
        }
    );
    assert_eq!(
        item(r#"{"name":"events_overdue_day30","valueType":"NUMBER"}"#),
        SignalError::MissingSignalField {
            signal: "events_overdue_day30".into(),
            field: "value"
        }
    );
    assert_eq!(
        item(r#"{"name":"events_overdue_day30","value":1,"valueType":null}"#),
        SignalError::ValueTypeNotString {
            signal: "events_overdue_day30".into(),
            found: JsonType::Null
        }
    );
    let e = item(r#"{"name":"events_overdue_day30","value":true,"valueType":"BOOLEAN"}"#);
    assert_eq!(
        e,
        SignalError::UnknownValueType {
            signal: "events_overdue_day30".into(),
            value_type: "BOOLEAN".into()
        }
    );
    assert!(e.to_string().contains("events_overdue_day30"), "{e}");
    assert_eq!(
        item(r#"{"name":"a","name":"b","value":1,"valueType":"NUMBER"}"#),
        SignalError::DuplicateField {
            field: "items[0].name".into()
        }
    );
}

#[test]
fn empty_result_key_is_an_error() {
    assert_eq!(
        err(&success(r#""result":{"":1}"#)),
        SignalError::EmptyName {
            field: "result".into()
        }
    );
}

#[test]
fn duplicate_data_keys_are_errors() {
    assert_eq!(
        err(r#"{"status":"COMPLETED","status":"PROCESSING","resultCode":"SUCCESS","result":{}}"#),
        SignalError::DuplicateField {
            field: "status".into()
        }
    );
    assert_eq!(
        err(r#"{"code":"OK","code":"OK","data":{}}"#),
        SignalError::DuplicateField {
            field: "code".into()
        }
    );
}

#[test]
fn other_documented_fields_are_accepted_and_ignored() {
    let json = r#"{"code":"OK","message":"Success!","requestId":"r","extra":[1,{"a":null}],
        "data":{"id":"s","createdAt":"2024-08-09T12:55:51Z","status":"COMPLETED",
        "resultCode":"SUCCESS","resultMessage":"query success",
        "requestMeta":{"phone":"+639171234567","consent":{"type":"t","consentTemplateId":7}},
        "somethingNew":{"deep":[true,false]},
        "items":[{"name":"events_overdue_day30","value":1,"valueType":"NUMBER","unit":"events"}]}}"#;
    let n = norm(json).unwrap();
    assert_eq!(n.status, SignalStatus::Success);
    assert!(n.unknown.is_empty());
}

#[test]
fn parse_keeps_order_and_borrows_plain_names() {
    let json = success(r#""result":{"b":1,"a\u0062":null,"events_overdue_day30":2.50,"b":3}"#);
    let p = parse(json.as_bytes()).unwrap();
    let names: Vec<&str> = p.signals.iter().map(|s| &*s.name).collect();
    assert_eq!(names, ["b", "ab", "events_overdue_day30", "b"]);
    assert!(matches!(p.signals[0].name, std::borrow::Cow::Borrowed(_)));
    assert_eq!(p.signals[2].value.get(), "2.50");
    assert_eq!(p.signals[1].json_type(), JsonType::Null);
    assert_eq!(p.signals[0].value_type, None);
}

#[test]
fn every_error_message_is_one_line() {
    let cases = [
        "{\n\"a\":\n}".to_owned(),
        success(r#""items":[{"name":"x\ny","value":true,"valueType":"NUMBER"}]"#),
        success(&format!(
            r#""result":{{"events_overdue_day30":{}}}"#,
            "9".repeat(10_000)
        )),
    ];
    for json in cases {
        let e = err(&json).to_string();
        assert!(!e.contains('\n'), "{e}");
        assert!(e.len() < 300, "{e}");
    }
}
