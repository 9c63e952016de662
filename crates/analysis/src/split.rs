//! Routing applications to arms by a stable hash of their id, as a live champion/challenger
//! split would: the same id and salt always land in the same arm, on any machine, in any order.
//!
//! The arm is `SHA-256(salt ‖ 0x00 ‖ id)`'s first eight bytes, big-endian, modulo 100, against
//! the champion's percentage. The id is hashed as its text: a string id without its quotes and
//! escapes, a number id as written (so `"42"` and `42` route alike).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// Which arm a line is routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Arm {
    /// Decided by the champion.
    Champion,
    /// Decided by the challenger.
    Challenger,
}

/// A split such as `90/10` with a salt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    champion_percent: u8,
    salt: String,
}

/// Why a split cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a split is two whole percentages adding up to 100, champion first, e.g. `90/10`: {0}")]
pub struct SplitError(String);

impl FromStr for Split {
    type Err = SplitError;

    /// Read `"90/10"` (the salt is set with [`Split::with_salt`]).
    fn from_str(text: &str) -> Result<Split, SplitError> {
        let (a, b) = text
            .split_once('/')
            .ok_or_else(|| SplitError(format!("`{text}` has no `/`")))?;
        let parse = |s: &str| {
            s.trim()
                .parse::<u8>()
                .map_err(|_| SplitError(format!("`{s}` is not a whole percentage")))
        };
        let (a, b) = (parse(a)?, parse(b)?);
        if u16::from(a) + u16::from(b) != 100 {
            return Err(SplitError(format!("{a} + {b} is not 100")));
        }
        Ok(Split {
            champion_percent: a,
            salt: String::new(),
        })
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}",
            self.champion_percent,
            100 - self.champion_percent
        )
    }
}

impl Split {
    /// The same split with `salt`.
    pub fn with_salt(mut self, salt: impl Into<String>) -> Split {
        self.salt = salt.into();
        self
    }

    /// The champion's percentage.
    pub fn champion_percent(&self) -> u8 {
        self.champion_percent
    }

    /// The salt.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// The arm of the application with `id` (its raw JSON); `None` when the id is not a string
    /// or a number.
    pub fn arm_of(&self, id: &RawValue) -> Option<Arm> {
        let text = id.get();
        let key: Cow<'_, str> = match text.as_bytes().first()? {
            b'"' => serde_json::from_str(text).ok()?,
            b'-' | b'0'..=b'9' => Cow::Borrowed(text),
            _ => return None,
        };
        Some(self.arm_of_key(&key))
    }

    /// The arm of an id given as its text.
    pub fn arm_of_key(&self, key: &str) -> Arm {
        let mut hasher = Sha256::new();
        hasher.update(self.salt.as_bytes());
        hasher.update([0u8]);
        hasher.update(key.as_bytes());
        let digest = hasher.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        if u64::from_be_bytes(first) % 100 < u64::from(self.champion_percent) {
            Arm::Champion
        } else {
            Arm::Challenger
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_string()).unwrap()
    }

    #[test]
    fn splits_read_as_two_percentages_adding_up_to_100() {
        assert_eq!("90/10".parse::<Split>().unwrap().champion_percent(), 90);
        assert_eq!("100/0".parse::<Split>().unwrap().to_string(), "100/0");
        for bad in ["90", "90/20", "a/b", "-10/110", "50.5/49.5", ""] {
            assert!(bad.parse::<Split>().is_err(), "{bad}");
        }
    }

    #[test]
    fn arms_are_stable_depend_on_the_salt_and_match_the_proportions() {
        let split = "90/10".parse::<Split>().unwrap().with_salt("q3");
        let n = 20_000;
        let champions = (0..n)
            .filter(|i| split.arm_of_key(&format!("app-{i}")) == Arm::Champion)
            .count();
        // Binomial(20000, 0.9): sd ≈ 42; 5 sd either way.
        assert!((17_790..=18_210).contains(&champions), "{champions}");
        assert_eq!(
            split.arm_of(&raw(r#""app-7""#)),
            Some(split.arm_of_key("app-7"))
        );
        assert_eq!(split.arm_of(&raw("42")), split.arm_of(&raw(r#""42""#)));
        assert_eq!(
            split.arm_of(&raw(r#""a\u0062""#)),
            Some(split.arm_of_key("ab"))
        );
        assert_eq!(split.arm_of(&raw("true")), None);
        let other = split.clone().with_salt("q4");
        let moved = (0..1000)
            .filter(|i| split.arm_of_key(&i.to_string()) != other.arm_of_key(&i.to_string()))
            .count();
        assert!(moved > 50, "a new salt reshuffles the arms ({moved} moved)");
        // Fixed vectors: the hash is part of the contract (live routing must agree). Computed
        // outside this code with Python's hashlib: the first 8 bytes of sha256(b"s\0" + key),
        // big-endian, mod 100 are a 38, b 89, c 94, d 18, e 60, f 49, g 93, h 54.
        use Arm::{Challenger as B, Champion as A};
        let split = "50/50".parse::<Split>().unwrap().with_salt("s");
        let fixed: Vec<Arm> = "abcdefgh"
            .chars()
            .map(|k| split.arm_of_key(&k.to_string()))
            .collect();
        assert_eq!(fixed, [A, B, B, A, B, A, B, B]);
        // 49 is the champion's at 50/50 and the challenger's at 49/51: the bucket is `< percent`.
        let split = "49/51".parse::<Split>().unwrap().with_salt("s");
        assert_eq!(split.arm_of_key("f"), B);
    }
}
