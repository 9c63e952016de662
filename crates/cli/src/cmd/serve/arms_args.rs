//! Champion/challenger and reload flags: `--challenger FILE` with `--shadow` or
//! `--split CHAMPION/CHALLENGER`, and `--watch`.
//!
//! Which flags go together is clap's to check (it names both flags in its message and exits
//! with the usage status 2): `--shadow` and `--split` exclude each other, each needs
//! `--challenger`, and `--challenger` needs one of them. A challenger without a mode is refused
//! rather than given a default, because the modes differ in what clients receive.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

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
    /// Reload the policies when their files change (besides SIGHUP and
    /// POST /v1/admin/reload).
    #[arg(long)]
    pub watch: bool,
}

impl ArmsArgs {
    /// Set these options in `config`.
    pub fn apply(&self, config: &mut Config) -> Result<(), CliError> {
        config.watch = self.watch;
        config.challenger = match (&self.challenger, self.shadow, self.split) {
            (None, false, None) => None,
            (Some(policy), true, None) => Some(Challenger {
                policy: policy.clone(),
                mode: ChallengerMode::Shadow,
            }),
            (Some(policy), false, Some(split)) => Some(Challenger {
                policy: policy.clone(),
                mode: ChallengerMode::Split {
                    champion_percent: split.champion,
                },
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

/// A `--split`: the champion's and the challenger's percentages, summing to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// The champion's share of applications.
    pub champion: u8,
    /// The challenger's share.
    pub challenger: u8,
}

/// Why a `--split` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// Not two whole numbers from 0 to 100 around a `/`.
    Shape,
    /// The two do not sum to 100.
    Sum {
        /// The champion's percentage.
        champion: u8,
        /// The challenger's percentage.
        challenger: u8,
    },
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::Shape => f.write_str(
                "expected CHAMPION/CHALLENGER percentages, whole numbers from 0 to 100, such as \
                 90/10",
            ),
            SplitError::Sum {
                champion,
                challenger,
            } => write!(
                f,
                "the percentages must sum to 100, and {champion}/{challenger} sums to {}",
                u16::from(*champion) + u16::from(*challenger)
            ),
        }
    }
}

impl std::error::Error for SplitError {}

impl FromStr for Split {
    type Err = SplitError;

    fn from_str(text: &str) -> Result<Split, SplitError> {
        let (champion, challenger) = text.split_once('/').ok_or(SplitError::Shape)?;
        let percent = |part: &str| {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(SplitError::Shape);
            }
            match part.parse::<u8>() {
                Ok(percent) if percent <= 100 => Ok(percent),
                _ => Err(SplitError::Shape),
            }
        };
        let (champion, challenger) = (percent(champion)?, percent(challenger)?);
        if u16::from(champion) + u16::from(challenger) != 100 {
            return Err(SplitError::Sum {
                champion,
                challenger,
            });
        }
        Ok(Split {
            champion,
            challenger,
        })
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
        let config = parse(&["--challenger", "c.yaml", "--split", "90/10"]).expect("split");
        assert_eq!(
            config.challenger.expect("a challenger").mode,
            ChallengerMode::Split {
                champion_percent: 90
            }
        );
        for (text, champion) in [("100/0", 100), ("0/100", 0), (" 75 / 25 ", 75)] {
            assert_eq!(
                text.parse::<Split>().map(|s| s.champion),
                Ok(champion),
                "{text}"
            );
        }
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

    #[test]
    fn a_split_is_two_whole_percentages_summing_to_100() {
        for bad in [
            "90", "90/", "/10", "90/10/0", "9o/10", "-10/110", "90.5/9.5", "",
        ] {
            assert_eq!(bad.parse::<Split>(), Err(SplitError::Shape), "{bad:?}");
        }
        assert_eq!(
            "60/30".parse::<Split>(),
            Err(SplitError::Sum {
                champion: 60,
                challenger: 30
            })
        );
        assert_eq!(
            "100/100".parse::<Split>(),
            Err(SplitError::Sum {
                champion: 100,
                challenger: 100
            })
        );
        for not_percent in ["101/0", "255/1", "99999/1"] {
            assert_eq!(
                not_percent.parse::<Split>(),
                Err(SplitError::Shape),
                "{not_percent}"
            );
        }
    }
}
