//! The differential between the two evaluators, for the property test and the fuzz target.
//!
//! [`run`] parses one expression once with the policy parser, lowers it, and evaluates it both
//! natively and with Rhai on the same variable values. Wherever the native tree answers (a
//! value or a failure), it must be exactly Rhai's answer: the same value (the same decimal,
//! scale and sign included) or the same [`RuleErrorKind`] and message.
//!
//! Hidden from the documentation: it is a test surface (enabled by the `differential` feature
//! for the fuzz crate), not part of the API.

use std::sync::OnceLock;

use rhai::{Dynamic, Engine, Scope};
use rust_decimal::Decimal;

use super::native::{Env, Eval, Val};
use super::ops::Never;
use super::{lower, parse};
use crate::features::{Band, FeatureValue};
use crate::policy::error::RuleErrorKind;
use crate::policy::sandbox;

/// A value an expression produced, comparable across evaluators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `()`.
    Missing,
    /// Never happened.
    Never,
    /// A whole number.
    Int(i64),
    /// A decimal, as text (so scale and sign are compared too).
    Dec(String),
    /// A band.
    Band(Band),
    /// True or false.
    Bool(bool),
    /// Text.
    Text(String),
    /// Anything else Rhai can produce, by type name.
    Other(String),
}

/// One evaluator's answer.
pub type Answer = Result<Value, (RuleErrorKind, String)>;

/// Both evaluators' answers on one expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Both {
    /// The native evaluator's answer; `None` when the expression does not lower or the tree
    /// leaves this input to Rhai.
    pub native: Option<Answer>,
    /// Rhai's answer.
    pub rhai: Answer,
}

/// The variables the expression may read: `v0`, `v1`, ... bound to `values`.
pub fn var_name(index: usize) -> String {
    format!("v{index}")
}

struct Values<'a>(&'a [FeatureValue]);

impl Env for Values<'_> {
    fn var(&self, index: usize) -> Val<'_> {
        match self.0.get(index) {
            None | Some(FeatureValue::Missing) => Val::Unit,
            Some(FeatureValue::Never) => Val::Never,
            Some(FeatureValue::Number(n)) => Val::Dec(*n),
            Some(FeatureValue::Band(b)) => Val::Band(*b),
            Some(FeatureValue::Text(t)) => Val::Str(t),
            Some(FeatureValue::Bool(b)) => Val::Bool(*b),
        }
    }
    fn kyc(&self, _: usize) -> Val<'_> {
        Val::Unit
    }
}

struct Vars(usize);

impl lower::Resolve for Vars {
    fn var(&self, name: &str) -> Option<usize> {
        name.strip_prefix('v')?.parse().ok().filter(|i| *i < self.0)
    }
    fn kyc_field(&self, _: &str) -> Option<usize> {
        None
    }
}

fn from_val(v: Val<'_>) -> Value {
    match v {
        Val::Unit => Value::Missing,
        Val::Never => Value::Never,
        Val::Int(i) => Value::Int(i),
        Val::Dec(d) => Value::Dec(d.to_string()),
        Val::Band(b) => Value::Band(b),
        Val::Bool(b) => Value::Bool(b),
        Val::Str(s) => Value::Text(s.to_string()),
    }
}

fn from_dynamic(d: Dynamic) -> Value {
    if d.is_unit() {
        Value::Missing
    } else if d.is::<Never>() {
        Value::Never
    } else if let Ok(i) = d.as_int() {
        Value::Int(i)
    } else if let Ok(x) = d.as_decimal() {
        Value::Dec(x.to_string())
    } else if let Ok(b) = d.as_bool() {
        Value::Bool(b)
    } else if let Some(b) = d.clone().try_cast::<Band>() {
        Value::Band(b)
    } else if d.is_string() {
        Value::Text(d.to_string())
    } else {
        Value::Other(d.type_name().to_string())
    }
}

/// Evaluate `src` both ways with `v0..` bound to `values`; `None` when it does not parse or is
/// refused at load (an unknown name, a function off the allow-list).
pub fn run(src: &str, values: &[FeatureValue]) -> Option<Both> {
    // Built once: building the sandbox registers about a thousand overloads, which would
    // otherwise dominate every call.
    static ENGINES: OnceLock<(Engine, Engine)> = OnceLock::new();
    let (parser, engine) = ENGINES.get_or_init(|| (sandbox::parser(), sandbox::engine()));
    let parsed = parse(parser, src).ok()?;
    let resolve = Vars(values.len());
    for used in &parsed.names {
        match &used.name {
            super::Name::Feature(n) if lower::Resolve::var(&resolve, n).is_some() => {}
            _ => return None,
        }
    }
    let native =
        lower::lower(&parsed.ast, &resolve).and_then(|tree| match tree.eval(&Values(values)) {
            Eval::Value(v) => Some(Ok(from_val(v))),
            Eval::Error(f) => Some(Err((f.kind, f.message))),
            Eval::Defer => None,
        });
    let mut scope = Scope::new();
    for (i, v) in values.iter().enumerate() {
        scope.push_dynamic(var_name(i), crate::policy::eval::to_dynamic(v));
    }
    let rhai = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        engine.eval_ast_with_scope::<Dynamic>(&mut scope, &parsed.ast)
    }))
    .ok()?
    .map(from_dynamic)
    .map_err(|e| {
        let f = sandbox::fault_of(&e);
        (f.kind, f.message)
    });
    Some(Both { native, rhai })
}

/// Literals at the edges of the number types, for generators.
pub const EXTREME_LITERALS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "7",
    "9223372036854775807",
    "-9223372036854775807",
    "0.0",
    "-0.0",
    "0.5",
    "1.25",
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "0.0000000000000000000000000001",
];

/// Feature values at the edges, for generators.
pub fn extreme_values() -> Vec<FeatureValue> {
    let mut values = vec![
        FeatureValue::Number(Decimal::ZERO),
        FeatureValue::Number(Decimal::ONE),
        FeatureValue::Number(Decimal::NEGATIVE_ONE),
        FeatureValue::Number(Decimal::MAX),
        FeatureValue::Number(Decimal::MIN),
        FeatureValue::Number(Decimal::new(1, 28)),
        FeatureValue::Number(Decimal::new(-5, 1)),
        FeatureValue::Missing,
        FeatureValue::Never,
        FeatureValue::Text("No Match".into()),
        FeatureValue::Text("A3".into()),
        FeatureValue::Bool(true),
        FeatureValue::Bool(false),
    ];
    values.extend(
        ["A3", "A10"]
            .into_iter()
            .filter_map(Band::parse)
            .map(FeatureValue::Band),
    );
    values
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VARS: usize = 4;

    fn value() -> impl Strategy<Value = FeatureValue> {
        let extremes = extreme_values();
        prop_oneof![
            3 => (any::<i64>(), 0u32..29).prop_map(|(n, s)| FeatureValue::Number(Decimal::new(n, s))),
            2 => (-1000i64..1000, 0u32..3).prop_map(|(n, s)| FeatureValue::Number(Decimal::new(n, s))),
            3 => (0..extremes.len()).prop_map(move |i| extremes[i].clone()),
            1 => (0u16..100).prop_map(|l| FeatureValue::Band(Band::parse(&format!("A{l}")).unwrap())),
        ]
    }

    fn atom() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (0..VARS).prop_map(var_name),
            2 => (0..EXTREME_LITERALS.len()).prop_map(|i| EXTREME_LITERALS[i].to_string()),
            1 => (-50i64..50).prop_map(|n| n.to_string()),
            1 => (0u16..12).prop_map(|l| format!("\"A{l}\"")),
            1 => Just("\"No Match\"".to_string()),
            1 => Just("()".to_string()),
            1 => Just("true".to_string()),
            1 => Just("false".to_string()),
        ]
    }

    /// Every binary operator, every precedence level.
    const OPS: &[&str] = &[
        "||", "&&", "==", "!=", "<", "<=", ">", ">=", "??", "+", "-", "*", "/", "%",
    ];

    /// Expressions written without forced parentheses: operands joined by operators of mixed
    /// precedence (so chained comparisons and precedence come out as Rhai parses them), with
    /// unary operators, calls, `if` and occasional parentheses inside.
    fn expr() -> impl Strategy<Value = String> {
        let operand = atom().prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|a| format!("!{a}")),
                inner.clone().prop_map(|a| format!("-{a}")),
                inner.clone().prop_map(|a| format!("is_missing({a})")),
                inner.clone().prop_map(|a| format!("is_never({a})")),
                inner.clone().prop_map(|a| format!("is_band({a})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("never_as({a}, {b})")),
                (inner.clone(), prop::sample::select(OPS), inner.clone())
                    .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(c, a, b)| format!("if {c} {{ {a} }} else {{ {b} }}")),
                (inner.clone(), inner).prop_map(|(c, a)| format!("if {c} {{ {a} }}")),
            ]
        });
        (
            operand.clone(),
            prop::collection::vec((prop::sample::select(OPS), operand), 0..5),
        )
            .prop_map(|(first, rest)| {
                rest.into_iter()
                    .fold(first, |acc, (op, b)| format!("{acc} {op} {b}"))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Wherever the native tree answers, it answers exactly what Rhai answers: the same
        /// value, or the same error kind and message.
        #[test]
        fn native_and_rhai_agree(src in expr(), values in prop::collection::vec(value(), VARS)) {
            if let Some(both) = run(&src, &values) {
                if let Some(native) = &both.native {
                    prop_assert_eq!(native, &both.rhai, "expression {} on {:?}", src, values);
                }
            }
        }
    }

    #[test]
    fn the_differential_is_not_vacuous() {
        // The native tree answers most generated shapes, values and errors alike.
        let values = vec![
            FeatureValue::Number(Decimal::new(35, 1)),
            FeatureValue::Missing,
            FeatureValue::Never,
            FeatureValue::Band(Band::parse("A3").unwrap()),
        ];
        for (src, expected) in [
            ("v0 > 3 && v3 >= \"A2\" || v1 == ()", Ok(Value::Bool(true))),
            ("7 / 2 + v0", Ok(Value::Dec("6.5".into()))),
            ("-(0.0) * v0", Ok(Value::Dec("0".into()))),
            ("-(0.0)", Ok(Value::Dec("0.0".into()))),
            ("v0 < 1 < 2", Err(RuleErrorKind::MixedTypes)),
            ("(v0 > 1) < true", Err(RuleErrorKind::NoOrder)),
            ("v1 > 1", Err(RuleErrorKind::MissingUsed)),
            ("v2 + 1", Err(RuleErrorKind::NeverUsed)),
            ("v3 * 2", Err(RuleErrorKind::BandUsed)),
            ("9223372036854775807 + 1", Err(RuleErrorKind::Overflow)),
            ("v0 % 0", Err(RuleErrorKind::DivisionByZero)),
            ("\"a\" == true", Err(RuleErrorKind::MixedTypes)),
            ("if v0 > 9 { 1 }", Ok(Value::Missing)),
        ] {
            let both = run(src, &values).unwrap();
            let native = both
                .native
                .clone()
                .unwrap_or_else(|| panic!("{src} deferred"));
            assert_eq!(native, both.rhai, "{src}");
            match expected {
                Ok(v) => assert_eq!(native, Ok(v), "{src}"),
                Err(kind) => assert_eq!(native.map_err(|e| e.0), Err(kind), "{src}"),
            }
        }
    }
}
