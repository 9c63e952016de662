//! The random draws every other module makes, over one ChaCha8 stream per line.
//!
//! Only `+ - * /` and comparisons on `f64` are used (IEEE 754 rounds them the same on every
//! platform), never `exp`, `ln` or `powf`, whose last bit depends on the platform's libm: the
//! same (seed, index) gives the same bytes everywhere.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// A line's random source: the seed's ChaCha8 key, the line's index as the stream id.
pub(crate) struct Draw {
    rng: ChaCha8Rng,
}

impl Draw {
    /// The stream of line `index` under `seed`.
    pub(crate) fn new(seed: u64, index: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index);
        Self { rng }
    }

    /// A uniform value in `[0, 1)` with 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        // 2^-53: the spacing of doubles in [0.5, 1).
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.rng.next_u64() >> 11) as f64 * SCALE
    }

    /// `true` with probability `p` (clamped to `[0, 1]`).
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// `true` with probability `ppm` / 1,000,000.
    pub(crate) fn chance_ppm(&mut self, ppm: u32) -> bool {
        self.below(1_000_000) < u64::from(ppm)
    }

    /// A uniform integer in `0..n` (`0` when `n` is 0), by Lemire's multiply-shift (the bias,
    /// at most n / 2^64, is far below anything a test of this data could see).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.rng.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform integer in `lo..=hi` (`lo` when `hi < lo`).
    pub(crate) fn between(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(u64::from(hi - lo) + 1) as u32
    }

    /// One item of a non-empty slice, uniformly (the first of an empty one is never asked for;
    /// `None` then).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }

    /// A geometric count with the given mean (failures before the first success with success
    /// probability `1 / (1 + mean)`), capped at `cap`. Overdispersed like real event counts:
    /// most applicants have few events, a few have many. Cost: about `mean + 1` draws.
    pub(crate) fn geometric(&mut self, mean: f64, cap: u32) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        let p_more = mean / (1.0 + mean);
        let mut n = 0;
        while n < cap && self.chance(p_more) {
            n += 1;
        }
        n
    }

    /// Hex digits from the stream, for request ids.
    pub(crate) fn hex(&mut self, out: &mut String, digits: usize) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bits = 0u64;
        for i in 0..digits {
            if i % 16 == 0 {
                bits = self.rng.next_u64();
            }
            out.push(char::from(HEX[(bits & 0xf) as usize]));
            bits >>= 4;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Draw;

    #[test]
    fn streams_differ_by_index_and_repeat_by_seed() {
        let take = |seed, index| {
            let mut d = Draw::new(seed, index);
            (0..8).map(|_| d.below(1 << 40)).collect::<Vec<_>>()
        };
        assert_eq!(take(7, 3), take(7, 3));
        assert_ne!(take(7, 3), take(7, 4));
        assert_ne!(take(7, 3), take(8, 3));
    }

    #[test]
    fn geometric_has_its_mean_and_cap() {
        let mut d = Draw::new(1, 0);
        let n = 20_000;
        let total: u32 = (0..n).map(|_| d.geometric(2.0, 1000)).sum();
        let mean = f64::from(total) / f64::from(n);
        assert!((1.9..2.1).contains(&mean), "mean {mean}");
        assert!((0..1000).all(|_| d.geometric(50.0, 3) <= 3));
        assert_eq!(d.geometric(0.0, 10), 0);
    }

    #[test]
    fn between_stays_inside_and_reaches_both_ends() {
        let mut d = Draw::new(2, 0);
        let seen: Vec<u32> = (0..2000).map(|_| d.between(3, 6)).collect();
        assert!(seen.iter().all(|v| (3..=6).contains(v)));
        assert!(seen.contains(&3) && seen.contains(&6));
        assert_eq!(d.between(5, 5), 5);
        assert_eq!(d.between(5, 2), 5);
    }
}
