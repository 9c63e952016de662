//! Authentication flags (bearer tokens for the decision and admin routes).

use underwrite_service::Config;

use crate::error::CliError;

/// Authentication flags (bearer tokens for the decision and admin routes).
#[derive(Debug, clap::Args)]
pub struct AuthArgs {}

impl AuthArgs {
    /// Set these options in `config`.
    pub fn apply(&self, _config: &mut Config) -> Result<(), CliError> {
        Ok(())
    }
}
