//! Differential: the observer (one parse and one KYC match shared by two policies) decides
//! every line exactly as `underwrite batch` does (`Application::decide`, one policy at a time).
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

use underwrite_analysis::{Failure, FailureKind, Observation, Observer};
use underwrite_core::application::{Application, ApplicationError};
use underwrite_core::policy::{DecideOptions, Policy};

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap()
}

fn lines() -> Vec<String> {
    let mut lines: Vec<String> = read("testdata/applications.jsonl")
        .lines()
        .map(str::to_string)
        .collect();
    let signals = [
        "clean",
        "thin-file",
        "risky",
        "banded",
        "alpha-sample",
        "beta-sample",
        "no-data",
        "unavailable",
        "processing",
    ];
    let kycs = [
        None,
        Some("joe-exact"),
        Some("joe-no-match"),
        Some("joe-invalid-id"),
        Some("result-partial-names-no-match"),
        Some("bad_dob"),
        Some("issuer_unavailable"),
    ];
    for (i, s) in signals.iter().enumerate() {
        for (j, k) in kycs.iter().enumerate() {
            let payload = read(&format!("testdata/signals/{s}.json"));
            let kyc = k.map_or(String::new(), |k| {
                format!(r#", "kyc": {}"#, read(&format!("testdata/kyc/{k}.json")))
            });
            lines.push(format!(r#"{{"id": "{i}-{j}", "signals": {payload}{kyc}}}"#));
        }
    }
    // Refusals both must make alike.
    lines.push(r#"{"signals": {"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"events_overdue_day30": -1}}}"#.to_string());
    lines.push(r#"{"signals": {}, "kyc": {"submitted": {}}}"#.to_string());
    lines.push(r#"{"id": [1], "signals": {}}"#.to_string());
    lines
}

/// What batch makes of a line with one policy: outcome, score, reason codes, or the failure.
fn batch(policy: &Policy, text: &str) -> Result<(String, Option<i64>, Vec<String>), Failure> {
    let app = Application::from_json(text).map_err(|e| {
        let kind = match e {
            ApplicationError::BadId => FailureKind::BadId,
            _ => FailureKind::NotAnApplication,
        };
        Failure::new(kind, e.to_string())
    })?;
    let d = app.decide(policy, DecideOptions { trace: false })?.decision;
    Ok((
        d.decision.to_string(),
        d.score,
        d.reasons.iter().map(|r| r.code.clone()).collect(),
    ))
}

#[test]
fn two_policies_observed_together_decide_as_batch_decides_each() {
    let starter = Policy::load(read("rules/starter.yaml").as_bytes()).unwrap();
    let other = Policy::load(read("rules/behaviour-scorecard.yaml").as_bytes()).unwrap();
    let observer = Observer::new(vec![&starter, &other]);
    let lines = lines();
    assert!(lines.len() > 60);
    let mut decided = 0;
    for text in &lines {
        let observed = observer.observe(text);
        for (side, policy) in [&starter, &other].iter().enumerate() {
            let expected = batch(policy, text);
            let got = match &observed {
                Observation::Unread(f) => Err(f.clone()),
                Observation::Read { results, .. } => results[side].clone().map(|seen| {
                    let d = seen.decision;
                    (
                        d.decision.to_string(),
                        d.score,
                        d.reasons.iter().map(|r| r.code.clone()).collect(),
                    )
                }),
            };
            match (&expected, &got) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b, "{text}");
                    decided += 1;
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.kind, b.kind, "{text}");
                    if a.kind != FailureKind::NotAnApplication {
                        assert_eq!(a.message, b.message, "{text}");
                    }
                }
                _ => panic!("{text}: batch {expected:?}, observer {got:?}"),
            }
        }
    }
    assert!(
        decided >= lines.len(),
        "most lines decide: {decided} of {}",
        2 * lines.len()
    );
}
