//! The type rules of policy expressions, written once.
//!
//! Both evaluators obey this module: the sandbox registers an operator overload for every pair
//! of types [`type_rule`] refuses (so Rhai's built-in fallback, which quietly answers `false`
//! for `() == 3` or concatenates `"a" + 1`, never runs) and routes number arithmetic through
//! [`arithmetic`]; the native evaluator calls the same two functions. So a failure has one
//! [`RuleErrorKind`] and one message whichever evaluator ran, and a differential test holds
//! them to it.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::features::{Band, NOT_BAND_TEXT};
use crate::policy::error::{RuleErrorKind, RuleFault};

/// The Rhai value of a "days since last" signal whose event never happened.
///
/// Comparing it with a number is an error: say what "never" means (`never_as(x, 9999)`) or test
/// it (`is_never(x)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Never;

/// The type of a value, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// `()`.
    Missing,
    /// [`Never`].
    Never,
    /// An amount band.
    Band,
    /// A Rhai integer (from a literal).
    Int,
    /// A decimal (every feature, decimal literals).
    Dec,
    /// Text.
    Text,
    /// True or false.
    Bool,
    /// A character literal.
    Char,
    /// A list literal.
    Array,
    /// A map literal.
    Map,
    /// Anything else Rhai can hold (no policy value is one).
    Other,
}

impl Ty {
    fn is_number(self) -> bool {
        matches!(self, Ty::Int | Ty::Dec)
    }

    /// The type in a message: "a number", "a text", ...
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Ty::Missing => "a missing value",
            Ty::Never => "never",
            Ty::Band => "a band",
            Ty::Int | Ty::Dec => "a number",
            Ty::Text => "a text",
            Ty::Bool => "true/false",
            Ty::Char => "a character",
            Ty::Array => "a list",
            Ty::Map => "a map",
            Ty::Other => "a value of another type",
        }
    }
}

/// The binary operators the rules cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl Op {
    /// Every operator.
    pub(crate) const ALL: [Op; 11] = [
        Op::Eq,
        Op::Ne,
        Op::Lt,
        Op::Le,
        Op::Gt,
        Op::Ge,
        Op::Add,
        Op::Sub,
        Op::Mul,
        Op::Div,
        Op::Rem,
    ];

    /// The operator from its symbol.
    pub(crate) fn from_symbol(symbol: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.symbol() == symbol)
    }

    /// As written.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Rem => "%",
        }
    }

    fn is_equality(self) -> bool {
        matches!(self, Op::Eq | Op::Ne)
    }

    /// Whether the operator is a comparison (equality or order).
    pub(crate) fn is_comparison(self) -> bool {
        matches!(self, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }

    /// The comparison's answer for an ordering of its operands.
    pub(crate) fn holds(self, ord: Ordering) -> bool {
        match self {
            Op::Eq => ord.is_eq(),
            Op::Ne => ord.is_ne(),
            Op::Lt => ord.is_lt(),
            Op::Le => ord.is_le(),
            Op::Gt => ord.is_gt(),
            Op::Ge => ord.is_ge(),
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Rem => false,
        }
    }
}

const MISSING_USED: &str = "a missing value was used in a comparison or arithmetic; say what \
     missing means (`x ?? 0`) or test it (`is_missing(x)`)";
const NEVER_USED: &str = "an event that never happened was compared as a number; say what \
     never means (`never_as(x, 9999)`) or test it (`is_never(x)`)";
const BAND_USED: &str = "an amount band (like \"A3\") was used as a number; compare it with a \
     band (`x >= \"A3\"`) or use `band_level(x)`";

/// A missing value was used.
pub(crate) fn missing_used() -> RuleFault {
    RuleFault::new(RuleErrorKind::MissingUsed, MISSING_USED)
}

/// Never was used as a number.
pub(crate) fn never_used() -> RuleFault {
    RuleFault::new(RuleErrorKind::NeverUsed, NEVER_USED)
}

/// A band was used as a number.
pub(crate) fn band_used() -> RuleFault {
    RuleFault::new(RuleErrorKind::BandUsed, BAND_USED)
}

/// Whether `op` may be applied to a value of type `a` and one of type `b`. This is the whole
/// type discipline of policy expressions:
/// * a missing value only in `x == ()` / `x != ()`; never only against never with `==`/`!=`;
/// * a band against a band or band text, with comparisons only;
/// * numbers (whole or decimal) with each other, every operator;
/// * anything else compares only like with like, with `==` / `!=` (text, true/false and
///   characters have no order here), and arithmetic takes numbers only.
pub(crate) fn type_rule(op: Op, a: Ty, b: Ty) -> Result<(), RuleFault> {
    let pair = (a, b);
    if a == Ty::Missing || b == Ty::Missing {
        return match pair {
            (Ty::Missing, Ty::Missing) if op.is_equality() => Ok(()),
            _ => Err(missing_used()),
        };
    }
    if a == Ty::Never || b == Ty::Never {
        return match pair {
            (Ty::Never, Ty::Never) if op.is_equality() => Ok(()),
            _ => Err(never_used()),
        };
    }
    if a == Ty::Band || b == Ty::Band {
        return match pair {
            (Ty::Band, Ty::Band | Ty::Text) | (Ty::Text, Ty::Band) if op.is_comparison() => Ok(()),
            _ => Err(band_used()),
        };
    }
    if a.is_number() && b.is_number() {
        return Ok(());
    }
    if !op.is_comparison() {
        return Err(RuleFault::new(
            RuleErrorKind::WrongType,
            format!(
                "`{}` works on numbers, not {} and {}",
                op.symbol(),
                a.noun(),
                b.noun()
            ),
        ));
    }
    if a != b {
        return Err(RuleFault::new(
            RuleErrorKind::MixedTypes,
            format!(
                "{} was compared with {}; compare like with like",
                a.noun(),
                b.noun()
            ),
        ));
    }
    if op.is_equality() {
        Ok(())
    } else {
        Err(RuleFault::new(
            RuleErrorKind::NoOrder,
            format!(
                "{} has no order; compare it with `==` or `!=`",
                a.noun()
                    .trim_start_matches("a ")
                    .replace("true/false", "true and false")
            ),
        ))
    }
}

/// A number as arithmetic sees it: Rhai integers stay integers, decimals stay exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Num {
    /// A whole-number literal (Rhai `INT`).
    Int(i64),
    /// A decimal.
    Dec(Decimal),
}

impl Num {
    fn decimal(self) -> Decimal {
        match self {
            Num::Int(i) => Decimal::from(i),
            Num::Dec(d) => d,
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Dec(d) => write!(f, "{d}"),
        }
    }
}

/// A decimal without the sign of zero: `-0.0` prints as `0.0`, whichever path produced it.
pub(crate) fn unsigned_zero(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

/// `a op b` on two numbers, checked: two integers give an integer (Rhai's integer arithmetic,
/// so `7 / 2` is 3); a decimal on either side gives a decimal. Overflow and division by zero
/// are errors; comparisons are not arithmetic and answer `WrongType`.
pub(crate) fn arithmetic(op: Op, a: Num, b: Num) -> Result<Num, RuleFault> {
    let overflow = || {
        RuleFault::new(
            RuleErrorKind::Overflow,
            format!("`{a} {} {b}` overflows the range of numbers", op.symbol()),
        )
    };
    if matches!(op, Op::Div | Op::Rem) && b.decimal().is_zero() {
        return Err(RuleFault::new(
            RuleErrorKind::DivisionByZero,
            format!("division by zero: `{a} {} {b}`", op.symbol()),
        ));
    }
    if let (Num::Int(x), Num::Int(y)) = (a, b) {
        let r = match op {
            Op::Add => x.checked_add(y),
            Op::Sub => x.checked_sub(y),
            Op::Mul => x.checked_mul(y),
            Op::Div => x.checked_div(y),
            Op::Rem => x.checked_rem(y),
            _ => return Err(not_arithmetic(op)),
        };
        return r.map(Num::Int).ok_or_else(overflow);
    }
    let (x, y) = (a.decimal(), b.decimal());
    let r = match op {
        Op::Add => x.checked_add(y),
        Op::Sub => x.checked_sub(y),
        Op::Mul => x.checked_mul(y),
        Op::Div => x.checked_div(y),
        Op::Rem => x.checked_rem(y),
        _ => return Err(not_arithmetic(op)),
    };
    r.map(|d| Num::Dec(unsigned_zero(d))).ok_or_else(overflow)
}

fn not_arithmetic(op: Op) -> RuleFault {
    RuleFault::new(
        RuleErrorKind::WrongType,
        format!("`{}` is not arithmetic", op.symbol()),
    )
}

/// `-x`, checked.
pub(crate) fn negate(x: Num) -> Result<Num, RuleFault> {
    match x {
        Num::Int(i) => i.checked_neg().map(Num::Int).ok_or_else(|| {
            RuleFault::new(
                RuleErrorKind::Overflow,
                format!("`-{i}` overflows the range of numbers"),
            )
        }),
        Num::Dec(d) => Ok(Num::Dec(unsigned_zero(-d))),
    }
}

/// Compare two numbers exactly.
pub(crate) fn compare_numbers(a: Num, b: Num) -> Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        _ => a.decimal().cmp(&b.decimal()),
    }
}

/// A band against band text: only a catalog band compares (`"Z1"`, `"A007"` are errors).
pub(crate) fn band_against_text(band: Band, text: &str) -> Result<Ordering, RuleFault> {
    Band::parse(text)
        .map(|other| band.cmp(&other))
        .ok_or_else(|| RuleFault::new(RuleErrorKind::NotABand, NOT_BAND_TEXT))
}

/// A function needing a number got a value of type `ty`: missing, never and bands get the same
/// advice as in comparisons.
pub(crate) fn not_a_number(function: &str, ty: Ty) -> RuleFault {
    match ty {
        Ty::Missing => missing_used(),
        Ty::Never => never_used(),
        Ty::Band => band_used(),
        _ => RuleFault::new(
            RuleErrorKind::WrongType,
            format!("`{function}` takes a number, not {}", ty.noun()),
        ),
    }
}

/// A function needing text got a value of type `ty`.
pub(crate) fn not_a_text(function: &str, ty: Ty) -> RuleFault {
    match ty {
        Ty::Missing => missing_used(),
        _ => RuleFault::new(
            RuleErrorKind::WrongType,
            format!("`{function}` takes a text, not {}", ty.noun()),
        ),
    }
}

/// An operator needing true or false (`!`, `&&`, `||`, `if`, a condition) got `ty`.
pub(crate) fn not_a_boolean(what: &str, ty: Ty) -> RuleFault {
    RuleFault::new(
        RuleErrorKind::NotABoolean,
        format!("{what} needs true or false, not {}", ty.noun()),
    )
}

/// The type of a Rhai value.
pub(crate) fn ty_of(value: &rhai::Dynamic) -> Ty {
    if value.is_unit() {
        Ty::Missing
    } else if value.is::<Never>() {
        Ty::Never
    } else if value.is::<Band>() {
        Ty::Band
    } else if value.is_int() {
        Ty::Int
    } else if value.is_decimal() {
        Ty::Dec
    } else if value.is_string() {
        Ty::Text
    } else if value.is_bool() {
        Ty::Bool
    } else if value.is_char() {
        Ty::Char
    } else if value.is_array() {
        Ty::Array
    } else if value.is_map() {
        Ty::Map
    } else {
        Ty::Other
    }
}

/// The type of a Rhai value for a message ("a number", ...); an unknown type by Rhai's name.
pub(crate) fn noun_of(value: &rhai::Dynamic) -> String {
    match ty_of(value) {
        Ty::Other => format!("a {}", value.type_name()),
        known => known.noun().into(),
    }
}

/// A fault as a Rhai error, carried intact so the caller gets its kind back
/// ([`crate::policy::sandbox::fault_of`]).
pub(crate) fn to_rhai(fault: RuleFault) -> Box<rhai::EvalAltResult> {
    Box::new(rhai::EvalAltResult::ErrorRuntime(
        rhai::Dynamic::from(fault),
        rhai::Position::NONE,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_table_allows_only_what_it_says() {
        use Ty::*;
        let ok = |op, a, b| type_rule(op, a, b).is_ok();
        assert!(ok(Op::Eq, Missing, Missing));
        assert!(!ok(Op::Lt, Missing, Missing));
        assert!(!ok(Op::Eq, Missing, Bool));
        assert!(!ok(Op::Eq, Bool, Missing));
        assert!(ok(Op::Ne, Never, Never) && !ok(Op::Lt, Never, Never));
        assert!(ok(Op::Ge, Band, Text) && ok(Op::Lt, Text, Band) && ok(Op::Eq, Band, Band));
        assert!(!ok(Op::Add, Band, Band) && !ok(Op::Gt, Band, Dec));
        for op in Op::ALL {
            assert!(ok(op, Int, Dec) && ok(op, Dec, Int) && ok(op, Dec, Dec));
        }
        assert!(ok(Op::Eq, Text, Text) && !ok(Op::Lt, Text, Text) && !ok(Op::Add, Text, Text));
        assert!(!ok(Op::Lt, Bool, Bool) && !ok(Op::Eq, Text, Bool) && !ok(Op::Add, Text, Int));
        let e = type_rule(Op::Eq, Text, Int).unwrap_err();
        assert_eq!(e.kind, RuleErrorKind::MixedTypes);
        assert_eq!(
            e.message,
            "a text was compared with a number; compare like with like"
        );
        assert_eq!(
            type_rule(Op::Lt, Bool, Bool).unwrap_err().message,
            "true and false has no order; compare it with `==` or `!=`"
        );
    }

    #[test]
    fn arithmetic_is_checked_and_keeps_integers_integral() {
        assert_eq!(
            arithmetic(Op::Div, Num::Int(7), Num::Int(2)),
            Ok(Num::Int(3))
        );
        assert_eq!(
            arithmetic(Op::Div, Num::Dec(Decimal::from(7)), Num::Int(2)),
            Ok(Num::Dec(Decimal::new(35, 1)))
        );
        let e = arithmetic(Op::Add, Num::Int(i64::MAX), Num::Int(1)).unwrap_err();
        assert_eq!(e.kind, RuleErrorKind::Overflow);
        let e = arithmetic(Op::Rem, Num::Dec(Decimal::ONE), Num::Int(0)).unwrap_err();
        assert_eq!(e.kind, RuleErrorKind::DivisionByZero);
        assert_eq!(
            arithmetic(Op::Mul, Num::Dec(Decimal::new(-1, 1)), Num::Int(0)),
            Ok(Num::Dec(Decimal::new(0, 1)))
        );
        assert_eq!(
            negate(Num::Dec(Decimal::ZERO)).map(|n| n.to_string()),
            Ok("0".into())
        );
        assert_eq!(
            negate(Num::Int(i64::MIN)).unwrap_err().kind,
            RuleErrorKind::Overflow
        );
    }
}
