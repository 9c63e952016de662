//! Positional JSON arrays where the payload has objects. serde reads a sequence into a struct
//! field by field, so `["OK", "msg", "r1", {...}]` could pass for an envelope and
//! `["name", 1, "NUMBER"]` for an item; the wire readers must refuse every such array with a
//! typed error naming the field, whatever it holds.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use underwrite_signals::features::Schema;
use underwrite_signals::normalize::normalize;
use underwrite_signals::signals::{parse, JsonType, SignalError};

/// A valid payload's `data`, with one signal.
const DATA: &str = r#"{"status":"COMPLETED","resultCode":"SUCCESS","items":[{"name":"events_overdue_day30","value":1,"valueType":"NUMBER"}]}"#;

fn wrong(field: &str, expected: &'static str) -> SignalError {
    SignalError::WrongType {
        field: field.to_owned(),
        expected,
        found: JsonType::Array,
    }
}

/// Parsing and normalizing both refuse `json` with `expected`.
fn refused(json: &str, expected: &SignalError) {
    assert_eq!(
        parse(json.as_bytes()).err().as_ref(),
        Some(expected),
        "{json}"
    );
    assert_eq!(
        normalize(json.as_bytes(), &Arc::new(Schema::phone_catalog()))
            .err()
            .as_ref(),
        Some(expected),
        "{json}"
    );
}

#[test]
fn the_valid_forms_parse() {
    // The baseline the positional forms below are made from.
    assert!(parse(DATA.as_bytes()).is_ok());
    let envelope = format!(r#"{{"code":"OK","message":"msg","requestId":"r1","data":{DATA}}}"#);
    assert!(parse(envelope.as_bytes()).is_ok());
}

#[test]
fn a_positional_envelope_or_bare_payload_is_refused() {
    let payload = wrong("payload", "an object");
    refused(&format!(r#"["OK","msg","r1",{DATA}]"#), &payload);
    refused(
        r#"["COMPLETED","SUCCESS",null,[{"name":"events_overdue_day30","value":1,"valueType":"NUMBER"}]]"#,
        &payload,
    );
    refused(&format!("[{DATA}]"), &payload);
    refused("[]", &payload);
    // Deeply nested arrays are read (for syntax) and refused the same way.
    refused(&format!("{}{}", "[".repeat(100), "]".repeat(100)), &payload);
}

#[test]
fn a_positional_data_object_is_refused() {
    refused(
        r#"{"code":"OK","data":["COMPLETED","SUCCESS",null,[["events_overdue_day30",1,"NUMBER"]]]}"#,
        &wrong("data", "an object"),
    );
    refused(
        &format!(r#"{{"code":"OK","data":[{DATA}]}}"#),
        &wrong("data", "an object"),
    );
}

#[test]
fn a_positional_item_is_refused_naming_its_index() {
    refused(
        r#"{"status":"COMPLETED","resultCode":"SUCCESS","items":[["events_overdue_day30",1,"NUMBER"]]}"#,
        &wrong("items[0]", "an object"),
    );
    // After a valid item, in an envelope.
    refused(
        r#"{"code":"OK","data":{"status":"COMPLETED","resultCode":"SUCCESS","items":[
            {"name":"events_overdue_day30","value":1,"valueType":"NUMBER"},
            ["events_overdue_day60",2,"NUMBER"]]}}"#,
        &wrong("items[1]", "an object"),
    );
    // The alpha shape as a list of pairs.
    refused(
        r#"{"status":"COMPLETED","resultCode":"SUCCESS","result":[["events_overdue_day30",1]]}"#,
        &wrong("result", "an object"),
    );
}

#[test]
fn positional_status_fields_are_refused() {
    let with = |field: &str, value: &str| {
        let mut data: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(DATA).unwrap();
        data.insert(field.to_owned(), serde_json::from_str(value).unwrap());
        serde_json::to_string(&data).unwrap()
    };
    refused(
        &with("status", r#"["COMPLETED"]"#),
        &wrong("status", "a string"),
    );
    refused(
        &with("resultCode", r#"["SUCCESS"]"#),
        &wrong("resultCode", "a string"),
    );
    refused(
        &format!(r#"{{"code":["OK"],"data":{DATA}}}"#),
        &wrong("code", "a string"),
    );
    // An item's fields.
    refused(
        &with(
            "items",
            r#"[{"name":["events_overdue_day30"],"value":1,"valueType":"NUMBER"}]"#,
        ),
        &wrong("items[0].name", "a string"),
    );
    assert_eq!(
        parse(
            with(
                "items",
                r#"[{"name":"events_overdue_day30","value":1,"valueType":["NUMBER"]}]"#
            )
            .as_bytes()
        )
        .err(),
        Some(SignalError::ValueTypeNotString {
            signal: "events_overdue_day30".into(),
            found: JsonType::Array
        })
    );
}

#[test]
fn the_errors_say_what_was_expected() {
    let e = parse(br#"["OK","msg","r1",{}]"#).unwrap_err();
    assert_eq!(e.to_string(), "`payload` must be an object, found an array");
    let e = parse(br#"{"status":"COMPLETED","resultCode":"SUCCESS","items":[["a",1,"NUMBER"]]}"#)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`items[0]` must be an object, found an array"
    );
}
