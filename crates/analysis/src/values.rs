//! Feature values in fixed, data-independent bins, so that two runs (today's input and a
//! reference saved months ago) bin alike and their distributions can be compared bin by bin.
//!
//! Whole numbers 0 to 15 are bins of their own; from 16 on, each power of two is split in four
//! (`[16,20)`, `[20,24)`, ..., `[32,40)`, ...), so counts stay exact where they matter and
//! amounts keep two significant bits over any magnitude; a fraction falls in its floor's bin;
//! all negative numbers share one bin. Bands are bins of their own (`A3`), and so are missing,
//! "never", `true`, `false`; all text is one bin. Bin names (`"3"`, `"[16,20)"`, `"A3"`,
//! `"never"`) are how reports and saved summaries write them, and [`ValueBin::parse`] reads
//! them back.

use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use underwrite_core::features::{Band, FeatureValue};

/// The bin a feature value falls in. Bins order as their values do: missing and never first,
/// then numbers ascending, then bands ascending, then booleans and text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ValueBin {
    /// No value.
    Missing,
    /// The event never happened.
    Never,
    /// Any number below zero.
    Negative,
    /// A number whose floor is this whole number (0 to 15).
    Small(u8),
    /// A number whose floor is in `[(4 + quarter) · 2^(octave-2), (5 + quarter) · 2^(octave-2))`
    /// (octave ≥ 4, quarter 0 to 3).
    Range {
        /// The power of two the floor's highest bit stands for.
        octave: u8,
        /// Which quarter of the octave.
        quarter: u8,
    },
    /// A band.
    Band(Band),
    /// `false`.
    False,
    /// `true`.
    True,
    /// Any text.
    Text,
}

/// The families whose bins are ordered and may be merged into ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Family {
    /// Numbers.
    Number,
    /// Bands.
    Band,
    /// A bin that stays on its own.
    Single(ValueBin),
}

impl ValueBin {
    /// The bin of `value`.
    pub(crate) fn of(value: &FeatureValue) -> ValueBin {
        match value {
            FeatureValue::Missing => ValueBin::Missing,
            FeatureValue::Never => ValueBin::Never,
            FeatureValue::Number(n) => {
                if n.is_sign_negative() && !n.is_zero() {
                    return ValueBin::Negative;
                }
                // A Decimal's magnitude is below 2^96: a non-negative floor always fits.
                n.floor()
                    .to_u128()
                    .map_or(ValueBin::Negative, ValueBin::of_whole)
            }
            FeatureValue::Band(b) => ValueBin::Band(*b),
            FeatureValue::Text(_) => ValueBin::Text,
            FeatureValue::Bool(false) => ValueBin::False,
            FeatureValue::Bool(true) => ValueBin::True,
        }
    }

    fn of_whole(n: u128) -> ValueBin {
        if n < 16 {
            // n < 16 fits.
            return ValueBin::Small(n as u8);
        }
        let octave = 127 - n.leading_zeros();
        let quarter = (n >> (octave - 2)) & 3;
        ValueBin::Range {
            // octave < 128 and quarter < 4.
            octave: octave as u8,
            quarter: quarter as u8,
        }
    }

    pub(crate) fn family(self) -> Family {
        match self {
            ValueBin::Negative | ValueBin::Small(_) | ValueBin::Range { .. } => Family::Number,
            ValueBin::Band(_) => Family::Band,
            other => Family::Single(other),
        }
    }

    /// Read a bin back from its name; `None` for a name no bin has.
    pub(crate) fn parse(name: &str) -> Option<ValueBin> {
        Some(match name {
            "missing" => ValueBin::Missing,
            "never" => ValueBin::Never,
            "<0" => ValueBin::Negative,
            "false" => ValueBin::False,
            "true" => ValueBin::True,
            "text" => ValueBin::Text,
            _ => {
                if let Some(band) = Band::parse(name) {
                    return Some(ValueBin::Band(band));
                }
                if let Some(range) = name.strip_prefix('[').and_then(|r| r.strip_suffix(')')) {
                    let (lo, _) = range.split_once(',')?;
                    let lo: u128 = lo.parse().ok()?;
                    let bin = ValueBin::of_whole(lo);
                    return (matches!(bin, ValueBin::Range { .. }) && bin.to_string() == name)
                        .then_some(bin);
                }
                let n: u8 = name.parse().ok()?;
                return (n < 16 && n.to_string() == name).then_some(ValueBin::Small(n));
            }
        })
    }
}

impl fmt::Display for ValueBin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueBin::Missing => f.write_str("missing"),
            ValueBin::Never => f.write_str("never"),
            ValueBin::Negative => f.write_str("<0"),
            ValueBin::Small(n) => write!(f, "{n}"),
            ValueBin::Range { octave, quarter } => {
                let step = 1u128 << (octave - 2);
                let lo = (4 + u128::from(*quarter)) * step;
                write!(f, "[{lo},{})", lo + step)
            }
            ValueBin::Band(b) => write!(f, "{b}"),
            ValueBin::False => f.write_str("false"),
            ValueBin::True => f.write_str("true"),
            ValueBin::Text => f.write_str("text"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn bin(n: &str) -> ValueBin {
        ValueBin::of(&FeatureValue::Number(n.parse().unwrap()))
    }

    #[test]
    fn small_numbers_are_exact_and_larger_ones_fall_in_quarter_octaves() {
        assert_eq!(bin("0"), ValueBin::Small(0));
        assert_eq!(bin("15.99"), ValueBin::Small(15));
        assert_eq!(bin("16").to_string(), "[16,20)");
        assert_eq!(bin("19.5").to_string(), "[16,20)");
        assert_eq!(bin("20").to_string(), "[20,24)");
        assert_eq!(bin("31").to_string(), "[28,32)");
        assert_eq!(bin("32").to_string(), "[32,40)");
        assert_eq!(bin("50000").to_string(), "[49152,57344)");
        assert_eq!(bin("-0.5"), ValueBin::Negative);
        assert_eq!(bin("-0"), ValueBin::Small(0));
        assert_eq!(
            bin("79228162514264337593543950335").to_string(),
            "[69324642199981295394350956544,79228162514264337593543950336)", // 7·2^93, 2^96
        );
    }

    proptest! {
        /// Against the obvious reference: the bin's printed bounds hold the value's floor, and
        /// bins order as values do.
        #[test]
        fn a_number_lies_in_its_bin_and_bins_order_as_numbers(a in 0u64..u64::MAX, b in 0u64..u64::MAX, frac in 0u32..100) {
            let value = Decimal::from(a) + Decimal::new(i64::from(frac), 2);
            let bin = ValueBin::of(&FeatureValue::Number(value));
            let name = bin.to_string();
            if let Some(range) = name.strip_prefix('[').and_then(|r| r.strip_suffix(')')) {
                let (lo, hi) = range.split_once(',').unwrap();
                prop_assert!(lo.parse::<u128>().unwrap() <= u128::from(a));
                prop_assert!(u128::from(a) < hi.parse::<u128>().unwrap());
            } else {
                prop_assert_eq!(name, a.to_string());
            }
            prop_assert_eq!(ValueBin::parse(&bin.to_string()), Some(bin));
            let other = ValueBin::of(&FeatureValue::Number(Decimal::from(b)));
            if a < b { prop_assert!(bin <= other); }
        }
    }

    #[test]
    fn names_read_back_and_strangers_do_not() {
        for value in [
            FeatureValue::Missing,
            FeatureValue::Never,
            FeatureValue::Band(Band::parse("A7").unwrap()),
            FeatureValue::Bool(true),
            FeatureValue::Bool(false),
            FeatureValue::Text("x".into()),
            FeatureValue::Number(Decimal::from(-3)),
        ] {
            let bin = ValueBin::of(&value);
            assert_eq!(ValueBin::parse(&bin.to_string()), Some(bin));
        }
        for stranger in [
            "", "16", "[16,21)", "[17,20)", "07", "A007", "[1,2)", "NaN", "[,)",
        ] {
            assert_eq!(ValueBin::parse(stranger), None, "{stranger}");
        }
    }
}
