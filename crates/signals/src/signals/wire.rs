//! The serde side of payload parsing: one pass over the bytes into loosely typed, borrowing
//! structs.
//!
//! Every field whose JSON type the provider might get wrong is read as a [`Field`], which is
//! either the expected value or the [`JsonType`] found instead. Nothing here fails through
//! serde, so the only serde errors are serde_json's syntax errors (with line and column); shape
//! problems become typed [`SignalError`]s where the field and signal names are known: each
//! signal as it is read, here ([`read_item`], [`result_entry`], so the signal list is built
//! once, in its final form), the envelope and status fields afterwards, by the caller
//! (`signals::parse`).
//!
//! Data flows one way: this module reads into the types of `payload` and `error` and hands
//! [`Top`] to `signals::parse`; it uses nothing of its parent.
//!
//! No positional reading: a [`Shape`] accepts a JSON array only where the payload has one
//! (`items`); anywhere else an array, whatever it holds, is `Field::Wrong(JsonType::Array)`
//! and so a `WrongType` error naming the field. serde's derived structs would read
//! `["OK", "msg", "r1", {...}]` as an envelope or `["name", 1, "NUMBER"]` as an item, field by
//! field; nothing here derives `Deserialize` for a struct (`tests/signals_positional.rs`).
//!
//! Keys are read as borrowed `Cow<str>` (owned only when the key has escapes); fields we do not
//! use are skipped with [`IgnoredAny`], so a large `requestMeta` costs a scan and no allocation.
//! Signal values are kept as `&RawValue` so numbers stay exact text.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::error::{excerpt, wrong_type, SignalError, MAX_SIGNALS};
use super::payload::{JsonType, Signal, ValueType};

/// The key serde_json (with `arbitrary_precision`) uses to hand a number to `visit_map`.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// A field that is the expected `T`, or the JSON type found instead.
#[derive(Debug)]
pub(super) enum Field<T> {
    /// The field had the expected shape.
    Ok(T),
    /// The field had another JSON type.
    Wrong(JsonType),
}

impl<T> Field<T> {
    /// Whether the value was JSON `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Field::Wrong(JsonType::Null))
    }
}

/// What a [`Field`] accepts; the defaults reject (and skip) the value.
pub(super) trait Shape<'de>: Sized {
    /// A string value.
    fn from_str(_text: Cow<'de, str>) -> Option<Self> {
        None
    }

    /// An array value.
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    /// An object value whose first key (if any) has already been read.
    fn from_map<A: MapAccess<'de>>(
        first: Option<Cow<'de, str>>,
        mut map: A,
    ) -> Result<Option<Self>, A::Error> {
        if first.is_some() {
            map.next_value::<IgnoredAny>()?;
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl<'de, T: Shape<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor(PhantomData))
    }
}

struct FieldVisitor<T>(PhantomData<T>);

fn wrong<T, E>(found: JsonType) -> Result<Field<T>, E> {
    Ok(Field::Wrong(found))
}

impl<'de, T: Shape<'de>> Visitor<'de> for FieldVisitor<T> {
    type Value = Field<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field<T>, E> {
        wrong(JsonType::Bool)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Field<T>, E> {
        wrong(JsonType::Number)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Field<T>, E> {
        wrong(JsonType::Number)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Field<T>, E> {
        wrong(JsonType::Number)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Field<T>, E> {
        wrong(JsonType::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Field<T>, E> {
        wrong(JsonType::Null)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Field<T>, E> {
        Ok(T::from_str(Cow::Borrowed(v)).map_or(Field::Wrong(JsonType::String), Field::Ok))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field<T>, E> {
        Ok(T::from_str(Cow::Owned(v.to_owned())).map_or(Field::Wrong(JsonType::String), Field::Ok))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Field<T>, E> {
        Ok(T::from_str(Cow::Owned(v)).map_or(Field::Wrong(JsonType::String), Field::Ok))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field<T>, A::Error> {
        Ok(T::from_seq(seq)?.map_or(Field::Wrong(JsonType::Array), Field::Ok))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field<T>, A::Error> {
        let first = map.next_key_seed(CowSeed)?;
        if first.as_deref() == Some(NUMBER_TOKEN) {
            map.next_value::<IgnoredAny>()?;
            return wrong(JsonType::Number);
        }
        Ok(T::from_map(first, map)?.map_or(Field::Wrong(JsonType::Object), Field::Ok))
    }
}

/// Reads a string as a `Cow` that borrows from the input whenever it has no escapes (the
/// standard `Cow` impl always allocates).
struct CowSeed;

impl<'de> DeserializeSeed<'de> for CowSeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(CowVisitor)
    }
}

struct CowVisitor;

impl<'de> Visitor<'de> for CowVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> Shape<'de> for Cow<'de, str> {
    fn from_str(text: Cow<'de, str>) -> Option<Self> {
        Some(text)
    }
}

/// Fill `slot` with the next value, or record `name` as a duplicate key (and skip the value).
fn take<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    duplicate: &mut Option<&'static str>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        map.next_value::<IgnoredAny>()?;
        duplicate.get_or_insert(name);
    } else {
        *slot = Some(map.next_value()?);
    }
    Ok(())
}

/// Read every entry of `map` (the first key already read) with `on_key`, which must consume the
/// value of the key it is given.
fn each_key<'de, A: MapAccess<'de>>(
    first: Option<Cow<'de, str>>,
    mut map: A,
    mut on_key: impl FnMut(Cow<'de, str>, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    let mut key = first;
    while let Some(k) = key {
        on_key(k, &mut map)?;
        key = map.next_key_seed(CowSeed)?;
    }
    Ok(())
}

/// The fields of the `data` object (or of a bare payload) that parsing reads.
#[derive(Debug, Default)]
pub(super) struct Data<'de> {
    pub status: Option<Field<Cow<'de, str>>>,
    pub result_code: Option<Field<Cow<'de, str>>>,
    /// Kept raw: only decoded for the message of an error.
    pub result_message: Option<&'de RawValue>,
    pub items: Option<Field<Items<'de>>>,
    pub result: Option<Field<Entries<'de>>>,
    /// The first key that appeared twice.
    pub duplicate: Option<&'static str>,
}

impl<'de> Data<'de> {
    /// Read `key` if it is a data field; `Ok(false)` when it is not one (value not consumed).
    fn read_key<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        let dup = &mut self.duplicate;
        match key {
            "status" => take(map, &mut self.status, dup, "status")?,
            "resultCode" => take(map, &mut self.result_code, dup, "resultCode")?,
            "resultMessage" => take(map, &mut self.result_message, dup, "resultMessage")?,
            "items" => take(map, &mut self.items, dup, "items")?,
            "result" => take(map, &mut self.result, dup, "result")?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> Shape<'de> for Data<'de> {
    fn from_map<A: MapAccess<'de>>(
        first: Option<Cow<'de, str>>,
        map: A,
    ) -> Result<Option<Self>, A::Error> {
        let mut data = Data::default();
        each_key(first, map, |key, map| {
            if !data.read_key(&key, map)? {
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        })?;
        Ok(Some(data))
    }
}

/// The top level: an envelope (`code`, `message`, `data`) or a bare `data` object.
#[derive(Debug, Default)]
pub(super) struct Top<'de> {
    pub code: Option<Field<Cow<'de, str>>>,
    pub message: Option<&'de RawValue>,
    /// `Some(Wrong(Null))` for `"data": null`.
    pub data: Option<Field<Data<'de>>>,
    /// Data fields found at the top level (the bare shape).
    pub bare: Data<'de>,
    /// The first envelope key that appeared twice.
    pub duplicate: Option<&'static str>,
}

impl<'de> Shape<'de> for Top<'de> {
    fn from_map<A: MapAccess<'de>>(
        first: Option<Cow<'de, str>>,
        map: A,
    ) -> Result<Option<Self>, A::Error> {
        let mut top = Top::default();
        each_key(first, map, |key, map| {
            let dup = &mut top.duplicate;
            match &*key {
                "code" => take(map, &mut top.code, dup, "code"),
                "message" => take(map, &mut top.message, dup, "message"),
                "data" => take(map, &mut top.data, dup, "data"),
                _ => {
                    if !top.bare.read_key(&key, map)? {
                        map.next_value::<IgnoredAny>()?;
                    }
                    Ok(())
                }
            }
        })?;
        Ok(Some(top))
    }
}

/// One element of `data.items`.
#[derive(Debug, Default)]
pub(super) struct Item<'de> {
    pub name: Option<Field<Cow<'de, str>>>,
    pub value: Option<&'de RawValue>,
    pub value_type: Option<Field<Cow<'de, str>>>,
    /// The first key that appeared twice.
    pub duplicate: Option<&'static str>,
}

impl<'de> Shape<'de> for Item<'de> {
    fn from_map<A: MapAccess<'de>>(
        first: Option<Cow<'de, str>>,
        map: A,
    ) -> Result<Option<Self>, A::Error> {
        let mut item = Item::default();
        each_key(first, map, |key, map| {
            let dup = &mut item.duplicate;
            match &*key {
                "name" => take(map, &mut item.name, dup, "name"),
                "value" => take(map, &mut item.value, dup, "value"),
                "valueType" => take(map, &mut item.value_type, dup, "valueType"),
                _ => map.next_value::<IgnoredAny>().map(drop),
            }
        })?;
        Ok(Some(item))
    }
}

/// The signals of `data.items` or `data.result`, checked one by one as they are read (so the
/// list is built once, in its final form): the signals in document order, duplicates
/// included, or the first bad one's error (the rest is still read, for syntax).
#[derive(Debug, Default)]
pub(super) struct SignalList<'de> {
    pub signals: Vec<Signal<'de>>,
    /// How many entries there were.
    pub count: usize,
    /// The first entry that is not a valid signal.
    pub error: Option<SignalError>,
}

impl<'de> SignalList<'de> {
    fn with_hint(hint: Option<usize>) -> Self {
        SignalList {
            signals: Vec::with_capacity(initial_capacity(hint)),
            count: 0,
            error: None,
        }
    }

    fn push(&mut self, signal: Result<Signal<'de>, SignalError>) {
        self.count += 1;
        if self.count > MAX_SIGNALS && self.error.is_none() {
            self.error = Some(SignalError::TooManySignals { limit: MAX_SIGNALS });
        }
        if self.error.is_none() {
            match signal {
                Ok(signal) => self.signals.push(signal),
                Err(error) => self.error = Some(error),
            }
        }
    }
}

/// Room for a typical response (the default template has 35 signals) in one allocation; a
/// size hint, which comes from the input, is capped.
fn initial_capacity(hint: Option<usize>) -> usize {
    hint.unwrap_or(48).min(256)
}

/// `data.items: [{name, value, valueType}]` (an array).
#[derive(Debug, Default)]
pub(super) struct Items<'de>(pub SignalList<'de>);

impl<'de> Shape<'de> for Items<'de> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut list = SignalList::with_hint(seq.size_hint());
        while let Some(item) = seq.next_element::<Field<Item<'de>>>()? {
            let index = list.count;
            list.push(read_item(index, item));
        }
        Ok(Some(Items(list)))
    }
}

/// `data.result: {name: value}` (an object).
#[derive(Debug, Default)]
pub(super) struct Entries<'de>(pub SignalList<'de>);

impl<'de> Shape<'de> for Entries<'de> {
    fn from_map<A: MapAccess<'de>>(
        first: Option<Cow<'de, str>>,
        map: A,
    ) -> Result<Option<Self>, A::Error> {
        let mut list = SignalList::with_hint(map.size_hint());
        each_key(first, map, |name, map| {
            let value: &'de RawValue = map.next_value()?;
            list.push(result_entry(name, value));
            Ok(())
        })?;
        Ok(Some(Entries(list)))
    }
}

/// Check one element of `data.items` (called by the parser as it reads the array).
fn read_item(index: usize, item: Field<Item<'_>>) -> Result<Signal<'_>, SignalError> {
    let item = match item {
        Field::Ok(item) => item,
        Field::Wrong(found) => {
            return Err(wrong_type(format!("items[{index}]"), "an object", found))
        }
    };
    if let Some(field) = item.duplicate {
        return Err(SignalError::DuplicateField {
            field: format!("items[{index}].{field}"),
        });
    }
    let name = match item.name {
        None => {
            return Err(SignalError::MissingField {
                field: format!("items[{index}].name"),
            })
        }
        Some(Field::Wrong(found)) => {
            return Err(wrong_type(
                format!("items[{index}].name"),
                "a string",
                found,
            ))
        }
        Some(Field::Ok(name)) if name.is_empty() => {
            return Err(SignalError::EmptyName {
                field: format!("items[{index}].name"),
            })
        }
        Some(Field::Ok(name)) => name,
    };
    let value_type = match item.value_type {
        None => {
            return Err(SignalError::MissingSignalField {
                signal: name.into_owned(),
                field: "valueType",
            })
        }
        Some(Field::Wrong(found)) => {
            return Err(SignalError::ValueTypeNotString {
                signal: name.into_owned(),
                found,
            })
        }
        Some(Field::Ok(t)) => match &*t {
            "NUMBER" => ValueType::Number,
            "STRING" => ValueType::String,
            other => {
                return Err(SignalError::UnknownValueType {
                    signal: name.into_owned(),
                    value_type: excerpt(other),
                })
            }
        },
    };
    let Some(value) = item.value else {
        return Err(SignalError::MissingSignalField {
            signal: name.into_owned(),
            field: "value",
        });
    };
    Ok(Signal {
        name,
        value,
        value_type: Some(value_type),
    })
}

/// Check one entry of `data.result` (called by the parser as it reads the object).
fn result_entry<'a>(name: Cow<'a, str>, value: &'a RawValue) -> Result<Signal<'a>, SignalError> {
    if name.is_empty() {
        return Err(SignalError::EmptyName {
            field: "result".to_owned(),
        });
    }
    Ok(Signal {
        name,
        value,
        value_type: None,
    })
}
