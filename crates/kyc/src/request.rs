//! The request: the submitted record, the authority's record (or none), issuer availability.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// One person's record. Deserialization borrows strings from the input when they contain no
/// escapes. Unknown fields are rejected, so a typo (`frist_name`) cannot pass silently as
/// "Not Provided". Empty or whitespace-only values count as not provided.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Record<'a> {
    /// First name (required on the submitted record).
    #[serde(
        borrow,
        default,
        deserialize_with = "opt_cow",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Option<Cow<'a, str>>,
    /// Middle name.
    #[serde(
        borrow,
        default,
        deserialize_with = "opt_cow",
        skip_serializing_if = "Option::is_none"
    )]
    pub middle_name: Option<Cow<'a, str>>,
    /// Last name (required on the submitted record).
    #[serde(
        borrow,
        default,
        deserialize_with = "opt_cow",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Option<Cow<'a, str>>,
    /// Date of birth, `YYYY-MM-DD`.
    #[serde(
        borrow,
        default,
        deserialize_with = "opt_cow",
        skip_serializing_if = "Option::is_none"
    )]
    pub dob: Option<Cow<'a, str>>,
    /// Gender: `M`, `F`, `Male` or `Female`, any case.
    #[serde(
        borrow,
        default,
        deserialize_with = "opt_cow",
        skip_serializing_if = "Option::is_none"
    )]
    pub gender: Option<Cow<'a, str>>,
    /// Phone number, any formatting.
    #[serde(
        borrow,
        default,
        deserialize_with = "opt_cow",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone_number: Option<Cow<'a, str>>,
    /// ISO 3166-1 alpha-2 country (used to read national phone numbers).
    #[serde(
        borrow,
        default,
        deserialize_with = "opt_cow",
        skip_serializing_if = "Option::is_none"
    )]
    pub country: Option<Cow<'a, str>>,
}

impl<'a> Record<'a> {
    /// A record with the given first and last name and nothing else.
    #[must_use]
    pub fn named(first: impl Into<Cow<'a, str>>, last: impl Into<Cow<'a, str>>) -> Self {
        Self {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            ..Self::default()
        }
    }
}

/// A KYC request: `{"submitted": {...}, "authority": {...} | null, "issuer_unavailable"?: bool}`.
///
/// `authority` must be present (use `null` for "ID not found"), so that a misspelt key cannot
/// turn into a silent 1013.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KycRequest<'a> {
    /// What the user submitted.
    #[serde(borrow, deserialize_with = "record")]
    pub submitted: Record<'a>,
    /// What the ID authority returned; `None` when the ID was not found.
    #[serde(borrow, deserialize_with = "required_nullable")]
    #[schemars(with = "NullableRecord")]
    pub authority: Option<Record<'a>>,
    /// The ID authority could not be queried.
    #[serde(default)]
    pub issuer_unavailable: bool,
}

/// The schema of [`KycRequest::authority`]: a record or `null`, and required (an absent key is
/// refused, unlike an absent `Option` field).
struct NullableRecord;

impl JsonSchema for NullableRecord {
    fn schema_name() -> Cow<'static, str> {
        "NullableRecord".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.subschema_for::<Option<Record<'static>>>()
    }
}

/// `Option<Cow<str>>` that really borrows: serde's own `Cow` impl always copies.
fn opt_cow<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    struct CowStr;
    impl<'de> Visitor<'de> for CowStr {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
    }
    struct OptCowStr;
    impl<'de> Visitor<'de> for OptCowStr {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_str(CowStr).map(Some)
        }
    }
    d.deserialize_option(OptCowStr)
}

/// A record: a JSON object, never an array read by position.
fn record<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Record<'a>, D::Error> {
    crate::object::object(d)
}

/// `authority`: a record or `null`, and present (no `default`, so an absent key is refused).
fn required_nullable<'de: 'a, 'a, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Record<'a>>, D::Error> {
    crate::object::optional_object(d)
}

/// How a request that is not a JSON object is refused.
const EXPECTED_REQUEST: &str = "a KYC request (a JSON object with \"submitted\" and \"authority\")";

impl<'a> KycRequest<'a> {
    /// Parse a request from JSON text, borrowing from it where possible. The request and its
    /// records must be JSON objects: an array is refused, never read by position.
    pub fn from_json(text: &'a str) -> Result<Self, serde_json::Error> {
        crate::object::from_json(serde_json::Deserializer::from_str(text), EXPECTED_REQUEST)
    }

    /// Parse a request from JSON bytes, borrowing from them where possible; see
    /// [`KycRequest::from_json`].
    pub fn from_json_slice(bytes: &'a [u8]) -> Result<Self, serde_json::Error> {
        crate::object::from_json(
            serde_json::Deserializer::from_slice(bytes),
            EXPECTED_REQUEST,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_rejects_unknown_fields() {
        let text =
            r#"{"submitted": {"first_name": "Joe", "last_name": "Le\u00f3"}, "authority": null}"#;
        let r = KycRequest::from_json(text).expect("valid request");
        assert!(matches!(r.submitted.first_name, Some(Cow::Borrowed("Joe"))));
        assert_eq!(r.submitted.last_name.as_deref(), Some("Leó"));
        assert!(r.authority.is_none());
        assert!(!r.issuer_unavailable);

        let typo = r#"{"submitted": {"frist_name": "Joe", "last_name": "Leo"}, "authority": null}"#;
        let err = KycRequest::from_json(typo).expect_err("unknown field");
        assert!(err.to_string().contains("frist_name"), "{err}");

        let top = r#"{"submitted": {"first_name": "Joe"}, "authority": null, "extra": 1}"#;
        assert!(KycRequest::from_json(top).is_err());
    }

    #[test]
    fn authority_key_is_required() {
        let missing = r#"{"submitted": {"first_name": "Joe", "last_name": "Leo"}}"#;
        let err = KycRequest::from_json(missing).expect_err("authority required");
        assert!(err.to_string().contains("authority"), "{err}");
    }
}
