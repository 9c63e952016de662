//! The native evaluator: a small tree lowered from Rhai's own AST ([`super::lower`]), whose
//! variables are already resolved to slots, evaluated directly on a decision's values.
//!
//! Rhai is a tree-walking interpreter that resolves variables by name and dispatches every
//! operator dynamically; most credit rules are comparisons joined by `&&` / `||`, and running
//! them here costs a fraction of that. The tree obeys the same type rules ([`super::ops`]) as the
//! sandbox, so it gives the same value or the same [`RuleFault`]. Where Rhai itself produces the
//! answer (a non-boolean in `&&`, a type the tree does not model) it answers [`Eval::Defer`]
//! and the caller runs Rhai on the same AST. A differential test holds the two to each other.

use rust_decimal::Decimal;

use super::ops::{self, Num, Op, Ty};
use crate::features::Band;
use crate::policy::error::RuleFault;

/// A value during native evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<'a> {
    /// Rhai `()`: a missing value.
    Unit,
    /// An event that never happened.
    Never,
    /// A Rhai `INT` (from an integer literal).
    Int(i64),
    /// A Rhai `Decimal` (features, decimal literals).
    Dec(Decimal),
    /// An amount band.
    Band(Band),
    /// A boolean.
    Bool(bool),
    /// A string (literals and KYC outcomes).
    Str(&'a str),
}

impl Val<'_> {
    fn ty(&self) -> Ty {
        match self {
            Val::Unit => Ty::Missing,
            Val::Never => Ty::Never,
            Val::Int(_) => Ty::Int,
            Val::Dec(_) => Ty::Dec,
            Val::Band(_) => Ty::Band,
            Val::Bool(_) => Ty::Bool,
            Val::Str(_) => Ty::Text,
        }
    }

    fn number(&self) -> Option<Num> {
        match *self {
            Val::Int(i) => Some(Num::Int(i)),
            Val::Dec(d) => Some(Num::Dec(d)),
            _ => None,
        }
    }
}

impl From<Num> for Val<'_> {
    fn from(n: Num) -> Self {
        match n {
            Num::Int(i) => Val::Int(i),
            Num::Dec(d) => Val::Dec(d),
        }
    }
}

/// The result of a native evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Eval<'a> {
    /// The value, identical to what Rhai would return.
    Value(Val<'a>),
    /// The expression fails, with the kind and message Rhai would give.
    Error(RuleFault),
    /// Rhai produces this answer: evaluate the same AST with Rhai.
    Defer,
}

/// A native expression tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A constant.
    Const(Const),
    /// A policy variable, by index.
    Var(usize),
    /// `kyc.<field>`, by field index.
    Kyc(usize),
    /// `!e`
    Not(Box<Expr>),
    /// `-e`
    Neg(Box<Expr>),
    /// `a && b && ...`
    And(Vec<Expr>),
    /// `a || b || ...`
    Or(Vec<Expr>),
    /// `a ?? b ?? ...`
    Coalesce(Vec<Expr>),
    /// `a op b`, and where the operator is (for load-time type errors).
    Binary(Op, Box<Expr>, Box<Expr>, rhai::Position),
    /// `is_missing(e)`
    IsMissing(Box<Expr>),
    /// `is_never(e)`
    IsNever(Box<Expr>),
    /// `never_as(e, d)`
    NeverAs(Box<Expr>, Box<Expr>),
    /// `is_band(e)`
    IsBand(Box<Expr>),
    /// `if c { a } else { b }` (an `else if` nests in `b`).
    If(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Const {
    /// `()`
    Unit,
    /// Integer literal.
    Int(i64),
    /// Decimal literal.
    Dec(Decimal),
    /// `true` / `false`.
    Bool(bool),
    /// String literal.
    Str(Box<str>),
}

/// Where the evaluator reads values from.
pub(crate) trait Env {
    /// The value of variable `index`.
    fn var(&self, index: usize) -> Val<'_>;
    /// The value of KYC field `index`.
    fn kyc(&self, index: usize) -> Val<'_>;
}

/// Evaluate `e`, or return early with its error or deferral.
macro_rules! value {
    ($e:expr) => {
        match $e {
            Eval::Value(v) => v,
            other => return other,
        }
    };
}

impl Expr {
    /// Evaluate on `env`.
    pub(crate) fn eval<'a, E: Env>(&'a self, env: &'a E) -> Eval<'a> {
        match self {
            Expr::Const(c) => Eval::Value(match c {
                Const::Unit => Val::Unit,
                Const::Int(i) => Val::Int(*i),
                Const::Dec(d) => Val::Dec(*d),
                Const::Bool(b) => Val::Bool(*b),
                Const::Str(s) => Val::Str(s),
            }),
            Expr::Var(i) => Eval::Value(env.var(*i)),
            Expr::Kyc(i) => Eval::Value(env.kyc(*i)),
            Expr::Not(e) => match value!(e.eval(env)) {
                Val::Bool(b) => Eval::Value(Val::Bool(!b)),
                other => Eval::Error(ops::not_a_boolean("`!`", other.ty())),
            },
            Expr::Neg(e) => {
                let v = value!(e.eval(env));
                match v.number() {
                    Some(n) => ops::negate(n).map_or_else(Eval::Error, |n| Eval::Value(n.into())),
                    None => Eval::Error(ops::not_a_number("-", v.ty())),
                }
            }
            Expr::And(items) => short_circuit(items, env, false),
            Expr::Or(items) => short_circuit(items, env, true),
            Expr::Coalesce(items) => {
                let mut last = Eval::Value(Val::Unit);
                for item in items {
                    last = item.eval(env);
                    if !matches!(last, Eval::Value(Val::Unit)) {
                        return last;
                    }
                }
                last
            }
            Expr::IsMissing(e) => Eval::Value(Val::Bool(value!(e.eval(env)) == Val::Unit)),
            Expr::IsNever(e) => Eval::Value(Val::Bool(value!(e.eval(env)) == Val::Never)),
            Expr::IsBand(e) => Eval::Value(Val::Bool(matches!(value!(e.eval(env)), Val::Band(_)))),
            Expr::If(c, a, b) => match value!(c.eval(env)) {
                Val::Bool(true) => a.eval(env),
                Val::Bool(false) => b.eval(env),
                _ => Eval::Defer,
            },
            // A function call: Rhai evaluates every argument first.
            Expr::NeverAs(e, d) => {
                let v = value!(e.eval(env));
                let d = value!(d.eval(env));
                Eval::Value(if v == Val::Never { d } else { v })
            }
            Expr::Binary(op, a, b, _) => {
                let a = value!(a.eval(env));
                let b = value!(b.eval(env));
                binary(*op, a, b)
            }
        }
    }
}

/// `a && b && ...` (`decisive` = false) or `a || b || ...` (`decisive` = true): each operand
/// must be a boolean, and the first that equals `decisive` ends the evaluation. A non-boolean is
/// Rhai's error to give.
fn short_circuit<'a, E: Env>(items: &'a [Expr], env: &'a E, decisive: bool) -> Eval<'a> {
    for item in items {
        match value!(item.eval(env)) {
            Val::Bool(x) if x == decisive => return Eval::Value(Val::Bool(x)),
            Val::Bool(_) => {}
            _ => return Eval::Defer,
        }
    }
    Eval::Value(Val::Bool(!decisive))
}

/// `a op b` under the shared type rules.
fn binary<'a>(op: Op, a: Val<'a>, b: Val<'a>) -> Eval<'a> {
    if let Err(fault) = ops::type_rule(op, a.ty(), b.ty()) {
        return Eval::Error(fault);
    }
    if let (Some(x), Some(y)) = (a.number(), b.number()) {
        return if op.is_comparison() {
            Eval::Value(Val::Bool(op.holds(ops::compare_numbers(x, y))))
        } else {
            ops::arithmetic(op, x, y).map_or_else(Eval::Error, |n| Eval::Value(n.into()))
        };
    }
    let ordering = match (&a, &b) {
        (Val::Band(x), Val::Band(y)) => Ok(x.cmp(y)),
        (Val::Band(x), Val::Str(s)) => ops::band_against_text(*x, s),
        (Val::Str(s), Val::Band(y)) => ops::band_against_text(*y, s).map(|o| o.reverse()),
        (Val::Str(x), Val::Str(y)) => Ok(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Ok(x.cmp(y)),
        (Val::Unit, Val::Unit) | (Val::Never, Val::Never) => Ok(std::cmp::Ordering::Equal),
        _ => return Eval::Defer,
    };
    match ordering {
        Ok(ord) => Eval::Value(Val::Bool(op.holds(ord))),
        Err(fault) => Eval::Error(fault),
    }
}
