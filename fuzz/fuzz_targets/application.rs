//! Application envelopes (`{"id"?, "signals", "kyc"?}`, what `batch`, the service and its log
//! read) → `Application::from_json` → `decide` with `rules/starter.yaml`. Besides "no panic":
//!
//! * only a JSON object is ever an application (an array is never read by position);
//! * an accepted application's parts are the exact text of the input (sub-slices of it), and its
//!   id is a short string or a short number finite as an `f64`;
//! * deciding through the application gives what the two calls it stands for give
//!   (`KycFacts::from_json` on the KYC text, then `decide_payload` on the signals bytes): the
//!   same decision, or an error with the same message.
//!
//! Input: UTF-8 text used as it is (the seed corpus: `testdata/applications.jsonl`'s lines);
//! anything else is refused as the service refuses a body that is not UTF-8.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use underwrite_core::application::{Application, MAX_ID_CHARS, MAX_ID_NUMBER_CHARS};
use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::{DecideOptions, Policy};

const STARTER: &str = include_str!("../../rules/starter.yaml");

fn starter() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(STARTER.as_bytes()).expect("starter policy loads"))
}

/// Whether `part` lies inside `whole` (a borrowed sub-slice, not a copy).
fn inside(part: &str, whole: &str) -> bool {
    let (start, end) = (
        whole.as_ptr() as usize,
        whole.as_ptr() as usize + whole.len(),
    );
    let p = part.as_ptr() as usize;
    p >= start && p + part.len() <= end
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(app) = Application::from_json(text) else {
        return;
    };
    assert_eq!(text.trim_start().as_bytes().first(), Some(&b'{'), "accepted a non-object");
    assert!(inside(app.signals(), text));
    if let Some(kyc) = app.kyc() {
        assert!(inside(kyc, text));
    }
    if let Some(id) = app.id_json() {
        assert!(inside(id, text));
        let ok = match id.as_bytes()[0] {
            b'"' => {
                serde_json::from_str::<String>(id).is_ok_and(|s| s.chars().count() <= MAX_ID_CHARS)
            }
            _ => id.len() <= MAX_ID_NUMBER_CHARS && id.parse::<f64>().is_ok_and(f64::is_finite),
        };
        assert!(ok, "accepted id {id}");
    }
    let options = DecideOptions { trace: false };
    let through_application = app
        .decide(starter(), options)
        .map(|d| d.decision)
        .map_err(|e| e.to_string());
    let by_hand = app
        .kyc()
        .map(|k| KycFacts::from_json(k.as_bytes()))
        .transpose()
        .map_err(|e| e.to_string())
        .and_then(|facts| {
            starter()
                .decide_payload(app.signals().as_bytes(), facts.as_ref(), options)
                .map_err(|e| e.to_string())
        });
    assert_eq!(through_application, by_hand);
});
