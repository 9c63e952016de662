//! Each switch of the script does what it says, and nothing more.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::error::Error as _;
use std::time::{Duration, Instant};

use common::{body, client, error_message, get, post, post_raw, signals_url, DEFAULT_AUTH};
use serde_json::{json, Value};
use underwrite_signals_standin::{Api, Script, Standin};

const PHONE: &str = "+639170000005";

#[tokio::test]
async fn delay_holds_every_answer_back() {
    let delay = Duration::from_millis(400);
    let standin = Standin::start(Script {
        delay,
        ..Script::default()
    })
    .await
    .unwrap();
    // A client with a shorter deadline gives up.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = impatient
        .post(signals_url(&standin, Api::Beta))
        .header("Authorization", DEFAULT_AUTH)
        .body(body(PHONE))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    // Successes and refusals alike come late.
    let started = Instant::now();
    let (status, _) = post(&standin, Api::Beta, PHONE).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    let started = Instant::now();
    let refused = client()
        .post(signals_url(&standin, Api::Beta))
        .body(body(PHONE))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    standin.shutdown().await;
}

#[tokio::test]
async fn fail_first_fails_that_many_posts_with_the_status_and_retry_after() {
    let standin = Standin::start(Script {
        fail_first: 2,
        fail_status: 429,
        retry_after: Some(1),
        ..Script::default()
    })
    .await
    .unwrap();
    for _ in 0..2 {
        let response = post_raw(&standin, Api::Beta, body(PHONE)).await.unwrap();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "1");
        let (_, refusal) = common::json(response).await;
        error_message(&refusal, "SERVICE_UNAVAILABLE");
        assert!(refusal.get("data").is_none());
    }
    let response = post_raw(&standin, Api::Beta, body(PHONE)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("retry-after").is_none());
    let (_, created) = common::json(response).await;
    let id = created["data"]["id"].as_str().unwrap();
    // GETs are never failed.
    let (status, _) = get(&standin, Api::Beta, id).await;
    assert_eq!(status, 200);
    assert_eq!(standin.posts(), 3);
    standin.shutdown().await;
}

#[tokio::test]
async fn fail_status_defaults_to_503_without_retry_after_and_refusals_do_not_count() {
    let standin = Standin::start(Script {
        fail_first: 1,
        ..Script::default()
    })
    .await
    .unwrap();
    // An unauthenticated POST is refused before it is counted.
    let refused = client()
        .post(signals_url(&standin, Api::Alpha))
        .body(body(PHONE))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let response = post_raw(&standin, Api::Alpha, body(PHONE)).await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("retry-after").is_none());
    let (status, _) = post(&standin, Api::Alpha, PHONE).await;
    assert_eq!(status, 200);
    assert_eq!(standin.posts(), 3);
    standin.shutdown().await;
}

#[tokio::test]
async fn processing_first_then_completed() {
    let standin = Standin::start(Script {
        processing_first: 2,
        ..Script::default()
    })
    .await
    .unwrap();
    for api in [Api::Beta, Api::Alpha] {
        let (status, created) = post(&standin, api, "+639170000001").await;
        assert_eq!(status, 200);
        let data = &created["data"];
        assert_eq!(data["status"], "PROCESSING");
        for absent in ["resultCode", "resultMessage", "items", "result"] {
            assert!(data.get(absent).is_none(), "{absent} in {data}");
        }
        assert_eq!(data["requestMeta"]["phone"], "+639170000001");
        let id = data["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("signal-"));
        let (_, second) = get(&standin, api, &id).await;
        assert_eq!(second["data"]["status"], "PROCESSING");
        assert_eq!(second["data"]["id"], id.as_str());
        let (_, third) = get(&standin, api, &id).await;
        assert_eq!(third["data"]["status"], "COMPLETED");
        assert_eq!(third["data"]["resultCode"], "SUCCESS");
        let signals = match api {
            Api::Beta => third["data"]["items"].as_array().unwrap().len(),
            Api::Alpha => third["data"]["result"].as_object().unwrap().len(),
        };
        assert_eq!(signals, 35);
        assert_eq!(third["data"]["createdAt"], data["createdAt"]);
    }
    // Each new request starts over.
    let (_, fresh) = post(&standin, Api::Beta, PHONE).await;
    assert_eq!(fresh["data"]["status"], "PROCESSING");
    standin.shutdown().await;
}

#[tokio::test]
async fn result_code_completes_without_signals() {
    for code in ["SYSTEM_ERROR", "SERVICE_UNAVAILABLE", "NO_DATA"] {
        let standin = Standin::start(Script {
            result_code: Some(code.to_owned()),
            ..Script::default()
        })
        .await
        .unwrap();
        let (status, beta) = post(&standin, Api::Beta, "+639170000001").await;
        assert_eq!(status, 200);
        assert_eq!(beta["data"]["status"], "COMPLETED");
        assert_eq!(beta["data"]["resultCode"], code);
        assert_eq!(beta["data"]["items"], json!([]));
        let (_, alpha) = post(&standin, Api::Alpha, "+639170000001").await;
        assert_eq!(alpha["data"]["resultCode"], code);
        assert!(alpha["data"].get("result").is_none(), "{alpha}");
        assert!(alpha["data"].get("items").is_none(), "{alpha}");
        standin.shutdown().await;
    }
}

#[tokio::test]
async fn malformed_sends_truncated_json_as_json() {
    let standin = Standin::start(Script {
        malformed: true,
        ..Script::default()
    })
    .await
    .unwrap();
    let response = post_raw(&standin, Api::Beta, body(PHONE)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(br#"{"code":"OK""#), "{bytes:?}");
    let err = serde_json::from_slice::<Value>(&bytes).unwrap_err();
    assert!(err.is_eof(), "{err}");
    // Refusals are not garbled.
    let (status, refusal) = common::json(
        post_raw(&standin, Api::Beta, "{}".to_owned())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    error_message(&refusal, "BAD_REQUEST");
    standin.shutdown().await;
}

#[tokio::test]
async fn content_type_sends_an_html_page() {
    let standin = Standin::start(Script {
        content_type: Some("text/html; charset=utf-8".to_owned()),
        ..Script::default()
    })
    .await
    .unwrap();
    let response = post_raw(&standin, Api::Alpha, body(PHONE)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(
        response.text().await.unwrap(),
        "<html><body>Gateway</body></html>"
    );
    standin.shutdown().await;
}

#[tokio::test]
async fn reject_auth_refuses_even_the_right_credentials() {
    let standin = Standin::start(Script {
        reject_auth: true,
        ..Script::default()
    })
    .await
    .unwrap();
    let (status, refusal) =
        common::json(post_raw(&standin, Api::Beta, body(PHONE)).await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(
        error_message(&refusal, "UNAUTHORIZED"),
        "Invalid API key or secret"
    );
    let (status, _) = get(&standin, Api::Beta, "signal-x").await;
    assert_eq!(status, 401);
    assert_eq!(
        standin.requests()[0].authorization.as_deref(),
        Some(DEFAULT_AUTH)
    );
    standin.shutdown().await;
}

#[tokio::test]
async fn drop_first_reads_the_post_then_closes_without_an_answer() {
    let standin = Standin::start(Script {
        drop_first: 1,
        ..Script::default()
    })
    .await
    .unwrap();
    let sent = body(PHONE);
    let err = post_raw(&standin, Api::Beta, sent.clone())
        .await
        .expect_err("no answer");
    // The connection closed: not a deadline, not a refused connection.
    assert!(!err.is_timeout(), "{err:?}");
    assert!(!err.is_connect(), "{err:?}");
    let hyper_err = err
        .source()
        .and_then(|s| s.source())
        .map(|s| s.to_string())
        .unwrap_or_default();
    assert!(hyper_err.contains("closed"), "{err:?}");
    // It arrived in full, once: the client did not send it again.
    assert_eq!(standin.posts(), 1);
    assert_eq!(standin.requests()[0].body, sent.into_bytes());
    // The next POST is served.
    let (status, _) = post(&standin, Api::Beta, PHONE).await;
    assert_eq!(status, 200);
    assert_eq!(standin.posts(), 2);
    standin.shutdown().await;
}

#[tokio::test]
async fn drops_then_failures_then_service() {
    let standin = Standin::start(Script {
        drop_first: 1,
        fail_first: 1,
        ..Script::default()
    })
    .await
    .unwrap();
    assert!(post_raw(&standin, Api::Alpha, body(PHONE)).await.is_err());
    let failed = post_raw(&standin, Api::Alpha, body(PHONE)).await.unwrap();
    assert_eq!(failed.status(), 503);
    let (status, _) = post(&standin, Api::Alpha, PHONE).await;
    assert_eq!(status, 200);
    let times: Vec<Instant> = standin.requests().into_iter().map(|r| r.at).collect();
    assert_eq!(times.len(), 3);
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    standin.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_connections_still_waiting() {
    let standin = Standin::start(Script {
        delay: Duration::from_secs(30),
        ..Script::default()
    })
    .await
    .unwrap();
    let url = signals_url(&standin, Api::Beta);
    let pending = tokio::spawn(
        client()
            .post(url)
            .header("Authorization", DEFAULT_AUTH)
            .body(body(PHONE))
            .send(),
    );
    // Wait until the request has arrived (the journal is the signal), then stop.
    let arrived = Instant::now();
    while standin.requests().is_empty() {
        assert!(
            arrived.elapsed() < Duration::from_secs(5),
            "request never arrived"
        );
        tokio::task::yield_now().await;
    }
    let started = Instant::now();
    standin.shutdown().await;
    let result = pending.await.unwrap();
    let err = result.expect_err("no answer after shutdown");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn dropping_the_standin_stops_it() {
    let standin = Standin::start(Script::default()).await.unwrap();
    let url = signals_url(&standin, Api::Beta);
    let (status, _) = post(&standin, Api::Beta, PHONE).await;
    assert_eq!(status, 200);
    drop(standin);
    let err = client()
        .post(url)
        .header("Authorization", DEFAULT_AUTH)
        .body(body(PHONE))
        .send()
        .await
        .expect_err("nobody answers after the drop");
    assert!(!err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn scripts_http_cannot_carry_are_refused_at_start() {
    let bad_status = Standin::start(Script {
        fail_status: 42,
        ..Script::default()
    })
    .await
    .unwrap_err();
    assert_eq!(bad_status.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        bad_status.to_string().contains("fail_status 42"),
        "{bad_status}"
    );
    let bad_type = Standin::start(Script {
        content_type: Some("text/html\r\nX-Evil: 1".to_owned()),
        ..Script::default()
    })
    .await
    .unwrap_err();
    assert_eq!(bad_type.kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn echo_credentials_quotes_them_in_every_message() {
    // Forms worked out with Python's base64 and urllib.parse.quote, not by the crate.
    let (key, secret) = ("k-1", "s/é 2+");
    let forms = "user k-1:s/é 2+ secret s/é 2+ token ay0xOnMvw6kgMis query ?key=k-1&secret=s%2F%C3%A9%202%2B";
    assert_eq!(
        underwrite_signals_standin::credential_forms(key, secret).join(" "),
        forms
    );
    let script = Script {
        key: key.into(),
        secret: secret.into(),
        echo_credentials: true,
        ..Script::default()
    };
    let auth = "Basic ay0xOnMvw6kgMis=";
    let send = |standin: &Standin, authorization: &'static str| {
        client()
            .post(signals_url(standin, Api::Beta))
            .header("Authorization", authorization)
            .header("Content-Type", "application/json")
            .body(body(PHONE))
            .send()
    };

    // A 401 quotes the header it got, whatever it was.
    let standin = Standin::start(script.clone()).await.unwrap();
    let (status, refusal) = common::json(send(&standin, "Basic d3Jvbmc=").await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(
        error_message(&refusal, "UNAUTHORIZED"),
        format!("denied for Basic d3Jvbmc=; {forms}")
    );
    // A completed request's resultMessage, the failed POSTs' message, a result code's message.
    let (status, answer) = common::json(send(&standin, auth).await.unwrap()).await;
    assert_eq!(status, 200);
    let message = answer["data"]["resultMessage"].as_str().unwrap();
    assert!(message.ends_with(&format!(": {forms}")), "{message}");
    standin.shutdown().await;
    for script in [
        Script {
            fail_first: 1,
            ..script.clone()
        },
        Script {
            result_code: Some("SYSTEM_ERROR".into()),
            ..script.clone()
        },
    ] {
        let standin = Standin::start(script).await.unwrap();
        let (_, answer) = common::json(send(&standin, auth).await.unwrap()).await;
        let message = answer["message"]
            .as_str()
            .filter(|m| m.starts_with("service temporarily unavailable"))
            .or(answer["data"]["resultMessage"].as_str())
            .unwrap();
        assert!(message.ends_with(&format!(": {forms}")), "{answer}");
        standin.shutdown().await;
    }
    // Off by default.
    let standin = Standin::start(Script {
        fail_first: 1,
        ..Script::default()
    })
    .await
    .unwrap();
    let (_, answer) = common::json(post_raw(&standin, Api::Beta, body(PHONE)).await.unwrap()).await;
    assert!(!answer.to_string().contains("standin-secret"), "{answer}");
    standin.shutdown().await;
}

#[test]
fn leak_forms_are_the_forms_python_computes() {
    // base64.b64encode / urlsafe_b64encode (padded and stripped), urllib.parse.quote with
    // safe='-._~' (and lower-cased hex), '%%%02X' per byte, and ' ' as '+'.
    let expected = [
        "%61%20%62%2F",
        "%61%20%62%2f",
        "%6B",
        "%6B%3A%61%20%62%2F",
        "%6b",
        "%6b%3a%61%20%62%2f",
        "YSBiLw",
        "YSBiLw==",
        "a b/",
        "a%20b%2F",
        "a%20b%2f",
        "a+b%2F",
        "a+b%2f",
        "aw",
        "aw==",
        "azphIGIv",
        "k",
        "k%3Aa%20b%2F",
        "k%3Aa+b%2F",
        "k%3aa%20b%2f",
        "k%3aa+b%2f",
        "k:a b/",
    ];
    assert_eq!(
        underwrite_signals_standin::leak_forms("k", "a b/"),
        expected
    );
}
