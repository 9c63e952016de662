//! `serve --split` and `compare --split` send every id to the same arm: the service (started
//! in-process, as `underwrite serve` starts it) answers 10,000 applications, each answer naming
//! its arm; `underwrite compare` with the same split and salt then routes the same lines, and
//! must put every one of them in the arm the service chose.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use underwrite_core::split::Split;
use underwrite_service::{Challenger, ChallengerMode, Config, Server};

/// Two small policies that decide the applications below differently (the arm is read from
/// each answer, so they need not; it shows the arms' policies really answered).
const CHAMPION: &str = r#"
name: split-champion
version: "1"
knockouts:
  - id: overdue
    when: events_overdue_day30 >= 1
    outcome: reject
    reason: { code: KO_OVERDUE, text: Overdue in the last 30 days }
"#;
const CHALLENGER: &str = r#"
name: split-challenger
version: "1"
knockouts:
  - id: overdue
    when: events_overdue_day30 >= 2
    outcome: review
    reason: { code: KO_OVERDUE, text: Overdue twice in the last 30 days }
"#;
/// Not ASCII, so the salt's UTF-8 bytes are what both sides hash.
const SALT: &str = "q3-été";

/// The two policies' files in `dir`: (champion, challenger).
fn policies(dir: &Path) -> (PathBuf, PathBuf) {
    let champion = dir.join("champion.yaml");
    let challenger = dir.join("challenger.yaml");
    std::fs::write(&champion, CHAMPION).unwrap();
    std::fs::write(&challenger, CHALLENGER).unwrap();
    (champion, challenger)
}

/// 10,000 applications, one line each, ids of every kind a client sends: plain strings, strings
/// written with escapes, strings beyond ASCII, integers and numbers with a fraction or exponent.
fn applications() -> Vec<String> {
    let signals = r#"{"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"events_overdue_day30": 2}}"#;
    (0..10_000u32)
        .map(|i| {
            let id = match i % 5 {
                0 => format!(r#""app-{i}""#),
                1 => format!(r#""app\u002d{i}\t""#),
                2 => format!(r#""déjà-{i}-日本""#),
                3 => format!("{}", 7_000_000 + i),
                _ => format!("-{i}.5e3"),
            };
            format!(r#"{{"id": {id}, "signals": {signals}}}"#)
        })
        .collect()
}

/// The arm the service answered each line with, in order: the batch route for all of them,
/// and `POST /v1/decisions` one at a time for every 50th, which must agree.
async fn served_arms(lines: &[String], dir: &Path) -> Vec<String> {
    let (champion, challenger) = policies(dir);
    let mut config = Config::new(champion, "127.0.0.1:0".parse().unwrap());
    let split = "50/50".parse::<Split>().unwrap().with_salt(SALT);
    config.challenger = Some(Challenger {
        policy: challenger,
        mode: ChallengerMode::Split(split),
    });
    let server = Server::start(config).await.unwrap();
    let base = format!("http://{}", server.local_addr());
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{base}/v1/decisions/batch"))
        .header("content-type", "application/x-ndjson")
        .body(lines.join("\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let arms: Vec<String> = text
        .lines()
        .map(|line| {
            let answer: Value = serde_json::from_str(line).unwrap();
            let decision = &answer["decision"];
            let (arm, outcome) = match decision["arm"].as_str() {
                Some("champion") => ("champion", "reject"),
                Some("challenger") => ("challenger", "review"),
                _ => panic!("no arm: {answer}"),
            };
            assert_eq!(decision["decision"], outcome, "{answer}");
            arm.to_string()
        })
        .collect();
    assert_eq!(arms.len(), lines.len());
    for (line, arm) in lines.iter().zip(&arms).step_by(50) {
        let answer: Value = client
            .post(format!("{base}/v1/decisions"))
            .header("content-type", "application/json")
            .body(line.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["arm"], arm.as_str(), "{line}");
    }
    server.shutdown().await;
    arms
}

/// `underwrite compare --split 50/50 --salt SALT --json` over `lines`: its split section.
fn compared_split(lines: &[&String], dir: &Path, name: &str) -> Value {
    let history = dir.join(name);
    let mut text = lines
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    std::fs::write(&history, text).unwrap();
    let (champion, challenger) = policies(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .arg("compare")
        .arg("--champion")
        .arg(champion)
        .arg("--challenger")
        .arg(challenger)
        .args(["--split", "50/50", "--salt", SALT, "--json"])
        .arg(&history)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["split"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_and_compare_put_the_same_10_000_ids_in_the_same_arms() {
    let lines = applications();
    let dir = tempfile::tempdir().unwrap();
    let arms = served_arms(&lines, dir.path()).await;
    for arm in ["champion", "challenger"] {
        // The lines the service sent to `arm`: compare must route every one of them there too.
        let mine: Vec<&String> = lines
            .iter()
            .zip(&arms)
            .filter(|(_, a)| *a == arm)
            .map(|(l, _)| l)
            .collect();
        // A fair 50/50 hash: 5,000 each, standard deviation 50.
        assert!(
            (4_700..=5_300).contains(&mine.len()),
            "{arm}: {}",
            mine.len()
        );
        let split = compared_split(&mine, dir.path(), &format!("{arm}.jsonl"));
        assert_eq!(split["salt"], SALT);
        assert_eq!(split["unroutable"], 0, "{split}");
        let other = if arm == "champion" {
            "challenger"
        } else {
            "champion"
        };
        assert_eq!(
            split[arm]["size"]["count"],
            mine.len(),
            "every line the service sent to the {arm}: {split}"
        );
        assert_eq!(split[other]["size"]["count"], 0, "{split}");
    }
}
