//! `underwrite decide --policy FILE [--kyc FILE] [SIGNALS|-]`: one decision as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::{DecideOptions, Policy};

use crate::input::{print_json, read_all, CliError, InputName};

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
    /// The signals payload, or `-` / nothing for stdin.
    pub signals: Option<PathBuf>,
}

/// Load a policy file, turning load errors into one line naming the file.
pub fn load_policy(path: &std::path::Path) -> Result<Policy, CliError> {
    let name = InputName::File(path.to_path_buf());
    let bytes = read_all(&name)?;
    Policy::load(&bytes).map_err(|e| CliError::bad_input(&name, e))
}

/// Read a KYC input file into facts.
pub fn load_kyc(path: &std::path::Path) -> Result<KycFacts, CliError> {
    let name = InputName::File(path.to_path_buf());
    let bytes = read_all(&name)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| CliError::bad_input(&name, format!("not UTF-8: {e}")))?;
    KycFacts::from_json(text).map_err(|e| CliError::bad_input(&name, e))
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let policy = load_policy(&args.policy)?;
    let kyc = args.kyc.as_deref().map(load_kyc).transpose()?;
    let source = InputName::from_arg(args.signals.as_deref());
    let payload = read_all(&source)?;
    let options = DecideOptions {
        trace: !args.no_trace,
    };
    let decision = policy
        .decide_payload(&payload, kyc.as_ref(), options)
        .map_err(|e| CliError::bad_input(&source, e))?;
    print_json(&decision)?;
    Ok(ExitCode::SUCCESS)
}
