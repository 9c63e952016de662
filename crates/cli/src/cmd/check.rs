//! `underwrite check POLICY...`: load every policy and report every problem in each.

use std::path::PathBuf;
use std::process::ExitCode;

use underwrite_core::policy::Policy;

use crate::error::{CliError, EXIT_BAD_INPUT};
use crate::input::read_policy;
use crate::output::print_line;
use crate::term::eprint_line;

/// Arguments of `underwrite check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files to check.
    #[arg(required = true)]
    pub policies: Vec<PathBuf>,
}

/// Run the subcommand: `ok` lines on stdout, one line per problem on stderr
/// (`file:line:column: rule: message`), exit 2 if any policy has a problem. File names, rule ids
/// and messages are escaped for the terminal.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let mut bad = 0usize;
    for path in &args.policies {
        let loaded = read_policy(path).map(|bytes| Policy::load(&bytes));
        match loaded {
            Err(e) => {
                bad += 1;
                eprint_line(&format!("underwrite: {e}"));
            }
            Ok(Ok(policy)) => {
                let id = policy.id();
                print_line(&format!(
                    "ok: {} ({} {}, {} tests, sha256 {})",
                    path.display(),
                    id.name,
                    id.version,
                    policy.tests().len(),
                    id.hash
                ))?;
            }
            Ok(Err(err)) => {
                bad += 1;
                for d in &err.diagnostics {
                    let place = match (d.line, d.column) {
                        (Some(l), Some(c)) => format!("{}:{l}:{c}", path.display()),
                        (Some(l), None) => format!("{}:{l}", path.display()),
                        _ => path.display().to_string(),
                    };
                    let rule = d
                        .rule
                        .as_deref()
                        .map(|r| format!(" `{r}`:"))
                        .unwrap_or_default();
                    eprint_line(&format!("{place}:{rule} {}", d.message));
                }
            }
        }
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BAD_INPUT)
    })
}
