//! Hostile KYC requests: each gets a typed error naming the field or the correct result, within
//! a bounded time (a hang guard, not a performance measurement), and never a panic.
//!
//! "Correct" is the contract's: names are compared after NFC, full case folding, trimming and
//! collapsing whitespace, and nothing else. Zero-width characters, bidi marks and NUL are not
//! whitespace, so they count as characters (one edit each), never silently vanish.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::mpsc;
use std::time::Duration;

use underwrite_kyc::{
    match_request, DateError, FieldOutcome, KycError, KycRequest, KycResult, MatchConfig,
    PhoneError, PhoneRule, Record, ResultCode, MAX_DISTANCE_LIMIT,
};

const DEADLINE: Duration = Duration::from_secs(20);

/// Run `f` on its own thread and fail the test if it does not finish within [`DEADLINE`].
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(what.replace('\0', "\\0"))
        .spawn(move || {
            let _ = tx.send(f());
        })
        .unwrap();
    match rx.recv_timeout(DEADLINE) {
        Ok(v) => v,
        Err(e) => panic!("{what}: no answer within {DEADLINE:?} ({e})"),
    }
}

fn record(first: &str, last: &str) -> Record<'static> {
    Record::named(first.to_string(), last.to_string())
}

fn run(
    what: &str,
    submitted: Record<'static>,
    authority: Record<'static>,
) -> Result<KycResult, KycError> {
    within(what, move || {
        let request = KycRequest {
            submitted,
            authority: Some(authority),
            issuer_unavailable: false,
        };
        match_request(&request, &MatchConfig::default())
    })
}

/// The `Names` outcome and the straight first-name distance of two first names (same last).
fn names(what: &str, a: &str, b: &str) -> (FieldOutcome, Option<usize>) {
    let r = run(what, record(a, "leo"), record(b, "leo")).unwrap();
    let d = r.details.unwrap().names.unwrap().straight.first.distance;
    (r.actions.names, d)
}

fn json(what: &str, text: Vec<u8>) -> Result<KycRequest<'static>, String> {
    within(what, move || {
        let text: &'static [u8] = Box::leak(text.into_boxed_slice());
        KycRequest::from_json_slice(text).map_err(|e| e.to_string())
    })
}

#[test]
fn deep_json_and_floods_of_fields_are_json_errors() {
    let n = 1_000_000;
    let deep = format!(
        r#"{{"submitted": {}1{}, "authority": null}}"#,
        "[".repeat(n),
        "]".repeat(n)
    );
    let e = json("deep submitted", deep.into_bytes()).unwrap_err();
    assert!(
        e.contains("recursion limit") || e.contains("invalid type"),
        "{e}"
    );
    let deep_extra = format!(
        r#"{{"submitted": {{"first_name": "a", "last_name": "b"}}, "authority": null, "x": {}1{}}}"#,
        "[".repeat(n),
        "]".repeat(n)
    );
    let e = json("deep unknown field", deep_extra.into_bytes()).unwrap_err();
    assert!(e.contains("unknown field"), "{e}");
    let fields: Vec<String> = (0..100_000).map(|i| format!(r#""f{i}": "x""#)).collect();
    let flood = format!(
        r#"{{"submitted": {{{}}}, "authority": null}}"#,
        fields.join(",")
    );
    let e = json("100k fields", flood.into_bytes()).unwrap_err();
    assert!(e.contains("unknown field `f0`"), "{e}");
    let mut bad =
        br#"{"submitted": {"first_name": "Jxe", "last_name": "b"}, "authority": null}"#.to_vec();
    let at = bad.iter().position(|&b| b == b'x').unwrap();
    bad[at] = 0xFF;
    assert!(json("invalid UTF-8", bad).is_err());
    let raw_nul =
        b"{\"submitted\": {\"first_name\": \"J\0e\", \"last_name\": \"b\"}, \"authority\": null}";
    assert!(json("raw NUL", raw_nul.to_vec()).is_err());
    assert!(json(
        "lone surrogate",
        br#"{"submitted": {"first_name": "\ud800", "last_name": "b"}, "authority": null}"#.to_vec()
    )
    .is_err());
}

#[test]
fn a_hundred_thousand_requests_and_name_parts_are_matched() {
    let outcomes = within("100k requests", || {
        (0..100_000)
            .map(|i| {
                let request = KycRequest {
                    submitted: record(&format!("joe{i}"), "leo"),
                    authority: Some(record(&format!("JOE{}", i + 1), "Leo")),
                    issuer_unavailable: false,
                };
                match_request(&request, &MatchConfig::default()).map(|r| r.actions.names)
            })
            .filter(|o| *o != Ok(FieldOutcome::PartialMatch))
            .count()
    });
    // i vs i + 1 is one substitution, or more across a carry: 99 → 100 is three edits, so
    // exactly the i ending in 99 are not partial matches.
    assert_eq!(outcomes, (0..100_000).filter(|i| i % 100 == 99).count());
    let parts = "a ".repeat(100_000);
    let (o, d) = names("100k name parts", &parts, &parts.to_uppercase());
    assert_eq!((o, d), (FieldOutcome::ExactMatch, Some(0)));
    let (o, _) = names("100k parts, one differs", &parts, &format!("{parts}b"));
    assert_eq!(o, FieldOutcome::PartialMatch);
}

#[test]
fn megabyte_names_are_compared_exactly() {
    let big = "ab".repeat(1 << 19);
    assert_eq!(
        names("1 MB equal", &big, &big.to_uppercase()),
        (FieldOutcome::ExactMatch, Some(0))
    );
    let one_off = format!("{big}c");
    assert_eq!(
        names("1 MB, one insertion", &big, &one_off),
        (FieldOutcome::PartialMatch, Some(1))
    );
    let mut mid = big.clone();
    mid.replace_range(1000..1003, "xyz");
    assert_eq!(
        names("1 MB, three substitutions", &big, &mid),
        (FieldOutcome::NoMatch, None)
    );
    // Shifted by one: "abab…ab" → "baba…ba" is one deletion and one insertion.
    let shifted = "ba".repeat(1 << 19);
    assert_eq!(
        names("1 MB, shifted", &big, &shifted),
        (FieldOutcome::PartialMatch, Some(2))
    );
    let other = "cd".repeat(1 << 19);
    assert_eq!(
        names("1 MB, all different", &big, &other),
        (FieldOutcome::NoMatch, None)
    );
    // Non-ASCII: folded and composed, and counted in characters.
    let greek = "Σίσυφος ".repeat(1 << 16);
    let lower = "σίσυφοσ ".repeat(1 << 16);
    assert_eq!(
        names("1 MB Greek", &greek, &lower).0,
        FieldOutcome::ExactMatch
    );
    let decomposed = "e\u{301}".repeat(1 << 18);
    let composed = "\u{e9}".repeat(1 << 18);
    assert_eq!(
        names("1 MB combining marks", &decomposed, &composed),
        (FieldOutcome::ExactMatch, Some(0))
    );
    let mut changed = composed.clone();
    changed.push('x');
    assert_eq!(
        names("1 MB é, one more", &decomposed, &changed),
        (FieldOutcome::PartialMatch, Some(1))
    );
}

#[test]
fn invisible_and_control_characters_are_characters() {
    // Each mark is one character: one edit from the plain name (contract: only whitespace is
    // trimmed and collapsed).
    for mark in [
        '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{202E}', '\u{2066}',
        '\u{FEFF}', '\0',
    ] {
        let marked = format!("Jo{mark}e");
        assert_eq!(
            names(&format!("{mark:?}"), "Joe", &marked),
            (FieldOutcome::PartialMatch, Some(1)),
            "{mark:?}"
        );
        let trailing = format!("Joe{mark}");
        assert_eq!(
            names(&format!("trailing {mark:?}"), "Joe", &trailing),
            (FieldOutcome::PartialMatch, Some(1))
        );
    }
    // Three marks are three edits: no longer a match.
    assert_eq!(
        names("three marks", "Joe", "J\u{200B}o\u{200B}e\u{200B}"),
        (FieldOutcome::NoMatch, None)
    );
    // An override reverses how text looks, not what it is.
    assert_eq!(
        names("RTL override", "Joe", "\u{202E}eoJ").0,
        FieldOutcome::NoMatch
    );
    // Unicode whitespace is whitespace: trimmed and collapsed.
    assert_eq!(
        names(
            "odd spaces",
            "Mary Ann",
            "\u{3000}Mary\u{a0}\u{2003}Ann\u{85}"
        ),
        (FieldOutcome::ExactMatch, Some(0))
    );
    // A name of only invisible characters is present (not whitespace), and matches nothing.
    let r = run(
        "only a zero-width space",
        record("\u{200B}", "leo"),
        record("joe", "leo"),
    )
    .unwrap();
    assert_eq!(r.actions.names, FieldOutcome::NoMatch);
    // A name of only whitespace is missing.
    let e = run(
        "only whitespace",
        record("\u{3000}\u{a0}\t", "leo"),
        record("joe", "leo"),
    )
    .unwrap_err();
    assert_eq!(
        e,
        KycError::MissingName {
            field: "submitted.first_name"
        }
    );
}

#[test]
fn impossible_dates_are_errors_naming_the_field() {
    let dob = |s: &str, a: &str| {
        let mut sub = record("joe", "leo");
        sub.dob = Some(s.to_string().into());
        let mut auth = record("joe", "leo");
        auth.dob = Some(a.to_string().into());
        run(&format!("dob {s} / {a}"), sub, auth)
    };
    let invalid = |field, reason| Err(KycError::InvalidDate { field, reason });
    assert_eq!(
        dob("0000-00-00", "2000-01-01").map(|r| r.code),
        invalid("submitted.dob", DateError::Year)
    );
    assert_eq!(
        dob("2000-01-01", "9999-99-99").map(|r| r.code),
        invalid("authority.dob", DateError::Month)
    );
    assert_eq!(
        dob("2001-02-29", "2000-01-01").map(|r| r.code),
        invalid("submitted.dob", DateError::Day)
    );
    assert_eq!(
        dob("1900-02-29", "2000-01-01").map(|r| r.code),
        invalid("submitted.dob", DateError::Day)
    );
    assert_eq!(
        dob("2000-04-31", "2000-01-01").map(|r| r.code),
        invalid("submitted.dob", DateError::Day)
    );
    for bad in [
        "",
        "2000-1-01",
        "2000-01-01\0",
        "２０００-01-01",
        "+200-01-01",
        "-200-01-01",
        "2000-01-01T00:00",
    ] {
        if bad.is_empty() {
            continue;
        }
        assert_eq!(
            dob(bad, "2000-01-01").map(|r| r.code),
            invalid("submitted.dob", DateError::Format),
            "{bad:?}"
        );
    }
    let long = "9".repeat(10_000);
    assert_eq!(
        dob(&long, "2000-01-01").map(|r| r.code),
        invalid("submitted.dob", DateError::Format)
    );
    let huge = format!("2000-01-01{}", " ".repeat(1 << 20));
    assert_eq!(
        dob(&huge, "2000-01-01").map(|r| r.code),
        invalid("submitted.dob", DateError::Format)
    );
    // The extremes that do exist compare by the rules.
    assert_eq!(
        dob("9999-12-31", "9999-12-31").unwrap().actions.dob,
        FieldOutcome::ExactMatch
    );
    assert_eq!(
        dob("0001-01-01", "0001-01-02").unwrap().actions.dob,
        FieldOutcome::PartialMatch
    );
    assert_eq!(
        dob("2000-02-29", "2000-02-29").unwrap().actions.dob,
        FieldOutcome::ExactMatch
    );
    assert_eq!(
        dob("9999-12-31", "0001-01-01").unwrap().actions.dob,
        FieldOutcome::NoMatch
    );
}

#[test]
fn hostile_phones_genders_and_countries_are_errors_or_no_match() {
    let phone = |a: &str, b: &str| {
        let mut sub = record("joe", "leo");
        sub.phone_number = Some(a.to_string().into());
        sub.country = Some("NG".into());
        let mut auth = record("joe", "leo");
        auth.phone_number = Some(b.to_string().into());
        run("phone", sub, auth)
    };
    let digits = "9".repeat(10_000);
    assert_eq!(
        phone(&digits, &digits).unwrap().actions.phone_number,
        FieldOutcome::ExactMatch
    );
    let other = format!("{}8", "9".repeat(9_999));
    assert_eq!(
        phone(&digits, &other).unwrap().actions.phone_number,
        FieldOutcome::NoMatch
    );
    let mb = "1".repeat(1 << 20);
    assert_eq!(
        phone(&mb, "+234 803 123 4567")
            .unwrap()
            .actions
            .phone_number,
        FieldOutcome::NoMatch
    );
    let padded = format!("+234 803 123 4567{}", " ".repeat(1 << 20));
    assert_eq!(
        phone(&padded, "08031234567").unwrap().actions.phone_number,
        FieldOutcome::ExactMatch
    );
    // A bidi override and a NUL are not formatting: they used to be skipped like spaces.
    assert_eq!(
        phone("\u{202E}+234\0", "+234").unwrap_err(),
        KycError::InvalidPhone {
            field: "submitted.phone_number",
            reason: PhoneError::OtherCharacter
        }
    );
    assert_eq!(
        phone("+", "+234").unwrap_err(),
        KycError::InvalidPhone {
            field: "submitted.phone_number",
            reason: PhoneError::NoDigits
        }
    );
    assert_eq!(
        phone("٠٨٠٣", "+234").unwrap_err(),
        KycError::InvalidPhone {
            field: "submitted.phone_number",
            reason: PhoneError::OtherCharacter
        }
    );

    let mut sub = record("joe", "leo");
    sub.gender = Some("M\0".into());
    let e = run("gender with NUL", sub, record("joe", "leo")).unwrap_err();
    assert_eq!(
        e,
        KycError::InvalidGender {
            field: "submitted.gender"
        }
    );
    let mut sub = record("joe", "leo");
    sub.country = Some("N\u{200B}G".into());
    let e = run("country with a zero-width space", sub, record("joe", "leo")).unwrap_err();
    assert_eq!(
        e,
        KycError::InvalidCountry {
            field: "submitted.country"
        }
    );
    let mut sub = record("joe", "leo");
    sub.country = Some("NG".repeat(1 << 19).into());
    let e = run("1 MB country", sub, record("joe", "leo")).unwrap_err();
    assert_eq!(
        e,
        KycError::InvalidCountry {
            field: "submitted.country"
        }
    );
}

#[test]
fn errors_never_echo_personal_data() {
    let secret = "SECRET-DOB-1999";
    let mut sub = record("joe", "leo");
    sub.dob = Some(secret.into());
    let e = run("bad dob", sub, record("joe", "leo")).unwrap_err();
    assert!(!e.to_string().contains(secret), "{e}");
    assert_eq!(
        run("no authority", record("joe", "leo"), record("", ""))
            .unwrap()
            .code,
        ResultCode::NoMatch
    );
}

#[test]
fn a_max_distance_above_the_limit_is_refused_before_any_work() {
    let request = KycRequest {
        submitted: record("joe", "leo"),
        authority: Some(record("joe", "leo")),
        issuer_unavailable: false,
    };
    for max_distance in [MAX_DISTANCE_LIMIT + 1, 200_000, usize::MAX] {
        let config = MatchConfig {
            max_distance,
            ..MatchConfig::default()
        };
        let e = match_request(&request, &config).unwrap_err();
        assert_eq!(
            e,
            KycError::MaxDistanceTooLarge {
                max_distance,
                limit: MAX_DISTANCE_LIMIT
            }
        );
        assert_eq!(e.field(), "max_distance");
        assert!(e.to_string().contains(&max_distance.to_string()), "{e}");
        // Refused even when the records are bad too: the configuration is checked first.
        let bad = KycRequest {
            submitted: record("", "leo"),
            authority: None,
            issuer_unavailable: true,
        };
        assert_eq!(match_request(&bad, &config).unwrap_err(), e);
    }
    // The limit itself is accepted, and reported as the threshold in force.
    let config = MatchConfig {
        max_distance: MAX_DISTANCE_LIMIT,
        ..MatchConfig::default()
    };
    let r = match_request(&request, &config).unwrap();
    assert_eq!(r.details.unwrap().max_distance, MAX_DISTANCE_LIMIT);
}

/// `len` symbols of a period-2 pattern over `x` and `y`, with `edits` substitutions spread
/// from the first symbol to the last, so that nothing is stripped as a common prefix or suffix
/// and the banded DP runs over the whole length.
fn spread_edits(x: char, y: char, len: usize, edits: usize) -> (String, String) {
    let a: Vec<char> = (0..len).map(|i| if i % 2 == 0 { x } else { y }).collect();
    let mut b = a.clone();
    for e in 0..edits {
        let at = e * (len - 1) / (edits - 1).max(1);
        b[at] = 'z';
    }
    (a.into_iter().collect(), b.into_iter().collect())
}

#[test]
fn long_names_at_the_largest_distance_finish_in_bounded_time() {
    // 128 Ki characters per name: about a second per request unoptimized, where an unbounded
    // distance (quadratic) would take hours. A release build does three 1 MiB names per side
    // in well under a second (docs/kyc.md).
    let config = MatchConfig {
        max_distance: MAX_DISTANCE_LIMIT,
        ..MatchConfig::default()
    };
    for (what, x, y, len) in [
        ("ASCII", 'a', 'b', 1 << 17),
        ("non-ASCII", 'é', 'ø', 1 << 17),
    ] {
        for (edits, expected) in [
            (MAX_DISTANCE_LIMIT, FieldOutcome::PartialMatch),
            (MAX_DISTANCE_LIMIT + 1, FieldOutcome::NoMatch),
        ] {
            let (a, b) = spread_edits(x, y, len, edits);
            let label = format!("{what}, {edits} spread edits, k = {MAX_DISTANCE_LIMIT}");
            // First, middle and last all long: the most component comparisons a request makes.
            let r = within(&label, move || {
                let mut submitted = Record::named(a.clone(), a.clone());
                submitted.middle_name = Some(a.clone().into());
                let mut authority = Record::named(b.clone(), b.clone());
                authority.middle_name = Some(b.into());
                let request = KycRequest {
                    submitted,
                    authority: Some(authority),
                    issuer_unavailable: false,
                };
                match_request(&request, &config)
            })
            .unwrap();
            assert_eq!(r.actions.names, expected, "{label}");
            let first = r.details.unwrap().names.unwrap().straight.first;
            assert_eq!(
                first.distance,
                (edits <= MAX_DISTANCE_LIMIT).then_some(edits),
                "{label}"
            );
        }
    }
}

/// A request whose records carry the given phones (`None`: no authority record).
fn phones(submitted: &str, authority: Option<&str>) -> KycRequest<'static> {
    let mut sub = record("joe", "leo");
    sub.phone_number = Some(submitted.to_string().into());
    sub.country = Some("NG".into());
    let auth = authority.map(|p| {
        let mut a = record("joe", "leo");
        a.phone_number = Some(p.to_string().into());
        a
    });
    KycRequest {
        submitted: sub,
        authority: auth,
        issuer_unavailable: false,
    }
}

fn phone_result(submitted: &str, authority: &str) -> Result<KycResult, KycError> {
    let request = phones(submitted, Some(authority));
    within("phone", move || {
        match_request(&request, &MatchConfig::default())
    })
}

#[test]
fn phones_with_letters_are_not_phone_numbers_on_either_side() {
    let letter = |field| KycError::InvalidPhone {
        field,
        reason: PhoneError::Letter,
    };
    let other = |field| KycError::InvalidPhone {
        field,
        reason: PhoneError::OtherCharacter,
    };
    // Vanity numbers, against the digits they share (letters were skipped: Exact Match) and
    // against their keypad digits (what libphonenumber would read: CALL-NOW = 2255-669).
    for vanity in [
        "0803-CALL-NOW",
        "0803-call-now",
        "+234 803 FLOWERS",
        "1-800-FLOWERS",
    ] {
        for digits in ["0803", "0803 2255 669", "+234 803 356 9377", "18003569377"] {
            assert_eq!(
                phone_result(vanity, digits).unwrap_err(),
                letter("submitted.phone_number"),
                "{vanity} / {digits}"
            );
            assert_eq!(
                phone_result(digits, vanity).unwrap_err(),
                letter("authority.phone_number"),
                "{digits} / {vanity}"
            );
        }
        // Both sides the same vanity text: still not a phone number, not an Exact Match.
        assert_eq!(
            phone_result(vanity, vanity).unwrap_err(),
            letter("submitted.phone_number")
        );
    }
    // One letter anywhere among the digits: first, last, an `x` for an extension, a
    // lookalike `O` for zero, `l` for one.
    for mixed in [
        "a08031234567",
        "08031234567b",
        "0803 123 4567 x12",
        "0803 123 4567 ext. 12",
        "08O31234567",
        "0803l234567",
        "n/a",
    ] {
        assert_eq!(
            phone_result(mixed, "08031234567").unwrap_err(),
            letter("submitted.phone_number"),
            "{mixed}"
        );
        assert_eq!(
            phone_result("08031234567", mixed).unwrap_err(),
            letter("authority.phone_number"),
            "{mixed}"
        );
    }
    // Letters of any script, including full-width Latin letters.
    for non_ascii in [
        "0803 123 4567 é",
        "0803 ÇALL",
        "0803 Σ 4567",
        "0803 日本 4567",
        "0803-ＣＡＬＬ-ＮＯＷ",
        "0803 ß",
    ] {
        assert_eq!(
            phone_result(non_ascii, "0803").unwrap_err(),
            letter("submitted.phone_number"),
            "{non_ascii}"
        );
        assert_eq!(
            phone_result("0803", non_ascii).unwrap_err(),
            letter("authority.phone_number"),
            "{non_ascii}"
        );
    }
    // Digits of other scripts are not ASCII digits, alone or mixed with ASCII ones (they were
    // skipped, so `0803１２３` matched `0803`).
    for foreign_digits in [
        "０８０３１２３４５６７",
        "0803１２３4567",
        "0803 ١٢٣ 4567",
        "0803 १२३ 4567",
    ] {
        assert_eq!(
            phone_result(foreign_digits, "0803 4567").unwrap_err(),
            other("submitted.phone_number"),
            "{foreign_digits}"
        );
        assert_eq!(
            phone_result("0803 4567", foreign_digits).unwrap_err(),
            other("authority.phone_number"),
            "{foreign_digits}"
        );
    }
    // Invisible characters, controls and keypad symbols are not formatting either.
    for odd in [
        "0803\u{200B}1234567",
        "0803\u{FEFF}1234567",
        "0803\u{7}1234567",
        "*0803#",
        "0803_123_4567",
    ] {
        assert_eq!(
            phone_result(odd, "08031234567").unwrap_err(),
            other("submitted.phone_number"),
            "{odd:?}"
        );
    }
    // Formatting still is: spaces of any kind, brackets, dots, slashes, Unicode dashes.
    for formatted in [
        "+234 (803) 123-4567",
        "0803.123.4567",
        "0803/1234567",
        "0803\u{a0}123\u{3000}4567",
        "0803\u{2013}123\u{2011}4567\u{2212}",
        "\t0803 123 4567\n",
    ] {
        let r = phone_result(formatted, "08031234567").unwrap();
        assert_eq!(
            r.actions.phone_number,
            FieldOutcome::ExactMatch,
            "{formatted}"
        );
        assert_eq!(r.code, ResultCode::ExactMatch, "{formatted}");
    }
}

#[test]
fn phones_with_letters_are_refused_even_when_nothing_is_compared() {
    // Records are validated before 1013 / 1015 are decided.
    let request = phones("0803-CALL-NOW", None);
    assert_eq!(
        match_request(&request, &MatchConfig::default()).unwrap_err(),
        KycError::InvalidPhone {
            field: "submitted.phone_number",
            reason: PhoneError::Letter
        }
    );
    let mut request = phones("08031234567", Some("0803 CALL NOW"));
    request.issuer_unavailable = true;
    let e = match_request(&request, &MatchConfig::default()).unwrap_err();
    assert_eq!(e.field(), "authority.phone_number");
    // The message names the field and the reason, never the value.
    let message = e.to_string();
    assert!(
        message.starts_with("authority.phone_number: not a phone number: contains a letter"),
        "{message}"
    );
    assert!(!message.contains("0803 CALL"), "{message}");
}

#[test]
fn compare_phone_on_unchecked_input_never_calls_letters_a_match() {
    use underwrite_kyc::phone::{compare_phone, parse_country};
    let ng = parse_country("NG");
    for (a, b) in [
        ("0803-CALL-NOW", "0803"),
        ("0803-CALL-NOW", "0803 2255 669"),
        ("0803-CALL-NOW", "0803-CALL-NOW"),
        ("0803１２３", "0803"),
        ("08031234567", "0803 123 4567 x"),
    ] {
        for (x, y) in [(a, b), (b, a)] {
            let (outcome, details) = compare_phone(x, ng, y, ng);
            assert_eq!(
                (outcome, details.rule),
                (FieldOutcome::NoMatch, PhoneRule::Invalid),
                "{x} / {y}"
            );
        }
    }
}

#[test]
fn results_read_for_a_decision_are_refused_with_typed_errors() {
    use underwrite_kyc::{Aggregation, ResultError, ResultText, VerifyIdNumber};
    let result = |code: &str, text: &str, verify: &str, names: &str, id: &str| {
        format!(
            r#"{{"ResultCode": "{code}", "ResultText": "{text}", "Actions": {{
                "Verify_ID_Number": "{verify}", "Return_Personal_Info": "Not Applicable",
                "Names": "{names}", "DOB": "Exact Match", "Gender": "Not Provided",
                "Phone_Number": "Not Provided", "ID_Verification": "{id}"}}}}"#
        )
    };
    let ok = result("1022", "No Match", "Verified", "No Match", "No Match");
    assert_eq!(KycResult::from_json(&ok).unwrap().code, ResultCode::NoMatch);
    let err = |text: String| within("result", move || KycResult::from_json(&text).unwrap_err());
    assert_eq!(
        err(ok.replace(
            r#""Names": "No Match","#,
            r#""Names": "No Match", "Names": "Exact Match","#
        )),
        ResultError::DuplicateKey {
            path: "Actions.Names".into()
        }
    );
    assert_eq!(
        err(result(
            "1020",
            "No Match",
            "Verified",
            "Exact Match",
            "No Match"
        )),
        ResultError::CodeText {
            code: ResultCode::ExactMatch,
            text: ResultText::NoMatch
        }
    );
    assert_eq!(
        err(result(
            "1022",
            "No Match",
            "Verified",
            "No Match",
            "Exact Match"
        )),
        ResultError::IdVerification {
            text: ResultText::NoMatch,
            id_verification: ResultText::ExactMatch
        }
    );
    assert_eq!(
        err(result(
            "1013",
            "Invalid ID",
            "Verified",
            "No Match",
            "Invalid ID"
        )),
        ResultError::VerifyIdNumber {
            code: ResultCode::InvalidId,
            verify_id_number: VerifyIdNumber::Verified,
            expected: VerifyIdNumber::NotVerified
        }
    );
    assert_eq!(
        err(result(
            "1013",
            "Invalid ID",
            "Not Verified",
            "Exact Match",
            "Invalid ID"
        )),
        ResultError::MatchWithoutRecord {
            code: ResultCode::InvalidId,
            field: "Actions.Names",
            outcome: FieldOutcome::ExactMatch
        }
    );
    assert_eq!(
        err(result(
            "1020",
            "Exact Match",
            "Verified",
            "Not Done",
            "Exact Match"
        )),
        ResultError::NotCompared {
            code: ResultCode::ExactMatch,
            field: "Actions.Names",
            outcome: FieldOutcome::NotDone
        }
    );
    let e = err(result(
        "1020",
        "Exact Match",
        "Verified",
        "No Match",
        "Exact Match",
    ));
    assert_eq!(
        e,
        ResultError::CodeActions {
            code: ResultCode::ExactMatch,
            expected: ResultCode::NoMatch,
            aggregation: Aggregation::Strict
        }
    );
    assert_eq!(e.field(), "ResultCode");
    assert!(matches!(err("{".into()), ResultError::Json { .. }));
}

/// serde's derived readers take a struct from an array, field by position: a request, a record
/// or a result given as an array must be refused, never matched by position.
#[test]
fn arrays_are_never_read_as_requests_records_or_results() {
    let positional = [
        r#"[{"first_name": "Joe", "last_name": "Leo"}, null, false]"#,
        r#"{"submitted": ["Joe", null, "Leo"], "authority": null}"#,
        r#"{"submitted": {"first_name": "Joe", "last_name": "Leo"}, "authority": ["Joe", null, "Leo"]}"#,
    ];
    for text in positional {
        let err = KycRequest::from_json(text).expect_err(text);
        assert!(err.is_data(), "{text}: {err}");
        let message = err.to_string();
        assert!(
            message.starts_with("invalid type: sequence, expected "),
            "{text}: {message}"
        );
        assert!(
            KycRequest::from_json_slice(text.as_bytes()).is_err(),
            "{text}"
        );
    }
    // The same requests as objects are read.
    let request = KycRequest::from_json(
        r#"{"submitted": {"first_name": "Joe", "last_name": "Leo"}, "authority": {"first_name": "Joe", "last_name": "Leo"}}"#,
    )
    .unwrap();
    let result = match_request(&request, &MatchConfig::default()).unwrap();
    let json = serde_json::to_string(&result).unwrap();
    assert_eq!(KycResult::from_json(&json).unwrap(), result);

    let actions = [
        "Verified",
        "Not Applicable",
        "Exact Match",
        "Exact Match",
        "Not Provided",
        "Not Provided",
        "Exact Match",
    ];
    let actions = serde_json::to_string(&actions).unwrap();
    let results = [
        format!(r#"["ID Verification", "1020", "Exact Match", true, {actions}]"#),
        format!(r#"{{"ResultCode": "1020", "ResultText": "Exact Match", "Actions": {actions}}}"#),
    ];
    for text in &results {
        let err = KycResult::from_json(text).expect_err(text);
        assert!(
            err.to_string()
                .contains("invalid type: sequence, expected "),
            "{text}: {err}"
        );
    }
    // Details from this crate's own output: every struct inside is an object too.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    for pointer in [
        "/Details",
        "/Details/names",
        "/Details/names/straight",
        "/Details/names/straight/first",
        "/Details/dob",
    ] {
        let mut changed = value.clone();
        let target = changed.pointer_mut(pointer).unwrap();
        let fields: Vec<serde_json::Value> =
            target.as_object().unwrap().values().cloned().collect();
        *target = serde_json::Value::Array(fields);
        let text = changed.to_string();
        let err = KycResult::from_json(&text).expect_err(pointer);
        assert!(
            err.to_string()
                .contains("invalid type: sequence, expected a JSON object"),
            "{pointer}: {err}"
        );
    }
}
