//! One line of history: the `batch` application plus an optional observed outcome,
//! `{"id": ..., "signals": ..., "kyc": ..., "outcome": {"bad": true}}`.
//!
//! The envelope is read once, as a JSON object only (an array is never read by position, see
//! [`from_json_object`]), into borrowing [`RawValue`]s and handed to
//! [`Application::from_parts`], so a history line and a `batch` line are accepted and refused by
//! the same rules. `outcome` is `null`, absent, or an object whose only key is `bad`, itself
//! `true`, `false` or `null`; anything else (a typo such as `"Bad"`, a string `"true"`) is the
//! line's error, never a silently unlabelled line.

use serde::Deserialize;
use serde_json::value::RawValue;
use underwrite_core::application::{from_json_object, Application, ApplicationError};

use crate::failure::{Failure, FailureKind};

/// What was observed after the decision: the performance label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    /// The account went bad.
    Bad,
    /// The account performed.
    Good,
    /// Not booked, or indeterminate: left out of every rate.
    Unknown,
}

/// A history line read from its JSON text, borrowing from it.
#[derive(Debug, Clone, Copy)]
pub struct HistoryLine<'a> {
    /// The application, as `batch` reads it.
    pub application: Application<'a>,
    /// The observed outcome.
    pub label: Label,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    signals: &'a RawValue,
    #[serde(borrow, default)]
    kyc: Option<&'a RawValue>,
    #[serde(borrow, default)]
    outcome: Option<&'a RawValue>,
}

/// How a line that is not a JSON object is refused.
const EXPECTED_LINE: &str =
    "a history line, a JSON object {\"id\", \"signals\", \"kyc\", \"outcome\"} (never an array)";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Observed {
    #[serde(default)]
    bad: Option<bool>,
}

impl<'a> HistoryLine<'a> {
    /// Read a history line.
    ///
    /// ```
    /// use underwrite_analysis::{HistoryLine, Label};
    /// let line = HistoryLine::from_json(r#"{"id": 7, "signals": {}, "outcome": {"bad": true}}"#)?;
    /// assert_eq!(line.label, Label::Bad);
    /// assert_eq!(line.application.id_json(), Some("7"));
    /// # Ok::<(), underwrite_analysis::Failure>(())
    /// ```
    pub fn from_json(text: &'a str) -> Result<HistoryLine<'a>, Failure> {
        let envelope: Envelope<'a> = from_json_object(text, EXPECTED_LINE).map_err(|e| {
            Failure::new(
                FailureKind::NotAnApplication,
                format!("not a history line: {e}"),
            )
        })?;
        let application = Application::from_parts(envelope.id, envelope.signals, envelope.kyc)
            .map_err(|e| match e {
                ApplicationError::BadId => Failure::new(FailureKind::BadId, e.to_string()),
                other => Failure::new(FailureKind::NotAnApplication, other.to_string()),
            })?;
        let label = match envelope.outcome {
            None => Label::Unknown,
            Some(raw) => label_of(raw)?,
        };
        Ok(HistoryLine { application, label })
    }
}

/// The label an `outcome` value gives.
fn label_of(outcome: &RawValue) -> Result<Label, Failure> {
    // serde would read a struct from an array too; an outcome is an object or null.
    if !matches!(outcome.get().as_bytes().first(), Some(b'{' | b'n')) {
        return Err(Failure::new(
            FailureKind::BadOutcome,
            "`outcome` must be null or {\"bad\": true | false | null}",
        ));
    }
    let observed: Option<Observed> = serde_json::from_str(outcome.get()).map_err(|e| {
        Failure::new(
            FailureKind::BadOutcome,
            format!("`outcome` must be null or {{\"bad\": true | false | null}}: {e}"),
        )
    })?;
    Ok(match observed.and_then(|o| o.bad) {
        Some(true) => Label::Bad,
        Some(false) => Label::Good,
        None => Label::Unknown,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn label(outcome: &str) -> Result<Label, FailureKind> {
        let text = format!(r#"{{"signals": {{}}, "outcome": {outcome}}}"#);
        HistoryLine::from_json(&text)
            .map(|l| l.label)
            .map_err(|f| f.kind)
    }

    #[test]
    fn outcomes_read_as_labels_and_anything_else_is_a_bad_outcome() {
        assert_eq!(label(r#"{"bad": true}"#), Ok(Label::Bad));
        assert_eq!(label(r#"{"bad": false}"#), Ok(Label::Good));
        assert_eq!(label(r#"{"bad": null}"#), Ok(Label::Unknown));
        assert_eq!(label("null"), Ok(Label::Unknown));
        assert_eq!(label("{}"), Ok(Label::Unknown));
        for bad in [
            r#"{"Bad": true}"#,
            r#"{"bad": "true"}"#,
            r#"{"bad": 1}"#,
            "true",
            "[]",
        ] {
            assert_eq!(label(bad), Err(FailureKind::BadOutcome), "{bad}");
        }
        let absent = HistoryLine::from_json(r#"{"signals": {}}"#).unwrap();
        assert_eq!(absent.label, Label::Unknown);
    }

    #[test]
    fn arrays_are_never_read_as_history_lines() {
        let signals = r#"{"data": {"status": "COMPLETED", "resultCode": "SUCCESS", "items": []}}"#;
        for text in [
            format!(r#"["app-1", {signals}, null, {{"bad": true}}]"#),
            format!("[null, {signals}]"),
        ] {
            let err = HistoryLine::from_json(&text).unwrap_err();
            assert_eq!(err.kind, FailureKind::NotAnApplication, "{text}");
            assert!(
                err.message.starts_with(
                    "not a history line: invalid type: sequence, expected a history line, a JSON \
                     object"
                ),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn the_application_rules_are_batch_s() {
        let err = HistoryLine::from_json(r#"{"id": true, "signals": {}}"#).unwrap_err();
        assert_eq!(err.kind, FailureKind::BadId);
        let err = HistoryLine::from_json(r#"{"id": 1, "signals": {}, "kcy": {}}"#).unwrap_err();
        assert_eq!(err.kind, FailureKind::NotAnApplication);
        assert!(
            err.message.contains("unknown field `kcy`"),
            "{}",
            err.message
        );
        let err = HistoryLine::from_json(r#"{"id": 1}"#).unwrap_err();
        assert_eq!(err.kind, FailureKind::NotAnApplication);
        let id = format!("{}e9", "9".repeat(38));
        assert!(HistoryLine::from_json(&format!(r#"{{"id": {id}, "signals": {{}}}}"#)).is_ok());
        let err = HistoryLine::from_json(r#"{"id": 1e400, "signals": {}}"#).unwrap_err();
        assert_eq!(err.kind, FailureKind::BadId, "infinite as a float");
        let ok = HistoryLine::from_json(r#"{"id": null, "signals": {"a": 1}, "kyc": {}}"#).unwrap();
        assert_eq!(ok.application.id_json(), None);
        assert_eq!(ok.application.signals(), r#"{"a": 1}"#);
        assert_eq!(ok.application.kyc(), Some("{}"));
    }
}
