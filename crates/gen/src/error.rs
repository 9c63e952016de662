//! Errors of the generator's configuration.

/// A configuration the generator refuses.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    /// A malformed share outside 0 to 1 (or not a number).
    #[error("malformed share: {share} is not a share from 0 to 1")]
    MalformedShare {
        /// The share given.
        share: f64,
    },
}
