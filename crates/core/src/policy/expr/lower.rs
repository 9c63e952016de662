//! From Rhai's AST to what the rest of the compiler needs: the names an expression reads (with
//! their positions) and, for the subset the native evaluator models, its tree.
//!
//! Rhai's parser is the only parser of expression text. Its AST (the `internals` feature, with
//! the optimizer off so the tree is the author's expression) is walked here once per use; nothing
//! re-reads the text. A node outside the modelled subset makes the whole expression Rhai's to
//! run (`lower` answers `None`): a partial tree would need a Rhai scope mid-evaluation, which
//! would cost more than it saves.

use rhai::{Expr as RExpr, Position, Stmt, StmtBlock, AST};

use super::native::{Const, Expr};
use super::ops::Op;

/// A name an expression reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Name {
    /// A feature, alias or derived feature.
    Feature(String),
    /// `kyc.<field>`.
    Kyc(String),
    /// `kyc` other than as `kyc.<field>`.
    KycWhole,
}

/// A name and where it is first read (Rhai's 1-based line and column in the expression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameUse {
    pub name: Name,
    pub position: Position,
}

/// The `kyc` variable's name.
const KYC: &str = "kyc";

fn variable_name(e: &RExpr) -> Option<&str> {
    match e {
        RExpr::Variable(x, _, _) => Some(x.1.as_str()),
        _ => None,
    }
}

/// `kyc.<field>` (or `kyc.<field>.method()`): the field and its position.
fn kyc_field(e: &RExpr) -> Option<(&str, Position)> {
    let RExpr::Dot(dot, _, _) = e else {
        return None;
    };
    if variable_name(&dot.lhs) != Some(KYC) {
        return None;
    }
    let property = match &dot.rhs {
        RExpr::Dot(inner, _, _) => &inner.lhs,
        other => other,
    };
    match property {
        RExpr::Property(p, pos) => Some((p.2.as_str(), *pos)),
        _ => None,
    }
}

/// The names `ast` reads, in first-use order, without duplicates.
pub(crate) fn names(ast: &AST) -> Vec<NameUse> {
    use rhai::ASTNode;
    let mut out: Vec<NameUse> = Vec::new();
    let mut push = |name: Name, position: Position| {
        if !out.iter().any(|u| u.name == name) {
            out.push(NameUse { name, position });
        }
    };
    ast.walk(&mut |path: &[ASTNode]| {
        let Some(ASTNode::Expr(node)) = path.last() else {
            return true;
        };
        if let Some((field, pos)) = kyc_field(node) {
            push(Name::Kyc(field.to_string()), pos);
        }
        if let RExpr::Variable(x, _, pos) = node {
            let parent_reads_field = match path.len().checked_sub(2).and_then(|i| path.get(i)) {
                Some(ASTNode::Expr(parent)) => kyc_field(parent).is_some(),
                _ => false,
            };
            match x.1.as_str() {
                KYC if parent_reads_field => {}
                KYC => push(Name::KycWhole, *pos),
                name => push(Name::Feature(name.to_string()), *pos),
            }
        }
        true
    });
    out
}

/// How names resolve while lowering.
pub(crate) trait Resolve {
    /// The variable index of a feature name.
    fn var(&self, name: &str) -> Option<usize>;
    /// The field index of `kyc.<field>`.
    fn kyc_field(&self, field: &str) -> Option<usize>;
}

/// The native tree of `ast`, or `None` when some node is outside the modelled subset.
pub(crate) fn lower(ast: &AST, resolve: &dyn Resolve) -> Option<Expr> {
    match ast.statements() {
        [Stmt::Expr(e)] => expr(e, resolve),
        _ => None,
    }
}

fn expr(e: &RExpr, r: &dyn Resolve) -> Option<Expr> {
    let boxed = |e: &RExpr| expr(e, r).map(Box::new);
    let all = |items: &[RExpr]| items.iter().map(|e| expr(e, r)).collect::<Option<Vec<_>>>();
    Some(match e {
        RExpr::DynamicConstant(d, _) => Expr::Const(Const::Dec(d.as_decimal().ok()?)),
        RExpr::BoolConstant(b, _) => Expr::Const(Const::Bool(*b)),
        RExpr::IntegerConstant(i, _) => Expr::Const(Const::Int(*i)),
        RExpr::StringConstant(s, _) => Expr::Const(Const::Str(s.as_str().into())),
        RExpr::Unit(_) => Expr::Const(Const::Unit),
        RExpr::Variable(x, _, _) => Expr::Var(r.var(x.1.as_str())?),
        RExpr::Dot(..) => {
            let (field, _) = kyc_field(e)?;
            match e {
                RExpr::Dot(dot, _, _) if matches!(dot.rhs, RExpr::Property(..)) => {
                    Expr::Kyc(r.kyc_field(field)?)
                }
                _ => return None, // a method call on the field: Rhai's
            }
        }
        RExpr::And(items, _) => Expr::And(all(items)?),
        RExpr::Or(items, _) => Expr::Or(all(items)?),
        RExpr::Coalesce(items, _) => Expr::Coalesce(all(items)?),
        RExpr::FnCall(call, position) => {
            let name = call.name.as_str();
            match (call.op_token.is_some(), call.args.as_slice()) {
                (true, [a, b]) => {
                    Expr::Binary(Op::from_symbol(name)?, boxed(a)?, boxed(b)?, *position)
                }
                (true, [a]) if name == "!" => Expr::Not(boxed(a)?),
                (true, [a]) if name == "-" => Expr::Neg(boxed(a)?),
                (false, [a]) if name == "is_missing" => Expr::IsMissing(boxed(a)?),
                (false, [a]) if name == "is_never" => Expr::IsNever(boxed(a)?),
                (false, [a]) if name == "is_band" => Expr::IsBand(boxed(a)?),
                (false, [a, b]) if name == "never_as" => Expr::NeverAs(boxed(a)?, boxed(b)?),
                _ => return None,
            }
        }
        RExpr::Stmt(block) => block_value(block, r)?,
        _ => return None,
    })
}

/// A block that is one expression or one `if`: its value.
fn block_value(block: &StmtBlock, r: &dyn Resolve) -> Option<Expr> {
    match block.statements() {
        [Stmt::Expr(e)] => expr(e, r),
        [Stmt::If(flow, _)] => Some({
            let cond = expr(&flow.expr, r)?;
            let then = block_value(&flow.body, r)?;
            // Without `else`, a false condition gives `()`.
            let otherwise = if flow.branch.statements().is_empty() {
                Expr::Const(Const::Unit)
            } else {
                block_value(&flow.branch, r)?
            };
            Expr::If(Box::new(cond), Box::new(then), Box::new(otherwise))
        }),
        _ => None,
    }
}
