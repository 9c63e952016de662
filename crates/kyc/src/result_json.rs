//! Reading a KYC result (the reference's response, or this crate's own output) from JSON, for a
//! decision to rest on: every key once at every level, and fields that agree with each other.
//!
//! The derived `Deserialize` of [`KycResult`] reads what it is given; [`KycResult::from_json`]
//! is the checked entry point, in three passes over a small document:
//!
//! 1. **Every key once.** JSON leaves duplicate keys undefined and readers disagree: one takes
//!    the first, another the last. `"ResultText": "No Match", "ResultText": "Exact Match"` must
//!    not become an approval for whoever reads it last, so a duplicate key anywhere (top level,
//!    `Actions`, `PartnerParams`, keys this crate ignores) is refused, and escapes do not hide it
//!    (`"Result\u0054ext"` is `ResultText`).
//! 2. **The shape**, by the derived `Deserialize`.
//! 3. **Agreement** ([`KycResult::check`]): a policy may read any of `ResultCode`, `ResultText`,
//!    `Actions.ID_Verification`, `Actions.Verify_ID_Number` and the per-field outcomes, so a
//!    result whose fields say different things would decide differently depending on which one
//!    a rule reads. Such a result is refused.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::config::Aggregation;
use crate::field::FieldOutcome;
use crate::outcome::{overall, KycResult, ResultCode, ResultText, VerifyIdNumber};

/// Why a KYC result was refused. [`ResultError::field`] names the key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResultError {
    /// Not JSON, or not a KYC result's shape (a missing `ResultCode`, an unknown spelling, ...).
    #[error("not a KYC result: {message}")]
    Json {
        /// The JSON reader's message.
        message: String,
    },
    /// A key given twice in one object.
    #[error(
        "duplicate key `{path}` (a KYC result must give each key once: JSON readers disagree \
         on which copy counts)"
    )]
    DuplicateKey {
        /// Where, e.g. `ResultText` or `Actions.Names` (each key cut to 64 characters, control
        /// characters escaped).
        path: String,
    },
    /// `ResultCode` and `ResultText` name different results.
    #[error(
        "ResultCode \"{code}\" ({}) disagrees with ResultText \"{text}\"",
        .code.text()
    )]
    CodeText {
        /// `ResultCode`.
        code: ResultCode,
        /// `ResultText`.
        text: ResultText,
    },
    /// `Actions.ID_Verification` differs from `ResultText` (the reference: "Same as
    /// ResultText").
    #[error(
        "Actions.ID_Verification \"{id_verification}\" disagrees with ResultText \"{text}\" \
         (the reference defines them as the same)"
    )]
    IdVerification {
        /// `ResultText`.
        text: ResultText,
        /// `Actions.ID_Verification`.
        id_verification: ResultText,
    },
    /// `Actions.Verify_ID_Number` is not what `ResultCode` implies: 1020, 1021 and 1022
    /// compared the records of an ID that was found ("Verified"), 1013 did not find it ("Not
    /// Verified"), 1015 could not look ("Issuer Unavailable").
    #[error(
        "Actions.Verify_ID_Number \"{verify_id_number}\" disagrees with ResultCode \"{code}\" \
         ({}), which means \"{expected}\"",
        .code.text()
    )]
    VerifyIdNumber {
        /// `ResultCode`.
        code: ResultCode,
        /// `Actions.Verify_ID_Number`.
        verify_id_number: VerifyIdNumber,
        /// What `code` implies.
        expected: VerifyIdNumber,
    },
    /// A field outcome says nothing was compared ("Not Done", or "Not Provided" for `Names`,
    /// which both sides always have) while `ResultCode` (1020, 1021, 1022) says the records
    /// were compared.
    #[error(
        "{field} \"{outcome}\" disagrees with ResultCode \"{code}\" ({}), which means the \
         records were compared",
        .code.text()
    )]
    NotCompared {
        /// `ResultCode`.
        code: ResultCode,
        /// The action, e.g. `Actions.Names`.
        field: &'static str,
        /// Its outcome.
        outcome: FieldOutcome,
    },
    /// A field outcome is a match (Exact Match, Partial Match, Transposed) while `ResultCode`
    /// (1013, 1015) says there was no record to compare with.
    #[error(
        "{field} \"{outcome}\" disagrees with ResultCode \"{code}\" ({}), which means nothing \
         was compared",
        .code.text()
    )]
    MatchWithoutRecord {
        /// `ResultCode`.
        code: ResultCode,
        /// The action, e.g. `Actions.Names`.
        field: &'static str,
        /// Its outcome.
        outcome: FieldOutcome,
    },
    /// `ResultCode` is not what the field outcomes aggregate to.
    #[error(
        "ResultCode \"{code}\" ({}) disagrees with Actions: Names, DOB, Gender and Phone_Number \
         give \"{expected}\" ({}) under {} aggregation",
        .code.text(),
        .expected.text(),
        aggregation_name(*.aggregation)
    )]
    CodeActions {
        /// `ResultCode`.
        code: ResultCode,
        /// What the outcomes give under `aggregation`.
        expected: ResultCode,
        /// `Details.aggregation`, or strict (the reference's matching rules) when the result
        /// has no `Details`.
        aggregation: Aggregation,
    },
}

fn aggregation_name(a: Aggregation) -> &'static str {
    match a {
        Aggregation::Strict => "strict",
        Aggregation::Lenient => "lenient",
    }
}

impl ResultError {
    /// The key at fault: `result` for [`ResultError::Json`], the duplicated key's path, or the
    /// field a disagreement is reported on (`ResultText`, `Actions.Names`, `ResultCode`, ...).
    #[must_use]
    pub fn field(&self) -> &str {
        match self {
            ResultError::Json { .. } => "result",
            ResultError::DuplicateKey { path } => path,
            ResultError::CodeText { .. } => "ResultText",
            ResultError::IdVerification { .. } => "Actions.ID_Verification",
            ResultError::VerifyIdNumber { .. } => "Actions.Verify_ID_Number",
            ResultError::NotCompared { field, .. }
            | ResultError::MatchWithoutRecord { field, .. } => field,
            ResultError::CodeActions { .. } => "ResultCode",
        }
    }
}

impl KycResult {
    /// Read a KYC result from JSON and [`check`](KycResult::check) it: duplicate keys at any
    /// level are refused, then the shape is read, then the fields must agree.
    ///
    /// ```
    /// use underwrite_kyc::{KycResult, ResultError, ResultCode, ResultText};
    /// let actions = r#""Actions": {"Verify_ID_Number": "Verified",
    ///     "Return_Personal_Info": "Not Applicable", "Names": "No Match", "DOB": "Exact Match",
    ///     "Gender": "Exact Match", "Phone_Number": "Not Provided", "ID_Verification": "No Match"}"#;
    /// let ok = format!(r#"{{"ResultCode": "1022", "ResultText": "No Match", {actions}}}"#);
    /// assert_eq!(KycResult::from_json(&ok)?.code, ResultCode::NoMatch);
    ///
    /// let twice = format!(
    ///     r#"{{"ResultCode": "1022", "ResultText": "No Match", "ResultText": "Exact Match", {actions}}}"#
    /// );
    /// let e = KycResult::from_json(&twice).unwrap_err();
    /// assert_eq!(e, ResultError::DuplicateKey { path: "ResultText".into() });
    ///
    /// let lying = format!(r#"{{"ResultCode": "1020", "ResultText": "No Match", {actions}}}"#);
    /// let e = KycResult::from_json(&lying).unwrap_err();
    /// assert_eq!(e, ResultError::CodeText { code: ResultCode::ExactMatch, text: ResultText::NoMatch });
    /// assert_eq!(e.to_string(), r#"ResultCode "1020" (Exact Match) disagrees with ResultText "No Match""#);
    /// # Ok::<(), ResultError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<KycResult, ResultError> {
        reject_duplicate_keys(text)?;
        let result: KycResult = crate::object::from_json(
            serde_json::Deserializer::from_str(text),
            "a KYC result (a JSON object with \"ResultCode\", \"ResultText\" and \"Actions\")",
        )
        .map_err(|e| ResultError::Json {
            message: e.to_string(),
        })?;
        result.check()?;
        Ok(result)
    }

    /// Check that the fields of a result agree, so that a policy decides the same whichever of
    /// them its rules read:
    ///
    /// 1. `ResultText` is the text of `ResultCode` (1020 "Exact Match", 1021 "Partial Match",
    ///    1022 "No Match", 1013 "Invalid ID", 1015 "Error - Queried Database Unavailable").
    /// 2. `Actions.ID_Verification` equals `ResultText`.
    /// 3. `Actions.Verify_ID_Number` is what the code implies: "Verified" for 1020, 1021, 1022;
    ///    "Not Verified" for 1013; "Issuer Unavailable" for 1015.
    /// 4. For 1020, 1021 and 1022, no field is "Not Done" and `Names` is not "Not Provided",
    ///    and the code is what `Names`, `DOB`, `Gender` and `Phone_Number` aggregate to
    ///    ([`crate::overall`]) under `Details.aggregation`, or, for a result without `Details`
    ///    (the provider's), under either aggregation: the reference's matching rules are
    ///    strict, its result-code table reads leniently (1021 with a "No Match" field).
    /// 5. For 1013 and 1015, no field is a match (Exact Match, Partial Match, Transposed).
    ///
    /// Not checked, because no policy reads them: `Details` against `Actions`, `ResultType`
    /// (it has one value), `IsFinalResult`.
    pub fn check(&self) -> Result<(), ResultError> {
        let code = self.code;
        let a = &self.actions;
        if self.text != code.text() {
            return Err(ResultError::CodeText {
                code,
                text: self.text,
            });
        }
        if a.id_verification != self.text {
            return Err(ResultError::IdVerification {
                text: self.text,
                id_verification: a.id_verification,
            });
        }
        let expected = match code {
            ResultCode::ExactMatch | ResultCode::PartialMatch | ResultCode::NoMatch => {
                VerifyIdNumber::Verified
            }
            ResultCode::InvalidId => VerifyIdNumber::NotVerified,
            ResultCode::IssuerUnavailable => VerifyIdNumber::IssuerUnavailable,
        };
        if a.verify_id_number != expected {
            return Err(ResultError::VerifyIdNumber {
                code,
                verify_id_number: a.verify_id_number,
                expected,
            });
        }
        let fields = [
            ("Actions.Names", a.names),
            ("Actions.DOB", a.dob),
            ("Actions.Gender", a.gender),
            ("Actions.Phone_Number", a.phone_number),
        ];
        if matches!(code, ResultCode::InvalidId | ResultCode::IssuerUnavailable) {
            return match fields.iter().find(|(_, o)| o.is_match()) {
                Some(&(field, outcome)) => Err(ResultError::MatchWithoutRecord {
                    code,
                    field,
                    outcome,
                }),
                None => Ok(()),
            };
        }
        let not_compared = fields.iter().find(|&&(field, o)| {
            o == FieldOutcome::NotDone
                || (field == "Actions.Names" && o == FieldOutcome::NotProvided)
        });
        if let Some(&(field, outcome)) = not_compared {
            return Err(ResultError::NotCompared {
                code,
                field,
                outcome,
            });
        }
        let outcomes = fields.map(|(_, o)| o);
        let aggregations: &[Aggregation] = match &self.details {
            Some(d) => &[d.aggregation],
            None => &[Aggregation::Strict, Aggregation::Lenient],
        };
        if aggregations
            .iter()
            .any(|&agg| overall(&outcomes, agg) == code)
        {
            return Ok(());
        }
        let aggregation = aggregations[0];
        Err(ResultError::CodeActions {
            code,
            expected: overall(&outcomes, aggregation),
            aggregation,
        })
    }
}

/// Longest key segment quoted in a [`ResultError::DuplicateKey`] path, in characters.
const MAX_KEY_CHARS: usize = 64;

/// One step of the path to a value: an object key or an array index.
enum Step {
    Key(String),
    Index(usize),
}

/// Walk the whole document (serde_json's recursion limit bounds the depth) and refuse the
/// first object that names a key twice.
fn reject_duplicate_keys(text: &str) -> Result<(), ResultError> {
    let mut path = Vec::new();
    let mut duplicate = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let walked = Walk {
        path: &mut path,
        duplicate: &mut duplicate,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match (duplicate, walked) {
        (Some(path), _) => Err(ResultError::DuplicateKey { path }),
        (None, Err(e)) => Err(ResultError::Json {
            message: e.to_string(),
        }),
        (None, Ok(())) => Ok(()),
    }
}

/// `a.b[3].c`, each key cut to [`MAX_KEY_CHARS`] with control characters escaped.
/// Characters that could rewrite or hide text on a terminal: controls, line and paragraph
/// separators and bidi controls. The same set the core crate and the CLI escape.
fn invisible_or_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn render_path(path: &[Step], last: &str) -> String {
    let mut out = String::new();
    let push_key = |out: &mut String, key: &str| {
        if !out.is_empty() {
            out.push('.');
        }
        for (i, c) in key.chars().enumerate() {
            if i == MAX_KEY_CHARS {
                out.push('…');
                break;
            }
            if invisible_or_control(c) {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
    };
    for step in path {
        match step {
            Step::Key(k) => push_key(&mut out, k),
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    push_key(&mut out, last);
    out
}

/// A visitor over any JSON value that records the first duplicate key in `duplicate` (and
/// then stops the walk with an error).
struct Walk<'w> {
    path: &'w mut Vec<Step>,
    duplicate: &'w mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            self.path.push(Step::Index(i));
            let next = seq.next_element_seed(Walk {
                path: &mut *self.path,
                duplicate: &mut *self.duplicate,
            });
            self.path.pop();
            if next?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                *self.duplicate = Some(render_path(self.path, &key));
                return Err(de::Error::custom("duplicate key"));
            }
            self.path.push(Step::Key(key));
            let value = map.next_value_seed(Walk {
                path: &mut *self.path,
                duplicate: &mut *self.duplicate,
            });
            if let Some(Step::Key(key)) = self.path.pop() {
                seen.insert(key);
            }
            value?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dup(text: &str) -> Option<String> {
        match reject_duplicate_keys(text) {
            Err(ResultError::DuplicateKey { path }) => Some(path),
            Err(e) => panic!("{e}"),
            Ok(()) => None,
        }
    }

    #[test]
    fn finds_duplicates_at_any_depth_and_names_the_path() {
        assert_eq!(dup(r#"{"a": 1, "b": {"a": 1}, "c": [{"a": 1}]}"#), None);
        assert_eq!(dup(r#"{"a": 1, "a": 1}"#).as_deref(), Some("a"));
        assert_eq!(dup(r#"{"x": {"a": 1, "a": 2}}"#).as_deref(), Some("x.a"));
        assert_eq!(
            dup(r#"{"x": [0, {"y": {"a": 1, "a": 2}}]}"#).as_deref(),
            Some("x[1].y.a")
        );
        // Escapes are read before comparing.
        assert_eq!(dup(r#"{"ab": 1, "a\u0062": 2}"#).as_deref(), Some("ab"));
        // A duplicate after a nested object in the same map.
        assert_eq!(
            dup(r#"{"a": {"b": 1}, "c": 1, "a": 2}"#).as_deref(),
            Some("a")
        );
        // Long keys are cut, control characters escaped.
        let long = "k".repeat(1000);
        let path = dup(&format!(r#"{{"{long}": 1, "{long}": 2}}"#)).unwrap_or_default();
        assert_eq!(path, format!("{}…", "k".repeat(MAX_KEY_CHARS)));
        assert_eq!(dup(r#"{"a\n": 1, "a\n": 2}"#).as_deref(), Some("a\\n"));
        assert_eq!(
            dup("{\"a\u{202e}\": 1, \"a\u{202e}\": 2}").as_deref(),
            Some("a\\u{202e}")
        );
    }

    #[test]
    fn invalid_json_is_a_json_error() {
        for bad in ["", "{", r#"{"a": 1} x"#, r#"{"a": 1,}"#] {
            assert!(
                matches!(reject_duplicate_keys(bad), Err(ResultError::Json { .. })),
                "{bad:?}"
            );
        }
    }
}
