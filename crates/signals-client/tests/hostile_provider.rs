//! A provider (or a gateway in front of it) that repeats the credentials it was sent: in a
//! 401's message (`denied for Basic …`), in a failure's message, in `resultMessage`, in a
//! completed payload. Nothing the client hands out (the outcome, its `Display` and `Debug`, the
//! payload's bytes, the ids, its log events) may carry the key or the secret in any form.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use serde_json::json;
use underwrite_signals_client::{
    ClientConfig, Consent, Credentials, Fetch, FetchOutcome, Phone, SignalsClient, SignalsRequest,
    UnavailableCause,
};
use underwrite_signals_standin::{leak_forms, Script, Standin};

const KEY: &str = "standin-key";
/// Every character a form treats specially: `/`, `+` and `=` (base64), `:` (the pair), `%`
/// (a `%41` that percent-decodes to `A`), a space, non-ASCII.
const SECRET: &str = "s3cr3t/+=:%41 é-4711";

fn request() -> SignalsRequest {
    let consent = Consent::from_value(&json!({
        "consentedAt": "2024-08-08T16:06:00Z",
        "consentTemplateId": "ct-1"
    }))
    .unwrap();
    SignalsRequest::new(Phone::parse("+639171234568", None).unwrap(), consent, None).unwrap()
}

/// Every event the client logs, at every level, as text.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything a caller of the client can see of `fetched`, as text.
fn shown(fetched: &Fetch) -> String {
    let mut text = format!("{fetched:?}\n");
    match &fetched.outcome {
        FetchOutcome::Unavailable { cause, .. } => text.push_str(&cause.to_string()),
        FetchOutcome::Rejected(rejected) => text.push_str(&rejected.to_string()),
        _ => {}
    }
    if let Some(payload) = fetched.outcome.payload() {
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(payload.bytes()));
    }
    for id in [&fetched.signal_id, &fetched.request_id]
        .into_iter()
        .flatten()
    {
        text.push('\n');
        text.push_str(id);
    }
    text
}

/// The forms of (`key`, `secret`) that occur in `text`.
fn leaks(text: &str, key: &str, secret: &str) -> Vec<String> {
    leak_forms(key, secret)
        .into_iter()
        .filter(|form| text.contains(form.as_str()))
        .collect()
}

async fn fetch(script: Script, key: &str, secret: &str) -> Fetch {
    let standin = Standin::start(Script {
        key: KEY.into(),
        secret: SECRET.into(),
        echo_credentials: true,
        ..script
    })
    .await
    .unwrap();
    let mut config = ClientConfig::new(Credentials::new(key, secret));
    config.base_url = standin.base_url().parse().unwrap();
    config.deadlines.total = Duration::from_secs(3);
    config.retry.min_delay = Duration::from_millis(5);
    config.retry.max_delay = Duration::from_millis(10);
    config.poll.first_interval = Duration::from_millis(10);
    let fetched = SignalsClient::new(config).unwrap().fetch(&request()).await;
    // The stand-in did quote them: the outputs below could have carried them.
    assert!(!standin.requests().is_empty());
    standin.shutdown().await;
    fetched
}

#[tokio::test]
async fn no_output_of_the_client_carries_the_credentials_in_any_form() {
    let logs = Captured::default();
    let writer = logs.clone();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish(),
    );
    let wrong_secret = "wr0ng/s3cr3t+%2F 0815";
    let cases: Vec<(&str, Script, &str, &str)> = vec![
        (
            "401, our credentials",
            Script {
                reject_auth: true,
                ..Script::default()
            },
            KEY,
            SECRET,
        ),
        ("401, wrong secret", Script::default(), KEY, wrong_secret),
        (
            "503s",
            Script {
                fail_first: 100,
                ..Script::default()
            },
            KEY,
            SECRET,
        ),
        (
            "a gateway's 502",
            Script {
                fail_first: 1,
                fail_status: 502,
                ..Script::default()
            },
            KEY,
            SECRET,
        ),
        (
            "SYSTEM_ERROR",
            Script {
                result_code: Some("SYSTEM_ERROR".into()),
                ..Script::default()
            },
            KEY,
            SECRET,
        ),
        ("completed", Script::default(), KEY, SECRET),
        (
            "processing, then completed",
            Script {
                processing_first: 2,
                ..Script::default()
            },
            KEY,
            SECRET,
        ),
    ];
    for (case, script, key, secret) in cases {
        let fetched = fetch(script, key, secret).await;
        let text = shown(&fetched);
        let found = leaks(&text, key, secret);
        assert!(found.is_empty(), "{case}: {found:?} in {text}");
        // What the provider said is still shown, with the credentials marked as taken out.
        match &fetched.outcome {
            FetchOutcome::Rejected(rejected) => {
                assert_eq!(rejected.status, 401, "{case}");
                assert!(
                    rejected.message.starts_with("denied for Basic [redacted]"),
                    "{case}: {rejected}"
                );
            }
            FetchOutcome::Unavailable { cause, payload } => {
                assert!(cause.to_string().contains("[redacted]"), "{case}: {cause}");
                if let UnavailableCause::Provider { .. } = cause {
                    // The payload still reads as the provider's SYSTEM_ERROR.
                    assert!(payload.is_some(), "{case}");
                }
            }
            FetchOutcome::Completed(payload) => {
                let payload: serde_json::Value = serde_json::from_slice(payload.bytes()).unwrap();
                let message = payload["data"]["resultMessage"].as_str().unwrap();
                assert!(message.contains("user [redacted]"), "{case}: {message}");
                assert!(fetched.signal_id.is_some(), "{case}");
            }
            FetchOutcome::NoData(_) => panic!("{case}: {fetched:?}"),
        }
    }
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(!logged.is_empty(), "the client's events were captured");
    for secret in [SECRET, wrong_secret] {
        let found = leaks(&logged, KEY, secret);
        assert!(found.is_empty(), "{found:?} in the log: {logged}");
    }
}
