//! `POST /v1/applications` without the HTTP: check the request before the billed call, turn a
//! fetch into the payload to decide on, and compose the application the one decision path
//! reads.
//!
//! A decision always rests on a signals payload, so that it is decided, logged and replayed
//! like any other. When the provider gave none that can be used (unreachable, deadline passed,
//! an unusable answer, a refusal), the payload is one underwrite writes: `resultCode`
//! `SERVICE_UNAVAILABLE` with the cause as `resultMessage`, which the policy's
//! `signals_unavailable` fallback decides (never an approve), and the answer says
//! `"synthesized": true`.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::value::RawValue;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use underwrite_core::application::check_id;
use underwrite_core::policy::kyc::result_from_json;
use underwrite_signals_client::{
    parse_country, ClientConfig, ConfigError, Consent, Country, Fetch, FetchOutcome, Phone,
    Rejected, SignalsClient, SignalsRequest, UnavailableCause,
};

use crate::api::{ApplicationRequest, CauseKind, FetchOutcomeKind, SignalsFetched};
use crate::config::SignalsConfig;
use crate::problem::Problem;

/// The signals provider, as the service reaches it.
#[derive(Debug, Clone)]
pub struct Signals {
    /// The client (its connection pool is shared by every request).
    pub client: SignalsClient,
    /// The country of a national phone number when the request names none.
    pub default_country: Option<Country>,
    /// One permit per application waiting on the provider.
    slots: Arc<Semaphore>,
    max_in_flight: usize,
}

impl Signals {
    /// A client for `config`.
    pub fn new(config: &SignalsConfig) -> Result<Signals, ConfigError> {
        let max_in_flight = config.max_in_flight.max(1);
        Ok(Signals {
            client: SignalsClient::new(ClientConfig::clone(&config.client))?,
            default_country: config.default_country,
            slots: Arc::new(Semaphore::new(max_in_flight)),
            max_in_flight,
        })
    }

    /// A permit to call the provider, or a 503 when `max_in_flight` applications already wait
    /// on it (a slow provider must not take every request slot of the service).
    pub fn slot(&self) -> Result<OwnedSemaphorePermit, Problem> {
        Arc::clone(&self.slots).try_acquire_owned().map_err(|_| {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "signals-busy",
                format!(
                    "{} applications are already waiting on the signals provider; try again shortly",
                    self.max_in_flight
                ),
            )
        })
    }
}

/// Check everything the request carries before the provider is called (each call is billed):
/// the phone, the consent and the template id for the provider; the id and the KYC input for
/// the decision (matched here, once). A problem names the field.
pub fn check(
    request: &ApplicationRequest,
    default_country: Option<Country>,
) -> Result<Checked, Problem> {
    let invalid = |e: underwrite_signals_client::RequestError| {
        let at = match e.field() {
            "templateId" => "template_id",
            field => field,
        };
        Problem::unprocessable("bad-request", e.to_string()).at(at)
    };
    let country = match request.country.as_deref() {
        None => default_country,
        Some(code) => Some(parse_country(code).map_err(invalid)?),
    };
    let phone = Phone::parse(&request.phone, country).map_err(invalid)?;
    let consent = Consent::from_value(&request.consent).map_err(invalid)?;
    let signals_request =
        SignalsRequest::new(phone, consent, request.template_id.clone()).map_err(invalid)?;
    if let Some(id) = &request.id {
        check_id(id).map_err(|e| Problem::unprocessable("bad-request", e.to_string()).at("id"))?;
    }
    // The KYC request is matched here, once: the decision reads its result (the same facts,
    // and what the log keeps anyway).
    let kyc_result = match &request.kyc {
        None => None,
        Some(kyc) => {
            let result = result_from_json(kyc.get().as_bytes()).map_err(|e| {
                Problem::unprocessable("bad-kyc", e.to_string()).at(format!("kyc.{}", e.field))
            })?;
            let text = serde_json::to_string(&result)
                .map_err(|e| Problem::internal(format!("cannot encode the KYC result: {e}")))?;
            Some(
                RawValue::from_string(text)
                    .map_err(|e| Problem::internal(format!("the KYC result is not JSON: {e}")))?,
            )
        }
    };
    Ok(Checked {
        signals_request,
        kyc_result,
    })
}

/// A request checked: what to ask the provider, and the KYC result to decide with.
#[derive(Debug)]
pub struct Checked {
    /// The provider's request.
    pub signals_request: SignalsRequest,
    /// The KYC request's result (or the result given), as JSON.
    pub kyc_result: Option<Box<RawValue>>,
}

/// What a decision rests on: the payload's text and how it was had.
#[derive(Debug, Clone)]
pub struct Basis {
    /// The payload to decide on: the provider's bytes, or one written here.
    pub payload: String,
    /// How it was had.
    pub fetched: SignalsFetched,
}

impl Basis {
    /// The basis of `fetch`'s outcome.
    pub fn of(fetch: &Fetch) -> Basis {
        let mut fetched = SignalsFetched {
            outcome: match &fetch.outcome {
                FetchOutcome::Completed(_) => FetchOutcomeKind::Completed,
                FetchOutcome::NoData(_) => FetchOutcomeKind::NoData,
                FetchOutcome::Unavailable { .. } => FetchOutcomeKind::Unavailable,
                FetchOutcome::Rejected(_) => FetchOutcomeKind::Rejected,
            },
            signal_id: fetch.signal_id.clone(),
            request_id: fetch.request_id.clone(),
            cause: None,
            cause_kind: None,
            synthesized: false,
            attempts: fetch.attempts,
            posts: fetch.posts,
            polls: fetch.polls,
            elapsed_ms: u64::try_from(fetch.elapsed.as_millis()).unwrap_or(u64::MAX),
        };
        let payload = match &fetch.outcome {
            FetchOutcome::Completed(p) | FetchOutcome::NoData(p) => p.as_str().to_owned(),
            FetchOutcome::Unavailable { cause, payload } => {
                fetched.cause = Some(cause.to_string());
                fetched.cause_kind = Some(cause_kind(cause));
                match payload {
                    Some(p) => p.as_str().to_owned(),
                    None => {
                        fetched.synthesized = true;
                        unavailable_payload(&cause.to_string())
                    }
                }
            }
            FetchOutcome::Rejected(rejected) => {
                let cause = format!("the provider refused the request: {rejected}");
                fetched.synthesized = true;
                fetched.cause_kind = Some(rejected_kind(rejected));
                let payload = unavailable_payload(&cause);
                fetched.cause = Some(cause);
                payload
            }
        };
        Basis { payload, fetched }
    }

    /// The core refused the provider's payload (`why`): decide on the fallback instead.
    pub fn refused(mut self, why: &str) -> Basis {
        let cause = format!("the provider's payload was refused: {why}");
        self.payload = unavailable_payload(&cause);
        self.fetched.outcome = FetchOutcomeKind::Unavailable;
        self.fetched.cause = Some(cause);
        self.fetched.cause_kind = Some(CauseKind::RefusedPayload);
        self.fetched.synthesized = true;
        self
    }
}

/// The stable name of an unavailability's cause.
pub fn cause_kind(cause: &UnavailableCause) -> CauseKind {
    match cause {
        UnavailableCause::Provider { .. } => CauseKind::Provider,
        UnavailableCause::Status { .. } => CauseKind::Status,
        UnavailableCause::Connect { .. } => CauseKind::Connect,
        UnavailableCause::NoAnswer { .. } => CauseKind::NoAnswer,
        UnavailableCause::Deadline { .. } => CauseKind::Deadline,
        _ => CauseKind::BadAnswer,
    }
}

/// A refusal of our credentials is a configuration problem to alert on; another 4xx is the
/// request's.
pub fn rejected_kind(rejected: &Rejected) -> CauseKind {
    match rejected.status {
        401 | 403 => CauseKind::RejectedAuth,
        _ => CauseKind::RejectedRequest,
    }
}

/// The payload underwrite decides on when the provider gave none usable: a completed request
/// whose `resultCode` is `SERVICE_UNAVAILABLE`, the cause its `resultMessage`.
pub fn unavailable_payload(cause: &str) -> String {
    serde_json::json!({
        "code": "OK",
        "message": "written by underwrite: no usable answer from the signals provider",
        "data": {
            "status": "COMPLETED",
            "resultCode": "SERVICE_UNAVAILABLE",
            "resultMessage": cause,
        }
    })
    .to_string()
}

/// The application the one decision path reads: `{"id", "signals", "kyc"}`, each part the
/// exact JSON text it came as.
pub fn application_text(id: Option<&RawValue>, payload: &str, kyc: Option<&RawValue>) -> String {
    let mut text = String::with_capacity(payload.len() + 64);
    text.push('{');
    if let Some(id) = id {
        text.push_str("\"id\":");
        text.push_str(id.get());
        text.push(',');
    }
    text.push_str("\"signals\":");
    text.push_str(payload);
    if let Some(kyc) = kyc {
        text.push_str(",\"kyc\":");
        text.push_str(kyc.get());
    }
    text.push('}');
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use underwrite_core::application::Application;
    use underwrite_core::signals::{parse, SignalStatus, UnavailableReason};

    #[test]
    fn the_written_payload_is_one_the_core_reads_as_unavailable() {
        let text = unavailable_payload("deadline \"2s\" passed\n");
        let payload = parse(text.as_bytes()).unwrap();
        assert_eq!(
            payload.status,
            SignalStatus::Unavailable(UnavailableReason::ServiceUnavailable)
        );
    }

    #[test]
    fn application_text_keeps_each_part_exactly() {
        let id = RawValue::from_string("\"a-1\"".into()).unwrap();
        let kyc = RawValue::from_string("{\"x\" : 1.50}".into()).unwrap();
        let text = application_text(Some(&id), "{\"data\":{}}", Some(&kyc));
        let app = Application::from_json(&text).unwrap();
        assert_eq!(app.id_json(), Some("\"a-1\""));
        assert_eq!(app.signals(), "{\"data\":{}}");
        assert_eq!(app.kyc(), Some("{\"x\" : 1.50}"));
        assert_eq!(application_text(None, "{}", None), "{\"signals\":{}}");
    }
}
