//! How the client is set up: where the provider is, who we are, and how long we wait.

use std::fmt;
use std::time::Duration;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

/// The production base URL the reference gives.
pub const PRODUCTION_BASE_URL: &str = "https://open.smileapi.io/v1";

/// The fewest characters an API key or secret may have ([`ClientConfig::validate`] refuses
/// fewer): the redactor removes every form of both from provider text, payloads included, and
/// a very short one would match ordinary text.
pub const MIN_CREDENTIAL_CHARS: usize = 8;

/// The environment variables (and service settings) that configure the client. The CLI's
/// `signals fetch` and `serve` read the same names; [`ClientConfig::from_vars`] reads them
/// through a lookup the caller gives (this library reads no environment itself).
pub mod vars {
    /// The API key (Basic authentication's user).
    pub const KEY: &str = "UNDERWRITE_SIGNALS_KEY";
    /// The API secret (Basic authentication's password).
    pub const SECRET: &str = "UNDERWRITE_SIGNALS_SECRET";
    /// The base URL, e.g. the sandbox's; the production URL when unset.
    pub const BASE_URL: &str = "UNDERWRITE_SIGNALS_BASE_URL";
    /// The signal template id sent with each request when the request names none.
    pub const TEMPLATE: &str = "UNDERWRITE_SIGNALS_TEMPLATE";
}

/// Which version of the signals API to call: the paths and the payload shape differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Api {
    /// `/beta/signals`: `data.items: [{name, value, valueType}]`.
    #[default]
    Beta,
    /// `/alpha/signals`: `data.result: {name: value}`.
    Alpha,
}

impl Api {
    /// The path segment (`"beta"` or `"alpha"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Api::Beta => "beta",
            Api::Alpha => "alpha",
        }
    }
}

/// The API key and secret. The secret is never shown: not by `Debug`, not in any error.
#[derive(Clone)]
pub struct Credentials {
    key: String,
    secret: SecretString,
}

impl Credentials {
    /// Key and secret as issued by the provider's developer portal.
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Credentials {
        Credentials {
            key: key.into(),
            secret: SecretString::from(secret.into()),
        }
    }

    /// The key (not secret: it names the account).
    pub fn key(&self) -> &str {
        &self.key
    }

    pub(crate) fn secret(&self) -> &str {
        self.secret.expose_secret()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// How long the client waits.
///
/// `total` bounds a whole [`crate::SignalsClient::fetch`]: every attempt, every backoff sleep
/// and every poll of a `PROCESSING` request end by then, and the outcome is then
/// [`crate::UnavailableCause::Deadline`]. A POST gets the whole remaining time: once its
/// request may have reached the provider it is never re-sent (each POST is billed), so cutting
/// it short would only give up earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Establishing a connection (TCP and TLS).
    pub connect: Duration,
    /// One `GET` of a pending request while polling.
    pub poll_request: Duration,
    /// The whole fetch.
    pub total: Duration,
}

impl Default for Deadlines {
    fn default() -> Deadlines {
        Deadlines {
            connect: Duration::from_millis(1_000),
            poll_request: Duration::from_millis(1_500),
            total: Duration::from_secs(5),
        }
    }
}

/// Retrying POSTs the provider did not process: connection failures, HTTP 408, 429, 500 and
/// 503, and `SYSTEM_ERROR` / `SERVICE_UNAVAILABLE` results (the reference bills a create request
/// by its answer's `data.status` and `resultCode`, so none of these is billed). A 502 or 504
/// comes from a gateway that may have lost a billed answer: not re-sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// POSTs tried at most, the first included (one that could not connect counts).
    pub max_posts: u32,
    /// The first backoff; each later one doubles, plus a random jitter of up to itself.
    pub min_delay: Duration,
    /// No backoff grows beyond this (before jitter).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_posts: 3,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        }
    }
}

/// Polling a `PROCESSING` request with `GET /signals/{id}` (free: only POSTs are billed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// The wait before the first poll; each later wait is 1.5 times the one before.
    pub first_interval: Duration,
    /// No wait grows beyond this.
    pub max_interval: Duration,
}

impl Default for PollPolicy {
    fn default() -> PollPolicy {
        PollPolicy {
            first_interval: Duration::from_millis(200),
            max_interval: Duration::from_secs(1),
        }
    }
}

/// Everything the client needs. Build with [`ClientConfig::new`] or
/// [`ClientConfig::from_vars`], then adjust the public fields.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The API's base URL, without the version path (`https://open.smileapi.io/v1`).
    pub base_url: Url,
    /// Beta or alpha paths.
    pub api: Api,
    /// Key and secret.
    pub credentials: Credentials,
    /// The signal template id sent when a request names none.
    pub default_template: Option<String>,
    /// Time limits.
    pub deadlines: Deadlines,
    /// Retries of requests that certainly did not complete.
    pub retry: RetryPolicy,
    /// Polling of pending requests.
    pub poll: PollPolicy,
    /// An answer body larger than this is refused unread beyond it.
    pub max_response_bytes: usize,
}

/// A configuration that cannot work, naming the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required setting is missing.
    #[error("{name} is not set: {why}")]
    Missing {
        /// The setting (an environment variable's name).
        name: &'static str,
        /// What it is for.
        why: &'static str,
    },
    /// The base URL is not an `http(s)` URL.
    #[error("{name}: {value:?} is not a usable base URL: {reason}")]
    BaseUrl {
        /// The setting.
        name: &'static str,
        /// What was given (without any credentials it carried).
        value: String,
        /// Why not.
        reason: String,
    },
    /// A time limit is zero or out of order.
    #[error("{0}")]
    Deadlines(String),
    /// The API key or secret is shorter than [`MIN_CREDENTIAL_CHARS`]: every provider text is
    /// redacted of both, and one that short would be cut out of ordinary payload text (a key
    /// `180` out of the signal name `events_overdue_day180`).
    #[error(
        "{what} has fewer than {min} characters: the provider issues longer ones, and one this \
         short would be redacted out of ordinary payload text",
        min = MIN_CREDENTIAL_CHARS
    )]
    ShortCredential {
        /// "the API key" or "the API secret" (never the value).
        what: &'static str,
    },
    /// The HTTP client could not be built (e.g. no TLS roots).
    #[error("the HTTP client could not be built: {0}")]
    Http(String),
}

impl ClientConfig {
    /// The defaults, against the production base URL.
    pub fn new(credentials: Credentials) -> ClientConfig {
        ClientConfig {
            base_url: Url::parse(PRODUCTION_BASE_URL)
                .expect("the production base URL is a constant, valid URL"),
            api: Api::Beta,
            credentials,
            default_template: None,
            deadlines: Deadlines::default(),
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            max_response_bytes: 1 << 20,
        }
    }

    /// Read [`vars`] through `lookup` (e.g. `|name| std::env::var(name).ok()`); flags a caller
    /// offers are applied by it afterwards. An empty value counts as unset.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientConfig, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let key = get(vars::KEY).ok_or(ConfigError::Missing {
            name: vars::KEY,
            why: "the provider's API key",
        })?;
        let secret = get(vars::SECRET).ok_or(ConfigError::Missing {
            name: vars::SECRET,
            why: "the provider's API secret",
        })?;
        let mut config = ClientConfig::new(Credentials::new(key, secret));
        if let Some(url) = get(vars::BASE_URL) {
            config.base_url = parse_base_url(vars::BASE_URL, &url)?;
        }
        config.default_template = get(vars::TEMPLATE);
        Ok(config)
    }

    /// Check the settings together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_base_url("base_url", &self.base_url)?;
        for (what, value) in [
            ("the API key", self.credentials.key()),
            ("the API secret", self.credentials.secret()),
        ] {
            if value.chars().count() < MIN_CREDENTIAL_CHARS {
                return Err(ConfigError::ShortCredential { what });
            }
        }
        let d = &self.deadlines;
        if d.connect.is_zero() || d.poll_request.is_zero() || d.total.is_zero() {
            return Err(ConfigError::Deadlines(
                "every deadline (connect, poll request, total) must be above zero".into(),
            ));
        }
        if self.retry.max_posts == 0 {
            return Err(ConfigError::Deadlines(
                "retry.max_posts must be at least 1 (the first POST)".into(),
            ));
        }
        if self.retry.min_delay > self.retry.max_delay
            || self.poll.first_interval > self.poll.max_interval
        {
            return Err(ConfigError::Deadlines(
                "a minimum delay is above its maximum (retry or poll)".into(),
            ));
        }
        Ok(())
    }
}

/// Parse a base URL setting (`name` is the setting's name, for the error): `https` (`http` only
/// to this machine), no credentials in it, no query.
pub fn parse_base_url(name: &'static str, text: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(text.trim()).map_err(|e| ConfigError::BaseUrl {
        name,
        value: redact_userinfo(text),
        reason: e.to_string(),
    })?;
    check_base_url(name, &url)?;
    Ok(url)
}

fn check_base_url(name: &'static str, url: &Url) -> Result<(), ConfigError> {
    let refuse = |reason: &str| ConfigError::BaseUrl {
        name,
        value: redact_userinfo(url.as_str()),
        reason: reason.into(),
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url) => {}
        "http" => {
            return Err(refuse(
                "http sends the API secret in the clear; use https (http is for a stand-in on \
                 this machine only: 127.0.0.1, ::1, localhost)",
            ))
        }
        _ => return Err(refuse("the scheme must be https")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            "credentials do not belong in the URL; set UNDERWRITE_SIGNALS_KEY and UNDERWRITE_SIGNALS_SECRET",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("a base URL has no query or fragment"));
    }
    if url.host_str().is_none() {
        return Err(refuse("no host"));
    }
    Ok(())
}

/// Whether the URL's host is this machine.
fn is_loopback(url: &Url) -> bool {
    url.host_str().is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

/// `text` with everything up to its last `@` replaced, so that a URL with credentials in it
/// (with or without a scheme: `key:secret@host/v1` parses as the scheme `key`) can be named in
/// an error without them.
fn redact_userinfo(text: &str) -> String {
    match text.rfind('@') {
        Some(at) => format!("[redacted]@{}", &text[at + 1..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn from_vars_reads_every_name_and_defaults_to_production() {
        let c = ClientConfig::from_vars(vars(&[(vars::KEY, "k"), (vars::SECRET, "s")]))
            .expect("config");
        assert_eq!(c.base_url.as_str(), "https://open.smileapi.io/v1");
        assert_eq!(c.credentials.key(), "k");
        assert_eq!(c.default_template, None);
        let c = ClientConfig::from_vars(vars(&[
            (vars::KEY, "k"),
            (vars::SECRET, "s"),
            (vars::BASE_URL, "http://127.0.0.1:9/v1"),
            (vars::TEMPLATE, "tpl-1"),
        ]))
        .expect("config");
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:9/v1");
        assert_eq!(c.default_template.as_deref(), Some("tpl-1"));
    }

    #[test]
    fn missing_credentials_name_the_variable() {
        let e = ClientConfig::from_vars(vars(&[(vars::KEY, "k"), (vars::SECRET, " ")]))
            .expect_err("no secret");
        assert!(e
            .to_string()
            .starts_with("UNDERWRITE_SIGNALS_SECRET is not set"));
        let e = ClientConfig::from_vars(vars(&[])).expect_err("no key");
        assert!(e
            .to_string()
            .starts_with("UNDERWRITE_SIGNALS_KEY is not set"));
    }

    #[test]
    fn a_base_url_with_credentials_is_refused_without_showing_them() {
        let e = parse_base_url(vars::BASE_URL, "https://me:hunter2@open.smileapi.io/v1")
            .expect_err("userinfo");
        let text = e.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("[redacted]@open.smileapi.io"), "{text}");
        // Without a scheme, `key:secret@host` parses as the scheme `key`: still not shown.
        let e = parse_base_url(vars::BASE_URL, "key:hunter2@open.smileapi.io/v1")
            .expect_err("not a usable URL");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(parse_base_url(vars::BASE_URL, "ftp://x/v1").is_err());
        // The secret never goes out in the clear, except to this machine.
        let e = parse_base_url(vars::BASE_URL, "http://open.smileapi.io/v1").expect_err("http");
        assert!(e.to_string().contains("use https"), "{e}");
        for local in [
            "http://127.0.0.1:8090/v1",
            "http://[::1]:8090/v1",
            "http://localhost/v1",
        ] {
            assert!(parse_base_url(vars::BASE_URL, local).is_ok(), "{local}");
        }
        assert!(parse_base_url(vars::BASE_URL, "https://x/v1?a=b").is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let c = ClientConfig::new(Credentials::new("key-1", "very-secret-value"));
        let text = format!("{c:?}");
        assert!(text.contains("key-1"));
        assert!(!text.contains("very-secret-value"), "{text}");
    }

    #[test]
    fn validate_refuses_zero_deadlines_and_no_posts() {
        let mut c = ClientConfig::new(Credentials::new("key-0001", "secret-1"));
        assert_eq!(c.validate(), Ok(()));
        c.deadlines.total = Duration::ZERO;
        assert!(c.validate().is_err());
        c.deadlines.total = Duration::from_secs(1);
        c.retry.max_posts = 0;
        assert!(c.validate().is_err());
    }

    #[test]
    fn validate_refuses_a_key_or_secret_short_enough_to_match_payload_text() {
        let short = [("180", "a-long-secret"), ("a-long-key", "s3cret")];
        for (key, secret) in short {
            let e = ClientConfig::new(Credentials::new(key, secret))
                .validate()
                .expect_err("short");
            let text = e.to_string();
            assert!(matches!(e, ConfigError::ShortCredential { .. }), "{text}");
            assert!(!text.contains(key) && !text.contains(secret), "{text}");
        }
        let e = ClientConfig::new(Credentials::new("180", "a-long-secret")).validate();
        assert_eq!(
            e,
            Err(ConfigError::ShortCredential {
                what: "the API key"
            })
        );
        // Eight characters, counted as characters, not bytes.
        let ok = ClientConfig::new(Credentials::new("ééééééé1", "12345678"));
        assert_eq!(ok.validate(), Ok(()));
    }
}
