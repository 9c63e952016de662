//! The live policies: the champion, an optional challenger, and their safe replacement.
//!
//! Requests read the live [`Arms`] through an [`ArcSwap`]: one atomic load per request, no lock,
//! and a request keeps the `Arc<Arms>` it loaded until it answers, so it decides, logs and
//! answers with one policy sha even while a reload swaps another in. A reload reads both files
//! once, loads them and runs their tests on a blocking thread, and swaps only when everything
//! passed; reloads are serialized, and a refused one leaves the live arms untouched and is
//! recorded (every failing file, not just the first) in [`ReloadStatus`]. A policy whose file
//! did not change keeps its loaded instance across a reload. Each attempt also remembers what
//! the files held, so a watcher can tell a real change from an event that changed nothing.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};

use crate::config::{ChallengerMode, Config};
use crate::policy_file::{load_read, read_policy, LoadedPolicy, PolicyFileError};

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
    /// Route an application: `id_json` is its id as JSON text (a quoted string or a number),
    /// `input_sha256` the hex SHA-256 of its bytes. A split hashes [`split_key`] of these, so an
    /// application always meets the same arm.
    pub fn route(&self, id_json: Option<&str>, input_sha256: &str) -> Route<'_> {
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
                if split_bucket(&split_key(id_json, input_sha256)) < *champion_percent {
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

    /// These arms, keeping `live`'s loaded policy wherever the file's content is unchanged, so a
    /// policy's `loaded_at` says when its content went live, not when it was last re-tested.
    fn keeping_unchanged(self, live: &Arms) -> Arms {
        let same = |new: &LoadedPolicy, old: &LoadedPolicy| {
            new.id().hash == old.id().hash && new.path == old.path
        };
        let champion = if same(&self.champion, &live.champion) {
            Arc::clone(&live.champion)
        } else {
            self.champion
        };
        let challenger = match (self.challenger, &live.challenger) {
            (Some((new, mode)), Some((old, _))) if same(&new, old) => Some((Arc::clone(old), mode)),
            (challenger, _) => challenger,
        };
        Arms {
            champion,
            challenger,
        }
    }
}

/// The bytes a split hashes for an application: its id's value when it has one (a string's
/// characters, without the quotes and with escapes decoded, in UTF-8; a number's text as
/// written), else the hex SHA-256 of its input. So `{"id": "app-1"}` and `{"id": "app\u002d1"}`
/// meet the same arm, and the arm of an id can be computed outside the service.
pub fn split_key<'a>(id_json: Option<&'a str>, input_sha256: &'a str) -> Cow<'a, [u8]> {
    match id_json {
        Some(text) if text.starts_with('"') => match serde_json::from_str::<String>(text) {
            Ok(value) => Cow::Owned(value.into_bytes()),
            Err(_) => Cow::Borrowed(text.as_bytes()),
        },
        Some(number) => Cow::Borrowed(number.as_bytes()),
        None => Cow::Borrowed(input_sha256.as_bytes()),
    }
}

/// A stable bucket in `0..100` for a split: the first eight bytes of the key's SHA-256 read as a
/// big-endian integer, modulo 100. The same key meets the same bucket in every process and
/// release; the champion answers the buckets below its percentage.
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
    /// The last reload attempt.
    pub last: Option<LastReload>,
}

/// The last reload attempt.
#[derive(Debug, Clone)]
pub struct LastReload {
    /// When it ended.
    pub at: SystemTime,
    /// Why it was refused; `None` when it replaced the live arms.
    pub refused: Option<Refusal>,
}

/// Why a reload was refused: every file that failed, in the order champion, challenger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    errors: Vec<PolicyFileError>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refusal {}

/// What a reload did.
#[derive(Debug)]
pub enum ReloadOutcome {
    /// The new arms are live.
    Replaced(Arc<Arms>),
    /// The files were refused; the old arms stay live.
    Refused(Refusal),
}

/// The policy files a service runs.
#[derive(Debug, Clone)]
struct Files {
    champion: PathBuf,
    challenger: Option<(PathBuf, ChallengerMode)>,
}

impl Files {
    /// Champion first, then the challenger.
    fn paths(&self) -> Vec<&Path> {
        let mut paths = vec![self.champion.as_path()];
        paths.extend(self.challenger.as_ref().map(|(p, _)| p.as_path()));
        paths
    }
}

/// What a file held when it was last read: the SHA-256 of its bytes, `None` when it could not be
/// read. In the order of [`Files::paths`].
type Fingerprints = Vec<Option<[u8; 32]>>;

/// The reload record and what the files held at the last attempt.
#[derive(Debug, Default)]
struct Record {
    status: ReloadStatus,
    seen: Fingerprints,
}

/// The live policies and how to replace them.
#[derive(Debug)]
pub struct Live {
    arms: ArcSwap<Arms>,
    files: Files,
    record: Mutex<Record>,
    reloading: tokio::sync::Mutex<()>,
}

impl Live {
    /// Load the configured policies (blocking: reads files and runs the policies' tests). When
    /// both files fail, the champion's error is the one returned.
    pub fn start(config: &Config) -> Result<Live, PolicyFileError> {
        let files = Files {
            champion: config.policy.clone(),
            challenger: config
                .challenger
                .as_ref()
                .map(|c| (c.policy.clone(), c.mode)),
        };
        let (seen, arms) = load_files(&files);
        let arms = arms.map_err(|refusal| {
            let mut errors = refusal.errors.into_iter();
            errors.next().unwrap_or_else(|| PolicyFileError::Invalid {
                path: files.champion.display().to_string(),
                message: "refused without an error".to_string(),
            })
        })?;
        Ok(Live {
            arms: ArcSwap::from_pointee(arms),
            files,
            record: Mutex::new(Record {
                status: ReloadStatus::default(),
                seen,
            }),
            reloading: tokio::sync::Mutex::new(()),
        })
    }

    /// The arms live now. Hold the `Arc` for the whole request.
    pub fn current(&self) -> Arc<Arms> {
        self.arms.load_full()
    }

    /// The reload record so far.
    pub fn status(&self) -> ReloadStatus {
        self.record().status.clone()
    }

    fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Load both files again and, when both load and pass their tests, make them live in one
    /// swap. Reloads run one at a time; a refused one leaves the live arms untouched.
    pub async fn reload(self: &Arc<Self>) -> ReloadOutcome {
        let _one_at_a_time = self.reloading.lock().await;
        let files = self.files.clone();
        let (seen, loaded) = match tokio::task::spawn_blocking(move || load_files(&files)).await {
            Ok((seen, loaded)) => (Some(seen), loaded),
            Err(join) => (
                None,
                Err(Refusal {
                    errors: vec![PolicyFileError::Invalid {
                        path: self.files.champion.display().to_string(),
                        message: format!("internal error while loading: {join}"),
                    }],
                }),
            ),
        };
        let mut record = self.record();
        if let Some(seen) = seen {
            record.seen = seen;
        }
        match loaded {
            Ok(arms) => {
                let arms = Arc::new(arms.keeping_unchanged(&self.arms.load()));
                self.arms.store(Arc::clone(&arms));
                record.status.succeeded += 1;
                record.status.last = Some(LastReload {
                    at: SystemTime::now(),
                    refused: None,
                });
                ReloadOutcome::Replaced(arms)
            }
            Err(refusal) => {
                record.status.failed += 1;
                record.status.last = Some(LastReload {
                    at: SystemTime::now(),
                    refused: Some(refusal.clone()),
                });
                ReloadOutcome::Refused(refusal)
            }
        }
    }

    /// Whether any policy file now holds something other than what the last load or reload
    /// read (different bytes, or readable where it was not, or the reverse). A file watcher asks
    /// this before reloading, so events that leave the files as they were (a `touch`, an editor's
    /// backup file, an unchanged save) cost no reload. Reads the files on a blocking thread.
    pub async fn changed_on_disk(&self) -> bool {
        let files = self.files.clone();
        let now = tokio::task::spawn_blocking(move || fingerprints(&files)).await;
        match now {
            Ok(now) => now != self.record().seen,
            Err(_) => true,
        }
    }

    /// The files a watcher should watch: the champion's, then the challenger's.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files
            .paths()
            .into_iter()
            .map(Path::to_path_buf)
            .collect()
    }
}

/// What each file holds now.
fn fingerprints(files: &Files) -> Fingerprints {
    files
        .paths()
        .into_iter()
        .map(|path| {
            read_policy(path)
                .ok()
                .map(|bytes| Sha256::digest(bytes).into())
        })
        .collect()
}

/// Read, load and test every file (blocking): what each held, and the arms or every file's
/// error. Each file is read once, so what is fingerprinted is what was loaded.
fn load_files(files: &Files) -> (Fingerprints, Result<Arms, Refusal>) {
    let mut seen = Fingerprints::new();
    let mut errors = Vec::new();
    let mut load = |path: &Path| match read_policy(path) {
        Ok(bytes) => {
            seen.push(Some(Sha256::digest(&bytes).into()));
            load_read(path, &bytes).map_err(|e| errors.push(e)).ok()
        }
        Err(e) => {
            seen.push(None);
            errors.push(e);
            None
        }
    };
    let champion = load(&files.champion);
    let challenger = files
        .challenger
        .as_ref()
        .map(|(path, mode)| (load(path), *mode));
    let arms = match (champion, challenger) {
        (Some(champion), None) => Some(Arms {
            champion: Arc::new(champion),
            challenger: None,
        }),
        (Some(champion), Some((Some(challenger), mode))) => Some(Arms {
            champion: Arc::new(champion),
            challenger: Some((Arc::new(challenger), mode)),
        }),
        _ => None,
    };
    match arms {
        Some(arms) if errors.is_empty() => (seen, Ok(arms)),
        _ => (seen, Err(Refusal { errors })),
    }
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
