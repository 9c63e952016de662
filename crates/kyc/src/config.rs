//! Matching parameters: the edit-distance threshold, its length scaling and the aggregation.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::KycError;

/// How the per-field outcomes combine into the overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Any "No Match" field → 1022 (the reference's matching rules). The default.
    #[default]
    Strict,
    /// 1022 only when no compared field matches at all (the reference's result-code table:
    /// "None of the user submitted details partially/exactly match").
    Lenient,
}

/// The largest [`MatchConfig::max_distance`] that [`match_request`] accepts (see
/// [`MatchConfig::validate`]).
///
/// Why 8:
///
/// - **Meaning.** The contract's threshold is 2. A threshold at or above the length of a name
///   makes every pair of such names a Partial Match (any name of up to 8 characters is within 8
///   edits of any other), so larger values no longer tell names apart. 8 leaves room to
///   experiment well beyond the contract and [`MatchConfig::length_scaled`], and no further.
/// - **Cost.** Past the table-free paths (`k <= 3`, or a shorter side of at most 64 characters,
///   which are linear in the name length whatever `k`), the edit distance is a diagonal-band DP
///   of `2k + 1` cells per character of the shorter name. At 8 that is 17 cells per character:
///   linear in the name length with a small constant, for any name length (the library has no
///   name length limit). An unbounded `k` made it quadratic: `--max-distance 200000` on long
///   names ran for more than 20 seconds.
///
/// [`match_request`]: crate::match_request
pub const MAX_DISTANCE_LIMIT: usize = 8;

/// Matching parameters.
///
/// [`match_request`] refuses a configuration that [`MatchConfig::validate`] refuses, before it
/// reads the records.
///
/// [`match_request`]: crate::match_request
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchConfig {
    /// Largest Levenshtein distance for a Partial Match of a name component (default 2, at most
    /// [`MAX_DISTANCE_LIMIT`]).
    pub max_distance: usize,
    /// Scale the threshold down for short names: `min(max_distance, shorter_length / 3)`, so
    /// names of 1–2 characters must be equal, 3–5 may differ by one, 6 and more by two. Off by
    /// default (the contract's flat threshold lets "Li" partially match "Wu").
    pub length_scaled: bool,
    /// Overall aggregation (default [`Aggregation::Strict`]).
    pub aggregation: Aggregation,
}

impl Default for MatchConfig {
    fn default() -> Self {
        Self {
            max_distance: 2,
            length_scaled: false,
            aggregation: Aggregation::Strict,
        }
    }
}

impl MatchConfig {
    /// Check the configuration: `max_distance` must be at most [`MAX_DISTANCE_LIMIT`]. A larger
    /// value is refused, never clamped, so that a result never reports a threshold other than the
    /// one asked for.
    ///
    /// ```
    /// use underwrite_kyc::{KycError, MatchConfig, MAX_DISTANCE_LIMIT};
    /// assert_eq!(MatchConfig::default().validate(), Ok(()));
    /// let wide = MatchConfig { max_distance: 200_000, ..MatchConfig::default() };
    /// assert_eq!(
    ///     wide.validate(),
    ///     Err(KycError::MaxDistanceTooLarge { max_distance: 200_000, limit: MAX_DISTANCE_LIMIT })
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), KycError> {
        if self.max_distance > MAX_DISTANCE_LIMIT {
            return Err(KycError::MaxDistanceTooLarge {
                max_distance: self.max_distance,
                limit: MAX_DISTANCE_LIMIT,
            });
        }
        Ok(())
    }

    /// The distance threshold for a pair whose shorter side has `shorter_len` characters.
    #[must_use]
    pub fn threshold_for(&self, shorter_len: usize) -> usize {
        if self.length_scaled {
            self.max_distance.min(shorter_len / 3)
        } else {
            self.max_distance
        }
    }
}
