//! JSON Lines input (applications of `underwrite batch` or of `POST /v1/decisions/batch`,
//! requests of `kyc --jsonl`, lines of history, rows of an Arrow batch), line by line: how it
//! is cut into lines, and why a line produced no result. Both are written once for every
//! surface.
//!
//! * `splitter`: [`LineSplitter`] cuts bytes, pushed in pieces of any size, into
//!   [`InputLine`]s: where a line ends, its number, blank lines, the line cap. The CLI feeds it
//!   from a reader, the service from a request body's frames.
//! * `failure`: [`LineFailure`], why one line produced no result (too long, not UTF-8, not
//!   JSON, refused, internal), and its one message. A surface builds the line's failure and
//!   writes `failure.to_string()` as that line's error; the run goes on. The texts are pinned
//!   by one table (that module's tests), and each surface's tests compare what it writes with
//!   them.
//!
//! `failure` uses nothing else here; `splitter` uses `failure`.

mod failure;
mod splitter;

pub use failure::{line_text, LineFailure, LineFailureKind};
pub use splitter::{InputLine, LineSplitter};
