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
//!   what to do (`x ?? 0`, `is_missing(x)`). "Never happened" and amount bands ([`Band`]) are
//!   custom types with the same guard, so neither silently reads as a number.
//! * **One set of type rules**: which operator may take which pair of types is decided in
//!   [`super::expr::ops`], and the overloads here are generated from that table, so the
//!   sandbox and the native evaluator cannot drift apart.

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, OptimizationLevel, Variant, INT,
};
use rust_decimal::Decimal;

use super::error::{RuleErrorKind, RuleFault};
use super::expr::ops::{self, Never, Num, Op, Ty};
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

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// Register, for every operator the type rules refuse on an `A` and a `B`, an overload that
/// gives the rules' error. With fast operators off, a registered overload runs before Rhai's
/// built-in fallback, which would answer `false` (or concatenate) for such a pair.
fn guard<A: Variant + Clone, B: Variant + Clone>(engine: &mut Engine, a: Ty, b: Ty) {
    for op in Op::ALL {
        if let Err(fault) = ops::type_rule(op, a, b) {
            engine.register_fn(op.symbol(), move |_: A, _: B| -> RhaiResult<Dynamic> {
                Err(ops::to_rhai(fault.clone()))
            });
        }
    }
}

/// [`guard`] for an `A` against every type.
fn guard_row<A: Variant + Clone>(engine: &mut Engine, a: Ty) {
    guard::<A, ()>(engine, a, Ty::Missing);
    guard::<A, Never>(engine, a, Ty::Never);
    guard::<A, Band>(engine, a, Ty::Band);
    guard::<A, INT>(engine, a, Ty::Int);
    guard::<A, Decimal>(engine, a, Ty::Dec);
    guard::<A, ImmutableString>(engine, a, Ty::Text);
    guard::<A, bool>(engine, a, Ty::Bool);
    guard::<A, char>(engine, a, Ty::Char);
    guard::<A, Array>(engine, a, Ty::Array);
    guard::<A, Map>(engine, a, Ty::Map);
}

/// Every pair of types the rules refuse for some operator gets its error (see
/// [`ops::type_rule`]): the table is written once, there.
fn register_type_rules(engine: &mut Engine) {
    guard_row::<()>(engine, Ty::Missing);
    guard_row::<Never>(engine, Ty::Never);
    guard_row::<Band>(engine, Ty::Band);
    guard_row::<INT>(engine, Ty::Int);
    guard_row::<Decimal>(engine, Ty::Dec);
    guard_row::<ImmutableString>(engine, Ty::Text);
    guard_row::<bool>(engine, Ty::Bool);
    guard_row::<char>(engine, Ty::Char);
    guard_row::<Array>(engine, Ty::Array);
    guard_row::<Map>(engine, Ty::Map);
}

/// `op` on an `A` and a `B`, through [`ops::arithmetic`].
fn register_arithmetic_pair<A: Variant + Clone, B: Variant + Clone>(
    engine: &mut Engine,
    op: Op,
    a: fn(A) -> Num,
    b: fn(B) -> Num,
) {
    engine.register_fn(op.symbol(), move |x: A, y: B| {
        ops::arithmetic(op, a(x), b(y))
            .map(|n| match n {
                Num::Int(i) => Dynamic::from_int(i),
                Num::Dec(d) => Dynamic::from_decimal(d),
            })
            .map_err(ops::to_rhai)
    });
}

/// Number arithmetic through [`ops::arithmetic`], the native evaluator's own: the same
/// overflow and division-by-zero errors, and no negative zero, on both paths.
fn register_arithmetic(engine: &mut Engine) {
    for op in [Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Rem] {
        register_arithmetic_pair::<INT, INT>(engine, op, Num::Int, Num::Int);
        register_arithmetic_pair::<INT, Decimal>(engine, op, Num::Int, Num::Dec);
        register_arithmetic_pair::<Decimal, INT>(engine, op, Num::Dec, Num::Int);
        register_arithmetic_pair::<Decimal, Decimal>(engine, op, Num::Dec, Num::Dec);
    }
}

/// Bands compare with bands and with band text (a catalog band; anything else is an error).
fn register_band_comparisons(engine: &mut Engine) {
    for op in [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge] {
        let symbol = op.symbol();
        engine.register_fn(symbol, move |a: Band, b: Band| op.holds(a.cmp(&b)));
        engine.register_fn(symbol, move |a: Band, b: &str| {
            ops::band_against_text(a, b)
                .map(|o| op.holds(o))
                .map_err(ops::to_rhai)
        });
        engine.register_fn(symbol, move |a: &str, b: Band| {
            ops::band_against_text(b, a)
                .map(|o| op.holds(o.reverse()))
                .map_err(ops::to_rhai)
        });
    }
    engine.register_fn("==", |_: Never, _: Never| true);
    engine.register_fn("!=", |_: Never, _: Never| false);
}

/// The fault a Rhai error stands for: a fault raised by the type rules or a function comes
/// back intact; Rhai's own errors (limits, a non-boolean condition) get their kind and a
/// message without Rhai's position, so the text is the same whichever evaluator ran.
pub(crate) fn fault_of(error: &EvalAltResult) -> RuleFault {
    let error = error.unwrap_inner();
    match error {
        EvalAltResult::ErrorRuntime(value, _) => match value.clone().try_cast::<RuleFault>() {
            Some(fault) => fault,
            None => RuleFault::new(RuleErrorKind::Other, value.to_string()),
        },
        EvalAltResult::ErrorTooManyOperations(_) => RuleFault::new(
            RuleErrorKind::OperationLimit,
            format!("the expression needs more than {MAX_OPERATIONS} operations"),
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => RuleFault::new(
            RuleErrorKind::SizeLimit,
            format!("{what} is larger than the sandbox allows"),
        ),
        EvalAltResult::ErrorStackOverflow(_) => RuleFault::new(
            RuleErrorKind::DepthLimit,
            "the expression nests deeper than the sandbox allows",
        ),
        EvalAltResult::ErrorArithmetic(message, _) => RuleFault::new(
            if message.starts_with("Division by zero") {
                RuleErrorKind::DivisionByZero
            } else {
                RuleErrorKind::Overflow
            },
            message.clone(),
        ),
        EvalAltResult::ErrorMismatchDataType(expected, actual, _) if expected == "bool" => {
            RuleFault::new(
                RuleErrorKind::NotABoolean,
                format!("expected true or false, not {}", rhai_noun(actual)),
            )
        }
        other => {
            // Rhai's text ends with its position, which would differ between evaluators.
            let text = other.to_string();
            let position = format!(" ({})", other.position());
            let text = match text.strip_suffix(&position) {
                Some(t) if !other.position().is_none() => t.to_string(),
                _ => text,
            };
            RuleFault::new(RuleErrorKind::Other, text)
        }
    }
}

/// Rhai's name of a type, as the type rules say it.
fn rhai_noun(type_name: &str) -> String {
    match type_name {
        "()" => Ty::Missing.noun().into(),
        "i64" | "decimal" | "rust_decimal::Decimal" => Ty::Dec.noun().into(),
        "string" => Ty::Text.noun().into(),
        "char" => Ty::Char.noun().into(),
        "array" => Ty::Array.noun().into(),
        "map" => Ty::Map.noun().into(),
        "Never" => Ty::Never.noun().into(),
        "Band" => Ty::Band.noun().into(),
        other => format!("a {other}"),
    }
}

/// The engine expressions are parsed with: the sandbox's syntax limits, without the strict
/// variable check, so that an unknown name is found in the AST (with its position) and reported
/// with a suggestion instead of Rhai's bare "undefined variable".
pub(crate) fn parser() -> Engine {
    let mut engine = Engine::new_raw();
    configure(&mut engine);
    engine.set_strict_variables(false);
    engine
}

fn configure(engine: &mut Engine) {
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
}

/// Build the sandboxed engine. Called once per policy load.
///
/// The engine is raw: none of Rhai's standard packages are loaded, so the only functions an
/// expression can reach are the allow-listed ones in [`super::functions`], our operator guards
/// and Rhai's checked built-in operators on numbers, text and booleans.
pub(crate) fn engine() -> Engine {
    let mut engine = Engine::new_raw();
    configure(&mut engine);
    engine.register_type_with_name::<Never>("Never");
    engine.register_type_with_name::<Band>("Band");
    register_type_rules(&mut engine);
    register_arithmetic(&mut engine);
    register_band_comparisons(&mut engine);

    // The allow-listed functions (and unary operators): nothing else can be called.
    super::functions::register(&mut engine);
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
            .map_err(|e| crate::policy::sandbox::fault_of(&e).message)
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
