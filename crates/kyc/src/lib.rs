//! Basic KYC matching: compare what a user submitted (names, date of birth, gender, phone) with
//! what the ID authority holds, and report the outcome in the shape and spelling of the Smile ID
//! Basic KYC response (`ResultCode` 1020/1021/1022/1013/1015, `Actions.Names` = "Exact Match",
//! "Partial Match", "Transposed", "No Match", ...).
//!
//! The crate is independent of the policy layer (no Rhai, no `underwrite-core`) so it can be used
//! alone, e.g. to re-run matching on archived requests.
//!
//! # Design choices
//!
//! - **Speed first, exactness always.** KYC matching sits on the hot path of every application
//!   and of bulk re-screening, so names are normalized without heap allocation in the common case
//!   (short ASCII names are packed into one word and lowercased in registers; the packed form is
//!   private, so it can change), and the edit distance is a *bounded* Levenshtein
//!   ([`levenshtein::bounded`]) that stops as soon as the answer exceeds the threshold. It
//!   returns exactly the textbook distance whenever that is within the bound (property-tested
//!   against a plain DP), and every name outcome is property-tested through [`match_request`]
//!   against the documented rules on normalized text.
//! - **Unicode-correct.** Non-ASCII names go through canonical decomposition, full case folding
//!   (`ß` → `ss`) and composition, and distances count Unicode scalar values, not bytes.
//! - **Errors name the field.** Missing required names, impossible dates (`2000-02-30`),
//!   unrecognized genders and country codes, and phone numbers with letters are [`KycError`]s
//!   naming the field (`submitted.dob`), never a silent "No Match" or "Not Provided". Messages
//!   never echo the personal data itself.
//! - **Strict by default.** Any "No Match" field makes the whole result 1022, as the reference's
//!   matching rules say; [`Aggregation::Lenient`] follows the result-code table's wording
//!   instead (1022 only when nothing matches).
//! - **Auditable.** Every result carries [`Details`]: per-component distances and thresholds,
//!   which DOB component differed, how the phones were compared.
//!
//! # Example
//!
//! ```
//! use underwrite_kyc::{match_request, FieldOutcome, KycRequest, MatchConfig, ResultCode};
//!
//! let request = KycRequest::from_json(r#"{
//!     "submitted": {"first_name": "Joe", "middle_name": "Doe", "last_name": "Leo",
//!                   "dob": "2000-09-20", "gender": "M", "phone_number": "0123456789",
//!                   "country": "NG"},
//!     "authority": {"first_name": "LEO", "middle_name": "Doe", "last_name": "Joe",
//!                   "dob": "2000-09-21", "gender": "male", "phone_number": "+234 123 456 789"}
//! }"#)?;
//! let result = match_request(&request, &MatchConfig::default())?;
//! assert_eq!(result.actions.names, FieldOutcome::Transposed);
//! assert_eq!(result.actions.dob, FieldOutcome::PartialMatch);
//! assert_eq!(result.actions.gender.as_str(), "Exact Match");
//! assert_eq!(result.actions.phone_number, FieldOutcome::ExactMatch);
//! assert_eq!(result.code, ResultCode::PartialMatch);
//! assert_eq!(result.code.as_str(), "1021");
//! let json = serde_json::to_value(&result)?;
//! assert_eq!(json["Actions"]["Names"], "Transposed");
//! assert_eq!(json["ResultText"], "Partial Match");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod config;
pub mod date;
mod error;
mod field;
pub mod levenshtein;
mod matcher;
mod names;
pub mod normalize;
pub mod object;
pub mod outcome;
pub mod phone;
pub mod request;
mod result_json;
mod spelling;

pub use config::{Aggregation, MatchConfig, MAX_DISTANCE_LIMIT};
pub use date::{Date, DateError, DobDetails, DobRule};
pub use error::KycError;
pub use matcher::{match_request, Gender};
pub use names::{ComponentDetails, ComponentRule, NameComparison, NameDetails};
pub use normalize::{normalize_name, NormalizedName};
pub use outcome::{
    overall, Actions, Details, FieldOutcome, KycResult, ResultCode, ResultText, ResultType,
    ReturnPersonalInfo, VerifyIdNumber,
};
pub use phone::{Country, PhoneDetails, PhoneError, PhoneRule};
pub use request::{KycRequest, Record};
pub use result_json::ResultError;
