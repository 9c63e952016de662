//! Reading a decision log back: the records of segment files, in order.
//!
//! [`read`] takes files and directories; a directory stands for its segments in name order (see
//! [`super::list_segments`]). Lines are read through a cap ([`MAX_LINE_BYTES`]), so memory stays
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

use super::record::{Record, LOG_FORMAT_VERSION};
use super::segment;

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
        Some(parse_line(&self.buf, at))
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
