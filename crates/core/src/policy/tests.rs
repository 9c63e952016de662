//! Unit and property tests of loading and evaluation.
#![allow(clippy::unwrap_used, clippy::panic)]

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::kyc::KycFacts;
use super::*;
use crate::features::FeatureValue;

const HEADER: &str = "name: t\nversion: \"1\"\n";

fn load(body: &str) -> Result<Policy, LoadError> {
    Policy::load(format!("{HEADER}{body}").as_bytes())
}

fn payload(result: &str) -> Vec<u8> {
    format!(r#"{{"status":"COMPLETED","resultCode":"SUCCESS","result":{{{result}}}}}"#).into_bytes()
}

fn status_payload(code: &str) -> Vec<u8> {
    format!(r#"{{"status":"COMPLETED","resultCode":"{code}","items":[]}}"#).into_bytes()
}

fn decide(policy: &Policy, result: &str) -> Result<Decision, DecideError> {
    policy.decide_payload(&payload(result), None, DecideOptions::default())
}

fn messages(err: &LoadError) -> String {
    err.to_string()
}

const KO: &str = r#"
features:
  aliases:
    overdue_30: events_overdue_day30
    apps_inst_30: events_application_reception_day30_institution_count
    since_overdue: events_overdue_days_since_last
    overdue_amt_30: events_overdue_day30_amount
knockouts:
  - id: serious_delinquency
    when: overdue_30 >= 2
    outcome: reject
    reason: { code: KO_DELINQ, text: Recent serious delinquency }
  - id: stacking
    when: apps_inst_30 >= 5
    outcome: review
    reason: { code: KO_STACK, text: Many lenders in 30 days }
"#;

#[test]
fn knockouts_fire_in_order_and_the_most_severe_wins() {
    let p = load(KO).unwrap();
    let d = decide(
        &p,
        r#""events_overdue_day30": 3, "events_application_reception_day30_institution_count": 6"#,
    )
    .unwrap();
    assert_eq!(d.decision, Outcome::Reject);
    assert_eq!(d.reason_codes(), ["KO_DELINQ", "KO_STACK"]);
    let d = decide(
        &p,
        r#""events_overdue_day30": 0, "events_application_reception_day30_institution_count": 6"#,
    )
    .unwrap();
    assert_eq!(d.decision, Outcome::Review);
    let d = decide(
        &p,
        r#""events_overdue_day30": null, "events_application_reception_day30_institution_count": 1"#,
    )
    .unwrap();
    assert_eq!(d.decision, Outcome::Approve, "a count's null is 0");
    assert!(d.reasons.is_empty());
    assert_eq!(d.trace.as_ref().map(Vec::len), Some(2));
    assert_eq!(d.policy.name, "t");
    assert_eq!(d.policy.hash.len(), 64);
}

#[test]
fn the_knockouts_fired_are_the_trace_s_true_knockouts_and_index_the_policy_s_list() {
    let p = load(KO).unwrap();
    let ids: Vec<&str> = p.knockouts().map(|k| k.id).collect();
    assert_eq!(ids, ["serious_delinquency", "stacking"]);
    assert_eq!(
        p.knockouts().map(|k| k.outcome).collect::<Vec<_>>(),
        [Outcome::Reject, Outcome::Review]
    );
    for (overdue, apps, fired) in [
        (3, 6, vec![0, 1]),
        (0, 6, vec![1]),
        (2, 0, vec![0]),
        (0, 0, vec![]),
    ] {
        let d = decide(
            &p,
            &format!(
                r#""events_overdue_day30": {overdue}, "events_application_reception_day30_institution_count": {apps}"#
            ),
        )
        .unwrap();
        assert_eq!(d.knockouts_fired, fired, "{overdue} {apps}");
        let traced: Vec<usize> = d
            .trace
            .unwrap()
            .iter()
            .filter(|t| t.kind == TraceKind::Knockout && t.result == FeatureValue::Bool(true))
            .map(|t| ids.iter().position(|id| *id == t.id).unwrap())
            .collect();
        assert_eq!(traced, fired);
    }
}

#[test]
fn inputs_are_the_features_read_once_each_by_the_policy_s_name_and_cutoffs_are_the_scorecard_s() {
    let p = load(KO).unwrap();
    let inputs: Vec<&str> = p.inputs().into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        inputs,
        ["overdue_30", "apps_inst_30"],
        "unread aliases are not inputs"
    );
    for (name, slot) in p.inputs() {
        let target = match name {
            "overdue_30" => "events_overdue_day30",
            _ => "events_application_reception_day30_institution_count",
        };
        assert_eq!(p.schema().slot(target), Some(slot));
    }
    assert_eq!(p.cutoffs(), None);
    let scored = load(
        "scorecard:\n  base: 600\n  cutoffs: { approve: 650, review: 620 }\n  characteristics:\n    - id: c\n      reason: { code: C, text: c }\n      bins:\n        - { when: events_overdue_day30 == 0, points: 60 }\n        - { points: 0 }\n",
    )
    .unwrap();
    assert_eq!(
        scored.cutoffs(),
        Some(ScoreCutoffs {
            approve_at: 650,
            review_at: 620
        })
    );
    assert_eq!(
        scored
            .inputs()
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
        ["events_overdue_day30"]
    );
}

#[test]
fn comparing_a_missing_value_is_an_error_naming_the_rule() {
    let p = load(KO).unwrap();
    // events_overdue_day30 absent from the payload: missing, not 0.
    let err = decide(
        &p,
        r#""events_application_reception_day30_institution_count": 1"#,
    )
    .unwrap_err();
    match err {
        DecideError::Rule { rule, message, .. } => {
            assert_eq!(rule, "serious_delinquency");
            assert!(message.contains("missing"), "{message}");
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn missing_and_never_overrides_apply() {
    let p = load(
        r#"
features:
  aliases:
    since_overdue: events_overdue_days_since_last
    overdue_amt: events_overdue_day30_amount
  overrides:
    since_overdue: { never: 9999 }
    overdue_amt: { missing: 0 }
knockouts:
  - id: recent
    when: since_overdue < 30 || !is_band(overdue_amt) && overdue_amt > 1000
    outcome: reject
    reason: { code: R, text: recent }
"#,
    )
    .unwrap();
    let d = decide(
        &p,
        r#""events_overdue_days_since_last": null, "events_overdue_day30_amount": null"#,
    )
    .unwrap();
    assert_eq!(
        d.decision,
        Outcome::Approve,
        "never is 9999 days, missing amount is 0"
    );
    let d = decide(&p, r#""events_overdue_days_since_last": 3"#).unwrap();
    assert_eq!(d.decision, Outcome::Reject);
}

#[test]
fn never_without_an_override_is_not_zero() {
    // Compared bare, a days-since-last signal is refused at load: it can be *never*.
    let err = load(
        r#"
knockouts:
  - id: recent
    when: events_overdue_days_since_last < 30
    outcome: reject
    reason: { code: R, text: recent }
"#,
    )
    .unwrap_err();
    let d = &err.diagnostics[0];
    assert_eq!(
        (d.line, d.column, d.rule.as_deref()),
        (Some(6), Some(42), Some("recent"))
    );
    assert_eq!(d.kind, DiagnosticKind::Type, "{err}");
    assert!(d.message.contains("may be *never*"), "{err}");
    // Where only running can tell (a function call), it is the decision's error.
    let p = load(
        r#"
knockouts:
  - id: recent
    when: min(events_overdue_days_since_last, 9999) < 30
    outcome: reject
    reason: { code: R, text: recent }
  - id: explicit
    when: never_as(events_overdue_days_since_last, 9999) < 30
    outcome: reject
    reason: { code: R2, text: recent }
"#,
    )
    .unwrap();
    let err = decide(&p, r#""events_overdue_days_since_last": null"#).unwrap_err();
    assert!(
        matches!(&err, DecideError::Rule { kind: RuleErrorKind::NeverUsed, rule, .. } if rule == "recent"),
        "{err}"
    );
    assert!(err.to_string().contains("never"), "{err}");
    let d = decide(&p, r#""events_overdue_days_since_last": 45"#).unwrap();
    assert_eq!(d.decision, Outcome::Approve);
}

#[test]
fn bands_compare_as_bands() {
    let p = load(
        r#"
knockouts:
  - id: big_debt
    when: (events_debt_day90_amount ?? "A0") >= "A5"
    outcome: review
    reason: { code: DEBT, text: large debt band }
"#,
    );
    // A string literal on the right of `??` gives a string when missing: still a valid policy.
    let p = p.unwrap();
    let items = |v: &str| {
        format!(
            r#"{{"status":"COMPLETED","resultCode":"SUCCESS","items":[{{"name":"events_debt_day90_amount","value":{v},"valueType":"STRING"}}]}}"#
        )
    };
    let d = p
        .decide_payload(items("\"A7\"").as_bytes(), None, DecideOptions::default())
        .unwrap();
    assert_eq!(d.decision, Outcome::Review);
    let d = p
        .decide_payload(items("\"A10\"").as_bytes(), None, DecideOptions::default())
        .unwrap();
    assert_eq!(d.decision, Outcome::Review, "A10 > A5 numerically");
    let d = p
        .decide_payload(items("\"A2\"").as_bytes(), None, DecideOptions::default())
        .unwrap();
    assert_eq!(d.decision, Outcome::Approve);
}

const SCORECARD: &str = r#"
features:
  aliases:
    repaid_30: events_successful_repayment_day30
    overdue_90: events_overdue_day90
    disb_180: events_loan_disbursement_day180
  derived:
    - name: overdue_rate
      expr: "if disb_180 == 0 { 0 } else { overdue_90 / disb_180 }"
    - name: clean
      expr: overdue_rate == 0 && repaid_30 > 0
scorecard:
  base: 500
  cutoffs: { approve: 600, review: 520 }
  characteristics:
    - id: repayment
      reason: { code: SC_REPAY, text: Few successful repayments }
      bins:
        - when: repaid_30 >= 3
          points: 60
        - when: repaid_30 >= 1
          points: 30
        - points: 0
    - id: overdue
      reason: { code: SC_OVERDUE, text: Overdue history }
      bins:
        - when: overdue_rate == 0
          points: 50
        - when: overdue_rate < 0.5
          points: 10
        - points: -40
    - id: clean_bonus
      bins:
        - when: clean
          points: 10
        - points: 10
"#;

#[test]
fn scorecard_sums_points_applies_cutoffs_and_ranks_reasons() {
    let p = load(SCORECARD).unwrap();
    let good = r#""events_successful_repayment_day30": 4, "events_overdue_day90": 0, "events_loan_disbursement_day180": 2"#;
    let d = decide(&p, good).unwrap();
    assert_eq!(d.score, Some(620));
    assert_eq!(d.decision, Outcome::Approve);
    assert!(d.reasons.is_empty(), "no adverse reasons on approve");

    let mid = r#""events_successful_repayment_day30": 1, "events_overdue_day90": 1, "events_loan_disbursement_day180": 4"#;
    let d = decide(&p, mid).unwrap();
    // 500 + 30 + 10 + 10 = 550: review; overdue lost 40, repayment lost 30.
    assert_eq!(d.score, Some(550));
    assert_eq!(d.decision, Outcome::Review);
    assert_eq!(d.reason_codes(), ["SC_OVERDUE", "SC_REPAY"]);

    let bad = r#""events_successful_repayment_day30": 0, "events_overdue_day90": 3, "events_loan_disbursement_day180": 2"#;
    let d = decide(&p, bad).unwrap();
    assert_eq!(d.score, Some(470));
    assert_eq!(d.decision, Outcome::Reject);
    assert_eq!(d.reason_codes(), ["SC_OVERDUE", "SC_REPAY"]);
    // The trace holds the derived features and every bin tried, with the values read.
    let derived = d
        .trace
        .iter()
        .flatten()
        .find(|t| t.id == "overdue_rate")
        .unwrap();
    assert_eq!(derived.result, FeatureValue::Number(Decimal::new(15, 1)));
    assert!(derived
        .read
        .iter()
        .any(|(n, v)| n == "disb_180" && *v == FeatureValue::Number(Decimal::from(2))));
}

#[test]
fn trace_off_gives_the_same_decision_without_entries() {
    let p = load(SCORECARD).unwrap();
    let bytes = payload(
        r#""events_successful_repayment_day30": 1, "events_overdue_day90": 1, "events_loan_disbursement_day180": 4"#,
    );
    let on = p
        .decide_payload(&bytes, None, DecideOptions { trace: true })
        .unwrap();
    let off = p
        .decide_payload(&bytes, None, DecideOptions { trace: false })
        .unwrap();
    assert!(!on.trace.as_ref().unwrap().is_empty());
    assert!(off.trace.is_none());
    let json = serde_json::to_value(&off).unwrap();
    assert!(
        json.get("trace").is_none(),
        "no trace key with the trace off: {json}"
    );
    assert_eq!(
        (on.decision, on.score, on.reasons),
        (off.decision, off.score, off.reasons)
    );
}

const KYC_POLICY: &str = r#"
knockouts:
  - id: kyc_no_match
    when: kyc.provided && kyc.result == "No Match"
    outcome: reject
    reason: { code: KYC_NO_MATCH, text: Identity does not match }
  - id: kyc_missing
    when: "!kyc.provided"
    outcome: review
    reason: { code: KYC_MISSING, text: No identity check }
  - id: overdue
    when: events_overdue_day30 > 0
    outcome: reject
    reason: { code: OVERDUE, text: overdue }
signals_unavailable:
  outcome: review
  reason: { code: SIG_DOWN, text: Signals unavailable }
no_data:
  outcome: approve
  reason: { code: THIN, text: Thin file }
"#;

fn no_match() -> KycFacts {
    KycFacts::from_json(
        br#"{"submitted":{"first_name":"Joe","last_name":"Leo","dob":"2000-09-20"},
            "authority":{"first_name":"Maria","last_name":"Gonzalez","dob":"1971-01-02"}}"#,
    )
    .unwrap()
}

#[test]
fn unavailable_and_no_data_use_the_fallback_and_still_run_kyc_rules() {
    let p = load(KYC_POLICY).unwrap();
    let opts = DecideOptions::default();
    let exact = KycFacts::from_json(
        br#"{"submitted":{"first_name":"Joe","last_name":"Leo"},"authority":{"first_name":"Joe","last_name":"Leo"}}"#,
    )
    .unwrap();
    let d = p
        .decide_payload(&status_payload("SERVICE_UNAVAILABLE"), Some(&exact), opts)
        .unwrap();
    assert_eq!(d.decision, Outcome::Review);
    assert_eq!(d.reason_codes(), ["SIG_DOWN"]);
    let d = p
        .decide_payload(&status_payload("NO_DATA"), Some(&exact), opts)
        .unwrap();
    assert_eq!(d.decision, Outcome::Approve);
    assert_eq!(d.reason_codes(), ["THIN"]);
    let d = p
        .decide_payload(&status_payload("NO_DATA"), Some(&no_match()), opts)
        .unwrap();
    assert_eq!(d.decision, Outcome::Reject, "KYC No Match never approves");
    assert_eq!(d.reason_codes(), ["KYC_NO_MATCH", "THIN"]);
    let d = p
        .decide_payload(&status_payload("NO_DATA"), None, opts)
        .unwrap();
    assert_eq!(d.decision, Outcome::Review);
    assert_eq!(d.reason_codes(), ["KYC_MISSING", "THIN"]);
}

#[test]
fn load_errors_name_the_rule_and_the_line_and_are_all_reported() {
    let err = load(
        r#"
knockouts:
  - id: typo_feature
    when: overdue_3O > 1
    outcome: reject
    reason: { code: A, text: a }
  - id: bad_syntax
    when: "events_overdue_day30 >> > 1"
    outcome: reject
    reason: { code: B, text: b }
  - id: not_boolean
    when: events_overdue_day30 + 1
    outcome: review
    reason: { code: C, text: c }
  - id: approving_knockout
    when: events_overdue_day30 > 1
    outcome: approve
    reason: { code: D, text: d }
features:
  aliases:
    overdue_30: events_overdue_day30
"#,
    )
    .unwrap_err();
    let text = messages(&err);
    assert_eq!(err.diagnostics.len(), 4, "{text}");
    let find = |rule: &str| {
        err.diagnostics
            .iter()
            .find(|d| d.rule.as_deref() == Some(rule))
            .unwrap_or_else(|| panic!("no diagnostic for {rule}: {text}"))
    };
    let typo = find("typo_feature");
    assert_eq!(typo.kind, DiagnosticKind::Name);
    assert!(
        typo.message.contains("unknown feature `overdue_3O`"),
        "{}",
        typo.message
    );
    assert!(
        typo.message.contains("did you mean `overdue_30`"),
        "{}",
        typo.message
    );
    assert_eq!(
        typo.line,
        Some(6),
        "the line of the rule's `when` in the file"
    );
    assert_eq!(typo.column, Some(11));
    assert!(find("bad_syntax").line.is_some());
    assert_eq!(find("bad_syntax").kind, DiagnosticKind::Syntax);
    assert_eq!(find("not_boolean").kind, DiagnosticKind::Type);
    assert!(find("not_boolean").message.contains("true or false"));
    assert_eq!(find("approving_knockout").kind, DiagnosticKind::Structure);
    assert!(find("approving_knockout").message.contains("reject"));
}

#[test]
fn unknown_keys_are_load_errors_with_line_and_column() {
    let err = load("knockouts:\n  - id: a\n    wen: x > 1\n").unwrap_err();
    let d = &err.diagnostics[0];
    assert_eq!(d.kind, DiagnosticKind::Shape);
    assert!(d.message.contains("unknown field `wen`"), "{}", d.message);
    assert_eq!(d.line, Some(5));
    assert!(d.column.is_some());
}

/// The kind of every diagnostic, one policy each: what callers match on, never the wording.
#[test]
fn every_diagnostic_has_its_kind() {
    let ko = |when: &str| {
        format!("knockouts:\n  - id: k\n    when: '{when}'\n    outcome: reject\n    reason: {{ code: K, text: k }}\n")
    };
    let kinds = |bytes: &[u8]| -> Vec<DiagnosticKind> {
        Policy::load(bytes)
            .unwrap_err()
            .diagnostics
            .iter()
            .map(|d| d.kind)
            .collect()
    };
    let head = |body: &str| format!("name: t\nversion: \"1\"\n{body}");
    let too_many: String = (0..150)
        .map(|i| format!("  - id: k{i}\n    when: nope_{i} > 1\n    outcome: reject\n    reason: {{ code: K, text: k }}\n"))
        .collect();
    for (policy, kind) in [
        (vec![b'#'; MAX_POLICY_BYTES + 1], DiagnosticKind::File),
        (b"name: \xff".to_vec(), DiagnosticKind::File),
        (b"name: [".to_vec(), DiagnosticKind::Yaml),
        (b"name: &a t\nversion: *a\n".to_vec(), DiagnosticKind::Yaml),
        (head("knockout: []\n").into_bytes(), DiagnosticKind::Shape),
        (
            head(&ko("events_overdue_day30 > 0").replace("reject", "approve")).into_bytes(),
            DiagnosticKind::Structure,
        ),
        (head(&ko("nope > 1")).into_bytes(), DiagnosticKind::Name),
        (head(&ko("events_overdue_day30 >")).into_bytes(), DiagnosticKind::Syntax),
        (head(&ko("tan(events_overdue_day30) > 1")).into_bytes(), DiagnosticKind::NotAllowed),
        (head(&ko("events_overdue_days_since_last < 30")).into_bytes(), DiagnosticKind::Type),
        (head("features:\n  derived:\n    - name: a\n      expr: b + 1\n    - name: b\n      expr: a + 1\n").into_bytes(), DiagnosticKind::Cycle),
    ] {
        let got = kinds(&policy);
        assert!(got.contains(&kind), "{kind:?}: {got:?} for {}", String::from_utf8_lossy(&policy));
        assert!(got.iter().all(|k| *k == kind), "{kind:?}: {got:?}");
    }
    for kind in [
        DiagnosticKind::File,
        DiagnosticKind::Yaml,
        DiagnosticKind::Shape,
        DiagnosticKind::Structure,
        DiagnosticKind::Name,
        DiagnosticKind::Syntax,
        DiagnosticKind::NotAllowed,
        DiagnosticKind::Type,
        DiagnosticKind::Cycle,
        DiagnosticKind::Internal,
        DiagnosticKind::Truncated,
    ] {
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            serde_json::Value::from(kind.as_str())
        );
    }
    let got = kinds(head(&format!("knockouts:\n{too_many}")).as_bytes());
    assert_eq!(got.last(), Some(&DiagnosticKind::Truncated));
    assert!(
        got[..got.len() - 1]
            .iter()
            .all(|k| *k == DiagnosticKind::Name),
        "{got:?}"
    );
}

#[test]
fn structural_mistakes_are_load_errors() {
    let cycle = load(
        "features:\n  derived:\n    - name: a\n      expr: b + 1\n    - name: b\n      expr: a + 1\n",
    )
    .unwrap_err();
    assert!(cycle
        .diagnostics
        .iter()
        .all(|d| d.kind == DiagnosticKind::Cycle));
    assert!(messages(&cycle).contains("cycle"), "{}", messages(&cycle));
    let approve_unavailable =
        load("signals_unavailable:\n  outcome: approve\n  reason: { code: X, text: x }\n")
            .unwrap_err();
    assert!(messages(&approve_unavailable).contains("never approve"));
    let alias_bomb = Policy::load(b"name: &a t\nversion: *a\n").unwrap_err();
    assert!(messages(&alias_bomb).contains("aliases"));
    let bad_cutoffs = load(
        "scorecard:\n  base: 1\n  cutoffs: { approve: 10, review: 20 }\n  characteristics:\n    - id: c\n      bins:\n        - points: 1\n",
    )
    .unwrap_err();
    assert!(messages(&bad_cutoffs).contains("cut-off"));
    let missing_reason = load(
        "scorecard:\n  base: 1\n  cutoffs: { approve: 1, review: 0 }\n  characteristics:\n    - id: c\n      bins:\n        - when: events_overdue_day30 > 0\n          points: 0\n        - points: 5\n",
    )
    .unwrap_err();
    assert!(messages(&missing_reason).contains("needs a reason"));
    let huge = vec![b'#'; MAX_POLICY_BYTES + 1];
    assert!(messages(&Policy::load(&huge).unwrap_err()).contains("limit"));
}

#[test]
fn hostile_expressions_are_stopped() {
    // Loops and functions cannot even be written in an expression.
    for when in ["loop { }", "while true { }", "eval(\"1\")", "fn f() { 1 }"] {
        let body = format!(
            "knockouts:\n  - id: h\n    when: '{when}'\n    outcome: reject\n    reason: {{ code: H, text: h }}\n"
        );
        assert!(load(&body).is_err(), "{when} loaded");
    }
    // Functions off the allow-list (here one that could build a huge string) are load errors
    // naming the function and the rule.
    let err = load(
        "knockouts:\n  - id: big\n    when: '\"x\".pad(100000, \"y\") == \"\"'\n    outcome: reject\n    reason: { code: H, text: h }\n",
    )
    .unwrap_err();
    let d = &err.diagnostics[0];
    assert_eq!(d.rule.as_deref(), Some("big"));
    assert_eq!(d.kind, DiagnosticKind::NotAllowed);
    assert!(d.message.contains("`pad` is not available"), "{d}");
    // Division by zero is a typed error, not a panic.
    let p = load(
        "knockouts:\n  - id: div\n    when: events_overdue_day30 / 0 > 1\n    outcome: reject\n    reason: { code: H, text: h }\n",
    )
    .unwrap();
    let err = decide(&p, r#""events_overdue_day30": 4"#).unwrap_err();
    assert!(err.to_string().contains("div"), "{err}");
}

#[test]
fn policy_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Policy>();
}

// ---- property tests -------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The final outcome is never less severe than any fired knock-out, and adding a reject
    /// rule that fires never makes a rejection less severe; trace on/off gives the same result.
    #[test]
    fn outcome_is_at_least_every_fired_knockout(overdue in 0i64..6, apps in 0i64..12, amount in 0i64..5000) {
        let result = format!(
            r#""events_overdue_day30": {overdue}, "events_application_reception_day30_institution_count": {apps}, "events_overdue_day30_amount": {amount}"#
        );
        let p = load(KO).unwrap();
        let d = decide(&p, &result).unwrap();
        for k in &p.program.knockouts {
            let fired = d.trace.iter().flatten().any(|t| t.id == k.id && t.result == FeatureValue::Bool(true));
            if fired {
                prop_assert!(d.decision >= k.outcome);
                prop_assert!(d.reasons.contains(&k.reason));
            }
        }
        let off = p.decide_payload(&payload(&result), None, DecideOptions { trace: false }).unwrap();
        prop_assert_eq!((off.decision, &off.reasons), (d.decision, &d.reasons));

        let stricter = load(&format!(
            "{KO}  - id: amount_cap\n    when: '!is_band(overdue_amt_30) && (overdue_amt_30 ?? 0) > 2500'\n    outcome: reject\n    reason: {{ code: KO_AMT, text: amount }}\n"
        )).unwrap();
        let d2 = decide(&stricter, &result).unwrap();
        prop_assert!(d2.decision >= d.decision);
        if amount > 2500 {
            prop_assert_eq!(d2.decision, Outcome::Reject);
        }
    }
}

#[test]
fn diagnostics_point_at_the_node_not_at_text_that_looks_like_it() {
    // Two rules whose ids share a prefix: the error is in the second, `foo`, not in `foobar`.
    let err = load(
        r#"
knockouts:
  - id: foobar
    when: events_overdue_day30 > 1
    outcome: reject
    reason: { code: A, text: a }
  - id: foo
    when: events_overdue_day30 > 1
    outcome: approve
    reason: { code: B, text: b }
"#,
    )
    .unwrap_err();
    let d = &err.diagnostics[0];
    assert_eq!(
        (d.line, d.column, d.rule.as_deref()),
        (Some(11), Some(5), Some("foo")),
        "{err}"
    );
}

#[test]
fn an_error_deep_in_a_multi_line_expression_points_at_its_token() {
    let err = load(
        r#"
knockouts:
  - id: deep
    when: |
      events_overdue_day30 > 1 &&
        (events_overdue_day90 > 2 ||
         events_overdue_day180 > tan(3))
    outcome: reject
    reason: { code: A, text: a }
"#,
    )
    .unwrap_err();
    let d = &err.diagnostics[0];
    assert!(d.message.contains("`tan` is not available"), "{err}");
    // Line 9 of the file (HEADER is two lines), at the `t` of `tan`.
    assert_eq!((d.line, d.column), (Some(9), Some(34)), "{err}");
    // An unknown name in a folded expression, and a type error at its operator.
    let err = load(
        "knockouts:\n  - id: folded\n    when: >-\n      events_overdue_day30 > 1\n      && overdue_typo > 3\n    outcome: reject\n    reason: { code: A, text: a }\n",
    )
    .unwrap_err();
    let d = &err.diagnostics[0];
    assert!(
        d.message.contains("unknown feature `overdue_typo`"),
        "{err}"
    );
    assert_eq!((d.line, d.column), (Some(7), Some(10)), "{err}");
    let err = load(
        "knockouts:\n  - id: amount\n    when: \"events_overdue_day30 > 1 && events_overdue_day30_amount > 5\"\n    outcome: reject\n    reason: { code: A, text: a }\n",
    )
    .unwrap_err();
    assert!(
        err.diagnostics[0].message.contains("may be missing"),
        "{err}"
    );
    assert_eq!(
        (err.diagnostics[0].line, err.diagnostics[0].column),
        (Some(5), Some(68)),
        "{err}"
    );
}

#[test]
fn a_characteristic_must_end_with_a_bin_that_matches_everyone() {
    let err = load(
        r#"
scorecard:
  base: 0
  cutoffs: { approve: 10, review: 5 }
  characteristics:
    - id: apps
      reason: { code: A, text: a }
      bins:
        - { when: events_application_reception_day30 > 3, points: 0 }
        - { when: events_application_reception_day30 <= 3, points: 10 }
"#,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("the last bin must leave out `when`"),
        "{err}"
    );
}

#[test]
fn whole_number_division_is_a_load_error() {
    let err = load(
        "derived_placeholder: 1\n"
            .replace(
                "derived_placeholder: 1\n",
                "features:\n  derived:\n    - name: half\n      expr: \"7 / 2\"\n",
            )
            .as_str(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("whole numbers"), "{err}");
    assert!(load("features:\n  derived:\n    - name: half\n      expr: \"7.0 / 2\"\n").is_ok());
}
