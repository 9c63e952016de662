//! One policy-test runner for every surface: `underwrite test` and the service's reload gate
//! (`underwrite_service::load_tested`) give the same results for the same policies, files
//! named by tests included (read, missing, too large, not a regular file). Python's
//! `Policy.test()` is held to `underwrite test` on the same table by
//! `crates/python/tests/test_policy.py`.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use underwrite_service::{load_tested, PolicyFileError};

const HEAD: &str = r#"name: files
version: "1"
knockouts:
  - id: overdue
    when: events_overdue_day30 > 0
    outcome: reject
    reason: { code: OVERDUE, text: Overdue }
  - id: kyc
    when: kyc.provided && kyc.result == "No Match"
    outcome: review
    reason: { code: KYC, text: KYC does not match }
tests:
"#;

/// Each policy of the table: its file name and its `tests:`.
fn table() -> Vec<(&'static str, String)> {
    let case = |name: &str, signals: &str, kyc: Option<&str>, decision: &str| {
        let kyc = kyc.map(|k| format!("    kyc: {k}\n")).unwrap_or_default();
        format!("  - name: {name}\n    signals: {signals}\n{kyc}    expect: {{ decision: {decision} }}\n")
    };
    vec![
        (
            "files.yaml",
            [
                case("signals and kyc files", "clean.json", Some("kyc.json"), "approve"),
                case(
                    "inline",
                    r#"{"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"events_overdue_day30": 2}}"#,
                    None,
                    "reject",
                ),
                case("kyc no match", "clean.json", Some("kyc-no-match.json"), "review"),
            ]
            .concat(),
        ),
        (
            "missing.yaml",
            [
                case("missing file", "nope.json", None, "approve"),
                case("still runs", "clean.json", None, "approve"),
            ]
            .concat(),
        ),
        (
            "big.yaml",
            [
                case("too large", "big.json", None, "approve"),
                case("kyc a directory", "clean.json", Some("sub"), "approve"),
            ]
            .concat(),
        ),
        (
            "wrong.yaml",
            [
                case("wrong expectation", "clean.json", Some("kyc.json"), "review"),
                case("right", "clean.json", None, "approve"),
            ]
            .concat(),
        ),
    ]
}

/// Write the table's policies and the files their tests name into `dir`.
fn write_table(dir: &Path) {
    std::fs::write(
        dir.join("clean.json"),
        r#"{"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"events_overdue_day30": 0}}"#,
    )
    .unwrap();
    let kyc = |last: &str| {
        format!(
            r#"{{"submitted": {{"first_name": "Joe", "last_name": "Leo"}}, "authority": {{"first_name": "Joe", "last_name": "{last}"}}}}"#
        )
    };
    std::fs::write(dir.join("kyc.json"), kyc("Leo")).unwrap();
    std::fs::write(dir.join("kyc-no-match.json"), kyc("Xyzzyq")).unwrap();
    // One byte over the runner's cap.
    let cap = underwrite_core::policy::MAX_TEST_INPUT_BYTES as usize;
    std::fs::write(dir.join("big.json"), vec![b' '; cap + 1]).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    for (file, tests) in table() {
        std::fs::write(dir.join(file), format!("{HEAD}{tests}")).unwrap();
    }
}

/// A test's name and the messages of its failures.
type TestResult<'a> = (&'a str, Vec<String>);

/// `underwrite test --format json FILE`: (test name, failure messages) per test.
fn cli(file: &Path) -> Vec<(String, Vec<String>)> {
    let out = Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .current_dir(common::repo())
        .args(["test", "--format", "json"])
        .arg(file)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["policies"][0]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let failures = t["failures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["message"].as_str().unwrap().to_string())
                .collect();
            (t["name"].as_str().unwrap().to_string(), failures)
        })
        .collect()
}

#[test]
fn the_cli_and_the_reload_gate_agree_test_by_test() {
    let dir = tempfile::tempdir().unwrap();
    write_table(dir.path());
    for (file, _) in table() {
        let path = dir.path().join(file);
        let tests = cli(&path);
        let failing: Vec<&(String, Vec<String>)> =
            tests.iter().filter(|(_, f)| !f.is_empty()).collect();
        match load_tested(&path) {
            Ok(loaded) => {
                assert!(failing.is_empty(), "{file}: the service passed {failing:?}");
                assert_eq!(loaded.tests_passed, tests.len(), "{file}");
            }
            Err(PolicyFileError::TestsFailed {
                failed,
                total,
                first,
                ..
            }) => {
                assert_eq!((failed, total), (failing.len(), tests.len()), "{file}");
                let (name, failures) = failing[0];
                assert_eq!(first, format!("{name}: {}", failures.join("; ")), "{file}");
            }
            Err(e) => panic!("{file}: {e}"),
        }
    }
    // What each surface must say, pinned once: every row above agrees with these.
    let shown = |name: &str| dir.path().join(name).display().to_string();
    let expected: [(&str, Vec<TestResult<'_>>); 4] = [
        (
            "files.yaml",
            vec![
                ("signals and kyc files", vec![]),
                ("inline", vec![]),
                ("kyc no match", vec![]),
            ],
        ),
        (
            "missing.yaml",
            vec![
                (
                    "missing file",
                    vec![format!(
                        "{}: cannot read: No such file or directory (os error 2)",
                        shown("nope.json")
                    )],
                ),
                ("still runs", vec![]),
            ],
        ),
        (
            "big.yaml",
            vec![
                (
                    "too large",
                    vec![format!(
                        "{}: input is larger than 8 MiB, the most a file a test names may be",
                        shown("big.json")
                    )],
                ),
                (
                    "kyc a directory",
                    vec![format!("{}: not a regular file", shown("sub"))],
                ),
            ],
        ),
        (
            "wrong.yaml",
            vec![
                (
                    "wrong expectation",
                    vec!["decision: expected review, got approve".to_string()],
                ),
                ("right", vec![]),
            ],
        ),
    ];
    for (file, tests) in expected {
        let got = cli(&dir.path().join(file));
        let want: Vec<(String, Vec<String>)> =
            tests.into_iter().map(|(n, f)| (n.to_string(), f)).collect();
        assert_eq!(got, want, "{file}");
    }
}
