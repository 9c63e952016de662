//! `POST /v1/applications`: from an applicant's phone, consent and KYC request to a decision.
//! The service fetches the risk signals, matches the KYC request, decides, logs and answers.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::api::{ApplicationRequest, ApplicationResponse};
use crate::app::AppState;
use crate::applications::{application_text, check, Basis};
use crate::body::{self, Media};
use crate::decide::{decide, DecideRequest};
use crate::problem::Problem;
use crate::routes::decisions::{json_response, log_one, DecideQuery};

/// `POST /v1/applications`.
pub async fn one(
    State(state): State<Arc<AppState>>,
    Query(query): Query<DecideQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match one_inner(&state, query, &headers, body).await {
        Ok(response) => response,
        Err(problem) => {
            state.metrics.refused(&problem);
            problem.into_response()
        }
    }
}

async fn one_inner(
    state: &AppState,
    query: DecideQuery,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
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
    let signals_request = check(&request, signals.default_country)?;

    let slot = signals.slot()?;
    let fetch = signals.client.fetch(&signals_request).await;
    drop(slot);
    state.metrics.fetched(&fetch);
    if let Some(cause) = fetch.outcome.payload().is_none().then_some(&fetch.outcome) {
        tracing::warn!(
            outcome = cause.kind(),
            posts = fetch.posts,
            "no signals payload; the policy's fallback decides"
        );
    }

    let arms = state.live.current();
    let decide_request = DecideRequest {
        trace: query.trace,
        log: state.log.as_ref().map(|_| &state.masking),
    };
    let id = request.id.as_deref();
    let kyc = request.kyc.as_deref();
    let mut basis = Basis::of(&fetch);
    let decided = decide(
        &arms,
        &application_text(id, &basis.payload, kyc),
        decide_request,
    );
    let mut made = match decided {
        // The provider's payload failed the core's checks: not the caller's fault, and not a
        // reason to approve; the fallback decides.
        Err(problem) if problem.kind == "bad-signals" && !basis.fetched.synthesized => {
            tracing::warn!(error = %problem.detail, "the provider's payload was refused");
            basis = basis.refused(&problem.detail);
            decide(
                &arms,
                &application_text(id, &basis.payload, kyc),
                decide_request,
            )?
        }
        other => other?,
    };
    if let Some(record) = made.record.as_mut() {
        record.signals_fetch = Some(basis.fetched.clone());
    }
    log_one(state, &mut made).await?;
    state.metrics.decided(&made);
    json_response(&ApplicationResponse {
        decision: made.response,
        signals: basis.fetched,
    })
}
