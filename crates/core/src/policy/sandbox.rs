//! The sandboxed Rhai engine every policy expression is compiled and run in.
//!
//! Why these choices:
//! * **Limits** bound the work any expression can do (operations, call and expression depth,
//!   string/array/map sizes), so a hostile policy stops with a typed error instead of hanging.
//! * **No side doors**: no modules (the `no_module` feature), no `eval`, no `print`/`debug`
//!   output (a library never prints), no clock or randomness (`no_time`): a decision is a pure
//!   function of its inputs.
//! * **Missing is explicit**: a missing value is Rhai `()`. Rhai's built-in operators quietly
//!   answer `false` when `()` is compared with a number; we turn fast operators off so that our
//!   overloads run first and make every such comparison (and any arithmetic) an error that says
//!   what to do (`x ?? 0`, `is_missing(x)`). "Never happened" ([`Never`]) and amount bands
//!   ([`Band`]) are custom types with the same guard, so neither silently reads as a number.

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, OptimizationLevel, Variant, INT,
};
use rust_decimal::Decimal;

use crate::features::Band;

/// Upper bound on Rhai operations for one expression evaluation.
pub const MAX_OPERATIONS: u64 = 50_000;
/// Upper bound on nested function calls.
pub const MAX_CALL_LEVELS: usize = 16;
/// Upper bound on expression nesting (global, inside functions).
pub const MAX_EXPR_DEPTH: (usize, usize) = (64, 32);
/// Upper bound on any string built at run time.
pub const MAX_STRING_SIZE: usize = 4 * 1024;
/// Upper bound on any array built at run time.
pub const MAX_ARRAY_SIZE: usize = 1_024;
/// Upper bound on any object map built at run time.
pub const MAX_MAP_SIZE: usize = 256;
/// Upper bound on the text of one expression, checked before Rhai sees it.
pub const MAX_EXPRESSION_LEN: usize = 4 * 1024;

/// The Rhai value of a "days since last" signal whose event never happened.
///
/// Comparing it with a number is an error: say what "never" means (`never_as(x, 9999)`) or test
/// it (`is_never(x)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Never;

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

const MISSING_USED: &str = "a missing value was used in a comparison or arithmetic; say what \
     missing means (`x ?? 0`) or test it (`is_missing(x)`)";
const NEVER_USED: &str = "an event that never happened was compared as a number; say what \
     never means (`never_as(x, 9999)`) or test it (`is_never(x)`)";
const BAND_USED: &str = "an amount band (like \"A3\") was used as a number; compare it with a \
     band (`x >= \"A3\"`) or use `band_level(x)`";

fn missing_error(_: Dynamic, _: Dynamic) -> RhaiResult<bool> {
    Err(MISSING_USED.into())
}

fn never_error(_: Dynamic, _: Dynamic) -> RhaiResult<bool> {
    Err(NEVER_USED.into())
}

fn band_error(_: Dynamic, _: Dynamic) -> RhaiResult<bool> {
    Err(BAND_USED.into())
}

/// What a value is, for messages: "a missing value", "a string", ...
pub(crate) fn describe(value: &Dynamic) -> String {
    if value.is_unit() {
        "a missing value".into()
    } else if value.is::<Never>() {
        "never".into()
    } else if value.is::<Band>() {
        "a band".into()
    } else {
        format!("a {}", value.type_name())
    }
}

/// The error for a function that needs a number and got `value`: missing, never and bands get
/// the same advice as in comparisons.
pub(crate) fn not_a_number(function: &str, value: &Dynamic) -> Box<EvalAltResult> {
    if value.is_unit() {
        MISSING_USED.into()
    } else if value.is::<Never>() {
        NEVER_USED.into()
    } else if value.is::<Band>() {
        BAND_USED.into()
    } else {
        format!("`{function}` takes a number, not {}", describe(value)).into()
    }
}

/// The error for a function that needs text and got `value`.
pub(crate) fn not_a_text(function: &str, value: &Dynamic) -> Box<EvalAltResult> {
    if value.is_unit() {
        MISSING_USED.into()
    } else {
        format!("`{function}` takes a text, not {}", describe(value)).into()
    }
}

fn mixed_error(a: Dynamic, b: Dynamic) -> RhaiResult<bool> {
    Err(format!(
        "a {} was compared with a {}; compare like with like",
        a.type_name(),
        b.type_name()
    )
    .into())
}

const COMPARISONS: [&str; 6] = ["==", "!=", ">", ">=", "<", "<="];
const ARITHMETIC: [&str; 5] = ["+", "-", "*", "/", "%"];
const ORDERING: [&str; 4] = [">", ">=", "<", "<="];

/// A guard: the error an operator on a given pair of types gives instead of Rhai's answer.
type Guard = fn(Dynamic, Dynamic) -> RhaiResult<bool>;

/// Register `op(a, b)` and `op(b, a)` for every `op` in `ops` as `guard`. Rhai answers `false`
/// (or concatenates) for operands of different types, which in a credit rule is a silent wrong
/// answer; a registered function runs before Rhai's built-in fallback (fast operators are off).
fn guard_pair<A, B>(engine: &mut Engine, ops: &[&'static str], guard: Guard)
where
    A: Variant + Clone,
    B: Variant + Clone,
{
    for op in ops {
        engine.register_fn(*op, move |a: A, b: B| {
            guard(Dynamic::from(a), Dynamic::from(b))
        });
        engine.register_fn(*op, move |a: B, b: A| {
            guard(Dynamic::from(a), Dynamic::from(b))
        });
    }
}

/// Every operator on a missing value, never or a band that is not an explicit test of it is an
/// error; so is comparing values of different types. What stays allowed: `m == ()`, `nv == nv`,
/// band against band or band text, and like against like.
fn register_guards(engine: &mut Engine) {
    let all: Vec<&'static str> = COMPARISONS
        .iter()
        .chain(ARITHMETIC.iter())
        .copied()
        .collect();
    let (all, arithmetic, ordering) = (&all[..], &ARITHMETIC[..], &ORDERING[..]);
    // Missing, against everything but itself (`m == ()` stays a test for missing).
    guard_pair::<(), INT>(engine, all, missing_error);
    guard_pair::<(), Decimal>(engine, all, missing_error);
    guard_pair::<(), ImmutableString>(engine, all, missing_error);
    guard_pair::<(), bool>(engine, all, missing_error);
    guard_pair::<(), char>(engine, all, missing_error);
    guard_pair::<(), Array>(engine, all, missing_error);
    guard_pair::<(), Map>(engine, all, missing_error);
    guard_pair::<(), Never>(engine, all, missing_error);
    guard_pair::<(), Band>(engine, all, missing_error);
    guard_pair::<(), ()>(engine, arithmetic, missing_error);
    guard_pair::<(), ()>(engine, ordering, missing_error);
    // Never: only `==` / `!=` with never.
    guard_pair::<Never, INT>(engine, all, never_error);
    guard_pair::<Never, Decimal>(engine, all, never_error);
    guard_pair::<Never, ImmutableString>(engine, all, never_error);
    guard_pair::<Never, bool>(engine, all, never_error);
    guard_pair::<Never, char>(engine, all, never_error);
    guard_pair::<Never, Array>(engine, all, never_error);
    guard_pair::<Never, Map>(engine, all, never_error);
    guard_pair::<Never, Band>(engine, all, never_error);
    guard_pair::<Never, Never>(engine, arithmetic, never_error);
    guard_pair::<Never, Never>(engine, ordering, never_error);
    // Bands: compared with bands and band text (registered below), never used as numbers.
    guard_pair::<Band, INT>(engine, all, band_error);
    guard_pair::<Band, Decimal>(engine, all, band_error);
    guard_pair::<Band, ImmutableString>(engine, arithmetic, band_error);
    guard_pair::<Band, bool>(engine, all, band_error);
    guard_pair::<Band, char>(engine, all, band_error);
    guard_pair::<Band, Array>(engine, all, band_error);
    guard_pair::<Band, Map>(engine, all, band_error);
    guard_pair::<Band, Band>(engine, arithmetic, band_error);
    // Numbers, text, true/false, characters, lists and maps compare only like with like.
    let comparisons = &COMPARISONS[..];
    guard_pair::<INT, ImmutableString>(engine, comparisons, mixed_error);
    guard_pair::<Decimal, ImmutableString>(engine, comparisons, mixed_error);
    guard_pair::<INT, bool>(engine, comparisons, mixed_error);
    guard_pair::<Decimal, bool>(engine, comparisons, mixed_error);
    guard_pair::<INT, char>(engine, comparisons, mixed_error);
    guard_pair::<Decimal, char>(engine, comparisons, mixed_error);
    guard_pair::<ImmutableString, bool>(engine, comparisons, mixed_error);
    guard_pair::<char, bool>(engine, comparisons, mixed_error);
    guard_pair::<Array, INT>(engine, comparisons, mixed_error);
    guard_pair::<Array, Decimal>(engine, comparisons, mixed_error);
    guard_pair::<Array, ImmutableString>(engine, comparisons, mixed_error);
    guard_pair::<Array, bool>(engine, comparisons, mixed_error);
    guard_pair::<Map, INT>(engine, comparisons, mixed_error);
    guard_pair::<Map, Decimal>(engine, comparisons, mixed_error);
    guard_pair::<Map, ImmutableString>(engine, comparisons, mixed_error);
    guard_pair::<Map, bool>(engine, comparisons, mixed_error);
    guard_pair::<Map, Array>(engine, comparisons, mixed_error);
    guard_pair::<bool, bool>(engine, ordering, unordered_error);
}

fn unordered_error(_: Dynamic, _: Dynamic) -> RhaiResult<bool> {
    Err("true and false have no order; compare them with `==` or `!=`".into())
}

/// A band against band text: only a catalog band compares (`"Z1"`, `"A007"` are errors, with
/// the native evaluator's message).
fn band_cmp(a: Band, text: &str) -> RhaiResult<std::cmp::Ordering> {
    Band::parse(text)
        .map(|b| a.cmp(&b))
        .ok_or_else(|| crate::features::NOT_BAND_TEXT.into())
}

/// Band text against a band (`"A3" <= x`): the same check, the order reversed.
fn text_cmp(text: &str, b: Band) -> RhaiResult<std::cmp::Ordering> {
    band_cmp(b, text).map(std::cmp::Ordering::reverse)
}

/// Build the sandboxed engine. Called once per policy load.
///
/// The engine is raw: none of Rhai's standard packages are loaded, so the only functions an
/// expression can reach are the allow-listed ones in [`super::functions`], our operator guards
/// and Rhai's checked built-in operators on numbers, text and booleans.
pub fn engine() -> Engine {
    let mut engine = Engine::new_raw();
    engine
        .set_max_operations(MAX_OPERATIONS)
        .set_max_call_levels(MAX_CALL_LEVELS)
        .set_max_expr_depths(MAX_EXPR_DEPTH.0, MAX_EXPR_DEPTH.1)
        .set_max_string_size(MAX_STRING_SIZE)
        .set_max_array_size(MAX_ARRAY_SIZE)
        .set_max_map_size(MAX_MAP_SIZE)
        .set_max_variables(256)
        .set_max_functions(0)
        .set_allow_looping(false)
        .set_allow_anonymous_fn(false)
        .set_allow_shadowing(false)
        .set_strict_variables(true)
        .set_fast_operators(false)
        .set_optimization_level(OptimizationLevel::None);
    for symbol in [
        "eval", "print", "debug", "Fn", "call", "curry", "fn", "import", "export",
    ] {
        engine.disable_symbol(symbol);
    }
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});

    engine.register_type_with_name::<Never>("Never");
    engine.register_type_with_name::<Band>("Band");
    register_guards(&mut engine);

    // The allow-listed functions (and unary operators): nothing else can be called.
    super::functions::register(&mut engine);

    // Bands compare with bands and with band text (a catalog band; anything else is an error).
    engine.register_fn("==", |a: Band, b: Band| a == b);
    engine.register_fn("!=", |a: Band, b: Band| a != b);
    engine.register_fn(">", |a: Band, b: Band| a > b);
    engine.register_fn(">=", |a: Band, b: Band| a >= b);
    engine.register_fn("<", |a: Band, b: Band| a < b);
    engine.register_fn("<=", |a: Band, b: Band| a <= b);
    engine.register_fn("==", |a: Band, b: &str| band_cmp(a, b).map(|o| o.is_eq()));
    engine.register_fn("!=", |a: Band, b: &str| band_cmp(a, b).map(|o| o.is_ne()));
    engine.register_fn(">", |a: Band, b: &str| band_cmp(a, b).map(|o| o.is_gt()));
    engine.register_fn(">=", |a: Band, b: &str| band_cmp(a, b).map(|o| o.is_ge()));
    engine.register_fn("<", |a: Band, b: &str| band_cmp(a, b).map(|o| o.is_lt()));
    engine.register_fn("<=", |a: Band, b: &str| band_cmp(a, b).map(|o| o.is_le()));
    // Text on the left too: Rhai would otherwise answer `false` for mixed types.
    engine.register_fn("==", |a: &str, b: Band| text_cmp(a, b).map(|o| o.is_eq()));
    engine.register_fn("!=", |a: &str, b: Band| text_cmp(a, b).map(|o| o.is_ne()));
    engine.register_fn(">", |a: &str, b: Band| text_cmp(a, b).map(|o| o.is_gt()));
    engine.register_fn(">=", |a: &str, b: Band| text_cmp(a, b).map(|o| o.is_ge()));
    engine.register_fn("<", |a: &str, b: Band| text_cmp(a, b).map(|o| o.is_lt()));
    engine.register_fn("<=", |a: &str, b: Band| text_cmp(a, b).map(|o| o.is_le()));
    engine.register_fn("==", |a: Never, b: Never| a == b);
    engine.register_fn("!=", |a: Never, b: Never| a != b);
    engine
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Scope;

    fn eval(src: &str) -> Result<Dynamic, String> {
        let engine = engine();
        let mut scope = Scope::new();
        scope.push("n", Decimal::new(35, 1));
        scope.push("m", ());
        scope.push("nv", Never);
        scope.push("b", Band::parse("A3").expect("band"));
        let ast = engine
            .compile_expression_with_scope(&scope, src)
            .map_err(|e| e.to_string())?;
        engine
            .eval_ast_with_scope::<Dynamic>(&mut scope, &ast)
            .map_err(|e| e.to_string())
    }

    fn truth(src: &str) -> bool {
        eval(src).expect(src).as_bool().expect("bool")
    }

    #[test]
    fn numbers_mix_int_and_decimal() {
        assert!(truth("n > 3"));
        assert!(truth("n == 3.5"));
        assert!(truth("n + 1 == 4.5"));
    }

    #[test]
    fn missing_values_never_compare_silently() {
        for src in [
            "m > 3", "m < 3", "m == 3", "3 != m", "m + 1", "m > 3.5", "1.5 * m",
        ] {
            let err = eval(src).expect_err(src);
            assert!(err.contains("missing value"), "{src}: {err}");
        }
        assert!(truth("(m ?? 5) > 3"));
        assert!(truth("is_missing(m)"));
        assert!(!truth("is_missing(n)"));
        assert!(truth("m == ()"));
    }

    #[test]
    fn never_is_not_a_number() {
        for src in ["nv > 30", "nv < 30", "nv == 0", "nv + 1"] {
            let err = eval(src).expect_err(src);
            assert!(err.contains("never"), "{src}: {err}");
        }
        assert!(truth("is_never(nv)"));
        assert!(truth("never_as(nv, 9999) > 180"));
        assert!(truth("never_as(n, 9999) < 4"));
    }

    #[test]
    fn missing_never_and_bands_never_answer_silently_against_text_or_booleans() {
        // A missing KYC field compared with its text was a silent `false`: a No Match rule that
        // did not fire. Every such operator is now the operand's error.
        for (src, needle) in [
            ("m == \"No Match\"", "missing value"),
            ("m != \"No Match\"", "missing value"),
            ("\"No Match\" == m", "missing value"),
            ("m == true", "missing value"),
            ("m == 'x'", "missing value"),
            ("m == []", "missing value"),
            ("\"x\" + m == \"x\"", "missing value"),
            ("m + m", "missing value"),
            ("m < m", "missing value"),
            ("nv == \"x\"", "never"),
            ("nv == true", "never"),
            ("nv < nv", "never"),
            ("nv + nv", "never"),
            ("b == true", "band"),
            ("b + \"x\"", "band"),
            ("b + b", "band"),
            ("m == nv", "missing value"),
            ("\"a\" == true", "compared with"),
            ("(n > 0) < true", "no order"),
            ("[1] == 1", "compared with"),
        ] {
            let err = eval(src).expect_err(src);
            assert!(err.contains(needle), "{src}: {err}");
        }
        assert!(truth("m == ()"));
        assert!(truth("nv == nv") && !truth("nv != nv"));
        assert!(truth("\"a\" == \"a\"") && truth("true != false"));
    }

    #[test]
    fn bands_compare_as_bands() {
        assert!(truth("b >= \"A3\""));
        assert!(truth("b < \"A10\""));
        assert!(truth("band_level(b) == 3"));
        assert!(eval("b > 1000").is_err());
        assert!(eval("b > \"zz\"").is_err());
    }

    #[test]
    fn numbers_never_compare_silently_with_text_or_booleans() {
        for src in [
            "n > \"A3\"",
            "\"A3\" <= n",
            "n == true",
            "3 != \"x\"",
            "false < n",
        ] {
            let err = eval(src).expect_err(src);
            assert!(err.contains("compared with"), "{src}: {err}");
        }
    }

    #[test]
    fn sandbox_blocks_side_doors() {
        assert!(eval("eval(\"1\")").is_err());
        assert!(eval("print(1)").is_err());
        assert!(eval("undefined_variable > 1").is_err());
        let engine = engine();
        assert!(engine.compile("while true {}").is_err());
        assert!(engine.compile("loop {}").is_err());
        assert!(engine.compile("fn f() { f() }").is_err());
        let big = eval("\"x\".pad(100000, \"y\")");
        assert!(big.is_err(), "string size limit");
    }
}
