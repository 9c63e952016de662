//! `GET /metrics` after real traffic: every count equals what the traffic should have counted,
//! worked out independently through the library (both policies deciding the same inputs).

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::{application, read, samples, starter_config, Running, Sample};
use serde_json::Value;
use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::{DecideOptions, Policy};
use underwrite_service::{Challenger, ChallengerMode};

/// The value of the sample `name` whose labels include all of `labels` (0 when there is none:
/// a series that never counted is absent).
fn value(all: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let matching: Vec<&Sample> = all
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert!(matching.len() <= 1, "{name} {labels:?}: {matching:?}");
    matching.first().map_or(0.0, |s| s.value)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn metrics_count_decisions_reasons_shadow_outcomes_errors_reloads_and_requests() {
    let (_dir, champion_path) = common::starter_copy();
    let challenger_path = common::repo().join("rules/behaviour-scorecard.yaml");
    let mut config = starter_config();
    config.policy = champion_path.clone();
    config.challenger = Some(Challenger {
        policy: challenger_path.clone(),
        mode: ChallengerMode::Shadow,
    });
    let svc = Running::start(config).await;

    let champion_bytes = read("rules/starter.yaml");
    let challenger_bytes = read("rules/behaviour-scorecard.yaml");
    let champion = Policy::load(&champion_bytes).expect("champion");
    let challenger = Policy::load(&challenger_bytes).expect("challenger");
    let (champion_sha, challenger_sha) =
        (sha256_hex(&champion_bytes), sha256_hex(&challenger_bytes));

    // What the traffic should count, decided through the library.
    let mut outcomes: BTreeMap<String, f64> = BTreeMap::new();
    let mut reasons: BTreeMap<String, f64> = BTreeMap::new();
    let mut swaps: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut expect = |signals: &str, kyc: Option<&str>| {
        let facts = kyc.map(|k| KycFacts::from_json(&read(k)).expect("kyc"));
        let payload = read(&format!("testdata/signals/{signals}.json"));
        let options = DecideOptions { trace: false };
        let ours = champion
            .decide_payload(&payload, facts.as_ref(), options)
            .expect("the champion decides");
        let theirs = challenger
            .decide_payload(&payload, facts.as_ref(), options)
            .map_or_else(|_| "error".to_string(), |d| d.decision.to_string());
        *outcomes.entry(ours.decision.to_string()).or_default() += 1.0;
        for reason in &ours.reasons {
            *reasons.entry(reason.code.clone()).or_default() += 1.0;
        }
        *swaps
            .entry((ours.decision.to_string(), theirs))
            .or_default() += 1.0;
    };

    let singles = [
        ("clean", Some("testdata/kyc/joe-exact.json")),
        ("clean", Some("testdata/kyc/joe-exact.json")),
        ("risky", None),
        ("thin-file", None),
        ("banded", Some("testdata/kyc/joe-no-match.json")),
        ("no-data", None),
        ("unavailable", None),
    ];
    for (signals, kyc) in singles {
        let body = application("m", &format!("testdata/signals/{signals}.json"), kyc);
        let response = svc.post_json("/v1/decisions", body).await;
        assert_eq!(response.status(), 200, "{signals}");
        expect(signals, kyc);
    }
    // A batch: two decided lines and one that is not an application.
    let line = |signals: &str| {
        String::from_utf8(application(
            "b",
            &format!("testdata/signals/{signals}.json"),
            None,
        ))
        .expect("utf-8")
    };
    let batch = format!("{}\nnot json\n{}\n", line("risky"), line("thin-file"));
    let response = svc
        .client
        .post(svc.url("/v1/decisions/batch"))
        .header("content-type", "application/x-ndjson")
        .body(batch)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    expect("risky", None);
    expect("thin-file", None);
    // Refusals: signals not ready (422), a wrong media type (415), no such route (404).
    let refused = svc
        .post_json(
            "/v1/decisions",
            r#"{"signals": {"data": {"status": "PROCESSING"}}}"#,
        )
        .await;
    assert_eq!(refused.status(), 422);
    let refused: Value = refused.json().await.expect("problem");
    let refused_kind = refused["type"]
        .as_str()
        .and_then(|t| t.strip_prefix("urn:underwrite:problem:"))
        .expect("kind")
        .to_string();
    let wrong_media = svc
        .client
        .post(svc.url("/v1/decisions"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("answered");
    assert_eq!(wrong_media.status(), 415);
    assert_eq!(svc.get("/nowhere").await.status(), 404);
    // A reload that goes live, and one that is refused.
    let reloader = svc.server.reloader();
    reloader.reload().await.expect("the same file reloads");
    std::fs::write(&champion_path, "name: [").expect("break the policy");
    reloader
        .reload()
        .await
        .expect_err("a broken file is refused");

    let response = svc.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = response.text().await.expect("text");
    let all = samples(&text);

    // Every sample belongs to a family with HELP and TYPE lines.
    for sample in &all {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| sample.name.strip_suffix(suffix))
            .filter(|base| text.contains(&format!("# TYPE {base} histogram")))
            .unwrap_or(&sample.name);
        assert!(
            text.contains(&format!("# HELP {family} "))
                && text.contains(&format!("# TYPE {family} ")),
            "{family}\n{text}"
        );
    }

    let decided: f64 = outcomes.values().sum();
    assert_eq!(decided, 9.0);
    for outcome in ["approve", "review", "reject"] {
        let expected = outcomes.get(outcome).copied().unwrap_or(0.0);
        let labels = [
            ("outcome", outcome),
            ("policy_sha256", champion_sha.as_str()),
            ("arm", "champion"),
        ];
        assert_eq!(
            value(&all, "underwrite_decisions_total", &labels),
            expected,
            "{outcome}\n{text}"
        );
    }
    assert!(
        outcomes.len() >= 2,
        "the traffic has several outcomes: {outcomes:?}"
    );
    for (code, expected) in &reasons {
        let labels = [
            ("reason", code.as_str()),
            ("policy_sha256", champion_sha.as_str()),
        ];
        assert_eq!(
            value(&all, "underwrite_decision_reasons_total", &labels),
            *expected,
            "{code}"
        );
    }
    let reason_series = all
        .iter()
        .filter(|s| s.name == "underwrite_decision_reasons_total")
        .count();
    assert_eq!(
        reason_series,
        reasons.len(),
        "no reason counted that was not given"
    );
    for ((ours, theirs), expected) in &swaps {
        let labels = [
            ("champion", ours.as_str()),
            ("challenger", theirs.as_str()),
            ("challenger_sha256", challenger_sha.as_str()),
        ];
        assert_eq!(
            value(&all, "underwrite_shadow_decisions_total", &labels),
            *expected,
            "{ours} × {theirs}"
        );
    }
    let shadowed: f64 = all
        .iter()
        .filter(|s| s.name == "underwrite_shadow_decisions_total")
        .map(|s| s.value)
        .sum();
    assert_eq!(shadowed, decided);
    assert_eq!(
        value(&all, "underwrite_decision_duration_seconds_count", &[]),
        decided
    );
    assert_eq!(
        value(
            &all,
            "underwrite_decision_duration_seconds_bucket",
            &[("le", "+Inf")]
        ),
        decided
    );
    for (sha, name, version) in [
        (
            champion_sha.as_str(),
            "starter",
            champion.id().version.as_str(),
        ),
        (challenger_sha.as_str(), "behaviour-scorecard", "1.0.0"),
    ] {
        let labels = [("policy_sha256", sha), ("name", name), ("version", version)];
        assert_eq!(
            value(&all, "underwrite_policy_info", &labels),
            1.0,
            "{name}"
        );
    }

    let errors = |kind: &str, status: &str| {
        value(
            &all,
            "underwrite_errors_total",
            &[("kind", kind), ("status", status)],
        )
    };
    assert_eq!(errors(&refused_kind, "422"), 1.0);
    assert_eq!(errors("unsupported-media-type", "415"), 1.0);
    assert_eq!(errors("malformed", "400"), 1.0, "the batch's bad line");

    let reloads = |result: &str| value(&all, "underwrite_reloads_total", &[("result", result)]);
    assert_eq!((reloads("replaced"), reloads("refused")), (1.0, 1.0));

    let requests = |route: &str, status: &str| {
        value(
            &all,
            "underwrite_http_requests_total",
            &[("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("/v1/decisions", "200"), 7.0);
    assert_eq!(requests("/v1/decisions", "422"), 1.0);
    assert_eq!(requests("/v1/decisions", "415"), 1.0);
    assert_eq!(requests("/v1/decisions/batch", "200"), 1.0);
    assert_eq!(requests("unmatched", "404"), 1.0);
    assert_eq!(
        value(
            &all,
            "underwrite_http_request_duration_seconds_count",
            &[("route", "/v1/decisions")]
        ),
        9.0
    );
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_fresh_service_shows_both_reload_results_at_zero_and_no_decisions() {
    let svc = Running::start(starter_config()).await;
    let text = svc.get("/metrics").await.text().await.expect("text");
    let all = samples(&text);
    for result in ["replaced", "refused"] {
        assert_eq!(
            all.iter()
                .find(|s| s.name == "underwrite_reloads_total"
                    && s.labels.get("result").map(String::as_str) == Some(result))
                .map(|s| s.value),
            Some(0.0),
            "{result}\n{text}"
        );
    }
    assert!(!all.iter().any(|s| s.name == "underwrite_decisions_total"));
    assert_eq!(
        all.iter()
            .find(|s| s.name == "underwrite_decision_duration_seconds_count")
            .map(|s| s.value),
        Some(0.0)
    );
    svc.server.shutdown().await;
}

#[tokio::test]
async fn the_request_duration_buckets_run_in_1_2_5_steps_up_to_10_s() {
    let svc = Running::start(starter_config()).await;
    assert_eq!(svc.get("/healthz").await.status(), 200);
    let text = svc.get("/metrics").await.text().await.expect("text");
    let bounds: Vec<String> = samples(&text)
        .into_iter()
        .filter(|s| {
            s.name == "underwrite_http_request_duration_seconds_bucket"
                && s.labels.get("route").map(String::as_str) == Some("/healthz")
        })
        .map(|s| s.labels["le"].clone())
        .collect();
    let parsed: Vec<f64> = bounds.iter().map(|b| b.parse().expect("le")).collect();
    let expected = [
        0.0001,
        0.00025,
        0.0005,
        0.001,
        0.0025,
        0.005,
        0.01,
        0.025,
        0.05,
        0.1,
        0.25,
        0.5,
        1.0,
        2.5,
        5.0,
        10.0,
        f64::INFINITY,
    ];
    assert_eq!(parsed, expected, "{bounds:?}");
    svc.server.shutdown().await;
}
