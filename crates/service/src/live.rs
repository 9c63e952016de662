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

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};
use underwrite_core::split::Arm;

use crate::config::{ChallengerMode, Config};
use crate::policy_file::{load_read, read_policy, LoadedPolicy, PolicyFileError};

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
    /// `input_sha256` the hex SHA-256 of its bytes. A split routes by the id
    /// ([`underwrite_core::split::Split::arm_of_id`], the rule `compare --split` applies) and, for an application
    /// without one, by its input's hash as the key, so an application always meets the same arm.
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
            Some((challenger, ChallengerMode::Split(split))) => {
                let arm = id_json
                    .and_then(|id| split.arm_of_id(id))
                    .unwrap_or_else(|| split.arm_of_key(input_sha256));
                match arm {
                    Arm::Champion => champion,
                    Arm::Challenger => Route {
                        answering: challenger,
                        arm: Arm::Challenger,
                        shadow: None,
                    },
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
    pub refused: Option<ReloadError>,
}

/// Why a reload was refused; the live policies stay as they were.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReloadError {
    /// A policy file was refused. `first` is the champion's error when the champion failed,
    /// else the challenger's; `second` the challenger's when both failed.
    #[error("{first}{}", second.as_ref().map(|e| format!("; {e}")).unwrap_or_default())]
    Refused {
        /// The first failing file's error.
        first: PolicyFileError,
        /// The challenger's error, when the champion failed too.
        second: Option<PolicyFileError>,
    },
    /// Loading stopped on a bug (its thread panicked): the panic's detail. Nothing changed.
    #[error("internal error while loading the policies (a bug; please report it): {0}")]
    Internal(String),
}

impl ReloadError {
    /// The first failing file (the champion's when both failed); `None` for an internal error.
    pub fn first_file(&self) -> Option<&str> {
        match self {
            ReloadError::Refused { first, .. } => Some(first.path()),
            ReloadError::Internal(_) => None,
        }
    }

    /// Every file's error, champion first.
    pub fn file_errors(&self) -> impl Iterator<Item = &PolicyFileError> {
        let (first, second) = match self {
            ReloadError::Refused { first, second } => (Some(first), second.as_ref()),
            ReloadError::Internal(_) => (None, None),
        };
        first.into_iter().chain(second)
    }
}

/// What a reload did.
#[derive(Debug)]
pub enum ReloadOutcome {
    /// The new arms are live.
    Replaced(Arc<Arms>),
    /// The files were refused; the old arms stay live.
    Refused(ReloadError),
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
                .map(|c| (c.policy.clone(), c.mode.clone())),
        };
        let (seen, arms) = load_files(&files);
        let arms = arms.map_err(|refused| refused.first)?;
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
            Ok((seen, loaded)) => (Some(seen), loaded.map_err(Refused::into_error)),
            Err(join) => (None, Err(ReloadError::Internal(join.to_string()))),
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

/// The files that failed to load: the first (the champion's when it failed) and the
/// challenger's when both did.
struct Refused {
    first: PolicyFileError,
    second: Option<PolicyFileError>,
}

impl Refused {
    fn into_error(self) -> ReloadError {
        ReloadError::Refused {
            first: self.first,
            second: self.second,
        }
    }
}

/// Read, load and test every file (blocking): what each held, and the arms or each failing
/// file's error. Each file is read once, so what is fingerprinted is what was loaded.
fn load_files(files: &Files) -> (Fingerprints, Result<Arms, Refused>) {
    let mut seen = Fingerprints::new();
    let mut load = |path: &Path| match read_policy(path) {
        Ok(bytes) => {
            seen.push(Some(Sha256::digest(&bytes).into()));
            load_read(path, &bytes)
        }
        Err(e) => {
            seen.push(None);
            Err(e)
        }
    };
    let champion = load(&files.champion);
    let challenger = files
        .challenger
        .as_ref()
        .map(|(path, mode)| (load(path), mode.clone()));
    let arms = match (champion, challenger) {
        (Ok(champion), None) => Ok(Arms {
            champion: Arc::new(champion),
            challenger: None,
        }),
        (Ok(champion), Some((Ok(challenger), mode))) => Ok(Arms {
            champion: Arc::new(champion),
            challenger: Some((Arc::new(challenger), mode)),
        }),
        (Err(first), None | Some((Ok(_), _))) | (Ok(_), Some((Err(first), _))) => Err(Refused {
            first,
            second: None,
        }),
        (Err(first), Some((Err(second), _))) => Err(Refused {
            first,
            second: Some(second),
        }),
    };
    (seen, arms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Challenger;
    use crate::decide::{decide, DecideRequest};
    use underwrite_core::policy::DecideOptions;
    use underwrite_log::{PhoneMasking, ShadowDecision};

    fn fixture(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// A champion (v1) and a challenger in `mode`, copied into a temporary directory.
    fn started(mode: Option<ChallengerMode>) -> (tempfile::TempDir, Config, Arc<Live>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let champion = dir.path().join("champion.yaml");
        std::fs::write(&champion, fixture("champion-v1.yaml")).expect("write");
        let mut config = Config::new(&champion, "127.0.0.1:0".parse().expect("addr"));
        if let Some(mode) = mode {
            let challenger = dir.path().join("challenger.yaml");
            std::fs::write(&challenger, fixture("challenger.yaml")).expect("write");
            config.challenger = Some(Challenger {
                policy: challenger,
                mode,
            });
        }
        let live = Arc::new(Live::start(&config).expect("starts"));
        (dir, config, live)
    }

    fn sha(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn a_split_routes_by_the_salted_id_or_else_the_salted_input_hash() {
        let split = "50/50"
            .parse::<underwrite_core::split::Split>()
            .expect("split");
        let (_dir, _config, live) = started(Some(ChallengerMode::Split(split.with_salt("s"))));
        let arms = live.current();
        let no_id = "ab".repeat(32);
        // Buckets from Python's hashlib (salt "s"; the champion takes buckets 0-49):
        // python3 -c 'import hashlib; print([(k,int.from_bytes(hashlib.sha256(b"s\0"+k.encode()).digest()[:8],"big")%100) for k in ["app-1","déjà vu","12","-3.5e2","ab"*32,"cd"*32]])'
        // app-1 63, déjà vu 18, 12 94, -3.5e2 1, "ab"*32 40, "cd"*32 88.
        for (id, input, arm) in [
            (Some(r#""app-1""#), no_id.as_str(), Arm::Challenger),
            (Some(r#""app\u002d1""#), no_id.as_str(), Arm::Challenger),
            (
                Some(r#""d\u00e9j\u00e0 vu""#),
                no_id.as_str(),
                Arm::Champion,
            ),
            (Some("12"), no_id.as_str(), Arm::Challenger),
            (Some(r#""12""#), no_id.as_str(), Arm::Challenger),
            (Some("-3.5e2"), no_id.as_str(), Arm::Champion),
            (None, no_id.as_str(), Arm::Champion),
            (None, &"cd".repeat(32), Arm::Challenger),
        ] {
            let route = arms.route(id, input);
            assert_eq!(route.arm, arm, "{id:?} {input}");
            let (challenger, _) = arms.challenger.as_ref().expect("challenger");
            let answering = match arm {
                Arm::Champion => &arms.champion,
                Arm::Challenger => challenger,
            };
            assert!(std::ptr::eq(route.answering, &**answering), "{id:?}");
            assert!(route.shadow.is_none());
        }
    }

    #[tokio::test]
    async fn a_refused_reload_names_every_failing_file_and_keeps_the_live_arms() {
        let (_dir, config, live) = started(Some(ChallengerMode::Shadow));
        let before = live.current();
        std::fs::write(&config.policy, "name: [").expect("write");
        let challenger = &config.challenger.as_ref().expect("challenger").policy;
        std::fs::remove_file(challenger).expect("remove");
        let ReloadOutcome::Refused(refusal) = live.reload().await else {
            panic!("a broken champion and a missing challenger are refused");
        };
        let ReloadError::Refused {
            first,
            second: Some(second),
        } = &refusal
        else {
            panic!("both files are named: {refusal}");
        };
        assert!(
            matches!(first, PolicyFileError::Invalid { path, .. } if path == &config.policy.display().to_string()),
            "{refusal}"
        );
        assert!(
            matches!(second, PolicyFileError::Unreadable { path, .. } if path == &challenger.display().to_string()),
            "{refusal}"
        );
        assert_eq!(refusal.file_errors().count(), 2);
        assert_eq!(refusal.to_string(), format!("{first}; {second}"));
        assert!(Arc::ptr_eq(&before, &live.current()), "the live arms stay");
        let status = live.status();
        assert_eq!((status.succeeded, status.failed), (0, 1));
        let last = status.last.expect("an attempt is recorded");
        assert_eq!(last.refused, Some(refusal));
    }

    #[tokio::test]
    async fn a_reload_keeps_the_instance_of_a_policy_whose_file_did_not_change() {
        let (_dir, config, live) = started(Some(ChallengerMode::Shadow));
        let before = live.current();
        let challenger = &config.challenger.as_ref().expect("challenger").policy;
        let changed = String::from_utf8(fixture("challenger.yaml"))
            .expect("utf-8")
            .replace("version: \"1\"", "version: \"2\"");
        std::fs::write(challenger, &changed).expect("write");
        let ReloadOutcome::Replaced(after) = live.reload().await else {
            panic!("a valid challenger is taken");
        };
        assert!(Arc::ptr_eq(&before.champion, &after.champion));
        let (new, mode) = after.challenger.as_ref().expect("challenger");
        assert_eq!(new.id().hash, sha(changed.as_bytes()));
        assert_eq!(new.id().version, "2");
        assert_eq!(*mode, ChallengerMode::Shadow);
    }

    #[tokio::test]
    async fn changed_on_disk_tells_a_change_from_a_rewrite_of_the_same_bytes() {
        let (_dir, config, live) = started(None);
        assert!(!live.changed_on_disk().await);
        std::fs::write(&config.policy, fixture("champion-v1.yaml")).expect("rewrite");
        assert!(!live.changed_on_disk().await, "same bytes");
        std::fs::write(&config.policy, fixture("champion-v2.yaml")).expect("write");
        assert!(live.changed_on_disk().await, "new bytes");
        assert!(matches!(live.reload().await, ReloadOutcome::Replaced(_)));
        assert!(!live.changed_on_disk().await, "the reload read them");
        std::fs::remove_file(&config.policy).expect("remove");
        assert!(live.changed_on_disk().await, "gone");
        assert!(matches!(live.reload().await, ReloadOutcome::Refused(_)));
        assert!(
            !live.changed_on_disk().await,
            "still gone: no second refusal for nothing"
        );
        std::fs::write(&config.policy, fixture("champion-v2.yaml")).expect("restore");
        assert!(live.changed_on_disk().await, "back");
    }

    #[test]
    fn shadow_mode_answers_with_the_champion_and_carries_the_challenger_s_decision() {
        let (_dir, _config, live) = started(Some(ChallengerMode::Shadow));
        let arms = live.current();
        let (challenger, _) = arms.challenger.as_ref().expect("challenger");
        // One overdue event and one repayment: the champion rejects, the challenger approves.
        let body = r#"{"id": "s-1", "signals": {"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"events_overdue_day30": 1, "events_successful_repayment_day30": 1}}}"#;
        let masking = PhoneMasking::default();
        let request = DecideRequest {
            trace: false,
            log: Some(&masking),
            signals_fetch: None,
        };
        let made = decide(&arms, body, request).expect("decided");
        assert_eq!(made.response.arm, Arm::Champion);
        assert_eq!(made.response.decision.policy.hash, arms.champion.id().hash);
        assert_eq!(
            made.response.decision.reason_codes(),
            ["KO_OVERDUE", "SC_REPAYMENT"]
        );
        let app = underwrite_core::application::Application::from_json(body).expect("application");
        let theirs = app
            .decide(&challenger.policy, DecideOptions { trace: false })
            .expect("the challenger decides")
            .decision;
        assert_ne!(theirs.decision, made.response.decision.decision);
        let shadow = made.shadow.expect("a shadow decision");
        assert_eq!(
            shadow,
            ShadowDecision {
                policy: challenger.id().clone(),
                decision: Some(theirs.decision),
                score: theirs.score,
                reasons: theirs.reasons,
                error: None,
            }
        );
        let line = made.record.expect("a log line");
        let line = line.as_bytes().strip_suffix(b"\n").expect("one line");
        let at = underwrite_log::read::LineAt {
            file: PathBuf::from("log"),
            line: 1,
            offset: 0,
        };
        let underwrite_log::read::Entry::Record { record, .. } =
            underwrite_log::read::parse_line(line, at).expect("a record")
        else {
            panic!("a record");
        };
        assert_eq!(record.arm, Arm::Champion);
        assert_eq!(record.shadow, Some(shadow));
        // Without a challenger there is no shadow.
        let (_dir, _config, alone) = started(None);
        let made = decide(&alone.current(), body, request).expect("decided");
        assert!(made.shadow.is_none());
    }
}
