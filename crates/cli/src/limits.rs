//! Size limits on inputs, and the flags that set them.
//!
//! Every input is read through a cap before it is held in memory, so no file, pipe or device
//! (`/dev/zero`) can make the CLI allocate more than the cap. Defaults:
//!
//! * `--max-input-bytes` (8 MiB): a whole input — a signals payload, a KYC request or result, a
//!   file named in a policy's `tests:`. Real payloads are about 5 KB and KYC requests under 1 KB,
//!   so 8 MiB leaves three orders of magnitude of headroom while costing little memory.
//! * `--max-line-bytes` (1 MiB): one line of `batch` or `kyc --jsonl` (its `\n` / `\r\n` not
//!   counted). A line is one application (payload plus KYC, about 6 KB), so 1 MiB is ~170 times
//!   a real one; with two threads each holding a few lines, memory stays far below 256 MB.
//! * A policy file: at most [`underwrite_core::policy::MAX_POLICY_BYTES`] (the library's limit,
//!   not a flag).
//!
//! The flags have ceilings of their own, refused at argument parsing: `--max-input-bytes` at most
//! [`MAX_INPUT_BYTES_CEILING`] (256 MiB) and `--max-line-bytes` at most [`MAX_LINE_BYTES_CEILING`]
//! (64 MiB). Without them `--max-line-bytes 1000G` would lift the bound on `batch`'s memory: a
//! chunk holds about 16 MiB of lines plus at most one line, and the reading pipeline holds at
//! most two chunks, so at the ceiling it holds about 160 MiB of input however the flags are set.

use std::fmt;
use std::str::FromStr;

use underwrite_core::size::Size;

/// A number of bytes, written `8388608`, `512K`, `8M`, `8MiB` or `1G` (binary multiples).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let number: u64 = digits
            .parse()
            .map_err(|_| format!("`{text}` is not a size (try 8388608, 512K or 8MiB)"))?;
        let shift = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "k" | "kib" => 10,
            "m" | "mib" => 20,
            "g" | "gib" => 30,
            other => return Err(format!("unknown size unit `{other}` (use K, M or G)")),
        };
        number
            .checked_mul(1 << shift)
            .map(ByteSize)
            .ok_or_else(|| format!("`{text}` is too large"))
    }
}

impl fmt::Display for ByteSize {
    /// As every size in a message is written (core's [`Size`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Size(self.0).fmt(f)
    }
}

/// The highest `--max-input-bytes` accepted: 256 MiB.
pub const MAX_INPUT_BYTES_CEILING: ByteSize = ByteSize(256 << 20);
/// The highest `--max-line-bytes` accepted: 64 MiB.
pub const MAX_LINE_BYTES_CEILING: ByteSize = ByteSize(64 << 20);

/// Parse a size for `flag`, refusing one above `ceiling` with a message naming both.
fn at_most(text: &str, flag: &str, ceiling: ByteSize) -> Result<ByteSize, String> {
    let size: ByteSize = text.parse()?;
    if size.0 > ceiling.0 {
        return Err(format!(
            "{size} is more than {ceiling}, the most {flag} may be"
        ));
    }
    Ok(size)
}

/// Clap's parser for `--max-input-bytes`.
fn input_bytes(text: &str) -> Result<ByteSize, String> {
    at_most(text, "--max-input-bytes", MAX_INPUT_BYTES_CEILING)
}

/// Clap's parser for `--max-line-bytes`.
fn line_bytes(text: &str) -> Result<ByteSize, String> {
    at_most(text, "--max-line-bytes", MAX_LINE_BYTES_CEILING)
}

/// The largest whole input accepted: `--max-input-bytes`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct InputLimit {
    /// Largest whole input read (signals payload, KYC file, policy test input), e.g. 8MiB; at
    /// most 256MiB.
    #[arg(
        id = "max_input_bytes",
        long = "max-input-bytes",
        value_name = "BYTES",
        default_value = "8MiB",
        value_parser = input_bytes
    )]
    pub bytes: ByteSize,
}

/// The longest JSON Lines line accepted: `--max-line-bytes`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct LineLimit {
    /// Longest input line (without its newline); a longer line is that line's error, e.g. 1MiB;
    /// at most 64MiB.
    #[arg(
        id = "max_line_bytes",
        long = "max-line-bytes",
        value_name = "BYTES",
        default_value = "1MiB",
        value_parser = line_bytes
    )]
    pub bytes: ByteSize,
}

#[cfg(test)]
mod tests {
    use super::{input_bytes, line_bytes, ByteSize};

    #[test]
    fn sizes_parse_and_print() {
        for (text, bytes) in [
            ("0", 0),
            ("1048576", 1 << 20),
            ("512K", 512 << 10),
            ("8MiB", 8 << 20),
            ("8 m", 8 << 20),
            ("1G", 1 << 30),
        ] {
            assert_eq!(text.parse::<ByteSize>(), Ok(ByteSize(bytes)), "{text}");
        }
        assert!("8MB".parse::<ByteSize>().is_err());
        assert!("-1".parse::<ByteSize>().is_err());
        assert!("99999999999G".parse::<ByteSize>().is_err());
        assert_eq!(ByteSize(8 << 20).to_string(), "8 MiB");
        assert_eq!(ByteSize(1536).to_string(), "1536 bytes");
        assert_eq!(ByteSize(3 << 10).to_string(), "3 KiB");
    }

    #[test]
    fn the_flags_stop_at_their_ceilings() {
        assert_eq!(input_bytes("256MiB"), Ok(ByteSize(256 << 20)));
        assert_eq!(line_bytes("64M"), Ok(ByteSize(64 << 20)));
        let refused = line_bytes("1000G").err().unwrap_or_default();
        assert!(
            refused.contains("64 MiB") && refused.contains("--max-line-bytes"),
            "{refused}"
        );
        let refused = input_bytes("268435457").err().unwrap_or_default();
        assert!(
            refused.contains("256 MiB") && refused.contains("--max-input-bytes"),
            "{refused}"
        );
    }
}
