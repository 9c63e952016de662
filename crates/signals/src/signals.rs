//! Parsing a risk-signals payload: the envelope, the request status and both payload shapes.
//!
//! This runs on every decision, so it is one pass of serde over the bytes into borrowing structs:
//! no intermediate `serde_json::Value`, names are `Cow<str>` that borrow from the input unless
//! they contain escapes, each signal's value is a `&RawValue` (the exact JSON text, so a number
//! is never rounded through `f64`), and the fields we do not use (`id`, `createdAt`,
//! `requestMeta`, ...) are skipped without allocating.
//!
//! What is accepted:
//!
//! * the full envelope `{code, message, requestId, data}` or the bare `data` object; the
//!   envelope is recognised by a top-level `data` or `code` key;
//! * `data.items: [{name, value, valueType}]` (the beta shape) or
//!   `data.result: {name: value}` (the alpha shape), exactly one of them when the request
//!   succeeded; order is kept and duplicate names are kept too, so that
//!   [`crate::normalize`] can reject them by name instead of a map silently keeping the last.
//!
//! What the status fields mean ([`Payload::status`]):
//!
//! | `code` | `status`     | `resultCode`                          | outcome                                        |
//! |--------|--------------|---------------------------------------|------------------------------------------------|
//! | not OK | any          | any                                   | [`SignalError::Provider`]                      |
//! | OK     | `PROCESSING` | any                                   | [`SignalError::NotReady`]: wait for the webhook |
//! | OK     | `ERROR`      | any                                   | [`SignalError::Failed`]                        |
//! | OK     | `COMPLETED`  | `SUCCESS`                             | [`SignalStatus::Success`] with the signals     |
//! | OK     | `COMPLETED`  | `NO_DATA`                             | [`SignalStatus::NoData`]: a thin file          |
//! | OK     | `COMPLETED`  | `SYSTEM_ERROR`, `SERVICE_UNAVAILABLE` | [`SignalStatus::Unavailable`]                  |
//!
//! "Unavailable" is an outcome, not an error: the policy decides on it (and never approves).
//! A missing envelope `code` is accepted (the `data` status fields still decide).
//!
//! Shape problems are typed errors ([`SignalError`]) naming the field or the signal; checking
//! the *values* (numbers, bands, ranges) is [`crate::normalize`]'s job, because what is valid
//! depends on the signal's kind.

mod error;
mod payload;
mod wire;

use std::borrow::Cow;

use serde_json::value::RawValue;

pub(crate) use error::excerpt;
use error::wrong_type;
pub use error::{SignalError, MAX_SIGNALS};
pub use payload::{
    JsonType, Payload, PayloadShape, Signal, SignalStatus, UnavailableReason, ValueType,
};
use wire::{Data, Entries, Field, Items, Top};

/// At most this many characters of a provider's message are kept in an error.
const MESSAGE_CHARS: usize = 300;

/// Decode a raw JSON value for a message: a string's contents, else the JSON text; shortened,
/// so that a hostile megabyte of "message" does not become a megabyte of error.
fn raw_message(raw: Option<&RawValue>) -> Option<String> {
    raw.map(|raw| match serde_json::from_str::<String>(raw.get()) {
        Ok(text) => {
            let text = crate::text::escape_controls(&text);
            match text.char_indices().nth(MESSAGE_CHARS) {
                None => text,
                Some((cut, _)) => format!(
                    "{}… ({} characters)",
                    text.get(..cut).unwrap_or(""),
                    text.chars().count()
                ),
            }
        }
        Err(_) => excerpt(&crate::text::escape_controls(raw.get())),
    })
}

/// Parse a signals payload (an envelope or a bare `data` object) from JSON bytes.
///
/// The result borrows from `bytes`. Values are not checked here (see
/// [`crate::normalize::normalize_payload`]); duplicates are kept for it to reject.
///
/// ```
/// use underwrite_signals::signals::{parse, PayloadShape, SignalError, SignalStatus};
/// let bytes = br#"{"status":"COMPLETED","resultCode":"SUCCESS","result":{"events_overdue_day30":2}}"#;
/// let payload = parse(bytes).unwrap();
/// assert_eq!(payload.status, SignalStatus::Success);
/// assert_eq!(payload.shape, Some(PayloadShape::Result));
/// assert_eq!(payload.signals[0].value.get(), "2");
///
/// let pending = br#"{"code":"OK","data":{"status":"PROCESSING"}}"#;
/// assert_eq!(parse(pending).unwrap_err(), SignalError::NotReady);
/// ```
pub fn parse(bytes: &[u8]) -> Result<Payload<'_>, SignalError> {
    let top: Field<Top<'_>> =
        serde_json::from_slice(bytes).map_err(|e| SignalError::from_json(&e))?;
    let top = match top {
        Field::Ok(top) => top,
        Field::Wrong(found) => {
            return Err(wrong_type("payload", "an object", found));
        }
    };
    if let Some(field) = top.duplicate {
        return Err(SignalError::DuplicateField {
            field: field.to_owned(),
        });
    }
    let data = if top.data.is_some() || top.code.is_some() {
        envelope_data(top)?
    } else {
        top.bare
    };
    read_data(data)
}

/// Check the envelope and return its `data`.
fn envelope_data(top: Top<'_>) -> Result<Data<'_>, SignalError> {
    match top.code {
        None => {}
        Some(Field::Wrong(found)) => return Err(wrong_type("code", "a string", found)),
        Some(Field::Ok(code)) if code != "OK" => {
            return Err(SignalError::Provider {
                code: excerpt(&code),
                message: raw_message(top.message).unwrap_or_default(),
            })
        }
        Some(Field::Ok(_)) => {}
    }
    let bare = &top.bare;
    let beside = [
        (bare.status.is_some(), "status"),
        (bare.result_code.is_some(), "resultCode"),
        (bare.items.is_some(), "items"),
        (bare.result.is_some(), "result"),
    ];
    if let Some((_, field)) = beside.iter().find(|(present, _)| *present) {
        return Err(SignalError::AmbiguousEnvelope { field });
    }
    match top.data {
        None | Some(Field::Wrong(JsonType::Null)) => Err(SignalError::MissingField {
            field: "data".to_owned(),
        }),
        Some(Field::Wrong(found)) => Err(wrong_type("data", "an object", found)),
        Some(Field::Ok(data)) => Ok(data),
    }
}

/// A required string field of `data`.
fn required_str<'a>(
    field: Option<Field<Cow<'a, str>>>,
    name: &'static str,
) -> Result<Cow<'a, str>, SignalError> {
    match field {
        None => Err(SignalError::MissingField {
            field: name.to_owned(),
        }),
        Some(Field::Wrong(found)) => Err(wrong_type(name, "a string", found)),
        Some(Field::Ok(text)) => Ok(text),
    }
}

fn read_data(data: Data<'_>) -> Result<Payload<'_>, SignalError> {
    if let Some(field) = data.duplicate {
        return Err(SignalError::DuplicateField {
            field: field.to_owned(),
        });
    }
    let status = required_str(data.status, "status")?;
    match &*status {
        "COMPLETED" => {}
        "PROCESSING" => return Err(SignalError::NotReady),
        "ERROR" => {
            return Err(SignalError::Failed {
                result_code: match data.result_code {
                    Some(Field::Ok(code)) => Some(excerpt(&code)),
                    _ => None,
                },
                message: raw_message(data.result_message),
            })
        }
        other => {
            return Err(SignalError::UnknownValue {
                field: "status",
                value: excerpt(other),
                expected: "PROCESSING, ERROR or COMPLETED",
            })
        }
    }
    let code = required_str(data.result_code, "resultCode")?;
    let status =
        SignalStatus::from_result_code(&code).ok_or_else(|| SignalError::UnknownValue {
            field: "resultCode",
            value: excerpt(&code),
            expected: "SUCCESS, NO_DATA, SYSTEM_ERROR or SERVICE_UNAVAILABLE",
        })?;
    // `null` for the shape that is not used counts as absent.
    let (items, result) = match (data.items, data.result) {
        (Some(items), Some(result)) if result.is_null() => (Some(items), None),
        (Some(items), Some(result)) if items.is_null() => (None, Some(result)),
        (Some(_), Some(_)) => return Err(SignalError::BothShapes),
        other => other,
    };
    if status != SignalStatus::Success {
        let ignored = match (&items, &result) {
            (Some(Field::Ok(items)), _) => items.0.count,
            (_, Some(Field::Ok(result))) => result.0.count,
            _ => 0,
        };
        return Ok(Payload {
            status,
            shape: None,
            signals: Vec::new(),
            ignored,
        });
    }
    let (shape, signals) = match (items, result) {
        (Some(Field::Ok(Items(list))), _) => (PayloadShape::Items, list),
        (Some(Field::Wrong(found)), _) => return Err(wrong_type("items", "an array", found)),
        (None, Some(Field::Ok(Entries(list)))) => (PayloadShape::Result, list),
        (None, Some(Field::Wrong(found))) => return Err(wrong_type("result", "an object", found)),
        (None, None) => return Err(SignalError::NoSignals),
    };
    if let Some(error) = signals.error {
        return Err(error);
    }
    Ok(Payload {
        status,
        shape: Some(shape),
        signals: signals.signals,
        ignored: 0,
    })
}
