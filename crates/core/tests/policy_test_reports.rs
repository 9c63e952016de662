//! `Policy::run_test` reports what went wrong as typed failures a caller can match.
#![allow(clippy::unwrap_used, clippy::panic)]

use underwrite_core::policy::{DecisionFailure, Outcome, Policy, RuleErrorKind, TestFailure};

const POLICY: &str = r#"
name: reports
version: "1"
features:
  aliases:
    overdue_30: events_overdue_day30
    amount_30: events_overdue_day30_amount
knockouts:
  - id: overdue
    when: overdue_30 >= 2
    outcome: reject
    reason: { code: KO_OVERDUE, text: Overdue }
  - id: big_amount
    # A function call: only running it can find the missing amount (a bare comparison would
    # be refused at load).
    when: max(amount_30, 0) > 1000
    outcome: review
    reason: { code: KO_AMOUNT, text: Large overdue amount }
scorecard:
  base: 100
  cutoffs: { approve: 120, review: 100 }
  characteristics:
    - id: overdue
      reason: { code: SC_OVERDUE, text: Overdue events }
      bins:
        - { when: overdue_30 == 0, points: 30 }
        - { points: 0 }
tests:
  - name: all three expectations wrong
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: 0, events_overdue_day30_amount: 5 } }
    expect: { decision: reject, reasons: [KO_OVERDUE], score: 100 }
  - name: a missing amount compared is a rule error
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: 0 } }
    expect: { decision: approve }
  - name: a bad KYC result
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: 0, events_overdue_day30_amount: 5 } }
    kyc: { ResultCode: "1020" }
    expect: { decision: approve }
  - name: a broken payload
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: -1 } }
    expect: { decision: approve }
  - name: passes
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: 3, events_overdue_day30_amount: 5 } }
    expect: { decision: reject, reasons: [KO_OVERDUE, SC_OVERDUE], score: 100 }
"#;

fn reports() -> Vec<underwrite_core::policy::TestReport> {
    let policy = Policy::load(POLICY.as_bytes()).unwrap();
    policy
        .tests()
        .iter()
        .map(|case| {
            let signals = case.signals.inline_bytes().unwrap();
            let kyc = case.kyc.as_ref().map(|k| k.inline_bytes().unwrap());
            policy.run_test(case, &signals, kyc.as_deref())
        })
        .collect()
}

#[test]
fn wrong_expectations_are_one_typed_failure_each() {
    let reports = reports();
    assert_eq!(
        reports[0].failures,
        [
            TestFailure::WrongDecision {
                expected: Outcome::Reject,
                actual: Outcome::Approve,
            },
            TestFailure::WrongReasons {
                expected: vec!["KO_OVERDUE".into()],
                actual: vec![],
            },
            TestFailure::WrongScore {
                expected: 100,
                actual: Some(130),
            },
        ]
    );
    let lines: Vec<String> = reports[0].failures.iter().map(|f| f.to_string()).collect();
    assert_eq!(
        lines,
        [
            "decision: expected reject, got approve",
            "reasons: expected [KO_OVERDUE], got []",
            "score: expected 100, got 130",
        ]
    );
    assert!(reports[4].passed(), "{:?}", reports[4].failures);
}

#[test]
fn a_decision_that_fails_says_where() {
    let reports = reports();
    let [TestFailure::DecisionFailed(DecisionFailure::Rule {
        rule,
        rule_error,
        error,
    })] = reports[1].failures.as_slice()
    else {
        panic!("{:?}", reports[1].failures);
    };
    assert_eq!(rule, "big_amount");
    assert_eq!(*rule_error, RuleErrorKind::MissingUsed);
    assert!(error.starts_with("rule `big_amount`: "), "{error}");
    assert!(
        reports[1].failures[0]
            .to_string()
            .starts_with("decision failed: rule `big_amount`: "),
        "{}",
        reports[1].failures[0]
    );

    let [TestFailure::DecisionFailed(DecisionFailure::Kyc { field, .. })] =
        reports[2].failures.as_slice()
    else {
        panic!("{:?}", reports[2].failures);
    };
    assert!(!field.is_empty());

    let [TestFailure::DecisionFailed(failure @ DecisionFailure::Signals { .. })] =
        reports[3].failures.as_slice()
    else {
        panic!("{:?}", reports[3].failures);
    };
    assert!(
        failure.message().contains("events_overdue_day30"),
        "{failure}"
    );
}
