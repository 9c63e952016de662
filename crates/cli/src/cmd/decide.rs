//! `underwrite decide --policy FILE [--kyc FILE] [SIGNALS|-]`: one decision as JSON.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::DecideOptions;

use crate::error::CliError;
use crate::input::{load_policy, read_input, InputName};
use crate::limits::InputLimit;
use crate::output::print_json;

/// Arguments of `underwrite decide`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy YAML file.
    #[arg(long, short)]
    pub policy: PathBuf,
    /// A KYC request (`submitted`/`authority`) or a KYC result in the reference's shape.
    #[arg(long)]
    pub kyc: Option<PathBuf>,
    /// Leave the trace out of the output (faster; same decision).
    #[arg(long)]
    pub no_trace: bool,
    /// The size cap on the signals payload and the KYC file.
    #[command(flatten)]
    pub limit: InputLimit,
    /// The signals payload, or `-` / nothing for stdin.
    pub signals: Option<PathBuf>,
}

/// Read a KYC input file into facts.
fn load_kyc(path: &Path, limit: InputLimit) -> Result<KycFacts, CliError> {
    let name = InputName::File(path.to_path_buf());
    let bytes = read_input(&name, limit)?;
    KycFacts::from_json(&bytes).map_err(|e| CliError::bad_input(&name, e))
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let policy = load_policy(&args.policy)?;
    let kyc = args
        .kyc
        .as_deref()
        .map(|path| load_kyc(path, args.limit))
        .transpose()?;
    let source = InputName::from_arg(args.signals.as_deref());
    let payload = read_input(&source, args.limit)?;
    let options = DecideOptions {
        trace: !args.no_trace,
    };
    let decision = policy
        .decide_payload(&payload, kyc.as_ref(), options)
        .map_err(|e| CliError::bad_input(&source, e))?;
    print_json(&decision)?;
    Ok(ExitCode::SUCCESS)
}
