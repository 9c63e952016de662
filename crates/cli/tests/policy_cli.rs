//! The policy subcommands as a user runs them: decide, check, test, batch.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn underwrite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap()
}

fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn decide_prints_the_decision_contract() {
    let out = underwrite(&[
        "decide",
        "--policy",
        "rules/starter.yaml",
        "--kyc",
        "testdata/kyc/joe-exact.json",
        "testdata/signals/risky.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let d = stdout_json(&out);
    assert_eq!(d["decision"], "reject");
    assert_eq!(d["score"], 620);
    assert_eq!(d["reasons"][0]["code"], "KO_DELINQUENCY_30D");
    assert!(d["reasons"][0]["text"]
        .as_str()
        .unwrap()
        .contains("delinquency"));
    assert_eq!(d["policy"]["name"], "starter");
    assert_eq!(d["policy"]["hash"].as_str().unwrap().len(), 64);
    let trace = d["trace"].as_array().unwrap();
    let ko = trace
        .iter()
        .find(|t| t["id"] == "serious_delinquency_30d")
        .unwrap();
    assert_eq!(ko["result"], true);
    assert_eq!(ko["read"]["overdue_days_30"], 45);
}

#[test]
fn decide_reads_stdin_and_accepts_a_kyc_result() {
    let dir = tempfile::tempdir().unwrap();
    let kyc = dir.path().join("result.json");
    std::fs::write(
        &kyc,
        r#"{"ResultCode":"1022","ResultText":"No Match","Actions":{"Verify_ID_Number":"Verified",
        "Return_Personal_Info":"Not Applicable","Names":"No Match","DOB":"Exact Match",
        "Gender":"Exact Match","Phone_Number":"Exact Match","ID_Verification":"No Match"}}"#,
    )
    .unwrap();
    let payload = std::fs::read(root().join("testdata/signals/clean.json")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .current_dir(root())
        .args([
            "decide",
            "--no-trace",
            "--policy",
            "rules/starter.yaml",
            "--kyc",
        ])
        .arg(&kyc)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&payload).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let d = stdout_json(&out);
    assert_eq!(d["decision"], "reject");
    assert_eq!(d["reasons"][0]["code"], "KYC_NO_MATCH");
    assert!(
        d.get("trace").is_none(),
        "--no-trace leaves the key out: {d}"
    );
}

#[test]
fn decide_on_bad_input_exits_2_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"status":"COMPLETED","resultCode":"SUCCESS","result":{"events_overdue_day30":-1}}"#,
    )
    .unwrap();
    let out = underwrite(&[
        "decide",
        "--policy",
        "rules/starter.yaml",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bad.json") && err.contains("events_overdue_day30"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no partial output");

    let out = underwrite(&[
        "decide",
        "--policy",
        "no/such/policy.yaml",
        "testdata/signals/clean.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/policy.yaml"));
}

#[test]
fn decide_refuses_a_kyc_file_that_is_not_utf8_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let kyc = dir.path().join("kyc-latin1.json");
    std::fs::write(
        &kyc,
        b"{\"submitted\": {\"first_name\": \"Jos\xe9\", \"last_name\": \"Leo\"}}",
    )
    .unwrap();
    let out = underwrite(&[
        "decide",
        "--policy",
        "rules/starter.yaml",
        "--kyc",
        kyc.to_str().unwrap(),
        "testdata/signals/clean.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("kyc-latin1.json") && err.contains("not UTF-8: invalid byte at offset 33"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no partial output");
}

#[test]
fn check_reports_every_problem_with_file_line_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "name: bad\nversion: \"1\"\nknockouts:\n  - id: one\n    when: overdue_thirty > 1\n    outcome: reject\n    reason: { code: A, text: a }\n  - id: two\n    when: events_overdue_day30 >\n    outcome: review\n    reason: { code: B, text: b }\n",
    )
    .unwrap();
    let out = underwrite(&["check", "rules/starter.yaml", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok: rules/starter.yaml"));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].contains("bad.yaml:5:") && lines[0].contains("`one`"),
        "{err}"
    );
    assert!(
        lines[0].contains("unknown feature `overdue_thirty`"),
        "{err}"
    );
    assert!(
        lines[1].contains("bad.yaml:9:") && lines[1].contains("`two`"),
        "{err}"
    );
}

#[test]
fn test_runs_shipped_policies_and_reports_failures_with_expected_vs_actual() {
    let out = underwrite(&["test", "rules/"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let last = text.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{last}");

    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(root().join("rules/starter.yaml")).unwrap();
    let wrong = policy.replacen(
        "expect: { decision: approve, reasons: [], score: 835 }",
        "expect: { decision: review, reasons: [], score: 835 }",
        1,
    );
    assert_ne!(wrong, policy);
    // Test inputs are relative to the policy file: point them at the shipped test data.
    let testdata = root().join("testdata");
    let wrong = wrong.replace("../testdata", testdata.to_str().unwrap());
    let path = dir.path().join("wrong.yaml");
    std::fs::write(&path, wrong).unwrap();
    let out = underwrite(&["test", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("FAIL") && text.contains("decision: expected review, got approve"),
        "{text}"
    );
    assert!(
        text.lines().last().unwrap().ends_with(" passed, 1 failed"),
        "{text}"
    );
}

#[test]
fn the_shipped_policies_tests_cover_every_rule() {
    let out = underwrite(&["test", "--coverage", "--min-coverage", "100", "rules/"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    for policy in ["rules/behaviour-scorecard.yaml", "rules/starter.yaml"] {
        assert!(
            text.contains(&format!("coverage {policy}: 100.0 % (")),
            "{text}"
        );
    }
    assert!(
        !text.lines().any(|l| l.starts_with("       ")),
        "no failure and no uncovered item: {text}"
    );
}

#[test]
fn batch_decides_every_line_in_order_and_reports_bad_lines() {
    let out = underwrite(&[
        "batch",
        "--policy",
        "rules/starter.yaml",
        "testdata/applications.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(1), "one line is broken");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let decisions: Vec<String> = lines
        .iter()
        .map(|l| {
            l["decision"]["decision"]
                .as_str()
                .map_or_else(|| "error".to_string(), str::to_string)
        })
        .collect();
    assert_eq!(
        decisions,
        ["approve", "reject", "error", "review", "reject"]
    );
    assert_eq!(lines[2]["error"]["line"], 3);
    assert_eq!(lines[0]["id"], "app-1");
    assert!(stderr(&out).contains("1 line(s) failed"));
}

#[test]
fn schema_prints_the_committed_policy_schema() {
    let out = underwrite(&["schema"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let schema = stdout_json(&out);
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["properties"]["knockouts"]["type"], "array");
    let committed = std::fs::read(root().join("docs/policy.schema.json")).unwrap();
    assert!(
        out.stdout == committed,
        "docs/policy.schema.json is not what `underwrite schema` prints; regenerate it with\n    \
         cargo run -p underwrite-cli -- schema > docs/policy.schema.json"
    );
}
