//! The whole match: validate both records, compare every field, aggregate.

use serde::{Deserialize, Serialize};

use crate::config::MatchConfig;
use crate::date::{self, Date, DobDetails};
use crate::error::KycError;
use crate::field::FieldOutcome;
use crate::names::{self, NameParts};
use crate::normalize::starts_and_ends_unblank;
use crate::outcome::{
    overall, Actions, Details, KycResult, ResultCode, ResultType, ReturnPersonalInfo,
    VerifyIdNumber,
};
use crate::phone::{self, Country, PhoneDetails, PhoneRule};
use crate::request::{KycRequest, Record};

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

/// A record with its fields validated. Names stay raw here and are normalized (into the
/// private name keys of `names`) only when the records are compared: a name is blank exactly when its
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

    /// The names as given.
    #[inline]
    fn names(&self) -> NameParts<'a> {
        NameParts {
            first: self.first,
            middle: self.middle,
            last: self.last,
        }
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
    let (names, name_details) = names::compare_names(&s.names(), &a.names(), config);
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
