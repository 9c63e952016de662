//! Champion/challenger and reload flags.

use underwrite_service::Config;

use crate::error::CliError;

/// Champion/challenger and reload flags.
#[derive(Debug, clap::Args)]
pub struct ArmsArgs {}

impl ArmsArgs {
    /// Set these options in `config`.
    pub fn apply(&self, _config: &mut Config) -> Result<(), CliError> {
        Ok(())
    }
}
