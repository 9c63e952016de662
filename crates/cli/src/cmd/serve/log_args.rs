//! The decision log's flags (`--decision-log DIR` and how it is kept).

use std::path::PathBuf;

use underwrite_service::{Config, LogConfig, PhoneMasking};

use crate::error::CliError;

/// The decision log's flags.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// Keep an append-only decision log (JSON Lines) in this directory.
    #[arg(long, value_name = "DIR")]
    pub decision_log: Option<PathBuf>,
}

impl LogArgs {
    /// Set these options in `config`.
    pub fn apply(&self, config: &mut Config) -> Result<(), CliError> {
        config.decision_log = self.decision_log.as_ref().map(|dir| LogConfig {
            dir: dir.clone(),
            masking: PhoneMasking::default(),
        });
        Ok(())
    }
}
