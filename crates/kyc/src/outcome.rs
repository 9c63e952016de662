//! The result of a KYC match, in the reference's (Smile ID Basic KYC) shape and spelling.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::Aggregation;
use crate::date::DobDetails;
pub use crate::field::FieldOutcome;
use crate::names::NameDetails;
use crate::phone::PhoneDetails;
use crate::spelling::spelled_enum;

spelled_enum! {
    /// `ResultCode`: the numeric overall result.
    pub enum ResultCode {
        /// 1020: every compared field is an exact match.
        ExactMatch => "1020",
        /// 1021: a mixture of exact, partial and transposed.
        PartialMatch => "1021",
        /// 1022: no match (see [`Aggregation`] for when exactly).
        NoMatch => "1022",
        /// 1013: the ID was not found at the authority (no authority record).
        InvalidId => "1013",
        /// 1015: the ID authority was unavailable.
        IssuerUnavailable => "1015",
    }
}

impl ResultCode {
    /// The `ResultText` that goes with this code.
    #[must_use]
    pub fn text(self) -> ResultText {
        match self {
            ResultCode::ExactMatch => ResultText::ExactMatch,
            ResultCode::PartialMatch => ResultText::PartialMatch,
            ResultCode::NoMatch => ResultText::NoMatch,
            ResultCode::InvalidId => ResultText::InvalidId,
            ResultCode::IssuerUnavailable => ResultText::IssuerUnavailable,
        }
    }
}

/// Combine per-field outcomes (Not Provided / Not Done ignored) into the overall code.
#[must_use]
pub fn overall(outcomes: &[FieldOutcome], aggregation: Aggregation) -> ResultCode {
    let compared = || outcomes.iter().filter(|o| o.severity().is_some());
    let any_no_match = compared().any(|o| *o == FieldOutcome::NoMatch);
    let any_match = compared().any(|o| o.is_match());
    let all_exact = compared().all(|o| *o == FieldOutcome::ExactMatch);
    match aggregation {
        Aggregation::Strict if any_no_match => ResultCode::NoMatch,
        Aggregation::Lenient if !any_match => ResultCode::NoMatch,
        _ if all_exact => ResultCode::ExactMatch,
        _ => ResultCode::PartialMatch,
    }
}

spelled_enum! {
    /// `ResultText` and `Actions.ID_Verification`: the textual overall result.
    pub enum ResultText {
        /// Goes with 1020.
        ExactMatch => "Exact Match",
        /// Goes with 1021.
        PartialMatch => "Partial Match",
        /// Goes with 1022.
        NoMatch => "No Match",
        /// Goes with 1013.
        InvalidId => "Invalid ID",
        /// Goes with 1015 (the reference's result-code table spelling).
        IssuerUnavailable => "Error - Queried Database Unavailable",
    }
}

spelled_enum! {
    /// `Actions.Verify_ID_Number`: the result of looking the ID number up.
    pub enum VerifyIdNumber {
        /// The ID was found.
        Verified => "Verified",
        /// The ID was not found.
        NotVerified => "Not Verified",
        /// The lookup was not done.
        NotDone => "Not Done",
        /// The authority could not be reached.
        IssuerUnavailable => "Issuer Unavailable",
    }
}

spelled_enum! {
    /// `Actions.Return_Personal_Info`: this crate never returns the authority's personal data.
    pub enum ReturnPersonalInfo {
        /// The only value Basic KYC returns.
        NotApplicable => "Not Applicable",
    }
}

spelled_enum! {
    /// `ResultType`.
    pub enum ResultType {
        /// The only value Basic KYC returns.
        IdVerification => "ID Verification",
    }
}

/// The per-field outcomes (`Actions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Actions {
    /// `Verify_ID_Number`.
    #[serde(rename = "Verify_ID_Number")]
    pub verify_id_number: VerifyIdNumber,
    /// `Return_Personal_Info`.
    #[serde(rename = "Return_Personal_Info")]
    pub return_personal_info: ReturnPersonalInfo,
    /// `Names`.
    #[serde(rename = "Names")]
    pub names: FieldOutcome,
    /// `DOB`.
    #[serde(rename = "DOB")]
    pub dob: FieldOutcome,
    /// `Gender`.
    #[serde(rename = "Gender")]
    pub gender: FieldOutcome,
    /// `Phone_Number`.
    #[serde(rename = "Phone_Number")]
    pub phone_number: FieldOutcome,
    /// `ID_Verification`: the same as `ResultText`.
    #[serde(rename = "ID_Verification")]
    pub id_verification: ResultText,
}

/// What each outcome rests on, for audit (`Details`; not part of the reference's shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Details {
    /// Name components compared straight and swapped, with distances.
    #[serde(default, deserialize_with = "crate::object::optional_object")]
    pub names: Option<NameDetails>,
    /// Which DOB components differed and the rule applied.
    #[serde(default, deserialize_with = "crate::object::optional_object")]
    pub dob: Option<DobDetails>,
    /// How the phone numbers were compared.
    #[serde(default, deserialize_with = "crate::object::optional_object")]
    pub phone_number: Option<PhoneDetails>,
    /// The edit-distance bound in force.
    pub max_distance: usize,
    /// The overall aggregation in force.
    pub aggregation: Aggregation,
}

/// The result of a KYC match, serialized like the reference's synchronous response (minus the
/// job bookkeeping fields), plus [`Details`].
///
/// To read a result that a decision will rest on, use [`KycResult::from_json`]: the derived
/// `Deserialize` reads the shape only (it refuses a known key given twice, but not a duplicated
/// ignored key, and it does not check that the fields agree, see [`KycResult::check`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KycResult {
    /// `ResultType`: always "ID Verification".
    #[serde(rename = "ResultType", default = "default_result_type")]
    pub result_type: ResultType,
    /// `ResultCode`, e.g. "1020".
    #[serde(rename = "ResultCode")]
    pub code: ResultCode,
    /// `ResultText`, e.g. "Exact Match".
    #[serde(rename = "ResultText")]
    pub text: ResultText,
    /// `IsFinalResult`: serialized as the string "true", as the reference does.
    #[serde(
        rename = "IsFinalResult",
        default = "default_true",
        serialize_with = "ser_bool_string",
        deserialize_with = "de_bool_string"
    )]
    #[schemars(with = "BoolText")]
    pub is_final: bool,
    /// `Actions`.
    #[serde(rename = "Actions", deserialize_with = "crate::object::object")]
    pub actions: Actions,
    /// `Details`: absent when deserializing a reference response.
    #[serde(
        rename = "Details",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::object::optional_object"
    )]
    pub details: Option<Details>,
}

fn default_result_type() -> ResultType {
    ResultType::IdVerification
}

fn default_true() -> bool {
    true
}

/// The schema of [`KycResult::is_final`]: written as the string `"true"` or `"false"`; read
/// from that string or a JSON boolean.
struct BoolText;

impl JsonSchema for BoolText {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "BoolText".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        if generator.contract().is_serialize() {
            schemars::json_schema!({ "type": "string", "enum": ["true", "false"] })
        } else {
            schemars::json_schema!({
                "anyOf": [{ "type": "boolean" }, { "type": "string", "enum": ["true", "false"] }]
            })
        }
    }
}

fn ser_bool_string<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *v { "true" } else { "false" })
}

fn de_bool_string<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrString<'a> {
        Bool(bool),
        Str(#[serde(borrow)] std::borrow::Cow<'a, str>),
    }
    match BoolOrString::deserialize(d)? {
        BoolOrString::Bool(b) => Ok(b),
        BoolOrString::Str(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        BoolOrString::Str(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        BoolOrString::Str(s) => Err(serde::de::Error::invalid_value(
            serde::de::Unexpected::Str(&s),
            &"\"true\" or \"false\"",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for o in FieldOutcome::ALL {
            assert_eq!(FieldOutcome::from_spelling(o.as_str()), Some(*o));
            let json = serde_json::to_string(o).expect("serialize");
            assert_eq!(json, format!("\"{}\"", o.as_str()));
            let back: FieldOutcome = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, *o);
        }
        for c in ResultCode::ALL {
            let back: ResultCode =
                serde_json::from_str(&format!("\"{}\"", c.as_str())).expect("deserialize");
            assert_eq!(back, *c);
        }
        assert_eq!(ResultCode::NoMatch.as_str(), "1022");
        assert_eq!(ResultCode::InvalidId.text().as_str(), "Invalid ID");
        assert!(serde_json::from_str::<FieldOutcome>("\"exact match\"").is_err());
    }

    #[test]
    fn deserializes_the_reference_response() {
        let reference = r#"{
            "JSONVersion": "1.0.0",
            "SmileJobID": "0000055474",
            "PartnerParams": {"user_id": "u", "job_id": "j", "job_type": 5},
            "ResultType": "ID Verification",
            "ResultText": "Exact Match",
            "ResultCode": "1020",
            "IsFinalResult": "true",
            "Actions": {
                "Return_Personal_Info": "Not Applicable",
                "Verify_ID_Number": "Verified",
                "Names": "Exact Match",
                "DOB": "Exact Match",
                "Gender": "Exact Match",
                "Phone_Number": "Exact Match",
                "ID_Verification": "Exact Match"
            },
            "Source": "ID Verificaiton",
            "signature": "...",
            "timestamp": "2021-08-12T17:57:00.614879"
        }"#;
        let r: KycResult = serde_json::from_str(reference).expect("reference shape");
        assert_eq!(r.code, ResultCode::ExactMatch);
        assert_eq!(r.actions.names, FieldOutcome::ExactMatch);
        assert_eq!(r.actions.verify_id_number, VerifyIdNumber::Verified);
        assert!(r.is_final);
        assert!(r.details.is_none());
    }
}
