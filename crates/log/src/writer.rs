//! The writer thread: group commit over a channel.
//!
//! Requests send their lines (encoded on the request's own thread, so the one writer thread only
//! copies bytes) with a oneshot to wake them ([`Msg::Append`]). The thread blocks on the channel
//! for the first message, then takes everything else already queued (up to [`GROUP_MAX_BYTES`]
//! of lines), gathers it into one buffer, writes it with one `write`,
//! syncs once (under [`SyncPolicy::Batch`]) and only then wakes every request of the group. While
//! it syncs, new requests queue up and become the next group: the group grows with the load and
//! the sync's latency. When a group had more than one append (there is concurrency) and took
//! less than the group window, the writer waits out the rest of the window before taking the
//! next group, so that a fast disk or [`SyncPolicy::None`] does not cost a wake-up and a `write`
//! per request; a request alone is never delayed. A group spans segments only at a rotation: the
//! old segment is written and synced, a new one is created, and the rest goes there.
//!
//! After a failed write, sync or rotation, every request of the group gets the error, the
//! segment is closed and never written again (its tail may be torn), and the next group starts a
//! new segment. A new segment whose first group fails holds nothing acknowledged and is removed.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::access::LogAccess;
use crate::config::SyncPolicy;
use crate::error::LogError;
use crate::line::Lines;
use crate::segment::Namer;
use crate::stats::Counters;

/// Stop taking more messages into a group once its lines reach this many bytes.
pub const GROUP_MAX_BYTES: usize = 8 << 20;
/// A buffer grown past this by a large group is given back afterwards.
const KEEP_BUFFER_BYTES: usize = 1 << 20;

/// What the writer is sent.
pub enum Msg {
    /// Lines to log; the sender learns when they are written (and synced).
    Append {
        /// The lines, in order.
        lines: Lines,
        /// Told once the records are durable, or why not.
        done: oneshot::Sender<Result<(), LogError>>,
    },
    /// Sync, close and stop; told when done (with the final sync's error, if any).
    Close {
        /// Told once the log is closed.
        done: oneshot::Sender<Result<(), LogError>>,
    },
}

/// The open segment.
struct Segment {
    file: File,
    path: PathBuf,
    /// Bytes written.
    len: u64,
    /// Bytes of groups that completed (acknowledged).
    committed: u64,
}

/// The writer's state, owned by its thread.
pub struct Writer {
    dir: PathBuf,
    access: LogAccess,
    sync: SyncPolicy,
    max_file_bytes: u64,
    window: Duration,
    namer: Namer,
    segment: Option<Segment>,
    /// The group's lines not yet written.
    buf: Vec<u8>,
    counters: Arc<Counters>,
}

impl Writer {
    /// Open the first segment of this process in `dir` (which exists).
    pub fn open(
        dir: &Path,
        access: LogAccess,
        sync: SyncPolicy,
        max_file_bytes: u64,
        window: Duration,
        counters: Arc<Counters>,
    ) -> Result<Writer, LogError> {
        let mut writer = Writer {
            dir: dir.to_path_buf(),
            access,
            sync,
            max_file_bytes: max_file_bytes.max(1),
            window,
            namer: Namer::new(),
            segment: None,
            buf: Vec::with_capacity(64 << 10),
            counters,
        };
        writer.new_segment()?;
        Ok(writer)
    }

    /// The segment being written.
    pub fn current_path(&self) -> Option<&Path> {
        self.segment.as_ref().map(|s| s.path.as_path())
    }

    /// Serve the channel until it closes or a [`Msg::Close`] arrives.
    pub fn run(mut self, rx: Receiver<Msg>) {
        let mut waiting: Vec<oneshot::Sender<Result<(), LogError>>> = Vec::new();
        // When the last group started, and whether it had company.
        let mut last_start = Instant::now();
        let mut last_shared = false;
        loop {
            if last_shared {
                // Under concurrency, let the next group gather for the rest of the window
                // rather than wake for every request.
                let since = last_start.elapsed();
                if since < self.window {
                    std::thread::sleep(self.window - since);
                }
            }
            let Ok(first) = rx.recv() else {
                // Every handle is gone: close quietly.
                let _ = self.close();
                return;
            };
            last_start = Instant::now();
            let mut close = None;
            let mut outcome = Ok(());
            // Records of the appends that joined the group.
            let mut added = 0u64;
            let mut next = Some(first);
            while let Some(msg) = next.take() {
                match msg {
                    Msg::Append { lines, done } => {
                        if outcome.is_ok() {
                            outcome = self.add(&lines);
                            added += lines.len() as u64;
                        }
                        waiting.push(done);
                    }
                    Msg::Close { done } => {
                        close = Some(done);
                        break;
                    }
                }
                if self.buf.len() >= GROUP_MAX_BYTES {
                    break;
                }
                match rx.try_recv() {
                    Ok(msg) => next = Some(msg),
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
                }
            }
            last_shared = waiting.len() > 1;
            let outcome = outcome.and_then(|()| self.commit());
            self.counters.groups.fetch_add(1, Ordering::Relaxed);
            match outcome {
                Ok(()) => {
                    let c = &self.counters;
                    c.appends.fetch_add(waiting.len() as u64, Ordering::Relaxed);
                    c.records.fetch_add(added, Ordering::Relaxed);
                    for done in waiting.drain(..) {
                        let _ = done.send(Ok(()));
                    }
                }
                Err(e) => {
                    self.counters.failures.fetch_add(1, Ordering::Relaxed);
                    self.abandon();
                    for done in waiting.drain(..) {
                        let _ = done.send(Err(e.clone()));
                    }
                }
            }
            if self.buf.capacity() > KEEP_BUFFER_BYTES {
                self.buf = Vec::with_capacity(64 << 10);
            }
            if let Some(done) = close {
                let _ = done.send(self.close());
                return;
            }
        }
    }

    /// Add one append's lines to the group, rotating first where a line would take the segment
    /// past its size (a line is never split).
    fn add(&mut self, lines: &Lines) -> Result<(), LogError> {
        let bytes = lines.as_bytes();
        let before = self.segment.as_ref().map_or(0, |s| s.len) + self.buf.len() as u64;
        if before + bytes.len() as u64 <= self.max_file_bytes {
            // The common case: the whole append fits.
            self.buf.extend_from_slice(bytes);
            return Ok(());
        }
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            let before = self.segment.as_ref().map_or(0, |s| s.len) + self.buf.len() as u64;
            if before > 0 && before + line.len() as u64 > self.max_file_bytes {
                self.rotate()?;
            }
            self.buf.extend_from_slice(line);
        }
        Ok(())
    }

    /// Write the buffer to the current segment, sync it, and start a new segment.
    fn rotate(&mut self) -> Result<(), LogError> {
        self.write()?;
        self.sync_segment()?;
        if let Some(segment) = &mut self.segment {
            segment.committed = segment.len;
        }
        self.segment = None;
        self.new_segment()
    }

    /// Write the whole buffer and sync as the policy says.
    fn commit(&mut self) -> Result<(), LogError> {
        if self.segment.is_none() {
            self.new_segment()?;
        }
        self.write()?;
        if self.sync == SyncPolicy::Batch {
            self.sync_segment()?;
        }
        if let Some(segment) = &mut self.segment {
            segment.committed = segment.len;
        }
        Ok(())
    }

    /// Write the buffer (one `write` unless the kernel takes less) and empty it.
    fn write(&mut self) -> Result<(), LogError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if self.segment.is_none() {
            self.new_segment()?;
        }
        let Some(segment) = &mut self.segment else {
            return Err(LogError::Closed);
        };
        let result = segment.file.write_all(&self.buf);
        let len = self.buf.len() as u64;
        self.buf.clear();
        match result {
            Ok(()) => {
                segment.len += len;
                self.counters.bytes.fetch_add(len, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => Err(LogError::write(&segment.path, e)),
        }
    }

    /// `fdatasync` the current segment.
    fn sync_segment(&mut self) -> Result<(), LogError> {
        let Some(segment) = &self.segment else {
            return Ok(());
        };
        segment
            .file
            .sync_data()
            .map_err(|e| LogError::sync(&segment.path, e))?;
        self.counters.syncs.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn new_segment(&mut self) -> Result<(), LogError> {
        let durable = self.sync == SyncPolicy::Batch;
        let (file, path) = self
            .namer
            .create(&self.dir, self.access, durable)
            .map_err(|e| LogError::open(&self.dir, e))?;
        self.counters.segments.fetch_add(1, Ordering::Relaxed);
        self.segment = Some(Segment {
            file,
            path,
            len: 0,
            committed: 0,
        });
        Ok(())
    }

    /// After a failure: drop what was not written, close the segment for good, and remove it if
    /// it holds nothing acknowledged.
    fn abandon(&mut self) {
        self.buf.clear();
        if let Some(segment) = self.segment.take() {
            if segment.committed == 0 {
                drop(segment.file);
                let _ = std::fs::remove_file(&segment.path);
            }
        }
    }

    /// Sync and close; an empty segment is removed.
    fn close(&mut self) -> Result<(), LogError> {
        let result = self.sync_segment();
        if let Some(segment) = self.segment.take() {
            if segment.len == 0 {
                drop(segment.file);
                let _ = std::fs::remove_file(&segment.path);
            }
        }
        result
    }
}
