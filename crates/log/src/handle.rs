//! The decision log as the service holds it: [`DecisionLog`] (a handle to the writer thread),
//! its configuration and its errors.
//!
//! # Durability
//!
//! A decision is answered only after its line is in the log: [`DecisionLog::append`] resolves
//! once the writer thread has written the line and, under the default [`SyncPolicy::Batch`],
//! `fdatasync`ed it. The writer commits in groups (see `writer`): one `write` and one sync for
//! every request that queued while the previous group was being synced, so the cost of a sync is
//! shared by the whole group and a request costs a channel send and a oneshot wake-up, never a
//! syscall of its own; under concurrency a group also waits out a short window
//! ([`LogConfig::group_window`]) so that a fast disk does not cost a wake-up per request.
//! [`SyncPolicy::None`] writes to the operating system before answering and
//! syncs only at rotation and close: a decision then survives the process being killed
//! (`kill -9`), not a power loss.
//!
//! # Segments
//!
//! Each process start opens a new segment (never appending after a tail a crash may have torn),
//! and a segment is closed for a new one when a line would take it past
//! [`LogConfig::max_file_bytes`]; a line is never split across segments. Segments and the
//! directory are private to the service's user (see [`LogAccess`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::access::{prepare_dir, LogAccess, ModeChange};
use crate::line::Lines;
use crate::mask::PhoneMasking;
use crate::writer::{Msg, Writer};

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
    /// request's side: see [`Lines::push`]).
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

/// A decision log could not be opened or written.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The directory or a new segment could not be created, or the directory's permissions
    /// could not be tightened.
    #[error("decision log {path}: cannot create: {source}")]
    Open {
        /// The directory.
        path: String,
        /// Why.
        source: Arc<std::io::Error>,
    },
    /// A segment could not be written.
    #[error("decision log {path}: cannot write: {source}")]
    Write {
        /// The segment.
        path: String,
        /// Why.
        source: Arc<std::io::Error>,
    },
    /// A segment could not be synced to disk.
    #[error("decision log {path}: cannot sync: {source}")]
    Sync {
        /// The segment.
        path: String,
        /// Why.
        source: Arc<std::io::Error>,
    },
    /// The log is closed (the service is stopping) or its writer has stopped.
    #[error("decision log: closed")]
    Closed,
}

impl LogError {
    pub(crate) fn open(path: &Path, source: std::io::Error) -> LogError {
        LogError::Open {
            path: path.display().to_string(),
            source: Arc::new(source),
        }
    }

    pub(crate) fn write(path: &Path, source: std::io::Error) -> LogError {
        LogError::Write {
            path: path.display().to_string(),
            source: Arc::new(source),
        }
    }

    pub(crate) fn sync(path: &Path, source: std::io::Error) -> LogError {
        LogError::Sync {
            path: path.display().to_string(),
            source: Arc::new(source),
        }
    }
}

/// What the writer has done since the log was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogStats {
    /// Appends written (a single decision or a whole batch each).
    pub appends: u64,
    /// Records written.
    pub records: u64,
    /// Groups of appends handled, failed ones included (each one `write`, and one sync under
    /// [`SyncPolicy::Batch`], more when it spans a rotation).
    pub groups: u64,
    /// `fdatasync` calls on segments.
    pub syncs: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Segments created.
    pub segments: u64,
    /// Groups that failed (their requests got an error).
    pub failures: u64,
}

/// The writer's counters, shared with the handles.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) appends: AtomicU64,
    pub(crate) records: AtomicU64,
    pub(crate) groups: AtomicU64,
    pub(crate) syncs: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) segments: AtomicU64,
    pub(crate) failures: AtomicU64,
}

/// An open decision log: a handle to its writer thread. Clones share the writer.
#[derive(Debug, Clone)]
pub struct DecisionLog {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    tx: Sender<Msg>,
    counters: Arc<Counters>,
    dir: PathBuf,
    first_segment: Option<PathBuf>,
    tightened: Option<ModeChange>,
}

impl DecisionLog {
    /// Create `config.dir` if needed (or tighten its permissions to `config.access`'s), open a
    /// new segment in it and start the writer thread.
    pub fn open(config: &LogConfig) -> Result<DecisionLog, LogError> {
        let tightened =
            prepare_dir(&config.dir, config.access).map_err(|e| LogError::open(&config.dir, e))?;
        let counters = Arc::new(Counters::default());
        let writer = Writer::open(
            &config.dir,
            config.access,
            config.sync,
            config.max_file_bytes,
            config.group_window,
            Arc::clone(&counters),
        )?;
        let first_segment = writer.current_path().map(Path::to_path_buf);
        let (tx, rx) = mpsc::channel();
        // Detached: it stops by itself once closed or once every handle is gone.
        std::thread::Builder::new()
            .name("decision-log".to_owned())
            .spawn(move || writer.run(rx))
            .map_err(|e| LogError::open(&config.dir, e))?;
        Ok(DecisionLog {
            shared: Arc::new(Shared {
                tx,
                counters,
                dir: config.dir.clone(),
                first_segment,
                tightened,
            }),
        })
    }

    /// The log's directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The directory's permissions, when opening had to tighten them.
    pub fn tightened(&self) -> Option<ModeChange> {
        self.shared.tightened
    }

    /// The segment this process opened first.
    pub fn first_segment(&self) -> Option<&Path> {
        self.shared.first_segment.as_deref()
    }

    /// Append lines; resolves once they are written and, under [`SyncPolicy::Batch`], synced.
    /// On an error none of them counts as logged (though some may be in the file).
    pub async fn append(&self, lines: Lines) -> Result<(), LogError> {
        if lines.is_empty() {
            return Ok(());
        }
        let (done, written) = oneshot::channel();
        self.shared
            .tx
            .send(Msg::Append { lines, done })
            .map_err(|_| LogError::Closed)?;
        written.await.map_err(|_| LogError::Closed)?
    }

    /// Write what is queued, sync, close the segment and stop the writer; the final sync's
    /// error, if any. When this resolves the segment files are complete. Appends after this
    /// fail with [`LogError::Closed`]; closing twice is harmless.
    pub async fn close(&self) -> Result<(), LogError> {
        let (done, closed) = oneshot::channel();
        if self.shared.tx.send(Msg::Close { done }).is_err() {
            return Ok(());
        }
        closed.await.unwrap_or(Ok(()))
    }

    /// What the writer has done so far.
    pub fn stats(&self) -> LogStats {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        LogStats {
            appends: get(&c.appends),
            records: get(&c.records),
            groups: get(&c.groups),
            syncs: get(&c.syncs),
            bytes: get(&c.bytes),
            segments: get(&c.segments),
            failures: get(&c.failures),
        }
    }
}
