//! The CLI's error type and exit statuses.
//!
//! Exit statuses: 0 success (any decision is a success; also a closed stdout, as ripgrep does),
//! 1 when policy tests fail or batch / JSONL lines failed, 2 on bad input (one line on stderr
//! naming the file and what is wrong), 101 on an internal error (a bug: a panic the CLI caught).

use std::fmt;
use std::io;
use std::process::ExitCode;

use crate::term;

/// Exit status when some policy tests or some batch / JSONL lines failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for bad input, as the CLI contract requires.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit status for an internal error (a caught panic): the status Rust gives a panic.
pub const EXIT_INTERNAL: u8 = 101;

/// A failure that ends the command.
#[derive(Debug)]
pub enum CliError {
    /// Printed as one line on stderr, then exit with `status`.
    Failed {
        /// The exit status.
        status: u8,
        /// The message (escaped for the terminal when displayed).
        message: String,
    },
    /// Whoever read stdout has gone (`underwrite batch … | head -1`): stop quietly, exit 0.
    OutputClosed,
}

impl CliError {
    /// Bad input (exit status 2). `source` names the file (or `<stdin>`).
    pub fn bad_input(source: impl fmt::Display, message: impl fmt::Display) -> Self {
        Self::with_status(EXIT_BAD_INPUT, format!("{source}: {message}"))
    }

    /// An error with an explicit exit status and message.
    pub fn with_status(status: u8, message: impl Into<String>) -> Self {
        Self::Failed {
            status,
            message: message.into(),
        }
    }

    /// A failed write to stdout: quiet when the reader has gone, bad status otherwise.
    pub fn output(err: &io::Error) -> Self {
        if err.kind() == io::ErrorKind::BrokenPipe {
            Self::OutputClosed
        } else {
            Self::with_status(EXIT_BAD_INPUT, format!("cannot write output: {err}"))
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Failed { status, .. } => ExitCode::from(*status),
            Self::OutputClosed => ExitCode::SUCCESS,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // One line, always: control characters from inputs are escaped.
            Self::Failed { message, .. } => f.write_str(&term::escape(message)),
            Self::OutputClosed => f.write_str("output closed"),
        }
    }
}
