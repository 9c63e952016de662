//! The live policies: the champion, an optional challenger, and their safe replacement.
//!
//! Requests read the live [`Arms`] through an [`ArcSwap`]: one atomic load per request, no lock,
//! and a request keeps the `Arc<Arms>` it loaded until it answers, so it decides, logs and
//! answers with one policy sha even while a reload swaps another in. A reload loads both files
//! and runs their tests on a blocking thread, and swaps only when everything passed; reloads are
//! serialized, and a failed one leaves the live arms untouched and is recorded in
//! [`ReloadStatus`].

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};

use crate::config::{ChallengerMode, Config};
use crate::policy_file::{load_tested, LoadedPolicy, PolicyFileError};

/// Which arm made (or answered) a decision.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// The live policy.
    Champion,
    /// The challenger policy.
    Challenger,
}

impl Arm {
    /// `champion` or `challenger`.
    pub fn as_str(self) -> &'static str {
        match self {
            Arm::Champion => "champion",
            Arm::Challenger => "challenger",
        }
    }
}

/// The policies live at one moment.
#[derive(Debug)]
pub struct Arms {
    /// The champion.
    pub champion: Arc<LoadedPolicy>,
    /// The challenger and its mode.
    pub challenger: Option<(Arc<LoadedPolicy>, ChallengerMode)>,
}

/// Which policy answers a request, and which (if any) decides it in the shadow.
#[derive(Debug, Clone, Copy)]
pub struct Route<'a> {
    /// The policy whose decision is returned.
    pub answering: &'a LoadedPolicy,
    /// Its arm.
    pub arm: Arm,
    /// The challenger in shadow mode: decides too, its outcome logged and counted only.
    pub shadow: Option<&'a LoadedPolicy>,
}

impl Arms {
    /// Route an application. `key` is what the split hashes: the application's id when it has
    /// one (so an application always meets the same arm), else the input's sha256.
    pub fn route(&self, key: &[u8]) -> Route<'_> {
        let champion = Route {
            answering: &self.champion,
            arm: Arm::Champion,
            shadow: None,
        };
        match &self.challenger {
            None => champion,
            Some((challenger, ChallengerMode::Shadow)) => Route {
                shadow: Some(challenger),
                ..champion
            },
            Some((challenger, ChallengerMode::Split { champion_percent })) => {
                if split_bucket(key) < *champion_percent {
                    champion
                } else {
                    Route {
                        answering: challenger,
                        arm: Arm::Challenger,
                        shadow: None,
                    }
                }
            }
        }
    }
}

/// A stable bucket in `0..100` for a split: the first eight bytes of the key's SHA-256, modulo
/// 100. The same key meets the same bucket in every process and release.
pub fn split_bucket(key: &[u8]) -> u8 {
    let digest = Sha256::digest(key);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % 100) as u8
}

/// The record of reloads, for `GET /v1/policy` and the metrics.
#[derive(Debug, Clone, Default)]
pub struct ReloadStatus {
    /// Reloads that replaced the live arms.
    pub succeeded: u64,
    /// Reloads refused (the live arms stayed).
    pub failed: u64,
    /// The last reload attempt: when, and its error if it was refused.
    pub last: Option<(SystemTime, Option<String>)>,
}

/// What a reload did.
#[derive(Debug)]
pub enum ReloadOutcome {
    /// The new arms are live.
    Replaced(Arc<Arms>),
    /// The files were refused; the old arms stay live.
    Refused(PolicyFileError),
}

/// The live policies and how to replace them.
#[derive(Debug)]
pub struct Live {
    arms: ArcSwap<Arms>,
    champion_path: PathBuf,
    challenger: Option<(PathBuf, ChallengerMode)>,
    status: Mutex<ReloadStatus>,
    reloading: tokio::sync::Mutex<()>,
}

impl Live {
    /// Load the configured policies (blocking: reads files and runs the policies' tests).
    pub fn start(config: &Config) -> Result<Live, PolicyFileError> {
        let challenger = config
            .challenger
            .as_ref()
            .map(|c| (c.policy.clone(), c.mode));
        let arms = load_arms(&config.policy, challenger.as_ref())?;
        Ok(Live {
            arms: ArcSwap::from_pointee(arms),
            champion_path: config.policy.clone(),
            challenger,
            status: Mutex::new(ReloadStatus::default()),
            reloading: tokio::sync::Mutex::new(()),
        })
    }

    /// The arms live now. Hold the `Arc` for the whole request.
    pub fn current(&self) -> Arc<Arms> {
        self.arms.load_full()
    }

    /// The reload record so far.
    pub fn status(&self) -> ReloadStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Load both files again and, when both load and pass their tests, make them live.
    pub async fn reload(self: &Arc<Self>) -> ReloadOutcome {
        let _one_at_a_time = self.reloading.lock().await;
        let this = Arc::clone(self);
        let loaded = tokio::task::spawn_blocking(move || {
            load_arms(&this.champion_path, this.challenger.as_ref())
        })
        .await;
        let loaded = match loaded {
            Ok(result) => result,
            Err(join) => Err(PolicyFileError::Invalid {
                path: self.champion_path.display().to_string(),
                message: format!("internal error while loading: {join}"),
            }),
        };
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        match loaded {
            Ok(arms) => {
                let arms = Arc::new(arms);
                self.arms.store(Arc::clone(&arms));
                status.succeeded += 1;
                status.last = Some((SystemTime::now(), None));
                ReloadOutcome::Replaced(arms)
            }
            Err(e) => {
                status.failed += 1;
                status.last = Some((SystemTime::now(), Some(e.to_string())));
                ReloadOutcome::Refused(e)
            }
        }
    }

    /// The files a watcher should watch.
    pub fn paths(&self) -> Vec<PathBuf> {
        let mut paths = vec![self.champion_path.clone()];
        paths.extend(self.challenger.as_ref().map(|(p, _)| p.clone()));
        paths
    }
}

fn load_arms(
    champion: &std::path::Path,
    challenger: Option<&(PathBuf, ChallengerMode)>,
) -> Result<Arms, PolicyFileError> {
    let champion = Arc::new(load_tested(champion)?);
    let challenger = challenger
        .map(|(path, mode)| load_tested(path).map(|p| (Arc::new(p), *mode)))
        .transpose()?;
    Ok(Arms {
        champion,
        challenger,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_buckets_are_stable_and_spread() {
        assert_eq!(split_bucket(b"app-1"), split_bucket(b"app-1"));
        let mut counts = [0u32; 100];
        for i in 0..100_000 {
            counts[usize::from(split_bucket(format!("app-{i}").as_bytes()))] += 1;
        }
        // Each bucket expects 1,000; 4 standard deviations is about 126.
        assert!(
            counts.iter().all(|&c| (870..=1130).contains(&c)),
            "{counts:?}"
        );
    }
}
