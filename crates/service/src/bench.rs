//! Entry points for the criterion benches in `benches/` (the `bench` feature, off by default):
//! a test surface, not API. They reach parts of the service that requests reach only through
//! HTTP, so a bench can measure one of them alone.

use std::sync::Arc;

use crate::decide::{decide, DecideRequest, Made};
use crate::live::Arms;
use crate::metrics::Metrics;
use crate::policy_file::LoadedPolicy;

/// The service refused the bench's body: why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the bench's body was not decided: {detail}")]
pub struct NotDecided {
    /// The refusal's message.
    pub detail: String,
}

/// One decision made the way a request makes it, and metrics that count it:
/// [`MetricsDecided::count`] is what `POST /v1/decisions` spends on its metrics.
#[derive(Debug)]
pub struct MetricsDecided {
    metrics: Metrics,
    made: Made,
}

impl MetricsDecided {
    /// Decide `body` (a `POST /v1/decisions` body) with `policy` as the only arm, and count it
    /// once, so that later counts find their counters cached as they are in a running service.
    pub fn new(policy: LoadedPolicy, body: &str) -> Result<MetricsDecided, NotDecided> {
        let arms = Arms {
            champion: Arc::new(policy),
            challenger: None,
        };
        let request = DecideRequest {
            trace: false,
            log: None,
            signals_fetch: None,
        };
        let made = decide(&arms, body, request).map_err(|e| NotDecided {
            detail: e.to_string(),
        })?;
        let metrics = Metrics::new();
        metrics.decided(&made);
        Ok(MetricsDecided { metrics, made })
    }

    /// Count the decision again (`Metrics::decided`).
    pub fn count(&self) {
        self.metrics.decided(std::hint::black_box(&self.made));
    }

    /// How many reasons the decision has (each is a counter to bump).
    pub fn reasons(&self) -> usize {
        self.made.response.decision.reasons.len()
    }
}
