//! Listening, connections, and shutdown.
//!
//! Connections are served by hyper's HTTP/1 connection builder directly (not `axum::serve`) for
//! one reason: a client that trickles its headers must be cut off, and only the connection
//! builder's `header_read_timeout` does that. What each timeout does (`tests/edges.rs` holds
//! them to it):
//!
//! * **header timeout** (hyper): runs from when hyper starts waiting for a request's head until
//!   the head is complete; on expiry the connection is closed without an answer. It also runs
//!   while a kept-alive connection waits for its next request, so it is the idle timeout too.
//! * **body timeout** (tower-http's `RequestBodyTimeoutLayer`, the same duration): the longest
//!   wait for the *next* piece of a body, reset by every piece: a stalled body gets a 408.
//! * **request timeout** (`TimeoutLayer`): from the complete head to the answer, so a body
//!   trickled just fast enough to dodge the body timeout still gets a 408 in the end.
//!
//! A request whose body is refused or cut before it was read to its end costs the client its
//! connection: hyper answers and closes rather than read on to find the next request.
//!
//! Shutdown stops accepting (the listener is closed, so new connections are refused), marks the
//! service draining (`/readyz` 503), lets requests in flight finish (up to the drain timeout),
//! and then closes the decision log.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use underwrite_core::size::Size;
use underwrite_log::{DecisionLog, LogError};

use crate::app::router;
use crate::batch_budget::BatchBudget;
use crate::config::Config;
use crate::live::{Live, ReloadError, ReloadOutcome};
use crate::metrics::Metrics;
use crate::policy_file::PolicyFileError;
use crate::state::{openapi_body, AppState};

/// Why a service did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A policy file was refused.
    #[error(transparent)]
    Policy(#[from] PolicyFileError),
    /// The decision log could not be opened.
    #[error(transparent)]
    Log(#[from] LogError),
    /// A policy file's directory could not be watched (`watch` is set).
    #[error(transparent)]
    Watch(#[from] crate::watch::WatchError),
    /// The signals provider's client settings cannot work.
    #[error("signals provider: {0}")]
    Signals(#[from] underwrite_signals_client::ConfigError),
    /// Loading the policies stopped on a bug (its thread panicked): the panic's detail.
    #[error("internal error while loading the policies (a bug; please report it): {0}")]
    Internal(String),
    /// The batch memory budget cannot hold one batch's share
    /// ([`Limits::batch_share_bytes`](crate::Limits::batch_share_bytes)).
    #[error(
        "--batch-memory {budget} is less than one batch's share, {share} (4 x (1 MiB + \
         --max-line-bytes) + 2 MiB): give at least {share}, or a smaller --max-line-bytes"
    )]
    BatchMemory {
        /// The budget given.
        budget: Size,
        /// One batch's share.
        share: Size,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Reloads a running service's policies: the files are loaded and tested again, and replace the
/// live ones only if all of that passes.
#[derive(Debug, Clone)]
pub struct Reloader(Arc<AppState>);

impl Reloader {
    /// Reload; the new champion's sha256, or why the files were refused (the old ones stay).
    pub async fn reload(&self) -> Result<String, ReloadError> {
        match self.0.reload().await {
            ReloadOutcome::Replaced(arms) => Ok(arms.champion.id().hash.clone()),
            ReloadOutcome::Refused(e) => Err(e),
        }
    }
}

/// A running service.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Server {
    /// Load the policies, open the log, bind, and start serving.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        let share = config.limits.batch_share_bytes();
        if config.limits.batch_memory_bytes < share {
            return Err(StartError::BatchMemory {
                budget: Size(config.limits.batch_memory_bytes as u64),
                share: Size(share as u64),
            });
        }
        let live_config = config.clone();
        let live = tokio::task::spawn_blocking(move || Live::start(&live_config))
            .await
            .map_err(|e| StartError::Internal(e.to_string()))??;
        let log = config
            .decision_log
            .as_ref()
            .map(DecisionLog::open)
            .transpose()?;
        if let Some(change) = log.as_ref().and_then(DecisionLog::tightened) {
            tracing::warn!(
                dir = %log.as_ref().map(|l| l.dir().display().to_string()).unwrap_or_default(),
                from = format_args!("{:o}", change.from),
                to = format_args!("{:o}", change.to),
                "the decision log's directory was readable by others: its permissions are tightened"
            );
        }
        let masking = config
            .decision_log
            .as_ref()
            .map(|l| l.masking.clone())
            .unwrap_or_default();
        let signals = config
            .signals
            .as_ref()
            .map(crate::applications::Signals::new)
            .transpose()?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Listen {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
        let state = Arc::new(AppState {
            live: Arc::new(live),
            log,
            masking,
            metrics: Metrics::new(),
            limits: config.limits,
            batch_budget: BatchBudget::new(&config.limits),
            tokens: config.tokens.clone(),
            draining: AtomicBool::new(false),
            signals,
            openapi: openapi_body(config.tokens.as_ref()),
        });
        tracing::info!(
            batches = state.batch_budget.batches(),
            share_bytes = state.batch_budget.share_bytes(),
            "batches in flight at once, each reserving its share of --batch-memory"
        );
        let (stop, stopped) = watch::channel(false);
        if config.watch {
            crate::watch::spawn(Arc::clone(&state), stop.subscribe())?;
        }
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&state), stopped));
        Ok(Server {
            addr,
            state,
            stop,
            task,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that reloads the policies (for signals and file watchers).
    pub fn reloader(&self) -> Reloader {
        Reloader(Arc::clone(&self.state))
    }

    /// A handle that begins shutdown when told.
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.stop.clone()
    }

    /// Begin shutdown and wait until requests in flight are answered (or the drain timeout
    /// passes) and the log is closed.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.wait().await;
    }

    /// Wait until the service has stopped (after [`Server::stopper`] was told).
    pub async fn wait(self) {
        let _ = self.task.await;
        if let Some(log) = &self.state.log {
            if let Err(e) = log.close().await {
                tracing::error!(error = %e, "decision log: the final sync failed");
            }
            let s = log.stats();
            tracing::info!(
                records = s.records,
                appends = s.appends,
                groups = s.groups,
                syncs = s.syncs,
                bytes = s.bytes,
                segments = s.segments,
                failures = s.failures,
                "decision log closed"
            );
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<AppState>,
    mut stopped: watch::Receiver<bool>,
) {
    let app = router(Arc::clone(&state));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(state.limits.header_timeout)
        .keep_alive(true);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of descriptors and the like: wait a little rather than spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(app.clone());
                let connection = http.serve_connection(TokioIo::new(stream), service);
                let watched = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = watched.await;
                });
            }
            () = stop_requested(&mut stopped) => break,
        }
    }
    drop(listener);
    state.draining.store(true, Ordering::Release);
    // After the listener is closed: from this line on, new connections are refused.
    tracing::info!("stopped accepting; answering the requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(state.limits.drain_timeout) => {
            tracing::warn!("drain timeout passed with requests in flight");
        }
    }
}

/// Resolves once shutdown is asked for (or the handle is gone).
async fn stop_requested(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await.map(|_| ());
}
