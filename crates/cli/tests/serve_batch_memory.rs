//! Concurrent large batches against the real `underwrite serve` with its decision log on: the
//! process's peak RSS stays under a bound that does not grow with the batches' size or number.
//!
//! The bound: the process as started (its `VmRSS` once listening: the policy, the runtime, the
//! log's writer), plus the batch memory budget (64 MiB by default: what batches in flight may
//! reserve, each its share before its body is read), plus 32 MiB for what is held outside the
//! budget (each connection's hyper buffers and task, the log writer's group of up to 8 MiB).
//! With the defaults that is the start plus 96 MiB, well under 256 MB in all. Six batches of
//! 24 MiB each fit the budget at once (a share is 10 MiB), so all six run together.
//!
//! Before the batch route streamed, each batch held its body, its decisions and its log lines
//! at once: five batches of 24 MiB took the process from 40 MB to 350 MB (442 MB with mimalloc
//! on transparent huge pages). Streamed, they take it from 38 MB to about 68 MB.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::Serve;
use serde_json::Value;

/// Batches sent at once, and the size of each.
const BATCHES: usize = 6;
const BATCH_BYTES: usize = 24 << 20;

/// The default batch memory budget (`serve --batch-memory`).
const BUDGET_KIB: u64 = 64 << 10;

/// A field of `/proc/PID/status`, in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// A batch of about `bytes`: a few applications repeated with fresh ids, three in four bytes
/// in lines whose payload carries 24 KiB of padding under a key the reader keeps (and the log
/// writes), so the lines are large and cheap to decide.
fn batch(batch: usize, bytes: usize) -> (Vec<u8>, usize) {
    let clean = common::compact("testdata/signals/clean.json");
    let risky = common::compact("testdata/signals/risky.json");
    let joe = common::compact("testdata/kyc/joe-exact.json");
    let padding = "p".repeat(24 << 10);
    let padded = format!(r#"{{"padding":"{padding}","#) + &clean[1..];
    let mut body = Vec::with_capacity(bytes + (64 << 10));
    let mut count = 0;
    while body.len() < bytes {
        let id = format!("m{batch}-{count}");
        let line = match count % 4 {
            0 => format!(r#"{{"id":"{id}","signals":{clean},"kyc":{joe}}}"#),
            1 => format!(r#"{{"id":"{id}","signals":{risky}}}"#),
            _ => format!(r#"{{"id":"{id}","signals":{padded},"kyc":{joe}}}"#),
        };
        body.extend_from_slice(line.as_bytes());
        body.push(b'\n');
        count += 1;
    }
    (body, count)
}

#[test]
fn concurrent_large_batches_stay_under_the_memory_bound() {
    let log = tempfile::tempdir().unwrap();
    let log_dir = log.path().join("log");
    let mut serve = Serve::start(&[
        "serve",
        "--policy",
        "rules/starter.yaml",
        "--listen",
        "127.0.0.1:0",
        "--decision-log",
        log_dir.to_str().unwrap(),
        "--request-timeout",
        "300",
    ]);
    let pid = serve.pid();
    let started_kib = status_kib(pid, "VmRSS:");
    let bound_kib = started_kib + BUDGET_KIB + (32 << 10);
    assert!(bound_kib < 250_000, "the bound {bound_kib} KiB");

    let bodies: Vec<(Vec<u8>, usize)> = (0..BATCHES).map(|i| batch(i, BATCH_BYTES)).collect();
    let url = format!("http://{}/v1/decisions/batch", serve.addr);
    let clock = Instant::now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let answered: Vec<(usize, usize, bool)> = runtime.block_on(async {
        let client = reqwest::Client::new();
        let tasks: Vec<_> = bodies
            .into_iter()
            .map(|(body, count)| {
                let (client, url) = (client.clone(), url.clone());
                tokio::spawn(async move {
                    let mut response = client
                        .post(url)
                        .header("content-type", "application/x-ndjson")
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                    // Count the answer's lines as they come, checking each, holding none.
                    let (mut lines, mut rest, mut whole) = (0usize, Vec::new(), true);
                    loop {
                        match response.chunk().await {
                            Ok(Some(piece)) => {
                                rest.extend_from_slice(&piece);
                                let end =
                                    rest.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                                for line in
                                    rest[..end].split(|b| *b == b'\n').filter(|l| !l.is_empty())
                                {
                                    let line: Value = serde_json::from_slice(line).unwrap();
                                    assert!(line["decision"]["decision"].is_string(), "{line}");
                                    lines += 1;
                                }
                                rest.drain(..end);
                            }
                            Ok(None) => break,
                            Err(_) => {
                                whole = false;
                                break;
                            }
                        }
                    }
                    (count, lines, whole)
                })
            })
            .collect();
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    });
    let took = clock.elapsed();
    let peak_kib = status_kib(pid, "VmHWM:");
    for (count, lines, whole) in &answered {
        assert!(whole, "a batch's answer was cut short");
        assert_eq!(lines, count, "every line answered");
    }
    let sent: usize = answered.iter().map(|(count, _, _)| count).sum();
    eprintln!(
        "{BATCHES} concurrent batches of {} MiB ({sent} lines) with the log on, in {took:?}: \
         RSS {started_kib} KiB at start, peak {peak_kib} KiB (bound {bound_kib} KiB)",
        BATCH_BYTES >> 20
    );
    assert!(
        peak_kib < bound_kib,
        "peak RSS {peak_kib} KiB over the bound {bound_kib} KiB (started at {started_kib} KiB)"
    );
    assert!(took < Duration::from_secs(120), "{took:?}");
    serve.signal("TERM");
    assert!(serve.exit(Duration::from_secs(60)).success());
    // Every answered line was logged.
    let logged: usize = std::fs::read_dir(&log_dir)
        .unwrap()
        .map(|entry| {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            text.lines().count()
        })
        .sum();
    assert_eq!(logged, sent);
}
