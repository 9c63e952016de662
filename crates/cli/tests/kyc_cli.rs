//! `underwrite kyc`: JSON shapes, exit statuses and the JSONL bad-line behaviour.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn underwrite(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn underwrite");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn testdata(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/kyc")
        .join(name)
        .display()
        .to_string()
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn reference_example_file_is_an_exact_match() {
    let out = underwrite(&["kyc", &testdata("exact.json")], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = stdout_json(&out);
    assert_eq!(v["ResultCode"], "1020");
    assert_eq!(v["ResultText"], "Exact Match");
    assert_eq!(v["ResultType"], "ID Verification");
    assert_eq!(v["IsFinalResult"], "true");
    assert_eq!(
        v["Actions"],
        serde_json::json!({
            "Verify_ID_Number": "Verified",
            "Return_Personal_Info": "Not Applicable",
            "Names": "Exact Match",
            "DOB": "Exact Match",
            "Gender": "Exact Match",
            "Phone_Number": "Exact Match",
            "ID_Verification": "Exact Match"
        })
    );
    assert!(v["Details"]["names"]["straight"].is_object());
}

#[test]
fn reads_stdin_and_applies_options() {
    let request = r#"{"submitted": {"first_name": "Li", "last_name": "Wu", "gender": "F"},
                      "authority": {"first_name": "Wu", "last_name": "Li", "gender": "M"}}"#;
    let out = underwrite(&["kyc", "-"], request);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = stdout_json(&out);
    assert_eq!(v["Actions"]["Names"], "Transposed");
    assert_eq!(v["Actions"]["Gender"], "No Match");
    assert_eq!(v["ResultCode"], "1022");
    assert_eq!(v["Actions"]["DOB"], "Not Provided");

    let out = underwrite(&["kyc", "--lenient"], request);
    assert_eq!(stdout_json(&out)["ResultCode"], "1021");

    // "Li" vs "Wu" is within the flat distance 2, but not length-scaled.
    let close = r#"{"submitted": {"first_name": "Li", "last_name": "Wu"},
                    "authority": {"first_name": "Wu", "last_name": "Li"}}"#;
    let swapped_flat = stdout_json(&underwrite(&["kyc"], close));
    assert_eq!(
        swapped_flat["Details"]["names"]["straight"]["outcome"],
        "Partial Match"
    );
    let scaled = stdout_json(&underwrite(&["kyc", "--length-scaled"], close));
    assert_eq!(
        scaled["Details"]["names"]["straight"]["outcome"],
        "No Match"
    );
    let strict = stdout_json(&underwrite(&["kyc", "--max-distance", "0"], close));
    assert_eq!(strict["Details"]["max_distance"], 0);
}

#[test]
fn invalid_id_and_issuer_unavailable() {
    let v = stdout_json(&underwrite(&["kyc", &testdata("invalid_id.json")], ""));
    assert_eq!(v["ResultCode"], "1013");
    assert_eq!(v["ResultText"], "Invalid ID");
    assert_eq!(v["Actions"]["Verify_ID_Number"], "Not Verified");
    let v = stdout_json(&underwrite(
        &["kyc", &testdata("issuer_unavailable.json")],
        "",
    ));
    assert_eq!(v["ResultCode"], "1015");
    assert_eq!(v["Actions"]["Verify_ID_Number"], "Issuer Unavailable");
}

#[test]
fn bad_input_exits_2_with_one_line_naming_file_and_field() {
    let path = testdata("bad_dob.json");
    let out = underwrite(&["kyc", &path], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("bad_dob.json"), "{err}");
    assert!(err.contains("authority.dob"), "{err}");

    let typo = r#"{"submitted": {"frist_name": "Joe", "last_name": "Leo"}, "authority": null}"#;
    let out = underwrite(&["kyc"], typo);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("<stdin>") && err.contains("frist_name"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let missing = r#"{"submitted": {"last_name": "Leo"}, "authority": null}"#;
    let err = stderr(&underwrite(&["kyc"], missing));
    assert!(err.contains("submitted.first_name"), "{err}");

    let out = underwrite(&["kyc", "/nonexistent/request.json"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/request.json"));
}

#[test]
fn jsonl_keeps_order_and_reports_bad_lines_in_place() {
    let out = underwrite(&["kyc", "--jsonl", &testdata("requests.jsonl")], "");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed line makes the run fail"
    );
    let text = String::from_utf8(out.stdout.clone()).expect("utf-8");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let input_lines = std::fs::read_to_string(testdata("requests.jsonl"))
        .expect("read testdata")
        .lines()
        .count();
    assert_eq!(lines.len(), input_lines, "one output line per input line");
    assert_eq!(lines[0]["ResultCode"], "1020");
    assert_eq!(lines[1]["Actions"]["Names"], "Transposed");
    assert_eq!(lines[2]["error"]["line"], 3);
    let message = lines[2]["error"]["message"].as_str().expect("message");
    assert!(message.contains("submitted.dob"), "{message}");
    assert_eq!(lines[3]["error"]["line"], 4);
    assert_eq!(lines[4]["ResultCode"], "1013");
    assert!(text.lines().all(|l| !l.contains("\n  ")), "compact output");
    let err = stderr(&out);
    assert!(err.contains("2 of 5 lines failed"), "{err}");
}

#[test]
fn jsonl_all_good_exits_0_and_handles_crlf_and_stdin() {
    let good = std::fs::read_to_string(testdata("exact.json"))
        .expect("read")
        .replace('\n', " ");
    let input = format!("{good}\r\n{good}\n{good}");
    let out = underwrite(&["kyc", "--jsonl"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(text.lines().count(), 3);
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("JSON");
        assert_eq!(v["ResultCode"], "1020");
    }
}

#[test]
fn jsonl_from_a_temp_file_skips_blank_lines_but_counts_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("in.jsonl");
    let good = r#"{"submitted": {"first_name": "Joe", "last_name": "Leo"}, "authority": {"first_name": "Joe", "last_name": "Leo"}}"#;
    std::fs::write(&path, format!("{good}\n\n{good}\n")).expect("write");
    let out = underwrite(&["kyc", "--jsonl", &path.display().to_string()], "");
    assert_eq!(out.status.code(), Some(0), "a blank line is not an error");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "a blank line has no output: {text}");
    assert!(lines.iter().all(|l| l.contains("1020")), "{text}");

    // Blank lines still count: the bad request after two of them is line 4.
    std::fs::write(&path, format!("{good}\n\n  \t\n{{}}\n{good}\n")).expect("write");
    let out = underwrite(&["kyc", "--jsonl", &path.display().to_string()], "");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].contains(r#""line":4"#), "{}", lines[1]);
    assert!(lines[2].contains("1020"));
}
