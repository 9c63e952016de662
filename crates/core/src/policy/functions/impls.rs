//! The implementations of the allow-listed functions: checked arithmetic, exact decimals, and
//! the sandbox's errors for missing, never and band arguments. [`register`] puts them on the raw
//! engine; nothing else is callable.

use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, NativeCallContext, INT};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::features::Band;
use crate::policy::error::{RuleErrorKind, RuleFault};
use crate::policy::expr::ops::{self, Never, Num};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

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
        Err(ops::to_rhai(ops::not_a_number(function, ops::ty_of(value))))
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
    ops::to_rhai(RuleFault::new(
        RuleErrorKind::Overflow,
        format!("`{function}` overflows the range of numbers"),
    ))
}

fn bad_argument(message: String) -> Box<EvalAltResult> {
    ops::to_rhai(RuleFault::new(RuleErrorKind::BadArgument, message))
}

fn abs(x: Dynamic) -> RhaiResult<Dynamic> {
    Ok(match Number::of("abs", &x)? {
        Number::Int(i) => Dynamic::from_int(i.checked_abs().ok_or_else(|| overflow("abs"))?),
        Number::Dec(d) => Dynamic::from_decimal(d.abs()),
    })
}

/// Which of two numbers `pick` keeps.
#[derive(Debug, Clone, Copy)]
enum Pick {
    Smaller,
    Larger,
}

impl Pick {
    fn of<T: Ord>(self, x: T, y: T) -> T {
        match self {
            Pick::Smaller => x.min(y),
            Pick::Larger => x.max(y),
        }
    }
}

/// `min`/`max`: integers stay integers; with a decimal on either side the answer is a decimal.
fn pick(function: &str, a: &Dynamic, b: &Dynamic, which: Pick) -> RhaiResult<Dynamic> {
    let (a, b) = (Number::of(function, a)?, Number::of(function, b)?);
    Ok(match (a, b) {
        (Number::Int(x), Number::Int(y)) => Dynamic::from_int(which.of(x, y)),
        (a, b) => Dynamic::from_decimal(which.of(a.decimal(), b.decimal())),
    })
}

fn clamp(x: Dynamic, lo: Dynamic, hi: Dynamic) -> RhaiResult<Dynamic> {
    let (l, h) = (
        Number::of("clamp", &lo)?.decimal(),
        Number::of("clamp", &hi)?.decimal(),
    );
    if l > h {
        return Err(bad_argument(format!(
            "`clamp`: the lower bound {l} is above the upper bound {h}"
        )));
    }
    let below = pick("clamp", &x, &hi, Pick::Smaller)?;
    pick("clamp", &below, &lo, Pick::Larger)
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
        return Err(bad_argument(format!(
            "`round`: digits must be 0 to {MAX_ROUND_DIGITS}, not {digits}"
        )));
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
        Number::Dec(d) => Err(bad_argument(format!(
            "`round`: digits must be a whole number, not {d}"
        ))),
    }
}

/// The text in a value, or an error naming the function and what it got.
fn text(function: &str, value: &Dynamic) -> RhaiResult<rhai::ImmutableString> {
    value
        .clone()
        .into_immutable_string()
        .map_err(|_| ops::to_rhai(ops::not_a_text(function, ops::ty_of(value))))
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
            ops::to_rhai(RuleFault::new(
                RuleErrorKind::WrongType,
                format!(
                    "`band_level` takes a band such as \"A3\", not {}; test with `is_band(x)` first",
                    ops::noun_of(&x)
                ),
            ))
        })
}

fn negate(x: Dynamic) -> RhaiResult<Dynamic> {
    let n = match Number::of("-", &x)? {
        Number::Int(i) => Num::Int(i),
        Number::Dec(d) => Num::Dec(d),
    };
    match ops::negate(n).map_err(ops::to_rhai)? {
        Num::Int(i) => Ok(Dynamic::from_int(i)),
        Num::Dec(d) => Ok(Dynamic::from_decimal(d)),
    }
}

fn plus(x: Dynamic) -> RhaiResult<Dynamic> {
    Number::of("+", &x).map(Number::into_dynamic)
}

fn not(x: Dynamic) -> RhaiResult<bool> {
    x.as_bool()
        .map(|b| !b)
        .map_err(|_| ops::to_rhai(ops::not_a_boolean("`!`", ops::ty_of(&x))))
}

/// Register every allowed function, and the unary operators, on the raw sandbox engine.
pub(crate) fn register(engine: &mut Engine) {
    engine.register_fn("abs", abs);
    engine.register_fn("min", |a: Dynamic, b: Dynamic| {
        pick("min", &a, &b, Pick::Smaller)
    });
    engine.register_fn("max", |a: Dynamic, b: Dynamic| {
        pick("max", &a, &b, Pick::Larger)
    });
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
    use crate::policy::sandbox;

    fn run(src: &str, x: Decimal) -> Result<Dynamic, String> {
        let engine = sandbox::engine();
        let mut scope = rhai::Scope::new();
        scope.push("x", x);
        engine
            .eval_expression_with_scope::<Dynamic>(&mut scope, src)
            .map_err(|e| crate::policy::sandbox::fault_of(&e).message)
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
