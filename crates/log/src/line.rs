//! Writing records: [`RecordParts`] (what a record is made of, borrowed from the decision being
//! answered) encoded into [`Lines`] (complete lines, ready to append).
//!
//! A line is written key by key into one buffer: the payload by `payload` (compact, masked, in
//! one pass), every other value by serde_json with the line formatter. No intermediate `String`
//! or `Value`, and no allocation but the buffer's. Every byte of a line comes from one of those
//! two writers, neither of which writes a line break, and the line ends with the only `\n`: a
//! record is exactly one line whatever the client sent.

use std::time::SystemTime;

use serde_json::value::RawValue;
use underwrite_core::policy::{Outcome, PolicyId, Reason};
use underwrite_kyc::KycResult;

use crate::json;
use crate::mask::PhoneMasking;
use crate::payload::{self, PayloadError};
use crate::record::{Arm, Record, ShadowDecision, SignalsFetched, LOG_FORMAT_VERSION};

/// Bytes reserved for a line beyond its payload (ids, the KYC result, reasons).
const LINE_OVERHEAD: usize = 1536;

/// What one record is made of. Its fields are written in this order.
#[derive(Debug, Clone, Copy)]
pub struct RecordParts<'a> {
    /// The decision's id, as answered.
    pub decision_id: &'a str,
    /// When it was decided: RFC 3339 in UTC (see [`Timestamp`]).
    pub time: &'a str,
    /// The policy that made the answered decision.
    pub policy: &'a PolicyId,
    /// The arm that answered.
    pub arm: Arm,
    /// The application's id, when it had one.
    pub id: Option<&'a RawValue>,
    /// SHA-256 of the request body (of the line, in a batch), as answered.
    pub input_sha256: &'a str,
    /// The signals payload's JSON text, as the application carried it; written compact and
    /// masked.
    pub signals: &'a str,
    /// The KYC result the decision read.
    pub kyc: Option<&'a KycResult>,
    /// The outcome.
    pub decision: Outcome,
    /// The score, when the scorecard ran.
    pub score: Option<i64>,
    /// The reasons, in order.
    pub reasons: &'a [Reason],
    /// Microseconds spent deciding.
    pub latency_us: u64,
    /// The shadow challenger's decision.
    pub shadow: Option<&'a ShadowDecision>,
    /// How the signals were fetched (`POST /v1/applications`).
    pub signals_fetch: Option<&'a SignalsFetched>,
}

impl Record {
    /// This record's parts, to write it again (a copy of a log, a test).
    pub fn parts(&self) -> RecordParts<'_> {
        RecordParts {
            decision_id: &self.decision_id,
            time: &self.time,
            policy: &self.policy,
            arm: self.arm,
            id: self.id.as_deref(),
            input_sha256: &self.input_sha256,
            signals: self.signals.get(),
            kyc: self.kyc.as_ref(),
            decision: self.decision,
            score: self.score,
            reasons: &self.reasons,
            latency_us: self.latency_us,
            shadow: self.shadow.as_ref(),
            signals_fetch: self.signals_fetch.as_ref(),
        }
    }
}

/// A record could not be encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The signals payload is not JSON (an application that decided always has a JSON
    /// payload).
    #[error("decision log: cannot encode decision {decision_id}: {source}")]
    Payload {
        /// The record's decision id.
        decision_id: String,
        /// Where the payload is not JSON.
        source: PayloadError,
    },
    /// A field could not be serialized (a bug).
    #[error("decision log: cannot encode decision {decision_id}: {field}: {source}")]
    Field {
        /// The record's decision id.
        decision_id: String,
        /// The field.
        field: &'static str,
        /// serde_json's error.
        source: serde_json::Error,
    },
}

/// Complete log lines, ready to append: each one record, compact JSON, ending in its only
/// newline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lines {
    bytes: Vec<u8>,
    count: usize,
}

impl Lines {
    /// No lines.
    pub fn new() -> Lines {
        Lines::default()
    }

    /// One record's line.
    pub fn one(record: &RecordParts<'_>, masking: &PhoneMasking) -> Result<Lines, EncodeError> {
        let mut lines = Lines {
            bytes: Vec::with_capacity(record.signals.len() + LINE_OVERHEAD),
            count: 0,
        };
        lines.push(record, masking)?;
        Ok(lines)
    }

    /// Add one record's line, the phone masked with `masking`; on an error nothing is added.
    pub fn push(
        &mut self,
        record: &RecordParts<'_>,
        masking: &PhoneMasking,
    ) -> Result<(), EncodeError> {
        let mark = self.bytes.len();
        let result = encode(&mut self.bytes, record, masking);
        match result {
            Ok(()) => {
                self.bytes.push(b'\n');
                self.count += 1;
            }
            Err(_) => self.bytes.truncate(mark),
        }
        result
    }

    /// Add `other`'s lines after these.
    pub fn append(&mut self, other: Lines) {
        if self.bytes.is_empty() {
            *self = other;
        } else {
            self.bytes.extend_from_slice(&other.bytes);
            self.count += other.count;
        }
    }

    /// How many lines.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The lines' bytes, each line ending in `\n`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A record's keys and values, in order, without the newline.
fn encode(
    out: &mut Vec<u8>,
    r: &RecordParts<'_>,
    masking: &PhoneMasking,
) -> Result<(), EncodeError> {
    let field_error = |field: &'static str| {
        move |source| EncodeError::Field {
            decision_id: r.decision_id.to_owned(),
            field,
            source,
        }
    };
    out.extend_from_slice(b"{\"v\":");
    json::write(out, &LOG_FORMAT_VERSION).map_err(field_error("v"))?;
    out.extend_from_slice(b",\"decision_id\":");
    json::write(out, r.decision_id).map_err(field_error("decision_id"))?;
    out.extend_from_slice(b",\"time\":");
    json::write(out, r.time).map_err(field_error("time"))?;
    out.extend_from_slice(b",\"policy\":");
    json::write(out, r.policy).map_err(field_error("policy"))?;
    out.extend_from_slice(b",\"arm\":\"");
    out.extend_from_slice(r.arm.as_str().as_bytes());
    out.push(b'"');
    if let Some(id) = r.id {
        out.extend_from_slice(b",\"id\":");
        json::write(out, id).map_err(field_error("id"))?;
    }
    out.extend_from_slice(b",\"input_sha256\":");
    json::write(out, r.input_sha256).map_err(field_error("input_sha256"))?;
    out.extend_from_slice(b",\"signals\":");
    payload::write(out, r.signals, masking).map_err(|source| EncodeError::Payload {
        decision_id: r.decision_id.to_owned(),
        source,
    })?;
    if let Some(kyc) = r.kyc {
        out.extend_from_slice(b",\"kyc\":");
        json::write(out, kyc).map_err(field_error("kyc"))?;
    }
    out.extend_from_slice(b",\"decision\":\"");
    out.extend_from_slice(r.decision.as_str().as_bytes());
    out.extend_from_slice(b"\",\"score\":");
    json::write(out, &r.score).map_err(field_error("score"))?;
    out.extend_from_slice(b",\"reasons\":");
    json::write(out, r.reasons).map_err(field_error("reasons"))?;
    out.extend_from_slice(b",\"latency_us\":");
    json::write(out, &r.latency_us).map_err(field_error("latency_us"))?;
    if let Some(shadow) = r.shadow {
        out.extend_from_slice(b",\"shadow\":");
        json::write(out, shadow).map_err(field_error("shadow"))?;
    }
    if let Some(fetch) = r.signals_fetch {
        out.extend_from_slice(b",\"signals_fetch\":");
        json::write(out, fetch).map_err(field_error("signals_fetch"))?;
    }
    out.push(b'}');
    Ok(())
}

/// A time as RFC 3339 in UTC with milliseconds (`2026-11-26T09:18:13.775Z`), the form of a
/// record's `time`, held without allocating.
#[derive(Clone, Copy)]
pub struct Timestamp {
    text: [u8; 32],
    len: usize,
}

impl Timestamp {
    /// `at`, formatted.
    pub fn new(at: SystemTime) -> Timestamp {
        use std::io::Write;
        let mut text = [0u8; 32];
        let mut rest = &mut text[..];
        let written = write!(rest, "{}", humantime::format_rfc3339_millis(at));
        let len = 32 - rest.len();
        if written.is_err() {
            // Years past 9999 do not fit; humantime does not write them either.
            return Timestamp::new(SystemTime::UNIX_EPOCH);
        }
        Timestamp { text, len }
    }

    /// The current time.
    pub fn now() -> Timestamp {
        Timestamp::new(SystemTime::now())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.text.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }
}

impl std::fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
