//! Property tests of signals normalization:
//!
//! (a) any payload built from catalog signals with valid values (nulls, numbers, bands for
//!     amounts), in any order, shape and framing, normalizes without error to the expected values,
//!     and the feature vector round-trips through its JSON form;
//! (b) normalization never panics, whatever JSON (or non-JSON) it is given, wherever it sits;
//! (c) the `items` and `result` shapes of the same data give the same feature vector.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::str::FromStr;
use std::sync::Arc;

use proptest::prelude::*;
use rust_decimal::Decimal;
use underwrite_signals::catalog::{phone_signals, SignalKind};
use underwrite_signals::features::{Band, FeatureValue, FeatureVector, Schema};
use underwrite_signals::normalize::normalize;
use underwrite_signals::signals::SignalStatus;

/// A generated signal value, as JSON text plus what it must normalize to.
#[derive(Debug, Clone)]
enum Gen {
    Null,
    /// JSON number text.
    Number(String),
    /// A band, sent as a string.
    Band(String),
}

impl Gen {
    fn json(&self) -> String {
        match self {
            Gen::Null => "null".into(),
            Gen::Number(n) => n.clone(),
            Gen::Band(b) => format!("\"{b}\""),
        }
    }

    fn value_type(&self) -> &'static str {
        match self {
            Gen::Band(_) => "STRING",
            _ => "NUMBER",
        }
    }

    fn expected(&self, kind: SignalKind) -> FeatureValue {
        match self {
            Gen::Null => FeatureValue::for_null(kind.null_meaning()),
            Gen::Number(n) => FeatureValue::Number(
                Decimal::from_str(n)
                    .or_else(|_| Decimal::from_scientific(n))
                    .unwrap(),
            ),
            Gen::Band(b) => FeatureValue::Band(Band::parse(b).unwrap()),
        }
    }
}

/// A whole number in one of the ways JSON can write it.
fn whole() -> impl Strategy<Value = String> {
    (0u64..100_000, 0..4u8).prop_map(|(n, style)| match style {
        0 | 1 => n.to_string(),
        2 => format!("{n}.0"),
        _ => format!("{n}e0"),
    })
}

fn value_for(kind: SignalKind) -> BoxedStrategy<Gen> {
    let null = Just(Gen::Null);
    match kind {
        SignalKind::Amount => prop_oneof![
            1 => null,
            3 => (0i64..1_000_000_000_000, 0u32..=4)
                .prop_map(|(m, scale)| Gen::Number(Decimal::new(m, scale).to_string())),
            1 => (0u8..10).prop_map(|level| Gen::Band(format!("A{level}"))),
        ]
        .boxed(),
        _ => prop_oneof![1 => null, 3 => whole().prop_map(Gen::Number)].boxed(),
    }
}

/// A random subset of the catalog with valid values, in random order.
fn signals() -> impl Strategy<Value = Vec<(String, SignalKind, Gen)>> {
    let catalog = phone_signals();
    let per_signal: Vec<_> = catalog
        .into_iter()
        .map(|entry| {
            let kind = entry.kind;
            let name = entry.name;
            proptest::option::weighted(0.6, value_for(kind))
                .prop_map(move |v| v.map(|v| (name.clone(), kind, v)))
        })
        .collect();
    per_signal
        .prop_map(|all| all.into_iter().flatten().collect::<Vec<_>>())
        .prop_shuffle()
}

fn items_data(signals: &[(String, SignalKind, Gen)]) -> String {
    let items: Vec<String> = signals
        .iter()
        .map(|(name, _, v)| {
            format!(
                r#"{{"name":"{name}","value":{},"valueType":"{}"}}"#,
                v.json(),
                v.value_type()
            )
        })
        .collect();
    format!(
        r#"{{"id":"s","status":"COMPLETED","resultCode":"SUCCESS","resultMessage":"query success","requestMeta":{{"phone":"+639171234567"}},"items":[{}]}}"#,
        items.join(",")
    )
}

fn result_data(signals: &[(String, SignalKind, Gen)]) -> String {
    let entries: Vec<String> = signals
        .iter()
        .map(|(name, _, v)| format!(r#""{name}":{}"#, v.json()))
        .collect();
    format!(
        r#"{{"status":"COMPLETED","resultCode":"SUCCESS","result":{{{}}}}}"#,
        entries.join(",")
    )
}

fn envelope(data: &str) -> String {
    format!(r#"{{"code":"OK","message":"Success!","requestId":"r","data":{data}}}"#)
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::phone_catalog())
}

proptest! {
    #[test]
    fn valid_catalog_payloads_normalize_and_round_trip(
        signals in signals(),
        use_items in any::<bool>(),
        enveloped in any::<bool>(),
    ) {
        let data = if use_items { items_data(&signals) } else { result_data(&signals) };
        let payload = if enveloped { envelope(&data) } else { data };
        let schema = schema();
        let n = normalize(payload.as_bytes(), &schema)
            .unwrap_or_else(|e| panic!("{payload}: {e}"));
        prop_assert_eq!(n.status, SignalStatus::Success);
        prop_assert!(n.unknown.is_empty() && n.warnings.is_empty());
        for (name, kind, v) in &signals {
            prop_assert_eq!(n.features.get_by_name(name), Some(&v.expected(*kind)), "{}", name);
        }
        let sent = signals.len();
        let set = n.features.values().iter().filter(|v| !v.is_missing()).count();
        prop_assert!(set <= sent);

        let json = serde_json::to_value(&n.features).unwrap();
        let back = FeatureVector::from_json_map(Arc::clone(&schema), json.as_object().unwrap())
            .unwrap();
        prop_assert_eq!(&back, &n.features);
        // And through text, as the CLI prints it.
        let text = serde_json::to_string(&n.features).unwrap();
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(FeatureVector::from_json_map(schema, &map).unwrap(), n.features);
    }

    #[test]
    fn both_shapes_give_the_same_vector(signals in signals(), enveloped in any::<bool>()) {
        let wrap = |d: String| if enveloped { envelope(&d) } else { d };
        let schema = schema();
        let a = normalize(wrap(items_data(&signals)).as_bytes(), &schema).unwrap();
        let b = normalize(wrap(result_data(&signals)).as_bytes(), &schema).unwrap();
        prop_assert_eq!(a, b);
    }
}

/// Keys that steer the parser into its interesting paths.
const KEYS: &[&str] = &[
    "code",
    "message",
    "data",
    "status",
    "resultCode",
    "items",
    "result",
    "name",
    "value",
    "valueType",
    "events_overdue_day30",
    "events_overdue_day30_amount",
    "events_overdue_days_since_last",
    "events_fraud_day60_amount",
    "",
    "$serde_json::private::Number",
];

/// Strings that mean something somewhere.
const STRINGS: &[&str] = &[
    "OK",
    "COMPLETED",
    "PROCESSING",
    "ERROR",
    "SUCCESS",
    "NO_DATA",
    "SYSTEM_ERROR",
    "SERVICE_UNAVAILABLE",
    "NUMBER",
    "STRING",
    "A0",
    "Z999",
    "NaN",
    "Infinity",
    "-0",
    "1e400",
    "12.5",
    "",
    "events_overdue_day30",
];

fn json_string() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(STRINGS).prop_map(|s| s.to_owned()),
        any::<String>(),
    ]
    .prop_map(|s| serde_json::to_string(&s).unwrap())
}

fn json_number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u128>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        (0u32..1000, 0u32..40).prop_map(|(m, s)| format!("{m}.{}", "0".repeat(s as usize))),
        (1usize..12_000).prop_map(|n| "9".repeat(n)),
        (-500i32..500).prop_map(|e| format!("1e{e}")),
        Just("-0".to_owned()),
    ]
}

/// Arbitrary JSON text (valid JSON; depth-limited).
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        json_number(),
        json_string(),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            proptest::sample::select(KEYS).prop_map(|s| s.to_owned()),
            any::<String>(),
        ]
        .prop_map(|k| serde_json::to_string(&k).unwrap());
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec((key, inner), 0..6).prop_map(|kv| {
                let body: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

/// Places to put an arbitrary value in an otherwise well-formed payload.
const TEMPLATES: &[&str] = &[
    "@",
    r#"{"code":"OK","data":@}"#,
    r#"{"code":@,"message":@,"data":{"status":"COMPLETED","resultCode":"SUCCESS","result":{}}}"#,
    r#"{"status":@,"resultCode":"SUCCESS","result":{}}"#,
    r#"{"status":"COMPLETED","resultCode":@,"items":[]}"#,
    r#"{"status":"ERROR","resultCode":@,"resultMessage":@}"#,
    r#"{"status":"COMPLETED","resultCode":"SUCCESS","items":@}"#,
    r#"{"status":"COMPLETED","resultCode":"SUCCESS","result":@}"#,
    r#"{"status":"COMPLETED","resultCode":"SUCCESS","items":[@,@]}"#,
    r#"{"status":"COMPLETED","resultCode":"NO_DATA","items":@}"#,
    r#"{"status":"COMPLETED","resultCode":"SUCCESS","items":[{"name":"events_overdue_day30","value":@,"valueType":"NUMBER"}]}"#,
    r#"{"status":"COMPLETED","resultCode":"SUCCESS","items":[{"name":"events_overdue_day30_amount","value":@,"valueType":"STRING"}]}"#,
    r#"{"status":"COMPLETED","resultCode":"SUCCESS","items":[{"name":"custom","value":@,"valueType":@}]}"#,
    r#"{"status":"COMPLETED","resultCode":"SUCCESS","items":[{"name":@,"value":@,"valueType":"NUMBER"}]}"#,
    r#"{"status":"COMPLETED","resultCode":"SUCCESS","result":{"events_overdue_days_since_last":@,"x":@}}"#,
];

fn check_no_panic(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Err(e) = normalize(bytes, &schema()) {
        let message = e.to_string();
        prop_assert!(!message.contains('\n'), "multi-line message: {}", message);
        prop_assert!(message.len() < 1000, "long message: {}", message);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_json_anywhere(
        template in proptest::sample::select(TEMPLATES),
        values in proptest::collection::vec(json_value(), 2),
    ) {
        let mut payload = String::new();
        let mut fill = values.iter().cycle();
        for (i, part) in template.split('@').enumerate() {
            if i > 0 {
                payload.push_str(fill.next().map_or("null", String::as_str));
            }
            payload.push_str(part);
        }
        check_no_panic(payload.as_bytes())?;
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_no_panic(&bytes)?;
    }

    #[test]
    fn never_panics_on_mutated_real_payloads(
        signals in signals(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8),
    ) {
        let mut bytes = envelope(&items_data(&signals)).into_bytes();
        for (at, byte, op) in edits {
            let i = at.index(bytes.len().max(1)).min(bytes.len());
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        check_no_panic(&bytes)?;
    }
}
