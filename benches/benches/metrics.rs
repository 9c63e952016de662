//! Metrics benchmark: what counting one decision costs the service (`Metrics::decided`, run
//! once per decision on the request's thread), with its counters already cached as they are in
//! a running service.
//!
//! - `metrics/decided/1_thread`: one call, one thread.
//! - `metrics/decided/2_threads`: two threads counting the same decision at once (the shared
//!   counters' atomics and read locks under contention); the time is per call per thread.
//!
//! The decision is `rules/starter.yaml` on `testdata/signals/risky.json`, which has several
//! reasons, each one more counter to bump. Budget for comparison: two cores at 30,000
//! decisions/s leave 66 µs of CPU per decision for everything. Run with
//! `cargo bench -p underwrite-benches --bench metrics`.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use underwrite_service::bench::MetricsDecided;
use underwrite_service::load_tested;

fn decided() -> MetricsDecided {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let policy = load_tested(&root.join("rules/starter.yaml")).expect("the starter loads");
    let signals = std::fs::read_to_string(root.join("testdata/signals/risky.json"))
        .expect("a file of the repository");
    let body = format!(r#"{{"id": "m-1", "signals": {signals}}}"#);
    MetricsDecided::new(policy, &body).expect("the starter decides the risky payload")
}

fn bench_decided(c: &mut Criterion) {
    let decided = decided();
    assert!(decided.reasons() > 0, "a decision with reasons to count");
    let mut group = c.benchmark_group("metrics");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("decided/1_thread", |b| b.iter(|| decided.count()));
    group.bench_function("decided/2_threads", |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        for _ in 0..iters {
                            decided.count();
                        }
                    });
                }
            });
            started.elapsed()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_decided);
criterion_main!(benches);
