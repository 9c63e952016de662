//! Running a policy's own `tests:`: the one runner `underwrite test`, the service's reload gate
//! and Python's `Policy.test()` call, so the three give the same reports for the same policy.
//!
//! The runner owns everything but the I/O: which inputs a case names (inline values or files),
//! the cap on a file ([`MAX_TEST_INPUT_BYTES`], raised only by a caller told to), what an
//! unreadable file's failure says, and the catch that turns a panic while running a case into
//! that case's [`TestFailure::Panicked`] so the other cases still run. Files are read by the
//! caller's [`TestFiles`], which the runner hands the path as the policy writes it and the cap.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::Serialize;

use super::spec::{InputSource, TestSpec};
use super::testing::{TestFailure, TestInput, TestReport};
use super::Policy;
use crate::size::Size;

/// Largest file a policy test may name, in bytes (8 MiB): real payloads are about 5 KB and KYC
/// inputs under 1 KB. The CLI's `--max-input-bytes` may raise it for `underwrite test`.
pub const MAX_TEST_INPUT_BYTES: u64 = 8 << 20;

/// Reads the files a policy's tests name. The library does no I/O: each surface passes a
/// reader (the CLI and the service read relative to the policy file's directory, Python
/// relative to the policy's `base_dir`).
pub trait TestFiles {
    /// The cap on one file, in bytes: [`MAX_TEST_INPUT_BYTES`] unless the caller was told
    /// otherwise.
    fn cap(&self) -> u64 {
        MAX_TEST_INPUT_BYTES
    }

    /// The bytes of the file `path` names (as the policy writes it, relative to the policy's
    /// directory). A reader reads regular files only, checked before opening one (a FIFO or a
    /// device would block or never end), and at most `cap + 1` bytes, refusing the file as
    /// [`UnreadableReason::TooLarge`] when it gets more than `cap`.
    fn read(&self, path: &str, cap: u64) -> Result<Vec<u8>, Unreadable>;
}

/// The reader for a policy that has no directory (loaded from text): a test that names a file
/// fails with [`UnreadableReason::NoDirectory`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFiles;

impl TestFiles for NoFiles {
    fn read(&self, path: &str, _cap: u64) -> Result<Vec<u8>, Unreadable> {
        Err(Unreadable {
            source: path.to_string(),
            reason: UnreadableReason::NoDirectory,
        })
    }
}

/// A file a test names that the reader could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// Where it was read from (the path as resolved), for the message.
    pub source: String,
    /// Why.
    pub reason: UnreadableReason,
}

/// Why a file a test names could not be read. Its `Display` is the failure's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnreadableReason {
    /// Not a regular file (a directory, a FIFO, a device): never opened.
    NotAFile,
    /// Larger than the cap.
    TooLarge {
        /// The cap, in bytes.
        cap: u64,
    },
    /// The policy was not loaded from a file, so there is no directory to read from.
    NoDirectory,
    /// The file could not be opened or read.
    Io {
        /// The system's message.
        error: String,
    },
}

impl fmt::Display for UnreadableReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnreadableReason::NotAFile => f.write_str("not a regular file"),
            UnreadableReason::TooLarge { cap } => write!(
                f,
                "input is larger than {}, the most a file a test names may be",
                Size(*cap)
            ),
            UnreadableReason::NoDirectory => f.write_str(
                "the test names a file, and this policy was not loaded from one: there is no \
                 directory to read it from",
            ),
            UnreadableReason::Io { error } => write!(f, "cannot read: {error}"),
        }
    }
}

impl Policy {
    /// Run every one of this policy's `tests:`, in file order: read the inputs each case
    /// names (files through `files`, under [`TestFiles::cap`]), decide, and compare with its
    /// `expect:`. A file that cannot be read fails its case with
    /// [`TestFailure::InputUnreadable`]; a panic while running a case (a bug) fails it with
    /// [`TestFailure::Panicked`]; the other cases still run.
    pub fn run_tests(&self, files: &dyn TestFiles) -> Vec<TestReport> {
        let cap = files.cap();
        self.tests()
            .iter()
            .map(|case| {
                // The closure only reads the policy, the case and the reader; what it built is
                // dropped when it panics.
                catch_unwind(AssertUnwindSafe(|| match inputs(case, files, cap) {
                    Ok((signals, kyc)) => self.run_test(case, &signals, kyc.as_deref()),
                    Err(failure) => TestReport::failed(case.name.clone(), failure),
                }))
                .unwrap_or_else(|payload| {
                    let detail = crate::panic::panic_detail(payload.as_ref());
                    TestReport::failed(case.name.clone(), TestFailure::Panicked { detail })
                })
            })
            .collect()
    }
}

/// A case's signals bytes and KYC bytes (if it has KYC): an inline value as its JSON, a file
/// through `files`, at most `cap` bytes.
fn inputs(
    case: &TestSpec,
    files: &dyn TestFiles,
    cap: u64,
) -> Result<(Vec<u8>, Option<Vec<u8>>), TestFailure> {
    let bytes = |source: &InputSource, input: TestInput| match source {
        InputSource::Path(path) => {
            let unreadable = |e: Unreadable| TestFailure::InputUnreadable {
                input,
                source: e.source,
                message: e.reason.to_string(),
                reason: e.reason,
            };
            let bytes = files.read(path, cap).map_err(unreadable)?;
            if bytes.len() as u64 > cap {
                // A reader that did not keep to the cap is held to it here.
                return Err(unreadable(Unreadable {
                    source: path.clone(),
                    reason: UnreadableReason::TooLarge { cap },
                }));
            }
            Ok(bytes)
        }
        InputSource::Inline(_) => Ok(source.inline_bytes().unwrap_or_default()),
    };
    let signals = bytes(&case.signals, TestInput::Signals)?;
    let kyc = case
        .kyc
        .as_ref()
        .map(|k| bytes(k, TestInput::Kyc))
        .transpose()?;
    Ok((signals, kyc))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const POLICY: &str = r#"
name: files
version: "1"
knockouts:
  - id: overdue
    when: events_overdue_day30 > 0
    outcome: reject
    reason: { code: OVERDUE, text: Overdue }
tests:
  - name: inline
    signals: {"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"events_overdue_day30": 1}}
    expect: { decision: reject, reasons: [OVERDUE] }
  - name: from a file
    signals: clean.json
    expect: { decision: approve }
  - name: kyc from a file
    signals: clean.json
    kyc: kyc.json
    expect: { decision: approve }
"#;

    /// Files by name, a cap, and a name whose read panics.
    struct Memory {
        files: HashMap<&'static str, Vec<u8>>,
        cap: u64,
        panics_on: Option<&'static str>,
    }

    impl TestFiles for Memory {
        fn cap(&self) -> u64 {
            self.cap
        }

        fn read(&self, path: &str, _cap: u64) -> Result<Vec<u8>, Unreadable> {
            if self.panics_on == Some(path) {
                panic!("the reader broke on {path}");
            }
            self.files.get(path).cloned().ok_or_else(|| Unreadable {
                source: format!("dir/{path}"),
                reason: UnreadableReason::Io {
                    error: "No such file or directory (os error 2)".into(),
                },
            })
        }
    }

    fn memory() -> Memory {
        let clean =
            br#"{"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"events_overdue_day30": 0}}"#;
        let kyc = br#"{"submitted": {"first_name": "Joe", "last_name": "Leo"}, "authority": {"first_name": "Joe", "last_name": "Leo"}}"#;
        Memory {
            files: HashMap::from([("clean.json", clean.to_vec()), ("kyc.json", kyc.to_vec())]),
            cap: MAX_TEST_INPUT_BYTES,
            panics_on: None,
        }
    }

    fn failures(reports: &[TestReport]) -> Vec<Vec<String>> {
        reports
            .iter()
            .map(|r| r.failures.iter().map(ToString::to_string).collect())
            .collect()
    }

    #[test]
    fn inline_inputs_and_files_are_read_and_every_case_runs() {
        let policy = Policy::load(POLICY.as_bytes()).unwrap();
        let reports = policy.run_tests(&memory());
        let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["inline", "from a file", "kyc from a file"]);
        assert!(reports.iter().all(TestReport::passed), "{reports:?}");
        assert!(reports.iter().all(|r| r.decision.is_some()));
    }

    #[test]
    fn unreadable_files_fail_their_case_with_the_runner_s_message() {
        let policy = Policy::load(POLICY.as_bytes()).unwrap();
        let mut files = memory();
        files.files.remove("kyc.json");
        files.cap = 10;
        assert_eq!(
            failures(&policy.run_tests(&files)),
            [
                vec![],
                vec!["clean.json: input is larger than 10 bytes, the most a file a test names may be"
                    .to_string()],
                vec!["clean.json: input is larger than 10 bytes, the most a file a test names may be"
                    .to_string()],
            ]
        );
        files.cap = MAX_TEST_INPUT_BYTES;
        let reports = policy.run_tests(&files);
        assert_eq!(
            reports[2].failures,
            [TestFailure::InputUnreadable {
                input: TestInput::Kyc,
                source: "dir/kyc.json".into(),
                reason: UnreadableReason::Io {
                    error: "No such file or directory (os error 2)".into()
                },
                message: "cannot read: No such file or directory (os error 2)".into(),
            }]
        );
        assert_eq!(
            serde_json::to_value(&reports[2].failures[0]).unwrap(),
            serde_json::json!({
                "kind": "input_unreadable", "input": "kyc", "source": "dir/kyc.json",
                "reason": "io", "error": "No such file or directory (os error 2)",
                "message": "cannot read: No such file or directory (os error 2)"
            })
        );
        let reports = policy.run_tests(&NoFiles);
        assert!(reports[0].passed());
        assert_eq!(
            failures(&reports)[1],
            ["clean.json: the test names a file, and this policy was not loaded from one: there \
              is no directory to read it from"]
        );
    }

    #[test]
    fn a_panic_fails_its_case_and_the_others_still_run() {
        let policy = Policy::load(POLICY.as_bytes()).unwrap();
        let mut files = memory();
        files.panics_on = Some("kyc.json");
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let reports = policy.run_tests(&files);
        std::panic::set_hook(hook);
        assert!(reports[0].passed() && reports[1].passed(), "{reports:?}");
        assert_eq!(
            reports[2].failures,
            [TestFailure::Panicked {
                detail: "the reader broke on kyc.json".into()
            }]
        );
        assert_eq!(
            reports[2].failures[0].to_string(),
            "internal error while running this test; please report it (the reader broke on \
             kyc.json)"
        );
    }

    #[test]
    fn every_reason_has_its_message() {
        for (reason, text) in [
            (UnreadableReason::NotAFile, "not a regular file"),
            (
                UnreadableReason::TooLarge { cap: 8 << 20 },
                "input is larger than 8 MiB, the most a file a test names may be",
            ),
            (UnreadableReason::Io { error: "x".into() }, "cannot read: x"),
        ] {
            assert_eq!(reason.to_string(), text);
        }
    }
}
