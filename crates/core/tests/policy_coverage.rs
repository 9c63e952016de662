//! `Policy::coverage` over the decisions of a policy's own tests.
#![allow(clippy::unwrap_used, clippy::panic)]

use underwrite_core::policy::coverage::{Fallback, Status, Target};
use underwrite_core::policy::{Coverage, Decision, Outcome, Policy, TraceKind};

const POLICY: &str = r#"
name: coverage
version: "1"
features:
  aliases:
    overdue_30: events_overdue_day30
    apps_30: events_application_reception_day30
knockouts:
  - id: kyc_no_match
    when: kyc.provided && kyc.result == "No Match"
    outcome: reject
    reason: { code: KYC_NO_MATCH, text: Identity does not match }
  - id: heavy_overdue
    when: overdue_30 >= 3
    outcome: reject
    reason: { code: KO_OVERDUE, text: Overdue }
scorecard:
  base: 100
  cutoffs: { approve: 150, review: 120 }
  characteristics:
    - id: overdue
      reason: { code: SC_OVERDUE, text: Overdue events }
      bins:
        - { when: overdue_30 == 0, points: 50 }
        - { when: overdue_30 <= 2, points: 20 }
        - { points: 0 }
    - id: apps
      reason: { code: SC_APPS, text: Many applications }
      bins:
        - { when: apps_30 <= 2, points: 10 }
        - { points: 0 }
tests:
  - name: clean approves
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: 0, events_application_reception_day30: 1 } }
    expect: { decision: approve, reasons: [], score: 160 }
  - name: one overdue and many applications review
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: 1, events_application_reception_day30: 5 } }
    expect: { decision: review, reasons: [SC_OVERDUE, SC_APPS], score: 120 }
  - name: unavailable signals review
    signals: { status: COMPLETED, resultCode: SYSTEM_ERROR, items: [] }
    expect: { decision: review, reasons: [SIGNALS_UNAVAILABLE] }
"#;

fn decisions(policy: &Policy) -> Vec<Decision> {
    policy
        .tests()
        .iter()
        .map(|case| {
            let report = policy.run_test(case, &case.signals.inline_bytes().unwrap(), None);
            assert!(report.passed(), "{}: {:?}", report.name, report.failures);
            report.decision.unwrap()
        })
        .collect()
}

fn status(c: &Coverage, target: &Target) -> (Status, usize, usize) {
    let item = c
        .items
        .iter()
        .find(|i| &i.target == target)
        .unwrap_or_else(|| panic!("no item {target:?}"));
    (item.status, item.evaluated, item.hits)
}

fn ko(id: &str) -> Target {
    Target::Knockout { id: id.into() }
}

fn bin(characteristic: &str, n: usize, catch_all: bool) -> Target {
    Target::Bin {
        id: format!("{characteristic}#{n}"),
        characteristic: characteristic.into(),
        catch_all,
    }
}

#[test]
fn the_tests_of_a_policy_cover_what_they_reach() {
    let policy = Policy::load(POLICY.as_bytes()).unwrap();
    let decisions = decisions(&policy);
    let c = policy.coverage(&decisions);

    // The KYC knock-out also runs on unavailable signals; the other one does not.
    assert_eq!(status(&c, &ko("kyc_no_match")), (Status::Missed, 3, 0));
    assert_eq!(status(&c, &ko("heavy_overdue")), (Status::Missed, 2, 0));
    assert_eq!(
        status(&c, &bin("overdue", 1, false)),
        (Status::Covered, 2, 1)
    );
    assert_eq!(
        status(&c, &bin("overdue", 2, false)),
        (Status::Covered, 1, 1)
    );
    assert_eq!(
        status(&c, &bin("overdue", 3, true)),
        (Status::Unexercised, 0, 0)
    );
    assert_eq!(status(&c, &bin("apps", 1, false)), (Status::Covered, 2, 1));
    assert_eq!(status(&c, &bin("apps", 2, true)), (Status::Covered, 1, 1));
    let band = |band, min, max| Target::Band { band, min, max };
    assert_eq!(
        status(&c, &band(Outcome::Approve, Some(150), None)),
        (Status::Covered, 2, 1)
    );
    assert_eq!(
        status(&c, &band(Outcome::Review, Some(120), Some(149))),
        (Status::Covered, 2, 1)
    );
    assert_eq!(
        status(&c, &band(Outcome::Reject, None, Some(119))),
        (Status::Missed, 2, 0)
    );
    let fallback = |fallback| Target::Fallback { fallback };
    assert_eq!(
        status(&c, &fallback(Fallback::SignalsUnavailable)),
        (Status::Covered, 3, 1)
    );
    assert_eq!(
        status(&c, &fallback(Fallback::NoData)),
        (Status::Missed, 3, 0)
    );
    // 2 knock-outs + 5 bins + 3 bands + 2 fallbacks; 4 bins, 2 bands and 1 fallback covered.
    assert_eq!((c.covered, c.total, c.decisions), (7, 12, 3));
    assert_eq!(c.percent, 58.3);
}

#[test]
fn every_traced_rule_is_an_item_of_the_inventory() {
    let policy = Policy::load(POLICY.as_bytes()).unwrap();
    let decisions = decisions(&policy);
    let c = policy.coverage(&decisions);
    for d in &decisions {
        for entry in d.trace.as_deref().unwrap() {
            let known = c.items.iter().any(|i| match (&i.target, entry.kind) {
                (Target::Knockout { id }, TraceKind::Knockout)
                | (Target::Bin { id, .. }, TraceKind::Bin) => *id == entry.id,
                _ => false,
            });
            let counted = matches!(entry.kind, TraceKind::Knockout | TraceKind::Bin);
            assert_eq!(known, counted, "{entry:?}");
        }
    }
}

#[test]
fn a_knockout_only_unavailable_signals_met_is_unexercised() {
    let policy = Policy::load(POLICY.as_bytes()).unwrap();
    let decisions = decisions(&policy);
    let c = policy.coverage(&decisions[2..]);
    assert_eq!(status(&c, &ko("kyc_no_match")), (Status::Missed, 1, 0));
    assert_eq!(
        status(&c, &ko("heavy_overdue")),
        (Status::Unexercised, 0, 0)
    );
    assert!(c
        .items
        .iter()
        .filter(|i| matches!(i.target, Target::Band { .. } | Target::Bin { .. }))
        .all(|i| i.status == Status::Unexercised));
}
