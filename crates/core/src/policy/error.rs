//! Policy errors: load-time diagnostics (all of them at once) and decision-time failures.

use std::fmt;

use serde::Serialize;

use crate::signals::SignalError;

use super::kyc::KycInputError;

/// One problem found while loading a policy, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// What kind of problem, for callers that react to it (the message is for people).
    pub kind: DiagnosticKind,
    /// 1-based line in the policy file, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The rule, bin, derived feature or test at fault, when there is one.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The kinds of load diagnostics. Match on these, never on a message's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The file as a whole: larger than [`MAX_POLICY_BYTES`](super::MAX_POLICY_BYTES), or not
    /// UTF-8.
    File,
    /// Not valid YAML, or past the YAML guard's limits (nesting, aliases, tags, key count).
    Yaml,
    /// YAML that is not a policy's shape: an unknown key, a missing key, a value of the wrong
    /// type.
    Shape,
    /// A rule of the format broken: a required value empty, an id used twice, a knock-out or a
    /// fallback that approves, cut-offs or bins out of order, too many items.
    Structure,
    /// A name that refers to nothing (a feature, an alias's signal, a KYC field) or that cannot
    /// be one (an alias that is not an identifier, a derived feature shadowing a signal).
    Name,
    /// An expression Rhai cannot parse (or empty, or too long).
    Syntax,
    /// A call to a function that is not on the allow-list.
    NotAllowed,
    /// The static type check: a value that may be missing, *never* or a band used where it
    /// cannot be, integer division of whole numbers, a `when` that is not true or false, a
    /// derived feature that is neither a number nor true or false.
    Type,
    /// Derived features that depend on each other in a cycle.
    Cycle,
    /// A bug caught while loading (a panic inside the loader or Rhai).
    Internal,
    /// Not a problem of its own: more problems than are reported.
    Truncated,
}

impl DiagnosticKind {
    /// The kind's snake_case name, as serialized (`file`, `yaml`, `shape`, `structure`, `name`,
    /// `syntax`, `not_allowed`, `type`, `cycle`, `internal`, `truncated`).
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::File => "file",
            DiagnosticKind::Yaml => "yaml",
            DiagnosticKind::Shape => "shape",
            DiagnosticKind::Structure => "structure",
            DiagnosticKind::Name => "name",
            DiagnosticKind::Syntax => "syntax",
            DiagnosticKind::NotAllowed => "not_allowed",
            DiagnosticKind::Type => "type",
            DiagnosticKind::Cycle => "cycle",
            DiagnosticKind::Internal => "internal",
            DiagnosticKind::Truncated => "truncated",
        }
    }
}

impl Diagnostic {
    /// The diagnostic with its message cut to [`MAX_MESSAGE_CHARS`] and control characters
    /// escaped: whatever a hostile file holds, a diagnostic stays one readable line.
    pub(crate) fn capped(self) -> Diagnostic {
        Diagnostic {
            message: crate::text::truncate(
                &crate::text::escape_controls(&self.message),
                MAX_MESSAGE_CHARS,
            ),
            ..self
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: ")?,
            (Some(l), None) => write!(f, "line {l}: ")?,
            _ => {}
        }
        if let Some(rule) = &self.rule {
            write!(f, "`{rule}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A policy that did not load: every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The problems.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// A decision that could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecideError {
    /// The signals payload could not be used.
    #[error(transparent)]
    Signals(#[from] SignalError),
    /// The KYC input could not be used.
    #[error(transparent)]
    Kyc(#[from] KycInputError),
    /// An expression failed at run time (missing value compared, division by zero, a limit hit).
    /// The kind and the message are the same whichever evaluator ran the expression.
    #[error("rule `{rule}`: {message}")]
    Rule {
        /// The rule, bin (`characteristic#n`) or derived feature.
        rule: String,
        /// What kind of failure, for callers that react to it.
        kind: RuleErrorKind,
        /// What went wrong, with what to do about it.
        message: String,
    },
    /// Evaluating a rule panicked inside underwrite or Rhai: a bug, caught so that one input
    /// cannot take down a batch or a service. The decision is not made.
    #[error("rule `{rule}`: internal error while evaluating this rule (a bug; please report it with the input)")]
    Internal {
        /// The rule, bin or derived feature being evaluated.
        rule: String,
    },
}

/// Why an expression failed at run time. One kind (and one message) per failure, whether the
/// native evaluator or Rhai ran the expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// A missing value (`()`) was compared or used in arithmetic.
    MissingUsed,
    /// A "never happened" value was compared as a number or used in arithmetic.
    NeverUsed,
    /// An amount band was used as a number.
    BandUsed,
    /// A band was compared with text that is not a catalog band (`"Z1"`).
    NotABand,
    /// Values of different types were compared (`"a" == 1`).
    MixedTypes,
    /// Values without an order were ordered (`true < false`, text `<` text).
    NoOrder,
    /// An operator or function got a value of the wrong type (`"a" * 2`, `abs("x")`).
    WrongType,
    /// A condition, `&&`, `||`, `!` or `if` got something other than true or false.
    NotABoolean,
    /// Arithmetic left the range of numbers.
    Overflow,
    /// Division (or remainder) by zero.
    DivisionByZero,
    /// A function's argument is out of its range (`round(x, 40)`, `clamp` with `lo > hi`).
    BadArgument,
    /// The expression did more work than the sandbox allows.
    OperationLimit,
    /// A value grew past the sandbox's size limits.
    SizeLimit,
    /// Calls or expressions nested past the sandbox's depth limits.
    DepthLimit,
    /// A derived feature gave something other than a number, true/false, never, a band or `()`.
    WrongResultType,
    /// Any other failure reported by the interpreter.
    Other,
}

/// An expression's run-time failure before it is attached to a rule: what the type rules, the
/// functions and the interpreter produce, and what [`DecideError::Rule`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleFault {
    pub kind: RuleErrorKind,
    pub message: String,
}

impl RuleFault {
    pub(crate) fn new(kind: RuleErrorKind, message: impl Into<String>) -> RuleFault {
        RuleFault {
            kind,
            message: message.into(),
        }
    }

    /// The fault as the failure of `rule`.
    pub(crate) fn in_rule(self, rule: &str) -> DecideError {
        DecideError::Rule {
            rule: rule.to_string(),
            kind: self.kind,
            message: self.message,
        }
    }
}

/// Longest piece of user text (an expression, a name, a value) a message repeats, in chars.
pub const MAX_ECHO_CHARS: usize = 120;
/// Longest message one diagnostic carries, in chars: with at most a hundred diagnostics a
/// file, a hostile policy can never make `check` write more than a few tens of kilobytes.
pub const MAX_MESSAGE_CHARS: usize = 600;

/// User text as a message may repeat it: control characters (and line/paragraph separators,
/// bidi controls) escaped so they cannot move a terminal's cursor or hide text, and cut to
/// [`MAX_ECHO_CHARS`] with `…`.
pub(crate) fn echo(text: &str) -> String {
    use crate::text::{escape_controls, truncate};
    truncate(&escape_controls(text), MAX_ECHO_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_escapes_controls_and_caps_length() {
        assert_eq!(echo("a\r\u{1b}[2Jb\u{2028}c"), "a\\r\\u{1b}[2Jb\\u{2028}c");
        assert_eq!(echo("\u{202e}x"), "\\u{202e}x");
        let long = "x".repeat(1000);
        assert_eq!(echo(&long).chars().count(), MAX_ECHO_CHARS + 1);
        assert!(echo(&long).ends_with('…'));
        assert_eq!(echo("héllo"), "héllo");
    }
}
