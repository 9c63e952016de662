//! Native evaluation of the simple expressions most rules are made of.
//!
//! Rhai is a tree-walking interpreter: each call sets up a scope, resolves variables by name and
//! dispatches every operator dynamically. Most credit rules are comparisons of a feature with a
//! constant joined by `&&` / `||`, so at load time each expression in that subset is also parsed
//! here into a small tree whose variables are already resolved to indices. The tree is evaluated
//! directly on the decision's values.
//!
//! The native path must give exactly what Rhai gives. It therefore only decides the cases it
//! models precisely (numbers, missing, never, bands, booleans, strings) and answers
//! [`Eval::Defer`] for anything else (an operator on types it does not model, an overflow, a
//! division by zero), in which case the caller evaluates the same expression with Rhai. A
//! property test checks both paths agree on random inputs.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::features::Band;

/// A value during native evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
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

/// The result of a native evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Eval<'a> {
    /// The value, identical to what Rhai would return.
    Value(Val<'a>),
    /// The expression fails (Rhai would fail too); the message says why.
    Error(&'static str),
    /// Not modelled here: evaluate with Rhai.
    Defer,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
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
}

/// A native expression tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A constant.
    Const(Const),
    /// A policy variable, by index.
    Var(usize),
    /// `kyc.<field>`, by field index.
    Kyc(usize),
    /// `!e`
    Not(Box<Expr>),
    /// `a && b`
    And(Box<Expr>, Box<Expr>),
    /// `a || b`
    Or(Box<Expr>, Box<Expr>),
    /// `a ?? b`
    Coalesce(Box<Expr>, Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `is_missing(e)`
    IsMissing(Box<Expr>),
    /// `is_never(e)`
    IsNever(Box<Expr>),
    /// `never_as(e, d)`
    NeverAs(Box<Expr>, Box<Expr>),
    /// `is_band(e)`
    IsBand(Box<Expr>),
    /// `if c { a } else { b }`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    /// `()`
    Unit,
    /// Integer literal.
    Int(i64),
    /// Decimal literal.
    Dec(Decimal),
    /// `true` / `false`.
    Bool(bool),
    /// String literal without escapes.
    Str(Box<str>),
}

/// Where the evaluator reads values from.
pub trait Env {
    /// The value of variable `index`.
    fn var(&self, index: usize) -> Val<'_>;
    /// The value of KYC field `index`.
    fn kyc(&self, index: usize) -> Val<'_>;
}

const MISSING_MSG: &str = "a missing value was used in a comparison or arithmetic; say what \
                           missing means (`x ?? 0`) or test it (`is_missing(x)`)";
const NEVER_MSG: &str = "an event that never happened was compared as a number; say what never \
                         means (`never_as(x, 9999)`) or test it (`is_never(x)`)";
const BAND_MSG: &str = "an amount band (like \"A3\") was used as a number; compare it with a \
                        band (`x >= \"A3\"`) or use `band_level(x)`";

impl Expr {
    /// Evaluate on `env`.
    pub fn eval<'a, E: Env>(&'a self, env: &'a E) -> Eval<'a> {
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
            Expr::Not(e) => match e.eval(env) {
                Eval::Value(Val::Bool(b)) => Eval::Value(Val::Bool(!b)),
                Eval::Value(_) => Eval::Defer,
                other => other,
            },
            Expr::And(a, b) => short_circuit(a, b, env, false),
            Expr::Or(a, b) => short_circuit(a, b, env, true),
            Expr::Coalesce(a, b) => match a.eval(env) {
                Eval::Value(Val::Unit) => b.eval(env),
                other => other,
            },
            Expr::IsMissing(e) => match e.eval(env) {
                Eval::Value(v) => Eval::Value(Val::Bool(v == Val::Unit)),
                other => other,
            },
            Expr::IsNever(e) => match e.eval(env) {
                Eval::Value(v) => Eval::Value(Val::Bool(v == Val::Never)),
                other => other,
            },
            Expr::IsBand(e) => match e.eval(env) {
                Eval::Value(v) => Eval::Value(Val::Bool(matches!(v, Val::Band(_)))),
                other => other,
            },
            Expr::If(c, a, b) => match c.eval(env) {
                Eval::Value(Val::Bool(true)) => a.eval(env),
                Eval::Value(Val::Bool(false)) => b.eval(env),
                Eval::Value(_) => Eval::Defer,
                other => other,
            },
            // A function call: Rhai evaluates every argument first.
            Expr::NeverAs(e, d) => match (e.eval(env), d.eval(env)) {
                (Eval::Value(Val::Never), d) => d,
                (Eval::Value(v), Eval::Value(_)) => Eval::Value(v),
                (Eval::Value(_), other) | (other, _) => other,
            },
            Expr::Binary(op, a, b) => {
                let a = match a.eval(env) {
                    Eval::Value(v) => v,
                    other => return other,
                };
                let b = match b.eval(env) {
                    Eval::Value(v) => v,
                    other => return other,
                };
                binary(*op, a, b)
            }
        }
    }
}

/// `a && b` (`decisive` = false) or `a || b` (`decisive` = true): Rhai requires booleans and
/// skips `b` when `a` decides.
fn short_circuit<'a, E: Env>(a: &'a Expr, b: &'a Expr, env: &'a E, decisive: bool) -> Eval<'a> {
    match a.eval(env) {
        Eval::Value(Val::Bool(x)) if x == decisive => Eval::Value(Val::Bool(x)),
        Eval::Value(Val::Bool(_)) => match b.eval(env) {
            Eval::Value(Val::Bool(y)) => Eval::Value(Val::Bool(y)),
            Eval::Value(_) => Eval::Defer,
            other => other,
        },
        Eval::Value(_) => Eval::Defer,
        other => other,
    }
}

fn is_number(v: &Val<'_>) -> bool {
    matches!(v, Val::Int(_) | Val::Dec(_))
}

fn as_decimal(v: &Val<'_>) -> Option<Decimal> {
    match v {
        Val::Int(i) => Some(Decimal::from(*i)),
        Val::Dec(d) => Some(*d),
        _ => None,
    }
}

fn compare(op: BinOp, ord: Ordering) -> bool {
    match op {
        BinOp::Eq => ord.is_eq(),
        BinOp::Ne => ord.is_ne(),
        BinOp::Lt => ord.is_lt(),
        BinOp::Le => ord.is_le(),
        BinOp::Gt => ord.is_gt(),
        BinOp::Ge => ord.is_ge(),
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => false,
    }
}

fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    )
}

fn binary<'a>(op: BinOp, a: Val<'a>, b: Val<'a>) -> Eval<'a> {
    // Guards first: the sandbox makes these errors in Rhai too.
    let guard = |v: &Val<'_>| match v {
        Val::Unit => Some(MISSING_MSG),
        Val::Never => Some(NEVER_MSG),
        Val::Band(_) => Some(BAND_MSG),
        _ => None,
    };
    // What stays allowed with a missing, never or band operand: `m == ()`, never against never
    // (`==`, `!=`), band against band or band text in a comparison. Everything else is the
    // operand's error, as the sandbox's guards make it.
    let allowed = match (&a, &b) {
        (Val::Unit, Val::Unit) | (Val::Never, Val::Never) => {
            matches!(op, BinOp::Eq | BinOp::Ne)
        }
        (Val::Band(_), Val::Band(_) | Val::Str(_)) | (Val::Str(_), Val::Band(_)) => {
            is_comparison(op)
        }
        _ => false,
    };
    if !allowed {
        if let Some(msg) = guard(&a).or_else(|| guard(&b)) {
            return Eval::Error(msg);
        }
    }
    match (&a, &b) {
        (Val::Int(x), Val::Int(y)) => {
            if is_comparison(op) {
                return Eval::Value(Val::Bool(compare(op, x.cmp(y))));
            }
            let r = match op {
                BinOp::Add => x.checked_add(*y),
                BinOp::Sub => x.checked_sub(*y),
                BinOp::Mul => x.checked_mul(*y),
                BinOp::Div => x.checked_div(*y),
                _ => None,
            };
            r.map_or(Eval::Defer, |v| Eval::Value(Val::Int(v)))
        }
        _ if is_number(&a) && is_number(&b) => {
            let (Some(x), Some(y)) = (as_decimal(&a), as_decimal(&b)) else {
                return Eval::Defer;
            };
            if is_comparison(op) {
                return Eval::Value(Val::Bool(compare(op, x.cmp(&y))));
            }
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::Div => x.checked_div(y),
                _ => None,
            };
            r.map_or(Eval::Defer, |v| Eval::Value(Val::Dec(v)))
        }
        (Val::Unit, Val::Unit) if is_comparison(op) => {
            Eval::Value(Val::Bool(matches!(op, BinOp::Eq)))
        }
        (Val::Band(x), Val::Band(y)) if is_comparison(op) => {
            Eval::Value(Val::Bool(compare(op, x.cmp(y))))
        }
        (Val::Band(x), Val::Str(s)) if is_comparison(op) => match Band::parse(s) {
            Some(y) => Eval::Value(Val::Bool(compare(op, x.cmp(&y)))),
            None => Eval::Error(crate::features::NOT_BAND_TEXT),
        },
        (Val::Str(s), Val::Band(y)) if is_comparison(op) => match Band::parse(s) {
            Some(x) => Eval::Value(Val::Bool(compare(op, x.cmp(y)))),
            None => Eval::Error(crate::features::NOT_BAND_TEXT),
        },
        (Val::Str(x), Val::Str(y)) if matches!(op, BinOp::Eq | BinOp::Ne) => {
            Eval::Value(Val::Bool(compare(op, x.cmp(y))))
        }
        (Val::Bool(x), Val::Bool(y)) if matches!(op, BinOp::Eq | BinOp::Ne) => {
            Eval::Value(Val::Bool(compare(op, x.cmp(y))))
        }
        _ => Eval::Defer,
    }
}

/// How identifiers resolve while parsing.
pub trait Resolver {
    /// The variable index of a feature name, if any.
    fn var(&self, name: &str) -> Option<usize>;
    /// The KYC field index of `kyc.<field>`, if any.
    fn kyc_field(&self, field: &str) -> Option<usize>;
}

/// Parse `src` into a native tree, or `None` when it is outside the supported subset (Rhai then
/// evaluates it alone).
pub fn parse(src: &str, resolver: &dyn Resolver) -> Option<Expr> {
    let tokens = lex(src)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        resolver,
        depth: 0,
    };
    let expr = parser.or()?;
    (parser.pos == parser.tokens.len()).then_some(expr)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Int(i64),
    Dec(Decimal),
    Str(String),
    Op(&'static str),
}

const OPERATORS: [&str; 20] = [
    "&&", "||", "??", "==", "!=", "<=", ">=", "<", ">", "!", "(", ")", ".", ",", "+", "-", "*",
    "/", "{", "}",
];

fn lex(src: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = *bytes.get(i)?;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            {
                i += 1;
            }
            out.push(Tok::Ident(src.get(start..i)?.to_string()));
        } else if c.is_ascii_digit() {
            let start = i;
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_digit() || *b == b'_')
            {
                i += 1;
            }
            let is_dec =
                bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit());
            if is_dec {
                i += 1;
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            if bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'.')
            {
                return None; // exponents, hex, `1.` etc.: leave to Rhai
            }
            let text: String = src.get(start..i)?.chars().filter(|c| *c != '_').collect();
            if src.get(start..start + 1) == Some("_") {
                return None;
            }
            out.push(if is_dec {
                Tok::Dec(text.parse().ok()?)
            } else {
                Tok::Int(text.parse().ok()?)
            });
        } else if c == b'"' {
            let rest = src.get(i + 1..)?;
            let end = rest.find('"')?;
            let body = rest.get(..end)?;
            if body.contains('\\') {
                return None;
            }
            out.push(Tok::Str(body.to_string()));
            i += end + 2;
        } else {
            let rest = src.get(i..)?;
            let op = OPERATORS.iter().find(|op| rest.starts_with(*op))?;
            // Tokens Rhai reads differently (`=`, `/`, `%`, `**`, `..`, `|`): leave to Rhai.
            if (*op == "*" && rest.starts_with("**"))
                || (*op == "." && rest.starts_with(".."))
                || (*op == "/" && (rest.starts_with("//") || rest.starts_with("/*")))
            {
                return None;
            }
            out.push(Tok::Op(op));
            i += op.len();
        }
    }
    Some(out)
}

struct Parser<'r> {
    tokens: Vec<Tok>,
    pos: usize,
    resolver: &'r dyn Resolver,
    depth: usize,
}

impl Parser<'_> {
    fn peek_op(&self) -> Option<&'static str> {
        match self.tokens.get(self.pos) {
            Some(Tok::Op(op)) => Some(op),
            _ => None,
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth < 48).then_some(())
    }

    fn or(&mut self) -> Option<Expr> {
        self.enter()?;
        let mut lhs = self.and()?;
        while self.eat("||") {
            lhs = Expr::Or(Box::new(lhs), Box::new(self.and()?));
        }
        self.depth -= 1;
        Some(lhs)
    }

    fn and(&mut self) -> Option<Expr> {
        let mut lhs = self.comparison()?;
        while self.eat("&&") {
            lhs = Expr::And(Box::new(lhs), Box::new(self.comparison()?));
        }
        Some(lhs)
    }

    // Precedence follows Rhai: `||` < `&&` < comparisons < `??` < `+ -` < `*` < unary.
    fn comparison(&mut self) -> Option<Expr> {
        let lhs = self.coalesce()?;
        let op = match self.peek_op() {
            Some("==") => BinOp::Eq,
            Some("!=") => BinOp::Ne,
            Some("<") => BinOp::Lt,
            Some("<=") => BinOp::Le,
            Some(">") => BinOp::Gt,
            Some(">=") => BinOp::Ge,
            _ => return Some(lhs),
        };
        self.pos += 1;
        let rhs = self.coalesce()?;
        // Rhai comparisons do not chain (`a < b < c` compares a bool); leave those to Rhai.
        if matches!(self.peek_op(), Some("==" | "!=" | "<" | "<=" | ">" | ">=")) {
            return None;
        }
        Some(Expr::Binary(op, Box::new(lhs), Box::new(rhs)))
    }

    fn additive(&mut self) -> Option<Expr> {
        let mut lhs = self.multiplicative()?;
        loop {
            let op = match self.peek_op() {
                Some("+") => BinOp::Add,
                Some("-") => BinOp::Sub,
                _ => return Some(lhs),
            };
            self.pos += 1;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(self.multiplicative()?));
        }
    }

    fn coalesce(&mut self) -> Option<Expr> {
        let mut lhs = self.additive()?;
        while self.eat("??") {
            lhs = Expr::Coalesce(Box::new(lhs), Box::new(self.additive()?));
        }
        Some(lhs)
    }

    fn multiplicative(&mut self) -> Option<Expr> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek_op() {
                Some("*") => BinOp::Mul,
                Some("/") => BinOp::Div,
                _ => return Some(lhs),
            };
            self.pos += 1;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Option<Expr> {
        if self.eat("!") {
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Some(Expr::Not(Box::new(inner)));
        }
        if self.eat("-") {
            // Only negative literals; `-x` on a variable is left to Rhai.
            return match self.tokens.get(self.pos).cloned() {
                Some(Tok::Int(i)) => {
                    self.pos += 1;
                    Some(Expr::Const(Const::Int(i.checked_neg()?)))
                }
                Some(Tok::Dec(d)) => {
                    self.pos += 1;
                    Some(Expr::Const(Const::Dec(-d)))
                }
                _ => None,
            };
        }
        self.atom()
    }

    fn atom(&mut self) -> Option<Expr> {
        let tok = self.tokens.get(self.pos).cloned()?;
        self.pos += 1;
        match tok {
            Tok::Int(i) => Some(Expr::Const(Const::Int(i))),
            Tok::Dec(d) => Some(Expr::Const(Const::Dec(d))),
            Tok::Str(s) => Some(Expr::Const(Const::Str(s.into_boxed_str()))),
            Tok::Op("(") => {
                if self.eat(")") {
                    return Some(Expr::Const(Const::Unit));
                }
                let inner = self.or()?;
                self.eat(")").then_some(inner)
            }
            Tok::Op(_) => None,
            Tok::Ident(name) => self.ident(name),
        }
    }

    /// `if c { a } else { b }` (after `if`); `else if` chains nest.
    fn if_else(&mut self) -> Option<Expr> {
        self.enter()?;
        let cond = self.or()?;
        let then = self.block()?;
        if !matches!(self.tokens.get(self.pos), Some(Tok::Ident(e)) if e == "else") {
            return None; // without `else`, a false condition gives `()`: leave to Rhai
        }
        self.pos += 1;
        let otherwise = if matches!(self.tokens.get(self.pos), Some(Tok::Ident(i)) if i == "if") {
            self.pos += 1;
            self.if_else()?
        } else {
            self.block()?
        };
        self.depth -= 1;
        Some(Expr::If(
            Box::new(cond),
            Box::new(then),
            Box::new(otherwise),
        ))
    }

    fn block(&mut self) -> Option<Expr> {
        if !self.eat("{") {
            return None;
        }
        let inner = self.or()?;
        self.eat("}").then_some(inner)
    }

    fn ident(&mut self, name: String) -> Option<Expr> {
        match name.as_str() {
            "true" => return Some(Expr::Const(Const::Bool(true))),
            "false" => return Some(Expr::Const(Const::Bool(false))),
            "if" => return self.if_else(),
            _ => {}
        }
        if self.eat("(") {
            let first = self.or()?;
            let call = match name.as_str() {
                "is_missing" => Expr::IsMissing(Box::new(first)),
                "is_never" => Expr::IsNever(Box::new(first)),
                "is_band" => Expr::IsBand(Box::new(first)),
                "never_as" => {
                    if !self.eat(",") {
                        return None;
                    }
                    Expr::NeverAs(Box::new(first), Box::new(self.or()?))
                }
                _ => return None,
            };
            return self.eat(")").then_some(call);
        }
        if name == "kyc" {
            if !self.eat(".") {
                return None;
            }
            return match self.tokens.get(self.pos).cloned() {
                Some(Tok::Ident(field)) => {
                    self.pos += 1;
                    self.resolver.kyc_field(&field).map(Expr::Kyc)
                }
                _ => None,
            };
        }
        if self.peek_op() == Some(".") {
            return None; // method calls and properties: Rhai
        }
        self.resolver.var(&name).map(Expr::Var)
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    struct Names;
    impl Resolver for Names {
        fn var(&self, name: &str) -> Option<usize> {
            ["a", "b", "m", "nv"].iter().position(|n| *n == name)
        }
        fn kyc_field(&self, field: &str) -> Option<usize> {
            (field == "names").then_some(0)
        }
    }

    struct Values;
    impl Env for Values {
        fn var(&self, index: usize) -> Val<'_> {
            match index {
                0 => Val::Dec(Decimal::new(35, 1)),
                1 => Val::Dec(Decimal::from(2)),
                2 => Val::Unit,
                _ => Val::Never,
            }
        }
        fn kyc(&self, _: usize) -> Val<'_> {
            Val::Str("No Match")
        }
    }

    fn run(src: &str) -> Eval<'static> {
        let expr = parse(src, &Names).unwrap_or_else(|| panic!("{src} should lower"));
        let leaked: &'static Expr = Box::leak(Box::new(expr));
        leaked.eval(&Values)
    }

    #[test]
    fn lowers_and_evaluates_the_common_subset() {
        assert_eq!(run("a > 3 && b <= 2"), Eval::Value(Val::Bool(true)));
        assert_eq!(
            run("a > 3 && (b > 2 || !(a < 1))"),
            Eval::Value(Val::Bool(true))
        );
        assert_eq!(run("(m ?? 0) == 0"), Eval::Value(Val::Bool(true)));
        assert_eq!(
            run("kyc.names == \"No Match\""),
            Eval::Value(Val::Bool(true))
        );
        assert_eq!(
            run("never_as(nv, 9999) > 180"),
            Eval::Value(Val::Bool(true))
        );
        assert_eq!(
            run("is_missing(m) || a > 100"),
            Eval::Value(Val::Bool(true))
        );
        assert_eq!(run("a - b * 2 > -1"), Eval::Value(Val::Bool(true)));
        assert_eq!(
            run("if b == 0 { 0 } else if b > 1 { a / b } else { 1 }"),
            Eval::Value(Val::Dec(Decimal::new(175, 2)))
        );
        assert_eq!(run("is_band(a)"), Eval::Value(Val::Bool(false)));
    }

    #[test]
    fn missing_and_never_are_errors_not_false() {
        assert!(matches!(run("m > 3"), Eval::Error(_)));
        assert!(matches!(run("nv < 30"), Eval::Error(_)));
        assert!(matches!(run("3 == m"), Eval::Error(_)));
    }

    #[test]
    fn outside_the_subset_is_left_to_rhai() {
        for src in [
            "a % b > 1",
            "a // comment",
            "a.abs() > 1",
            "unknown > 1",
            "a < b < 1",
            "if a > 1 { true }",
            "if a > 1 { let x = 1; x } else { 2 }",
            "\"x\\n\" == \"y\"",
            "1e3 > a",
            "a ** 2 > 1",
            "kyc.nope == 1",
            "-a > 1",
        ] {
            assert!(parse(src, &Names).is_none(), "{src} lowered");
        }
    }

    #[test]
    fn unmodelled_types_defer() {
        assert_eq!(run("a && true"), Eval::Defer);
        assert_eq!(run("kyc.names > \"A\""), Eval::Defer);
    }
}
