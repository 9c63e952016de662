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
//!   its messages are the same whichever surface made it; a batch line's error is core's
//!   `LineFailure`.
//! * **A policy goes live only when its own tests pass**, and it goes live atomically: requests
//!   load the live arms once and keep them, so every answer names the sha that made it.
//! * **Acknowledged means logged.** With a decision log, an answer is sent only after its line is
//!   written (and, by default, synced); a decision that cannot be logged is not given. A batch's
//!   answer lines go out part by part, each part after its records.
//! * **Bounded by construction.** Body caps are checked before reading, header and body
//!   timeouts cut slow clients, a concurrency limit queues the rest. Batches stream: each holds a
//!   chunk of its lines, never its body, and all of them together at most the batch memory
//!   budget they reserve before reading.
//! * **Errors are problem details** (RFC 9457) carrying the CLI's message for the same input.
//! * **Data flows one way.** No module uses one that uses it back (`tests/module_cycles.rs`
//!   checks, and holds the list below to the order the modules use each other in).
//!
//! # Modules, in data-flow order
//!
//! Each module uses only modules listed before it.
//!
//! * `time` (RFC 3339), `problem` (RFC 9457 bodies, the kinds, the middleware that turns bare
//!   errors into problems), `tokens` (token sets as SHA-256 digests, compared in constant
//!   time), `policy_file` (a policy file read under its cap, loaded and its tests run),
//!   `request_schema` (what the request schemas state), `batch_lines` (a batch body's lines,
//!   cut by core's `LineSplitter` as it arrives, in chunks): the leaves.
//! * `config` — what a service runs with (`Config`, `Limits`, ...).
//! * `api` — the JSON contract types.
//! * `body` — a body's media type, coding and declared length checked, then read under its cap.
//! * `live` — the live arms behind an `ArcSwap`, their routing and their safe reload
//!   (`ReloadError`).
//! * `openapi` — the route table (`OPERATIONS`) and the OpenAPI document built from it.
//! * `batch_budget` — the memory batches in flight may hold, each reserving its share.
//! * `decide` — one application decided by the routed arms: the answer, the log line, the
//!   shadow decision; a refusal is `NotDecided`, not HTTP.
//! * `applications` — `POST /v1/applications` without the HTTP: checks, the basis a fetch gives.
//! * `metrics` — the counters (prometheus-client), resolved once per policy sha.
//! * `state` — `AppState`, what every request can reach.
//! * `auth`, `host` — the middleware: bearer tokens, the `Host` rule.
//! * `routes::query` (the query parameters), `routes::respond` (a refusal as a problem, logging
//!   one decision, answering JSON).
//! * `routes`, `routes::admin`, `routes::applications`, `routes::batch`, `routes::decisions`,
//!   `routes::health`, `routes::kyc`, `routes::policy` — the handlers, one module per resource.
//! * `app` — the router: every route of `OPERATIONS` and the layers around them.
//! * `watch` — reloads when a policy file changes.
//! * `server` — listening, connections, shutdown (`Server`, `Reloader`).
//! * `bench` — entry points for the benches (the `bench` feature).

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
