//! An independent reference for the KYC name rules, written from the design brief ("KYC
//! matching") and docs/kyc.md ("Matching rules as implemented") alone, never from the matcher's
//! code: nothing here calls `underwrite-kyc` beyond its public result types, which it fills in.
//!
//! Each step is the plainest form of the rule: normalization is NFC(fold(NFD(s))) with the
//! `unicode-normalization` and `caseless` crates, word by word, the words joined by one space;
//! the distance is the textbook Levenshtein dynamic programme over `char`s; thresholds,
//! components, middle initials, orientations and the `Names` outcome follow the rules as the
//! documents state them, with severity written out as a match.

#![allow(dead_code)] // Each test file uses part of the reference.

use underwrite_kyc::{ComponentDetails, ComponentRule, FieldOutcome, MatchConfig, NameComparison};

/// A name as the rules compare it: each run of whitespace (`char::is_whitespace`) is one
/// space, none at either end, and every word is NFC(full case fold(NFD(word))): Unicode's
/// canonical caseless form (§3.13), presented in NFC.
pub fn normalize(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.split_whitespace()
        .map(|word| {
            let decomposed: String = word.nfd().collect();
            caseless::default_case_fold_str(&decomposed)
                .nfc()
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Levenshtein distance over Unicode scalar values: Wagner–Fischer, one row at a time.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            let delete = previous[j + 1] + 1;
            let insert = current[j] + 1;
            current[j + 1] = substitute.min(delete).min(insert);
        }
        previous = current;
    }
    previous[b.len()]
}

/// The largest distance that is still a Partial Match for a pair whose shorter (normalized)
/// name has `shorter` characters: `max_distance`, or with `length_scaled` a third of the
/// shorter length (rounded down) but never more than `max_distance`.
pub fn threshold(shorter: usize, config: &MatchConfig) -> usize {
    if config.length_scaled {
        std::cmp::min(config.max_distance, shorter / 3)
    } else {
        config.max_distance
    }
}

/// One name component, both sides normalized: Exact when equal, Partial within the threshold,
/// No Match beyond it; a side with no value is a No Match (`missing_on_authority`).
pub fn component(a: &str, b: &str, config: &MatchConfig) -> ComponentDetails {
    if a.is_empty() || b.is_empty() {
        return ComponentDetails {
            outcome: FieldOutcome::NoMatch,
            rule: ComponentRule::MissingOnAuthority,
            distance: None,
            threshold: 0,
        };
    }
    let shorter = std::cmp::min(a.chars().count(), b.chars().count());
    let threshold = threshold(shorter, config);
    let distance = levenshtein(a, b);
    let (outcome, rule, distance) = if distance == 0 {
        (FieldOutcome::ExactMatch, ComponentRule::Equal, Some(0))
    } else if distance <= threshold {
        (
            FieldOutcome::PartialMatch,
            ComponentRule::WithinDistance,
            Some(distance),
        )
    } else {
        (FieldOutcome::NoMatch, ComponentRule::TooFar, None)
    };
    ComponentDetails {
        outcome,
        rule,
        distance,
        threshold,
    }
}

/// The letter of a middle initial: one letter, alone or followed by `.`.
fn initial(name: &str) -> Option<char> {
    let chars: Vec<char> = name.chars().collect();
    match chars.as_slice() {
        [c] | [c, '.'] if c.is_alphabetic() => Some(*c),
        _ => None,
    }
}

/// Middle against middle, both normalized and present. When either is an initial, it is
/// compared by its letter alone: the same initial on both sides is Exact, an initial equal to
/// the other name's first letter is Partial, a different letter is No Match. Otherwise it is a
/// plain [`component`].
pub fn middle(a: &str, b: &str, config: &MatchConfig) -> ComponentDetails {
    let (ia, ib) = (initial(a), initial(b));
    if ia.is_none() && ib.is_none() {
        return component(a, b, config);
    }
    let first = |s: &str| s.chars().next();
    let outcome = match (ia, ib) {
        (Some(x), Some(y)) if x == y => FieldOutcome::ExactMatch,
        (Some(x), None) if first(b) == Some(x) => FieldOutcome::PartialMatch,
        (None, Some(y)) if first(a) == Some(y) => FieldOutcome::PartialMatch,
        _ => FieldOutcome::NoMatch,
    };
    ComponentDetails {
        outcome,
        rule: if a == b {
            ComponentRule::Equal
        } else {
            ComponentRule::Initial
        },
        distance: None,
        threshold: config.max_distance,
    }
}

/// How bad an outcome is, for "the worst of the compared components".
fn badness(outcome: FieldOutcome) -> u8 {
    match outcome {
        FieldOutcome::ExactMatch => 0,
        FieldOutcome::PartialMatch => 1,
        _ => 2,
    }
}

/// A person's names, normalized: first, middle (`None` when absent or blank), last.
pub struct Names {
    /// First name.
    pub first: String,
    /// Middle name, when there is one.
    pub middle: Option<String>,
    /// Last name.
    pub last: String,
}

impl Names {
    /// Normalize raw names.
    pub fn of(first: &str, middle: Option<&str>, last: &str) -> Names {
        Names {
            first: normalize(first),
            middle: middle.map(normalize).filter(|m| !m.is_empty()),
            last: normalize(last),
        }
    }
}

/// The `Names` outcome and both orientations (each always computed here): straight pairs
/// first↔first and last↔last, swapped first↔last and last↔first, middle↔middle in both when
/// both sides have one; each orientation is the worst of its components. `Names` is Exact if
/// straight is exact, else Transposed if swapped is exact, else Partial if straight is
/// partial, else Transposed if swapped is partial, else No Match.
pub fn names(
    submitted: &Names,
    authority: &Names,
    config: &MatchConfig,
) -> (FieldOutcome, NameComparison, NameComparison) {
    let middle = match (&submitted.middle, &authority.middle) {
        (Some(a), Some(b)) => Some(middle(a, b, config)),
        _ => None,
    };
    let orientation = |first: ComponentDetails, last: ComponentDetails| {
        let mut outcome = first.outcome;
        for other in [middle.map(|m| m.outcome), Some(last.outcome)]
            .into_iter()
            .flatten()
        {
            if badness(other) > badness(outcome) {
                outcome = other;
            }
        }
        NameComparison {
            outcome,
            first,
            middle,
            last,
        }
    };
    let straight = orientation(
        component(&submitted.first, &authority.first, config),
        component(&submitted.last, &authority.last, config),
    );
    let swapped = orientation(
        component(&submitted.first, &authority.last, config),
        component(&submitted.last, &authority.first, config),
    );
    let outcome = match (straight.outcome, swapped.outcome) {
        (FieldOutcome::ExactMatch, _) => FieldOutcome::ExactMatch,
        (_, FieldOutcome::ExactMatch) => FieldOutcome::Transposed,
        (FieldOutcome::PartialMatch, _) => FieldOutcome::PartialMatch,
        (_, FieldOutcome::PartialMatch) => FieldOutcome::Transposed,
        _ => FieldOutcome::NoMatch,
    };
    (outcome, straight, swapped)
}

#[test]
fn the_reference_gives_the_documents_examples() {
    // Pinned by hand from the documents, so the reference itself is checked.
    assert_eq!(levenshtein("kitten", "sitting"), 3);
    assert_eq!(levenshtein("", "abc"), 3);
    assert_eq!(levenshtein("日本", "日本語"), 1);
    assert_eq!(normalize("  Straße \u{3000} JOSÉ "), "strasse josé");
    assert_eq!(normalize("Jose\u{301}"), "jos\u{e9}");
    assert_eq!(normalize("ﬁ"), "fi");
    let flat = MatchConfig::default();
    assert_eq!(
        component("li", "wu", &flat).outcome,
        FieldOutcome::PartialMatch
    );
    let scaled = MatchConfig {
        length_scaled: true,
        ..MatchConfig::default()
    };
    assert_eq!(
        component("li", "wu", &scaled).outcome,
        FieldOutcome::NoMatch
    );
    assert_eq!(
        (
            threshold(2, &scaled),
            threshold(5, &scaled),
            threshold(6, &scaled)
        ),
        (0, 1, 2)
    );
    assert_eq!(middle("j", "j.", &flat).outcome, FieldOutcome::ExactMatch);
    assert_eq!(
        middle("j", "john", &flat).outcome,
        FieldOutcome::PartialMatch
    );
    assert_eq!(middle("j", "k", &flat).outcome, FieldOutcome::NoMatch);
    let joe_leo = Names::of("Joe", None, "Leo");
    let leo_joe = Names::of("LEO", None, "joe");
    assert_eq!(names(&joe_leo, &leo_joe, &flat).0, FieldOutcome::Transposed);
}
