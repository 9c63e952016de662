//! Arrow batches against JSON lines: 4,096 generated applications (`underwrite-gen`, seed 14)
//! decided by `rules/starter.yaml`, single-threaded so the figures are per-core costs.
//!
//! - `batch_lines`: what `underwrite batch` does per line, without its I/O: the envelope read
//!   by `Application::from_json`, decided, and the output line encoded as JSON. The baseline.
//! - `decide_batch`: `underwrite_arrow::decide_batch` on one `RecordBatch` of the same
//!   applications (columns `id`, `signals`, `kyc` holding the same JSON text), output columns
//!   built. What `decide_arrow` costs in Rust, before and after the C data interface.
//!
//! Both run on rayon's pool in the product; here the pool has one thread (the bench sets
//! `RAYON_NUM_THREADS=1` if unset) so the ratio is not the machine's core count.

use std::hint::black_box;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use underwrite_arrow::{decide_batch, Columns};
use underwrite_core::application::Application;
use underwrite_core::policy::{DecideOptions, Policy};

const ROWS: u64 = 4096;

/// The applications as batch lines, and the same as three columns.
fn inputs() -> (Vec<String>, RecordBatch) {
    let mut lines = Vec::new();
    let (mut ids, mut signals, mut kycs) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..ROWS {
        let Ok(mut value) = serde_json::from_str::<Value>(&underwrite_gen::application(14, i))
        else {
            continue;
        };
        let Some(object) = value.as_object_mut() else {
            continue;
        };
        object.remove("outcome");
        let Some(payload) = object.get("signals") else {
            continue;
        };
        signals.push(payload.to_string());
        kycs.push(object.get("kyc").map(Value::to_string));
        ids.push(object.get("id").and_then(Value::as_str).map(str::to_string));
        lines.push(value.to_string());
    }
    let column = |cells: Vec<Option<String>>| Arc::new(StringArray::from(cells)) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("id", column(ids)),
        ("signals", column(signals.into_iter().map(Some).collect())),
        ("kyc", column(kycs)),
    ])
    .expect("columns of one length");
    (lines, batch)
}

fn bench(c: &mut Criterion) {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // Before rayon's global pool exists: per-core figures.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build_global();
    }
    let policy = Policy::load(include_bytes!("../../rules/starter.yaml")).expect("starter");
    let (lines, batch) = inputs();
    let columns = Columns {
        signals: "signals",
        kyc: Some("kyc"),
        id: Some("id"),
    };
    let mut group = c.benchmark_group("arrow");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("batch_lines", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            for line in &lines {
                out.clear();
                let decided = Application::from_json(line)
                    .map_err(|e| e.to_string())
                    .and_then(|app| {
                        app.decide(&policy, DecideOptions { trace: false })
                            .map_err(|e| e.to_string())
                    });
                match decided {
                    Ok(d) => serde_json::to_writer(&mut out, &d.decision),
                    Err(message) => serde_json::to_writer(&mut out, &message),
                }
                .expect("encodes");
                black_box(&out);
            }
        })
    });
    group.bench_function("decide_batch", |b| {
        b.iter(|| black_box(decide_batch(&policy, &batch, columns).expect("decides")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
