//! Pass 5, types: what can be known about an expression's values before any decision.
//!
//! * **Static check** over each lowered tree: every variable's possible values come from its
//!   signal kind (an amount can be missing or a band, overdue days missing, days-since-last
//!   *never*) less what the policy's overrides settle; `??`, `never_as`, `is_missing`,
//!   `is_never`, `is_band` and `kyc.provided` narrow them along `&&`, `||`, `!` and `if`. A
//!   comparison or arithmetic that can meet an unhandled missing, never or band value is a load
//!   error at the operator, whichever branch the made-up probe below would take. So is a
//!   division of two whole-number literals (`7 / 2` is 3 in Rhai's integer arithmetic).
//! * **Probe**: every expression runs once on made-up values (every feature 1, every KYC field
//!   "Exact Match"), catching what only running shows: a condition that gives a number, a
//!   derived feature that gives text. Expressions that do not lower (function calls such as
//!   `max`) get only the probe.

use std::collections::HashMap;

use rhai::{Dynamic, Engine, Map, Scope};
use rust_decimal::Decimal;

use super::diagnostics::{At, Diagnostics};
use super::error::DiagnosticKind;
use super::expr::native::{Const, Expr};
use super::expr::ops::Op;
use super::kyc::{KYC_FIELDS, PROVIDED};
use super::positions::Path;
use super::program::{CompiledExpr, Derived, Knockout, Scorecard, Source};
use super::resolve::Names;
use super::spec::PolicySpec;
use crate::catalog::SignalKind;

/// The values an expression may have, as a set of kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Types(u8);

impl Types {
    const MISSING: Types = Types(1);
    const NEVER: Types = Types(2);
    const BAND: Types = Types(4);
    const NUMBER: Types = Types(8);
    const INT: Types = Types(16);
    const BOOL: Types = Types(32);
    const TEXT: Types = Types(64);
    /// Not known (an expression Rhai runs alone): never reported.
    const UNKNOWN: Types = Types(128);

    fn has(self, t: Types) -> bool {
        self.0 & t.0 != 0
    }
    fn with(self, t: Types) -> Types {
        Types(self.0 | t.0)
    }
    fn without(self, t: Types) -> Types {
        Types(self.0 & !t.0)
    }
    fn only_int(self) -> bool {
        self == Types::INT
    }
}

/// What a condition tells about variables where it holds (or fails).
#[derive(Debug, Clone, Default)]
struct Facts {
    vars: HashMap<usize, Types>,
    kyc_provided: bool,
}

/// Why a value may be unusable, for the message.
struct Hazard {
    what: &'static str,
    kind: Types,
}

const HAZARDS: [Hazard; 3] = [
    Hazard {
        what: "be missing",
        kind: Types::MISSING,
    },
    Hazard {
        what: "be *never* (the event never happened)",
        kind: Types::NEVER,
    },
    Hazard {
        what: "be an amount band (like \"A3\")",
        kind: Types::BAND,
    },
];

/// The static check and the probe, for every expression of the policy.
pub(crate) fn check(
    spec: &PolicySpec,
    engine: &Engine,
    names: &Names,
    derived: &[Derived],
    knockouts: &[Knockout],
    scorecard: Option<&Scorecard>,
    diags: &mut Diagnostics<'_>,
) {
    let mut checker = Checker {
        names,
        var_types: names.vars.iter().map(|_| Types::UNKNOWN).collect(),
        problems: Vec::new(),
    };
    for (i, v) in names.vars.iter().enumerate() {
        if let (Source::Feature(slot), Some(t)) = (v.source, checker.var_types.get_mut(i)) {
            *t = feature_types(names.kind(slot), v.missing.is_some(), v.never.is_some());
        }
    }
    let mut probe = Probe::new(engine, names);
    let derived_path = |d: &Derived| {
        Path::root()
            .key("features")
            .key("derived")
            .index(d.index)
            .key("expr")
    };
    for d in derived {
        let t = checker.expression(&d.expr);
        if let Some(slot) = checker.var_types.get_mut(d.var) {
            *slot = t;
        }
        let text = spec.features.derived.get(d.index).map_or("", |s| &s.expr);
        checker.flush(&derived_path(d), text, &d.name, diags);
        probe.run(&d.name, &derived_path(d), &d.expr, Expect::Value, diags);
    }
    let mut conditions: Vec<(Path, &str, &str, &CompiledExpr)> = Vec::new();
    for k in knockouts {
        let path = Path::root().key("knockouts").index(k.index).key("when");
        let text = spec.knockouts.get(k.index).map_or("", |s| &s.when);
        conditions.push((path, text, &k.id, &k.when));
    }
    let bin_specs = |ci: usize, bi: usize| {
        spec.scorecard
            .as_ref()
            .and_then(|s| s.characteristics.get(ci))
            .and_then(|c| c.bins.get(bi))
            .and_then(|b| b.when.as_deref())
            .unwrap_or("")
    };
    for (ci, c) in scorecard
        .map_or(&[][..], |s| &s.characteristics)
        .iter()
        .enumerate()
    {
        for (bi, b) in c.bins.iter().enumerate() {
            if let Some(when) = &b.when {
                let path = Path::root()
                    .key("scorecard")
                    .key("characteristics")
                    .index(ci)
                    .key("bins")
                    .index(bi)
                    .key("when");
                conditions.push((path, bin_specs(ci, bi), &b.id, when));
            }
        }
    }
    for (path, text, rule, expr) in conditions {
        checker.expression(expr);
        checker.flush(&path, text, rule, diags);
        probe.run(rule, &path, expr, Expect::Condition, diags);
    }
}

/// The values a signal of `kind` can take, after the policy's overrides.
fn feature_types(kind: Option<SignalKind>, missing_set: bool, never_set: bool) -> Types {
    let t = match kind {
        Some(SignalKind::Count | SignalKind::InstitutionCount) => Types::NUMBER,
        Some(SignalKind::Amount) => Types::NUMBER.with(Types::MISSING).with(Types::BAND),
        Some(SignalKind::Days) | None => Types::NUMBER.with(Types::MISSING),
        Some(SignalKind::DaysSinceLast) => Types::NUMBER.with(Types::NEVER),
    };
    let t = if missing_set {
        t.without(Types::MISSING)
    } else {
        t
    };
    if never_set {
        t.without(Types::NEVER)
    } else {
        t
    }
}

struct Checker<'n> {
    names: &'n Names,
    var_types: Vec<Types>,
    /// (position, message) found in the current expression.
    problems: Vec<(rhai::Position, String)>,
}

impl Checker<'_> {
    /// The type of a whole expression (unknown when it did not lower).
    fn expression(&mut self, expr: &CompiledExpr) -> Types {
        match &expr.native {
            Some(tree) => self.ty(tree, &Facts::default()),
            None => Types::UNKNOWN,
        }
    }

    /// Report the problems found in the expression `text` at `path`.
    fn flush(&mut self, path: &Path, text: &str, rule: &str, diags: &mut Diagnostics<'_>) {
        for (position, message) in self.problems.drain(..) {
            diags.report(
                DiagnosticKind::Type,
                At::Expression {
                    path,
                    text,
                    position,
                },
                Some(rule),
                message,
            );
        }
    }

    fn var(&self, i: usize, facts: &Facts) -> Types {
        facts
            .vars
            .get(&i)
            .copied()
            .unwrap_or_else(|| self.var_types.get(i).copied().unwrap_or(Types::UNKNOWN))
    }

    fn ty(&mut self, e: &Expr, facts: &Facts) -> Types {
        match e {
            Expr::Const(Const::Unit) => Types::MISSING,
            Expr::Const(Const::Int(_)) => Types::INT,
            Expr::Const(Const::Dec(_)) => Types::NUMBER,
            Expr::Const(Const::Bool(_)) => Types::BOOL,
            Expr::Const(Const::Str(_)) => Types::TEXT,
            Expr::Var(i) => self.var(*i, facts),
            Expr::Kyc(i) if *i == PROVIDED => Types::BOOL,
            Expr::Kyc(_) if facts.kyc_provided => Types::TEXT,
            Expr::Kyc(_) => Types::TEXT.with(Types::MISSING),
            Expr::Not(inner) => {
                self.ty(inner, facts);
                Types::BOOL
            }
            Expr::Neg(inner) => {
                let t = self.ty(inner, facts);
                if t.only_int() {
                    Types::INT
                } else {
                    Types::NUMBER
                }
            }
            Expr::And(items) | Expr::Or(items) => {
                let is_and = matches!(e, Expr::And(_));
                let mut facts = facts.clone();
                for item in items {
                    self.ty(item, &facts);
                    let (when_true, when_false) = self.narrow(item, &facts);
                    facts = if is_and { when_true } else { when_false };
                }
                Types::BOOL
            }
            Expr::Coalesce(items) => {
                let mut out = Types(0);
                let last = items.len().saturating_sub(1);
                for (i, item) in items.iter().enumerate() {
                    let t = self.ty(item, facts);
                    out = out.with(if i == last {
                        t
                    } else {
                        t.without(Types::MISSING)
                    });
                }
                out
            }
            Expr::IsMissing(inner) | Expr::IsNever(inner) | Expr::IsBand(inner) => {
                self.ty(inner, facts);
                Types::BOOL
            }
            Expr::NeverAs(x, d) => {
                let t = self.ty(x, facts).without(Types::NEVER);
                t.with(self.ty(d, facts))
            }
            Expr::If(c, a, b) => {
                self.ty(c, facts);
                let (when_true, when_false) = self.narrow(c, facts);
                let ta = self.ty(a, &when_true);
                ta.with(self.ty(b, &when_false))
            }
            Expr::Binary(op, a, b, position) => {
                let (ta, tb) = (self.ty(a, facts), self.ty(b, facts));
                self.check_binary(*op, (a, ta), (b, tb), *position);
                if op.is_comparison() {
                    Types::BOOL
                } else if ta.only_int() && tb.only_int() {
                    Types::INT
                } else {
                    Types::NUMBER
                }
            }
        }
    }

    fn check_binary(
        &mut self,
        op: Op,
        (a, ta): (&Expr, Types),
        (b, tb): (&Expr, Types),
        position: rhai::Position,
    ) {
        let is_unit = |e: &Expr| matches!(e, Expr::Const(Const::Unit));
        if matches!(op, Op::Eq | Op::Ne) && (is_unit(a) || is_unit(b)) {
            return; // `x == ()` tests for missing
        }
        if op == Op::Div && ta.only_int() && tb.only_int() {
            self.problems.push((
                position,
                "both sides of `/` are whole numbers, so Rhai divides them as integers (`7 / 2` \
                 is 3); write one as a decimal (`7.0 / 2`)"
                    .into(),
            ));
        }
        for (operand, t, other) in [(a, ta, tb), (b, tb, ta)] {
            if t.has(Types::UNKNOWN) {
                continue;
            }
            for hazard in &HAZARDS {
                if !t.has(hazard.kind) {
                    continue;
                }
                // A band compares with band text.
                if hazard.kind == Types::BAND && op.is_comparison() && other == Types::TEXT {
                    continue;
                }
                // `nv == nv`, `() == ()`: like with like.
                if matches!(op, Op::Eq | Op::Ne) && other == hazard.kind {
                    continue;
                }
                let (name, advice) = self.describe(operand, hazard.kind);
                let message = format!("{name} may {} here; {advice}", hazard.what);
                if !self.problems.iter().any(|(_, m)| *m == message) {
                    self.problems.push((position, message));
                }
            }
        }
    }

    /// Who may be unusable and what to do about it.
    fn describe(&self, operand: &Expr, hazard: Types) -> (String, &'static str) {
        let name = match operand {
            Expr::Var(i) => self
                .names
                .vars
                .get(*i)
                .map_or_else(|| "a value".into(), |v| format!("`{}`", v.name)),
            Expr::Kyc(i) => format!("`kyc.{}`", KYC_FIELDS.get(*i).copied().unwrap_or("?")),
            _ => "this value".into(),
        };
        let advice = match (operand, hazard) {
            (Expr::Kyc(_), _) => "test `kyc.provided` first (the facts are missing without KYC)",
            (_, Types::MISSING) => {
                "say what missing means (`x ?? 0`, or `missing:` in `features.overrides`) or \
                 test it (`is_missing(x)`)"
            }
            (_, Types::NEVER) => {
                "say what never means (`never_as(x, 9999)`, or `never:` in `features.overrides`) \
                 or test it (`is_never(x)`)"
            }
            _ => "test it with `is_band(x)` and compare bands with band text (`x >= \"A3\"`)",
        };
        (name, advice)
    }

    /// What holds where `c` is true, and where it is false.
    fn narrow(&self, c: &Expr, facts: &Facts) -> (Facts, Facts) {
        if let Some((var, kind, holds_when_kind)) = kind_test(c) {
            let mut is = facts.clone();
            let mut is_not = facts.clone();
            is.vars.insert(var, kind);
            is_not.vars.insert(var, self.var(var, facts).without(kind));
            return if holds_when_kind {
                (is, is_not)
            } else {
                (is_not, is)
            };
        }
        match c {
            Expr::Kyc(i) if *i == PROVIDED => {
                let mut yes = facts.clone();
                yes.kyc_provided = true;
                (yes, facts.clone())
            }
            Expr::Not(inner) => {
                let (yes, no) = self.narrow(inner, facts);
                (no, yes)
            }
            Expr::And(items) => {
                let mut yes = facts.clone();
                for item in items {
                    yes = self.narrow(item, &yes).0;
                }
                (yes, facts.clone())
            }
            Expr::Or(items) => {
                let mut no = facts.clone();
                for item in items {
                    no = self.narrow(item, &no).1;
                }
                (facts.clone(), no)
            }
            _ => (facts.clone(), facts.clone()),
        }
    }
}

/// The variable a condition tests for one kind of value (`is_missing(x)`, `is_never(x)`,
/// `is_band(x)`, `x == ()`, `x != ()`), that kind, and whether the condition holds when the
/// value is of that kind.
fn kind_test(c: &Expr) -> Option<(usize, Types, bool)> {
    let var = |e: &Expr| match e {
        Expr::Var(v) => Some(*v),
        _ => None,
    };
    match c {
        Expr::IsMissing(x) => Some((var(x)?, Types::MISSING, true)),
        Expr::IsNever(x) => Some((var(x)?, Types::NEVER, true)),
        Expr::IsBand(x) => Some((var(x)?, Types::BAND, true)),
        Expr::Binary(op @ (Op::Eq | Op::Ne), a, b, _) => {
            let v = match (&**a, &**b) {
                (x, Expr::Const(Const::Unit)) | (Expr::Const(Const::Unit), x) => var(x)?,
                _ => return None,
            };
            Some((v, Types::MISSING, *op == Op::Eq))
        }
        _ => None,
    }
}

/// What an expression must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A derived feature: a number, true/false, `()`, never or a band.
    Value,
    /// A condition: true or false.
    Condition,
}

/// Runs expressions on made-up values.
struct Probe<'e> {
    engine: &'e Engine,
    scope: Scope<'static>,
}

impl<'e> Probe<'e> {
    fn new(engine: &'e Engine, names: &Names) -> Self {
        let mut scope = Scope::new();
        for v in &names.vars {
            scope.push(v.name.clone(), Decimal::ONE);
        }
        let mut kyc = Map::new();
        for f in KYC_FIELDS {
            kyc.insert(f.into(), Dynamic::from("Exact Match".to_string()));
        }
        kyc.insert("provided".into(), Dynamic::from(true));
        scope.push("kyc", kyc);
        Probe { engine, scope }
    }

    fn run(
        &mut self,
        rule: &str,
        path: &Path,
        expr: &CompiledExpr,
        expect: Expect,
        diags: &mut Diagnostics<'_>,
    ) {
        let engine = self.engine;
        let scope = &mut self.scope;
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            engine.eval_ast_with_scope::<Dynamic>(scope, &expr.ast)
        }));
        let value = match run {
            // A run-time failure on made-up values proves nothing.
            Ok(Err(_)) => return,
            Ok(Ok(value)) => value,
            Err(_) => {
                diags.report(
                    DiagnosticKind::Internal,
                    At::Node(path),
                    Some(rule),
                    "internal error while checking this expression (a bug; please report it \
                     with the policy)",
                );
                return;
            }
        };
        match expect {
            Expect::Condition if !(value.is_bool() || value.is_unit()) => diags.report(
                DiagnosticKind::Type,
                At::Node(path),
                Some(rule),
                format!(
                    "`when` must be true or false, but it gives {}",
                    super::expr::ops::noun_of(&value)
                ),
            ),
            Expect::Value => {
                if !(value.is_bool() || value.is_decimal() || value.is_int() || value.is_unit()) {
                    diags.report(
                        DiagnosticKind::Type,
                        At::Node(path),
                        Some(rule),
                        format!(
                            "a derived feature must be a number or true/false, not {}",
                            super::expr::ops::noun_of(&value)
                        ),
                    );
                }
                self.scope.set_value(rule.to_string(), value);
            }
            Expect::Condition => {}
        }
    }
}
