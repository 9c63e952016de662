//! Structured KYC requests (names with any Unicode, zero-width and RTL marks, dates valid and
//! not) → `match_request`. Besides "no panic", the result must agree with plain references:
//! a textbook DP Levenshtein over Unicode scalar values for every name component, the
//! contract's name/DOB rules, and NFC + full case folding + whitespace collapsing for names.
//!
//! Input: bytes that parse as a KYC request JSON (the seed corpus: `testdata/kyc`) are used as
//! they are; anything else is read as a structured request with `arbitrary`.
#![no_main]

use std::borrow::Cow;

use arbitrary::{Arbitrary, Unstructured};
use caseless::Caseless;
use libfuzzer_sys::fuzz_target;
use underwrite_kyc::{
    match_request, normalize_name, Aggregation, FieldOutcome, KycError, KycRequest, MatchConfig,
    Record, ResultCode,
};
use unicode_normalization::UnicodeNormalization;

/// Symbols that make names collide, fold, compose and hide: case pairs, precomposed and
/// decomposed accents, `ß`/`ss`, ligatures, final sigma, dotted I, zero-width and bidi marks,
/// odd whitespace.
const PALETTE: [&str; 24] = [
    "a", "b", "o", "A", "B", "é", "e\u{301}", "ß", "ss", "ẞ", "ﬁ", "Σ", "ς", "İ", "i\u{307}",
    "\u{200B}", "\u{200D}", "\u{200F}", "\u{202E}", "\u{FEFF}", " ", "\t", "\u{3000}", "日",
];

#[derive(Debug, Arbitrary)]
enum Name {
    /// Any Unicode text.
    Any(String),
    /// Text over [`PALETTE`], so that both sides are often close.
    Palette(Vec<u8>),
}

impl Name {
    fn text(&self) -> String {
        match self {
            Name::Any(s) => s.clone(),
            Name::Palette(ix) => ix
                .iter()
                .map(|&i| PALETTE[usize::from(i) % PALETTE.len()])
                .collect(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Dob {
    Any(String),
    /// Zero-padded `YYYY-MM-DD` from any components (so `0000-00-00`, `9999-99-99` and
    /// `2001-02-29` come up).
    Ymd(u16, u8, u8),
}

impl Dob {
    fn text(&self) -> String {
        match self {
            Dob::Any(s) => s.clone(),
            Dob::Ymd(y, m, d) => format!("{:04}-{:02}-{:02}", y % 10_000, m % 100, d % 100),
        }
    }
}

/// The authority's DOB: any, or a small edit of the submitted one.
#[derive(Debug, Arbitrary)]
enum AuthDob {
    Own(Option<Dob>),
    Same,
    Swapped,
    Nudge { component: u8, delta: i8 },
}

#[derive(Debug, Arbitrary)]
struct Rec {
    first: Option<Name>,
    middle: Option<Name>,
    last: Option<Name>,
    gender: Option<String>,
    phone: Option<String>,
    country: Option<String>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    submitted: Rec,
    submitted_dob: Option<Dob>,
    authority: Option<Rec>,
    authority_dob: AuthDob,
    issuer_unavailable: bool,
    max_distance: u8,
    length_scaled: bool,
    lenient: bool,
}

fn record(r: &Rec, dob: Option<String>) -> Record<'static> {
    let s = |n: &Option<Name>| n.as_ref().map(|n| Cow::Owned(n.text()));
    Record {
        first_name: s(&r.first),
        middle_name: s(&r.middle),
        last_name: s(&r.last),
        dob: dob.map(Cow::Owned),
        gender: r.gender.clone().map(Cow::Owned),
        phone_number: r.phone.clone().map(Cow::Owned),
        country: r.country.clone().map(Cow::Owned),
    }
}

fn authority_dob(submitted: Option<&str>, a: &AuthDob) -> Option<String> {
    let parts = || {
        let s = submitted?;
        let y: i32 = s.get(0..4)?.parse().ok()?;
        let m: i32 = s.get(5..7)?.parse().ok()?;
        let d: i32 = s.get(8..10)?.parse().ok()?;
        Some((y, m, d))
    };
    let fmt = |(y, m, d): (i32, i32, i32)| format!("{y:04}-{m:02}-{d:02}");
    match a {
        AuthDob::Own(d) => d.as_ref().map(Dob::text),
        AuthDob::Same => submitted.map(str::to_string),
        AuthDob::Swapped => parts().map(|(y, m, d)| fmt((y, d, m))),
        AuthDob::Nudge { component, delta } => parts().map(|(y, m, d)| {
            let delta = i32::from(*delta);
            match component % 3 {
                0 => fmt(((y + delta).rem_euclid(10_000), m, d)),
                1 => fmt((y, (m + delta).rem_euclid(100), d)),
                _ => fmt((y, m, (d + delta).rem_euclid(100))),
            }
        }),
    }
}

/// Textbook Wagner–Fischer over Unicode scalar values.
fn dp_levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// NFC(full case fold(NFD(s))), trimmed, inner whitespace runs collapsed to one space.
fn reference_normalize(s: &str) -> String {
    let folded: String = s.nfd().default_case_fold().nfc().collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn severity(o: FieldOutcome) -> u8 {
    match o {
        FieldOutcome::ExactMatch => 0,
        FieldOutcome::PartialMatch => 1,
        _ => 2,
    }
}

/// A name component by the contract: Exact when equal, Partial within the threshold, else
/// No Match (a side without the component cannot match). Also returns the distance.
fn component(a: &str, b: &str, config: &MatchConfig) -> (FieldOutcome, usize) {
    if a.is_empty() || b.is_empty() {
        return (FieldOutcome::NoMatch, usize::MAX);
    }
    let shorter = a.chars().count().min(b.chars().count());
    let k = config.threshold_for(shorter);
    let d = dp_levenshtein(a, b);
    let outcome = match d {
        0 => FieldOutcome::ExactMatch,
        d if d <= k => FieldOutcome::PartialMatch,
        _ => FieldOutcome::NoMatch,
    };
    (outcome, d)
}

fn initial(s: &str) -> Option<char> {
    let mut it = s.chars();
    let c = it.next()?;
    match (it.next(), it.next()) {
        (None, _) | (Some('.'), None) if c.is_alphabetic() => Some(c),
        _ => None,
    }
}

fn middle(a: &str, b: &str, config: &MatchConfig) -> FieldOutcome {
    let (ia, ib) = (initial(a), initial(b));
    if ia.is_none() && ib.is_none() {
        return component(a, b, config).0;
    }
    if a.chars().next() != b.chars().next() {
        FieldOutcome::NoMatch
    } else if ia.is_some() && ib.is_some() {
        FieldOutcome::ExactMatch
    } else {
        FieldOutcome::PartialMatch
    }
}

struct Names {
    first: String,
    middle: Option<String>,
    last: String,
}

fn names(r: &Record<'_>) -> Names {
    let n = |v: &Option<Cow<'_, str>>| reference_normalize(v.as_deref().unwrap_or(""));
    let m = n(&r.middle_name);
    Names {
        first: n(&r.first_name),
        middle: (!m.is_empty()).then_some(m),
        last: n(&r.last_name),
    }
}

/// The contract's `Names` outcome, checking each component's distance against `details`.
fn reference_names(
    s: &Names,
    a: &Names,
    config: &MatchConfig,
    details: &underwrite_kyc::NameDetails,
) -> FieldOutcome {
    let mid = match (&s.middle, &a.middle) {
        (Some(x), Some(y)) => Some(middle(x, y, config)),
        _ => None,
    };
    assert_eq!(mid.is_some(), details.straight.middle.is_some());
    // One orientation by the reference; its components are checked against `got` when the
    // library reports them.
    let orientation =
        |first: (&str, &str), last: (&str, &str), got: Option<&underwrite_kyc::NameComparison>| {
            let f = component(first.0, first.1, config);
            let l = component(last.0, last.1, config);
            let outcome = [Some(f.0), mid, Some(l.0)]
                .into_iter()
                .flatten()
                .max_by_key(|o| severity(*o))
                .unwrap_or(FieldOutcome::ExactMatch);
            if let Some(got) = got {
                for ((o, d), c) in [(f, &got.first), (l, &got.last)] {
                    assert_eq!(c.outcome, o, "component outcome (DP distance {d})");
                    if o != FieldOutcome::NoMatch {
                        assert_eq!(c.distance, Some(d), "component distance");
                    }
                }
                assert_eq!(severity(outcome), severity(got.outcome));
            }
            outcome
        };
    let straight = orientation(
        (&s.first, &a.first),
        (&s.last, &a.last),
        Some(&details.straight),
    );
    let swapped = orientation(
        (&s.first, &a.last),
        (&s.last, &a.first),
        details.swapped.as_ref(),
    );
    // The swapped orientation is skipped only when the straight one already decides.
    assert!(details.swapped.is_some() || straight == FieldOutcome::ExactMatch);
    match (straight, swapped) {
        (FieldOutcome::ExactMatch, _) => FieldOutcome::ExactMatch,
        (_, FieldOutcome::ExactMatch) => FieldOutcome::Transposed,
        (FieldOutcome::PartialMatch, _) => FieldOutcome::PartialMatch,
        (_, FieldOutcome::PartialMatch) => FieldOutcome::Transposed,
        _ => FieldOutcome::NoMatch,
    }
}

/// `YYYY-MM-DD` with year >= 1, a real month and a day that exists in it.
fn reference_date(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &b[r];
        part.iter().all(u8::is_ascii_digit).then(|| {
            part.iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (y >= 1 && (1..=days).contains(&d)).then_some((y, m, d))
}

fn within_one(a: u32, b: u32, width: usize) -> bool {
    let (x, y) = (format!("{a:0width$}"), format!("{b:0width$}"));
    a.abs_diff(b) == 1 || x.chars().zip(y.chars()).filter(|(p, q)| p != q).count() == 1
}

fn reference_dob(a: (u32, u32, u32), b: (u32, u32, u32)) -> FieldOutcome {
    if a == b {
        return FieldOutcome::ExactMatch;
    }
    if a.0 == b.0 && a.1 == b.2 && a.2 == b.1 && a.1 != a.2 {
        return FieldOutcome::Transposed;
    }
    let diffs = [(a.0, b.0, 4), (a.1, b.1, 2), (a.2, b.2, 2)];
    let differing: Vec<_> = diffs.iter().filter(|(x, y, _)| x != y).collect();
    match differing.as_slice() {
        [(x, y, w)] if within_one(*x, *y, *w) => FieldOutcome::PartialMatch,
        _ => FieldOutcome::NoMatch,
    }
}

fn not_blank<'a>(v: &'a Option<Cow<'a, str>>) -> Option<&'a str> {
    v.as_deref().filter(|s| !s.chars().all(char::is_whitespace))
}

fn check(request: &KycRequest<'_>, config: &MatchConfig) {
    // Names normalize as the contract says.
    for r in std::iter::once(&request.submitted).chain(request.authority.as_ref()) {
        for n in [&r.first_name, &r.middle_name, &r.last_name]
            .into_iter()
            .flatten()
        {
            assert_eq!(
                normalize_name(n).as_str(),
                reference_normalize(n),
                "normalize {n:?}"
            );
        }
    }
    let result = match match_request(request, config) {
        Ok(r) => r,
        Err(e) => {
            let _ = e.to_string();
            if let KycError::InvalidDate { field, .. } = e {
                let record = if field.starts_with("submitted") {
                    Some(&request.submitted)
                } else {
                    request.authority.as_ref()
                };
                let dob = record.and_then(|r| not_blank(&r.dob));
                assert!(
                    dob.is_some_and(|d| reference_date(d).is_none()),
                    "{field} is valid"
                );
            }
            if let KycError::MissingName { field } = e {
                let s = &request.submitted;
                let v = if field.ends_with("first_name") {
                    &s.first_name
                } else {
                    &s.last_name
                };
                assert!(reference_normalize(v.as_deref().unwrap_or("")).is_empty());
            }
            return;
        }
    };
    let _ = serde_json::to_string(&result).expect("a result serializes");
    let Some(authority) = request
        .authority
        .as_ref()
        .filter(|_| !request.issuer_unavailable)
    else {
        assert!(matches!(
            result.code,
            ResultCode::IssuerUnavailable | ResultCode::InvalidId
        ));
        return;
    };
    let details = result.details.as_ref().expect("details");
    let name_details = details.names.as_ref().expect("name details");
    let expected = reference_names(
        &names(&request.submitted),
        &names(authority),
        config,
        name_details,
    );
    assert_eq!(result.actions.names, expected, "Names");

    let dob = |r: &Record<'_>| not_blank(&r.dob).map(|d| reference_date(d).expect("valid dob"));
    let expected_dob = match (dob(&request.submitted), dob(authority)) {
        (Some(a), Some(b)) => reference_dob(a, b),
        _ => FieldOutcome::NotProvided,
    };
    assert_eq!(result.actions.dob, expected_dob, "DOB");
}

/// Warm the phone metadata (parsed lazily, seconds under the sanitizer) before fuzzing, so that
/// the first input is not charged for it against the per-input timeout.
fn warm_up() {
    let request = KycRequest::from_json(include_str!("../../testdata/kyc/joe-exact.json"))
        .expect("shipped KYC example parses");
    let _ = match_request(&request, &MatchConfig::default());
}

fuzz_target!(init: warm_up(), |data: &[u8]| {
    if let Ok(request) = KycRequest::from_json_slice(data) {
        // A request is an object, never an array read by position.
        assert_eq!(data.trim_ascii_start().first(), Some(&b'{'), "accepted a non-object");
        check(&request, &MatchConfig::default());
        return;
    }
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let submitted_dob = input.submitted_dob.as_ref().map(Dob::text);
    let authority_dob = authority_dob(submitted_dob.as_deref(), &input.authority_dob);
    let request = KycRequest {
        submitted: record(&input.submitted, submitted_dob),
        authority: input.authority.as_ref().map(|a| record(a, authority_dob)),
        issuer_unavailable: input.issuer_unavailable,
    };
    let config = MatchConfig {
        max_distance: usize::from(input.max_distance % 8),
        length_scaled: input.length_scaled,
        aggregation: if input.lenient { Aggregation::Lenient } else { Aggregation::Strict },
    };
    check(&request, &config);
    // The same request through its JSON form gives the same result.
    let json = serde_json::to_string(&request).expect("a request serializes");
    let back = KycRequest::from_json(&json).expect("a serialized request parses");
    assert_eq!(back, request);
    assert_eq!(match_request(&back, &config), match_request(&request, &config));
});
