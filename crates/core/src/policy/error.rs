//! Policy errors: load-time diagnostics (all of them at once) and decision-time failures.

use std::fmt;

use serde::Serialize;

use crate::signals::SignalError;

use super::kyc::KycInputError;

/// One problem found while loading a policy, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// 1-based line in the policy file, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The rule, bin, derived feature or test at fault, when there is one.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
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
    #[error("rule `{rule}`: {message}")]
    Rule {
        /// The rule, bin (`characteristic#n`) or derived feature.
        rule: String,
        /// What went wrong.
        message: String,
    },
}
