//! Champion/challenger and reload flags: `--challenger FILE` with `--shadow` or
//! `--split CHAMPION/CHALLENGER` (and `--split-salt S`), and `--watch`.
//!
//! The split is [`underwrite_core::split::Split`], the one `underwrite compare --split` reads and
//! routes with, so `serve --split 90/10 --split-salt S` and `compare --split 90/10 --salt S`
//! send every id to the same arm.
//!
//! Which flags go together is clap's to check (it names both flags in its message and exits
//! with the usage status 2): `--shadow` and `--split` exclude each other, each needs
//! `--challenger`, and `--challenger` needs one of them. A challenger without a mode is refused
//! rather than given a default, because the modes differ in what clients receive.

use std::path::PathBuf;

use underwrite_core::split::Split;
use underwrite_service::{Challenger, ChallengerMode, Config};

use crate::error::{CliError, EXIT_BAD_INPUT};

/// Champion/challenger and reload flags.
#[derive(Debug, clap::Args)]
#[command(group(
    clap::ArgGroup::new("challenger_mode")
        .args(["shadow", "split"])
        .multiple(false)
        .requires("challenger")
))]
pub struct ArmsArgs {
    /// A challenger policy YAML file. Like the champion it must load and pass its own tests,
    /// and it is reloaded with it. Needs --shadow or --split.
    #[arg(long, value_name = "FILE", requires = "challenger_mode")]
    pub challenger: Option<PathBuf>,
    /// Decide every application with the challenger too: the champion's decision is answered,
    /// the challenger's goes to the decision log and the metrics.
    #[arg(long)]
    pub shadow: bool,
    /// Send each application to one arm by a stable hash of its id: CHAMPION/CHALLENGER
    /// percentages summing to 100, e.g. 90/10. The answer says which arm decided.
    #[arg(long, value_name = "CHAMPION/CHALLENGER")]
    pub split: Option<Split>,
    /// The salt of the split's hash (empty unless given). `compare --split` with the same
    /// `--salt` routes the same ids to the same arms; a new salt reshuffles them.
    // `conflicts_with` as well: clap lets a requirement go unmet when the required flag
    // conflicts with one given, and `--split` conflicts with `--shadow`.
    #[arg(long, value_name = "S", requires = "split", conflicts_with = "shadow")]
    pub split_salt: Option<String>,
    /// Reload the policies when their files change (besides SIGHUP and
    /// POST /v1/admin/reload).
    #[arg(long)]
    pub watch: bool,
}

impl ArmsArgs {
    /// Set these options in `config`.
    pub fn apply(&self, config: &mut Config) -> Result<(), CliError> {
        config.watch = self.watch;
        config.challenger = match (&self.challenger, self.shadow, &self.split) {
            (None, false, None) => None,
            (Some(policy), true, None) => Some(Challenger {
                policy: policy.clone(),
                mode: ChallengerMode::Shadow,
            }),
            (Some(policy), false, Some(split)) => Some(Challenger {
                policy: policy.clone(),
                mode: ChallengerMode::Split(
                    split
                        .clone()
                        .with_salt(self.split_salt.clone().unwrap_or_default()),
                ),
            }),
            // Unreachable through clap's checks; kept so `apply` never builds a half config.
            _ => {
                return Err(CliError::with_status(
                    EXIT_BAD_INPUT,
                    "--challenger needs exactly one of --shadow or --split, and they need \
                     --challenger",
                ))
            }
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        arms: ArmsArgs,
    }

    fn parse(args: &[&str]) -> Result<Config, String> {
        let cli = Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        let mut config = Config::new("champion.yaml", "127.0.0.1:0".parse().expect("addr"));
        cli.arms.apply(&mut config).map_err(|e| e.to_string())?;
        Ok(config)
    }

    #[test]
    fn modes_and_watch_reach_the_config() {
        let config = parse(&[]).expect("no flags");
        assert!(config.challenger.is_none());
        assert!(!config.watch);
        let config = parse(&["--challenger", "c.yaml", "--shadow", "--watch"]).expect("shadow");
        let challenger = config.challenger.expect("a challenger");
        assert_eq!(challenger.policy, PathBuf::from("c.yaml"));
        assert_eq!(challenger.mode, ChallengerMode::Shadow);
        assert!(config.watch);
        let split = |text: &str, salt: &str| {
            ChallengerMode::Split(text.parse::<Split>().expect("split").with_salt(salt))
        };
        let config = parse(&["--challenger", "c.yaml", "--split", "90/10"]).expect("split");
        assert_eq!(
            config.challenger.expect("a challenger").mode,
            split("90/10", ""),
            "the salt is empty unless given"
        );
        let config = parse(&[
            "--challenger",
            "c.yaml",
            "--split",
            " 75 / 25 ",
            "--split-salt",
            "q3",
        ])
        .expect("split");
        assert_eq!(
            config.challenger.expect("a challenger").mode,
            split("75/25", "q3")
        );
    }

    #[test]
    fn conflicting_or_incomplete_flags_are_refused_naming_them() {
        let refused = |args: &[&str], kind: ErrorKind| {
            let cli = Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()));
            let err = cli.expect_err("refused");
            assert_eq!(err.kind(), kind, "{args:?}: {err}");
            assert_eq!(err.exit_code(), 2);
            err.to_string()
        };
        let both = refused(
            &["--challenger", "c.yaml", "--shadow", "--split", "90/10"],
            ErrorKind::ArgumentConflict,
        );
        assert!(
            both.contains("--shadow") && both.contains("--split"),
            "{both}"
        );
        let shadow_alone = refused(&["--shadow"], ErrorKind::MissingRequiredArgument);
        assert!(shadow_alone.contains("--challenger"), "{shadow_alone}");
        let split_alone = refused(&["--split", "90/10"], ErrorKind::MissingRequiredArgument);
        assert!(split_alone.contains("--challenger"), "{split_alone}");
        let salt_alone = refused(&["--split-salt", "q3"], ErrorKind::MissingRequiredArgument);
        assert!(salt_alone.contains("--split <"), "{salt_alone}");
        let salt_shadow = refused(
            &["--challenger", "c.yaml", "--shadow", "--split-salt", "q3"],
            ErrorKind::ArgumentConflict,
        );
        assert!(
            salt_shadow.contains("--split-salt") && salt_shadow.contains("--shadow"),
            "{salt_shadow}"
        );
        let no_mode = refused(
            &["--challenger", "c.yaml"],
            ErrorKind::MissingRequiredArgument,
        );
        assert!(
            no_mode.contains("--shadow") && no_mode.contains("--split"),
            "{no_mode}"
        );
        let sum = refused(
            &["--challenger", "c.yaml", "--split", "90/20"],
            ErrorKind::ValueValidation,
        );
        assert!(
            sum.contains("--split") && sum.contains("90/20 sums to 110"),
            "{sum}"
        );
    }
}
