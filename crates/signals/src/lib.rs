//! # underwrite-signals
//!
//! The risk-signals payload, from the provider's bytes to the typed feature vector a policy
//! reads:
//!
//! ```text
//! payload bytes ─► signals::parse ─► Payload ─► normalize::normalize_payload ─► Normalized
//!                  (envelope, status,            (catalog kind per signal:     (FeatureVector,
//!                   both shapes, borrowing)        null, ranges, bands)           unknown, warnings)
//! ```
//!
//! * [`catalog`]: every phone signal the provider documents, and the naming scheme their names
//!   follow (`events_<event>_day<N>[_measure]`), so any name that fits gets a kind.
//! * [`signals`]: the wire format: the envelope or the bare `data` object, `status` and
//!   `resultCode` as typed outcomes, the beta (`items`) and alpha (`result`) shapes.
//! * [`features`]: the dense, slot-indexed [`features::FeatureVector`], its
//!   [`features::Schema`], and [`features::FeatureValue`] (missing, never, number, band, text).
//! * [`normalize`]: a parsed payload becomes a feature vector over a schema.
//! * [`text`]: user text made safe to quote in a message.
//!
//! # Why a crate of its own
//!
//! The payload is the one input every surface shares: the decision engine (`underwrite-core`,
//! which re-exports these modules, so `underwrite_core::signals` and the rest are the same
//! items), the provider client (`underwrite-signals-client`), the service, the CLI, the Python
//! and Arrow bindings. The client needs the parser (it accepts only a payload a decision would
//! accept) but has no use for policies; as a crate of its own the parser comes without Rhai,
//! the YAML parsers and the policy compiler, and a reader sees the payload's rules in one place
//! with nothing of the policy layer in between. Data flows one way: `text` and `catalog` are
//! leaves, `features` uses the catalog, `signals` reads bytes into its own types, `normalize`
//! uses all of them; nothing here knows about policies.
//!
//! # Design choices
//!
//! * **Parse once, borrow, stay exact.** [`signals::parse`] reads the bytes in one serde pass
//!   into borrowing structs: names borrow from the input, each value is the `&RawValue` text
//!   as sent, so a number goes from JSON text to `rust_decimal::Decimal` without ever being an
//!   `f64`. Fields nobody reads (`requestMeta`, ids, times) are skipped without allocating.
//! * **Missing is never zero by accident.** What `null` means is decided once, per signal kind,
//!   in the catalog: a count's `null` is 0 events, a "days since last" `null` is
//!   [`features::FeatureValue::Never`] (not 0 = today), an amount's `null` is missing.
//! * **The shape is checked where it is read.** A field of the wrong JSON type (an array where
//!   an object belongs included: serde would read a sequence into a struct, this parser does
//!   not), a key twice, a name twice, an unknown `status` or `resultCode`, more than
//!   [`signals::MAX_SIGNALS`] signals: each is a [`signals::SignalError`] naming the field or
//!   the signal, found in the same pass, with the provider's text quoted only as a short,
//!   escaped excerpt.
//! * **Unknown signals are kept, never dropped.** A signal the schema has no slot for is typed
//!   from its `valueType` and reported in [`normalize::Normalized::unknown`] and its warnings.
//! * **No I/O, no printing, no panics on input.** Every failure is a typed error a caller can
//!   match; the crate holds no state and is `Send + Sync` throughout.
//!
//! # Example
//!
//! ```
//! use underwrite_signals::features::{FeatureValue, Schema};
//! use underwrite_signals::normalize::normalize_payload;
//! use underwrite_signals::signals::{parse, SignalStatus};
//! use std::sync::Arc;
//!
//! let bytes = br#"{"code": "OK", "message": "ok", "requestId": "r1",
//!   "data": {"status": "COMPLETED", "resultCode": "SUCCESS", "items": [
//!     {"name": "events_overdue_day30", "value": 2, "valueType": "NUMBER"},
//!     {"name": "events_overdue_days_since_last", "value": null, "valueType": "NUMBER"}]}}"#;
//! let payload = parse(bytes)?;
//! assert_eq!(payload.status, SignalStatus::Success);
//! let normalized = normalize_payload(&payload, &Arc::new(Schema::phone_catalog()))?;
//! let features = &normalized.features;
//! assert_eq!(features.get_by_name("events_overdue_day30"), Some(&FeatureValue::Number(2.into())));
//! // A "days since last" null means the event never happened, not 0 days ago.
//! assert_eq!(features.get_by_name("events_overdue_days_since_last"), Some(&FeatureValue::Never));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod text;

pub mod catalog;
pub mod features;
pub mod signals;

pub mod normalize;
