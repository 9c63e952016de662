//! Pass 2, names: aliases, overrides and derived features become variables bound to
//! feature-vector slots, and every name an expression reads is resolved against them.
//!
//! A name the catalog's naming scheme knows but the phone catalog does not list gets a new
//! schema slot; anything else is an unknown feature, reported with the closest known name.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::diagnostics::{At, Diagnostics};
use super::error::DiagnosticKind;
use super::kyc::{KycFacts, KYC_FIELDS};
use super::positions::Path;
use super::program::{Source, Variable};
use super::spec::PolicySpec;
use crate::catalog::{self, SignalKind};
use crate::features::{Schema, Slot};

/// The policy's names and the variables expressions read.
pub(crate) struct Names {
    pub schema: Schema,
    aliases: BTreeMap<String, String>,
    derived: HashMap<String, usize>,
    overrides: HashMap<Slot, (Option<Decimal>, Option<Decimal>)>,
    pub vars: Vec<Variable>,
    var_index: HashMap<String, usize>,
}

fn features() -> Path {
    Path::root().key("features")
}

/// Declare the policy's aliases, derived features and overrides.
pub(crate) fn declare(spec: &PolicySpec, diags: &mut Diagnostics<'_>) -> Names {
    let mut names = Names {
        schema: Schema::phone_catalog(),
        aliases: BTreeMap::new(),
        derived: HashMap::new(),
        overrides: HashMap::new(),
        vars: Vec::new(),
        var_index: HashMap::new(),
    };
    names.declare_aliases(spec, diags);
    for (i, d) in spec.features.derived.iter().enumerate() {
        let at = features().key("derived").index(i).key("name");
        if names.derived.insert(d.name.clone(), i).is_some() {
            diags.report(
                DiagnosticKind::Structure,
                At::Node(&at),
                Some(&d.name),
                "derived feature defined twice",
            );
        }
        if names.aliases.contains_key(&d.name) || names.schema.slot(&d.name).is_some() {
            diags.report(
                DiagnosticKind::Name,
                At::Node(&at),
                Some(&d.name),
                "derived feature name shadows a signal or alias",
            );
        }
    }
    names.declare_overrides(spec, diags);
    for (i, d) in spec.features.derived.iter().enumerate() {
        if names.derived.get(&d.name) == Some(&i) {
            names.variable_for(&d.name, Source::Derived(i));
        }
    }
    names
}

impl Names {
    fn declare_aliases(&mut self, spec: &PolicySpec, diags: &mut Diagnostics<'_>) {
        for (alias, target) in &spec.features.aliases {
            let at = features().key("aliases").key(alias);
            if !is_identifier(alias) {
                diags.report(
                    DiagnosticKind::Name,
                    At::Node(&at),
                    Some(alias),
                    "an alias must be a plain identifier",
                );
                continue;
            }
            if self.schema.slot(target).is_none() {
                if catalog::kind_of(target).is_some() {
                    self.schema.add(target);
                } else {
                    let hint = self.suggest(target);
                    diags.report(
                        DiagnosticKind::Name,
                        At::Node(&at),
                        Some(alias),
                        format!("alias points to unknown signal `{target}`{hint}"),
                    );
                    continue;
                }
            }
            self.aliases.insert(alias.clone(), target.clone());
        }
    }

    fn declare_overrides(&mut self, spec: &PolicySpec, diags: &mut Diagnostics<'_>) {
        for (name, o) in &spec.features.overrides {
            let at = features().key("overrides").key(name);
            let target = self.aliases.get(name).unwrap_or(name);
            let Some(slot) = self.schema.slot(target) else {
                diags.report(
                    DiagnosticKind::Name,
                    At::Node(&at),
                    Some(name),
                    format!("override for unknown feature `{name}`"),
                );
                continue;
            };
            if o.never.is_some() && self.kind(slot) != Some(SignalKind::DaysSinceLast) {
                diags.report(
                    DiagnosticKind::Structure,
                    At::Node(&at),
                    Some(name),
                    "`never` applies only to days-since-last signals",
                );
            }
            if o.missing.is_none() && o.never.is_none() {
                diags.report(
                    DiagnosticKind::Structure,
                    At::Node(&at),
                    Some(name),
                    "override says neither `missing` nor `never`",
                );
            }
            self.overrides.insert(slot, (o.missing, o.never));
        }
    }

    /// The catalog kind of a slot's signal.
    pub(crate) fn kind(&self, slot: Slot) -> Option<SignalKind> {
        self.schema.def(slot).and_then(|d| d.kind)
    }

    /// The variable `name` reads, creating it on first use; `Err` is the message for an
    /// unknown name.
    pub(crate) fn resolve(&mut self, name: &str) -> Result<usize, String> {
        if let Some(&i) = self.var_index.get(name) {
            return Ok(i);
        }
        let target = self.aliases.get(name).map_or(name, String::as_str);
        let slot = match self.schema.slot(target) {
            Some(slot) => slot,
            None if catalog::kind_of(target).is_some() => self.schema.add(target),
            None => return Err(format!("unknown feature `{name}`{}", self.suggest(name))),
        };
        Ok(self.variable_for(name, Source::Feature(slot)))
    }

    /// The variable already bound to `name`, if any.
    pub(crate) fn get(&self, name: &str) -> Option<usize> {
        self.var_index.get(name).copied()
    }

    /// The index of KYC field `field`, or the message for an unknown one.
    pub(crate) fn kyc_field(field: &str) -> Result<usize, String> {
        KycFacts::index_of(field).ok_or_else(|| {
            format!(
                "unknown KYC field `kyc.{field}`; known: {}",
                KYC_FIELDS.join(", ")
            )
        })
    }

    fn variable_for(&mut self, name: &str, source: Source) -> usize {
        if let Some(&i) = self.var_index.get(name) {
            return i;
        }
        let (missing, never) = match source {
            Source::Feature(slot) => self.overrides.get(&slot).copied().unwrap_or((None, None)),
            Source::Derived(_) => (None, None),
        };
        let i = self.vars.len();
        self.vars.push(Variable {
            name: name.to_string(),
            source,
            missing,
            never,
        });
        self.var_index.insert(name.to_string(), i);
        i
    }

    fn suggest(&self, name: &str) -> String {
        let candidates = self
            .aliases
            .keys()
            .map(String::as_str)
            .chain(self.derived.keys().map(String::as_str))
            .chain(self.schema.defs().iter().map(|d| &*d.name));
        let len = name.chars().count();
        let best = candidates
            // The length difference bounds the distance from below: skip hopeless candidates
            // before paying for a table.
            .filter(|c| c.chars().count().abs_diff(len) <= 3)
            .map(|c| (edit_distance(name, c), c))
            .filter(|(d, _)| *d <= 3)
            .min();
        best.map_or_else(String::new, |(_, c)| format!(" (did you mean `{c}`?)"))
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Plain Levenshtein for "did you mean" hints (load time only, short names).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_is_levenshtein() {
        assert_eq!(edit_distance("overdue_30", "overdue_90"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
