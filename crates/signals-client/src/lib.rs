//! A client for the risk-signals provider's API (`POST /beta/signals`, `GET
//! /beta/signals/{id}`, and the alpha paths), made for credit decisions.
//!
//! Why it is built this way:
//!
//! * **Checked before sent.** A [`SignalsRequest`] can only be built valid: the phone parsed,
//!   checked to be a mobile number and held in E.164 with libphonenumber's metadata, the
//!   consent checked by the reference's
//!   rules (`consentedAt` always, ISO 8601 UTC; `consentTemplateId`, or all of `type`,
//!   `version` and `consentedWith`). A violation is a [`RequestError`] naming the field, and
//!   no network call is made.
//! * **Never billed twice.** Each POST is billed, by the `data.status` and `resultCode` of its
//!   answer. A POST is sent again only when the provider certainly did not process it (no
//!   connection; HTTP 408, 429, 500, 503; `SYSTEM_ERROR` or `SERVICE_UNAVAILABLE`), with
//!   exponential backoff and jitter (`backon`). A POST that may have reached the provider and
//!   got no usable answer (no answer, a gateway's 502 or 504, something that is not a payload)
//!   is not re-sent; a `PROCESSING` result is followed by polling `GET /signals/{id}`, which is
//!   free.
//! * **One deadline.** Every fetch ends by [`Deadlines::total`], whatever the provider does;
//!   the outcome then says so. Callers (the decision service) decide on the policy's
//!   `signals_unavailable` fallback, never on a guess.
//! * **Every end typed, never an error.** [`SignalsClient::fetch`] returns a [`Fetch`] whose
//!   [`FetchOutcome`] is completed, no data, unavailable (with its [`UnavailableCause`]) or
//!   rejected (the provider's 4xx and message).
//! * **One parser.** Answers are read by [`interpret`] with the signals parser of `underwrite-signals`,
//!   the one decisions use; the payload's bytes are kept as received ([`Payload`]; only a form
//!   of the credentials in them is replaced), so a decision and its log carry what the
//!   provider sent.
//! * **The secret stays secret.** It is held in a `secrecy::SecretString`, sent only in the
//!   `Authorization` header (which reqwest marks sensitive), and never in `Debug`, errors or
//!   logs; a base URL with credentials in it is refused, and so is `http` to any host but this
//!   machine (a stand-in). And whatever the provider says back passes through one
//!   [`Redactor`] before it leaves the crate (in [`interpret`], so no caller can forget it):
//!   a provider or gateway that repeats the key or the secret (`denied for Basic …`), raw,
//!   base64, percent-encoded or JSON-escaped, has each form replaced by [`REDACTED`] in the
//!   messages, the causes, the payload's bytes and the client's log events.
//! * **reqwest with rustls**: a maintained, pooled, async HTTP client on tokio, with no
//!   OpenSSL to link.
//!
//! ```no_run
//! use underwrite_signals_client::{
//!     ClientConfig, Consent, FetchOutcome, Phone, SignalsClient, SignalsRequest,
//! };
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ClientConfig::from_vars(|name| std::env::var(name).ok())?; // UNDERWRITE_SIGNALS_*
//! let client = SignalsClient::new(config)?; // once; share it (the connection pool goes with it)
//! let consent = Consent::from_json(
//!     r#"{"consentedAt": "2024-08-08T16:06:00Z", "consentTemplateId": "ct-1"}"#,
//! )?;
//! let phone = Phone::parse("0917 123 4567", Some("PH".parse()?))?;
//! let request = SignalsRequest::new(phone, consent, None)?;
//! let fetched = client.fetch(&request).await; // never an error: every end is an outcome
//! match &fetched.outcome {
//!     FetchOutcome::Completed(payload) | FetchOutcome::NoData(payload) => {
//!         println!("{} bytes, signal request {:?}", payload.bytes().len(), fetched.signal_id)
//!     }
//!     FetchOutcome::Unavailable { cause, .. } => println!("unavailable: {cause}"),
//!     FetchOutcome::Rejected(rejected) => println!("refused: {rejected}"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! This crate does network I/O and nothing else: no files, no environment (the caller passes
//! a lookup to [`ClientConfig::from_vars`]), no printing.

mod client;
mod config;
mod outcome;
mod redact;
mod reply;
mod request;

pub use client::SignalsClient;
pub use config::{
    parse_base_url, vars, Api, ClientConfig, ConfigError, Credentials, Deadlines, PollPolicy,
    RetryPolicy, MIN_CREDENTIAL_CHARS, PRODUCTION_BASE_URL,
};
pub use outcome::{Fetch, FetchOutcome, Payload, Rejected, UnavailableCause};
pub use redact::{Redactor, REDACTED};
pub use reply::{interpret, Ids, Reply};
pub use request::{parse_country, Consent, ConsentProblem, Phone, RequestError, SignalsRequest};
pub use underwrite_kyc::Country;
