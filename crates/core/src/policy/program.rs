//! The compiled program: what [`super::compile`] produces and [`super::eval`] only reads.
//!
//! Every name is a slot, every expression is a Rhai AST plus (where it lowers) a native tree,
//! derived features are in dependency order and every characteristic ends in a bin that always
//! matches. Nothing here refers back to the YAML.

use rhai::{Engine, AST};
use rust_decimal::Decimal;

use super::decision::{Outcome, Reason};
use super::expr::native;
use crate::features::Slot;

/// Where a variable's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A feature vector slot.
    Feature(Slot),
    /// A derived feature (by its index in the policy's list).
    Derived(usize),
}

/// A name expressions use, resolved once at load.
#[derive(Debug, Clone)]
pub(crate) struct Variable {
    pub name: String,
    pub source: Source,
    /// The number a missing value stands for (the policy's override).
    pub missing: Option<Decimal>,
    /// The number "never happened" stands for (the policy's override).
    pub never: Option<Decimal>,
}

/// What an expression reads, for its trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    Var(usize),
    Kyc(usize),
}

/// One compiled expression: the Rhai AST always, and the native tree when it lowers.
#[derive(Debug, Clone)]
pub(crate) struct CompiledExpr {
    pub ast: AST,
    pub native: Option<native::Expr>,
    pub reads: Vec<Read>,
}

impl CompiledExpr {
    /// Whether the expression reads any signal feature (as opposed to only `kyc.*`).
    pub fn reads_features(&self) -> bool {
        self.reads.iter().any(|r| matches!(r, Read::Var(_)))
    }
}

/// A derived feature.
#[derive(Debug, Clone)]
pub(crate) struct Derived {
    pub name: String,
    /// Its place in the policy file's list.
    pub index: usize,
    /// Its variable.
    pub var: usize,
    pub expr: CompiledExpr,
}

/// A knock-out rule.
#[derive(Debug, Clone)]
pub(crate) struct Knockout {
    pub id: String,
    /// Its place in the policy file's list.
    pub index: usize,
    pub when: CompiledExpr,
    pub outcome: Outcome,
    pub reason: Reason,
}

/// A scorecard bin (`when` is `None` on the final catch-all).
#[derive(Debug, Clone)]
pub(crate) struct Bin {
    pub id: String,
    pub when: Option<CompiledExpr>,
    pub points: i64,
    pub reason: Option<Reason>,
}

/// A scorecard characteristic.
#[derive(Debug, Clone)]
pub(crate) struct Characteristic {
    pub id: String,
    pub bins: Vec<Bin>,
    /// The most points any bin gives.
    pub best: i64,
}

/// The scorecard.
#[derive(Debug, Clone)]
pub(crate) struct Scorecard {
    pub base: i64,
    pub characteristics: Vec<Characteristic>,
    pub approve_at: i64,
    pub review_at: i64,
    pub max_reasons: usize,
}

/// The decision when signals are unavailable or empty.
#[derive(Debug, Clone)]
pub(crate) struct Fallback {
    pub outcome: Outcome,
    pub reason: Reason,
}

/// A whole compiled policy.
#[derive(Debug)]
pub(crate) struct Program {
    /// The sandboxed engine the ASTs run on.
    pub engine: Engine,
    pub vars: Vec<Variable>,
    /// In dependency order.
    pub derived: Vec<Derived>,
    pub knockouts: Vec<Knockout>,
    pub scorecard: Option<Scorecard>,
    pub unavailable: Fallback,
    pub no_data: Fallback,
}
