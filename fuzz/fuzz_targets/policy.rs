//! Arbitrary bytes as a policy file: loading must give a policy or a typed `LoadError` with at
//! least one diagnostic; a policy that loads must decide on fixed payloads (with and without
//! KYC, every signal status) with an `Ok` or a typed `DecideError`, the same with and without
//! the trace. The Rhai sandbox limits must stop anything slow before libFuzzer's timeout.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::{DecideOptions, Outcome, Policy};

const PAYLOADS: [&[u8]; 5] = [
    include_bytes!("../../testdata/signals/clean.json"),
    include_bytes!("../../testdata/signals/risky.json"),
    include_bytes!("../../testdata/signals/banded.json"),
    include_bytes!("../../testdata/signals/no-data.json"),
    include_bytes!("../../testdata/signals/unavailable.json"),
];

fn kyc() -> &'static KycFacts {
    static KYC: OnceLock<KycFacts> = OnceLock::new();
    KYC.get_or_init(|| {
        KycFacts::from_json(include_bytes!("../../testdata/kyc/joe-no-match.json"))
            .expect("shipped KYC example is valid")
    })
}

/// Warm every lazy table (phone metadata, Rhai engine) before fuzzing, so that the first input
/// is not charged for them against the per-input timeout.
fn warm_up() {
    let starter = Policy::load(include_bytes!("../../rules/starter.yaml")).expect("starter loads");
    let _ = starter.decide_payload(PAYLOADS[0], Some(kyc()), DecideOptions::default());
}

fuzz_target!(init: warm_up(), |data: &[u8]| {
    let policy = match Policy::load(data) {
        Ok(p) => p,
        Err(e) => {
            assert!(!e.diagnostics.is_empty(), "a LoadError says what is wrong");
            let _ = e.to_string();
            return;
        }
    };
    for payload in PAYLOADS {
        for kyc in [None, Some(kyc())] {
            let traced = policy.decide_payload(payload, kyc, DecideOptions { trace: true });
            let plain = policy.decide_payload(payload, kyc, DecideOptions { trace: false });
            match (traced, plain) {
                (Ok(t), Ok(p)) => {
                    assert_eq!(t.decision, p.decision);
                    assert_eq!(t.score, p.score);
                    assert_eq!(t.reasons, p.reasons);
                    assert!(p.trace.is_none());
                    if matches!(
                        t.signals_status,
                        underwrite_core::signals::SignalStatus::Unavailable(_)
                    ) {
                        assert_ne!(t.decision, Outcome::Approve, "unavailable never approves");
                    }
                }
                (Err(t), Err(p)) => assert_eq!(t.to_string(), p.to_string()),
                (t, p) => panic!("trace on and off disagree: {t:?} vs {p:?}"),
            }
        }
    }
});
