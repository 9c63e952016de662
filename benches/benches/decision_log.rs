//! Decision log benchmarks: what the log costs per decision.
//!
//! - `mask`: masking the phone of a real payload (`testdata/signals/clean.json`, compact and as
//!   the file is written), per payload, for each mode; and, for comparison, the obvious
//!   alternative: the whole payload through a `serde_json::Value` and back (`value_roundtrip`),
//!   which also loses the payload's own spacing.
//! - `log_append`: records appended per second by the writer alone, with 64 and 256 concurrent
//!   appenders of one real-sized record each (about 4.6 KB: the clean payload, a KYC result with
//!   its details, three reasons), under each sync policy, on the disk `TMPDIR` is on. Under
//!   `batch` a request waits for a sync that began after its line was written, so the rate is
//!   bounded by appenders in flight / sync latency. Each measurement writes into a fresh
//!   directory that is removed afterwards.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use underwrite_service::decision_log::{DecisionLog, Record, SyncPolicy};
use underwrite_service::{LogConfig, PhoneMasking};

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

fn bench_mask(c: &mut Criterion) {
    let pretty = read("testdata/signals/clean.json");
    let compact = compact(&pretty);
    let mut group = c.benchmark_group("mask");
    group.throughput(Throughput::Elements(1));
    let modes = [
        ("remove", PhoneMasking::Remove),
        (
            "hash",
            PhoneMasking::Hash {
                salt: b"bench-salt".to_vec(),
            },
        ),
        ("keep", PhoneMasking::Keep),
    ];
    group.bench_function("value_roundtrip/compact", |b| {
        b.iter(|| value_roundtrip(black_box(&compact)))
    });
    for (name, masking) in &modes {
        group.bench_function(format!("{name}/compact"), |b| {
            b.iter(|| masking.mask(black_box(&compact)))
        });
        group.bench_function(format!("{name}/pretty"), |b| {
            b.iter(|| masking.mask(black_box(&pretty)))
        });
    }
    group.finish();
}

/// The phone removed by rebuilding the whole payload as a `serde_json::Value`.
fn value_roundtrip(payload: &str) -> Box<serde_json::value::RawValue> {
    let mut value: serde_json::Value = serde_json::from_str(payload).expect("json");
    if let Some(meta) = value
        .pointer_mut("/data/requestMeta")
        .and_then(|m| m.as_object_mut())
    {
        meta.remove("phone");
    }
    serde_json::value::to_raw_value(&value).expect("json")
}

/// A real-sized record: the clean payload, masked, with a KYC result and reasons.
fn record() -> Record {
    let signals = PhoneMasking::Remove.mask(&compact(&read("testdata/signals/clean.json")));
    let kyc = compact(&read("testdata/kyc/exact.json"));
    let kyc = underwrite_core::policy::kyc::result_from_json(kyc.as_bytes()).expect("kyc");
    let line = format!(
        r#"{{"v":1,"decision_id":"01a21725-f70f-70a8-ace1-5879accada90","time":"2026-11-26T09:18:13.775Z","policy":{{"name":"starter","version":"2026.11.1","hash":"{h}"}},"arm":"champion","id":"app-1","input_sha256":"{h}","signals":{s},"kyc":{k},"decision":"review","score":760,"reasons":[{{"code":"KYC_UNVERIFIED","text":"Identity could not be verified"}},{{"code":"SC_REPAYMENT","text":"Few recent successful repayments"}},{{"code":"SC_EXPERIENCE","text":"Limited borrowing history"}}],"latency_us":348}}"#,
        h = "7".repeat(64),
        s = signals.get(),
        k = serde_json::to_string(&kyc).expect("json"),
    );
    serde_json::from_str(&line).expect("record")
}

fn bench_append(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let record = Arc::new(record());
    let line_bytes = serde_json::to_vec(&*record).expect("json").len() + 1;
    eprintln!("log_append: one record is {line_bytes} bytes");
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
                let elapsed = runtime.block_on(append_all(&log, &record, iters, appenders));
                let stats = log.stats();
                runtime.block_on(log.close());
                assert_eq!(stats.records, iters);
                elapsed
            })
        });
    }
    group.finish();
}

/// Append `n` copies of `record` from `appenders` concurrent tasks; the time taken.
async fn append_all(log: &DecisionLog, record: &Arc<Record>, n: u64, appenders: u64) -> Duration {
    let started = Instant::now();
    let appenders = appenders.min(n);
    if appenders == 0 {
        return started.elapsed();
    }
    let tasks: Vec<_> = (0..appenders)
        .map(|i| {
            let (log, record) = (log.clone(), Arc::clone(record));
            let share = n / appenders + u64::from(i < n % appenders);
            tokio::spawn(async move {
                for _ in 0..share {
                    log.append(vec![(*record).clone()]).await.expect("append");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    started.elapsed()
}

criterion_group!(benches, bench_mask, bench_append);
criterion_main!(benches);
