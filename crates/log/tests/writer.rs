//! The writer and the reader together: lines encoded from record parts are appended by the group
//! commit and read back as the same records; syncs per group, the group window, `SyncPolicy::None`,
//! torn and bad lines, the line cap.

#![allow(clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;
use underwrite_core::policy::{Outcome, PolicyId, Reason};
use underwrite_log::read::{read, Entry, ReadError, MAX_LINE_BYTES};
use underwrite_log::{
    Arm, DecisionLog, Lines, LogConfig, LogError, PhoneMasking, Record, RecordParts,
    ShadowDecision, SyncPolicy,
};

/// A record's parts: decision `d-<i>`.
struct Sample {
    id: String,
    policy: PolicyId,
    reasons: Vec<Reason>,
}

impl Sample {
    fn new(i: usize) -> Sample {
        Sample {
            id: format!("d-{i}"),
            policy: PolicyId {
                name: "p".to_owned(),
                version: "1".to_owned(),
                hash: "a".repeat(64),
            },
            reasons: vec![Reason {
                code: "OK".to_owned(),
                text: "fine".to_owned(),
            }],
        }
    }

    fn parts(&self) -> RecordParts<'_> {
        RecordParts {
            decision_id: &self.id,
            time: "2026-11-26T09:30:00.000Z",
            policy: &self.policy,
            arm: Arm::Champion,
            id: None,
            input_sha256: "bbbb",
            signals: r#"{"data": {"x": 1.50}}"#,
            kyc: None,
            decision: Outcome::Approve,
            score: Some(700),
            reasons: &self.reasons,
            latency_us: 12,
            shadow: None,
            signals_fetch: None,
        }
    }

    fn line(&self) -> Lines {
        Lines::one(&self.parts(), &PhoneMasking::Remove).expect("encoded")
    }
}

fn sample(i: usize) -> Lines {
    Sample::new(i).line()
}

/// Every record of `paths`, in order; panics on a torn or bad line.
fn records(paths: &[PathBuf]) -> Vec<Record> {
    read(paths)
        .expect("readable")
        .map(|entry| match entry.expect("a good line") {
            Entry::Record { record, .. } => *record,
            Entry::Torn { at, .. } => panic!("torn line at {at}"),
        })
        .collect()
}

fn ids(dir: &Path) -> Vec<String> {
    records(&[dir.to_path_buf()])
        .into_iter()
        .map(|r| r.decision_id)
        .collect()
}

#[test]
fn a_line_holds_every_part_in_order_and_reads_back_as_the_record() {
    let policy = PolicyId {
        name: "starter".to_owned(),
        version: "2026.11.1".to_owned(),
        hash: "7".repeat(64),
    };
    let reasons = vec![Reason {
        code: "SC_X".to_owned(),
        text: "text with\u{2028}a separator and \"quotes\"".to_owned(),
    }];
    let shadow = ShadowDecision {
        policy: policy.clone(),
        decision: None,
        score: None,
        reasons: Vec::new(),
        error: Some("failed\nhere".to_owned()),
    };
    let id = RawValue::from_string("\"app\u{2028}1\"".to_owned()).expect("json");
    let parts = RecordParts {
        decision_id: "01a21725-f70f-70a8-ace1-5879accada90",
        time: "2026-11-26T09:18:13.775Z",
        policy: &policy,
        arm: Arm::Challenger,
        id: Some(&id),
        input_sha256: "40d0",
        signals: "{\n  \"data\": {\"requestMeta\": {\"phone\": \"+63917\"}, \"result\": {\"n\": 1.50}}\n}",
        kyc: None,
        decision: Outcome::Review,
        score: None,
        reasons: &reasons,
        latency_us: 348,
        shadow: Some(&shadow),
        signals_fetch: None,
    };
    let lines = Lines::one(&parts, &PhoneMasking::Remove).expect("encoded");
    assert_eq!(lines.len(), 1);
    let text = std::str::from_utf8(lines.as_bytes()).expect("utf-8");
    assert_eq!(
        text,
        concat!(
            r#"{"v":1,"decision_id":"01a21725-f70f-70a8-ace1-5879accada90","time":"2026-11-26T09:18:13.775Z","#,
            r#""policy":{"name":"starter","version":"2026.11.1","hash":"7777777777777777777777777777777777777777777777777777777777777777"},"#,
            r#""arm":"challenger","id":"app\u20281","input_sha256":"40d0","#,
            r#""signals":{"data":{"requestMeta":{},"result":{"n":1.50}}},"decision":"review","score":null,"#,
            r#""reasons":[{"code":"SC_X","text":"text with\u2028a separator and \"quotes\""}],"latency_us":348,"#,
            r#""shadow":{"policy":{"name":"starter","version":"2026.11.1","hash":"7777777777777777777777777777777777777777777777777777777777777777"},"decision":null,"score":null,"reasons":[],"error":"failed\nhere"}}"#,
            "\n"
        )
    );
    // And back: the record the parts describe.
    let line = text.strip_suffix('\n').expect("newline");
    let at = underwrite_log::read::LineAt {
        file: PathBuf::from("l"),
        line: 1,
        offset: 0,
    };
    let Ok(Entry::Record { record, len, .. }) =
        underwrite_log::read::parse_line(line.as_bytes(), at)
    else {
        panic!("a record");
    };
    assert_eq!(len, text.len() as u64);
    assert_eq!(record.arm, Arm::Challenger);
    assert_eq!(record.reasons, reasons);
    assert_eq!(record.shadow.as_ref(), Some(&shadow));
    assert_eq!(
        record.id.as_deref().map(RawValue::get),
        Some(r#""app\u20281""#)
    );
    // Encoding the record read gives the same line again.
    let again = Lines::one(&record.parts(), &PhoneMasking::Keep).expect("encoded");
    assert_eq!(again.as_bytes(), lines.as_bytes());
}

#[test]
fn a_payload_that_is_not_json_is_not_encoded_and_lines_stay_whole() {
    let mut lines = sample(1);
    let sample = Sample::new(2);
    let mut parts = sample.parts();
    parts.signals = "{\"data\": \n";
    let before = lines.clone();
    let error = lines
        .push(&parts, &PhoneMasking::Remove)
        .expect_err("not JSON");
    assert!(error.to_string().contains("d-2"), "{error}");
    assert_eq!(lines, before);
    lines.append(self::sample(3));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines.as_bytes().iter().filter(|b| **b == b'\n').count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_share_one_sync_per_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = DecisionLog::open(&LogConfig::new(dir.path())).expect("open");
    let n = 200;
    let appends: Vec<_> = (0..n)
        .map(|i| {
            let log = log.clone();
            tokio::spawn(async move { log.append(sample(i)).await })
        })
        .collect();
    for append in appends {
        append.await.expect("task").expect("logged");
    }
    let stats = log.stats();
    log.close().await.expect("closed");
    assert_eq!(stats.appends, n as u64);
    assert_eq!(stats.records, n as u64);
    assert_eq!(stats.failures, 0);
    // One sync per group, and the requests that queued during a sync share the next one.
    assert_eq!(stats.syncs, stats.groups, "{stats:?}");
    assert!(stats.syncs < n as u64 / 2, "{stats:?}");
    let mut ids = ids(dir.path());
    ids.sort();
    let mut expected: Vec<String> = (0..n).map(|i| format!("d-{i}")).collect();
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_group_window_gathers_concurrent_appends_and_never_delays_one_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = LogConfig::new(dir.path());
    config.sync = SyncPolicy::None;
    config.group_window = std::time::Duration::from_secs(5);
    let log = DecisionLog::open(&config).expect("open");
    // One at a time: each group is alone, so the (long) window never applies.
    let started = std::time::Instant::now();
    for i in 0..3 {
        log.append(sample(i)).await.expect("logged");
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    log.close().await.expect("closed");

    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = LogConfig::new(dir.path());
    config.sync = SyncPolicy::None;
    config.group_window = std::time::Duration::from_millis(2);
    let log = DecisionLog::open(&config).expect("open");
    let n = 200;
    let appends: Vec<_> = (0..n)
        .map(|i| {
            let log = log.clone();
            tokio::spawn(async move { log.append(sample(i)).await })
        })
        .collect();
    for append in appends {
        append.await.expect("task").expect("logged");
    }
    let stats = log.stats();
    log.close().await.expect("closed");
    assert_eq!(stats.records, n as u64);
    assert!(stats.groups < n as u64 / 4, "{stats:?}");
    assert_eq!(ids(dir.path()).len(), n);
}

#[tokio::test]
async fn without_sync_lines_are_written_before_answering_and_synced_only_at_close() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = LogConfig::new(dir.path());
    config.sync = SyncPolicy::None;
    let log = DecisionLog::open(&config).expect("open");
    for i in 0..5 {
        log.append(sample(i)).await.expect("logged");
        // Written before the append resolved: readable now, from another handle.
        assert_eq!(ids(dir.path()).len(), i + 1);
    }
    assert_eq!(log.stats().syncs, 0);
    log.close().await.expect("closed");
    assert_eq!(log.stats().syncs, 1);
    assert!(matches!(log.append(sample(9)).await, Err(LogError::Closed)));
    // Closing twice is harmless.
    log.close().await.expect("closed again");
}

#[tokio::test]
async fn a_batch_is_one_append_and_rotation_never_splits_a_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = LogConfig::new(dir.path());
    let one = sample(0).as_bytes().len() as u64;
    config.max_file_bytes = one * 3 + one / 2;
    let log = DecisionLog::open(&config).expect("open");
    let mut batch = Lines::new();
    for i in 0..10 {
        batch.append(sample(i));
    }
    log.append(batch).await.expect("logged");
    let stats = log.stats();
    log.close().await.expect("closed");
    assert_eq!((stats.appends, stats.records), (1, 10));
    let segments = underwrite_log::list_segments(dir.path()).expect("segments");
    assert_eq!(segments.len(), 4, "3 + 3 + 3 + 1 lines");
    for segment in &segments {
        let bytes = std::fs::read(segment).expect("segment");
        assert!(bytes.len() as u64 <= config.max_file_bytes);
        assert_eq!(bytes.len() as u64 % one, 0, "whole lines only");
    }
    let expected: Vec<String> = (0..10).map(|i| format!("d-{i}")).collect();
    assert_eq!(ids(dir.path()), expected);
}

/// A log with `n` good lines, written by the writer.
async fn written_log(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = DecisionLog::open(&LogConfig::new(dir.path())).expect("open");
    for i in 0..n {
        log.append(sample(i)).await.expect("logged");
    }
    let segment = log.first_segment().expect("segment").to_path_buf();
    log.close().await.expect("closed");
    (dir, segment)
}

#[tokio::test]
async fn a_torn_last_line_is_reported_with_its_offset_and_reading_goes_on() {
    let (dir, segment) = written_log(3).await;
    let good_len = std::fs::metadata(&segment).expect("meta").len();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&segment)
        .expect("open");
    file.write_all(br#"{"v":1,"decision_id":"d-cut","ti"#)
        .expect("write");
    drop(file);
    // A later segment after the torn one is read too.
    let (_later_dir, later) = written_log(1).await;
    let next = dir
        .path()
        .join("decisions-99991231T235959.999Z-000001.jsonl");
    std::fs::copy(&later, &next).expect("copy");

    let entries: Vec<_> = read(&[dir.path().to_path_buf()]).expect("reader").collect();
    assert_eq!(entries.len(), 5);
    let mut ids = Vec::new();
    let mut torn = Vec::new();
    for entry in entries {
        match entry.expect("no error") {
            Entry::Record { record, .. } => ids.push(record.decision_id),
            Entry::Torn { at, len } => torn.push((at, len)),
        }
    }
    assert_eq!(ids, ["d-0", "d-1", "d-2", "d-0"]);
    assert_eq!(torn.len(), 1);
    let (at, len) = &torn[0];
    assert_eq!(at.file, segment);
    assert_eq!(at.line, 4);
    assert_eq!(at.offset, good_len);
    assert_eq!(*len, 32);
}

#[tokio::test]
async fn bad_lines_are_typed_errors_naming_file_and_line() {
    let (_dir, segment) = written_log(2).await;
    let mut text = std::fs::read_to_string(&segment).expect("read");
    let good = text.lines().next().expect("line").to_owned();
    text.push_str("not json\n");
    text.push_str(&good.replacen(r#""v":1"#, r#""v":2"#, 1));
    text.push('\n');
    text.push_str(r#"{"v":1,"decision_id":"x"}"#);
    text.push('\n');
    text.push_str(&good);
    text.push('\n');
    std::fs::write(&segment, text).expect("write");

    let entries: Vec<_> = read(std::slice::from_ref(&segment))
        .expect("reader")
        .collect();
    assert_eq!(entries.len(), 6);
    assert!(matches!(entries[0], Ok(Entry::Record { .. })));
    assert!(matches!(entries[1], Ok(Entry::Record { .. })));
    match &entries[2] {
        Err(ReadError::BadLine { at, message }) => {
            assert_eq!((at.file.as_path(), at.line), (segment.as_path(), 3));
            assert!(message.contains("column"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match &entries[3] {
        Err(e @ ReadError::UnknownVersion { at, v }) => {
            assert_eq!((at.line, v.as_str()), (4, "2"));
            assert!(e.to_string().contains("v=2"), "{e}");
            assert!(e.to_string().contains(":4:"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    match &entries[4] {
        Err(ReadError::BadLine { at, message }) => {
            assert_eq!(at.line, 5);
            assert!(message.contains("missing field"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&entries[5], Ok(Entry::Record { at, .. }) if at.line == 6));
}

#[tokio::test]
async fn a_line_over_the_cap_is_an_error_and_the_next_line_is_read() {
    let (_dir, segment) = written_log(1).await;
    let good = std::fs::read_to_string(&segment).expect("read");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&segment)
        .expect("open");
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..=(MAX_LINE_BYTES >> 20) {
        file.write_all(&chunk).expect("write");
    }
    file.write_all(b"\n").expect("write");
    file.write_all(good.as_bytes()).expect("write");
    drop(file);
    let entries: Vec<_> = read(&[segment]).expect("reader").collect();
    assert_eq!(entries.len(), 3);
    assert!(matches!(
        &entries[1],
        Err(ReadError::TooLong { at, limit }) if at.line == 2 && *limit == MAX_LINE_BYTES
    ));
    assert!(matches!(&entries[2], Ok(Entry::Record { at, .. }) if at.line == 3));
}
