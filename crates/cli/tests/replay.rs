//! `underwrite replay` on logs a real service wrote: exact reproduction with the same policy
//! (requests in every whitespace form and hostile shape included), defects when a record does
//! not reproduce, the swap matrix with another policy, challenger records checked against their
//! own policy, torn and bad lines (all counted, the first kept).
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::{DecideOptions, Policy};
use underwrite_service::{Challenger, ChallengerMode, Config, LogConfig, Server};

const STARTER: &str = "rules/starter.yaml";
const OTHER: &str = "rules/behaviour-scorecard.yaml";
const SIGNALS: [&str; 7] = [
    "clean",
    "risky",
    "thin-file",
    "banded",
    "no-data",
    "unavailable",
    "alpha-sample",
];
const KYC: [Option<&str>; 4] = [
    Some("joe-exact"),
    Some("joe-no-match"),
    Some("joe-invalid-id"),
    None,
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn compact(rel: &str) -> String {
    serde_json::from_slice::<Value>(&read(rel))
        .unwrap()
        .to_string()
}

/// Every (signals, kyc) pair, as application bodies.
fn applications() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for signals in SIGNALS {
        for kyc in KYC {
            let id = format!("{signals}/{}", kyc.unwrap_or("none"));
            let mut body = format!(
                r#"{{"id": "{id}", "signals": {}"#,
                compact(&format!("testdata/signals/{signals}.json"))
            );
            if let Some(kyc) = kyc {
                body.push_str(&format!(
                    r#", "kyc": {}"#,
                    compact(&format!("testdata/kyc/{kyc}.json"))
                ));
            }
            body.push('}');
            out.push((id, body.into_bytes()));
        }
    }
    out
}

/// Serve `config` in-process, post every application, stop; the answers by application id.
async fn log_traffic(config: Config, dir: &Path) -> BTreeMap<String, Value> {
    log_bodies(config, dir, applications()).await
}

/// Serve `config` in-process, post `bodies` (id, body), stop; the answers by id.
async fn log_bodies(
    mut config: Config,
    dir: &Path,
    bodies: Vec<(String, Vec<u8>)>,
) -> BTreeMap<String, Value> {
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.decision_log = Some(LogConfig::new(dir));
    let server = Server::start(config).await.unwrap();
    let url = format!("http://{}/v1/decisions", server.local_addr());
    let client = reqwest::Client::new();
    let mut answers = BTreeMap::new();
    for (id, body) in bodies {
        let response = client
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{id}");
        answers.insert(id, response.json::<Value>().await.unwrap());
    }
    server.shutdown().await;
    answers
}

fn starter_config() -> Config {
    Config::new(root().join(STARTER), "127.0.0.1:0".parse().unwrap())
}

fn replay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .current_dir(root())
        .arg("replay")
        .args(args)
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn the_only_segment(dir: &Path) -> PathBuf {
    let segments = underwrite_log::list_segments(dir).unwrap();
    assert_eq!(segments.len(), 1, "{segments:?}");
    segments.into_iter().next().unwrap()
}

fn matrix_total(matrix: &Value) -> u64 {
    ["approve", "review", "reject"]
        .iter()
        .flat_map(|row| {
            ["approve", "review", "reject", "failed"]
                .iter()
                .map(move |col| matrix[row][col].as_u64().unwrap())
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_policy_reproduces_every_logged_decision() {
    let dir = tempfile::tempdir().unwrap();
    let answers = log_traffic(starter_config(), dir.path()).await;
    let dir_arg = dir.path().to_str().unwrap();

    let out = replay(&[dir_arg, "--policy", STARTER, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json_of(&out);
    let n = answers.len() as u64;
    assert_eq!(report["records"], n);
    assert_eq!(report["same_sha"], n);
    assert_eq!(report["failed"], 0);
    assert_eq!(report["defects"], Value::Array(vec![]));
    assert_eq!(report["torn"], Value::Array(vec![]));
    assert_eq!(report["policy"]["name"], "starter");
    let matrix = &report["matrix"];
    assert_eq!(matrix_total(matrix), n);
    for outcome in ["approve", "review", "reject"] {
        let logged = answers
            .values()
            .filter(|a| a["decision"] == outcome)
            .count() as u64;
        assert_eq!(matrix[outcome][outcome], logged, "{outcome}");
    }

    let out = replay(&["--policy", STARTER, dir_arg]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("replayed {n} record(s) with starter")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{n} record(s) and 0 shadow decision(s) checked exactly: 0 defect(s)"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("0 record(s) changed outcome"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_the_policy_does_not_reproduce_is_a_defect() {
    let dir = tempfile::tempdir().unwrap();
    let answers = log_traffic(starter_config(), dir.path()).await;
    let segment = the_only_segment(dir.path());
    let clean = &answers["clean/joe-exact"];
    let risky = &answers["risky/none"];
    assert_eq!(
        (clean["decision"].as_str(), clean["score"].as_i64()),
        (Some("approve"), Some(835))
    );
    // Tamper with two lines: one score, one outcome.
    let tampered: Vec<String> = std::fs::read_to_string(&segment)
        .unwrap()
        .lines()
        .map(|line| {
            let mut record: Value = serde_json::from_str(line).unwrap();
            if record["decision_id"] == clean["decision_id"] {
                record["score"] = 836.into();
            }
            if record["decision_id"] == risky["decision_id"] {
                record["decision"] = "approve".into();
            }
            record.to_string()
        })
        .collect();
    let line_of = |id: &Value| {
        1 + tampered
            .iter()
            .position(|l| l.contains(id.as_str().unwrap()))
            .unwrap()
    };
    std::fs::write(&segment, tampered.join("\n") + "\n").unwrap();

    let out = replay(&["--policy", STARTER, segment.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let clean_line = format!(
        "defect: {} ({}:{}): score: logged 836, now 835",
        clean["decision_id"].as_str().unwrap(),
        segment.display(),
        line_of(&clean["decision_id"])
    );
    assert!(stdout.contains(&clean_line), "{clean_line}\n{stdout}");
    let risky_line = format!(
        "defect: {} ({}:{}): decision: logged approve, now reject",
        risky["decision_id"].as_str().unwrap(),
        segment.display(),
        line_of(&risky["decision_id"])
    );
    assert!(stdout.contains(&risky_line), "{risky_line}\n{stdout}");
    assert!(stdout.contains("2 defect(s)"), "{stdout}");

    let report = json_of(&replay(&[
        "--policy",
        STARTER,
        "--format",
        "json",
        segment.to_str().unwrap(),
    ]));
    let defects = report["defects"].as_array().unwrap();
    assert_eq!(defects.len(), 2, "{defects:?}");
    assert!(defects.iter().any(|d| d["field"] == "score"
        && d["logged"] == "836"
        && d["now"] == "835"
        && d["decision_id"] == clean["decision_id"]));
}

/// What `policy` decides for each application, through the library (independently of the log).
fn decided_by(policy: &str) -> BTreeMap<String, Option<String>> {
    let policy = Policy::load(&read(policy)).unwrap();
    let mut out = BTreeMap::new();
    for signals in SIGNALS {
        for kyc in KYC {
            let facts =
                kyc.map(|k| KycFacts::from_json(&read(&format!("testdata/kyc/{k}.json"))).unwrap());
            let decision = policy
                .decide_payload(
                    &read(&format!("testdata/signals/{signals}.json")),
                    facts.as_ref(),
                    DecideOptions { trace: false },
                )
                .ok()
                .map(|d| d.decision.as_str().to_owned());
            out.insert(format!("{signals}/{}", kyc.unwrap_or("none")), decision);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_policy_gives_the_swap_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let answers = log_traffic(starter_config(), dir.path()).await;
    let now = decided_by(OTHER);
    let mut expected: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (id, answer) in &answers {
        let logged = answer["decision"].as_str().unwrap().to_owned();
        let new = now[id].clone().unwrap_or_else(|| "failed".to_owned());
        *expected.entry((logged, new)).or_default() += 1;
    }
    assert!(
        expected.keys().any(|(a, b)| a != b),
        "the two policies must disagree somewhere for this test to mean anything"
    );

    let out = replay(&[
        dir.path().to_str().unwrap(),
        "--policy",
        OTHER,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json_of(&out);
    assert_eq!(report["same_sha"], 0);
    assert_eq!(report["defects"], Value::Array(vec![]));
    let matrix = &report["matrix"];
    for row in ["approve", "review", "reject"] {
        for col in ["approve", "review", "reject", "failed"] {
            let want = expected
                .get(&(row.to_owned(), col.to_owned()))
                .copied()
                .unwrap_or(0);
            assert_eq!(matrix[row][col], want, "{row} -> {col}");
        }
    }

    let out = replay(&[dir.path().to_str().unwrap(), "--policy", OTHER]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let swapped: u64 = expected
        .iter()
        .filter(|((a, b), _)| a != b)
        .map(|(_, n)| n)
        .sum();
    assert!(
        stdout.contains(&format!("{swapped} record(s) changed outcome")),
        "{stdout}"
    );
    let review = |col: &str| {
        expected
            .get(&("review".to_owned(), col.to_owned()))
            .copied()
            .unwrap_or(0)
    };
    let row = format!(
        "  review   {:>9} {:>9} {:>9} {:>9}",
        review("approve"),
        review("review"),
        review("reject"),
        review("failed")
    );
    assert!(stdout.contains(&row), "{row}\n{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenger_records_are_checked_against_their_own_policy() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = starter_config();
    config.challenger = Some(Challenger {
        policy: root().join(OTHER),
        mode: ChallengerMode::Split("50/50".parse().unwrap()),
    });
    let answers = log_traffic(config, dir.path()).await;
    let by_arm = |arm: &str| answers.values().filter(|a| a["arm"] == arm).count() as u64;
    let (champion, challenger) = (by_arm("champion"), by_arm("challenger"));
    assert!(champion > 0 && challenger > 0, "{champion} / {challenger}");
    let dir_arg = dir.path().to_str().unwrap();
    for (policy, checked) in [(STARTER, champion), (OTHER, challenger)] {
        let out = replay(&[dir_arg, "--policy", policy, "--format", "json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{policy}: {}",
            text(&out.stderr)
        );
        let report = json_of(&out);
        assert_eq!(report["records"], champion + challenger);
        assert_eq!(report["same_sha"], checked, "{policy}");
        assert_eq!(report["defects"], Value::Array(vec![]), "{policy}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadow_decisions_are_checked_against_the_challenger() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = starter_config();
    config.challenger = Some(Challenger {
        policy: root().join(OTHER),
        mode: ChallengerMode::Shadow,
    });
    let answers = log_traffic(config, dir.path()).await;
    let n = answers.len() as u64;
    let segment = the_only_segment(dir.path());
    let out = replay(&[
        segment.to_str().unwrap(),
        "--policy",
        OTHER,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json_of(&out);
    assert_eq!(report["same_sha"], 0);
    assert_eq!(report["shadow_same_sha"], n);
    assert_eq!(report["defects"], Value::Array(vec![]));

    // A shadow outcome that the challenger does not reproduce is a defect too.
    let original = std::fs::read_to_string(&segment).unwrap();
    let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
    let mut first: Value = serde_json::from_str(&lines[0]).unwrap();
    let shadow_score = first["shadow"]["score"].as_i64().expect("a shadow score");
    first["shadow"]["score"] = (shadow_score + 1).into();
    lines[0] = first.to_string();
    std::fs::write(&segment, lines.join("\n") + "\n").unwrap();
    let out = replay(&["--policy", OTHER, segment.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "shadow.score: logged {}, now {shadow_score}",
            shadow_score + 1
        )),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_last_line_is_a_warning_and_a_bad_line_is_exit_2_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let answers = log_traffic(starter_config(), dir.path()).await;
    let segment = the_only_segment(dir.path());
    let n = answers.len() as u64;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&segment)
        .unwrap();
    let cut: &[u8] = br#"{"v":1,"decision_id":"cut-sh"#;
    file.write_all(cut).unwrap();
    drop(file);

    let seg = segment.to_str().unwrap();
    let out = replay(&["--policy", STARTER, seg, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("warning: {seg}:{}: torn last line", n + 1)),
        "{stderr}"
    );
    let report = json_of(&out);
    assert_eq!(report["records"], n);
    assert_eq!(report["torn"][0]["line"], n + 1);
    assert_eq!(report["torn"][0]["bytes"], cut.len());

    // A bad line in the middle, and one of an unknown version.
    let body = std::fs::read_to_string(&segment).unwrap();
    let mut lines: Vec<String> = body.lines().map(str::to_owned).collect();
    lines.insert(2, "{\"v\":1,\"oops\"".to_owned());
    lines.insert(4, lines[0].replacen(r#""v":1"#, r#""v":7"#, 1));
    std::fs::write(&segment, lines.join("\n")).unwrap();
    let out = replay(&["--policy", STARTER, seg]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{seg}:3: not a decision log record")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{seg}:5: unknown log format version v=7")),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 line(s) of the log could not be read"),
        "{stderr}"
    );
    // The records around them were still replayed.
    assert!(text(&out.stdout).contains(&format!("replayed {n} record(s)")));
}

#[test]
fn a_missing_log_or_policy_is_bad_input() {
    let out = replay(&["--policy", STARTER, "no/such/log.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no/such/log.jsonl"));
    let out = replay(&["--policy", "no/such/policy.yaml", "testdata"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no/such/policy.yaml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_every_whitespace_form_and_hostile_shape_replay_exactly() {
    let file = |rel: &str| String::from_utf8(read(rel)).unwrap();
    // The README's curl: the pretty files as they are.
    let readme = format!(
        "{{\"id\": \"h-0\", \"signals\": {}, \"kyc\": {}}}",
        file("testdata/signals/clean.json"),
        file("testdata/kyc/joe-exact.json")
    );
    let forged = r#"{"v":1,"decision_id":"forged","time":"2026-11-26T09:30:00.000Z","policy":{"name":"starter","version":"1","hash":"aaaa"},"arm":"champion","input_sha256":"bb","signals":{"data":{}},"decision":"approve","score":900,"reasons":[],"latency_us":1}"#;
    let risky = compact("testdata/signals/risky.json");
    let bare: Value = serde_json::from_str(&compact("testdata/signals/clean.json")).unwrap();
    let mut meta_array = bare["data"].clone();
    meta_array["requestMeta"] = serde_json::json!(["+639171234567"]);
    let bodies = [
        readme.clone(),
        readme.replace('\n', "\r\n").replace("h-0", "h-1"),
        readme.replace("  ", "\t").replace("h-0", "h-2"),
        readme
            .replace("query success", "query\u{2028}success\u{2029}")
            .replace("h-0", "h-3"),
        format!(
            "{{\"id\": \"h-4\", \"signals\": {},\"x\":\n{forged}\n}}}}",
            risky.strip_suffix('}').unwrap()
        ),
        format!(r#"{{"id": "h-5", "signals": {meta_array}}}"#),
    ];
    let bodies: Vec<(String, Vec<u8>)> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| (format!("h-{i}"), body.into_bytes()))
        .collect();
    let n = bodies.len() as u64;
    let dir = tempfile::tempdir().unwrap();
    let answers = log_bodies(starter_config(), dir.path(), bodies).await;
    let segment = the_only_segment(dir.path());
    let log = std::fs::read_to_string(&segment).unwrap();
    assert_eq!(log.lines().count() as u64, n, "one line per decision");
    assert!(!log.contains("9171234567"));

    let out = replay(&[
        dir.path().to_str().unwrap(),
        "--policy",
        STARTER,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json_of(&out);
    assert_eq!(report["records"], n);
    assert_eq!(report["same_sha"], n);
    assert_eq!(report["failed"], 0);
    assert_eq!(report["defects"], Value::Array(vec![]));
    assert_eq!(report["bad_lines"], Value::Array(vec![]));
    assert_eq!(report["policy"]["hash"], answers["h-0"]["policy"]["hash"]);
    for outcome in ["approve", "review", "reject"] {
        let logged = answers
            .values()
            .filter(|a| a["decision"] == outcome)
            .count() as u64;
        assert_eq!(report["matrix"][outcome][outcome], logged, "{outcome}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_line_is_counted_and_only_the_first_hundred_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let answers = log_traffic(starter_config(), dir.path()).await;
    let segment = the_only_segment(dir.path());
    let mut log = std::fs::read_to_string(&segment).unwrap();
    let garbage = 250;
    for i in 0..garbage {
        log.push_str(&format!("garbage {i}\n"));
    }
    std::fs::write(&segment, log).unwrap();
    let seg = segment.to_str().unwrap();
    let out = replay(&[seg, "--policy", STARTER, "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let report = json_of(&out);
    assert_eq!(report["records"], answers.len() as u64);
    assert_eq!(report["bad_lines_total"], garbage);
    let kept = report["bad_lines"].as_array().unwrap();
    assert_eq!(kept.len(), 100);
    let first = answers.len() + 1;
    assert!(
        kept[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("{seg}:{first}: ")),
        "{}",
        kept[0]
    );
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.matches("not a decision log record").count(),
        100,
        "{stderr}"
    );
    assert!(stderr.contains("... and 150 more bad lines"), "{stderr}");
    assert!(
        stderr.contains("250 line(s) of the log could not be read"),
        "{stderr}"
    );
}
