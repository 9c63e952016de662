//! Property tests: the bounded Levenshtein, the normalization and every name outcome against an
//! independent reference ([`oracle`], written from the documented rules, never from the
//! matcher's code), and the matching invariants.

mod oracle;

use proptest::prelude::*;
use underwrite_kyc::date::compare_dob;
use underwrite_kyc::levenshtein::{bounded, bounded_slices};
use underwrite_kyc::{
    match_request, normalize_name, overall, Aggregation, ComponentRule, Date, FieldOutcome,
    KycError, KycRequest, KycResult, MatchConfig, NameDetails, Record, ResultCode,
};

fn expected(a: &str, b: &str, k: usize) -> Option<usize> {
    let d = oracle::levenshtein(a, b);
    (d <= k).then_some(d)
}

/// A string plus a few random edits of it: many pairs land near the threshold.
fn near_pair(alphabet: &'static str, max_len: usize) -> impl Strategy<Value = (String, String)> {
    let chars: Vec<char> = alphabet.chars().collect();
    let base = proptest::collection::vec(proptest::sample::select(chars.clone()), 0..=max_len);
    let edits = proptest::collection::vec(
        (
            0u8..3,
            any::<prop::sample::Index>(),
            proptest::sample::select(chars),
        ),
        0..5,
    );
    (base, edits).prop_map(|(base, edits)| {
        let mut other = base.clone();
        for (kind, idx, c) in edits {
            let len = other.len();
            match kind {
                0 => other.insert(idx.index(len + 1), c),
                1 if len > 0 => {
                    other.remove(idx.index(len));
                }
                _ if len > 0 => other[idx.index(len)] = c,
                _ => other.push(c),
            }
        }
        (base.into_iter().collect(), other.into_iter().collect())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn levenshtein_matches_dp_on_small_ascii_alphabet(a in "[abc]{0,12}", b in "[abc]{0,12}", k in 0usize..6) {
        prop_assert_eq!(bounded(&a, &b, k), expected(&a, &b, k));
    }

    #[test]
    fn levenshtein_matches_dp_on_near_ascii_pairs((a, b) in near_pair("abcde", 14), k in 0usize..6) {
        prop_assert_eq!(bounded(&a, &b, k), expected(&a, &b, k));
    }

    #[test]
    fn levenshtein_matches_dp_on_near_unicode_pairs((a, b) in near_pair("aeéèßsüuñ日本\u{301}", 14), k in 0usize..6) {
        prop_assert_eq!(bounded(&a, &b, k), expected(&a, &b, k));
    }

    #[test]
    fn levenshtein_matches_dp_on_arbitrary_unicode(a in "\\PC{0,20}", b in "\\PC{0,20}", k in 0usize..8) {
        prop_assert_eq!(bounded(&a, &b, k), expected(&a, &b, k));
    }

    #[test]
    fn levenshtein_matches_dp_around_the_16_byte_register_path((a, b) in near_pair("abc", 18), k in 0usize..5) {
        prop_assert_eq!(bounded(&a, &b, k), expected(&a, &b, k));
    }

    #[test]
    fn levenshtein_matches_dp_on_long_strings((a, b) in near_pair("ab", 150), k in 0usize..12) {
        prop_assert_eq!(bounded(&a, &b, k), expected(&a, &b, k));
    }

    #[test]
    fn levenshtein_matches_dp_on_long_unicode_strings((a, b) in near_pair("aé日", 100), k in 0usize..12) {
        prop_assert_eq!(bounded(&a, &b, k), expected(&a, &b, k));
    }

    #[test]
    fn levenshtein_is_symmetric_and_generic((a, b) in near_pair("xyz", 20), k in 0usize..5) {
        prop_assert_eq!(bounded(&a, &b, k), bounded(&b, &a, k));
        prop_assert_eq!(bounded_slices(a.as_bytes(), b.as_bytes(), k), bounded(&a, &b, k));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn normalization_fast_paths_agree_with_the_reference(s in "[ \t]{0,2}[a-zA-Z .'-]{0,70}[ \n]{0,2}") {
        let got = normalize_name(&s);
        prop_assert_eq!(got.as_str(), oracle::normalize(&s));
    }

    #[test]
    fn latin_normalization_agrees_with_the_reference(s in "[ a-zA-Z\u{b5}\u{c0}-\u{24f}\u{300}-\u{36f}\u{130}\u{3a3}\u{1e9e}]{0,20}") {
        let got = normalize_name(&s);
        prop_assert_eq!(got.as_str(), oracle::normalize(&s));
    }

    #[test]
    fn unicode_normalization_agrees_with_the_reference(s in "\\PC{0,40}") {
        let got = normalize_name(&s);
        prop_assert_eq!(got.as_str(), oracle::normalize(&s));
    }
}

fn record<'a>(first: &'a str, middle: Option<&'a str>, last: &'a str, dob: &'a str) -> Record<'a> {
    let mut r = Record::named(first, last);
    r.middle_name = middle.map(Into::into);
    r.dob = Some(dob.into());
    r
}

fn request<'a>(s: Record<'a>, a: Record<'a>) -> KycRequest<'a> {
    KycRequest {
        submitted: s,
        authority: Some(a),
        issuer_unavailable: false,
    }
}

fn date_strategy() -> impl Strategy<Value = String> {
    (1900u16..2100, 1u8..=12, 1u8..=31)
        .prop_filter_map("valid date", |(y, m, d)| Date::new(y, m, d).ok())
        .prop_map(|d| d.to_string())
}

/// Names with mixed case and stray whitespace, drawn from few letters so that near and equal
/// names are common.
const NAME: &str = "[ \t]?[aAbBnN]{1,3}( [aAbB]{1,2})?[ ]?";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn name_outcomes_are_symmetric(
        f1 in NAME, l1 in NAME, f2 in NAME, l2 in NAME,
        m1 in proptest::option::of("[ab]{1,3}\\.?"), m2 in proptest::option::of("[ab]{1,3}\\.?"),
    ) {
        let cfg = MatchConfig::default();
        let ab = match_request(&request(record(&f1, m1.as_deref(), &l1, ""), record(&f2, m2.as_deref(), &l2, "")), &cfg);
        let ba = match_request(&request(record(&f2, m2.as_deref(), &l2, ""), record(&f1, m1.as_deref(), &l1, "")), &cfg);
        let (ab, ba) = (ab.expect("valid"), ba.expect("valid"));
        prop_assert_eq!(ab.actions.names, ba.actions.names);
        prop_assert_eq!(ab.code, ba.code);
    }

    #[test]
    fn names_exact_iff_normalized_equal(f1 in NAME, l1 in NAME, f2 in NAME, l2 in NAME) {
        let r = match_request(&request(record(&f1, None, &l1, ""), record(&f2, None, &l2, "")), &MatchConfig::default())
            .expect("valid");
        let equal = oracle::normalize(&f1) == oracle::normalize(&f2) && oracle::normalize(&l1) == oracle::normalize(&l2);
        prop_assert_eq!(r.actions.names == FieldOutcome::ExactMatch, equal);
    }

    #[test]
    fn transposed_record_is_never_no_match(f in NAME, l in NAME, m in proptest::option::of("[ab]{1,4}"), dob in date_strategy()) {
        for cfg in [MatchConfig::default(), MatchConfig { length_scaled: true, max_distance: 0, ..MatchConfig::default() }] {
            let r = match_request(&request(record(&f, m.as_deref(), &l, &dob), record(&l, m.as_deref(), &f, &dob)), &cfg)
                .expect("valid");
            prop_assert!(matches!(r.actions.names, FieldOutcome::Transposed | FieldOutcome::ExactMatch), "{:?}", r.actions.names);
            prop_assert_ne!(r.code, ResultCode::NoMatch);
        }
    }

    #[test]
    fn dob_exact_iff_equal_and_symmetric(a in date_strategy(), b in date_strategy()) {
        let (da, db) = (Date::parse(&a).expect("valid"), Date::parse(&b).expect("valid"));
        let (ab, det) = compare_dob(da, db);
        prop_assert_eq!(ab == FieldOutcome::ExactMatch, a == b);
        prop_assert_eq!(ab, compare_dob(db, da).0);
        let differing = usize::from(det.year_differs) + usize::from(det.month_differs) + usize::from(det.day_differs);
        if ab == FieldOutcome::PartialMatch {
            prop_assert_eq!(differing, 1);
        }
    }

    #[test]
    fn dob_near_dates((y, m, d) in (1901u16..2099, 1u8..=12, 1u8..=28), which in 0usize..3, delta in prop_oneof![Just(-1i32), Just(1)]) {
        let base = Date::new(y, m, d).expect("valid");
        let mut parts = [i32::from(y), i32::from(m), i32::from(d)];
        parts[which] += delta;
        if let (Ok(yy), Ok(mm), Ok(dd)) = (u16::try_from(parts[0]), u8::try_from(parts[1]), u8::try_from(parts[2])) {
            if let Ok(other) = Date::new(yy, mm, dd) {
                prop_assert_eq!(compare_dob(base, other).0, FieldOutcome::PartialMatch);
            }
        }
    }

    #[test]
    fn overall_code_agrees_with_fields(
        f1 in NAME, l1 in NAME, f2 in NAME, l2 in NAME,
        d1 in date_strategy(), d2 in date_strategy(),
        g1 in proptest::option::of(prop_oneof![Just("M"), Just("female"), Just("F")]),
        g2 in proptest::option::of(prop_oneof![Just("m"), Just("Male"), Just("F")]),
        lenient in any::<bool>(),
    ) {
        let mut s = record(&f1, None, &l1, &d1);
        let mut a = record(&f2, None, &l2, &d2);
        s.gender = g1.map(Into::into);
        a.gender = g2.map(Into::into);
        let aggregation = if lenient { Aggregation::Lenient } else { Aggregation::Strict };
        let cfg = MatchConfig { aggregation, ..MatchConfig::default() };
        let r = match_request(&request(s, a), &cfg).expect("valid");
        let act = r.actions;
        let fields = [act.names, act.dob, act.gender, act.phone_number];
        let compared: Vec<_> = fields.iter().filter(|o| **o != FieldOutcome::NotProvided).collect();
        let expected = if compared.iter().all(|o| **o == FieldOutcome::ExactMatch) {
            ResultCode::ExactMatch
        } else if (!lenient && compared.iter().any(|o| **o == FieldOutcome::NoMatch))
            || (lenient && compared.iter().all(|o| **o == FieldOutcome::NoMatch))
        {
            ResultCode::NoMatch
        } else {
            ResultCode::PartialMatch
        };
        prop_assert_eq!(r.code, expected);
        prop_assert_eq!(overall(&fields, aggregation), expected);
        prop_assert_eq!(r.text, r.code.text());
        prop_assert_eq!(act.id_verification, r.code.text());
    }
}

/// The `Names` details of a match that must succeed.
fn name_details(result: Result<KycResult, KycError>) -> NameDetails {
    result
        .expect("valid request")
        .details
        .and_then(|d| d.names)
        .expect("names compared")
}

/// Mixed-case ASCII with whitespace, a control byte and a dot (initials), around the 16-byte
/// packed-key limit.
const RAW_NAME_ALPHABET: &str = "aAbBcCzZ@[`{ .\t\u{0}";

/// Raw names as the matcher sees them: ASCII around the packed-key limit (packed into one word,
/// or compared as text when whitespace or length keep it from being packed), or Unicode
/// (compared as text).
fn raw_name_pair() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        3 => near_pair(RAW_NAME_ALPHABET, 18),
        1 => near_pair("aAéÉßsSüñ日 .\u{301}", 10),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Every component the matcher compares (first name, and middle name with its initial rule)
    /// reports exactly what the documented rule gives on the normalized text with the textbook
    /// distance: outcome, rule, distance and threshold, for every threshold and both threshold
    /// modes, whether the matcher compared packed keys or text. A blank submitted name is
    /// refused; a blank authority name is a No Match.
    #[test]
    fn components_follow_the_rule_on_normalized_text(
        (a, b) in raw_name_pair(),
        max_distance in 0usize..5,
        length_scaled in any::<bool>(),
    ) {
        let cfg = MatchConfig { max_distance, length_scaled, ..MatchConfig::default() };
        let (na, nb) = (oracle::normalize(&a), oracle::normalize(&b));
        for ((x, nx), (y, ny)) in [((&a, &na), (&b, &nb)), ((&b, &nb), (&a, &na))] {
            let r = match_request(&request(record(x, None, "x", ""), record(y, None, "x", "")), &cfg);
            if nx.is_empty() {
                prop_assert_eq!(r.expect_err("blank"), KycError::MissingName { field: "submitted.first_name" });
                continue;
            }
            let first = name_details(r).straight.first;
            prop_assert_eq!(first, oracle::component(nx, ny, &cfg));
        }
        let r = match_request(&request(record("x", Some(&a), "y", ""), record("x", Some(&b), "y", "")), &cfg);
        let middle = name_details(r).straight.middle;
        if na.is_empty() || nb.is_empty() {
            prop_assert_eq!(middle, None);
        } else {
            prop_assert_eq!(middle, Some(oracle::middle(&na, &nb, &cfg)));
        }
    }

    /// A raw name against its own normalized text is an Exact Match at distance 0: the key the
    /// matcher builds from raw text holds the normalized name.
    #[test]
    fn a_name_matches_its_normalized_text(s in "[ \t]{0,2}[a-zA-Z@\\[`{ .\u{0}\u{7f}-]{0,20}[ \n]{0,2}|\\PC{0,20}") {
        let n = oracle::normalize(&s);
        let r = match_request(&request(record(&s, None, "x", ""), record(&n, None, "x", "")), &MatchConfig::default());
        if n.is_empty() {
            let missing = matches!(r, Err(KycError::MissingName { .. }));
            prop_assert!(missing);
        } else {
            let first = name_details(r).straight.first;
            prop_assert_eq!((first.outcome, first.rule, first.distance), (FieldOutcome::ExactMatch, ComponentRule::Equal, Some(0)));
        }
    }

    /// The matcher's `Names` outcome and details (which skip the swapped orientation when the
    /// straight one is exact) are the documented rules on normalized text.
    #[test]
    fn names_follow_the_rules_on_normalized_text(
        f1 in NAME, l1 in NAME, f2 in NAME, l2 in NAME,
        m1 in proptest::option::of("[aAbB]{1,3}\\.?"), m2 in proptest::option::of("[aAbB]{1,3}\\.?"),
        max_distance in 0usize..4, length_scaled in any::<bool>(),
    ) {
        let cfg = MatchConfig { max_distance, length_scaled, ..MatchConfig::default() };
        let r = match_request(&request(record(&f1, m1.as_deref(), &l1, ""), record(&f2, m2.as_deref(), &l2, "")), &cfg)
            .expect("valid request");
        let (outcome, straight, swapped) = oracle::names(
            &oracle::Names::of(&f1, m1.as_deref(), &l1),
            &oracle::Names::of(&f2, m2.as_deref(), &l2),
            &cfg,
        );
        let details = r.details.and_then(|d| d.names).expect("names compared");
        prop_assert_eq!(r.actions.names, outcome);
        prop_assert_eq!(details.straight, straight);
        match details.swapped {
            None => prop_assert_eq!(details.straight.outcome, FieldOutcome::ExactMatch),
            Some(got) => prop_assert_eq!(got, swapped),
        }
        prop_assert_eq!(details.swapped.is_none(), straight.outcome == FieldOutcome::ExactMatch);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The matcher rejects a blank required name from the raw text (before normalizing):
    /// exactly when its normalized form is empty.
    #[test]
    fn missing_name_iff_normalized_name_is_empty(s in "[ \t\n\u{a0}\u{85}\u{2003}\u{3000}\u{200b}]{0,4}|\\PC{0,3}") {
        let r = match_request(&request(record(&s, None, "leo", ""), record("joe", None, "leo", "")), &MatchConfig::default());
        let missing = matches!(r, Err(KycError::MissingName { .. }));
        prop_assert_eq!(missing, oracle::normalize(&s).is_empty());
    }
}
