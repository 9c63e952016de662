//! What parsing a payload produces: the request's outcome ([`SignalStatus`]), the shape that
//! carried the signals, and the signals themselves, borrowing from the input.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

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
    /// use underwrite_signals::signals::{SignalStatus, UnavailableReason};
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

impl schemars::JsonSchema for SignalStatus {
    fn schema_name() -> Cow<'static, str> {
        "SignalStatus".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The provider's resultCode for the signals the decision rests on.",
            "type": "string",
            "enum": ["SUCCESS", "NO_DATA", "SYSTEM_ERROR", "SERVICE_UNAVAILABLE"]
        })
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
