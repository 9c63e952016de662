//! Where each node of a policy file is, as the YAML parser read it, and where a position inside
//! an expression falls in the file.
//!
//! Built by the structure pass ([`super::yaml_guard`]) from the parser's events, so a
//! diagnostic points at the node it is about: `id: foo` never matches `id: foobar`, and an error
//! in the fifth line of a block-scalar expression points at that line.

use std::collections::HashMap;

use saphyr_parser::{Marker, ScalarStyle};

/// One step of a path from the document root: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A path from the root, e.g. `knockouts / 3 / when`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Path(Vec<Seg>);

impl Path {
    /// The root.
    pub(crate) fn root() -> Path {
        Path(Vec::new())
    }

    /// This path, then a mapping key.
    pub(crate) fn key(&self, key: &str) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        Path(segs)
    }

    /// This path, then a sequence index.
    pub(crate) fn index(&self, index: usize) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        Path(segs)
    }

    /// The path one step up (the root stays the root).
    fn parent(&self) -> Path {
        let mut segs = self.0.clone();
        segs.pop();
        Path(segs)
    }
}

/// Where one node is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeAt {
    /// Where its key is, when it is a mapping value.
    pub key: Option<Marker>,
    /// Where the node starts (for a block scalar, its indicator `|` or `>`).
    pub start: Marker,
    /// Where it ends (exclusive; collections record their start only).
    pub end: Marker,
    /// The scalar style; `None` for a collection.
    pub style: Option<ScalarStyle>,
}

/// A 1-based line and column in the policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineColumn {
    pub line: usize,
    pub column: usize,
}

impl From<Marker> for LineColumn {
    fn from(m: Marker) -> Self {
        LineColumn {
            line: m.line(),
            column: m.col() + 1,
        }
    }
}

/// Every node's position, by path.
#[derive(Debug, Default)]
pub(crate) struct Positions {
    nodes: HashMap<Vec<Seg>, NodeAt>,
}

impl Positions {
    pub(crate) fn insert(&mut self, path: Vec<Seg>, node: NodeAt) {
        self.nodes.entry(path).or_insert(node);
    }

    fn get(&self, path: &Path) -> Option<&NodeAt> {
        self.nodes.get(&path.0)
    }

    /// Where the node at `path` is: its key if it is a mapping value (`when:`), else its start.
    /// A path the file does not have (a default) falls back to the nearest ancestor.
    pub(crate) fn of(&self, path: &Path) -> Option<LineColumn> {
        let mut path = path.clone();
        loop {
            if let Some(node) = self.get(&path) {
                return Some(node.key.unwrap_or(node.start).into());
            }
            if path.0.is_empty() {
                return None;
            }
            path = path.parent();
        }
    }

    /// Where the value at `path` starts (not its key).
    pub(crate) fn value_of(&self, path: &Path) -> Option<LineColumn> {
        self.get(path)
            .map(|n| n.start.into())
            .or_else(|| self.of(path))
    }

    /// Where the character at Rhai's `line`/`column` (1-based) of the expression `text`, read
    /// from the scalar at `path`, is in the file.
    ///
    /// YAML may fold lines, strip indentation and unescape quotes, but it never changes the
    /// order of the non-blank characters of a plain or block scalar, and quoting only adds
    /// characters. So the position is found by walking the scalar's source and the expression
    /// side by side over their non-blank characters. Where that cannot be done (a position
    /// past the text), the nearest known character or the node itself is given.
    pub(crate) fn in_expression(
        &self,
        source: &str,
        path: &Path,
        text: &str,
        line: usize,
        column: usize,
    ) -> Option<LineColumn> {
        let node = self.get(path)?;
        let fallback = LineColumn::from(node.start);
        // The number of non-blank characters before the target, and whether the target is one.
        let target = char_offset(text, line, column);
        let before = text
            .chars()
            .take(target)
            .filter(|c| !c.is_whitespace())
            .count();
        // A block scalar's node may start at its indicator (`|`, `>-`): skip that line then.
        let at_indicator = SourceWalker::at(source, node.start)
            .and_then(|mut w| w.next())
            .is_some_and(|(c, _)| c == '|' || c == '>');
        let skip_header =
            at_indicator && matches!(node.style, Some(ScalarStyle::Literal | ScalarStyle::Folded));
        let skip_quote = matches!(
            node.style,
            Some(ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
        );
        let mut wanted = text.chars().filter(|c| !c.is_whitespace());
        let mut matched = 0usize;
        let mut last = None;
        let walker = SourceWalker::at(source, node.start)?;
        let span = node.end.index().saturating_sub(node.start.index());
        let mut seen = 0usize;
        let mut in_header = skip_header;
        let mut quote_pending = skip_quote;
        let mut next_wanted = wanted.next();
        for (c, at) in walker {
            seen += 1;
            if seen > span {
                break;
            }
            if in_header {
                in_header = c != '\n';
                continue;
            }
            if quote_pending {
                quote_pending = false;
                continue;
            }
            let Some(w) = next_wanted else { break };
            if c == w {
                if matched == before {
                    return Some(at);
                }
                last = Some(at);
                matched += 1;
                next_wanted = wanted.next();
            }
        }
        // Past the last character (an unexpected end): just after the last one.
        Some(last.map_or(fallback, |l| LineColumn {
            line: l.line,
            column: l.column + 1,
        }))
    }
}

/// The char offset of 1-based `line`/`column` in `text` (clamped to its end).
fn char_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split('\n').enumerate() {
        let len = l.chars().count();
        if i + 1 == line {
            return offset + column.saturating_sub(1).min(len);
        }
        offset += len + 1;
    }
    text.chars().count()
}

/// The characters of the source from a marker on, with their 1-based line and column.
struct SourceWalker<'s> {
    chars: std::str::Chars<'s>,
    line: usize,
    column: usize,
}

impl<'s> SourceWalker<'s> {
    fn at(source: &'s str, start: Marker) -> Option<SourceWalker<'s>> {
        let line_start = source
            .split_inclusive('\n')
            .take(start.line().saturating_sub(1))
            .map(str::len)
            .sum::<usize>();
        let rest = source.get(line_start..)?;
        let mut chars = rest.chars();
        for _ in 0..start.col() {
            chars.next();
        }
        Some(SourceWalker {
            chars,
            line: start.line(),
            column: start.col() + 1,
        })
    }
}

impl Iterator for SourceWalker<'_> {
    type Item = (char, LineColumn);

    fn next(&mut self) -> Option<Self::Item> {
        let c = self.chars.next()?;
        let at = LineColumn {
            line: self.line,
            column: self.column,
        };
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some((c, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locate(yaml: &str, path: &Path, text: &str, line: usize, column: usize) -> (usize, usize) {
        let shape = super::super::yaml_guard::read(yaml, 10);
        let at = shape
            .positions
            .in_expression(yaml, path, text, line, column)
            .expect("node");
        (at.line, at.column)
    }

    #[test]
    fn nodes_are_found_by_path_not_by_text() {
        let yaml = "knockouts:\n  - id: foobar\n    when: a\n  - id: foo\n    when: b > 1\n";
        let shape = super::super::yaml_guard::read(yaml, 10);
        let p = Path::root().key("knockouts").index(1);
        assert_eq!(
            shape.positions.of(&p.key("id")),
            Some(LineColumn { line: 4, column: 5 })
        );
        assert_eq!(
            shape.positions.value_of(&p.key("id")),
            Some(LineColumn { line: 4, column: 9 })
        );
        // `b > 1`: the `>` is column 3 of the expression, column 13 of line 5.
        assert_eq!(locate(yaml, &p.key("when"), "b > 1", 1, 3), (5, 13));
    }

    #[test]
    fn block_and_quoted_scalars_map_back_to_the_file() {
        let yaml = "when: |\n  a > 1 &&\n    b < 2\nx: \"c == 'd'\"\ny: >-\n  e\n  && f\n";
        let root = Path::root();
        assert_eq!(
            locate(yaml, &root.key("when"), "a > 1 &&\n  b < 2\n", 2, 3),
            (3, 5)
        );
        assert_eq!(locate(yaml, &root.key("x"), "c == 'd'", 1, 6), (4, 10));
        assert_eq!(locate(yaml, &root.key("y"), "e && f", 1, 6), (7, 6));
        // Past the end: just after the last character.
        assert_eq!(locate(yaml, &root.key("y"), "e && f", 1, 7), (7, 7));
    }
}
