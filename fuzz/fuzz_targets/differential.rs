//! The native evaluator against Rhai on the same parsed expression (see
//! `underwrite_core::policy::differential`): expressions over every precedence level written
//! without forced parentheses (`||`, `&&`, `==`/`!=`, `<`..`>=`, `??`, `+ -`, `* / %`), unary
//! `!` and `-`, chained comparisons, calls and `if` with or without `else`; operands are
//! variables bound to numbers (any mantissa and scale, the decimal extremes), bands, text,
//! true/false, missing and never, and literals at the edges of both number types.
//!
//! Invariant: wherever the native tree answers, its answer is exactly Rhai's: the same value
//! (the decimal's scale and sign included) or the same error kind and message.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use underwrite_core::features::{Band, FeatureValue};
use underwrite_core::policy::differential::{extreme_values, run, var_name, EXTREME_LITERALS};

const VARS: usize = 4;
const OPS: &[&str] = &[
    "||", "&&", "==", "!=", "<", "<=", ">", ">=", "??", "+", "-", "*", "/", "%",
];
const CALLS: &[&str] = &["is_missing", "is_never", "is_band"];

#[derive(Debug, Arbitrary)]
enum Atom {
    Var(u8),
    Extreme(u8),
    Int(i64),
    Decimal(i32, u8),
    Band(u8),
    Text(u8),
    Unit,
    Bool(bool),
}

#[derive(Debug, Arbitrary)]
enum Node {
    Atom(Atom),
    Not(Box<Node>),
    Neg(Box<Node>),
    Call(u8, Box<Node>),
    NeverAs(Box<Node>, Box<Node>),
    Group(Box<Chain>),
    If(Box<Node>, Box<Chain>, Option<Box<Chain>>),
}

/// Operands joined by operators, written without parentheses.
#[derive(Debug, Arbitrary)]
struct Chain {
    first: Node,
    rest: Vec<(u8, Node)>,
}

#[derive(Debug, Arbitrary)]
enum Value {
    Extreme(u8),
    Number(i64, u8),
    Band(u8),
    Text(u8),
}

#[derive(Debug, Arbitrary)]
struct Input {
    expr: Chain,
    values: [Value; VARS],
}

const TEXTS: &[&str] = &["A3", "A10", "Z1", "No Match", "", "a"];

fn atom(a: &Atom) -> String {
    match a {
        Atom::Var(i) => var_name(usize::from(*i) % VARS),
        Atom::Extreme(i) => EXTREME_LITERALS[usize::from(*i) % EXTREME_LITERALS.len()].into(),
        Atom::Int(i) => i.to_string(),
        Atom::Decimal(m, s) => Decimal::new(i64::from(*m), u32::from(s % 29)).to_string(),
        Atom::Band(l) => format!("\"A{}\"", l % 100),
        Atom::Text(i) => format!("{:?}", TEXTS[usize::from(*i) % TEXTS.len()]),
        Atom::Unit => "()".into(),
        Atom::Bool(b) => b.to_string(),
    }
}

fn node(n: &Node) -> String {
    match n {
        Node::Atom(a) => atom(a),
        Node::Not(x) => format!("!{}", node(x)),
        Node::Neg(x) => format!("-{}", node(x)),
        Node::Call(f, x) => format!("{}({})", CALLS[usize::from(*f) % CALLS.len()], node(x)),
        Node::NeverAs(x, d) => format!("never_as({}, {})", node(x), node(d)),
        Node::Group(c) => format!("({})", chain(c)),
        Node::If(c, a, None) => format!("if {} {{ {} }}", node(c), chain(a)),
        Node::If(c, a, Some(b)) => {
            format!("if {} {{ {} }} else {{ {} }}", node(c), chain(a), chain(b))
        }
    }
}

fn chain(c: &Chain) -> String {
    c.rest.iter().fold(node(&c.first), |acc, (op, n)| {
        format!("{acc} {} {}", OPS[usize::from(*op) % OPS.len()], node(n))
    })
}

fn value(v: &Value, extremes: &[FeatureValue]) -> FeatureValue {
    match v {
        Value::Extreme(i) => extremes[usize::from(*i) % extremes.len()].clone(),
        Value::Number(m, s) => FeatureValue::Number(Decimal::new(*m, u32::from(s % 29))),
        Value::Band(l) => {
            Band::parse(&format!("A{}", l % 100)).map_or(FeatureValue::Missing, FeatureValue::Band)
        }
        Value::Text(i) => FeatureValue::Text(TEXTS[usize::from(*i) % TEXTS.len()].into()),
    }
}

fuzz_target!(|input: Input| {
    let src = chain(&input.expr);
    if src.len() > 4096 {
        return;
    }
    let extremes = extreme_values();
    let values: Vec<FeatureValue> = input.values.iter().map(|v| value(v, &extremes)).collect();
    if let Some(both) = run(&src, &values) {
        if let Some(native) = &both.native {
            assert_eq!(native, &both.rhai, "`{src}` on {values:?}");
        }
    }
});
