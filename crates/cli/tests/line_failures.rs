//! `batch` and `kyc --jsonl` write each failing line's error with the one message
//! `underwrite_core::line::LineFailure` gives its kind, in input order, the good lines kept.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;
use underwrite_core::application::Application;
use underwrite_core::line::LineFailure;
use underwrite_core::policy::{DecideOptions, Policy};

/// Run `underwrite ARGS` with `stdin`; its stdout lines as JSON, and its exit code.
fn run(args: &[&str], stdin: &[u8]) -> (Vec<Value>, Option<i32>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .current_dir(common::repo())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&stdin));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, out.status.code())
}

/// The error message of an output line (`batch` nests it in `error`, as `kyc --jsonl` does).
fn message(line: &Value) -> Option<&str> {
    line.pointer("/error/message").and_then(Value::as_str)
}

#[test]
fn batch_writes_every_kind_s_one_message() {
    let good = common::application("a-1");
    let refused = r#"{"id": "a-2", "signals": {"data": {"status": "ERROR"}}}"#;
    let array = format!(
        r#"["a-3", {}, null]"#,
        common::compact("testdata/signals/clean.json")
    );
    let infinite = r#"{"id": 1e400, "signals": {}}"#;
    let mut input = Vec::new();
    for line in [
        good.as_bytes(),
        &[b'x'; 5000],
        b"{\"id\": \"\xff\"}",
        array.as_bytes(),
    ] {
        input.extend_from_slice(line);
        input.push(b'\n');
    }
    input.extend_from_slice(format!("{refused}\n{infinite}\n{good}\n").as_bytes());
    let (lines, code) = run(
        &[
            "batch",
            "--policy",
            "rules/starter.yaml",
            "--max-line-bytes",
            "4K",
        ],
        &input,
    );
    assert_eq!(code, Some(1));

    // What the library says of the refused line and the array, computed here.
    let policy =
        Policy::load(&std::fs::read(common::repo().join("rules/starter.yaml")).unwrap()).unwrap();
    let decide_error = Application::from_json(refused)
        .unwrap()
        .decide(&policy, DecideOptions { trace: false })
        .unwrap_err();
    let array_error = Application::from_json(&array).unwrap_err();
    let infinite_error = Application::from_json(infinite).unwrap_err();
    let expected: [(u64, Option<String>); 7] = [
        (1, None),
        (
            2,
            Some(
                LineFailure::TooLong {
                    bytes: 5000,
                    cap: 4096,
                }
                .to_string(),
            ),
        ),
        (3, Some(LineFailure::NotUtf8 { column: 9 }.to_string())),
        (4, Some(LineFailure::from(array_error).to_string())),
        (5, Some(LineFailure::from(decide_error).to_string())),
        (6, Some(LineFailure::from(infinite_error).to_string())),
        (7, None),
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:?}");
    for (line, (number, error)) in lines.iter().zip(expected) {
        assert_eq!(line["line"], number, "{line}");
        assert_eq!(message(line).map(str::to_string), error, "{line}");
        if let Some(error) = &error {
            assert_eq!(line["error"]["line"], number, "{line}");
            assert!(line.get("decision").is_none(), "{line}");
            assert!(!error.is_empty());
        } else {
            assert!(line["decision"]["decision"].is_string(), "{line}");
        }
    }
    // The texts are the kinds' own, whatever else is true of them.
    assert_eq!(
        message(&lines[1]),
        Some("line is 5000 bytes, longer than 4 KiB (--max-line-bytes raises the limit)")
    );
    assert!(message(&lines[3])
        .unwrap()
        .starts_with("not an application: invalid type: sequence"));
}

#[test]
fn kyc_jsonl_writes_every_kind_s_one_message() {
    let request =
        std::fs::read_to_string(common::repo().join("testdata/kyc/joe-exact.json")).unwrap();
    let request: Value = serde_json::from_str(&request).unwrap();
    let request = request.to_string();
    let positional = r#"{"submitted": ["Joe", null, "Leo"], "authority": null}"#;
    let mut input = Vec::new();
    for line in [
        request.as_bytes(),
        &[b'x'; 2048],
        b"\xc3(",
        positional.as_bytes(),
        br#"{"submitted": {"first_name": "", "last_name": "Leo"}, "authority": null}"#,
        request.as_bytes(),
    ] {
        input.extend_from_slice(line);
        input.push(b'\n');
    }
    let (lines, code) = run(&["kyc", "--jsonl", "--max-line-bytes", "1K"], &input);
    assert_eq!(code, Some(1));
    let not_json = underwrite_kyc::KycRequest::from_json(positional).unwrap_err();
    let expected = [
        None,
        Some(
            LineFailure::TooLong {
                bytes: 2048,
                cap: 1024,
            }
            .to_string(),
        ),
        Some(LineFailure::NotUtf8 { column: 1 }.to_string()),
        Some(LineFailure::NotJson(format!("invalid request: {not_json}")).to_string()),
        Some(
            LineFailure::Refused(
                underwrite_kyc::KycError::MissingName {
                    field: "submitted.first_name",
                }
                .to_string(),
            )
            .to_string(),
        ),
        None,
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:?}");
    for (i, (line, error)) in lines.iter().zip(expected).enumerate() {
        assert_eq!(
            message(line).map(str::to_string),
            error,
            "line {}: {line}",
            i + 1
        );
        if error.is_some() {
            assert_eq!(line["error"]["line"], i + 1, "{line}");
        } else {
            assert_eq!(line["ResultCode"], "1020", "{line}");
        }
    }
}
