//! `underwrite serve --policy P [--listen 127.0.0.1:8080] [--decision-log DIR] ...`: the decision
//! service (see `docs/service.md`). Logs go to stderr; SIGTERM or Ctrl-C drains requests in
//! flight and stops; SIGHUP reloads the policies.

mod arms_args;
mod auth_args;
mod log_args;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use underwrite_service::{Config, Server, SignalsConfig};

use crate::error::{CliError, EXIT_BAD_INPUT};
use crate::limits::{ByteSize, LineLimit};

/// Arguments of `underwrite serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The (champion) policy YAML file. It must load and pass its own tests.
    #[arg(long, short)]
    pub policy: PathBuf,
    /// Address to listen on. TLS is the reverse proxy's job.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The decision log.
    #[command(flatten)]
    pub log: log_args::LogArgs,
    /// Bearer tokens.
    #[command(flatten)]
    pub auth: auth_args::AuthArgs,
    /// Challenger and reloads.
    #[command(flatten)]
    pub arms: arms_args::ArmsArgs,
    /// Largest body of a single decision or KYC request.
    #[arg(long, value_name = "BYTES", default_value = "1MiB")]
    pub max_body_bytes: ByteSize,
    /// Largest body of a batch request (read as it arrives: this bounds its length, not the
    /// memory it takes).
    #[arg(long, value_name = "BYTES", default_value = "64MiB")]
    pub max_batch_bytes: ByteSize,
    /// The longest line of a batch body.
    #[command(flatten)]
    pub line: LineLimit,
    /// Memory all batches in flight may hold at once: each reserves 4 x (1 MiB +
    /// --max-line-bytes) + 2 MiB of it before its body is read, and waits for room.
    #[arg(long, value_name = "BYTES", default_value = "64MiB")]
    pub batch_memory: ByteSize,
    /// Requests handled at once; more wait.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub concurrency: usize,
    /// Seconds allowed to receive a request's headers (and between chunks of its body).
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub header_timeout: u64,
    /// Seconds allowed for a whole request.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub request_timeout: u64,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// The signals provider for `POST /v1/applications`, on when UNDERWRITE_SIGNALS_KEY and
    /// UNDERWRITE_SIGNALS_SECRET are set.
    #[command(flatten)]
    pub signals: crate::cmd::signals::client_args::ClientArgs,
    /// Applications waiting on the signals provider at once; one more is refused with 503, so a
    /// slow provider cannot take every request slot.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub signals_max_in_flight: usize,
}

impl Args {
    fn config(&self) -> Result<Config, CliError> {
        let mut config = Config::new(&self.policy, self.listen);
        self.log.apply(&mut config)?;
        self.auth.apply(&mut config)?;
        self.arms.apply(&mut config)?;
        let as_usize = |size: ByteSize, flag: &str| {
            usize::try_from(size.0)
                .map_err(|_| CliError::with_status(EXIT_BAD_INPUT, format!("{flag} is too large")))
        };
        config.limits.max_body_bytes = as_usize(self.max_body_bytes, "--max-body-bytes")?;
        config.limits.max_batch_bytes = as_usize(self.max_batch_bytes, "--max-batch-bytes")?;
        config.limits.max_line_bytes = as_usize(self.line.bytes, "--max-line-bytes")?;
        config.limits.batch_memory_bytes = as_usize(self.batch_memory, "--batch-memory")?;
        config.limits.concurrency = self.concurrency.max(1);
        config.limits.header_timeout = Duration::from_secs(self.header_timeout.max(1));
        config.limits.request_timeout = Duration::from_secs(self.request_timeout.max(1));
        if self.signals.requested() {
            let client = self.signals.config()?;
            if client.deadlines.total >= config.limits.request_timeout {
                return Err(CliError::with_status(
                    EXIT_BAD_INPUT,
                    "--signals-deadline-ms must be shorter than --request-timeout, so that an \
                     application is decided on the fallback before its request times out",
                ));
            }
            let mut signals = SignalsConfig::new(client);
            signals.default_country = self.signals.country()?;
            signals.max_in_flight = self.signals_max_in_flight.max(1);
            config.signals = Some(signals);
        }
        Ok(config)
    }
}

/// Run the service until SIGTERM or Ctrl-C.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let config = args.config()?;
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(n) = args.threads {
        runtime.worker_threads(n.max(1));
    }
    let runtime = runtime
        .build()
        .map_err(|e| CliError::with_status(EXIT_BAD_INPUT, format!("cannot start: {e}")))?;
    runtime.block_on(serve(config))
}

async fn serve(config: Config) -> Result<ExitCode, CliError> {
    // Before loading the policies: until a handler is installed, SIGHUP would kill the process.
    let signals = signals::Signals::install();
    let server = Server::start(config)
        .await
        .map_err(|e| CliError::with_status(EXIT_BAD_INPUT, e.to_string()))?;
    tracing::info!(addr = %server.local_addr(), "listening");
    let stopper = server.stopper();
    let reloader = server.reloader();
    tokio::spawn(async move {
        signals::run(signals, reloader, stopper).await;
    });
    server.wait().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

mod signals {
    //! SIGTERM / SIGINT begin a drain; SIGHUP reloads.

    use tokio::signal::unix::{signal, Signal, SignalKind};
    use tokio::sync::watch;
    use underwrite_service::Reloader;

    /// SIGTERM, SIGINT and SIGHUP, caught from the moment they are installed.
    pub struct Signals {
        term: Signal,
        int: Signal,
        hup: Signal,
    }

    impl Signals {
        pub fn install() -> std::io::Result<Signals> {
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
    }

    pub async fn run(
        signals: std::io::Result<Signals>,
        reloader: Reloader,
        stopper: watch::Sender<bool>,
    ) {
        let Ok(Signals {
            mut term,
            mut int,
            mut hup,
        }) = signals
        else {
            tracing::warn!("cannot install signal handlers");
            return;
        };
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = int.recv() => break,
                _ = hup.recv() => {
                    // The outcome is logged and counted by the service.
                    let _ = reloader.reload().await;
                }
            }
        }
        tracing::info!("draining");
        let _ = stopper.send(true);
    }
}
