//! Reading a history file through [`crate::pipeline`], deciding each chunk on all cores, and
//! folding the observations in input order.
//!
//! Memory is bounded as in `batch`: chunks of at most 8,192 lines and about 16 MiB, at most two
//! at once (one being read, one being decided), and the tallies they fold into hold counts
//! only. A `.gz` file (or any input starting with gzip's magic bytes) is decompressed as it is
//! read, on the pipeline's reader thread.

use std::io::{BufRead, BufReader};

use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressStyle};
use underwrite_analysis::{Failure, FailureKind, Observation, Observer};
use underwrite_core::line::{LineFailure, LineFailureKind};

use crate::error::CliError;
use crate::input::InputName;
use crate::limits::LineLimit;
use crate::lines::JsonLines;
use crate::pipeline::{self, ChunkLimits, LineSource};

/// A history chunk: more lines than `batch`'s (a history line is decided by every policy under
/// study but its outcome is only counted), as many bytes.
const CHUNK: ChunkLimits = ChunkLimits {
    lines: 8192,
    bytes: 16 << 20,
};

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

/// A line that could not be read as text, as the reports count it.
fn unreadable(failure: LineFailure) -> Failure {
    let kind = match failure.kind() {
        LineFailureKind::TooLong => FailureKind::TooLong,
        LineFailureKind::NotUtf8 => FailureKind::NotUtf8,
        LineFailureKind::NotJson | LineFailureKind::Refused => FailureKind::NotAnApplication,
        _ => FailureKind::Internal,
    };
    Failure::new(kind, failure.to_string())
}

/// Decide every line of `source` with `observer` and hand each, in input order, to `fold`
/// with its 1-based line number. Stops at the first error `fold` returns; lines read before a
/// read error are folded before it is returned.
///
/// Reading (and decompressing) runs on the pipeline's reader thread, one chunk ahead, so it
/// overlaps the deciding, which runs on all cores; folding runs on this thread.
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
    let start = || {
        let lines = JsonLines::new(open(source)?, limit);
        Ok(lines.map_err(|e| CliError::bad_input(source, e)))
    };
    let result = pipeline::run(start, CHUNK, |chunk| {
        chunk.map_in_order(
            |line, buf| match line.text(buf) {
                Ok(text) => Seen::Observed(observer.observe(text)),
                Err(failure) => Seen::Unreadable(unreadable(failure)),
            },
            |line, seen| {
                bar.inc(1);
                fold(line.number as u64, seen)
            },
        )
    });
    bar.finish_and_clear();
    result
}
