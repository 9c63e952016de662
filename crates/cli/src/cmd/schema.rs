//! `underwrite schema`: print the JSON Schema of the policy file format.
//!
//! For editors: yaml-language-server (the VS Code YAML extension and others) completes and
//! checks a policy's keys as it is typed once the file names the schema in its first line,
//! `# yaml-language-server: $schema=<path>`. `docs/policy.schema.json` is this output.

use std::process::ExitCode;

use serde_json::value::RawValue;

use crate::error::{CliError, EXIT_INTERNAL};
use crate::output::print_json;

/// Arguments of `underwrite schema` (none).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Run the subcommand: the schema as pretty JSON on stdout.
pub fn run(_args: Args) -> Result<ExitCode, CliError> {
    // Printed as the core lays it out, through the same escaping writer as every document.
    let schema = RawValue::from_string(underwrite_core::policy_schema_json()).map_err(|e| {
        CliError::with_status(EXIT_INTERNAL, format!("the policy schema is not JSON: {e}"))
    })?;
    print_json(&schema)?;
    Ok(ExitCode::SUCCESS)
}
