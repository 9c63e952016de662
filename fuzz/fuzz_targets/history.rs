//! History files (JSON Lines of `{"id"?, "signals", "kyc"?, "outcome"?}`, what `underwrite
//! backtest` and `compare` read) → `Observer` with `rules/starter.yaml` as champion and
//! `testdata/history/challenger.yaml` (the same rules, higher cut-offs) as challenger → folded
//! into a `Compare` (with a 50/50 split) and a `Backtest` → reports and tables. Besides "no
//! panic" (libfuzzer-sys aborts on a panic even inside `Observer::observe`'s guard):
//!
//! * every line is counted once: `lines` = read + line-level failures; each policy's decided +
//!   its failures = read; the swap matrix sums to `both_decided`, and `both_decided` plus the
//!   lines one side or both failed = read; `labelled` ≤ read and `bad` ≤ `labelled`;
//! * the swaps `Compare::add` hands back are the matrix's off-approve cells, by direction;
//!   with the same rules and higher cut-offs the challenger is never less severe (the matrix
//!   is zero below its diagonal, no swap-in) and the two fail on the same lines;
//! * the champion's figures in the comparison are exactly the backtest's (one tally, one
//!   report builder), and the observer decides as `Application::decide` (what `batch` runs);
//! * the backtest's `--json` report read back with `Reference::from_json` is the reference the
//!   backtest itself gives, and its PSI against itself is 0 wherever it is defined;
//! * every table row has one cell per column, and renders as text.
//!
//! Input: bytes split at `\n` into lines, blank lines skipped as the CLI skips them; a line
//! that is not UTF-8 is folded as the CLI folds it (`FailureKind::NotUtf8`).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use underwrite_analysis::report::tables::{self, Table};
use underwrite_analysis::{
    Backtest, Compare, Direction, Failure, FailureKind, HistoryLine, Observation, Observer,
    Reference, Split,
};
use underwrite_core::policy::{DecideOptions, Outcome, Policy};

const STARTER: &str = include_str!("../../rules/starter.yaml");
const CHALLENGER: &str = include_str!("../../testdata/history/challenger.yaml");

fn policies() -> &'static (Policy, Policy) {
    static POLICIES: OnceLock<(Policy, Policy)> = OnceLock::new();
    POLICIES.get_or_init(|| {
        (
            Policy::load(STARTER.as_bytes()).expect("starter policy loads"),
            Policy::load(CHALLENGER.as_bytes()).expect("challenger policy loads"),
        )
    })
}

fn check_tables(tables: &[Table]) {
    let mut names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(
        names.len(),
        tables.len(),
        "table names are unique (CSV files)"
    );
    for t in tables {
        for row in &t.rows {
            assert_eq!(row.len(), t.columns.len(), "table {}", t.name);
        }
        let text = t.to_text();
        assert!(text.starts_with(&t.title));
    }
}

/// The observer's decision is the one `Application::decide` makes for the same line.
fn check_against_batch(policy: &Policy, text: &str, observation: &Observation<'_>) {
    let Ok(line) = HistoryLine::from_json(text) else {
        assert!(matches!(observation, Observation::Unread(_)));
        return;
    };
    // A history line is an object, never an array read by position.
    assert_eq!(text.trim_start().as_bytes().first(), Some(&b'{'), "read a non-object");
    let batch = line
        .application
        .decide(policy, DecideOptions { trace: false });
    match (observation, batch) {
        (Observation::Read { results, .. }, Ok(decided)) => {
            let seen = results[0].as_ref().expect("batch decided this line");
            assert_eq!(seen.decision, decided.decision);
        }
        (Observation::Read { results, .. }, Err(e)) => {
            assert!(results[0].is_err(), "batch failed this line: {e}");
        }
        (Observation::Unread(f), Ok(_)) => panic!("batch decided a line observed as {f:?}"),
        (Observation::Unread(_), Err(_)) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let (champion, challenger) = policies();
    let observer = Observer::new(vec![champion, challenger]);
    let split = "50/50".parse::<Split>().expect("a split").with_salt("fuzz");
    let mut compare = Compare::new(champion, challenger, Some(split));
    let mut backtest = Backtest::new(champion);
    let (mut lines, mut swaps_in, mut swaps_out) = (0u64, 0u64, 0u64);
    for (i, bytes) in data.split(|b| *b == b'\n').enumerate() {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let number = i as u64 + 1;
        lines += 1;
        let Ok(text) = std::str::from_utf8(bytes) else {
            let failure = Failure::new(FailureKind::NotUtf8, "not UTF-8");
            backtest.add_unreadable(number, &failure);
            compare.add_unreadable(number, &failure);
            continue;
        };
        let observation = observer.observe(text);
        if let Observation::Unread(f) = &observation {
            // What the line itself can get wrong; never a rule, never a bug.
            assert!(
                matches!(
                    f.kind,
                    FailureKind::NotAnApplication
                        | FailureKind::BadId
                        | FailureKind::BadOutcome
                        | FailureKind::Signals
                        | FailureKind::Kyc
                ),
                "{f:?}"
            );
        }
        check_against_batch(champion, text, &observation);
        backtest.add(number, &observation);
        if let Some(swap) = compare.add(number, &observation) {
            assert_eq!(swap.line, number);
            let approves = (
                swap.champion == Outcome::Approve,
                swap.challenger == Outcome::Approve,
            );
            match swap.direction {
                Direction::In => {
                    assert_eq!(approves, (false, true));
                    swaps_in += 1;
                }
                Direction::Out => {
                    assert_eq!(approves, (true, false));
                    swaps_out += 1;
                }
            }
        }
    }

    let bt = backtest.report(None);
    let cmp = compare.report();
    let input = &bt.input;
    assert_eq!(input, &cmp.input);
    assert_eq!(input.lines, lines);
    let line_failures: u64 = input.failures.iter().map(|f| f.count).sum();
    assert_eq!(input.read + line_failures, input.lines);
    assert!(input.labelled <= input.read && input.bad <= input.labelled);
    assert!(input
        .failures
        .iter()
        .all(|f| f.kind != FailureKind::Internal));
    for p in [&bt.policy, &cmp.champion, &cmp.challenger] {
        let failed: u64 = p.failures.iter().map(|f| f.count).sum();
        assert_eq!(p.decided + failed, input.read, "decided + failed = read");
        let mix = &p.decisions;
        assert_eq!(
            mix.approve.count + mix.review.count + mix.reject.count,
            p.decided
        );
        assert!(p.failures.iter().all(|f| f.kind != FailureKind::Internal));
    }
    assert_eq!(
        bt.policy, cmp.champion,
        "a comparison's champion is its backtest"
    );

    let s = &cmp.swap;
    let matrix_sum: u64 = s.matrix.iter().flatten().sum();
    assert_eq!(matrix_sum, s.both_decided);
    assert_eq!(
        s.both_decided + s.failed.champion_only + s.failed.challenger_only + s.failed.both,
        input.read
    );
    assert_eq!(
        cmp.champion.decided,
        s.both_decided + s.failed.challenger_only
    );
    assert_eq!(
        cmp.challenger.decided,
        s.both_decided + s.failed.champion_only
    );
    let off =
        |rows: std::ops::Range<usize>, col: usize| -> u64 { rows.map(|r| s.matrix[r][col]).sum() };
    assert_eq!(s.swap_in.size.count, off(1..3, 0));
    assert_eq!(s.swap_out.size.count, s.matrix[0][1] + s.matrix[0][2]);
    assert_eq!(
        (swaps_in, swaps_out),
        (s.swap_in.size.count, s.swap_out.size.count)
    );
    // Same rules, higher cut-offs: never less severe, and failing alike.
    for (a, row) in s.matrix.iter().enumerate() {
        for (b, n) in row.iter().enumerate() {
            assert!(b >= a || *n == 0, "challenger less severe: {:?}", s.matrix);
        }
    }
    assert_eq!((s.failed.champion_only, s.failed.challenger_only), (0, 0));
    let split = cmp.split.as_ref().expect("a split was asked for");
    assert!(
        split.champion.size.count + split.challenger.size.count + split.unroutable <= input.read
    );

    check_tables(&tables::backtest(&bt));
    check_tables(&tables::compare(&cmp));

    // The saved report is the reference the run gives; against itself, PSI 0.
    let json = serde_json::to_string(&bt).expect("a report serializes");
    let reference = backtest.reference();
    assert_eq!(
        Reference::from_json(&json).expect("a saved report reads back"),
        reference
    );
    let again = backtest.report(Some(&reference));
    let stability = again.stability.as_ref().expect("a stability section");
    for row in stability.score.iter().chain(&stability.features) {
        if let Some(psi) = row.psi {
            assert!(psi.abs() < 1e-9, "{} PSI against itself: {psi}", row.name);
        }
        for bin in &row.bins {
            assert_eq!(bin.reference, bin.actual, "{} {}", row.name, bin.label);
        }
    }
    let json = serde_json::to_string(&again).expect("a report serializes");
    assert_eq!(
        Reference::from_json(&json).expect("a saved report with PSI reads back"),
        reference
    );
    check_tables(&tables::backtest(&again));
});
