//! Decision log benchmarks: what the log costs per decision.
//!
//! - `record`: one decision's log line built from its parts and serialized, per decision: the
//!   payload written compact with the phone masked in one pass, the record encoded straight into
//!   the line buffer (`new`), against the path before `underwrite-log` (`old`, kept in
//!   `decision_log/old_path.rs`: the phone masked in the raw bytes, the text validated again, an
//!   owned record built and serialized on the writer thread). The real-sized record of
//!   `testdata/signals/clean.json` (compact, and pretty as the README's `curl` sends it), the KYC
//!   result of `testdata/kyc/exact.json` with its details, three reasons; masking `remove` (the
//!   default) and `hash`.
//! - `mask`: the payload alone, compact + masked, against the obvious alternative of a
//!   `serde_json::Value` round trip (which also merges duplicate keys).
//! - `log_append`: records appended per second by the writer alone, with 64 and 256 concurrent
//!   appenders of one real-sized line each, under each sync policy, on the disk `TMPDIR` is on.
//!   Under `batch` a request waits for a sync that began after its line was written, so the rate
//!   is bounded by appenders in flight / sync latency. Each measurement writes into a fresh
//!   directory that is removed afterwards.

#[path = "decision_log/old_path.rs"]
mod old_path;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::value::RawValue;
use underwrite_core::policy::{Outcome, PolicyId, Reason};
use underwrite_kyc::KycResult;
use underwrite_log::{
    Arm, DecisionLog, Lines, LogConfig, PhoneMasking, RecordParts, SyncPolicy, Timestamp,
};

use old_path::{old_line, OldMasking, OldParts};

fn read(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel);
    std::fs::read_to_string(path).expect("a file of the repository")
}

fn compact(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .expect("json")
        .to_string()
}

/// The parts of a real-sized decision, owned.
struct Decision {
    id: Box<RawValue>,
    policy: Arc<PolicyId>,
    kyc: KycResult,
    reasons: Vec<Reason>,
}

impl Decision {
    fn new() -> Decision {
        let kyc = compact(&read("testdata/kyc/exact.json"));
        let reason = |code: &str, text: &str| Reason {
            code: code.to_owned(),
            text: text.to_owned(),
        };
        Decision {
            id: RawValue::from_string(r#""app-1""#.to_owned()).expect("json"),
            policy: Arc::new(PolicyId {
                name: "starter".to_owned(),
                version: "2026.11.1".to_owned(),
                hash: "7".repeat(64),
            }),
            kyc: underwrite_core::policy::kyc::result_from_json(kyc.as_bytes()).expect("kyc"),
            reasons: vec![
                reason("KYC_UNVERIFIED", "Identity could not be verified"),
                reason("SC_REPAYMENT", "Few recent successful repayments"),
                reason("SC_EXPERIENCE", "Limited borrowing history"),
            ],
        }
    }

    fn parts<'a>(&'a self, signals: &'a str, time: &'a Timestamp) -> RecordParts<'a> {
        RecordParts {
            decision_id: "01a21725-f70f-70a8-ace1-5879accada90",
            time: time.as_str(),
            policy: &self.policy,
            arm: Arm::Champion,
            id: Some(&self.id),
            input_sha256: "40d050ca7a47457fe1a44092f9ee6e87643e141dfb41b0264bcc9a1dee67b28d",
            signals,
            kyc: Some(&self.kyc),
            decision: Outcome::Review,
            score: Some(760),
            reasons: &self.reasons,
            latency_us: 348,
            shadow: None,
            signals_fetch: None,
        }
    }

    fn old_parts<'a>(&'a self, signals: &'a str) -> OldParts<'a> {
        OldParts {
            decision_id: "01a21725-f70f-70a8-ace1-5879accada90",
            policy: &self.policy,
            id: Some(&self.id),
            input_sha256: "40d050ca7a47457fe1a44092f9ee6e87643e141dfb41b0264bcc9a1dee67b28d",
            signals,
            kyc: Some(&self.kyc),
            decision: Outcome::Review,
            score: Some(760),
            reasons: &self.reasons,
        }
    }

    /// The line a decision writes.
    fn line(&self, signals: &str) -> Lines {
        let time = Timestamp::now();
        Lines::one(&self.parts(signals, &time), &PhoneMasking::Remove).expect("encoded")
    }
}

fn bench_record(c: &mut Criterion) {
    let pretty = read("testdata/signals/clean.json");
    let compact = compact(&pretty);
    let decision = Decision::new();
    let salt = b"bench-salt".to_vec();
    let new_modes = [
        ("remove", PhoneMasking::Remove),
        ("hash", PhoneMasking::Hash { salt: salt.clone() }),
    ];
    let old_modes = [
        ("remove", OldMasking::Remove),
        ("hash", OldMasking::Hash { salt }),
    ];
    let mut group = c.benchmark_group("record");
    group.throughput(Throughput::Elements(1));
    for (shape, signals) in [("compact", &compact), ("pretty", &pretty)] {
        for ((name, new), (_, old)) in new_modes.iter().zip(&old_modes) {
            group.bench_function(format!("new/{name}/{shape}"), |b| {
                b.iter(|| {
                    let time = Timestamp::now();
                    Lines::one(&decision.parts(black_box(signals), &time), new).expect("encoded")
                })
            });
            let mut buf = Vec::with_capacity(16 << 10);
            group.bench_function(format!("old/{name}/{shape}"), |b| {
                b.iter(|| {
                    buf.clear();
                    old_line(&decision.old_parts(black_box(signals)), old, &mut buf);
                    buf.len()
                })
            });
        }
    }
    group.finish();
    let new = decision.line(&pretty);
    let mut old = Vec::new();
    old_line(&decision.old_parts(&pretty), &OldMasking::Remove, &mut old);
    eprintln!(
        "record: one line is {} bytes new, {} bytes old ({} lines) from the pretty payload",
        new.as_bytes().len(),
        old.len(),
        old.iter().filter(|b| **b == b'\n').count()
    );
}

fn bench_mask(c: &mut Criterion) {
    let pretty = read("testdata/signals/clean.json");
    let compact = compact(&pretty);
    let decision = Decision::new();
    let time = Timestamp::now();
    // The line less the payload, so the payload's share shows.
    let mut empty = decision.parts("{}", &time);
    empty.kyc = None;
    let mut group = c.benchmark_group("mask");
    group.throughput(Throughput::Elements(1));
    group.bench_function("value_roundtrip/compact", |b| {
        b.iter(|| value_roundtrip(black_box(&compact)))
    });
    for (shape, signals) in [("compact", &compact), ("pretty", &pretty)] {
        group.bench_function(format!("payload_line/{shape}"), |b| {
            b.iter(|| {
                let mut parts = empty;
                parts.signals = black_box(signals);
                Lines::one(&parts, &PhoneMasking::Remove).expect("encoded")
            })
        });
    }
    group.bench_function("payload_line/none", |b| {
        b.iter(|| Lines::one(black_box(&empty), &PhoneMasking::Remove).expect("encoded"))
    });
    group.finish();
}

/// The phone removed by rebuilding the whole payload as a `serde_json::Value`.
fn value_roundtrip(payload: &str) -> Box<RawValue> {
    let mut value: serde_json::Value = serde_json::from_str(payload).expect("json");
    if let Some(meta) = value
        .pointer_mut("/data/requestMeta")
        .and_then(|m| m.as_object_mut())
    {
        meta.remove("phone");
    }
    serde_json::value::to_raw_value(&value).expect("json")
}

fn bench_append(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let line = Decision::new().line(&read("testdata/signals/clean.json"));
    eprintln!("log_append: one line is {} bytes", line.as_bytes().len());
    let line = Arc::new(line);
    let mut group = c.benchmark_group("log_append");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    for (name, sync, appenders) in [
        ("batch/64", SyncPolicy::Batch, 64),
        ("batch/256", SyncPolicy::Batch, 256),
        ("none/64", SyncPolicy::None, 64),
        ("none/256", SyncPolicy::None, 256),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let dir = tempfile::tempdir().expect("tempdir");
                let mut config = LogConfig::new(dir.path());
                config.sync = sync;
                let log = DecisionLog::open(&config).expect("open");
                let elapsed = runtime.block_on(append_all(&log, &line, iters, appenders));
                let stats = log.stats();
                runtime.block_on(log.close()).expect("closed");
                assert_eq!(stats.records, iters);
                elapsed
            })
        });
    }
    group.finish();
}

/// Append `n` copies of `line` from `appenders` concurrent tasks; the time taken.
async fn append_all(log: &DecisionLog, line: &Arc<Lines>, n: u64, appenders: u64) -> Duration {
    let started = Instant::now();
    let appenders = appenders.min(n);
    if appenders == 0 {
        return started.elapsed();
    }
    let tasks: Vec<_> = (0..appenders)
        .map(|i| {
            let (log, line) = (log.clone(), Arc::clone(line));
            let share = n / appenders + u64::from(i < n % appenders);
            tokio::spawn(async move {
                for _ in 0..share {
                    log.append((*line).clone()).await.expect("append");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    started.elapsed()
}

criterion_group!(benches, bench_record, bench_mask, bench_append);
criterion_main!(benches);
