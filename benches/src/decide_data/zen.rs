//! `rules/starter.yaml` as a GoRules zen-engine JDM graph, for a side-by-side comparison.
//!
//! The graph (`benches/zen/starter.jdm.json`) reads a flat input object:
//!
//! ```json
//! { "status": "SUCCESS",
//!   "kyc": { "provided": true, "result": "Exact Match", "code": "1020", "names": "Exact Match" },
//!   "signals": { "events_overdue_day30": 0, "events_overdue_days_since_last": "never",
//!                "events_debt_day90_amount": "A3", "events_overdue_day30_days": null, ... } }
//! ```
//!
//! zen cannot read the provider's payload itself in any useful way (two shapes, one an array of
//! `{name, value, valueType}`; nulls whose meaning depends on the signal's kind; numbers that
//! must be exact), so [`ZenStarter::decide_payload`] does what a zen user would do: it parses
//! and normalizes the bytes with underwrite's normalizer (the same code, same cost, as the
//! `underwrite` path), builds the input object from the twelve signals the policy reads, and
//! evaluates the graph. Everything the policy adds on top of normalization is in the graph:
//! the `missing: 0` and `never: 9999` overrides, both derived features, the knock-outs, the
//! banded debt rule, the scorecard with its cut-offs and adverse-action reason ranking, and the
//! unavailable / no-data fallbacks.

use std::sync::Arc;

use rust_decimal::prelude::ToPrimitive;
use underwrite_core::features::{FeatureValue, Schema, Slot};
use underwrite_core::normalize::{normalize, Normalized};
use underwrite_core::policy::kyc::KycFacts;
use zen_engine::model::DecisionContent;
use zen_engine::{Decision, DecisionGraphResponse, EvaluationOptions, Variable};

/// The JDM graph.
pub const STARTER_JDM: &str = include_str!("../../zen/starter.jdm.json");

/// The signals the starter policy reads (its `features.aliases` targets), as the graph names them.
pub const SIGNALS: [&str; 12] = [
    "events_overdue_day30",
    "events_overdue_day30_days",
    "events_overdue_day90",
    "events_overdue_day180",
    "events_overdue_day90_institution_count",
    "events_overdue_days_since_last",
    "events_application_reception_day30",
    "events_application_reception_day30_institution_count",
    "events_loan_disbursement_day30_institution_count",
    "events_loan_disbursement_day180",
    "events_successful_repayment_day30",
    "events_debt_day90_amount",
];

/// The KYC fields the graph reads, with their [`KycFacts`] index.
const KYC: [(&str, usize); 3] = [("kyc.result", 1), ("kyc.code", 2), ("kyc.names", 4)];

/// A zen decision, in the terms underwrite's [`Decision`](underwrite_core::policy::Decision)
/// uses, for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZenDecision {
    /// `approve`, `review` or `reject`.
    pub decision: String,
    /// The scorecard total (none without signals).
    pub score: Option<i64>,
    /// Reason codes, knock-outs first.
    pub reasons: Vec<String>,
}

/// The compiled graph plus the schema slots of the signals it reads.
#[derive(Debug)]
pub struct ZenStarter {
    decision: Decision,
    schema: Arc<Schema>,
    slots: Vec<(&'static str, Slot)>,
}

impl ZenStarter {
    /// Load and precompile the graph (zen's fastest mode: expressions compiled once, decision
    /// table indexes built) over `schema` (the starter policy's, so normalization is identical).
    ///
    /// # Panics
    /// If the graph does not parse or a signal is not in the schema (fixed test data).
    #[allow(clippy::panic)]
    pub fn load(schema: &Arc<Schema>) -> ZenStarter {
        let content: DecisionContent = serde_json::from_str(STARTER_JDM)
            .unwrap_or_else(|e| panic!("benches/zen/starter.jdm.json: {e}"));
        let Some(graph) = content.as_graph() else {
            panic!("benches/zen/starter.jdm.json is not a graph");
        };
        let mut decision = Decision::from(graph.clone());
        decision.compile();
        if let Err(e) = decision.validate() {
            panic!("benches/zen/starter.jdm.json: {e}");
        }
        let slots = SIGNALS
            .iter()
            .map(|&name| {
                let slot = schema
                    .slot(name)
                    .unwrap_or_else(|| panic!("{name} is not in the schema"));
                (name, slot)
            })
            .collect();
        ZenStarter {
            decision,
            schema: Arc::clone(schema),
            slots,
        }
    }

    /// The graph's input object for normalized signals and KYC facts.
    pub fn input(&self, signals: &Normalized, kyc: &KycFacts) -> Variable {
        let input = Variable::empty_object();
        input.dot_insert("status", string(signals.status.as_str()));
        input.dot_insert("kyc.provided", Variable::Bool(kyc.provided()));
        for (path, index) in KYC {
            input.dot_insert(path, kyc.field(index).map_or(Variable::Null, string));
        }
        let values = Variable::empty_object();
        for &(name, slot) in &self.slots {
            let value = match signals.features.get(slot) {
                FeatureValue::Missing => Variable::Null,
                FeatureValue::Never => string("never"),
                FeatureValue::Number(n) => Variable::Number(*n),
                FeatureValue::Band(b) => string(&b.to_string()),
                FeatureValue::Text(t) => string(t),
                FeatureValue::Bool(b) => Variable::Bool(*b),
            };
            values.dot_insert(name, value);
        }
        input.dot_insert("signals", values);
        input
    }

    /// Evaluate the graph on an input object (trace off).
    pub fn evaluate(&self, input: Variable) -> Result<DecisionGraphResponse, String> {
        let options = EvaluationOptions {
            trace: false,
            max_depth: 10,
        };
        crate::decide_data::block_on(self.decision.evaluate_with_opts(input, options))
            .map_err(|e| e.to_string())
    }

    /// Bytes to zen's answer: normalize with underwrite (as the `underwrite` path does), build the
    /// input object, evaluate. This is what the `zen` bench function measures.
    pub fn decide_payload(
        &self,
        payload: &[u8],
        kyc: &KycFacts,
    ) -> Result<DecisionGraphResponse, String> {
        let signals = normalize(payload, &self.schema).map_err(|e| e.to_string())?;
        self.evaluate(self.input(&signals, kyc))
    }

    /// [`ZenStarter::decide_payload`], with the result read into a [`ZenDecision`].
    pub fn decide(&self, payload: &[u8], kyc: &KycFacts) -> Result<ZenDecision, String> {
        let response = self.decide_payload(payload, kyc)?;
        read_decision(&response.result)
    }
}

fn string(s: &str) -> Variable {
    Variable::String(Variable::key(s))
}

/// Read `decision`, `score` and `reasons` from the graph's output.
pub fn read_decision(result: &Variable) -> Result<ZenDecision, String> {
    let decision = result
        .dot("decision")
        .and_then(|d| d.as_str().map(str::to_string))
        .ok_or_else(|| format!("no decision in {result}"))?;
    let score = match result.dot("score") {
        None | Some(Variable::Null) => None,
        Some(s) => {
            let n = s
                .as_number()
                .ok_or_else(|| format!("score {s} is not a number"))?;
            Some(
                n.to_i64()
                    .filter(|_| n.fract().is_zero())
                    .ok_or_else(|| format!("score {n} is not a whole number"))?,
            )
        }
    };
    let reasons = result
        .dot("reasons")
        .and_then(|r| r.as_array())
        .ok_or_else(|| format!("no reasons in {result}"))?
        .borrow()
        .iter()
        .map(|r| {
            r.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("reason {r} is not a string"))
        })
        .collect::<Result<_, _>>()?;
    Ok(ZenDecision {
        decision,
        score,
        reasons,
    })
}
