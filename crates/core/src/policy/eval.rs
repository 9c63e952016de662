//! Making a decision with a loaded policy.
//!
//! Per decision: one `Vec` of variable values (read straight from feature-vector slots, with the
//! policy's missing/never overrides applied), derived features in dependency order, every
//! knock-out, then the scorecard. Expressions run natively when they were lowered at load and
//! fall back to Rhai otherwise; a Rhai scope is built only if some expression needs it.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use rhai::{Dynamic, Map, Scope};

use crate::features::{FeatureValue, FeatureVector};
use crate::normalize::Normalized;
use crate::signals::SignalStatus;

use super::decision::{Decision, Outcome, PolicyId, Reason, TraceEntry, TraceKind};
use super::error::{DecideError, RuleErrorKind, RuleFault};
use super::expr::native::{self, Eval, Val};
use super::expr::ops::{self, Never};
use super::kyc::{KycFacts, KYC_FIELDS, PROVIDED};
use super::program::{CompiledExpr, Program, Read, Source};
use super::sandbox;

/// Options for one decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecideOptions {
    /// Record a trace entry for every rule, bin and derived feature evaluated. The outcome,
    /// score and reasons are the same either way.
    pub trace: bool,
}

impl Default for DecideOptions {
    fn default() -> Self {
        DecideOptions { trace: true }
    }
}

/// The values one decision works on.
pub(crate) struct Frame<'a> {
    values: Vec<FeatureValue>,
    kyc: &'a KycFacts,
    scope: Option<Scope<'static>>,
}

impl native::Env for Frame<'_> {
    fn var(&self, index: usize) -> Val<'_> {
        match self.values.get(index) {
            None | Some(FeatureValue::Missing) => Val::Unit,
            Some(FeatureValue::Never) => Val::Never,
            Some(FeatureValue::Number(n)) => Val::Dec(*n),
            Some(FeatureValue::Band(b)) => Val::Band(*b),
            Some(FeatureValue::Text(t)) => Val::Str(t),
            Some(FeatureValue::Bool(b)) => Val::Bool(*b),
        }
    }

    fn kyc(&self, index: usize) -> Val<'_> {
        if index == PROVIDED {
            return Val::Bool(self.kyc.provided());
        }
        self.kyc.field(index).map_or(Val::Unit, Val::Str)
    }
}

pub(crate) fn to_dynamic(value: &FeatureValue) -> Dynamic {
    match value {
        FeatureValue::Missing => Dynamic::UNIT,
        FeatureValue::Never => Dynamic::from(Never),
        FeatureValue::Number(n) => Dynamic::from_decimal(*n),
        FeatureValue::Band(b) => Dynamic::from(*b),
        FeatureValue::Text(t) => Dynamic::from(t.to_string()),
        FeatureValue::Bool(b) => Dynamic::from_bool(*b),
    }
}

fn from_dynamic(value: Dynamic) -> Result<FeatureValue, RuleFault> {
    if value.is_unit() {
        return Ok(FeatureValue::Missing);
    }
    if let Ok(b) = value.as_bool() {
        return Ok(FeatureValue::Bool(b));
    }
    if let Ok(i) = value.as_int() {
        return Ok(FeatureValue::Number(i.into()));
    }
    if let Ok(d) = value.as_decimal() {
        return Ok(FeatureValue::Number(d));
    }
    if value.is::<Never>() {
        return Ok(FeatureValue::Never);
    }
    if let Some(b) = value.clone().try_cast::<crate::features::Band>() {
        return Ok(FeatureValue::Band(b));
    }
    Err(wrong_result(&ops::noun_of(&value)))
}

fn wrong_result(noun: &str) -> RuleFault {
    RuleFault::new(
        RuleErrorKind::WrongResultType,
        format!("gives {noun}, but only numbers, true/false or () are allowed"),
    )
}

/// The result of a native evaluation as a feature value; like [`from_dynamic`], a string result
/// is refused.
fn from_val(v: Val<'_>) -> Result<FeatureValue, RuleFault> {
    Ok(match v {
        Val::Unit => FeatureValue::Missing,
        Val::Never => FeatureValue::Never,
        Val::Int(i) => FeatureValue::Number(i.into()),
        Val::Dec(d) => FeatureValue::Number(d),
        Val::Band(b) => FeatureValue::Band(b),
        Val::Bool(b) => FeatureValue::Bool(b),
        Val::Str(_) => return Err(wrong_result(ops::Ty::Text.noun())),
    })
}

impl<'a> Frame<'a> {
    fn new(policy: &Program, features: &FeatureVector, kyc: &'a KycFacts) -> Frame<'a> {
        let values = policy
            .vars
            .iter()
            .map(|v| match v.source {
                Source::Derived(_) => FeatureValue::Missing,
                Source::Feature(slot) => match (features.get(slot), v.missing, v.never) {
                    (FeatureValue::Missing, Some(m), _) => FeatureValue::Number(m),
                    (FeatureValue::Never, _, Some(n)) => FeatureValue::Number(n),
                    (value, _, _) => value.clone(),
                },
            })
            .collect();
        Frame {
            values,
            kyc,
            scope: None,
        }
    }

    fn scope(&mut self, policy: &Program) -> &mut Scope<'static> {
        let values = &self.values;
        let kyc = self.kyc;
        self.scope.get_or_insert_with(|| {
            let mut scope = Scope::with_capacity(policy.vars.len() + 1);
            for (var, value) in policy.vars.iter().zip(values) {
                scope.push_dynamic(var.name.clone(), to_dynamic(value));
            }
            let mut map = Map::new();
            for (i, field) in KYC_FIELDS.iter().enumerate() {
                let v = if i == PROVIDED {
                    Dynamic::from_bool(kyc.provided())
                } else {
                    kyc.field(i)
                        .map_or(Dynamic::UNIT, |s| Dynamic::from(s.to_string()))
                };
                map.insert((*field).into(), v);
            }
            scope.push("kyc", map);
            scope
        })
    }

    fn set(&mut self, policy: &Program, var: usize, value: FeatureValue) {
        if let (Some(scope), Some(v)) = (self.scope.as_mut(), policy.vars.get(var)) {
            scope.set_value(v.name.clone(), to_dynamic(&value));
        }
        if let Some(slot) = self.values.get_mut(var) {
            *slot = value;
        }
    }

    /// Evaluate an expression: natively when possible, with Rhai otherwise. A panic anywhere
    /// below (ours or Rhai's) is caught and becomes [`DecideError::Internal`] naming the rule:
    /// one input must never take down a batch or a service.
    fn eval(
        &mut self,
        policy: &Program,
        rule: &str,
        expr: &CompiledExpr,
    ) -> Result<FeatureValue, DecideError> {
        std::panic::catch_unwind(AssertUnwindSafe(|| self.eval_unguarded(policy, rule, expr)))
            .unwrap_or_else(|_| {
                Err(DecideError::Internal {
                    rule: rule.to_string(),
                })
            })
    }

    fn eval_unguarded(
        &mut self,
        policy: &Program,
        rule: &str,
        expr: &CompiledExpr,
    ) -> Result<FeatureValue, DecideError> {
        if let Some(tree) = &expr.native {
            match tree.eval(&*self) {
                Eval::Value(v) => return from_val(v).map_err(|f| f.in_rule(rule)),
                Eval::Error(fault) => return Err(fault.in_rule(rule)),
                Eval::Defer => {}
            }
        }
        let engine = &policy.engine;
        let scope = self.scope(policy);
        let value = engine
            .eval_ast_with_scope::<Dynamic>(scope, &expr.ast)
            .map_err(|e| sandbox::fault_of(&e).in_rule(rule))?;
        from_dynamic(value).map_err(|f| f.in_rule(rule))
    }

    fn condition(
        &mut self,
        policy: &Program,
        rule: &str,
        expr: &CompiledExpr,
    ) -> Result<bool, DecideError> {
        match self.eval(policy, rule, expr)? {
            FeatureValue::Bool(b) => Ok(b),
            FeatureValue::Missing => Err(RuleFault::new(
                RuleErrorKind::NotABoolean,
                "the condition is missing (`()`); say what missing means with `??`",
            )
            .in_rule(rule)),
            other => Err(RuleFault::new(
                RuleErrorKind::NotABoolean,
                format!("the condition must be true or false, but it is {other}"),
            )
            .in_rule(rule)),
        }
    }

    fn reads(&self, policy: &Program, expr: &CompiledExpr) -> Vec<(String, FeatureValue)> {
        expr.reads
            .iter()
            .map(|r| match *r {
                Read::Var(i) => (
                    policy
                        .vars
                        .get(i)
                        .map_or_else(String::new, |v| v.name.clone()),
                    self.values.get(i).cloned().unwrap_or_default(),
                ),
                Read::Kyc(i) => {
                    let name = format!("kyc.{}", KYC_FIELDS.get(i).copied().unwrap_or("?"));
                    let value = match native::Env::kyc(self, i) {
                        Val::Bool(b) => FeatureValue::Bool(b),
                        Val::Str(s) => FeatureValue::Text(s.into()),
                        _ => FeatureValue::Missing,
                    };
                    (name, value)
                }
            })
            .collect()
    }
}

/// Make a decision with `policy`, naming `id` in it. See [`super::Policy::decide`].
pub(crate) fn decide(
    policy: &Program,
    id: &Arc<PolicyId>,
    signals: &Normalized,
    kyc: Option<&KycFacts>,
    options: DecideOptions,
) -> Result<Decision, DecideError> {
    let none = KycFacts::none();
    let kyc = kyc.unwrap_or(&none);
    let mut frame = Frame::new(policy, &signals.features, kyc);
    let mut trace = Vec::new();
    let mut reasons: Vec<Reason> = Vec::new();
    let mut outcome = Outcome::Approve;

    let fallback = match signals.status {
        SignalStatus::Success => None,
        SignalStatus::NoData => Some(&policy.no_data),
        SignalStatus::Unavailable(_) => Some(&policy.unavailable),
    };
    // Without signals only the knock-outs that read nothing but KYC can run.
    let signals_present = fallback.is_none();

    if signals_present {
        for d in &policy.derived {
            let value = frame.eval(policy, &d.name, &d.expr)?;
            if options.trace {
                trace.push(TraceEntry {
                    kind: TraceKind::Derived,
                    id: d.name.clone(),
                    result: value.clone(),
                    read: frame.reads(policy, &d.expr),
                });
            }
            frame.set(policy, d.var, value);
        }
    }

    let mut knockouts_fired = Vec::new();
    for (index, k) in policy.knockouts.iter().enumerate() {
        if !signals_present && k.when.reads_features() {
            continue;
        }
        let fired = frame.condition(policy, &k.id, &k.when)?;
        if options.trace {
            trace.push(TraceEntry {
                kind: TraceKind::Knockout,
                id: k.id.clone(),
                result: FeatureValue::Bool(fired),
                read: frame.reads(policy, &k.when),
            });
        }
        if fired {
            knockouts_fired.push(index);
            outcome = outcome.max(k.outcome);
            reasons.push(k.reason.clone());
        }
    }

    if let Some(f) = fallback {
        outcome = outcome.max(f.outcome);
        reasons.push(f.reason.clone());
        if options.trace {
            trace.push(TraceEntry {
                kind: TraceKind::Fallback,
                id: signals.status.as_str().to_string(),
                result: FeatureValue::Text(f.outcome.as_str().into()),
                read: Vec::new(),
            });
        }
    }

    let mut score = None;
    if let (true, Some(sc)) = (signals_present, &policy.scorecard) {
        let mut total = sc.base;
        // (points lost, characteristic order, reason)
        let mut losses: Vec<(i64, usize, &Reason)> = Vec::new();
        for (ci, c) in sc.characteristics.iter().enumerate() {
            let mut matched = None;
            for bin in &c.bins {
                let hit = match &bin.when {
                    None => true,
                    Some(when) => {
                        let hit = frame.condition(policy, &bin.id, when)?;
                        if options.trace {
                            trace.push(TraceEntry {
                                kind: TraceKind::Bin,
                                id: bin.id.clone(),
                                result: FeatureValue::Bool(hit),
                                read: frame.reads(policy, when),
                            });
                        }
                        hit
                    }
                };
                if hit {
                    matched = Some(bin);
                    break;
                }
            }
            // Loading makes the last bin of every characteristic match everything.
            let bin = matched.ok_or_else(|| DecideError::Internal { rule: c.id.clone() })?;
            if bin.when.is_none() && options.trace {
                trace.push(TraceEntry {
                    kind: TraceKind::Bin,
                    id: bin.id.clone(),
                    result: FeatureValue::Bool(true),
                    read: Vec::new(),
                });
            }
            total = total.saturating_add(bin.points);
            let lost = c.best.saturating_sub(bin.points);
            if let (true, Some(r)) = (lost > 0, &bin.reason) {
                losses.push((lost, ci, r));
            }
        }
        let cut = if total >= sc.approve_at {
            Outcome::Approve
        } else if total >= sc.review_at {
            Outcome::Review
        } else {
            Outcome::Reject
        };
        outcome = outcome.max(cut);
        score = Some(total);
        // Adverse-action reasons explain a score that fell short, so they are given only when
        // the score itself is below the approve cut-off.
        if cut != Outcome::Approve {
            // Most points lost first; ties keep policy order.
            losses.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for (_, _, r) in losses.into_iter().take(sc.max_reasons) {
                if !reasons.contains(r) {
                    reasons.push(r.clone());
                }
            }
        }
    }

    Ok(Decision {
        decision: outcome,
        score,
        reasons,
        policy: Arc::clone(id),
        signals_status: signals.status,
        trace: options.trace.then_some(trace),
        knockouts_fired,
    })
}
