//! The shape of a policy's YAML, checked from a parser's own events before serde sees it.
//!
//! Why a pass over events:
//! * serde_yaml expands aliases (a 1 MiB file can grow to gigabytes, and every diagnostic that
//!   echoes an expanded value repeats it), keeps the *last* of two equal keys in a map (a
//!   duplicated alias silently re-points a feature), and libyaml's scanner pays for nesting
//!   depth on every token. Guessing these from text lines missed an alias on its own line and
//!   mistook a `[` inside a quoted expression for nesting; only a parser knows.
//! * The events come from `saphyr-parser`, a maintained pure-Rust YAML 1.2 pull parser. (The
//!   safe port of libyaml was tried first and panics on a valid folded scalar at the end of a
//!   file.) It reads structure (collections, keys, anchors, aliases) as libyaml does; where the
//!   two could differ (scalar typing), this pass does not care.
//! * It stops at the first collection past [`MAX_DEPTH`], so the work stays linear in the
//!   file's size whatever the nesting, for this pass and for serde_yaml after it.
//!
//! Refused, each at the position the parser gives: anchors and aliases (`&a`, `*a`; a policy
//! writes every value out), nesting deeper than [`MAX_DEPTH`], a key given twice in one mapping
//! (in every mapping: rules, aliases, overrides, inline test payloads), and a mapping key that
//! is not a scalar.
//!
//! The same pass records where every node is ([`Positions`]): diagnostics point at the YAML
//! node the parser read, never at a line found by searching the text.

use std::collections::HashSet;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

use super::error::{echo, Diagnostic, DiagnosticKind};
use super::positions::{NodeAt, Positions, Seg};

/// Deepest nesting of YAML collections a policy may use. A policy's own structure is about
/// seven levels deep (tests → case → signals → data → items → item); 32 leaves room and keeps
/// the parser's per-token cost small.
pub const MAX_DEPTH: usize = 32;

/// One open collection.
enum Open {
    Sequence {
        /// The index the next item gets.
        next: usize,
    },
    Mapping {
        /// The scalar keys seen so far.
        keys: HashSet<String>,
        /// Whether the next node is a key (else it is the value of the last key).
        at_key: bool,
        /// The last key read, and where it is.
        key: Option<(String, Marker)>,
    },
}

/// The structure check's result: the problems found and where every node is.
pub(crate) struct Shape {
    /// Every problem, in file order (at most the `max` asked for).
    pub problems: Vec<Diagnostic>,
    /// Where each node is, by path.
    pub positions: Positions,
}

/// The path of the node about to start under `stack`, and the position of its key if it is a
/// mapping value.
fn node_path(stack: &[Open], path: &mut Vec<Seg>) -> Option<Marker> {
    path.clear();
    let mut key_at = None;
    for open in stack {
        match open {
            Open::Sequence { next } => path.push(Seg::Index(*next)),
            Open::Mapping { key, .. } => {
                let (name, at) = key
                    .as_ref()
                    .map_or(("", None), |(k, m)| (k.as_str(), Some(*m)));
                path.push(Seg::Key(name.to_string()));
                key_at = at;
            }
        }
    }
    key_at
}

/// Check the YAML structure of `source`. Returns every problem found (at most `max`), in file
/// order; a syntax error or a nesting violation ends the pass, since nothing after it can be
/// read reliably.
#[cfg(test)]
pub(crate) fn check(source: &str, max: usize) -> Vec<Diagnostic> {
    read(source, max).problems
}

/// Check the YAML structure of `source` and record where every node is. See [`check`].
pub(crate) fn read(source: &str, max: usize) -> Shape {
    let mut positions = Positions::default();
    let mut path: Vec<Seg> = Vec::new();
    let problems = walk(source, max, &mut |stack, start, end, style| {
        let key = node_path(stack, &mut path);
        positions.insert(
            path.clone(),
            NodeAt {
                key,
                start,
                end,
                style,
            },
        );
    });
    Shape {
        problems,
        positions,
    }
}

/// Where a node (a value, not a key) ends: its start, its end and, for a scalar, its style.
type OnNode<'f> = dyn FnMut(&[Open], Marker, Marker, Option<ScalarStyle>) + 'f;

fn walk(source: &str, max: usize, on_node: &mut OnNode<'_>) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut push = |problems: &mut Vec<Diagnostic>, mark: Marker, message: String| {
        if problems.len() < max {
            problems.push(at(mark, message));
        }
    };
    let mut stack: Vec<Open> = Vec::new();
    for item in Parser::new_from_str(source) {
        let (event, span) = match item {
            Ok(event) => event,
            Err(e) => {
                let message = format!("YAML syntax error: {}", echo(e.info()));
                push(&mut problems, *e.marker(), message);
                return problems;
            }
        };
        let mark = span.start;
        match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd => {}
            Event::Alias(_) => {
                push(
                    &mut problems,
                    mark,
                    "YAML aliases (`*name`) are not allowed in policies; write the value out"
                        .into(),
                );
                node_done(&mut stack);
            }
            Event::Scalar(value, style, anchor, _) => {
                refuse_anchor(&mut problems, &mut push, mark, anchor);
                match stack.last_mut() {
                    Some(Open::Mapping { keys, at_key, key }) if *at_key => {
                        *key = Some((value.to_string(), mark));
                        if !keys.insert(value.to_string()) {
                            push(
                                &mut problems,
                                mark,
                                format!(
                                    "the key `{}` appears twice in this mapping; \
                                     each key may be given once",
                                    echo(&value)
                                ),
                            );
                        }
                        *at_key = false;
                    }
                    _ => {
                        on_node(&stack, mark, span.end, Some(style));
                        node_done(&mut stack);
                    }
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let is_mapping = matches!(event, Event::MappingStart(..));
                refuse_anchor(&mut problems, &mut push, mark, anchor);
                if let Some(Open::Mapping { at_key: true, .. }) = stack.last() {
                    push(
                        &mut problems,
                        mark,
                        "a mapping key must be a plain name, not a list or a mapping".into(),
                    );
                }
                if stack.len() >= MAX_DEPTH {
                    push(
                        &mut problems,
                        mark,
                        format!(
                            "YAML collections are nested too deeply (more than {MAX_DEPTH} \
                             levels); a policy needs far fewer"
                        ),
                    );
                    return problems;
                }
                on_node(&stack, mark, mark, None);
                stack.push(if is_mapping {
                    Open::Mapping {
                        keys: HashSet::new(),
                        at_key: true,
                        key: None,
                    }
                } else {
                    Open::Sequence { next: 0 }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                node_done(&mut stack);
            }
        }
    }
    problems
}

/// A node (scalar, alias or whole collection) ended: in a mapping, a key's value was read or a
/// complex key was (and was reported).
fn node_done(stack: &mut [Open]) {
    match stack.last_mut() {
        Some(Open::Mapping { at_key, .. }) => *at_key = !*at_key,
        Some(Open::Sequence { next }) => *next += 1,
        None => {}
    }
}

/// `anchor_id` is the parser's anchor number; 0 means the node has none.
fn refuse_anchor(
    problems: &mut Vec<Diagnostic>,
    push: &mut impl FnMut(&mut Vec<Diagnostic>, Marker, String),
    mark: Marker,
    anchor_id: usize,
) {
    if anchor_id != 0 {
        push(
            problems,
            mark,
            "YAML anchors (`&name`) are not allowed in policies; write every value out".into(),
        );
    }
}

/// A diagnostic at `mark` (the parser's lines are 1-based, its columns 0-based).
fn at(mark: Marker, message: String) -> Diagnostic {
    Diagnostic {
        kind: DiagnosticKind::Yaml,
        line: Some(mark.line()),
        column: Some(mark.col() + 1),
        rule: None,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(yaml: &str) -> Vec<String> {
        check(yaml, 100)
            .into_iter()
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn sound_yaml_passes() {
        assert!(messages(include_str!("../../../../rules/starter.yaml")).is_empty());
        assert!(messages("a: [1, \"x]\", 'y]', {b: \"c\", d: [e, f]}]\nb: {k: v}\n").is_empty());
        // The same key in two different mappings is fine.
        assert!(messages("a: {k: 1}\nb: {k: 2}\nc: [{k: 1}, {k: 2}]\n").is_empty());
    }

    #[test]
    fn aliases_anchors_and_duplicates_are_placed() {
        let m = messages("a: &x 1\nb:\n  *x\n");
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].starts_with("line 1, column 4: YAML anchors"), "{m:?}");
        assert!(m[1].starts_with("line 3, column 3: YAML aliases"), "{m:?}");
        let m = messages("features:\n  aliases:\n    o: a\n    p: b\n    o: c\n");
        assert_eq!(m, ["line 5, column 5: the key `o` appears twice in this mapping; each key may be given once"]);
        // Quoting does not make a key different.
        assert_eq!(messages("{a: 1, \"a\": 2}").len(), 1);
        assert_eq!(messages("? [a]\n: 1\n").len(), 1);
    }

    #[test]
    fn a_folded_scalar_at_the_end_of_the_file_is_fine() {
        // The libyaml port tried first panicked here (fuzz finding).
        assert!(messages("description: >\n  Thin-file signals (#").is_empty());
        assert!(messages("description: |\n  text").is_empty());
    }

    #[test]
    fn nesting_is_bounded_by_the_parser() {
        let ok = format!(
            "a: {}1{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(messages(&ok).is_empty());
        let deep = format!("a: {}1{}\n", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(messages(&deep)[0].contains("nested too deeply"));
        // Brackets inside quoted text are text.
        let quoted = "k: \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"\n".repeat(100);
        let unique: String = quoted
            .lines()
            .enumerate()
            .map(|(i, l)| format!("k{i}{}\n", &l[1..]))
            .collect();
        assert!(messages(&unique).is_empty());
    }
}
