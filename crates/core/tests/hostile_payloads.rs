//! Hostile signals payloads: each gets a typed error or the correct result, within a bounded
//! time (a hang guard, not a performance measurement), and never a panic.
//!
//! Memory: parsing borrows from the input (names, raw values), so a payload costs a bounded
//! multiple of its own size; error messages quote at most a short excerpt of a hostile value.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::within;

use std::sync::Arc;

use rust_decimal::Decimal;
use underwrite_core::catalog::BAND_FORM;
use underwrite_core::features::{Band, FeatureValue, Schema};
use underwrite_core::normalize::{normalize, Normalized};
use underwrite_core::policy::{DecideError, DecideOptions, Outcome, Policy, RuleErrorKind};
use underwrite_core::signals::{JsonType, SignalError, SignalStatus, MAX_SIGNALS};

fn norm(what: &str, payload: Vec<u8>) -> Result<Normalized, SignalError> {
    within(what, move || {
        normalize(&payload, &Arc::new(Schema::phone_catalog()))
    })
}

fn error(what: &str, payload: Vec<u8>) -> SignalError {
    match norm(what, payload) {
        Ok(n) => panic!("{what}: accepted: {:?}", n.status),
        Err(e) => {
            // Clear: one short line, whatever the input's size.
            let text = e.to_string();
            assert!(text.len() < 400, "{what}: message is {} bytes", text.len());
            assert!(!text.contains('\n'), "{what}: message spans lines");
            e
        }
    }
}

fn alpha(result: &str) -> Vec<u8> {
    format!(r#"{{"status":"COMPLETED","resultCode":"SUCCESS","result":{{{result}}}}}"#).into_bytes()
}

fn beta(items: &str) -> Vec<u8> {
    format!(r#"{{"status":"COMPLETED","resultCode":"SUCCESS","items":[{items}]}}"#).into_bytes()
}

fn is_json_error(e: &SignalError) -> bool {
    matches!(e, SignalError::Json { .. })
}

#[test]
fn deep_json_nesting_gets_a_typed_error_or_is_skipped() {
    let n = 1_000_000;
    let deep = || format!("{}1{}", "[".repeat(n), "]".repeat(n));
    // Not an object at all: refused before anything is read.
    let e = error("top level", deep().into_bytes());
    assert!(
        matches!(e, SignalError::WrongType { ref field, found: JsonType::Array, .. } if field == "payload"),
        "{e:?}"
    );
    // A signal's value is checked for its type without being built.
    let e = error("signal value", alpha(&format!(r#""x": {}"#, deep())));
    assert_eq!(
        e,
        SignalError::WrongJsonType {
            signal: "x".into(),
            found: JsonType::Array
        }
    );
    // Fields nobody reads are skipped, however deep: the payload means what it says.
    let ignored = format!(
        r#"{{"code":"OK","requestMeta":{},"data":{{"status":"COMPLETED","resultCode":"NO_DATA"}}}}"#,
        deep()
    );
    let got = norm("ignored envelope field", ignored.into_bytes()).unwrap();
    assert_eq!(got.status, SignalStatus::NoData);
    let item = beta(&format!(
        r#"{{"name":"custom","value":1,"valueType":"NUMBER","meta":{}}}"#,
        deep()
    ));
    match norm("item field", item) {
        Ok(got) => assert_eq!(got.unknown[0].value, FeatureValue::Number(Decimal::ONE)),
        Err(e) => assert!(is_json_error(&e), "{e:?}"),
    }
    // Nested envelopes: the inner `data` is an unknown field of the outer one, skipped.
    let e = error(
        "deep envelopes",
        format!("{}1{}", "{\"data\":".repeat(n), "}".repeat(n)).into_bytes(),
    );
    assert_eq!(
        e,
        SignalError::MissingField {
            field: "status".into()
        }
    );
}

#[test]
fn signals_up_to_the_limit_are_all_kept_and_more_are_refused() {
    // A real response lists a few dozen signals; a payload of a hundred thousand (a few MB)
    // would cost hundreds of MB to normalize. Up to MAX_SIGNALS are kept (duplicates still
    // named); past it the payload is refused, in both shapes, whatever else it holds.
    let n = MAX_SIGNALS;
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"name":"custom_{i}","value":{i},"valueType":"NUMBER"}}"#))
        .collect();
    let got = norm("items at the limit", beta(&items.join(","))).unwrap();
    assert_eq!(got.unknown.len(), n);
    assert_eq!(got.warnings.len(), n);
    assert_eq!(
        got.unknown[n - 1].value,
        FeatureValue::Number(Decimal::from(n - 1))
    );

    let mut dup = items[..n - 1].to_vec();
    dup.push(r#"{"name":"custom_5","value":1,"valueType":"NUMBER"}"#.into());
    let e = error("items with a duplicate", beta(&dup.join(",")));
    assert_eq!(e.signal(), Some("custom_5"));
    assert!(matches!(e, SignalError::DuplicateSignal { .. }));

    let alpha_items: Vec<String> = (0..n).map(|i| format!(r#""custom_{i}": {i}"#)).collect();
    let got = norm("alpha entries at the limit", alpha(&alpha_items.join(","))).unwrap();
    assert_eq!(got.unknown.len(), n);

    for many in [n + 1, 100_000] {
        let items: Vec<String> = (0..many)
            .map(|i| format!(r#"{{"name":"custom_{i}","value":{i},"valueType":"NUMBER"}}"#))
            .collect();
        let e = error("items over the limit", beta(&items.join(",")));
        assert_eq!(
            e,
            SignalError::TooManySignals { limit: MAX_SIGNALS },
            "{many}"
        );
        let entries: Vec<String> = (0..many).map(|i| format!(r#""custom_{i}": {i}"#)).collect();
        let e = error("alpha entries over the limit", alpha(&entries.join(",")));
        assert_eq!(
            e,
            SignalError::TooManySignals { limit: MAX_SIGNALS },
            "{many}"
        );
    }
    assert!(error(
        "over the limit",
        alpha(
            &(0..n + 1)
                .map(|i| format!(r#""c{i}": 1"#))
                .collect::<Vec<_>>()
                .join(",")
        )
    )
    .to_string()
    .contains("more than 1000 signals"));
}

#[test]
fn megabyte_strings_are_kept_or_refused_with_a_short_message() {
    let big = "A".repeat(1 << 20);
    // Text of an unknown signal is kept, exactly.
    let got = norm(
        "1 MB text value",
        beta(&format!(
            r#"{{"name":"custom","value":"{big}","valueType":"STRING"}}"#
        )),
    )
    .unwrap();
    assert_eq!(got.unknown[0].value, FeatureValue::Text(big.clone().into()));
    // A 1 MB string where a number belongs: refused, quoting an excerpt.
    let e = error(
        "1 MB string for a count",
        beta(&format!(
            r#"{{"name":"events_overdue_day30","value":"{big}","valueType":"NUMBER"}}"#
        )),
    );
    assert!(matches!(e, SignalError::NotANumber { .. }), "{e:?}");
    // A 1 MB signal name is kept as an unknown signal.
    let got = norm(
        "1 MB name",
        alpha(&format!(r#""{}": 1"#, "n".repeat(1 << 20))),
    )
    .unwrap();
    assert_eq!(got.unknown[0].name.len(), 1 << 20);
    // 1 MB in the status fields and the envelope: refused, briefly.
    for (what, payload) in [
        (
            "1 MB status",
            format!(r#"{{"status":"{big}","resultCode":"SUCCESS","result":{{}}}}"#),
        ),
        (
            "1 MB resultCode",
            format!(r#"{{"status":"COMPLETED","resultCode":"{big}","result":{{}}}}"#),
        ),
        (
            "1 MB valueType",
            String::from_utf8(beta(&format!(
                r#"{{"name":"x","value":1,"valueType":"{big}"}}"#
            )))
            .unwrap(),
        ),
        (
            "1 MB provider code",
            format!(r#"{{"code":"{big}","message":"m","data":{{}}}}"#),
        ),
        (
            "1 MB provider message",
            format!(r#"{{"code":"E1","message":"{big}","data":{{}}}}"#),
        ),
        (
            "1 MB error message",
            format!(r#"{{"status":"ERROR","resultCode":"E","resultMessage":"{big}"}}"#),
        ),
    ] {
        error(what, payload.into_bytes());
    }
}

#[test]
fn numbers_with_ten_thousand_digits_are_out_of_range() {
    let digits = "9".repeat(10_000);
    for (what, value) in [
        ("10,000 digits", digits.clone()),
        ("10,000 fraction digits", format!("0.{digits}")),
        ("negative", format!("-{digits}")),
        ("huge exponent", "1e999999999999".to_string()),
        ("tiny exponent", "1e-999999999999".to_string()),
        ("10,000-digit exponent", format!("1e{digits}")),
        ("as a string", format!("\"{digits}\"")),
    ] {
        let e = error(what, alpha(&format!(r#""events_overdue_day30": {value}"#)));
        assert_eq!(e.signal(), Some("events_overdue_day30"), "{what}: {e}");
        assert!(
            matches!(
                e,
                SignalError::OutOfRange { .. } | SignalError::InvalidValue { .. }
            ),
            "{what}: {e:?}"
        );
    }
    // Leading zeros and trailing fraction zeros that still fit are exact.
    let got = norm(
        "long but exact",
        alpha(&format!(
            r#""events_overdue_day30": 3.{}"#,
            "0".repeat(10_000)
        )),
    );
    // 10,000 fraction digits exceed Decimal's 28 places even when they are zeros: refused,
    // never rounded.
    assert!(
        got.is_err()
            || got.unwrap().features.get_by_name("events_overdue_day30")
                == Some(&FeatureValue::Number(Decimal::from(3)))
    );
}

#[test]
fn invalid_utf8_and_nul_bytes_are_json_errors_or_kept_exactly() {
    let mut bad = alpha(r#""custom": "x""#);
    let at = bad.iter().position(|&b| b == b'x').unwrap();
    bad[at] = 0xFF;
    assert!(is_json_error(&error("invalid UTF-8 in a value", bad)));
    let mut bad_name = alpha(r#""cxstom": 1"#);
    let at = bad_name.iter().position(|&b| b == b'x').unwrap();
    bad_name[at..at + 1].copy_from_slice(&[0xC3]);
    assert!(is_json_error(&error("invalid UTF-8 in a name", bad_name)));
    // A lone surrogate escape passes JSON syntax but is not Unicode: refused by signal.
    let e = error("a lone surrogate", alpha(r#""custom": "a\ud800""#));
    assert_eq!(
        e,
        SignalError::InvalidString {
            signal: "custom".into()
        }
    );
    let e = error(
        "a lone surrogate in a count",
        alpha(r#""events_overdue_day30": "\udfff""#),
    );
    assert_eq!(e.signal(), Some("events_overdue_day30"));
    assert!(is_json_error(&error(
        "a lone surrogate in a name",
        alpha(r#""c\ud800": 1"#)
    )));
    // A raw NUL is not JSON; an escaped one is a character like any other.
    assert!(is_json_error(&error(
        "raw NUL",
        alpha("\"custom\": \"a\0b\"")
    )));
    assert!(is_json_error(&error("NUL payload", vec![0; 1024])));
    let got = norm("escaped NUL", alpha(r#""cus\u0000tom": "a\u0000b""#)).unwrap();
    assert_eq!(got.unknown[0].name, "cus\0tom");
    assert_eq!(got.unknown[0].value, FeatureValue::Text("a\0b".into()));
    assert!(is_json_error(&error("empty", Vec::new())));
    assert!(is_json_error(&error("BOM only", vec![0xEF, 0xBB, 0xBF])));
}

#[test]
fn hostile_payloads_through_a_policy_never_approve_by_accident() {
    let policy = Policy::load(include_bytes!("../../../rules/starter.yaml")).unwrap();
    let policy = Arc::new(policy);
    let decide = |what: &str, payload: Vec<u8>| {
        let p = Arc::clone(&policy);
        within(what, move || {
            p.decide_payload(&payload, None, DecideOptions::default())
        })
    };
    let deep = alpha(&format!(
        r#""x": {}1{}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    ));
    assert!(matches!(
        decide("deep", deep),
        Err(DecideError::Signals(SignalError::WrongJsonType { .. }))
    ));
    let items: Vec<String> = (0..100_000)
        .map(|i| format!(r#"{{"name":"custom_{i}","value":{i},"valueType":"NUMBER"}}"#))
        .collect();
    // Far more signals than any response: refused before normalizing (no decision at all).
    assert!(matches!(
        decide("100k unknown items", beta(&items.join(","))),
        Err(DecideError::Signals(SignalError::TooManySignals { .. }))
    ));
    // Within the limit, nothing the starter reads was sent: its rules say missing values are
    // an error, so there is no decision (and certainly no approval).
    match decide("1k unknown items", beta(&items[..MAX_SIGNALS].join(","))) {
        Err(DecideError::Rule { message, .. }) => assert!(message.contains("missing value")),
        Ok(d) => assert_ne!(d.decision, Outcome::Approve),
        Err(e) => panic!("{e:?}"),
    }
}

/// Band-like text the provider does not send: other letters, lower case, leading zeros, no
/// level, signs, levels out of range, spaces, non-ASCII letters and digits.
const HOSTILE_BANDS: &[&str] = &[
    "Z1",
    "B0",
    "a3",
    "A",
    "A007",
    "A00",
    "A01",
    "A-1",
    "A+1",
    "A100",
    "A1000",
    "A65536",
    "A99999999999999999999999999999999999999999999999999",
    "A1 ",
    "A3\u{0}",
    "A\u{ff13}",
    "\u{ff21}3",
    "A\u{663}",
    "\u{391}1",
];

/// What a policy gets for comparing a band with text that is not a catalog band.
const NOT_BAND_TEXT: &str = "a band was compared with text that is not a band; a band is \"A\" \
    followed by a level from 0 to 99 in digits without leading zeros (\"A0\" to \"A99\"), e.g. \
    `x >= \"A3\"`";

fn amount_item(name: &str, value: &str) -> Vec<u8> {
    let value = serde_json::to_string(value).unwrap();
    beta(&format!(
        r#"{{"name":"{name}","value":{value},"valueType":"STRING"}}"#
    ))
}

fn amount_entry(name: &str, value: &str) -> Vec<u8> {
    alpha(&format!(
        r#""{name}": {}"#,
        serde_json::to_string(value).unwrap()
    ))
}

#[test]
fn bands_outside_the_catalog_are_refused_naming_the_signal() {
    // A catalog amount, and one that is only understood from its name.
    for signal in ["events_debt_day90_amount", "events_fraud_day60_amount"] {
        for bad in HOSTILE_BANDS {
            for (shape, payload) in [
                ("items", amount_item(signal, bad)),
                ("result", amount_entry(signal, bad)),
            ] {
                let what = format!("{shape} {signal} {bad:?}");
                let e = error(&what, payload);
                assert_eq!(e.signal(), Some(signal), "{what}: {e}");
                assert!(
                    matches!(e, SignalError::InvalidBand { .. }),
                    "{what}: {e:?}"
                );
                let message = e.to_string();
                assert!(message.contains(BAND_FORM), "{what}: {message}");
            }
        }
    }
    assert_eq!(
        error("Z1", amount_item("events_debt_day90_amount", "Z1")).to_string(),
        "signal \"events_debt_day90_amount\": \"Z1\" is not a band the provider sends; a band is \
         \"A\" followed by a level from 0 to 99 in digits without leading zeros (\"A0\" to \"A99\")"
    );
    // The value is quoted escaped and shortened, as in every other value error.
    let e = error("NUL", amount_item("events_debt_day90_amount", "A3\u{0}"));
    assert!(e.to_string().contains(r#""A3\0""#), "{e}");
    let long = format!("A{}", "7".repeat(1 << 20));
    let e = error("1 MB band", amount_item("events_debt_day90_amount", &long));
    assert!(e.to_string().contains("(1048577 characters)"), "{e}");
    // Where no band is allowed, band-like text is not a number (and never a band).
    for bad in ["Z1", "A007", "A1000"] {
        let e = error(
            &format!("{bad:?}"),
            amount_entry("events_overdue_day30", bad),
        );
        assert_eq!(e.signal(), Some("events_overdue_day30"));
        assert!(matches!(e, SignalError::NotANumber { .. }), "{bad}: {e:?}");
    }
}

#[test]
fn catalog_bands_keep_their_text_and_other_band_text_is_text() {
    let schema = Arc::new(Schema::phone_catalog());
    for text in ["A0", "A7", "A10", "A99"] {
        for payload in [
            amount_item("events_debt_day90_amount", text),
            amount_entry("events_debt_day90_amount", text),
        ] {
            let n = normalize(&payload, &schema).unwrap();
            let value = n.features.get_by_name("events_debt_day90_amount").unwrap();
            assert_eq!(value, &FeatureValue::Band(Band::parse(text).unwrap()));
            assert_eq!(value.to_string(), text);
            // The features JSON (`underwrite features`, traces) prints it as sent.
            let json = serde_json::to_value(&n.features).unwrap();
            assert_eq!(json["events_debt_day90_amount"], text);
        }
    }
    // A signal outside the scheme has no kind: band-like text is text, kept exactly.
    for bad in HOSTILE_BANDS {
        let n = norm(&format!("{bad:?}"), amount_item("risk_grade", bad)).unwrap();
        assert_eq!(
            n.unknown[0].value,
            FeatureValue::Text((*bad).into()),
            "{bad:?}"
        );
    }
}

#[test]
fn policies_comparing_a_band_with_text_outside_the_catalog_fail_on_both_paths() {
    let knockout = |when: &str| {
        let src = format!(
            "name: t\nversion: \"1\"\nknockouts:\n  - id: band_rule\n    when: '{when}'\n    \
             outcome: reject\n    reason: {{ code: K, text: k }}\n"
        );
        Policy::load(src.as_bytes()).unwrap_or_else(|e| panic!("{src}: {e}"))
    };
    let debt = |band: &str| amount_item("events_debt_day90_amount", band);
    for text in ["Z1", "A007", "a3", "A", "A1000", "A\u{ff13}", ""] {
        for op in ["==", "!=", "<", "<=", ">", ">="] {
            for (path, when) in [
                // Lowered to the native tree.
                (
                    "native",
                    format!(
                        r#"is_band(events_debt_day90_amount) && events_debt_day90_amount {op} "{text}""#
                    ),
                ),
                (
                    "native",
                    format!(
                        r#"is_band(events_debt_day90_amount) && "{text}" {op} events_debt_day90_amount"#
                    ),
                ),
                // `band_level` is not lowered: the whole condition runs in Rhai.
                (
                    "rhai",
                    format!(
                        r#"band_level(events_debt_day90_amount) >= 0 && events_debt_day90_amount {op} "{text}""#
                    ),
                ),
                (
                    "rhai",
                    format!(
                        r#"band_level(events_debt_day90_amount) >= 0 && "{text}" {op} events_debt_day90_amount"#
                    ),
                ),
            ] {
                let policy = knockout(&when);
                match policy.decide_payload(&debt("A9"), None, DecideOptions::default()) {
                    Err(DecideError::Rule {
                        rule,
                        kind,
                        message,
                    }) => {
                        assert_eq!(rule, "band_rule");
                        // One kind and one message, whichever path ran.
                        assert_eq!(kind, RuleErrorKind::NotABand, "{path} `{when}`");
                        assert_eq!(message, NOT_BAND_TEXT, "{path} `{when}`");
                    }
                    other => panic!("{path} `{when}`: {other:?}"),
                }
            }
        }
    }
    // Catalog band text compares by level, on either side and on both paths. (An amount may
    // also be missing, so a lowered rule tests `is_band` first, or loading refuses it.)
    for (when, band, outcome) in [
        (
            r#"is_band(events_debt_day90_amount) && events_debt_day90_amount >= "A8""#,
            "A9",
            Outcome::Reject,
        ),
        (
            r#"is_band(events_debt_day90_amount) && events_debt_day90_amount >= "A8""#,
            "A10",
            Outcome::Reject,
        ),
        (
            r#"is_band(events_debt_day90_amount) && events_debt_day90_amount >= "A8""#,
            "A7",
            Outcome::Approve,
        ),
        (
            r#"is_band(events_debt_day90_amount) && "A8" <= events_debt_day90_amount"#,
            "A10",
            Outcome::Reject,
        ),
        (
            r#"is_band(events_debt_day90_amount) && "A3" == events_debt_day90_amount"#,
            "A3",
            Outcome::Reject,
        ),
        (
            r#"band_level(events_debt_day90_amount) >= 0 && "A8" > events_debt_day90_amount"#,
            "A10",
            Outcome::Approve,
        ),
    ] {
        let d = knockout(when)
            .decide_payload(&debt(band), None, DecideOptions::default())
            .unwrap();
        assert_eq!(d.decision, outcome, "`{when}` on {band}");
    }
}

#[test]
fn provider_codes_and_messages_are_quoted_escaped_on_one_line() {
    // Found by the signals fuzz target: a provider message with a newline made a two-line
    // error. Controls, separators and bidi overrides from the provider are escaped.
    let payload = br#"{"code": "E\u001b[2J", "message": "line one\nline two\r\u2028\u202eevil\u0000", "requestId": "r", "data": null}"#;
    let e = error("hostile provider text", payload.to_vec());
    assert!(matches!(e, SignalError::Provider { .. }), "{e:?}");
    let text = e.to_string();
    for raw in ['\n', '\r', '\u{1b}', '\u{2028}', '\u{202e}', '\0'] {
        assert!(!text.contains(raw), "{raw:?} reached the message: {text:?}");
    }
    assert!(
        text.contains(r"line one\nline two\r\u{2028}\u{202e}evil"),
        "{text}"
    );
}
