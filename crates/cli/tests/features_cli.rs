//! `underwrite features`: the printed vector, stdin input, and bad input (exit 2, one line).
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/signals")
        .join(name)
}

fn run(args: &[&std::ffi::OsStr], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .arg("features")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            pipe.write_all(bytes).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn run_file(path: &Path) -> Output {
    run(&[path.as_os_str()], None)
}

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Exit status 2, nothing on stdout, one line on stderr; returns that line.
fn bad_input(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.ends_with('\n'));
    stderr
}

#[test]
fn prints_the_normalized_vector() {
    let v = stdout_json(&run_file(&testdata("clean.json")));
    assert_eq!(v["status"], "SUCCESS");
    let f = &v["features"];
    // A days-since-last null is "never", never 0.
    assert_eq!(f["events_overdue_days_since_last"], "never");
    assert_eq!(f["events_successful_repayment_day30"], 2);
    assert_eq!(f["events_debt_day30_amount"].to_string(), "1250.50");
    // A catalog signal that was not sent is null (missing).
    assert_eq!(f["events_captcha_day30"], Value::Null);
    assert_eq!(v["unknown"], json!({}));
    assert_eq!(v["warnings"], json!([]));
}

#[test]
fn nulls_follow_the_kind_and_bands_print_as_text() {
    let thin = stdout_json(&run_file(&testdata("thin-file.json")));
    // A count's null is 0; an amount's null is missing.
    assert_eq!(
        thin["features"]["events_marketing_day30_institution_count"],
        0
    );
    assert_eq!(thin["features"]["events_debt_day90_amount"], Value::Null);
    let beta = stdout_json(&run_file(&testdata("beta-sample.json")));
    assert_eq!(beta["features"]["events_debt_day90_amount"], "A0");
    assert_eq!(beta["features"]["events_arbitrary_day30"], 0);
}

#[test]
fn unknown_signals_and_warnings_are_printed() {
    let payload = br#"{"status":"COMPLETED","resultCode":"SUCCESS","items":[
        {"name":"score","value":"gold","valueType":"STRING"},
        {"name":"events_fraud_day60_amount","value":12.5,"valueType":"NUMBER"}]}"#;
    let v = stdout_json(&run(&["-".as_ref()], Some(payload)));
    assert_eq!(
        v["unknown"],
        json!({"score": {"text": "gold"}, "events_fraud_day60_amount": 12.5})
    );
    let warnings = v["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2);
    assert!(warnings[1].as_str().unwrap().contains("understood"));
}

#[test]
fn reads_stdin_with_dash_or_no_argument() {
    let bytes = std::fs::read(testdata("risky.json")).unwrap();
    let from_file = stdout_json(&run_file(&testdata("risky.json")));
    for args in [vec!["-".as_ref()], vec![]] {
        let v = stdout_json(&run(&args, Some(&bytes)));
        assert_eq!(v, from_file);
        assert_eq!(v["features"]["events_overdue_day30"], 3);
        assert_eq!(v["features"]["events_overdue_days_since_last"], 4);
    }
}

#[test]
fn no_data_and_unavailable_are_outcomes() {
    let v = stdout_json(&run_file(&testdata("no-data.json")));
    assert_eq!(v["status"], "NO_DATA");
    assert!(v["features"]
        .as_object()
        .unwrap()
        .values()
        .all(Value::is_null));
    let v = stdout_json(&run_file(&testdata("unavailable.json")));
    assert_eq!(v["status"], "SERVICE_UNAVAILABLE");
}

#[test]
fn bad_signal_is_exit_2_naming_the_file_and_signal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad-signals.json");
    std::fs::write(
        &path,
        br#"{"code":"OK","data":{"status":"COMPLETED","resultCode":"SUCCESS","items":[
            {"name":"events_overdue_day30","value":1,"valueType":"NUMBER"},
            {"name":"events_overdue_day90","value":"NaN","valueType":"NUMBER"}]}}"#,
    )
    .unwrap();
    let line = bad_input(&run_file(&path));
    assert!(line.contains("bad-signals.json"), "{line}");
    assert!(line.contains("events_overdue_day90"), "{line}");
    assert!(line.contains("NaN"), "{line}");
}

#[test]
fn other_bad_inputs_are_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 6] = [
        ("malformed.json", b"{\n\"status\": \"COMPLETED\",\n", "line 3"),
        (
            "negative.json",
            br#"{"status":"COMPLETED","resultCode":"SUCCESS","result":{"events_overdue_day30_days":-4}}"#,
            "events_overdue_day30_days",
        ),
        (
            "duplicate.json",
            br#"{"status":"COMPLETED","resultCode":"SUCCESS","result":{"events_overdue_day30":1,"events_overdue_day30":2}}"#,
            "duplicate signal \"events_overdue_day30\"",
        ),
        (
            "huge.json",
            br#"{"status":"COMPLETED","resultCode":"SUCCESS","result":{"events_debt_day30_amount":1e400}}"#,
            "events_debt_day30_amount",
        ),
        (
            "items.json",
            br#"{"status":"COMPLETED","resultCode":"SUCCESS","items":{}}"#,
            "`items` must be an array",
        ),
        (
            "provider.json",
            br#"{"code":"UNAUTHORIZED","message":"bad key","data":null}"#,
            "UNAUTHORIZED",
        ),
    ];
    for (name, bytes, expect) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let line = bad_input(&run_file(&path));
        assert!(line.contains(name), "{line}");
        assert!(line.contains(expect), "{name}: {line}");
    }
}

#[test]
fn processing_is_bad_input_saying_not_ready() {
    let line = bad_input(&run_file(&testdata("processing.json")));
    assert!(
        line.contains("processing.json") && line.contains("not ready"),
        "{line}"
    );
}

#[test]
fn bad_stdin_and_missing_files_are_exit_2() {
    let line = bad_input(&run(&["-".as_ref()], Some(b"[1,2]")));
    assert!(line.contains("<stdin>"), "{line}");
    let line = bad_input(&run_file(Path::new("/nonexistent/signals.json")));
    assert!(line.contains("/nonexistent/signals.json"), "{line}");
}
