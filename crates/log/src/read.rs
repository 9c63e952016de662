//! Reading a decision log back: the records of segment files, in order.
//!
//! [`read`] takes files and directories; a directory stands for its segments in name order (see
//! [`crate::list_segments`]). Lines are read through a cap ([`MAX_LINE_BYTES`]), so memory stays
//! bounded whatever a file holds. Every line yields one [`Entry`] or one [`ReadError`], and
//! reading goes on after a bad line: the caller decides whether one stops it.
//!
//! * A last line without its newline is a **torn line** (a write cut short by a crash or a
//!   failed disk): [`Entry::Torn`], with its file, line number and byte offset. It was never
//!   acknowledged, since a line is answered only once written whole.
//! * Any other line that is not a record of a known version is a [`ReadError`] naming the file
//!   and line: too long, not JSON, not a record, or a `v` this reader does not know.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use serde::Deserialize;

use crate::record::{Record, LOG_FORMAT_VERSION};
use crate::segment;

/// Longest line read, newline excluded: 16 MiB.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Where a line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAt {
    /// The file.
    pub file: PathBuf,
    /// The line number, from 1.
    pub line: u64,
    /// The byte offset of the line's start.
    pub offset: u64,
}

impl std::fmt::Display for LineAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// What one line of a log is.
#[derive(Debug)]
pub enum Entry {
    /// A record.
    Record {
        /// Where it is.
        at: LineAt,
        /// The record.
        record: Box<Record>,
        /// The line's length in bytes, its newline included.
        len: u64,
    },
    /// The file's last line, without its newline: a write a crash cut short. Not a record.
    Torn {
        /// Where it starts.
        at: LineAt,
        /// How many bytes it has.
        len: u64,
    },
}

/// A line (or a file) that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A line is longer than [`MAX_LINE_BYTES`].
    #[error("{at}: line longer than {limit} bytes")]
    TooLong {
        /// Where.
        at: LineAt,
        /// The cap.
        limit: usize,
    },
    /// A line is not a record: not JSON, or a field missing or of the wrong type.
    #[error("{at}: not a decision log record: {message}")]
    BadLine {
        /// Where.
        at: LineAt,
        /// serde_json's message, with the column.
        message: String,
    },
    /// A record of a format version this reader does not know.
    #[error("{at}: unknown log format version v={v} (this reader knows v={LOG_FORMAT_VERSION})")]
    UnknownVersion {
        /// Where.
        at: LineAt,
        /// The line's `v`, as written.
        v: String,
    },
}

impl ReadError {
    /// Where the line is, for a line's error.
    pub fn at(&self) -> Option<&LineAt> {
        match self {
            ReadError::Io { .. } => None,
            ReadError::TooLong { at, .. }
            | ReadError::BadLine { at, .. }
            | ReadError::UnknownVersion { at, .. } => Some(at),
        }
    }
}

/// The entries of `paths` in order: each file as given, each directory as its segments in name
/// order. A directory that cannot be listed is an error here; a file that cannot be opened is
/// one entry's error when its turn comes.
pub fn read(paths: &[PathBuf]) -> Result<LogReader, ReadError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(segment::list(path).map_err(|source| ReadError::Io {
                path: path.clone(),
                source,
            })?);
        } else {
            files.push(path.clone());
        }
    }
    files.reverse();
    Ok(LogReader {
        files,
        current: None,
    })
}

/// The entries of one segment read from `reader`, named `file` in reports (for a segment held
/// in memory, or read from a pipe).
pub fn read_from<R: Read>(file: PathBuf, reader: R) -> SegmentReader<R> {
    SegmentReader::new(file, reader)
}

/// An iterator over the entries of log files, in order.
#[derive(Debug)]
pub struct LogReader {
    /// Files still to read, the next one last.
    files: Vec<PathBuf>,
    current: Option<SegmentReader<File>>,
}

impl Iterator for LogReader {
    type Item = Result<Entry, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(lines) = &mut self.current {
                match lines.next() {
                    Some(item) => return Some(item),
                    None => self.current = None,
                }
            }
            let path = self.files.pop()?;
            match File::open(&path) {
                Ok(file) => self.current = Some(SegmentReader::new(path, file)),
                Err(source) => return Some(Err(ReadError::Io { path, source })),
            }
        }
    }
}

/// The entries of one segment, in order; see [`read_from`].
#[derive(Debug)]
pub struct SegmentReader<R> {
    path: PathBuf,
    reader: BufReader<R>,
    line: u64,
    offset: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: Read> Iterator for SegmentReader<R> {
    type Item = Result<Entry, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry()
    }
}

impl<R: Read> SegmentReader<R> {
    fn new(path: PathBuf, reader: R) -> SegmentReader<R> {
        SegmentReader {
            path,
            reader: BufReader::with_capacity(256 << 10, reader),
            line: 0,
            offset: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    fn next_entry(&mut self) -> Option<Result<Entry, ReadError>> {
        if self.done {
            return None;
        }
        self.buf.clear();
        let cap = MAX_LINE_BYTES as u64 + 1;
        let read = (&mut self.reader)
            .take(cap)
            .read_until(b'\n', &mut self.buf);
        let n = match read {
            Ok(0) => {
                self.done = true;
                return None;
            }
            Ok(n) => n as u64,
            Err(source) => {
                self.done = true;
                return Some(Err(ReadError::Io {
                    path: self.path.clone(),
                    source,
                }));
            }
        };
        self.line += 1;
        let at = LineAt {
            file: self.path.clone(),
            line: self.line,
            offset: self.offset,
        };
        self.offset += n;
        if self.buf.last() != Some(&b'\n') {
            if n == cap {
                // Over the cap: skip to the end of the line without keeping it.
                return Some(match self.skip_line() {
                    Ok((skipped, true)) => {
                        self.offset += skipped;
                        Err(ReadError::TooLong {
                            at,
                            limit: MAX_LINE_BYTES,
                        })
                    }
                    Ok((skipped, false)) => {
                        self.done = true;
                        Ok(Entry::Torn {
                            at,
                            len: n + skipped,
                        })
                    }
                    Err(source) => {
                        self.done = true;
                        Err(ReadError::Io {
                            path: self.path.clone(),
                            source,
                        })
                    }
                });
            }
            self.done = true;
            return Some(Ok(Entry::Torn { at, len: n }));
        }
        self.buf.pop();
        Some(parse_line(&self.buf, at).map(|entry| match entry {
            Entry::Record { at, record, .. } => Entry::Record { at, record, len: n },
            torn @ Entry::Torn { .. } => torn,
        }))
    }

    /// Consume up to and including the next newline: the bytes skipped, and whether a newline
    /// ended them (else the file did).
    fn skip_line(&mut self) -> io::Result<(u64, bool)> {
        let mut skipped = 0u64;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok((skipped, false));
            }
            match available.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return Ok((skipped + i as u64 + 1, true));
                }
                None => {
                    let len = available.len();
                    self.reader.consume(len);
                    skipped += len as u64;
                }
            }
        }
    }
}

/// One complete line (without its newline) as a record.
pub fn parse_line(bytes: &[u8], at: LineAt) -> Result<Entry, ReadError> {
    match serde_json::from_slice::<Record>(bytes) {
        Ok(record) if record.v == LOG_FORMAT_VERSION => Ok(Entry::Record {
            at,
            record: Box::new(record),
            len: bytes.len() as u64 + 1,
        }),
        Ok(record) => Err(ReadError::UnknownVersion {
            at,
            v: record.v.to_string(),
        }),
        Err(e) => Err(match version_of(bytes) {
            Some(v) if v != LOG_FORMAT_VERSION.to_string() => ReadError::UnknownVersion { at, v },
            _ => ReadError::BadLine {
                at,
                message: e.to_string(),
            },
        }),
    }
}

/// The `v` of a line that is not a record, as written, if it has one.
fn version_of(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Versioned<'a> {
        #[serde(borrow)]
        v: &'a serde_json::value::RawValue,
    }
    let versioned: Versioned<'_> = serde_json::from_slice(bytes).ok()?;
    let v = versioned.v.get();
    // Quote it back safely: it is JSON text, shown to a person.
    Some(v.chars().take(40).collect())
}

/// Bad lines shown one by one; the rest are only counted.
pub const KEPT_BAD_LINES: usize = 100;

/// A log's bad lines: every one counted, the first [`KEPT_BAD_LINES`] kept, so memory stays
/// bounded whatever a log holds (a file of garbage is millions of bad lines).
#[derive(Debug, Default)]
pub struct BadLines {
    kept: Vec<ReadError>,
    total: u64,
}

impl BadLines {
    /// No bad lines yet.
    pub fn new() -> BadLines {
        BadLines::default()
    }

    /// Count `error`; it is given back when it is one of the first, kept to be shown.
    pub fn add(&mut self, error: ReadError) -> Option<&ReadError> {
        self.total = self.total.saturating_add(1);
        if self.kept.len() >= KEPT_BAD_LINES {
            return None;
        }
        self.kept.push(error);
        self.kept.last()
    }

    /// The first bad lines, in order.
    pub fn kept(&self) -> &[ReadError] {
        &self.kept
    }

    /// How many bad lines there were.
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// How much of a log a chunk holds at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimits {
    /// Records.
    pub records: usize,
    /// Bytes of their lines: the chunk ends with the record that reaches it, so a chunk holds
    /// less than this plus one line ([`MAX_LINE_BYTES`]).
    pub bytes: u64,
}

/// What `underwrite replay` holds at once: 4,096 records or 16 MiB of lines.
pub const CHUNK_LIMITS: ChunkLimits = ChunkLimits {
    records: 4096,
    bytes: 16 << 20,
};

/// A line a chunk's reading met that is not a record.
#[derive(Debug)]
pub enum Skipped {
    /// A torn last line.
    Torn {
        /// Where it starts.
        at: LineAt,
        /// How many bytes it has.
        len: u64,
    },
    /// A bad line, or a file that could not be read.
    Bad(ReadError),
}

/// Fill `chunk` (emptied first) with the next records of `entries`, in order, until it holds
/// `limits.records` records or `limits.bytes` bytes of lines or the entries end; every other
/// entry met on the way goes to `skipped`, in order. Whether the chunk holds any record.
pub fn fill_chunk<I>(
    entries: &mut I,
    chunk: &mut Vec<(LineAt, Box<Record>)>,
    limits: ChunkLimits,
    mut skipped: impl FnMut(Skipped),
) -> bool
where
    I: Iterator<Item = Result<Entry, ReadError>>,
{
    chunk.clear();
    let mut bytes = 0u64;
    for entry in entries.by_ref() {
        match entry {
            Ok(Entry::Record { at, record, len }) => {
                chunk.push((at, record));
                bytes = bytes.saturating_add(len);
                if chunk.len() >= limits.records || bytes >= limits.bytes {
                    break;
                }
            }
            Ok(Entry::Torn { at, len }) => skipped(Skipped::Torn { at, len }),
            Err(e) => skipped(Skipped::Bad(e)),
        }
    }
    !chunk.is_empty()
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    /// `lines` lines of `line` (its newline included), read without holding them.
    struct Repeat {
        line: &'static [u8],
        left: u64,
        at: usize,
    }

    impl Read for Repeat {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut n = 0;
            while n < buf.len() && self.left > 0 {
                let take = (self.line.len() - self.at).min(buf.len() - n);
                buf[n..n + take].copy_from_slice(&self.line[self.at..self.at + take]);
                n += take;
                self.at += take;
                if self.at == self.line.len() {
                    self.at = 0;
                    self.left -= 1;
                }
            }
            Ok(n)
        }
    }

    fn repeat(line: &'static [u8], lines: u64) -> SegmentReader<Repeat> {
        read_from(
            PathBuf::from("garbage.jsonl"),
            Repeat {
                line,
                left: lines,
                at: 0,
            },
        )
    }

    #[test]
    fn every_bad_line_is_counted_and_only_the_first_are_kept() {
        let lines = 1_000_000;
        let mut bad = BadLines::new();
        let mut shown = 0;
        let mut chunk = Vec::new();
        let mut entries = repeat(b"garbage\n", lines);
        let any = fill_chunk(&mut entries, &mut chunk, CHUNK_LIMITS, |skipped| {
            if let Skipped::Bad(e) = skipped {
                shown += usize::from(bad.add(e).is_some());
            }
        });
        assert!(!any);
        assert_eq!(bad.total(), lines);
        assert_eq!(bad.kept().len(), KEPT_BAD_LINES);
        assert_eq!(shown, KEPT_BAD_LINES);
        // The first ones, in order, naming their lines.
        assert_eq!(bad.kept()[0].at().map(|at| at.line), Some(1));
        assert_eq!(
            bad.kept()[KEPT_BAD_LINES - 1].at().map(|at| at.line),
            Some(KEPT_BAD_LINES as u64)
        );
    }

    const RECORD: &[u8] = br#"{"v":1,"decision_id":"d","time":"t","policy":{"name":"p","version":"1","hash":"h"},"arm":"champion","input_sha256":"s","signals":{},"decision":"approve","score":null,"reasons":[],"latency_us":1}
"#;

    #[test]
    fn a_chunk_is_bounded_by_records_and_by_bytes() {
        let line = RECORD.len() as u64;
        let mut entries = repeat(RECORD, 10);
        let mut chunk = Vec::new();
        let by_count = ChunkLimits {
            records: 4,
            bytes: u64::MAX,
        };
        let mut sizes = Vec::new();
        while fill_chunk(&mut entries, &mut chunk, by_count, |_| {}) {
            sizes.push(chunk.len());
        }
        assert_eq!(sizes, [4, 4, 2]);

        // By bytes: the chunk ends with the record that reaches the limit.
        let mut entries = repeat(RECORD, 10);
        let by_bytes = ChunkLimits {
            records: 4096,
            bytes: 3 * line - 1,
        };
        let mut sizes = Vec::new();
        while fill_chunk(&mut entries, &mut chunk, by_bytes, |_| {}) {
            sizes.push(chunk.len());
        }
        assert_eq!(sizes, [3, 3, 3, 1]);
        // A record line's length counts its newline.
        let Some(Ok(Entry::Record { len, .. })) = repeat(RECORD, 1).next() else {
            panic!("a record");
        };
        assert_eq!(len, line);
    }
}
