//! Why a request could not be matched.

use crate::date::DateError;
use crate::phone::PhoneError;

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
    ///
    /// [`MatchConfig::max_distance`]: crate::MatchConfig::max_distance
    /// [`MAX_DISTANCE_LIMIT`]: crate::MAX_DISTANCE_LIMIT
    #[error(
        "max_distance: {max_distance} is above the largest supported distance, {limit} \
         (beyond it nearly any two names are a Partial Match, and matching slows down)"
    )]
    MaxDistanceTooLarge {
        /// The distance asked for.
        max_distance: usize,
        /// [`MAX_DISTANCE_LIMIT`](crate::MAX_DISTANCE_LIMIT).
        limit: usize,
    },
    /// A phone number without a single digit, or with a letter or any other character that is
    /// not a digit or formatting ([`crate::phone::check_phone`]).
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
