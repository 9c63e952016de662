//! What a decision log is kept with: [`LogConfig`] and [`SyncPolicy`].

use std::path::PathBuf;
use std::time::Duration;

use crate::access::LogAccess;
use crate::mask::PhoneMasking;

/// The default size at which a segment is closed for a new one: 256 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

/// The default group window: 500 µs. Under concurrent load a group then gathers the requests of
/// half a millisecond (or of one sync, if that is longer), which saves a writer wake-up and a
/// `write` per request; a request alone is never delayed.
pub const DEFAULT_GROUP_WINDOW: Duration = Duration::from_micros(500);

/// How the decision log is kept.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// The directory of segment files (created if needed).
    pub dir: PathBuf,
    /// Who may read the directory and its segments.
    pub access: LogAccess,
    /// How the applicant's phone is masked in the lines written (by the encoder, on the
    /// request's side: see [`crate::Lines::push`]).
    pub masking: PhoneMasking,
    /// When a line counts as logged.
    pub sync: SyncPolicy,
    /// A segment is closed for a new one before a line would take it past this size.
    pub max_file_bytes: u64,
    /// The shortest time between the starts of two groups while appends come concurrently
    /// (see [`DEFAULT_GROUP_WINDOW`]); zero takes each group as soon as the last is done.
    pub group_window: Duration,
}

impl LogConfig {
    /// A log in `dir` with the defaults: owner-only access, phone removed,
    /// [`SyncPolicy::Batch`], [`DEFAULT_MAX_FILE_BYTES`], [`DEFAULT_GROUP_WINDOW`].
    pub fn new(dir: impl Into<PathBuf>) -> LogConfig {
        LogConfig {
            dir: dir.into(),
            access: LogAccess::default(),
            masking: PhoneMasking::default(),
            sync: SyncPolicy::default(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            group_window: DEFAULT_GROUP_WINDOW,
        }
    }
}

/// When a decision counts as logged, and so may be answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SyncPolicy {
    /// Written and `fdatasync`ed (once per group) before answering: survives a power loss.
    #[default]
    Batch,
    /// Written to the operating system before answering, synced only at rotation and close:
    /// survives the process's death (`kill -9`), not the machine's.
    None,
}
