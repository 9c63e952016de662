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
//!   (short ASCII names are packed into one word and lowercased in registers, see [`NameKey`]),
//!   and the edit distance is a *bounded* Levenshtein ([`levenshtein::bounded`]) that stops as
//!   soon as the answer exceeds the threshold. It returns exactly the textbook distance whenever
//!   that is within the bound (property-tested against a plain DP).
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

pub mod date;
pub mod levenshtein;
pub mod names;
pub mod normalize;
pub mod outcome;
pub mod phone;
pub mod request;
mod result_json;

use serde::{Deserialize, Serialize};

pub use date::{Date, DateError, DobDetails, DobRule};
pub use names::{
    ComponentDetails, ComponentRule, KeyParts, NameComparison, NameDetails, NameParts,
};
pub use normalize::{normalize_name, NameKey, NormalizedName};
pub use outcome::{
    Actions, Details, FieldOutcome, KycResult, ResultCode, ResultText, ResultType,
    ReturnPersonalInfo, VerifyIdNumber,
};
pub use phone::{Country, PhoneDetails, PhoneError, PhoneRule};
pub use request::{KycRequest, Record};
pub use result_json::ResultError;

/// How the per-field outcomes combine into the overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Any "No Match" field → 1022 (the reference's matching rules). The default.
    #[default]
    Strict,
    /// 1022 only when no compared field matches at all (the reference's result-code table:
    /// "None of the user submitted details partially/exactly match").
    Lenient,
}

/// The largest [`MatchConfig::max_distance`] that [`match_request`] accepts (see
/// [`MatchConfig::validate`]).
///
/// Why 8:
///
/// - **Meaning.** The contract's threshold is 2. A threshold at or above the length of a name
///   makes every pair of such names a Partial Match (any name of up to 8 characters is within 8
///   edits of any other), so larger values no longer tell names apart. 8 leaves room to
///   experiment well beyond the contract and [`MatchConfig::length_scaled`], and no further.
/// - **Cost.** Past the table-free paths (`k <= 3`, or a shorter side of at most 64 characters,
///   which are linear in the name length whatever `k`), the edit distance is a diagonal-band DP
///   of `2k + 1` cells per character of the shorter name. At 8 that is 17 cells per character:
///   linear in the name length with a small constant, for any name length (the library has no
///   name length limit). An unbounded `k` made it quadratic: `--max-distance 200000` on long
///   names ran for more than 20 seconds.
pub const MAX_DISTANCE_LIMIT: usize = 8;

/// Matching parameters.
///
/// [`match_request`] refuses a configuration that [`MatchConfig::validate`] refuses, before it
/// reads the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchConfig {
    /// Largest Levenshtein distance for a Partial Match of a name component (default 2, at most
    /// [`MAX_DISTANCE_LIMIT`]).
    pub max_distance: usize,
    /// Scale the threshold down for short names: `min(max_distance, shorter_length / 3)`, so
    /// names of 1–2 characters must be equal, 3–5 may differ by one, 6 and more by two. Off by
    /// default (the contract's flat threshold lets "Li" partially match "Wu").
    pub length_scaled: bool,
    /// Overall aggregation (default [`Aggregation::Strict`]).
    pub aggregation: Aggregation,
}

impl Default for MatchConfig {
    fn default() -> Self {
        Self {
            max_distance: 2,
            length_scaled: false,
            aggregation: Aggregation::Strict,
        }
    }
}

impl MatchConfig {
    /// Check the configuration: `max_distance` must be at most [`MAX_DISTANCE_LIMIT`]. A larger
    /// value is refused, never clamped, so that a result never reports a threshold other than the
    /// one asked for.
    ///
    /// ```
    /// use underwrite_kyc::{KycError, MatchConfig, MAX_DISTANCE_LIMIT};
    /// assert_eq!(MatchConfig::default().validate(), Ok(()));
    /// let wide = MatchConfig { max_distance: 200_000, ..MatchConfig::default() };
    /// assert_eq!(
    ///     wide.validate(),
    ///     Err(KycError::MaxDistanceTooLarge { max_distance: 200_000, limit: MAX_DISTANCE_LIMIT })
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), KycError> {
        if self.max_distance > MAX_DISTANCE_LIMIT {
            return Err(KycError::MaxDistanceTooLarge {
                max_distance: self.max_distance,
                limit: MAX_DISTANCE_LIMIT,
            });
        }
        Ok(())
    }

    /// The distance threshold for a pair whose shorter side has `shorter_len` characters.
    #[must_use]
    pub fn threshold_for(&self, shorter_len: usize) -> usize {
        if self.length_scaled {
            self.max_distance.min(shorter_len / 3)
        } else {
            self.max_distance
        }
    }
}

/// Why a request could not be matched. Every variant names the offending field, e.g.
/// `submitted.dob`; none echoes a value from a record (it is personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KycError {
    /// A required name (submitted first or last name) is missing or blank.
    #[error("{field}: required name is missing or empty")]
    MissingName {
        /// The field, e.g. `submitted.first_name`.
        field: &'static str,
    },
    /// A date of birth is not a valid `YYYY-MM-DD` date.
    #[error("{field}: invalid date: {reason}")]
    InvalidDate {
        /// `submitted.dob` or `authority.dob`.
        field: &'static str,
        /// What is wrong with it.
        reason: DateError,
    },
    /// A gender other than M, F, Male or Female (any case).
    #[error("{field}: unrecognized gender (expected M, F, Male or Female)")]
    InvalidGender {
        /// `submitted.gender` or `authority.gender`.
        field: &'static str,
    },
    /// A country that is not an ISO 3166-1 alpha-2 code known to the phone metadata.
    #[error("{field}: unknown country code (expected ISO 3166-1 alpha-2, e.g. NG)")]
    InvalidCountry {
        /// `submitted.country` or `authority.country`.
        field: &'static str,
    },
    /// [`MatchConfig::max_distance`] is above [`MAX_DISTANCE_LIMIT`]. Its field is
    /// `max_distance`.
    #[error(
        "max_distance: {max_distance} is above the largest supported distance, {limit} \
         (beyond it nearly any two names are a Partial Match, and matching slows down)"
    )]
    MaxDistanceTooLarge {
        /// The distance asked for.
        max_distance: usize,
        /// [`MAX_DISTANCE_LIMIT`].
        limit: usize,
    },
    /// A phone number without a single digit, or with a letter or any other character that is
    /// not a digit or formatting ([`phone::check_phone`]).
    #[error("{field}: not a phone number: {reason}")]
    InvalidPhone {
        /// `submitted.phone_number` or `authority.phone_number`.
        field: &'static str,
        /// What is wrong with it.
        reason: PhoneError,
    },
}

impl KycError {
    /// The field the error is about, e.g. `authority.dob`.
    #[must_use]
    pub fn field(&self) -> &'static str {
        match *self {
            KycError::MissingName { field }
            | KycError::InvalidDate { field, .. }
            | KycError::InvalidGender { field }
            | KycError::InvalidCountry { field }
            | KycError::InvalidPhone { field, .. } => field,
            KycError::MaxDistanceTooLarge { .. } => "max_distance",
        }
    }
}

/// Gender as the contract reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gender {
    /// `M` / `Male`.
    Male,
    /// `F` / `Female`.
    Female,
}

impl Gender {
    /// Parse `M`, `F`, `Male`, `Female` in any case, surrounding whitespace ignored.
    #[must_use]
    #[inline]
    pub fn parse(s: &str) -> Option<Self> {
        // Fast path: no surrounding whitespace to trim (the usual "M", "Male", ...).
        let t = if starts_and_ends_unblank(s) {
            s
        } else {
            s.trim()
        };
        if t.eq_ignore_ascii_case("m") || t.eq_ignore_ascii_case("male") {
            Some(Gender::Male)
        } else if t.eq_ignore_ascii_case("f") || t.eq_ignore_ascii_case("female") {
            Some(Gender::Female)
        } else {
            None
        }
    }
}

/// Field names per side, for errors.
struct Side {
    first: &'static str,
    last: &'static str,
    dob: &'static str,
    gender: &'static str,
    phone: &'static str,
    country: &'static str,
}

const SUBMITTED: Side = Side {
    first: "submitted.first_name",
    last: "submitted.last_name",
    dob: "submitted.dob",
    gender: "submitted.gender",
    phone: "submitted.phone_number",
    country: "submitted.country",
};

const AUTHORITY: Side = Side {
    first: "authority.first_name",
    last: "authority.last_name",
    dob: "authority.dob",
    gender: "authority.gender",
    phone: "authority.phone_number",
    country: "authority.country",
};

/// True when the first and the last byte of `s` are printable ASCII other than space, so that
/// `s` is not blank and `s.trim() == s`.
#[inline]
pub(crate) fn starts_and_ends_unblank(s: &str) -> bool {
    let printable = |b: &u8| (0x21..0x7F).contains(b);
    let b = s.as_bytes();
    b.first().is_some_and(printable) && b.last().is_some_and(printable)
}

/// A value that is present and not blank (stops at the first non-whitespace character).
#[inline]
fn present<'s>(v: &'s Option<std::borrow::Cow<'_, str>>) -> Option<&'s str> {
    v.as_deref().filter(|s| {
        s.as_bytes()
            .first()
            .is_some_and(|b| (0x21..0x7F).contains(b))
            || !s.chars().all(char::is_whitespace)
    })
}

/// A record with its fields validated. Names stay raw here and are normalized into
/// [`NameKey`]s only when the records are compared: a name is blank exactly when its
/// normalized form is empty (normalization trims whitespace and never maps anything else to
/// nothing), and keeping `Prepared` small keeps the `Result`s that carry it cheap to move.
struct Prepared<'a> {
    first: &'a str,
    middle: Option<&'a str>,
    last: &'a str,
    dob: Option<Date>,
    gender: Option<Gender>,
    phone: Option<&'a str>,
    country: Option<Country>,
}

impl<'a> Prepared<'a> {
    fn new(r: &'a Record<'_>, side: &Side, names_required: bool) -> Result<Self, KycError> {
        let first = r.first_name.as_deref().unwrap_or("");
        let last = r.last_name.as_deref().unwrap_or("");
        if names_required {
            if present(&r.first_name).is_none() {
                return Err(KycError::MissingName { field: side.first });
            }
            if present(&r.last_name).is_none() {
                return Err(KycError::MissingName { field: side.last });
            }
        }
        let middle = present(&r.middle_name);
        let dob = present(&r.dob)
            .map(|s| {
                Date::parse(s).map_err(|reason| KycError::InvalidDate {
                    field: side.dob,
                    reason,
                })
            })
            .transpose()?;
        let gender = present(&r.gender)
            .map(|s| Gender::parse(s).ok_or(KycError::InvalidGender { field: side.gender }))
            .transpose()?;
        let country = present(&r.country)
            .map(|s| {
                phone::parse_country(s).ok_or(KycError::InvalidCountry {
                    field: side.country,
                })
            })
            .transpose()?;
        let phone = present(&r.phone_number);
        if let Some(p) = phone {
            phone::check_phone(p).map_err(|reason| KycError::InvalidPhone {
                field: side.phone,
                reason,
            })?;
        }
        Ok(Self {
            first,
            middle,
            last,
            dob,
            gender,
            phone,
            country,
        })
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

/// Build the result from the code, the ID lookup and the four field outcomes
/// (names, DOB, gender, phone number).
#[inline]
fn assemble(
    code: ResultCode,
    verify_id_number: VerifyIdNumber,
    [names, dob, gender, phone_number]: [FieldOutcome; 4],
    details: Details,
) -> KycResult {
    KycResult {
        result_type: ResultType::IdVerification,
        code,
        text: code.text(),
        is_final: true,
        actions: Actions {
            verify_id_number,
            return_personal_info: ReturnPersonalInfo::NotApplicable,
            names,
            dob,
            gender,
            phone_number,
            id_verification: code.text(),
        },
        details: Some(details),
    }
}

fn not_compared(code: ResultCode, verify: VerifyIdNumber, config: &MatchConfig) -> KycResult {
    let details = Details {
        names: None,
        dob: None,
        phone_number: None,
        max_distance: config.max_distance,
        aggregation: config.aggregation,
    };
    assemble(code, verify, [FieldOutcome::NotDone; 4], details)
}

/// Match a request: check the configuration ([`MatchConfig::validate`]), validate both records,
/// compare every field, aggregate.
///
/// Both records are validated before anything else, so a bad field is reported even when the
/// issuer was unavailable. `issuer_unavailable` takes precedence over the authority record.
pub fn match_request(
    request: &KycRequest<'_>,
    config: &MatchConfig,
) -> Result<KycResult, KycError> {
    config.validate()?;
    let submitted = Prepared::new(&request.submitted, &SUBMITTED, true)?;
    let authority = request
        .authority
        .as_ref()
        .map(|a| Prepared::new(a, &AUTHORITY, false))
        .transpose()?;
    if request.issuer_unavailable {
        return Ok(not_compared(
            ResultCode::IssuerUnavailable,
            VerifyIdNumber::IssuerUnavailable,
            config,
        ));
    }
    let Some(authority) = authority else {
        return Ok(not_compared(
            ResultCode::InvalidId,
            VerifyIdNumber::NotVerified,
            config,
        ));
    };
    Ok(compare(&submitted, &authority, config))
}

#[inline]
fn compare(s: &Prepared<'_>, a: &Prepared<'_>, config: &MatchConfig) -> KycResult {
    let (sf, sl, sm) = (
        NameKey::new(s.first),
        NameKey::new(s.last),
        s.middle.map(NameKey::new),
    );
    let (af, al, am) = (
        NameKey::new(a.first),
        NameKey::new(a.last),
        a.middle.map(NameKey::new),
    );
    let (names, name_details) = names::compare_name_keys(
        &KeyParts {
            first: &sf,
            middle: sm.as_ref(),
            last: &sl,
        },
        &KeyParts {
            first: &af,
            middle: am.as_ref(),
            last: &al,
        },
        config,
    );
    let (dob, dob_details) = match (s.dob, a.dob) {
        (Some(x), Some(y)) => date::compare_dob(x, y),
        _ => (FieldOutcome::NotProvided, DobDetails::not_provided()),
    };
    let gender = match (s.gender, a.gender) {
        (Some(x), Some(y)) if x == y => FieldOutcome::ExactMatch,
        (Some(_), Some(_)) => FieldOutcome::NoMatch,
        _ => FieldOutcome::NotProvided,
    };
    let (phone_number, phone_details) = match (s.phone, a.phone) {
        (Some(x), Some(y)) => phone::compare_checked(x, s.country, y, a.country),
        _ => (
            FieldOutcome::NotProvided,
            PhoneDetails {
                rule: PhoneRule::NotProvided,
            },
        ),
    };
    let fields = [names, dob, gender, phone_number];
    let code = overall(&fields, config.aggregation);
    let details = Details {
        names: Some(name_details),
        dob: Some(dob_details),
        phone_number: Some(phone_details),
        max_distance: config.max_distance,
        aggregation: config.aggregation,
    };
    assemble(code, VerifyIdNumber::Verified, fields, details)
}
