//! `underwrite signals fetch --phone P --consent FILE`: ask the risk-signals provider for an
//! applicant's signals and print its payload, for integrators checking their setup (see
//! `docs/signals.md`).
//!
//! Exit statuses: 0 when the provider completed the request (signals or `NO_DATA`), with the
//! payload on stdout; 1 when the signals are unavailable (the cause on stderr, and the
//! provider's payload on stdout when it sent one); 2 when the request or the configuration is
//! wrong, including a refusal by the provider (HTTP 4xx: bad credentials, a bad request).

pub mod client_args;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use underwrite_signals_client::{
    Consent, Fetch, FetchOutcome, Payload, Phone, SignalsClient, SignalsRequest,
};

use crate::error::{CliError, EXIT_BAD_INPUT, EXIT_FAILED};
use crate::input::{read_input, InputName};
use crate::limits::{ByteSize, InputLimit};
use crate::term;

/// Arguments of `underwrite signals`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: SignalsCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SignalsCommand {
    /// Fetch one applicant's signals and print the provider's payload.
    Fetch(FetchArgs),
}

/// Arguments of `underwrite signals fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// The applicant's mobile number: international (+639171234567), or national with
    /// --signals-country.
    #[arg(long)]
    phone: String,
    /// A JSON file with the consent object (`-` for stdin): consentedAt, and consentTemplateId
    /// or all of type, version and consentedWith.
    #[arg(long, value_name = "FILE")]
    consent: PathBuf,
    /// The signal template id (overrides UNDERWRITE_SIGNALS_TEMPLATE).
    #[arg(long, value_name = "ID")]
    template: Option<String>,
    /// Print the payload's bytes exactly as received, instead of pretty-printed.
    #[arg(long)]
    raw: bool,
    /// The provider client's settings.
    #[command(flatten)]
    client: client_args::ClientArgs,
}

/// Largest consent file read.
const MAX_CONSENT_BYTES: ByteSize = ByteSize(64 << 10);

/// Run `underwrite signals`.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    match args.command {
        SignalsCommand::Fetch(args) => fetch(args),
    }
}

fn fetch(args: FetchArgs) -> Result<ExitCode, CliError> {
    let request = request(&args)?;
    let config = args.client.config()?;
    let client = SignalsClient::new(config)
        .map_err(|e| CliError::with_status(EXIT_BAD_INPUT, e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::with_status(EXIT_BAD_INPUT, format!("cannot start: {e}")))?;
    let fetched = runtime.block_on(client.fetch(&request));
    report(&fetched, args.raw)
}

/// The request, checked before anything is sent.
fn request(args: &FetchArgs) -> Result<SignalsRequest, CliError> {
    let bad = |e: underwrite_signals_client::RequestError| {
        CliError::with_status(EXIT_BAD_INPUT, e.to_string())
    };
    let phone = Phone::parse(&args.phone, args.client.country()?).map_err(bad)?;
    let name = InputName::from_arg(Some(&args.consent));
    let limit = InputLimit {
        bytes: MAX_CONSENT_BYTES,
    };
    let bytes = read_input(&name, limit)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| CliError::bad_input(&name, "the consent file is not UTF-8"))?;
    let consent = Consent::from_json(text).map_err(|e| CliError::bad_input(&name, e))?;
    SignalsRequest::new(phone, consent, args.template.clone()).map_err(bad)
}

/// Print the payload (if any) and a summary; the exit status says how it ended.
fn report(fetched: &Fetch, raw: bool) -> Result<ExitCode, CliError> {
    if let Some(payload) = fetched.outcome.payload() {
        print_payload(payload, raw)?;
    }
    let how = format!(
        "signal request {}, provider requestId {}, {} POST(s), {} poll(s), {} ms",
        fetched.signal_id.as_deref().unwrap_or("-"),
        fetched.request_id.as_deref().unwrap_or("-"),
        fetched.posts,
        fetched.polls,
        fetched.elapsed.as_millis()
    );
    match &fetched.outcome {
        FetchOutcome::Completed(_) | FetchOutcome::NoData(_) => {
            term::eprint_line(&format!("{}: {how}", fetched.outcome.kind()));
            Ok(ExitCode::SUCCESS)
        }
        FetchOutcome::Unavailable { cause, .. } => {
            term::eprint_line(&format!("signals unavailable: {cause} ({how})"));
            Ok(ExitCode::from(EXIT_FAILED))
        }
        FetchOutcome::Rejected(rejected) => Err(CliError::with_status(
            EXIT_BAD_INPUT,
            format!("the provider refused the request: {rejected} ({how})"),
        )),
    }
}

fn print_payload(payload: &Payload, raw: bool) -> Result<(), CliError> {
    if raw {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        return lock
            .write_all(payload.bytes())
            .and_then(|()| lock.write_all(b"\n"))
            .and_then(|()| lock.flush())
            .map_err(|e| CliError::output(&e));
    }
    let value: serde_json::Value = serde_json::from_str(payload.as_str()).map_err(|e| {
        CliError::with_status(EXIT_BAD_INPUT, format!("cannot print the payload: {e}"))
    })?;
    crate::output::print_json(&value)
}
