//! Prometheus metrics: decisions by outcome, policy and arm; reasons; the shadow challenger's
//! outcome against the champion's; errors by kind; reloads; decision latency; and requests by
//! route and status.
//!
//! Built on `prometheus-client` (the Prometheus project's own Rust client): its registry, its
//! families and its text encoder. Served in the Prometheus text format 0.0.4
//! ([`CONTENT_TYPE`]), which every Prometheus-compatible scraper reads.
//!
//! # The hot path
//!
//! [`Metrics::decided`] runs once per decision. A `Family` lookup needs an owned label set (a
//! policy sha is a 64-character `String`: one allocation per lookup) and takes the family's
//! lock. So counters are resolved once per policy and cached: a `PolicyCounters` per policy sha
//! holds the resolved counter handles (outcome × arm, shadow outcomes, one per reason code),
//! each behind a `OnceLock` so a series appears only once it counts something. A decision then
//! costs two read locks (the policy, its reason codes), map lookups by borrowed strings (no
//! allocation, no clone of anything shared), an atomic increment per counter and one histogram
//! observation: about 0.5 µs for a decision with nine reasons on one thread, 1 µs per call with
//! two threads counting at once (the `metrics` criterion bench in `benches/`), against a budget of
//! 66 µs of CPU per decision at 30,000 decisions/s on two cores.
//!
//! Label values are bounded: outcomes, arms, problem kinds and routes are fixed sets; policy
//! shas grow by at most two per reload; reason codes are the policies' own.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use underwrite_core::policy::{Outcome, PolicyId, Reason};
use underwrite_core::split::Arm;
use underwrite_signals_client::{Fetch, FetchOutcome};

use crate::decide::Made;
use crate::problem::Problem;

/// The media type of [`Metrics::render`]'s text: the Prometheus text format, version 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Decision latency buckets, in seconds: 10 µs to 100 ms in 1-2.5-5 steps.
const DECISION_BUCKETS: [f64; 13] = [
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
    0.05, 0.1,
];

/// Request latency buckets, in seconds: 100 µs to 10 s in 1-2.5-5 steps (a batch can take
/// seconds), the last ones 1, 2.5, 5 and 10 s.
const REQUEST_BUCKETS: [f64; 16] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// The shadow challenger's side of the swap: an outcome, or `error` when it could not decide.
const SHADOW_OUTCOMES: usize = 4;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    outcome: &'static str,
    policy_sha256: Arc<str>,
    arm: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: Arc<str>,
    policy_sha256: Arc<str>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ShadowLabels {
    champion: &'static str,
    challenger: &'static str,
    challenger_sha256: Arc<str>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PolicyLabels {
    policy_sha256: Arc<str>,
    name: String,
    version: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    kind: &'static str,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FetchLabels {
    outcome: &'static str,
    cause: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The registered families; cloned handles share their values with the registry's.
#[derive(Debug, Clone)]
struct Families {
    decisions: Family<DecisionLabels, Counter>,
    reasons: Family<ReasonLabels, Counter>,
    shadow: Family<ShadowLabels, Counter>,
    policies: Family<PolicyLabels, Gauge>,
    errors: Family<ErrorLabels, Counter>,
    reloads: Family<ReloadLabels, Counter>,
    requests: Family<RequestLabels, Counter>,
    request_seconds: HistogramFamily<RouteLabels>,
    fetches: Family<FetchLabels, Counter>,
    fetch_posts: Counter,
}

/// One policy's counters, resolved on first use and kept.
#[derive(Debug)]
struct PolicyCounters {
    sha: Arc<str>,
    /// Outcome × arm.
    decisions: [[OnceLock<Counter>; 2]; 3],
    /// When this policy is the shadow challenger: champion outcome × its own outcome (or error).
    shadow: [[OnceLock<Counter>; SHADOW_OUTCOMES]; 3],
    /// By reason code.
    reasons: RwLock<HashMap<Box<str>, Counter>>,
}

/// The service's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    families: Families,
    decision_seconds: Histogram,
    fetch_seconds: Histogram,
    by_policy: RwLock<HashMap<Arc<str>, PolicyCounters>>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// Fresh metrics, every family registered.
    pub fn new() -> Metrics {
        let families = Families {
            decisions: Family::default(),
            reasons: Family::default(),
            shadow: Family::default(),
            policies: Family::default(),
            errors: Family::default(),
            reloads: Family::default(),
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(|| Histogram::new(REQUEST_BUCKETS)),
            fetches: Family::default(),
            fetch_posts: Counter::default(),
        };
        let fetch_seconds = Histogram::new(REQUEST_BUCKETS);
        let decision_seconds = Histogram::new(DECISION_BUCKETS);
        let mut registry = Registry::with_prefix("underwrite");
        registry.register(
            "decisions",
            "Decisions made, by outcome, policy sha256 and the arm that made them",
            families.decisions.clone(),
        );
        registry.register(
            "decision_reasons",
            "Reasons given in decisions, by reason code and policy sha256",
            families.reasons.clone(),
        );
        registry.register(
            "shadow_decisions",
            "Decisions the shadow challenger also made: the champion's outcome against the \
             challenger's (error when it could not decide)",
            families.shadow.clone(),
        );
        registry.register(
            "policy_info",
            "Policies that made decisions: 1 for each policy sha256, with its name and version",
            families.policies.clone(),
        );
        registry.register_with_unit(
            "decision_duration",
            "Time spent deciding one application (both arms in shadow mode)",
            Unit::Seconds,
            decision_seconds.clone(),
        );
        registry.register(
            "errors",
            "Requests and batch lines refused, by problem kind and HTTP status",
            families.errors.clone(),
        );
        registry.register(
            "reloads",
            "Policy reloads, by result (replaced or refused)",
            families.reloads.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            families.requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's headers to its answer, by route",
            Unit::Seconds,
            families.request_seconds.clone(),
        );
        registry.register(
            "signals_fetches",
            "Signals fetched from the provider for POST /v1/applications, by outcome (completed, \
             no_data, unavailable, rejected) and cause (none, provider, status, connect, \
             no_answer, bad_answer, deadline, rejected_auth, rejected_request)",
            families.fetches.clone(),
        );
        registry.register(
            "signals_posts",
            "POSTs that reached the signals provider or may have (each one billable), retries \
             included",
            families.fetch_posts.clone(),
        );
        registry.register_with_unit(
            "signals_fetch_duration",
            "Time from the first POST to the provider to the fetch's outcome",
            Unit::Seconds,
            fetch_seconds.clone(),
        );
        // Both reload results exist from the start, so an alert on refusals sees a zero first.
        for result in ["replaced", "refused"] {
            drop(families.reloads.get_or_create(&ReloadLabels { result }));
        }
        Metrics {
            registry,
            families,
            decision_seconds,
            fetch_seconds,
            by_policy: RwLock::new(HashMap::new()),
        }
    }

    /// Count a fetch of signals from the provider: its outcome and cause, the POSTs it sent and
    /// its duration.
    pub fn fetched(&self, fetch: &Fetch) {
        let cause = match &fetch.outcome {
            FetchOutcome::Unavailable { cause, .. } => {
                crate::applications::cause_kind(cause).as_str()
            }
            FetchOutcome::Rejected(rejected) => {
                crate::applications::rejected_kind(rejected).as_str()
            }
            _ => "none",
        };
        self.families
            .fetches
            .get_or_create(&FetchLabels {
                outcome: fetch.outcome.kind(),
                cause,
            })
            .inc();
        self.families.fetch_posts.inc_by(u64::from(fetch.posts));
        self.fetch_seconds.observe(fetch.elapsed.as_secs_f64());
    }

    /// Count a decision made: its outcome, its reasons, its latency and, in shadow mode, the
    /// challenger's outcome against it.
    pub fn decided(&self, made: &Made) {
        let decision = &made.response.decision;
        let outcome = outcome_index(decision.decision);
        let arm = arm_index(made.response.arm);
        self.with_policy(&decision.policy, |policy| {
            policy.decisions[outcome][arm]
                .get_or_init(|| {
                    self.families
                        .decisions
                        .get_or_create_owned(&DecisionLabels {
                            outcome: OUTCOMES[outcome],
                            policy_sha256: Arc::clone(&policy.sha),
                            arm: ARMS[arm],
                        })
                })
                .inc();
            policy.count_reasons(&self.families.reasons, &decision.reasons);
        });
        if let Some(shadow) = &made.shadow {
            let theirs = shadow.decision.map_or(SHADOW_OUTCOMES - 1, outcome_index);
            self.with_policy(&shadow.policy, |challenger| {
                challenger.shadow[outcome][theirs]
                    .get_or_init(|| {
                        self.families.shadow.get_or_create_owned(&ShadowLabels {
                            champion: OUTCOMES[outcome],
                            challenger: SHADOW_NAMES[theirs],
                            challenger_sha256: Arc::clone(&challenger.sha),
                        })
                    })
                    .inc();
            });
        }
        self.decision_seconds.observe(made.elapsed.as_secs_f64());
    }

    /// Count a refused request (or batch line) by its problem kind and status.
    pub fn refused(&self, problem: &Problem) {
        self.families
            .errors
            .get_or_create(&ErrorLabels {
                kind: problem.kind,
                status: problem.status,
            })
            .inc();
    }

    /// Count a reload: `true` when the new policies went live, `false` when they were refused.
    pub fn reloaded(&self, replaced: bool) {
        let result = if replaced { "replaced" } else { "refused" };
        self.families
            .reloads
            .get_or_create(&ReloadLabels { result })
            .inc();
    }

    /// Count an answered request on `route` (the route's path pattern, or `unmatched`).
    pub fn requested(&self, route: &'static str, status: u16, elapsed: Duration) {
        self.families
            .requests
            .get_or_create(&RequestLabels { route, status })
            .inc();
        self.families
            .request_seconds
            .get_or_create(&RouteLabels { route })
            .observe(elapsed.as_secs_f64());
    }

    /// The Prometheus text exposition (served as [`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut text = String::with_capacity(8 * 1024);
        // Writing to a `String` cannot fail; an encoder error would leave a partial text.
        if prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry).is_err()
        {
            tracing::error!("the metrics could not be encoded");
        }
        text
    }

    /// Run `count` on the counters of the policy with this id (made on first sight), under the
    /// cache's read lock: no clone of anything shared, so nothing but the lock's own counter is
    /// written to memory other threads read.
    fn with_policy(&self, id: &PolicyId, count: impl FnOnce(&PolicyCounters)) {
        {
            let known = self
                .by_policy
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(counters) = known.get(id.hash.as_str()) {
                count(counters);
                return;
            }
        }
        let mut all = self
            .by_policy
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let sha: Arc<str> = Arc::from(id.hash.as_str());
        let counters = all.entry(Arc::clone(&sha)).or_insert_with(|| {
            self.families
                .policies
                .get_or_create(&PolicyLabels {
                    policy_sha256: Arc::clone(&sha),
                    name: id.name.clone(),
                    version: id.version.clone(),
                })
                .set(1);
            PolicyCounters {
                sha,
                decisions: Default::default(),
                shadow: Default::default(),
                reasons: RwLock::new(HashMap::new()),
            }
        });
        count(counters);
    }
}

impl PolicyCounters {
    /// Count each reason's code (a counter made on first sight): under one read lock while the
    /// codes are known, the rest (from the first unknown one) under the write lock.
    fn count_reasons(&self, family: &Family<ReasonLabels, Counter>, reasons: &[Reason]) {
        let first_unknown = {
            let known = self.reasons.read().unwrap_or_else(PoisonError::into_inner);
            let mut first_unknown = None;
            for (i, reason) in reasons.iter().enumerate() {
                match known.get(reason.code.as_str()) {
                    Some(counter) => {
                        counter.inc();
                    }
                    None => {
                        first_unknown = Some(i);
                        break;
                    }
                }
            }
            first_unknown
        };
        let Some(first) = first_unknown else {
            return;
        };
        let mut all = self.reasons.write().unwrap_or_else(PoisonError::into_inner);
        for reason in &reasons[first..] {
            all.entry(Box::from(reason.code.as_str()))
                .or_insert_with(|| {
                    family.get_or_create_owned(&ReasonLabels {
                        reason: Arc::from(reason.code.as_str()),
                        policy_sha256: Arc::clone(&self.sha),
                    })
                })
                .inc();
        }
    }
}

const OUTCOMES: [&str; 3] = ["approve", "review", "reject"];
const SHADOW_NAMES: [&str; SHADOW_OUTCOMES] = ["approve", "review", "reject", "error"];
const ARMS: [&str; 2] = ["champion", "challenger"];

fn outcome_index(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Approve => 0,
        Outcome::Review => 1,
        Outcome::Reject => 2,
    }
}

fn arm_index(arm: Arm) -> usize {
    match arm {
        Arm::Champion => 0,
        Arm::Challenger => 1,
    }
}

#[cfg(test)]
mod tests {
    //! The exposition of one decision. (What [`Metrics::decided`] costs is the `metrics`
    //! criterion bench in `benches/`.)

    use std::path::Path;

    use super::*;
    use crate::decide::{decide, DecideRequest};
    use crate::live::Arms;
    use crate::policy_file::load_tested;

    fn starter_arms() -> Arms {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let champion = load_tested(&root.join("rules/starter.yaml")).expect("starter loads");
        Arms {
            champion: Arc::new(champion),
            challenger: None,
        }
    }

    fn a_decision(arms: &Arms) -> Made {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let signals = std::fs::read_to_string(root.join("testdata/signals/risky.json"))
            .expect("signals file");
        let body = format!(r#"{{"id": "m-1", "signals": {signals}}}"#);
        let request = DecideRequest {
            trace: false,
            log: None,
            signals_fetch: None,
        };
        decide(arms, &body, request).expect("decides")
    }

    #[test]
    fn a_decision_counts_its_outcome_reasons_and_latency() {
        let arms = starter_arms();
        let made = a_decision(&arms);
        let metrics = Metrics::new();
        metrics.decided(&made);
        metrics.decided(&made);
        let text = metrics.render();
        let sha = &made.response.decision.policy.hash;
        let outcome = made.response.decision.decision.as_str();
        let line = format!(
            "underwrite_decisions_total{{outcome=\"{outcome}\",policy_sha256=\"{sha}\",\
             arm=\"champion\"}} 2"
        );
        assert!(text.lines().any(|l| l == line), "{line}\n{text}");
        assert!(!made.response.decision.reasons.is_empty());
        for reason in &made.response.decision.reasons {
            let line = format!(
                "underwrite_decision_reasons_total{{reason=\"{}\",policy_sha256=\"{sha}\"}} 2",
                reason.code
            );
            assert!(text.lines().any(|l| l == line), "{line}\n{text}");
        }
        assert!(
            text.lines()
                .any(|l| l == "underwrite_decision_duration_seconds_count 2"),
            "{text}"
        );
    }
}
