//! Structured feature vectors through `rules/starter.yaml`, checking the decision invariants:
//! the outcome is never less severe than a fired knock-out, fired knock-outs' reasons come
//! first and in policy order, unavailable signals never approve, the score's cut-off bounds
//! the outcome, and trace on and off give the same outcome, score and reasons (or the same
//! error).
//!
//! Input: bytes that normalize as a signals payload under the policy's schema (the seed
//! corpus: `testdata/signals`) are decided as they are; anything else is read as a structured
//! feature vector with `arbitrary`.
#![no_main]

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use underwrite_core::features::{Band, FeatureValue, FeatureVector};
use underwrite_core::normalize::{normalize, Normalized};
use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::spec::PolicySpec;
use underwrite_core::policy::{DecideOptions, Outcome, Policy, TraceKind};
use underwrite_core::signals::{SignalStatus, UnavailableReason};

const STARTER: &str = include_str!("../../rules/starter.yaml");

struct Starter {
    policy: Policy,
    /// Knock-out id → (outcome, reason code), in policy order.
    knockouts: Vec<(String, Outcome, String)>,
    /// Scorecard cut-offs (approve, review).
    cutoffs: (i64, i64),
}

fn starter() -> &'static Starter {
    static STARTER_POLICY: OnceLock<Starter> = OnceLock::new();
    STARTER_POLICY.get_or_init(|| {
        let policy = Policy::load(STARTER.as_bytes()).expect("starter policy loads");
        let spec: PolicySpec = serde_yaml::from_str(STARTER).expect("starter policy parses");
        let knockouts = spec
            .knockouts
            .iter()
            .map(|k| (k.id.clone(), k.outcome, k.reason.code.clone()))
            .collect();
        let sc = spec.scorecard.as_ref().expect("starter has a scorecard");
        Starter {
            policy,
            knockouts,
            cutoffs: (sc.cutoffs.approve, sc.cutoffs.review),
        }
    })
}

#[derive(Debug, Arbitrary)]
enum Value {
    Missing,
    Never,
    /// A small count-like number (most rule thresholds are small).
    Small(u8),
    /// Any decimal: mantissa and scale.
    Decimal(i64, u8),
    /// Extremes.
    Max,
    Min,
    Band(u8, u16),
    Text(String),
    Bool(bool),
}

impl Value {
    fn feature(&self) -> FeatureValue {
        match self {
            Value::Missing => FeatureValue::Missing,
            Value::Never => FeatureValue::Never,
            Value::Small(n) => FeatureValue::Number(Decimal::from(*n)),
            Value::Decimal(m, s) => FeatureValue::Number(Decimal::new(*m, u32::from(*s % 29))),
            Value::Max => FeatureValue::Number(Decimal::MAX),
            Value::Min => FeatureValue::Number(Decimal::MIN),
            Value::Band(l, n) => {
                // Mostly catalog bands ("A0".."A99"); now and then a refused one (missing).
                let letter = if l % 8 == 0 { char::from(b'A' + l % 26) } else { 'A' };
                let text = format!("{letter}{}", n % 100);
                Band::parse(&text).map_or(FeatureValue::Missing, FeatureValue::Band)
            }
            Value::Text(t) => FeatureValue::Text(t.as_str().into()),
            Value::Bool(b) => FeatureValue::Bool(*b),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Status {
    Success,
    NoData,
    SystemError,
    ServiceUnavailable,
}

#[derive(Debug, Arbitrary)]
enum Kyc {
    None,
    Result {
        code: u8,
        names: u8,
        dob: u8,
        gender: u8,
        phone: u8,
    },
}

const OUTCOMES: [&str; 6] = [
    "Exact Match",
    "Partial Match",
    "Transposed",
    "No Match",
    "Not Provided",
    "Not Done",
];
const CODES: [(&str, &str, &str); 5] = [
    ("1020", "Exact Match", "Verified"),
    ("1021", "Partial Match", "Verified"),
    ("1022", "No Match", "Verified"),
    ("1013", "Invalid ID", "Not Verified"),
    (
        "1015",
        "Error - Queried Database Unavailable",
        "Issuer Unavailable",
    ),
];

impl Kyc {
    fn facts(&self) -> Option<KycFacts> {
        let Kyc::Result {
            code,
            names,
            dob,
            gender,
            phone,
        } = self
        else {
            return None;
        };
        let (code, text, verify) = CODES[usize::from(*code) % CODES.len()];
        let o = |i: &u8| OUTCOMES[usize::from(*i) % OUTCOMES.len()];
        let json = serde_json::json!({
            "ResultCode": code, "ResultText": text, "ResultType": "ID Verification",
            "IsFinalResult": "true",
            "Actions": {
                "Verify_ID_Number": verify, "Return_Personal_Info": "Not Applicable",
                "Names": o(names), "DOB": o(dob), "Gender": o(gender), "Phone_Number": o(phone),
                "ID_Verification": text,
            }
        });
        // The reader refuses results whose fields disagree with their code (a matching field
        // under 1015, say); such a draw is simply no KYC.
        KycFacts::from_json(json.to_string().as_bytes()).ok()
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    status: Status,
    /// Values for the policy's features, by slot (cycled; missing beyond).
    values: Vec<Value>,
    /// Spread the values over the slots with this stride, so that any slot can be reached.
    offset: u8,
    kyc: Kyc,
}

fn check(s: &Starter, signals: &Normalized, kyc: Option<&KycFacts>) {
    let traced = s.policy.decide(signals, kyc, DecideOptions { trace: true });
    let plain = s
        .policy
        .decide(signals, kyc, DecideOptions { trace: false });
    let (t, p) = match (traced, plain) {
        (Ok(t), Ok(p)) => (t, p),
        (Err(t), Err(p)) => {
            assert_eq!(t.to_string(), p.to_string(), "trace on and off fail alike");
            return;
        }
        (t, p) => panic!("trace on and off disagree: {t:?} vs {p:?}"),
    };
    assert_eq!(t.decision, p.decision, "trace changes the outcome");
    assert_eq!(t.score, p.score, "trace changes the score");
    assert_eq!(t.reasons, p.reasons, "trace changes the reasons");
    assert!(p.trace.is_none(), "no trace asked, none given");

    let by_id: HashMap<&str, (Outcome, &str)> = s
        .knockouts
        .iter()
        .map(|(id, o, code)| (id.as_str(), (*o, code.as_str())))
        .collect();
    let fired: Vec<&str> = t
        .trace
        .iter()
        .flatten()
        .filter(|e| e.kind == TraceKind::Knockout && e.result == FeatureValue::Bool(true))
        .map(|e| e.id.as_str())
        .collect();
    for id in &fired {
        let (outcome, _) = by_id[id];
        assert!(
            t.decision >= outcome,
            "{} is less severe than knock-out {id}",
            t.decision
        );
    }
    // Fired knock-outs' reasons lead, in policy order.
    let codes = t.reason_codes();
    let expected: Vec<&str> = s
        .knockouts
        .iter()
        .filter(|(id, _, _)| fired.contains(&id.as_str()))
        .map(|(_, _, code)| code.as_str())
        .collect();
    assert_eq!(
        codes.get(..expected.len()),
        Some(expected.as_slice()),
        "knock-out reasons first"
    );

    match signals.status {
        SignalStatus::Success => {
            let score = t.score.expect("a scorecard policy scores on signals");
            let (approve, review) = s.cutoffs;
            let cut = if score >= approve {
                Outcome::Approve
            } else if score >= review {
                Outcome::Review
            } else {
                Outcome::Reject
            };
            assert!(
                t.decision >= cut,
                "score {score} cuts to {cut}, decided {}",
                t.decision
            );
            if fired.is_empty() {
                assert_eq!(t.decision, cut, "no knock-out fired: the score decides");
            }
            assert!(
                codes.len() <= expected.len() + 4,
                "at most four scorecard reasons"
            );
        }
        status => {
            assert_eq!(t.score, None, "no score without signals");
            assert!(t.trace.iter().flatten().all(|e| e.kind != TraceKind::Bin));
            assert_ne!(t.decision, Outcome::Approve, "{status} never approves here");
        }
    }
}

fuzz_target!(init: { starter(); }, |data: &[u8]| {
    let s = starter();
    if let Ok(normalized) = normalize(data, s.policy.schema()) {
        check(s, &normalized, None);
        return;
    }
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let schema = Arc::clone(s.policy.schema());
    let mut features = FeatureVector::new(Arc::clone(&schema));
    let status = match input.status {
        Status::Success => SignalStatus::Success,
        Status::NoData => SignalStatus::NoData,
        Status::SystemError => SignalStatus::Unavailable(UnavailableReason::SystemError),
        Status::ServiceUnavailable => {
            SignalStatus::Unavailable(UnavailableReason::ServiceUnavailable)
        }
    };
    if status == SignalStatus::Success {
        let n = schema.len();
        for (i, v) in input.values.iter().enumerate().take(n) {
            let slot_index = (i + usize::from(input.offset)) % n;
            if let Some(def) = schema.defs().get(slot_index) {
                if let Some(slot) = schema.slot(&def.name) {
                    features.set(slot, v.feature());
                }
            }
        }
    }
    let normalized = Normalized {
        status,
        features,
        unknown: Vec::new(),
        warnings: Vec::new(),
    };
    let kyc = input.kyc.facts();
    check(s, &normalized, kyc.as_ref());
});
