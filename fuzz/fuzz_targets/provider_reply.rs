//! A provider's HTTP answer (status, `Content-Type`, body) → `underwrite_signals_client::interpret`,
//! what the signals client makes of every answer. Besides "no panic":
//!
//! * a `Done` answer is a 2xx whose body the core's signals parser accepts with the same status,
//!   and its payload is the body's exact bytes;
//! * a `Pending` answer carries a signal id that is safe in a URL path (`[A-Za-z0-9._-]`, 1 to
//!   128 bytes);
//! * `Retry` only for 408, 429 and 5xx, or a 2xx whose envelope `code` is `SERVICE_UNAVAILABLE`
//!   or `SYSTEM_ERROR`; `Refused` only for 4xx, or a 2xx whose envelope `code` is not `OK`;
//! * a provider's message is at most 301 characters with no raw control character.
//!
//! Input: byte 0 picks the status, byte 1 the content type, the rest is the body (the seed
//! corpus: `testdata/signals/*.json` behind two such bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use underwrite_core::signals::{parse, SignalError};
use underwrite_signals_client::{interpret, Reply};

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
    let reply = interpret(status, content_type, Some("1"), body.to_vec().into());
    match reply {
        Reply::Done { payload, .. } => {
            assert!((200..300).contains(&status));
            assert_eq!(payload.bytes().as_ref(), body);
            let parsed = parse(body).expect("a Done payload parses");
            assert_eq!(parsed.status, payload.status());
        }
        Reply::Pending { ids } => {
            let id = ids.signal_id.expect("a pending answer has an id");
            assert!(!id.is_empty() && id.len() <= 128);
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')));
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
            }
        }
        Reply::Refused(rejected) => {
            let provider_code = matches!(parse(body), Err(SignalError::Provider { .. }));
            assert!(
                (400..500).contains(&rejected.status) || provider_code,
                "{rejected:?}"
            );
            check_message(&rejected.message);
            if let Some(code) = &rejected.code {
                assert!(!code.chars().any(char::is_control), "{code:?}");
            }
        }
        Reply::Broken { .. } => {}
    }
});
