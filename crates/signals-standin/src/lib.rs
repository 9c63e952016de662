//! A local stand-in for the risk-signals provider (the Smile Signals API), for tests and demos.
//! **It is not the provider**: it serves the repository's sample payloads to anyone holding its
//! fake credentials, on loopback.
//!
//! It answers `POST /v1/{beta,alpha}/signals` and `GET /v1/{beta,alpha}/signals/{id}` the way
//! the provider's reference documents describe (Basic authentication, the `{code, message,
//! requestId, data}` envelope, `items` on beta and `result` on alpha), choosing the payload by
//! the phone number's last digit ([`sample_for`]), and it can be told to misbehave
//! ([`Script`]): answer late, fail the first POSTs, stay `PROCESSING`, complete without
//! signals, send truncated JSON or an HTML page, refuse every credential, lose the answer to
//! a POST it did receive, or quote the credentials it was sent in its messages.
//!
//! # Design choices
//!
//! - **The samples are the repository's.** `testdata/signals/*.json` is compiled in and served
//!   with the envelope renewed per request (id, time, `requestMeta`); the signals and outcome
//!   are the file's, numbers exactly as written. So a test can say which payload it expects.
//! - **Everything is recorded.** [`Standin::requests`] lists every request received, refused
//!   ones included, with its arrival time, so tests can assert "exactly one POST" or the
//!   spacing of retries.
//! - **Lost answers are real.** `drop_first` closes the connection after reading the request,
//!   which is what a client sees when an answer is lost on the way (the accept loop is this
//!   crate's own for that reason; see `server`).
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use underwrite_signals_standin::{Script, Standin};
//! let standin = Standin::start(Script { fail_first: 1, ..Script::default() }).await?;
//! assert!(standin.base_url().starts_with("http://127.0.0.1:"));
//! assert!(standin.base_url().ends_with("/v1"));
//! assert!(standin.requests().is_empty());
//! standin.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod answer;
mod phonebook;
mod provider;
mod request;
mod script;
mod server;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use phonebook::{sample_for, Api};
pub use provider::{credential_forms, leak_forms};
pub use script::Script;

/// One request as the stand-in received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The URI path, e.g. `/v1/beta/signals` (without the query).
    pub path: String,
    /// The `Authorization` header, if sent.
    pub authorization: Option<String>,
    /// The `Content-Type` header, if sent.
    pub content_type: Option<String>,
    /// The body, in full (empty if it could not be read).
    pub body: Vec<u8>,
    /// When its head arrived.
    pub at: Instant,
}

/// A running stand-in. Dropping it stops the server too; [`Standin::shutdown`] also waits
/// until it has stopped.
#[derive(Debug)]
pub struct Standin {
    addr: SocketAddr,
    provider: Arc<provider::Provider>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Standin {
    /// Start on `127.0.0.1`, on a port the system picks.
    ///
    /// Fails with [`std::io::ErrorKind::InvalidInput`] if the script cannot be used (a
    /// `fail_status` that is no HTTP status, a `content_type` or credentials that cannot be sent
    /// in a header).
    pub async fn start(script: Script) -> std::io::Result<Standin> {
        Standin::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), script).await
    }

    /// Start on `addr` (port 0: the system picks). Any address is accepted here; the binary
    /// refuses non-loopback ones unless told otherwise.
    ///
    /// Fails as [`Standin::start`] does, or if `addr` cannot be bound.
    pub async fn start_on(addr: SocketAddr, script: Script) -> std::io::Result<Standin> {
        let provider = provider::Provider::new(script)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let provider = Arc::new(provider);
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server::serve(
            listener,
            server::router(Arc::clone(&provider)),
            stopped,
        ));
        Ok(Standin {
            addr,
            provider,
            stop,
            task,
        })
    }

    /// The base URL to give a client, e.g. `http://127.0.0.1:40123/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The requests received so far, in arrival order, including refused and dropped ones: the
    /// last 10,000 (a bound on memory over a long load run).
    pub fn requests(&self) -> Vec<Recorded> {
        self.provider.journal()
    }

    /// How many POST requests arrived so far (to any path, refused or not).
    pub fn posts(&self) -> usize {
        self.provider.posts_received()
    }

    /// Stop accepting, close every open connection (answers still pending are not sent), and
    /// wait until the server has stopped.
    pub async fn shutdown(self) {
        // An error means the server already stopped.
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
