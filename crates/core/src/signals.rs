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

mod wire;

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::catalog::SignalKind;
use crate::features::Band;
use wire::{Data, Entries, Field, Item, Items, Top};

/// Why the signals are unavailable (the provider's `resultCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnavailableReason {
    /// `SYSTEM_ERROR`: the provider failed.
    SystemError,
    /// `SERVICE_UNAVAILABLE`: the provider's data source was down.
    ServiceUnavailable,
}

impl UnavailableReason {
    /// The provider's spelling (`"SYSTEM_ERROR"`, `"SERVICE_UNAVAILABLE"`).
    pub fn as_str(self) -> &'static str {
        match self {
            UnavailableReason::SystemError => "SYSTEM_ERROR",
            UnavailableReason::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }
}

/// The outcome of a completed signals request.
///
/// Serializes as the provider's `resultCode` (`"SUCCESS"`, `"NO_DATA"`, `"SYSTEM_ERROR"`,
/// `"SERVICE_UNAVAILABLE"`), which is also what [`SignalStatus::as_str`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalStatus {
    /// `SUCCESS`: the signals are there.
    Success,
    /// `NO_DATA`: a valid result with no signals (a thin file); the policy decides.
    NoData,
    /// The signals could not be obtained; the policy decides, and never approves on it.
    Unavailable(UnavailableReason),
}

impl SignalStatus {
    /// The provider's `resultCode` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalStatus::Success => "SUCCESS",
            SignalStatus::NoData => "NO_DATA",
            SignalStatus::Unavailable(reason) => reason.as_str(),
        }
    }

    /// Parse a `resultCode` (exact spelling). `None` for anything else.
    ///
    /// ```
    /// use underwrite_core::signals::{SignalStatus, UnavailableReason};
    /// assert_eq!(SignalStatus::from_result_code("NO_DATA"), Some(SignalStatus::NoData));
    /// assert_eq!(
    ///     SignalStatus::from_result_code("SYSTEM_ERROR"),
    ///     Some(SignalStatus::Unavailable(UnavailableReason::SystemError))
    /// );
    /// assert_eq!(SignalStatus::from_result_code("success"), None);
    /// ```
    pub fn from_result_code(code: &str) -> Option<SignalStatus> {
        Some(match code {
            "SUCCESS" => SignalStatus::Success,
            "NO_DATA" => SignalStatus::NoData,
            "SYSTEM_ERROR" => SignalStatus::Unavailable(UnavailableReason::SystemError),
            "SERVICE_UNAVAILABLE" => {
                SignalStatus::Unavailable(UnavailableReason::ServiceUnavailable)
            }
            _ => return None,
        })
    }
}

impl fmt::Display for SignalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SignalStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SignalStatus {
    /// From the `resultCode` spelling, e.g. in a policy test's input.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = Cow::<'de, str>::deserialize(deserializer)?;
        SignalStatus::from_result_code(&code).ok_or_else(|| {
            de::Error::unknown_variant(
                &code,
                &["SUCCESS", "NO_DATA", "SYSTEM_ERROR", "SERVICE_UNAVAILABLE"],
            )
        })
    }
}

/// A signal's declared `valueType` (beta shape only; the alpha shape has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValueType {
    /// `NUMBER`.
    Number,
    /// `STRING`.
    String,
}

impl ValueType {
    /// The provider's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Number => "NUMBER",
            ValueType::String => "STRING",
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON type of a value, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonType {
    /// The type of a raw JSON value, from its first character.
    pub fn of(raw: &RawValue) -> JsonType {
        match raw.get().trim_start().as_bytes().first() {
            Some(b'n') => JsonType::Null,
            Some(b't' | b'f') => JsonType::Bool,
            Some(b'"') => JsonType::String,
            Some(b'[') => JsonType::Array,
            Some(b'{') => JsonType::Object,
            _ => JsonType::Number,
        }
    }
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonType::Null => "null",
            JsonType::Bool => "a boolean",
            JsonType::Number => "a number",
            JsonType::String => "a string",
            JsonType::Array => "an array",
            JsonType::Object => "an object",
        })
    }
}

/// Which of the two documented shapes carried the signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadShape {
    /// `data.items: [{name, value, valueType}]` (beta).
    Items,
    /// `data.result: {name: value}` (alpha).
    Result,
}

/// A parsed payload: the outcome and, on success, the signals in document order.
#[derive(Debug)]
pub struct Payload<'a> {
    /// The outcome of the request.
    pub status: SignalStatus,
    /// The shape that carried the signals (`None` unless the status is `Success`).
    pub shape: Option<PayloadShape>,
    /// On `Success`, every signal in document order, duplicates included; empty otherwise.
    pub signals: Vec<Signal<'a>>,
    /// How many signals came with a non-success `resultCode` (they are not read).
    pub ignored: usize,
}

/// One signal of a [`Payload`], owning its (borrowed or unescaped) name.
#[derive(Debug, Clone)]
pub struct Signal<'a> {
    /// The signal name (never empty).
    pub name: Cow<'a, str>,
    /// The value's exact JSON text (`null` included).
    pub value: &'a RawValue,
    /// The declared `valueType`; `None` in the alpha (`result`) shape.
    pub value_type: Option<ValueType>,
}

impl Signal<'_> {
    /// The JSON type of the value.
    pub fn json_type(&self) -> JsonType {
        JsonType::of(self.value)
    }
}

/// Why a payload (or one of its signals) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignalError {
    /// The bytes are not valid JSON.
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// A field has the wrong JSON type.
    #[error("`{field}` must be {expected}, found {found}")]
    WrongType {
        /// The field's path, e.g. `items`, `items[3].name`, `data`.
        field: String,
        /// What it must be (`"an array"`, ...).
        expected: &'static str,
        /// What it was.
        found: JsonType,
    },
    /// A required field is absent.
    #[error("missing `{field}`")]
    MissingField {
        /// The field's path, e.g. `status`, `items[0].name`.
        field: String,
    },
    /// A key appears twice in one object.
    #[error("`{field}` appears twice")]
    DuplicateField {
        /// The field's path.
        field: String,
    },
    /// The payload has an envelope `data` (or `code`) and also data fields at the top level.
    #[error("payload has an envelope and also a top-level `{field}`; expected one or the other")]
    AmbiguousEnvelope {
        /// The top-level data field found beside the envelope.
        field: &'static str,
    },
    /// The envelope `code` is not `"OK"`.
    #[error("signals provider returned code {code:?}: {message}")]
    Provider {
        /// The envelope `code`.
        code: String,
        /// The envelope `message` (empty when absent).
        message: String,
    },
    /// `status` is `PROCESSING`: the result is not ready; wait for the webhook.
    #[error("signals not ready: status is PROCESSING (wait for the webhook)")]
    NotReady,
    /// `status` is `ERROR`.
    #[error("signals request failed: status is ERROR{}{}",
        .result_code.as_deref().map(|c| format!(", resultCode {c}")).unwrap_or_default(),
        .message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Failed {
        /// The `resultCode`, if it was a string.
        result_code: Option<String>,
        /// The `resultMessage`, if any.
        message: Option<String>,
    },
    /// `status` or `resultCode` has a value the provider does not document.
    #[error("unknown `{field}` {value:?} (expected {expected})")]
    UnknownValue {
        /// `status` or `resultCode`.
        field: &'static str,
        /// The value found.
        value: String,
        /// The documented values.
        expected: &'static str,
    },
    /// `data` has both `items` and `result`.
    #[error("`data` has both `items` and `result`; expected one")]
    BothShapes,
    /// `data` has neither `items` nor `result` although `resultCode` is `SUCCESS`.
    #[error("`data` has neither `items` nor `result` but resultCode is SUCCESS")]
    NoSignals,
    /// A signal name is the empty string.
    #[error("`{field}`: empty signal name")]
    EmptyName {
        /// Where: `items[3].name`, or `result` for an empty key.
        field: String,
    },
    /// An item lacks `value` or `valueType`.
    #[error("signal {signal:?}: missing `{field}`")]
    MissingSignalField {
        /// The signal.
        signal: String,
        /// `value` or `valueType`.
        field: &'static str,
    },
    /// An item's `valueType` is not a string.
    #[error("signal {signal:?}: `valueType` must be a string, found {found}")]
    ValueTypeNotString {
        /// The signal.
        signal: String,
        /// What it was.
        found: JsonType,
    },
    /// An item's `valueType` is neither `NUMBER` nor `STRING`.
    #[error("signal {signal:?}: unknown valueType {value_type:?} (expected NUMBER or STRING)")]
    UnknownValueType {
        /// The signal.
        signal: String,
        /// The value found.
        value_type: String,
    },
    /// A value is a boolean, an array or an object.
    #[error("signal {signal:?}: wrong JSON type: the value is {found}, expected a number, a string or null")]
    WrongJsonType {
        /// The signal.
        signal: String,
        /// What it was.
        found: JsonType,
    },
    /// The declared `valueType` contradicts the value (`STRING` with a number, `NUMBER` with a
    /// band).
    #[error("signal {signal:?}: valueType {value_type} but the value is {found} ({value})")]
    ValueTypeMismatch {
        /// The signal.
        signal: String,
        /// The declared type.
        value_type: ValueType,
        /// The value's JSON type.
        found: JsonType,
        /// The value (shortened).
        value: String,
    },
    /// A string where a number is needed is not a decimal number (`"NaN"`, `"Infinity"`, `""`,
    /// `"12 days"`...).
    #[error("signal {signal:?}: {value} is not a number")]
    NotANumber {
        /// The signal.
        signal: String,
        /// The value as sent (quoted, shortened).
        value: String,
    },
    /// A number has no exact `Decimal` form (beyond ±7.9e28 or more than 28 decimal places).
    #[error("signal {signal:?}: {value} is out of range (a decimal holds 28-29 significant digits, at most ±7.9e28)")]
    OutOfRange {
        /// The signal.
        signal: String,
        /// The number as sent (shortened).
        value: String,
    },
    /// A number violates its kind's range (negative, or fractional for a count or days).
    #[error("signal {signal:?}: {value} {constraint} (it is a {kind})")]
    InvalidValue {
        /// The signal.
        signal: String,
        /// Its kind.
        kind: SignalKind,
        /// The number as sent (shortened).
        value: String,
        /// The violated constraint.
        constraint: &'static str,
    },
    /// A band (`"A3"`) for a kind that must be a number.
    #[error("signal {signal:?}: band {band} is not allowed for a {kind}, which must be a number")]
    BandNotAllowed {
        /// The signal.
        signal: String,
        /// Its kind.
        kind: SignalKind,
        /// The band.
        band: Band,
    },
    /// A string where an amount's band belongs looks like a band but is not one the catalog
    /// knows (`"Z1"`, `"A007"`, `"a3"`, `"A1000"`): see [`crate::catalog::BAND_FORM`].
    #[error(
        "signal {signal:?}: {value} is not a band the provider sends; a band is {}",
        crate::catalog::BAND_FORM
    )]
    InvalidBand {
        /// The signal.
        signal: String,
        /// The value as sent (quoted, shortened).
        value: String,
    },
    /// The same signal name appears twice.
    #[error("duplicate signal {signal:?}")]
    DuplicateSignal {
        /// The signal.
        signal: String,
    },
    /// A string value escapes a character that is not valid Unicode (a lone surrogate such
    /// as `"\ud800"`).
    #[error(
        "signal {signal:?}: the string value escapes a lone surrogate, which is not valid Unicode"
    )]
    InvalidString {
        /// The signal.
        signal: String,
    },
    /// The payload lists more signals than any real response has (see [`MAX_SIGNALS`]).
    #[error("the payload has more than {limit} signals; a real response has a few dozen")]
    TooManySignals {
        /// The limit.
        limit: usize,
    },
}

/// Most signals one payload may list. An account has up to 30 signals selected (the
/// reference); the whole phone catalog has under fifty. The cap bounds what one payload costs
/// to normalize (names, unknown signals kept, the duplicate check) whatever its byte size.
pub const MAX_SIGNALS: usize = 1_000;

impl SignalError {
    /// The signal this error is about, if it is about one.
    pub fn signal(&self) -> Option<&str> {
        match self {
            SignalError::MissingSignalField { signal, .. }
            | SignalError::ValueTypeNotString { signal, .. }
            | SignalError::UnknownValueType { signal, .. }
            | SignalError::WrongJsonType { signal, .. }
            | SignalError::ValueTypeMismatch { signal, .. }
            | SignalError::NotANumber { signal, .. }
            | SignalError::OutOfRange { signal, .. }
            | SignalError::InvalidValue { signal, .. }
            | SignalError::BandNotAllowed { signal, .. }
            | SignalError::InvalidBand { signal, .. }
            | SignalError::DuplicateSignal { signal }
            | SignalError::InvalidString { signal } => Some(signal),
            _ => None,
        }
    }

    fn from_json(err: &serde_json::Error) -> SignalError {
        let (line, column) = (err.line(), err.column());
        let text = err.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
        SignalError::Json {
            line,
            column,
            message,
        }
    }
}

/// At most this many characters of an input value are quoted in an error message.
const EXCERPT_CHARS: usize = 40;

/// `text` shortened for an error message (a 10,000-digit number stays one short line).
pub(crate) fn excerpt(text: &str) -> String {
    let mut chars = text.char_indices();
    match chars.nth(EXCERPT_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => {
            let total = text.chars().count();
            format!("{}… ({total} characters)", text.get(..cut).unwrap_or(""))
        }
    }
}

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
/// use underwrite_core::signals::{parse, PayloadShape, SignalError, SignalStatus};
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

fn wrong_type(field: impl Into<String>, expected: &'static str, found: JsonType) -> SignalError {
    SignalError::WrongType {
        field: field.into(),
        expected,
        found,
    }
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

/// Check one element of `data.items` (called by the parser as it reads the array).
fn read_item(index: usize, item: Field<Item<'_>>) -> Result<Signal<'_>, SignalError> {
    let item = match item {
        Field::Ok(item) => item,
        Field::Wrong(found) => {
            return Err(wrong_type(format!("items[{index}]"), "an object", found))
        }
    };
    if let Some(field) = item.duplicate {
        return Err(SignalError::DuplicateField {
            field: format!("items[{index}].{field}"),
        });
    }
    let name = match item.name {
        None => {
            return Err(SignalError::MissingField {
                field: format!("items[{index}].name"),
            })
        }
        Some(Field::Wrong(found)) => {
            return Err(wrong_type(
                format!("items[{index}].name"),
                "a string",
                found,
            ))
        }
        Some(Field::Ok(name)) if name.is_empty() => {
            return Err(SignalError::EmptyName {
                field: format!("items[{index}].name"),
            })
        }
        Some(Field::Ok(name)) => name,
    };
    let value_type = match item.value_type {
        None => {
            return Err(SignalError::MissingSignalField {
                signal: name.into_owned(),
                field: "valueType",
            })
        }
        Some(Field::Wrong(found)) => {
            return Err(SignalError::ValueTypeNotString {
                signal: name.into_owned(),
                found,
            })
        }
        Some(Field::Ok(t)) => match &*t {
            "NUMBER" => ValueType::Number,
            "STRING" => ValueType::String,
            other => {
                return Err(SignalError::UnknownValueType {
                    signal: name.into_owned(),
                    value_type: excerpt(other),
                })
            }
        },
    };
    let Some(value) = item.value else {
        return Err(SignalError::MissingSignalField {
            signal: name.into_owned(),
            field: "value",
        });
    };
    Ok(Signal {
        name,
        value,
        value_type: Some(value_type),
    })
}

/// Check one entry of `data.result` (called by the parser as it reads the object).
fn result_entry<'a>(name: Cow<'a, str>, value: &'a RawValue) -> Result<Signal<'a>, SignalError> {
    if name.is_empty() {
        return Err(SignalError::EmptyName {
            field: "result".to_owned(),
        });
    }
    Ok(Signal {
        name,
        value,
        value_type: None,
    })
}
