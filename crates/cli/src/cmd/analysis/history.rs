//! Reading a history file in bounded chunks, deciding each chunk on all cores, and folding the
//! observations in input order.
//!
//! Memory is bounded as in `batch`: a chunk holds at most [`CHUNK_LINES`] lines and about
//! [`CHUNK_BYTES`] bytes; the tallies it folds into hold counts only. A `.gz` file (or any
//! input starting with gzip's magic bytes) is decompressed as it is read.

use std::io::{BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use underwrite_analysis::{Failure, FailureKind, Observation, Observer};

use crate::error::CliError;
use crate::input::InputName;
use crate::limits::LineLimit;
use crate::lines::{JsonLines, LineFailure};

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

/// Decide every line of `source` with `observer` and hand each, in input order, to `fold`
/// with its 1-based line number. Stops at the first error `fold` returns.
pub fn for_each(
    source: &InputName,
    limit: LineLimit,
    observer: &Observer<'_>,
    mut fold: impl FnMut(u64, Seen<'_>) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut lines = JsonLines::new(open(source)?, limit);
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} lines ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = Vec::with_capacity(CHUNK_LINES);
    loop {
        buf.clear();
        chunk.clear();
        let mut read_error = None;
        while chunk.len() < CHUNK_LINES && buf.len() < CHUNK_BYTES {
            match lines.next_into(&mut buf) {
                Ok(Some(line)) => chunk.push(line),
                Ok(None) => break,
                Err(e) => {
                    let at = lines.lines_read() + 1;
                    read_error = Some(CliError::bad_input(
                        source,
                        format!("line {at}: cannot read: {e}"),
                    ));
                    break;
                }
            }
        }
        let cap = lines.cap();
        let seen: Vec<Seen<'_>> = chunk
            .par_iter()
            .map(|line| match line.text(&buf, cap) {
                Ok(text) => Seen::Observed(observer.observe(text)),
                Err(failure) => Seen::Unreadable(unreadable(failure)),
            })
            .collect();
        bar.inc(seen.len() as u64);
        for (line, seen) in chunk.iter().zip(seen) {
            fold(line.number as u64, seen)?;
        }
        if let Some(e) = read_error {
            bar.finish_and_clear();
            return Err(e);
        }
        if chunk.is_empty() {
            break;
        }
    }
    bar.finish_and_clear();
    Ok(())
}

/// Read `limit` bytes at most of a file into a string (a saved report).
pub fn read_small(path: &std::path::Path, limit: usize) -> Result<String, CliError> {
    let name = InputName::File(path.to_path_buf());
    let file = name
        .open()
        .map_err(|e| CliError::bad_input(&name, format!("cannot read: {e}")))?;
    let mut text = String::new();
    file.take(limit as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|e| CliError::bad_input(&name, format!("cannot read: {e}")))?;
    if text.len() > limit {
        return Err(CliError::bad_input(
            &name,
            format!("larger than {limit} bytes"),
        ));
    }
    Ok(text)
}
