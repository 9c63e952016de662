//! One application decided by the live arms: the answer, the log record and the metrics' facts.
//!
//! Shared by `POST /v1/decisions` and each line of `POST /v1/decisions/batch`, so both answer,
//! log and count the same way. Pure apart from the clock: no I/O here.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use underwrite_core::application::{Application, ApplicationError};
use underwrite_core::policy::{DecideError, DecideOptions, Decision};

use crate::api::DecisionResponse;
use crate::decision_log::{Record, ShadowDecision, LOG_FORMAT_VERSION};
use crate::live::{Arm, Arms};
use crate::mask::PhoneMasking;
use crate::problem::Problem;
use crate::time::rfc3339;

/// A decision made: what to answer and what to log.
#[derive(Debug)]
pub struct Made {
    /// The answer.
    pub response: DecisionResponse,
    /// The log line, when a log is kept.
    pub record: Option<Record>,
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
    /// Build the log record, masking the phone this way.
    pub log: Option<&'a PhoneMasking>,
}

/// Decide the application in `text` (a request body, or one batch line; the caller checked it
/// is UTF-8 and says where it is not, in its own terms).
pub fn decide(arms: &Arms, text: &str, request: DecideRequest<'_>) -> Result<Made, Problem> {
    let started = Instant::now();
    let input_sha256 = sha256_hex(text.as_bytes());
    let app = Application::from_json(text).map_err(|e| match e {
        ApplicationError::BadId => Problem::malformed(e.to_string()).at("id"),
        e => Problem::malformed(e.to_string()),
    })?;
    let route = arms.route(app.id_json(), &input_sha256);
    let options = DecideOptions {
        trace: request.trace,
    };
    let decided = app
        .decide(&route.answering.policy, options)
        .map_err(refusal)?;
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
    let id: Option<Box<RawValue>> = app.id_raw().map(ToOwned::to_owned);
    let record = match request.log {
        None => None,
        Some(masking) => Some(record(
            &decided.decision,
            RecordParts {
                decision_id: decision_id.clone(),
                arm: route.arm,
                id: id.clone(),
                input_sha256: input_sha256.clone(),
                signals: masking.mask(app.signals()),
                kyc: decided.kyc,
                elapsed,
                shadow: shadow.clone(),
            },
        )),
    };
    Ok(Made {
        response: DecisionResponse {
            decision_id,
            input_sha256,
            arm: route.arm,
            id,
            decision: decided.decision,
        },
        record,
        shadow,
        elapsed,
    })
}

struct RecordParts {
    decision_id: String,
    arm: Arm,
    id: Option<Box<RawValue>>,
    input_sha256: String,
    signals: Box<RawValue>,
    kyc: Option<underwrite_kyc::KycResult>,
    elapsed: std::time::Duration,
    shadow: Option<ShadowDecision>,
}

fn record(decision: &Decision, parts: RecordParts) -> Record {
    Record {
        v: LOG_FORMAT_VERSION,
        decision_id: parts.decision_id,
        time: rfc3339(SystemTime::now()),
        policy: Arc::clone(&decision.policy),
        arm: parts.arm,
        id: parts.id,
        input_sha256: parts.input_sha256,
        signals: parts.signals,
        kyc: parts.kyc,
        decision: decision.decision,
        score: decision.score,
        reasons: decision.reasons.clone(),
        latency_us: u64::try_from(parts.elapsed.as_micros()).unwrap_or(u64::MAX),
        shadow: parts.shadow,
        signals_fetch: None,
    }
}

/// A decide error as a problem: the CLI's message, 422, with the field or rule at fault.
fn refusal(error: DecideError) -> Problem {
    let detail = error.to_string();
    match error {
        DecideError::Signals(_) => Problem::unprocessable("bad-signals", detail).at("signals"),
        DecideError::Kyc(e) => {
            Problem::unprocessable("bad-kyc", detail).at(format!("kyc.{}", e.field))
        }
        DecideError::Rule { rule, kind, .. } => {
            let mut p = Problem::unprocessable("rule-failed", detail).at(rule);
            p.rule_error = Some(kind);
            p
        }
        DecideError::Internal { rule } => Problem::internal(detail).at(rule),
        _ => Problem::unprocessable("refused", detail),
    }
}
