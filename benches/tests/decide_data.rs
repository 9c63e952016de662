//! The `decide` bench's inputs are what `docs/performance.md` says they are: every benchmarked
//! payload decides (no error path is being timed), the set covers all three outcomes, and the
//! trace switch changes nothing but the trace.
#![allow(clippy::unwrap_used)]

use underwrite_benches::decide_data::{
    block_on, kyc_facts, starter_policy, BENCH_PAYLOADS, FALLBACK_PAYLOADS, KYC_EXACT,
};
use underwrite_core::policy::{DecideOptions, Outcome};
use underwrite_core::signals::SignalStatus;

#[test]
fn benchmarked_payloads_decide_as_documented() {
    let policy = starter_policy();
    let kyc = kyc_facts(KYC_EXACT);
    let got: Vec<(&str, Outcome, Option<i64>)> = BENCH_PAYLOADS
        .iter()
        .map(|p| {
            let d = policy
                .decide_payload(p.bytes, Some(&kyc), DecideOptions { trace: false })
                .unwrap();
            assert_eq!(d.signals_status, SignalStatus::Success, "{}", p.name);
            (p.name, d.decision, d.score)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("clean", Outcome::Approve, Some(835)),
            ("thin-file", Outcome::Review, Some(760)),
            ("risky", Outcome::Reject, Some(620)),
            ("banded", Outcome::Review, Some(720)),
            ("nulls", Outcome::Review, Some(760)),
        ]
    );
}

#[test]
fn trace_changes_only_the_trace() {
    let policy = starter_policy();
    let kyc = kyc_facts(KYC_EXACT);
    for p in BENCH_PAYLOADS.iter().chain(&FALLBACK_PAYLOADS) {
        let off = policy
            .decide_payload(p.bytes, Some(&kyc), DecideOptions { trace: false })
            .unwrap();
        let on = policy
            .decide_payload(p.bytes, Some(&kyc), DecideOptions { trace: true })
            .unwrap();
        assert!(off.trace.is_none(), "{}", p.name);
        assert!(
            on.trace.as_ref().is_some_and(|t| !t.is_empty()),
            "{}",
            p.name
        );
        assert_eq!(
            (off.decision, off.score, off.reason_codes()),
            (on.decision, on.score, on.reason_codes()),
            "{}",
            p.name
        );
    }
}

#[test]
fn fallback_payloads_take_the_fallback() {
    let policy = starter_policy();
    let kyc = kyc_facts(KYC_EXACT);
    let codes: Vec<Vec<String>> = FALLBACK_PAYLOADS
        .iter()
        .map(|p| {
            let d = policy
                .decide_payload(p.bytes, Some(&kyc), DecideOptions { trace: false })
                .unwrap();
            assert_eq!((d.decision, d.score), (Outcome::Review, None), "{}", p.name);
            d.reason_codes().into_iter().map(str::to_string).collect()
        })
        .collect();
    assert_eq!(codes, [["NO_DATA"], ["SIGNALS_UNAVAILABLE"]]);
}

#[test]
fn block_on_runs_a_ready_future_and_one_that_yields_once() {
    assert_eq!(block_on(async { 7 }), 7);
    let mut polled = false;
    let once = std::future::poll_fn(move |cx| {
        if polled {
            std::task::Poll::Ready(8)
        } else {
            polled = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    });
    assert_eq!(block_on(once), 8);
}
