//! Normalization: a parsed signals payload becomes a typed [`FeatureVector`] over a [`Schema`].
//!
//! The rules, per signal (the kind comes from the schema, or from the naming scheme for a signal
//! the schema does not have):
//!
//! * absent from the payload → [`FeatureValue::Missing`];
//! * `null` → [`FeatureValue::for_null`] of the feature's null meaning (a count's null is 0, a
//!   "days since last" null is [`FeatureValue::Never`], an amount's null is missing; a policy can
//!   override this per feature in the schema);
//! * a JSON number → an exact [`Decimal`], then the kind's range check
//!   ([`SignalKind::check`]): negative values and fractional counts/days are errors. Numbers
//!   are parsed from their JSON text, never through `f64`; one with no exact `Decimal` form
//!   (`1e300`, 10,000 digits, 30 decimal places) is an error, not a rounded value;
//! * a string for a numeric kind: a band the catalog knows, in its canonical form
//!   ([`catalog::BAND_FORM`]: `"A0"` .. `"A99"`), is accepted where the kind
//!   [accepts bands](SignalKind::accepts_band) (amounts) and is an error elsewhere; a string
//!   that only looks like a band (`"Z1"`, `"A007"`, `"a3"`, `"A1000"`) is an error for an
//!   amount, never a band with a made-up letter or a rewritten text; an exact
//!   decimal in JSON number syntax (`"12.5"`) is accepted as that number, because providers do
//!   send numbers as strings; anything else (`"NaN"`, `"Infinity"`, `""`, `"1,000"`) is an
//!   error naming the signal;
//! * a signal without a kind (a name outside the scheme) is typed from its `valueType`:
//!   `NUMBER` → a number (a numeric string is accepted), `STRING` → a band if it is a catalog
//!   band, else text kept exactly as sent (`"B2"` is text: the catalog states no `B` bands);
//!   in the alpha shape, which has no `valueType`, the JSON type decides;
//! * `valueType` must agree with the value: `STRING` with a JSON number, or `NUMBER` with a
//!   band, is an error; booleans, arrays and objects are always errors.
//!
//! Signals the schema does not have are kept in [`Normalized::unknown`] and reported in
//! [`Normalized::warnings`], never dropped; a name that fits the scheme is "unknown but
//! understood" and gets its kind's checks. A name that appears twice is an error.
//!
//! Cost per request: one `Vec` for the vector (and one for the payload's signal list); known
//! signals are looked up by `&str` and never copied; duplicates among them are caught with a
//! bitset on the stack. Only unknown signals, text values and errors allocate.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::catalog::{self, NullMeaning, SignalKind};
use crate::features::{Band, FeatureValue, FeatureVector, Schema};
use crate::signals::{
    self, excerpt, JsonType, Payload, Signal, SignalError, SignalStatus, ValueType,
};

/// A normalized payload: the outcome, the feature vector and what did not fit the schema.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Normalized {
    /// The outcome of the signals request. Unless it is `Success`, every feature is missing.
    pub status: SignalStatus,
    /// One value per schema feature.
    pub features: FeatureVector,
    /// Signals the schema has no slot for, in payload order.
    pub unknown: Vec<UnknownSignal>,
    /// Things worth telling an operator (one per unknown signal, ...).
    pub warnings: Vec<Warning>,
}

/// A signal the schema does not have, kept with its typed value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownSignal {
    /// Its name as sent.
    pub name: String,
    /// Its kind, when the name fits the catalog's naming scheme.
    pub kind: Option<SignalKind>,
    /// Its value.
    pub value: FeatureValue,
}

/// A non-fatal finding about a payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum Warning {
    /// A signal outside the naming scheme and the schema: kept, typed from its `valueType`.
    UnknownSignal {
        /// The signal.
        signal: String,
        /// Its declared type (`None` in the alpha shape).
        value_type: Option<ValueType>,
    },
    /// A signal that fits the naming scheme (so its kind is known and checked) but that the
    /// schema has no slot for.
    UnknownButUnderstood {
        /// The signal.
        signal: String,
        /// Its kind, from the name.
        kind: SignalKind,
    },
    /// Signals sent with a non-success result code; they were not read.
    SignalsIgnored {
        /// The result code.
        status: SignalStatus,
        /// How many.
        count: usize,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::UnknownSignal { signal, value_type } => {
                write!(f, "unknown signal {signal:?} kept")?;
                match value_type {
                    Some(t) => write!(f, " (valueType {t})"),
                    None => Ok(()),
                }
            }
            Warning::UnknownButUnderstood { signal, kind } => write!(
                f,
                "signal {signal:?} is not in the schema; kept as a {kind} (understood from its name)"
            ),
            Warning::SignalsIgnored { status, count } => {
                write!(f, "{count} signal(s) ignored because resultCode is {status}")
            }
        }
    }
}

/// Parse and normalize a payload over `schema`.
///
/// ```
/// use std::sync::Arc;
/// use rust_decimal::Decimal;
/// use underwrite_signals::features::{FeatureValue, Schema};
/// use underwrite_signals::normalize::normalize;
/// use underwrite_signals::signals::SignalStatus;
///
/// let schema = Arc::new(Schema::phone_catalog());
/// let payload = br#"{"code": "OK", "message": "Success!", "requestId": "r1", "data": {
///     "status": "COMPLETED", "resultCode": "SUCCESS",
///     "items": [
///         {"name": "events_overdue_day30", "value": 2, "valueType": "NUMBER"},
///         {"name": "events_overdue_days_since_last", "value": null, "valueType": "NUMBER"},
///         {"name": "events_debt_day90_amount", "value": "A0", "valueType": "STRING"}
///     ]}}"#;
/// let n = normalize(payload, &schema).unwrap();
/// assert_eq!(n.status, SignalStatus::Success);
/// let get = |name| n.features.get_by_name(name).unwrap().clone();
/// assert_eq!(get("events_overdue_day30"), FeatureValue::Number(Decimal::from(2)));
/// assert_eq!(get("events_overdue_days_since_last"), FeatureValue::Never);
/// assert_eq!(get("events_debt_day90_amount").to_string(), "A0");
/// assert_eq!(get("events_overdue_day90"), FeatureValue::Missing); // not sent
///
/// let err = normalize(br#"{"status":"COMPLETED","resultCode":"SUCCESS",
///     "result":{"events_overdue_day30":-1}}"#, &schema).unwrap_err();
/// assert_eq!(err.signal(), Some("events_overdue_day30"));
/// ```
pub fn normalize(bytes: &[u8], schema: &Arc<Schema>) -> Result<Normalized, SignalError> {
    normalize_payload(&signals::parse(bytes)?, schema)
}

/// Normalize an already parsed payload over `schema` (see the [module docs](self) for the rules).
pub fn normalize_payload(
    payload: &Payload<'_>,
    schema: &Arc<Schema>,
) -> Result<Normalized, SignalError> {
    let mut features = FeatureVector::new(Arc::clone(schema));
    let mut unknown = Vec::new();
    let mut warnings = Vec::new();
    if payload.status != SignalStatus::Success {
        if payload.ignored > 0 {
            warnings.push(Warning::SignalsIgnored {
                status: payload.status,
                count: payload.ignored,
            });
        }
        return Ok(Normalized {
            status: payload.status,
            features,
            unknown,
            warnings,
        });
    }
    let mut seen = Seen::new(schema.len());
    for signal in &payload.signals {
        let known = schema
            .slot(&signal.name)
            .and_then(|slot| schema.def(slot).map(|def| (slot, def)));
        if let Some((slot, def)) = known {
            if !seen.insert(slot.index()) {
                return Err(duplicate(&signal.name));
            }
            features.set(slot, convert(signal, def.kind, def.null_meaning)?);
        } else {
            let kind = catalog::kind_of(&signal.name);
            let null_meaning = kind.map_or(NullMeaning::Missing, SignalKind::null_meaning);
            let value = convert(signal, kind, null_meaning)?;
            let name = signal.name.to_string();
            warnings.push(match kind {
                Some(kind) => Warning::UnknownButUnderstood {
                    signal: name.clone(),
                    kind,
                },
                None => Warning::UnknownSignal {
                    signal: name.clone(),
                    value_type: signal.value_type,
                },
            });
            unknown.push(UnknownSignal { name, kind, value });
        }
    }
    if let Some(name) = first_duplicate(&unknown) {
        return Err(duplicate(name));
    }
    Ok(Normalized {
        status: payload.status,
        features,
        unknown,
        warnings,
    })
}

fn duplicate(name: &str) -> SignalError {
    SignalError::DuplicateSignal {
        signal: name.to_owned(),
    }
}

/// A name that occurs twice among the unknown signals (usually a handful: compared pairwise;
/// a flood of them is sorted instead so that it cannot cost quadratic time).
fn first_duplicate(unknown: &[UnknownSignal]) -> Option<&str> {
    const PAIRWISE_MAX: usize = 32;
    if unknown.len() <= PAIRWISE_MAX {
        return unknown.iter().enumerate().find_map(|(i, u)| {
            unknown
                .iter()
                .skip(i + 1)
                .any(|v| v.name == u.name)
                .then_some(u.name.as_str())
        });
    }
    let mut names: Vec<&str> = unknown.iter().map(|u| u.name.as_str()).collect();
    names.sort_unstable();
    names.windows(2).find_map(|w| match w {
        [a, b] if a == b => Some(*a),
        _ => None,
    })
}

/// Which schema slots a payload has already set: a bitset on the stack for schemas of up to
/// 256 features (the phone catalog has about 110), on the heap beyond.
struct Seen {
    inline: [u64; 4],
    heap: Vec<u64>,
}

impl Seen {
    fn new(len: usize) -> Seen {
        let words = len.div_ceil(64);
        Seen {
            inline: [0; 4],
            heap: if words > 4 {
                vec![0; words]
            } else {
                Vec::new()
            },
        }
    }

    /// Mark `index`; `false` if it was already marked.
    fn insert(&mut self, index: usize) -> bool {
        let words: &mut [u64] = if self.heap.is_empty() {
            &mut self.inline
        } else {
            &mut self.heap
        };
        let Some(word) = words.get_mut(index / 64) else {
            return true;
        };
        let bit = 1u64 << (index % 64);
        let fresh = *word & bit == 0;
        *word |= bit;
        fresh
    }
}

/// One signal's value under its kind (if known) and null meaning.
fn convert(
    signal: &Signal<'_>,
    kind: Option<SignalKind>,
    null_meaning: NullMeaning,
) -> Result<FeatureValue, SignalError> {
    let text = signal.value.get().trim();
    match JsonType::of(signal.value) {
        JsonType::Null => Ok(FeatureValue::for_null(null_meaning)),
        found @ (JsonType::Bool | JsonType::Array | JsonType::Object) => {
            Err(SignalError::WrongJsonType {
                signal: signal.name.to_string(),
                found,
            })
        }
        JsonType::Number => {
            if signal.value_type == Some(ValueType::String) {
                return Err(mismatch(signal, ValueType::String, JsonType::Number, text));
            }
            number(signal, kind, text)
        }
        JsonType::String => string(signal, kind, &json_string(signal, text)?),
    }
}

/// The contents of a JSON string literal (borrowed unless it has escapes). The parser checked
/// the literal's syntax but not that its escapes make valid Unicode: a lone surrogate is an
/// error, never the raw escape text.
fn json_string<'a>(signal: &Signal<'_>, literal: &'a str) -> Result<Cow<'a, str>, SignalError> {
    let inner = literal
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(literal);
    if inner.contains('\\') {
        serde_json::from_str::<String>(literal)
            .map(Cow::Owned)
            .map_err(|_| SignalError::InvalidString {
                signal: signal.name.to_string(),
            })
    } else {
        Ok(Cow::Borrowed(inner))
    }
}

fn mismatch(
    signal: &Signal<'_>,
    value_type: ValueType,
    found: JsonType,
    text: &str,
) -> SignalError {
    SignalError::ValueTypeMismatch {
        signal: signal.name.to_string(),
        value_type,
        found,
        value: excerpt(text),
    }
}

/// A string value: a catalog band, a numeric string, or text, depending on the kind and
/// `valueType`. Band-like text that is not a catalog band is an error for an amount.
fn string(
    signal: &Signal<'_>,
    kind: Option<SignalKind>,
    text: &str,
) -> Result<FeatureValue, SignalError> {
    let declared_number = signal.value_type == Some(ValueType::Number);
    if let Some(band) = Band::parse(text) {
        if declared_number {
            let quoted = format!("{text:?}");
            return Err(mismatch(
                signal,
                ValueType::Number,
                JsonType::String,
                &quoted,
            ));
        }
        return match kind {
            Some(kind) if !kind.accepts_band() => Err(SignalError::BandNotAllowed {
                signal: signal.name.to_string(),
                kind,
                band,
            }),
            _ => Ok(FeatureValue::Band(band)),
        };
    }
    if kind.is_some_and(SignalKind::accepts_band) && !declared_number && looks_like_band(text) {
        return Err(SignalError::InvalidBand {
            signal: signal.name.to_string(),
            value: format!("{:?}", excerpt(text)),
        });
    }
    if kind.is_some() || declared_number {
        if !is_json_number(text) {
            return Err(SignalError::NotANumber {
                signal: signal.name.to_string(),
                value: format!("{:?}", excerpt(text)),
            });
        }
        return number(signal, kind, text);
    }
    Ok(FeatureValue::Text(text.into()))
}

/// Whether `text` reads as an attempt at a band: one letter (of any case or script) and then
/// no other letter (`"Z1"`, `"a3"`, `"A007"`, `"A-1"`, `"A"`, full-width digits). Such a
/// value for an amount gets an error that says what a band looks like; words (`"NaN"`,
/// `"twelve"`) stay "not a number".
fn looks_like_band(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(char::is_alphabetic) && !chars.any(char::is_alphabetic)
}

/// A number in JSON syntax → an exact `Decimal`, range-checked for `kind`.
fn number(
    signal: &Signal<'_>,
    kind: Option<SignalKind>,
    text: &str,
) -> Result<FeatureValue, SignalError> {
    let value = exact_decimal(text).ok_or_else(|| SignalError::OutOfRange {
        signal: signal.name.to_string(),
        value: excerpt(text),
    })?;
    if let Some(kind) = kind {
        kind.check(value)
            .map_err(|constraint| SignalError::InvalidValue {
                signal: signal.name.to_string(),
                kind,
                value: excerpt(text),
                constraint,
            })?;
    }
    Ok(FeatureValue::Number(value))
}

/// Parse JSON number text exactly: `None` when `Decimal` cannot hold it without rounding.
pub(crate) fn exact_decimal(text: &str) -> Option<Decimal> {
    match text.find(['e', 'E']) {
        None => Decimal::from_str_exact(text).ok(),
        Some(at) => {
            // `from_scientific` rounds its mantissa; insist that the mantissa is exact first.
            Decimal::from_str_exact(text.get(..at)?).ok()?;
            Decimal::from_scientific(text).ok()
        }
    }
}

/// Whether `text` is a number in strict JSON syntax (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`).
fn is_json_number(text: &str) -> bool {
    fn digits(bytes: &[u8]) -> usize {
        bytes.iter().take_while(|b| b.is_ascii_digit()).count()
    }
    let mut rest = text.as_bytes();
    if let [b'-', tail @ ..] = rest {
        rest = tail;
    }
    match rest {
        [b'0', tail @ ..] => rest = tail,
        [b'1'..=b'9', ..] => rest = rest.get(digits(rest)..).unwrap_or_default(),
        _ => return false,
    }
    if let [b'.', tail @ ..] = rest {
        let n = digits(tail);
        if n == 0 {
            return false;
        }
        rest = tail.get(n..).unwrap_or_default();
    }
    if let [b'e' | b'E', tail @ ..] = rest {
        let tail = match tail {
            [b'+' | b'-', t @ ..] => t,
            t => t,
        };
        let n = digits(tail);
        if n == 0 {
            return false;
        }
        rest = tail.get(n..).unwrap_or_default();
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_number_syntax_is_strict() {
        for good in [
            "0", "-0", "12", "12.5", "-3.25", "1e3", "1E+3", "2.5e-2", "0.0",
        ] {
            assert!(is_json_number(good), "{good}");
        }
        for bad in [
            "",
            "-",
            "+1",
            "01",
            "1.",
            ".5",
            "1e",
            "1e+",
            "NaN",
            "Infinity",
            "-Infinity",
            " 1",
            "1 ",
            "1,000",
            "0x10",
            "1_000",
            "12 days",
        ] {
            assert!(!is_json_number(bad), "{bad:?}");
        }
    }

    #[test]
    fn decimals_are_exact_or_refused() {
        let d = |s| exact_decimal(s);
        assert_eq!(d("12.50"), Some(Decimal::new(1250, 2)));
        assert_eq!(d("1.5e2"), Some(Decimal::from(150)));
        assert_eq!(d("25E-1"), Some(Decimal::new(25, 1)));
        assert_eq!(d("79228162514264337593543950335"), Some(Decimal::MAX));
        assert_eq!(d("79228162514264337593543950336"), None);
        assert_eq!(d("1e300"), None);
        assert_eq!(d("1e400"), None);
        assert_eq!(d("0.00000000000000000000000000001"), None);
        assert_eq!(d("1.00000000000000000000000000001e1"), None);
        assert_eq!(d(&"9".repeat(10_000)), None);
    }

    #[test]
    fn seen_marks_each_slot_once() {
        for len in [0, 1, 64, 256, 257, 1000] {
            let mut seen = Seen::new(len);
            for i in 0..len {
                assert!(seen.insert(i));
                assert!(!seen.insert(i));
            }
        }
    }

    #[test]
    fn duplicate_unknowns_are_found_in_small_and_large_sets() {
        let unknown = |n: usize, dup: bool| {
            let mut v: Vec<UnknownSignal> = (0..n)
                .map(|i| UnknownSignal {
                    name: format!("x{i}"),
                    kind: None,
                    value: FeatureValue::Missing,
                })
                .collect();
            if dup {
                v.push(UnknownSignal {
                    name: "x1".into(),
                    kind: None,
                    value: FeatureValue::Missing,
                });
            }
            v
        };
        assert_eq!(first_duplicate(&unknown(5, false)), None);
        assert_eq!(first_duplicate(&unknown(5, true)), Some("x1"));
        assert_eq!(first_duplicate(&unknown(100, false)), None);
        assert_eq!(first_duplicate(&unknown(100, true)), Some("x1"));
    }
}
