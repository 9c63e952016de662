//! The reports: plain data, serialized as the `--json` output (a documented, stable schema:
//! fields are added, never renamed or removed, and `version` changes if a meaning does), and
//! rendered as tables ([`tables`]) and as one self-contained HTML page ([`html`]).

pub(crate) mod build;

pub mod html;
pub mod tables;

pub(crate) use build::{policy_name, policy_report};

use serde::{Deserialize, Serialize};

use underwrite_core::policy::Outcome;

use crate::stats::Stability as Flag;
use crate::FailureKind;

/// The schema version of [`BacktestReport`] and [`CompareReport`].
pub const REPORT_VERSION: u32 = 1;

/// `underwrite backtest`: one policy over one input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    /// Always `"underwrite.backtest"`.
    pub format: String,
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// What was read.
    pub input: InputSummary,
    /// The policy's figures.
    pub policy: PolicyReport,
    /// PSI against a reference, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability: Option<StabilityReport>,
}

/// `underwrite compare`: champion and challenger over one input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareReport {
    /// Always `"underwrite.compare"`.
    pub format: String,
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// What was read.
    pub input: InputSummary,
    /// The live policy's figures over every line.
    pub champion: PolicyReport,
    /// The candidate's figures over every line.
    pub challenger: PolicyReport,
    /// Where the two disagree.
    pub swap: SwapReport,
    /// The split into arms, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitReport>,
}

/// The input as read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSummary {
    /// Lines read that were not blank.
    pub lines: u64,
    /// Lines whose envelope, KYC input and signals payload could be read: each is decided or
    /// failed by each policy (`lines − read` are in `failures`).
    pub read: u64,
    /// Read lines with a `bad` label (true or false).
    pub labelled: u64,
    /// Read lines labelled bad.
    pub bad: u64,
    /// Lines that failed before any policy could decide them, by kind.
    pub failures: Vec<FailureCount>,
}

/// How many lines failed one way, and the first of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureCount {
    /// The kind.
    pub kind: FailureKind,
    /// How many lines.
    pub count: u64,
    /// The first such line's number.
    pub first_line: u64,
    /// Its message.
    pub first_message: String,
}

/// A policy's name, version and content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyName {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// SHA-256 of the policy file, hex.
    pub sha256: String,
}

/// Counts and shares of a decision outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// How many.
    pub count: u64,
    /// Of the denominator the context names (`null` when it is 0).
    pub share: Option<f64>,
}

/// Bad rate with its counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BadRate {
    /// Labelled bad.
    pub bad: u64,
    /// Labelled (bad or good).
    pub labelled: u64,
    /// `bad / labelled` (`null` with nothing labelled).
    pub rate: Option<f64>,
}

/// The decision mix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionMix {
    /// Approved (share of decided).
    pub approve: Share,
    /// Sent to review.
    pub review: Share,
    /// Rejected.
    pub reject: Share,
}

/// One policy over the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyReport {
    /// Which policy.
    pub policy: PolicyName,
    /// The scorecard's cut-offs, if it has one.
    pub cutoffs: Option<Cutoffs>,
    /// Lines this policy decided.
    pub decided: u64,
    /// Read lines this policy failed (a rule error, a payload its schema refused), by kind.
    pub failures: Vec<FailureCount>,
    /// Approve / review / reject, as shares of `decided`.
    pub decisions: DecisionMix,
    /// Approved over decided.
    pub approval_rate: Option<f64>,
    /// Bad rate of the approved.
    pub bad_rate_approved: BadRate,
    /// Bad rate by decision: approve, review, reject.
    pub bad_rate_by_decision: [BadRate; 3],
    /// The score's distribution and power.
    pub score: Option<ScoreReport>,
    /// The cut-off strategy table: bands from the highest score down.
    pub strategy: Vec<StrategyRow>,
    /// Knock-out incidence, in policy order.
    pub knockouts: Vec<KnockoutRow>,
    /// Reason-code incidence, most frequent first.
    pub reasons: Vec<ReasonRow>,
    /// Exact counts, for a later PSI (`--reference`) and for tools.
    pub distributions: Distributions,
}

/// A scorecard's cut-offs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cutoffs {
    /// Lowest approving score.
    pub approve: i64,
    /// Lowest score sent to review.
    pub review: i64,
}

/// The score over every decision that has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreReport {
    /// Decisions with a score.
    pub scored: u64,
    /// Lowest score.
    pub min: i64,
    /// Highest score.
    pub max: i64,
    /// Mean score.
    pub mean: f64,
    /// How many scores one counted cell holds (1 unless the scores were too many to keep).
    pub cell_width: i64,
    /// Histogram, ascending.
    pub histogram: Vec<ScoreBand>,
    /// KS of the score between goods and bads (`null` without both).
    pub ks: Option<f64>,
    /// AUC of the score separating goods (high) from bads.
    pub auc: Option<f64>,
    /// `2·AUC − 1`.
    pub gini: Option<f64>,
}

/// A band of scores: `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreBand {
    /// Lowest score in the band.
    pub from: i64,
    /// One past the highest.
    pub to: i64,
    /// Decisions in the band.
    pub count: u64,
    /// Of them labelled bad.
    pub bad: u64,
    /// Of them labelled good.
    pub good: u64,
}

/// One row of the strategy table: what the approve cut-off at `from` would do. Counts are over
/// decisions that no knock-out or fallback sent to review or reject (the cut-off decides
/// them); the approval rate is over every decision, so it reads as the policy's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StrategyRow {
    /// Lowest score in the band (the cut-off this row stands for).
    pub from: i64,
    /// One past the highest.
    pub to: i64,
    /// Decisions in the band.
    pub count: u64,
    /// Bad rate in the band.
    pub bad_rate: BadRate,
    /// Good:bad odds in the band (`null` with no bad).
    pub odds: Option<f64>,
    /// Decisions at or above `from`.
    pub cumulative_count: u64,
    /// The approval rate with the approve cut-off at `from`.
    pub approval_rate: Option<f64>,
    /// Bad rate of everyone at or above `from`.
    pub cumulative_bad_rate: BadRate,
    /// Whether this is the policy's own cut-off row: the lowest band reaching above its approve
    /// cut-off (its cumulative approval rate is the policy's).
    pub policy_cutoff: bool,
}

/// One knock-out's incidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnockoutRow {
    /// Rule id.
    pub id: String,
    /// The outcome it forces.
    pub outcome: Outcome,
    /// Its reason code.
    pub code: String,
    /// Decisions where it fired, and their share of the decided.
    pub fired: Share,
    /// Rejections it alone caused: it fired and rejects, and no other knock-out, fallback or
    /// score cut-off would have rejected.
    pub alone: u64,
    /// Bad rate of the applications it fired on.
    pub bad_rate: BadRate,
}

/// One reason code's incidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonRow {
    /// The code.
    pub code: String,
    /// Decisions giving it, and their share of the decided.
    pub given: Share,
}

/// Exact counts a later run compares against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Distributions {
    /// How many scores one cell holds.
    pub score_cell_width: i64,
    /// `[score, good, bad, unlabelled]` per cell, ascending.
    pub score: Vec<[i64; 4]>,
    /// Per input feature (by the policy's name), `[bin, count]` pairs in bin order.
    pub features: Vec<FeatureDistribution>,
}

/// One feature's counts per bin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureDistribution {
    /// The name the policy reads it by.
    pub name: String,
    /// `(bin name, count)` in bin order.
    pub bins: Vec<(String, u64)>,
}

/// PSI of the score and of each input against a reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StabilityReport {
    /// The reference's policy and size.
    pub reference: ReferenceName,
    /// The score's PSI (`null` when either side has no scores).
    pub score: Option<PsiRow>,
    /// Each input's PSI, in the policy's order.
    pub features: Vec<PsiRow>,
}

/// What the reference was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceName {
    /// The policy that made the reference's distributions.
    pub policy: PolicyName,
    /// Decisions in the reference.
    pub decided: u64,
}

/// One PSI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsiRow {
    /// `score` or the feature's name.
    pub name: String,
    /// The index (`null` when the reference lacks the feature or either side is empty).
    pub psi: Option<f64>,
    /// How it reads.
    pub flag: Option<Flag>,
    /// The groups compared: reference and actual shares.
    pub bins: Vec<PsiBin>,
}

/// One group of a PSI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsiBin {
    /// The group: `"≤ 630"`, `"631–660"`, `"> 660"` for scores; `"3"`, `"[16,20)–[32,40)"`,
    /// `"A3–A5"`, `"missing"`, `"never"` for features.
    pub label: String,
    /// Share in the reference.
    pub reference: f64,
    /// Share now.
    pub actual: f64,
}

/// Where champion and challenger disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapReport {
    /// Lines both decided (the matrix sums to this).
    pub both_decided: u64,
    /// `matrix[champion][challenger]`, outcomes in the order approve, review, reject.
    pub matrix: [[u64; 3]; 3],
    /// Read lines only the champion failed, only the challenger, both.
    pub failed: FailedSides,
    /// Approved by the challenger only.
    pub swap_in: SwapSet,
    /// Approved by the champion only.
    pub swap_out: SwapSet,
    /// The challenger's reasons on the swap-outs, most frequent first.
    pub swap_out_reasons: Vec<ReasonRow>,
    /// Challenger minus champion approval rate, over lines both decided.
    pub approval_rate_delta: Option<f64>,
    /// Challenger minus champion bad rate of the approved, over lines both decided.
    pub bad_rate_delta: Option<f64>,
    /// Each policy's bad rate with its approve cut-off moved to the other's approval rate.
    pub at_other_approval_rate: AtOther,
}

/// Read lines one side or both failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedSides {
    /// The champion failed, the challenger decided.
    pub champion_only: u64,
    /// The challenger failed, the champion decided.
    pub challenger_only: u64,
    /// Both failed.
    pub both: u64,
}

/// A swap set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SwapSet {
    /// How many, and their share of the lines both decided.
    pub size: Share,
    /// Their bad rate.
    pub bad_rate: BadRate,
}

/// Each policy at the other's approval rate: the highest approval rate its cut-off reaches
/// without going above the other's, and the next one above.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AtOther {
    /// The champion, its cut-off moved to the challenger's approval rate.
    pub champion: Option<CutoffPoint>,
    /// The challenger, its cut-off moved to the champion's approval rate.
    pub challenger: Option<CutoffPoint>,
    /// The champion's next point above the challenger's approval rate (scores come in lumps:
    /// the two points bracket the target).
    #[serde(default)]
    pub champion_above: Option<CutoffPoint>,
    /// The challenger's next point above the champion's approval rate.
    #[serde(default)]
    pub challenger_above: Option<CutoffPoint>,
}

/// A point on a policy's strategy curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CutoffPoint {
    /// The approve cut-off.
    pub cutoff: i64,
    /// The approval rate it gives (the highest not above the target).
    pub approval_rate: f64,
    /// The bad rate of those it approves.
    pub bad_rate: BadRate,
}

/// Champion and challenger arms, routed by a stable hash of each id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitReport {
    /// The salt of the hash.
    pub salt: String,
    /// Percent routed to the champion.
    pub champion_percent: u8,
    /// Lines without an id, which live routing could not place.
    pub unroutable: u64,
    /// The champion's arm (decided by the champion).
    pub champion: ArmReport,
    /// The challenger's arm (decided by the challenger).
    pub challenger: ArmReport,
}

/// One arm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ArmReport {
    /// Lines routed here, and their share of all routed lines.
    pub size: Share,
    /// Of them, lines its policy failed (the decision mix is over the rest).
    pub failed: u64,
    /// Its decision mix.
    pub decisions: DecisionMix,
    /// Its approval rate.
    pub approval_rate: Option<f64>,
    /// Bad rate of its approved.
    pub bad_rate_approved: BadRate,
}
