//! Bearer tokens against a service started in-process: who gets through which route, what a
//! refusal says (and never says), and token lists as they are parsed.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{application, read, starter_config, Running};
use serde_json::Value;
use underwrite_service::{TokenError, TokenPlace, TokenSet, Tokens};

const DECIDE: &str = "decide-token-9f8e7d6c5b4a";
const ADMIN: &str = "admin-token-0a1b2c3d4e5f";

fn tokens() -> Tokens {
    Tokens::new(
        Some(TokenSet::from_list(DECIDE).expect("decision token")),
        Some(TokenSet::from_list(ADMIN).expect("admin token")),
    )
}

/// The decision routes: (method, path, media type, body).
fn decision_routes() -> Vec<(reqwest::Method, &'static str, &'static str, Vec<u8>)> {
    let app = application(
        "auth-1",
        "testdata/signals/clean.json",
        Some("testdata/kyc/joe-exact.json"),
    );
    let mut line = app.clone();
    line.push(b'\n');
    vec![
        (
            reqwest::Method::POST,
            "/v1/decisions",
            "application/json",
            app,
        ),
        (
            reqwest::Method::POST,
            "/v1/decisions/batch",
            "application/x-ndjson",
            line,
        ),
        (
            reqwest::Method::POST,
            "/v1/kyc",
            "application/json",
            read("testdata/kyc/joe-exact.json"),
        ),
        (
            reqwest::Method::GET,
            "/v1/policy",
            "application/json",
            Vec::new(),
        ),
    ]
}

async fn send(
    svc: &Running,
    method: reqwest::Method,
    path: &str,
    media: &str,
    body: Vec<u8>,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut request = svc
        .client
        .request(method, svc.url(path))
        .header("content-type", media)
        .body(body);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.expect("answered")
}

/// A refusal's status, `WWW-Authenticate` and problem; its text never holds a token.
async fn refusal(response: reqwest::Response) -> (u16, Option<String>, Value) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().expect("ascii").to_string());
    let text = response.text().await.expect("body");
    for token in [DECIDE, ADMIN, "wrong-token-000000000000"] {
        assert!(!text.contains(token), "{text}");
    }
    (
        status,
        challenge,
        serde_json::from_str(&text).expect("json"),
    )
}

#[tokio::test]
async fn with_tokens_decision_routes_need_a_decision_or_admin_token() {
    let mut config = starter_config();
    config.tokens = Some(tokens());
    let svc = Running::start(config).await;
    let decide = format!("Bearer {DECIDE}");
    let admin = format!("bearer {ADMIN}");
    for (method, path, media, body) in decision_routes() {
        let (status, challenge, problem) =
            refusal(send(&svc, method.clone(), path, media, body.clone(), None).await).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(challenge.as_deref(), Some(r#"Bearer realm="underwrite""#));
        assert_eq!(problem["type"], "urn:underwrite:problem:unauthorized");
        assert_eq!(problem["status"], 401);

        for wrong in [
            "Bearer wrong-token-000000000000".to_string(),
            format!("Bearer {}", &DECIDE[..DECIDE.len() - 1]),
            format!("Bearer {DECIDE}0"),
            format!("Basic {DECIDE}"),
        ] {
            let response = send(
                &svc,
                method.clone(),
                path,
                media,
                body.clone(),
                Some(&wrong),
            )
            .await;
            let (status, challenge, _) = refusal(response).await;
            assert_eq!(status, 401, "{path} {wrong}");
            assert!(challenge.is_some_and(|c| c.starts_with("Bearer ")));
        }
        for good in [&decide, &admin] {
            let response = send(&svc, method.clone(), path, media, body.clone(), Some(good)).await;
            assert_eq!(response.status(), 200, "{path} with {good}");
        }
    }
    svc.server.shutdown().await;
}

#[tokio::test]
async fn the_admin_route_needs_an_admin_token_and_refuses_a_decision_token() {
    let mut config = starter_config();
    config.tokens = Some(tokens());
    let svc = Running::start(config).await;
    let reload = |authorization: Option<String>| {
        let mut request = svc.client.post(svc.url("/v1/admin/reload"));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send()
    };
    let (status, challenge, _) = refusal(reload(None).await.expect("answered")).await;
    assert_eq!((status, challenge.is_some()), (401, true));
    let (status, challenge, problem) = refusal(
        reload(Some(format!("Bearer {DECIDE}")))
            .await
            .expect("answered"),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        challenge.as_deref(),
        Some(r#"Bearer realm="underwrite", error="insufficient_scope""#)
    );
    assert_eq!(problem["type"], "urn:underwrite:problem:forbidden");
    let response = reload(Some(format!("Bearer {ADMIN}")))
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["replaced"], true);

    // Refusals are counted by kind; the metrics themselves need no token.
    let metrics = svc.get("/metrics").await.text().await.expect("text");
    let all = common::samples(&metrics);
    let count = |kind: &str, status: &str| {
        all.iter()
            .find(|s| {
                s.name == "underwrite_errors_total"
                    && s.labels.get("kind").map(String::as_str) == Some(kind)
                    && s.labels.get("status").map(String::as_str) == Some(status)
            })
            .map(|s| s.value)
    };
    assert_eq!(count("unauthorized", "401"), Some(1.0));
    assert_eq!(count("forbidden", "403"), Some(1.0));
    svc.server.shutdown().await;
}

#[tokio::test]
async fn health_readiness_metrics_and_the_document_stay_open() {
    let mut config = starter_config();
    config.tokens = Some(tokens());
    let svc = Running::start(config).await;
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        assert_eq!(svc.get(path).await.status(), 200, "{path}");
        let response = svc
            .client
            .get(svc.url(path))
            .bearer_auth("wrong-token-000000000000")
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 200, "{path} with a wrong token");
    }
    svc.server.shutdown().await;
}

#[tokio::test]
async fn without_tokens_decisions_are_open_and_the_admin_route_is_refused() {
    let svc = Running::start(starter_config()).await;
    for (method, path, media, body) in decision_routes() {
        let response = send(&svc, method, path, media, body, None).await;
        assert_eq!(response.status(), 200, "{path}");
    }
    for authorization in [None, Some(format!("Bearer {ADMIN}"))] {
        let mut request = svc.client.post(svc.url("/v1/admin/reload"));
        if let Some(value) = &authorization {
            request = request.header("authorization", value);
        }
        let (status, challenge, problem) = refusal(request.send().await.expect("answered")).await;
        assert_eq!((status, challenge), (403, None));
        assert_eq!(
            problem["detail"],
            "admin routes need --admin-tokens (the service runs without admin tokens)"
        );
    }
    svc.server.shutdown().await;

    // Admin tokens only: decisions stay open, the admin route takes its token.
    let mut config = starter_config();
    config.tokens = Some(Tokens::new(
        None,
        Some(TokenSet::from_list(ADMIN).expect("admin")),
    ));
    let svc = Running::start(config).await;
    let (method, path, media, body) = decision_routes().remove(0);
    assert_eq!(
        send(&svc, method, path, media, body, None).await.status(),
        200
    );
    let response = svc
        .client
        .post(svc.url("/v1/admin/reload"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    svc.server.shutdown().await;
}

#[test]
fn token_files_and_lists_parse_and_refuse_with_the_place_and_never_the_token() {
    let file = format!("# decision tokens\n\n  {DECIDE}  \n# rotated 2026-01\n{ADMIN}\n{DECIDE}\n");
    let from_file = TokenSet::from_lines(&file).expect("parses");
    assert_eq!(
        from_file.len(),
        2,
        "comments and blank lines skipped, duplicates once"
    );
    let from_list = TokenSet::from_list(&format!(" {ADMIN} ,, {DECIDE},")).expect("parses");
    assert_eq!(from_list, from_file);

    let short = format!("{DECIDE}\n\nshort-secret\n");
    let err = TokenSet::from_lines(&short).expect_err("too short");
    assert_eq!(
        err,
        TokenError::TooShort {
            at: TokenPlace::Line(3),
            chars: 12
        }
    );
    assert_eq!(
        err.to_string(),
        "line 3: a token must be at least 16 characters (this one has 12)"
    );
    let spaced =
        TokenSet::from_list(&format!("{ADMIN},has a space in it 0123")).expect_err("space");
    assert_eq!(
        spaced,
        TokenError::BadCharacter {
            at: TokenPlace::Item(2),
            position: 4
        }
    );
    let accented = TokenSet::from_lines("tökén-0123456789abcdef").expect_err("non-ASCII");
    assert!(matches!(
        accented,
        TokenError::BadCharacter {
            at: TokenPlace::Line(1),
            position: 2
        }
    ));
    for empty in ["", "\n# only a comment\n   \n"] {
        assert_eq!(TokenSet::from_lines(empty), Err(TokenError::Empty));
    }
    assert_eq!(TokenSet::from_list(" , ,"), Err(TokenError::Empty));
    for e in [err, spaced, accented] {
        let text = e.to_string();
        assert!(
            !text.contains("short-secret")
                && !text.contains("has a space")
                && !text.contains("tök"),
            "{text}"
        );
    }
}

#[test]
fn debug_output_shows_counts_not_tokens() {
    let tokens = tokens();
    let shown = format!("{tokens:?}");
    assert_eq!(
        shown,
        "Tokens { decide: Some(TokenSet { count: 1, .. }), admin: Some(TokenSet { count: 1, .. }) }"
    );
    let mut config = starter_config();
    config.tokens = Some(tokens);
    let shown = format!("{config:?} {:#?}", config.tokens);
    for secret in [DECIDE, ADMIN] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
