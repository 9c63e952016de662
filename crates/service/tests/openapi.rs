//! `GET /openapi.json`: a structurally sound OpenAPI 3.1 document, every route in it served and
//! every served method in it, and real answers (and requests) valid against the schemas it gives
//! for them.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{application, compact, read, starter_config, Running};
use serde_json::{json, Value};
use underwrite_service::{Challenger, ChallengerMode, TokenSet, Tokens};

const ADMIN: &str = "admin-token-for-openapi-tests";
const DECIDE: &str = "decide-token-for-openapi-tests";
const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

async fn document(svc: &Running) -> Value {
    let response = svc.get("/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.expect("json")
}

/// Every `$ref` anywhere under `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// The operations of the document: (path, method) → operation.
fn operations(doc: &Value) -> BTreeMap<(String, String), &Value> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            assert!(METHODS.contains(&method.as_str()), "{path}: {method}");
            out.insert((path.clone(), method.clone()), op);
        }
    }
    out
}

/// A service with decision and admin tokens: every operation needs a token.
fn with_tokens() -> underwrite_service::Config {
    let mut config = starter_config();
    config.tokens = Some(Tokens::new(
        Some(TokenSet::from_list(DECIDE).expect("decision token")),
        Some(TokenSet::from_list(ADMIN).expect("admin token")),
    ));
    config
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_every_reference_and_schema_in_it_is_sound() {
    let svc = Running::start(with_tokens()).await;
    let doc = document(&svc).await;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(
        doc["jsonSchemaDialect"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    // Every reference points into the document, at something that is there.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20, "{}", all.len());
    for target in &all {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{target}: not local"));
        assert!(
            doc.pointer(pointer)
                .is_some_and(|v| v.is_object() || v.is_boolean()),
            "{target} does not resolve"
        );
    }
    // Every component schema is a valid JSON Schema 2020-12, and is used.
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for (name, schema) in schemas {
        jsonschema::draft202012::meta::validate(schema)
            .unwrap_or_else(|e| panic!("components/schemas/{name}: {e}"));
        let target = format!("#/components/schemas/{name}");
        assert!(all.contains(&target.as_str()), "{name} is never used");
    }
    for expected in [
        "DecisionRequest",
        "DecisionResponse",
        "PolicyId",
        "TraceEntry",
        "BatchLine",
        "KycRequestInput",
        "KycResult",
        "PolicyStatus",
        "ReloadAnswer",
        "Health",
        "Problem",
    ] {
        assert!(schemas.contains_key(expected), "no schema {expected}");
    }

    // Operations: unique ids, declared tags, known security schemes, responses with content.
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let mut ids = BTreeSet::new();
    for ((path, method), op) in operations(&doc) {
        let at = format!("{method} {path}");
        let id = op["operationId"].as_str().expect("operationId");
        assert!(ids.insert(id.to_string()), "{at}: operationId {id} twice");
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{at}"
        );
        for tag in op["tags"].as_array().expect("tags") {
            assert!(tags.contains(tag.as_str().expect("tag")), "{at}: {tag}");
        }
        for requirement in op["security"].as_array().into_iter().flatten() {
            for scheme in requirement.as_object().expect("requirement").keys() {
                assert!(schemes.contains_key(scheme), "{at}: {scheme}");
            }
        }
        let responses = op["responses"].as_object().expect("responses");
        assert!(responses.contains_key("200"), "{at}");
        for (status, response) in responses {
            let code: u16 = status.parse().unwrap_or_else(|_| panic!("{at}: {status}"));
            assert!((100..600).contains(&code), "{at}: {status}");
            assert!(response["description"].is_string(), "{at} {status}");
            let content = response["content"].as_object().expect("content");
            assert_eq!(content.len(), 1, "{at} {status}");
            let (media, body) = content.iter().next().expect("a media type");
            assert!(body["schema"].is_object(), "{at} {status} {media}");
            if media == "application/problem+json" {
                assert!(code >= 400, "{at} {status}");
                assert_eq!(body["schema"]["$ref"], "#/components/schemas/Problem");
            }
        }
        if let Some(body) = op.get("requestBody") {
            assert!(body["content"].as_object().is_some_and(|c| !c.is_empty()));
        }
        // A route that needs a token documents the refusal.
        if op.get("security").is_some() {
            assert!(responses.contains_key("401"), "{at}");
        }
    }
    svc.server.shutdown().await;
}

#[tokio::test]
async fn every_documented_operation_is_served_and_no_other_method_is() {
    let svc = Running::start(starter_config()).await;
    let doc = document(&svc).await;
    let documented = operations(&doc);
    let paths: BTreeSet<&String> = documented.keys().map(|(p, _)| p).collect();
    for expected in [
        "/v1/decisions",
        "/v1/decisions/batch",
        "/v1/applications",
        "/v1/kyc",
        "/v1/policy",
        "/v1/admin/reload",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(
            paths.iter().any(|p| *p == expected),
            "{expected}: {paths:?}"
        );
    }
    for path in paths {
        let mut allowed: Vec<String> = METHODS
            .iter()
            .filter(|m| documented.contains_key(&(path.clone(), m.to_string())))
            .map(|m| m.to_uppercase())
            .collect();
        // HTTP's HEAD is GET without the body: a GET route answers it too.
        if allowed.iter().any(|m| m == "GET") {
            allowed.push("HEAD".into());
        }
        for method in METHODS {
            let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("m");
            let response = svc
                .client
                .request(verb, svc.url(path))
                .send()
                .await
                .expect("answered");
            let status = response.status().as_u16();
            if allowed.contains(&method.to_uppercase()) {
                assert!(
                    status != 404 && status != 405,
                    "{method} {path} is documented but answers {status}"
                );
            } else {
                assert_eq!(status, 405, "{method} {path} is not documented");
                assert_eq!(
                    response.headers()["allow"].to_str().expect("allow"),
                    allowed.join(","),
                    "{path}"
                );
            }
        }
    }
    for undocumented in ["/", "/v1", "/v1/admin", "/v1/decisions/x", "/metrics/x"] {
        assert_eq!(svc.get(undocumented).await.status(), 404, "{undocumented}");
    }
    svc.server.shutdown().await;
}

/// Validates instances against the schemas the document gives.
struct Contract {
    doc: Value,
}

impl Contract {
    /// The document with every object schema closed (`unevaluatedProperties: false`) unless it
    /// says what it does with other properties, so an answer with a field the document does
    /// not name fails too. (Only schemas of `"type": "object"`: the branches of a conditional
    /// schema name properties to constrain, not to close.)
    fn new(mut doc: Value) -> Contract {
        fn close(value: &mut Value) {
            match value {
                Value::Object(map) => {
                    if map.contains_key("properties")
                        && !map.contains_key("additionalProperties")
                        && map.get("type").and_then(Value::as_str) == Some("object")
                    {
                        map.insert("unevaluatedProperties".into(), false.into());
                    }
                    map.values_mut().for_each(close);
                }
                Value::Array(items) => items.iter_mut().for_each(close),
                _ => {}
            }
        }
        close(&mut doc["components"]);
        Contract { doc }
    }

    fn check(&self, at: &str, schema: &Value, instance: &Value) {
        let errors = self.errors(schema, instance);
        assert!(errors.is_empty(), "{at}: {errors:#?}\n{instance}");
    }

    fn errors(&self, schema: &Value, instance: &Value) -> Vec<String> {
        let mut root = schema.clone();
        let root_map = root.as_object_mut().expect("schema object");
        root_map.insert(
            "$schema".into(),
            "https://json-schema.org/draft/2020-12/schema".into(),
        );
        root_map.insert("components".into(), self.doc["components"].clone());
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
            .expect("schema compiles");
        validator
            .iter_errors(instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect()
    }

    fn operation(&self, method: &str, path: &str) -> &Value {
        let op = &self.doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        op
    }

    /// Check a request body against the documented request schema.
    fn request(&self, method: &str, path: &str, media: &str, body: &Value) {
        let schema = &self.operation(method, path)["requestBody"]["content"][media]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path}: no {media} request body"
        );
        self.check(&format!("{method} {path} request"), schema, body);
    }

    /// Check an answer against the schema documented for its status and media type (each line
    /// of a JSON Lines answer).
    async fn answer(&self, method: &str, path: &str, response: reqwest::Response) -> (u16, Value) {
        let status = response.status().as_u16();
        let media = response.headers()["content-type"]
            .to_str()
            .expect("content type")
            .split(';')
            .next()
            .expect("essence")
            .trim()
            .to_string();
        let text = response.text().await.expect("body");
        let at = format!("{method} {path} → {status} {media}");
        let documented = &self.operation(method, path)["responses"][status.to_string()];
        assert!(documented.is_object(), "{at}: status not documented");
        let schema = &documented["content"][&media]["schema"];
        assert!(schema.is_object(), "{at}: media type not documented");
        let value = match media.as_str() {
            "application/x-ndjson" => {
                let lines: Vec<Value> = text
                    .lines()
                    .map(|l| serde_json::from_str(l).expect("json line"))
                    .collect();
                for line in &lines {
                    self.check(&at, schema, line);
                }
                Value::Array(lines)
            }
            "text/plain" => Value::String(text),
            _ => serde_json::from_str(&text).unwrap_or_else(|e| panic!("{at}: {e}: {text}")),
        };
        if !matches!(media.as_str(), "application/x-ndjson") {
            self.check(&at, schema, &value);
        }
        (status, value)
    }

    /// Check a problem from a route the document does not list (404) against `Problem`.
    fn problem(&self, problem: &Value) {
        self.check(
            "a problem",
            &json!({ "$ref": "#/components/schemas/Problem" }),
            problem,
        );
    }
}

#[tokio::test]
async fn real_answers_and_requests_validate_against_their_documented_schemas() {
    let (_dir, champion) = common::starter_copy();
    let mut config = starter_config();
    config.policy = champion.clone();
    config.challenger = Some(Challenger {
        policy: common::repo().join("rules/behaviour-scorecard.yaml"),
        mode: ChallengerMode::Shadow,
    });
    config.limits.max_body_bytes = 64 * 1024;
    let admin = TokenSet::from_list(ADMIN).expect("admin token");
    config.tokens = Some(Tokens::new(None, Some(admin)));
    let svc = Running::start(config).await;
    let contract = Contract::new(document(&svc).await);
    let post = |path: &str, media: &str, body: Vec<u8>| {
        svc.client
            .post(svc.url(path))
            .header("content-type", media)
            .body(body)
            .send()
    };

    // Decisions, plain and traced, with and without KYC.
    let mut decisions = Vec::new();
    for (signals, kyc) in [
        ("clean", Some("testdata/kyc/joe-exact.json")),
        ("risky", None),
        ("banded", Some("testdata/kyc/joe-no-match.json")),
        ("no-data", None),
    ] {
        let body = application("a-1", &format!("testdata/signals/{signals}.json"), kyc);
        let as_json: Value = serde_json::from_slice(&body).expect("json");
        contract.request("post", "/v1/decisions", "application/json", &as_json);
        for path in ["/v1/decisions", "/v1/decisions?trace=true"] {
            let response = post(path, "application/json", body.clone())
                .await
                .expect("answered");
            let (status, answer) = contract.answer("post", "/v1/decisions", response).await;
            assert_eq!(status, 200, "{signals}: {answer}");
            assert_eq!(answer["trace"].is_array(), path.ends_with("true"));
            decisions.push(answer);
        }
    }
    // The check can fail: a field the document does not name, or one it requires missing.
    let schema = json!({ "$ref": "#/components/schemas/DecisionResponse" });
    let mut extra = decisions[0].clone();
    extra["undocumented"] = json!(1);
    assert_eq!(contract.errors(&schema, &extra).len(), 1, "{extra}");
    let mut missing = decisions[0].clone();
    missing
        .as_object_mut()
        .expect("object")
        .remove("decision_id");
    assert_eq!(contract.errors(&schema, &missing).len(), 1, "{missing}");

    // A batch with a decided line and a failed one.
    let good =
        String::from_utf8(application("b-1", "testdata/signals/clean.json", None)).expect("utf-8");
    let batch = format!("{good}\nnot json\n");
    let response = post(
        "/v1/decisions/batch?trace=true",
        "application/x-ndjson",
        batch.into_bytes(),
    )
    .await
    .expect("answered");
    let (status, lines) = contract
        .answer("post", "/v1/decisions/batch", response)
        .await;
    assert_eq!(status, 200);
    assert!(lines[0]["decision"].is_object() && lines[1]["error"].is_object());

    // KYC: a match, and an ID not found.
    for file in [
        "testdata/kyc/joe-exact.json",
        "testdata/kyc/joe-invalid-id.json",
    ] {
        let request: Value = serde_json::from_slice(&read(file)).expect("json");
        contract.request("post", "/v1/kyc", "application/json", &request);
        let response = post(
            "/v1/kyc",
            "application/json",
            request.to_string().into_bytes(),
        )
        .await
        .expect("answered");
        let (status, result) = contract.answer("post", "/v1/kyc", response).await;
        assert_eq!(status, 200, "{file}: {result}");
    }

    // The policy status with a challenger; a reload that goes live, one that is refused, and
    // the status that records it.
    let (status, policy) = contract
        .answer("get", "/v1/policy", svc.get("/v1/policy").await)
        .await;
    assert_eq!((status, policy["mode"].as_str()), (200, Some("shadow")));
    let reload = || {
        svc.client
            .post(svc.url("/v1/admin/reload"))
            .bearer_auth(ADMIN)
            .send()
    };
    let (status, _) = contract
        .answer(
            "post",
            "/v1/admin/reload",
            reload().await.expect("answered"),
        )
        .await;
    assert_eq!(status, 200);
    std::fs::write(&champion, "name: [").expect("break the policy");
    let (status, refused) = contract
        .answer(
            "post",
            "/v1/admin/reload",
            reload().await.expect("answered"),
        )
        .await;
    assert_eq!(
        (status, refused["type"].as_str()),
        (409, Some("urn:underwrite:problem:reload-refused")),
        "{refused}"
    );
    let (_, policy) = contract
        .answer("get", "/v1/policy", svc.get("/v1/policy").await)
        .await;
    assert!(policy["reloads"]["last_error"].is_string(), "{policy}");

    // Health, metrics, the document itself.
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        let (status, _) = contract.answer("get", path, svc.get(path).await).await;
        assert_eq!(status, 200, "{path}");
    }

    // Problems of each kind that can be caused from outside.
    let clean = compact("testdata/signals/clean.json");
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("/v1/decisions", "application/json", b"{\"signals\": ".to_vec(), 400),
        ("/v1/decisions", "text/plain", b"{}".to_vec(), 415),
        ("/v1/decisions", "application/json", vec![b' '; 64 * 1024 + 1], 413),
        (
            "/v1/decisions",
            "application/json",
            br#"{"signals": {"data": {"status": "PROCESSING"}}}"#.to_vec(),
            422,
        ),
        (
            "/v1/decisions",
            "application/json",
            format!(r#"{{"signals": {clean}, "kyc": {{"ResultCode": "1020", "ResultText": "No Match"}}}}"#)
                .into_bytes(),
            422,
        ),
        ("/v1/decisions/batch", "application/json", b"{}".to_vec(), 415),
        ("/v1/kyc", "application/json", b"{\"submitted\": 1}".to_vec(), 400),
        ("/v1/kyc", "application/json", read("testdata/kyc/bad_dob.json"), 422),
    ];
    for (path, media, body, expected) in cases {
        let response = post(path, media, body).await.expect("answered");
        let route = path.split('?').next().expect("path");
        let (status, problem) = contract.answer("post", route, response).await;
        assert_eq!(status, expected, "{path}: {problem}");
        assert_eq!(problem["status"], expected);
    }
    // 401 and 403 on the admin route.
    let response = svc
        .client
        .post(svc.url("/v1/admin/reload"))
        .send()
        .await
        .expect("answered");
    let (status, _) = contract.answer("post", "/v1/admin/reload", response).await;
    assert_eq!(status, 401);
    svc.server.shutdown().await;

    // Without admin tokens the admin route is refused: 403.
    let svc = Running::start(starter_config()).await;
    let response = svc
        .client
        .post(svc.url("/v1/admin/reload"))
        .send()
        .await
        .expect("answered");
    let (status, _) = contract.answer("post", "/v1/admin/reload", response).await;
    assert_eq!(status, 403);
    // A route that does not exist, and a method a route does not take: problems too.
    for response in [svc.get("/v1/nothing").await, svc.get("/v1/decisions").await] {
        let status = response.status().as_u16();
        let problem: Value = response.json().await.expect("json");
        assert!(status == 404 || status == 405, "{status}");
        contract.problem(&problem);
    }
    svc.server.shutdown().await;
}

/// `POST /v1/applications`: real requests and answers (completed, the fallback, a 422 before the
/// provider is called, 501 without a provider) against the document.
#[tokio::test]
async fn application_requests_and_answers_validate_against_the_document() {
    use std::time::Duration;
    use underwrite_service::SignalsConfig;
    use underwrite_signals_client::{ClientConfig, Credentials};
    use underwrite_signals_standin::{Script, Standin};

    let standin = Standin::start(Script::default()).await.unwrap();
    let script = Script::default();
    let mut client = ClientConfig::new(Credentials::new(script.key, script.secret));
    client.base_url = standin.base_url().parse().unwrap();
    client.deadlines.total = Duration::from_millis(800);
    client.retry.min_delay = Duration::from_millis(10);
    client.retry.max_delay = Duration::from_millis(20);
    let mut config = starter_config();
    config.signals = Some(SignalsConfig::new(client));
    let svc = Running::start(config).await;
    let contract = Contract::new(document(&svc).await);
    let kyc: Value = serde_json::from_slice(&read("testdata/kyc/joe-exact.json")).unwrap();
    let body = json!({"id": "a-1", "phone": "+639171234564", "template_id": "tpl",
        "consent": {"consentedAt": "2024-08-08T16:06:00Z", "consentTemplateId": "ct-1"},
        "kyc": kyc});
    contract.request("post", "/v1/applications", "application/json", &body);
    let send = |path: &'static str, body: Value| {
        svc.client
            .post(svc.url(path))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let (status, answer) = contract
        .answer(
            "post",
            "/v1/applications",
            send("/v1/applications?trace=true", body.clone())
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(
        (status, answer["signals"]["outcome"].as_str()),
        (200, Some("completed"))
    );
    let mut bad = body.clone();
    bad["consent"] = json!({"consentTemplateId": "ct-1"});
    let (status, _) = contract
        .answer(
            "post",
            "/v1/applications",
            send("/v1/applications", bad).await.unwrap(),
        )
        .await;
    assert_eq!(status, 422);
    standin.shutdown().await;
    let (status, fallback) = contract
        .answer(
            "post",
            "/v1/applications",
            send("/v1/applications", body.clone()).await.unwrap(),
        )
        .await;
    assert_eq!(
        (status, fallback["signals"]["synthesized"].as_bool()),
        (200, Some(true))
    );

    let without = Running::start(starter_config()).await;
    let response = without
        .client
        .post(without.url("/v1/applications"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let (status, _) = contract.answer("post", "/v1/applications", response).await;
    assert_eq!(status, 501);
}

#[tokio::test]
async fn each_operation_s_security_is_what_this_service_enforces() {
    // Without tokens: the decision routes need none (and cannot answer 401); the admin route is
    // refused whatever is sent, so the document offers no token for it either.
    let open = Running::start(starter_config()).await;
    let doc = document(&open).await;
    for ((path, method), op) in operations(&doc) {
        assert!(
            op.get("security").is_none(),
            "{method} {path}: {}",
            op["security"]
        );
        assert!(op["responses"].get("401").is_none(), "{method} {path}");
    }
    let reload = &doc["paths"]["/v1/admin/reload"]["post"];
    let statuses: Vec<&String> = reload["responses"].as_object().unwrap().keys().collect();
    assert_eq!(statuses, ["400", "403"]);
    let decide = open
        .post_json(
            "/v1/decisions",
            application("s-1", "testdata/signals/clean.json", None),
        )
        .await;
    assert_eq!(decide.status(), 200);
    let refused = open
        .client
        .post(open.url("/v1/admin/reload"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    open.server.shutdown().await;

    // With decision and admin tokens: a token on every decision and admin route, 401 without.
    let closed = Running::start(with_tokens()).await;
    let doc = document(&closed).await;
    for ((path, method), op) in operations(&doc) {
        let expected = match path.as_str() {
            "/healthz" | "/readyz" | "/metrics" | "/openapi.json" => Value::Null,
            "/v1/admin/reload" => json!([{ "adminToken": [] }]),
            _ => json!([{ "decisionToken": [] }, { "adminToken": [] }]),
        };
        assert_eq!(op["security"], expected, "{method} {path}");
        if !expected.is_null() {
            assert!(op["responses"]["401"].is_object(), "{method} {path}");
            let anonymous = closed
                .client
                .request(
                    reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    closed.url(&path),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(anonymous.status(), 401, "{method} {path}");
        }
    }
    assert!(doc["paths"]["/v1/admin/reload"]["post"]["responses"]["200"].is_object());
    closed.server.shutdown().await;

    // Admin tokens only: the decision routes are open, the admin route takes its token.
    let mut config = starter_config();
    config.tokens = Some(Tokens::new(None, Some(TokenSet::from_list(ADMIN).unwrap())));
    let admin_only = Running::start(config).await;
    let doc = document(&admin_only).await;
    assert!(doc["paths"]["/v1/decisions"]["post"]
        .get("security")
        .is_none());
    assert_eq!(
        doc["paths"]["/v1/admin/reload"]["post"]["security"],
        json!([{ "adminToken": [] }])
    );
    admin_only.server.shutdown().await;
}

/// Bodies on both sides of each rule the readers apply: a body is valid against the documented
/// schema exactly when the service reads it, and refused (400 or 422) when it is not. "Reads"
/// is a decision (200), or the live policy's own refusal (422 `rule-failed`: the starter policy
/// cannot decide a `SUCCESS` payload without the counts it reads), which no request schema
/// can state.
#[tokio::test]
async fn a_request_is_valid_against_the_document_exactly_when_the_service_takes_it() {
    let svc = Running::start(starter_config()).await;
    let contract = Contract::new(document(&svc).await);
    let clean: Value = serde_json::from_slice(&read("testdata/signals/clean.json")).unwrap();
    let kyc: Value = serde_json::from_slice(&read("testdata/kyc/joe-exact.json")).unwrap();
    let no_data = json!({"status": "COMPLETED", "resultCode": "NO_DATA"});
    let items =
        |items: Value| json!({"status": "COMPLETED", "resultCode": "SUCCESS", "items": items});
    let item = |value: Value, value_type: &str| json!({"signals": items(json!([{"name": "x_score", "value": value, "valueType": value_type}]))});
    let with_kyc = |submitted: Value| json!({"signals": no_data, "kyc": {"submitted": submitted, "authority": null}});
    let name = |extra: Value| {
        let mut record = json!({"first_name": "Joe", "last_name": "Leo"});
        for (k, v) in extra.as_object().unwrap() {
            record[k] = v.clone();
        }
        with_kyc(record)
    };
    let cases: Vec<(&str, Value, bool)> = vec![
        (
            "the shipped clean payload",
            json!({"id": "a", "signals": clean, "kyc": kyc}),
            true,
        ),
        ("a bare NO_DATA payload", json!({"signals": no_data}), true),
        ("no status", json!({"signals": {}}), false),
        (
            "status PROCESSING",
            json!({"signals": {"status": "PROCESSING", "resultCode": "SUCCESS", "items": []}}),
            false,
        ),
        (
            "an unknown resultCode",
            json!({"signals": {"status": "COMPLETED", "resultCode": "MAYBE"}}),
            false,
        ),
        (
            "SUCCESS without signals",
            json!({"signals": {"status": "COMPLETED", "resultCode": "SUCCESS"}}),
            false,
        ),
        (
            "SUCCESS with no items",
            json!({"signals": items(json!([]))}),
            true,
        ),
        (
            "both shapes",
            json!({"signals": {"status": "COMPLETED", "resultCode": "SUCCESS", "items": [], "result": {}}}),
            false,
        ),
        (
            "both shapes, one null",
            json!({"signals": {"status": "COMPLETED", "resultCode": "SUCCESS", "items": [], "result": null}}),
            true,
        ),
        (
            "NO_DATA with both shapes",
            json!({"signals": {"status": "COMPLETED", "resultCode": "NO_DATA", "items": [], "result": {}}}),
            false,
        ),
        (
            "an envelope",
            json!({"signals": {"code": "OK", "data": no_data}}),
            true,
        ),
        (
            "an envelope code that is not OK",
            json!({"signals": {"code": "E1", "data": no_data}}),
            false,
        ),
        (
            "an envelope with status beside data",
            json!({"signals": {"data": no_data, "status": "COMPLETED"}}),
            false,
        ),
        ("data null", json!({"signals": {"data": null}}), false),
        (
            "an unknown signal's number",
            item(json!(12.5), "NUMBER"),
            true,
        ),
        (
            "a number written as a string",
            item(json!("12.5"), "NUMBER"),
            true,
        ),
        ("text declared NUMBER", item(json!("abc"), "NUMBER"), false),
        ("a number declared STRING", item(json!(5), "STRING"), false),
        ("text declared STRING", item(json!("abc"), "STRING"), true),
        ("a boolean value", item(json!(true), "NUMBER"), false),
        ("an unknown valueType", item(json!(1), "BOOL"), false),
        (
            "an empty name",
            items(json!([{"name": "", "value": 1, "valueType": "NUMBER"}])),
            false,
        ),
        (
            "no value",
            items(json!([{"name": "x", "valueType": "NUMBER"}])),
            false,
        ),
        (
            "a result shape",
            json!({"signals": {"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"x": 1, "y": "t", "z": null}}}),
            true,
        ),
        (
            "a result shape with an array",
            json!({"signals": {"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"x": [1]}}}),
            false,
        ),
        (
            "a 256-character id",
            json!({"id": "é".repeat(256), "signals": no_data}),
            true,
        ),
        (
            "a 257-character id",
            json!({"id": "x".repeat(257), "signals": no_data}),
            false,
        ),
        (
            "a 40-digit id",
            json!({"id": serde_json::from_str::<Value>(&"9".repeat(40)).unwrap(), "signals": no_data}),
            true,
        ),
        (
            "a 41-digit id",
            json!({"id": serde_json::from_str::<Value>(&"9".repeat(41)).unwrap(), "signals": no_data}),
            false,
        ),
        (
            "a fraction id",
            json!({"id": 1.5, "signals": no_data}),
            true,
        ),
        ("a null id", json!({"id": null, "signals": no_data}), true),
        (
            "a boolean id",
            json!({"id": true, "signals": no_data}),
            false,
        ),
        (
            "an unknown key",
            json!({"signals": no_data, "kcy": {}}),
            false,
        ),
        ("names given", name(json!({})), true),
        ("first_name null", name(json!({"first_name": null})), false),
        (
            "first_name blank",
            name(json!({"first_name": " \u{3000}"})),
            false,
        ),
        (
            "no last_name",
            with_kyc(json!({"first_name": "Joe"})),
            false,
        ),
        (
            "gender spaced, any case",
            name(json!({"gender": " fEmAlE "})),
            true,
        ),
        ("gender X", name(json!({"gender": "X"})), false),
        ("gender blank", name(json!({"gender": "  "})), true),
        ("dob null", name(json!({"dob": null})), true),
        ("dob a real date", name(json!({"dob": "2000-02-29"})), true),
        ("dob not a date", name(json!({"dob": "2001-02-29"})), false),
        (
            "dob another form",
            name(json!({"dob": "29/02/2000"})),
            false,
        ),
        (
            "phone with formatting",
            name(json!({"phone_number": "+63 (917) 123-4567"})),
            true,
        ),
        (
            "phone with a letter",
            name(json!({"phone_number": "0917 CALL NOW"})),
            false,
        ),
        (
            "phone without digits",
            name(json!({"phone_number": "+()"})),
            false,
        ),
        ("country in any case", name(json!({"country": "ph"})), true),
        (
            "country of three letters",
            name(json!({"country": "PHL"})),
            false,
        ),
        (
            "an unknown record field",
            name(json!({"nickname": "J"})),
            false,
        ),
        (
            "authority missing",
            json!({"signals": no_data, "kyc": {"submitted": {"first_name": "J", "last_name": "L"}}}),
            false,
        ),
    ];
    let schema = &contract.operation("post", "/v1/decisions")["requestBody"]["content"]
        ["application/json"]["schema"];
    let mut wrong = Vec::new();
    for (what, body, valid) in &cases {
        let errors = contract.errors(schema, body);
        let response = svc.post_json("/v1/decisions", body.to_string()).await;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        let taken = status == 200
            || (status == 422 && answer["type"] == "urn:underwrite:problem:rule-failed");
        if errors.is_empty() != *valid || taken != *valid {
            wrong.push(format!("{what}: expected valid={valid}; schema errors {errors:?}; service answered {status} {answer}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    // The KYC route reads the same request.
    let kyc_schema = &contract.operation("post", "/v1/kyc")["requestBody"]["content"]
        ["application/json"]["schema"];
    for (body, valid) in [
        (
            json!({"submitted": {"first_name": "Joe", "last_name": "Leo"}, "authority": null}),
            true,
        ),
        (
            json!({"submitted": {"first_name": null, "last_name": "Leo"}, "authority": null}),
            false,
        ),
        (
            json!({"submitted": {"first_name": "Joe", "last_name": "Leo"}, "authority": {"first_name": null}}),
            true,
        ),
    ] {
        assert_eq!(
            contract.errors(kyc_schema, &body).is_empty(),
            valid,
            "{body}"
        );
        let status = svc.post_json("/v1/kyc", body.to_string()).await.status();
        assert_eq!(status == 200, valid, "{body}: {status}");
    }

    // A positional array is not an application, for the document (the core's reader refuses it
    // too once it stops reading sequences into structs).
    let positional = json!(["app-1", no_data, null]);
    assert!(!contract.errors(schema, &positional).is_empty());
    svc.server.shutdown().await;
}
