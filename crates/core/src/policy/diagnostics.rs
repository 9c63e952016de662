//! Collecting load diagnostics at the positions the parsers report.
//!
//! Every pass reports through [`Diagnostics`], naming the YAML node (a [`Path`]) and, inside an
//! expression, Rhai's position; this module turns both into the file's line and column. Loading
//! never stops at the first problem, but a file full of mistakes is cut off at
//! [`MAX_DIAGNOSTICS`].

use super::error::{echo, Diagnostic, DiagnosticKind};
use super::positions::{LineColumn, Path, Positions};

/// Most diagnostics reported for one file: nobody reads the thousandth.
pub(crate) const MAX_DIAGNOSTICS: usize = 100;

/// The diagnostics of one load.
pub(crate) struct Diagnostics<'s> {
    source: &'s str,
    positions: &'s Positions,
    list: Vec<Diagnostic>,
}

/// Where a diagnostic points.
#[derive(Debug, Clone, Copy)]
pub(crate) enum At<'p> {
    /// A node: its key when it is a mapping value (`when:`), else its start.
    Node(&'p Path),
    /// A token inside the expression `text` read from the scalar at `path`.
    Expression {
        path: &'p Path,
        text: &'p str,
        position: rhai::Position,
    },
    /// The whole file.
    File,
}

impl<'s> Diagnostics<'s> {
    pub(crate) fn new(source: &'s str, positions: &'s Positions) -> Self {
        Diagnostics {
            source,
            positions,
            list: Vec::new(),
        }
    }

    /// Whether nothing was reported.
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Whether the cap is reached (further reports are dropped).
    pub(crate) fn full(&self) -> bool {
        self.list.len() >= MAX_DIAGNOSTICS
    }

    /// Report a problem of `kind`, `message`, about `rule` at `at`.
    pub(crate) fn report(
        &mut self,
        kind: DiagnosticKind,
        at: At<'_>,
        rule: Option<&str>,
        message: impl Into<String>,
    ) {
        if self.full() {
            return;
        }
        if self.list.len() == MAX_DIAGNOSTICS - 1 {
            self.list.push(Diagnostic {
                kind: DiagnosticKind::Truncated,
                line: None,
                column: None,
                rule: None,
                message: format!("more than {MAX_DIAGNOSTICS} problems; the rest are not shown"),
            });
            return;
        }
        let place = self.place(at);
        self.list.push(
            Diagnostic {
                kind,
                line: place.map(|p| p.line),
                column: place.map(|p| p.column),
                rule: rule.map(echo),
                message: message.into(),
            }
            .capped(),
        );
    }

    fn place(&self, at: At<'_>) -> Option<LineColumn> {
        match at {
            At::Node(path) => self.positions.of(path),
            At::Expression {
                path,
                text,
                position,
            } => match (position.line(), position.position()) {
                (Some(line), Some(column)) => self
                    .positions
                    .in_expression(self.source, path, text, line, column)
                    .or_else(|| self.positions.value_of(path)),
                _ => self.positions.value_of(path),
            },
            At::File => None,
        }
    }

    /// Every diagnostic, in file order (those without a line last).
    pub(crate) fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.list
            .sort_by_key(|d| (d.line.unwrap_or(usize::MAX), d.column.unwrap_or(0)));
        self.list
    }
}
