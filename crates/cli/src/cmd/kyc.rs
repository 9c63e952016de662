//! `underwrite kyc` (placeholder until its issue lands).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::input::CliError;

/// Arguments of `underwrite kyc`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input file, or `-` / nothing for stdin.
    pub input: Option<PathBuf>,
}

/// Run the subcommand.
pub fn run(_args: Args) -> Result<ExitCode, CliError> {
    Err(CliError::with_status(2, "not implemented yet"))
}
