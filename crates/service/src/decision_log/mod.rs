//! The decision log: append-only JSON Lines, one [`Record`] per decision, in segment files.
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
//! [`LogConfig::max_file_bytes`]; a line is never split across segments. See `segment` for
//! the names, which sort by time.
//!
//! # Reading
//!
//! [`read`] reads segments back in order for `underwrite replay` and tests: a last line without
//! its newline is a torn line, reported and skipped; any other bad line is a typed error naming
//! its file and line. [`replay`] decides logged records again and compares.

pub mod read;
mod record;
pub mod replay;
mod segment;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

pub use record::{Record, ShadowDecision, LOG_FORMAT_VERSION};
pub use segment::{is_segment_name, list as list_segments};

use writer::{Msg, Writer};

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
    /// How the applicant's phone is masked.
    pub masking: crate::mask::PhoneMasking,
    /// When a line counts as logged.
    pub sync: SyncPolicy,
    /// A segment is closed for a new one before a line would take it past this size.
    pub max_file_bytes: u64,
    /// The shortest time between the starts of two groups while appends come concurrently
    /// (see [`DEFAULT_GROUP_WINDOW`]); zero takes each group as soon as the last is done.
    pub group_window: Duration,
}

impl LogConfig {
    /// A log in `dir` with the defaults: phone removed, [`SyncPolicy::Batch`],
    /// [`DEFAULT_MAX_FILE_BYTES`], [`DEFAULT_GROUP_WINDOW`].
    pub fn new(dir: impl Into<PathBuf>) -> LogConfig {
        LogConfig {
            dir: dir.into(),
            masking: crate::mask::PhoneMasking::default(),
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
    /// The directory or a new segment could not be created.
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
    /// A record could not be serialized (a bug).
    #[error("decision log: cannot encode decision {decision_id}: {message}")]
    Encode {
        /// The record's decision id.
        decision_id: String,
        /// serde_json's message.
        message: String,
    },
    /// The log is closed (the service is stopping) or its writer has stopped.
    #[error("decision log: closed")]
    Closed,
}

impl LogError {
    fn open(path: &Path, source: std::io::Error) -> LogError {
        LogError::Open {
            path: path.display().to_string(),
            source: Arc::new(source),
        }
    }

    fn write(path: &Path, source: std::io::Error) -> LogError {
        LogError::Write {
            path: path.display().to_string(),
            source: Arc::new(source),
        }
    }

    fn sync(path: &Path, source: std::io::Error) -> LogError {
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
struct Counters {
    appends: AtomicU64,
    records: AtomicU64,
    groups: AtomicU64,
    syncs: AtomicU64,
    bytes: AtomicU64,
    segments: AtomicU64,
    failures: AtomicU64,
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
    thread: Mutex<Option<JoinHandle<()>>>,
    dir: PathBuf,
    first_segment: Option<PathBuf>,
}

impl DecisionLog {
    /// Create `config.dir` if needed, open a new segment in it and start the writer thread.
    pub fn open(config: &LogConfig) -> Result<DecisionLog, LogError> {
        let counters = Arc::new(Counters::default());
        let writer = Writer::open(
            &config.dir,
            config.sync,
            config.max_file_bytes,
            config.group_window,
            Arc::clone(&counters),
        )?;
        let first_segment = writer.current_path().map(Path::to_path_buf);
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("decision-log".to_owned())
            .spawn(move || writer.run(rx))
            .map_err(|e| LogError::open(&config.dir, e))?;
        Ok(DecisionLog {
            shared: Arc::new(Shared {
                tx,
                counters,
                thread: Mutex::new(Some(thread)),
                dir: config.dir.clone(),
                first_segment,
            }),
        })
    }

    /// The log's directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The segment this process opened first.
    pub fn first_segment(&self) -> Option<&Path> {
        self.shared.first_segment.as_deref()
    }

    /// Append records; resolves once they are written and, under [`SyncPolicy::Batch`],
    /// synced. On an error none of them counts as logged (though some may be in the file).
    pub async fn append(&self, records: Vec<Record>) -> Result<(), LogError> {
        if records.is_empty() {
            return Ok(());
        }
        let (done, written) = oneshot::channel();
        self.shared
            .tx
            .send(Msg::Append { records, done })
            .map_err(|_| LogError::Closed)?;
        written.await.map_err(|_| LogError::Closed)?
    }

    /// Write what is queued, sync, close the segment and stop the writer. Appends after this
    /// fail with [`LogError::Closed`]. Closing twice is harmless.
    pub async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.shared.tx.send(Msg::Close { done }).is_ok() {
            if let Ok(Err(e)) = closed.await {
                tracing::error!(error = %e, "decision log: the final sync failed");
            }
        }
        let thread = self
            .shared
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // The thread has answered the close and is returning: joining is quick.
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            let s = self.stats();
            tracing::info!(
                records = s.records,
                appends = s.appends,
                groups = s.groups,
                syncs = s.syncs,
                bytes = s.bytes,
                segments = s.segments,
                failures = s.failures,
                "decision log closed"
            );
        }
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
