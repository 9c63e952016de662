//! Hostile KYC results, as `KycFacts::from_json` reads them for a decision: a key given twice at
//! any level, and fields that disagree with each other, are typed errors naming the key, within
//! a bounded time (a hang guard, not a performance measurement), and never a panic. Every result
//! `underwrite-kyc` itself produces is still accepted, with the same facts.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::within;

use serde_json::{json, Value};
use underwrite_core::policy::kyc::{KycFacts, KycInputError, KycInputErrorKind};
use underwrite_kyc::{
    match_request, Aggregation, KycRequest, MatchConfig, Record, ResultCode, ResultError,
    ResultText,
};

fn facts(what: &str, text: String) -> Result<KycFacts, KycInputError> {
    within(what, move || KycFacts::from_json(text.as_bytes()))
}

fn field<'a>(f: &'a KycFacts, name: &str) -> Option<&'a str> {
    f.field(KycFacts::index_of(name).unwrap())
}

/// The actions of a consistent result with the given code: Names decides 1020/1021/1022;
/// for 1013 and 1015 nothing was compared ("Not Done").
fn actions(code: ResultCode) -> String {
    let (verify, names, others) = match code {
        ResultCode::ExactMatch => ("Verified", "Exact Match", "Exact Match"),
        ResultCode::PartialMatch => ("Verified", "Partial Match", "Exact Match"),
        ResultCode::NoMatch => ("Verified", "No Match", "Exact Match"),
        ResultCode::InvalidId => ("Not Verified", "Not Done", "Not Done"),
        ResultCode::IssuerUnavailable => ("Issuer Unavailable", "Not Done", "Not Done"),
    };
    format!(
        r#"{{"Return_Personal_Info": "Not Applicable", "Verify_ID_Number": "{verify}",
            "Names": "{names}", "DOB": "{others}", "Gender": "{others}",
            "Phone_Number": "Not Provided", "ID_Verification": "{}"}}"#,
        code.text()
    )
}

/// The reference's synchronous response, with the given top-level `ResultCode`, `ResultText`
/// and `Actions` (as JSON text, so that keys can repeat).
fn reference(code: &str, text: &str, actions: &str) -> String {
    format!(
        r#"{{"JSONVersion": "1.0.0", "SmileJobID": "0000055474",
            "PartnerParams": {{"user_id": "u", "job_id": "j", "job_type": 5}},
            "ResultType": "ID Verification", "ResultText": "{text}", "ResultCode": "{code}",
            "IsFinalResult": "true", "Actions": {actions}, "Source": "ID Verificaiton",
            "signature": "...", "timestamp": "2021-08-12T17:57:00.614879"}}"#
    )
}

fn exact_actions() -> String {
    actions(ResultCode::ExactMatch)
}

#[test]
fn the_helpers_build_accepted_results() {
    // Without this, every refusal below could be a refusal of a malformed fixture.
    for &code in ResultCode::ALL {
        let text = reference(code.as_str(), code.text().as_str(), &actions(code));
        let f = facts("consistent", text).unwrap_or_else(|e| panic!("{code:?}: {e}"));
        assert_eq!(field(&f, "code"), Some(code.as_str()));
        assert_eq!(field(&f, "result"), Some(code.text().as_str()));
    }
}

#[test]
fn a_no_match_repeated_as_an_exact_match_is_refused() {
    // The issue's case: No Match first, Exact Match last. A last-wins reader approved it.
    let no_then_exact = reference("1022", "No Match", &actions(ResultCode::NoMatch)).replace(
        r#""ResultText": "No Match","#,
        r#""ResultText": "No Match", "ResultText": "Exact Match","#,
    );
    let e = facts("ResultText twice", no_then_exact).unwrap_err();
    assert_eq!(e.field, "ResultText");
    assert_eq!(
        e.to_string(),
        "kyc.ResultText: duplicate key `ResultText` (a KYC result must give each key once: \
         JSON readers disagree on which copy counts)"
    );
    // The other order, and the same value twice: a duplicate is refused whatever it says.
    for (first, second) in [("Exact Match", "No Match"), ("No Match", "No Match")] {
        let text = reference("1022", first, &actions(ResultCode::NoMatch)).replace(
            &format!(r#""ResultText": "{first}","#),
            &format!(r#""ResultText": "{first}", "ResultText": "{second}","#),
        );
        assert_eq!(
            facts("ResultText twice", text).unwrap_err().field,
            "ResultText"
        );
    }
}

#[test]
fn duplicate_keys_are_refused_at_every_level() {
    let base = reference("1020", "Exact Match", &exact_actions());
    let insert_after = |anchor: &str, extra: &str| {
        assert!(base.contains(anchor), "{anchor}");
        base.replacen(anchor, &format!("{anchor} {extra},"), 1)
    };
    let cases = [
        (
            insert_after(r#""ResultCode": "1020","#, r#""ResultCode": "1022""#),
            "ResultCode",
        ),
        (
            insert_after(r#""IsFinalResult": "true","#, r#""IsFinalResult": "false""#),
            "IsFinalResult",
        ),
        (
            insert_after(
                r#""ResultType": "ID Verification","#,
                r#""ResultType": "ID Verification""#,
            ),
            "ResultType",
        ),
        // The whole Actions object twice, the second one a No Match.
        (
            insert_after(
                r#""Source": "ID Verificaiton","#,
                &format!(r#""Actions": {}"#, actions(ResultCode::NoMatch)),
            ),
            "Actions",
        ),
        // Inside Actions: a per-field action, the ID lookup, the overall copy.
        (
            base.replace(
                r#""Names": "Exact Match","#,
                r#""Names": "No Match", "Names": "Exact Match","#,
            ),
            "Actions.Names",
        ),
        (
            base.replace(
                r#""Verify_ID_Number": "Verified","#,
                r#""Verify_ID_Number": "Not Verified", "Verify_ID_Number": "Verified","#,
            ),
            "Actions.Verify_ID_Number",
        ),
        (
            base.replace(
                r#""ID_Verification": "Exact Match""#,
                r#""ID_Verification": "Exact Match", "ID_Verification": "Exact Match""#,
            ),
            "Actions.ID_Verification",
        ),
        // Keys the reader ignores are not a place to hide a second copy of anything either.
        (
            insert_after(r#""SmileJobID": "0000055474","#, r#""SmileJobID": "1""#),
            "SmileJobID",
        ),
        (
            base.replace(r#""job_type": 5"#, r#""job_type": 5, "user_id": "v""#),
            "PartnerParams.user_id",
        ),
        (
            insert_after(
                r#""Source": "ID Verificaiton","#,
                r#""Extra": [1, {"k": [{"a": 1, "a": 2}]}]"#,
            ),
            "Extra[1].k[0].a",
        ),
        // An escape spells the same key.
        (
            insert_after(r#""ResultCode": "1020","#, r#""Result\u0043ode": "1022""#),
            "ResultCode",
        ),
        (
            base.replace(
                r#""Names": "Exact Match","#,
                r#""Names": "Exact Match", "N\u0061mes": "No Match","#,
            ),
            "Actions.Names",
        ),
    ];
    for (text, path) in cases {
        let e = facts(path, text.clone()).unwrap_err();
        assert_eq!(e.field, path, "{text}");
        assert!(
            e.message.starts_with(&format!("duplicate key `{path}`")),
            "{e}"
        );
    }
    // The same key in different objects is not a duplicate.
    let nested_same = insert_after(
        r#""Source": "ID Verificaiton","#,
        r#""Names": {"Names": {"Names": 1}}"#,
    );
    assert!(facts("same key, other objects", nested_same).is_ok());
}

#[test]
fn duplicates_inside_our_own_details_are_refused() {
    let request = KycRequest::from_json(
        r#"{"submitted": {"first_name": "Joe", "last_name": "Leo", "dob": "2000-09-20"},
            "authority": {"first_name": "Joe", "last_name": "Lee", "dob": "2000-09-20"}}"#,
    )
    .unwrap();
    let result = match_request(&request, &MatchConfig::default()).unwrap();
    let text = serde_json::to_string(&result).unwrap();
    assert!(facts("own result", text.clone()).is_ok());
    let twice = text.replacen(
        r#""max_distance":2"#,
        r#""max_distance":2,"max_distance":8"#,
        1,
    );
    assert_ne!(twice, text);
    assert_eq!(
        facts("Details.max_distance twice", twice)
            .unwrap_err()
            .field,
        "Details.max_distance"
    );
}

#[test]
fn floods_and_depth_are_bounded() {
    // 100,000 distinct ignored keys: accepted, no false duplicate.
    let keys: Vec<String> = (0..100_000).map(|i| format!(r#""k{i}": {i}"#)).collect();
    let flood = reference("1020", "Exact Match", &exact_actions()).replacen(
        '{',
        &format!("{{{},", keys.join(",")),
        1,
    );
    assert!(facts("100k keys", flood.clone()).is_ok());
    // The same with one repeated at the end.
    let repeated = flood.replacen('{', r#"{"k99999": 0,"#, 1);
    assert_eq!(
        facts("100k keys, one twice", repeated).unwrap_err().field,
        "k99999"
    );
    // A 1 MB key given twice: the error quotes a bounded part of it.
    let long = "k".repeat(1 << 20);
    let text = reference("1020", "Exact Match", &exact_actions()).replacen(
        '{',
        &format!(r#"{{"{long}": 1, "{long}": 2,"#),
        1,
    );
    let e = facts("1 MB key twice", text).unwrap_err();
    assert!(
        e.field.starts_with("kkkk") && e.field.chars().count() <= 65,
        "{}",
        e.field.len()
    );
    assert!(e.to_string().len() < 400);
    // Nesting past the JSON reader's recursion limit: an error, not a stack overflow.
    let n = 100_000;
    let deep = reference("1020", "Exact Match", &exact_actions()).replacen(
        '{',
        &format!(r#"{{"x": {}1{},"#, "[".repeat(n), "]".repeat(n)),
        1,
    );
    let e = facts("deep", deep).unwrap_err();
    assert!(e.to_string().contains("recursion limit"), "{e}");
}

#[test]
fn result_code_and_result_text_must_agree() {
    // Every wrong pairing, with Actions consistent with the code, so that only the text is off.
    for &code in ResultCode::ALL {
        for &text in ResultText::ALL {
            if text == code.text() {
                continue;
            }
            let body = reference(code.as_str(), text.as_str(), &actions(code));
            let e = facts("code/text", body).unwrap_err();
            assert_eq!(e.field, "ResultText", "{code:?} {text:?}");
            assert_eq!(
                e.message,
                format!(
                    r#"ResultCode "{}" ({}) disagrees with ResultText "{}""#,
                    code.as_str(),
                    code.text().as_str(),
                    text.as_str()
                )
            );
        }
    }
    let e = facts(
        "1020 No Match",
        reference("1020", "No Match", &exact_actions()),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"kyc.ResultText: ResultCode "1020" (Exact Match) disagrees with ResultText "No Match""#
    );
}

#[test]
fn the_overall_copies_and_the_id_lookup_must_agree_with_the_code() {
    // ID_Verification is "Same as ResultText".
    let text = reference("1022", "No Match", &actions(ResultCode::NoMatch)).replace(
        r#""ID_Verification": "No Match""#,
        r#""ID_Verification": "Exact Match""#,
    );
    let e = facts("ID_Verification", text).unwrap_err();
    assert_eq!(e.field, "Actions.ID_Verification");
    assert_eq!(
        e.message,
        r#"Actions.ID_Verification "Exact Match" disagrees with ResultText "No Match" (the reference defines them as the same)"#
    );
    // A match on an ID that was not verified, and an unknown ID that was.
    let cases = [
        (ResultCode::ExactMatch, "Verified", "Not Verified"),
        (ResultCode::PartialMatch, "Verified", "Not Done"),
        (ResultCode::NoMatch, "Verified", "Issuer Unavailable"),
        (ResultCode::InvalidId, "Not Verified", "Verified"),
        (
            ResultCode::IssuerUnavailable,
            "Issuer Unavailable",
            "Not Verified",
        ),
    ];
    for (code, expected, given) in cases {
        let text = reference(code.as_str(), code.text().as_str(), &actions(code)).replace(
            &format!(r#""Verify_ID_Number": "{expected}""#),
            &format!(r#""Verify_ID_Number": "{given}""#),
        );
        let e = facts("Verify_ID_Number", text).unwrap_err();
        assert_eq!(e.field, "Actions.Verify_ID_Number", "{code:?}");
        assert_eq!(
            e.message,
            format!(
                r#"Actions.Verify_ID_Number "{given}" disagrees with ResultCode "{}" ({}), which means "{expected}""#,
                code.as_str(),
                code.text().as_str()
            )
        );
    }
}

/// A 1020/1021/1022 reference response with these four field outcomes.
fn with_fields(code: ResultCode, [names, dob, gender, phone]: [&str; 4]) -> String {
    let actions = format!(
        r#"{{"Return_Personal_Info": "Not Applicable", "Verify_ID_Number": "Verified",
            "Names": "{names}", "DOB": "{dob}", "Gender": "{gender}", "Phone_Number": "{phone}",
            "ID_Verification": "{}"}}"#,
        code.text()
    );
    reference(code.as_str(), code.text().as_str(), &actions)
}

#[test]
fn the_code_must_be_what_the_field_outcomes_give() {
    use ResultCode::{ExactMatch as E, NoMatch as N, PartialMatch as P};
    let refused = [
        // An approval over a No Match field (strict: 1022; lenient: 1021, never 1020).
        (
            E,
            ["No Match", "Exact Match", "Exact Match", "Exact Match"],
            N,
        ),
        (
            E,
            ["Exact Match", "Exact Match", "No Match", "Not Provided"],
            N,
        ),
        // 1020 over a partial or transposed field.
        (
            E,
            ["Transposed", "Exact Match", "Exact Match", "Exact Match"],
            P,
        ),
        (
            E,
            [
                "Exact Match",
                "Partial Match",
                "Not Provided",
                "Not Provided",
            ],
            P,
        ),
        // 1021 with every field exact.
        (
            P,
            ["Exact Match", "Exact Match", "Not Provided", "Not Provided"],
            E,
        ),
        // A rejection with no No Match field anywhere.
        (
            N,
            ["Exact Match", "Exact Match", "Exact Match", "Exact Match"],
            E,
        ),
        (
            N,
            ["Partial Match", "Transposed", "Exact Match", "Exact Match"],
            P,
        ),
    ];
    for (code, fields, expected) in refused {
        let e = facts("code/actions", with_fields(code, fields)).unwrap_err();
        assert_eq!(e.field, "ResultCode", "{code:?} {fields:?}");
        assert_eq!(
            e.message,
            format!(
                r#"ResultCode "{}" ({}) disagrees with Actions: Names, DOB, Gender and Phone_Number give "{}" ({}) under strict aggregation"#,
                code.as_str(),
                code.text().as_str(),
                expected.as_str(),
                expected.text().as_str()
            )
        );
    }
    // The reference's two readings are both accepted without Details: strict (any No Match
    // gives 1022) and the result-code table's lenient wording (1021 while something matches).
    let mixed = ["No Match", "Exact Match", "Exact Match", "Not Provided"];
    assert!(facts("strict reading", with_fields(N, mixed)).is_ok());
    let f = facts("lenient reading", with_fields(P, mixed)).unwrap();
    assert_eq!(field(&f, "names"), Some("No Match"));
    let nothing = ["No Match", "No Match", "Not Provided", "Not Provided"];
    assert!(facts("nothing matches", with_fields(N, nothing)).is_ok());
    let err = facts("nothing matches, 1021", with_fields(P, nothing)).unwrap_err();
    assert!(
        matches!(
            err.kind,
            KycInputErrorKind::Result(ResultError::CodeActions { .. })
        ),
        "refused for the code, not anything else: {err}"
    );
}

#[test]
fn details_name_the_aggregation_the_code_must_follow() {
    let request = KycRequest::from_json(
        r#"{"submitted": {"first_name": "Joe", "last_name": "Leo", "dob": "2000-09-20"},
            "authority": {"first_name": "Joe", "last_name": "Leo", "dob": "1971-01-02"}}"#,
    )
    .unwrap();
    for (aggregation, code) in [
        (Aggregation::Strict, ResultCode::NoMatch),
        (Aggregation::Lenient, ResultCode::PartialMatch),
    ] {
        let config = MatchConfig {
            aggregation,
            ..MatchConfig::default()
        };
        let result = match_request(&request, &config).unwrap();
        assert_eq!(result.code, code);
        let mut value = serde_json::to_value(&result).unwrap();
        assert!(facts("own result", value.to_string()).is_ok());
        // The other aggregation's code, with Details saying this one: refused.
        let other = if code == ResultCode::NoMatch {
            ResultCode::PartialMatch
        } else {
            ResultCode::NoMatch
        };
        value["ResultCode"] = json!(other.as_str());
        value["ResultText"] = json!(other.text().as_str());
        value["Actions"]["ID_Verification"] = json!(other.text().as_str());
        let e = facts("code of the other aggregation", value.to_string()).unwrap_err();
        assert_eq!(e.field, "ResultCode");
        let name = if aggregation == Aggregation::Strict {
            "strict"
        } else {
            "lenient"
        };
        assert!(
            e.message.ends_with(&format!(
                r#"give "{}" ({}) under {name} aggregation"#,
                code.as_str(),
                code.text().as_str()
            )),
            "{e}"
        );
    }
}

#[test]
fn compared_and_not_compared_must_agree() {
    // 1020 over fields that were never compared: vacuously "all exact", but nothing matched.
    let e = facts(
        "1020 all Not Done",
        with_fields(
            ResultCode::ExactMatch,
            ["Not Done", "Not Done", "Not Done", "Not Done"],
        ),
    )
    .unwrap_err();
    assert_eq!(e.field, "Actions.Names");
    assert_eq!(
        e.message,
        r#"Actions.Names "Not Done" disagrees with ResultCode "1020" (Exact Match), which means the records were compared"#
    );
    let e = facts(
        "1020 DOB Not Done",
        with_fields(
            ResultCode::ExactMatch,
            ["Exact Match", "Not Done", "Exact Match", "Exact Match"],
        ),
    )
    .unwrap_err();
    assert_eq!(e.field, "Actions.DOB");
    // Names are required on both sides: never "Not Provided" when compared.
    let e = facts(
        "1020 Names Not Provided",
        with_fields(
            ResultCode::ExactMatch,
            ["Not Provided", "Exact Match", "Exact Match", "Exact Match"],
        ),
    )
    .unwrap_err();
    assert_eq!(e.field, "Actions.Names");
    // 1013 / 1015 with a matching field: a rule on kyc.names would approve an unknown ID.
    for code in [ResultCode::InvalidId, ResultCode::IssuerUnavailable] {
        for (name, outcome) in [
            ("Names", "Exact Match"),
            ("DOB", "Partial Match"),
            ("Gender", "Exact Match"),
            ("Phone_Number", "Exact Match"),
            ("Names", "Transposed"),
        ] {
            let base = reference(code.as_str(), code.text().as_str(), &actions(code));
            let from = if name == "Phone_Number" {
                format!(r#""{name}": "Not Provided""#)
            } else {
                format!(r#""{name}": "Not Done""#)
            };
            assert!(base.contains(&from), "{from}");
            let text = base.replace(&from, &format!(r#""{name}": "{outcome}""#));
            let e = facts("match without a record", text).unwrap_err();
            assert_eq!(e.field, format!("Actions.{name}"), "{code:?}");
            assert_eq!(
                e.message,
                format!(
                    r#"Actions.{name} "{outcome}" disagrees with ResultCode "{}" ({}), which means nothing was compared"#,
                    code.as_str(),
                    code.text().as_str()
                )
            );
        }
        // No Match and Not Provided say nothing matched: accepted.
        let text = reference(code.as_str(), code.text().as_str(), &actions(code))
            .replace(r#""Names": "Not Done""#, r#""Names": "No Match""#);
        assert!(facts("1013/1015 No Match", text).is_ok());
    }
}

/// Requests covering every code, every field outcome and both aggregations.
fn requests() -> Vec<(KycRequest<'static>, Aggregation)> {
    let rec = |first: &str, last: &str, dob: &str, gender: &str, phone: &str| {
        let mut r = Record::named(first.to_string(), last.to_string());
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string().into());
        r.dob = opt(dob);
        r.gender = opt(gender);
        r.phone_number = opt(phone);
        r.country = Some("NG".into());
        r
    };
    let joe = rec("Joe", "Leo", "2000-09-20", "M", "0803 123 4567");
    let authorities = [
        Some(rec("JOE", "LEO", "2000-09-20", "Male", "+234 803 123 4567")),
        Some(rec("Jo", "Leo", "2000-09-21", "M", "")),
        Some(rec("Leo", "Joe", "2000-09-20", "F", "")),
        Some(rec("Maria", "Gonzalez", "1971-01-02", "F", "0803 999 9999")),
        Some(rec("Maria", "Leo", "", "", "")),
        None,
    ];
    let mut out = Vec::new();
    for aggregation in [Aggregation::Strict, Aggregation::Lenient] {
        for authority in &authorities {
            for issuer_unavailable in [false, true] {
                out.push((
                    KycRequest {
                        submitted: joe.clone(),
                        authority: authority.clone(),
                        issuer_unavailable,
                    },
                    aggregation,
                ));
            }
        }
    }
    out
}

#[test]
fn every_result_the_matcher_produces_is_accepted_with_the_same_facts() {
    let mut codes = std::collections::HashSet::new();
    for (request, aggregation) in requests() {
        let config = MatchConfig {
            aggregation,
            ..MatchConfig::default()
        };
        let result = match_request(&request, &config).unwrap();
        codes.insert(result.code);
        let expected = KycFacts::from_result(&result);
        let text = serde_json::to_string(&result).unwrap();
        assert_eq!(facts("own result", text).unwrap(), expected);
        // And without Details, as the provider would send it.
        let mut bare: Value = serde_json::to_value(&result).unwrap();
        bare.as_object_mut().unwrap().remove("Details");
        assert_eq!(
            facts("own result, bare", bare.to_string()).unwrap(),
            expected
        );
    }
    assert_eq!(codes.len(), ResultCode::ALL.len(), "{codes:?}");
}

#[test]
fn requests_still_refuse_duplicate_keys() {
    let text = r#"{"submitted": {"first_name": "Maria", "first_name": "Joe", "last_name": "Leo"},
                   "authority": {"first_name": "Joe", "last_name": "Leo"}}"#;
    let e = facts("request key twice", text.to_string()).unwrap_err();
    assert_eq!(e.field, "request");
    assert_eq!(e.kind, KycInputErrorKind::Request);
    assert!(e.message.contains("duplicate field `first_name`"), "{e}");
}
