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
//!
//! A caller that parses lines itself, on other threads, reads them as text with
//! [`LogReader::read_line`] (each complete line appended to its buffer, as a [`RawLine`]) and
//! parses each with [`parse_line`] or [`parse_record`]: the entries are the same as the
//! iterator's, which is built on them. `underwrite replay` does so through the CLI's one reading pipeline, which bounds its
//! chunks by lines and bytes.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use serde::Deserialize;

use underwrite_core::text::truncate;

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

/// One line of a log as read, before it is parsed: see [`LogReader::read_line`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawLine {
    /// A complete line: its text, the newline excluded, was appended to the caller's buffer.
    /// [`parse_line`] tells whether it is a record.
    Complete {
        /// Where it is.
        at: LineAt,
    },
    /// The file's last line, without its newline (nothing appended): [`Entry::Torn`].
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
        self.next_in_segments(SegmentReader::next_entry)
    }
}

impl LogReader {
    /// Read the next line as text: a complete line's text (its newline excluded) is appended to
    /// `buf`, and nothing else ever is (a torn or too long line, or a failed read, leaves `buf`
    /// as it was). `None` once every file is read. Errors are those of the iterator, which
    /// gives `parse_line` of each complete line: a line over [`MAX_LINE_BYTES`] (the next line
    /// is read after it), a file that cannot be opened or read (the next file is read after
    /// it).
    pub fn read_line(&mut self, buf: &mut Vec<u8>) -> Option<Result<RawLine, ReadError>> {
        self.next_in_segments(|segment| segment.read_line(buf))
    }

    /// The next item `next` gives from the current segment, opening the next file when one
    /// ends.
    fn next_in_segments<T>(
        &mut self,
        mut next: impl FnMut(&mut SegmentReader<File>) -> Option<Result<T, ReadError>>,
    ) -> Option<Result<T, ReadError>> {
        loop {
            if let Some(segment) = &mut self.current {
                match next(segment) {
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

    /// The next line, parsed; the iterator's item.
    fn next_entry(&mut self) -> Option<Result<Entry, ReadError>> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let entry = self.read_line(&mut buf).map(|line| match line? {
            RawLine::Complete { at } => parse_line(&buf, at),
            RawLine::Torn { at, len } => Ok(Entry::Torn { at, len }),
        });
        self.buf = buf;
        entry
    }

    /// The next line as text, appended to `buf`; see [`LogReader::read_line`].
    fn read_line(&mut self, buf: &mut Vec<u8>) -> Option<Result<RawLine, ReadError>> {
        if self.done {
            return None;
        }
        let start = buf.len();
        let cap = MAX_LINE_BYTES as u64 + 1;
        let read = (&mut self.reader).take(cap).read_until(b'\n', buf);
        let n = match read {
            Ok(0) => {
                self.done = true;
                return None;
            }
            Ok(n) => n as u64,
            Err(source) => {
                buf.truncate(start);
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
        if buf.last() != Some(&b'\n') {
            buf.truncate(start);
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
                        Ok(RawLine::Torn {
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
            return Some(Ok(RawLine::Torn { at, len: n }));
        }
        buf.pop();
        Some(Ok(RawLine::Complete { at }))
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
    let record = parse_record(bytes, &at)?;
    Ok(Entry::Record {
        at,
        record,
        len: bytes.len() as u64 + 1,
    })
}

/// One complete line (without its newline) as a record, for a caller that keeps the line's
/// place itself; an error names the line as `at`. The record [`parse_line`] gives.
pub fn parse_record(bytes: &[u8], at: &LineAt) -> Result<Box<Record>, ReadError> {
    match serde_json::from_slice::<Record>(bytes) {
        Ok(record) if record.v == LOG_FORMAT_VERSION => Ok(Box::new(record)),
        Ok(record) => Err(ReadError::UnknownVersion {
            at: at.clone(),
            v: record.v.to_string(),
        }),
        Err(e) => Err(match version_of(bytes) {
            Some(v) if v != LOG_FORMAT_VERSION.to_string() => {
                ReadError::UnknownVersion { at: at.clone(), v }
            }
            _ => ReadError::BadLine {
                at: at.clone(),
                message: truncate(&e.to_string(), MAX_BAD_LINE_MESSAGE_CHARS),
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

/// The most characters of a bad line's message kept: serde quotes the offending value whole
/// (a 16 MiB string in a record's field would be a 16 MiB message), and the first
/// [`KEPT_BAD_LINES`] messages are kept and shown.
pub const MAX_BAD_LINE_MESSAGE_CHARS: usize = 300;

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
        for entry in repeat(b"garbage\n", lines) {
            let Err(e) = entry else {
                panic!("garbage read as {entry:?}");
            };
            shown += usize::from(bad.add(e).is_some());
        }
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

    #[test]
    fn a_bad_lines_message_is_cut_whatever_value_it_quotes() {
        // serde quotes an unknown variant whole: a 1 MiB decision would be a 1 MiB message,
        // and the first hundred messages are kept.
        let line = format!(
            r#"{{"v":1,"decision_id":"d","time":"t","policy":{{"name":"p","version":"1","hash":"h"}},"arm":"champion","input_sha256":"s","signals":{{}},"decision":"{}","score":null,"reasons":[],"latency_us":1}}"#,
            "x".repeat(1 << 20)
        );
        let Err(ReadError::BadLine { message, .. }) = parse_record(line.as_bytes(), &at(1, 0))
        else {
            panic!("a bad line");
        };
        assert!(message.starts_with("unknown variant `xxx"), "{message}");
        assert_eq!(message.chars().count(), MAX_BAD_LINE_MESSAGE_CHARS + 1);
        assert!(message.ends_with('…'), "{message}");
    }

    const RECORD: &[u8] = br#"{"v":1,"decision_id":"d","time":"t","policy":{"name":"p","version":"1","hash":"h"},"arm":"champion","input_sha256":"s","signals":{},"decision":"approve","score":null,"reasons":[],"latency_us":1}
"#;

    #[test]
    fn a_record_lines_length_counts_its_newline() {
        let Some(Ok(Entry::Record { len, .. })) = repeat(RECORD, 1).next() else {
            panic!("a record");
        };
        assert_eq!(len, RECORD.len() as u64);
    }

    fn at(line: u64, offset: u64) -> LineAt {
        LineAt {
            file: PathBuf::from("raw.jsonl"),
            line,
            offset,
        }
    }

    #[test]
    fn read_line_appends_complete_lines_only() {
        let mut input = RECORD.to_vec();
        input.extend_from_slice(b"garbage\ncut-sh");
        let mut segment = read_from(PathBuf::from("raw.jsonl"), &input[..]);
        let mut buf = b"held".to_vec();
        let first = segment.read_line(&mut buf);
        assert!(matches!(first, Some(Ok(RawLine::Complete { at: a })) if a == at(1, 0)));
        let record = &RECORD[..RECORD.len() - 1];
        assert_eq!(buf, [&b"held"[..], record].concat());
        let second = segment.read_line(&mut buf);
        let offset = RECORD.len() as u64;
        assert!(matches!(second, Some(Ok(RawLine::Complete { at: a })) if a == at(2, offset)));
        assert_eq!(buf, [&b"held"[..], record, b"garbage"].concat());
        // A torn last line: reported, nothing appended, then the end.
        let third = segment.read_line(&mut buf);
        assert!(matches!(
            third,
            Some(Ok(RawLine::Torn { at: a, len: 6 })) if a == at(3, offset + 8)
        ));
        assert_eq!(buf.len(), 4 + record.len() + 7);
        assert!(segment.read_line(&mut buf).is_none());
    }

    #[test]
    fn read_line_keeps_nothing_of_a_line_over_the_cap() {
        let long = MAX_LINE_BYTES as u64 + 10;
        let input = io::repeat(b'x').take(long).chain(&b"\nok\n"[..]);
        let mut segment = read_from(PathBuf::from("raw.jsonl"), input);
        let mut buf = b"held".to_vec();
        let first = segment.read_line(&mut buf);
        assert!(
            matches!(&first, Some(Err(ReadError::TooLong { at: a, limit })) if *a == at(1, 0) && *limit == MAX_LINE_BYTES),
            "{first:?}"
        );
        assert_eq!(buf, b"held");
        let second = segment.read_line(&mut buf);
        assert!(matches!(second, Some(Ok(RawLine::Complete { at: a })) if a == at(2, long + 1)));
        assert_eq!(buf, b"heldok");
        assert!(segment.read_line(&mut buf).is_none());
    }
}
