//! Synthetic credit applications for backtests: one JSON Lines line per applicant,
//! `{"id", "signals", "kyc", "outcome"}`, the `batch` line plus an observed outcome.
//!
//! # Why it is built this way
//!
//! * **Deterministic by seed and by index.** Line `i` of seed `s` depends on `(s, i)` only, so
//!   any slice can be generated on its own, in any order, on any number of threads, and equal
//!   the same lines of the whole file. Each line draws from its own stream of a ChaCha8
//!   generator (`rand_chacha`): the key comes from the seed (`seed_from_u64`), the stream id
//!   is the index. ChaCha's output is fixed by its specification and `rand_chacha` documents
//!   its streams as reproducible, unlike `rand::rngs::StdRng`, whose algorithm may change
//!   between versions. The draws are turned into values with integer arithmetic and `+ - * /`
//!   on `f64` only (correctly rounded everywhere), never `exp` or `ln` from the platform's
//!   libm, so the bytes are the same on every machine.
//! * **A latent risk drives everything.** Each applicant has a hidden risk and an activity
//!   level; overdue events (and their days and amounts), applications and the lenders they go
//!   to, disbursements, repayments, reminders and debt are drawn from them, and so is the
//!   outcome. A policy that reads the signals well therefore separates good from bad, and a
//!   policy change moves approvals and bad rates in ways a backtest can measure.
//! * **The provider's shapes, warts included.** Both payload shapes (beta `items`, alpha
//!   `result`) in full envelopes, the 35 default signals, `null` where the provider sends it
//!   (or `0`, as some accounts do), amount bands, NO_DATA and SERVICE_UNAVAILABLE results; a
//!   KYC request with typos, swapped names, flipped dates, missing fields, unknown IDs,
//!   impostors, or none at all; outcomes that are sometimes unknown (not booked).
//! * **Malformed lines on purpose** ([`MalformedShare`], 0.3% by default): cut-off JSON, a
//!   wrong shape, a bad signal value, so readers' error paths run too.
//! * **No I/O.** The crate returns text; the CLI (`underwrite gen`) writes files.
//!
//! ```
//! use underwrite_gen::{application, Generator, LineKind};
//! let line = application(42, 0);
//! assert!(line.starts_with(r#"{"id":"app-0000001","#));
//! assert_eq!(line, application(42, 0));
//! let generator = Generator::new(42);
//! assert_eq!(generator.line(0).text, line);
//! ```

mod applicant;
mod draw;
mod error;
mod history;
mod json;
mod kyc;
mod line;
mod malformed;
mod payload;
mod signals;

pub use error::GenError;
pub use line::LineKind;
pub use malformed::{Malformed, MalformedShare};

/// One generated line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The compact JSON text, without a newline.
    pub text: String,
    /// What it is.
    pub kind: LineKind,
}

/// A generator: a seed and the share of malformed lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generator {
    seed: u64,
    malformed: MalformedShare,
}

impl Generator {
    /// A generator with the default malformed share ([`MalformedShare::DEFAULT`]).
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            malformed: MalformedShare::DEFAULT,
        }
    }

    /// The same generator with another malformed share. Lines that stay well-formed keep their
    /// bytes: the share only decides which lines are corrupted.
    #[must_use]
    pub fn with_malformed_share(self, malformed: MalformedShare) -> Self {
        Self { malformed, ..self }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Line `index` (0-based; its id is `app-` and `index + 1`, at least seven digits).
    pub fn line(&self, index: u64) -> Line {
        let mut text = String::with_capacity(4096);
        let kind = self.write_line(index, &mut text);
        Line { text, kind }
    }

    /// Append line `index` to `out` (no newline), reusing the caller's buffer.
    pub fn write_line(&self, index: u64, out: &mut String) -> LineKind {
        line::write(self.seed, self.malformed, index, out)
    }
}

/// Line `index` of `seed` with the default malformed share: one compact JSON line, no newline.
pub fn application(seed: u64, index: u64) -> String {
    Generator::new(seed).line(index).text
}
