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
//! ASCII pairs are compared as bytes; anything else as `char`s collected into stack buffers (32
//! symbols each) only where a kernel needs random access (k > 3), falling back to the heap for
//! longer strings.

/// Stack capacity (in `char`s) for the non-ASCII path before it falls back to the heap.
const STACK_CHARS: usize = 32;

/// Levenshtein distance between `a` and `b` counted in Unicode scalar values, if it is at most
/// `k`; `None` if it is larger.
///
/// Returns exactly what the textbook dynamic-programming distance returns whenever that is
/// `<= k`.
///
/// Cost: linear in the lengths for `k <= 3` or when the shorter side (after the common prefix
/// and suffix) has at most 64 symbols; otherwise a band of `2k + 1` cells per symbol of the
/// shorter side. `k` is not limited here (a large `k` computes the full distance, quadratically);
/// the matcher limits it to [`crate::MAX_DISTANCE_LIMIT`].
///
/// ```
/// use underwrite_kyc::levenshtein::bounded;
/// assert_eq!(bounded("kitten", "sitting", 3), Some(3));
/// assert_eq!(bounded("kitten", "sitting", 2), None);
/// assert_eq!(bounded("straße", "strasse", 2), Some(2));
/// ```
#[must_use]
pub fn bounded(a: &str, b: &str, k: usize) -> Option<usize> {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    if ab.len() <= 16 && bb.len() <= 16 {
        let (la, lb) = (load16(ab), load16(bb));
        // Both ASCII iff no byte has its high bit set.
        if (la | lb) & HIGH_BITS == 0 {
            return bounded_packed(la, ab.len(), lb, bb.len(), k);
        }
    } else if ab.is_ascii() && bb.is_ascii() {
        return bounded_slices(ab, bb, k);
    }
    bounded_unicode(a, b, k)
}

/// [`bounded`] when at least one side is not ASCII: kept out of line so that the ASCII
/// register path stays small.
#[inline(never)]
fn bounded_unicode(a: &str, b: &str, k: usize) -> Option<usize> {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return Some(0);
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
    // The character counts bound the answer from below: stop when they differ by more than k.
    let (an, bn) = (a.chars().count(), b.chars().count());
    if an.abs_diff(bn) > k {
        return None;
    }
    if an == 0 || bn == 0 {
        return Some(an.max(bn));
    }
    if k <= 3 {
        // The edit-script enumeration only walks forward: run it on the `char` iterators
        // directly, without decoding into a buffer.
        return if an <= bn {
            mbleven(a.chars(), an, b.chars(), bn, k)
        } else {
            mbleven(b.chars(), bn, a.chars(), an, k)
        };
    }
    let mut abuf = CharBuf::new();
    let mut bbuf = CharBuf::new();
    bounded_slices(abuf.fill(a, an), bbuf.fill(b, bn), k)
}

/// [`bounded`] for two ASCII strings of at most 16 bytes each (`an`, `bn`), packed little-endian
/// and zero-padded, as [`crate::normalize::NameKey::Packed`] holds them.
#[inline]
pub(crate) fn bounded_packed(a: u128, an: usize, b: u128, bn: usize, k: usize) -> Option<usize> {
    if an <= bn {
        bounded_ascii16(a, an, b, bn, k)
    } else {
        bounded_ascii16(b, bn, a, an, k)
    }
}

/// The high bit of every byte of a 128-bit word.
const HIGH_BITS: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;

/// The low `len` bytes of a 128-bit word.
#[inline]
pub(crate) fn low_bytes(len: usize) -> u128 {
    if len >= 16 {
        u128::MAX
    } else {
        (1u128 << (8 * len)) - 1
    }
}

/// The ASCII path for names up to 16 bytes (nearly all), in registers: the short side `sa`
/// (`n` bytes, packed) against `long` (`m` bytes, packed as `lb`). The common prefix and suffix come from
/// the trailing / leading zero bytes of XORs; for `k <= 2` the few edit scripts that can remain
/// are then checked as masked word comparisons (no loop at all); larger `k` runs a bit-parallel
/// kernel whose match masks are SWAR byte comparisons.
#[inline(always)]
fn bounded_ascii16(sa: u128, n: usize, lb: u128, m: usize, k: usize) -> Option<usize> {
    let diff = m - n;
    if diff > k {
        return None;
    }
    let x = sa ^ lb;
    if n == 0 || x == 0 {
        // Empty short side, or (zero padding being equal too) the short side is a prefix of
        // the long one: only insertions.
        return Some(diff);
    }
    // Shifts below are by at most 8 * 15 bits: `wrapping_*` is the plain shift, never a panic.
    let prefix = (x.trailing_zeros() as usize / 8).min(n);
    // Align the two ends (the short side moved up by `diff` bytes, so both end at byte m - 1)
    // and count equal bytes from the top: the leading zero bytes above byte m - 1 are 16 - m.
    let ends = sa.wrapping_shl(8 * diff as u32) ^ lb;
    let suffix = (ends.leading_zeros() as usize / 8 + m)
        .saturating_sub(16)
        .min(n - prefix);
    let np = n - prefix - suffix;
    if np == 0 {
        return Some(diff);
    }
    // Here the remainders differ in their first and in their last byte, so every edit script
    // of cost <= 2 starts at the first byte and ends at the last. The comparisons below mask
    // to at most the remainders' lengths, so `p` and `t` need no masks of their own.
    let p = sa.wrapping_shr(8 * prefix as u32);
    let t = lb.wrapping_shr(8 * prefix as u32);
    let same = |x: u128, y: u128, mask: u128| (x ^ y) & mask == 0;
    match (k, diff) {
        (0, _) => None,
        (_, 0) if np == 1 => Some(1),
        (1, _) => None,
        // Two substitutions; or delete the first, insert the last; or the other way round.
        (2, 0) => {
            let m1 = low_bytes(np - 1);
            (same(p >> 8, t >> 8, m1 >> 8) || same(p, t >> 8, m1) || same(p >> 8, t, m1))
                .then_some(2)
        }
        // Skip the long side's first byte and substitute the last, or the other way round.
        (2, 1) => {
            let m1 = low_bytes(np - 1);
            (same(p, t >> 8, m1) || same(p >> 8, t >> 8, m1)).then_some(2)
        }
        // Skip the long side's first and last bytes.
        (2, _) => same(p, t >> 8, low_bytes(np)).then_some(2),
        _ => ascii16_myers(p, np, lb, prefix..m - suffix, k),
    }
}

/// The `k > 2` arm of [`bounded_ascii16`], out of line: the remainder `p` (`np` bytes) of the
/// short side against bytes `range` of the long side `lb`.
#[inline(never)]
fn ascii16_myers(
    p: u128,
    np: usize,
    lb: u128,
    range: std::ops::Range<usize>,
    k: usize,
) -> Option<usize> {
    let long = lb.to_le_bytes();
    let text = long.get(range).unwrap_or(&[]);
    // Pad the pattern with 0xFF, which no ASCII byte equals.
    let pattern = (p & low_bytes(np)) | u128::MAX.checked_shl(8 * np as u32).unwrap_or(0);
    if np <= 8 {
        myers_swar::<false>(pattern, np, text, k)
    } else {
        myers_swar::<true>(pattern, np, text, k)
    }
}

/// `s` (at most 16 bytes) as a little-endian word, `s[0]` the lowest byte, zero-padded: two
/// overlapping loads instead of a byte loop.
#[inline]
pub(crate) fn load16(s: &[u8]) -> u128 {
    let len = s.len();
    let read8 = |at: usize| -> u128 {
        s.get(at..at + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, |b| u128::from(u64::from_le_bytes(b)))
    };
    let read4 = |at: usize| -> u128 {
        s.get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, |b| u128::from(u32::from_le_bytes(b)))
    };
    if len >= 8 {
        read8(0) | (read8(len - 8) << (8 * (len - 8)))
    } else if len >= 4 {
        read4(0) | (read4(len - 4) << (8 * (len - 4)))
    } else {
        s.iter()
            .enumerate()
            .fold(0u128, |acc, (i, &c)| acc | (u128::from(c) << (8 * i)))
    }
}

/// Bit mask (bit i = byte i) of the bytes of `w` equal to `c`, exact for any byte values.
#[inline]
fn swar_eq(w: u64, c: u8) -> u64 {
    const LO7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HI: u64 = 0x8080_8080_8080_8080;
    let x = w ^ (0x0101_0101_0101_0101u64.wrapping_mul(u64::from(c)));
    // High bit of each byte set iff that byte of x is non-zero.
    let nonzero = ((x & LO7).wrapping_add(LO7)) | x;
    let zero = !nonzero & HI;
    // Gather the eight high bits into the top byte (distinct positions: no carries).
    (zero >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Hyyrö's bit-parallel distance between a packed ASCII `pattern` of `n` (1..=16) bytes and
/// `text`; `WIDE` when the pattern needs its second 64-bit half. Stops as soon as the distance
/// cannot come back under `k`.
#[inline]
fn myers_swar<const WIDE: bool>(pattern: u128, n: usize, text: &[u8], k: usize) -> Option<usize> {
    let w0 = pattern as u64;
    let w1 = (pattern >> 64) as u64;
    let last = 1u64 << (n - 1);
    let (mut pv, mut mv, mut score) = (!0u64, 0u64, n);
    let m = text.len();
    for (j, &c) in text.iter().enumerate() {
        let mut eq = swar_eq(w0, c);
        if WIDE {
            eq |= swar_eq(w1, c) << 8;
        }
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let ph = mv | !(xh | pv);
        let mh = pv & xh;
        score = score + usize::from(ph & last != 0) - usize::from(mh & last != 0);
        let ph = (ph << 1) | 1;
        let mh = mh << 1;
        pv = mh | !(xv | ph);
        mv = ph & xv;
        if score > k + (m - j - 1) {
            return None;
        }
    }
    (score <= k).then_some(score)
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
        mbleven(a.iter().copied(), a.len(), b.iter().copied(), b.len(), k)
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

/// Exact distance if `<= k` (k in 0..=3) between `short` and `long` (`short_len <= long_len`
/// symbols, both non-empty), `None` if larger. Works on forward iterators: every script is one
/// simultaneous scan of both sequences.
fn mbleven<T, I>(short: I, short_len: usize, long: I, long_len: usize, k: usize) -> Option<usize>
where
    T: Eq + Copy,
    I: Iterator<Item = T> + Clone,
{
    let diff = long_len - short_len;
    if k == 0 {
        // Only called on differing inputs.
        return None;
    }
    let row = MBLEVEN.get(k * (k + 1) / 2 + diff - 1)?;
    let mut best = k + 1;
    for &script in row {
        if script == 0 {
            break;
        }
        let mut ops = script;
        let (mut l, mut s) = (long.clone(), short.clone());
        let (mut x, mut y) = (l.next(), s.next());
        let (mut i, mut j, mut cost) = (0usize, 0usize, 0usize);
        while let (Some(cx), Some(cy)) = (x, y) {
            if cx == cy {
                x = l.next();
                y = s.next();
                i += 1;
                j += 1;
                continue;
            }
            cost += 1;
            if ops == 0 {
                break;
            }
            if ops & 1 != 0 {
                x = l.next();
                i += 1;
            }
            if ops & 2 != 0 {
                y = s.next();
                j += 1;
            }
            ops >>= 2;
        }
        cost += (long_len - i.min(long_len)) + (short_len - j.min(short_len));
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
