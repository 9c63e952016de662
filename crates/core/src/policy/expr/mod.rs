//! Policy expressions: parsed once by Rhai, checked, resolved and lowered.
//!
//! * [`parse`] runs Rhai's parser (the only parser of expression text), the function
//!   allow-list and the name walk over the one AST, reporting problems at Rhai's positions.
//! * [`lower`] turns the AST into the native tree where it can; [`native`] evaluates that tree;
//!   [`ops`] holds the type rules both evaluators obey.

#[cfg(any(test, feature = "differential"))]
pub mod differential;
pub(crate) mod lower;
pub(crate) mod native;
pub(crate) mod ops;

use rhai::{Engine, Position, AST};

use super::error::{echo, DiagnosticKind};
use super::functions;
use super::sandbox::MAX_EXPRESSION_LEN;

pub(crate) use lower::{Name, NameUse};

/// A problem in an expression, at Rhai's position in it (`Position::NONE`: the whole
/// expression), with its message ready for a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub kind: DiagnosticKind,
    pub position: Position,
    pub message: String,
}

/// One parsed expression: Rhai's AST and the names it reads.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub ast: AST,
    pub names: Vec<NameUse>,
}

/// Parse `src` with `parser` (see [`super::sandbox::parser`]): the length limit, Rhai's parser,
/// then the function allow-list over the AST. A panic inside Rhai is reported as a bug.
pub(crate) fn parse(parser: &Engine, src: &str) -> Result<Parsed, Vec<Problem>> {
    let whole = |kind: DiagnosticKind, message: String| {
        vec![Problem {
            kind,
            position: Position::NONE,
            message,
        }]
    };
    if src.len() > MAX_EXPRESSION_LEN {
        return Err(whole(
            DiagnosticKind::Syntax,
            format!(
                "expression is {} bytes; the limit is {MAX_EXPRESSION_LEN}",
                src.len()
            ),
        ));
    }
    if src.trim().is_empty() {
        return Err(whole(DiagnosticKind::Syntax, "empty expression".into()));
    }
    let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parser.compile_expression(src)
    }));
    let ast = match compiled {
        Err(_) => {
            return Err(whole(
                DiagnosticKind::Internal,
                "internal error while compiling this expression (a bug; please report it with \
                 the policy)"
                    .into(),
            ))
        }
        Ok(Err(e)) => {
            return Err(vec![Problem {
                kind: DiagnosticKind::Syntax,
                position: e.position(),
                message: format!("expression `{}`: {}", echo(src), e.err_type()),
            }])
        }
        Ok(Ok(ast)) => ast,
    };
    let disallowed = functions::disallowed_calls(&ast);
    if !disallowed.is_empty() {
        return Err(disallowed
            .into_iter()
            .map(|(position, message)| Problem {
                kind: DiagnosticKind::NotAllowed,
                position,
                message,
            })
            .collect());
    }
    let names = lower::names(&ast);
    Ok(Parsed { ast, names })
}
