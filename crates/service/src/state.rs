//! What every request can reach: the live policies, the log, the metrics, the limits, the
//! tokens. Built once by `server`, shared by the routes and the middleware behind an `Arc`.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use underwrite_log::{DecisionLog, PhoneMasking};

use crate::applications::Signals;
use crate::batch_budget::BatchBudget;
use crate::config::Limits;
use crate::live::{Live, ReloadOutcome};
use crate::metrics::Metrics;
use crate::tokens::Tokens;

/// What every request can reach.
#[derive(Debug)]
pub struct AppState {
    /// The live policies.
    pub live: Arc<Live>,
    /// The decision log, when one is kept.
    pub log: Option<DecisionLog>,
    /// How the phone is masked in the log.
    pub masking: PhoneMasking,
    /// The metrics.
    pub metrics: Metrics,
    /// Request limits.
    pub limits: Limits,
    /// The memory batches in flight may hold, shared by all of them.
    pub batch_budget: BatchBudget,
    /// Accepted tokens, when authentication is on.
    pub tokens: Option<Tokens>,
    /// Set once shutdown has begun: `/readyz` answers 503.
    pub draining: AtomicBool,
    /// The signals provider, when `POST /v1/applications` is configured.
    pub signals: Option<Signals>,
    /// `GET /openapi.json`'s body: the document of this service as configured (its tokens
    /// decide each operation's `security`), generated once at start.
    pub openapi: bytes::Bytes,
}

/// The OpenAPI document of a service with these tokens, as the bytes `GET /openapi.json`
/// answers.
pub fn openapi_body(tokens: Option<&Tokens>) -> bytes::Bytes {
    let auth = crate::openapi::Auth {
        decision_tokens: tokens.is_some_and(Tokens::decisions_need_token),
        admin_tokens: tokens.is_some_and(Tokens::admin_enabled),
    };
    serde_json::to_vec(&crate::openapi::document(auth))
        .unwrap_or_default()
        .into()
}

impl AppState {
    /// Reload the policy files, count it, and log a refusal.
    pub async fn reload(&self) -> ReloadOutcome {
        let outcome = self.live.reload().await;
        match &outcome {
            ReloadOutcome::Replaced(arms) => {
                self.metrics.reloaded(true);
                tracing::info!(sha256 = %arms.champion.id().hash, "policy reloaded");
            }
            ReloadOutcome::Refused(e) => {
                self.metrics.reloaded(false);
                tracing::warn!(error = %e, "policy reload refused; the live policy stays");
            }
        }
        outcome
    }
}
