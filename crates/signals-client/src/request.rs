//! A signals request, checked before anything is sent: the phone in E.164, the consent by the
//! reference's rules. Every violation is a [`RequestError`] naming the field.

use serde::Serialize;
use serde_json::{Map, Value};
use underwrite_kyc::Country;

/// At most this many characters of a rejected value are repeated in an error.
const SHOWN_CHARS: usize = 64;

/// A request the client can send: built only through [`SignalsRequest::new`], so it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignalsRequest {
    phone: Phone,
    #[serde(rename = "templateId", skip_serializing_if = "Option::is_none")]
    template_id: Option<String>,
    consent: Consent,
}

impl SignalsRequest {
    /// A request for `phone`'s signals under `consent`, with a signal template id (the
    /// client's default template applies when `None`).
    pub fn new(
        phone: Phone,
        consent: Consent,
        template_id: Option<String>,
    ) -> Result<SignalsRequest, RequestError> {
        let template_id = match template_id {
            Some(t) if t.trim().is_empty() => {
                return Err(RequestError::TemplateId {
                    problem: "is empty".into(),
                })
            }
            Some(t) if t.chars().any(char::is_control) || t.chars().count() > 200 => {
                return Err(RequestError::TemplateId {
                    problem: format!(
                        "{:?} is not a template id (control characters, or over 200 characters)",
                        shown(&t)
                    ),
                })
            }
            t => t,
        };
        Ok(SignalsRequest {
            phone,
            template_id,
            consent,
        })
    }

    /// The applicant's phone.
    pub fn phone(&self) -> &Phone {
        &self.phone
    }

    /// The signal template id, if the request names one.
    pub fn template_id(&self) -> Option<&str> {
        self.template_id.as_deref()
    }

    /// The consent.
    pub fn consent(&self) -> &Consent {
        &self.consent
    }

    /// The same request with `template` when it names none.
    pub(crate) fn with_default_template(&self, template: Option<&str>) -> SignalsRequest {
        let mut request = self.clone();
        if request.template_id.is_none() {
            request.template_id = template.map(str::to_owned);
        }
        request
    }
}

/// Parse an ISO 3166-1 alpha-2 country code (`PH`, `ph`, ` PH `), the country of a national
/// phone number.
pub fn parse_country(code: &str) -> Result<Country, RequestError> {
    code.trim()
        .to_ascii_uppercase()
        .parse::<Country>()
        .map_err(|_| RequestError::Country { input: shown(code) })
}

/// How libphonenumber classes a number, in words.
fn number_kind(kind: phonenumber::Type) -> &'static str {
    use phonenumber::Type;
    match kind {
        Type::FixedLine => "a fixed line",
        Type::Mobile => "a mobile number",
        Type::FixedLineOrMobile => "a fixed line or mobile number",
        Type::TollFree => "a toll-free number",
        Type::PremiumRate => "a premium-rate number",
        Type::SharedCost => "a shared-cost number",
        Type::PersonalNumber => "a personal number",
        Type::Voip => "a VoIP number",
        Type::Pager => "a pager",
        Type::Uan => "a company number",
        Type::Emergency => "an emergency number",
        Type::Voicemail => "a voicemail number",
        Type::ShortCode => "a short code",
        Type::StandardRate => "a standard-rate number",
        Type::Carrier => "a carrier number",
        Type::NoInternational => "a number not reachable internationally",
        Type::Unknown => "an unknown kind",
    }
}

/// A mobile phone number checked with libphonenumber's metadata, held in E.164
/// (`+639171234567`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Parse `text` (international, or national when `country` says whose) and check that it is
    /// a valid mobile number for its country (or, where numbers do not tell, as in the US, a
    /// fixed line or mobile). Letters (vanity numbers) are refused as the KYC matcher refuses
    /// them.
    ///
    /// ```
    /// use underwrite_signals_client::Phone;
    /// let phone = Phone::parse("0917 123 4567", Some("PH".parse().unwrap())).unwrap();
    /// assert_eq!(phone.as_e164(), "+639171234567");
    /// assert!(Phone::parse("0917 123 4567", None).is_err()); // whose national number?
    /// ```
    pub fn parse(text: &str, country: Option<Country>) -> Result<Phone, RequestError> {
        let refuse = |problem: String| RequestError::Phone {
            input: shown(text),
            problem,
        };
        underwrite_kyc::phone::check_phone(text).map_err(|e| refuse(e.to_string()))?;
        // libphonenumber ports have panicked on odd input before; a panic there is this
        // input's error, not the caller's crash.
        let parsed = std::panic::catch_unwind(|| {
            phonenumber::parse(country, text).map(|number| {
                let valid = phonenumber::is_valid(&number);
                let kind = number.number_type(&phonenumber::metadata::DATABASE);
                (number, valid, kind)
            })
        })
        .map_err(|_| refuse("libphonenumber could not read it".into()))?;
        let (number, valid, kind) = parsed.map_err(|e| {
            refuse(match (country, text.trim_start().starts_with('+')) {
                (None, false) => {
                    "a national number needs a country; give it as +<country code><number>".into()
                }
                _ => e.to_string(),
            })
        })?;
        if !valid {
            return Err(refuse(
                "not a valid number for its country (libphonenumber's metadata)".into(),
            ));
        }
        // The provider's signals are keyed by the subject's mobile number; a landline or a
        // toll-free number would be a billed call for nothing.
        if !matches!(
            kind,
            phonenumber::Type::Mobile | phonenumber::Type::FixedLineOrMobile
        ) {
            return Err(refuse(format!(
                "not a mobile number (libphonenumber says {})",
                number_kind(kind)
            )));
        }
        Ok(Phone(
            number.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }

    /// The number in E.164.
    pub fn as_e164(&self) -> &str {
        &self.0
    }
}

/// The consent object, checked by the reference's rules: `consentedAt` always (ISO 8601,
/// UTC), and either `consentTemplateId` or all of `type`, `version` and `consentedWith`.
/// Values are sent as given (the provider does not validate their content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consented_with: Option<String>,
    consented_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    consent_template_id: Option<Value>,
}

/// The consent object's fields, as the provider spells them.
const CONSENT_FIELDS: [&str; 5] = [
    "type",
    "version",
    "consentedWith",
    "consentedAt",
    "consentTemplateId",
];

impl Consent {
    /// Check a consent object given as JSON text (a file, a request body's field).
    pub fn from_json(text: &str) -> Result<Consent, RequestError> {
        let value: Value = serde_json::from_str(text).map_err(|e| RequestError::Consent {
            field: "consent",
            problem: ConsentProblem::NotJson(e.to_string()),
        })?;
        Consent::from_value(&value)
    }

    /// Check a consent object given as a JSON value. `null` counts as absent.
    pub fn from_value(value: &Value) -> Result<Consent, RequestError> {
        let Value::Object(map) = value else {
            return Err(RequestError::Consent {
                field: "consent",
                problem: ConsentProblem::WrongType {
                    expected: "an object",
                    found: json_type(value),
                },
            });
        };
        if let Some(unknown) = map.keys().find(|k| !CONSENT_FIELDS.contains(&k.as_str())) {
            return Err(RequestError::Consent {
                field: "consent",
                problem: ConsentProblem::UnknownField(shown(unknown)),
            });
        }
        let consented_at = text_field(map, "consentedAt")?.ok_or(RequestError::Consent {
            field: "consent.consentedAt",
            problem: ConsentProblem::Missing,
        })?;
        check_utc_timestamp(&consented_at)?;
        let consent = Consent {
            kind: text_field(map, "type")?,
            version: text_or_number_field(map, "version")?,
            consented_with: text_field(map, "consentedWith")?,
            consented_at,
            consent_template_id: text_or_number_field(map, "consentTemplateId")?,
        };
        if consent.consent_template_id.is_none() {
            let missing: Vec<&'static str> = [
                ("consent.type", consent.kind.is_none()),
                ("consent.version", consent.version.is_none()),
                ("consent.consentedWith", consent.consented_with.is_none()),
            ]
            .into_iter()
            .filter_map(|(field, missing)| missing.then_some(field))
            .collect();
            if let Some(&first) = missing.first() {
                return Err(RequestError::Consent {
                    field: first,
                    problem: ConsentProblem::NeitherMethod { missing },
                });
            }
        }
        Ok(consent)
    }

    /// When the applicant consented (RFC 3339, UTC), as given.
    pub fn consented_at(&self) -> &str {
        &self.consented_at
    }
}

fn text_field(
    map: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, RequestError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Err(RequestError::Consent {
            field: consent_field(name),
            problem: ConsentProblem::Empty,
        }),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(RequestError::Consent {
            field: consent_field(name),
            problem: ConsentProblem::WrongType {
                expected: "a string",
                found: json_type(other),
            },
        }),
    }
}

/// `version` and `consentTemplateId`: the reference documents each as a string in one place
/// and a number in another (its own sample sends a string template id), so both are accepted
/// and sent as given.
fn text_or_number_field(
    map: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<Value>, RequestError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(Value::Number(n.clone()))),
        Some(Value::String(_)) => Ok(text_field(map, name)?.map(Value::String)),
        Some(other) => Err(RequestError::Consent {
            field: consent_field(name),
            problem: ConsentProblem::WrongType {
                expected: "a string or a number",
                found: json_type(other),
            },
        }),
    }
}

/// `consentedAt` must be RFC 3339 (the profile of ISO 8601 the reference's samples use) in UTC:
/// `2024-08-08T16:06:00Z` (or `+00:00`), fractional seconds allowed.
fn check_utc_timestamp(text: &str) -> Result<(), RequestError> {
    let refuse = |problem| RequestError::Consent {
        field: "consent.consentedAt",
        problem,
    };
    // `+00:00` is UTC too; humantime reads only `Z`.
    let utc = match text.strip_suffix("+00:00") {
        Some(head) if head.contains('T') => format!("{head}Z"),
        _ => text.to_owned(),
    };
    match humantime::parse_rfc3339(&utc) {
        Ok(_) => Ok(()),
        Err(_) if has_offset(text) => Err(refuse(ConsentProblem::NotUtc(shown(text)))),
        Err(e) => Err(refuse(ConsentProblem::NotTimestamp {
            value: shown(text),
            reason: e.to_string(),
        })),
    }
}

/// Whether `text` ends in a UTC offset such as `+08:00` (a timestamp, but not in UTC).
fn has_offset(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() > 6 && {
        let tail = &bytes[bytes.len() - 6..];
        matches!(tail[0], b'+' | b'-')
            && tail[1].is_ascii_digit()
            && tail[2].is_ascii_digit()
            && tail[3] == b':'
            && tail[4].is_ascii_digit()
            && tail[5].is_ascii_digit()
            && text.contains('T')
    }
}

fn consent_field(name: &'static str) -> &'static str {
    match name {
        "type" => "consent.type",
        "version" => "consent.version",
        "consentedWith" => "consent.consentedWith",
        "consentedAt" => "consent.consentedAt",
        _ => "consent.consentTemplateId",
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `text` cut to [`SHOWN_CHARS`] characters, for an error message.
fn shown(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// Why a request cannot be sent. Checked before any network call; [`RequestError::field`]
/// names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The phone is not a valid phone number.
    #[error("phone: {input:?} is not a valid phone number: {problem}")]
    Phone {
        /// The value given (shortened).
        input: String,
        /// Why not.
        problem: String,
    },
    /// The country is not an ISO 3166-1 alpha-2 code.
    #[error("country: {input:?} is not an ISO 3166-1 alpha-2 country code")]
    Country {
        /// The value given (shortened).
        input: String,
    },
    /// The consent breaks the reference's rules.
    #[error("{field}: {problem}")]
    Consent {
        /// The field at fault (`consent.consentedAt`, ...).
        field: &'static str,
        /// What is wrong with it.
        problem: ConsentProblem,
    },
    /// The template id is unusable.
    #[error("templateId: {problem}")]
    TemplateId {
        /// What is wrong with it.
        problem: String,
    },
}

impl RequestError {
    /// The field at fault, as the provider's API spells it (`phone`, `consent.consentedAt`,
    /// `templateId`; `country` for the phone's country).
    pub fn field(&self) -> &'static str {
        match self {
            RequestError::Phone { .. } => "phone",
            RequestError::Country { .. } => "country",
            RequestError::Consent { field, .. } => field,
            RequestError::TemplateId { .. } => "templateId",
        }
    }
}

/// What is wrong with a consent field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConsentProblem {
    /// A required field is absent (or `null`).
    #[error("is required")]
    Missing,
    /// A field is an empty string.
    #[error("is empty")]
    Empty,
    /// A field has the wrong JSON type.
    #[error("must be {expected}, not {found}")]
    WrongType {
        /// What it must be.
        expected: &'static str,
        /// What it was.
        found: &'static str,
    },
    /// The consent has a field the reference does not define (a typo, most likely).
    #[error(
        "unknown field {0:?} (the fields are type, version, consentedWith, consentedAt, consentTemplateId)"
    )]
    UnknownField(String),
    /// Neither `consentTemplateId` nor all of `type`, `version` and `consentedWith`.
    #[error(
        "a consent needs consentTemplateId, or all of type, version and consentedWith (missing: {})",
        .missing.join(", ")
    )]
    NeitherMethod {
        /// The fields of the second method that are missing.
        missing: Vec<&'static str>,
    },
    /// `consentedAt` is not an RFC 3339 timestamp.
    #[error("{value:?} is not an ISO 8601 UTC timestamp such as 2024-08-08T16:06:00Z ({reason})")]
    NotTimestamp {
        /// The value given.
        value: String,
        /// The parser's reason.
        reason: String,
    },
    /// `consentedAt` has a UTC offset other than `Z`.
    #[error(
        "{0:?} is not in UTC: the reference requires UTC, written with Z (2024-08-08T16:06:00Z)"
    )]
    NotUtc(String),
    /// The consent file or field is not JSON.
    #[error("is not JSON: {0}")]
    NotJson(String),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn consent(v: Value) -> Result<Consent, RequestError> {
        Consent::from_value(&v)
    }

    #[test]
    fn the_reference_samples_are_accepted_and_sent_as_given() {
        // The overview's sample: the second method, a numeric version, a null template id.
        let c = consent(json!({"type": "Terms And Conditions", "version": 1,
            "consentedWith": "I agree to the terms and conditions.",
            "consentedAt": "2021-04-14T09:30:24Z", "consentTemplateId": null}))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({"type": "Terms And Conditions", "version": 1,
                "consentedWith": "I agree to the terms and conditions.",
                "consentedAt": "2021-04-14T09:30:24Z"})
        );
        // The beta sample: a string template id (and the other fields too).
        consent(json!({"type": "[Motor Loans] Terms & Conditions",
            "version": "Loan Terms & Conditions", "consentedAt": "2024-08-08T16:06:00Z",
            "consentedWith": "I agree to ABC Company's Terms & Conditions",
            "consentTemplateId": "ct-fa84d4ec5a064c898b62b46b7affbcd5"}))
        .unwrap();
        // UTC written as +00:00 is UTC.
        consent(json!({"consentedAt": "2024-08-08T16:06:00+00:00", "consentTemplateId": "ct"}))
            .unwrap();
        // A template id alone is enough.
        consent(json!({"consentedAt": "2024-08-08T16:06:00.250Z", "consentTemplateId": 42}))
            .unwrap();
    }

    #[test]
    fn consented_at_is_always_required() {
        let e = consent(json!({"consentTemplateId": "ct-1"})).unwrap_err();
        assert_eq!(e.field(), "consent.consentedAt");
        assert_eq!(e.to_string(), "consent.consentedAt: is required");
        let e = consent(json!({"consentTemplateId": "ct-1", "consentedAt": null})).unwrap_err();
        assert_eq!(e.field(), "consent.consentedAt");
    }

    #[test]
    fn consented_at_must_be_utc_iso_8601() {
        for bad in [
            "2024-08-08 16:06:00",
            "08/08/2024",
            "2024-08-08",
            "2024-13-08T16:06:00Z",
            "",
        ] {
            let e = consent(json!({"consentTemplateId": "ct", "consentedAt": bad})).unwrap_err();
            assert_eq!(e.field(), "consent.consentedAt", "{bad}");
        }
        let e =
            consent(json!({"consentTemplateId": "ct", "consentedAt": "2024-08-08T16:06:00+08:00"}))
                .unwrap_err();
        assert!(e.to_string().contains("not in UTC"), "{e}");
        let e = consent(json!({"consentTemplateId": "ct", "consentedAt": 1723133160})).unwrap_err();
        assert!(
            e.to_string().contains("must be a string, not a number"),
            "{e}"
        );
    }

    #[test]
    fn without_a_template_id_all_three_are_required_and_named() {
        let e = consent(json!({"consentedAt": "2024-08-08T16:06:00Z", "type": "T&C"})).unwrap_err();
        assert_eq!(e.field(), "consent.version");
        assert_eq!(
            e.to_string(),
            "consent.version: a consent needs consentTemplateId, or all of type, version and \
             consentedWith (missing: consent.version, consent.consentedWith)"
        );
        let e = consent(json!({"consentedAt": "2024-08-08T16:06:00Z", "type": "T&C",
            "version": "1", "consentedWith": "  "}))
        .unwrap_err();
        assert_eq!(e.to_string(), "consent.consentedWith: is empty");
    }

    #[test]
    fn wrong_shapes_and_typos_are_named() {
        assert_eq!(consent(json!([])).unwrap_err().field(), "consent");
        let e = consent(json!({"consentedAt": "2024-08-08T16:06:00Z", "consentTemplateID": "x"}))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown field \"consentTemplateID\""),
            "{e}"
        );
        let e = consent(json!({"consentedAt": "2024-08-08T16:06:00Z", "consentTemplateId": true}))
            .unwrap_err();
        assert_eq!(e.field(), "consent.consentTemplateId");
        assert!(Consent::from_json("{")
            .unwrap_err()
            .to_string()
            .starts_with("consent: is not JSON"));
    }

    #[test]
    fn countries_are_iso_alpha_2_codes_in_any_case() {
        assert_eq!(
            parse_country(" ph ").unwrap(),
            "PH".parse::<Country>().unwrap()
        );
        let e = parse_country("XX").unwrap_err();
        assert_eq!(e.field(), "country");
        assert_eq!(
            e.to_string(),
            "country: \"XX\" is not an ISO 3166-1 alpha-2 country code"
        );
    }

    #[test]
    fn phones_are_held_in_e164() {
        let ph: Country = "PH".parse().unwrap();
        for text in [
            "+639171234567",
            "+63 917 123 4567",
            "0917-123-4567",
            "(0917) 123 4567",
        ] {
            assert_eq!(
                Phone::parse(text, Some(ph)).unwrap().as_e164(),
                "+639171234567",
                "{text}"
            );
        }
        assert_eq!(
            Phone::parse("+63 917 123 4567", None).unwrap().as_e164(),
            "+639171234567"
        );
    }

    #[test]
    fn bad_phones_are_refused_before_sending() {
        let ph: Country = "PH".parse().unwrap();
        for bad in [
            "",
            "n/a",
            "0917-CALL-NOW",
            "+63 12",
            "09171234567",
            "+1 555 0100",
        ] {
            let country = if bad == "09171234567" { None } else { Some(ph) };
            let e = Phone::parse(bad, country).unwrap_err();
            assert_eq!(e.field(), "phone", "{bad}");
        }
    }

    #[test]
    fn template_ids_are_checked_and_the_default_fills_in() {
        let ph: Country = "PH".parse().unwrap();
        let phone = Phone::parse("+639171234567", Some(ph)).unwrap();
        let c = consent(json!({"consentedAt": "2024-08-08T16:06:00Z", "consentTemplateId": "ct"}))
            .unwrap();
        let e = SignalsRequest::new(phone.clone(), c.clone(), Some(" ".into())).unwrap_err();
        assert_eq!(e.field(), "templateId");
        let r = SignalsRequest::new(phone.clone(), c.clone(), None).unwrap();
        assert_eq!(
            r.with_default_template(Some("tpl")).template_id(),
            Some("tpl")
        );
        let r = SignalsRequest::new(phone, c, Some("mine".into())).unwrap();
        assert_eq!(
            r.with_default_template(Some("tpl")).template_id(),
            Some("mine")
        );
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"phone": "+639171234567", "templateId": "mine",
                "consent": {"consentedAt": "2024-08-08T16:06:00Z", "consentTemplateId": "ct"}})
        );
    }
}
