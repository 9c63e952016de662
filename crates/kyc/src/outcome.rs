//! The result of a KYC match, in the reference's (Smile ID Basic KYC) shape and spelling.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::date::DobDetails;
use crate::names::NameDetails;
use crate::phone::PhoneDetails;

/// Declares a string-valued enum whose serde form and `as_str` are the given spellings.
macro_rules! spelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant, )+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The exact spelling used in the reference's JSON.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// Parse the exact spelling (case-sensitive, as the reference writes it).
            #[must_use]
            pub fn from_spelling(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::from_spelling(&s).ok_or_else(|| {
                    serde::de::Error::unknown_variant(&s, &[$($text),+])
                })
            }
        }
    };
}

spelled_enum! {
    /// Outcome of one field comparison (`Actions.Names`, `Actions.DOB`, ...).
    pub enum FieldOutcome {
        /// The values are equal after normalization.
        ExactMatch => "Exact Match",
        /// Close enough (names: within the edit distance; DOB: one component within one).
        PartialMatch => "Partial Match",
        /// Two elements swapped (first/last name, or month/day of birth).
        Transposed => "Transposed",
        /// All other cases.
        NoMatch => "No Match",
        /// An optional field is missing on one side.
        NotProvided => "Not Provided",
        /// No comparison was made (no authority record, or the issuer was unavailable).
        NotDone => "Not Done",
    }
}

impl FieldOutcome {
    /// Severity for "worst of" aggregation: Exact < Transposed/Partial < No Match. Not Provided
    /// and Not Done do not take part (None).
    #[must_use]
    pub fn severity(self) -> Option<u8> {
        match self {
            FieldOutcome::ExactMatch => Some(0),
            FieldOutcome::PartialMatch | FieldOutcome::Transposed => Some(1),
            FieldOutcome::NoMatch => Some(2),
            FieldOutcome::NotProvided | FieldOutcome::NotDone => None,
        }
    }

    /// True for Exact Match, Partial Match and Transposed.
    #[must_use]
    pub fn is_match(self) -> bool {
        matches!(self.severity(), Some(0 | 1))
    }
}

spelled_enum! {
    /// `ResultCode`: the numeric overall result.
    pub enum ResultCode {
        /// 1020: every compared field is an exact match.
        ExactMatch => "1020",
        /// 1021: a mixture of exact, partial and transposed.
        PartialMatch => "1021",
        /// 1022: no match (see [`crate::Aggregation`] for when exactly).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// Name components compared straight and swapped, with distances.
    pub names: Option<NameDetails>,
    /// Which DOB components differed and the rule applied.
    pub dob: Option<DobDetails>,
    /// How the phone numbers were compared.
    pub phone_number: Option<PhoneDetails>,
    /// The edit-distance bound in force.
    pub max_distance: usize,
    /// The overall aggregation in force.
    pub aggregation: crate::Aggregation,
}

/// The result of a KYC match, serialized like the reference's synchronous response (minus the
/// job bookkeeping fields), plus [`Details`].
///
/// To read a result that a decision will rest on, use [`KycResult::from_json`]: the derived
/// `Deserialize` reads the shape only (it refuses a known key given twice, but not a duplicated
/// ignored key, and it does not check that the fields agree, see [`KycResult::check`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub is_final: bool,
    /// `Actions`.
    #[serde(rename = "Actions")]
    pub actions: Actions,
    /// `Details`: absent when deserializing a reference response.
    #[serde(rename = "Details", default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Details>,
}

fn default_result_type() -> ResultType {
    ResultType::IdVerification
}

fn default_true() -> bool {
    true
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
