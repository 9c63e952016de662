//! Lines that are deliberately wrong, so every reader's error paths run on generated data, and
//! the share of them ([`MalformedShare`]).

use crate::draw::Draw;
use crate::error::GenError;
use crate::signals::{Value, DEBT_90, OVERDUE_30, OVERDUE_DAYS_90};

/// How a malformed line is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Malformed {
    /// Not JSON: a line cut off part way through.
    NotJson,
    /// JSON, but not an application: the `signals` key is misspelt `signal` (an unknown key,
    /// and no `signals`).
    WrongShape,
    /// An application whose payload has a value no signal may have: a negative or fractional
    /// count, `"NaN"` days, or `"1,000"` as an amount.
    BadSignalValue,
}

impl Malformed {
    /// Draw a kind, each equally likely.
    pub(crate) fn draw(d: &mut Draw) -> Self {
        match d.below(3) {
            0 => Malformed::NotJson,
            1 => Malformed::WrongShape,
            _ => Malformed::BadSignalValue,
        }
    }
}

/// Put one invalid value into the signals.
pub(crate) fn corrupt(d: &mut Draw, values: &mut [Value; 35]) {
    let (at, bad) = match d.below(4) {
        0 => (OVERDUE_30, "-1"),
        1 => (OVERDUE_30, "2.5"),
        2 => (OVERDUE_DAYS_90, "\"NaN\""),
        _ => (DEBT_90, "\"1,000\""),
    };
    values[at] = Value::Bad(bad);
}

/// The share of lines that are malformed, kept as parts per million so that the choice is an
/// integer comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MalformedShare {
    ppm: u32,
}

impl MalformedShare {
    /// The default: 0.3% of lines.
    pub const DEFAULT: MalformedShare = MalformedShare { ppm: 3_000 };
    /// No malformed lines.
    pub const NONE: MalformedShare = MalformedShare { ppm: 0 };

    /// A share from 0 to 1 (rounded to the nearest part per million).
    ///
    /// ```
    /// use underwrite_gen::MalformedShare;
    /// assert_eq!(MalformedShare::new(0.003).unwrap(), MalformedShare::DEFAULT);
    /// assert!(MalformedShare::new(1.5).is_err());
    /// assert!(MalformedShare::new(f64::NAN).is_err());
    /// ```
    pub fn new(share: f64) -> Result<Self, GenError> {
        if !(0.0..=1.0).contains(&share) {
            return Err(GenError::MalformedShare { share });
        }
        Ok(Self {
            ppm: (share * 1_000_000.0 + 0.5) as u32,
        })
    }

    /// Parts per million.
    pub fn ppm(self) -> u32 {
        self.ppm
    }
}

impl Default for MalformedShare {
    fn default() -> Self {
        Self::DEFAULT
    }
}
