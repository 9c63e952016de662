//! `batch`, the batch route of `serve`, Arrow rows and `kyc --jsonl` write each failing line's
//! error with the one message `underwrite_core::line::LineFailure` gives its kind, in input
//! order, the good lines kept. The batch surfaces are driven by one table,
//! `testdata/line-failures.json`, which Python's `decide_arrow` is held to as well
//! (`crates/python/tests/test_line_failures.py`).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int8Type;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use common::Serve;
use serde_json::Value;
use underwrite_arrow::{decide_batch, Columns};
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

/// One case of `testdata/line-failures.json`: a line and what it must give.
#[derive(Debug)]
struct Case {
    name: String,
    /// `decided`, `blank`, or a `LineFailureKind`'s name.
    kind: String,
    /// The line's bytes, without its ending.
    bytes: Vec<u8>,
    ending: String,
    /// The first bad byte of a `not_utf8` line.
    column: Option<usize>,
}

/// The table every surface is held to: the line cap, and the cases in body order.
fn table() -> (u64, Vec<Case>) {
    let text = std::fs::read_to_string(common::repo().join("testdata/line-failures.json")).unwrap();
    let table: Value = serde_json::from_str(&text).unwrap();
    let clean = common::compact("testdata/signals/clean.json");
    let joe = common::compact("testdata/kyc/joe-exact.json");
    let cases = table["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let bytes = if let Some(text) = case["text"].as_str() {
                text.replace("$clean", &clean)
                    .replace("$joe", &joe)
                    .into_bytes()
            } else if let Some(hex) = case["hex"].as_str() {
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect()
            } else {
                let byte = case["repeat"][0].as_str().unwrap().as_bytes()[0];
                vec![byte; case["repeat"][1].as_u64().unwrap() as usize]
            };
            Case {
                name: case["name"].as_str().unwrap().to_string(),
                kind: case["kind"].as_str().unwrap().to_string(),
                bytes,
                ending: case["ending"].as_str().unwrap_or("\n").to_string(),
                column: case["column"].as_u64().map(|c| c as usize),
            }
        })
        .collect();
    (table["max_line_bytes"].as_u64().unwrap(), cases)
}

/// What a line gives: its decision's outcome, or its error's message.
type Given = Result<String, String>;

/// What each case must give, by line number (blank lines give nothing), from the library and
/// `LineFailure` alone; each failure's kind is the table's.
fn expected(cap: u64, cases: &[Case], policy: &Policy) -> BTreeMap<u64, Given> {
    let mut out = BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        let text = || std::str::from_utf8(&case.bytes).unwrap();
        let failure = match case.kind.as_str() {
            "blank" => continue,
            "too_long" => LineFailure::TooLong {
                bytes: case.bytes.len() as u64,
                cap,
            },
            "not_utf8" => {
                assert!(std::str::from_utf8(&case.bytes).is_err(), "{}", case.name);
                LineFailure::NotUtf8 {
                    column: case.column.unwrap(),
                }
            }
            "not_json" => LineFailure::from(Application::from_json(text()).unwrap_err()),
            "refused" => LineFailure::from(
                Application::from_json(text())
                    .unwrap()
                    .decide(policy, DecideOptions { trace: false })
                    .unwrap_err(),
            ),
            "decided" => {
                let decided = Application::from_json(text())
                    .unwrap()
                    .decide(policy, DecideOptions { trace: false })
                    .unwrap();
                out.insert(
                    i as u64 + 1,
                    Ok(decided.decision.decision.as_str().to_string()),
                );
                continue;
            }
            other => panic!("{}: unknown kind {other}", case.name),
        };
        assert_eq!(failure.kind().as_str(), case.kind, "{}", case.name);
        out.insert(i as u64 + 1, Err(failure.to_string()));
    }
    out
}

/// The body: every case's line and ending.
fn body(cases: &[Case]) -> Vec<u8> {
    let mut body = Vec::new();
    for case in cases {
        body.extend_from_slice(&case.bytes);
        body.extend_from_slice(case.ending.as_bytes());
    }
    body
}

/// JSON Lines answers (`batch`'s and the route's) by line number.
fn given(lines: &[Value]) -> BTreeMap<u64, Given> {
    lines
        .iter()
        .map(|line| {
            let number = line["line"].as_u64().unwrap();
            let given = match message(line) {
                Some(message) => {
                    assert_eq!(line["error"]["line"], number, "{line}");
                    assert!(line.get("decision").is_none(), "{line}");
                    Err(message.to_string())
                }
                None => Ok(line["decision"]["decision"].as_str().unwrap().to_string()),
            };
            (number, given)
        })
        .collect()
}

/// The `id` each answer line echoes, by line number.
fn echoed_ids(lines: &[Value]) -> BTreeMap<u64, Option<String>> {
    lines
        .iter()
        .map(|line| {
            let id = line.get("id").map(|id| id.as_str().unwrap().to_string());
            (line["line"].as_u64().unwrap(), id)
        })
        .collect()
}

/// `underwrite batch`, `POST /v1/decisions/batch` (the real `underwrite serve`) and Arrow rows
/// write each failing line's error as its `LineFailure` says, kind by kind, the good lines
/// decided alike.
#[test]
fn every_surface_writes_every_kind_s_one_message() {
    let (cap, cases) = table();
    let policy =
        Policy::load(&std::fs::read(common::repo().join("rules/starter.yaml")).unwrap()).unwrap();
    let expected = expected(cap, &cases, &policy);
    let kinds: BTreeSet<&str> = cases.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["blank", "decided", "not_json", "not_utf8", "refused", "too_long"]),
        "every kind a line can fail with is in the table (a panic's is held by each surface's \
         own test: no input makes one)"
    );
    let input = body(&cases);
    let cap_flag = cap.to_string();

    // underwrite batch
    let (lines, code) = run(
        &[
            "batch",
            "--policy",
            "rules/starter.yaml",
            "--max-line-bytes",
            &cap_flag,
        ],
        &input,
    );
    assert_eq!(code, Some(1));
    assert_eq!(given(&lines), expected, "underwrite batch");
    let batch_ids = echoed_ids(&lines);
    // The texts are the kinds' own, whatever else is true of them.
    assert_eq!(
        message(&lines[1]),
        Some("line is 5000 bytes, longer than 4 KiB (--max-line-bytes raises the limit)")
    );

    // POST /v1/decisions/batch of `underwrite serve` with the same cap.
    let serve = Serve::start(&[
        "serve",
        "--policy",
        "rules/starter.yaml",
        "--listen",
        "127.0.0.1:0",
        "--max-line-bytes",
        &cap_flag,
    ]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let answer = runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(format!("http://{}/v1/decisions/batch", serve.addr))
            .header("content-type", "application/x-ndjson")
            .body(input.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    });
    let lines: Vec<Value> = answer
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(given(&lines), expected, "POST /v1/decisions/batch");
    // A line read as an application echoes its id whether it was decided or refused, on both.
    assert_eq!(
        echoed_ids(&lines),
        batch_ids,
        "ids echoed by the route and by batch"
    );
    assert!(
        batch_ids.values().any(|id| id.as_deref() == Some("lf-7")),
        "a refused line's id is echoed: {batch_ids:?}"
    );

    // Arrow: the rows whose cells can carry the line (an object of id, signals and kyc).
    let mut rows = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let Some(Value::Object(line)) = std::str::from_utf8(&case.bytes)
            .ok()
            .and_then(|t| serde_json::from_str(t).ok())
        else {
            continue;
        };
        let carried = line
            .keys()
            .all(|k| ["id", "signals", "kyc"].contains(&k.as_str()))
            && line.get("signals").is_some_and(Value::is_object)
            && line.get("id").is_none_or(Value::is_string);
        if carried {
            rows.push((i as u64 + 1, line));
        }
    }
    let text_column = |key: &str, json: bool| -> ArrayRef {
        Arc::new(StringArray::from(
            rows.iter()
                .map(|(_, line)| {
                    line.get(key).map(|v| match v {
                        Value::String(s) if !json => s.clone(),
                        v => v.to_string(),
                    })
                })
                .collect::<Vec<_>>(),
        ))
    };
    let batch = RecordBatch::try_from_iter([
        ("id", text_column("id", false)),
        ("signals", text_column("signals", true)),
        ("kyc", text_column("kyc", true)),
    ])
    .unwrap();
    let decided = decide_batch(
        &policy,
        &batch,
        Columns {
            signals: "signals",
            kyc: Some("kyc"),
            id: Some("id"),
        },
    )
    .unwrap();
    let errors = decided.column_by_name("error").unwrap().as_string::<i32>();
    let outcomes = decided
        .column_by_name("decision")
        .unwrap()
        .as_dictionary::<Int8Type>();
    let values = outcomes.values().as_string::<i32>();
    let mut arrow = BTreeMap::new();
    for (row, (number, _)) in rows.iter().enumerate() {
        let given = if errors.is_valid(row) {
            Err(errors.value(row).to_string())
        } else {
            Ok(values
                .value(outcomes.keys().value(row) as usize)
                .to_string())
        };
        arrow.insert(*number, given);
    }
    let wanted: BTreeMap<u64, Given> = expected
        .iter()
        .filter(|(n, _)| arrow.contains_key(n))
        .map(|(n, g)| (*n, g.clone()))
        .collect();
    assert_eq!(arrow, wanted, "Arrow rows");
    let carried: BTreeSet<&str> = rows
        .iter()
        .map(|(n, _)| cases[*n as usize - 1].kind.as_str())
        .collect();
    assert_eq!(
        carried,
        BTreeSet::from(["decided", "not_json", "refused"]),
        "the kinds a row can fail with are compared"
    );
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
