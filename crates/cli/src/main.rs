//! `underwrite`: the command line for the underwrite credit-decision crates.
//!
//! This is the only crate in the workspace that touches files, standard streams and the
//! terminal. Every subcommand reads its input through a size cap ([`limits`]), calls into the
//! libraries and writes JSON to stdout. Exit statuses are in [`error`]: 0 on success (any
//! decision is a success, and so is a closed stdout), 1 when policy tests fail or a batch /
//! JSONL run had failing lines, 2 on bad input (a one-line message on stderr naming the file,
//! line, field or rule), 101 on an internal error. Nothing from an input reaches the terminal
//! unescaped ([`term`]), no JSON string on stdout carries a bidi mark or C1 control raw
//! ([`json`]), and no panic message reaches it raw ([`panic`](mod@panic)).

mod cmd;
mod error;
mod input;
mod json;
mod limits;
mod lines;
mod log_lines;
mod output;
mod panic;
mod pipeline;
mod term;

use std::process::ExitCode;

/// mimalloc rather than glibc's allocator: a decision allocates and frees many small objects
/// across threads, and under the service's load glibc's malloc, free and consolidation took
/// about 9% of the server's CPU (perf, docs/service-load.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

use crate::error::{CliError, EXIT_INTERNAL};

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
    /// Print the JSON Schema of the policy file format (for YAML editors).
    Schema(cmd::schema::Args),
    /// Run the decision service (HTTP): decisions, batch, KYC, policy status, health, metrics.
    Serve(cmd::serve::Args),
    /// Decide a decision log again with a policy: its defects, or the swap matrix.
    Replay(cmd::replay::Args),
    /// What a policy does to past applications: mix, score power, strategy table, knock-outs,
    /// reasons, PSI (`--reference`).
    Backtest(cmd::backtest::Args),
    /// Champion against challenger on past applications: swap matrix, swap sets, deltas,
    /// split arms.
    Compare(cmd::compare::Args),
    /// Talk to the risk-signals provider: `signals fetch` prints one applicant's payload.
    Signals(cmd::signals::Args),
    /// Write synthetic applications with outcomes (JSON Lines), deterministic by seed.
    Gen(cmd::gen::Args),
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Features(args) => cmd::features::run(args),
        Command::Kyc(args) => cmd::kyc::run(args),
        Command::Decide(args) => cmd::decide::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Test(args) => cmd::test::run(args),
        Command::Batch(args) => cmd::batch::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Replay(args) => cmd::replay::run(args),
        Command::Signals(args) => cmd::signals::run(args),
        Command::Backtest(args) => cmd::backtest::run(args),
        Command::Compare(args) => cmd::compare::run(args),
        Command::Gen(args) => cmd::gen::run(args),
    }
}

fn main() -> ExitCode {
    panic::install_hook();
    // Events of the long-running `serve` go to stderr; `RUST_LOG` filters them.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match panic::catch(|| run(Cli::parse())) {
        Ok(Ok(code)) => code,
        Ok(Err(CliError::OutputClosed)) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            term::eprint_line(&format!("underwrite: {err}"));
            err.exit_code()
        }
        Err(panicked) => {
            term::eprint_line(&format!(
                "underwrite: internal error; please report it ({panicked})"
            ));
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Clap checks its definitions only when parsing in debug builds; check them all here.
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
