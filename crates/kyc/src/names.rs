//! Name comparison: components, middle initials, straight and swapped (transposed) outcomes,
//! and the details a `Names` outcome rests on (public, in every result).
//!
//! One path: [`compare_names`] normalizes each name once into a [`NameKey`] and compares keys,
//! packed ASCII pairs in registers and anything else as text. The keys and the comparison are
//! private, so the representation can change; what users see is `match_request`'s result.
//!
//! The [`MatchConfig`] is taken as given: [`crate::match_request`] checks it first
//! ([`MatchConfig::validate`]), because the cost of a component comparison grows with
//! `max_distance` (about `2 * max_distance + 1` steps per character of the shorter name on the
//! slowest path, see [`crate::MAX_DISTANCE_LIMIT`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::MatchConfig;
use crate::field::FieldOutcome;
use crate::levenshtein::{bounded, bounded_packed};
use crate::normalize::NameKey;

/// Which rule decided a name component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComponentRule {
    /// Equal after normalization.
    Equal,
    /// Levenshtein distance within the threshold.
    WithinDistance,
    /// Levenshtein distance above the threshold.
    TooFar,
    /// A middle initial compared by its letter.
    Initial,
    /// The authority record has no value for this component.
    MissingOnAuthority,
}

/// One compared name component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ComponentDetails {
    /// The component's outcome (Exact Match, Partial Match or No Match).
    pub outcome: FieldOutcome,
    /// The rule that decided it.
    pub rule: ComponentRule,
    /// Edit distance in Unicode scalar values, when it is within the threshold (`None` means
    /// "more than `threshold`", or not computed for the initial and missing rules).
    pub distance: Option<usize>,
    /// The distance threshold applied to this pair (length-scaled if configured).
    pub threshold: usize,
}

/// The components compared in one orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NameComparison {
    /// Worst of the compared components.
    pub outcome: FieldOutcome,
    /// Submitted first name against the authority's first (straight) or last (swapped) name.
    #[serde(deserialize_with = "crate::object::object")]
    pub first: ComponentDetails,
    /// Middle against middle; `None` when either side has no middle name (not compared).
    #[serde(default, deserialize_with = "crate::object::optional_object")]
    pub middle: Option<ComponentDetails>,
    /// Submitted last name against the authority's last (straight) or first (swapped) name.
    #[serde(deserialize_with = "crate::object::object")]
    pub last: ComponentDetails,
}

/// What the `Names` outcome rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NameDetails {
    /// first↔first, middle↔middle, last↔last.
    #[serde(deserialize_with = "crate::object::object")]
    pub straight: NameComparison,
    /// first↔last, middle↔middle, last↔first. `None` when it was not computed because the
    /// straight comparison is an Exact Match (which decides `Names` on its own).
    #[serde(default, deserialize_with = "crate::object::optional_object")]
    pub swapped: Option<NameComparison>,
}

/// Number of Unicode scalar values (bytes for ASCII).
fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// The details of a component missing on either side.
fn missing() -> ComponentDetails {
    ComponentDetails {
        outcome: FieldOutcome::NoMatch,
        rule: ComponentRule::MissingOnAuthority,
        distance: None,
        threshold: 0,
    }
}

/// The details of a bounded distance `d` under `threshold`.
fn within(d: Option<usize>, threshold: usize) -> ComponentDetails {
    let (outcome, rule) = match d {
        Some(0) => (FieldOutcome::ExactMatch, ComponentRule::Equal),
        Some(_) => (FieldOutcome::PartialMatch, ComponentRule::WithinDistance),
        None => (FieldOutcome::NoMatch, ComponentRule::TooFar),
    };
    ComponentDetails {
        outcome,
        rule,
        distance: d,
        threshold,
    }
}

/// Compare two normalized components as text; either empty means missing (only the authority's
/// can be: the matcher refuses a blank submitted first or last name).
fn compare_component(a: &str, b: &str, config: &MatchConfig) -> ComponentDetails {
    if b.is_empty() || a.is_empty() {
        return missing();
    }
    let threshold = if config.length_scaled {
        config.threshold_for(char_len(a).min(char_len(b)))
    } else {
        config.max_distance
    };
    within(bounded(a, b, threshold), threshold)
}

/// Compare two components: packed ASCII pairs in registers (equal words, else the packed
/// bounded distance), anything else as text ([`compare_component`]).
#[inline]
fn compare_keys(a: &NameKey<'_>, b: &NameKey<'_>, config: &MatchConfig) -> ComponentDetails {
    match (a, b) {
        (NameKey::Packed { word: wa, len: na }, NameKey::Packed { word: wb, len: nb }) => {
            let (na, nb) = (usize::from(*na), usize::from(*nb));
            if na == 0 || nb == 0 {
                return missing();
            }
            let threshold = if config.length_scaled {
                config.threshold_for(na.min(nb))
            } else {
                config.max_distance
            };
            let d = if wa == wb && na == nb {
                Some(0)
            } else {
                bounded_packed(*wa, na, *wb, nb, threshold)
            };
            within(d, threshold)
        }
        _ => compare_as_text(a, b, config),
    }
}

/// [`compare_component`] on the keys' text (at least one of them is not packed).
#[inline(never)]
fn compare_as_text(a: &NameKey<'_>, b: &NameKey<'_>, config: &MatchConfig) -> ComponentDetails {
    a.with_str(|x| b.with_str(|y| compare_component(x, y, config)))
}

/// [`initial`] of a packed ASCII name.
fn packed_initial(word: u128, len: u8) -> Option<char> {
    let [c, second, ..] = word.to_le_bytes();
    ((len == 1 || (len == 2 && second == b'.')) && c.is_ascii_alphabetic()).then_some(char::from(c))
}

/// Compare middle names (see [`compare_middle`]): packed pairs without an initial as components
/// in registers, anything else as text.
fn compare_middle_keys(a: &NameKey<'_>, b: &NameKey<'_>, config: &MatchConfig) -> ComponentDetails {
    if let (NameKey::Packed { word: wa, len: na }, NameKey::Packed { word: wb, len: nb }) = (a, b) {
        if packed_initial(*wa, *na).is_none() && packed_initial(*wb, *nb).is_none() {
            return compare_keys(a, b, config);
        }
    }
    a.with_str(|x| b.with_str(|y| compare_middle(x, y, config)))
}

/// The letter of a middle initial: one character, optionally followed by `.`.
fn initial(s: &str) -> Option<char> {
    let mut it = s.chars();
    let c = it.next()?;
    match (it.next(), it.next()) {
        (None, _) | (Some('.'), None) if c.is_alphabetic() => Some(c),
        _ => None,
    }
}

/// Compare normalized middle names: an initial on either side is compared by its letter only.
fn compare_middle(a: &str, b: &str, config: &MatchConfig) -> ComponentDetails {
    let (ia, ib) = (initial(a), initial(b));
    if ia.is_none() && ib.is_none() {
        return compare_component(a, b, config);
    }
    let first_a = ia.or_else(|| a.chars().next());
    let first_b = ib.or_else(|| b.chars().next());
    let outcome = if first_a != first_b {
        FieldOutcome::NoMatch
    } else if ia.is_some() && ib.is_some() {
        // "J" and "J.": the same initial.
        FieldOutcome::ExactMatch
    } else {
        FieldOutcome::PartialMatch
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

fn worst(parts: &[Option<&ComponentDetails>]) -> FieldOutcome {
    let mut worst = FieldOutcome::ExactMatch;
    for c in parts.iter().flatten() {
        if c.outcome.severity() > worst.severity() {
            worst = c.outcome;
        }
    }
    worst
}

fn orientation(
    first: ComponentDetails,
    middle: Option<ComponentDetails>,
    last: ComponentDetails,
) -> NameComparison {
    NameComparison {
        outcome: worst(&[Some(&first), middle.as_ref(), Some(&last)]),
        first,
        middle,
        last,
    }
}

/// The raw (not yet normalized) names of one record. `first` and `last` may be blank on the
/// authority side (missing); `middle` is `None` when absent or blank.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameParts<'a> {
    /// First name as given ("" if missing).
    pub first: &'a str,
    /// Middle name as given.
    pub middle: Option<&'a str>,
    /// Last name as given ("" if missing).
    pub last: &'a str,
}

/// Compare submitted names with the authority's: the `Names` outcome and its details. Each
/// name is normalized into a [`NameKey`] here, once, and compared as such.
#[inline]
pub(crate) fn compare_names(
    submitted: &NameParts<'_>,
    authority: &NameParts<'_>,
    config: &MatchConfig,
) -> (FieldOutcome, NameDetails) {
    let (sf, sm, sl) = submitted.keys();
    let (af, am, al) = authority.keys();
    compare_parts((&sf, sm.as_ref(), &sl), (&af, am.as_ref(), &al), config)
}

impl<'a> NameParts<'a> {
    /// First, middle and last name, normalized into keys.
    #[inline]
    fn keys(&self) -> (NameKey<'a>, Option<NameKey<'a>>, NameKey<'a>) {
        (
            NameKey::new(self.first),
            self.middle.map(NameKey::new),
            NameKey::new(self.last),
        )
    }
}

/// The rules of [`compare_names`]. The swapped orientation is only computed when the straight
/// one is not an Exact Match: otherwise `Names` is Exact Match whatever it says.
#[allow(clippy::type_complexity)]
fn compare_parts(
    (sf, sm, sl): (&NameKey<'_>, Option<&NameKey<'_>>, &NameKey<'_>),
    (af, am, al): (&NameKey<'_>, Option<&NameKey<'_>>, &NameKey<'_>),
    config: &MatchConfig,
) -> (FieldOutcome, NameDetails) {
    let middle = match (sm, am) {
        (Some(a), Some(b)) => Some(compare_middle_keys(a, b, config)),
        _ => None,
    };
    let straight = orientation(
        compare_keys(sf, af, config),
        middle,
        compare_keys(sl, al, config),
    );
    if straight.outcome == FieldOutcome::ExactMatch {
        return (
            FieldOutcome::ExactMatch,
            NameDetails {
                straight,
                swapped: None,
            },
        );
    }
    let swapped = orientation(
        compare_keys(sf, al, config),
        middle,
        compare_keys(sl, af, config),
    );
    let outcome = match (straight.outcome, swapped.outcome) {
        (FieldOutcome::ExactMatch, _) => FieldOutcome::ExactMatch,
        (_, FieldOutcome::ExactMatch) => FieldOutcome::Transposed,
        (FieldOutcome::PartialMatch, _) => FieldOutcome::PartialMatch,
        (_, FieldOutcome::PartialMatch) => FieldOutcome::Transposed,
        _ => FieldOutcome::NoMatch,
    };
    (
        outcome,
        NameDetails {
            straight,
            swapped: Some(swapped),
        },
    )
}

#[cfg(test)]
mod tests {
    //! Through [`compare_names`], the matcher's own path: raw names, normalized into keys.

    use super::*;

    fn parts<'a>(first: &'a str, middle: Option<&'a str>, last: &'a str) -> NameParts<'a> {
        NameParts {
            first,
            middle,
            last,
        }
    }

    fn names(a: NameParts<'_>, b: NameParts<'_>) -> FieldOutcome {
        compare_names(&a, &b, &MatchConfig::default()).0
    }

    /// The first-name component of `a` against `b` (last names equal).
    fn component(a: &str, b: &str, cfg: &MatchConfig) -> ComponentDetails {
        compare_names(&parts(a, None, "x"), &parts(b, None, "x"), cfg)
            .1
            .straight
            .first
    }

    /// The middle-name component of `a` against `b` (first and last names equal).
    fn middle(a: &str, b: &str, cfg: &MatchConfig) -> ComponentDetails {
        compare_names(&parts("x", Some(a), "y"), &parts("x", Some(b), "y"), cfg)
            .1
            .straight
            .middle
            .expect("both middle names given")
    }
    #[test]
    fn reference_example_rules() {
        let joe = parts("joe", Some("doe"), "leo");
        assert_eq!(names(joe, joe), FieldOutcome::ExactMatch);
        // Partial: within two edits.
        assert_eq!(
            names(joe, parts("jo", Some("doe"), "leo")),
            FieldOutcome::PartialMatch
        );
        assert_eq!(
            names(joe, parts("joey", Some("doe"), "lee")),
            FieldOutcome::PartialMatch
        );
        // Transposed: first and last swapped.
        assert_eq!(
            names(joe, parts("leo", Some("doe"), "joe")),
            FieldOutcome::Transposed
        );
        // Transposed and partially off.
        assert_eq!(
            names(joe, parts("leon", Some("doe"), "joe")),
            FieldOutcome::Transposed
        );
        // No match: first name too far.
        assert_eq!(
            names(joe, parts("mary", Some("doe"), "leo")),
            FieldOutcome::NoMatch
        );
        // Middle name too far makes it no match both ways.
        assert_eq!(
            names(joe, parts("joe", Some("smith"), "leo")),
            FieldOutcome::NoMatch
        );
    }

    #[test]
    fn precedence_of_straight_and_swapped() {
        // Straight partial (1 edit each) while swapped is no match.
        assert_eq!(
            names(parts("anna", None, "berg"), parts("anne", None, "burg")),
            FieldOutcome::PartialMatch
        );
        // "ab"/"ba": straight partial (2 edits), swapped exact → Transposed takes precedence.
        assert_eq!(
            names(parts("ab", None, "ba"), parts("ba", None, "ab")),
            FieldOutcome::Transposed
        );
    }

    #[test]
    fn middle_name_only_compared_when_both_present() {
        let with = parts("joe", Some("doe"), "leo");
        let without = parts("joe", None, "leo");
        assert_eq!(names(with, without), FieldOutcome::ExactMatch);
        assert_eq!(names(without, with), FieldOutcome::ExactMatch);
        let (_, det) = compare_names(&with, &without, &MatchConfig::default());
        assert!(det.straight.middle.is_none());
    }

    #[test]
    fn middle_initials() {
        let cfg = MatchConfig::default();
        assert_eq!(middle("d", "doe", &cfg).outcome, FieldOutcome::PartialMatch);
        assert_eq!(
            middle("doe", "d.", &cfg).outcome,
            FieldOutcome::PartialMatch
        );
        assert_eq!(middle("d.", "d", &cfg).outcome, FieldOutcome::ExactMatch);
        assert_eq!(middle("d", "d", &cfg).outcome, FieldOutcome::ExactMatch);
        // A different letter is a different name, even though the edit distance is 1.
        assert_eq!(middle("k", "d", &cfg).outcome, FieldOutcome::NoMatch);
        assert_eq!(middle("k.", "doe", &cfg).outcome, FieldOutcome::NoMatch);
        // Not initials: plain Levenshtein.
        assert_eq!(
            middle("do", "doe", &cfg).outcome,
            FieldOutcome::PartialMatch
        );
        assert_eq!(
            names(
                parts("joe", Some("d."), "leo"),
                parts("joe", Some("doe"), "leo")
            ),
            FieldOutcome::PartialMatch
        );
    }

    #[test]
    fn missing_authority_component_is_no_match() {
        assert_eq!(
            names(parts("joe", None, "leo"), parts("", None, "leo")),
            FieldOutcome::NoMatch
        );
        assert_eq!(
            names(parts("joe", None, "leo"), parts("", None, "")),
            FieldOutcome::NoMatch
        );
    }

    #[test]
    fn short_names_flat_versus_length_scaled() {
        let flat = MatchConfig::default();
        let scaled = MatchConfig {
            length_scaled: true,
            ..MatchConfig::default()
        };
        assert_eq!(
            component("li", "wu", &flat).outcome,
            FieldOutcome::PartialMatch
        );
        assert_eq!(
            component("li", "wu", &scaled).outcome,
            FieldOutcome::NoMatch
        );
        assert_eq!(
            component("jon", "john", &scaled).outcome,
            FieldOutcome::PartialMatch
        );
        assert_eq!(
            component("jon", "jan", &scaled).outcome,
            FieldOutcome::PartialMatch
        );
        assert_eq!(
            component("jon", "jane", &scaled).outcome,
            FieldOutcome::NoMatch
        );
        assert_eq!(
            component("katherine", "catharine", &scaled).outcome,
            FieldOutcome::PartialMatch
        );
        assert_eq!(
            component("li", "li", &scaled).outcome,
            FieldOutcome::ExactMatch
        );
    }

    #[test]
    fn component_details_record_distances() {
        let c = component("jose", "josé", &MatchConfig::default());
        assert_eq!(c.distance, Some(1));
        assert_eq!(c.rule, ComponentRule::WithinDistance);
        let c = component("joe", "mary", &MatchConfig::default());
        assert_eq!((c.distance, c.rule), (None, ComponentRule::TooFar));
    }
}
