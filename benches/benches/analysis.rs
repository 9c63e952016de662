//! Backtest and comparison benchmarks, on 10,000 generated applications (`underwrite-gen`,
//! seed 11) decided by `rules/starter.yaml` and its challenger `rules/challenger.yaml`.
//!
//! - `fold`: the aggregation alone — 10,000 observations folded into a `Backtest` (one policy)
//!   and a `Compare` (two), then the report computed. This is the single-threaded part of
//!   `underwrite backtest` / `compare`; the rest runs on all cores.
//! - `observe`: deciding the lines (envelope, KYC match, one payload parse, both policies):
//!   the part that runs on all cores, for the ratio of aggregation to decision cost.
//! - `decide_batch_path`: the same lines decided twice the way `underwrite batch` does
//!   (`Application::decide` per policy), the baseline the shared parse is measured against.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use underwrite_analysis::{Backtest, Compare, Observation, Observer};
use underwrite_core::application::Application;
use underwrite_core::policy::{DecideOptions, Policy};

const LINES: u64 = 10_000;

fn policies() -> (Policy, Policy) {
    let starter = Policy::load(include_bytes!("../../rules/starter.yaml")).expect("starter");
    let challenger =
        Policy::load(include_bytes!("../../rules/challenger.yaml")).expect("challenger");
    (starter, challenger)
}

fn lines() -> Vec<String> {
    (0..LINES)
        .map(|i| underwrite_gen::application(11, i))
        .collect()
}

/// A line without its `outcome`, as `batch` reads it.
fn batch_line(line: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(line).ok()?;
    value.as_object_mut()?.remove("outcome");
    serde_json::to_string(&value).ok()
}

fn bench_fold(c: &mut Criterion) {
    let (starter, challenger) = policies();
    let lines = lines();
    let one = Observer::new(vec![&starter]);
    let two = Observer::new(vec![&starter, &challenger]);
    let single: Vec<_> = lines.iter().map(|l| one.observe(l)).collect();
    let pair: Vec<_> = lines.iter().map(|l| two.observe(l)).collect();
    let mut group = c.benchmark_group("fold");
    group.throughput(Throughput::Elements(LINES));
    group.bench_function("backtest", |b| {
        b.iter(|| {
            let mut backtest = Backtest::new(&starter);
            for (i, o) in single.iter().enumerate() {
                backtest.add(i as u64 + 1, black_box(o));
            }
            backtest.report(None)
        })
    });
    group.bench_function("compare", |b| {
        b.iter(|| {
            let mut compare = Compare::new(&starter, &challenger, None);
            for (i, o) in pair.iter().enumerate() {
                black_box(compare.add(i as u64 + 1, black_box(o)));
            }
            compare.report()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("observe");
    group.throughput(Throughput::Elements(LINES));
    group.sample_size(10);
    group.bench_function("two_policies_shared_parse", |b| {
        b.iter(|| {
            lines
                .iter()
                .map(|l| two.observe(black_box(l)))
                .filter(|o| matches!(o, Observation::Read { .. }))
                .count()
        })
    });
    let batch_lines: Vec<String> = lines.iter().filter_map(|l| batch_line(l)).collect();
    group.bench_function("decide_batch_path_twice", |b| {
        b.iter(|| {
            let mut decided = 0usize;
            for text in &batch_lines {
                if let Ok(app) = Application::from_json(black_box(text)) {
                    for p in [&starter, &challenger] {
                        decided +=
                            usize::from(app.decide(p, DecideOptions { trace: false }).is_ok());
                    }
                }
            }
            decided
        })
    });
    group.finish();
}

criterion_group!(benches, bench_fold);
criterion_main!(benches);
