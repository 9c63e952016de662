//! `underwrite`: the command line for the underwrite credit-decision crates.
//!
//! This is the only crate in the workspace that touches files, standard streams and the
//! terminal. Every subcommand reads its input, calls into the libraries and writes JSON to stdout.
//! Exit status: 0 on success (any decision is a success), 1 when policy tests fail or a batch /
//! JSONL run had failing lines, 2 on bad input (a one-line message on stderr naming the file,
//! line, field or rule).

mod cmd;
mod input;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Credit decisions from risk signals, KYC results and YAML/Rhai policies.
#[derive(Debug, Parser)]
#[command(name = "underwrite", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Normalize a risk-signals payload into the typed feature vector (JSON on stdout).
    Features(cmd::features::Args),
    /// Match a KYC request (submitted vs authority record) and print the result.
    Kyc(cmd::kyc::Args),
    /// Decide on a signals payload with a policy (JSON decision on stdout).
    Decide(cmd::decide::Args),
    /// Load policies and report every problem in each (file:line:column: rule: message).
    Check(cmd::check::Args),
    /// Run the `tests:` of every policy given (default `rules/`).
    Test(cmd::test::Args),
    /// Decide a JSON Lines file of applications in parallel (progress bar on stderr).
    Batch(cmd::batch::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Features(args) => cmd::features::run(args),
        Command::Kyc(args) => cmd::kyc::run(args),
        Command::Decide(args) => cmd::decide::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Test(args) => cmd::test::run(args),
        Command::Batch(args) => cmd::batch::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("underwrite: {err}");
            err.exit_code()
        }
    }
}
