//! Reading a history file in bounded chunks, deciding each chunk on all cores, and folding the
//! observations in input order.
//!
//! Memory is bounded as in `batch`: a chunk holds at most [`CHUNK_LINES`] lines and about
//! [`CHUNK_BYTES`] bytes, at most three chunks exist at once (one being read, one queued, one
//! being decided), and the tallies they fold into hold counts only. A `.gz` file (or any
//! input starting with gzip's magic bytes) is decompressed as it is read.

use std::io::{BufRead, BufReader};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use underwrite_analysis::{Failure, FailureKind, Observation, Observer};

use crate::error::CliError;
use crate::input::InputName;
use crate::limits::{ByteSize, LineLimit};
use crate::lines::{JsonLines, Line, LineFailure};

/// Most lines decided per parallel chunk.
const CHUNK_LINES: usize = 8192;
/// Input bytes per chunk.
const CHUNK_BYTES: usize = 16 << 20;

/// One line as the fold sees it.
pub enum Seen<'a> {
    /// Read and observed.
    Observed(Observation<'a>),
    /// Not readable as text (too long, not UTF-8).
    Unreadable(Failure),
}

/// Open `source`, decompressing gzip by its magic bytes.
pub fn open(source: &InputName) -> Result<Box<dyn BufRead>, CliError> {
    let reader = source
        .open()
        .map_err(|e| CliError::bad_input(source, format!("cannot read: {e}")))?;
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let head = reader
        .fill_buf()
        .map_err(|e| CliError::bad_input(source, format!("cannot read: {e}")))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(reader),
        )))
    } else {
        Ok(Box::new(reader))
    }
}

fn unreadable(failure: LineFailure) -> Failure {
    let kind = match failure {
        LineFailure::TooLong { .. } => FailureKind::TooLong,
        LineFailure::NotUtf8 { .. } => FailureKind::NotUtf8,
        LineFailure::Internal(_) => FailureKind::Internal,
        LineFailure::NotJson(_) | LineFailure::Refused(_) => FailureKind::NotAnApplication,
    };
    Failure::new(kind, failure.to_string())
}

/// A chunk of lines in one buffer, and the read error that ended the input, if any.
struct Chunk {
    buf: Vec<u8>,
    lines: Vec<Line>,
    cap: ByteSize,
    error: Option<CliError>,
}

/// Read `source` into chunks on this thread and send them, in order, until the input ends, a
/// read fails (the last chunk carries the error) or the receiver is gone. Buffers come back
/// through `recycled`, so two or three chunks are all that ever exist.
fn read_chunks(
    source: &InputName,
    limit: LineLimit,
    chunks: SyncSender<Chunk>,
    recycled: Receiver<Vec<u8>>,
) {
    let reader = match open(source) {
        Ok(reader) => reader,
        Err(e) => {
            let _ = chunks.send(Chunk {
                buf: Vec::new(),
                lines: Vec::new(),
                cap: limit.bytes,
                error: Some(e),
            });
            return;
        }
    };
    let mut lines = JsonLines::new(reader, limit);
    loop {
        let mut buf = recycled.try_recv().unwrap_or_default();
        buf.clear();
        let mut chunk = Vec::with_capacity(CHUNK_LINES);
        let error = lines
            .fill_chunk(&mut buf, &mut chunk, CHUNK_LINES, CHUNK_BYTES)
            .err()
            .map(|e| CliError::bad_input(source, e));
        let done = chunk.is_empty() || error.is_some();
        let sent = chunks.send(Chunk {
            buf,
            lines: chunk,
            cap: lines.cap(),
            error,
        });
        if done || sent.is_err() {
            return;
        }
    }
}

/// Decide every line of `source` with `observer` and hand each, in input order, to `fold`
/// with its 1-based line number. Stops at the first error `fold` returns; lines read before a
/// read error are folded before it is returned.
///
/// Reading (and decompressing) runs on its own thread, one chunk ahead, so it overlaps the
/// deciding, which runs on all cores; folding runs on this thread between chunks.
pub fn for_each(
    source: &InputName,
    limit: LineLimit,
    observer: &Observer<'_>,
    mut fold: impl FnMut(u64, Seen<'_>) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} lines ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let result = std::thread::scope(|scope| {
        let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(1);
        let (recycle_tx, recycle_rx) = channel::<Vec<u8>>();
        scope.spawn(move || read_chunks(source, limit, chunk_tx, recycle_rx));
        for chunk in chunk_rx {
            let seen: Vec<Seen<'_>> = chunk
                .lines
                .par_iter()
                .map(|line| match line.text(&chunk.buf, chunk.cap) {
                    Ok(text) => Seen::Observed(observer.observe(text)),
                    Err(failure) => Seen::Unreadable(unreadable(failure)),
                })
                .collect();
            bar.inc(seen.len() as u64);
            for (line, seen) in chunk.lines.iter().zip(seen) {
                // Returning drops the receiver: the reader stops at its next send.
                fold(line.number as u64, seen)?;
            }
            if let Some(e) = chunk.error {
                return Err(e);
            }
            let _ = recycle_tx.send(chunk.buf);
        }
        Ok(())
    });
    bar.finish_and_clear();
    result
}
