//! What the stand-in sends back: the success envelope, the error body, and how either becomes
//! an HTTP response (including the scripted ways a success is spoiled on its way back).

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde::ser::Serializer;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::phonebook::{Entries, Item, Signals};
use crate::script::Garble;

/// The page a misconfigured proxy sends instead of the provider's JSON.
const HTML_PAGE: &str = "<html><body>Gateway</body></html>";

/// A fresh 32-hex-digit identifier (a UUIDv7 without dashes), for `requestId` and signal ids.
pub(crate) fn fresh_hex() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Where a signal request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Status {
    /// Not ready yet.
    Processing,
    /// Done; `resultCode` says how.
    Completed,
}

/// `data.requestMeta`: what the request sent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestMeta {
    /// The subject's phone.
    pub phone: String,
    /// The signal template, when the request named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    /// The consent, exactly as sent.
    pub consent: Box<RawValue>,
}

/// `data`: one signal request as the provider reports it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Data {
    /// `signal-` and 32 hex digits.
    pub id: String,
    /// When the request was made, RFC 3339 in UTC.
    pub created_at: String,
    /// Where it stands.
    pub status: Status,
    /// The outcome, once completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_code: Option<String>,
    /// The outcome in words, once completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_message: Option<String>,
    /// What the request sent.
    pub request_meta: RequestMeta,
    /// The signals, once completed: `items` (beta) or `result` (alpha).
    #[serde(flatten, serialize_with = "signals_fields")]
    pub signals: Signals,
}

impl Data {
    /// The same request as it looks while still processing: no outcome, no signals.
    pub(crate) fn processing(&self) -> Data {
        Data {
            id: self.id.clone(),
            created_at: self.created_at.clone(),
            status: Status::Processing,
            result_code: None,
            result_message: None,
            request_meta: self.request_meta.clone(),
            signals: Signals::Absent,
        }
    }
}

/// Write the signals as the `items` or `result` field of the flattened `data` object.
fn signals_fields<S: Serializer>(signals: &Signals, serializer: S) -> Result<S::Ok, S::Error> {
    /// `{"items": [...]}`.
    #[derive(Serialize)]
    struct ItemsField<'a> {
        items: &'a [Item],
    }
    /// `{"result": {...}}`.
    #[derive(Serialize)]
    struct ResultField<'a> {
        result: &'a Entries,
    }
    /// Nothing.
    #[derive(Serialize)]
    struct NoField {}
    match signals {
        Signals::Absent => NoField {}.serialize(serializer),
        Signals::Items(items) => ItemsField { items }.serialize(serializer),
        Signals::Result(result) => ResultField { result }.serialize(serializer),
    }
}

/// The success envelope.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    code: &'static str,
    message: &'static str,
    request_id: String,
    data: &'a Data,
}

/// The error body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    request_id: String,
}

/// An answer, before it becomes HTTP.
#[derive(Debug)]
pub(crate) enum Answer {
    /// HTTP 200 with the envelope around this `data`.
    Signal(Data),
    /// An error status with `{code, message, requestId}`.
    Error {
        /// The HTTP status.
        status: StatusCode,
        /// The body's `code`, e.g. `BAD_REQUEST`.
        code: &'static str,
        /// The body's `message`.
        message: String,
        /// `Retry-After` seconds, if any.
        retry_after: Option<u32>,
    },
}

impl Answer {
    /// An error answer without `Retry-After`.
    pub(crate) fn error(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Answer::Error {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The HTTP response; a success is spoiled as `garble` says.
    pub(crate) fn into_response(self, garble: &Garble) -> Response {
        match self {
            Answer::Signal(data) => {
                let envelope = Envelope {
                    code: "OK",
                    message: "Success!",
                    request_id: fresh_hex(),
                    data: &data,
                };
                match serde_json::to_vec(&envelope) {
                    Ok(json) => success(json, garble),
                    Err(e) => Answer::error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "SYSTEM_ERROR",
                        format!("stand-in could not write its answer: {e}"),
                    )
                    .into_response(garble),
                }
            }
            Answer::Error {
                status,
                code,
                message,
                retry_after,
            } => {
                let body = ErrorBody {
                    code,
                    message: &message,
                    request_id: fresh_hex(),
                };
                // An error body of two strings always serializes.
                let json = serde_json::to_vec(&body).unwrap_or_default();
                let mut response = json_response(status, json);
                if let Some(seconds) = retry_after {
                    response
                        .headers_mut()
                        .insert(RETRY_AFTER, HeaderValue::from(seconds));
                }
                response
            }
        }
    }
}

/// A 200 answer carrying `json`, unless the script spoils it.
fn success(json: Vec<u8>, garble: &Garble) -> Response {
    match garble {
        Garble::None => json_response(StatusCode::OK, json),
        Garble::Truncate => {
            let mut json = json;
            json.truncate(json.len() / 2);
            json_response(StatusCode::OK, json)
        }
        Garble::Html(content_type) => {
            let mut response = Response::new(Body::from(HTML_PAGE));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, content_type.clone());
            response
        }
    }
}

/// A response with `status` and a JSON body.
fn json_response(status: StatusCode, json: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(json));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
