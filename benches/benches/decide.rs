//! The decision hot path, side by side with its floor and its peer.
//!
//! Group `decide` (one iteration decides each of the five payloads in
//! [`BENCH_PAYLOADS`] once; throughput is in decisions):
//! * `parse_only`: `serde_json::from_slice::<serde_json::Value>` of the payload bytes, the cost
//!   of merely reading the input;
//! * `underwrite`: bytes → signals → features → decision with `rules/starter.yaml`, trace off;
//! * `underwrite_trace`: the same with the trace on;
//! * `zen` (with `--features zen`): the same decision by GoRules zen-engine on the same bytes
//!   (see `docs/performance.md` for how the input reaches it).
//!
//! Group `load`: `Policy::load` of `rules/starter.yaml` (`starter`: read, resolve, compile,
//! lower, type-check and validate, building the sandbox engine), the once-per-policy cost a
//! service pays on every reload.
//!
//! Group `scaling`: 20,000 decisions split across 1 or 2 `std::thread::scope` threads sharing
//! one `&Policy` (`threads_1`, `threads_2`).
//!
//! Run: `cargo bench -p underwrite-benches --bench decide` (add `--features zen` for zen).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use underwrite_benches::decide_data::{
    kyc_facts, starter_policy, BENCH_PAYLOADS, KYC_EXACT, STARTER_POLICY,
};
use underwrite_core::policy::{DecideOptions, Policy};

/// Decisions per `scaling` iteration.
const BATCH: usize = 20_000;

fn decide(c: &mut Criterion) {
    let policy = starter_policy();
    let kyc = kyc_facts(KYC_EXACT);
    let mut group = c.benchmark_group("decide");
    group.throughput(Throughput::Elements(BENCH_PAYLOADS.len() as u64));

    group.bench_function("parse_only", |b| {
        b.iter(|| {
            for p in &BENCH_PAYLOADS {
                let value: Result<serde_json::Value, _> =
                    serde_json::from_slice(black_box(p.bytes));
                black_box(value.is_ok());
                drop(black_box(value));
            }
        })
    });

    for (name, trace) in [("underwrite", false), ("underwrite_trace", true)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for p in &BENCH_PAYLOADS {
                    let decision = policy.decide_payload(
                        black_box(p.bytes),
                        Some(&kyc),
                        DecideOptions { trace },
                    );
                    drop(black_box(decision));
                }
            })
        });
    }

    zen(&mut group, &policy, &kyc);
    group.finish();
}

#[cfg(feature = "zen")]
fn zen(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    policy: &underwrite_core::policy::Policy,
    kyc: &underwrite_core::policy::kyc::KycFacts,
) {
    let zen = underwrite_benches::decide_data::zen::ZenStarter::load(policy.schema());
    group.bench_function("zen", |b| {
        b.iter(|| {
            for p in &BENCH_PAYLOADS {
                let response = zen.decide_payload(black_box(p.bytes), kyc);
                drop(black_box(response));
            }
        })
    });
}

#[cfg(not(feature = "zen"))]
#[allow(clippy::print_stderr)]
fn zen(
    _: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    _: &underwrite_core::policy::Policy,
    _: &underwrite_core::policy::kyc::KycFacts,
) {
    eprintln!(
        "decide/zen skipped: zen-engine is behind the `zen` feature (about 10 minutes to \
         compile); run `cargo bench -p underwrite-benches --bench decide --features zen`"
    );
}

fn scaling(c: &mut Criterion) {
    let policy = starter_policy();
    let kyc = kyc_facts(KYC_EXACT);
    let mut group = c.benchmark_group("scaling");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(10);
    for threads in [1usize, 2] {
        group.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| {
                std::thread::scope(|s| {
                    for t in 0..threads {
                        let (policy, kyc) = (&policy, &kyc);
                        s.spawn(move || {
                            // Thread t decides items t, t + threads, ... of the batch.
                            for i in (t..BATCH).step_by(threads) {
                                let p = &BENCH_PAYLOADS[i % BENCH_PAYLOADS.len()];
                                let decision = policy.decide_payload(
                                    black_box(p.bytes),
                                    Some(kyc),
                                    DecideOptions { trace: false },
                                );
                                drop(black_box(decision));
                            }
                        });
                    }
                });
            })
        });
    }
    group.finish();
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.bench_function("starter", |b| {
        b.iter(|| drop(black_box(Policy::load(black_box(STARTER_POLICY)))))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = decide, load, scaling
}
criterion_main!(benches);
