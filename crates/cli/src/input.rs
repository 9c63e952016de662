//! Reading whole inputs (a file path or `-` for stdin), never more than a cap.
//!
//! Every read goes through `Read::take(cap + 1)`: at most one byte past the cap is ever held, so
//! an input that is too large is refused after reading `cap + 1` bytes, whatever its real size
//! (a 3 GB file, `/dev/zero`, an endless pipe).

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use underwrite_core::policy::{Policy, MAX_POLICY_BYTES};

use crate::error::CliError;
use crate::limits::{ByteSize, InputLimit};

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

    /// Open the input for reading.
    pub fn open(&self) -> io::Result<Box<dyn Read>> {
        Ok(match self {
            InputName::Stdin => Box::new(io::stdin().lock()),
            InputName::File(path) => Box::new(File::open(path)?),
        })
    }
}

/// Why a capped read failed.
#[derive(Debug)]
pub enum ReadError {
    /// The input holds more than the cap.
    TooLarge,
    /// The input could not be opened or read.
    Io(io::Error),
}

/// Read all of `reader`, refusing it once it passes `cap` bytes.
pub fn read_capped(reader: impl Read, cap: ByteSize) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(cap.0.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > cap.0 {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// Which cap a read is under; it sets the size and words the refusal.
#[derive(Debug, Clone, Copy)]
enum Cap {
    /// `--max-input-bytes`.
    Input(InputLimit),
    /// [`MAX_POLICY_BYTES`], the library's limit on a policy file.
    Policy,
}

impl Cap {
    fn bytes(self) -> ByteSize {
        match self {
            Cap::Input(limit) => limit.bytes,
            Cap::Policy => ByteSize(MAX_POLICY_BYTES as u64),
        }
    }

    fn too_large(self) -> String {
        match self {
            Cap::Input(limit) => format!(
                "input is larger than {} (--max-input-bytes raises the limit)",
                limit.bytes
            ),
            Cap::Policy => format!(
                "policy file is larger than {}, the most a policy may be",
                self.bytes()
            ),
        }
    }
}

/// The one capped read of a named input: its failure as a message, without the name.
fn read_under(name: &InputName, cap: Cap) -> Result<Vec<u8>, String> {
    let reader = name.open().map_err(|e| format!("cannot read: {e}"))?;
    read_capped(reader, cap.bytes()).map_err(|e| match e {
        ReadError::TooLarge => cap.too_large(),
        ReadError::Io(e) => format!("cannot read: {e}"),
    })
}

/// Read a whole input under `--max-input-bytes`; a refusal names the file, the cap and the flag.
pub fn read_input(name: &InputName, limit: InputLimit) -> Result<Vec<u8>, CliError> {
    read_under(name, Cap::Input(limit)).map_err(|message| CliError::bad_input(name, message))
}

/// Read a policy file, at most [`MAX_POLICY_BYTES`]; the message says it when the file is larger.
pub fn read_policy(path: &Path) -> Result<Vec<u8>, CliError> {
    let name = InputName::File(path.to_path_buf());
    read_under(&name, Cap::Policy).map_err(|message| CliError::bad_input(&name, message))
}

/// Read and load a policy file, turning load errors into one line naming the file.
pub fn load_policy(path: &Path) -> Result<Policy, CliError> {
    let bytes = read_policy(path)?;
    Policy::load(&bytes).map_err(|e| CliError::bad_input(path.display(), e))
}

#[cfg(test)]
mod tests {
    use super::{read_capped, ByteSize, ReadError};
    use std::io::Read;

    #[test]
    fn an_endless_input_is_refused_after_cap_plus_one_bytes() {
        let endless = std::io::repeat(b'x');
        assert!(matches!(
            read_capped(endless, ByteSize(1000)),
            Err(ReadError::TooLarge)
        ));
        let exact = std::io::repeat(b'x').take(1000);
        assert_eq!(
            read_capped(exact, ByteSize(1000)).map(|b| b.len()).ok(),
            Some(1000)
        );
    }
}
