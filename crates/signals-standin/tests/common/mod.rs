//! What the stand-in's tests share: a client, request bodies, reading answers.

#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;
use underwrite_signals_standin::{Api, Standin};

/// `Basic base64("standin-key:standin-secret")`, worked out by hand (not by the crate).
pub const DEFAULT_AUTH: &str = "Basic c3RhbmRpbi1rZXk6c3RhbmRpbi1zZWNyZXQ=";

/// The consent every test body carries.
pub const CONSENT: &str = r#"{"type":"[Motor Loans] Terms & Conditions","version":"Loan Terms & Conditions","consentedAt":"2024-08-08T16:06:00Z","consentedWith":"I agree","consentTemplateId":"ct-fa84d4ec5a064c898b62b46b7affbcd5"}"#;

/// A client that gives up after 5 s and never follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

/// A valid request body for `phone`.
pub fn body(phone: &str) -> String {
    format!(r#"{{"phone":"{phone}","templateId":"tpl-standin","consent":{CONSENT}}}"#)
}

/// The collection URL of `api`.
pub fn signals_url(standin: &Standin, api: Api) -> String {
    format!("{}/{}/signals", standin.base_url(), api.segment())
}

/// POST `body` to `api` with the default credentials.
pub async fn post_raw(
    standin: &Standin,
    api: Api,
    body: String,
) -> reqwest::Result<reqwest::Response> {
    client()
        .post(signals_url(standin, api))
        .header("Authorization", DEFAULT_AUTH)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
}

/// POST a valid request for `phone` to `api` and return the status and JSON body.
pub async fn post(standin: &Standin, api: Api, phone: &str) -> (u16, Value) {
    let response = post_raw(standin, api, body(phone))
        .await
        .expect("the stand-in answers");
    json(response).await
}

/// GET signal `id` on `api` and return the status and JSON body.
pub async fn get(standin: &Standin, api: Api, id: &str) -> (u16, Value) {
    let response = client()
        .get(format!("{}/{id}", signals_url(standin, api)))
        .header("Authorization", DEFAULT_AUTH)
        .send()
        .await
        .expect("the stand-in answers");
    json(response).await
}

/// The status and JSON body of `response`, checking it says it is JSON.
pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ASCII content type").to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let bytes = response.bytes().await.expect("body arrives");
    let value = serde_json::from_slice(&bytes).expect("body is JSON");
    (status, value)
}

/// Whether `text` is 32 lowercase hex digits.
pub fn is_hex32(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Check an error body: `code`, a non-empty `message`, a 32-hex `requestId`; returns the message.
pub fn error_message(body: &Value, code: &str) -> String {
    assert_eq!(body["code"], code, "{body}");
    assert!(
        is_hex32(body["requestId"].as_str().expect("requestId is a string")),
        "{body}"
    );
    let message = body["message"].as_str().expect("message is a string");
    assert!(!message.is_empty());
    message.to_owned()
}

/// The bytes of `testdata/signals/<name>`.
pub fn sample(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../testdata/signals/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
