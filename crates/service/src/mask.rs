//! Personal data kept out of the decision log: the applicant's phone in the payload's
//! `requestMeta`.
//!
//! PLACEHOLDER: returns the payload unchanged. To be replaced by the masking implementation.

use serde_json::value::RawValue;

/// What becomes of the phone in a logged payload's `requestMeta`.
#[derive(Debug, Clone, Default)]
pub enum PhoneMasking {
    /// Removed (the default).
    #[default]
    Remove,
    /// Replaced by a keyed hash (HMAC-SHA256 with this salt), so one applicant's decisions can
    /// be joined without the number.
    Hash {
        /// The secret salt.
        salt: Vec<u8>,
    },
    /// Kept as sent.
    Keep,
}

impl PhoneMasking {
    /// The payload with the phone masked.
    pub fn mask(&self, payload: &str) -> Box<RawValue> {
        RawValue::from_string(payload.to_string())
            .unwrap_or_else(|_| RawValue::from_string("null".to_string()).unwrap_or_default())
    }
}
