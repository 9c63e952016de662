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

#[tokio::test]
async fn the_document_is_openapi_3_1_and_every_reference_and_schema_in_it_is_sound() {
    let svc = Running::start(starter_config()).await;
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
        "KycRequest",
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
    /// The document with every object schema closed (`unevaluatedProperties: false`), so an
    /// answer with a field the document does not name fails too.
    fn new(mut doc: Value) -> Contract {
        fn close(value: &mut Value) {
            match value {
                Value::Object(map) => {
                    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
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
        let validator = jsonschema::draft202012::new(&root).expect("schema compiles");
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
