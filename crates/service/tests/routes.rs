//! The routes against a service started in-process: answers, error statuses, problem bodies.

#![allow(clippy::panic)] // Test helpers fail loudly.

mod common;

use common::{application, read, starter_config, Running};
use serde_json::Value;

#[tokio::test]
async fn a_decision_is_the_cli_s_decision_plus_its_id_hash_and_arm() {
    let svc = Running::start(starter_config()).await;
    let body = application(
        "app-1",
        "testdata/signals/clean.json",
        Some("testdata/kyc/joe-exact.json"),
    );
    let response = svc.post_json("/v1/decisions", body.clone()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().contains_key("x-request-id"));
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["decision"], "approve");
    assert_eq!(answer["score"], 835);
    assert_eq!(answer["id"], "app-1");
    assert_eq!(answer["arm"], "champion");
    assert_eq!(answer["policy"]["name"], "starter");
    assert!(answer.get("trace").is_none(), "no trace unless asked");
    let expected_sha = underwrite_sha(&body);
    assert_eq!(answer["input_sha256"], expected_sha.as_str());
    let id = answer["decision_id"].as_str().expect("id");
    let uuid = id.parse::<uuid_like::Uuid>().expect("a uuid");
    assert_eq!(uuid.version, 7, "{id}");

    let traced: Value = svc
        .post_json("/v1/decisions?trace=true", body)
        .await
        .json()
        .await
        .expect("json");
    assert!(traced["trace"].as_array().is_some_and(|t| !t.is_empty()));
    svc.server.shutdown().await;
}

/// SHA-256 hex through the core's own dependency, computed independently of the service.
fn underwrite_sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

mod uuid_like {
    /// Just enough of a UUID parser to read the version nibble.
    pub struct Uuid {
        pub version: u8,
    }
    impl std::str::FromStr for Uuid {
        type Err = String;
        fn from_str(s: &str) -> Result<Self, String> {
            let parts: Vec<&str> = s.split('-').collect();
            let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
            if lens != [8, 4, 4, 4, 12] || !s.chars().all(|c| c == '-' || c.is_ascii_hexdigit()) {
                return Err(format!("not a uuid: {s}"));
            }
            let version = u8::from_str_radix(&parts[2][..1], 16).map_err(|e| e.to_string())?;
            Ok(Uuid { version })
        }
    }
}

#[tokio::test]
async fn the_same_input_gives_the_same_decision_as_underwrite_decide_would() {
    // The library path the CLI runs, on the same bytes.
    let policy =
        underwrite_core::policy::Policy::load(&read("rules/starter.yaml")).expect("policy");
    let svc = Running::start(starter_config()).await;
    for signals in [
        "clean",
        "thin-file",
        "risky",
        "banded",
        "no-data",
        "unavailable",
    ] {
        let file = format!("testdata/signals/{signals}.json");
        let kyc =
            underwrite_core::policy::kyc::KycFacts::from_json(&read("testdata/kyc/joe-exact.json"))
                .expect("kyc");
        let expected = policy
            .decide_payload(
                &read(&file),
                Some(&kyc),
                underwrite_core::policy::DecideOptions { trace: false },
            )
            .expect("decides");
        let answer: Value = svc
            .post_json(
                "/v1/decisions",
                application("x", &file, Some("testdata/kyc/joe-exact.json")),
            )
            .await
            .json()
            .await
            .expect("json");
        let mut expected = serde_json::to_value(&expected).expect("json");
        let answer_map = answer.as_object().expect("object");
        for key in ["decision_id", "input_sha256", "arm", "id"] {
            assert!(answer_map.contains_key(key), "{key}");
        }
        let mut stripped = answer.clone();
        for key in ["decision_id", "input_sha256", "arm", "id"] {
            stripped.as_object_mut().expect("object").remove(key);
        }
        expected.as_object_mut().expect("object");
        assert_eq!(stripped, expected, "{signals}");
    }
    svc.server.shutdown().await;
}

async fn problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "status {status}"
    );
    (status, response.json().await.expect("problem json"))
}

#[tokio::test]
async fn errors_are_problem_details_with_the_cli_s_message() {
    let svc = Running::start(starter_config()).await;
    // Malformed JSON: 400.
    let (status, p) = problem(svc.post_json("/v1/decisions", "{\"signals\": ").await).await;
    assert_eq!(status, 400);
    assert_eq!(p["status"], 400);
    assert!(
        p["detail"]
            .as_str()
            .expect("detail")
            .starts_with("not an application: "),
        "{p}"
    );
    assert_eq!(p["type"], "urn:underwrite:problem:malformed");
    // A bad id: 400 naming it.
    let (status, p) = problem(
        svc.post_json("/v1/decisions", r#"{"id": [1], "signals": {}}"#)
            .await,
    )
    .await;
    assert_eq!((status, p["at"].as_str()), (400, Some("id")));
    // Signals the parser refuses: 422 with the CLI's message.
    let (status, p) = problem(
        svc.post_json(
            "/v1/decisions",
            r#"{"signals": {"data": {"status": "PROCESSING"}}}"#,
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        p["detail"],
        "signals not ready: status is PROCESSING (wait for the webhook)"
    );
    // A KYC result whose code and text disagree: 422 naming the field.
    let body = format!(
        r#"{{"signals": {}, "kyc": {{"ResultCode": "1020", "ResultText": "No Match"}}}}"#,
        common::compact("testdata/signals/clean.json")
    );
    let (status, p) = problem(svc.post_json("/v1/decisions", body).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["type"], "urn:underwrite:problem:bad-kyc");
    assert!(
        p["at"].as_str().is_some_and(|at| at.starts_with("kyc.")),
        "{p}"
    );
    // Wrong media type: 415.
    let response = svc
        .client
        .post(svc.url("/v1/decisions"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("answered");
    let (status, _) = problem(response).await;
    assert_eq!(status, 415);
    // Unknown route: 404; wrong method: 405 with Allow.
    let (status, _) = problem(svc.get("/v1/nothing").await).await;
    assert_eq!(status, 404);
    let response = svc.get("/v1/decisions").await;
    assert_eq!(response.headers()["allow"], "POST");
    let (status, p) = problem(response).await;
    assert_eq!(
        (status, p["type"].as_str()),
        (405, Some("urn:underwrite:problem:method-not-allowed"))
    );
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_by_its_declared_length_without_being_read() {
    let mut config = starter_config();
    config.limits.max_body_bytes = 1000;
    let svc = Running::start(config).await;
    let (status, p) = problem(svc.post_json("/v1/decisions", vec![b' '; 1001]).await).await;
    assert_eq!(status, 413);
    assert_eq!(p["detail"], "the body is larger than 1000 bytes");
    // Chunked (no Content-Length): refused once it passes the cap.
    let chunks = futures_like::chunks(vec![vec![b' '; 600], vec![b' '; 600]]);
    let response = svc
        .client
        .post(svc.url("/v1/decisions"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .expect("answered");
    let (status, _) = problem(response).await;
    assert_eq!(status, 413);
    svc.server.shutdown().await;
}

mod futures_like {
    /// A stream of byte chunks for a chunked request body.
    pub fn chunks(
        parts: Vec<Vec<u8>>,
    ) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
        tokio_stream::iter(parts.into_iter().map(Ok))
    }
}

#[tokio::test]
async fn a_batch_answers_each_line_in_order_and_a_bad_line_costs_only_itself() {
    let svc = Running::start(starter_config()).await;
    let good = String::from_utf8(application(
        "a",
        "testdata/signals/clean.json",
        Some("testdata/kyc/joe-exact.json"),
    ))
    .expect("utf-8");
    let risky =
        String::from_utf8(application("b", "testdata/signals/risky.json", None)).expect("utf-8");
    let body = format!("{good}\n\nnot json\n{risky}\r\n");
    let response = svc
        .client
        .post(svc.url("/v1/decisions/batch"))
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.expect("text");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        (
            lines[0]["line"].as_u64(),
            lines[0]["decision"]["decision"].as_str()
        ),
        (Some(1), Some("approve"))
    );
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[1]["line"], 3);
    assert!(lines[1]["error"]["message"]
        .as_str()
        .expect("message")
        .starts_with("not an application"));
    assert_eq!(
        (
            lines[2]["line"].as_u64(),
            lines[2]["decision"]["decision"].as_str()
        ),
        (Some(4), Some("reject"))
    );
    assert_eq!(
        lines[2]["decision"]["input_sha256"],
        underwrite_sha(risky.as_bytes()).as_str()
    );
    svc.server.shutdown().await;
}

#[tokio::test]
async fn kyc_policy_and_health_routes_answer() {
    let svc = Running::start(starter_config()).await;
    let result: Value = svc
        .post_json("/v1/kyc", read("testdata/kyc/joe-exact.json"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(result["ResultCode"], "1020", "{result}");
    let (status, p) = problem(svc.post_json("/v1/kyc", "{\"submitted\": 1}").await).await;
    assert_eq!(status, 400, "{p}");

    let policy: Value = svc.get("/v1/policy").await.json().await.expect("json");
    assert_eq!(policy["champion"]["name"], "starter");
    assert_eq!(
        policy["champion"]["sha256"].as_str().map(str::len),
        Some(64)
    );
    assert!(policy["champion"]["tests"]["passed"].as_u64() > Some(5));
    assert_eq!(policy["reloads"]["succeeded"], 0);

    assert_eq!(svc.get("/healthz").await.status(), 200);
    let ready: Value = svc.get("/readyz").await.json().await.expect("json");
    assert_eq!(ready["status"], "ok");
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_batch_line_that_is_not_utf8_gets_the_message_underwrite_batch_gives() {
    let svc = Running::start(starter_config()).await;
    let good = application(
        "g",
        "testdata/signals/clean.json",
        Some("testdata/kyc/joe-exact.json"),
    );
    let mut body = b"{\"id\": \"\xff\"}\n".to_vec();
    body.extend_from_slice(&good);
    let response = svc
        .client
        .post(svc.url("/v1/decisions/batch"))
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(
        lines[0]["error"]["message"],
        "line is not UTF-8 (invalid byte at column 9)"
    );
    assert_eq!(lines[1]["decision"]["decision"], "approve");
    // A whole body that is not UTF-8 is the single route's 400.
    let (status, p) = problem(svc.post_json("/v1/decisions", b"{\"\xff\"}".to_vec()).await).await;
    assert_eq!(status, 400);
    assert_eq!(
        p["detail"],
        "the body is not UTF-8 (invalid byte at offset 2)"
    );
    svc.server.shutdown().await;
}

/// `underwrite_errors_total{kind, status}` (0 when absent).
async fn errors_counted(svc: &Running, kind: &str, status: &str) -> f64 {
    let text = svc.get("/metrics").await.text().await.expect("metrics");
    common::samples(&text)
        .into_iter()
        .filter(|s| s.name == "underwrite_errors_total")
        .find(|s| {
            s.labels.get("kind").map(String::as_str) == Some(kind)
                && s.labels.get("status").map(String::as_str) == Some(status)
        })
        .map_or(0.0, |s| s.value)
}

#[tokio::test]
async fn a_query_the_route_cannot_read_is_a_bad_query_problem_naming_the_parameter() {
    let svc = Running::start(starter_config()).await;
    let body = application("q-1", "testdata/signals/clean.json", None);
    let cases = [
        (
            "trace=yes",
            "query.trace",
            r#"query parameter `trace` is "yes""#,
        ),
        ("x=1", "query.x", r#"unknown query parameter "x""#),
        (
            "trace=true&trace=false",
            "query.trace",
            "`trace` is given twice",
        ),
        ("trace=1", "query.trace", r#"`trace` is "1""#),
    ];
    let mut refused = 0.0;
    for path in ["/v1/decisions", "/v1/decisions/batch", "/v1/applications"] {
        let media = if path.ends_with("batch") {
            "application/x-ndjson"
        } else {
            "application/json"
        };
        for (query, at, detail) in cases {
            let response = svc
                .client
                .post(svc.url(&format!("{path}?{query}")))
                .header("content-type", media)
                .body(body.clone())
                .send()
                .await
                .expect("answered");
            let (status, problem) = problem(response).await;
            assert_eq!(status, 400, "{path}?{query}: {problem}");
            assert_eq!(
                problem["type"], "urn:underwrite:problem:bad-query",
                "{problem}"
            );
            assert_eq!(problem["at"], at, "{path}?{query}");
            assert!(
                problem["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains(detail)),
                "{path}?{query}: {problem}"
            );
            refused += 1.0;
        }
    }
    assert_eq!(errors_counted(&svc, "bad-query", "400").await, refused);
    // The documented values still work.
    for query in ["", "?trace=false", "?trace=true"] {
        let response = svc
            .post_json(&format!("/v1/decisions{query}"), body.clone())
            .await;
        assert_eq!(response.status(), 200, "{query}");
    }
    svc.server.shutdown().await;
}
