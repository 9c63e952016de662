//! Fixed inputs for the `decide` bench and the zen-engine agreement test: the shipped starter
//! policy, a set of real-shaped signals payloads and one KYC outcome, all compiled into the
//! binary (no file I/O, so the bench runs the same from any working directory).
//!
//! With the `zen` feature, the module `zen` (compiled only then, so not linked here) holds the
//! same decision logic as a GoRules zen-engine JDM graph (`benches/zen/starter.jdm.json`) and
//! the adapter that feeds it; see `docs/performance.md` for what is measured and why it is a
//! fair comparison.

use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::Policy;

/// `rules/starter.yaml`, the shipped policy.
pub const STARTER_POLICY: &[u8] = include_bytes!("../../rules/starter.yaml");

/// The exact-match KYC request (`testdata/kyc/joe-exact.json`) every benchmarked decision uses.
pub const KYC_EXACT: &str = include_str!("../../testdata/kyc/joe-exact.json");

/// A KYC request whose names do not match (`testdata/kyc/joe-no-match.json`).
pub const KYC_NO_MATCH: &str = include_str!("../../testdata/kyc/joe-no-match.json");

/// A KYC request with no authority record (`testdata/kyc/joe-invalid-id.json`).
pub const KYC_INVALID_ID: &str = include_str!("../../testdata/kyc/joe-invalid-id.json");

/// A provider's KYC *result*: Partial Match overall while the names do not match
/// (`testdata/kyc/result-partial-names-no-match.json`).
pub const KYC_PARTIAL_NAMES_NO_MATCH: &str =
    include_str!("../../testdata/kyc/result-partial-names-no-match.json");

/// One named signals payload.
#[derive(Debug, Clone, Copy)]
pub struct Payload {
    /// Short name (the file stem).
    pub name: &'static str,
    /// The provider's JSON, full envelope.
    pub bytes: &'static [u8],
}

/// The benchmarked payloads: a clean borrower, a thin file, a risky borrower (knock-outs), banded
/// amounts (`"A0"`..`"A5"` strings, `items` shape) and the alpha reference sample, whose
/// amounts, days and days-since-last are `null`. Both payload shapes appear (`items`:
/// clean, banded; `result`: thin-file, risky, alpha-sample); all are full envelopes of 2.4 to
/// 5 KB with the provider's 35 default signals.
pub const BENCH_PAYLOADS: [Payload; 5] = [
    Payload {
        name: "clean",
        bytes: include_bytes!("../../testdata/signals/clean.json"),
    },
    Payload {
        name: "thin-file",
        bytes: include_bytes!("../../testdata/signals/thin-file.json"),
    },
    Payload {
        name: "risky",
        bytes: include_bytes!("../../testdata/signals/risky.json"),
    },
    Payload {
        name: "banded",
        bytes: include_bytes!("../../testdata/signals/banded.json"),
    },
    Payload {
        name: "nulls",
        bytes: include_bytes!("../../testdata/signals/alpha-sample.json"),
    },
];

/// Payloads that take the fallback paths: `resultCode` NO_DATA and SERVICE_UNAVAILABLE. Not
/// benchmarked (they skip the scorecard), but the agreement test covers them.
pub const FALLBACK_PAYLOADS: [Payload; 2] = [
    Payload {
        name: "no-data",
        bytes: include_bytes!("../../testdata/signals/no-data.json"),
    },
    Payload {
        name: "unavailable",
        bytes: include_bytes!("../../testdata/signals/unavailable.json"),
    },
];

/// Load the starter policy.
///
/// # Panics
/// If the shipped policy does not load (its own tests would fail too).
#[allow(clippy::panic)]
pub fn starter_policy() -> Policy {
    Policy::load(STARTER_POLICY).unwrap_or_else(|e| panic!("rules/starter.yaml: {e}"))
}

/// KYC facts from one of the KYC request constants (matched with `underwrite-kyc`).
///
/// # Panics
/// If the request does not parse or match (they are fixed test data).
#[allow(clippy::panic)]
pub fn kyc_facts(json: &str) -> KycFacts {
    KycFacts::from_json(json.as_bytes()).unwrap_or_else(|e| panic!("KYC test data: {e}"))
}

/// Run a future that is ready without outside events (zen-engine's `evaluate` on a graph of
/// expression and decision-table nodes never waits on I/O) on the current thread, with a
/// no-op waker: no runtime and no allocation, so the executor adds nothing to the measurement.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

#[cfg(feature = "zen")]
pub mod zen;
