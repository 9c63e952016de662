//! A decision log's lines as a [`LineSource`]: what `underwrite replay` reads through
//! [`crate::pipeline`], the pipeline `batch`, `kyc --jsonl` and the history reader run.
//!
//! The lines come from `underwrite_log`'s reader ([`LogReader::read_line`]): its line cap, its
//! torn last lines and its errors, file by file. A complete line's text is appended to the
//! chunk's buffer and parsed where the chunk is worked on (with [`LogLine::record`], which is
//! `underwrite_log::read::parse_record`), on all cores; the chunk's byte bound counts that text.
//! A torn line, a line over the cap and a file that cannot be read hold no text: they are
//! lines of the chunk all the same, in their place, so they are reported in log order.

use std::convert::Infallible;
use std::ops::Range;

use underwrite_log::read::{parse_record, LineAt, LogReader, RawLine, ReadError};
use underwrite_log::Record;

use crate::pipeline::{Chunk, ChunkLimits, LineSource};

/// One line of a log, as a chunk holds it.
#[derive(Debug)]
pub enum LogLine {
    /// A complete line, to be parsed.
    Text {
        /// Where it is in the log.
        at: LineAt,
        /// Where its text (without the newline) is in the chunk's buffer.
        text: Range<usize>,
    },
    /// The file's last line, without its newline: a write a crash cut short.
    Torn {
        /// Where it starts.
        at: LineAt,
        /// How many bytes it has.
        len: u64,
    },
    /// A line over the cap, or a file that could not be opened or read.
    Unreadable(ReadError),
}

impl LogLine {
    /// A complete line's record, parsed from `buf` (the chunk's buffer), or why it is not one
    /// (an error naming the line). `None` for a line without text.
    pub fn record(&self, buf: &[u8]) -> Option<Result<Box<Record>, ReadError>> {
        match self {
            LogLine::Text { at, text } => {
                Some(parse_record(buf.get(text.clone()).unwrap_or_default(), at))
            }
            LogLine::Torn { .. } | LogLine::Unreadable(_) => None,
        }
    }
}

/// The lines of a log's files, in order.
pub struct LogLines {
    reader: LogReader,
}

impl LogLines {
    /// Read the files `reader` was opened on (`underwrite_log::read::read`).
    pub fn new(reader: LogReader) -> Self {
        LogLines { reader }
    }
}

impl LineSource for LogLines {
    type Line = LogLine;
    /// Nothing stops the reading: a file that cannot be read is a line's error, and the next
    /// file is read after it.
    type Error = Infallible;

    fn fill(&mut self, chunk: &mut Chunk<LogLine>, limits: ChunkLimits) -> Result<(), Infallible> {
        while chunk.has_room(limits) {
            let start = chunk.buf_mut().len();
            let Some(read) = self.reader.read_line(chunk.buf_mut()) else {
                break;
            };
            let end = chunk.buf_mut().len();
            chunk.push(match read {
                Ok(RawLine::Complete { at }) => LogLine::Text {
                    at,
                    text: start..end,
                },
                Ok(RawLine::Torn { at, len }) => LogLine::Torn { at, len },
                Err(e) => LogLine::Unreadable(e),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use underwrite_log::read::{read, Entry};

    use super::*;
    use crate::pipeline;

    const RECORD: &str = r#"{"v":1,"decision_id":"ID","time":"t","policy":{"name":"p","version":"1","hash":"h"},"arm":"champion","input_sha256":"s","signals":{},"decision":"approve","score":null,"reasons":[],"latency_us":1}"#;

    fn record(id: &str) -> String {
        RECORD.replace("ID", id)
    }

    /// An entry as a comparable summary: a record's place, length and id; a torn line's place
    /// and length; an error's message.
    fn summary(entry: Result<Entry, ReadError>) -> String {
        match entry {
            Ok(Entry::Record { at, record, len }) => {
                format!("record {at} @{} {len} {}", at.offset, record.decision_id)
            }
            Ok(Entry::Torn { at, len }) => format!("torn {at} @{} {len}", at.offset),
            Err(e) => format!("error {e}"),
        }
    }

    /// A log of three files and a missing one: records, bad lines, an unknown version, blank
    /// and CRLF lines, a torn last line.
    fn log(dir: &Path) -> Vec<PathBuf> {
        let first = dir.join("a.jsonl");
        let lines = [
            record("a1"),
            "{\"v\":1,\"oops\"".to_owned(),
            record("a3").replace(r#""v":1"#, r#""v":7"#),
            String::new(),
            record("a5") + "\r",
            record("a6"),
        ];
        std::fs::write(&first, lines.join("\n") + "\n").unwrap();
        let second = dir.join("b.jsonl");
        std::fs::write(&second, record("b1") + "\n" + &record("b2")[..40]).unwrap();
        let third = dir.join("c.jsonl");
        std::fs::write(&third, record("c1") + "\n").unwrap();
        vec![first, second, dir.join("missing.jsonl"), third]
    }

    #[test]
    fn chunked_lines_parse_to_the_entries_the_logs_iterator_gives_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let files = log(dir.path());
        let expected: Vec<String> = read(&files).unwrap().map(summary).collect();
        assert_eq!(expected.len(), 10, "{expected:#?}");

        // Small chunks, so that lines of one file and of several files share chunks.
        for limits in [
            ChunkLimits { lines: 1, bytes: 1 },
            ChunkLimits {
                lines: 3,
                bytes: 400,
            },
            ChunkLimits::default(),
        ] {
            let mut got = Vec::new();
            let ran = pipeline::run(
                || Ok(LogLines::new(read(&files).unwrap())),
                limits,
                |chunk| {
                    chunk.map_in_order(
                        |line, buf| line.record(buf),
                        |line, record| {
                            got.push(summary(match (line, record) {
                                (LogLine::Text { at, text }, Some(record)) => {
                                    record.map(|record| Entry::Record {
                                        at,
                                        record,
                                        len: text.len() as u64 + 1,
                                    })
                                }
                                (LogLine::Torn { at, len }, None) => Ok(Entry::Torn { at, len }),
                                (LogLine::Unreadable(e), None) => Err(e),
                                (line, record) => panic!("{line:?} with {record:?}"),
                            }));
                            Ok(())
                        },
                    )
                },
            );
            assert_eq!(ran, Ok(()));
            assert_eq!(got, expected, "{limits:?}");
        }
    }
}
