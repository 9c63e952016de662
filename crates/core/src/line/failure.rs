//! [`LineFailure`]: why one line produced no result, its kind and its one message; and
//! [`line_text`], the UTF-8 check that names the first bad byte.

use std::fmt;

use crate::application::ApplicationError;
use crate::policy::DecideError;
use crate::size::Size;

/// Why one line produced no result. Each is that line's error; the run goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineFailure {
    /// Longer than the line cap. Lengths never count the line's `\n` or `\r\n`.
    TooLong {
        /// The line's length in bytes.
        bytes: u64,
        /// The cap, in bytes.
        cap: u64,
    },
    /// Not valid UTF-8.
    NotUtf8 {
        /// 1-based byte column of the first invalid byte.
        column: usize,
    },
    /// Not the JSON the surface reads (a syntax error, an array where an object belongs, an
    /// unknown key, a bad `id`): the reader's message.
    NotJson(String),
    /// Read, but the library refused it (a decide or match error): the library's message.
    Refused(String),
    /// A panic inside the libraries while working on this line (a bug, caught): its detail.
    Internal(String),
}

/// The kind of a [`LineFailure`], for counting (metrics, reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LineFailureKind {
    /// [`LineFailure::TooLong`].
    TooLong,
    /// [`LineFailure::NotUtf8`].
    NotUtf8,
    /// [`LineFailure::NotJson`].
    NotJson,
    /// [`LineFailure::Refused`].
    Refused,
    /// [`LineFailure::Internal`].
    Internal,
}

impl LineFailureKind {
    /// The kind's snake_case name (`too_long`, `not_utf8`, `not_json`, `refused`, `internal`).
    pub fn as_str(self) -> &'static str {
        match self {
            LineFailureKind::TooLong => "too_long",
            LineFailureKind::NotUtf8 => "not_utf8",
            LineFailureKind::NotJson => "not_json",
            LineFailureKind::Refused => "refused",
            LineFailureKind::Internal => "internal",
        }
    }
}

impl LineFailure {
    /// The failure's kind.
    pub fn kind(&self) -> LineFailureKind {
        match self {
            LineFailure::TooLong { .. } => LineFailureKind::TooLong,
            LineFailure::NotUtf8 { .. } => LineFailureKind::NotUtf8,
            LineFailure::NotJson(_) => LineFailureKind::NotJson,
            LineFailure::Refused(_) => LineFailureKind::Refused,
            LineFailure::Internal(_) => LineFailureKind::Internal,
        }
    }
}

impl From<ApplicationError> for LineFailure {
    /// A line that is not an application.
    fn from(e: ApplicationError) -> Self {
        LineFailure::NotJson(e.to_string())
    }
}

impl From<DecideError> for LineFailure {
    /// An application the policy could not decide.
    fn from(e: DecideError) -> Self {
        LineFailure::Refused(e.to_string())
    }
}

impl fmt::Display for LineFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineFailure::TooLong { bytes, cap } => write!(
                f,
                "line is {bytes} bytes, longer than {} (--max-line-bytes raises the limit)",
                Size(*cap)
            ),
            LineFailure::NotUtf8 { column } => {
                write!(f, "line is not UTF-8 (invalid byte at column {column})")
            }
            LineFailure::NotJson(message) | LineFailure::Refused(message) => f.write_str(message),
            LineFailure::Internal(detail) => write!(
                f,
                "internal error while deciding this line; please report it ({detail})"
            ),
        }
    }
}

/// A line's bytes as text, or the failure naming the first byte that is not UTF-8.
pub fn line_text(bytes: &[u8]) -> Result<&str, LineFailure> {
    std::str::from_utf8(bytes).map_err(|e| LineFailure::NotUtf8 {
        column: e.valid_up_to() + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RuleErrorKind;

    /// Every kind's message: the texts `underwrite batch`, `kyc --jsonl`, the batch route,
    /// Arrow rows and Python's `decide_arrow` write. Changing one is changing a contract.
    #[test]
    fn every_kind_has_its_one_message() {
        let table: [(LineFailure, LineFailureKind, &str); 9] = [
            (
                LineFailure::TooLong {
                    bytes: 2_000_000,
                    cap: 1 << 20,
                },
                LineFailureKind::TooLong,
                "line is 2000000 bytes, longer than 1 MiB (--max-line-bytes raises the limit)",
            ),
            (
                LineFailure::TooLong {
                    bytes: 1537,
                    cap: 1536,
                },
                LineFailureKind::TooLong,
                "line is 1537 bytes, longer than 1536 bytes (--max-line-bytes raises the limit)",
            ),
            (
                LineFailure::TooLong { bytes: 11, cap: 10 },
                LineFailureKind::TooLong,
                "line is 11 bytes, longer than 10 bytes (--max-line-bytes raises the limit)",
            ),
            (
                LineFailure::NotUtf8 { column: 2 },
                LineFailureKind::NotUtf8,
                "line is not UTF-8 (invalid byte at column 2)",
            ),
            (
                LineFailure::from(ApplicationError::BadId),
                LineFailureKind::NotJson,
                "`id` must be a string of at most 256 characters or a finite number of at most \
                 40 characters",
            ),
            (
                LineFailure::from(ApplicationError::Shape {
                    message: "missing field `signals` at line 1 column 2".into(),
                }),
                LineFailureKind::NotJson,
                "not an application: missing field `signals` at line 1 column 2",
            ),
            (
                LineFailure::from(DecideError::Rule {
                    rule: "r".into(),
                    kind: RuleErrorKind::Overflow,
                    message: "boom".into(),
                }),
                LineFailureKind::Refused,
                "rule `r`: boom",
            ),
            (
                LineFailure::Refused("invalid request: x".into()),
                LineFailureKind::Refused,
                "invalid request: x",
            ),
            (
                LineFailure::Internal("panicked at a.rs:1:2: boom".into()),
                LineFailureKind::Internal,
                "internal error while deciding this line; please report it (panicked at \
                 a.rs:1:2: boom)",
            ),
        ];
        for (failure, kind, text) in table {
            assert_eq!(failure.to_string(), text);
            assert_eq!(failure.kind(), kind, "{text}");
        }
        let names: Vec<&str> = [
            LineFailureKind::TooLong,
            LineFailureKind::NotUtf8,
            LineFailureKind::NotJson,
            LineFailureKind::Refused,
            LineFailureKind::Internal,
        ]
        .map(LineFailureKind::as_str)
        .into();
        assert_eq!(
            names,
            ["too_long", "not_utf8", "not_json", "refused", "internal"]
        );
    }

    #[test]
    fn text_names_the_first_byte_that_is_not_utf8() {
        assert_eq!(line_text(b"{}"), Ok("{}"));
        assert_eq!(
            line_text(b"{\xff}"),
            Err(LineFailure::NotUtf8 { column: 2 })
        );
        assert_eq!(line_text(b"\xc3"), Err(LineFailure::NotUtf8 { column: 1 }));
    }
}
