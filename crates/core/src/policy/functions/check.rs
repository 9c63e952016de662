//! The load-time check: every call in an expression's AST is on the allow-list.
//!
//! Rhai represents operators and `in` as calls too, so one walk over `FnCall` and `MethodCall`
//! nodes sees everything an expression can invoke; interpolated strings, which call `to_string`
//! implicitly, are refused as a whole.

use rhai::{Position, AST};

use super::{FUNCTIONS, OPERATORS};
use crate::policy::error::echo;

/// How an expression calls something: Rhai writes operators as calls too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Callee {
    /// `a + b`, `!a`, ...
    Operator,
    /// `f(a)` or `a.f()`.
    Function,
}

/// Whether `name` may be called with `arity` arguments.
fn allowed(name: &str, arity: usize, callee: Callee) -> Result<(), String> {
    if callee == Callee::Operator {
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

/// Every call in `ast` that is not on the allow-list, as one message each with its position
/// (first occurrence of each name, in source order).
pub(crate) fn disallowed_calls(ast: &AST) -> Vec<(Position, String)> {
    use rhai::{ASTNode, Expr};
    let mut problems: Vec<(Position, String)> = Vec::new();
    let mut push = |position: Position, message: String| {
        if !problems.iter().any(|(_, m)| *m == message) {
            problems.push((position, message));
        }
    };
    ast.walk(&mut |path: &[ASTNode]| {
        let call = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, pos))) => Some((call, false, *pos)),
            Some(ASTNode::Expr(Expr::MethodCall(call, pos))) => Some((call, true, *pos)),
            _ => None,
        };
        if let Some(ASTNode::Expr(Expr::InterpolatedString(_, pos))) = path.last() {
            push(
                *pos,
                "interpolated strings (`` `...${x}...` ``) are not available in policies; \
                 compare values directly"
                    .to_string(),
            );
        }
        if let Some((call, method, position)) = call {
            let arity = call.args.len() + usize::from(method);
            let callee = if call.op_token.is_some() && call.name.as_str() != rhai::OP_CONTAINS {
                Callee::Operator
            } else {
                Callee::Function
            };
            if let Err(message) = allowed(call.name.as_str(), arity, callee) {
                push(position, message);
            }
        }
        true
    });
    problems
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::policy::sandbox;
    use rust_decimal::Decimal;

    fn problems(src: &str) -> Vec<String> {
        let engine = sandbox::engine();
        let mut scope = rhai::Scope::new();
        scope.push("n", Decimal::ONE);
        let ast = engine
            .compile_expression_with_scope(&scope, src)
            .unwrap_or_else(|e| panic!("{src}: {e}"));
        disallowed_calls(&ast).into_iter().map(|(_, m)| m).collect()
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
        // Calls in every place a call can hide: branches, coalescing, chains, indexes, maps.
        for src in [
            "if n > 1 { tan(n) } else { 0 } > 0",
            "switch n { 1 => tan(n), _ => 0 } > 0",
            "(() ?? tan(n)) > 0",
            "[n][0].tan() > 0",
            "#{a: n}.a.tan() > 0",
            "n > 0 && sqrt(n) > 1",
            "n > 0 || !is_odd(1)",
        ] {
            let p = problems(src);
            assert_eq!(p.len(), 1, "{src}: {p:?}");
            assert!(p[0].contains("is not available"), "{src}: {p:?}");
        }
        let p = problems("`${n}` == \"1\"");
        assert!(p[0].contains("interpolated strings"), "{p:?}");
    }

    #[test]
    fn problems_carry_the_position_of_the_call() {
        let engine = sandbox::parser();
        let ast = engine.compile_expression("n > 1 &&\n  tan(n) > 0").unwrap();
        let found = disallowed_calls(&ast);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].0.line(), found[0].0.position()),
            (Some(2), Some(3))
        );
    }
}
