//! The API credentials taken out of whatever the provider says, before any of it leaves the
//! crate.
//!
//! A provider, or a gateway in front of it, can repeat what it was sent: `401 {"message":
//! "denied for Basic c3RhbmRp…"}`, a `resultMessage` quoting a URL with the secret in it. The
//! client shows the provider's text (in [`crate::Rejected`], [`crate::UnavailableCause`], the
//! payload's bytes, its log events), so every such text passes through one [`Redactor`] first,
//! built from the [`Credentials`] the client sends.
//!
//! What it finds, for the key, the secret and `key:secret` (the pair Basic authentication
//! encodes), each replaced by [`REDACTED`]:
//!
//! * the text itself; with each space as `+` too (a form's encoding);
//! * its base64, standard and URL-safe, with and without padding (`Basic` sends the pair in
//!   standard base64); for the secret and the pair also inside longer base64 text, at each
//!   of the three alignments (the characters that only the credential's bytes determine,
//!   when there are at least four);
//! * any of these percent-encoded, in upper- or lower-case hex, whichever characters were
//!   encoded, up to three times over (`%2541` and `%25%34%31` are `%41`, which is `A`): the
//!   search reads each `%` both ways, as a character and as the start of an escape, so text
//!   around a form (a stray `%` before it) cannot hide it, and what it finds is replaced where
//!   it stands in the text;
//! * inside a JSON string, any of these written with JSON escapes (`\u0073`, `\/`):
//!   [`Redactor::redact_json`] decodes each string that has an escape, and a string found to
//!   carry a credential is written again, redacted.
//!
//! A replacement can make a new occurrence with the text around it, so the search runs again
//! on its own output until it finds nothing; after a few rounds, or when a text keeps the
//! search busier than a few steps per byte (a long run of what a form starts with: only a text
//! built around the credentials), the whole text is replaced.
//! Whatever it returns holds none of the forms above (a property test checks it against forms
//! computed elsewhere).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;

use crate::config::Credentials;

/// What stands where a credential was (unless the credentials themselves contain it: then one
/// of a few other markers that they do not contain).
pub const REDACTED: &str = "[redacted]";

/// The markers tried in order; the empty one always qualifies.
const MARKERS: [&str; 6] = [REDACTED, "[REDACTED]", "<redacted>", "***", "#", ""];

/// How many times percent-encoding is undone.
const PERCENT_LEVELS: usize = 3;

/// The most bytes one decoded byte can take at [`PERCENT_LEVELS`] (`3^3`), plus room: the
/// search's window of pending positions.
const WINDOW: usize = 32;

/// The search's work bound: steps (a walk taking a token) per byte of text, on average, and
/// spare steps for short texts. Ordinary text takes one or two per byte; percent-encoded text
/// a few more.
const STEPS_PER_BYTE: usize = 8;
/// Steps any text may take besides [`STEPS_PER_BYTE`].
const STEPS_SPARE: usize = 1 << 16;

/// Rounds of search and replace before a text is replaced whole.
const MAX_ROUNDS: usize = 4;

/// The fewest characters of a credential's base64 searched for inside longer base64 text.
const MIN_ALIGNED_CHARS: usize = 4;

/// Finds and replaces every form of one set of credentials. Cheap to clone.
///
/// ```
/// use underwrite_signals_client::{Credentials, Redactor};
/// let redactor = Redactor::new(&Credentials::new("key-1", "s3cret"));
/// assert_eq!(
///     redactor.redact("denied for Basic a2V5LTE6czNjcmV0 (s%33cret)"),
///     "denied for Basic [redacted] ([redacted])"
/// );
/// assert_eq!(redactor.redact("nothing to hide"), "nothing to hide");
/// ```
#[derive(Clone)]
pub struct Redactor {
    /// `None` when the credentials are empty: nothing to find.
    inner: Option<Arc<Inner>>,
}

struct Inner {
    /// Every form.
    forms: Trie,
    /// What replaces a form.
    marker: &'static str,
}

impl fmt::Debug for Redactor {
    /// The number of forms, never the forms.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let forms = self.inner.as_ref().map_or(0, |i| i.forms.count);
        f.debug_struct("Redactor").field("forms", &forms).finish()
    }
}

impl Redactor {
    /// A redactor for `credentials`' key and secret.
    pub fn new(credentials: &Credentials) -> Redactor {
        let (key, secret) = (credentials.key(), credentials.secret());
        let mut forms: Vec<Vec<u8>> = Vec::new();
        let pair = format!("{key}:{secret}");
        for (text, aligned) in [(key, false), (secret, true), (pair.as_str(), true)] {
            if text.is_empty() {
                continue;
            }
            forms.push(text.as_bytes().to_vec());
            if text.contains(' ') {
                forms.push(text.replace(' ', "+").into_bytes());
            }
            for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
                forms.push(engine.encode(text).into_bytes());
            }
            if aligned {
                forms.extend(aligned_base64(text.as_bytes()));
            }
        }
        forms.sort();
        forms.dedup();
        if forms.is_empty() {
            return Redactor { inner: None };
        }
        let mut inner = Inner {
            forms: Trie::new(&forms),
            marker: "",
        };
        inner.marker = MARKERS
            .into_iter()
            .find(|m| inner.spans(m.as_bytes()).is_empty())
            .unwrap_or("");
        Redactor {
            inner: Some(Arc::new(inner)),
        }
    }

    /// `text` with every form of the credentials replaced.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.redact_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(bytes) => Cow::Owned(match String::from_utf8(bytes) {
                Ok(text) => text,
                // A replacement cannot split a character of valid UTF-8 (a form starts and
                // ends on a character's boundary); if one ever did, the text goes whole.
                Err(_) => self.marker().to_owned(),
            }),
        }
    }

    /// `bytes` (any text, not necessarily UTF-8) with every form of the credentials replaced.
    pub fn redact_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let Some(inner) = &self.inner else {
            return Cow::Borrowed(bytes);
        };
        inner.until_clean(bytes, |b| inner.round(b))
    }

    /// A JSON document (or any text that may hold JSON strings) with every form of the
    /// credentials replaced, escaped forms inside its strings included. A string that carried
    /// one is written again with it replaced, so a document stays JSON unless a form spans
    /// more than one of its strings or lies outside them (then the replacement breaks it,
    /// which a caller reading it sees).
    pub fn redact_json<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let Some(inner) = &self.inner else {
            return Cow::Borrowed(bytes);
        };
        inner.until_clean(bytes, |b| inner.json_round(b))
    }

    /// Whether `bytes` hold any form of the credentials.
    pub(crate) fn finds(&self, bytes: &[u8]) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|inner| !inner.spans(bytes).is_empty())
    }

    /// What replaces a form.
    fn marker(&self) -> &'static str {
        self.inner.as_ref().map_or(REDACTED, |i| i.marker)
    }
}

impl Inner {
    /// Apply `round` until it changes nothing; after [`MAX_ROUNDS`], the marker alone.
    fn until_clean<'a>(
        &self,
        bytes: &'a [u8],
        round: impl Fn(&[u8]) -> Option<Vec<u8>>,
    ) -> Cow<'a, [u8]> {
        let mut current = Cow::Borrowed(bytes);
        for _ in 0..MAX_ROUNDS {
            match round(&current) {
                None => return current,
                Some(next) => current = Cow::Owned(next),
            }
        }
        if round(&current).is_none() {
            current
        } else {
            Cow::Owned(self.marker.as_bytes().to_vec())
        }
    }

    /// The byte ranges of `bytes` that are, or percent-decode to, a form: sorted, merged.
    ///
    /// A walk of the trie starts at every position; each step takes one token of the text: a
    /// byte as it is, or, at a `%`, every escape that starts there ([`tokens`]). Walks that
    /// reach the same node at the same position from the same start are one. The work is
    /// bounded: a text that keeps more than [`STEPS_PER_BYTE`] walks going per byte (a long
    /// run of what a form starts with, which only a text built around the credentials is) is
    /// one span, whole.
    fn spans(&self, bytes: &[u8]) -> Vec<(usize, usize)> {
        let mut budget = STEPS_PER_BYTE
            .saturating_mul(bytes.len())
            .saturating_add(STEPS_SPARE);
        let mut spans = Vec::new();
        // Walks waiting at position `p` are in `pending[p % WINDOW]`: (node, start).
        let mut pending: Vec<Vec<(u32, usize)>> = vec![Vec::new(); WINDOW];
        let mut found = Vec::new();
        for (at, &byte) in bytes.iter().enumerate() {
            let mut walks = std::mem::take(&mut pending[at % WINDOW]);
            if walks.is_empty() && !self.forms.starts(byte) {
                continue;
            }
            walks.push((ROOT, at));
            if walks.len() > 2 {
                // One walk per node: the earliest start's span holds the later ones'.
                walks.sort_unstable();
                walks.dedup_by_key(|&mut (node, _)| node);
            }
            found.clear();
            tokens(bytes, at, PERCENT_LEVELS, &mut found);
            let steps = walks.len().saturating_mul(found.len()) + found.len();
            match budget.checked_sub(steps) {
                Some(left) => budget = left,
                None => return vec![(0, bytes.len())],
            }
            for &(node, start) in &walks {
                for &(decoded, len) in &found {
                    let Some(next) = self.forms.child(node, decoded) else {
                        continue;
                    };
                    if self.forms.is_end(next) {
                        spans.push((start, at + len));
                    }
                    if self.forms.has_children(next) {
                        pending[(at + len) % WINDOW].push((next, start));
                    }
                }
            }
            // Tokens are at least one byte long: nothing was added at `at`; keep the room.
            walks.clear();
            pending[at % WINDOW] = walks;
        }
        merge(spans)
    }

    /// One round over plain text: every span found replaced; `None` when there was none.
    fn round(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let spans = self.spans(bytes);
        if spans.is_empty() {
            return None;
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for (start, end) in spans {
            out.extend_from_slice(&bytes[at..start]);
            out.extend_from_slice(self.marker.as_bytes());
            at = end;
        }
        out.extend_from_slice(&bytes[at..]);
        Some(out)
    }

    /// One round over JSON: each string with an escape decoded and, if it carries a form,
    /// written again redacted; then a plain round over the whole.
    fn json_round(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let rewritten = if bytes.contains(&b'\\') {
            self.rewrite_strings(bytes)
        } else {
            None
        };
        match rewritten {
            None => self.round(bytes),
            Some(out) => Some(self.round(&out).unwrap_or(out)),
        }
    }

    /// The JSON strings of `bytes` that have an escape and carry a form, written again
    /// redacted; `None` when there is none.
    fn rewrite_strings(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'"' {
                i += 1;
                continue;
            }
            let Some(len) = string_len(&bytes[i + 1..]) else {
                break; // unterminated: the plain round still sees it
            };
            let (start, end) = (i + 1, i + 1 + len);
            let content = &bytes[start..end];
            i = end + 1;
            if !content.contains(&b'\\') {
                continue; // as it is: the plain round sees it
            }
            let decoded = json_unescape(content);
            if self.spans(&decoded).is_empty() {
                continue;
            }
            let clean = self.until_clean(&decoded, |b| self.round(b));
            let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
            out.extend_from_slice(&bytes[copied..start]);
            json_escape(&clean, out);
            copied = end;
        }
        let mut out = out?;
        out.extend_from_slice(&bytes[copied..]);
        Some(out)
    }
}

/// The base64 characters of `bytes` that stay the same whatever text surrounds them, at each
/// of the three alignments inside longer base64 text: for `bytes` starting `a` bytes into a
/// group of three, the characters whose six bits all come from `bytes`. Both alphabets; only
/// runs of at least [`MIN_ALIGNED_CHARS`].
fn aligned_base64(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut forms = Vec::new();
    for a in 0..3usize {
        let mut padded = vec![0u8; a];
        padded.extend_from_slice(bytes);
        let first = (8 * a).div_ceil(6);
        let last = 8 * (a + bytes.len()) / 6; // exclusive
        if last < first + MIN_ALIGNED_CHARS {
            continue;
        }
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&padded).into_bytes();
            if let Some(chars) = encoded.get(first..last) {
                forms.push(chars.to_vec());
            }
        }
    }
    forms
}

/// The tokens of `bytes` at `at`, as (decoded byte, length in `bytes`), onto `out`: the byte
/// as it is and, at a `%`, every percent-escape up to `level` deep that starts there (`%41`,
/// `%2541`, `%25%34%31`: an escape is a `%`, then two hex digits in either case, each of the
/// three possibly an escape itself one level down).
fn tokens(bytes: &[u8], at: usize, level: usize, out: &mut Vec<(u8, usize)>) {
    let Some(&byte) = bytes.get(at) else {
        return;
    };
    out.push((byte, 1));
    // An escape at any depth starts with a `%` as it is, followed by a hex digit or the `%`
    // of an escape one level down.
    let next = bytes.get(at + 1).copied().unwrap_or(b' ');
    if level == 0 || byte != b'%' || !(next.is_ascii_hexdigit() || next == b'%') {
        return;
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    // The common escape, `%` and two hex digits that are no escape themselves and do not make
    // a `%` (`%25`) that could start one: no deeper reading.
    if let (Some(&h), Some(&l)) = (bytes.get(at + 1), bytes.get(at + 2)) {
        if let (Some(high), Some(low)) = (hex(h), hex(l)) {
            if (high, low) != (2, 5) {
                out.push((u8::try_from(high * 16 + low).unwrap_or(0), 3));
                return;
            }
        }
    }
    let below = |at: usize| {
        let mut found = Vec::new();
        tokens(bytes, at, level - 1, &mut found);
        found
    };
    let mut escapes = Vec::new();
    for (percent, p_len) in below(at) {
        if percent != b'%' {
            continue;
        }
        for (high, h_len) in below(at + p_len) {
            let Some(high) = hex(high) else { continue };
            for (low, l_len) in below(at + p_len + h_len) {
                let Some(low) = hex(low) else { continue };
                // Two hex digits make at most 0xff.
                let decoded = u8::try_from(high * 16 + low).unwrap_or(0);
                escapes.push((decoded, p_len + h_len + l_len));
            }
        }
    }
    escapes.sort_unstable();
    escapes.dedup();
    out.extend(escapes);
}

/// The trie's root.
const ROOT: u32 = 0;

/// The forms as a trie of bytes, walked one decoded byte at a time.
struct Trie {
    /// Node 0 is the root.
    nodes: Vec<TrieNode>,
    /// How many forms.
    count: usize,
    /// The bytes a walk can start with (the root's children), and `%`.
    starts: [bool; 256],
}

#[derive(Default)]
struct TrieNode {
    /// Children by byte, sorted.
    next: Vec<(u8, u32)>,
    /// A form ends here.
    end: bool,
}

impl Trie {
    fn new(forms: &[Vec<u8>]) -> Trie {
        let mut nodes = vec![TrieNode::default()];
        for form in forms {
            let mut node = 0usize;
            for &byte in form {
                let found = nodes[node].next.binary_search_by_key(&byte, |&(b, _)| b);
                node = match found {
                    Ok(i) => nodes[node].next[i].1 as usize,
                    Err(i) => {
                        let child = nodes.len();
                        // More nodes than u32 holds would take 100 GB of forms.
                        let id = u32::try_from(child).unwrap_or(u32::MAX);
                        nodes[node].next.insert(i, (byte, id));
                        nodes.push(TrieNode::default());
                        child
                    }
                };
            }
            nodes[node].end = true;
        }
        let mut starts = [false; 256];
        starts[usize::from(b'%')] = true;
        for &(byte, _) in &nodes[0].next {
            starts[usize::from(byte)] = true;
        }
        Trie {
            nodes,
            count: forms.len(),
            starts,
        }
    }

    /// Whether a walk can start at `byte`.
    fn starts(&self, byte: u8) -> bool {
        self.starts[usize::from(byte)]
    }

    fn child(&self, node: u32, byte: u8) -> Option<u32> {
        let next = &self.nodes.get(node as usize)?.next;
        next.binary_search_by_key(&byte, |&(b, _)| b)
            .ok()
            .map(|i| next[i].1)
    }

    fn is_end(&self, node: u32) -> bool {
        self.nodes.get(node as usize).is_some_and(|n| n.end)
    }

    fn has_children(&self, node: u32) -> bool {
        self.nodes
            .get(node as usize)
            .is_some_and(|n| !n.next.is_empty())
    }
}

/// Overlapping and touching ranges merged, in order.
fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The length of a JSON string's contents (`bytes` starts after its opening quote), up to the
/// closing quote; `None` when there is none.
fn string_len(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// A JSON string's contents with its escapes decoded, leniently: a lone surrogate becomes
/// U+FFFD, an invalid escape stays as written.
fn json_unescape(raw: &[u8]) -> Vec<u8> {
    let hex4 = |at: usize| -> Option<u32> {
        let digits = std::str::from_utf8(raw.get(at..at + 4)?).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let simple = match raw.get(i + 1) {
            Some(b'"') => Some(b'"'),
            Some(b'\\') => Some(b'\\'),
            Some(b'/') => Some(b'/'),
            Some(b'b') => Some(0x08),
            Some(b'f') => Some(0x0c),
            Some(b'n') => Some(b'\n'),
            Some(b'r') => Some(b'\r'),
            Some(b't') => Some(b'\t'),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            i += 2;
            continue;
        }
        let unit = (raw.get(i + 1) == Some(&b'u'))
            .then(|| hex4(i + 2))
            .flatten();
        let Some(unit) = unit else {
            out.push(b'\\');
            i += 1;
            continue;
        };
        i += 6;
        let c = if (0xd800..0xdc00).contains(&unit) {
            let low = (raw.get(i..i + 2) == Some(b"\\u"))
                .then(|| hex4(i + 2))
                .flatten()
                .filter(|low| (0xdc00..0xe000).contains(low));
            match low {
                Some(low) => {
                    i += 6;
                    char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))
                }
                None => None,
            }
        } else {
            char::from_u32(unit)
        };
        let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
    out
}

/// `bytes` as the contents of a JSON string (the quotes are the caller's) onto `out`: `"`, `\`
/// and control characters escaped, everything else as it is.
fn json_escape(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x00..=0x1f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected forms below were computed with Python's `base64`, `json` and `urllib.parse`.
    fn redactor() -> Redactor {
        Redactor::new(&Credentials::new("key-1", "s3cret"))
    }

    fn json(text: &str) -> String {
        String::from_utf8(redactor().redact_json(text.as_bytes()).into_owned()).unwrap_or_default()
    }

    #[test]
    fn the_basic_form_and_the_raw_credentials_are_replaced() {
        let r = redactor();
        assert_eq!(
            r.redact("Authorization: Basic a2V5LTE6czNjcmV0 for key-1:s3cret"),
            "Authorization: Basic [redacted] for [redacted]"
        );
        // Each alone, and each one's own base64, padded or not: base64("s3cret") has no
        // padding, base64("key-1") has one "=".
        assert_eq!(
            r.redact("key key-1, secret s3cret, czNjcmV0, a2V5LTE=, a2V5LTE."),
            "key [redacted], secret [redacted], [redacted], [redacted], [redacted]."
        );
        // Text without them is returned as it is, not copied.
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_pair_is_found_inside_longer_base64_at_every_alignment() {
        let r = redactor();
        // base64("x" + "key-1:s3cret" + "!!") and base64("xy" + ... + "!!").
        assert_eq!(r.redact("eGtleS0xOnMzY3JldCEh"), "eG[redacted]CEh");
        assert_eq!(r.redact("eHlrZXktMTpzM2NyZXQhIQ=="), "eHl[redacted]QhIQ==");
        // URL-safe: base64url(b"\xff\xfe" + "s3cret?>") has the secret at alignment 2.
        let url_safe = r.redact("__5zM2NyZXQ_Pg==");
        assert!(!url_safe.contains("zM2NyZX"), "{url_safe}");
    }

    #[test]
    fn percent_encoded_forms_are_found_in_either_case_and_nested() {
        let r = redactor();
        for encoded in [
            "%73%33%63%72%65%74",
            "%73%33%63%72%65%74",
            "s%33cr%65t",
            "key-1%3As3cret",
            "key-1%3as3cret",
            "s%2533cret",               // %25 is %: decoded twice
            "a2V5LTE6czNjcmV0%3D",      // base64, padded, in a URL
            "Basic%20a2V5LTE6czNjcmV0", // the header in a URL
        ] {
            let out = r.redact(encoded);
            assert!(out.contains(REDACTED), "{encoded}: {out}");
            for form in ["s3cret", "%73%33", "czNjcmV0", "a2V5LTE6czNjcmV0", "key-1"] {
                assert!(!out.contains(form), "{encoded}: {out}");
            }
        }
        // What is around a percent-encoded form stays.
        assert_eq!(
            r.redact("?secret=s%33cret&x=%41"),
            "?secret=[redacted]&x=%41"
        );
        // Twice encoded, the digits too: %25%37%33 is %73 is s.
        assert_eq!(r.redact("(%25%37%333cret)"), "([redacted])");
        // A stray % before a form that starts with hex digits does not hide it: read as an
        // escape, "%ab" would take the form's first two characters.
        let hexy = Redactor::new(&Credentials::new("k-9", "ab12cd"));
        assert_eq!(hexy.redact("100%ab12cd"), "100%[redacted]");
        assert_eq!(hexy.redact("100%a%62%312cd"), "100%[redacted]");
    }

    #[test]
    fn json_escapes_inside_strings_are_decoded_and_the_string_written_again() {
        assert_eq!(
            json(r#"{"message":"denied: \u0073\u0033cret","n":1}"#),
            r#"{"message":"denied: [redacted]","n":1}"#
        );
        assert_eq!(
            json(r#"{"a":"x\/s3cret\n","b":"s\u0033cret"}"#),
            r#"{"a":"x/[redacted]\u000a","b":"[redacted]"}"#
        );
        // A string with escapes but no credential keeps its escapes, byte for byte.
        let plain = r#"{"a":"caf\u00e9 \"quoted\"","b":"s3cret"}"#;
        assert_eq!(
            json(plain),
            r#"{"a":"caf\u00e9 \"quoted\"","b":"[redacted]"}"#
        );
        // Surrogate pairs; a lone surrogate does not stop the search.
        assert_eq!(
            json(r#"["\ud83d\ude00 s3cre\u0074", "\ud800 \u0073\u0033cret"]"#),
            "[\"\u{1f600} [redacted]\", \"\u{fffd} [redacted]\"]"
        );
        // Outside strings, or across them, the plain search still replaces it.
        assert_eq!(json("s3cret"), REDACTED);
        assert_eq!(json(r#"{"a":"s3c","b":"ret"}"#), r#"{"a":"s3c","b":"ret"}"#);
    }

    #[test]
    fn the_marker_never_completes_a_credential() {
        // A secret that the marker itself would spell: another marker is used.
        let r = Redactor::new(&Credentials::new("k-9", "d]"));
        assert_eq!(r.marker(), "[REDACTED]");
        let out = r.redact("x d] y");
        assert!(!out.contains("d]"), "{out}");
        // Credentials that the first three markers contain.
        let r = Redactor::new(&Credentials::new("a", "A"));
        assert_eq!(r.marker(), "***");
        assert_eq!(r.redact("a b A"), "*** b ***");
        // A replacement that makes a new occurrence with its neighbours is searched again.
        let r = Redactor::new(&Credentials::new("key-1", "abab"));
        let out = r.redact("aababbb");
        assert!(!out.contains("abab"), "{out}");
    }

    #[test]
    fn empty_credentials_redact_nothing_and_debug_shows_no_form() {
        let r = Redactor::new(&Credentials::new("", ""));
        assert_eq!(r.redact("text"), "text");
        let r = redactor();
        let debug = format!("{r:?}");
        assert!(debug.starts_with("Redactor { forms: "), "{debug}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("czNjcmV0"),
            "{debug}"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_searched_too() {
        let r = redactor();
        let out = r.redact_bytes(b"\xff\xfe s3cret \xc3");
        assert_eq!(&*out, b"\xff\xfe [redacted] \xc3".as_slice());
    }
}
