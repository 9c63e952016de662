//! `POST /v1/applications` against the provider stand-in on a loopback port: the decision on
//! the signals it serves, the fallback whenever it fails, refusals before any billed call, the
//! log line and the metrics.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{application, read, repo, starter_config, Running};
use serde_json::{json, Value};
use underwrite_core::policy::Policy;
use underwrite_log::read::{read as read_log, Entry, LineAt};
use underwrite_log::replay::Replay;
use underwrite_service::{Config, LogConfig, SignalsConfig};
use underwrite_signals_client::{ClientConfig, Credentials};
use underwrite_signals_standin::{Script, Standin};

/// The stand-in serves `clean.json` for a phone ending in 4, `risky.json` for one ending in 1.
const CLEAN_PHONE: &str = "+639171234564";
const RISKY_PHONE: &str = "+639171234561";

fn signals_config(base_url: &str, deadline: Duration) -> SignalsConfig {
    let script = Script::default();
    let mut client = ClientConfig::new(Credentials::new(script.key, script.secret));
    client.base_url = base_url.parse().unwrap();
    client.deadlines.total = deadline;
    client.retry.min_delay = Duration::from_millis(10);
    client.retry.max_delay = Duration::from_millis(20);
    client.poll.first_interval = Duration::from_millis(20);
    let mut config = SignalsConfig::new(client);
    config.default_country = Some("PH".parse().unwrap());
    config
}

fn config_for(standin: &Standin) -> Config {
    let mut config = starter_config();
    config.signals = Some(signals_config(&standin.base_url(), Duration::from_secs(5)));
    config
}

fn body(id: &str, phone: &str, kyc: Option<&str>) -> Vec<u8> {
    let mut body = json!({
        "id": id,
        "phone": phone,
        "consent": {"consentedAt": "2024-08-08T16:06:00Z", "consentTemplateId": "ct-1"},
    });
    if let Some(kyc) = kyc {
        body["kyc"] = serde_json::from_slice(&read(kyc)).unwrap();
    }
    serde_json::to_vec(&body).unwrap()
}

async fn apply(svc: &Running, body: Vec<u8>) -> (u16, Value) {
    let response = svc.post_json("/v1/applications", body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn decide_payload(svc: &Running, signals: &str, kyc: Option<&str>) -> Value {
    let response = svc
        .post_json("/v1/decisions", application("same", signals, kyc))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_application_is_decided_on_the_signals_the_provider_sent() {
    let standin = Standin::start(Script::default()).await.unwrap();
    let svc = Running::start(config_for(&standin)).await;
    for (phone, sample) in [(CLEAN_PHONE, "clean"), (RISKY_PHONE, "risky")] {
        let kyc = Some("testdata/kyc/joe-exact.json");
        let (status, answer) = apply(&svc, body("a-1", phone, kyc)).await;
        assert_eq!(status, 200, "{answer}");
        // The same decision `POST /v1/decisions` makes on the sample the stand-in served.
        let direct = decide_payload(&svc, &format!("testdata/signals/{sample}.json"), kyc).await;
        for field in ["decision", "score", "reasons", "policy", "signals_status"] {
            assert_eq!(answer[field], direct[field], "{sample}: {field}");
        }
        assert_eq!(answer["id"], "a-1");
        let signals = &answer["signals"];
        assert_eq!(signals["outcome"], "completed");
        assert_eq!(signals["synthesized"], false);
        assert_eq!(
            (signals["posts"].as_u64(), signals["polls"].as_u64()),
            (Some(1), Some(0))
        );
        assert!(
            signals["signal_id"]
                .as_str()
                .unwrap()
                .starts_with("signal-"),
            "{signals}"
        );
    }
    // The phone went out in E.164, with the consent as given.
    let sent: Value = serde_json::from_slice(&standin.requests()[0].body).unwrap();
    assert_eq!(sent["phone"], CLEAN_PHONE);
    assert_eq!(sent["consent"]["consentTemplateId"], "ct-1");
    // National numbers use the service's default country.
    let (status, _) = apply(&svc, body("a-2", "0917 123 4564", None)).await;
    assert_eq!(status, 200);
    let sent: Value = serde_json::from_slice(&standin.requests()[2].body).unwrap();
    assert_eq!(sent["phone"], CLEAN_PHONE);
    standin.shutdown().await;
}

#[tokio::test]
async fn every_provider_failure_ends_in_the_fallback_decision_never_an_approve() {
    // The baseline: with the provider up, this applicant is approved.
    let kyc = Some("testdata/kyc/joe-exact.json");
    let standin = Standin::start(Script::default()).await.unwrap();
    let svc = Running::start(config_for(&standin)).await;
    let (_, answer) = apply(&svc, body("base", CLEAN_PHONE, kyc)).await;
    assert_eq!(answer["decision"], "approve", "{answer}");
    standin.shutdown().await;

    // A loopback port bound but not listening, held for the test: connections are refused and
    // no other test's server can take it meanwhile.
    let refusing = tokio::net::TcpSocket::new_v4().unwrap();
    refusing.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed = format!("http://{}/v1", refusing.local_addr().unwrap());
    let cases: Vec<(&str, Option<Script>, &str, &str)> = vec![
        ("unreachable", None, "unavailable", "connect"),
        (
            "slow",
            Some(Script {
                delay: Duration::from_secs(3),
                ..Script::default()
            }),
            "unavailable",
            "deadline",
        ),
        (
            "503",
            Some(Script {
                fail_first: 100,
                ..Script::default()
            }),
            "unavailable",
            "status",
        ),
        (
            "system error",
            Some(Script {
                result_code: Some("SYSTEM_ERROR".into()),
                ..Script::default()
            }),
            "unavailable",
            "provider",
        ),
        (
            "processing",
            Some(Script {
                processing_first: 100_000,
                ..Script::default()
            }),
            "unavailable",
            "deadline",
        ),
        (
            "lost answer",
            Some(Script {
                drop_first: 1,
                ..Script::default()
            }),
            "unavailable",
            "no_answer",
        ),
        (
            "malformed",
            Some(Script {
                malformed: true,
                ..Script::default()
            }),
            "unavailable",
            "bad_answer",
        ),
        (
            "html",
            Some(Script {
                content_type: Some("text/html".into()),
                ..Script::default()
            }),
            "unavailable",
            "bad_answer",
        ),
        (
            "auth",
            Some(Script {
                reject_auth: true,
                ..Script::default()
            }),
            "rejected",
            "rejected_auth",
        ),
        (
            "gateway",
            Some(Script {
                fail_first: 1,
                fail_status: 504,
                ..Script::default()
            }),
            "unavailable",
            "bad_answer",
        ),
    ];
    for (name, script, outcome, cause_kind) in cases {
        let standin = match script {
            Some(script) => Some(Standin::start(script).await.unwrap()),
            None => None,
        };
        let base = standin.as_ref().map_or(closed.clone(), Standin::base_url);
        let mut config = starter_config();
        config.signals = Some(signals_config(&base, Duration::from_millis(600)));
        let svc = Running::start(config).await;
        let started = std::time::Instant::now();
        let (status, answer) = apply(&svc, body("f-1", CLEAN_PHONE, kyc)).await;
        // The deadline bounds the fetch; the rest is a decision (on a loaded machine).
        assert!(
            started.elapsed() < Duration::from_millis(600 + 1400),
            "{name}: {:?}",
            started.elapsed()
        );
        assert_eq!(status, 200, "{name}: {answer}");
        assert_eq!(answer["decision"], "review", "{name}: {answer}");
        assert!(
            answer["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["code"] == "SIGNALS_UNAVAILABLE"),
            "{name}: {answer}"
        );
        let signals = &answer["signals"];
        assert_eq!(signals["outcome"], outcome, "{name}: {signals}");
        assert_eq!(signals["cause_kind"], cause_kind, "{name}: {signals}");
        assert!(!signals["cause"].as_str().unwrap().is_empty(), "{name}");
        // Only a provider's own SYSTEM_ERROR payload is decided as sent.
        assert_eq!(
            signals["synthesized"],
            name != "system error",
            "{name}: {signals}"
        );
        let status_code = if name == "system error" {
            "SYSTEM_ERROR"
        } else {
            "SERVICE_UNAVAILABLE"
        };
        assert_eq!(answer["signals_status"], status_code, "{name}");
        if let Some(standin) = standin {
            standin.shutdown().await;
        }
    }
}

#[tokio::test]
async fn bad_requests_are_refused_before_the_provider_is_called() {
    let standin = Standin::start(Script::default()).await.unwrap();
    let svc = Running::start(config_for(&standin)).await;
    let good: Value = serde_json::from_slice(&body("a-1", CLEAN_PHONE, None)).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = good.clone();
        f(&mut b);
        serde_json::to_vec(&b).unwrap()
    };
    let cases: Vec<(Vec<u8>, u16, Option<&str>)> = vec![
        (
            with(&|b| b["phone"] = json!("0917-CALL-NOW")),
            422,
            Some("phone"),
        ),
        (with(&|b| b["phone"] = json!("+63 12")), 422, Some("phone")),
        (with(&|b| b["country"] = json!("XX")), 422, Some("country")),
        (
            with(&|b| b["consent"] = json!({"consentTemplateId": "ct-1"})),
            422,
            Some("consent.consentedAt"),
        ),
        (
            with(&|b| {
                b["consent"] =
                    json!({"consentedAt": "2024-08-08T16:06:00+08:00", "consentTemplateId": "ct"})
            }),
            422,
            Some("consent.consentedAt"),
        ),
        (
            with(&|b| b["consent"] = json!({"consentedAt": "2024-08-08T16:06:00Z", "type": "T&C"})),
            422,
            Some("consent.version"),
        ),
        (
            with(&|b| b["template_id"] = json!(" ")),
            422,
            Some("template_id"),
        ),
        (with(&|b| b["id"] = json!([1])), 422, Some("id")),
        (
            with(&|b| {
                b["kyc"] = serde_json::from_slice(&read("testdata/kyc/bad_dob.json")).unwrap()
            }),
            422,
            None,
        ),
        (with(&|b| b["phon"] = json!("x")), 400, None),
        (b"not json".to_vec(), 400, None),
    ];
    for (request, status, at) in cases {
        let text = String::from_utf8_lossy(&request).into_owned();
        let (got, problem) = apply(&svc, request).await;
        assert_eq!(got, status, "{text}: {problem}");
        if let Some(at) = at {
            assert_eq!(problem["at"], at, "{text}: {problem}");
        }
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    assert!(
        standin.requests().is_empty(),
        "no request may reach the provider"
    );
    standin.shutdown().await;
}

#[tokio::test]
async fn without_a_provider_the_route_answers_501() {
    let svc = Running::start(starter_config()).await;
    let (status, problem) = apply(&svc, body("a-1", CLEAN_PHONE, None)).await;
    assert_eq!(status, 501);
    assert_eq!(
        problem["type"],
        "urn:underwrite:problem:signals-not-configured"
    );
}

fn logged(dir: &Path, standin: &Standin) -> Config {
    let mut config = config_for(standin);
    config.decision_log = Some(LogConfig::new(dir));
    config
}

#[tokio::test]
async fn the_log_line_keeps_the_fetch_and_the_payload_and_replays_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let standin = Standin::start(Script::default()).await.unwrap();
    let svc = Running::start(logged(dir.path(), &standin)).await;
    let (_, decided) = apply(
        &svc,
        body("l-1", RISKY_PHONE, Some("testdata/kyc/joe-exact.json")),
    )
    .await;
    standin.shutdown().await;
    // The provider is gone now: the fallback, logged with its cause.
    let (_, fallback) = apply(&svc, body("l-2", CLEAN_PHONE, None)).await;
    assert_eq!(fallback["signals"]["synthesized"], true);
    svc.server.shutdown().await;

    let records: Vec<_> = read_log(&[dir.path().to_path_buf()])
        .unwrap()
        .map(|e| match e.unwrap() {
            Entry::Record { record, .. } => *record,
            Entry::Torn { at, .. } => panic!("torn at {at}"),
        })
        .collect();
    assert_eq!(records.len(), 2);
    let fetch = records[0].signals_fetch.as_ref().unwrap();
    assert_eq!(
        Some(fetch.signal_id.as_deref().unwrap()),
        decided["signals"]["signal_id"].as_str()
    );
    assert_eq!(
        records[0].decision_id,
        decided["decision_id"].as_str().unwrap()
    );
    // The provider's payload, its phone echo removed (the default masking).
    let logged: Value = serde_json::from_str(records[0].signals.get()).unwrap();
    assert!(logged["data"]["items"].is_array(), "{logged}");
    assert!(
        logged["data"]["requestMeta"].get("phone").is_none(),
        "{logged}"
    );
    assert!(!records[0].signals.get().contains(RISKY_PHONE));
    let fetch = records[1].signals_fetch.as_ref().unwrap();
    assert_eq!(serde_json::to_value(fetch.cause_kind).unwrap(), "connect");
    // Both decide again to what was answered.
    let policy = Policy::load(&read("rules/starter.yaml")).unwrap();
    let mut replay = Replay::new(&policy);
    for (i, record) in records.iter().enumerate() {
        let at = LineAt {
            file: repo().join("log"),
            line: i as u64 + 1,
            offset: 0,
        };
        replay.add(&at, record);
    }
    let report = replay.finish();
    assert_eq!(
        (report.same_sha, report.failed),
        (2, 0),
        "{:?}",
        report.defects
    );
    assert!(report.defects.is_empty(), "{:?}", report.defects);
}

#[tokio::test]
async fn metrics_count_fetches_by_outcome_and_the_posts_sent() {
    let standin = Standin::start(Script {
        fail_first: 1,
        ..Script::default()
    })
    .await
    .unwrap();
    let svc = Running::start(config_for(&standin)).await;
    let (status, _) = apply(&svc, body("m-1", CLEAN_PHONE, None)).await;
    assert_eq!(status, 200);
    let text = svc.get("/metrics").await.text().await.unwrap();
    let samples = common::samples(&text);
    let value = |name: &str, labels: &[(&str, &str)]| {
        samples
            .iter()
            .find(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
    };
    assert_eq!(
        value(
            "underwrite_signals_fetches_total",
            &[("outcome", "completed"), ("cause", "none")]
        ),
        Some(1.0)
    );
    assert_eq!(value("underwrite_signals_posts_total", &[]), Some(2.0));
    assert_eq!(
        value("underwrite_signals_fetch_duration_seconds_count", &[]),
        Some(1.0)
    );
    standin.shutdown().await;
}

#[tokio::test]
async fn a_slow_provider_holds_at_most_max_in_flight_requests_and_decisions_go_on() {
    let standin = Standin::start(Script {
        delay: Duration::from_millis(600),
        ..Script::default()
    })
    .await
    .unwrap();
    let mut config = config_for(&standin);
    if let Some(signals) = config.signals.as_mut() {
        signals.max_in_flight = 1;
    }
    let svc = Running::start(config).await;
    let waiting = apply(&svc, body("slow-1", CLEAN_PHONE, None));
    let (first, ((second, problem), direct)) = tokio::join!(waiting, async {
        // Once the first is waiting on the provider (its POST arrived), a second is refused.
        while standin.posts() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let refused = apply(&svc, body("slow-2", CLEAN_PHONE, None)).await;
        let direct = decide_payload(&svc, "testdata/signals/clean.json", None).await;
        (refused, direct)
    });
    assert_eq!(first.0, 200, "{}", first.1);
    assert_eq!(second, 503, "{problem}");
    assert_eq!(problem["type"], "urn:underwrite:problem:signals-busy");
    // A decision with the payload given does not wait on the provider.
    assert!(direct["decision"].is_string());
    assert_eq!(standin.posts(), 1);
    standin.shutdown().await;
}

#[tokio::test]
async fn a_caller_that_goes_away_mid_fetch_still_gets_its_decision_logged() {
    let dir = tempfile::tempdir().unwrap();
    let standin = Standin::start(Script {
        delay: Duration::from_millis(400),
        ..Script::default()
    })
    .await
    .unwrap();
    let svc = Running::start(logged(dir.path(), &standin)).await;
    let gone = svc
        .client
        .post(svc.url("/v1/applications"))
        .header("content-type", "application/json")
        .body(body("gone-1", CLEAN_PHONE, None))
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(
        gone.is_err(),
        "the caller gave up before the provider answered"
    );
    assert_eq!(standin.posts(), 1);
    // The POST reached the provider (and may be billed): its decision is made and logged anyway.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let records = loop {
        let records: Vec<_> = read_log(&[dir.path().to_path_buf()])
            .unwrap()
            .filter_map(|e| match e {
                Ok(Entry::Record { record, .. }) => Some(*record),
                _ => None,
            })
            .collect();
        if !records.is_empty() || std::time::Instant::now() > deadline {
            break records;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].id.as_ref().unwrap().get(), "\"gone-1\"");
    assert!(records[0].signals_fetch.is_some());
    standin.shutdown().await;
}
