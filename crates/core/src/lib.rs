//! # underwrite-core
//!
//! Turns a risk-signals API response (and a Basic KYC result) into a credit decision:
//! **approve / review / reject**, with reasons, a score, the policy's identity and a trace.
//!
//! ```text
//! payload bytes ─► signals::parse ─► normalize::normalize ─► FeatureVector ─┐
//!                  (typed, borrowing)  (catalog kinds, nulls)                 ├─► Policy::decide ─► Decision
//! KYC request/result ─► policy::kyc::KycFacts (via underwrite-kyc) ───────────┘
//! ```
//!
//! * [`application`]: one application (`id`, `signals`, `kyc`) as batch files, the service
//!   and its decision log carry it.
//! * [`line`](mod@line): JSON Lines input cut into lines by one splitter for every surface, and
//!   why one line produced no result, with the message every surface writes for it.
//! * [`catalog`]: every documented phone signal and the naming scheme it follows.
//! * [`signals`]: the provider's envelope, statuses and both payload shapes, parsed without an
//!   intermediate `serde_json::Value`.
//! * [`normalize`]: payload → typed [`features::FeatureVector`], with what `null` means decided
//!   per signal kind.
//! * [`features`]: the dense, slot-indexed feature vector and its schema.
//! * [`policy`]: YAML + Rhai policies, compiled once, decided many times.
//! * [`split`]: the champion/challenger split (which arm an application id meets), shared by
//!   the service and `compare`.
//! * [`policy_schema_json`]: the JSON Schema of the policy file format, for editors.
//!
//! [`catalog`], [`signals`], [`normalize`] and [`features`] are `underwrite-signals`'
//! modules, re-exported whole: the payload's rules live in that crate, which the provider client
//! uses without the policy layer.
//!
//! # Why it is built this way
//!
//! * **Missing is never zero by accident.** A count's `null` is 0 events, a "days since last"
//!   `null` is *never* (not 0 = today), an amount's `null` is missing; policies must say what
//!   missing means before they compare it: loading refuses a comparison that can meet an
//!   unhandled missing, never or band value, and where only running can tell, the decision fails
//!   with an error naming the rule and its [`policy::RuleErrorKind`].
//! * **Money is exact.** Numbers go from JSON text straight to `rust_decimal::Decimal`; Rhai is
//!   built with `decimal` and without floats.
//! * **Parse once, compile once, decide cheaply.** Rhai's parser is the only parser of
//!   expression text. Names are resolved to slots at load; expressions built from operators
//!   are lowered from Rhai's AST and run natively, the rest run in a sandboxed Rhai engine,
//!   under one set of type rules. A [`policy::Policy`] is `Send + Sync`.
//! * **No I/O, no printing, no panics on input.** Every failure is a typed error naming the
//!   signal, field or rule; the CLI crate is the only one that touches files and terminals.
//!   Entries into Rhai and the YAML parser also run under `catch_unwind`, so a bug there is a
//!   typed error for that one input ([`policy::DecideError::Internal`]); the process's panic
//!   hook still sees it, so a binary that wants silence installs its own hook.
//! * **A policy calls only what it needs.** The Rhai engine is built without its standard
//!   library; [`policy::functions::FUNCTIONS`] is the whole list of callable functions, each
//!   checked for overflow and for missing / never / band arguments, and any other call is a
//!   load error naming the function and the rule.
//!
//! # Example
//!
//! ```
//! use underwrite_core::policy::{kyc::KycFacts, DecideOptions, Outcome, Policy};
//!
//! let policy = Policy::load(br#"
//! name: example
//! version: "1"
//! knockouts:
//!   - id: kyc_no_match
//!     when: kyc.provided && kyc.result == "No Match"
//!     outcome: reject
//!     reason: { code: KYC_NO_MATCH, text: Identity does not match }
//!   - id: overdue
//!     when: events_overdue_day30 > 0
//!     outcome: review
//!     reason: { code: OVERDUE, text: Overdue in the last 30 days }
//! "#)?;
//! let kyc = KycFacts::from_json(br#"{
//!   "submitted": {"first_name": "Joe", "last_name": "Leo", "dob": "2000-09-20"},
//!   "authority": {"first_name": "JOE", "last_name": "Leo", "dob": "2000-09-20"}}"#)?;
//! let payload = br#"{"code": "OK", "message": "ok", "requestId": "r1",
//!   "data": {"status": "COMPLETED", "resultCode": "SUCCESS",
//!            "items": [{"name": "events_overdue_day30", "value": 1, "valueType": "NUMBER"}]}}"#;
//! let decision = policy.decide_payload(payload, Some(&kyc), DecideOptions { trace: false })?;
//! assert_eq!(decision.decision, Outcome::Review);
//! assert_eq!(decision.reason_codes(), ["OVERDUE"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod application;
pub mod line;
pub mod panic;
pub mod policy;
mod policy_schema;
pub mod size;
pub mod split;

// The payload's modules live in `underwrite-signals` (which needs no Rhai or YAML, so the
// provider client can use the parser alone); they are re-exported here whole, so
// `underwrite_core::signals::parse` and `underwrite_signals::signals::parse` are one item.
// `text` is the one way user text is quoted in a message: the policy compiler quotes names and
// expressions through it as the parser quotes provider text, and the log's reader cuts what it
// keeps of a bad line with it.
pub use underwrite_signals::{catalog, features, normalize, signals, text};

pub use policy_schema::policy_schema_json;
/// The README's Rust snippets, compiled and run as doc-tests so that they stay true to the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
