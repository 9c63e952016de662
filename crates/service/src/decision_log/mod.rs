//! The decision log: append-only JSON Lines, one [`Record`] per decision.
//!
//! PLACEHOLDER WRITER: one write and one fsync per append, under a mutex. To be replaced by the
//! group-commit writer (one fsync for the appends of a short window), rotation and masking.

mod record;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

pub use record::{Record, ShadowDecision, LOG_FORMAT_VERSION};

/// How the decision log is kept.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// The directory of log files.
    pub dir: PathBuf,
    /// How the applicant's phone is masked.
    pub masking: crate::mask::PhoneMasking,
}

/// A decision log could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// A file operation failed.
    #[error("decision log {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// An open decision log.
#[derive(Debug, Clone)]
pub struct DecisionLog {
    file: Arc<Mutex<File>>,
    path: PathBuf,
}

impl DecisionLog {
    /// Open (create) the log in `config.dir`.
    pub fn open(config: &LogConfig) -> Result<DecisionLog, LogError> {
        let io = |source| LogError::Io {
            path: config.dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&config.dir).map_err(io)?;
        let path = config.dir.join("decisions.jsonl");
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        Ok(DecisionLog {
            file: Arc::new(Mutex::new(file)),
            path,
        })
    }

    /// Flush and close (nothing buffered in this writer).
    pub async fn close(&self) {}

    /// Append records; returns once they are durable.
    pub async fn append(&self, records: Vec<Record>) -> Result<(), LogError> {
        let mut bytes = Vec::new();
        for r in &records {
            serde_json::to_writer(&mut bytes, r).map_err(|e| LogError::Io {
                path: self.path.display().to_string(),
                source: e.into(),
            })?;
            bytes.push(b'\n');
        }
        let file = Arc::clone(&self.file);
        let path = self.path.display().to_string();
        tokio::task::spawn_blocking(move || {
            let mut f = file.lock().unwrap_or_else(PoisonError::into_inner);
            f.write_all(&bytes)?;
            f.sync_data()
        })
        .await
        .map_err(|e| LogError::Io {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?
        .map_err(|source| LogError::Io { path, source })
    }
}
