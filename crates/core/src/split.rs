//! The champion/challenger split: which arm an application id meets, written once for every
//! surface that routes (the service's live split, `compare --split`).
//!
//! The rule is part of the contract, because an arm must be computable outside this code and
//! must not move between releases:
//!
//! 1. The **key** of an id ([`id_key`]): a string id's value (without its quotes, JSON escapes
//!    decoded), a number id's text as written. So `"app\u002d1"` and `"app-1"` share a key, as
//!    do `12` and `"12"`; `12.0` is another key.
//! 2. The **bucket** ([`Split::bucket`]): the first 8 bytes of `SHA-256(salt ‖ 0x00 ‖ key)` (both
//!    in UTF-8), read as a big-endian unsigned integer, modulo 100.
//! 3. The **arm**: the champion takes the buckets below its percentage (`90/10`: buckets 0–89),
//!    the challenger the rest.
//!
//! What to do with an application that has no id is the caller's rule (the service hashes its
//! input's SHA-256 as the key; `compare` counts it as unroutable).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// Which arm of a champion/challenger split decided (or answered) an application.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// The live policy.
    Champion,
    /// The challenger policy.
    Challenger,
}

impl Arm {
    /// `champion` or `challenger`, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Arm::Champion => "champion",
            Arm::Challenger => "challenger",
        }
    }
}

impl fmt::Display for Arm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A split such as `90/10` (the champion's percentage first) with a salt, empty unless set
/// with [`Split::with_salt`]. Read one with [`str::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    champion_percent: u8,
    salt: String,
}

/// Why a split's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// Not two whole numbers from 0 to 100 around one `/`.
    #[error(
        "expected CHAMPION/CHALLENGER percentages, whole numbers from 0 to 100, such as 90/10"
    )]
    Shape,
    /// The two percentages do not sum to 100.
    #[error(
        "the percentages must sum to 100, and {champion}/{challenger} sums to {}",
        u16::from(*champion) + u16::from(*challenger)
    )]
    Sum {
        /// The champion's percentage.
        champion: u8,
        /// The challenger's percentage.
        challenger: u8,
    },
}

impl FromStr for Split {
    type Err = SplitError;

    /// Read `CHAMPION/CHALLENGER`, e.g. `90/10` (spaces around either number are allowed).
    fn from_str(text: &str) -> Result<Split, SplitError> {
        let (champion, challenger) = text.split_once('/').ok_or(SplitError::Shape)?;
        let percent = |part: &str| {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(SplitError::Shape);
            }
            match part.parse::<u8>() {
                Ok(percent) if percent <= 100 => Ok(percent),
                _ => Err(SplitError::Shape),
            }
        };
        let (champion, challenger) = (percent(champion)?, percent(challenger)?);
        if u16::from(champion) + u16::from(challenger) != 100 {
            return Err(SplitError::Sum {
                champion,
                challenger,
            });
        }
        Ok(Split {
            champion_percent: champion,
            salt: String::new(),
        })
    }
}

impl fmt::Display for Split {
    /// `CHAMPION/CHALLENGER`, without the salt.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.champion_percent, self.challenger_percent())
    }
}

impl Split {
    /// The same split with `salt` (a new salt reshuffles which ids meet which arm).
    #[must_use]
    pub fn with_salt(mut self, salt: impl Into<String>) -> Split {
        self.salt = salt.into();
        self
    }

    /// The champion's percentage, 0 to 100.
    pub fn champion_percent(&self) -> u8 {
        self.champion_percent
    }

    /// The challenger's percentage: 100 minus the champion's.
    pub fn challenger_percent(&self) -> u8 {
        100 - self.champion_percent
    }

    /// The salt.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// The bucket of `key`, in `0..100`: the first 8 bytes of `SHA-256(salt ‖ 0x00 ‖ key)`,
    /// big-endian, modulo 100.
    pub fn bucket(&self, key: &str) -> u8 {
        let mut hasher = Sha256::new();
        hasher.update(self.salt.as_bytes());
        hasher.update([0u8]);
        hasher.update(key.as_bytes());
        let digest = hasher.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        // A value below 100 always fits a u8.
        u8::try_from(u64::from_be_bytes(first) % 100).unwrap_or(u8::MAX)
    }

    /// The arm of `key` (an id's [`id_key`], or a caller's own key for an application
    /// without an id).
    pub fn arm_of_key(&self, key: &str) -> Arm {
        if self.bucket(key) < self.champion_percent {
            Arm::Champion
        } else {
            Arm::Challenger
        }
    }

    /// The arm of the application whose id is `id_json` (its JSON text, as
    /// `serde_json::value::RawValue::get` gives it); `None` when [`id_key`] has no key for it.
    pub fn arm_of_id(&self, id_json: &str) -> Option<Arm> {
        id_key(id_json).map(|key| self.arm_of_key(&key))
    }
}

/// The key a split hashes for an id given as its JSON text: a string's value (quotes removed,
/// escapes decoded), a number's text as written. `None` for any other JSON (`null`, `true`,
/// an array, an object) and for a string that does not decode (a lone surrogate escape), which
/// no surface accepts as an id.
pub fn id_key(id_json: &str) -> Option<Cow<'_, str>> {
    match id_json.as_bytes().first()? {
        // Borrowed when there is no escape to decode, which is the usual id.
        b'"' => match serde_json::from_str::<&str>(id_json) {
            Ok(key) => Some(Cow::Borrowed(key)),
            Err(_) => serde_json::from_str::<String>(id_json).ok().map(Cow::Owned),
        },
        b'-' | b'0'..=b'9' => Some(Cow::Borrowed(id_json)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn split(text: &str, salt: &str) -> Split {
        text.parse::<Split>().unwrap().with_salt(salt)
    }

    /// Buckets computed outside this code, with Python's hashlib:
    ///
    /// ```text
    /// python3 -c 'import hashlib; print([(s,k,int.from_bytes(hashlib.sha256(s.encode()+b"\0"+k.encode()).digest()[:8],"big")%100) for s in ["","s","q3-2024","sél"] for k in ["app-1","déjà vu","日本-7","😀","12","-3.5e2",""]])'
    /// ```
    const VECTORS: [(&str, &str, u8); 28] = [
        ("", "app-1", 7),
        ("", "déjà vu", 3),
        ("", "日本-7", 52),
        ("", "😀", 81),
        ("", "12", 83),
        ("", "-3.5e2", 61),
        ("", "", 92),
        ("s", "app-1", 63),
        ("s", "déjà vu", 18),
        ("s", "日本-7", 85),
        ("s", "😀", 89),
        ("s", "12", 94),
        ("s", "-3.5e2", 1),
        ("s", "", 41),
        ("q3-2024", "app-1", 95),
        ("q3-2024", "déjà vu", 76),
        ("q3-2024", "日本-7", 94),
        ("q3-2024", "😀", 20),
        ("q3-2024", "12", 63),
        ("q3-2024", "-3.5e2", 59),
        ("q3-2024", "", 37),
        ("sél", "app-1", 59),
        ("sél", "déjà vu", 18),
        ("sél", "日本-7", 82),
        ("sél", "😀", 8),
        ("sél", "12", 79),
        ("sél", "-3.5e2", 30),
        ("sél", "", 72),
    ];

    #[test]
    fn buckets_match_hashlib_for_every_salt_and_key() {
        for (salt, key, bucket) in VECTORS {
            assert_eq!(split("50/50", salt).bucket(key), bucket, "{salt:?} {key:?}");
        }
    }

    #[test]
    fn the_champion_takes_the_buckets_below_its_percentage() {
        // ("s", "app-1") is bucket 63: the champion's at 64/36, the challenger's at 63/37.
        assert_eq!(split("64/36", "s").arm_of_key("app-1"), Arm::Champion);
        assert_eq!(split("63/37", "s").arm_of_key("app-1"), Arm::Challenger);
        for (salt, key, _) in VECTORS {
            assert_eq!(split("100/0", salt).arm_of_key(key), Arm::Champion);
            assert_eq!(split("0/100", salt).arm_of_key(key), Arm::Challenger);
        }
    }

    #[test]
    fn an_id_s_key_is_a_string_s_value_or_a_number_s_text() {
        for (json, key) in [
            (r#""app-1""#, Some("app-1")),
            (r#""app\u002d1""#, Some("app-1")),
            (r#""d\u00e9j\u00e0 vu""#, Some("déjà vu")),
            (r#""\ud83d\ude00""#, Some("😀")),
            (r#""""#, Some("")),
            ("12", Some("12")),
            ("-3.5e2", Some("-3.5e2")),
            ("null", None),
            ("true", None),
            ("[1]", None),
            (r#"{"a":1}"#, None),
            (r#""\ud800""#, None),
            ("", None),
        ] {
            assert_eq!(id_key(json).as_deref(), key, "{json}");
        }
        // Keys route through the hashlib vectors: escapes and quotes change nothing.
        let s = split("19/81", "s");
        assert_eq!(s.arm_of_id(r#""d\u00e9j\u00e0 vu""#), Some(Arm::Champion));
        assert_eq!(s.arm_of_id(r#""12""#), Some(Arm::Challenger));
        assert_eq!(s.arm_of_id("12"), Some(Arm::Challenger));
        assert_eq!(s.arm_of_id("true"), None);
    }

    #[test]
    fn splits_read_as_two_whole_percentages_summing_to_100() {
        assert_eq!(split("90/10", "").champion_percent(), 90);
        assert_eq!(split(" 75 / 25 ", "").challenger_percent(), 25);
        assert_eq!(split("100/0", "x").to_string(), "100/0");
        assert_eq!(split("0/100", "x").salt(), "x");
        for bad in [
            "90", "90/", "/10", "90/10/0", "9o/10", "-10/110", "90.5/9.5", "", "+90/10", "101/0",
            "255/1", "99999/1",
        ] {
            assert_eq!(bad.parse::<Split>(), Err(SplitError::Shape), "{bad:?}");
        }
        let sum = "90/20".parse::<Split>().unwrap_err();
        assert_eq!(
            sum,
            SplitError::Sum {
                champion: 90,
                challenger: 20
            }
        );
        assert!(sum.to_string().contains("90/20 sums to 110"), "{sum}");
        assert!(matches!(
            "100/100".parse::<Split>(),
            Err(SplitError::Sum { .. })
        ));
    }

    /// `text` as a JSON string with every character escaped as `\\uXXXX` (UTF-16 surrogate
    /// pairs beyond the BMP): the longest way a client can write an id.
    fn all_escaped(text: &str) -> String {
        let mut out = String::from('"');
        for unit in text.encode_utf16() {
            out.push_str(&format!("\\u{unit:04x}"));
        }
        out.push('"');
        out
    }

    proptest::proptest! {
        #[test]
        fn a_string_id_s_key_is_its_value_however_it_is_written(id in "\\PC{0,12}") {
            for written in [serde_json::to_string(&id).unwrap(), all_escaped(&id)] {
                let key = id_key(&written);
                proptest::prop_assert_eq!(key.as_deref(), Some(id.as_str()), "{}", written);
            }
        }

        #[test]
        fn a_number_id_s_key_is_its_text(n in proptest::num::i64::ANY, frac in 0u32..1000) {
            for text in [n.to_string(), format!("{n}.{frac}"), format!("{n}e{frac}")] {
                let key = id_key(&text);
                proptest::prop_assert_eq!(key.as_deref(), Some(text.as_str()));
            }
        }

        #[test]
        fn a_split_reads_back_from_its_text(a in 0u8..=100, pad in "[ \\t]{0,2}") {
            let text = format!("{pad}{a}{pad}/{pad}{}{pad}", 100 - a);
            let split = text.parse::<Split>().unwrap();
            proptest::prop_assert_eq!(split.champion_percent(), a);
            proptest::prop_assert_eq!(split.to_string().parse::<Split>().unwrap(), split);
        }
    }

    #[test]
    fn arms_serialize_in_snake_case() {
        for (arm, text) in [(Arm::Champion, "champion"), (Arm::Challenger, "challenger")] {
            assert_eq!(arm.as_str(), text);
            assert_eq!(arm.to_string(), text);
            assert_eq!(serde_json::to_string(&arm).unwrap(), format!("\"{text}\""));
            assert_eq!(
                serde_json::from_str::<Arm>(&format!("\"{text}\"")).unwrap(),
                arm
            );
        }
    }
}
