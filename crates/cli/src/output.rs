//! Writing to stdout: JSON documents and human-readable lines. A closed stdout is
//! [`CliError::OutputClosed`], which ends the command quietly.

use std::io::Write;

use crate::error::{CliError, EXIT_BAD_INPUT};
use crate::{json, term};

/// Write `value` as pretty JSON ([`json::to_vec_pretty`]) plus a newline to stdout in one write.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let mut text = json::to_vec_pretty(value)
        .map_err(|e| CliError::with_status(EXIT_BAD_INPUT, format!("cannot encode output: {e}")))?;
    text.push(b'\n');
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(&text)
        .and_then(|()| lock.flush())
        .map_err(|e| CliError::output(&e))
}

/// Write one human-readable line to stdout, with control characters from inputs escaped.
pub fn print_line(line: &str) -> Result<(), CliError> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    writeln!(lock, "{}", term::escape(line)).map_err(|e| CliError::output(&e))
}
