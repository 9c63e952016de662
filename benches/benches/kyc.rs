//! KYC matching benchmarks.
//!
//! - `name_pairs`: is the Levenshtein distance of a name pair at most 2? On one fixed, seeded set
//!   of 10,000 realistic pairs (5–13 characters, 0–4 edits, one in ten non-ASCII), comparing this
//!   crate's bounded kernel with `strsim` (full distance, then compare) and `rapidfuzz` (with a
//!   score cutoff of 2). Each iteration processes the whole set.
//! - `records`: full record matches (validation, normalization, names straight and, unless that
//!   is exact, swapped; DOB, gender, phone) on an ASCII and a non-ASCII set of 1,000 record pairs;
//!   normalization alone on both paths; the phone-number parser's slow path; and JSON in + match +
//!   JSON out, to show where `underwrite kyc --jsonl` spends its time.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use underwrite_benches::kyc_data::{name_pairs, record_pairs};
use underwrite_kyc::levenshtein::bounded;
use underwrite_kyc::phone::{compare_phone, parse_country};
use underwrite_kyc::{match_request, normalize_name, KycRequest, MatchConfig};

const PAIRS: usize = 10_000;
const RECORDS: usize = 1_000;

fn bench_name_pairs(c: &mut Criterion) {
    let pairs = name_pairs(PAIRS);
    let mut group = c.benchmark_group("name_pairs");
    group.throughput(Throughput::Elements(PAIRS as u64));
    group.bench_function("underwrite", |b| {
        b.iter(|| {
            let mut within = 0usize;
            for (x, y) in &pairs {
                within += usize::from(bounded(black_box(x), black_box(y), 2).is_some());
            }
            within
        })
    });
    group.bench_function("strsim", |b| {
        b.iter(|| {
            let mut within = 0usize;
            for (x, y) in &pairs {
                within += usize::from(strsim::levenshtein(black_box(x), black_box(y)) <= 2);
            }
            within
        })
    });
    group.bench_function("rapidfuzz", |b| {
        let args = rapidfuzz::distance::levenshtein::Args::default().score_cutoff(2);
        b.iter(|| {
            let mut within = 0usize;
            for (x, y) in &pairs {
                let d = rapidfuzz::distance::levenshtein::distance_with_args(
                    black_box(x).chars(),
                    black_box(y).chars(),
                    &args,
                );
                within += usize::from(d.is_some());
            }
            within
        })
    });
    group.finish();

    // All three must agree on every pair, or the comparison is meaningless.
    let args = rapidfuzz::distance::levenshtein::Args::default().score_cutoff(2);
    for (x, y) in &pairs {
        let ours = bounded(x, y, 2);
        let full = strsim::levenshtein(x, y);
        let rf = rapidfuzz::distance::levenshtein::distance_with_args(x.chars(), y.chars(), &args);
        assert_eq!(ours, (full <= 2).then_some(full), "{x:?} {y:?}");
        assert_eq!(ours, rf, "{x:?} {y:?}");
    }
}

fn bench_records(c: &mut Criterion) {
    let config = MatchConfig::default();
    let ascii = record_pairs(RECORDS, false);
    let non_ascii = record_pairs(RECORDS, true);
    let ascii_requests: Vec<KycRequest<'_>> = ascii.iter().map(|p| p.request()).collect();
    let non_ascii_requests: Vec<KycRequest<'_>> = non_ascii.iter().map(|p| p.request()).collect();

    let mut group = c.benchmark_group("records");
    group.throughput(Throughput::Elements(RECORDS as u64));
    for (name, requests) in [
        ("match_ascii", &ascii_requests),
        ("match_non_ascii", &non_ascii_requests),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut exact = 0usize;
                for r in requests {
                    if let Ok(res) = match_request(black_box(r), &config) {
                        exact += usize::from(res.code.as_str() == "1020");
                    }
                }
                exact
            })
        });
    }

    let names = |reqs: &[KycRequest<'_>]| -> Vec<String> {
        reqs.iter()
            .flat_map(|r| {
                [
                    r.submitted.first_name.clone(),
                    r.submitted.last_name.clone(),
                ]
            })
            .flatten()
            .map(|c| c.into_owned())
            .collect()
    };
    let ascii_names = names(&ascii_requests);
    let non_ascii_names = names(&non_ascii_requests);
    group.throughput(Throughput::Elements(ascii_names.len() as u64));
    for (name, list) in [
        ("normalize_ascii", &ascii_names),
        ("normalize_non_ascii", &non_ascii_names),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut bytes = 0usize;
                for n in list {
                    bytes += normalize_name(black_box(n)).as_str().len();
                }
                bytes
            })
        });
    }

    // The phone parser only runs when the digit strings differ (trunk prefix vs country code).
    let ng = parse_country("NG");
    group.throughput(Throughput::Elements(1));
    group.bench_function("phone_parse_path", |b| {
        b.iter(|| {
            compare_phone(
                black_box("0803 123 4567"),
                ng,
                black_box("+2348031234567"),
                ng,
            )
        })
    });

    let lines: Vec<String> = ascii.iter().map(|p| p.json_line()).collect();
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("json_in_match_json_out_ascii", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            let mut written = 0usize;
            for line in &lines {
                out.clear();
                if let Ok(req) = KycRequest::from_json(black_box(line)) {
                    if let Ok(res) = match_request(&req, &config) {
                        if serde_json::to_writer(&mut out, &res).is_ok() {
                            written += out.len();
                        }
                    }
                }
            }
            written
        })
    });
    group.finish();
}

criterion_group!(benches, bench_name_pairs, bench_records);
criterion_main!(benches);
