//! Arbitrary bytes as a decision log segment: the reader returns records, typed line errors and
//! at most one torn last line, never panics, and accounts for every byte.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use underwrite_service::decision_log::read::{parse_line, read_from, Entry, ReadError};

fuzz_target!(|data: &[u8]| {
    let entries: Vec<_> = read_from(PathBuf::from("fuzz.jsonl"), data).collect();
    // One entry per line: each newline ends one, and bytes after the last newline are one more.
    let newlines = data.iter().filter(|b| **b == b'\n').count();
    let tail = data.len() - data.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    assert_eq!(entries.len(), newlines + usize::from(tail > 0));
    let mut next_line = 1u64;
    let mut next_offset = 0u64;
    for (i, entry) in entries.iter().enumerate() {
        let at = match entry {
            Ok(Entry::Record { at, .. } | Entry::Torn { at, .. }) => at,
            Err(e) => e.at().expect("a line's error names its line"),
        };
        assert_eq!(at.line, next_line);
        assert_eq!(at.offset, next_offset);
        let start = at.offset as usize;
        let line_len = match data[start..].iter().position(|b| *b == b'\n') {
            Some(n) => n + 1,
            None => data.len() - start,
        };
        next_line += 1;
        next_offset += line_len as u64;
        match entry {
            Ok(Entry::Torn { len, .. }) => {
                // Only the last line, only without its newline, and exactly its bytes.
                assert_eq!(i, entries.len() - 1);
                assert!(!data.ends_with(b"\n"));
                assert_eq!(*len as usize, line_len);
            }
            Ok(Entry::Record { at, record }) => {
                // A record read back from its own serialization is the same record.
                let once = serde_json::to_vec(record).expect("a record serializes");
                let again = match parse_line(&once, at.clone()) {
                    Ok(Entry::Record { record, .. }) => record,
                    other => panic!("a serialized record reads back as {other:?}"),
                };
                let twice = serde_json::to_vec(&again).expect("a record serializes");
                assert_eq!(once, twice);
            }
            Err(ReadError::Io { .. }) => panic!("reading memory cannot fail"),
            Err(e) => {
                let message = e.to_string();
                assert!(message.starts_with("fuzz.jsonl:"), "{message}");
            }
        }
    }
    assert_eq!(next_offset as usize, data.len());
});
