//! Arbitrary bytes two ways.
//!
//! As a decision log segment: the reader (`underwrite replay`'s) returns records, typed line
//! errors and at most one torn last line, never panics, and accounts for every byte; a record
//! read, written again, reads back and writes the same line.
//!
//! As a signals payload written into a line (the first byte picks the masking): the writer
//! accepts exactly the text serde_json accepts; what it writes is exactly one line, the record
//! reads back, no line separator is left raw, and its payload is the input's value with the
//! phone masked by the rules (checked against a reference over `serde_json::Value` when the
//! input has no duplicate keys; with duplicates, the masked places hold no phone).
#![no_main]

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use underwrite_core::policy::{Outcome, PolicyId};
use underwrite_log::read::{parse_line, read_from, Entry, LineAt, ReadError};
use underwrite_log::{Arm, Lines, PhoneMasking, RecordParts};

fuzz_target!(|data: &[u8]| {
    segment(data);
    if let Ok(text) = std::str::from_utf8(data) {
        payload(text, data.first().copied().unwrap_or(0));
    }
});

fn segment(data: &[u8]) {
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
            Ok(Entry::Record { at, record, len }) => {
                assert_eq!(*len as usize, line_len);
                // Written again (the payload compacted), read back, written again: the same line.
                let once = Lines::one(&record.parts(), &PhoneMasking::Keep)
                    .expect("a record read back writes");
                let bytes = once.as_bytes().strip_suffix(b"\n").expect("a line");
                let again = match parse_line(bytes, at.clone()) {
                    Ok(Entry::Record { record, .. }) => record,
                    other => panic!("a written record reads back as {other:?}"),
                };
                let twice = Lines::one(&again.parts(), &PhoneMasking::Keep).expect("writes");
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
}

fn payload(text: &str, pick: u8) {
    let masking = match pick % 3 {
        0 => PhoneMasking::Remove,
        1 => PhoneMasking::Hash {
            salt: b"fuzz".to_vec(),
        },
        _ => PhoneMasking::Keep,
    };
    let policy = PolicyId {
        name: "p".to_owned(),
        version: "1".to_owned(),
        hash: "h".to_owned(),
    };
    let parts = RecordParts {
        decision_id: "d",
        time: "t",
        policy: &policy,
        arm: Arm::Champion,
        id: None,
        input_sha256: "s",
        signals: text,
        kyc: None,
        decision: Outcome::Approve,
        score: None,
        reasons: &[],
        latency_us: 0,
        shadow: None,
        signals_fetch: None,
    };
    let written = Lines::one(&parts, &masking);
    let json = serde_json::from_str::<&RawValue>(text).is_ok();
    assert_eq!(written.is_ok(), json, "{written:?}");
    let Ok(lines) = written else { return };
    let bytes = lines.as_bytes();
    assert_eq!(bytes.iter().filter(|b| **b == b'\n').count(), 1);
    let line = std::str::from_utf8(bytes.strip_suffix(b"\n").expect("a line")).expect("utf-8");
    for c in ['\r', '\u{85}', '\u{2028}', '\u{2029}'] {
        assert!(!line.contains(c), "{c:?} in {line}");
    }
    let at = LineAt {
        file: PathBuf::from("line"),
        line: 1,
        offset: 0,
    };
    let record = match parse_line(line.as_bytes(), at) {
        Ok(Entry::Record { record, .. }) => record,
        other => panic!("the line reads back as {other:?}"),
    };
    // The input's value, when serde_json can hold it (no lone surrogate, nesting under 128).
    let (Ok(input), Ok(logged)) = (
        serde_json::from_str::<Value>(text),
        serde_json::from_str::<Value>(record.signals.get()),
    ) else {
        return;
    };
    if !has_duplicate_keys(text) {
        assert_eq!(logged, reference(&input, &masking));
    } else if masking == PhoneMasking::Remove {
        // Each duplicate was masked, so whichever a reader keeps holds no phone.
        let meta_clean = |meta: Option<&Value>| match meta {
            None => true,
            Some(Value::Object(m)) => !m.contains_key("phone"),
            Some(_) => false,
        };
        match &logged {
            Value::Object(top) => {
                assert!(meta_clean(top.get("requestMeta")), "{logged}");
                match top.get("data") {
                    None => {}
                    Some(Value::Object(data)) => {
                        assert!(meta_clean(data.get("requestMeta")), "{logged}")
                    }
                    Some(other) => panic!("data {other}"),
                }
            }
            other => assert_eq!(*other, Value::Null),
        }
    }
}

/// The masking rules over a `Value`.
fn reference(value: &Value, masking: &PhoneMasking) -> Value {
    let salt = match masking {
        PhoneMasking::Keep => return value.clone(),
        PhoneMasking::Remove => None,
        PhoneMasking::Hash { salt } => Some(salt.as_slice()),
    };
    let Value::Object(top) = value else {
        return Value::Null;
    };
    let mut out = Map::new();
    for (key, value) in top {
        match (key.as_str(), value) {
            ("requestMeta", _) => {
                if let Some(meta) = meta(value, salt) {
                    out.insert(key.clone(), meta);
                }
            }
            ("data", Value::Object(data)) => {
                let mut kept = Map::new();
                for (key, value) in data {
                    if key != "requestMeta" {
                        kept.insert(key.clone(), value.clone());
                    } else if let Some(meta) = meta(value, salt) {
                        kept.insert(key.clone(), meta);
                    }
                }
                out.insert(key.clone(), Value::Object(kept));
            }
            ("data", _) => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

fn meta(value: &Value, salt: Option<&[u8]>) -> Option<Value> {
    let Value::Object(meta) = value else {
        return None;
    };
    let mut out = Map::new();
    for (key, value) in meta {
        if key != "phone" {
            out.insert(key.clone(), value.clone());
            continue;
        }
        let (Some(salt), Some(text)) = (
            salt,
            match value {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            },
        ) else {
            continue;
        };
        out.insert(key.clone(), Value::String(hmac(salt, text.as_bytes())));
    }
    Some(Value::Object(out))
}

/// HMAC-SHA256 by its definition (RFC 2104).
fn hmac(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    let hex: String = outer.iter().map(|b| format!("{b:02x}")).collect();
    format!("hmac-sha256:{hex}")
}

/// Whether any object in `text` (valid JSON) has a key twice.
fn has_duplicate_keys(text: &str) -> bool {
    struct Dup;
    impl<'de> Visitor<'de> for Dup {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut seen = HashSet::new();
            let mut dup = false;
            while let Some(key) = map.next_key::<String>()? {
                dup |= !seen.insert(key);
                dup |= map.next_value_seed(Seed)?;
            }
            Ok(dup)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
            let mut dup = false;
            while let Some(d) = seq.next_element_seed(Seed)? {
                dup |= d;
            }
            Ok(dup)
        }
        fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_str<E>(self, _: &str) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_unit<E>(self) -> Result<bool, E> {
            Ok(false)
        }
    }
    struct Seed;
    impl<'de> serde::de::DeserializeSeed<'de> for Seed {
        type Value = bool;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
            d.deserialize_any(Dup)
        }
    }
    // Numbers arrive as maps under arbitrary_precision: one key, never twice. Text that serde
    // cannot walk (too deep) counts as having duplicates, so only the weaker check runs.
    let mut de = serde_json::Deserializer::from_str(text);
    serde::de::DeserializeSeed::deserialize(Seed, &mut de).unwrap_or(true)
}
