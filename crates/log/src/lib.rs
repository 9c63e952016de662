//! # underwrite-log
//!
//! The decision log: append-only JSON Lines, one record per decision, in segment files. The
//! service writes it ([`DecisionLog`], [`Lines`]); `underwrite replay` reads it back
//! ([`read`]) and decides every record again ([`replay`]). See `docs/decision-log.md` for the
//! line format and the guarantees.
//!
//! # Why it is built this way
//!
//! * **A record is one line, built from a parse, never from the client's bytes.** The signals
//!   payload is read by a strict JSON parser and written back compactly, numbers as their
//!   text, line separators escaped (`payload`); every other value goes through serde_json. So a
//!   pretty-printed payload is still one line, and nothing a client sends can appear to a
//!   reader as a record of its own.
//! * **Masking fails closed**, in the same pass: the phone in `requestMeta` is removed or
//!   hashed, and what the masker cannot read (a `requestMeta` that is not an object, ...) is not
//!   written at all.
//! * **Lines are encoded where the decision is made**, on the request's thread; the one writer
//!   thread only gathers bytes, writes and syncs (group commit), so its cost per decision is a
//!   copy.
//! * **Private by default.** Segments are created `0600` in a `0700` directory ([`LogAccess`]).
//! * **Reading is bounded whatever a log holds:** a line cap, bad lines counted with only the
//!   first kept, defects counted with only the first kept. Lines can be read as text into the
//!   caller's buffer ([`read::LogReader::read_line`]) and parsed elsewhere ([`read::parse_line`]),
//!   so a caller bounds and parallelizes its chunks as it does for any other lines: `underwrite
//!   replay` runs the CLI's one reading pipeline, the one `batch` and `compare` run.
//! * **No HTTP here.** This crate depends on `underwrite-core` and `underwrite-kyc` only, so
//!   `underwrite replay` reads and re-decides logs without linking the service.
//!
//! Modules, in data-flow order (each uses only those before it): `record` (the line format's
//! types) → `mask` (the modes, the keyed hash) → `payload` (compact + mask in one pass:
//! `payload::scan` checks and copies the JSON, `payload` walks the levels where the phone can
//! be) → `json` (the line formatter) → `line` (record parts into [`Lines`]) → `access` (file
//! and directory modes) → `segment` (names, creation, listing) → `config`, `error`, `stats`
//! ([`LogConfig`], [`LogError`], [`LogStats`]) → `writer` (the group-commit thread) → `handle`
//! ([`DecisionLog`]) → [`read`] (segments back into lines and
//! records, bad lines) → [`replay`] (records decided again, defects).

mod access;
mod config;
mod error;
mod handle;
mod json;
mod line;
mod mask;
mod payload;
pub mod read;
mod record;
pub mod replay;
mod segment;
mod stats;
mod writer;

pub use access::{LogAccess, ModeChange};
pub use config::{LogConfig, SyncPolicy, DEFAULT_GROUP_WINDOW, DEFAULT_MAX_FILE_BYTES};
pub use error::LogError;
pub use handle::DecisionLog;
pub use line::{EncodeError, Lines, RecordParts, Timestamp};
pub use mask::{PhoneMasking, HASH_PREFIX};
pub use payload::{PayloadError, PayloadErrorKind};
pub use record::{
    Arm, CauseKind, FetchOutcomeKind, Record, ShadowDecision, SignalsFetched, LOG_FORMAT_VERSION,
};
pub use segment::{is_segment_name, list as list_segments};
pub use stats::LogStats;
