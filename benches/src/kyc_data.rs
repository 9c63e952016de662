//! Deterministic KYC benchmark data: name pairs and record pairs from a fixed seed, so every run
//! measures the same work.

use underwrite_kyc::{KycRequest, Record};

/// splitmix64: a tiny, good-enough deterministic PRNG (no `rand` dependency).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; returns 0 for `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for benchmark data.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below(items.len());
        &items[i.min(items.len().saturating_sub(1))]
    }
}

/// The fixed seed of every KYC benchmark set.
pub const SEED: u64 = 0x5EED_0000_00C0_FFEE;

/// Given names and surnames of 5–13 characters, as they appear on West/East African, European
/// and Asian ID records (ASCII).
pub const ASCII_NAMES: &[&str] = &[
    "adebayo",
    "chukwuemeka",
    "oluwaseun",
    "ngozi",
    "babatunde",
    "folasade",
    "abimbola",
    "ikechukwu",
    "emmanuel",
    "adewale",
    "funmilayo",
    "olumide",
    "temitope",
    "nnamdi",
    "chiamaka",
    "okonkwo",
    "adeyemi",
    "ogunleye",
    "nwachukwu",
    "balogun",
    "akinwale",
    "onyekachi",
    "wanjiru",
    "kipchoge",
    "muthoni",
    "otieno",
    "achieng",
    "kamau",
    "njoroge",
    "mwangi",
    "kofi",
    "kwame",
    "abena",
    "mensah",
    "asante",
    "boateng",
    "owusu",
    "appiah",
    "osei",
    "johnson",
    "williams",
    "elizabeth",
    "christopher",
    "alexander",
    "margaret",
    "jonathan",
    "katherine",
    "catherine",
    "stephanie",
    "nicholas",
    "anderson",
    "thompson",
    "robinson",
    "mohammed",
    "abdullahi",
    "ibrahim",
    "fatima",
    "aisha",
    "yusuf",
    "suleiman",
    "abubakar",
    "nguyen",
    "tranh",
    "zhang",
    "wang wei",
    "anita",
    "precious",
    "blessing",
    "godfrey",
];

/// Names with letters outside ASCII (5–13 characters).
pub const NON_ASCII_NAMES: &[&str] = &[
    "josé",
    "müller",
    "núñez",
    "françois",
    "gonçalves",
    "straße",
    "łukasz",
    "søren",
    "zoë",
    "björn",
    "jürgen",
    "ramírez",
    "andré",
    "renée",
    "nguyễn",
    "dvořák",
    "ayşe",
    "çelik",
];

/// Letters used for random edits.
const ASCII_EDIT: &[char] = &[
    'a', 'e', 'i', 'o', 'u', 'n', 'r', 's', 't', 'l', 'k', 'm', 'b', 'd', 'h', 'y',
];
const NON_ASCII_EDIT: &[char] = &['é', 'ü', 'ñ', 'ç', 'ø', 'a', 'e', 'o', 's'];

/// Apply `edits` random edits (insert, delete, substitute, swap adjacent) to `name`.
fn mutate(rng: &mut SplitMix64, name: &str, edits: usize, alphabet: &[char]) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    for _ in 0..edits {
        let len = chars.len();
        match rng.below(4) {
            0 => chars.insert(rng.below(len + 1), *rng.pick(alphabet)),
            1 if len > 1 => {
                chars.remove(rng.below(len));
            }
            2 if len > 1 => {
                let i = rng.below(len - 1);
                chars.swap(i, i + 1);
            }
            _ if len > 0 => chars[rng.below(len)] = *rng.pick(alphabet),
            _ => chars.push(*rng.pick(alphabet)),
        }
    }
    chars.into_iter().collect()
}

/// `n` name pairs: names of 5–13 characters, the second with 0–4 random edits. About one in ten
/// pairs uses a non-ASCII name.
#[must_use]
pub fn name_pairs(n: usize) -> Vec<(String, String)> {
    let mut rng = SplitMix64::new(SEED);
    let ascii: Vec<&str> = ASCII_NAMES
        .iter()
        .copied()
        .filter(|s| (5..=13).contains(&s.chars().count()))
        .collect();
    let non_ascii: Vec<&str> = NON_ASCII_NAMES
        .iter()
        .copied()
        .filter(|s| (5..=13).contains(&s.chars().count()))
        .collect();
    (0..n)
        .map(|_| {
            let (name, alphabet) = if rng.below(10) == 0 {
                (*rng.pick(&non_ascii), NON_ASCII_EDIT)
            } else {
                (*rng.pick(&ascii), ASCII_EDIT)
            };
            let edits = rng.below(5);
            (name.to_owned(), mutate(&mut rng, name, edits, alphabet))
        })
        .collect()
}

/// Owned strings of one record pair, so that requests can borrow them.
#[derive(Debug, Clone)]
pub struct RecordPair {
    fields: [[String; 7]; 2],
}

impl RecordPair {
    /// The request borrowing this pair's strings.
    #[must_use]
    pub fn request(&self) -> KycRequest<'_> {
        fn rec(f: &[String; 7]) -> Record<'_> {
            Record {
                first_name: Some(f[0].as_str().into()),
                middle_name: (!f[1].is_empty()).then(|| f[1].as_str().into()),
                last_name: Some(f[2].as_str().into()),
                dob: Some(f[3].as_str().into()),
                gender: Some(f[4].as_str().into()),
                phone_number: Some(f[5].as_str().into()),
                country: Some(f[6].as_str().into()),
            }
        }
        KycRequest {
            submitted: rec(&self.fields[0]),
            authority: Some(rec(&self.fields[1])),
            issuer_unavailable: false,
        }
    }

    /// The request as one JSON line.
    #[must_use]
    pub fn json_line(&self) -> String {
        serde_json::to_string(&self.request()).unwrap_or_default()
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `n` realistic record pairs: the submitted record as typed (capitalized), the authority's in
/// upper case as registries print it, with a mix of exact, near, transposed and different names,
/// dates off by one, and the same phone number in another format.
#[must_use]
pub fn record_pairs(n: usize, non_ascii: bool) -> Vec<RecordPair> {
    let mut rng = SplitMix64::new(SEED ^ u64::from(non_ascii));
    let (pool, alphabet) = if non_ascii {
        (NON_ASCII_NAMES, NON_ASCII_EDIT)
    } else {
        (ASCII_NAMES, ASCII_EDIT)
    };
    (0..n)
        .map(|_| {
            let first = *rng.pick(pool);
            let middle = if rng.below(2) == 0 {
                *rng.pick(pool)
            } else {
                ""
            };
            let last = *rng.pick(pool);
            let (y, m, d) = (1950 + rng.below(55), 1 + rng.below(12), 1 + rng.below(28));
            let dob = format!("{y:04}-{m:02}-{d:02}");
            let gender = if rng.below(2) == 0 { "M" } else { "F" };
            let phone = format!("080{:08}", rng.below(100_000_000));
            let (mut af, mut al) = (first.to_owned(), last.to_owned());
            let mut adob = dob.clone();
            match rng.below(10) {
                0..=4 => {}
                5 | 6 => {
                    let edits = 1 + rng.below(2);
                    af = mutate(&mut rng, first, edits, alphabet);
                }
                7 => std::mem::swap(&mut af, &mut al),
                8 => adob = format!("{y:04}-{m:02}-{:02}", d + 1),
                _ => al = (*rng.pick(pool)).to_owned(),
            }
            let spaced = format!("{} {} {}", &phone[..4], &phone[4..7], &phone[7..]);
            RecordPair {
                fields: [
                    [
                        capitalize(first),
                        capitalize(middle),
                        capitalize(last),
                        dob,
                        gender.to_owned(),
                        phone,
                        "NG".to_owned(),
                    ],
                    [
                        af.to_uppercase(),
                        middle.to_uppercase(),
                        al.to_uppercase(),
                        adob,
                        if gender == "M" { "Male" } else { "Female" }.to_owned(),
                        spaced,
                        "NG".to_owned(),
                    ],
                ],
            }
        })
        .collect()
}
