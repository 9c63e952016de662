//! A provider's HTTP answer (status, `Content-Type`, body) → `underwrite_signals_client::interpret`,
//! what the signals client makes of every answer. Besides "no panic":
//!
//! * a `Done` answer is a 2xx whose (redacted) body the core's signals parser accepts with the
//!   same status, and its payload is those bytes;
//! * a `Pending` answer carries a signal id that is safe in a URL path (`[A-Za-z0-9._-]`, 1 to
//!   128 bytes);
//! * `Retry` only for 408, 429 and 5xx, or a 2xx whose envelope `code` is `SERVICE_UNAVAILABLE`
//!   or `SYSTEM_ERROR`; `Refused` only for 4xx, or a 2xx whose envelope `code` is not `OK`;
//! * a provider's message is at most 301 characters with no raw control character;
//! * no text of the reply, the payload's bytes and the ids included, holds a form of the
//!   credentials the answer is read with (a fixed key and secret full of characters the forms
//!   treat specially; the forms computed here, with the `base64` crate and a percent-encoding
//!   of this file's own); a payload is the body as `Redactor::redact_json` leaves it.
//!
//! Input: byte 0 picks the status, byte 1 the content type, the rest is the body (the seed
//! corpus: `testdata/signals/*.json` behind two such bytes).
#![no_main]

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use underwrite_core::signals::{parse, SignalError};
use underwrite_signals_client::{interpret, Credentials, Redactor, Reply};

const KEY: &str = "fuzz-key";
const SECRET: &str = "s3cr3t/+=:%41 é";

/// Every form of the credentials: each of the key, the secret and `key:secret` as it is, in
/// base64 (standard, URL-safe, padded or not) and percent-encoded (every byte, or all but
/// `A-Za-z0-9-._~`; upper- or lower-case hex; a space as `+` too).
fn forms() -> Vec<Vec<u8>> {
    let mut forms = Vec::new();
    for text in [KEY.to_owned(), SECRET.to_owned(), format!("{KEY}:{SECRET}")] {
        forms.push(text.clone().into_bytes());
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            forms.push(engine.encode(&text).into_bytes());
        }
        for upper in [false, true] {
            let hex = |b: u8| if upper { format!("%{b:02X}") } else { format!("%{b:02x}") };
            forms.push(text.bytes().map(hex).collect::<String>().into_bytes());
            let some: String = text
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        char::from(b).to_string()
                    } else {
                        hex(b)
                    }
                })
                .collect();
            forms.push(some.replace("%20", "+").into_bytes());
            forms.push(some.into_bytes());
        }
    }
    forms
}

fn holds_a_form(text: &[u8]) -> bool {
    static FORMS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    FORMS
        .get_or_init(forms)
        .iter()
        .any(|form| text.windows(form.len()).any(|w| w == form.as_slice()))
}

fn check_clean(text: &str) {
    assert!(!holds_a_form(text.as_bytes()), "a credential in {text:?}");
}

const STATUSES: [u16; 16] = [
    200, 201, 204, 302, 400, 401, 404, 408, 422, 429, 500, 502, 503, 504, 100, 599,
];
const TYPES: [Option<&str>; 5] = [
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("application/problem+json"),
    Some("text/html"),
    None,
];

fn check_message(message: &str) {
    assert!(message.chars().count() <= 301, "{message:?}");
    assert!(!message.chars().any(char::is_control), "{message:?}");
}

fuzz_target!(|data: &[u8]| {
    let [status, kind, body @ ..] = data else {
        return;
    };
    let status = STATUSES[usize::from(*status) % STATUSES.len()];
    let content_type = TYPES[usize::from(*kind) % TYPES.len()];
    let redactor = Redactor::new(&Credentials::new(KEY, SECRET));
    let reply = interpret(status, content_type, Some("1"), body.to_vec().into(), &redactor);
    // What the parser saw: the body, redacted.
    let seen = redactor.redact_json(body);
    let body: &[u8] = &seen;
    match reply {
        Reply::Done { payload, ids } => {
            assert!((200..300).contains(&status));
            assert_eq!(payload.bytes().as_ref(), body);
            assert!(!holds_a_form(payload.bytes()), "a credential in the payload");
            for text in [&ids.signal_id, &ids.request_id, &ids.result_message].into_iter().flatten() {
                check_clean(text);
            }
            let parsed = parse(body).expect("a Done payload parses");
            assert_eq!(parsed.status, payload.status());
        }
        Reply::Pending { ids } => {
            let id = ids.signal_id.expect("a pending answer has an id");
            assert!(!id.is_empty() && id.len() <= 128);
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')));
            check_clean(&id);
            assert_eq!(parse(body).unwrap_err(), SignalError::NotReady);
        }
        Reply::Retry { status, message, .. } => {
            // A 2xx retries too when its envelope says the provider was down (the client's
            // documented rule, and reply.rs's own unit test).
            let transient_envelope = (200..300).contains(&status)
                && matches!(parse(body), Err(SignalError::Provider { code, .. })
                    if matches!(code.as_str(), "SERVICE_UNAVAILABLE" | "SYSTEM_ERROR"));
            assert!(
                matches!(status, 408 | 429 | 500..=599) || transient_envelope,
                "{status}"
            );
            if let Some(m) = message {
                check_message(&m);
                check_clean(&m);
            }
        }
        Reply::Refused(rejected) => {
            let provider_code = matches!(parse(body), Err(SignalError::Provider { .. }));
            assert!(
                (400..500).contains(&rejected.status) || provider_code,
                "{rejected:?}"
            );
            check_message(&rejected.message);
            check_clean(&rejected.message);
            if let Some(code) = &rejected.code {
                assert!(!code.chars().any(char::is_control), "{code:?}");
                check_clean(code);
            }
        }
        Reply::Broken { problem, .. } => check_clean(&problem),
    }
});
