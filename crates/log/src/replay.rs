//! Deciding logged records again with a policy, and comparing.
//!
//! Each record is decided again from what it logged, the (masked) signals payload and the KYC
//! result, through `underwrite_core::application`, the reader every decision surface uses. Where
//! the policy is the one that made the record (the same sha256: the answering arm's policy, the
//! challenger's for a record the challenger answered, and the shadow's for a shadow decision),
//! the decision must come out exactly as logged; any difference in outcome, score or reasons is
//! a [`Defect`]. Every record also yields its outcome as logged and now ([`Replayed`]), which the
//! caller folds into a swap matrix (the analysis crate's, the one `compare` uses): what trying
//! another policy on past traffic wants to see.
//!
//! Memory stays bounded whatever the log holds: the report counts every defect and keeps the
//! first [`KEPT_DEFECTS`].
//!
//! No I/O: the caller reads the log ([`crate::read`]) and prints the [`ReplayReport`].

use serde::Serialize;
use underwrite_core::application::{Application, ApplicationError};
use underwrite_core::policy::{
    DecideError, DecideOptions, Decision, Outcome, Policy, PolicyId, Reason,
};

use crate::read::LineAt;
use crate::record::Record;

/// Defects listed in a report; the rest are counted.
pub const KEPT_DEFECTS: usize = 1000;

/// Why a logged record could not be decided again. Its message is the one the decision
/// surfaces give for the same input (a defect compares it with a logged shadow error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedecideError {
    /// The record's KYC result could not be written back as JSON (a bug).
    #[error("the logged KYC result cannot be encoded: {0}")]
    Kyc(#[source] serde_json::Error),
    /// The logged application is not one (a hand-edited log).
    #[error(transparent)]
    Application(#[from] ApplicationError),
    /// The policy refused to decide it.
    #[error(transparent)]
    Decide(#[from] DecideError),
}

/// Decide a logged record again with `policy`, from its logged signals and KYC result, through
/// the application reader every decision surface uses.
pub fn redecide(record: &Record, policy: &Policy) -> Result<Decision, RedecideError> {
    // The logged signals are decided as they were logged; only the KYC result, held as a
    // struct, is written back as JSON. No envelope is rebuilt and parsed again.
    let kyc = record
        .kyc
        .as_ref()
        .map(serde_json::value::to_raw_value)
        .transpose()
        .map_err(RedecideError::Kyc)?;
    let app = Application::from_parts(None, &record.signals, kyc.as_deref())?;
    Ok(app.decide(policy, DecideOptions { trace: false })?.decision)
}

/// What differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Field {
    /// The outcome.
    #[serde(rename = "decision")]
    Decision,
    /// The score.
    #[serde(rename = "score")]
    Score,
    /// The reasons (codes and texts, in order).
    #[serde(rename = "reasons")]
    Reasons,
    /// It decided then and cannot now.
    #[serde(rename = "error")]
    Error,
    /// The shadow challenger's outcome.
    #[serde(rename = "shadow.decision")]
    ShadowDecision,
    /// The shadow challenger's score.
    #[serde(rename = "shadow.score")]
    ShadowScore,
    /// The shadow challenger's reasons.
    #[serde(rename = "shadow.reasons")]
    ShadowReasons,
    /// The shadow challenger's failure, or its success where it failed.
    #[serde(rename = "shadow.error")]
    ShadowError,
}

impl Field {
    /// The name used in reports (`decision`, `shadow.score`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Decision => "decision",
            Field::Score => "score",
            Field::Reasons => "reasons",
            Field::Error => "error",
            Field::ShadowDecision => "shadow.decision",
            Field::ShadowScore => "shadow.score",
            Field::ShadowReasons => "shadow.reasons",
            Field::ShadowError => "shadow.error",
        }
    }
}

/// A decision the same policy does not reproduce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Defect {
    /// The record's decision id.
    pub decision_id: String,
    /// Where the record is (`file:line`).
    pub at: String,
    /// What differs.
    pub field: Field,
    /// As logged.
    pub logged: String,
    /// As decided now.
    pub now: String,
}

/// One record replayed: its outcome as logged and now (`None`: it failed to decide now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    /// As logged.
    pub logged: Outcome,
    /// As decided now.
    pub now: Option<Outcome>,
}

/// What a replay found.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    /// The policy records were decided with.
    pub policy: PolicyId,
    /// Records decided again.
    pub records: u64,
    /// Records made by this same policy (sha256), checked for exactness.
    pub same_sha: u64,
    /// Shadow decisions made by this same policy, checked for exactness too.
    pub shadow_same_sha: u64,
    /// Records that failed to decide now.
    pub failed: u64,
    /// Differences on records this same policy made, each a defect: the first
    /// [`KEPT_DEFECTS`].
    pub defects: Vec<Defect>,
    /// Every defect counted.
    pub defects_total: u64,
}

/// A replay in progress: feed it records in order, then take its report.
#[derive(Debug)]
pub struct Replay<'p> {
    policy: &'p Policy,
    report: ReplayReport,
}

impl<'p> Replay<'p> {
    /// Replay with `policy`.
    pub fn new(policy: &'p Policy) -> Replay<'p> {
        Replay {
            policy,
            report: ReplayReport {
                policy: policy.id().clone(),
                records: 0,
                same_sha: 0,
                shadow_same_sha: 0,
                failed: 0,
                defects: Vec::new(),
                defects_total: 0,
            },
        }
    }

    /// Decide one record again and compare.
    pub fn add(&mut self, at: &LineAt, record: &Record) -> Replayed {
        let now = redecide(record, self.policy);
        self.add_decided(at, record, &now)
    }

    /// Count a record already decided again (with [`redecide`] and this replay's policy), for
    /// callers that decide records in parallel.
    pub fn add_decided(
        &mut self,
        at: &LineAt,
        record: &Record,
        now: &Result<Decision, RedecideError>,
    ) -> Replayed {
        let sha = &self.policy.id().hash;
        let report = &mut self.report;
        report.records += 1;
        if now.is_err() {
            report.failed += 1;
        }
        let mut defects = Vec::new();
        if record.policy.hash == *sha {
            report.same_sha += 1;
            let logged = Made {
                decision: Some(record.decision),
                score: record.score,
                reasons: &record.reasons,
                error: None,
            };
            compare(&logged, now, Side::Answer, &mut defects);
        }
        if let Some(shadow) = record.shadow.as_ref().filter(|s| s.policy.hash == *sha) {
            report.shadow_same_sha += 1;
            let logged = Made {
                decision: shadow.decision,
                score: shadow.score,
                reasons: &shadow.reasons,
                error: shadow.error.as_deref(),
            };
            compare(&logged, now, Side::Shadow, &mut defects);
        }
        report.defects_total += defects.len() as u64;
        let room = KEPT_DEFECTS.saturating_sub(report.defects.len());
        report.defects.extend(
            defects
                .into_iter()
                .take(room)
                .map(|(field, logged, now)| Defect {
                    decision_id: record.decision_id.clone(),
                    at: at.to_string(),
                    field,
                    logged,
                    now,
                }),
        );
        Replayed {
            logged: record.decision,
            now: now.as_ref().ok().map(|d| d.decision),
        }
    }

    /// The report.
    pub fn finish(self) -> ReplayReport {
        self.report
    }
}

/// A logged decision (or a logged failure, for a shadow).
struct Made<'a> {
    decision: Option<Outcome>,
    score: Option<i64>,
    reasons: &'a [Reason],
    error: Option<&'a str>,
}

#[derive(Clone, Copy)]
enum Side {
    Answer,
    Shadow,
}

fn compare(
    logged: &Made<'_>,
    now: &Result<Decision, RedecideError>,
    side: Side,
    out: &mut Vec<(Field, String, String)>,
) {
    let pick = |answer: Field, shadow: Field| match side {
        Side::Answer => answer,
        Side::Shadow => shadow,
    };
    let logged_error = match (logged.decision, logged.error) {
        (Some(_), _) => None,
        (None, e) => Some(e.unwrap_or("no decision")),
    };
    let now = match (now, logged_error) {
        (Err(now), Some(then)) => {
            let now = now.to_string();
            if now != then {
                out.push((pick(Field::Error, Field::ShadowError), then.to_owned(), now));
            }
            return;
        }
        (Err(now), None) => {
            out.push((
                pick(Field::Error, Field::ShadowError),
                "decided".to_owned(),
                now.to_string(),
            ));
            return;
        }
        (Ok(_), Some(then)) => {
            out.push((
                pick(Field::Error, Field::ShadowError),
                then.to_owned(),
                "decided".to_owned(),
            ));
            return;
        }
        (Ok(now), None) => now,
    };
    if logged.decision != Some(now.decision) {
        out.push((
            pick(Field::Decision, Field::ShadowDecision),
            logged.decision.map_or("none", Outcome::as_str).to_owned(),
            now.decision.as_str().to_owned(),
        ));
    }
    if logged.score != now.score {
        let show = |s: Option<i64>| s.map_or_else(|| "none".to_owned(), |s| s.to_string());
        out.push((
            pick(Field::Score, Field::ShadowScore),
            show(logged.score),
            show(now.score),
        ));
    }
    if logged.reasons != now.reasons.as_slice() {
        let show = |r: &[Reason]| serde_json::to_string(r).unwrap_or_default();
        out.push((
            pick(Field::Reasons, Field::ShadowReasons),
            show(logged.reasons),
            show(&now.reasons),
        ));
    }
}
