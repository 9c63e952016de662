//! Turning a [`PolicySpec`] into a runnable [`Policy`]: resolve names, compile every expression
//! once, order derived features, and check everything that can be checked before a decision.
//!
//! Loading never stops at the first problem: every diagnostic is collected so `underwrite check`
//! can show them all at once.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rhai::{Dynamic, Engine, Map, Scope, AST};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::catalog::{self, SignalKind};
use crate::features::{Schema, Slot};

use super::decision::{Outcome, PolicyId, Reason};
use super::error::{echo, Diagnostic, LoadError};
use super::kyc::{KycFacts, KYC_FIELDS};
use super::native;
use super::sandbox::{self, MAX_EXPRESSION_LEN};
use super::scan::{self, Name};
use super::spec::{PolicySpec, ReasonSpec};
use super::Policy;
use super::{functions, yaml_guard};

/// Largest policy file accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 1024 * 1024;
/// Most rules, bins, derived features and tests together.
pub const MAX_ITEMS: usize = 2_000;
/// Most diagnostics reported for one file: past this, a hostile file full of mistakes would only
/// cost time (each one locates its line in the file), and nobody reads the thousandth.
const MAX_DIAGNOSTICS: usize = 100;

/// Where a variable's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A feature vector slot.
    Feature(Slot),
    /// A derived feature (index into `Policy::derived`).
    Derived(usize),
}

/// A name expressions use, resolved once at load.
#[derive(Debug, Clone)]
pub(crate) struct Variable {
    pub name: String,
    pub source: Source,
    pub missing: Option<Decimal>,
    pub never: Option<Decimal>,
}

/// What an expression reads, for its trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    Var(usize),
    Kyc(usize),
}

/// One compiled expression: the Rhai AST always, and the native tree when it is in the subset.
#[derive(Debug, Clone)]
pub(crate) struct CompiledExpr {
    pub ast: AST,
    pub native: Option<native::Expr>,
    pub reads: Vec<Read>,
}

impl CompiledExpr {
    /// Whether the expression reads any signal feature (as opposed to only `kyc.*`).
    pub fn reads_features(&self) -> bool {
        self.reads.iter().any(|r| matches!(r, Read::Var(_)))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Derived {
    pub name: String,
    pub var: usize,
    pub expr: CompiledExpr,
}

#[derive(Debug, Clone)]
pub(crate) struct Knockout {
    pub id: String,
    pub when: CompiledExpr,
    pub outcome: Outcome,
    pub reason: Reason,
}

#[derive(Debug, Clone)]
pub(crate) struct Bin {
    pub id: String,
    pub when: Option<CompiledExpr>,
    pub points: i64,
    pub reason: Option<Reason>,
}

#[derive(Debug, Clone)]
pub(crate) struct Characteristic {
    pub id: String,
    pub bins: Vec<Bin>,
    pub best: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Scorecard {
    pub base: i64,
    pub characteristics: Vec<Characteristic>,
    pub approve_at: i64,
    pub review_at: i64,
    pub max_reasons: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Fallback {
    pub outcome: Outcome,
    pub reason: Reason,
}

fn reason(spec: &ReasonSpec) -> Reason {
    Reason {
        code: spec.code.clone(),
        text: spec.text.clone(),
    }
}

/// Load a policy from the bytes of its file. The whole load runs under a panic guard (serde_yaml,
/// the YAML guard, the compiler); the finer guards inside name the rule when they can.
pub(crate) fn load(bytes: &[u8]) -> Result<Policy, LoadError> {
    catch_unwind(|| load_unguarded(bytes)).unwrap_or_else(|()| {
        Err(LoadError {
            diagnostics: vec![internal_diagnostic("loading the policy")],
        })
    })
}

fn load_unguarded(bytes: &[u8]) -> Result<Policy, LoadError> {
    let fail = |message: String| LoadError {
        diagnostics: vec![Diagnostic {
            line: None,
            column: None,
            rule: None,
            message,
        }
        .capped()],
    };
    if bytes.len() > MAX_POLICY_BYTES {
        return Err(fail(format!(
            "policy file is {} bytes; the limit is {MAX_POLICY_BYTES}",
            bytes.len()
        )));
    }
    let source =
        std::str::from_utf8(bytes).map_err(|e| fail(format!("policy file is not UTF-8: {e}")))?;
    // Anchors, aliases, nesting and duplicate keys, from the parser's events (see yaml_guard).
    let structure = yaml_guard::check(source, MAX_DIAGNOSTICS);
    if !structure.is_empty() {
        return Err(LoadError {
            diagnostics: structure.into_iter().map(Diagnostic::capped).collect(),
        });
    }
    let spec: PolicySpec = serde_yaml::from_str(source).map_err(|e| LoadError {
        diagnostics: vec![Diagnostic {
            line: e.location().map(|l| l.line()),
            column: e.location().map(|l| l.column()),
            rule: None,
            message: e.to_string(),
        }
        .capped()],
    })?;
    let hash = hex(&Sha256::digest(bytes));
    Compiler::new(source).compile(spec, hash)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Run `f`, turning a panic (a bug in underwrite, Rhai or the YAML parser) into `None`.
fn catch_unwind<T>(f: impl FnOnce() -> T) -> Result<T, ()> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| ())
}

/// The message for a panic caught while doing `what` (a bug, never the author's fault).
fn internal_message(what: &str) -> String {
    format!("internal error while {what} (a bug; please report it with the policy)")
}

fn internal_diagnostic(what: &str) -> Diagnostic {
    Diagnostic {
        line: None,
        column: None,
        rule: None,
        message: internal_message(what),
    }
}

struct Compiler<'s> {
    source: &'s str,
    diagnostics: Vec<Diagnostic>,
    engine: Engine,
    schema: Schema,
    aliases: BTreeMap<String, String>,
    derived_index: HashMap<String, usize>,
    overrides: HashMap<Slot, (Option<Decimal>, Option<Decimal>)>,
    vars: Vec<Variable>,
    var_index: HashMap<String, usize>,
}

impl<'s> Compiler<'s> {
    fn new(source: &'s str) -> Self {
        Compiler {
            source,
            diagnostics: Vec::new(),
            engine: sandbox::engine(),
            schema: Schema::phone_catalog(),
            aliases: BTreeMap::new(),
            derived_index: HashMap::new(),
            overrides: HashMap::new(),
            vars: Vec::new(),
            var_index: HashMap::new(),
        }
    }

    /// Record a problem at the line where `needle` (e.g. an expression) first appears at or
    /// after the line of `anchor` (e.g. `id: foo`), or where `anchor` appears.
    fn error_at(
        &mut self,
        rule: Option<&str>,
        anchor: Option<&str>,
        needle: Option<&str>,
        message: impl Into<String>,
    ) {
        if self.diagnostics.len() >= MAX_DIAGNOSTICS {
            return;
        }
        if self.diagnostics.len() == MAX_DIAGNOSTICS - 1 {
            self.diagnostics.push(Diagnostic {
                line: None,
                column: None,
                rule: None,
                message: format!("more than {MAX_DIAGNOSTICS} problems; the rest are not shown"),
            });
            return;
        }
        let lines: Vec<&str> = self.source.lines().collect();
        let anchor_line = anchor
            .and_then(|a| lines.iter().position(|l| l.contains(a)))
            .unwrap_or(0);
        let found = needle
            .and_then(|n| {
                lines
                    .iter()
                    .enumerate()
                    .skip(anchor_line)
                    .find_map(|(i, l)| l.find(n).map(|c| (i, c)))
            })
            .or_else(|| {
                anchor.and_then(|a| {
                    lines
                        .iter()
                        .enumerate()
                        .find_map(|(i, l)| l.find(a).map(|c| (i, c)))
                })
            });
        self.diagnostics.push(
            Diagnostic {
                line: found.map(|(l, _)| l + 1),
                column: found.map(|(_, c)| c + 1),
                rule: rule.map(echo),
                message: message.into(),
            }
            .capped(),
        );
    }

    /// Record a problem at the line where `anchor` (e.g. `id: foo`) first appears.
    fn error(&mut self, rule: Option<&str>, anchor: Option<&str>, message: impl Into<String>) {
        self.error_at(rule, anchor, None, message);
    }

    fn compile(mut self, spec: PolicySpec, hash: String) -> Result<Policy, LoadError> {
        let item_count = spec.knockouts.len()
            + spec.features.derived.len()
            + spec.tests.len()
            + spec.scorecard.as_ref().map_or(0, |s| {
                s.characteristics.iter().map(|c| c.bins.len() + 1).sum()
            });
        if item_count > MAX_ITEMS {
            self.error(
                None,
                None,
                format!("policy has {item_count} rules, bins and tests; the limit is {MAX_ITEMS}"),
            );
            return Err(LoadError {
                diagnostics: self.diagnostics,
            });
        }
        self.check_metadata(&spec);
        self.resolve_aliases(&spec);
        for (i, d) in spec.features.derived.iter().enumerate() {
            if self.derived_index.insert(d.name.clone(), i).is_some() {
                self.error(
                    Some(&d.name),
                    Some(&format!("name: {}", d.name)),
                    "derived feature defined twice",
                );
            }
            if self.aliases.contains_key(&d.name) || self.schema.slot(&d.name).is_some() {
                self.error(
                    Some(&d.name),
                    Some(&format!("name: {}", d.name)),
                    "derived feature name shadows a signal or alias",
                );
            }
        }
        self.resolve_overrides(&spec);

        // Pass 1: every name every expression reads becomes a variable.
        let mut sources: Vec<(String, String, &str)> = Vec::new();
        for d in &spec.features.derived {
            sources.push((d.name.clone(), format!("name: {}", d.name), &d.expr));
        }
        for k in &spec.knockouts {
            sources.push((k.id.clone(), format!("id: {}", k.id), &k.when));
        }
        if let Some(sc) = &spec.scorecard {
            for c in &sc.characteristics {
                for (i, b) in c.bins.iter().enumerate() {
                    if let Some(w) = &b.when {
                        sources.push((format!("{}#{}", c.id, i + 1), format!("id: {}", c.id), w));
                    }
                }
            }
        }
        for (rule, anchor, src) in &sources {
            self.declare_names(rule, anchor, src);
        }
        for (name, &i) in &self.derived_index.clone() {
            self.variable_for(name, Source::Derived(i));
        }

        let compile_scope = self.compile_scope();
        let probe_scope = self.probe_scope();

        // Pass 2: compile.
        let mut derived = Vec::new();
        for d in &spec.features.derived {
            let needle = format!("name: {}", d.name);
            if let Some(expr) = self.compile_expr(&d.name, &needle, &d.expr, &compile_scope) {
                let var = self.var_index.get(&d.name).copied().unwrap_or(usize::MAX);
                derived.push(Derived {
                    name: d.name.clone(),
                    var,
                    expr,
                });
            }
        }
        let derived = self.order_derived(derived);

        let mut knockouts = Vec::new();
        let mut seen_ids: HashMap<String, ()> = HashMap::new();
        for k in &spec.knockouts {
            let needle = format!("id: {}", k.id);
            if seen_ids.insert(k.id.clone(), ()).is_some() {
                self.error(Some(&k.id), Some(&needle), "rule id used twice");
            }
            if k.outcome == Outcome::Approve {
                self.error(
                    Some(&k.id),
                    Some(&needle),
                    "a knock-out's outcome must be `reject` or `review`",
                );
            }
            self.check_reason(&k.id, &needle, &k.reason);
            if let Some(when) = self.compile_expr(&k.id, &needle, &k.when, &compile_scope) {
                knockouts.push(Knockout {
                    id: k.id.clone(),
                    when,
                    outcome: k.outcome,
                    reason: reason(&k.reason),
                });
            }
        }

        let scorecard = spec
            .scorecard
            .as_ref()
            .map(|sc| self.compile_scorecard(sc, &compile_scope));
        self.probe_all(&derived, &knockouts, scorecard.as_ref(), probe_scope);

        let fallback = |f: &Option<super::spec::FallbackSpec>, code: &str, text: &str| {
            f.as_ref().map_or_else(
                || Fallback {
                    outcome: Outcome::Review,
                    reason: Reason {
                        code: code.into(),
                        text: text.into(),
                    },
                },
                |f| Fallback {
                    outcome: f.outcome,
                    reason: reason(&f.reason),
                },
            )
        };
        let unavailable = fallback(
            &spec.signals_unavailable,
            "SIGNALS_UNAVAILABLE",
            "Risk signals were unavailable; the application needs a manual review",
        );
        if unavailable.outcome == Outcome::Approve {
            self.error(
                Some("signals_unavailable"),
                Some("signals_unavailable:"),
                "unavailable signals must never approve; use `review` or `reject`",
            );
        }
        let no_data = fallback(
            &spec.no_data,
            "NO_DATA",
            "No risk signals exist for this applicant (thin file)",
        );
        for t in &spec.tests {
            if t.name.trim().is_empty() {
                self.error(None, Some("tests:"), "a test needs a name");
            }
        }

        if !self.diagnostics.is_empty() {
            self.diagnostics
                .sort_by_key(|d| d.line.unwrap_or(usize::MAX));
            return Err(LoadError {
                diagnostics: self.diagnostics,
            });
        }
        Ok(Policy {
            id: Arc::new(PolicyId {
                name: spec.name.clone(),
                version: spec.version.clone(),
                hash,
            }),
            description: spec.description.clone(),
            owner: spec.owner.clone(),
            schema: Arc::new(self.schema),
            engine: self.engine,
            vars: self.vars,
            derived,
            knockouts,
            scorecard,
            unavailable,
            no_data,
            tests: spec.tests,
        })
    }

    fn check_metadata(&mut self, spec: &PolicySpec) {
        if spec.name.trim().is_empty() {
            self.error(None, Some("name:"), "the policy needs a name");
        }
        if spec.version.trim().is_empty() {
            self.error(None, Some("version:"), "the policy needs a version");
        }
    }

    fn check_reason(&mut self, rule: &str, needle: &str, r: &ReasonSpec) {
        if r.code.trim().is_empty() || r.text.trim().is_empty() {
            self.error(Some(rule), Some(needle), "a reason needs a code and a text");
        }
    }

    fn resolve_aliases(&mut self, spec: &PolicySpec) {
        for (alias, target) in &spec.features.aliases {
            let needle = format!("{alias}:");
            if !is_identifier(alias) {
                self.error(
                    Some(alias),
                    Some(&needle),
                    "an alias must be a plain identifier",
                );
                continue;
            }
            if self.schema.slot(target).is_none() {
                if catalog::kind_of(target).is_some() {
                    self.schema.add(target);
                } else {
                    let hint = self.suggest(target);
                    self.error(
                        Some(alias),
                        Some(&needle),
                        format!("alias points to unknown signal `{target}`{hint}"),
                    );
                    continue;
                }
            }
            self.aliases.insert(alias.clone(), target.clone());
        }
    }

    fn resolve_overrides(&mut self, spec: &PolicySpec) {
        for (name, o) in &spec.features.overrides {
            let needle = format!("{name}:");
            let target = self
                .aliases
                .get(name)
                .cloned()
                .unwrap_or_else(|| name.clone());
            let Some(slot) = self.schema.slot(&target) else {
                self.error(
                    Some(name),
                    Some(&needle),
                    format!("override for unknown feature `{name}`"),
                );
                continue;
            };
            let kind = self.schema.def(slot).and_then(|d| d.kind);
            if o.never.is_some() && kind != Some(SignalKind::DaysSinceLast) {
                self.error(
                    Some(name),
                    Some(&needle),
                    "`never` applies only to days-since-last signals",
                );
            }
            if o.missing.is_none() && o.never.is_none() {
                self.error(
                    Some(name),
                    Some(&needle),
                    "override says neither `missing` nor `never`",
                );
            }
            self.overrides.insert(slot, (o.missing, o.never));
        }
    }

    fn suggest(&self, name: &str) -> String {
        let candidates = self
            .aliases
            .keys()
            .map(String::as_str)
            .chain(self.derived_index.keys().map(String::as_str))
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

    fn declare_names(&mut self, rule: &str, anchor: &str, src: &str) {
        let first_line = src.lines().next().unwrap_or(src);
        for name in scan::names(src) {
            match name {
                Name::Kyc(field) => {
                    if KycFacts::index_of(&field).is_none() {
                        self.error_at(
                            Some(rule),
                            Some(anchor),
                            Some(first_line),
                            format!(
                                "unknown KYC field `kyc.{field}`; known: {}",
                                KYC_FIELDS.join(", ")
                            ),
                        );
                    }
                }
                Name::Feature(name) => {
                    if name == "kyc" {
                        continue;
                    }
                    if self.var_index.contains_key(&name) || self.derived_index.contains_key(&name)
                    {
                        continue;
                    }
                    let target = self
                        .aliases
                        .get(&name)
                        .cloned()
                        .unwrap_or_else(|| name.clone());
                    let slot = match self.schema.slot(&target) {
                        Some(slot) => Some(slot),
                        None if catalog::kind_of(&target).is_some() => {
                            Some(self.schema.add(&target))
                        }
                        None => None,
                    };
                    match slot {
                        Some(slot) => {
                            self.variable_for(&name, Source::Feature(slot));
                        }
                        None if self.diagnostics.len() >= MAX_DIAGNOSTICS => {}
                        None => {
                            let hint = self.suggest(&name);
                            self.error_at(
                                Some(rule),
                                Some(anchor),
                                Some(first_line),
                                format!("unknown feature `{name}`{hint}"),
                            );
                        }
                    }
                }
            }
        }
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

    fn compile_scope(&self) -> Scope<'static> {
        let mut scope = Scope::new();
        for v in &self.vars {
            scope.push_dynamic(v.name.clone(), Dynamic::UNIT);
        }
        scope.push("kyc", Map::new());
        scope
    }

    fn probe_scope(&self) -> Scope<'static> {
        let mut scope = Scope::new();
        for v in &self.vars {
            scope.push(v.name.clone(), Decimal::ONE);
        }
        let mut kyc = Map::new();
        for f in KYC_FIELDS {
            kyc.insert(f.into(), Dynamic::from("Exact Match".to_string()));
        }
        kyc.insert("provided".into(), Dynamic::from(true));
        scope.push("kyc", kyc);
        scope
    }

    fn compile_expr(
        &mut self,
        rule: &str,
        needle: &str,
        src: &str,
        scope: &Scope<'static>,
    ) -> Option<CompiledExpr> {
        if src.len() > MAX_EXPRESSION_LEN {
            self.error(
                Some(rule),
                Some(needle),
                format!(
                    "expression is {} bytes; the limit is {MAX_EXPRESSION_LEN}",
                    src.len()
                ),
            );
            return None;
        }
        if src.trim().is_empty() {
            self.error(Some(rule), Some(needle), "empty expression");
            return None;
        }
        let compiled = catch_unwind(|| self.engine.compile_expression_with_scope(scope, src));
        let ast = match compiled {
            Err(()) => {
                self.error(
                    Some(rule),
                    Some(needle),
                    internal_message("compiling this expression"),
                );
                return None;
            }
            Ok(Ok(ast)) => ast,
            Ok(Err(e)) => {
                if !self
                    .diagnostics
                    .iter()
                    .any(|d| d.rule.as_deref() == Some(rule))
                {
                    let first_line = src.lines().next().unwrap_or(src);
                    self.error_at(
                        Some(rule),
                        Some(needle),
                        Some(first_line),
                        format!("expression `{}`: {e}", echo(src)),
                    );
                }
                return None;
            }
        };
        let disallowed = functions::disallowed_calls(&ast);
        if !disallowed.is_empty() {
            let first_line = src.lines().next().unwrap_or(src);
            for message in disallowed {
                self.error_at(Some(rule), Some(needle), Some(first_line), message);
            }
            return None;
        }
        let reads = scan::names(src)
            .into_iter()
            .filter_map(|n| match n {
                Name::Feature(f) => self.var_index.get(&f).map(|&i| Read::Var(i)),
                Name::Kyc(f) => KycFacts::index_of(&f).map(Read::Kyc),
            })
            .collect();
        let native = native::parse(src, &NameResolver(&self.var_index));
        Some(CompiledExpr { ast, native, reads })
    }

    /// Run every expression once on made-up values (every feature 1, every KYC field
    /// "Exact Match") to catch type errors at load: a condition that yields a number, or a
    /// derived feature that yields a string. Derived features run first, in order, so the
    /// conditions that read them see a value of the right type.
    fn probe_all(
        &mut self,
        derived: &[Derived],
        knockouts: &[Knockout],
        scorecard: Option<&Scorecard>,
        mut scope: Scope<'static>,
    ) {
        for d in derived {
            let anchor = format!("name: {}", d.name);
            let value = self.probe(&d.name, &anchor, &d.expr, &mut scope, false);
            scope.set_value(d.name.clone(), value.unwrap_or(Dynamic::UNIT));
        }
        for k in knockouts {
            self.probe(&k.id, &format!("id: {}", k.id), &k.when, &mut scope, true);
        }
        for c in scorecard.map_or(&[][..], |s| s.characteristics.as_slice()) {
            for b in &c.bins {
                if let Some(when) = &b.when {
                    self.probe(&b.id, &format!("id: {}", c.id), when, &mut scope, true);
                }
            }
        }
    }

    fn probe(
        &mut self,
        rule: &str,
        anchor: &str,
        expr: &CompiledExpr,
        scope: &mut Scope<'static>,
        condition: bool,
    ) -> Option<Dynamic> {
        // A run-time failure on made-up values proves nothing; a panic is a bug, reported.
        let run = catch_unwind(|| self.engine.eval_ast_with_scope::<Dynamic>(scope, &expr.ast));
        let value = match run {
            Ok(result) => result.ok()?,
            Err(()) => {
                self.error(
                    Some(rule),
                    Some(anchor),
                    internal_message("checking this expression"),
                );
                return None;
            }
        };
        if condition && !(value.is_bool() || value.is_unit()) {
            self.error(
                Some(rule),
                Some(anchor),
                format!(
                    "`when` must be true or false, but it gives a {}",
                    value.type_name()
                ),
            );
        }
        let number_or_bool =
            value.is_bool() || value.is_decimal() || value.is_int() || value.is_unit();
        if !condition && !number_or_bool {
            self.error(
                Some(rule),
                Some(anchor),
                format!(
                    "a derived feature must be a number or true/false, not a {}",
                    value.type_name()
                ),
            );
        }
        Some(value)
    }

    /// Order derived features so each comes after the ones it reads; a cycle is an error.
    fn order_derived(&mut self, derived: Vec<Derived>) -> Vec<Derived> {
        let var_to_derived: HashMap<usize, usize> = derived
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
                        Read::Var(v) => var_to_derived.get(v).copied(),
                        Read::Kyc(_) => None,
                    })
                    .collect()
            })
            .collect();
        // 0 = unvisited, 1 = in progress, 2 = done
        let mut state = vec![0u8; derived.len()];
        let mut order = Vec::with_capacity(derived.len());
        let mut cycle: Option<String> = None;
        fn visit(
            i: usize,
            deps: &[Vec<usize>],
            state: &mut [u8],
            order: &mut Vec<usize>,
            cycle: &mut Option<String>,
            names: &[String],
        ) {
            match state.get(i) {
                Some(2) | None => return,
                Some(1) => {
                    if cycle.is_none() {
                        *cycle = names.get(i).cloned();
                    }
                    return;
                }
                _ => {}
            }
            if let Some(s) = state.get_mut(i) {
                *s = 1;
            }
            for &d in deps.get(i).map_or(&[][..], Vec::as_slice) {
                visit(d, deps, state, order, cycle, names);
            }
            if let Some(s) = state.get_mut(i) {
                *s = 2;
            }
            order.push(i);
        }
        let names: Vec<String> = derived.iter().map(|d| d.name.clone()).collect();
        for i in 0..derived.len() {
            visit(i, &deps, &mut state, &mut order, &mut cycle, &names);
        }
        if let Some(name) = cycle {
            self.error(
                Some(&name),
                Some(&format!("name: {name}")),
                "derived features depend on each other in a cycle",
            );
        }
        let mut slots: Vec<Option<Derived>> = derived.into_iter().map(Some).collect();
        order
            .into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take))
            .collect()
    }

    fn compile_scorecard(
        &mut self,
        sc: &super::spec::ScorecardSpec,
        compile_scope: &Scope<'static>,
    ) -> Scorecard {
        if sc.cutoffs.approve < sc.cutoffs.review {
            self.error(
                Some("cutoffs"),
                Some("cutoffs:"),
                "the approve cut-off must not be below the review cut-off",
            );
        }
        let max_reasons = sc.max_reasons.unwrap_or(4);
        if !(1..=4).contains(&max_reasons) {
            self.error(
                Some("max_reasons"),
                Some("max_reasons:"),
                "max_reasons must be 1 to 4",
            );
        }
        if sc.characteristics.is_empty() {
            self.error(
                Some("scorecard"),
                Some("scorecard:"),
                "a scorecard needs characteristics",
            );
        }
        let mut characteristics = Vec::new();
        let mut ids = HashMap::new();
        for c in &sc.characteristics {
            let needle = format!("id: {}", c.id);
            if ids.insert(c.id.clone(), ()).is_some() {
                self.error(Some(&c.id), Some(&needle), "characteristic id used twice");
            }
            if c.bins.is_empty() {
                self.error(Some(&c.id), Some(&needle), "a characteristic needs bins");
                continue;
            }
            let best = c.bins.iter().map(|b| b.points).max().unwrap_or(0);
            if let Some(r) = &c.reason {
                self.check_reason(&c.id, &needle, r);
            }
            let mut bins = Vec::new();
            let last = c.bins.len() - 1;
            for (i, b) in c.bins.iter().enumerate() {
                let bin_id = format!("{}#{}", c.id, i + 1);
                if b.when.is_none() && i != last {
                    self.error(
                        Some(&bin_id),
                        Some(&needle),
                        "only the last bin may leave out `when` (it matches everything)",
                    );
                }
                let bin_reason = b.reason.as_ref().or(c.reason.as_ref());
                if b.points < best && bin_reason.is_none() {
                    self.error(
                        Some(&bin_id),
                        Some(&needle),
                        "a bin below the best needs a reason (on the bin or the characteristic)",
                    );
                }
                if let Some(r) = &b.reason {
                    self.check_reason(&bin_id, &needle, r);
                }
                let when = match &b.when {
                    Some(src) => self.compile_expr(&bin_id, &needle, src, compile_scope),
                    None => None,
                };
                bins.push(Bin {
                    id: bin_id,
                    when,
                    points: b.points,
                    reason: bin_reason.map(reason),
                });
            }
            characteristics.push(Characteristic {
                id: c.id.clone(),
                bins,
                best,
            });
        }
        Scorecard {
            base: sc.base,
            characteristics,
            approve_at: sc.cutoffs.approve,
            review_at: sc.cutoffs.review,
            max_reasons: max_reasons.clamp(1, 4),
        }
    }
}

struct NameResolver<'a>(&'a HashMap<String, usize>);

impl native::Resolver for NameResolver<'_> {
    fn var(&self, name: &str) -> Option<usize> {
        self.0.get(name).copied()
    }
    fn kyc_field(&self, field: &str) -> Option<usize> {
        KycFacts::index_of(field)
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
