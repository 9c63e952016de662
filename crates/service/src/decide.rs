//! One application decided by the live arms: the answer, the log line and the metrics' facts.
//!
//! Shared by `POST /v1/decisions`, each line of `POST /v1/decisions/batch` and
//! `POST /v1/applications`, so all answer, log and count the same way. The log line is encoded
//! here, on the request's thread, from the parts the answer is made of (the payload compact and
//! masked in one pass, see `underwrite_log`), so the log's writer thread only copies bytes. Pure
//! apart from the clock: no I/O here, and nothing of HTTP: a refusal is a [`NotDecided`] naming
//! what is at fault, which each route answers in its own terms (a problem, a batch line's
//! `LineFailure`).

use std::time::Instant;

use sha2::{Digest, Sha256};
use underwrite_core::application::{Application, ApplicationError};
use underwrite_core::line::LineFailure;
use underwrite_core::policy::{DecideError, DecideOptions};
use underwrite_log::{
    EncodeError, Lines, PhoneMasking, RecordParts, ShadowDecision, SignalsFetched, Timestamp,
};

use crate::api::DecisionResponse;
use crate::live::Arms;

/// Why an application was not decided. Each names what is at fault: the `id`, the signals, a
/// KYC field or a rule (through the library's own error).
#[derive(Debug, thiserror::Error)]
pub enum NotDecided {
    /// The text is not an application: not JSON, not an object, an unknown key, no `signals`,
    /// or an `id` that is not a short string or finite number ([`ApplicationError::BadId`]).
    #[error(transparent)]
    NotApplication(#[from] ApplicationError),
    /// The policy did not decide it: the signals payload, the KYC input or a rule refused it
    /// ([`DecideError`] names which).
    #[error(transparent)]
    Refused(#[from] DecideError),
    /// The decision was made but its log line could not be encoded (a bug): a decision that
    /// cannot be logged is not given.
    #[error("the decision cannot be logged, so it is not given (please report it): {0}")]
    NotLoggable(#[from] EncodeError),
}

impl From<NotDecided> for LineFailure {
    /// A batch line's failure, with the text `underwrite batch` writes for the same line.
    fn from(e: NotDecided) -> LineFailure {
        match e {
            NotDecided::NotApplication(e) => LineFailure::from(e),
            NotDecided::Refused(e) => LineFailure::from(e),
            e @ NotDecided::NotLoggable(_) => LineFailure::Internal(e.to_string()),
        }
    }
}

/// A decision made: what to answer and what to log.
#[derive(Debug)]
pub struct Made {
    /// The answer.
    pub response: DecisionResponse,
    /// The log line, when a log is kept.
    pub record: Option<Lines>,
    /// The shadow challenger's decision, for the metrics.
    pub shadow: Option<ShadowDecision>,
    /// Time spent deciding.
    pub elapsed: std::time::Duration,
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What to do besides deciding.
#[derive(Debug, Clone, Copy)]
pub struct DecideRequest<'a> {
    /// Include the trace in the answer.
    pub trace: bool,
    /// Build the log line, masking the phone this way.
    pub log: Option<&'a PhoneMasking>,
    /// How the signals were fetched, for the log line (`POST /v1/applications`).
    pub signals_fetch: Option<&'a SignalsFetched>,
}

/// Decide the application in `text` (a request body, or one batch line; the caller checked it
/// is UTF-8 and says where it is not, in its own terms).
pub fn decide(arms: &Arms, text: &str, request: DecideRequest<'_>) -> Result<Made, NotDecided> {
    let started = Instant::now();
    let input_sha256 = sha256_hex(text.as_bytes());
    let app = Application::from_json(text)?;
    let route = arms.route(app.id_json(), &input_sha256);
    let options = DecideOptions {
        trace: request.trace,
    };
    let decided = app.decide(&route.answering.policy, options)?;
    let shadow = route.shadow.map(|challenger| {
        let policy = challenger.id().clone();
        match app.decide(&challenger.policy, DecideOptions { trace: false }) {
            Ok(d) => ShadowDecision {
                policy,
                decision: Some(d.decision.decision),
                score: d.decision.score,
                reasons: d.decision.reasons,
                error: None,
            },
            Err(e) => ShadowDecision {
                policy,
                decision: None,
                score: None,
                reasons: Vec::new(),
                error: Some(e.to_string()),
            },
        }
    });
    let elapsed = started.elapsed();
    let decision_id = uuid::Uuid::now_v7().to_string();
    let record = match request.log {
        None => None,
        Some(masking) => {
            let time = Timestamp::now();
            let decision = &decided.decision;
            let parts = RecordParts {
                decision_id: &decision_id,
                time: time.as_str(),
                policy: &decision.policy,
                arm: route.arm,
                id: app.id_raw(),
                input_sha256: &input_sha256,
                signals: app.signals(),
                kyc: decided.kyc.as_ref(),
                decision: decision.decision,
                score: decision.score,
                reasons: &decision.reasons,
                latency_us: u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
                shadow: shadow.as_ref(),
                signals_fetch: request.signals_fetch,
            };
            Some(Lines::one(&parts, masking)?)
        }
    };
    Ok(Made {
        response: DecisionResponse {
            decision_id,
            input_sha256,
            arm: route.arm,
            id: app.id_raw().map(ToOwned::to_owned),
            decision: decided.decision,
        },
        record,
        shadow,
        elapsed,
    })
}
