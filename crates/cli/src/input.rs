//! Reading inputs (a file path or `-` for stdin) and the CLI's error type.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit status for bad input, as the CLI contract requires.
pub const EXIT_BAD_INPUT: u8 = 2;

/// A failure that ends the command: printed as one line on stderr.
#[derive(Debug)]
pub struct CliError {
    message: String,
    status: u8,
}

impl CliError {
    /// Bad input (exit status 2). `source` names the file (or `<stdin>`).
    pub fn bad_input(source: &InputName, message: impl fmt::Display) -> Self {
        Self {
            message: format!("{source}: {message}"),
            status: EXIT_BAD_INPUT,
        }
    }

    /// An error with an explicit exit status and message.
    pub fn with_status(status: u8, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.status)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, always: a multi-line library message is folded.
        let one_line = self.message.replace('\n', " ");
        f.write_str(&one_line)
    }
}

/// Where an input came from, for error messages.
#[derive(Debug, Clone)]
pub enum InputName {
    /// Standard input (`-` or no argument).
    Stdin,
    /// A file path.
    File(PathBuf),
}

impl fmt::Display for InputName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputName::Stdin => f.write_str("<stdin>"),
            InputName::File(path) => write!(f, "{}", path.display()),
        }
    }
}

impl InputName {
    /// `None` or `-` means stdin; anything else is a path.
    pub fn from_arg(arg: Option<&Path>) -> Self {
        match arg {
            None => InputName::Stdin,
            Some(p) if p.as_os_str() == "-" => InputName::Stdin,
            Some(p) => InputName::File(p.to_path_buf()),
        }
    }
}

/// Read the whole input into memory.
pub fn read_all(name: &InputName) -> Result<Vec<u8>, CliError> {
    match name {
        InputName::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .map_err(|e| CliError::bad_input(name, format!("cannot read: {e}")))?;
            Ok(buf)
        }
        InputName::File(path) => {
            std::fs::read(path).map_err(|e| CliError::bad_input(name, format!("cannot read: {e}")))
        }
    }
}

/// Write `value` as pretty JSON plus a newline to stdout in one write.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    use std::io::Write;
    let mut text = serde_json::to_vec_pretty(value)
        .map_err(|e| CliError::with_status(EXIT_BAD_INPUT, format!("cannot encode output: {e}")))?;
    text.push(b'\n');
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(&text)
        .and_then(|_| lock.flush())
        .map_err(|e| CliError::with_status(EXIT_BAD_INPUT, format!("cannot write output: {e}")))
}
