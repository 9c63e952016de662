//! What the writer has done: [`LogStats`], read from the counters it shares with the handles.

use std::sync::atomic::{AtomicU64, Ordering};

/// What the writer has done since the log was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogStats {
    /// Appends written (a single decision or a whole batch each).
    pub appends: u64,
    /// Records written.
    pub records: u64,
    /// Groups of appends handled, failed ones included (each one `write`, and one sync under
    /// [`crate::SyncPolicy::Batch`], more when it spans a rotation).
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

impl Counters {
    /// The counts so far.
    pub(crate) fn snapshot(&self) -> LogStats {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        LogStats {
            appends: get(&self.appends),
            records: get(&self.records),
            groups: get(&self.groups),
            syncs: get(&self.syncs),
            bytes: get(&self.bytes),
            segments: get(&self.segments),
            failures: get(&self.failures),
        }
    }
}
