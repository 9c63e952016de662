//! Personal data kept out of the decision log: the applicant's phone in the payload's
//! `requestMeta`.
//!
//! The provider echoes the phone the signals were asked for in `requestMeta.phone`, under `data`
//! in the envelope shape (`{"code", "message", "requestId", "data": {...}}`) and at the top level
//! in the bare `data` shape. No policy reads `requestMeta` (the signals reader skips it), so
//! removing or hashing the phone never changes a decision, and the logged payload can be decided
//! again exactly.
//!
//! How it is done, per request and so in one pass: the payload is scanned once with serde_json,
//! borrowing every value as `&RawValue` and skipping everything else with `IgnoredAny`; each
//! `requestMeta` object found (at the top level and under a top-level `data`, so both shapes are
//! covered whichever one the payload claims) is located by its span in the text. Only those
//! spans are rewritten, from their borrowed entries; every other byte of the payload is copied
//! as it came, so numbers keep their exact text. A `requestMeta` without a `phone` is left as it
//! is, byte for byte.

use std::borrow::Cow;
use std::fmt;

use hmac::{Hmac, Mac};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::Sha256;

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
pub enum PhoneMasking {
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

impl fmt::Debug for PhoneMasking {
    /// The salt is a secret: never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhoneMasking::Remove => f.write_str("Remove"),
            PhoneMasking::Hash { salt } => write!(f, "Hash {{ salt: <{} bytes> }}", salt.len()),
            PhoneMasking::Keep => f.write_str("Keep"),
        }
    }
}

impl PhoneMasking {
    /// The payload with the phone masked. A payload that is not a JSON object has no
    /// `requestMeta` and is returned as it is (a payload that decided is always an object).
    pub fn mask(&self, payload: &str) -> Box<RawValue> {
        let masked = match self {
            PhoneMasking::Keep => None,
            PhoneMasking::Remove | PhoneMasking::Hash { .. } => self.masked_text(payload),
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
                    PhoneMasking::Hash { salt } => Cow::Owned(hashed(salt, value)),
                    PhoneMasking::Remove | PhoneMasking::Keep => continue,
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

#[cfg(test)]
mod tests {
    use super::*;

    const ENVELOPE: &str = r#"{"code":"OK","message":"Success!","requestId":"r1","data":{"id":"s1","status":"COMPLETED","resultCode":"SUCCESS","requestMeta":{"phone":"+639171234567","consent":{"type":"T&C"}},"items":[{"name":"events_debt_day90_amount","value":1.50,"valueType":"NUMBER"}]}}"#;
    const BARE: &str = r#"{"id":"s1", "status":"COMPLETED","requestMeta" : { "templateId":"t1" , "phone" : "+639171234567" },"result":{"events_overdue_day30":12345678901234567890.10}}"#;

    fn hash_of(salt: &[u8], text: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(salt).expect("any key length");
        mac.update(text.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{HASH_PREFIX}{hex}")
    }

    #[test]
    fn remove_takes_the_phone_out_of_both_shapes_and_leaves_every_other_byte() {
        let masked = PhoneMasking::Remove.mask(ENVELOPE);
        assert_eq!(
            masked.get(),
            ENVELOPE.replace(r#""phone":"+639171234567","#, "")
        );
        let masked = PhoneMasking::Remove.mask(BARE);
        // The rewritten object is compact; the rest (spacing, the long number) is untouched.
        assert_eq!(
            masked.get(),
            BARE.replace(
                r#"{ "templateId":"t1" , "phone" : "+639171234567" }"#,
                r#"{"templateId":"t1"}"#
            )
        );
        assert!(masked.get().contains("12345678901234567890.10"));
    }

    #[test]
    fn hash_replaces_the_phone_by_its_keyed_hash() {
        let masking = PhoneMasking::Hash {
            salt: b"pepper".to_vec(),
        };
        let masked = masking.mask(ENVELOPE);
        let value: serde_json::Value = serde_json::from_str(masked.get()).expect("json");
        let phone = value["data"]["requestMeta"]["phone"]
            .as_str()
            .expect("a string");
        assert_eq!(phone, hash_of(b"pepper", "+639171234567"));
        assert!(!masked.get().contains("9171234567"));
        // Another salt, another hash; the same salt, the same hash (joinable).
        let other = PhoneMasking::Hash {
            salt: b"salt".to_vec(),
        }
        .mask(ENVELOPE);
        assert_ne!(other.get(), masked.get());
        assert_eq!(masking.mask(ENVELOPE).get(), masked.get());
        assert_eq!(value["data"]["requestMeta"]["consent"]["type"], "T&C");
    }

    #[test]
    fn hash_reads_an_escaped_phone_as_its_text() {
        let masking = PhoneMasking::Hash { salt: vec![7] };
        let escaped = masking.mask(r#"{"requestMeta":{"phone":"\u002b63917"}}"#);
        let plain = masking.mask(r#"{"requestMeta":{"phone":"+63917"}}"#);
        assert_eq!(escaped.get(), plain.get());
        let number = masking.mask(r#"{"requestMeta":{"phone":63917}}"#);
        assert_eq!(
            number.get(),
            format!(
                r#"{{"requestMeta":{{"phone":"{}"}}}}"#,
                hash_of(&[7], "63917")
            )
        );
    }

    #[test]
    fn keep_keeps_and_payloads_without_a_phone_are_unchanged() {
        assert_eq!(PhoneMasking::Keep.mask(ENVELOPE).get(), ENVELOPE);
        for payload in [
            r#"{"data":{"requestMeta":{"consent":{}}, "items":[]}}"#,
            r#"{"data":{"requestMeta":"+639171234567"}}"#,
            r#"{"data":[{"requestMeta":{"phone":"x"}}]}"#,
            r#"{"a":{"requestMeta":{"phone":"deeper than the payload's shapes"}}}"#,
            "[1, 2]",
            "\"text\"",
            "12.50",
        ] {
            assert_eq!(PhoneMasking::Remove.mask(payload).get(), payload);
        }
    }

    #[test]
    fn every_phone_key_is_masked_even_duplicates_and_escaped_keys() {
        let payload = r#"{"requestMeta":{"phone":"1","\u0070hone":"2"},"data":{"requestMeta":{"phone":"3","x":1,"phone":"4"}}}"#;
        let masked = PhoneMasking::Remove.mask(payload);
        assert_eq!(
            masked.get(),
            r#"{"requestMeta":{},"data":{"requestMeta":{"x":1}}}"#
        );
    }

    #[test]
    fn escaped_keys_elsewhere_are_kept_meaningful() {
        let payload = r#"{"data":{"requestMeta":{"phone":"1","t\"q":"\u00e9"}}}"#;
        let masked = PhoneMasking::Remove.mask(payload);
        let value: serde_json::Value = serde_json::from_str(masked.get()).expect("json");
        assert_eq!(value["data"]["requestMeta"]["t\"q"], "é");
        assert!(value["data"]["requestMeta"].get("phone").is_none());
    }

    #[test]
    fn the_salt_is_not_shown() {
        let shown = format!(
            "{:?}",
            PhoneMasking::Hash {
                salt: b"secret".to_vec()
            }
        );
        assert!(!shown.contains("secret"), "{shown}");
    }
}
