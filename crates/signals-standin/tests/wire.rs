//! The stand-in as a well-behaved provider: the phone book, the envelope, authentication,
//! POST then GET, and the refusals (400, 401, 404, 405).

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{body, client, error_message, get, is_hex32, post, post_raw, sample, signals_url};
use serde_json::Value;
use underwrite_signals::signals::{parse, SignalStatus, UnavailableReason};
use underwrite_signals_standin::{sample_for, Api, Script, Standin};

/// Every phone of the documented phone book, with the sample each API must answer with.
const BOOK: [(&str, &str, &str); 7] = [
    ("+639171234567", "beta-sample.json", "alpha-sample.json"),
    ("+639170000000", "no-data.json", "alpha-sample.json"),
    ("+639170000001", "risky.json", "risky.json"),
    ("+639170000002", "banded.json", "alpha-sample.json"),
    ("+639170000003", "thin-file.json", "thin-file.json"),
    ("+639170000009", "unavailable.json", "alpha-sample.json"),
    ("+639170000005", "clean.json", "alpha-sample.json"),
];

#[test]
fn sample_for_follows_the_documented_table() {
    for (phone, beta, alpha) in BOOK {
        assert_eq!(sample_for(Api::Beta, phone), beta, "{phone}");
        assert_eq!(sample_for(Api::Alpha, phone), alpha, "{phone}");
    }
    for digit in ['4', '6', '7', '8'] {
        let phone = format!("+63917000000{digit}");
        assert_eq!(sample_for(Api::Beta, &phone), "clean.json");
        assert_eq!(sample_for(Api::Alpha, &phone), "alpha-sample.json");
    }
}

/// Check the envelope around a completed answer and return its `data`.
fn completed_data(body: &Value, phone: &str) -> Value {
    assert_eq!(body["code"], "OK");
    assert_eq!(body["message"], "Success!");
    assert!(is_hex32(body["requestId"].as_str().unwrap()), "{body}");
    let data = &body["data"];
    let id = data["id"].as_str().unwrap();
    assert!(is_hex32(id.strip_prefix("signal-").unwrap()), "{id}");
    let created = data["createdAt"].as_str().unwrap();
    assert!(created.ends_with('Z'), "{created}");
    humantime::parse_rfc3339(created).expect("createdAt is RFC 3339");
    assert_eq!(data["status"], "COMPLETED");
    assert_eq!(data["requestMeta"]["phone"], phone);
    assert_eq!(data["requestMeta"]["templateId"], "tpl-standin");
    let consent: Value = serde_json::from_str(common::CONSENT).unwrap();
    assert_eq!(data["requestMeta"]["consent"], consent);
    data.clone()
}

/// The signals of a parsed payload as (name, exact value text).
fn signals_of(bytes: &[u8]) -> (SignalStatus, Vec<(String, String)>) {
    let payload = parse(bytes).unwrap_or_else(|e| panic!("core parses it: {e}"));
    let signals = payload
        .signals
        .iter()
        .map(|s| (s.name.to_string(), s.value.get().to_owned()))
        .collect();
    (payload.status, signals)
}

#[tokio::test]
async fn every_phone_gets_its_sample_in_its_apis_shape() {
    let standin = Standin::start(Script::default()).await.unwrap();
    for (phone, beta_file, alpha_file) in BOOK {
        for (api, file) in [(Api::Beta, beta_file), (Api::Alpha, alpha_file)] {
            let response = post_raw(&standin, api, body(phone)).await.unwrap();
            assert_eq!(response.status(), 200, "{phone} {api:?}");
            assert_eq!(response.headers()["content-type"], "application/json");
            let bytes = response.bytes().await.unwrap();
            let answer: Value = serde_json::from_slice(&bytes).unwrap();
            let data = completed_data(&answer, phone);

            let expected_bytes = sample(file);
            let expected: Value = serde_json::from_slice(&expected_bytes).unwrap();
            assert_eq!(data["resultCode"], expected["data"]["resultCode"], "{file}");
            assert_eq!(data["resultMessage"], expected["data"]["resultMessage"]);
            // Each API's own shape, and never the other.
            match api {
                Api::Beta => assert!(data.get("result").is_none(), "{phone}: {data}"),
                Api::Alpha => assert!(data.get("items").is_none(), "{phone}: {data}"),
            }
            if api == Api::Beta && expected["data"].get("items").is_some() {
                assert_eq!(data["items"], expected["data"]["items"], "{file}");
            }
            if api == Api::Alpha {
                assert_eq!(data["result"], expected["data"]["result"], "{file}");
            }
            // The project's own parser reads the same outcome and the same signals, in order.
            let (status, signals) = signals_of(&bytes);
            let (expected_status, expected_signals) = signals_of(&expected_bytes);
            assert_eq!(status, expected_status, "{phone} {api:?}");
            assert_eq!(signals, expected_signals, "{phone} {api:?}");
        }
    }
    standin.shutdown().await;
}

#[tokio::test]
async fn beta_serves_alpha_written_samples_as_items_with_value_types() {
    let standin = Standin::start(Script::default()).await.unwrap();
    let (status, answer) = post(&standin, Api::Beta, "+639170000001").await;
    assert_eq!(status, 200);
    let items = answer["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 35);
    let overdue = items
        .iter()
        .find(|i| i["name"] == "events_overdue_day30_amount")
        .unwrap();
    assert_eq!(overdue["value"].to_string(), "18500.75");
    assert_eq!(overdue["valueType"], "NUMBER");
    // Bands stay strings.
    let (_, banded) = post(&standin, Api::Beta, "+639170000002").await;
    let band = banded["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "events_debt_day90_amount")
        .unwrap()
        .clone();
    assert_eq!(band["value"], "A5");
    assert_eq!(band["valueType"], "STRING");
    standin.shutdown().await;
}

#[tokio::test]
async fn unavailable_and_no_data_parse_as_such() {
    let standin = Standin::start(Script::default()).await.unwrap();
    let (_, no_data) = post(&standin, Api::Beta, "+639170000000").await;
    assert_eq!(no_data["data"]["resultCode"], "NO_DATA");
    assert_eq!(no_data["data"]["items"], serde_json::json!([]));
    let (_, unavailable) = post(&standin, Api::Beta, "+639170000009").await;
    let bytes = serde_json::to_vec(&unavailable).unwrap();
    assert_eq!(
        parse(&bytes).unwrap().status,
        SignalStatus::Unavailable(UnavailableReason::ServiceUnavailable)
    );
    standin.shutdown().await;
}

#[tokio::test]
async fn credentials_are_checked_and_recorded() {
    let script = Script {
        key: "k-1".to_owned(),
        secret: "s-2".to_owned(),
        ..Script::default()
    };
    let standin = Standin::start(script).await.unwrap();
    let url = signals_url(&standin, Api::Beta);
    let send = |auth: Option<&'static str>| {
        let mut request = client().post(&url).body(body("+639170000005"));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        request.send()
    };
    // Right key, wrong secret; no header; not Basic; then right.
    let wrong = send(Some("Basic ay0xOnMtMw==")).await.unwrap();
    let (status, refusal) = common::json(wrong).await;
    assert_eq!(status, 401);
    assert_eq!(
        error_message(&refusal, "UNAUTHORIZED"),
        "Invalid API key or secret"
    );
    let (status, _) = common::json(send(None).await.unwrap()).await;
    assert_eq!(status, 401);
    let (status, _) = common::json(send(Some("Bearer ay0xOnMtMg==")).await.unwrap()).await;
    assert_eq!(status, 401);
    let right = send(Some("Basic ay0xOnMtMg==")).await.unwrap();
    assert_eq!(right.status(), 200);

    // reqwest's own basic_auth builds the same header.
    let built = client()
        .post(&url)
        .basic_auth("k-1", Some("s-2"))
        .body(body("+639170000005"))
        .send()
        .await
        .unwrap();
    assert_eq!(built.status(), 200);

    let recorded: Vec<Option<String>> = standin
        .requests()
        .into_iter()
        .map(|r| r.authorization)
        .collect();
    assert_eq!(
        recorded,
        [
            Some("Basic ay0xOnMtMw==".to_owned()),
            None,
            Some("Bearer ay0xOnMtMg==".to_owned()),
            Some("Basic ay0xOnMtMg==".to_owned()),
            Some("Basic ay0xOnMtMg==".to_owned()),
        ]
    );
    assert_eq!(standin.posts(), 5);
    standin.shutdown().await;
}

#[tokio::test]
async fn the_default_credentials_are_the_documented_ones() {
    let standin = Standin::start(Script::default()).await.unwrap();
    let response = client()
        .post(signals_url(&standin, Api::Alpha))
        .basic_auth("standin-key", Some("standin-secret"))
        .body(body("+639170000005"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let recorded = standin.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        recorded[0].authorization.as_deref(),
        Some(common::DEFAULT_AUTH)
    );
    assert_eq!(recorded[0].method, "POST");
    assert_eq!(recorded[0].path, "/v1/alpha/signals");
    assert_eq!(recorded[0].body, body("+639170000005").into_bytes());
    standin.shutdown().await;
}

#[tokio::test]
async fn a_get_returns_what_the_post_created() {
    let standin = Standin::start(Script::default()).await.unwrap();
    for (api, phone) in [(Api::Beta, "+639170000002"), (Api::Alpha, "+639170000003")] {
        let (_, created) = post(&standin, api, phone).await;
        let id = created["data"]["id"].as_str().unwrap().to_owned();
        let (status, fetched) = get(&standin, api, &id).await;
        assert_eq!(status, 200);
        assert_eq!(fetched["data"], created["data"]);
        assert_ne!(fetched["requestId"], created["requestId"]);
        // An id lives on the API it was created on.
        let other = match api {
            Api::Beta => Api::Alpha,
            Api::Alpha => Api::Beta,
        };
        let (status, missing) = get(&standin, other, &id).await;
        assert_eq!(status, 404);
        assert_eq!(
            error_message(&missing, "NOT_FOUND"),
            format!("no signal request {id}")
        );
    }
    let (status, missing) = get(&standin, Api::Beta, "signal-unknown").await;
    assert_eq!(status, 404);
    assert_eq!(
        error_message(&missing, "NOT_FOUND"),
        "no signal request signal-unknown"
    );
    let paths: Vec<String> = standin.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths.len(), 7);
    assert_eq!(paths[0], "/v1/beta/signals");
    assert!(paths[1].starts_with("/v1/beta/signals/signal-"));
    standin.shutdown().await;
}

#[tokio::test]
async fn bad_bodies_are_400_naming_the_field() {
    let standin = Standin::start(Script::default()).await.unwrap();
    let consent_without_time = r#"{"consentTemplateId":"ct-1"}"#;
    let cases = [
        ("{not json".to_owned(), "body is not JSON"),
        (
            format!(r#"{{"consent":{}}}"#, common::CONSENT),
            "missing field phone",
        ),
        (
            format!(r#"{{"phone":"09171234567","consent":{}}}"#, common::CONSENT),
            "phone must be \"+\" followed by 1 to 15 digits",
        ),
        (
            r#"{"phone":"+639171234567"}"#.to_owned(),
            "missing field consent",
        ),
        (
            format!(r#"{{"phone":"+639171234567","consent":{consent_without_time}}}"#),
            "missing field consent.consentedAt",
        ),
    ];
    for (bad, expected) in cases {
        let response = post_raw(&standin, Api::Beta, bad.clone()).await.unwrap();
        let (status, refusal) = common::json(response).await;
        assert_eq!(status, 400, "{bad}");
        let message = error_message(&refusal, "BAD_REQUEST");
        assert!(message.contains(expected), "{bad}: {message}");
    }
    standin.shutdown().await;
}

#[tokio::test]
async fn other_routes_and_methods_are_json_refusals() {
    let standin = Standin::start(Script::default()).await.unwrap();
    let base = standin.base_url();
    let response = client()
        .get(format!("{base}/gamma/signals"))
        .basic_auth("standin-key", Some("standin-secret"))
        .send()
        .await
        .unwrap();
    let (status, refusal) = common::json(response).await;
    assert_eq!(status, 404);
    assert_eq!(
        error_message(&refusal, "NOT_FOUND"),
        "no route GET /v1/gamma/signals"
    );
    let response = client()
        .delete(format!("{base}/beta/signals"))
        .basic_auth("standin-key", Some("standin-secret"))
        .send()
        .await
        .unwrap();
    let (status, refusal) = common::json(response).await;
    assert_eq!(status, 405);
    error_message(&refusal, "METHOD_NOT_ALLOWED");
    // Unknown routes are behind authentication too, and recorded.
    let response = client()
        .get(format!("{base}/gamma/signals"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(standin.requests().len(), 3);
    standin.shutdown().await;
}
