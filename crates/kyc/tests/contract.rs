//! The KYC matching contract, rule by rule, on the reference's own example (Joe Doe Leo,
//! 2000-09-20, M, 0123456789).

use serde_json::{json, Value};
use underwrite_kyc::{
    match_request, Aggregation, DateError, FieldOutcome, KycError, KycRequest, KycResult,
    MatchConfig, ResultCode, VerifyIdNumber,
};

fn reference_person() -> Value {
    json!({
        "first_name": "Joe", "middle_name": "Doe", "last_name": "Leo",
        "dob": "2000-09-20", "gender": "M", "phone_number": "0123456789", "country": "NG"
    })
}

/// The reference person as authority, with `changes` applied (null removes a field).
fn authority_with(changes: Value) -> Value {
    let mut a = reference_person();
    for (k, v) in changes.as_object().expect("object").iter() {
        if v.is_null() {
            a.as_object_mut().expect("object").remove(k);
        } else {
            a[k] = v.clone();
        }
    }
    a
}

fn run_with(submitted: Value, authority: Value, cfg: &MatchConfig) -> Result<KycResult, KycError> {
    let text = json!({"submitted": submitted, "authority": authority}).to_string();
    let req = KycRequest::from_json(&text).expect("well-formed request");
    match_request(&req, cfg)
}

fn run(changes: Value) -> KycResult {
    run_with(
        reference_person(),
        authority_with(changes),
        &MatchConfig::default(),
    )
    .expect("valid request")
}

#[test]
fn reference_example_is_an_exact_match_in_the_reference_shape() {
    let r = run(json!({}));
    let v = serde_json::to_value(&r).expect("serialize");
    assert_eq!(v["ResultCode"], "1020");
    assert_eq!(v["ResultText"], "Exact Match");
    assert_eq!(v["ResultType"], "ID Verification");
    assert_eq!(v["IsFinalResult"], "true");
    assert_eq!(
        v["Actions"],
        json!({
            "Return_Personal_Info": "Not Applicable",
            "Verify_ID_Number": "Verified",
            "Names": "Exact Match",
            "DOB": "Exact Match",
            "Gender": "Exact Match",
            "Phone_Number": "Exact Match",
            "ID_Verification": "Exact Match"
        })
    );
    assert_eq!(v["Details"]["names"]["straight"]["first"]["distance"], 0);
    // Round trip: the result deserializes back to itself.
    let back: KycResult = serde_json::from_value(v).expect("deserialize");
    assert_eq!(back, r);
}

#[test]
fn names_are_compared_case_insensitively_after_trimming() {
    let r = run(json!({"first_name": "  JOE ", "middle_name": "doe", "last_name": "LEO"}));
    assert_eq!(r.actions.names, FieldOutcome::ExactMatch);
    assert_eq!(r.code, ResultCode::ExactMatch);
}

#[test]
fn names_within_two_edits_are_partial() {
    let r = run(json!({"first_name": "Jo", "last_name": "Lea"}));
    assert_eq!(r.actions.names, FieldOutcome::PartialMatch);
    assert_eq!(r.code, ResultCode::PartialMatch);
    let d = r.details.expect("details").names.expect("names");
    assert_eq!(d.straight.first.distance, Some(1));
    assert_eq!(d.straight.last.distance, Some(1));
    let r = run(json!({"first_name": "Joseph"}));
    assert_eq!(r.actions.names, FieldOutcome::NoMatch);
    assert_eq!(r.code, ResultCode::NoMatch);
}

#[test]
fn first_and_last_name_transposed() {
    let r = run(json!({"first_name": "Leo", "last_name": "Joe"}));
    assert_eq!(r.actions.names, FieldOutcome::Transposed);
    assert_eq!(r.code, ResultCode::PartialMatch);
    assert_eq!(r.text.as_str(), "Partial Match");
    // Swapped and one edit off is still Transposed (swapped partial).
    let r = run(json!({"first_name": "Leon", "last_name": "Joe"}));
    assert_eq!(r.actions.names, FieldOutcome::Transposed);
}

#[test]
fn middle_name_rules() {
    // Present on one side only: not compared.
    assert_eq!(
        run(json!({"middle_name": null})).actions.names,
        FieldOutcome::ExactMatch
    );
    // Initial matching the first letter: partial.
    assert_eq!(
        run(json!({"middle_name": "D."})).actions.names,
        FieldOutcome::PartialMatch
    );
    assert_eq!(
        run(json!({"middle_name": "D"})).actions.names,
        FieldOutcome::PartialMatch
    );
    assert_eq!(
        run(json!({"middle_name": "K."})).actions.names,
        FieldOutcome::NoMatch
    );
}

#[test]
fn dob_rules() {
    let dob = |d: &str| run(json!({ "dob": d })).actions.dob;
    assert_eq!(dob("2000-09-20"), FieldOutcome::ExactMatch);
    assert_eq!(dob("2000-09-21"), FieldOutcome::PartialMatch);
    assert_eq!(dob("2000-08-20"), FieldOutcome::PartialMatch);
    assert_eq!(dob("2001-09-20"), FieldOutcome::PartialMatch);
    assert_eq!(dob("2000-09-29"), FieldOutcome::PartialMatch);
    assert_eq!(dob("2000-09-30"), FieldOutcome::PartialMatch); // 20 vs 30: one digit
    assert_eq!(dob("2000-09-11"), FieldOutcome::NoMatch);
    assert_eq!(dob("2001-09-21"), FieldOutcome::NoMatch);
    // Month/day swapped needs both to be valid months: use a day <= 12.
    let r = run_with(
        authority_with(json!({"dob": "2000-09-12"})),
        authority_with(json!({"dob": "2000-12-09"})),
        &MatchConfig::default(),
    )
    .expect("valid");
    assert_eq!(r.actions.dob, FieldOutcome::Transposed);
    assert_eq!(r.code, ResultCode::PartialMatch);
    assert_eq!(
        run(json!({ "dob": null })).actions.dob,
        FieldOutcome::NotProvided
    );
    assert_eq!(
        run(json!({ "dob": "" })).actions.dob,
        FieldOutcome::NotProvided
    );
}

#[test]
fn gender_spellings_and_outcomes() {
    for g in ["M", "m", "Male", "MALE", " male "] {
        assert_eq!(
            run(json!({ "gender": g })).actions.gender,
            FieldOutcome::ExactMatch,
            "{g}"
        );
    }
    let r = run(json!({"gender": "Female"}));
    assert_eq!(r.actions.gender, FieldOutcome::NoMatch);
    assert_eq!(r.code, ResultCode::NoMatch);
    let r = run(json!({ "gender": null }));
    assert_eq!(r.actions.gender, FieldOutcome::NotProvided);
    assert_eq!(r.code, ResultCode::ExactMatch, "Not Provided is ignored");
}

#[test]
fn phone_rules() {
    let phone = |p: Value| run(json!({ "phone_number": p })).actions.phone_number;
    assert_eq!(phone(json!("012 345 6789")), FieldOutcome::ExactMatch);
    assert_eq!(phone(json!("+234 123 456 789")), FieldOutcome::ExactMatch);
    assert_eq!(phone(json!("0123456788")), FieldOutcome::NoMatch);
    assert_eq!(phone(Value::Null), FieldOutcome::NotProvided);
}

#[test]
fn strict_and_lenient_aggregation() {
    let gender_off = authority_with(json!({"gender": "F"}));
    let strict = run_with(
        reference_person(),
        gender_off.clone(),
        &MatchConfig::default(),
    )
    .expect("valid");
    assert_eq!(strict.code, ResultCode::NoMatch);
    let lenient_cfg = MatchConfig {
        aggregation: Aggregation::Lenient,
        ..MatchConfig::default()
    };
    let lenient = run_with(reference_person(), gender_off, &lenient_cfg).expect("valid");
    assert_eq!(lenient.code, ResultCode::PartialMatch);
    let nothing = authority_with(json!({
        "first_name": "Ann", "middle_name": null, "last_name": "Smith",
        "dob": "1970-01-01", "gender": "F", "phone_number": "0999999999"
    }));
    let lenient = run_with(reference_person(), nothing, &lenient_cfg).expect("valid");
    assert_eq!(lenient.code, ResultCode::NoMatch);
    assert_eq!(lenient.text.as_str(), "No Match");
}

#[test]
fn no_authority_record_is_invalid_id() {
    let text = json!({"submitted": reference_person(), "authority": null}).to_string();
    let req = KycRequest::from_json(&text).expect("request");
    let r = match_request(&req, &MatchConfig::default()).expect("valid");
    assert_eq!(r.code, ResultCode::InvalidId);
    assert_eq!(r.code.as_str(), "1013");
    assert_eq!(r.text.as_str(), "Invalid ID");
    assert_eq!(r.actions.verify_id_number, VerifyIdNumber::NotVerified);
    assert_eq!(r.actions.verify_id_number.as_str(), "Not Verified");
    assert_eq!(r.actions.names, FieldOutcome::NotDone);
}

#[test]
fn issuer_unavailable() {
    let text =
        json!({"submitted": reference_person(), "authority": null, "issuer_unavailable": true})
            .to_string();
    let req = KycRequest::from_json(&text).expect("request");
    let r = match_request(&req, &MatchConfig::default()).expect("valid");
    assert_eq!(r.code.as_str(), "1015");
    assert_eq!(r.actions.verify_id_number.as_str(), "Issuer Unavailable");
    let v = serde_json::to_value(&r).expect("serialize");
    assert_eq!(v["ResultText"], "Error - Queried Database Unavailable");
    assert_eq!(v["Actions"]["ID_Verification"], v["ResultText"]);
}

#[test]
fn unicode_names() {
    let person = |first: &str, last: &str| json!({"first_name": first, "last_name": last, "dob": "1990-01-01"});
    let cfg = MatchConfig::default();
    let r = run_with(
        person("Jürgen", "Straße"),
        person("JÜRGEN", "STRASSE"),
        &cfg,
    )
    .expect("valid");
    assert_eq!(r.actions.names, FieldOutcome::ExactMatch);
    let r = run_with(person("José", "Núñez"), person("Jose", "Nunez"), &cfg).expect("valid");
    assert_eq!(r.actions.names, FieldOutcome::PartialMatch);
    let r = run_with(
        person("José", "Núñez"),
        person("Jose\u{301}", "NU\u{301}N\u{303}EZ"),
        &cfg,
    )
    .expect("valid");
    assert_eq!(
        r.actions.names,
        FieldOutcome::ExactMatch,
        "NFC and case folding"
    );
}

#[test]
fn errors_name_the_field() {
    let cfg = MatchConfig::default();
    let err = |s: Value, a: Value| run_with(s, a, &cfg).expect_err("must fail");
    let base = reference_person;
    assert_eq!(
        err(authority_with(json!({"first_name": null})), base()),
        KycError::MissingName {
            field: "submitted.first_name"
        }
    );
    assert_eq!(
        err(authority_with(json!({"last_name": "  "})), base()).field(),
        "submitted.last_name"
    );
    assert_eq!(
        err(authority_with(json!({"dob": "2000-02-30"})), base()),
        KycError::InvalidDate {
            field: "submitted.dob",
            reason: DateError::Day
        }
    );
    assert_eq!(
        err(base(), authority_with(json!({"dob": "2000-13-01"}))),
        KycError::InvalidDate {
            field: "authority.dob",
            reason: DateError::Month
        }
    );
    let e = err(base(), authority_with(json!({"dob": "20/09/2000"})));
    assert_eq!(e.field(), "authority.dob");
    assert_eq!(
        e.to_string(),
        "authority.dob: invalid date: expected YYYY-MM-DD"
    );
    assert_eq!(
        err(base(), authority_with(json!({"gender": "X"}))).field(),
        "authority.gender"
    );
    assert_eq!(
        err(authority_with(json!({"country": "Nigeria"})), base()).field(),
        "submitted.country"
    );
    assert_eq!(
        err(authority_with(json!({"phone_number": "n/a"})), base()).field(),
        "submitted.phone_number"
    );
    // Authority names are optional: a missing one is a No Match, not an error.
    let r = run(json!({"first_name": null}));
    assert_eq!(r.actions.names, FieldOutcome::NoMatch);
    // Error messages never echo the personal data.
    let e = err(authority_with(json!({"dob": "1999-02-30"})), base());
    assert!(!e.to_string().contains("1999"), "{e}");
}

#[test]
fn max_distance_is_configurable() {
    let strict = MatchConfig {
        max_distance: 0,
        ..MatchConfig::default()
    };
    let r = run_with(
        reference_person(),
        authority_with(json!({"first_name": "Jo"})),
        &strict,
    )
    .expect("valid");
    assert_eq!(r.actions.names, FieldOutcome::NoMatch);
    let loose = MatchConfig {
        max_distance: 3,
        ..MatchConfig::default()
    };
    let r = run_with(
        reference_person(),
        authority_with(json!({"first_name": "Jack"})),
        &loose,
    )
    .expect("valid");
    assert_eq!(r.actions.names, FieldOutcome::PartialMatch);
}
