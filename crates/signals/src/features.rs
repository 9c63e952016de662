//! Typed feature vectors: the dense, indexed form of a signals payload that policies read.
//!
//! A [`Schema`] is built once (from the catalog, plus whatever a policy adds) and maps each
//! feature name to a [`Slot`]. A [`FeatureVector`] is then just a `Vec<FeatureValue>` in slot
//! order plus a shared pointer to its schema: creating one per request costs one allocation, and
//! reading a feature by slot costs an index. Lookup by name exists for tooling and tests.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::catalog::{self, NullMeaning, SignalKind};

/// An ordered amount band such as `"A0"` .. `"A9"`: the provider's coarse bucket for an amount.
///
/// Only the bands the catalog states exist (see [`catalog::BAND_FORM`]): a letter of
/// [`catalog::BAND_LETTERS`] and a level up to [`catalog::BAND_MAX_LEVEL`], written without
/// leading zeros. Because that form is canonical, a band's text round-trips exactly: what
/// [`Band::parse`] accepts is what `to_string` prints.
///
/// Bands order by letter, then level (`A2 < A10`), never lexically; with the catalog's single
/// letter that is the order of [`Band::level`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Band {
    letter: u8,
    level: u16,
}

impl Band {
    /// Parse a band the catalog knows, in its canonical form (`"A0"`, `"A12"`, `"A99"`).
    /// `None` for anything else: other letters (`"Z1"`), lower case (`"a3"`), leading zeros
    /// (`"A007"`), levels beyond [`catalog::BAND_MAX_LEVEL`], signs, spaces or non-ASCII digits.
    ///
    /// ```
    /// use underwrite_signals::features::Band;
    /// let a3 = Band::parse("A3").unwrap();
    /// assert!(a3 < Band::parse("A10").unwrap());
    /// assert_eq!(a3.level(), 3);
    /// assert_eq!(Band::parse("A10").unwrap().to_string(), "A10");
    /// for bad in ["3A", "A", "Z1", "a3", "A007", "A1000", "A-1"] {
    ///     assert!(Band::parse(bad).is_none(), "{bad}");
    /// }
    /// ```
    pub fn parse(text: &str) -> Option<Band> {
        let (&letter, digits) = text.as_bytes().split_first()?;
        if !catalog::BAND_LETTERS.contains(&letter) {
            return None;
        }
        let canonical = match digits {
            [b'0'] => true,
            [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
            _ => false,
        };
        if !canonical {
            return None;
        }
        // Checked: a hostile run of digits stops at the bound instead of overflowing.
        let mut level: u16 = 0;
        for d in digits {
            level = level
                .checked_mul(10)
                .and_then(|l| l.checked_add(u16::from(d - b'0')))
                .filter(|l| *l <= catalog::BAND_MAX_LEVEL)?;
        }
        Some(Band { letter, level })
    }

    /// The band letter (`'A'` for `"A3"`).
    pub fn letter(self) -> char {
        char::from(self.letter)
    }

    /// The band level (`3` for `"A3"`).
    pub fn level(self) -> u16 {
        self.level
    }
}

/// The message when a policy compares a band with text that is not a band the catalog knows
/// (`x >= "Z1"`, `x == "A007"`): the policy layer's two evaluators (Rhai's and the native one,
/// in `underwrite-core`) give it word for word. Written here, beside [`Band::parse`], because
/// it states the band form the catalog fixes.
pub const NOT_BAND_TEXT: &str = concat!(
    "a band was compared with text that is not a band; a band is ",
    catalog::band_form!(),
    ", e.g. `x >= \"A3\"`"
);

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", char::from(self.letter), self.level)
    }
}

/// One feature's value.
///
/// JSON form (used by the CLI and for round trips): `null` for missing, a number for numbers,
/// `"never"` for an event that never happened, the band text (`"A3"`) for bands, and
/// `{"text": "..."}` for other strings (so no string can be mistaken for a band or "never"),
/// and `true`/`false` for booleans.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum FeatureValue {
    /// Unknown: absent from the payload, or `null` where the kind gives `null` no meaning.
    #[default]
    Missing,
    /// The event never happened (a "days since last" `null`). Never reads as 0.
    Never,
    /// A number (counts, amounts, days).
    Number(Decimal),
    /// A banded amount.
    Band(Band),
    /// A string value of an unknown signal that is not band-shaped.
    Text(Box<str>),
    /// A boolean (derived features and rule results; never from a payload).
    Bool(bool),
}

impl FeatureValue {
    /// The number, if this is one.
    pub fn as_number(&self) -> Option<Decimal> {
        match self {
            FeatureValue::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// Whether the value is [`FeatureValue::Missing`].
    pub fn is_missing(&self) -> bool {
        matches!(self, FeatureValue::Missing)
    }

    /// The value a JSON `null` stands for under `meaning`.
    pub fn for_null(meaning: NullMeaning) -> FeatureValue {
        match meaning {
            NullMeaning::Zero => FeatureValue::Number(Decimal::ZERO),
            NullMeaning::Never => FeatureValue::Never,
            NullMeaning::Missing => FeatureValue::Missing,
        }
    }
}

impl fmt::Display for FeatureValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeatureValue::Missing => f.write_str("missing"),
            FeatureValue::Never => f.write_str("never"),
            FeatureValue::Number(n) => write!(f, "{n}"),
            FeatureValue::Band(b) => write!(f, "{b}"),
            FeatureValue::Text(t) => write!(f, "{t:?}"),
            FeatureValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl Serialize for FeatureValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FeatureValue::Missing => serializer.serialize_none(),
            FeatureValue::Never => serializer.serialize_str("never"),
            FeatureValue::Number(n) => {
                rust_decimal::serde::arbitrary_precision::serialize(n, serializer)
            }
            FeatureValue::Band(b) => serializer.collect_str(b),
            FeatureValue::Bool(b) => serializer.serialize_bool(*b),
            FeatureValue::Text(t) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("text", t)?;
                map.end()
            }
        }
    }
}

impl schemars::JsonSchema for FeatureValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FeatureValue".into()
    }

    /// What [`FeatureValue`]'s `Serialize` writes: `null` (missing), `"never"`, a number, a
    /// band (`"A3"`), `true`/`false`, or `{"text": ...}`.
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A feature value: null (missing), \"never\", an exact number, an amount band such as \"A3\", true/false, or {\"text\": ...} (KYC outcomes; plain text in a trace's `read`).",
            "anyOf": [
                {"type": "null"},
                {"type": "number"},
                {"type": "boolean"},
                {"type": "string", "description": "\"never\", a band (\"A3\"), or in a trace's `read` a KYC outcome's text"},
                {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"], "additionalProperties": false}
            ]
        })
    }
}

impl<'de> Deserialize<'de> for FeatureValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = FeatureValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("null, a number, \"never\", a band like \"A3\", or {\"text\": ...}")
            }
            fn visit_unit<E: de::Error>(self) -> Result<FeatureValue, E> {
                Ok(FeatureValue::Missing)
            }
            fn visit_none<E: de::Error>(self) -> Result<FeatureValue, E> {
                Ok(FeatureValue::Missing)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<FeatureValue, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FeatureValue, E> {
                Ok(FeatureValue::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FeatureValue, E> {
                Ok(FeatureValue::Number(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FeatureValue, E> {
                Ok(FeatureValue::Number(Decimal::from(v)))
            }
            // A `serde_json::Value` (with `arbitrary_precision`) hands a number over as f64 only
            // when the f64's shortest form is the number's exact text, and as u128/i128 when it
            // is a big integer; both convert exactly or fail (never round).
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FeatureValue, E> {
                Decimal::from_str_exact(&v.to_string())
                    .map(FeatureValue::Number)
                    .map_err(|e| E::custom(format!("number {v}: {e}")))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<FeatureValue, E> {
                Decimal::try_from_i128_with_scale(v, 0)
                    .map(FeatureValue::Number)
                    .map_err(|e| E::custom(format!("number {v}: {e}")))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<FeatureValue, E> {
                i128::try_from(v)
                    .map_err(|e| E::custom(format!("number {v}: {e}")))
                    .and_then(|v| self.visit_i128(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FeatureValue, E> {
                if v == "never" {
                    return Ok(FeatureValue::Never);
                }
                Band::parse(v).map(FeatureValue::Band).ok_or_else(|| {
                    E::custom(format!(
                        "{v:?} is neither \"never\" nor a band ({})",
                        catalog::BAND_FORM
                    ))
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FeatureValue, A::Error> {
                // serde_json's arbitrary_precision hands numbers over as a one-entry map.
                let key: String = map
                    .next_key()?
                    .ok_or_else(|| de::Error::custom("empty object"))?;
                let value: String = map.next_value()?;
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom("expected exactly one key"));
                }
                match key.as_str() {
                    "text" => Ok(FeatureValue::Text(value.into_boxed_str())),
                    "$serde_json::private::Number" => Decimal::from_str_exact(&value)
                        .or_else(|_| Decimal::from_scientific(&value))
                        .map(FeatureValue::Number)
                        .map_err(|e| de::Error::custom(format!("number {value}: {e}"))),
                    other => Err(de::Error::unknown_field(other, &["text"])),
                }
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// The position of a feature in a [`Schema`] (and in every [`FeatureVector`] built on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(u32);

impl Slot {
    /// The slot as an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a schema knows about one feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureDef {
    /// Feature name (a signal name, or a policy-derived name).
    pub name: Box<str>,
    /// The signal kind, when the name fits the catalog scheme.
    pub kind: Option<SignalKind>,
    /// What a `null` value means for this feature: its kind's [`SignalKind::null_meaning`],
    /// or [`NullMeaning::Missing`] for a name outside the catalog scheme. The kind is the one
    /// place this is decided; a policy that wants another reading says so with `??`.
    pub null_meaning: NullMeaning,
}

/// Name → slot mapping, built once and shared by every vector.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    defs: Vec<FeatureDef>,
    /// FxHash, not SipHash: the keys are fixed when the schema is built (catalog and policy
    /// names), so payload names only ever look up and cannot flood the table, and a decision
    /// does one lookup per signal in the payload.
    index: FxHashMap<Box<str>, Slot>,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Schema {
        Schema::default()
    }

    /// A schema with one slot for every documented phone signal, in catalog order.
    pub fn phone_catalog() -> Schema {
        let mut schema = Schema::new();
        for entry in catalog::phone_signals() {
            schema.add(&entry.name);
        }
        schema
    }

    /// Add a feature (idempotent): its kind and null meaning come from the catalog scheme,
    /// and a name outside the scheme gets `NullMeaning::Missing`. Returns its slot.
    pub fn add(&mut self, name: &str) -> Slot {
        if let Some(slot) = self.index.get(name) {
            return *slot;
        }
        let kind = catalog::kind_of(name);
        let null_meaning = kind.map_or(NullMeaning::Missing, SignalKind::null_meaning);
        self.push(FeatureDef {
            name: name.into(),
            kind,
            null_meaning,
        })
    }

    fn push(&mut self, def: FeatureDef) -> Slot {
        let slot = Slot(u32::try_from(self.defs.len()).unwrap_or(u32::MAX));
        self.index.insert(def.name.clone(), slot);
        self.defs.push(def);
        slot
    }

    /// The slot of `name`, if the schema has it.
    pub fn slot(&self, name: &str) -> Option<Slot> {
        self.index.get(name).copied()
    }

    /// The definition at `slot`.
    pub fn def(&self, slot: Slot) -> Option<&FeatureDef> {
        self.defs.get(slot.index())
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// Whether the schema has no features.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// All definitions in slot order.
    pub fn defs(&self) -> &[FeatureDef] {
        &self.defs
    }
}

/// A dense feature vector: one value per schema slot, all [`FeatureValue::Missing`] at first.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureVector {
    schema: Arc<Schema>,
    values: Vec<FeatureValue>,
}

impl FeatureVector {
    /// A vector of missing values over `schema`.
    pub fn new(schema: Arc<Schema>) -> FeatureVector {
        let values = vec![FeatureValue::Missing; schema.len()];
        FeatureVector { schema, values }
    }

    /// The schema this vector is laid out by.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// The value at `slot` (missing for a slot of another schema that is out of range).
    pub fn get(&self, slot: Slot) -> &FeatureValue {
        const MISSING: &FeatureValue = &FeatureValue::Missing;
        self.values.get(slot.index()).unwrap_or(MISSING)
    }

    /// Set the value at `slot`; ignored for an out-of-range slot.
    pub fn set(&mut self, slot: Slot, value: FeatureValue) {
        if let Some(v) = self.values.get_mut(slot.index()) {
            *v = value;
        }
    }

    /// The value of `name`, for tooling (`None` when the schema has no such feature).
    pub fn get_by_name(&self, name: &str) -> Option<&FeatureValue> {
        self.schema.slot(name).map(|slot| self.get(slot))
    }

    /// `(name, value)` pairs in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FeatureValue)> {
        self.schema
            .defs
            .iter()
            .map(|d| &*d.name)
            .zip(self.values.iter())
    }

    /// The values in slot order.
    pub fn values(&self) -> &[FeatureValue] {
        &self.values
    }
}

impl Serialize for FeatureVector {
    /// A JSON object `name → value` in slot order.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.values.len()))?;
        for (name, value) in self.iter() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl FeatureVector {
    /// Rebuild a vector from its JSON object form over `schema` (the inverse of `Serialize`).
    /// A name the schema does not have, or a value that is not a feature value's JSON form, is
    /// an error naming the feature.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use underwrite_signals::features::{FeatureMapError, FeatureVector, Schema};
    ///
    /// let schema = Arc::new(Schema::phone_catalog());
    /// let map = serde_json::json!({"events_overdue_day30": 2, "events_debt_day90_amount": "A3"});
    /// let vector = FeatureVector::from_json_map(Arc::clone(&schema), map.as_object().unwrap())?;
    /// assert_eq!(vector.get_by_name("events_debt_day90_amount").unwrap().to_string(), "A3");
    ///
    /// let unknown = serde_json::json!({"overdue_30": 1});
    /// let err = FeatureVector::from_json_map(schema, unknown.as_object().unwrap()).unwrap_err();
    /// assert!(matches!(err, FeatureMapError::UnknownFeature { ref name } if name == "overdue_30"));
    /// # Ok::<(), FeatureMapError>(())
    /// ```
    pub fn from_json_map(
        schema: Arc<Schema>,
        map: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<FeatureVector, FeatureMapError> {
        let mut vector = FeatureVector::new(schema);
        for (name, value) in map {
            let slot = vector
                .schema
                .slot(name)
                .ok_or_else(|| FeatureMapError::UnknownFeature { name: name.clone() })?;
            let value =
                FeatureValue::deserialize(value).map_err(|e| FeatureMapError::BadValue {
                    name: name.clone(),
                    reason: e.to_string(),
                })?;
            vector.set(slot, value);
        }
        Ok(vector)
    }
}

/// Why [`FeatureVector::from_json_map`] could not read a vector back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureMapError {
    /// The schema has no feature of this name.
    #[error("unknown feature {name:?}")]
    UnknownFeature {
        /// The name.
        name: String,
    },
    /// The value is not a feature value's JSON form (`null`, a number, `"never"`, a band,
    /// `true`/`false` or `{"text": ...}`).
    #[error("feature {name:?}: {reason}")]
    BadValue {
        /// The feature.
        name: String,
        /// What is wrong with the value.
        reason: String,
    },
}

impl FromStr for Band {
    type Err = BandParseError;
    /// [`Band::parse`], with an error that says what a band is.
    fn from_str(s: &str) -> Result<Band, BandParseError> {
        Band::parse(s).ok_or_else(|| BandParseError {
            text: s.chars().take(40).collect(),
        })
    }
}

/// Text that is not a band the catalog knows (from `str::parse::<Band>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a band: a band is {}", catalog::BAND_FORM)]
pub struct BandParseError {
    /// The text (its first 40 characters).
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_order_numerically_not_lexically() {
        let parse = |s| Band::parse(s).expect(s);
        assert!(parse("A2") < parse("A10"));
        assert!(parse("A9") < parse("A10"));
        assert!(parse("A0") < parse("A99"));
        assert_eq!(parse("A7").to_string(), "A7");
        assert_eq!(parse("A0").level(), 0);
        assert_eq!(parse("A99").level(), 99);
        assert_eq!(parse("A99").letter(), 'A');
    }

    #[test]
    fn only_catalog_bands_in_canonical_form_parse() {
        for bad in [
            "",
            "A",
            "1",
            "3A",
            "AA1",
            // Letters the catalog does not know (they would order above every `A` band).
            "Z1",
            "B0",
            "a3",
            "a0",
            // Not canonical: the text would not round-trip.
            "A007",
            "A00",
            "A01",
            // Out of range, however long.
            "A100",
            "A1000",
            "A1234",
            "A65536",
            "A99999999999999999999999999999",
            // Signs, spaces, other syntax.
            "A-1",
            "A+1",
            "A 1",
            " A1",
            "A1 ",
            "A1.0",
            "A1e1",
            "A1\0",
            // Non-ASCII letters and digits.
            "A\u{ff11}",
            "\u{ff21}1",
            "A\u{663}",
            "\u{391}1",
        ] {
            assert!(Band::parse(bad).is_none(), "{bad:?}");
            assert!(bad.parse::<Band>().is_err(), "{bad:?}");
        }
        let err = "Z1".parse::<Band>().unwrap_err();
        assert!(err.to_string().contains(catalog::BAND_FORM), "{err}");
    }

    #[test]
    fn every_catalog_band_parses_and_keeps_its_text() {
        let mut count = 0;
        for &letter in catalog::BAND_LETTERS {
            for level in 0..=catalog::BAND_MAX_LEVEL {
                let text = format!("{}{level}", char::from(letter));
                let band = Band::parse(&text).expect(&text);
                assert_eq!(band.to_string(), text);
                assert_eq!(band.level(), level);
                assert_eq!(FeatureValue::Band(band).to_string(), text);
                let json = serde_json::to_string(&FeatureValue::Band(band)).expect("json");
                assert_eq!(json, format!("\"{text}\""));
                count += 1;
            }
        }
        assert_eq!(count, 100);
    }

    #[test]
    fn feature_json_refuses_bands_outside_the_catalog() {
        for bad in ["\"Z1\"", "\"A007\"", "\"A100\""] {
            let err = serde_json::from_str::<FeatureValue>(bad).expect_err(bad);
            assert!(err.to_string().contains(catalog::BAND_FORM), "{err}");
        }
    }

    proptest::proptest! {
        /// Whatever text parses prints back as exactly that text.
        #[test]
        fn accepted_band_text_round_trips(text in "\\PC{0,6}|[A-Za-z][0-9]{0,4}") {
            if let Some(band) = Band::parse(&text) {
                proptest::prop_assert_eq!(band.to_string(), text);
            }
        }

        /// For every pair of valid bands, `a < b` exactly when `band_level(a) < band_level(b)`
        /// (the sandbox's `band_level` is `Band::level`). With more than one catalog letter
        /// this would have to be "letter, then level", and `band_level` alone would not order.
        #[test]
        fn band_order_is_level_order(
            a in 0..=catalog::BAND_MAX_LEVEL,
            b in 0..=catalog::BAND_MAX_LEVEL,
        ) {
            let band = |level: u16| Band::parse(&format!("A{level}"));
            let (Some(a), Some(b)) = (band(a), band(b)) else {
                return Err(proptest::test_runner::TestCaseError::fail("a level in range is a band"));
            };
            proptest::prop_assert_eq!(a < b, a.level() < b.level());
            proptest::prop_assert_eq!(a.cmp(&b), a.level().cmp(&b.level()));
        }
    }

    #[test]
    fn values_round_trip_through_json() {
        for value in [
            FeatureValue::Missing,
            FeatureValue::Never,
            FeatureValue::Number(Decimal::new(12345, 2)),
            FeatureValue::Number(Decimal::from(7)),
            FeatureValue::Band(Band::parse("A3").expect("band")),
            FeatureValue::Text("never".into()),
            FeatureValue::Bool(true),
        ] {
            let json = serde_json::to_string(&value).expect("serialize");
            let back: FeatureValue = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, value, "via {json}");
        }
        assert_eq!(
            serde_json::to_string(&FeatureValue::Number(Decimal::new(12345, 2))).expect("json"),
            "123.45"
        );
    }

    #[test]
    fn schema_slots_are_stable_and_lookups_work() {
        let schema = Schema::phone_catalog();
        let slot = schema.slot("events_overdue_day30").expect("catalog signal");
        assert_eq!(
            schema.def(slot).map(|d| d.kind),
            Some(Some(SignalKind::Count))
        );
        let schema = Arc::new(schema);
        let mut v = FeatureVector::new(schema.clone());
        assert!(v.values().iter().all(FeatureValue::is_missing));
        v.set(slot, FeatureValue::Number(Decimal::from(3)));
        assert_eq!(
            v.get_by_name("events_overdue_day30"),
            Some(&FeatureValue::Number(Decimal::from(3)))
        );
        assert_eq!(v.get_by_name("nope"), None);
        let json = serde_json::to_value(&v).expect("json");
        let back = FeatureVector::from_json_map(schema, json.as_object().expect("object"))
            .expect("round trip");
        assert_eq!(back, v);
    }

    #[test]
    fn reading_a_vector_back_fails_with_a_typed_error_naming_the_feature() {
        let schema = Arc::new(Schema::phone_catalog());
        let read = |json: serde_json::Value| {
            FeatureVector::from_json_map(Arc::clone(&schema), json.as_object().expect("object"))
        };
        assert_eq!(
            read(serde_json::json!({"events_overdue_day30": 1, "overdue_30": 2})),
            Err(FeatureMapError::UnknownFeature {
                name: "overdue_30".into()
            })
        );
        for bad in [
            serde_json::json!("Z1"),
            serde_json::json!([1]),
            serde_json::json!({"text": "a", "b": "c"}),
        ] {
            let err = read(serde_json::json!({ "events_overdue_day30": bad }))
                .expect_err("not a feature value");
            assert!(
                matches!(&err, FeatureMapError::BadValue { name, .. } if name == "events_overdue_day30"),
                "{err:?}"
            );
            assert!(
                err.to_string()
                    .starts_with("feature \"events_overdue_day30\": "),
                "{err}"
            );
        }
    }

    #[test]
    fn parsing_a_band_from_text_fails_with_a_typed_error() {
        assert_eq!("A12".parse::<Band>().map(Band::level), Ok(12));
        let err = "Z1".parse::<Band>().expect_err("not a band");
        assert_eq!(err, BandParseError { text: "Z1".into() });
        assert_eq!(
            err.to_string(),
            format!("\"Z1\" is not a band: a band is {}", catalog::BAND_FORM)
        );
        // A hostile text is quoted short.
        let long = "A".repeat(10_000).parse::<Band>().expect_err("not a band");
        assert_eq!(long.text.chars().count(), 40);
    }

    #[test]
    fn null_meaning_follows_the_catalog_kind() {
        let mut schema = Schema::phone_catalog();
        let slot = schema.slot("events_overdue_day30_amount").expect("slot");
        assert_eq!(
            schema.def(slot).map(|d| d.null_meaning),
            Some(NullMeaning::Missing)
        );
        let outside = schema.add("no_such_feature");
        assert_eq!(
            schema.def(outside).map(|d| d.null_meaning),
            Some(NullMeaning::Missing)
        );
        for def in schema.defs() {
            let expected = def
                .kind
                .map_or(NullMeaning::Missing, SignalKind::null_meaning);
            assert_eq!(def.null_meaning, expected, "{}", def.name);
        }
    }
}
