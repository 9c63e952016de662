//! Pass 4, ordering: derived features sorted so each comes after the ones it reads (a
//! depth-first topological sort); a cycle is a load error at the first feature found on it.

use std::collections::HashMap;

use super::diagnostics::{At, Diagnostics};
use super::error::DiagnosticKind;
use super::positions::Path;
use super::program::{Derived, Read};

/// Where a derived feature is in its depth-first visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visit {
    Unvisited,
    InProgress,
    Done,
}

/// `derived` in dependency order.
pub(crate) fn derived(derived: Vec<Derived>, diags: &mut Diagnostics<'_>) -> Vec<Derived> {
    let by_var: HashMap<usize, usize> = derived
        .iter()
        .enumerate()
        .map(|(i, d)| (d.var, i))
        .collect();
    let deps: Vec<Vec<usize>> = derived
        .iter()
        .map(|d| {
            d.expr
                .reads
                .iter()
                .filter_map(|r| match r {
                    Read::Var(v) => by_var.get(v).copied(),
                    Read::Kyc(_) => None,
                })
                .collect()
        })
        .collect();
    let mut sort = Sort {
        deps: &deps,
        state: vec![Visit::Unvisited; derived.len()],
        order: Vec::with_capacity(derived.len()),
        cycle: None,
    };
    for i in 0..derived.len() {
        sort.visit(i);
    }
    if let Some(d) = sort.cycle.and_then(|i| derived.get(i)) {
        let at = Path::root()
            .key("features")
            .key("derived")
            .index(d.index)
            .key("name");
        diags.report(
            DiagnosticKind::Cycle,
            At::Node(&at),
            Some(&d.name),
            "derived features depend on each other in a cycle",
        );
    }
    let order = sort.order;
    let mut slots: Vec<Option<Derived>> = derived.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

struct Sort<'d> {
    deps: &'d [Vec<usize>],
    state: Vec<Visit>,
    order: Vec<usize>,
    cycle: Option<usize>,
}

impl Sort<'_> {
    fn visit(&mut self, i: usize) {
        match self.state.get(i) {
            Some(Visit::Done) | None => return,
            Some(Visit::InProgress) => {
                self.cycle.get_or_insert(i);
                return;
            }
            Some(Visit::Unvisited) => {}
        }
        if let Some(s) = self.state.get_mut(i) {
            *s = Visit::InProgress;
        }
        for &d in self.deps.get(i).map_or(&[][..], Vec::as_slice) {
            self.visit(d);
        }
        if let Some(s) = self.state.get_mut(i) {
            *s = Visit::Done;
        }
        self.order.push(i);
    }
}
