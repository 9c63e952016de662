//! JSON objects only. serde's derived readers take a struct from a JSON array too, field by
//! position (`["Joe", null, "Leo"]` read as a record), and no JSON this crate reads means that:
//! a request, a record or a result given as an array is refused, not matched by position.
//!
//! Every struct of a request or a result is read through `object` (or `optional_object`),
//! which asks the deserializer for a map: serde_json answers any other JSON type with
//! "invalid type: sequence, expected …" at the value's position.
//!
//! The rule is the workspace's, not only this crate's: [`from_json`] and [`from_json_str`] are
//! how every envelope is read (an application in `underwrite-core`, a history line in
//! `underwrite-analysis`, a provider's error answer in `underwrite-signals-client`). They live
//! here because this is the lowest crate that every one of those readers depends on.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// A visitor that takes a map and hands it to `T`'s own reader; anything else is refused as
/// not `expected`.
struct ObjectOf<T> {
    expected: &'static str,
    of: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOf<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

/// Read a `T` that must be a JSON object (`expected` names it in the refusal).
fn object_named<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
    expected: &'static str,
) -> Result<T, D::Error> {
    d.deserialize_map(ObjectOf {
        expected,
        of: PhantomData,
    })
}

/// `deserialize_with` for a struct-typed field: a JSON object, never an array.
pub(crate) fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    object_named(d, "a JSON object")
}

/// `deserialize_with` for an optional struct-typed field: `null` or a JSON object. (The field
/// also needs `#[serde(default)]` when it may be absent.)
pub(crate) fn optional_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    struct OrNull<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for OrNull<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object or null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Option<T>, D2::Error> {
            object(d).map(Some)
        }
    }
    d.deserialize_option(OrNull(PhantomData))
}

/// `text` as a `T` that must be one JSON object ([`from_json`] over a string).
pub fn from_json_str<'a, T: Deserialize<'a>>(
    text: &'a str,
    expected: &'static str,
) -> serde_json::Result<T> {
    from_json(serde_json::Deserializer::from_str(text), expected)
}

/// Read a whole document that must be one JSON object, `expected` naming it in the refusal
/// ("invalid type: sequence, expected a KYC request (a JSON object) at line 1 column 1").
pub fn from_json<'de, R, T>(
    mut de: serde_json::Deserializer<R>,
    expected: &'static str,
) -> serde_json::Result<T>
where
    R: serde_json::de::Read<'de>,
    T: Deserialize<'de>,
{
    let value = object_named(&mut de, expected)?;
    de.end()?;
    Ok(value)
}
