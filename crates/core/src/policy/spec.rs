//! The policy file format: the YAML a rule author writes, as typed serde structs.
//!
//! Every struct denies unknown fields, so a misspelt key is a load error with its line and
//! column rather than a silently ignored rule. Nothing here is evaluated:
//! [`Policy::load`](super::Policy::load) compiles a [`PolicySpec`] into a runnable
//! [`super::Policy`].
//!
//! The same types generate the format's JSON Schema for editors
//! ([`policy_schema_json`](crate::policy_schema_json)), so their doc comments are also the hover
//! text an author reads while typing a key: write them for rule authors.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::decision::Outcome;

/// A whole policy file: name and version, features, knock-outs, an optional scorecard, what to
/// decide without signals, and the policy's own tests (`underwrite check` reports every problem).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Policy name, carried in every decision.
    pub name: String,
    /// Policy version (free text, e.g. `"2026.11.1"`), carried in every decision.
    pub version: String,
    /// What the policy is for.
    #[serde(default)]
    pub description: String,
    /// Who owns it (team or person).
    #[serde(default)]
    pub owner: String,
    /// Feature aliases, missing-value overrides and derived features.
    #[serde(default)]
    pub features: FeaturesSpec,
    /// Ordered knock-out rules.
    #[serde(default)]
    pub knockouts: Vec<KnockoutSpec>,
    /// The optional scorecard.
    #[serde(default)]
    pub scorecard: Option<ScorecardSpec>,
    /// What to decide when the provider could not produce signals (SYSTEM_ERROR,
    /// SERVICE_UNAVAILABLE). Never approve. Defaults to review with code `SIGNALS_UNAVAILABLE`.
    #[serde(default)]
    pub signals_unavailable: Option<FallbackSpec>,
    /// What to decide on a NO_DATA (thin-file) result. Defaults to review with code `NO_DATA`.
    #[serde(default)]
    pub no_data: Option<FallbackSpec>,
    /// The policy's own test cases.
    #[serde(default)]
    pub tests: Vec<TestSpec>,
}

/// The `features:` section.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FeaturesSpec {
    /// Short name → catalog signal name.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// Per-feature overrides of what a missing / never value means (keyed by alias or name).
    #[serde(default)]
    pub overrides: BTreeMap<String, OverrideSpec>,
    /// Derived features, computed once per decision in dependency order.
    #[serde(default)]
    pub derived: Vec<DerivedSpec>,
}

/// What a missing or never value of one feature means in this policy.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OverrideSpec {
    /// The number a missing value stands for.
    #[serde(default)]
    #[schemars(schema_with = "optional_decimal")]
    pub missing: Option<Decimal>,
    /// The number a "never happened" value stands for (days since last only).
    #[serde(default)]
    #[schemars(schema_with = "optional_decimal")]
    pub never: Option<Decimal>,
}

/// One derived feature.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DerivedSpec {
    /// Its name, usable in every expression.
    pub name: String,
    /// A Rhai expression over other features.
    pub expr: String,
    /// What it means.
    #[serde(default)]
    pub description: String,
}

/// A reason code and its text.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct ReasonSpec {
    /// Stable reason code, e.g. `KO_DELINQUENCY_30D`.
    pub code: String,
    /// Human-readable text (adverse-action wording).
    pub text: String,
}

/// One knock-out rule.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KnockoutSpec {
    /// Unique rule id.
    pub id: String,
    /// What the rule is for.
    #[serde(default)]
    pub description: String,
    /// Rhai boolean expression; the rule fires when it is true.
    pub when: String,
    /// `reject` or `review`.
    pub outcome: Outcome,
    /// The reason reported when it fires.
    pub reason: ReasonSpec,
}

/// The `scorecard:` section.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScorecardSpec {
    /// Points every applicant starts with.
    pub base: i64,
    /// Characteristics, each adding the points of its first matching bin.
    pub characteristics: Vec<CharacteristicSpec>,
    /// Score → outcome.
    pub cutoffs: CutoffSpec,
    /// At most this many adverse-action reasons (1 to 4, default 4).
    #[serde(default)]
    pub max_reasons: Option<usize>,
}

/// One scorecard characteristic.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CharacteristicSpec {
    /// Unique id.
    pub id: String,
    /// What it measures.
    #[serde(default)]
    pub description: String,
    /// The reason reported when this characteristic costs points (a bin may override it).
    #[serde(default)]
    pub reason: Option<ReasonSpec>,
    /// Bins, tried in order; the first whose `when` holds gives its points. The last bin may
    /// omit `when` (it then always matches).
    pub bins: Vec<BinSpec>,
}

/// One bin.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BinSpec {
    /// Rhai boolean expression; omitted on a final catch-all bin.
    #[serde(default)]
    pub when: Option<String>,
    /// Points awarded.
    pub points: i64,
    /// Reason when this bin is the one that matched and it costs points.
    #[serde(default)]
    pub reason: Option<ReasonSpec>,
}

/// Score cut-offs: `score >= approve` approves, `score >= review` reviews, lower rejects.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CutoffSpec {
    /// Lowest approving score.
    pub approve: i64,
    /// Lowest reviewing score.
    pub review: i64,
}

/// The outcome on unavailable or empty signals.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FallbackSpec {
    /// The outcome.
    pub outcome: Outcome,
    /// The reason reported.
    pub reason: ReasonSpec,
}

/// One policy test case.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TestSpec {
    /// Test name.
    pub name: String,
    /// The signals payload: inline (a JSON/YAML object) or a path relative to the policy file.
    pub signals: InputSource,
    /// Optional KYC input, inline or a path: a request (`submitted`/`authority`) or a result in
    /// the reference shape (`ResultCode`, `Actions`, ...).
    #[serde(default)]
    pub kyc: Option<InputSource>,
    /// What the decision must be.
    pub expect: ExpectSpec,
}

/// Where a test's signals (or KYC input) come from.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum InputSource {
    /// A path relative to the policy file.
    Path(String),
    /// An inline JSON/YAML value.
    Inline(serde_json::Value),
}

/// The expected result of a test case.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// The expected decision.
    pub decision: Outcome,
    /// The expected reason codes, in order (omit to not check them).
    #[serde(default)]
    pub reasons: Option<Vec<String>>,
    /// The expected score (omit to not check it).
    #[serde(default)]
    pub score: Option<i64>,
}

/// The JSON Schema of an optional [`Decimal`] field, for [`JsonSchema`]'s derive.
///
/// `Decimal` deserializes from a YAML number (`0.5`, `1e3`) or from a string `Decimal::from_str`
/// or `Decimal::from_scientific` parses (`"0.5"`, `"1_000"`, `"2e-3"`), and the `Option` from
/// `null`. The pattern admits every such string (and some the loader then rejects): an editor
/// must never flag a value the loader accepts.
fn optional_decimal(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["number", "string", "null"],
        "pattern": "^[+-]?[0-9_.]+([eE][+-]{0,2}[0-9]+)?$",
    })
}
