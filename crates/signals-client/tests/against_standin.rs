//! The client against the provider stand-in on a loopback port: what goes over the wire, how
//! often, when, and how each misbehaviour ends.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use underwrite_signals_client::{
    Api, ClientConfig, Consent, Credentials, Fetch, FetchOutcome, Phone, SignalsClient,
    SignalsRequest, UnavailableCause,
};
use underwrite_signals_standin::{Script, Standin};

const SECRET: &str = "standin-secret";

fn config(standin: &Standin) -> ClientConfig {
    let script = Script::default();
    let mut config = ClientConfig::new(Credentials::new(script.key, script.secret));
    config.base_url = standin.base_url().parse().unwrap();
    config.deadlines.total = Duration::from_secs(5);
    config
}

fn request(phone: &str) -> SignalsRequest {
    let consent = Consent::from_value(&json!({
        "type": "[Motor Loans] Terms & Conditions",
        "version": 3,
        "consentedWith": "I agree to ABC Company's Terms & Conditions",
        "consentedAt": "2024-08-08T16:06:00Z"
    }))
    .unwrap();
    SignalsRequest::new(Phone::parse(phone, None).unwrap(), consent, None).unwrap()
}

async fn fetch_with(script: Script, adjust: impl FnOnce(&mut ClientConfig)) -> (Fetch, Standin) {
    let standin = Standin::start(script).await.unwrap();
    let mut config = config(&standin);
    adjust(&mut config);
    let client = SignalsClient::new(config).unwrap();
    let fetched = client.fetch(&request("+639171234568")).await;
    (fetched, standin)
}

fn posts(standin: &Standin) -> Vec<underwrite_signals_standin::Recorded> {
    standin
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

/// A loopback port bound but not listening, held for the test: connecting to it is refused,
/// and no other test's server can take it meanwhile.
fn refusing_port() -> (tokio::net::TcpSocket, std::net::SocketAddr) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    (socket, addr)
}

/// Why the fetch found the signals unavailable; any other outcome fails the test.
fn unavailable(fetched: &Fetch) -> &UnavailableCause {
    match &fetched.outcome {
        FetchOutcome::Unavailable { cause, .. } => cause,
        _ => panic!("not unavailable: {fetched:?}"),
    }
}

fn millis(d: Duration) -> u128 {
    d.as_millis()
}

#[tokio::test]
async fn a_completed_fetch_sends_exact_basic_auth_and_returns_the_bytes_served() {
    let (fetched, standin) = fetch_with(Script::default(), |_| {}).await;
    let FetchOutcome::Completed(payload) = &fetched.outcome else {
        panic!("{fetched:?}")
    };
    let requests = standin.requests();
    assert_eq!(requests.len(), 1);
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("standin-key:{SECRET}"))
    );
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some(expected.as_str())
    );
    assert_eq!(requests[0].path, "/v1/beta/signals");
    assert_eq!(
        requests[0].content_type.as_deref(),
        Some("application/json")
    );
    let sent: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(sent["phone"], "+639171234568");
    assert_eq!(sent["consent"]["version"], 3);
    // The payload is the provider's JSON as served: its id and phone echo are there.
    let served: Value = serde_json::from_str(payload.as_str()).unwrap();
    assert_eq!(served["data"]["requestMeta"]["phone"], "+639171234568");
    assert_eq!(fetched.signal_id.as_deref(), served["data"]["id"].as_str());
    assert_eq!(fetched.request_id.as_deref(), served["requestId"].as_str());
    assert_eq!((fetched.posts, fetched.polls), (1, 0));
    standin.shutdown().await;
}

#[tokio::test]
async fn the_alpha_paths_and_shape_work_too() {
    let (fetched, standin) = fetch_with(Script::default(), |c| c.api = Api::Alpha).await;
    let FetchOutcome::Completed(payload) = &fetched.outcome else {
        panic!("{fetched:?}")
    };
    let served: Value = serde_json::from_str(payload.as_str()).unwrap();
    assert!(served["data"]["result"].is_object(), "{served}");
    assert_eq!(standin.requests()[0].path, "/v1/alpha/signals");
    standin.shutdown().await;
}

#[tokio::test]
async fn the_default_template_is_sent_when_the_request_names_none() {
    let (_, standin) = fetch_with(Script::default(), |c| {
        c.default_template = Some("tpl-default".into())
    })
    .await;
    let sent: Value = serde_json::from_slice(&standin.requests()[0].body).unwrap();
    assert_eq!(sent["templateId"], "tpl-default");
    standin.shutdown().await;
}

#[tokio::test]
async fn a_503_is_retried_with_exponential_backoff_and_jitter() {
    let script = Script {
        fail_first: 2,
        ..Script::default()
    };
    let (fetched, standin) = fetch_with(script, |_| {}).await;
    assert!(
        matches!(fetched.outcome, FetchOutcome::Completed(_)),
        "{fetched:?}"
    );
    let posts = posts(&standin);
    assert_eq!((fetched.posts, posts.len()), (3, 3));
    // min_delay 100 ms: the first wait is in [100, 200) ms, the second in [200, 400) ms (the
    // unit test of `backoff` checks the exact ranges); the upper bounds here leave room for a
    // loaded machine.
    let first = millis(posts[1].at - posts[0].at);
    let second = millis(posts[2].at - posts[1].at);
    assert!((100..800).contains(&first), "first backoff {first} ms");
    assert!((200..1000).contains(&second), "second backoff {second} ms");
    standin.shutdown().await;
}

#[tokio::test]
async fn retries_stop_at_max_posts_and_name_the_last_status() {
    let script = Script {
        fail_first: 100,
        fail_status: 500,
        ..Script::default()
    };
    let (fetched, standin) = fetch_with(script, |c| {
        c.retry.min_delay = Duration::from_millis(10);
        c.retry.max_delay = Duration::from_millis(20);
    })
    .await;
    let FetchOutcome::Unavailable { cause, payload } = &fetched.outcome else {
        panic!("{fetched:?}")
    };
    assert!(
        matches!(cause, UnavailableCause::Status { status: 500, .. }),
        "{cause}"
    );
    assert!(payload.is_none());
    assert_eq!(posts(&standin).len(), 3);
    standin.shutdown().await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let script = Script {
        fail_first: 1,
        fail_status: 429,
        retry_after: Some(1),
        ..Script::default()
    };
    let (fetched, standin) = fetch_with(script, |_| {}).await;
    assert!(
        matches!(fetched.outcome, FetchOutcome::Completed(_)),
        "{fetched:?}"
    );
    let posts = posts(&standin);
    let gap = millis(posts[1].at - posts[0].at);
    assert!((1000..2000).contains(&gap), "waited {gap} ms, asked 1 s");
    standin.shutdown().await;
}

#[tokio::test]
async fn system_error_is_retried_then_unavailable_with_the_provider_payload() {
    let script = Script {
        result_code: Some("SYSTEM_ERROR".into()),
        ..Script::default()
    };
    let (fetched, standin) = fetch_with(script, |c| {
        c.retry.min_delay = Duration::from_millis(10);
        c.retry.max_delay = Duration::from_millis(20);
    })
    .await;
    let FetchOutcome::Unavailable { cause, payload } = &fetched.outcome else {
        panic!("{fetched:?}")
    };
    assert_eq!(cause.kind(), "provider");
    assert!(payload.as_ref().unwrap().as_str().contains("SYSTEM_ERROR"));
    assert_eq!(posts(&standin).len(), 3);
    standin.shutdown().await;
}

#[tokio::test]
async fn no_data_is_an_outcome_not_a_failure() {
    let script = Script {
        result_code: Some("NO_DATA".into()),
        ..Script::default()
    };
    let (fetched, standin) = fetch_with(script, |_| {}).await;
    assert!(
        matches!(fetched.outcome, FetchOutcome::NoData(_)),
        "{fetched:?}"
    );
    assert_eq!(fetched.posts, 1);
    standin.shutdown().await;
}

#[tokio::test]
async fn processing_is_polled_with_get_until_completed() {
    let script = Script {
        processing_first: 3,
        ..Script::default()
    };
    let (fetched, standin) = fetch_with(script, |c| {
        c.poll.first_interval = Duration::from_millis(20);
    })
    .await;
    assert!(
        matches!(fetched.outcome, FetchOutcome::Completed(_)),
        "{fetched:?}"
    );
    let id = fetched.signal_id.clone().unwrap();
    let requests = standin.requests();
    let methods: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    // The POST's answer and the first two polls say PROCESSING; the third poll completes.
    let get = format!("/v1/beta/signals/{id}");
    assert_eq!(
        methods,
        [
            ("POST", "/v1/beta/signals"),
            ("GET", get.as_str()),
            ("GET", get.as_str()),
            ("GET", get.as_str())
        ]
    );
    assert_eq!((fetched.posts, fetched.polls), (1, 3));
    standin.shutdown().await;
}

#[tokio::test]
async fn processing_past_the_deadline_ends_at_the_deadline_naming_the_request() {
    let script = Script {
        processing_first: 10_000,
        ..Script::default()
    };
    let (fetched, standin) = fetch_with(script, |c| {
        c.deadlines.total = Duration::from_millis(800);
        c.poll.first_interval = Duration::from_millis(50);
        c.poll.max_interval = Duration::from_millis(100);
    })
    .await;
    let cause = unavailable(&fetched);
    let UnavailableCause::Deadline { pending, .. } = cause else {
        panic!("{cause}")
    };
    assert_eq!(pending, &fetched.signal_id);
    assert!(
        fetched.elapsed <= Duration::from_millis(800 + 100),
        "{:?}",
        fetched.elapsed
    );
    assert_eq!(posts(&standin).len(), 1, "polling never POSTs again");
    assert!(fetched.polls >= 4, "{fetched:?}");
    standin.shutdown().await;
}

#[tokio::test]
async fn a_post_without_an_answer_is_never_sent_again() {
    let script = Script {
        drop_first: 1,
        ..Script::default()
    };
    let (fetched, standin) = fetch_with(script, |_| {}).await;
    let cause = unavailable(&fetched);
    assert_eq!(cause.kind(), "no_answer", "{cause}");
    assert_eq!(posts(&standin).len(), 1);
    standin.shutdown().await;
}

#[tokio::test]
async fn a_slow_post_ends_at_the_deadline_and_is_not_sent_again() {
    let script = Script {
        delay: Duration::from_secs(3),
        ..Script::default()
    };
    let (fetched, standin) = fetch_with(script, |c| {
        c.deadlines.total = Duration::from_millis(500);
    })
    .await;
    let cause = unavailable(&fetched);
    assert_eq!(cause.kind(), "deadline", "{cause}");
    assert!(
        (Duration::from_millis(500)..Duration::from_millis(1000)).contains(&fetched.elapsed),
        "{:?}",
        fetched.elapsed
    );
    assert_eq!(posts(&standin).len(), 1);
    standin.shutdown().await;
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_unavailable() {
    let (_held, addr) = refusing_port();
    let mut config = ClientConfig::new(Credentials::new("standin-key", SECRET));
    config.base_url = format!("http://{addr}/v1").parse().unwrap();
    config.retry.min_delay = Duration::from_millis(10);
    config.retry.max_delay = Duration::from_millis(20);
    let fetched = SignalsClient::new(config)
        .unwrap()
        .fetch(&request("+639171234568"))
        .await;
    let cause = unavailable(&fetched);
    assert_eq!(cause.kind(), "connect", "{cause}");
    // Three tries, none of them a POST the provider saw (nothing billable).
    assert_eq!((fetched.attempts, fetched.posts), (3, 0));
}

#[tokio::test]
async fn unusable_answers_are_not_retried() {
    for script in [
        Script {
            malformed: true,
            ..Script::default()
        },
        Script {
            content_type: Some("text/html".into()),
            ..Script::default()
        },
    ] {
        let (fetched, standin) = fetch_with(script, |_| {}).await;
        let cause = unavailable(&fetched);
        assert_eq!(cause.kind(), "bad_answer", "{cause}");
        assert_eq!(posts(&standin).len(), 1);
        standin.shutdown().await;
    }
}

#[tokio::test]
async fn an_answer_over_the_size_cap_is_refused() {
    let (fetched, standin) = fetch_with(Script::default(), |c| c.max_response_bytes = 256).await;
    let cause = unavailable(&fetched);
    assert!(
        cause.to_string().contains("larger than 256 bytes"),
        "{cause}"
    );
    standin.shutdown().await;
}

#[tokio::test]
async fn bad_credentials_are_a_rejection_with_the_provider_message_and_never_shown() {
    let (fetched, standin) = fetch_with(Script::default(), |c| {
        c.credentials = Credentials::new("standin-key", "wrong-secret-0123456789");
    })
    .await;
    let FetchOutcome::Rejected(rejected) = &fetched.outcome else {
        panic!("{fetched:?}")
    };
    assert_eq!(rejected.status, 401);
    assert_eq!(rejected.code.as_deref(), Some("UNAUTHORIZED"));
    assert!(!rejected.message.is_empty());
    assert_eq!(posts(&standin).len(), 1, "a refusal is not retried");
    let shown = format!("{fetched:?} {rejected}");
    assert!(!shown.contains("wrong-secret-0123456789"), "{shown}");
    standin.shutdown().await;
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

#[tokio::test]
async fn the_secret_is_in_no_outcome_error_log_or_debug_output() {
    let logs = Captured::default();
    let writer = logs.clone();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish(),
    );
    let secret = "s3cr3t-never-shown-4711";
    let header = base64::engine::general_purpose::STANDARD.encode(format!("standin-key:{secret}"));
    let scripts = [
        Script::default(),
        Script {
            fail_first: 100,
            ..Script::default()
        },
        Script {
            malformed: true,
            ..Script::default()
        },
        Script {
            reject_auth: true,
            ..Script::default()
        },
    ];
    for script in scripts {
        let standin = Standin::start(Script {
            secret: secret.into(),
            ..script
        })
        .await
        .unwrap();
        let mut config = config(&standin);
        config.credentials = Credentials::new("standin-key", secret);
        config.retry.min_delay = Duration::from_millis(5);
        config.retry.max_delay = Duration::from_millis(5);
        let client = SignalsClient::new(config).unwrap();
        let fetched = client.fetch(&request("+639171234568")).await;
        // It was sent (so the outputs below could have carried it) ...
        let sent = standin.requests()[0].authorization.clone().unwrap();
        assert_eq!(sent, format!("Basic {header}"));
        // ... and nothing shows it.
        let mut shown = format!("{fetched:?} {client:?}");
        match &fetched.outcome {
            FetchOutcome::Unavailable { cause, .. } => shown.push_str(&cause.to_string()),
            FetchOutcome::Rejected(rejected) => shown.push_str(&rejected.to_string()),
            _ => {}
        }
        shown.push_str(&String::from_utf8_lossy(&logs.0.lock().unwrap()));
        assert!(
            !shown.contains(secret) && !shown.contains(&header),
            "{shown}"
        );
        standin.shutdown().await;
    }
    assert!(
        !logs.0.lock().unwrap().is_empty(),
        "the client's events were captured"
    );
}

#[tokio::test]
async fn a_gateway_502_or_504_is_not_sent_again() {
    for status in [502, 504] {
        let script = Script {
            fail_first: 1,
            fail_status: status,
            ..Script::default()
        };
        let (fetched, standin) = fetch_with(script, |_| {}).await;
        let cause = unavailable(&fetched);
        assert_eq!(cause.kind(), "bad_answer", "{status}: {cause}");
        assert_eq!(posts(&standin).len(), 1, "{status}");
        standin.shutdown().await;
    }
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_ends_at_once() {
    let script = Script {
        fail_first: 1,
        fail_status: 429,
        retry_after: Some(3600),
        ..Script::default()
    };
    let (fetched, standin) =
        fetch_with(script, |c| c.deadlines.total = Duration::from_secs(2)).await;
    let cause = unavailable(&fetched);
    assert_eq!(cause.kind(), "deadline", "{cause}");
    assert!(
        fetched.elapsed < Duration::from_secs(1),
        "{:?}",
        fetched.elapsed
    );
    assert_eq!(posts(&standin).len(), 1);
    standin.shutdown().await;
}

/// A server that answers every request with a chunked body (no `Content-Length`) of `size`
/// bytes of JSON.
async fn chunked_server(size: usize) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = vec![0u8; 64 * 1024];
            let _ = stream.read(&mut request).await;
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                continue;
            }
            let chunk = vec![b' '; 4096];
            let mut sent = 0;
            while sent < size {
                let n = chunk.len().min(size - sent);
                let frame = format!("{n:x}\r\n");
                if stream.write_all(frame.as_bytes()).await.is_err()
                    || stream.write_all(&chunk[..n]).await.is_err()
                    || stream.write_all(b"\r\n").await.is_err()
                {
                    break;
                }
                sent += n;
            }
            let _ = stream.write_all(b"0\r\n\r\n").await;
        }
    });
    (addr, task)
}

#[tokio::test]
async fn a_chunked_answer_is_cut_off_at_the_size_cap() {
    let (addr, server) = chunked_server(4 << 20).await;
    let mut config = ClientConfig::new(Credentials::new("standin-key", SECRET));
    config.base_url = format!("http://{addr}/v1").parse().unwrap();
    config.max_response_bytes = 64 * 1024;
    let fetched = SignalsClient::new(config)
        .unwrap()
        .fetch(&request("+639171234568"))
        .await;
    let cause = unavailable(&fetched);
    assert!(
        cause.to_string().contains("larger than 65536 bytes"),
        "{cause}"
    );
    assert_eq!(
        fetched.posts, 1,
        "an over-long answer reached us: not sent again"
    );
    server.abort();
}
