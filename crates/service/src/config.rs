//! What a service is started with: policies, arms, limits, the decision log, the tokens and
//! the signals provider.
//!
//! The CLI's `underwrite serve` builds a [`Config`] from its flags and the environment; tests
//! build one directly. Nothing here reads files: paths are read when the service starts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use underwrite_core::split::Split;
use underwrite_log::LogConfig;
use underwrite_signals_client::{ClientConfig, Country};

use crate::tokens::Tokens;

/// Everything a service runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (port 0 picks a free one; [`crate::Server::local_addr`] says which).
    pub listen: SocketAddr,
    /// The champion policy file.
    pub policy: PathBuf,
    /// A challenger policy file and how it takes part.
    pub challenger: Option<Challenger>,
    /// Reload a policy when its file changes (besides SIGHUP and `POST /v1/admin/reload`).
    pub watch: bool,
    /// The decision log; `None` keeps no log.
    pub decision_log: Option<LogConfig>,
    /// Bearer tokens; `None` leaves the decision routes open.
    pub tokens: Option<Tokens>,
    /// Request limits and timeouts.
    pub limits: Limits,
    /// The signals provider `POST /v1/applications` fetches from; `None` answers that route
    /// with 501.
    pub signals: Option<SignalsConfig>,
}

/// The signals provider's client settings, for `POST /v1/applications`.
#[derive(Debug, Clone)]
pub struct SignalsConfig {
    /// The client's configuration (base URL, credentials, deadlines, retries).
    pub client: ClientConfig,
    /// The country of a phone number given without its country code, when the request names
    /// none.
    pub default_country: Option<Country>,
    /// Applications waiting on the provider at once; one more is refused with 503 at once, so
    /// a slow provider holds at most this many of the service's request slots and
    /// `POST /v1/decisions` goes on.
    pub max_in_flight: usize,
}

impl SignalsConfig {
    /// `client` with the defaults: no default country, 256 applications in flight.
    pub fn new(client: ClientConfig) -> SignalsConfig {
        SignalsConfig {
            client,
            default_country: None,
            max_in_flight: 256,
        }
    }
}

impl Config {
    /// A configuration for `policy` on `listen` with the defaults: no challenger, no watch, no
    /// log, no tokens, [`Limits::default`].
    pub fn new(policy: impl Into<PathBuf>, listen: SocketAddr) -> Config {
        Config {
            listen,
            policy: policy.into(),
            challenger: None,
            watch: false,
            decision_log: None,
            tokens: None,
            limits: Limits::default(),
            signals: None,
        }
    }
}

/// A challenger policy and its mode.
#[derive(Debug, Clone)]
pub struct Challenger {
    /// The challenger's policy file.
    pub policy: PathBuf,
    /// How the challenger takes part.
    pub mode: ChallengerMode,
}

/// How a challenger takes part in live traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengerMode {
    /// Every request is decided by both; the champion answers, the challenger's outcome goes to
    /// the log and the metrics.
    Shadow,
    /// Each application goes to one arm by the split's salted hash of its id (the rule
    /// `underwrite compare --split` applies, [`underwrite_core::split`]); an application without
    /// an id is routed by the hex SHA-256 of its input. The arm it meets answers.
    Split(Split),
}

/// Bounds on what one request may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body of `POST /v1/decisions` and `POST /v1/kyc`, in bytes.
    pub max_body_bytes: usize,
    /// Largest body of `POST /v1/decisions/batch`, in bytes. A batch is read as it arrives, so
    /// this bounds a batch's length, not the memory it takes (that is `batch_memory_bytes`).
    pub max_batch_bytes: usize,
    /// Largest line of a batch body, in bytes (a longer line is that line's error).
    pub max_line_bytes: usize,
    /// Memory all batches in flight may hold at once, in bytes: each reserves its share (about
    /// 4 × (1 MiB + `max_line_bytes`) + 2 MiB) before its body is read, and waits for room.
    pub batch_memory_bytes: usize,
    /// Time allowed to receive a request's headers.
    pub header_timeout: Duration,
    /// Time allowed for a whole request, body included, from its headers to its answer.
    pub request_timeout: Duration,
    /// Requests handled at once; more wait for a slot.
    pub concurrency: usize,
    /// Time SIGTERM gives requests in flight before the process stops anyway.
    pub drain_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 1 << 20,
            max_batch_bytes: 64 << 20,
            max_line_bytes: 1 << 20,
            batch_memory_bytes: 64 << 20,
            header_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            concurrency: 1024,
            drain_timeout: Duration::from_secs(30),
        }
    }
}
