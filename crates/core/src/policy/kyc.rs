//! KYC outcomes as policy expressions see them: `kyc.result`, `kyc.names`, `kyc.dob`, ...
//!
//! The facts are plain strings spelled as in the Basic KYC reference (`"Exact Match"`,
//! `"No Match"`, `"1022"`, ...), so rule authors compare against the words they see in the
//! provider's documentation. When a decision is made without KYC, `kyc.provided` is `false` and
//! every other field is `()` (missing).

use std::borrow::Cow;

use underwrite_kyc::{match_request, KycError, KycRequest, KycResult, MatchConfig, ResultError};

/// The fields `kyc.<field>` can name, in index order.
pub const KYC_FIELDS: [&str; 9] = [
    "provided",
    "result",
    "code",
    "verify_id_number",
    "names",
    "dob",
    "gender",
    "phone_number",
    "id_verification",
];

/// Index of `kyc.provided`.
pub const PROVIDED: usize = 0;

/// The KYC facts a decision can use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KycFacts {
    provided: bool,
    fields: [Option<String>; KYC_FIELDS.len()],
}

/// A KYC input that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", where_in_kyc(field))]
pub struct KycInputError {
    /// What kind of refusal, for callers that react to it (the message is for people).
    pub kind: KycInputErrorKind,
    /// The field at fault (`ResultCode`, `Actions.Names`, `submitted.dob`, ...).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// The kinds of [`KycInputError`]. Match on these, never on a message's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KycInputErrorKind {
    /// The bytes are not UTF-8 (field `kyc`).
    NotUtf8,
    /// The text is not JSON (field `kyc`).
    NotJson,
    /// A request (it names `submitted`) that is not a request's shape: an unknown or missing
    /// key, a value of the wrong type, a key given twice, an array (field `request`).
    Request,
    /// A request the matcher refused: its error (a missing name, an impossible date, ...).
    Match(KycError),
    /// A result that is not a result's shape, names a key twice, or whose fields disagree:
    /// the result reader's error.
    Result(ResultError),
}

/// `kyc.<field>`, or `kyc` for the whole input (whose `field` is `kyc`).
fn where_in_kyc(field: &str) -> String {
    if field == "kyc" {
        field.to_string()
    } else {
        format!("kyc.{field}")
    }
}

impl KycFacts {
    /// No KYC was run: `kyc.provided` is false, everything else missing.
    pub fn none() -> KycFacts {
        KycFacts::default()
    }

    /// Facts from a KYC result (as `underwrite-kyc` produces it). The result is taken as it
    /// is: one read from outside should come from [`KycResult::from_json`], which checks it.
    pub fn from_result(result: &KycResult) -> KycFacts {
        let a = &result.actions;
        let fields = [
            None,
            Some(result.text.as_str()),
            Some(result.code.as_str()),
            Some(a.verify_id_number.as_str()),
            Some(a.names.as_str()),
            Some(a.dob.as_str()),
            Some(a.gender.as_str()),
            Some(a.phone_number.as_str()),
            Some(a.id_verification.as_str()),
        ];
        KycFacts {
            provided: true,
            fields: fields.map(|f| f.map(str::to_string)),
        }
    }

    /// Facts from JSON holding either a KYC request (`submitted` / `authority`), which is
    /// matched here with `underwrite-kyc`'s default configuration, or a result in the
    /// reference's shape (`ResultCode`, `ResultText`, `Actions`, ...): the facts of
    /// [`result_from_json`], which says what is refused.
    ///
    /// ```
    /// use underwrite_core::policy::kyc::KycFacts;
    /// let err = KycFacts::from_json(b"{\"submitted\": \"\xff\"}").unwrap_err();
    /// assert_eq!(err.field, "kyc");
    /// assert_eq!(err.message, "not UTF-8: invalid byte at offset 15");
    /// assert_eq!(err.to_string(), "kyc: not UTF-8: invalid byte at offset 15");
    /// let err = KycFacts::from_json(br#"{"ResultCode": 1}"#).unwrap_err();
    /// assert!(err.to_string().starts_with("kyc.result: "), "{err}");
    /// ```
    pub fn from_json(bytes: &[u8]) -> Result<KycFacts, KycInputError> {
        result_from_json(bytes).map(|result| KycFacts::from_result(&result))
    }

    /// Whether KYC was run.
    pub fn provided(&self) -> bool {
        self.provided
    }

    /// The value of field `index` of [`KYC_FIELDS`] (`None` when missing or for `provided`).
    pub fn field(&self, index: usize) -> Option<&str> {
        self.fields.get(index).and_then(|f| f.as_deref())
    }

    /// Index of a field name.
    pub fn index_of(field: &str) -> Option<usize> {
        KYC_FIELDS.iter().position(|f| *f == field)
    }
}

/// Whether KYC JSON is a request (it names `submitted`) rather than a result, read from its
/// top-level keys alone: no document is built, since the reader of either shape parses the
/// text itself. Anything but a syntax error (an array, a number) reads as a result, whose reader
/// then says what is wrong.
/// The KYC result of JSON holding either a KYC request (`submitted` / `authority`), matched
/// here with `underwrite-kyc`'s default configuration, or a result in the reference's shape
/// (`ResultCode`, `ResultText`, `Actions`, ...). A caller that keeps a record of the decision
/// (the service's decision log) keeps this result: the codes and per-field outcomes are enough
/// to decide again, and it holds no submitted name or date of birth.
///
/// A result is read with [`KycResult::from_json`]: a key given twice at any level is refused
/// (the error's `field` is the key's path, e.g. `Actions.Names`), and so is a result whose
/// fields disagree (`ResultCode` 1020 with `ResultText` "No Match", a code the per-field
/// outcomes do not give, ...; see [`KycResult::check`]), so that no rule decides on one copy or
/// one field while another says otherwise. A request is refused on a duplicate key too (by its
/// derived reader).
///
/// The input is bytes, as [`Policy::decide_payload`](super::Policy::decide_payload) takes the
/// signals, so a caller passes what it read. Bytes that are not UTF-8 are refused with an error
/// whose `field` is `kyc` and whose message says so and where.
pub fn result_from_json(bytes: &[u8]) -> Result<KycResult, KycInputError> {
    let text = std::str::from_utf8(bytes).map_err(|e| KycInputError {
        kind: KycInputErrorKind::NotUtf8,
        field: "kyc".into(),
        message: format!("not UTF-8: invalid byte at offset {}", e.valid_up_to()),
    })?;
    if is_request(text).map_err(|e| KycInputError {
        kind: KycInputErrorKind::NotJson,
        field: "kyc".into(),
        message: format!("not JSON: {e}"),
    })? {
        let request = KycRequest::from_json(text).map_err(|e| KycInputError {
            kind: KycInputErrorKind::Request,
            field: "request".into(),
            message: e.to_string(),
        })?;
        match_request(&request, &MatchConfig::default()).map_err(|e| KycInputError {
            kind: KycInputErrorKind::Match(e),
            field: e.field().to_string(),
            message: e.to_string(),
        })
    } else {
        KycResult::from_json(text).map_err(|e| KycInputError {
            field: e.field().to_string(),
            message: match &e {
                ResultError::Json { message } => format!("not a KYC request or result: {message}"),
                e => e.to_string(),
            },
            kind: KycInputErrorKind::Result(e),
        })
    }
}

fn is_request(text: &str) -> Result<bool, serde_json::Error> {
    use serde::de::IgnoredAny;
    match serde_json::from_str::<std::collections::HashMap<Cow<'_, str>, IgnoredAny>>(text) {
        Ok(keys) => Ok(keys.contains_key("submitted")),
        Err(e) if e.is_data() => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'a>(f: &'a KycFacts, name: &str) -> Option<&'a str> {
        f.field(KycFacts::index_of(name).expect("known field"))
    }

    #[test]
    fn reads_the_reference_result_shape() {
        let f = KycFacts::from_json(
            br#"{"ResultCode":"1022","ResultText":"No Match","Actions":{"Verify_ID_Number":"Verified",
            "Names":"No Match","DOB":"Exact Match","Gender":"Exact Match","Phone_Number":"Not Provided",
            "ID_Verification":"No Match","Return_Personal_Info":"Not Applicable"}}"#,
        )
        .expect("facts");
        assert!(f.provided());
        assert_eq!(field(&f, "names"), Some("No Match"));
        assert_eq!(field(&f, "code"), Some("1022"));
        assert_eq!(field(&f, "phone_number"), Some("Not Provided"));
    }

    #[test]
    fn matches_a_request() {
        let f = KycFacts::from_json(
            br#"{"submitted":{"first_name":"Joe","middle_name":"Doe","last_name":"Leo","dob":"2000-09-20"},
                "authority":{"first_name":"Joe","middle_name":"Doe","last_name":"Leo","dob":"2000-09-20"}}"#,
        )
        .expect("facts");
        assert_eq!(field(&f, "result"), Some("Exact Match"));
        assert_eq!(field(&f, "code"), Some("1020"));
    }

    #[test]
    fn bad_kyc_input_names_the_field() {
        let err = KycFacts::from_json(br#"{"ResultCode": 1022}"#).expect_err("number code");
        assert!(matches!(
            err.kind,
            KycInputErrorKind::Result(ResultError::Json { .. })
        ));
        assert_eq!(err.field, "result");
        let err = KycFacts::from_json(
            br#"{"submitted":{"first_name":"Joe","last_name":"Leo","dob":"2000-02-30"},"authority":null}"#,
        )
        .expect_err("bad date");
        assert!(matches!(
            err.kind,
            KycInputErrorKind::Match(KycError::InvalidDate { .. })
        ));
        assert_eq!(err.field, "submitted.dob");
        assert!(!KycFacts::none().provided());
    }

    #[test]
    fn each_refusal_has_its_kind() {
        let kind = |text: &str| KycFacts::from_json(text.as_bytes()).unwrap_err().kind;
        assert_eq!(kind("{"), KycInputErrorKind::NotJson);
        assert_eq!(
            kind(r#"{"submitted": ["Joe", null, "Leo"], "authority": null}"#),
            KycInputErrorKind::Request
        );
        assert_eq!(
            kind(r#"{"submitted": {"first_name": " ", "last_name": "Leo"}, "authority": null}"#),
            KycInputErrorKind::Match(KycError::MissingName {
                field: "submitted.first_name"
            })
        );
        assert!(matches!(
            kind("[1]"),
            KycInputErrorKind::Result(ResultError::Json { .. })
        ));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_naming_the_input() {
        for (bytes, offset) in [
            (&b"\xff"[..], 0),
            (&b"{\"ResultCode\": \"10\xc3\x28\"}"[..], 18),
            (&b"{\"submitted\": {\"first_name\": \"Jo\xe9\"}}"[..], 32),
        ] {
            let err = KycFacts::from_json(bytes).expect_err("not UTF-8");
            assert_eq!(err.kind, KycInputErrorKind::NotUtf8);
            assert_eq!(err.field, "kyc");
            assert_eq!(
                err.message,
                format!("not UTF-8: invalid byte at offset {offset}")
            );
        }
    }
}
