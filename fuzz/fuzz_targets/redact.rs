//! `Redactor::redact`, `redact_bytes` and `redact_json` (the signals client's one redaction of
//! what a provider says) on arbitrary credentials and text. Besides "no panic" and bounded
//! time:
//!
//! * no form of the key, the secret or `key:secret` is in what comes out: each as it is, in
//!   base64 (standard, URL-safe, padded or not) and percent-encoded (every byte, or all but
//!   `A-Za-z0-9-._~`; upper- or lower-case hex; a space as `+` too), the forms computed here
//!   with the `base64` crate and a percent-encoding of this file's own;
//! * what comes out is clean: redacting it again changes nothing;
//! * `redact` on text and `redact_bytes` on its bytes agree;
//! * a JSON document whose strings carry the credentials with JSON escapes comes out without
//!   them after decoding: every string of the output, decoded, is clean too (when it is JSON).
//!
//! Input: `key`, NUL, `secret`, NUL, then the text (the seeds: provider answers that quote the
//! credentials, as the stand-in's `--echo-credentials` does, raw and escaped).
#![no_main]

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use underwrite_signals_client::{Credentials, Redactor};

/// Every form of the credentials (empty ones left out: they occur everywhere).
fn forms(key: &str, secret: &str) -> Vec<Vec<u8>> {
    let mut forms = Vec::new();
    for text in [key.to_owned(), secret.to_owned(), format!("{key}:{secret}")] {
        if text.is_empty() {
            continue;
        }
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

fn found(forms: &[Vec<u8>], text: &[u8]) -> Option<String> {
    forms
        .iter()
        .find(|form| text.windows(form.len()).any(|w| w == form.as_slice()))
        .map(|form| String::from_utf8_lossy(form).into_owned())
}

/// Every string value and key of a JSON value.
fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let (Some(key), Some(secret), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let (key, secret) = (String::from_utf8_lossy(key), String::from_utf8_lossy(secret));
    if key.len() + secret.len() > 200 || text.len() > 16 << 10 {
        return;
    }
    let forms = forms(&key, &secret);
    let redactor = Redactor::new(&Credentials::new(key.as_ref(), secret.as_ref()));

    let out = redactor.redact_bytes(text);
    if let Some(form) = found(&forms, &out) {
        panic!("{form:?} survives redact_bytes: {:?}", String::from_utf8_lossy(&out));
    }
    assert_eq!(redactor.redact_bytes(&out), out, "redact_bytes is not idempotent");

    if let Ok(text) = std::str::from_utf8(text) {
        let out_text = redactor.redact(text);
        assert_eq!(out_text.as_bytes(), &*out, "redact and redact_bytes disagree");
    }

    let json = redactor.redact_json(text);
    if let Some(form) = found(&forms, &json) {
        panic!("{form:?} survives redact_json: {:?}", String::from_utf8_lossy(&json));
    }
    assert_eq!(redactor.redact_json(&json), json, "redact_json is not idempotent");
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&json) {
        let mut all = Vec::new();
        strings(&value, &mut all);
        for s in all {
            if let Some(form) = found(&forms, s.as_bytes()) {
                panic!("{form:?} survives in a decoded string: {s:?}");
            }
        }
    }
});
