//! The zen-engine graph (`benches/zen/starter.jdm.json`) and `rules/starter.yaml` make the same
//! decision — outcome, score and reason codes in order — on every benchmarked payload, on the
//! fallback payloads, on the policy's own inline test payloads, under every KYC outcome, and on
//! generated payloads that sweep the policy's thresholds. So the `decide/zen` bench does the same
//! work as `decide/underwrite` and gets the same answers.
//!
//! Run: `cargo test -p underwrite-benches --features zen`.
#![cfg(feature = "zen")]
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;

use underwrite_benches::decide_data::zen::{ZenDecision, ZenStarter, SIGNALS};
use underwrite_benches::decide_data::{
    kyc_facts, starter_policy, BENCH_PAYLOADS, FALLBACK_PAYLOADS, KYC_EXACT, KYC_INVALID_ID,
    KYC_NO_MATCH, KYC_PARTIAL_NAMES_NO_MATCH,
};
use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::{DecideOptions, Policy};

fn kycs() -> Vec<(&'static str, KycFacts)> {
    vec![
        ("exact", kyc_facts(KYC_EXACT)),
        ("no-match", kyc_facts(KYC_NO_MATCH)),
        ("invalid-id", kyc_facts(KYC_INVALID_ID)),
        (
            "partial-names-no-match",
            kyc_facts(KYC_PARTIAL_NAMES_NO_MATCH),
        ),
        ("none", KycFacts::none()),
    ]
}

fn underwrite(policy: &Policy, payload: &[u8], kyc: &KycFacts) -> ZenDecision {
    let d = policy
        .decide_payload(payload, Some(kyc), DecideOptions { trace: false })
        .unwrap();
    ZenDecision {
        decision: d.decision.as_str().to_string(),
        score: d.score,
        reasons: d.reason_codes().into_iter().map(str::to_string).collect(),
    }
}

/// Compare both engines on one payload; returns underwrite's decision.
fn agree(
    policy: &Policy,
    zen: &ZenStarter,
    name: &str,
    payload: &[u8],
    kyc: (&str, &KycFacts),
) -> ZenDecision {
    let expected = underwrite(policy, payload, kyc.1);
    let got = zen
        .decide(payload, kyc.1)
        .unwrap_or_else(|e| panic!("{name} with KYC {}: zen failed: {e}", kyc.0));
    assert_eq!(
        got,
        expected,
        "{name} with KYC {}: zen disagrees\npayload: {}",
        kyc.0,
        String::from_utf8_lossy(payload)
    );
    expected
}

#[test]
fn zen_agrees_on_the_benchmarked_and_fallback_payloads_under_every_kyc_outcome() {
    let policy = starter_policy();
    let zen = ZenStarter::load(policy.schema());
    let mut outcomes = BTreeSet::new();
    for (kyc_name, kyc) in kycs() {
        for p in BENCH_PAYLOADS.iter().chain(&FALLBACK_PAYLOADS) {
            let d = agree(&policy, &zen, p.name, p.bytes, (kyc_name, &kyc));
            outcomes.insert(d.decision);
        }
    }
    // The set exercises every outcome, so agreement is not agreement on one answer.
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
}

#[test]
fn zen_agrees_on_the_benchmarked_payloads_with_the_benchmark_kyc() {
    let policy = starter_policy();
    let zen = ZenStarter::load(policy.schema());
    let kyc = kyc_facts(KYC_EXACT);
    let decisions: Vec<String> = BENCH_PAYLOADS
        .iter()
        .map(|p| agree(&policy, &zen, p.name, p.bytes, ("exact", &kyc)).decision)
        .collect();
    // clean, thin-file, risky, banded, nulls (see benches/tests/decide_data.rs)
    assert_eq!(
        decisions,
        ["approve", "review", "reject", "review", "review"]
    );
}

#[test]
fn zen_agrees_on_the_policys_own_test_cases() {
    let policy = starter_policy();
    let zen = ZenStarter::load(policy.schema());
    let kycs = kycs();
    let mut inline = 0;
    for case in policy.tests() {
        let Some(payload) = case.signals.inline_bytes() else {
            continue;
        };
        inline += 1;
        for (kyc_name, kyc) in &kycs {
            agree(&policy, &zen, &case.name, &payload, (kyc_name, kyc));
        }
    }
    assert!(inline >= 4, "only {inline} inline test payloads");
}

/// splitmix64, for reproducible generated payloads.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A value for one of the policy's signals, concentrated around the policy's thresholds, with
/// nulls (whose meaning depends on the signal's kind) and bands for the debt amount.
fn value(rng: &mut Rng, signal: &str) -> String {
    if rng.below(8) == 0 {
        return "null".into();
    }
    match signal {
        "events_overdue_days_since_last" => {
            let pivots = [0, 4, 29, 30, 31, 90, 91, 180, 181, 400];
            pivots[rng.below(pivots.len() as u64) as usize].to_string()
        }
        "events_overdue_day30_days" => [0, 5, 30, 31, 45][rng.below(5) as usize].to_string(),
        "events_debt_day90_amount" => match rng.below(4) {
            0 => format!("\"A{}\"", rng.below(12)),
            // Other letters (and leading zeros) are refused by normalization since bands are
            // checked against the catalog: stay within "A0".."A99".
            1 => format!("\"A{}\"", 12 + rng.below(88)),
            2 => format!("{}.{:02}", 49_990 + rng.below(20), rng.below(100)),
            _ => rng.below(120_000).to_string(),
        },
        _ => rng.below(10).to_string(),
    }
}

#[test]
fn zen_agrees_on_generated_payloads_around_the_thresholds() {
    let policy = starter_policy();
    let zen = ZenStarter::load(policy.schema());
    let kycs = kycs();
    let mut rng = Rng(0x5EED_2E11);
    let mut outcomes = BTreeSet::new();
    let mut compared = 0;
    for i in 0..1_500 {
        let mut body = Vec::new();
        for s in SIGNALS {
            // Leave a signal out now and then: absent is missing, like an amount's null.
            if rng.below(40) == 0 {
                continue;
            }
            body.push(format!("\"{s}\": {}", value(&mut rng, s)));
        }
        let payload = format!(
            "{{\"status\": \"COMPLETED\", \"resultCode\": \"SUCCESS\", \"result\": {{{}}}}}",
            body.join(", ")
        );
        let (kyc_name, kyc) = &kycs[i % kycs.len()];
        // A payload the policy itself refuses (a missing value in a comparison) is not a case.
        if policy
            .decide_payload(
                payload.as_bytes(),
                Some(kyc),
                DecideOptions { trace: false },
            )
            .is_err()
        {
            continue;
        }
        let d = agree(
            &policy,
            &zen,
            &format!("generated #{i}"),
            payload.as_bytes(),
            (kyc_name, kyc),
        );
        outcomes.insert(d.decision);
        compared += 1;
    }
    assert!(
        compared >= 1_200,
        "only {compared} generated payloads compared"
    );
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
}
