//! The decision log as the service holds it: [`DecisionLog`], a handle to the writer thread.
//!
//! # Durability
//!
//! A decision is answered only after its line is in the log: [`DecisionLog::append`] resolves
//! once the writer thread has written the line and, under the default [`crate::SyncPolicy::Batch`],
//! `fdatasync`ed it. The writer commits in groups (see `writer`): one `write` and one sync for
//! every request that queued while the previous group was being synced, so the cost of a sync is
//! shared by the whole group and a request costs a channel send and a oneshot wake-up, never a
//! syscall of its own; under concurrency a group also waits out a short window
//! ([`crate::LogConfig::group_window`]) so that a fast disk does not cost a wake-up per request.
//! [`crate::SyncPolicy::None`] writes to the operating system before answering and
//! syncs only at rotation and close: a decision then survives the process being killed
//! (`kill -9`), not a power loss.
//!
//! # Segments
//!
//! Each process start opens a new segment (never appending after a tail a crash may have torn),
//! and a segment is closed for a new one when a line would take it past
//! [`crate::LogConfig::max_file_bytes`]; a line is never split across segments. Segments and the
//! directory are private to the service's user (see [`crate::LogAccess`]).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::access::{prepare_dir, ModeChange};
use crate::config::LogConfig;
use crate::error::LogError;
use crate::line::Lines;
use crate::stats::{Counters, LogStats};
use crate::writer::{Msg, Writer};

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

    /// Append lines; resolves once they are written and, under [`crate::SyncPolicy::Batch`], synced.
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
        self.shared.counters.snapshot()
    }
}
