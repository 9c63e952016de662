//! Replaying records: exact reproduction, typed failures, and a report whose memory is bounded
//! however many defects a log holds.

#![allow(clippy::panic)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use underwrite_core::policy::{DecideError, DecideOptions, Outcome, Policy};
use underwrite_log::read::{parse_line, Entry, LineAt};
use underwrite_log::replay::{redecide, Field, RedecideError, Replay, Replayed, KEPT_DEFECTS};
use underwrite_log::Record;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(rel),
    )
    .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn starter() -> Policy {
    Policy::load(&read("rules/starter.yaml")).expect("policy")
}

fn at(line: u64) -> LineAt {
    LineAt {
        file: PathBuf::from("log.jsonl"),
        line,
        offset: 0,
    }
}

/// A record of `signals` (a file's compact JSON) as `policy` decided it, with `edit` applied to
/// its JSON.
fn record(policy: &Policy, signals: &str, edit: impl FnOnce(&mut Value)) -> Record {
    let payload = read(signals);
    let decision = policy
        .decide_payload(&payload, None, DecideOptions { trace: false })
        .expect("decides");
    let payload: Value = serde_json::from_slice(&payload).expect("json");
    let mut line = serde_json::json!({
        "v": 1,
        "decision_id": "d-1",
        "time": "2026-11-26T09:30:00.000Z",
        "policy": *decision.policy,
        "arm": "champion",
        "input_sha256": "00",
        "signals": payload,
        "decision": decision.decision,
        "score": decision.score,
        "reasons": decision.reasons,
        "latency_us": 1,
    });
    edit(&mut line);
    let text = line.to_string();
    match parse_line(text.as_bytes(), at(1)) {
        Ok(Entry::Record { record, .. }) => *record,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_same_policy_reproduces_a_record_and_yields_its_outcomes() {
    let policy = starter();
    let record = record(&policy, "testdata/signals/clean.json", |_| {});
    let mut replay = Replay::new(&policy);
    let replayed = replay.add(&at(1), &record);
    assert_eq!(
        replayed,
        Replayed {
            logged: record.decision,
            now: Some(record.decision)
        }
    );
    let report = replay.finish();
    assert_eq!((report.records, report.same_sha, report.failed), (1, 1, 0));
    assert_eq!(report.defects_total, 0);
}

#[test]
fn a_record_that_cannot_decide_now_is_a_typed_failure_with_the_surfaces_message() {
    let policy = starter();
    let record = record(&policy, "testdata/signals/clean.json", |line| {
        line["signals"] = serde_json::json!({"data": {"status": "COMPLETED"}});
    });
    let error = redecide(&record, &policy).expect_err("no resultCode");
    let RedecideError::Decide(inner @ DecideError::Signals(_)) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(error.to_string(), inner.to_string());
    let mut replay = Replay::new(&policy);
    let replayed = replay.add(&at(1), &record);
    assert_eq!(replayed.now, None);
    let report = replay.finish();
    assert_eq!(report.failed, 1);
    assert_eq!(report.defects[0].field, Field::Error);
    assert_eq!(report.defects[0].now, error.to_string());
}

#[test]
fn defects_are_all_counted_and_only_the_first_kept() {
    let policy = starter();
    let record = record(&policy, "testdata/signals/risky.json", |line| {
        line["decision"] = "approve".into();
        line["score"] = 1.into();
    });
    assert_ne!(record.decision, Outcome::Reject);
    let mut replay = Replay::new(&policy);
    let n = KEPT_DEFECTS as u64 + 250;
    for line in 1..=n {
        replay.add(&at(line), &record);
    }
    let report = replay.finish();
    assert_eq!(report.records, n);
    // Two differences a record: the outcome and the score.
    assert_eq!(report.defects_total, 2 * n);
    assert_eq!(report.defects.len(), KEPT_DEFECTS);
    assert_eq!(report.defects[0].at, "log.jsonl:1");
    assert_eq!(report.defects[0].field, Field::Decision);
    assert_eq!(report.defects[1].field, Field::Score);
}
