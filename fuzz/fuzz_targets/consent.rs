//! A consent object, as an API caller or a consent file gives it → `Consent::from_json`, the
//! check the signals client runs before any billed call. Besides "no panic":
//!
//! * an accepted consent has a `consentedAt` that parses as RFC 3339 in UTC, and either a
//!   template id or all of `type`, `version` and `consentedWith` (the reference's rules);
//! * what the client sends for it is accepted again unchanged (the check is a fixed point);
//! * a refusal names one of the consent's fields.
//!
//! The same text goes to `Phone::parse` (libphonenumber, which has panicked on odd input in
//! other versions): an accepted phone is `+` and digits, and reads back as itself.
//!
//! Input: UTF-8 text (the seed corpus: the reference's consent samples, and phone numbers).
#![no_main]

use libfuzzer_sys::fuzz_target;
use underwrite_signals_client::{Consent, Country, Phone};

const FIELDS: [&str; 6] = [
    "consent",
    "consent.type",
    "consent.version",
    "consent.consentedWith",
    "consent.consentedAt",
    "consent.consentTemplateId",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for country in [None, Some(Country::PH), Some(Country::US)] {
        if let Ok(phone) = Phone::parse(text, country) {
            let e164 = phone.as_e164();
            assert!(e164.starts_with('+') && e164[1..].bytes().all(|b| b.is_ascii_digit()), "{e164}");
            assert_eq!(Phone::parse(e164, None).expect("E.164 reads back"), phone);
        }
    }
    match Consent::from_json(text) {
        Ok(consent) => {
            assert!(humantime::parse_rfc3339(consent.consented_at()).is_ok());
            let sent = serde_json::to_value(&consent).expect("a consent serializes");
            let has = |k: &str| sent.get(k).is_some();
            assert!(
                has("consentTemplateId") || (has("type") && has("version") && has("consentedWith")),
                "{sent}"
            );
            let again = Consent::from_value(&sent).expect("what is sent is accepted again");
            assert_eq!(again, consent);
        }
        Err(e) => assert!(FIELDS.contains(&e.field()), "{e}"),
    }
});
