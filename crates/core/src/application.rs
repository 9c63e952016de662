//! One application as `batch` files, the decision service and its log carry it:
//! `{"id": <string or number, optional>, "signals": <payload>, "kyc": <request or result,
//! optional>}`.
//!
//! The envelope is read into borrowing [`RawValue`]s: the signals payload is handed to
//! [`Policy::decide_payload`] as the exact bytes the caller sent, and the KYC input to
//! [`kyc::result_from_json`]. One reader for every surface, so `underwrite batch`, `POST
//! /v1/decisions` and `underwrite replay` accept and refuse the same applications with the same
//! messages.

use serde::Deserialize;
use serde_json::value::RawValue;
use underwrite_kyc::KycResult;

use crate::policy::kyc::{self, KycFacts};
use crate::policy::{DecideError, DecideOptions, Decision, Policy};

/// Longest `id` string accepted, in characters.
pub const MAX_ID_CHARS: usize = 256;
/// Longest `id` number accepted, in characters of its JSON text. A number must also be finite
/// as a 64-bit float (`1e400` is refused: most JSON readers take it for infinity).
pub const MAX_ID_NUMBER_CHARS: usize = 40;

/// How an application that is not a JSON object is refused.
const EXPECTED_APPLICATION: &str =
    "an application, a JSON object {\"id\", \"signals\", \"kyc\"} (never an array)";

/// An application read from JSON text, borrowing from it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    signals: &'a RawValue,
    #[serde(borrow, default)]
    kyc: Option<&'a RawValue>,
}

/// Why a text is not an application.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplicationError {
    /// Not JSON, not an object (an array above all: it is never read by position), a key
    /// other than `id`, `signals` and `kyc`, or `signals` absent.
    #[error("not an application: {message}")]
    Shape {
        /// serde_json's message, with its line and column.
        message: String,
    },
    /// `id` is neither a short string nor a short, finite number.
    #[error(
        "`id` must be a string of at most {MAX_ID_CHARS} characters \
         or a finite number of at most {MAX_ID_NUMBER_CHARS} characters"
    )]
    BadId,
}

/// Whether a JSON Lines line (its `\n` removed) is blank: only spaces, tabs and `\r`. A blank
/// line is skipped, though it counts in line numbers; any other byte (a form feed too) makes the
/// line one to read. The rule every reader of application lines keeps (`underwrite batch`,
/// `kyc --jsonl`, `POST /v1/decisions/batch`).
pub fn is_blank_line(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// A decision together with the KYC result it used, which a decision log keeps in place of the
/// KYC request (no raw names or dates of birth).
#[derive(Debug, Clone)]
pub struct Decided {
    /// The decision.
    pub decision: Decision,
    /// The KYC result the decision read, when the application carried KYC.
    pub kyc: Option<KycResult>,
}

impl<'a> Application<'a> {
    /// Read an application from JSON text.
    ///
    /// ```
    /// use underwrite_core::application::{Application, ApplicationError};
    /// let app = Application::from_json(r#"{"id": "a-1", "signals": {"data": {}}}"#)?;
    /// assert_eq!(app.id_json(), Some(r#""a-1""#));
    /// assert_eq!(
    ///     Application::from_json(r#"{"id": [1], "signals": {}}"#).unwrap_err(),
    ///     ApplicationError::BadId
    /// );
    /// # Ok::<(), ApplicationError>(())
    /// ```
    pub fn from_json(text: &'a str) -> Result<Application<'a>, ApplicationError> {
        let app: Application<'a> =
            from_json_object(text, EXPECTED_APPLICATION).map_err(|e| ApplicationError::Shape {
                message: e.to_string(),
            })?;
        match app.id {
            Some(id) if !id_fits(id) => Err(ApplicationError::BadId),
            _ => Ok(app),
        }
    }

    /// An application from parts another reader took out of a line (a backtest line, which
    /// adds an observed outcome to the envelope) or out of columns (an Arrow row): the `id`
    /// rule of [`Application::from_json`] applies, and a JSON `null` id or KYC input is none,
    /// as `"id": null` and `"kyc": null` are in a line.
    pub fn from_parts(
        id: Option<&'a RawValue>,
        signals: &'a RawValue,
        kyc: Option<&'a RawValue>,
    ) -> Result<Application<'a>, ApplicationError> {
        let id = id.filter(|id| id.get() != "null");
        let kyc = kyc.filter(|kyc| kyc.get() != "null");
        match id {
            Some(id) if !id_fits(id) => Err(ApplicationError::BadId),
            _ => Ok(Application { id, signals, kyc }),
        }
    }

    /// The `id` as its JSON text (a quoted string or a number), when given.
    pub fn id_json(&self) -> Option<&'a str> {
        self.id.map(RawValue::get)
    }

    /// The `id` as raw JSON, to echo back exactly as it came.
    pub fn id_raw(&self) -> Option<&'a RawValue> {
        self.id
    }

    /// The signals payload, exactly as given.
    pub fn signals(&self) -> &'a str {
        self.signals.get()
    }

    /// The KYC request or result, exactly as given.
    pub fn kyc(&self) -> Option<&'a str> {
        self.kyc.map(RawValue::get)
    }

    /// Decide this application with `policy`.
    pub fn decide(&self, policy: &Policy, options: DecideOptions) -> Result<Decided, DecideError> {
        decide_parts(
            policy,
            self.signals().as_bytes(),
            self.kyc().map(str::as_bytes),
            options,
        )
    }
}

/// Decide an application given as its parts' JSON bytes, by callers that hold them apart
/// (the Python bindings' `decide`): what [`Application::decide`] does, and the one place it is
/// done. The KYC input (a request, matched here, or a result) is read by
/// [`kyc::result_from_json`]; JSON `null` is no KYC, as in a line. The signals bytes go to
/// [`Policy::decide_payload`] as they are, so bytes that are not JSON get the signals parser's
/// message.
pub fn decide_parts(
    policy: &Policy,
    signals: &[u8],
    kyc: Option<&[u8]>,
    options: DecideOptions,
) -> Result<Decided, DecideError> {
    let kyc = kyc
        .filter(|k| k.trim_ascii() != b"null")
        .map(kyc::result_from_json)
        .transpose()?;
    let facts = kyc.as_ref().map(KycFacts::from_result);
    let decision = policy.decide_payload(signals, facts.as_ref(), options)?;
    Ok(Decided { decision, kyc })
}

/// Check an application `id` given apart from an application (e.g. by a route that builds the
/// application itself): the rule [`Application::from_json`] applies. (A JSON `null` is no id:
/// `Option<&RawValue>` reads it as `None`.)
pub fn check_id(id: &RawValue) -> Result<(), ApplicationError> {
    if id_fits(id) {
        Ok(())
    } else {
        Err(ApplicationError::BadId)
    }
}

/// An `id` is accepted when it is a string of at most [`MAX_ID_CHARS`] characters or a number of
/// at most [`MAX_ID_NUMBER_CHARS`] characters that is finite as an `f64` (what a client's JSON
/// reader makes of it: `1e400` would read as infinity).
fn id_fits(id: &RawValue) -> bool {
    let text = id.get();
    match text.as_bytes().first() {
        Some(b'"') => {
            serde_json::from_str::<String>(text).is_ok_and(|s| s.chars().count() <= MAX_ID_CHARS)
        }
        Some(b'-' | b'0'..=b'9') => {
            text.len() <= MAX_ID_NUMBER_CHARS && text.parse::<f64>().is_ok_and(f64::is_finite)
        }
        _ => false,
    }
}

/// Read `text` as a `T` that must be one JSON object, refusing every other JSON type with
/// "invalid type: sequence, expected {expected}" at its position. serde's derived readers take
/// a struct from an array too, field by position (`["app-1", {...}, null]` as an application);
/// every reader of an envelope (an application here, a history line in `underwrite-analysis`)
/// reads through this, so none ever decides an array.
///
/// ```
/// use underwrite_core::application::from_json_object;
/// #[derive(Debug, serde::Deserialize)]
/// struct Point { x: i32 }
/// assert_eq!(from_json_object::<Point>(r#"{"x": 1}"#, "a point").unwrap().x, 1);
/// let err = from_json_object::<Point>("[1]", "a point").unwrap_err();
/// // (serde_json places an error found before the value's first byte is consumed at column 0.)
/// assert_eq!(err.to_string(), "invalid type: sequence, expected a point at line 1 column 0");
/// ```
pub fn from_json_object<'a, T: Deserialize<'a>>(
    text: &'a str,
    expected: &'static str,
) -> serde_json::Result<T> {
    underwrite_kyc::object::from_json_str(text, expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_kyc_is_no_kyc_from_a_line_from_parts_and_from_bytes() {
        let policy = Policy::load(
            br#"
name: t
version: "1"
knockouts:
  - id: no_kyc
    when: "!kyc.provided"
    outcome: review
    reason: { code: NO_KYC, text: no KYC }
"#,
        )
        .unwrap();
        let signals = r#"{"data": {"status": "COMPLETED", "resultCode": "SUCCESS", "items": []}}"#;
        let line = format!(r#"{{"signals": {signals}, "kyc": null}}"#);
        let from_line = Application::from_json(&line).unwrap();
        assert_eq!(from_line.kyc(), None);
        let raw: &RawValue = serde_json::from_str(signals).unwrap();
        let null: &RawValue = serde_json::from_str("null").unwrap();
        let from_parts = Application::from_parts(None, raw, Some(null)).unwrap();
        assert_eq!(from_parts.kyc(), None);
        let options = DecideOptions { trace: false };
        let want = from_line.decide(&policy, options).unwrap().decision;
        assert_eq!(want.reason_codes(), ["NO_KYC"]);
        for kyc in [b"null".as_slice(), b" null\n"] {
            let got = decide_parts(&policy, signals.as_bytes(), Some(kyc), options).unwrap();
            assert_eq!(got.decision, want);
            assert!(got.kyc.is_none());
        }
    }

    #[test]
    fn ids_are_short_strings_or_numbers() {
        let long = "x".repeat(MAX_ID_CHARS + 1);
        for (id, ok) in [
            ("\"a\"", true),
            ("12", true),
            ("-1.5e3", true),
            (&format!("\"{}\"", "é".repeat(MAX_ID_CHARS)), true),
            (&format!("\"{long}\""), false),
            (&"9".repeat(MAX_ID_NUMBER_CHARS + 1), false),
            ("1e308", true),
            ("-1.7976931348623157e308", true),
            ("1e309", false), // infinity to an f64 reader
            ("1e400", false),
            ("-1e400", false),
            ("null", true), // as if absent
            ("true", false),
            ("{}", false),
        ] {
            let text = format!(r#"{{"id": {id}, "signals": {{}}}}"#);
            let read = Application::from_json(&text);
            assert_eq!(read.is_ok(), ok, "{id}: {read:?}");
        }
    }

    #[test]
    fn unknown_keys_and_a_missing_payload_are_refused_with_serde_s_position() {
        let err = Application::from_json(r#"{"signals": {}, "kcy": {}}"#).unwrap_err();
        assert!(
            matches!(&err, ApplicationError::Shape { message } if message.contains("unknown field `kcy`")),
            "{err}"
        );
        let err = Application::from_json(r#"{"id": 1}"#).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("not an application: missing field `signals`"));
    }

    #[test]
    fn ids_that_are_infinite_as_floats_are_refused_given_apart_too() {
        for id in ["1e400", "-2e308", "1E999"] {
            let raw: &RawValue = serde_json::from_str(id).unwrap();
            assert_eq!(check_id(raw), Err(ApplicationError::BadId), "{id}");
            let signals: &RawValue = serde_json::from_str("{}").unwrap();
            assert_eq!(
                Application::from_parts(Some(raw), signals, None).unwrap_err(),
                ApplicationError::BadId
            );
        }
        assert_eq!(
            ApplicationError::BadId.to_string(),
            "`id` must be a string of at most 256 characters or a finite number of at most 40 \
             characters"
        );
    }

    #[test]
    fn arrays_are_never_read_as_applications() {
        let signals = r#"{"data": {"status": "COMPLETED", "resultCode": "SUCCESS", "items": []}}"#;
        for text in [
            format!(r#"["app-1", {signals}, null]"#),
            format!("[null, {signals}]"),
            format!(" \t[{signals}]"),
            "[]".to_string(),
        ] {
            let err = Application::from_json(&text).unwrap_err();
            let ApplicationError::Shape { message } = &err else {
                panic!("{text}: {err:?}");
            };
            assert!(
                message.starts_with(
                    "invalid type: sequence, expected an application, a JSON object \
                     {\"id\", \"signals\", \"kyc\"} (never an array) at line 1 column "
                ),
                "{text}: {message}"
            );
        }
        // The other types read the same way, and duplicates and unknown keys are still refused.
        let err = Application::from_json("\"x\"").unwrap_err().to_string();
        assert!(
            err.starts_with(
                "not an application: invalid type: string \"x\", expected an application"
            ),
            "{err}"
        );
        let err = Application::from_json(r#"{"signals": {}, "signals": {}}"#).unwrap_err();
        assert!(
            err.to_string().contains("duplicate field `signals`"),
            "{err}"
        );
        assert!(Application::from_json(&format!(r#"{{"id": "a", "signals": {signals}}}"#)).is_ok());
    }

    #[test]
    fn the_parts_are_the_exact_text_given() {
        let app = Application::from_json(r#"{"kyc": {"a" : 1}, "signals": {"x":  2.50}}"#)
            .expect("application");
        assert_eq!(app.signals(), r#"{"x":  2.50}"#);
        assert_eq!(app.kyc(), Some(r#"{"a" : 1}"#));
        assert_eq!(app.id_json(), None);
    }
}
