//! The route table, and `GET /openapi.json` (OpenAPI 3.1) generated from it and from the
//! contract types.
//!
//! [`OPERATIONS`] is the one list of routes: the router is built from it (`app::router` maps
//! each [`Endpoint`] to its handler and each [`Access`] to its middleware), the metrics name
//! routes from it, and the document is generated from it. So a route cannot be served without
//! being documented, or documented without being served.
//!
//! Schemas are not written here: `schemars` derives them from the types the routes read and
//! write (`api`, `problem`, core's `Decision`, KYC's request and result). Request bodies are
//! described as they are *deserialized* and answers as they are *serialized* (a field with a
//! default is optional in a request; a field always written is required in an answer), each in
//! JSON Schema 2020-12, OpenAPI 3.1's dialect, under `#/components/schemas/`.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{json, Map, Value};

use crate::api::{
    ApplicationRequest, ApplicationResponse, BatchLine, DecisionRequest, DecisionResponse, Health,
    PolicyStatus, ReloadAnswer,
};
use crate::problem::{Problem, KINDS, PROBLEM_JSON};
use crate::request_schema::KycRequestInput;

/// An HTTP method a route answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl Method {
    /// The lower-case name OpenAPI uses as the operation's key.
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health, readiness, metrics, this document.
    Open,
    /// A decision token (or an admin token), when decision tokens are configured.
    Decide,
    /// An admin token; refused when no admin tokens are configured.
    Admin,
}

/// What a route does: `app::router` maps each to its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v1/decisions`.
    Decide,
    /// `POST /v1/decisions/batch`.
    DecideBatch,
    /// `POST /v1/kyc`.
    Kyc,
    /// `POST /v1/applications`.
    Application,
    /// `GET /v1/policy`.
    Policy,
    /// `POST /v1/admin/reload`.
    Reload,
    /// `GET /healthz`.
    Healthz,
    /// `GET /readyz`.
    Readyz,
    /// `GET /metrics`.
    Metrics,
    /// `GET /openapi.json`.
    OpenApi,
}

/// A schema made by a generator (a `$ref` into the components for a named type).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A body: its media type and the schema of its content.
#[derive(Debug, Clone, Copy)]
pub struct Body {
    /// The media type.
    pub media: &'static str,
    /// The schema of the content (of one line, for JSON Lines).
    pub schema: SchemaFn,
    /// What the body is.
    pub description: &'static str,
}

/// An answer that is not a problem.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// When it is given, and what it carries.
    pub body: Body,
}

/// What a query parameter's value is (`routes::query` reads it, the document describes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `true` or `false`, exactly.
    Bool,
}

impl ParamKind {
    fn schema(self) -> Value {
        match self {
            ParamKind::Bool => json!({ "type": "boolean" }),
        }
    }
}

/// A query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// What it does.
    pub description: &'static str,
    /// What its value is.
    pub kind: ParamKind,
}

/// One route: what the router serves and the document describes.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// The handler.
    pub endpoint: Endpoint,
    /// The method.
    pub method: Method,
    /// The path.
    pub path: &'static str,
    /// A unique name (`operationId`).
    pub id: &'static str,
    /// The group it is listed under.
    pub tag: &'static str,
    /// One line.
    pub summary: &'static str,
    /// More, when one line is not enough.
    pub description: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Query parameters.
    pub query: &'static [Param],
    /// The request body, if it takes one.
    pub request: Option<Body>,
    /// The answers that are not problems.
    pub answers: &'static [Answer],
    /// Statuses answered with a problem (besides 401 / 403, which [`Access`] adds).
    pub problems: &'static [u16],
}

const JSON: &str = "application/json";
const NDJSON: &str = "application/x-ndjson";

/// Problems any route that reads a body can give.
const BODY_PROBLEMS: &[u16] = &[400, 408, 413, 415, 422, 500];

/// `?trace=true|false` of the decision routes.
pub const TRACE: Param = Param {
    name: "trace",
    description: "Include each decision's trace: every rule, bin and derived feature evaluated, \
                  with the values it read. `true` or `false`; a parameter the route does not \
                  take, or one given twice, is a 400 `bad-query` problem.",
    kind: ParamKind::Bool,
};

/// Every route the service serves.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        endpoint: Endpoint::Decide,
        method: Method::Post,
        path: "/v1/decisions",
        id: "decide",
        tag: "decisions",
        summary: "Decide one application",
        description: "The same decision `underwrite decide` makes for the same input, plus the \
                      decision's id, the request's hash and the arm that answered. With a \
                      decision log, the answer is given only once the decision is logged (503 \
                      otherwise).",
        access: Access::Decide,
        query: &[TRACE],
        request: Some(Body {
            media: JSON,
            schema: schema_of::<DecisionRequest>,
            description: "An application: the risk signals as the provider returned them, and \
                          optionally a KYC request or result.",
        }),
        answers: &[Answer {
            status: 200,
            body: Body {
                media: JSON,
                schema: schema_of::<DecisionResponse>,
                description: "The decision.",
            },
        }],
        problems: &[400, 408, 413, 415, 422, 500, 503],
    },
    Operation {
        endpoint: Endpoint::DecideBatch,
        method: Method::Post,
        path: "/v1/decisions/batch",
        id: "decideBatch",
        tag: "decisions",
        summary: "Decide applications in bulk (JSON Lines in, JSON Lines out)",
        description: "Each non-blank input line is one application (the body of \
                      `POST /v1/decisions`); each gives one output line, in input order, \
                      streamed as the body arrives (read the answer while sending). A line \
                      that cannot be decided is that line's error and the others go on. A batch \
                      that stops early (the log fails, the body breaks or passes its cap or its \
                      time) ends with a line carrying `aborted` (a problem) and `line`, the first \
                      line without an answer, and its body is cut off. 503 `batch-busy` when \
                      the batches in flight hold the whole batch memory budget. The schemas \
                      given are those of one line.",
        access: Access::Decide,
        query: &[TRACE],
        request: Some(Body {
            media: NDJSON,
            schema: schema_of::<DecisionRequest>,
            description: "JSON Lines: each line is one application (this schema is one line's).",
        }),
        answers: &[Answer {
            status: 200,
            body: Body {
                media: NDJSON,
                schema: schema_of::<BatchLine>,
                description: "JSON Lines: one line per input line that was not blank (this \
                              schema is one line's).",
            },
        }],
        problems: &[400, 408, 413, 415, 500, 503],
    },
    Operation {
        endpoint: Endpoint::Application,
        method: Method::Post,
        path: "/v1/applications",
        id: "decideApplication",
        tag: "decisions",
        summary: "Fetch an applicant's risk signals and decide",
        description: "The service checks the phone, consent, id and KYC input (422 naming the \
                      field, before any call to the provider, since each call is billed), \
                      fetches the signals from the provider (retrying only what certainly did \
                      not complete, polling a PROCESSING request, within the configured \
                      deadline), matches the KYC request, decides, logs and answers. When the \
                      provider gives no usable payload, the policy's `signals_unavailable` \
                      fallback decides (never an approve) and `signals` says why. 501 when the \
                      service has no provider configured.",
        access: Access::Decide,
        query: &[TRACE],
        request: Some(Body {
            media: JSON,
            schema: schema_of::<ApplicationRequest>,
            description: "The applicant's phone, consent and (optionally) KYC request.",
        }),
        answers: &[Answer {
            status: 200,
            body: Body {
                media: JSON,
                schema: schema_of::<ApplicationResponse>,
                description: "The decision, and how the signals were fetched.",
            },
        }],
        problems: &[400, 408, 413, 415, 422, 500, 501, 503],
    },
    Operation {
        endpoint: Endpoint::Kyc,
        method: Method::Post,
        path: "/v1/kyc",
        id: "matchKyc",
        tag: "kyc",
        summary: "Match a KYC request",
        description: "The submitted record against the authority's, with the default matching \
                      configuration: the result `underwrite kyc` prints.",
        access: Access::Decide,
        query: &[],
        request: Some(Body {
            media: JSON,
            schema: schema_of::<KycRequestInput>,
            description: "The submitted record, the authority's record (null when the ID was \
                          not found) and whether the authority was unavailable.",
        }),
        answers: &[Answer {
            status: 200,
            body: Body {
                media: JSON,
                schema: schema_of::<underwrite_kyc::KycResult>,
                description: "The result, in the reference's shape, with the details it rests \
                              on.",
            },
        }],
        problems: BODY_PROBLEMS,
    },
    Operation {
        endpoint: Endpoint::Policy,
        method: Method::Get,
        path: "/v1/policy",
        id: "policyStatus",
        tag: "policy",
        summary: "The live policies and the reload record",
        description: "",
        access: Access::Decide,
        query: &[],
        request: None,
        answers: &[Answer {
            status: 200,
            body: Body {
                media: JSON,
                schema: schema_of::<PolicyStatus>,
                description: "The champion, the challenger if one runs, and how reloads went.",
            },
        }],
        problems: &[500],
    },
    Operation {
        endpoint: Endpoint::Reload,
        method: Method::Post,
        path: "/v1/admin/reload",
        id: "reload",
        tag: "admin",
        summary: "Reload the policy files",
        description: "Load the policy files again and run their tests; the new policies go \
                      live only when all of that passes, else the live ones stay. Needs an \
                      admin token; refused (403) when the service runs without admin tokens.",
        access: Access::Admin,
        query: &[],
        request: None,
        answers: &[Answer {
            status: 200,
            body: Body {
                media: JSON,
                schema: schema_of::<ReloadAnswer>,
                description: "The new policies are live.",
            },
        }],
        problems: &[409, 500],
    },
    Operation {
        endpoint: Endpoint::Healthz,
        method: Method::Get,
        path: "/healthz",
        id: "healthz",
        tag: "operations",
        summary: "Liveness: the process answers",
        description: "",
        access: Access::Open,
        query: &[],
        request: None,
        answers: &[Answer {
            status: 200,
            body: Body {
                media: JSON,
                schema: schema_of::<Health>,
                description: "`ok`.",
            },
        }],
        problems: &[],
    },
    Operation {
        endpoint: Endpoint::Readyz,
        method: Method::Get,
        path: "/readyz",
        id: "readyz",
        tag: "operations",
        summary: "Readiness: decisions are taken",
        description: "",
        access: Access::Open,
        query: &[],
        request: None,
        answers: &[
            Answer {
                status: 200,
                body: Body {
                    media: JSON,
                    schema: schema_of::<Health>,
                    description: "`ok`.",
                },
            },
            Answer {
                status: 503,
                body: Body {
                    media: JSON,
                    schema: schema_of::<Health>,
                    description: "`draining`: shutdown has begun.",
                },
            },
        ],
        problems: &[],
    },
    Operation {
        endpoint: Endpoint::Metrics,
        method: Method::Get,
        path: "/metrics",
        id: "metrics",
        tag: "operations",
        summary: "Prometheus metrics",
        description: "The Prometheus text format, version 0.0.4 (see docs/service-ops.md for \
                      each metric).",
        access: Access::Open,
        query: &[],
        request: None,
        answers: &[Answer {
            status: 200,
            body: Body {
                media: "text/plain",
                schema: schema_of::<String>,
                description: "The exposition (`text/plain; version=0.0.4; charset=utf-8`).",
            },
        }],
        problems: &[],
    },
    Operation {
        endpoint: Endpoint::OpenApi,
        method: Method::Get,
        path: "/openapi.json",
        id: "openapi",
        tag: "operations",
        summary: "This document",
        description: "",
        access: Access::Open,
        query: &[],
        request: None,
        answers: &[Answer {
            status: 200,
            body: Body {
                media: JSON,
                schema: schema_of::<Map<String, Value>>,
                description: "The OpenAPI 3.1 document.",
            },
        }],
        problems: &[],
    },
];

/// The route pattern `path` is, as a static string (for metric labels).
pub fn route_pattern(path: &str) -> Option<&'static str> {
    OPERATIONS
        .iter()
        .find(|op| op.path == path)
        .map(|op| op.path)
}

const SCHEMAS: &str = "#/components/schemas/";
const DECISION_TOKEN: &str = "decisionToken";
const ADMIN_TOKEN: &str = "adminToken";

/// Which tokens the service runs with: the document states the authentication each operation
/// needs on *this* service, so a client (or a tool that tests with and without credentials)
/// reads the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Auth {
    /// Decision tokens are configured: the decision routes need a bearer token.
    pub decision_tokens: bool,
    /// Admin tokens are configured: the admin routes take one; without, they are refused.
    pub admin_tokens: bool,
}

/// The OpenAPI document of a service running with `auth`.
pub fn document(auth: Auth) -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = SCHEMAS.into();
        s.meta_schema = None;
    });
    let mut reads = settings.clone().for_deserialize().into_generator();
    let mut writes = settings.for_serialize().into_generator();
    let mut paths = Map::new();
    for op in OPERATIONS {
        let item = paths
            .entry(op.path)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(
                op.method.key().to_string(),
                operation(op, auth, &mut reads, &mut writes),
            );
        }
    }
    let mut paths = Value::Object(paths);
    let mut schemas = merge_definitions(
        reads.take_definitions(true),
        writes.take_definitions(true),
        &mut paths,
    );
    list_problem_kinds(&mut schemas);
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "underwrite decision service",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Credit decisions from phone risk signals and KYC, by tested policies.",
            "description": "Errors are RFC 9457 problem details (`application/problem+json`) \
                carrying the message the `underwrite` CLI gives for the same input. This \
                document describes the service as it runs: each operation's `security` says \
                whether it needs a bearer token here (the decision routes need one only when the \
                service runs with decision tokens; the admin routes take an admin token, and \
                are refused with 403 when it runs without admin tokens); health, readiness, \
                metrics and this document are open. TLS is the reverse proxy's job.",
            "license": { "name": "MIT", "identifier": "MIT" },
        },
        "tags": [
            { "name": "decisions", "description": "Credit decisions." },
            { "name": "kyc", "description": "KYC matching." },
            { "name": "policy", "description": "The live policies." },
            { "name": "admin", "description": "Operator actions (admin token)." },
            { "name": "operations", "description": "Health, readiness, metrics, this document." },
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                DECISION_TOKEN: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A decision token (`--tokens`). Needed only when the service \
                        runs with decision tokens; an admin token works too.",
                },
                ADMIN_TOKEN: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An admin token (`--admin-tokens`).",
                },
            },
        },
    })
}

/// Every kind of problem as the only values of `Problem.type`.
fn list_problem_kinds(schemas: &mut Map<String, Value>) {
    if let Some(kind) = schemas
        .get_mut("Problem")
        .and_then(|p| p.pointer_mut("/properties/type"))
    {
        let urns: Vec<String> = KINDS
            .iter()
            .map(|k| format!("urn:underwrite:problem:{}", k.slug))
            .collect();
        let described: Vec<String> = KINDS
            .iter()
            .map(|k| format!("`{}`: {}", k.slug, k.when))
            .collect();
        *kind = json!({
            "type": "string",
            "enum": urns,
            "description": format!(
                "The kind of problem, `urn:underwrite:problem:<kind>`. {}.",
                described.join("; ")
            ),
        });
    }
}

fn operation(
    op: &Operation,
    auth: Auth,
    reads: &mut SchemaGenerator,
    writes: &mut SchemaGenerator,
) -> Value {
    let admin_off = op.access == Access::Admin && !auth.admin_tokens;
    let mut out = Map::new();
    out.insert("operationId".into(), op.id.into());
    out.insert("tags".into(), json!([op.tag]));
    out.insert("summary".into(), op.summary.into());
    if admin_off {
        out.insert(
            "description".into(),
            "Disabled: this service runs without admin tokens, so this route is refused \
             (403 `admin-disabled`) whatever the request carries. Start it with \
             `--admin-tokens` to use it."
                .into(),
        );
    } else if !op.description.is_empty() {
        out.insert("description".into(), op.description.into());
    }
    if !op.query.is_empty() {
        let params: Vec<Value> = op
            .query
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "in": "query",
                    "required": false,
                    "description": p.description,
                    "schema": p.kind.schema(),
                })
            })
            .collect();
        out.insert("parameters".into(), params.into());
    }
    if let Some(body) = &op.request {
        out.insert(
            "requestBody".into(),
            json!({
                "required": true,
                "description": body.description,
                "content": { body.media: { "schema": (body.schema)(reads) } },
            }),
        );
    }
    let mut responses = Map::new();
    let answers = if admin_off { &[][..] } else { op.answers };
    let problems = if admin_off { &[403][..] } else { op.problems };
    for answer in answers {
        responses.insert(
            answer.status.to_string(),
            json!({
                "description": answer.body.description,
                "content": { answer.body.media: { "schema": (answer.body.schema)(writes) } },
            }),
        );
    }
    let problem = schema_of::<Problem>(writes);
    // Any request may be refused for its `Host` header (400 `bad-host`).
    let host: &[u16] = if problems.contains(&400) { &[] } else { &[400] };
    for status in access_problems(op.access, auth)
        .iter()
        .chain(problems)
        .chain(host)
    {
        responses.insert(
            status.to_string(),
            json!({
                "description": problem_description(*status),
                "content": { PROBLEM_JSON: { "schema": problem.clone() } },
            }),
        );
    }
    out.insert("responses".into(), responses.into());
    if let Some(security) = security(op.access, auth) {
        out.insert("security".into(), security);
    }
    Value::Object(out)
}

/// An operation's security requirement on a service running with `auth` (none: no token
/// needed, or none that could help).
fn security(access: Access, auth: Auth) -> Option<Value> {
    match access {
        Access::Decide if auth.decision_tokens && auth.admin_tokens => {
            Some(json!([{ DECISION_TOKEN: [] }, { ADMIN_TOKEN: [] }]))
        }
        Access::Decide if auth.decision_tokens => Some(json!([{ DECISION_TOKEN: [] }])),
        Access::Admin if auth.admin_tokens => Some(json!([{ ADMIN_TOKEN: [] }])),
        Access::Open | Access::Decide | Access::Admin => None,
    }
}

/// The refusals an operation's access adds on a service running with `auth`.
fn access_problems(access: Access, auth: Auth) -> &'static [u16] {
    match access {
        Access::Decide if auth.decision_tokens => &[401],
        Access::Admin if auth.admin_tokens => &[401, 403],
        Access::Open | Access::Decide | Access::Admin => &[],
    }
}

fn problem_description(status: u16) -> &'static str {
    match status {
        400 => {
            "The body is not what the route reads (`malformed`), a query parameter is not one \
                it takes or not a value it reads (`bad-query`, `at` names the parameter), or the \
                `Host` header is missing, repeated or invalid (`bad-host`)."
        }
        401 => "No bearer token, or not one the service accepts (see `WWW-Authenticate`).",
        403 => {
            "The token may not use this route (`forbidden`), or the service runs without admin \
                tokens (`admin-disabled`)."
        }
        408 => "The request was not received and answered in time.",
        409 => {
            "The policy files were refused (`detail` names each failing file and why); the \
                live policies stay."
        }
        413 => "The body is larger than the route allows.",
        415 => {
            "The body is not of a media type the route reads (`unsupported-media-type`), or it \
                has a `Content-Encoding` other than `identity` (`unsupported-encoding`; the \
                answer says `Accept-Encoding: identity`)."
        }
        422 => "Well-formed, but the signals, the KYC input or a rule refused it.",
        500 => "A bug, caught.",
        503 => "The decision could not be logged, so it is not given.",
        _ => "A problem.",
    }
}

/// All the definitions under one name space. A type whose request and answer schemas differ
/// (it is read and written differently) keeps the answer's under its name; the request's is
/// renamed `<name>Input` and the references to it in request bodies and parameters follow.
fn merge_definitions(
    reads: Map<String, Value>,
    writes: Map<String, Value>,
    paths: &mut Value,
) -> Map<String, Value> {
    let renamed: Vec<(String, String)> = reads
        .iter()
        .filter(|(name, schema)| writes.get(*name).is_some_and(|w| w != *schema))
        .map(|(name, _)| {
            let mut new = format!("{name}Input");
            while reads.contains_key(&new) || writes.contains_key(&new) {
                new.push('_');
            }
            (name.clone(), new)
        })
        .collect();
    let mut merged = writes;
    for (name, mut schema) in reads {
        rename_refs(&mut schema, &renamed);
        let name = renamed
            .iter()
            .find(|(old, _)| *old == name)
            .map_or(name, |(_, new)| new.clone());
        merged.entry(name).or_insert(schema);
    }
    if let Value::Object(paths) = paths {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut().filter_map(Value::as_object_mut) {
                for key in ["parameters", "requestBody"] {
                    if let Some(request_side) = op.get_mut(key) {
                        rename_refs(request_side, &renamed);
                    }
                }
            }
        }
    }
    merged
}

fn rename_refs(value: &mut Value, renamed: &[(String, String)]) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref") {
                if let Some((_, new)) = target
                    .strip_prefix(SCHEMAS)
                    .and_then(|name| renamed.iter().find(|(old, _)| old == name))
                {
                    *target = format!("{SCHEMAS}{new}");
                }
            }
            map.values_mut().for_each(|v| rename_refs(v, renamed));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, renamed)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_read_and_written_differently_gets_two_schemas_and_requests_point_at_theirs() {
        let reads = json!({ "A": { "required": [] }, "B": { "$ref": "#/components/schemas/A" } });
        let writes = json!({ "A": { "required": ["x"] }, "C": { "type": "string" } });
        let mut paths = json!({ "/p": { "post": {
            "requestBody": { "content": { "a/b": { "schema": { "$ref": "#/components/schemas/A" } } } },
            "responses": { "200": { "content": { "a/b": { "schema": { "$ref": "#/components/schemas/A" } } } } },
        } } });
        let as_map = |v: Value| match v {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let merged = Value::Object(merge_definitions(as_map(reads), as_map(writes), &mut paths));
        assert_eq!(
            merged,
            json!({
                "A": { "required": ["x"] },
                "AInput": { "required": [] },
                "B": { "$ref": "#/components/schemas/AInput" },
                "C": { "type": "string" },
            })
        );
        let op = &paths["/p"]["post"];
        assert_eq!(
            op["requestBody"]["content"]["a/b"]["schema"]["$ref"],
            "#/components/schemas/AInput"
        );
        assert_eq!(
            op["responses"]["200"]["content"]["a/b"]["schema"]["$ref"],
            "#/components/schemas/A"
        );
    }

    #[test]
    fn every_operation_is_one_path_and_method_with_a_unique_id() {
        for (i, a) in OPERATIONS.iter().enumerate() {
            for b in &OPERATIONS[i + 1..] {
                assert!(
                    (a.path, a.method) != (b.path, b.method),
                    "{} {:?} twice",
                    a.path,
                    a.method
                );
                assert_ne!(a.id, b.id);
                assert_ne!(a.endpoint, b.endpoint, "{:?} twice", a.endpoint);
            }
        }
    }
}
