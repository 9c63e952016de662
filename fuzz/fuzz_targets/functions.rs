//! Every function and operator a policy may call, with extreme arguments: Decimal MAX/MIN and
//! its smallest step, i64 extremes, huge sizes and digit counts, multiples of π/2, zero, text,
//! bands, missing and never. Arguments come both as literals in the expression (so the
//! load-time probe runs them) and as applicant values from a payload (so `decide` runs them).
//!
//! Invariants: the policy loads (every function on the allow-list compiles and passes the
//! probe whatever its literal arguments), unless the load-time type check refuses it (an
//! operator that can meet a missing, never or band value, or divides two whole numbers: a
//! refusal at load is the check doing its job, so it counts as an error, never as silence);
//! and deciding gives a decision or a typed rule error,
//! never an internal error; an operator on literals of different kinds (number and text,
//! missing and anything but missing, a list and a non-list, ...) is always a rule error, never
//! a silent answer. A panic anywhere aborts the process under libFuzzer, even inside
//! the library's panic guards, so the guards cannot hide a finding.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use underwrite_core::policy::functions::{FUNCTIONS, OPERATORS};
use underwrite_core::policy::{DecideError, DecideOptions, DiagnosticKind, Policy};

/// An argument value.
#[derive(Debug, Arbitrary)]
enum Value {
    DecimalMax,
    DecimalMin,
    SmallestStep,
    HalfPi(u8),
    Zero,
    NegativeZero,
    IntMax,
    IntMin,
    Int(i64),
    Decimal { lo: u32, mid: u32, hi: u32, negative: bool, scale: u8 },
    Text(String),
    Band(u8),
    BadBand(u8),
    Bool(bool),
    Missing,
    List(Vec<u8>),
    /// The applicant's value of amount signal `n % 3` (from the payload).
    Applicant(u8),
}

/// What the payload sends for one of the three amount signals.
#[derive(Debug, Arbitrary)]
enum Sent {
    Number(Value),
    Band(u8),
    Null,
}

#[derive(Debug, Arbitrary)]
enum Call {
    Function { index: u8, args: Vec<Value> },
    Binary { op: u8, left: Value, right: Value },
    Negate(Value),
    Not(Value),
}

#[derive(Debug, Arbitrary)]
struct Input {
    call: Call,
    sent: [Sent; 3],
}

const SIGNALS: [&str; 3] = [
    "events_debt_day90_amount",
    "events_overdue_day30_amount",
    "events_disbursement_day180_amount",
];

fn decimal(value: &Value) -> Option<Decimal> {
    Some(match *value {
        Value::DecimalMax => Decimal::MAX,
        Value::DecimalMin => Decimal::MIN,
        Value::SmallestStep => Decimal::new(1, 28),
        // π/2 to 28 places, times an odd number: where tan is undefined.
        Value::HalfPi(k) => Decimal::from_str_exact("1.5707963267948966192313216916")
            .ok()?
            .checked_mul(Decimal::from(2 * i64::from(k) + 1))?,
        Value::Zero => Decimal::ZERO,
        Value::NegativeZero => Decimal::new(0, 3).checked_mul(Decimal::NEGATIVE_ONE)?,
        Value::Decimal { lo, mid, hi, negative, scale } => {
            Decimal::from_parts(lo, mid, hi, negative, u32::from(scale % 29))
        }
        _ => return None,
    })
}

/// The value as Rhai source text.
fn literal(value: &Value) -> String {
    if let Some(d) = decimal(value) {
        // A decimal literal needs a point; `-` applies to the whole number.
        let text = d.abs().to_string();
        let text = if text.contains('.') { text } else { format!("{text}.0") };
        return if d.is_sign_negative() { format!("(-{text})") } else { text };
    }
    match value {
        Value::IntMax => i64::MAX.to_string(),
        Value::IntMin => "(-9223372036854775807 - 1)".into(),
        Value::Int(i) if *i < 0 => format!("({i})"),
        Value::Int(i) => i.to_string(),
        Value::Text(s) => {
            let escaped: String = s
                .chars()
                .take(64)
                .flat_map(|c| match c {
                    '"' | '\\' => vec!['\\', c],
                    c if c.is_control() => vec![' '],
                    c => vec![c],
                })
                .collect();
            format!("\"{escaped}\"")
        }
        Value::Band(n) => format!("\"A{}\"", n % 100),
        Value::BadBand(n) => format!("\"Z{n}\""),
        Value::Bool(b) => b.to_string(),
        Value::Missing => "()".into(),
        Value::List(items) => format!(
            "[{}]",
            items.iter().take(8).map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
        ),
        Value::Applicant(n) => format!("v{}", n % 3),
        _ => "0".into(),
    }
}

/// The kind of a literal, for the mixed-type invariant (`None`: an applicant value, unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Text,
    Bool,
    Missing,
    List,
}

fn kind(value: &Value) -> Option<Kind> {
    if decimal(value).is_some() {
        return Some(Kind::Number);
    }
    Some(match value {
        Value::IntMax | Value::IntMin | Value::Int(_) => Kind::Number,
        Value::Text(_) | Value::Band(_) | Value::BadBand(_) => Kind::Text,
        Value::Bool(_) => Kind::Bool,
        Value::Missing => Kind::Missing,
        Value::List(_) => Kind::List,
        _ => return None,
    })
}

/// Whether `left op right` must be a rule error whatever the values: operands of different
/// kinds, or a missing value anywhere but `() == ()` / `() != ()`.
fn must_fail(call: &Call) -> bool {
    let Call::Binary { op, left, right } = call else {
        return false;
    };
    let (Some(l), Some(r)) = (kind(left), kind(right)) else {
        return false;
    };
    let op = binary_operator(*op);
    if l == Kind::Missing && r == Kind::Missing {
        return !matches!(op, "==" | "!=");
    }
    l != r
}

fn binary_operator(op: u8) -> &'static str {
    let binary: Vec<&'static str> = OPERATORS.iter().copied().filter(|o| *o != "!").collect();
    binary[usize::from(op) % binary.len()]
}

fn expression(call: &Call) -> String {
    match call {
        Call::Function { index, args } => {
            let f = &FUNCTIONS[usize::from(*index) % FUNCTIONS.len()];
            let arity = f.arities[args.len() % f.arities.len()];
            let args: Vec<String> = (0..arity)
                .map(|i| args.get(i).map_or_else(|| "0".into(), literal))
                .collect();
            format!("{}({})", f.name, args.join(", "))
        }
        Call::Binary { op, left, right } => {
            format!("({} {} {})", literal(left), binary_operator(*op), literal(right))
        }
        Call::Negate(v) => format!("-{}", literal(v)),
        Call::Not(v) => format!("!{}", literal(v)),
    }
}

fn sent_json(sent: &Sent) -> String {
    match sent {
        Sent::Number(v) => match decimal(v) {
            Some(d) => d.to_string(),
            None => match v {
                Value::IntMax => i64::MAX.to_string(),
                Value::IntMin => i64::MIN.to_string(),
                Value::Int(i) => i.to_string(),
                _ => "0".into(),
            },
        },
        Sent::Band(n) => format!("\"A{}\"", n % 100),
        Sent::Null => "null".into(),
    }
}

fuzz_target!(|input: Input| {
    let expr = expression(&input.call);
    let yaml = format!(
        "name: functions\nversion: \"1\"\nfeatures:\n  aliases:\n    v0: {}\n    v1: {}\n    v2: {}\n\
         knockouts:\n  - id: call\n    when: 'is_missing({})'\n    \
         outcome: review\n    reason: {{ code: C, text: c }}\n",
        SIGNALS[0],
        SIGNALS[1],
        SIGNALS[2],
        expr.replace('\'', "''"),
    );
    let policy = match Policy::load(yaml.as_bytes()) {
        Ok(p) => p,
        // The static type check may refuse a call it can prove fails (see policy/typecheck.rs).
        Err(e) if e.diagnostics.iter().all(|d| d.kind == DiagnosticKind::Type) => return,
        Err(e) => panic!("allowed call did not load: {expr}: {e}"),
    };
    let result: Vec<String> = SIGNALS
        .iter()
        .zip(&input.sent)
        .map(|(name, sent)| format!("\"{name}\": {}", sent_json(sent)))
        .collect();
    let payload = format!(
        "{{\"status\": \"COMPLETED\", \"resultCode\": \"SUCCESS\", \"result\": {{{}}}}}",
        result.join(", ")
    );
    let decided = policy.decide_payload(payload.as_bytes(), None, DecideOptions { trace: true });
    match decided {
        Ok(d) if must_fail(&input.call) => {
            panic!("{expr}: operands of different kinds answered silently: {:?}", d.decision)
        }
        Ok(_) | Err(DecideError::Rule { .. }) | Err(DecideError::Signals(_)) => {}
        Err(e) => panic!("{expr} on {payload}: {e}"),
    }
});
