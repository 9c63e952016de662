//! Name normalization: Unicode canonical caseless form, trimmed, inner whitespace collapsed.
//!
//! Two paths, both without heap allocation for names up to [`INLINE_BYTES`] bytes:
//!
//! - **ASCII** (the common case): if the input is already lowercase, trimmed and single-spaced it
//!   is borrowed as is; otherwise it is lowercased into an inline stack buffer.
//! - **Non-ASCII**: canonical decomposition, full Unicode case folding (`ß` → `ss`, `ﬁ` → `fi`)
//!   and canonical composition (`NFC(fold(NFD(s)))`, the canonical caseless match of Unicode
//!   §3.13, presented in NFC), streamed into the same inline buffer.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

/// Bytes of normalized text kept on the stack before spilling to the heap.
pub const INLINE_BYTES: usize = 64;

/// A normalized name: borrowed from the input, in an inline buffer, or (for long names) owned.
#[derive(Clone)]
pub struct NormalizedName<'a> {
    repr: Repr<'a>,
}

#[derive(Clone)]
enum Repr<'a> {
    Borrowed(&'a str),
    Inline { buf: [u8; INLINE_BYTES], len: u8 },
    Owned(String),
}

impl std::fmt::Debug for NormalizedName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for NormalizedName<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for NormalizedName<'_> {}

impl NormalizedName<'_> {
    /// The normalized text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.repr {
            Repr::Borrowed(s) => s,
            Repr::Inline { buf, len } => buf
                .get(..usize::from(*len))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or(""),
            Repr::Owned(s) => s,
        }
    }

    /// True when the normalized name is empty (the input was blank).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Borrowed(s) => s.is_empty(),
            Repr::Inline { len, .. } => *len == 0,
            Repr::Owned(s) => s.is_empty(),
        }
    }

    /// True when the input was returned unchanged (no copy was made).
    #[must_use]
    pub fn is_borrowed(&self) -> bool {
        matches!(self.repr, Repr::Borrowed(_))
    }
}

/// A normalized name as the matcher holds it (private: a representation, free to change).
/// ASCII names of at most 16 bytes with no whitespace or control bytes (nearly all names) are
/// packed into one little-endian word and lowercased in registers, with no copy into a buffer
/// and no UTF-8 re-validation later; everything else is a [`NormalizedName`].
///
/// [`NameKey::with_str`] gives the same text as [`normalize_name`] either way (property-tested
/// below).
#[derive(Debug, Clone)]
pub(crate) enum NameKey<'a> {
    /// Lowercase ASCII packed little-endian (`word` byte `i` is character `i`), zero-padded.
    Packed {
        /// The bytes.
        word: u128,
        /// How many of them (0..=16).
        len: u8,
    },
    /// Any other name, normalized as text.
    Text(NormalizedName<'a>),
}

/// The high bit of every byte of a 128-bit word.
const HIGH_BITS: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;
/// `0x01` in every byte.
const ONES: u128 = 0x0101_0101_0101_0101_0101_0101_0101_0101;

use crate::levenshtein::load16;

impl<'a> NameKey<'a> {
    /// Normalize `s` (see [`normalize_name`]) into a key.
    #[must_use]
    #[inline]
    pub(crate) fn new(s: &'a str) -> Self {
        let b = s.as_bytes();
        if b.len() <= 16 {
            let w = load16(b);
            let live = crate::levenshtein::low_bytes(b.len());
            // For ASCII bytes (high bit clear), adding 0x5F sets the high bit exactly when the
            // byte is >= 0x21: so this finds spaces, tabs, newlines and control bytes in the
            // name's bytes (the zero padding is masked off).
            let low = !(w.wrapping_add(ONES * 0x5F)) & HIGH_BITS & live;
            if w & HIGH_BITS == 0 && low == 0 {
                return NameKey::Packed {
                    word: ascii_lowercase_word(w),
                    // At most 16.
                    len: b.len() as u8,
                };
            }
        }
        Self::normalized(s)
    }

    /// The general path of [`NameKey::new`]: [`normalize_name`], packed if the result allows.
    #[inline(never)]
    fn normalized(s: &'a str) -> Self {
        let n = normalize_name(s);
        let t = n.as_str().as_bytes();
        if t.len() <= 16 && t.is_ascii() {
            return NameKey::Packed {
                word: load16(t),
                len: u8::try_from(t.len()).unwrap_or(0),
            };
        }
        NameKey::Text(n)
    }

    /// True when the normalized name is empty (the input was blank). The matcher decides
    /// blankness on the raw text before it builds keys; the tests check that the two agree.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        match self {
            NameKey::Packed { len, .. } => *len == 0,
            NameKey::Text(n) => n.is_empty(),
        }
    }

    /// Call `f` with the normalized text.
    pub(crate) fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            NameKey::Packed { word, len } => {
                let bytes = word.to_le_bytes();
                let text = bytes
                    .get(..usize::from(*len))
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .unwrap_or("");
                f(text)
            }
            NameKey::Text(n) => f(n.as_str()),
        }
    }
}

/// Lowercase the ASCII letters of a word of ASCII bytes (high bits clear), all bytes at once.
#[inline]
fn ascii_lowercase_word(w: u128) -> u128 {
    // High bit set in a byte iff it is >= 'A' (0x41), resp. >= '[' (0x5B); no carries, since
    // every byte is at most 0x7F.
    let ge_a = w.wrapping_add(ONES * (0x80 - 0x41)) & HIGH_BITS;
    let gt_z = w.wrapping_add(ONES * (0x80 - 0x5B)) & HIGH_BITS;
    w | ((ge_a & !gt_z) >> 2)
}

/// Whitespace as `char::is_whitespace` defines it, restricted to ASCII.
#[inline]
fn is_ascii_ws(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b)
}

/// True when the first and the last byte of `s` are printable ASCII other than space, so that
/// `s` is not blank and `s.trim() == s`.
#[inline]
pub(crate) fn starts_and_ends_unblank(s: &str) -> bool {
    let printable = |b: &u8| (0x21..0x7F).contains(b);
    let b = s.as_bytes();
    b.first().is_some_and(printable) && b.last().is_some_and(printable)
}

/// Normalize a name for comparison: NFC, full case folding, trimmed, runs of whitespace
/// collapsed to one space.
///
/// ```
/// use underwrite_kyc::normalize::normalize_name;
/// assert_eq!(normalize_name("  Mary   ANN ").as_str(), "mary ann");
/// assert_eq!(normalize_name("STRAẞE").as_str(), "strasse");
/// assert!(normalize_name("joe").is_borrowed());
/// ```
#[must_use]
pub fn normalize_name(s: &str) -> NormalizedName<'_> {
    let bytes = s.as_bytes();
    if bytes.is_ascii() {
        // Common case: no whitespace at all (one-word names), checked without branching per
        // byte. Then normalization is just lowercasing: borrow, or copy and lowercase in bulk.
        if !bytes.iter().any(|&b| is_ascii_ws(b)) {
            if !bytes.iter().any(u8::is_ascii_uppercase) {
                return NormalizedName {
                    repr: Repr::Borrowed(s),
                };
            }
            let mut buf = [0u8; INLINE_BYTES];
            if let Some(dst) = buf.get_mut(..bytes.len()) {
                dst.copy_from_slice(bytes);
                dst.make_ascii_lowercase();
                return NormalizedName {
                    repr: Repr::Inline {
                        buf,
                        len: u8::try_from(bytes.len()).unwrap_or(0),
                    },
                };
            }
        }
        if is_clean_ascii(bytes) {
            return NormalizedName {
                repr: Repr::Borrowed(s),
            };
        }
        return collect_ascii(bytes);
    }
    // Latin text (every character below U+0250: ASCII, Latin-1, Latin Extended-A/B) is already
    // in NFC and free of combining marks, so folding it character by character gives the same
    // result as the full NFD → fold → NFC pipeline, provided the folded text is itself NFC
    // (it is not when `İ` leaves a combining dot; that case takes the full pipeline).
    if s.chars().all(|c| u32::from(c) < 0x250) {
        let folded = collect(s.chars().default_case_fold());
        if unicode_normalization::is_nfc_quick(folded.as_str().chars())
            == unicode_normalization::IsNormalized::Yes
        {
            return folded;
        }
    }
    collect(s.nfd().default_case_fold().nfc())
}

/// Already lowercase, no leading/trailing whitespace, only single spaces inside.
fn is_clean_ascii(bytes: &[u8]) -> bool {
    let mut prev_space = true; // rejects leading whitespace
    for &b in bytes {
        if b.is_ascii_uppercase() {
            return false;
        }
        if is_ascii_ws(b) {
            if b != b' ' || prev_space {
                return false;
            }
            prev_space = true;
        } else {
            prev_space = false;
        }
    }
    !prev_space || bytes.is_empty()
}

/// The ASCII path of [`collect`]: lowercase bytes straight into the buffer.
fn collect_ascii<'a>(bytes: &[u8]) -> NormalizedName<'a> {
    let mut buf = [0u8; INLINE_BYTES];
    let mut len = 0usize;
    let mut pending_space = false;
    for &b in bytes {
        if is_ascii_ws(b) {
            pending_space = len > 0;
            continue;
        }
        if pending_space {
            pending_space = false;
            match buf.get_mut(len) {
                Some(slot) => *slot = b' ',
                None => return collect_ascii_spilled(bytes),
            }
            len += 1;
        }
        match buf.get_mut(len) {
            Some(slot) => *slot = b.to_ascii_lowercase(),
            // Longer than the inline buffer: take the general path, which spills to the heap.
            None => return collect_ascii_spilled(bytes),
        }
        len += 1;
    }
    NormalizedName {
        repr: Repr::Inline {
            buf,
            len: u8::try_from(len).unwrap_or(0),
        },
    }
}

/// ASCII names longer than the inline buffer.
fn collect_ascii_spilled<'a>(bytes: &[u8]) -> NormalizedName<'a> {
    collect(bytes.iter().map(|&b| char::from(b.to_ascii_lowercase())))
}

/// Collapse whitespace and trim while writing `chars` into the inline buffer (or a `String`
/// once it overflows).
fn collect<'a>(chars: impl Iterator<Item = char>) -> NormalizedName<'a> {
    let mut buf = [0u8; INLINE_BYTES];
    let mut len = 0usize;
    let mut spill: Option<String> = None;
    let mut pending_space = false;
    let mut started = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = started;
            continue;
        }
        if pending_space {
            push(&mut buf, &mut len, &mut spill, ' ');
            pending_space = false;
        }
        started = true;
        push(&mut buf, &mut len, &mut spill, c);
    }
    match spill {
        Some(s) => NormalizedName {
            repr: Repr::Owned(s),
        },
        None => NormalizedName {
            repr: Repr::Inline {
                buf,
                len: u8::try_from(len).unwrap_or(0),
            },
        },
    }
}

fn push(buf: &mut [u8; INLINE_BYTES], len: &mut usize, spill: &mut Option<String>, c: char) {
    if let Some(s) = spill {
        s.push(c);
        return;
    }
    let n = c.len_utf8();
    match buf.get_mut(*len..*len + n) {
        Some(slot) => {
            c.encode_utf8(slot);
            *len += n;
        }
        None => {
            let mut s = String::with_capacity(*len * 2 + n);
            s.push_str(std::str::from_utf8(buf.get(..*len).unwrap_or(&[])).unwrap_or(""));
            s.push(c);
            *spill = Some(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ascii_clean_input_is_borrowed() {
        for s in ["joe", "mary ann", "o'neil-smith", ""] {
            let n = normalize_name(s);
            assert!(n.is_borrowed(), "{s:?}");
            assert_eq!(n.as_str(), s);
        }
    }

    #[test]
    fn ascii_dirty_input_is_cleaned() {
        assert_eq!(normalize_name("Joe").as_str(), "joe");
        assert_eq!(normalize_name(" joe").as_str(), "joe");
        assert_eq!(normalize_name("joe ").as_str(), "joe");
        assert_eq!(normalize_name("mary\t \nann").as_str(), "mary ann");
        assert_eq!(normalize_name("mary  ann").as_str(), "mary ann");
        assert_eq!(normalize_name("   ").as_str(), "");
        assert!(!normalize_name("Joe").is_borrowed());
    }

    #[test]
    fn unicode_is_nfc_and_fully_case_folded() {
        // Decomposed e + combining acute equals the precomposed form.
        assert_eq!(
            normalize_name("Jose\u{301}").as_str(),
            normalize_name("JOSÉ").as_str()
        );
        assert_eq!(normalize_name("JOSÉ").as_str(), "jos\u{e9}");
        assert_eq!(normalize_name("Straße").as_str(), "strasse");
        assert_eq!(
            normalize_name("ΣΊΣΥΦΟΣ").as_str(),
            normalize_name("σίσυφος").as_str()
        );
        assert_eq!(
            normalize_name("\u{3000}Nguyễn\u{a0}\u{a0}Văn ").as_str(),
            "nguyễn văn"
        );
    }

    #[test]
    fn long_names_spill_to_the_heap_intact() {
        let long = "Ä".repeat(50);
        assert_eq!(normalize_name(&long).as_str(), "ä".repeat(50));
        // The space that overflows the buffer is at byte 64.
        let at_boundary = format!("{} B", "A".repeat(64));
        assert_eq!(
            normalize_name(&at_boundary).as_str(),
            format!("{} b", "a".repeat(64))
        );
        let long_ascii = "AB ".repeat(40);
        assert_eq!(
            normalize_name(&long_ascii).as_str(),
            "ab ".repeat(40).trim_end()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// The matcher's packed ASCII keys (lowercased in registers) hold exactly the text
        /// `normalize_name` produces, and are empty exactly when it is.
        #[test]
        fn name_keys_hold_the_normalized_text(s in "[ \t]{0,2}[a-zA-Z@\\[`{ .\u{0}\u{7f}-]{0,20}[ \n]{0,2}|\\PC{0,20}") {
            let key = NameKey::new(&s);
            let normalized = normalize_name(&s);
            prop_assert!(key.with_str(|t| t == normalized.as_str()));
            prop_assert_eq!(key.is_empty(), normalized.is_empty());
        }
    }
}
