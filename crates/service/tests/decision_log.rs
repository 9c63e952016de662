//! The decision log against a service started in-process: what a line holds, batches,
//! rotation, masking, restarts, write failures, and payloads sent in every whitespace form and
//! hostile shape (each decision exactly one record, decided again exactly). The writer and the
//! reader alone are tested in `underwrite-log`.

#![allow(clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{application, read, starter_config, Running};
use serde_json::Value;
use underwrite_core::policy::Policy;
use underwrite_log::read::{read as read_log, Entry};
use underwrite_log::replay::Replay;
use underwrite_log::{list_segments, Record, LOG_FORMAT_VERSION};
use underwrite_service::{Config, LogConfig, PhoneMasking};

const PHONE: &str = "+639171234567";

fn logged_config(dir: &Path) -> Config {
    let mut config = starter_config();
    config.decision_log = Some(LogConfig::new(dir));
    config
}

/// Every record in `dir`, in order; panics on a torn or bad line.
fn records(dir: &Path) -> Vec<Record> {
    read_log(&[dir.to_path_buf()])
        .expect("log directory")
        .map(|entry| match entry.expect("a good line") {
            Entry::Record { record, .. } => *record,
            Entry::Torn { at, .. } => panic!("torn line at {at}"),
        })
        .collect()
}

/// The raw lines of every segment of `dir`.
fn raw_lines(dir: &Path) -> Vec<String> {
    list_segments(dir)
        .expect("segments")
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .expect("segment")
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

async fn decide(svc: &Running, body: Vec<u8>) -> Value {
    let response = svc.post_json("/v1/decisions", body).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

#[tokio::test]
async fn a_logged_line_has_every_field_and_matches_the_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Running::start(logged_config(dir.path())).await;
    let body = application(
        "app-1",
        "testdata/signals/clean.json",
        Some("testdata/kyc/joe-exact.json"),
    );
    let answer = decide(&svc, body).await;
    svc.server.shutdown().await;

    let lines = raw_lines(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line: Value = serde_json::from_str(&lines[0]).expect("json line");
    assert_eq!(line["v"], LOG_FORMAT_VERSION);
    for field in [
        "decision_id",
        "input_sha256",
        "decision",
        "score",
        "reasons",
        "id",
    ] {
        assert_eq!(line[field], answer[field], "{field}");
    }
    assert_eq!(line["policy"], answer["policy"]);
    assert_eq!(line["policy"]["name"], "starter");
    assert_eq!(line["policy"]["hash"].as_str().map(str::len), Some(64));
    assert_eq!(line["arm"], "champion");
    let time = line["time"].as_str().expect("time");
    humantime::parse_rfc3339(time).unwrap_or_else(|e| panic!("{time}: {e}"));
    assert!(line["latency_us"].as_u64().is_some(), "{line}");
    // The signals as sent, less the phone; the KYC result's codes and per-field outcomes.
    let sent: Value = serde_json::from_slice(&read("testdata/signals/clean.json")).expect("json");
    let mut expected = sent.clone();
    expected["data"]["requestMeta"]
        .as_object_mut()
        .expect("requestMeta")
        .remove("phone");
    assert_eq!(line["signals"], expected);
    assert_eq!(line["kyc"]["ResultCode"], "1020");
    assert_eq!(line["kyc"]["Actions"]["Names"], "Exact Match");
    assert_eq!(line["kyc"]["Actions"]["DOB"], "Exact Match");
}

#[tokio::test]
async fn no_submitted_name_date_of_birth_or_phone_reaches_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Running::start(logged_config(dir.path())).await;
    let kyc = r#"{"submitted": {"first_name": "Zebulon", "middle_name": "Quillfeather", "last_name": "Marchbanks", "dob": "1987-03-14", "gender": "M", "phone_number": "0817-555-0199", "country": "NG"},
                  "authority": {"first_name": "ZEBULON", "middle_name": "Quilfeather", "last_name": "Marchbank", "dob": "1987-03-15", "gender": "Male", "phone_number": "+234 817 555 0199"}}"#;
    let signals = common::compact("testdata/signals/clean.json");
    let body = format!(r#"{{"id": "pii-1", "signals": {signals}, "kyc": {kyc}}}"#);
    let answer = decide(&svc, body.into_bytes()).await;
    svc.server.shutdown().await;

    let lines = raw_lines(dir.path());
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert!(line.contains(answer["decision_id"].as_str().expect("id")));
    for secret in [
        "Zebulon",
        "ZEBULON",
        "Quillfeather",
        "Quilfeather",
        "Marchbank",
        "1987",
        "0817",
        "555",
        "0199",
        PHONE,
        "9171234567",
    ] {
        assert!(
            !line.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} in {line}"
        );
    }
    // What the decision read is there: the result's codes and per-field outcomes.
    let value: Value = serde_json::from_str(line).expect("json");
    let result = underwrite_core::policy::kyc::result_from_json(kyc.as_bytes()).expect("kyc");
    assert_eq!(value["kyc"], serde_json::to_value(&result).expect("json"));
    assert_eq!(value["kyc"]["Actions"]["DOB"], "Partial Match");
}

#[tokio::test]
async fn each_decided_line_of_a_batch_is_logged_with_its_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Running::start(logged_config(dir.path())).await;
    let body = read("testdata/applications.jsonl");
    let response = svc
        .client
        .post(svc.url("/v1/decisions/batch"))
        .header("content-type", "application/x-ndjson")
        .body(body.clone())
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    svc.server.shutdown().await;

    let answers: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let decided: Vec<&Value> = answers
        .iter()
        .filter_map(|a| a.get("decision").filter(|d| d.is_object()))
        .collect();
    assert!(
        decided.len() >= 2 && decided.len() < answers.len(),
        "{text}"
    );
    let logged = records(dir.path());
    assert_eq!(logged.len(), decided.len());
    let input: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
    for (record, answer) in logged.iter().zip(&decided) {
        assert_eq!(record.decision_id, answer["decision_id"]);
        assert_eq!(record.input_sha256, answer["input_sha256"]);
        assert_eq!(record.decision.as_str(), answer["decision"]);
        // The hash is of the line's own bytes.
        assert!(input
            .iter()
            .any(|line| sha256_hex(line) == record.input_sha256));
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn concurrent_requests_are_each_logged_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Running::start(logged_config(dir.path())).await;
    let n = 64;
    let mut tasks = Vec::new();
    for i in 0..n {
        let client = svc.client.clone();
        let url = svc.url("/v1/decisions");
        let body = application(&format!("c-{i}"), "testdata/signals/clean.json", None);
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("answered");
            assert_eq!(response.status(), 200);
            let answer: Value = response.json().await.expect("json");
            answer["decision_id"].as_str().expect("id").to_owned()
        }));
    }
    let mut answered = Vec::new();
    for task in tasks {
        answered.push(task.await.expect("task"));
    }
    svc.server.shutdown().await;
    let mut logged: Vec<String> = records(dir.path())
        .into_iter()
        .map(|r| r.decision_id)
        .collect();
    answered.sort();
    logged.sort();
    assert_eq!(logged, answered);
}

#[tokio::test]
async fn segments_rotate_by_size_and_read_back_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = starter_config();
    let mut log = LogConfig::new(dir.path());
    log.max_file_bytes = 6_000;
    config.decision_log = Some(log);
    let svc = Running::start(config).await;
    let mut answered = Vec::new();
    for i in 0..12 {
        let body = application(&format!("r-{i}"), "testdata/signals/clean.json", None);
        answered.push(decide(&svc, body).await["decision_id"].clone());
    }
    svc.server.shutdown().await;

    let segments = list_segments(dir.path()).expect("segments");
    assert!(segments.len() >= 4, "{segments:?}");
    for segment in &segments {
        let bytes = std::fs::read(segment).expect("segment");
        assert!(bytes.ends_with(b"\n"), "{}", segment.display());
        let lines = bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        // A segment passes the size only when a single line does.
        assert!(
            bytes.len() <= 6_000 || lines == 1,
            "{}: {} bytes",
            segment.display(),
            bytes.len()
        );
    }
    let logged: Vec<Value> = records(dir.path())
        .into_iter()
        .map(|r| Value::String(r.decision_id))
        .collect();
    assert_eq!(logged, answered, "in the order answered");
}

#[tokio::test]
async fn a_restart_writes_a_new_segment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ids = Vec::new();
    for run in 0..2 {
        let svc = Running::start(logged_config(dir.path())).await;
        let body = application(&format!("run-{run}"), "testdata/signals/clean.json", None);
        ids.push(decide(&svc, body).await["decision_id"].clone());
        svc.server.shutdown().await;
    }
    let segments = list_segments(dir.path()).expect("segments");
    assert_eq!(segments.len(), 2, "{segments:?}");
    for (segment, id) in segments.iter().zip(&ids) {
        let records: Vec<Record> = read_log(std::slice::from_ref(segment))
            .expect("reader")
            .map(|e| match e.expect("good line") {
                Entry::Record { record, .. } => *record,
                Entry::Torn { at, .. } => panic!("torn at {at}"),
            })
            .collect();
        assert_eq!(records.len(), 1);
        assert_eq!(Value::String(records[0].decision_id.clone()), *id);
    }
}

/// The logged signals' `requestMeta`, for one masking.
async fn logged_request_meta(masking: PhoneMasking) -> (Value, Vec<Record>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = starter_config();
    let mut log = LogConfig::new(dir.path());
    log.masking = masking;
    config.decision_log = Some(log);
    let svc = Running::start(config).await;
    for (i, signals) in ["clean", "risky", "thin-file", "banded", "no-data"]
        .iter()
        .enumerate()
    {
        let body = application(
            &format!("m-{i}"),
            &format!("testdata/signals/{signals}.json"),
            Some("testdata/kyc/joe-exact.json"),
        );
        decide(&svc, body).await;
    }
    // The bare `data` shape too.
    let bare = serde_json::to_string(
        &serde_json::from_slice::<Value>(&read("testdata/signals/clean.json")).expect("json")
            ["data"],
    )
    .expect("json");
    decide(
        &svc,
        format!(r#"{{"id": "bare", "signals": {bare}}}"#).into_bytes(),
    )
    .await;
    svc.server.shutdown().await;
    let records = records(dir.path());
    let first: Value = serde_json::from_str(records[0].signals.get()).expect("json");
    let bare: Value = serde_json::from_str(records[5].signals.get()).expect("json");
    assert_eq!(
        first["data"]["requestMeta"], bare["requestMeta"],
        "both shapes masked alike"
    );
    (first["data"]["requestMeta"].clone(), records)
}

/// Replaying `records` with the starter policy (the sha that made them) reproduces each.
fn assert_replays_exactly(records: &[Record]) {
    let policy = Policy::load(&read("rules/starter.yaml")).expect("policy");
    let mut replay = Replay::new(&policy);
    for (i, record) in records.iter().enumerate() {
        let at = underwrite_log::read::LineAt {
            file: PathBuf::from("test"),
            line: i as u64 + 1,
            offset: 0,
        };
        let replayed = replay.add(&at, record);
        assert_eq!(
            replayed.now,
            Some(replayed.logged),
            "{}",
            record.decision_id
        );
    }
    let report = replay.finish();
    assert_eq!(report.records, records.len() as u64);
    assert_eq!(report.same_sha, records.len() as u64);
    assert_eq!(report.failed, 0);
    assert!(report.defects.is_empty(), "{:?}", report.defects);
}

#[tokio::test]
async fn the_phone_is_removed_by_default_and_replay_still_reproduces() {
    let (meta, records) = logged_request_meta(PhoneMasking::default()).await;
    assert!(meta.get("phone").is_none(), "{meta}");
    assert!(meta.get("consent").is_some(), "the rest is kept: {meta}");
    for record in &records {
        assert!(!record.signals.get().contains(PHONE));
    }
    assert_replays_exactly(&records);
}

#[tokio::test]
async fn the_phone_can_be_hashed_with_a_salt_or_kept() {
    let (meta, records) = logged_request_meta(PhoneMasking::Hash {
        salt: b"test-salt".to_vec(),
    })
    .await;
    let hashed = meta["phone"].as_str().expect("a hashed phone");
    let hex = hashed.strip_prefix("hmac-sha256:").expect("prefix");
    assert_eq!(hex.len(), 64);
    assert_eq!(hashed, hmac_hex(b"test-salt", PHONE));
    assert!(records.iter().all(|r| !r.signals.get().contains(PHONE)));
    assert_replays_exactly(&records);

    let (meta, records) = logged_request_meta(PhoneMasking::Keep).await;
    assert_eq!(meta["phone"], PHONE);
    assert_replays_exactly(&records);
}

/// HMAC-SHA256 by its definition (RFC 2104) over the service's own SHA-256 dependency, so the
/// check does not reuse the code under test.
fn hmac_hex(key: &[u8], message: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    let hex: String = outer.iter().map(|b| format!("{b:02x}")).collect();
    format!("hmac-sha256:{hex}")
}

#[tokio::test]
async fn a_failed_segment_refuses_the_decision_and_the_log_recovers() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("log");
    let mut config = starter_config();
    let mut log = LogConfig::new(&dir);
    log.max_file_bytes = 100; // every decision after the first in a segment rotates
    config.decision_log = Some(log);
    let svc = Running::start(config).await;
    let body = || application("f-1", "testdata/signals/clean.json", None);
    let first = decide(&svc, body()).await;

    std::fs::remove_dir_all(&dir).expect("remove the log directory");
    let refused = svc.post_json("/v1/decisions", body()).await;
    assert_eq!(refused.status(), 503);
    let problem: Value = refused.json().await.expect("problem");
    let detail = problem["detail"].as_str().expect("detail");
    assert!(
        detail.contains("not logged") && detail.contains("cannot create"),
        "{detail}"
    );
    assert!(problem.get("decision_id").is_none());

    std::fs::create_dir(&dir).expect("make it again");
    let after = decide(&svc, body()).await;
    svc.server.shutdown().await;
    let logged = records(&dir);
    assert_eq!(logged.len(), 1, "the first segment went with the directory");
    assert_eq!(logged[0].decision_id, after["decision_id"]);
    assert_ne!(first["decision_id"], after["decision_id"]);
}

/// The README's `curl`: the pretty files pasted into the body as they are.
fn readme_body(id: &str) -> String {
    let text = |rel: &str| String::from_utf8(read(rel)).expect("utf-8");
    format!(
        "{{\"id\": \"{id}\", \"signals\": {}, \"kyc\": {}}}",
        text("testdata/signals/clean.json"),
        text("testdata/kyc/joe-exact.json")
    )
}

/// Post each body, expect a decision; then the log holds exactly one line per decision, each
/// the record of its answer, and the starter decides every one again exactly.
async fn assert_one_record_per_decision(bodies: &[String]) -> Vec<Record> {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Running::start(logged_config(dir.path())).await;
    let mut answered = Vec::new();
    for body in bodies {
        let answer = decide(&svc, body.clone().into_bytes()).await;
        answered.push(answer["decision_id"].as_str().expect("id").to_owned());
    }
    svc.server.shutdown().await;
    let lines = raw_lines(dir.path());
    assert_eq!(lines.len(), bodies.len(), "{lines:#?}");
    let records = records(dir.path());
    let logged: Vec<&str> = records.iter().map(|r| r.decision_id.as_str()).collect();
    assert_eq!(logged, answered);
    for line in &lines {
        for separator in ['\r', '\u{85}', '\u{2028}', '\u{2029}'] {
            assert!(!line.contains(separator), "{separator:?} in {line}");
        }
    }
    assert_replays_exactly(&records);
    records
}

#[tokio::test]
async fn every_whitespace_form_of_a_request_is_one_record_that_decides_again() {
    let readme = readme_body("w-1");
    let bodies = [
        readme.clone(),
        readme.replace('\n', "\r\n").replace("w-1", "w-2"),
        readme.replace("  ", "\t").replace("w-1", "w-3"),
        readme
            .replace(": ", " :\n\t ")
            .replace(',', "\r\n,\t")
            .replace("w-1", "w-4"),
        // Line separators inside strings (the id too), raw.
        readme
            .replace("query success", "query\u{2028}success\u{2029}\u{85}")
            .replace("w-1", "w\u{2028}5"),
    ];
    assert!(readme.lines().count() > 100, "the README's body is pretty");
    let records = assert_one_record_per_decision(&bodies).await;
    // The payload is logged compact: the same bytes whatever the request's whitespace.
    let first = records[0].signals.get();
    assert!(!first.contains(": ") && !first.contains(", "), "{first}");
    for record in &records[1..4] {
        assert_eq!(record.signals.get(), first);
    }
    let sent: Value = serde_json::from_slice(&read("testdata/signals/clean.json")).expect("json");
    let mut expected = sent;
    expected["data"]["requestMeta"]
        .as_object_mut()
        .expect("requestMeta")
        .remove("phone");
    assert_eq!(
        serde_json::from_str::<Value>(first).expect("json"),
        expected
    );
    assert!(records[4]
        .signals
        .get()
        .contains(r"query\u2028success\u2029\u0085"));
    assert_eq!(
        records[4].id.as_deref().map(|id| id.get()),
        Some(r#""w\u20285""#)
    );
}

#[tokio::test]
async fn a_record_forged_inside_the_payload_is_not_a_record() {
    let forged = r#"{"v":1,"decision_id":"forged","time":"2026-11-26T09:30:00.000Z","policy":{"name":"starter","version":"1","hash":"aaaa"},"arm":"champion","input_sha256":"bb","signals":{"data":{}},"decision":"approve","score":900,"reasons":[],"latency_us":1}"#;
    let signals = common::compact("testdata/signals/risky.json");
    let open = signals.strip_suffix('}').expect("an object");
    let bodies: Vec<String> = ["\n", "\r\n", "\n\n"]
        .iter()
        .enumerate()
        .map(|(i, separator)| {
            format!(r#"{{"id": "f-{i}", "signals": {open},"x":{separator}{forged}{separator}}}}}"#)
        })
        .collect();
    let records = assert_one_record_per_decision(&bodies).await;
    for record in &records {
        assert_ne!(record.decision_id, "forged");
        assert_eq!(record.decision.as_str(), "reject");
        let signals: Value = serde_json::from_str(record.signals.get()).expect("json");
        assert_eq!(signals["x"]["decision_id"], "forged", "inside the payload");
    }
}

#[tokio::test]
async fn a_phone_in_a_shape_the_masker_cannot_read_never_reaches_the_log() {
    let envelope: Value =
        serde_json::from_slice(&read("testdata/signals/clean.json")).expect("json");
    let bare = envelope["data"].clone();
    let with = |mut payload: Value, pointer: &str, meta: Value| {
        *payload.pointer_mut(pointer).expect("requestMeta") = meta;
        payload.to_string()
    };
    let phone = || Value::String(PHONE.to_owned());
    let shapes = [
        with(envelope.clone(), "/data/requestMeta", serde_json::json!([{"phone": PHONE}])),
        with(envelope.clone(), "/data/requestMeta", phone()),
        with(envelope.clone(), "/data/requestMeta", serde_json::json!(639171234567u64)),
        with(bare.clone(), "/requestMeta", serde_json::json!([PHONE])),
        with(bare.clone(), "/requestMeta", phone()),
        with(bare.clone(), "/requestMeta", serde_json::json!({"phone": {"number": PHONE}})),
        // Duplicate keys: each one masked; the escaped spelling of a key is the key.
        envelope.to_string().replacen(
            r#""requestMeta":"#,
            &format!(r#""requestMeta":["{PHONE}"],"requestM\u0065ta":{{"\u0070hone":"{PHONE}"}},"requestMeta":"#),
            1,
        ),
        bare.to_string().replacen(
            r#""requestMeta":"#,
            &format!(r#""requestMeta":"{PHONE}","requestMeta":"#),
            1,
        ),
    ];
    let bodies: Vec<String> = shapes
        .iter()
        .enumerate()
        .map(|(i, signals)| format!(r#"{{"id": "s-{i}", "signals": {signals}}}"#))
        .collect();
    let records = assert_one_record_per_decision(&bodies).await;
    for record in &records {
        assert!(
            !record.signals.get().contains("9171234567"),
            "{}",
            record.signals.get()
        );
    }

    // `data` that is not an object is no payload: refused, and nothing is logged.
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Running::start(logged_config(dir.path())).await;
    for signals in [
        format!(r#"{{"code": "OK", "data": [{{"requestMeta": {{"phone": "{PHONE}"}}}}]}}"#),
        format!(r#"{{"code": "OK", "data": "{PHONE}"}}"#),
        format!(
            r#"{{"code": "OK", "data": {{}}, "data": {{"requestMeta": {{"phone": "{PHONE}"}}}}}}"#
        ),
    ] {
        let body = format!(r#"{{"id": "r", "signals": {signals}}}"#);
        let response = svc.post_json("/v1/decisions", body).await;
        assert_eq!(response.status(), 422, "{signals}");
    }
    svc.server.shutdown().await;
    assert!(raw_lines(dir.path()).is_empty());
}
