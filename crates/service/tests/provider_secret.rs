//! `POST /v1/applications` against a provider that repeats the credentials it was sent, in a
//! 401's message (`denied for Basic …`), a failure's message or a `resultMessage`: neither the
//! answer (`signals.cause`), nor the service's events, nor any file of the decision log holds
//! the key or the secret in any form.
//!
//! One test in its own binary: the events are captured by a global subscriber.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{starter_config, Running};
use serde_json::{json, Value};
use underwrite_service::{LogConfig, SignalsConfig};
use underwrite_signals_client::{ClientConfig, Credentials};
use underwrite_signals_standin::{leak_forms, Script, Standin};

const KEY: &str = "standin-key";
/// Every character a form treats specially: `/`, `+`, `=`, `:`, `%`, a space, non-ASCII.
const SECRET: &str = "s3cr3t/+=:%41 é-4711";

/// Everything the service logs, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The forms of the credentials found in `text`.
fn leaks(text: &str) -> Vec<String> {
    leak_forms(KEY, SECRET)
        .into_iter()
        .filter(|form| text.contains(form.as_str()))
        .collect()
}

/// Every file under `dir`, as text.
fn files_text(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text.push_str(&files_text(&path));
        } else {
            text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_repeating_the_credentials_gets_them_into_no_answer_event_or_log_file() {
    let events = Captured::default();
    let writer = events.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .init();
    let log_dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "401",
            Script {
                reject_auth: true,
                ..Script::default()
            },
            "rejected",
        ),
        (
            "503s",
            Script {
                fail_first: 100,
                ..Script::default()
            },
            "unavailable",
        ),
        (
            "SYSTEM_ERROR",
            Script {
                result_code: Some("SYSTEM_ERROR".into()),
                ..Script::default()
            },
            "unavailable",
        ),
        ("completed", Script::default(), "completed"),
    ];
    let mut answers = String::new();
    for (i, (case, script, outcome)) in cases.into_iter().enumerate() {
        let standin = Standin::start(Script {
            key: KEY.into(),
            secret: SECRET.into(),
            echo_credentials: true,
            ..script
        })
        .await
        .unwrap();
        let mut client = ClientConfig::new(Credentials::new(KEY, SECRET));
        client.base_url = standin.base_url().parse().unwrap();
        client.deadlines.total = Duration::from_secs(2);
        client.retry.min_delay = Duration::from_millis(10);
        client.retry.max_delay = Duration::from_millis(20);
        let mut signals = SignalsConfig::new(client);
        signals.default_country = Some("PH".parse().unwrap());
        let mut config = starter_config();
        config.signals = Some(signals);
        config.decision_log = Some(LogConfig::new(log_dir.path().join(i.to_string())));
        let svc = Running::start(config).await;
        let body = json!({
            "id": format!("secret-{i}"),
            "phone": "+639171234564",
            "consent": {"consentedAt": "2024-08-08T16:06:00Z", "consentTemplateId": "ct-1"},
        });
        let response = svc
            .post_json("/v1/applications?trace=true", body.to_string())
            .await;
        assert_eq!(response.status(), 200, "{case}");
        let answer = response.text().await.unwrap();
        let value: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(value["signals"]["outcome"], outcome, "{case}: {answer}");
        if outcome != "completed" {
            // The provider's words are in the cause, the credentials taken out.
            let cause = value["signals"]["cause"].as_str().unwrap();
            assert!(cause.contains("[redacted]"), "{case}: {cause}");
            assert_ne!(value["decision"], "approve", "{case}");
        }
        answers.push_str(&answer);
        svc.server.shutdown().await;
        standin.shutdown().await;
    }
    let logged = files_text(log_dir.path());
    for i in 0..4 {
        assert!(
            logged.contains(&format!("secret-{i}")),
            "decision {i} was logged"
        );
    }
    // The payload with the echoed resultMessage was logged, redacted.
    assert!(
        logged.contains("query success: user [redacted]"),
        "{logged}"
    );
    let events = String::from_utf8_lossy(&events.0.lock().unwrap()).into_owned();
    assert!(
        events.contains("[redacted]"),
        "the fallback's events were captured"
    );
    for (what, text) in [("answers", answers), ("events", events), ("log", logged)] {
        let found = leaks(&text);
        assert!(found.is_empty(), "{what}: {found:?} in {text}");
    }
}
