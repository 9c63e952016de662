//! What becomes of the applicant's phone in a logged payload: [`PhoneMasking`].
//!
//! The provider echoes the phone the signals were asked for in `requestMeta.phone`, under `data`
//! in the envelope shape and at the top level in the bare `data` shape. No policy reads
//! `requestMeta` (the signals reader skips it), so removing or hashing the phone never changes a
//! decision, and the logged payload decides again exactly. Where the phone is looked for, and
//! what is dropped because it cannot be read, is the payload writer's business
//! (`crate::payload`); this module holds the modes and the keyed hash.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

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
    /// (escapes decoded); of a number, of its JSON text; any other phone is removed.
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

/// Write `"hmac-sha256:<64 hex digits>"` (a JSON string, quotes included) for `phone`'s text.
pub(crate) fn write_hashed(out: &mut Vec<u8>, salt: &[u8], phone: &[u8]) {
    let digest = match Hmac::<Sha256>::new_from_slice(salt) {
        Ok(mut mac) => {
            mac.update(phone);
            mac.finalize().into_bytes()
        }
        // HMAC takes a key of any length: `new_from_slice` cannot fail for it. Were it ever
        // to, the phone is still not written.
        Err(_) => Default::default(),
    };
    let mut hex = [0u8; 64];
    // 32 bytes always fit 64 hex digits.
    if hex::encode_to_slice(digest, &mut hex).is_err() {
        hex = [b'0'; 64];
    }
    out.push(b'"');
    out.extend_from_slice(HASH_PREFIX.as_bytes());
    out.extend_from_slice(&hex);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_hash_is_rfc_4231s_hmac_sha256() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut out = Vec::new();
        write_hashed(&mut out, b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            out,
            b"\"hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843\""
        );
    }
}
