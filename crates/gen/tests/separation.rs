//! The generated outcomes follow the signals: the shipped starter policy's approvals go bad far
//! less often than its rejects, and the challenger beside it moves approvals and bad rates.
#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::Value;
use underwrite_core::application::Application;
use underwrite_core::policy::{DecideOptions, Outcome, Policy};
use underwrite_gen::{Generator, MalformedShare};

const LINES: u64 = 5000;

/// Per line: the decision (or `None` when it could not be decided) and the label.
fn decide_all(policy: &Policy, seed: u64) -> Vec<(Option<Outcome>, Option<bool>)> {
    let g = Generator::new(seed).with_malformed_share(MalformedShare::NONE);
    (0..LINES)
        .map(|i| {
            let mut v: Value = serde_json::from_str(&g.line(i).text).unwrap();
            let outcome = v.as_object_mut().unwrap().remove("outcome");
            let bad = outcome.and_then(|o| o["bad"].as_bool());
            let text = v.to_string();
            let app = Application::from_json(&text).unwrap();
            let decided = app
                .decide(policy, DecideOptions::default())
                .unwrap_or_else(|e| panic!("line {i}: {e}"));
            (Some(decided.decision.decision), bad)
        })
        .collect()
}

/// Bad rate among the labelled lines with decision `of`, and how many lines had it.
fn bad_rate(rows: &[(Option<Outcome>, Option<bool>)], of: Outcome) -> (f64, usize) {
    let with: Vec<bool> = rows
        .iter()
        .filter(|(d, _)| *d == Some(of))
        .filter_map(|(_, bad)| *bad)
        .collect();
    let all = rows.iter().filter(|(d, _)| *d == Some(of)).count();
    let bad = with.iter().filter(|b| **b).count();
    (bad as f64 / with.len().max(1) as f64, all)
}

fn load(name: &str) -> Policy {
    let path = format!("{}/../../rules/{name}", env!("CARGO_MANIFEST_DIR"));
    Policy::load(&std::fs::read(&path).unwrap()).unwrap()
}

#[test]
fn the_starter_separates_good_from_bad() {
    let rows = decide_all(&load("starter.yaml"), 1);
    let labelled: Vec<bool> = rows.iter().filter_map(|(_, b)| *b).collect();
    let overall = labelled.iter().filter(|b| **b).count() as f64 / labelled.len() as f64;
    let (approve, approved) = bad_rate(&rows, Outcome::Approve);
    let (review, reviewed) = bad_rate(&rows, Outcome::Review);
    let (reject, rejected) = bad_rate(&rows, Outcome::Reject);
    eprintln!(
        "overall bad {overall:.3}; approve {approved} bad {approve:.3}; review {reviewed} bad \
         {review:.3}; reject {rejected} bad {reject:.3}"
    );
    assert!(
        (0.08..=0.12).contains(&overall),
        "overall bad rate {overall}"
    );
    // Each decision is common enough to measure.
    for n in [approved, reviewed, rejected] {
        assert!(
            n as u64 > LINES / 10,
            "{approved} / {reviewed} / {rejected}"
        );
    }
    assert!(
        approve * 3.0 < reject,
        "approve {approve} vs reject {reject}"
    );
    assert!(
        approve < review && review < reject,
        "{approve} {review} {reject}"
    );
}

#[test]
fn the_challenger_approves_more_at_a_higher_bad_rate_and_swaps_both_ways() {
    let starter = decide_all(&load("starter.yaml"), 2);
    let challenger = decide_all(&load("challenger.yaml"), 2);
    let (starter_bad, starter_n) = bad_rate(&starter, Outcome::Approve);
    let (challenger_bad, challenger_n) = bad_rate(&challenger, Outcome::Approve);
    let approved = |d: &Option<Outcome>| *d == Some(Outcome::Approve);
    let swap_in = starter
        .iter()
        .zip(&challenger)
        .filter(|(s, c)| !approved(&s.0) && approved(&c.0))
        .count();
    let swap_out = starter
        .iter()
        .zip(&challenger)
        .filter(|(s, c)| approved(&s.0) && !approved(&c.0))
        .count();
    eprintln!(
        "starter approves {starter_n} (bad {starter_bad:.3}); challenger {challenger_n} (bad \
         {challenger_bad:.3}); swap in {swap_in}, swap out {swap_out}"
    );
    assert!(
        challenger_n * 4 > starter_n * 5,
        "{challenger_n} vs {starter_n}"
    );
    assert!(
        challenger_bad > starter_bad,
        "{challenger_bad} vs {starter_bad}"
    );
    assert!(swap_in as u64 > LINES / 20, "{swap_in} swapped in");
    assert!(swap_out as u64 > LINES / 200, "{swap_out} swapped out");
}
