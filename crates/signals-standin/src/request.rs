//! Reading a signal request's body: `{"phone", "templateId"?, "consent": {"consentedAt", ...}}`.
//!
//! Every problem is collected and reported at once, each naming its field. The consent is
//! kept as the exact JSON text sent, because the answer's `requestMeta` echoes it.

use serde::Deserialize;
use serde_json::value::RawValue;

/// A valid signal request.
#[derive(Debug, Clone)]
pub(crate) struct SignalRequest {
    /// The subject's phone, `+` and digits.
    pub phone: String,
    /// The signal template, if one was named.
    pub template_id: Option<String>,
    /// The consent object, as sent.
    pub consent: Box<RawValue>,
}

/// The body's fields, unchecked. Other fields are ignored, as the provider does.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(borrow)]
    phone: Option<&'a RawValue>,
    #[serde(borrow)]
    template_id: Option<&'a RawValue>,
    #[serde(borrow)]
    consent: Option<&'a RawValue>,
}

/// Read a request body; on failure, every problem found, each naming its field, joined by `; `.
pub(crate) fn read(body: &[u8]) -> Result<SignalRequest, String> {
    let whole: &RawValue =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    if !whole.get().trim_start().starts_with('{') {
        return Err("body must be a JSON object with phone and consent".to_owned());
    }
    let fields: Body<'_> = serde_json::from_str(whole.get())
        .map_err(|e| format!("body must be a JSON object with phone and consent: {e}"))?;
    let mut problems = Vec::new();
    let phone = match fields.phone {
        None => {
            problems.push("missing field phone".to_owned());
            None
        }
        Some(raw) => match serde_json::from_str::<String>(raw.get()) {
            Ok(phone) if is_e164(&phone) => Some(phone),
            Ok(_) => {
                problems.push(
                    "phone must be \"+\" followed by 1 to 15 digits (E.164), like +639171234567"
                        .to_owned(),
                );
                None
            }
            Err(_) => {
                problems.push("phone must be a string".to_owned());
                None
            }
        },
    };
    let template_id = match fields.template_id {
        None => None,
        Some(raw) => match serde_json::from_str::<String>(raw.get()) {
            Ok(template_id) => Some(template_id),
            Err(_) => {
                problems.push("templateId must be a string".to_owned());
                None
            }
        },
    };
    match fields.consent {
        None => problems.push("missing field consent".to_owned()),
        Some(raw) => {
            if let Err(problem) = check_consent(raw) {
                problems.push(problem);
            }
        }
    }
    match (phone, fields.consent) {
        (Some(phone), Some(consent)) if problems.is_empty() => Ok(SignalRequest {
            phone,
            template_id,
            consent: consent.to_owned(),
        }),
        _ => Err(problems.join("; ")),
    }
}

/// `+` and 1 to 15 ASCII digits.
fn is_e164(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|digits| {
        (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The consent must be an object with `consentedAt`, an RFC 3339 UTC time (the reference:
/// "Must be in ISO 8601 UTC format"). Its other fields are not checked, as the provider does not
/// check them strictly.
fn check_consent(raw: &RawValue) -> Result<(), String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Consent<'a> {
        #[serde(borrow)]
        consented_at: Option<&'a RawValue>,
    }
    if !raw.get().starts_with('{') {
        return Err("consent must be an object".to_owned());
    }
    let consent: Consent<'_> =
        serde_json::from_str(raw.get()).map_err(|e| format!("consent must be an object: {e}"))?;
    let Some(at) = consent.consented_at else {
        return Err("missing field consent.consentedAt".to_owned());
    };
    let at: String = serde_json::from_str(at.get())
        .map_err(|_| "consent.consentedAt must be a string".to_owned())?;
    humantime::parse_rfc3339(&at).map_err(|_| {
        "consent.consentedAt must be a UTC time like 2024-08-08T16:06:00Z".to_owned()
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONSENT: &str = r#"{"consentedAt":"2024-08-08T16:06:00Z","consentTemplateId":"ct-1"}"#;

    #[test]
    fn a_valid_body_keeps_consent_as_sent() {
        let body = format!(
            r#"{{"phone":"+639170000001","templateId":"tpl-9","consent":{CONSENT},"extra":1}}"#
        );
        let request = read(body.as_bytes()).expect("valid body");
        assert_eq!(request.phone, "+639170000001");
        assert_eq!(request.template_id.as_deref(), Some("tpl-9"));
        assert_eq!(request.consent.get(), CONSENT);
    }

    #[test]
    fn every_problem_is_named() {
        let cases: [(&str, &[&str]); 9] = [
            ("not json", &["body is not JSON"]),
            ("[1]", &["body must be a JSON object"]),
            (
                r#" ["+639170000001", null, {"consentedAt":"2024-08-08T16:06:00Z"}]"#,
                &["body must be a JSON object"],
            ),
            ("{}", &["missing field phone", "missing field consent"]),
            (
                r#"{"phone":"0917","consent":{}}"#,
                &["phone must be \"+\"", "missing field consent.consentedAt"],
            ),
            (
                r#"{"phone":"+63 917","consent":{"consentedAt":"yesterday"}}"#,
                &[
                    "phone must be \"+\"",
                    "consent.consentedAt must be a UTC time",
                ],
            ),
            (
                r#"{"phone":639,"templateId":7,"consent":"yes"}"#,
                &[
                    "phone must be a string",
                    "templateId must be a string",
                    "consent must be an object",
                ],
            ),
            (
                r#"{"phone":"+6391700000001234","consent":{"consentedAt":5}}"#,
                &[
                    "phone must be \"+\"",
                    "consent.consentedAt must be a string",
                ],
            ),
            (
                r#"{"phone":null,"consent":null}"#,
                &["missing field phone", "missing field consent"],
            ),
        ];
        for (body, expected) in cases {
            let message = read(body.as_bytes()).expect_err(body);
            for part in expected {
                assert!(message.contains(part), "{body}: {message:?} lacks {part:?}");
            }
            assert_eq!(
                message.split("; ").count(),
                expected.len(),
                "{body}: {message:?}"
            );
        }
    }
}
