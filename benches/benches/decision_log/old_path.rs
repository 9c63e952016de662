//! The decision log's per-decision path as it was before `underwrite-log` (commit 965e23b),
//! kept callable so the bench measures old and new in the same run: the phone masked by
//! rewriting `requestMeta` spans of the payload's raw bytes (every other byte copied as sent),
//! the text validated again into a `RawValue`, an owned `Record` built (strings and reasons
//! cloned) and serialized by serde_json on the writer thread. Not used anywhere else.

#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use hmac::{Hmac, Mac};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::Sha256;
use underwrite_core::policy::{Outcome, PolicyId, Reason};
use underwrite_kyc::KycResult;

/// The old record: owned fields, serialized with serde's derive.
#[derive(Debug, Clone, Serialize)]
pub struct OldRecord {
    pub v: u32,
    pub decision_id: String,
    pub time: String,
    pub policy: Arc<PolicyId>,
    pub arm: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Box<RawValue>>,
    pub input_sha256: String,
    pub signals: Box<RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kyc: Option<KycResult>,
    pub decision: Outcome,
    pub score: Option<i64>,
    pub reasons: Vec<Reason>,
    pub latency_us: u64,
}

/// What the old path took from a decision.
pub struct OldParts<'a> {
    pub decision_id: &'a str,
    pub policy: &'a Arc<PolicyId>,
    pub id: Option<&'a RawValue>,
    pub input_sha256: &'a str,
    pub signals: &'a str,
    pub kyc: Option<&'a KycResult>,
    pub decision: Outcome,
    pub score: Option<i64>,
    pub reasons: &'a [Reason],
}

/// One decision's log work the old way: mask, build the record (the request's thread), then
/// serialize it into the group buffer (the writer's thread).
pub fn old_line(parts: &OldParts<'_>, masking: &OldMasking, buf: &mut Vec<u8>) {
    let record = OldRecord {
        v: 1,
        decision_id: parts.decision_id.to_owned(),
        time: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
        policy: Arc::clone(parts.policy),
        arm: "champion",
        id: parts.id.map(ToOwned::to_owned),
        input_sha256: parts.input_sha256.to_owned(),
        signals: masking.mask(parts.signals),
        kyc: parts.kyc.cloned(),
        decision: parts.decision,
        score: parts.score,
        reasons: parts.reasons.to_vec(),
        latency_us: 348,
    };
    serde_json::to_writer(&mut *buf, &record).unwrap();
    buf.push(b'\n');
}

/// The key masked inside `requestMeta`.
const PHONE: &str = "phone";
/// The object holding it.
const REQUEST_META: &str = "requestMeta";
/// The envelope's data object.
const DATA: &str = "data";
/// The prefix of a hashed phone.
pub const HASH_PREFIX: &str = "hmac-sha256:";

/// What becomes of the phone in a logged payload's `requestMeta`.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum OldMasking {
    /// Removed, key and value (the default).
    #[default]
    Remove,
    /// Replaced by `"hmac-sha256:<hex>"`, HMAC-SHA256 keyed with this salt, so one applicant's
    /// decisions can be joined without the number. Of a string phone the hash is of its text
    /// (escapes decoded); of any other JSON value, of its JSON text.
    Hash {
        /// The secret salt (the HMAC key).
        salt: Vec<u8>,
    },
    /// Kept as sent.
    Keep,
}

impl fmt::Debug for OldMasking {
    /// The salt is a secret: never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OldMasking::Remove => f.write_str("Remove"),
            OldMasking::Hash { salt } => write!(f, "Hash {{ salt: <{} bytes> }}", salt.len()),
            OldMasking::Keep => f.write_str("Keep"),
        }
    }
}

impl OldMasking {
    /// The payload with the phone masked. A payload that is not a JSON object has no
    /// `requestMeta` and is returned as it is (a payload that decided is always an object).
    pub fn mask(&self, payload: &str) -> Box<RawValue> {
        let masked = match self {
            OldMasking::Keep => None,
            OldMasking::Remove | OldMasking::Hash { .. } => self.masked_text(payload),
        };
        let text = masked.unwrap_or_else(|| payload.to_owned());
        // The text is the payload (valid JSON, since it parsed) with some objects rewritten into
        // valid JSON; should that ever fail, log nothing of it rather than the phone.
        RawValue::from_string(text).unwrap_or_else(|_| null())
    }

    /// The masked text, or `None` when nothing needs to change.
    fn masked_text(&self, payload: &str) -> Option<String> {
        let mut metas = Vec::new();
        let mut de = serde_json::Deserializer::from_str(payload);
        TopSeed { metas: &mut metas }.deserialize(&mut de).ok()?;
        de.end().ok()?;
        let mut out = String::new();
        let mut copied = 0;
        for meta in metas {
            let Some(rewritten) = self.rewrite_meta(meta) else {
                continue;
            };
            let Some(start) = span_start(payload, meta.get()) else {
                // The spans are slices of the payload (serde_json borrows from a `&str`); if one
                // ever were not, the phone could not be located: give no payload at all.
                return Some("null".to_owned());
            };
            if out.is_empty() {
                out.reserve(payload.len());
            }
            out.push_str(&payload[copied..start]);
            out.push_str(&rewritten);
            copied = start + meta.get().len();
        }
        if copied == 0 {
            return None;
        }
        out.push_str(&payload[copied..]);
        Some(out)
    }

    /// A `requestMeta` object with its phone masked, or `None` to leave it as it is (it is not
    /// an object, or it has no phone).
    fn rewrite_meta(&self, meta: &RawValue) -> Option<String> {
        let entries: Entries<'_> = serde_json::from_str(meta.get()).ok()?;
        if !entries.0.iter().any(|(key, _)| key == PHONE) {
            return None;
        }
        let mut out = String::with_capacity(meta.get().len());
        out.push('{');
        let mut first = true;
        for (key, value) in &entries.0 {
            let value: Cow<'_, str> = if key == PHONE {
                match self {
                    OldMasking::Hash { salt } => Cow::Owned(hashed(salt, value)),
                    OldMasking::Remove | OldMasking::Keep => continue,
                }
            } else {
                Cow::Borrowed(value.get())
            };
            if !first {
                out.push(',');
            }
            first = false;
            push_json_string(&mut out, key);
            out.push(':');
            out.push_str(&value);
        }
        out.push('}');
        Some(out)
    }
}

/// `null` as a raw value.
fn null() -> Box<RawValue> {
    serde_json::value::to_raw_value(&()).unwrap_or_default()
}

/// Where `part` starts in `whole`, if it is a slice of it.
fn span_start(whole: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    whole
        .get(start..end)
        .filter(|s| std::ptr::eq(s.as_ptr(), part.as_ptr()))
        .map(|_| start)
}

/// `"hmac-sha256:<hex>"` as a JSON string: the HMAC of the phone's text (a string's decoded
/// text, or any other value's JSON text).
fn hashed(salt: &[u8], phone: &RawValue) -> String {
    let text: Cow<'_, str> = match serde_json::from_str::<Cow<'_, str>>(phone.get()) {
        Ok(s) => s,
        Err(_) => Cow::Borrowed(phone.get()),
    };
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(salt) else {
        return "null".to_owned();
    };
    mac.update(text.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(2 + HASH_PREFIX.len() + 64);
    out.push('"');
    out.push_str(HASH_PREFIX);
    out.push_str(&hex::encode(digest));
    out.push('"');
    out
}

/// `text` as a JSON string literal.
fn push_json_string(out: &mut String, text: &str) {
    match serde_json::to_string(text) {
        Ok(quoted) => out.push_str(&quoted),
        // Serializing a `str` cannot fail; keep the output valid JSON regardless.
        Err(_) => out.push_str("\"\""),
    }
}

/// An object's entries in order, duplicates kept, values borrowed.
struct Entries<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(4).min(64));
                while let Some(Key(key)) = map.next_key()? {
                    entries.push((key, map.next_value::<&RawValue>()?));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The payload's top level: every `requestMeta` found there and under `data`.
struct TopSeed<'m, 'de> {
    metas: &'m mut Vec<&'de RawValue>,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(MetaFinder {
            metas: self.metas,
            descend_into_data: true,
        })
    }
}

/// Visits one JSON value: in an object, collects `requestMeta` values (and, at the top level,
/// looks inside `data` too); any other value is skipped.
struct MetaFinder<'m, 'de> {
    metas: &'m mut Vec<&'de RawValue>,
    descend_into_data: bool,
}

impl<'de> Visitor<'de> for MetaFinder<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key()? {
            if key == REQUEST_META {
                self.metas.push(map.next_value::<&RawValue>()?);
            } else if key == DATA && self.descend_into_data {
                map.next_value_seed(DataSeed {
                    metas: &mut *self.metas,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The value of a top-level `data`.
struct DataSeed<'m, 'de> {
    metas: &'m mut Vec<&'de RawValue>,
}

impl<'de> DeserializeSeed<'de> for DataSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(MetaFinder {
            metas: self.metas,
            descend_into_data: false,
        })
    }
}
