//! Properties of the policies shipped in `rules/`, over random catalog payloads:
//! every payload decides without error, a KYC No Match never approves, unavailable signals never
//! approve, and the trace switch never changes the outcome, score or reasons.
#![allow(clippy::unwrap_used, clippy::panic)]

use proptest::prelude::*;
use underwrite_core::catalog::{phone_signals, Availability, SignalKind};
use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::{DecideOptions, Outcome, Policy};

fn shipped() -> Vec<(String, Policy)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let policy = Policy::load(&std::fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push((path.display().to_string(), policy));
        }
    }
    assert!(out.len() >= 2, "expected at least two shipped policies");
    out
}

fn kyc(name: &str) -> KycFacts {
    let path = format!("{}/../../testdata/kyc/{name}", env!("CARGO_MANIFEST_DIR"));
    KycFacts::from_json(&std::fs::read(path).unwrap()).unwrap()
}

/// A JSON value for one signal of `kind`: a valid number, `null`, or (amounts) a band.
fn value(kind: SignalKind) -> BoxedStrategy<String> {
    let null = Just("null".to_string());
    match kind {
        SignalKind::Count | SignalKind::InstitutionCount => {
            prop_oneof![4 => (0u32..25).prop_map(|n| n.to_string()), 1 => null].boxed()
        }
        SignalKind::Amount => prop_oneof![
            3 => (0u64..10_000_000, 0u32..3).prop_map(|(n, s)| rust_decimal::Decimal::new(n as i64, s).to_string()),
            1 => (0u8..10).prop_map(|b| format!("\"A{b}\"")),
            1 => null,
        ]
        .boxed(),
        SignalKind::Days | SignalKind::DaysSinceLast => {
            prop_oneof![4 => (0u32..400).prop_map(|n| n.to_string()), 1 => null].boxed()
        }
    }
}

/// An alpha-shaped (`result` object) payload with every default catalog signal.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    let defaults: Vec<_> = phone_signals()
        .into_iter()
        .filter(|s| s.availability == Availability::Default)
        .collect();
    let values: Vec<_> = defaults.iter().map(|s| value(s.kind)).collect();
    values.prop_map(move |vals| {
        let fields: Vec<String> = defaults
            .iter()
            .zip(vals)
            .map(|(s, v)| format!("\"{}\": {v}", s.name))
            .collect();
        format!(
            r#"{{"code":"OK","message":"ok","requestId":"r","data":{{"status":"COMPLETED","resultCode":"SUCCESS","result":{{{}}}}}}}"#,
            fields.join(",")
        )
        .into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn shipped_policies_hold_their_promises(bytes in payload()) {
        let exact = kyc("joe-exact.json");
        let no_match = kyc("joe-no-match.json");
        for (name, policy) in shipped() {
            let on = DecideOptions { trace: true };
            let off = DecideOptions { trace: false };
            let with_exact = policy.decide_payload(&bytes, Some(&exact), on)
                .map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
            let quiet = policy.decide_payload(&bytes, Some(&exact), off).unwrap();
            prop_assert_eq!(
                (with_exact.decision, with_exact.score, &with_exact.reasons),
                (quiet.decision, quiet.score, &quiet.reasons),
                "{}: trace changed the decision", name
            );
            let d = policy.decide_payload(&bytes, Some(&no_match), off).unwrap();
            prop_assert_ne!(d.decision, Outcome::Approve, "{}: KYC No Match approved", name);
            // A worse KYC result never makes the decision better.
            prop_assert!(d.decision >= with_exact.decision, "{}", name);
        }
    }
}

#[test]
fn unavailable_signals_never_approve_in_any_shipped_policy() {
    let exact = kyc("joe-exact.json");
    for code in ["SYSTEM_ERROR", "SERVICE_UNAVAILABLE"] {
        let bytes = format!(r#"{{"status":"COMPLETED","resultCode":"{code}"}}"#);
        for (name, policy) in shipped() {
            let d = policy
                .decide_payload(bytes.as_bytes(), Some(&exact), DecideOptions::default())
                .unwrap();
            assert_ne!(d.decision, Outcome::Approve, "{name} approved on {code}");
            assert!(!d.reasons.is_empty(), "{name}: no reason on {code}");
        }
    }
}
