//! `signals-standin`: run the fake risk-signals provider on loopback until SIGINT or SIGTERM.
//!
//! Prints exactly one line, `listening <base_url>`, once it accepts connections, so a script
//! can read the URL from it. See `docs/signals-standin.md`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use underwrite_signals_standin::{Script, Standin};

/// A local stand-in for the risk-signals provider (Smile Signals API), for tests and demos.
/// It is NOT the provider: it serves sample payloads to anyone with its fake credentials.
#[derive(Debug, Parser)]
#[command(name = "signals-standin", version)]
struct Args {
    /// Address to listen on; port 0 lets the system pick.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// Allow listening on an address that is not loopback.
    #[arg(long)]
    allow_non_loopback: bool,
    /// API key accepted [default: standin-key].
    #[arg(long, env = "UNDERWRITE_SIGNALS_KEY")]
    key: Option<String>,
    /// API secret accepted [default: standin-secret].
    #[arg(long, env = "UNDERWRITE_SIGNALS_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Delay every answer by this many milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    delay_ms: u64,
    /// Fail the first N POSTs with --fail-status.
    #[arg(long, default_value_t = 0, value_name = "N")]
    fail_first: u32,
    /// HTTP status of the failed POSTs.
    #[arg(long, default_value_t = 503, value_name = "STATUS")]
    fail_status: u16,
    /// Send `Retry-After: SECONDS` with the failed POSTs.
    #[arg(long, value_name = "SECONDS")]
    retry_after: Option<u32>,
    /// The first N answers about each new signal request say PROCESSING.
    #[arg(long, default_value_t = 0, value_name = "N")]
    processing_first: u32,
    /// Complete every signal request with this resultCode and no signals (e.g. SYSTEM_ERROR).
    #[arg(long, value_name = "CODE")]
    result_code: Option<String>,
    /// Send truncated JSON in successful answers.
    #[arg(long)]
    malformed: bool,
    /// Send an HTML page with this content type in successful answers (a misconfigured proxy).
    #[arg(long, value_name = "TYPE")]
    content_type: Option<String>,
    /// Refuse every request with 401.
    #[arg(long)]
    reject_auth: bool,
    /// Read the first N POSTs, then close their connection without answering.
    #[arg(long, default_value_t = 0, value_name = "N")]
    drop_first: u32,
    /// Quote the credentials (raw, Basic, base64, percent-encoded) in every message: a hostile
    /// provider, for checking that a client never shows them.
    #[arg(long)]
    echo_credentials: bool,
}

impl Args {
    /// The script these flags describe.
    fn script(self) -> Script {
        let defaults = Script::default();
        Script {
            key: self.key.unwrap_or(defaults.key),
            secret: self.secret.unwrap_or(defaults.secret),
            delay: Duration::from_millis(self.delay_ms),
            fail_first: self.fail_first,
            fail_status: self.fail_status,
            retry_after: self.retry_after,
            processing_first: self.processing_first,
            result_code: self.result_code,
            malformed: self.malformed,
            content_type: self.content_type,
            reject_auth: self.reject_auth,
            drop_first: self.drop_first,
            echo_credentials: self.echo_credentials,
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.listen.ip().is_loopback() && !args.allow_non_loopback {
        eprintln!(
            "signals-standin: refusing to listen on {}, which is not loopback: this is a fake \
             provider with fake credentials (pass --allow-non-loopback if you mean it)",
            args.listen
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("signals-standin: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("signals-standin: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Serve until SIGINT or SIGTERM.
async fn run(args: Args) -> std::io::Result<()> {
    let listen = args.listen;
    let standin = Standin::start_on(listen, args.script())
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot start on {listen}: {e}")))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening {}", standin.base_url())?;
        out.flush()?;
    }
    stop_signal().await?;
    standin.shutdown().await;
    Ok(())
}

/// Wait for SIGINT or SIGTERM (Ctrl-C elsewhere).
#[cfg(unix)]
async fn stop_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

/// Wait for Ctrl-C.
#[cfg(not(unix))]
async fn stop_signal() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
