//! `underwrite test --coverage`, `--min-coverage` and `--format json` as a user runs them.
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

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A knock-out that never fires, a bin never matched, two bins behind one that always matches,
/// a band never reached and a fallback never applied. 13 items, 7 covered.
const POLICY: &str = r#"name: coverage-demo
version: "1"
features:
  aliases:
    overdue_30: events_overdue_day30
    apps_30: events_application_reception_day30
knockouts:
  - id: heavy_overdue
    when: overdue_30 >= 3
    outcome: reject
    reason: { code: KO_OVERDUE, text: Three or more overdue events }
  - id: never_fires
    when: apps_30 >= 50
    outcome: review
    reason: { code: KO_APPS, text: Very many applications }
scorecard:
  base: 100
  cutoffs: { approve: 150, review: 120 }
  characteristics:
    - id: overdue
      reason: { code: SC_OVERDUE, text: Overdue events }
      bins:
        - { when: overdue_30 == 0, points: 50 }
        - { when: overdue_30 <= 2, points: 20 }
        - { points: 0 }
    - id: apps
      reason: { code: SC_APPS, text: Many applications }
      bins:
        - { when: apps_30 <= 2, points: 10 }
        - { when: apps_30 <= 10, points: 5 }
        - { points: 0 }
tests:
  - name: clean approves
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: 0, events_application_reception_day30: 1 } }
    expect: { decision: approve, reasons: [], score: 160 }
  - name: heavy overdue rejects
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: 4, events_application_reception_day30: 1 } }
    expect: { decision: reject, reasons: [KO_OVERDUE, SC_OVERDUE], score: 110 }
  - name: unavailable signals review
    signals: { status: COMPLETED, resultCode: SERVICE_UNAVAILABLE, items: [] }
    expect: { decision: review, reasons: [SIGNALS_UNAVAILABLE] }
"#;

const UNCOVERED: [&str; 6] = [
    "       knock-out `never_fires` never fired (evaluated in 2 tests)",
    "       bin `overdue#2` never matched (evaluated in 1 test)",
    "       bin `apps#2` not exercised: no test reached it",
    "       catch-all bin `apps#3` not exercised: no test reached it",
    "       band review (score 120 to 149) never reached (scored in 2 tests)",
    "       fallback `no_data` never applied (in 3 tests)",
];

/// One knock-out, fired by one test, and both fallbacks: 3 items, all covered.
const FULL: &str = r#"name: full
version: "1"
knockouts:
  - id: overdue
    when: events_overdue_day30 >= 2
    outcome: reject
    reason: { code: KO_OVERDUE, text: Overdue }
tests:
  - name: overdue rejects
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: 2 } }
    expect: { decision: reject, reasons: [KO_OVERDUE] }
  - name: unavailable reviews
    signals: { status: COMPLETED, resultCode: SYSTEM_ERROR, items: [] }
    expect: { decision: review, reasons: [SIGNALS_UNAVAILABLE] }
  - name: no data reviews
    signals: { status: COMPLETED, resultCode: NO_DATA, items: [] }
    expect: { decision: review, reasons: [NO_DATA] }
"#;

fn policy_file(dir: &Path, text: &str) -> String {
    let path = dir.join("demo.yaml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn coverage_lists_exactly_what_no_test_covers() {
    let dir = tempfile::tempdir().unwrap();
    let path = policy_file(dir.path(), POLICY);
    let out = underwrite(&["test", "--coverage", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3 + 1 + UNCOVERED.len() + 1, "{text}");
    assert_eq!(lines[0], format!("ok   {path}: clean approves"));
    assert_eq!(
        lines[3],
        format!(
            "coverage {path}: 53.8 % (7 of 13 items: knock-outs 1 of 2, bins 3 of 6, \
             bands 2 of 3, fallbacks 1 of 2)"
        )
    );
    assert_eq!(lines[4..4 + UNCOVERED.len()], UNCOVERED, "{text}");
    assert_eq!(lines.last(), Some(&"3 passed, 0 failed"));

    // Without the flag, nothing about coverage.
    let out = underwrite(&["test", &path]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!stdout(&out).contains("coverage"), "{}", stdout(&out));
}

#[test]
fn min_coverage_fails_the_run_and_names_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let path = policy_file(dir.path(), POLICY);

    let out = underwrite(&["test", "--min-coverage", "100", &path]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("coverage {path}: 53.8 % (7 of 13 items")),
        "--min-coverage implies --coverage: {text}"
    );
    assert!(
        text.contains(&format!(
            "\nFAIL {path}: coverage 53.8 % is below --min-coverage 100 %\n"
        )),
        "{text}"
    );
    assert!(
        text.ends_with("3 passed, 0 failed, 1 policy below --min-coverage 100 %\n"),
        "{text}"
    );

    // Exactly at the threshold passes: 7 of 13 is 53.846... %.
    for (min, code) in [("53.8", 0), ("53.84", 0), ("53.85", 1), ("0", 0)] {
        let out = underwrite(&["test", "--coverage", "--min-coverage", min, &path]);
        assert_eq!(out.status.code(), Some(code), "{min}: {}", stdout(&out));
    }

    // A fully covered policy beside the demo: only the demo is named.
    let full = dir.path().join("full.yaml");
    std::fs::write(&full, FULL).unwrap();
    let full = full.to_str().unwrap();
    let out = underwrite(&["test", "--min-coverage", "100", full, &path]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "coverage {full}: 100.0 % (3 of 3 items: knock-outs 1 of 1, fallbacks 2 of 2)\n"
        )),
        "{text}"
    );
    assert_eq!(text.matches("is below --min-coverage").count(), 1, "{text}");
    assert!(text.contains(&format!("FAIL {path}: coverage")), "{text}");
    let out = underwrite(&["test", "--min-coverage", "100", full]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    for bad in ["101", "-1", "lots"] {
        let out = underwrite(&["test", &format!("--min-coverage={bad}"), &path]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--min-coverage"));
    }
}

#[test]
fn json_format_is_one_document_with_results_and_coverage() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = POLICY.replace(
        "expect: { decision: approve, reasons: [], score: 160 }",
        "expect: { decision: review, reasons: [], score: 150 }",
    );
    assert_ne!(wrong, POLICY);
    let path = policy_file(dir.path(), &wrong);
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "name: broken\nversion: \"1\"\nwen: x\n").unwrap();
    let out = underwrite(&[
        "test",
        "--format",
        "json",
        "--min-coverage",
        "50",
        &path,
        broken.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["passed"], 2);
    assert_eq!(
        doc["failed"], 2,
        "one failed test, one policy that does not load"
    );
    assert_eq!(doc["min_coverage"], 50.0);
    assert_eq!(doc["below_min_coverage"], serde_json::json!([]));

    let demo = &doc["policies"][0];
    assert_eq!(demo["file"], path.as_str());
    assert_eq!(demo["policy"]["name"], "coverage-demo");
    assert_eq!(
        (demo["passed"].as_u64(), demo["failed"].as_u64()),
        (Some(2), Some(1))
    );
    let first = &demo["tests"][0];
    assert_eq!(first["name"], "clean approves");
    assert_eq!(first["passed"], false);
    assert_eq!(
        first["failures"],
        serde_json::json!([
            {"kind": "wrong_decision", "expected": "review", "actual": "approve",
             "message": "decision: expected review, got approve"},
            {"kind": "wrong_score", "expected": 150, "actual": 160,
             "message": "score: expected 150, got 160"},
        ])
    );
    assert_eq!(
        first["decision"],
        serde_json::json!({"decision": "approve", "score": 160, "reasons": []})
    );
    assert_eq!(
        demo["tests"][2]["decision"]["score"],
        serde_json::Value::Null
    );

    let coverage = &demo["coverage"];
    assert_eq!(coverage["percent"], 53.8);
    assert_eq!(
        (coverage["covered"].as_u64(), coverage["total"].as_u64()),
        (Some(7), Some(13))
    );
    assert_eq!(
        coverage["bins"],
        serde_json::json!({"covered": 3, "total": 6})
    );
    let uncovered: Vec<String> = coverage["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] != "covered")
        .map(|i| {
            let name = i
                .get("id")
                .or_else(|| i.get("band"))
                .or_else(|| i.get("fallback"))
                .unwrap();
            format!("{} {} {}", i["kind"], name, i["status"])
        })
        .collect();
    assert_eq!(
        uncovered,
        [
            r#""knockout" "never_fires" "missed""#,
            r#""bin" "overdue#2" "missed""#,
            r#""bin" "apps#2" "unexercised""#,
            r#""bin" "apps#3" "unexercised""#,
            r#""band" "review" "missed""#,
            r#""fallback" "no_data" "missed""#,
        ]
    );
    let band = coverage["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["band"] == "review")
        .unwrap();
    assert_eq!(
        *band,
        serde_json::json!({"kind": "band", "band": "review", "min": 120, "max": 149,
                           "status": "missed", "evaluated": 2, "hits": 0})
    );

    let broken = &doc["policies"][1];
    assert!(
        broken["error"]
            .as_str()
            .unwrap()
            .starts_with("policy does not load: "),
        "{broken}"
    );
    assert!(broken.get("coverage").is_none() && broken.get("tests").is_none());

    // Without coverage flags the document has no coverage keys.
    let out = underwrite(&["test", "--format", "json", &path]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["policies"][0].get("coverage").is_none(), "{doc}");
    assert!(doc.get("min_coverage").is_none() && doc.get("below_min_coverage").is_none());
}

#[test]
fn coverage_lines_escape_ids_from_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = POLICY.replace("id: never_fires", "id: \"never\\e[2J\\u202efires\"");
    let path = policy_file(dir.path(), &hostile);
    let out = underwrite(&["test", "--coverage", &path]);
    let text = stdout(&out);
    assert!(
        !text
            .chars()
            .any(|c| c != '\n' && (c.is_control() || c == '\u{202e}')),
        "{text:?}"
    );
    assert!(
        text.contains("knock-out `never\\u{1b}[2J\\u{202e}fires` never fired"),
        "{text}"
    );
}

/// The guide's example output is what `underwrite test` prints for the guide's own policy.
#[test]
fn the_guides_coverage_example_is_real_output() {
    let guide = std::fs::read_to_string(root().join("docs/policy-guide.md")).unwrap();
    // The fenced block that opens with `fence` and contains `marker`.
    let block = |fence: &str, marker: &str| -> String {
        guide
            .split("```")
            .filter_map(|part| part.strip_prefix(fence))
            .find(|body| body.contains(marker))
            .unwrap_or_else(|| panic!("no {fence} block with {marker}"))
            .trim_start_matches(|c| c != '\n')
            .trim_start_matches('\n')
            .to_string()
    };
    let policy = block("yaml", "name: guide-scorecard");
    let expected = block("text", "coverage rules/guide-scorecard.yaml");
    assert!(
        guide.contains("<!-- coverage example"),
        "the guide says where its example is checked"
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("rules/guide-scorecard.yaml"), policy).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .current_dir(dir.path())
        .args([
            "test",
            "--coverage",
            "--min-coverage",
            "100",
            "rules/guide-scorecard.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), expected);
}
