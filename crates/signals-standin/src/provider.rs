//! The fake provider's state and decisions, apart from HTTP: who is let in, which POST fails,
//! what a new signal request holds, and how each answer about it looks.
//!
//! Locks are held only to copy or update in memory, never across an `await`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use base64::Engine as _;

use crate::answer::{fresh_hex, Answer, Data, RequestMeta, Status};
use crate::phonebook::{pick, Api, Samples, Signals};
use crate::request;
use crate::script::{Checked, PostFate, Script};
use crate::Recorded;

/// A signal request the provider holds.
#[derive(Debug)]
struct Stored {
    /// The API it was made on; it is found only there.
    api: Api,
    /// How it looks once completed.
    data: Data,
    /// How many answers about it were given.
    answers: u32,
}

/// The fake provider.
#[derive(Debug)]
pub(crate) struct Provider {
    /// The script, checked.
    checked: Checked,
    /// The `Authorization` value that lets a request in.
    authorization: HeaderValue,
    /// The sample payloads.
    samples: Samples,
    /// The last [`KEPT`] requests received, in arrival order.
    journal: Mutex<VecDeque<Recorded>>,
    /// POSTs received, refused ones included (the journal forgets; this does not).
    posts_received: AtomicUsize,
    /// The last [`KEPT`] signal requests, by id, and their ids oldest first.
    signals: Mutex<(HashMap<String, Stored>, VecDeque<String>)>,
    /// Authenticated POSTs so far.
    posts: AtomicU32,
}

/// How many requests (and signal requests) the stand-in remembers: enough for any test, and a
/// bound on its memory however long a load run goes (each remembered request holds its body
/// and its answer's payload).
pub(crate) const KEPT: usize = 10_000;

/// Lock a mutex whose data stays consistent even if a holder panicked (every update is a
/// single push or insert).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Why a provider cannot start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    /// The script is unusable.
    #[error(transparent)]
    Script(#[from] crate::script::ScriptError),
    /// A compiled-in sample is broken.
    #[error(transparent)]
    Sample(#[from] crate::phonebook::SampleError),
    /// The credentials cannot be sent in a header.
    #[error("key and secret make an Authorization value that is not a valid header")]
    Credentials,
}

impl Provider {
    /// A provider following `script`.
    pub(crate) fn new(script: Script) -> Result<Provider, StartError> {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", script.key, script.secret));
        let authorization = HeaderValue::from_str(&format!("Basic {token}"))
            .map_err(|_| StartError::Credentials)?;
        Ok(Provider {
            checked: script.check()?,
            authorization,
            samples: Samples::load()?,
            journal: Mutex::new(VecDeque::new()),
            posts_received: AtomicUsize::new(0),
            signals: Mutex::new((HashMap::new(), VecDeque::new())),
            posts: AtomicU32::new(0),
        })
    }

    /// The script, checked.
    pub(crate) fn checked(&self) -> &Checked {
        &self.checked
    }

    /// Keep a request in the journal.
    pub(crate) fn record(&self, request: Recorded) {
        if request.method == "POST" {
            self.posts_received.fetch_add(1, Ordering::Relaxed);
        }
        let mut journal = lock(&self.journal);
        if journal.len() == KEPT {
            journal.pop_front();
        }
        journal.push_back(request);
    }

    /// The last [`KEPT`] requests received.
    pub(crate) fn journal(&self) -> Vec<Recorded> {
        lock(&self.journal).iter().cloned().collect()
    }

    /// How many POSTs arrived, authenticated or not.
    pub(crate) fn posts_received(&self) -> usize {
        self.posts_received.load(Ordering::Relaxed)
    }

    /// The 401 answer, unless a request with these headers may in.
    pub(crate) fn refusal(&self, headers: &HeaderMap) -> Option<Answer> {
        let presented = headers.get(axum::http::header::AUTHORIZATION);
        if self.checked.script.reject_auth || presented != Some(&self.authorization) {
            let mut message = "Invalid API key or secret".to_owned();
            if self.checked.script.echo_credentials {
                let shown = presented.map_or_else(
                    || "no Authorization header".into(),
                    |value| String::from_utf8_lossy(value.as_bytes()),
                );
                message = format!("denied for {shown}; {}", self.echo());
            }
            return Some(Answer::error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                message,
            ));
        }
        None
    }

    /// The script's credentials in every form of [`credential_forms`], for a message.
    fn echo(&self) -> String {
        let script = &self.checked.script;
        credential_forms(&script.key, &script.secret).join(" ")
    }

    /// `message`, with the credentials quoted after it if the script says so.
    fn echoed(&self, message: String) -> String {
        if self.checked.script.echo_credentials {
            format!("{message}: {}", self.echo())
        } else {
            message
        }
    }

    /// What happens to the authenticated POST arriving now.
    pub(crate) fn next_post_fate(&self) -> PostFate {
        let ordinal = self.posts.fetch_add(1, Ordering::SeqCst).saturating_add(1);
        self.checked.script.fate(ordinal)
    }

    /// The scripted failure.
    pub(crate) fn failure(&self) -> Answer {
        let script = &self.checked.script;
        Answer::Error {
            status: self.checked.fail_status,
            code: "SERVICE_UNAVAILABLE",
            message: self.echoed(format!(
                "service temporarily unavailable (the stand-in fails the first {} POSTs)",
                script.fail_first
            )),
            retry_after: script.retry_after,
        }
    }

    /// A new signal request on `api` from the POST body `body`.
    pub(crate) fn create(&self, api: Api, body: &[u8]) -> Answer {
        let request = match request::read(body) {
            Ok(request) => request,
            Err(message) => return Answer::error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message),
        };
        let sample = self.samples.get(pick(api, &request.phone));
        let (result_code, result_message, signals) = match &self.checked.script.result_code {
            Some(code) => (
                Some(code.clone()),
                Some(format!("result code {code} set by the stand-in's script")),
                Signals::none_for(api),
            ),
            None => (
                sample.result_code.clone(),
                sample.result_message.clone(),
                sample.signals.shaped_for(api),
            ),
        };
        let result_message = match result_message {
            Some(message) => Some(self.echoed(message)),
            None if self.checked.script.echo_credentials => Some(self.echo()),
            None => None,
        };
        let id = format!("signal-{}", fresh_hex());
        let data = Data {
            id: id.clone(),
            created_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            status: Status::Completed,
            result_code,
            result_message,
            request_meta: RequestMeta {
                phone: request.phone,
                template_id: request.template_id,
                consent: request.consent,
            },
            signals,
        };
        let mut stored = Stored {
            api,
            data,
            answers: 0,
        };
        let answer = self.answer_about(&mut stored);
        let mut guard = lock(&self.signals);
        let (by_id, order) = &mut *guard;
        if order.len() == KEPT {
            if let Some(oldest) = order.pop_front() {
                by_id.remove(&oldest);
            }
        }
        order.push_back(id.clone());
        by_id.insert(id, stored);
        answer
    }

    /// The signal request `id` on `api`, as it stands now (404 once it is older than the last
    /// [`KEPT`]).
    pub(crate) fn fetch(&self, api: Api, id: &str) -> Answer {
        let mut signals = lock(&self.signals);
        match signals.0.get_mut(id) {
            Some(stored) if stored.api == api => self.answer_about(stored),
            _ => Answer::error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("no signal request {id}"),
            ),
        }
    }

    /// The next answer about `stored`: processing for its first `processing_first` answers.
    fn answer_about(&self, stored: &mut Stored) -> Answer {
        stored.answers = stored.answers.saturating_add(1);
        if stored.answers <= self.checked.script.processing_first {
            Answer::Signal(stored.data.processing())
        } else {
            Answer::Signal(stored.data.clone())
        }
    }
}

/// The API key and secret in the forms a careless provider or gateway repeats them, as
/// [`Script::echo_credentials`] quotes them: `key:secret`, the secret alone, `key:secret` in
/// URL-safe base64 without padding, and the key and the secret percent-encoded (every byte but
/// `A-Za-z0-9-._~`, lower-case hex for the key, upper-case for the secret). A 401 quotes the
/// `Authorization` header (`Basic` and the standard base64 of `key:secret`) before them.
pub fn credential_forms(key: &str, secret: &str) -> Vec<String> {
    let pair = format!("{key}:{secret}");
    vec![
        format!("user {pair}"),
        format!("secret {secret}"),
        format!(
            "token {}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&pair)
        ),
        format!(
            "query ?key={}&secret={}",
            percent_encode(key, false),
            percent_encode(secret, true)
        ),
    ]
}

/// Every form of the API key and secret a test searches a client's outputs for, computed here
/// and not by the client (so a test's reference is not the code it checks): for the key, the
/// secret and `key:secret`, the text itself; its base64, standard and URL-safe, with and
/// without padding; and its percent-encoding, with every byte as `%XX` or all but the
/// unreserved `A-Za-z0-9-._~`, in upper- and lower-case hex, and as a form would send it
/// (space as `+`). Empty texts are left out (they occur everywhere).
pub fn leak_forms(key: &str, secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut forms = Vec::new();
    for text in [key.to_owned(), secret.to_owned(), format!("{key}:{secret}")] {
        if text.is_empty() {
            continue;
        }
        forms.push(text.clone());
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            forms.push(engine.encode(&text));
        }
        for upper in [false, true] {
            let every = text
                .bytes()
                .map(|b| {
                    if upper {
                        format!("%{b:02X}")
                    } else {
                        format!("%{b:02x}")
                    }
                })
                .collect::<String>();
            forms.push(every);
            forms.push(percent_encode(&text, upper));
            forms.push(percent_encode(&text, upper).replace("%20", "+"));
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Every byte of `text` but the URL's unreserved characters as `%XX`.
fn percent_encode(text: &str, upper: bool) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else if upper {
            out.push_str(&format!("%{byte:02X}"));
        } else {
            out.push_str(&format!("%{byte:02x}"));
        }
    }
    out
}

/// A journal entry for a request that arrived at `at`.
pub(crate) fn recorded(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: Vec<u8>,
    at: Instant,
) -> Recorded {
    let text = |name| {
        headers
            .get(name)
            .map(|value: &HeaderValue| String::from_utf8_lossy(value.as_bytes()).into_owned())
    };
    Recorded {
        method: method.to_owned(),
        path: path.to_owned(),
        authorization: text(axum::http::header::AUTHORIZATION),
        content_type: text(axum::http::header::CONTENT_TYPE),
        body,
        at,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn request(method: &str, n: usize) -> Recorded {
        Recorded {
            method: method.into(),
            path: format!("/v1/beta/signals/{n}"),
            authorization: None,
            content_type: None,
            body: Vec::new(),
            at: Instant::now(),
        }
    }

    #[test]
    fn the_journal_keeps_the_last_requests_and_counts_every_post() {
        let provider = Provider::new(Script::default()).unwrap();
        for n in 0..KEPT + 5 {
            provider.record(request(if n % 2 == 0 { "POST" } else { "GET" }, n));
        }
        let journal = provider.journal();
        assert_eq!(journal.len(), KEPT);
        assert_eq!(journal[0].path, "/v1/beta/signals/5");
        assert_eq!(provider.posts_received(), (KEPT + 5).div_ceil(2));
    }
}
