//! Bounded Levenshtein distance over Unicode scalar values.
//!
//! [`bounded`] answers "is the edit distance at most `k`, and if so what is it?" which is all the
//! matching rules need, and is much cheaper than the full distance:
//!
//! 1. equal strings return 0, and a length difference above `k` returns `None` at once;
//! 2. common prefixes and suffixes are stripped (on UTF-8 bytes, backed off to a character
//!    boundary, so non-ASCII input is only decoded where the strings differ);
//! 3. for `k <= 3` the remainder is decided by enumerating the few edit scripts that can explain
//!    it (the mbleven idea), which is a handful of linear scans with no table at all;
//! 4. for larger `k`, a bit-parallel Myers/Hyyrö kernel on one 64-bit word when the shorter side
//!    has at most 64 symbols, and a diagonal band (Ukkonen) DP beyond that.
//!
//! ASCII pairs are compared as bytes; anything else as `char`s collected into stack buffers (64
//! symbols each), falling back to the heap only for longer strings.

/// Stack capacity (in `char`s) for the non-ASCII path before it falls back to the heap.
const STACK_CHARS: usize = 64;

/// Levenshtein distance between `a` and `b` counted in Unicode scalar values, if it is at most
/// `k`; `None` if it is larger.
///
/// Returns exactly what the textbook dynamic-programming distance returns whenever that is
/// `<= k`.
///
/// ```
/// use underwrite_kyc::levenshtein::bounded;
/// assert_eq!(bounded("kitten", "sitting", 3), Some(3));
/// assert_eq!(bounded("kitten", "sitting", 2), None);
/// assert_eq!(bounded("straße", "strasse", 2), Some(2));
/// ```
#[must_use]
pub fn bounded(a: &str, b: &str, k: usize) -> Option<usize> {
    if a.len() == b.len() && a == b {
        return Some(0);
    }
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    if ab.is_ascii() && bb.is_ascii() {
        return bounded_slices(ab, bb, k);
    }
    // Strip the common affix on bytes first: identical byte runs end on identical character
    // boundaries, so only the differing middle has to be decoded.
    let prefix = common_prefix(ab, bb);
    let prefix = floor_char_boundary(a, prefix);
    let (a, b) = (a.get(prefix..).unwrap_or(""), b.get(prefix..).unwrap_or(""));
    let suffix = common_suffix(a.as_bytes(), b.as_bytes());
    let a_end = ceil_char_boundary(a, a.len() - suffix);
    let b_end = b.len() - (a.len() - a_end);
    let (a, b) = (a.get(..a_end).unwrap_or(""), b.get(..b_end).unwrap_or(""));
    let mut abuf = CharBuf::new();
    let mut bbuf = CharBuf::new();
    // The character counts bound the answer from below: skip decoding when they differ by > k.
    let (an, bn) = (a.chars().count(), b.chars().count());
    if an.abs_diff(bn) > k {
        return None;
    }
    bounded_slices(abuf.fill(a, an), bbuf.fill(b, bn), k)
}

/// [`bounded`] on any slices of comparable symbols (bytes, `char`s, tokens).
#[must_use]
pub fn bounded_slices<T: Eq + Copy>(a: &[T], b: &[T], k: usize) -> Option<usize> {
    // Make `a` the shorter side.
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if b.len() - a.len() > k {
        return None;
    }
    let p = common_prefix(a, b);
    let (a, b) = (a.get(p..).unwrap_or(&[]), b.get(p..).unwrap_or(&[]));
    let s = common_suffix(a, b);
    let (a, b) = (
        a.get(..a.len() - s).unwrap_or(&[]),
        b.get(..b.len() - s).unwrap_or(&[]),
    );
    if a.is_empty() {
        // Only insertions remain; the length check above already bounded them by k.
        return Some(b.len());
    }
    // Never more than the longer length: keeps the kernels' arithmetic small.
    let k = k.min(b.len());
    if k <= 3 {
        mbleven(a, b, k)
    } else if a.len() <= 64 {
        myers64(a, b, k)
    } else {
        banded(a, b, k)
    }
}

/// Length of the common prefix.
fn common_prefix<T: Eq>(a: &[T], b: &[T]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Length of the common suffix.
fn common_suffix<T: Eq>(a: &[T], b: &[T]) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Largest character boundary of `s` at or below `i`.
fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Smallest character boundary of `s` at or above `i`.
fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// A `char` buffer on the stack for up to [`STACK_CHARS`] symbols, on the heap beyond.
struct CharBuf {
    stack: [char; STACK_CHARS],
    heap: Vec<char>,
}

impl CharBuf {
    fn new() -> Self {
        Self {
            stack: ['\0'; STACK_CHARS],
            heap: Vec::new(),
        }
    }

    /// Decode `s` (which has `n` chars) and return the symbols.
    fn fill(&mut self, s: &str, n: usize) -> &[char] {
        if n <= STACK_CHARS {
            for (slot, c) in self.stack.iter_mut().zip(s.chars()) {
                *slot = c;
            }
            self.stack.get(..n).unwrap_or(&[])
        } else {
            self.heap.extend(s.chars());
            &self.heap
        }
    }
}

/// Edit scripts (2 bits per operation: 1 = skip a symbol of the longer side, 2 = skip a symbol
/// of the shorter side, 3 = substitute) that can explain a distance of at most `k` for a given
/// length difference. Row index: `k * (k + 1) / 2 + len_diff - 1`. Scripts are maximal; their
/// prefixes are covered because a scan stops counting when the strings run out.
const MBLEVEN: [[u8; 7]; 9] = [
    // k = 1
    [0x03, 0, 0, 0, 0, 0, 0], // diff 0: S
    [0x01, 0, 0, 0, 0, 0, 0], // diff 1: D
    // k = 2
    [0x0F, 0x09, 0x06, 0, 0, 0, 0], // diff 0: SS, DI, ID
    [0x0D, 0x07, 0, 0, 0, 0, 0],    // diff 1: DS, SD
    [0x05, 0, 0, 0, 0, 0, 0],       // diff 2: DD
    // k = 3
    [0x3F, 0x27, 0x2D, 0x39, 0x36, 0x1E, 0x1B], // diff 0
    [0x3D, 0x37, 0x1F, 0x25, 0x19, 0x16, 0],    // diff 1
    [0x35, 0x1D, 0x17, 0, 0, 0, 0],             // diff 2
    [0x15, 0, 0, 0, 0, 0, 0],                   // diff 3
];

/// Exact distance if `<= k` (k in 1..=3) for `short`/`long` with common affixes stripped.
fn mbleven<T: Eq + Copy>(short: &[T], long: &[T], k: usize) -> Option<usize> {
    let diff = long.len() - short.len();
    if k == 0 {
        return None; // the strings differ (affixes are stripped and `short` is not empty)
    }
    let row = MBLEVEN.get(k * (k + 1) / 2 + diff - 1)?;
    let mut best = k + 1;
    for &script in row {
        if script == 0 {
            break;
        }
        let mut ops = script;
        let (mut i, mut j, mut cost) = (0usize, 0usize, 0usize);
        while let (Some(x), Some(y)) = (long.get(i), short.get(j)) {
            if x == y {
                i += 1;
                j += 1;
                continue;
            }
            cost += 1;
            if ops == 0 {
                break;
            }
            if ops & 1 != 0 {
                i += 1;
            }
            if ops & 2 != 0 {
                j += 1;
            }
            ops >>= 2;
        }
        cost += (long.len() - i.min(long.len())) + (short.len() - j.min(short.len()));
        best = best.min(cost);
    }
    (best <= k).then_some(best)
}

/// Hyyrö's bit-parallel Levenshtein (one 64-bit word) with the shorter side (`pattern`, at most
/// 64 symbols) in the bit vector; stops as soon as the distance cannot come back under `k`.
fn myers64<T: Eq + Copy>(pattern: &[T], text: &[T], k: usize) -> Option<usize> {
    let n = pattern.len();
    // Pattern-match masks for the distinct symbols of the pattern, on the stack.
    let mut symbols: [Option<(T, u64)>; 64] = [None; 64];
    let mut distinct = 0usize;
    for (i, &c) in pattern.iter().enumerate() {
        let bit = 1u64 << i;
        match symbols
            .iter_mut()
            .take(distinct)
            .flatten()
            .find(|(s, _)| *s == c)
        {
            Some((_, mask)) => *mask |= bit,
            None => {
                if let Some(slot) = symbols.get_mut(distinct) {
                    *slot = Some((c, bit));
                    distinct += 1;
                }
            }
        }
    }
    let peq = |c: T| -> u64 {
        symbols
            .iter()
            .take(distinct)
            .flatten()
            .find(|(s, _)| *s == c)
            .map_or(0, |&(_, m)| m)
    };
    let last = 1u64 << (n - 1);
    let mut pv = !0u64;
    let mut mv = 0u64;
    let mut score = n;
    let m = text.len();
    for (j, &c) in text.iter().enumerate() {
        let eq = peq(c);
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let mut ph = mv | !(xh | pv);
        let mut mh = pv & xh;
        if ph & last != 0 {
            score += 1;
        } else if mh & last != 0 {
            score -= 1;
        }
        ph = (ph << 1) | 1;
        mh <<= 1;
        pv = mh | !(xv | ph);
        mv = ph & xv;
        // The score can drop by at most one per remaining text symbol.
        let remaining = m - j - 1;
        if score > k + remaining {
            return None;
        }
    }
    (score <= k).then_some(score)
}

/// Dynamic programming restricted to the diagonal band `|i - j| <= k` (Ukkonen), for long
/// strings with a large bound. Cells outside the band are treated as `k + 1`.
fn banded<T: Eq + Copy>(short: &[T], long: &[T], k: usize) -> Option<usize> {
    let cap = k + 1;
    let m = long.len();
    // prev[j] = D[i-1][j]; start with row 0: D[0][j] = j.
    let mut prev: Vec<usize> = (0..=m).map(|j| j.min(cap)).collect();
    let mut cur: Vec<usize> = vec![cap; m + 1];
    for (i, &x) in short.iter().enumerate() {
        let i = i + 1;
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(m);
        let mut row_min = cap;
        if let Some(c0) = cur.get_mut(0) {
            *c0 = i.min(cap);
            if lo == 1 {
                row_min = row_min.min(*c0);
            }
        }
        if lo > 1 {
            if let Some(c) = cur.get_mut(lo - 1) {
                *c = cap;
            }
        }
        for j in lo..=hi {
            let y = long.get(j - 1).copied();
            let sub = prev.get(j - 1).copied().unwrap_or(cap) + usize::from(Some(x) != y);
            let del = prev.get(j).copied().unwrap_or(cap) + 1;
            let ins = cur.get(j - 1).copied().unwrap_or(cap) + 1;
            let v = sub.min(del).min(ins).min(cap);
            if let Some(c) = cur.get_mut(j) {
                *c = v;
            }
            row_min = row_min.min(v);
        }
        if let Some(c) = cur.get_mut(hi + 1) {
            *c = cap;
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev.get(m).copied().unwrap_or(cap);
    (d <= k).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_examples() {
        assert_eq!(bounded("kitten", "sitting", 3), Some(3));
        assert_eq!(bounded("kitten", "sitting", 2), None);
        assert_eq!(bounded("", "", 0), Some(0));
        assert_eq!(bounded("", "ab", 2), Some(2));
        assert_eq!(bounded("", "abc", 2), None);
        assert_eq!(bounded("joe", "jeo", 2), Some(2));
        assert_eq!(bounded("li", "wu", 2), Some(2));
    }

    #[test]
    fn counts_scalar_values_not_bytes() {
        // One substitution of a two-byte character by a one-byte one.
        assert_eq!(bounded("josé", "jose", 1), Some(1));
        assert_eq!(bounded("müller", "muller", 1), Some(1));
        // Common prefix ends inside a multi-byte character: é (c3 a9) vs è (c3 a8).
        assert_eq!(bounded("é", "è", 1), Some(1));
        assert_eq!(bounded("aé", "aè", 0), None);
        assert_eq!(bounded("日本語", "日本", 1), Some(1));
    }

    #[test]
    fn large_bounds_use_myers_and_band() {
        assert_eq!(bounded("abcdefgh", "hgfedcba", 10), Some(8));
        let a = "a".repeat(100) + "xyz" + &"b".repeat(100);
        let b = "a".repeat(100) + "pq" + &"b".repeat(99);
        assert_eq!(bounded(&a, &b, 8), Some(4));
        let long_a: String = (0..90).map(|i| char::from(b'a' + (i % 7) as u8)).collect();
        let long_b: String = (0..90).map(|i| char::from(b'a' + (i % 5) as u8)).collect();
        assert_eq!(
            bounded_slices(long_a.as_bytes(), long_b.as_bytes(), 4),
            None
        );
    }
}
