//! A policy file made live: read under the size cap, loaded, and its own `tests:` run.
//!
//! A policy replaces the live one only when it loads and every one of its tests passes: the
//! tests are the author's statement of what the policy must do, so a file that breaks them is
//! refused as surely as one that does not parse. The tests run through core's one runner
//! (`Policy::run_tests`, as `underwrite test` and Python's `Policy.test()` run them); files a
//! test names are read relative to the policy's directory, regular files only, each under the
//! runner's cap (`underwrite_core::policy::MAX_TEST_INPUT_BYTES`).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use underwrite_core::policy::{
    LoadError, Policy, PolicyId, TestFiles, TestReport, Unreadable, UnreadableReason,
    MAX_POLICY_BYTES,
};

/// A policy that loaded and passed its tests.
#[derive(Debug)]
pub struct LoadedPolicy {
    /// The compiled policy.
    pub policy: Policy,
    /// The file it came from.
    pub path: PathBuf,
    /// When it was loaded.
    pub loaded_at: SystemTime,
    /// How many of its tests ran (all passed).
    pub tests_passed: usize,
}

impl LoadedPolicy {
    /// The policy's name, version and sha256.
    pub fn id(&self) -> &PolicyId {
        self.policy.id()
    }
}

/// Why a policy file was not made live. Each variant names the file; the library's own error
/// says the rest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyFileError {
    /// The file could not be read (missing, not a regular file, an I/O error), or is larger
    /// than the policy cap ([`MAX_POLICY_BYTES`]).
    #[error("{path}: cannot read: {}", unreadable_text(reason))]
    Unreadable {
        /// The file.
        path: String,
        /// Why (core's one reason, as policy tests give it for the files they name).
        reason: UnreadableReason,
    },
    /// The policy did not load: every diagnostic (`line:column: rule: message`).
    #[error("{path}: {error}")]
    Invalid {
        /// The file.
        path: String,
        /// The load error, each diagnostic with its kind and position.
        error: LoadError,
    },
    /// The policy loaded but some of its own tests failed.
    #[error("{path}: {failed} of {total} policy test(s) failed: {first}")]
    TestsFailed {
        /// The file.
        path: String,
        /// Tests that failed.
        failed: usize,
        /// Tests in the policy.
        total: usize,
        /// The first failure, as `underwrite test` prints it.
        first: String,
    },
}

/// An unreadable file's reason as the message has said it since before the reason was typed.
fn unreadable_text(reason: &UnreadableReason) -> String {
    match reason {
        UnreadableReason::TooLarge { cap } => format!("larger than {cap} bytes"),
        UnreadableReason::Io { error } => error.clone(),
        other => other.to_string(),
    }
}

impl PolicyFileError {
    /// The file, as shown in the message.
    pub fn path(&self) -> &str {
        match self {
            PolicyFileError::Unreadable { path, .. }
            | PolicyFileError::Invalid { path, .. }
            | PolicyFileError::TestsFailed { path, .. } => path,
        }
    }
}

/// Read, load and test the policy at `path`. Blocking (file reads and the tests): call it from a
/// blocking thread.
pub fn load_tested(path: &Path) -> Result<LoadedPolicy, PolicyFileError> {
    load_read(path, &read_policy(path)?)
}

/// Read the policy file at `path` (a regular file of at most [`MAX_POLICY_BYTES`]). Blocking.
pub fn read_policy(path: &Path) -> Result<Vec<u8>, PolicyFileError> {
    read_capped(path, MAX_POLICY_BYTES as u64).map_err(|reason| PolicyFileError::Unreadable {
        path: path.display().to_string(),
        reason,
    })
}

/// Load and test `bytes`, read from `path` (which names the file in errors and anchors the
/// files its tests name). Blocking (the tests may read files).
pub fn load_read(path: &Path, bytes: &[u8]) -> Result<LoadedPolicy, PolicyFileError> {
    let shown = path.display().to_string();
    let policy = Policy::load(bytes).map_err(|error| PolicyFileError::Invalid {
        path: shown.clone(),
        error,
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let reports = policy.run_tests(&PolicyDir(dir));
    let failures: Vec<&TestReport> = reports.iter().filter(|r| !r.passed()).collect();
    if let Some(first) = failures.first() {
        return Err(PolicyFileError::TestsFailed {
            path: shown,
            failed: failures.len(),
            total: reports.len(),
            first: format!(
                "{}: {}",
                first.name,
                first
                    .failures
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    Ok(LoadedPolicy {
        policy,
        path: path.to_path_buf(),
        loaded_at: SystemTime::now(),
        tests_passed: reports.len(),
    })
}

/// The files a policy's tests name, relative to the policy's directory.
struct PolicyDir<'a>(&'a Path);

impl TestFiles for PolicyDir<'_> {
    fn read(&self, relative: &str, cap: u64) -> Result<Vec<u8>, Unreadable> {
        let path = self.0.join(relative);
        read_capped(&path, cap).map_err(|reason| Unreadable {
            source: path.display().to_string(),
            reason,
        })
    }
}

/// Read a whole regular file (checked before it is opened: a FIFO would block) of at most
/// `cap` bytes (one more is read to tell).
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, UnreadableReason> {
    let io = |e: std::io::Error| UnreadableReason::Io {
        error: e.to_string(),
    };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if !metadata.is_file() {
        return Err(UnreadableReason::NotAFile);
    }
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(cap.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(UnreadableReason::TooLarge { cap });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_file(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(rel)
    }

    #[test]
    fn the_shipped_starter_policy_loads_and_passes_its_tests() {
        let loaded = load_tested(&repo_file("rules/starter.yaml")).expect("starter loads");
        assert!(loaded.tests_passed > 5, "{}", loaded.tests_passed);
        assert_eq!(loaded.id().hash.len(), 64);
    }

    #[test]
    fn a_policy_whose_own_test_fails_is_refused_naming_the_test() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.yaml");
        std::fs::write(
            &path,
            r#"name: p
version: "1"
knockouts:
  - id: overdue
    when: events_overdue_day30 > 0
    outcome: reject
    reason: { code: OVERDUE, text: Overdue }
tests:
  - name: expects approve but gets reject
    signals: {"data": {"status": "COMPLETED", "resultCode": "SUCCESS", "items": [{"name": "events_overdue_day30", "value": 2, "valueType": "NUMBER"}]}}
    expect: { decision: approve }
"#,
        )
        .expect("write");
        let err = load_tested(&path).expect_err("a failing test refuses the policy");
        assert!(
            matches!(&err, PolicyFileError::TestsFailed { failed: 1, total: 1, first, .. } if first.contains("expects approve but gets reject")),
            "{err}"
        );
    }

    #[test]
    fn unreadable_and_invalid_files_are_typed_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = load_tested(&dir.path().join("absent.yaml")).expect_err("absent");
        assert!(
            matches!(
                err,
                PolicyFileError::Unreadable {
                    reason: UnreadableReason::Io { .. },
                    ..
                }
            ),
            "{err}"
        );
        let err = load_tested(dir.path()).expect_err("a directory");
        assert!(
            matches!(
                err,
                PolicyFileError::Unreadable {
                    reason: UnreadableReason::NotAFile,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'#'; MAX_POLICY_BYTES + 1]).expect("write");
        let err = load_tested(&big).expect_err("too large");
        assert_eq!(
            err,
            PolicyFileError::Unreadable {
                path: big.display().to_string(),
                reason: UnreadableReason::TooLarge {
                    cap: MAX_POLICY_BYTES as u64
                },
            }
        );
        assert_eq!(
            err.to_string(),
            format!(
                "{}: cannot read: larger than {MAX_POLICY_BYTES} bytes",
                big.display()
            )
        );
        let path = dir.path().join("bad.yaml");
        std::fs::write(&path, "name: [").expect("write");
        let err = load_tested(&path).expect_err("not YAML");
        let PolicyFileError::Invalid { error, .. } = &err else {
            panic!("{err}");
        };
        assert!(!error.diagnostics.is_empty(), "{err}");
    }
}
