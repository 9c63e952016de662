//! The provider's full answer around the signals: `{code, message, requestId, data: {id,
//! createdAt, status, resultCode, resultMessage, requestMeta, items | result}}`, in either
//! payload shape, as the files in `testdata/signals/` are.

use std::fmt::Write;

use crate::draw::Draw;
use crate::json;
use crate::signals::{Value, NAMES};

/// The payload shape of the provider's API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Beta: `items: [{name, value, valueType}]`.
    Items,
    /// Alpha: `result: {name: value}`.
    Result,
}

/// The request's final result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// `SUCCESS` with the signals.
    Success,
    /// `NO_DATA`: the provider knows nothing of the phone.
    NoData,
    /// `SERVICE_UNAVAILABLE`: no signals this time.
    Unavailable,
}

/// What one payload says.
pub(crate) struct Payload<'a> {
    /// The shape.
    pub(crate) shape: Shape,
    /// The result.
    pub(crate) outcome: Outcome,
    /// The subject's phone, E.164.
    pub(crate) phone: &'a str,
    /// The values of [`NAMES`] (read only on success).
    pub(crate) values: &'a [Value; 35],
}

/// Days before each month of a non-leap year.
const MONTH_STARTS: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/// A `createdAt` in 2025, from a day of the year and a second of the day.
fn created_at(out: &mut String, d: &mut Draw) {
    let day = d.between(0, 364);
    let month = MONTH_STARTS.iter().rposition(|s| *s <= day).unwrap_or(0);
    let mday = day - MONTH_STARTS[month] + 1;
    let second = d.between(0, 86_399);
    let _ = write!(
        out,
        "2025-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        month + 1,
        mday,
        second / 3600,
        second / 60 % 60,
        second % 60
    );
}

fn value(out: &mut String, v: Value) {
    match v {
        Value::Count(n) => json::number(out, u64::from(n)),
        Value::Money(m) => {
            let _ = write!(out, "{m}");
        }
        Value::Band(level) => {
            let _ = write!(out, "\"A{level}\"");
        }
        Value::Null => out.push_str("null"),
        Value::Bad(text) => out.push_str(text),
    }
}

fn value_type(v: Value) -> &'static str {
    match v {
        Value::Band(_) => "STRING",
        _ => "NUMBER",
    }
}

impl Payload<'_> {
    /// Append the payload as one compact JSON object.
    pub(crate) fn write(&self, out: &mut String, d: &mut Draw) {
        let mut request_id = String::with_capacity(32);
        d.hex(&mut request_id, 32);
        out.push('{');
        json::field(out, "code", "OK");
        out.push(',');
        json::field(out, "message", "Success!");
        out.push(',');
        json::field(out, "requestId", &request_id);
        out.push_str(",\"data\":{\"id\":\"signal-");
        out.push_str(&request_id);
        out.push_str("\",\"createdAt\":\"");
        created_at(out, d);
        out.push_str("\",\"status\":\"COMPLETED\",");
        let (code, message) = match self.outcome {
            Outcome::Success => ("SUCCESS", "query success"),
            Outcome::NoData => ("NO_DATA", "no data found for the subject"),
            Outcome::Unavailable => (
                "SERVICE_UNAVAILABLE",
                "upstream data source unavailable, retry later",
            ),
        };
        json::field(out, "resultCode", code);
        out.push(',');
        json::field(out, "resultMessage", message);
        out.push_str(",\"requestMeta\":{");
        json::field(out, "phone", self.phone);
        out.push_str(
            ",\"consent\":{\"type\":\"[Personal Loans] Terms & Conditions\",\
             \"version\":\"Loan Terms & Conditions\",\"consentedAt\":\"2025-01-01T00:00:00Z\",\
             \"consentedWith\":\"I agree to the Terms & Conditions\",\
             \"consentTemplateId\":\"ct-0000000000000000000000000000gen1\"}}",
        );
        match (self.outcome, self.shape) {
            (Outcome::Unavailable, _) => {}
            (Outcome::NoData, Shape::Items) => out.push_str(",\"items\":[]"),
            (Outcome::NoData, Shape::Result) => out.push_str(",\"result\":{}"),
            (Outcome::Success, Shape::Items) => {
                out.push_str(",\"items\":[");
                for (i, (name, v)) in NAMES.iter().zip(self.values).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str("{\"name\":\"");
                    out.push_str(name);
                    out.push_str("\",\"value\":");
                    value(out, *v);
                    out.push_str(",\"valueType\":\"");
                    out.push_str(value_type(*v));
                    out.push_str("\"}");
                }
                out.push(']');
            }
            (Outcome::Success, Shape::Result) => {
                out.push_str(",\"result\":{");
                for (i, (name, v)) in NAMES.iter().zip(self.values).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json::key(out, name);
                    value(out, *v);
                }
                out.push('}');
            }
        }
        out.push_str("}}");
    }
}
