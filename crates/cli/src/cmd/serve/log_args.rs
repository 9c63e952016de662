//! The decision log's flags (`--decision-log DIR` and how it is kept); see
//! `docs/decision-log.md`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use underwrite_log::{
    LogAccess, LogConfig, PhoneMasking, SyncPolicy, DEFAULT_GROUP_WINDOW, DEFAULT_MAX_FILE_BYTES,
};
use underwrite_service::Config;

use crate::error::{CliError, EXIT_BAD_INPUT};
use crate::limits::ByteSize;

/// The environment variable holding the salt of `--log-phone hash`.
pub const SALT_ENV: &str = "UNDERWRITE_LOG_SALT";

/// The decision log's flags.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// Keep an append-only decision log (JSON Lines segments) in this directory; a decision is
    /// answered only once its line is logged.
    #[arg(long, value_name = "DIR")]
    pub decision_log: Option<PathBuf>,
    /// When a decision counts as logged: `batch` writes and fdatasyncs it (one sync per group of
    /// concurrent requests) before answering; `none` writes it to the OS before answering
    /// (survives a crash of the process, not a power loss).
    #[arg(
        long,
        value_enum,
        value_name = "POLICY",
        default_value = "batch",
        requires = "decision_log"
    )]
    pub log_sync: LogSync,
    /// Start a new segment before a line would take the current one past this size.
    #[arg(long, value_name = "BYTES", default_value_t = ByteSize(DEFAULT_MAX_FILE_BYTES), requires = "decision_log")]
    pub log_max_file_bytes: ByteSize,
    /// Under concurrent load, the shortest time in microseconds between two group commits: a
    /// group gathers the requests of this window (or of one sync, if longer) instead of waking
    /// the writer for each; a request alone is never delayed. 0 turns it off.
    #[arg(
        long,
        value_name = "MICROSECONDS",
        default_value_t = DEFAULT_GROUP_WINDOW.as_micros() as u64,
        requires = "decision_log"
    )]
    pub log_group_window_us: u64,
    /// The applicant's phone (`requestMeta.phone`) in logged payloads: `remove` it, replace it
    /// by its HMAC-SHA256 keyed with the salt in $UNDERWRITE_LOG_SALT (`hash`), or `keep` it.
    #[arg(
        long,
        value_enum,
        value_name = "MODE",
        default_value = "remove",
        requires = "decision_log"
    )]
    pub log_phone: LogPhone,
    /// Who may read the log besides the service's user: `owner` (segments 0600 in a 0700
    /// directory) or `group` (0640 / 0750, for a log shipper in the service's group). A
    /// directory with looser permissions is tightened to these when the service starts.
    #[arg(
        long,
        value_enum,
        value_name = "WHO",
        default_value = "owner",
        requires = "decision_log"
    )]
    pub log_access: LogReaders,
}

/// `--log-access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogReaders {
    /// The service's user only.
    Owner,
    /// The service's group too, read-only.
    Group,
}

/// `--log-sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogSync {
    /// Write and fdatasync before answering (one sync per group).
    Batch,
    /// Write to the operating system before answering.
    None,
}

/// `--log-phone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogPhone {
    /// Remove the phone.
    Remove,
    /// Replace it by its keyed hash (salt from $UNDERWRITE_LOG_SALT).
    Hash,
    /// Keep it.
    Keep,
}

impl LogArgs {
    /// Set these options in `config`.
    pub fn apply(&self, config: &mut Config) -> Result<(), CliError> {
        self.apply_with_salt(config, std::env::var_os(SALT_ENV))
    }

    fn apply_with_salt(&self, config: &mut Config, salt: Option<OsString>) -> Result<(), CliError> {
        let Some(dir) = &self.decision_log else {
            config.decision_log = None;
            return Ok(());
        };
        let masking = match self.log_phone {
            LogPhone::Remove => PhoneMasking::Remove,
            LogPhone::Keep => PhoneMasking::Keep,
            LogPhone::Hash => PhoneMasking::Hash {
                salt: salt_bytes(salt)?,
            },
        };
        let mut log = LogConfig::new(dir);
        log.masking = masking;
        log.access = match self.log_access {
            LogReaders::Owner => LogAccess::Owner,
            LogReaders::Group => LogAccess::Group,
        };
        log.sync = match self.log_sync {
            LogSync::Batch => SyncPolicy::Batch,
            LogSync::None => SyncPolicy::None,
        };
        log.max_file_bytes = self.log_max_file_bytes.0.max(1);
        log.group_window = Duration::from_micros(self.log_group_window_us);
        config.decision_log = Some(log);
        Ok(())
    }
}

/// The salt's bytes; absent or empty is refused (an unkeyed hash of a phone number is as good as
/// the number: there are few enough numbers to hash them all).
fn salt_bytes(salt: Option<OsString>) -> Result<Vec<u8>, CliError> {
    let salt = salt.map(OsString::into_encoded_bytes).unwrap_or_default();
    if salt.is_empty() {
        return Err(CliError::with_status(
            EXIT_BAD_INPUT,
            format!(
                "--log-phone hash needs a secret salt in ${SALT_ENV} (it is unset or empty); \
                 without one the hash of a phone number can be reversed by hashing every number"
            ),
        ));
    }
    Ok(salt)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        log: LogArgs,
    }

    fn config(args: &[&str], salt: Option<&str>) -> Result<Config, String> {
        let cli = Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        let mut config = Config::new("p.yaml", "127.0.0.1:0".parse().expect("addr"));
        cli.log
            .apply_with_salt(&mut config, salt.map(OsString::from))
            .map_err(|e| e.to_string())?;
        Ok(config)
    }

    #[test]
    fn defaults_remove_the_phone_and_sync_per_group() {
        let config = config(&["--decision-log", "logs"], None).expect("config");
        let log = config.decision_log.expect("a log");
        assert_eq!(log.dir, PathBuf::from("logs"));
        assert_eq!(log.masking, PhoneMasking::Remove);
        assert_eq!(log.sync, SyncPolicy::Batch);
        assert_eq!(log.max_file_bytes, DEFAULT_MAX_FILE_BYTES);
        assert_eq!(log.group_window, DEFAULT_GROUP_WINDOW);
        assert_eq!(log.access, LogAccess::Owner);
        assert!(config_without_log().decision_log.is_none());
    }

    fn config_without_log() -> Config {
        config(&[], None).expect("config")
    }

    #[test]
    fn each_flag_sets_its_option() {
        let log = config(
            &[
                "--decision-log",
                "d",
                "--log-sync",
                "none",
                "--log-max-file-bytes",
                "1MiB",
                "--log-phone",
                "hash",
                "--log-group-window-us",
                "0",
                "--log-access",
                "group",
            ],
            Some("pepper"),
        )
        .expect("config")
        .decision_log
        .expect("a log");
        assert_eq!(log.sync, SyncPolicy::None);
        assert_eq!(log.max_file_bytes, 1 << 20);
        assert_eq!(log.group_window, Duration::ZERO);
        assert_eq!(log.access, LogAccess::Group);
        assert_eq!(
            log.masking,
            PhoneMasking::Hash {
                salt: b"pepper".to_vec()
            }
        );
        let keep = config(&["--decision-log", "d", "--log-phone", "keep"], None).expect("config");
        assert_eq!(keep.decision_log.expect("log").masking, PhoneMasking::Keep);
    }

    #[test]
    fn hash_without_a_salt_is_refused_naming_the_variable() {
        for salt in [None, Some("")] {
            let err =
                config(&["--decision-log", "d", "--log-phone", "hash"], salt).expect_err("refused");
            assert!(err.contains("UNDERWRITE_LOG_SALT"), "{err}");
        }
    }

    #[test]
    fn log_options_without_a_log_are_refused() {
        for flag in [["--log-sync", "none"], ["--log-access", "group"]] {
            let err = config(&flag, None).expect_err("refused");
            assert!(err.contains("--decision-log"), "{err}");
        }
    }
}
