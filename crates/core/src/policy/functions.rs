//! The functions a policy expression may call: one allow-list, its implementations, and the
//! load-time check that every call in an expression is on it.
//!
//! Why an allow-list instead of Rhai's standard library:
//! * Rhai's standard packages hold hundreds of functions, and some panic or allocate without
//!   bound on extreme arguments (`pad` with a huge length overflows a capacity; decimal `tan` at
//!   odd multiples of π/2 panics inside `rust_decimal`). A credit policy needs a handful, and
//!   each one it may call is a promise: it never panics, never allocates beyond the sandbox's
//!   limits, and treats missing, never and band values the way the rest of the sandbox does.
//! * So the sandbox engine is built **raw** (no standard packages) and only the functions in
//!   [`FUNCTIONS`] are registered, each written here with checked arithmetic. Operators on plain
//!   numbers, text and booleans are Rhai's checked built-ins.
//! * At load, `disallowed_calls` walks each expression's AST and reports any call that is not
//!   on the list, naming the function and the rule: an unknown function is a load error, never
//!   a run-time surprise in production.
//!
//! The table is the single source: the policy guide lists it (a test checks the guide against
//! it) and the `functions` fuzz target calls every entry with extreme arguments.

use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, NativeCallContext, AST, INT};
use rust_decimal::{Decimal, RoundingStrategy};

use super::error::echo;
use super::sandbox::{self, Never};
use crate::features::Band;

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// A function a policy expression may call, with the argument counts it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// The name, as written in an expression (`abs(x)` or `x.abs()`).
    pub name: &'static str,
    /// The argument counts accepted (the receiver of a method call counts as the first).
    pub arities: &'static [usize],
    /// One line for the rule author's guide.
    pub summary: &'static str,
}

/// Every function a policy may call. Anything else is a load error naming it and the rule.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "abs",
        arities: &[1],
        summary: "absolute value of a number",
    },
    Function {
        name: "min",
        arities: &[2],
        summary: "the smaller of two numbers",
    },
    Function {
        name: "max",
        arities: &[2],
        summary: "the larger of two numbers",
    },
    Function {
        name: "clamp",
        arities: &[3],
        summary: "`clamp(x, lo, hi)`: `x` limited to `lo..=hi` (an error if `lo > hi`)",
    },
    Function {
        name: "floor",
        arities: &[1],
        summary: "the largest whole number not above `x`",
    },
    Function {
        name: "ceiling",
        arities: &[1],
        summary: "the smallest whole number not below `x`",
    },
    Function {
        name: "round",
        arities: &[1, 2],
        summary: "`round(x)` or `round(x, digits)` (0 to 28), halves away from zero",
    },
    Function {
        name: "len",
        arities: &[1],
        summary: "characters in a text, or items in a list",
    },
    Function {
        name: "is_empty",
        arities: &[1],
        summary: "whether a text or list is empty",
    },
    Function {
        name: "contains",
        arities: &[2],
        summary: "`s.contains(part)` for text; also what `x in [...]` and `part in s` call",
    },
    Function {
        name: "starts_with",
        arities: &[2],
        summary: "whether a text starts with another",
    },
    Function {
        name: "ends_with",
        arities: &[2],
        summary: "whether a text ends with another",
    },
    Function {
        name: "to_upper",
        arities: &[1],
        summary: "a text in upper case",
    },
    Function {
        name: "to_lower",
        arities: &[1],
        summary: "a text in lower case",
    },
    Function {
        name: "is_missing",
        arities: &[1],
        summary: "whether a value is missing (`()`)",
    },
    Function {
        name: "is_never",
        arities: &[1],
        summary: "whether a days-since-last value is *never*",
    },
    Function {
        name: "never_as",
        arities: &[2],
        summary: "`never_as(x, days)`: `days` when `x` is never, else `x`",
    },
    Function {
        name: "is_band",
        arities: &[1],
        summary: "whether an amount came as a band such as `\"A3\"`",
    },
    Function {
        name: "band_level",
        arities: &[1],
        summary: "the level of a band (`3` for `\"A3\"`)",
    },
];

/// The operators a policy may use (Rhai represents them as calls). `&&`, `||`, `??`, `if` and
/// `in` (which calls `contains`) are part of the grammar.
pub const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "!",
];

/// Whether `name` may be called with `arity` arguments.
fn allowed(name: &str, arity: usize, operator: bool) -> Result<(), String> {
    if operator {
        return if OPERATORS.contains(&name) {
            Ok(())
        } else {
            Err(format!(
                "the operator `{name}` is not available in policies; allowed operators: {}",
                OPERATORS.join(" ")
            ))
        };
    }
    match FUNCTIONS.iter().find(|f| f.name == name) {
        Some(f) if f.arities.contains(&arity) => Ok(()),
        Some(f) => Err(format!(
            "`{name}` takes {} argument(s), not {arity}",
            f.arities
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" or ")
        )),
        None => Err(format!(
            "the function `{}` is not available in policies; allowed: {}",
            echo(name),
            FUNCTIONS
                .iter()
                .map(|f| f.name)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Every call in `ast` that is not on the allow-list, as one message each (first occurrence of
/// each name, in source order).
pub(crate) fn disallowed_calls(ast: &AST) -> Vec<String> {
    use rhai::{ASTNode, Expr};
    let mut problems: Vec<String> = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let call = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, _))) => Some((call, false)),
            Some(ASTNode::Expr(Expr::MethodCall(call, _))) => Some((call, true)),
            _ => None,
        };
        if let Some((call, method)) = call {
            let arity = call.args.len() + usize::from(method);
            let operator = call.op_token.is_some() && call.name.as_str() != rhai::OP_CONTAINS;
            if let Err(message) = allowed(call.name.as_str(), arity, operator) {
                if !problems.contains(&message) {
                    problems.push(message);
                }
            }
        }
        true
    });
    problems
}

/// A number as the functions see it: Rhai integers stay integers, decimals stay exact.
enum Number {
    Int(INT),
    Dec(Decimal),
}

impl Number {
    fn of(function: &str, value: &Dynamic) -> RhaiResult<Number> {
        if let Ok(i) = value.as_int() {
            return Ok(Number::Int(i));
        }
        if let Ok(d) = value.as_decimal() {
            return Ok(Number::Dec(d));
        }
        Err(sandbox::not_a_number(function, value))
    }

    fn decimal(&self) -> Decimal {
        match *self {
            Number::Int(i) => Decimal::from(i),
            Number::Dec(d) => d,
        }
    }

    fn into_dynamic(self) -> Dynamic {
        match self {
            Number::Int(i) => Dynamic::from_int(i),
            Number::Dec(d) => Dynamic::from_decimal(d),
        }
    }
}

fn overflow(function: &str) -> Box<EvalAltResult> {
    format!("`{function}` overflows the range of numbers").into()
}

fn abs(x: Dynamic) -> RhaiResult<Dynamic> {
    Ok(match Number::of("abs", &x)? {
        Number::Int(i) => Dynamic::from_int(i.checked_abs().ok_or_else(|| overflow("abs"))?),
        Number::Dec(d) => Dynamic::from_decimal(d.abs()),
    })
}

/// `min`/`max`: integers stay integers; with a decimal on either side the answer is a decimal.
fn pick(function: &str, a: &Dynamic, b: &Dynamic, larger: bool) -> RhaiResult<Dynamic> {
    let (a, b) = (Number::of(function, a)?, Number::of(function, b)?);
    Ok(match (a, b) {
        (Number::Int(x), Number::Int(y)) => {
            Dynamic::from_int(if larger { x.max(y) } else { x.min(y) })
        }
        (a, b) => {
            let (x, y) = (a.decimal(), b.decimal());
            Dynamic::from_decimal(if larger { x.max(y) } else { x.min(y) })
        }
    })
}

fn clamp(x: Dynamic, lo: Dynamic, hi: Dynamic) -> RhaiResult<Dynamic> {
    let (l, h) = (
        Number::of("clamp", &lo)?.decimal(),
        Number::of("clamp", &hi)?.decimal(),
    );
    if l > h {
        return Err(format!("`clamp`: the lower bound {l} is above the upper bound {h}").into());
    }
    let below = pick("clamp", &x, &hi, false)?;
    pick("clamp", &below, &lo, true)
}

fn floor(x: Dynamic) -> RhaiResult<Dynamic> {
    Ok(match Number::of("floor", &x)? {
        Number::Int(i) => Dynamic::from_int(i),
        Number::Dec(d) => {
            let t = d.trunc();
            let f = if d < t {
                t.checked_sub(Decimal::ONE)
                    .ok_or_else(|| overflow("floor"))?
            } else {
                t
            };
            Dynamic::from_decimal(f)
        }
    })
}

fn ceiling(x: Dynamic) -> RhaiResult<Dynamic> {
    Ok(match Number::of("ceiling", &x)? {
        Number::Int(i) => Dynamic::from_int(i),
        Number::Dec(d) => {
            let t = d.trunc();
            let c = if d > t {
                t.checked_add(Decimal::ONE)
                    .ok_or_else(|| overflow("ceiling"))?
            } else {
                t
            };
            Dynamic::from_decimal(c)
        }
    })
}

/// Most decimal places `round(x, digits)` accepts: a `Decimal` holds at most 28.
const MAX_ROUND_DIGITS: INT = 28;

fn round_to(x: Dynamic, digits: INT) -> RhaiResult<Dynamic> {
    if !(0..=MAX_ROUND_DIGITS).contains(&digits) {
        return Err(
            format!("`round`: digits must be 0 to {MAX_ROUND_DIGITS}, not {digits}").into(),
        );
    }
    let places = u32::try_from(digits).map_err(|_| overflow("round"))?;
    Ok(match Number::of("round", &x)? {
        Number::Int(i) => Dynamic::from_int(i),
        Number::Dec(d) => Dynamic::from_decimal(
            d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero),
        ),
    })
}

fn round_digits(x: Dynamic, digits: Dynamic) -> RhaiResult<Dynamic> {
    match Number::of("round", &digits)? {
        Number::Int(i) => round_to(x, i),
        Number::Dec(d) if d.fract().is_zero() => round_to(x, INT::try_from(d).unwrap_or(INT::MAX)),
        Number::Dec(d) => Err(format!("`round`: digits must be a whole number, not {d}").into()),
    }
}

/// The text in a value, or an error naming the function and what it got.
fn text(function: &str, value: &Dynamic) -> RhaiResult<rhai::ImmutableString> {
    value
        .clone()
        .into_immutable_string()
        .map_err(|_| sandbox::not_a_text(function, value))
}

fn len(x: Dynamic) -> RhaiResult<INT> {
    let count = if x.is_array() {
        x.into_array().map(|a| a.len()).unwrap_or(0)
    } else {
        text("len", &x)?.chars().count()
    };
    INT::try_from(count).map_err(|_| overflow("len"))
}

fn is_empty(x: Dynamic) -> RhaiResult<bool> {
    len(x).map(|n| n == 0)
}

fn contains(ctx: NativeCallContext, haystack: Dynamic, needle: Dynamic) -> RhaiResult<bool> {
    if haystack.is_array() {
        let items: Array = haystack.into_array().unwrap_or_default();
        for item in items {
            if ctx.call_native_fn::<bool>("==", (item, needle.clone()))? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    let haystack = text("contains", &haystack)?;
    let needle = text("contains", &needle)?;
    Ok(haystack.contains(needle.as_str()))
}

fn starts_with(s: Dynamic, prefix: Dynamic) -> RhaiResult<bool> {
    Ok(text("starts_with", &s)?.starts_with(text("starts_with", &prefix)?.as_str()))
}

fn ends_with(s: Dynamic, suffix: Dynamic) -> RhaiResult<bool> {
    Ok(text("ends_with", &s)?.ends_with(text("ends_with", &suffix)?.as_str()))
}

fn to_upper(s: Dynamic) -> RhaiResult<ImmutableString> {
    Ok(text("to_upper", &s)?.to_uppercase().into())
}

fn to_lower(s: Dynamic) -> RhaiResult<ImmutableString> {
    Ok(text("to_lower", &s)?.to_lowercase().into())
}

fn band_level(x: Dynamic) -> RhaiResult<INT> {
    x.clone()
        .try_cast::<Band>()
        .map(|b| INT::from(b.level()))
        .ok_or_else(|| {
            format!(
                "`band_level` takes a band such as \"A3\", not {}; test with `is_band(x)` first",
                sandbox::describe(&x)
            )
            .into()
        })
}

fn negate(x: Dynamic) -> RhaiResult<Dynamic> {
    Ok(match Number::of("-", &x)? {
        Number::Int(i) => Dynamic::from_int(i.checked_neg().ok_or_else(|| overflow("-"))?),
        Number::Dec(d) => Dynamic::from_decimal(-d),
    })
}

fn plus(x: Dynamic) -> RhaiResult<Dynamic> {
    Number::of("+", &x).map(Number::into_dynamic)
}

fn not(x: Dynamic) -> RhaiResult<bool> {
    x.as_bool()
        .map(|b| !b)
        .map_err(|_| format!("`!` takes true or false, not {}", sandbox::describe(&x)).into())
}

/// Register every allowed function, and the unary operators, on the raw sandbox engine.
pub(crate) fn register(engine: &mut Engine) {
    engine.register_fn("abs", abs);
    engine.register_fn("min", |a: Dynamic, b: Dynamic| pick("min", &a, &b, false));
    engine.register_fn("max", |a: Dynamic, b: Dynamic| pick("max", &a, &b, true));
    engine.register_fn("clamp", clamp);
    engine.register_fn("floor", floor);
    engine.register_fn("ceiling", ceiling);
    engine.register_fn("round", |x: Dynamic| round_to(x, 0));
    engine.register_fn("round", round_digits);
    engine.register_fn("len", len);
    engine.register_fn("is_empty", is_empty);
    engine.register_fn("contains", contains);
    engine.register_fn("starts_with", starts_with);
    engine.register_fn("ends_with", ends_with);
    engine.register_fn("to_upper", to_upper);
    engine.register_fn("to_lower", to_lower);
    engine.register_fn("is_missing", |x: Dynamic| x.is_unit());
    engine.register_fn("is_never", |x: Dynamic| x.is::<Never>());
    engine.register_fn(
        "never_as",
        |x: Dynamic, days: Dynamic| {
            if x.is::<Never>() {
                days
            } else {
                x
            }
        },
    );
    engine.register_fn("is_band", |x: Dynamic| x.is::<Band>());
    engine.register_fn("band_level", band_level);
    engine.register_fn("-", negate);
    engine.register_fn("+", plus);
    engine.register_fn("!", not);
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn problems(src: &str) -> Vec<String> {
        let engine = sandbox::engine();
        let mut scope = rhai::Scope::new();
        scope.push("n", Decimal::ONE);
        let ast = engine
            .compile_expression_with_scope(&scope, src)
            .unwrap_or_else(|e| panic!("{src}: {e}"));
        disallowed_calls(&ast)
    }

    #[test]
    fn calls_off_the_list_are_named() {
        assert!(problems("abs(n) > min(n, 2) && round(n, 2) == n").is_empty());
        assert!(problems("n in [1, 2] && \"a\".starts_with(\"b\") && -n < 0").is_empty());
        let p = problems("tan(n) > 1");
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("`tan` is not available"), "{p:?}");
        let p = problems("\"x\".pad(100, \"y\") == \"x\"");
        assert!(p[0].contains("`pad`"), "{p:?}");
        let p = problems("round(n, 1, 2) == 1");
        assert!(p[0].contains("takes 1 or 2 argument(s), not 3"), "{p:?}");
        let p = problems("n ** 2 > 1");
        assert!(p[0].contains("operator `**`"), "{p:?}");
        assert!(problems("type_of(n) == \"x\"")[0].contains("`type_of`"));
    }

    fn run(src: &str, x: Decimal) -> Result<Dynamic, String> {
        let engine = sandbox::engine();
        let mut scope = rhai::Scope::new();
        scope.push("x", x);
        engine
            .eval_expression_with_scope::<Dynamic>(&mut scope, src)
            .map_err(|e| e.to_string())
    }

    fn dec(v: Dynamic) -> Decimal {
        v.as_decimal()
            .unwrap_or_else(|_| panic!("not a decimal: {v}"))
    }

    #[test]
    fn in_compares_like_equality() {
        let truth = |src: &str| run(src, Decimal::new(2, 0)).unwrap().as_bool().unwrap();
        assert!(truth("x in [1, 2, 3]"));
        assert!(!truth("x in [1, 3]"));
        assert!(truth("\"Exact Match\" in [\"No Match\", \"Exact Match\"]"));
        assert!(truth("\"act\" in \"Exact Match\""));
        assert!(truth("x !in []"));
        assert!(run("() in [1]", Decimal::ONE)
            .unwrap_err()
            .contains("missing value"));
        assert!(run("\"a\" in [1]", Decimal::ONE)
            .unwrap_err()
            .contains("compared with"));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        for (x, expected) in [("2.5", "3"), ("-2.5", "-3"), ("2.4", "2"), ("-0.5", "-1")] {
            let x: Decimal = x.parse().unwrap();
            assert_eq!(
                dec(run("round(x)", x).unwrap()).to_string(),
                expected,
                "{x}"
            );
        }
        assert_eq!(
            dec(run("round(x, 1)", Decimal::new(125, 2)).unwrap()),
            Decimal::new(13, 1)
        );
        assert!(run("round(x, 29)", Decimal::ONE)
            .unwrap_err()
            .contains("0 to 28"));
        assert!(run("clamp(x, 2, 1)", Decimal::ONE)
            .unwrap_err()
            .contains("above"));
        assert!(run("abs(())", Decimal::ONE)
            .unwrap_err()
            .contains("missing value"));
        assert!(run("len(x)", Decimal::ONE)
            .unwrap_err()
            .contains("takes a text"));
        assert!(run("abs(-9223372036854775807 - 1)", Decimal::ONE)
            .unwrap_err()
            .contains("overflow"));
    }

    proptest::proptest! {
        /// Our functions agree with rust_decimal's own on every decimal, extremes included.
        #[test]
        fn numeric_functions_match_rust_decimal(
            lo: u32, mid: u32, hi: u32, negative: bool, scale in 0u32..=28
        ) {
            let x = Decimal::from_parts(lo, mid, hi, negative, scale);
            proptest::prop_assert_eq!(dec(run("floor(x)", x).unwrap()), x.floor());
            proptest::prop_assert_eq!(dec(run("ceiling(x)", x).unwrap()), x.ceil());
            proptest::prop_assert_eq!(dec(run("abs(x)", x).unwrap()), x.abs());
            proptest::prop_assert_eq!(
                dec(run("round(x, 2)", x).unwrap()),
                x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            );
            proptest::prop_assert_eq!(dec(run("min(x, 0.5)", x).unwrap()), x.min(Decimal::new(5, 1)));
            proptest::prop_assert_eq!(dec(run("max(x, 0.5)", x).unwrap()), x.max(Decimal::new(5, 1)));
            let clamped = dec(run("clamp(x, -1, 1)", x).unwrap());
            proptest::prop_assert_eq!(clamped, x.clamp(Decimal::NEGATIVE_ONE, Decimal::ONE));
        }
    }
}
