//! `POST /v1/applications`: from an applicant's phone, consent and KYC request to a decision.
//! The service fetches the risk signals, matches the KYC request, decides, logs and answers.
//!
//! Once the provider may be called, the rest runs in its own task: if the caller goes away or
//! the request times out, the fetch (perhaps billed) still ends in a decision and a log line,
//! rather than being dropped half-way.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use underwrite_core::policy::DecideError;
use underwrite_signals_client::{FetchOutcome, SignalsClient};

use crate::api::{ApplicationRequest, ApplicationResponse, CauseKind};
use crate::applications::{application_text, check, rejected_kind, Basis, Checked};
use crate::body::{self, Media};
use crate::decide::{decide, DecideRequest, NotDecided};
use crate::problem::Problem;
use crate::routes::query::DecideQuery;
use crate::routes::respond::{answer, json_response, log_one};
use crate::state::AppState;

/// `POST /v1/applications`.
pub async fn one(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = one_inner(&state, &uri, &headers, body).await;
    answer(&state, result)
}

async fn one_inner(
    state: &Arc<AppState>,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let query = DecideQuery::from_uri(uri)?;
    let signals = state.signals.as_ref().ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_IMPLEMENTED,
            "signals-not-configured",
            "this service has no signals provider: start it with UNDERWRITE_SIGNALS_KEY and \
             UNDERWRITE_SIGNALS_SECRET set (docs/signals.md), or send the payload to \
             POST /v1/decisions",
        )
    })?;
    let bytes = body::read(headers, body, Media::Json, state.limits.max_body_bytes).await?;
    let request: ApplicationRequest = serde_json::from_slice(&bytes)
        .map_err(|e| Problem::malformed(format!("not an application request: {e}")))?;
    let checked = check(&request, signals.default_country)?;
    let slot = signals.slot()?;
    let client = signals.client.clone();
    let state = Arc::clone(state);
    tokio::spawn(async move {
        let answer = fetch_and_decide(&state, &client, request, checked, query.trace).await;
        drop(slot);
        answer
    })
    .await
    .map_err(|e| {
        Problem::internal(format!(
            "internal error while deciding the application: {e}"
        ))
    })?
}

/// Fetch the signals, decide, log: the part that must end once the provider may be called.
async fn fetch_and_decide(
    state: &AppState,
    client: &SignalsClient,
    request: ApplicationRequest,
    checked: Checked,
    trace: bool,
) -> Result<Response, Problem> {
    let fetch = client.fetch(&checked.signals_request).await;
    state.metrics.fetched(&fetch);
    match &fetch.outcome {
        FetchOutcome::Rejected(rejected) if rejected_kind(rejected) == CauseKind::RejectedAuth => {
            tracing::error!(%rejected, "the signals provider refused our credentials; every application falls back");
        }
        FetchOutcome::Unavailable { cause, .. } => {
            tracing::warn!(%cause, posts = fetch.posts, "no signals; the policy's fallback decides");
        }
        FetchOutcome::Rejected(rejected) => {
            tracing::warn!(%rejected, "the signals provider refused the request; the policy's fallback decides");
        }
        FetchOutcome::Completed(_) | FetchOutcome::NoData(_) => {}
    }

    let arms = state.live.current();
    let log = state.log.as_ref().map(|_| &state.masking);
    let id = request.id.as_deref();
    let kyc = checked.kyc_result.as_deref();
    let mut basis = Basis::of(&fetch);
    let decided = decide(
        &arms,
        &application_text(id, &basis.payload, kyc),
        DecideRequest {
            trace,
            log,
            signals_fetch: Some(&basis.fetched),
        },
    );
    let mut made = match decided {
        // The provider's payload failed the core's checks: not the caller's fault, and not a
        // reason to approve; the fallback decides.
        Err(NotDecided::Refused(e @ DecideError::Signals(_))) if !basis.fetched.synthesized => {
            let detail = e.to_string();
            tracing::warn!(error = %detail, "the provider's payload was refused");
            basis = basis.refused(&detail);
            decide(
                &arms,
                &application_text(id, &basis.payload, kyc),
                DecideRequest {
                    trace,
                    log,
                    signals_fetch: Some(&basis.fetched),
                },
            )?
        }
        other => other?,
    };
    log_one(state, &mut made).await?;
    state.metrics.decided(&made);
    json_response(&ApplicationResponse {
        decision: made.response,
        signals: basis.fetched,
    })
}
