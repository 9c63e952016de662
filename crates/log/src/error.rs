//! Why a decision log could not be opened or written: [`LogError`].

use std::path::Path;
use std::sync::Arc;

/// A decision log could not be opened or written.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The directory or a new segment could not be created, or the directory's permissions
    /// could not be tightened.
    #[error("decision log {path}: cannot create: {source}")]
    Open {
        /// The directory.
        path: String,
        /// Why.
        source: Arc<std::io::Error>,
    },
    /// A segment could not be written.
    #[error("decision log {path}: cannot write: {source}")]
    Write {
        /// The segment.
        path: String,
        /// Why.
        source: Arc<std::io::Error>,
    },
    /// A segment could not be synced to disk.
    #[error("decision log {path}: cannot sync: {source}")]
    Sync {
        /// The segment.
        path: String,
        /// Why.
        source: Arc<std::io::Error>,
    },
    /// The log is closed (the service is stopping) or its writer has stopped.
    #[error("decision log: closed")]
    Closed,
}

impl LogError {
    pub(crate) fn open(path: &Path, source: std::io::Error) -> LogError {
        LogError::Open {
            path: path.display().to_string(),
            source: Arc::new(source),
        }
    }

    pub(crate) fn write(path: &Path, source: std::io::Error) -> LogError {
        LogError::Write {
            path: path.display().to_string(),
            source: Arc::new(source),
        }
    }

    pub(crate) fn sync(path: &Path, source: std::io::Error) -> LogError {
        LogError::Sync {
            path: path.display().to_string(),
            source: Arc::new(source),
        }
    }
}
