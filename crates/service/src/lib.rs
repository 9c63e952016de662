//! # underwrite-service
//!
//! The decision service: `underwrite serve` runs it, tests start it in-process on a loopback
//! port. It loads a policy (and optionally a challenger), answers decisions over HTTP, keeps a
//! durable decision log, reloads policies safely and reports its health and metrics.
//!
//! # Why it is built this way
//!
//! * **One decision path.** Every route decides through `underwrite_core::application` and
//!   `Policy`, the same code `underwrite decide` and `underwrite batch` run, so a decision and
//!   its messages are the same whichever surface made it.
//! * **A policy goes live only when its own tests pass**, and it goes live atomically: requests
//!   load the live arms once and keep them, so every answer names the sha that made it.
//! * **Acknowledged means logged.** With a decision log, an answer is sent only after its line is
//!   written (and, by default, synced); a decision that cannot be logged is not given.
//! * **Bounded by construction.** Body caps are checked before reading, header and body
//!   timeouts cut slow clients, a concurrency limit queues the rest.
//! * **Errors are problem details** (RFC 9457) carrying the CLI's message for the same input.

mod api;
mod app;
mod applications;
mod auth;
mod batch_budget;
mod batch_lines;
#[cfg(feature = "bench")]
#[doc(hidden)]
pub mod bench;
mod body;
mod config;
mod decide;
mod host;
mod live;
mod metrics;
mod openapi;
mod policy_file;
mod problem;
mod request_schema;
mod routes;
mod server;
mod state;
mod time;
mod tokens;
mod watch;

pub use api::SignalsFetched;
pub use config::{Challenger, ChallengerMode, Config, Limits, SignalsConfig};
pub use live::ReloadError;
pub use policy_file::{load_tested, LoadedPolicy, PolicyFileError};
pub use server::{Reloader, Server, StartError};
pub use tokens::{
    TokenError, TokenPlace, TokenSet, Tokens, ADMIN_TOKENS_ENV, MIN_TOKEN_CHARS, TOKENS_ENV,
};
pub use underwrite_log::{Arm, LogAccess, LogConfig, PhoneMasking};
pub use watch::WatchError;
