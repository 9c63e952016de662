//! Why a payload, or one of its signals, was rejected; and how input text is quoted in a
//! message.

use super::payload::{JsonType, ValueType};
use crate::catalog::{RangeViolation, SignalKind};
use crate::features::Band;

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
        constraint: RangeViolation,
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

    /// A serde_json syntax error, with its line and column.
    pub(super) fn from_json(err: &serde_json::Error) -> SignalError {
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

/// A field of the wrong JSON type.
pub(super) fn wrong_type(
    field: impl Into<String>,
    expected: &'static str,
    found: JsonType,
) -> SignalError {
    SignalError::WrongType {
        field: field.into(),
        expected,
        found,
    }
}
