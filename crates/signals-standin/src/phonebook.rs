//! Which sample payload answers which phone number, and the samples themselves.
//!
//! The samples are the repository's `testdata/signals/*.json`, compiled in. Only their outcome
//! (`resultCode`, `resultMessage`) and their signals (`items` or `result`) are used; the
//! envelope around them is built per request. Signal values are kept as raw JSON text, so
//! numbers are served exactly as written in the file.
//!
//! Each API answers in its own shape: the beta API in `items`, the alpha API in `result`. A
//! sample written in the other shape is converted (same names, values and order), so the phone
//! book can name `risky.json` (written as `result`) for the beta API too.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// One of the provider's signal APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// `/v1/beta/signals`: signals as an `items` array of `{name, value, valueType}`.
    Beta,
    /// `/v1/alpha/signals`: signals as a `result` object of `name: value`.
    Alpha,
}

impl Api {
    /// The path segment naming this API (`beta`, `alpha`).
    pub fn segment(self) -> &'static str {
        match self {
            Api::Beta => "beta",
            Api::Alpha => "alpha",
        }
    }
}

/// The phone number of the reference documents' own sample.
const REFERENCE_PHONE: &str = "+639171234567";

/// The sample files, in the order of [`Samples`]' array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SampleFile {
    AlphaSample,
    BetaSample,
    Clean,
    Risky,
    Banded,
    ThinFile,
    NoData,
    Unavailable,
}

impl SampleFile {
    /// Every file, in array order.
    const ALL: [SampleFile; 8] = [
        SampleFile::AlphaSample,
        SampleFile::BetaSample,
        SampleFile::Clean,
        SampleFile::Risky,
        SampleFile::Banded,
        SampleFile::ThinFile,
        SampleFile::NoData,
        SampleFile::Unavailable,
    ];

    /// The file's name in `testdata/signals/`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            SampleFile::AlphaSample => "alpha-sample.json",
            SampleFile::BetaSample => "beta-sample.json",
            SampleFile::Clean => "clean.json",
            SampleFile::Risky => "risky.json",
            SampleFile::Banded => "banded.json",
            SampleFile::ThinFile => "thin-file.json",
            SampleFile::NoData => "no-data.json",
            SampleFile::Unavailable => "unavailable.json",
        }
    }

    /// The file's contents.
    fn text(self) -> &'static str {
        match self {
            SampleFile::AlphaSample => {
                include_str!("../../../testdata/signals/alpha-sample.json")
            }
            SampleFile::BetaSample => include_str!("../../../testdata/signals/beta-sample.json"),
            SampleFile::Clean => include_str!("../../../testdata/signals/clean.json"),
            SampleFile::Risky => include_str!("../../../testdata/signals/risky.json"),
            SampleFile::Banded => include_str!("../../../testdata/signals/banded.json"),
            SampleFile::ThinFile => include_str!("../../../testdata/signals/thin-file.json"),
            SampleFile::NoData => include_str!("../../../testdata/signals/no-data.json"),
            SampleFile::Unavailable => include_str!("../../../testdata/signals/unavailable.json"),
        }
    }
}

/// The sample that answers `phone` on `api`.
pub(crate) fn pick(api: Api, phone: &str) -> SampleFile {
    let last = phone.chars().last();
    match api {
        Api::Beta if phone == REFERENCE_PHONE => SampleFile::BetaSample,
        Api::Beta => match last {
            Some('0') => SampleFile::NoData,
            Some('1') => SampleFile::Risky,
            Some('2') => SampleFile::Banded,
            Some('3') => SampleFile::ThinFile,
            Some('9') => SampleFile::Unavailable,
            _ => SampleFile::Clean,
        },
        Api::Alpha => match last {
            Some('1') => SampleFile::Risky,
            Some('3') => SampleFile::ThinFile,
            _ => SampleFile::AlphaSample,
        },
    }
}

/// The name of the sample file (in `testdata/signals/`) whose outcome and signals answer a
/// request for `phone` on `api`, e.g. `"risky.json"`.
///
/// On the beta API: the reference phone `+639171234567` gets `beta-sample.json`; otherwise the
/// last digit decides: `0` `no-data.json`, `1` `risky.json`, `2` `banded.json`, `3`
/// `thin-file.json`, `9` `unavailable.json`, anything else `clean.json`. On the alpha API: `1`
/// `risky.json`, `3` `thin-file.json`, anything else `alpha-sample.json`.
///
/// The stand-in serves each API in its own shape, converting a sample written in the other
/// one: `risky.json` on the beta API comes as `items`, with the same names, values and order.
///
/// ```
/// use underwrite_signals_standin::{sample_for, Api};
/// assert_eq!(sample_for(Api::Beta, "+639170000001"), "risky.json");
/// assert_eq!(sample_for(Api::Beta, "+639171234567"), "beta-sample.json");
/// assert_eq!(sample_for(Api::Alpha, "+639170000002"), "alpha-sample.json");
/// ```
pub fn sample_for(api: Api, phone: &str) -> &'static str {
    pick(api, phone).name()
}

/// Signals as an ordered list of `name: value`, read from and written as a JSON object.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entries(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of signal values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

impl Serialize for Entries {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// One beta signal, `{name, value, valueType}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Item {
    /// The signal's name.
    pub name: String,
    /// Its value, as JSON text.
    pub value: Box<RawValue>,
    /// `NUMBER` or `STRING`.
    pub value_type: String,
}

/// A sample's signals, in the shape its file has.
#[derive(Debug, Clone)]
pub(crate) enum Signals {
    /// No signals at all (neither field present).
    Absent,
    /// The beta shape.
    Items(Vec<Item>),
    /// The alpha shape.
    Result(Entries),
}

impl Signals {
    /// The same signals in `api`'s shape. `Absent` stays absent.
    pub(crate) fn shaped_for(&self, api: Api) -> Signals {
        match (self, api) {
            (Signals::Absent, _) => Signals::Absent,
            (Signals::Items(_), Api::Beta) | (Signals::Result(_), Api::Alpha) => self.clone(),
            (Signals::Result(Entries(entries)), Api::Beta) => Signals::Items(
                entries
                    .iter()
                    .map(|(name, value)| Item {
                        name: name.clone(),
                        value: value.clone(),
                        value_type: if value.get().starts_with('"') {
                            "STRING".to_owned()
                        } else {
                            "NUMBER".to_owned()
                        },
                    })
                    .collect(),
            ),
            (Signals::Items(items), Api::Alpha) => Signals::Result(Entries(
                items
                    .iter()
                    .map(|item| (item.name.clone(), item.value.clone()))
                    .collect(),
            )),
        }
    }

    /// No signals in `api`'s shape: an empty `items` array, or no `result`.
    pub(crate) fn none_for(api: Api) -> Signals {
        match api {
            Api::Beta => Signals::Items(Vec::new()),
            Api::Alpha => Signals::Absent,
        }
    }
}

/// What a sample file holds that the stand-in serves.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// `data.resultCode`.
    pub result_code: Option<String>,
    /// `data.resultMessage`.
    pub result_message: Option<String>,
    /// `data.items` or `data.result`.
    pub signals: Signals,
}

/// The wire form of a sample file: only the fields used.
#[derive(Deserialize)]
struct SampleEnvelope {
    data: SampleData,
}

/// The wire form of a sample's `data`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SampleData {
    result_code: Option<String>,
    result_message: Option<String>,
    items: Option<Vec<Item>>,
    result: Option<Entries>,
}

/// A compiled-in sample that does not parse (a broken `testdata/signals` file).
#[derive(Debug, thiserror::Error)]
#[error("sample testdata/signals/{file} does not parse: {source}")]
pub(crate) struct SampleError {
    file: &'static str,
    source: serde_json::Error,
}

/// Every sample, parsed once at start.
#[derive(Debug)]
pub(crate) struct Samples([Sample; 8]);

impl Samples {
    /// Parse the compiled-in samples.
    pub(crate) fn load() -> Result<Samples, SampleError> {
        let parse = |file: SampleFile| -> Result<Sample, SampleError> {
            let envelope: SampleEnvelope =
                serde_json::from_str(file.text()).map_err(|source| SampleError {
                    file: file.name(),
                    source,
                })?;
            let data = envelope.data;
            let signals = match (data.items, data.result) {
                (Some(items), _) => Signals::Items(items),
                (None, Some(result)) => Signals::Result(result),
                (None, None) => Signals::Absent,
            };
            Ok(Sample {
                result_code: data.result_code,
                result_message: data.result_message,
                signals,
            })
        };
        let [a, b, c, d, e, f, g, h] = SampleFile::ALL;
        Ok(Samples([
            parse(a)?,
            parse(b)?,
            parse(c)?,
            parse(d)?,
            parse(e)?,
            parse(f)?,
            parse(g)?,
            parse(h)?,
        ]))
    }

    /// The parsed sample of `file`.
    pub(crate) fn get(&self, file: SampleFile) -> &Sample {
        &self.0[file as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_parses_in_its_documented_shape() {
        let samples = Samples::load().expect("compiled-in samples parse");
        for file in SampleFile::ALL {
            let sample = samples.get(file);
            let shape = match &sample.signals {
                Signals::Absent => "absent",
                Signals::Items(_) => "items",
                Signals::Result(_) => "result",
            };
            let expected = match file {
                SampleFile::AlphaSample | SampleFile::Risky | SampleFile::ThinFile => "result",
                SampleFile::Unavailable => "absent",
                _ => "items",
            };
            assert_eq!(shape, expected, "{}", file.name());
        }
        assert_eq!(
            samples.get(SampleFile::Unavailable).result_code.as_deref(),
            Some("SERVICE_UNAVAILABLE")
        );
    }

    #[test]
    fn result_becomes_items_in_order_with_value_types() {
        let samples = Samples::load().expect("compiled-in samples parse");
        let Signals::Items(items) = samples.get(SampleFile::Risky).signals.shaped_for(Api::Beta)
        else {
            panic!("beta shape is items");
        };
        assert_eq!(items.len(), 35);
        assert_eq!(items[0].name, "events_marketing_day30_institution_count");
        assert_eq!(items[12].name, "events_overdue_day30_amount");
        assert_eq!(items[12].value.get(), "18500.75");
        assert!(items.iter().all(|item| item.value_type == "NUMBER"));
        let Signals::Result(Entries(back)) = Signals::Items(items).shaped_for(Api::Alpha) else {
            panic!("alpha shape is result");
        };
        assert_eq!(back[34].0, "events_overdue_days_since_last");
        let Signals::Items(banded) = samples.get(SampleFile::Banded).signals.clone() else {
            panic!("banded is items");
        };
        let Signals::Items(again) = Signals::Result(Entries(
            banded
                .iter()
                .map(|i| (i.name.clone(), i.value.clone()))
                .collect(),
        ))
        .shaped_for(Api::Beta) else {
            panic!("beta shape is items");
        };
        let types = |items: &[Item]| -> Vec<String> {
            items.iter().map(|i| i.value_type.clone()).collect()
        };
        assert_eq!(types(&again), types(&banded));
    }
}
