//! Turning a policy file into a [`Program`], in passes that run in data-flow order:
//!
//! 1. [`source`](super::source): bytes → [`PolicySpec`] and node positions;
//! 2. [`resolve`](super::resolve): aliases, overrides and derived names → variables and slots;
//! 3. here: each expression parsed once by Rhai ([`super::expr`]), its names resolved, lowered
//!    to the native tree where it can be;
//! 4. [`order`](super::order): derived features sorted so each follows what it reads;
//! 5. [`typecheck`](super::typecheck): missing / never / band values used without handling,
//!    whole-number division, and a probe run of every expression;
//! 6. [`validate`](super::validate): the structure (ids, outcomes, reasons, bins, cut-offs).
//!
//! Every pass reports into one [`Diagnostics`] and loading never stops at the first problem,
//! so `underwrite check` shows them all at once.

use rhai::Engine;

use super::decision::{Outcome, Reason};
use super::diagnostics::{At, Diagnostics};
use super::error::{Diagnostic, DiagnosticKind, LoadError};
use super::expr::{self, lower, Name};
use super::positions::Path;
use super::program::{
    Bin, Characteristic, CompiledExpr, Derived, Fallback, Knockout, Program, Read, Scorecard,
};
use super::resolve::{self, Names};
use super::spec::{FallbackSpec, PolicySpec, ReasonSpec, ScorecardSpec};
use super::{order, sandbox, source, typecheck, validate};
use super::{Policy, PolicyId};

/// Load a policy from the bytes of its file. The whole load runs under a panic guard (serde_yaml,
/// the YAML pass, Rhai's parser, the compiler): a panic is a bug, reported, never a crash.
pub(crate) fn load(bytes: &[u8]) -> Result<Policy, LoadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load_unguarded(bytes))).unwrap_or_else(
        |_| {
            Err(LoadError {
                diagnostics: vec![Diagnostic {
                    kind: DiagnosticKind::Internal,
                    line: None,
                    column: None,
                    rule: None,
                    message: "internal error while loading the policy (a bug; please report it \
                              with the policy)"
                        .into(),
                }],
            })
        },
    )
}

fn load_unguarded(bytes: &[u8]) -> Result<Policy, LoadError> {
    let file = source::read(bytes)?;
    let spec = &file.spec;
    let mut diags = Diagnostics::new(file.text, &file.positions);
    if validate::too_many_items(spec, &mut diags) {
        return Err(LoadError {
            diagnostics: diags.into_sorted(),
        });
    }
    let mut names = resolve::declare(spec, &mut diags);
    let mut expressions = Expressions {
        parser: sandbox::parser(),
        names: &mut names,
    };
    let derived = expressions.derived(spec, &mut diags);
    let knockouts = expressions.knockouts(spec, &mut diags);
    let scorecard = spec
        .scorecard
        .as_ref()
        .map(|sc| expressions.scorecard(sc, &mut diags));
    let derived = order::derived(derived, &mut diags);
    let engine = sandbox::engine();
    typecheck::check(
        spec,
        &engine,
        &names,
        &derived,
        &knockouts,
        scorecard.as_ref(),
        &mut diags,
    );
    validate::structure(spec, &mut diags);
    if !diags.is_empty() {
        return Err(LoadError {
            diagnostics: diags.into_sorted(),
        });
    }
    let program = Program {
        engine,
        vars: names.vars,
        derived,
        knockouts,
        scorecard,
        unavailable: fallback(
            spec.signals_unavailable.as_ref(),
            "SIGNALS_UNAVAILABLE",
            "Risk signals were unavailable; the application needs a manual review",
        ),
        no_data: fallback(
            spec.no_data.as_ref(),
            "NO_DATA",
            "No risk signals exist for this applicant (thin file)",
        ),
    };
    Ok(Policy {
        id: std::sync::Arc::new(PolicyId {
            name: spec.name.clone(),
            version: spec.version.clone(),
            hash: file.hash,
        }),
        description: spec.description.clone(),
        owner: spec.owner.clone(),
        schema: std::sync::Arc::new(names.schema),
        program,
        tests: file.spec.tests,
    })
}

fn reason(spec: &ReasonSpec) -> Reason {
    Reason {
        code: spec.code.clone(),
        text: spec.text.clone(),
    }
}

fn fallback(spec: Option<&FallbackSpec>, code: &str, text: &str) -> Fallback {
    spec.map_or_else(
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
}

/// Pass 3: every expression parsed, resolved and lowered.
struct Expressions<'n> {
    parser: Engine,
    names: &'n mut Names,
}

/// Lowering resolves through the variables pass 3 has bound.
impl lower::Resolve for Names {
    fn var(&self, name: &str) -> Option<usize> {
        self.get(name)
    }
    fn kyc_field(&self, field: &str) -> Option<usize> {
        Names::kyc_field(field).ok()
    }
}

impl Expressions<'_> {
    /// Compile the expression `src` found at `path` for `rule`.
    fn compile(
        &mut self,
        path: &Path,
        rule: &str,
        src: &str,
        diags: &mut Diagnostics<'_>,
    ) -> Option<CompiledExpr> {
        let at = |position| At::Expression {
            path,
            text: src,
            position,
        };
        let parsed = match expr::parse(&self.parser, src) {
            Ok(parsed) => parsed,
            Err(problems) => {
                for p in problems {
                    diags.report(p.kind, at(p.position), Some(rule), p.message);
                }
                return None;
            }
        };
        let mut reads = Vec::new();
        let mut ok = true;
        for used in &parsed.names {
            let read = match &used.name {
                Name::Feature(name) => self.names.resolve(name).map(Read::Var),
                Name::Kyc(field) => Names::kyc_field(field).map(Read::Kyc),
                Name::KycWhole => Err("read KYC facts one at a time, as `kyc.<field>`".into()),
            };
            match read {
                Ok(read) => reads.push(read),
                Err(message) => {
                    ok = false;
                    diags.report(DiagnosticKind::Name, at(used.position), Some(rule), message);
                }
            }
        }
        if !ok {
            return None;
        }
        let native = lower::lower(&parsed.ast, &*self.names);
        Some(CompiledExpr {
            ast: parsed.ast,
            native,
            reads,
        })
    }

    fn derived(&mut self, spec: &PolicySpec, diags: &mut Diagnostics<'_>) -> Vec<Derived> {
        let mut out = Vec::new();
        for (i, d) in spec.features.derived.iter().enumerate() {
            let path = Path::root()
                .key("features")
                .key("derived")
                .index(i)
                .key("expr");
            let Some(expr) = self.compile(&path, &d.name, &d.expr, diags) else {
                continue;
            };
            if let Some(var) = self.names.get(&d.name) {
                out.push(Derived {
                    name: d.name.clone(),
                    index: i,
                    var,
                    expr,
                });
            }
        }
        out
    }

    fn knockouts(&mut self, spec: &PolicySpec, diags: &mut Diagnostics<'_>) -> Vec<Knockout> {
        let mut out = Vec::new();
        for (i, k) in spec.knockouts.iter().enumerate() {
            let path = Path::root().key("knockouts").index(i).key("when");
            if let Some(when) = self.compile(&path, &k.id, &k.when, diags) {
                out.push(Knockout {
                    id: k.id.clone(),
                    index: i,
                    when,
                    outcome: k.outcome,
                    reason: reason(&k.reason),
                });
            }
        }
        out
    }

    fn scorecard(&mut self, sc: &ScorecardSpec, diags: &mut Diagnostics<'_>) -> Scorecard {
        let mut characteristics = Vec::new();
        for (ci, c) in sc.characteristics.iter().enumerate() {
            let best = c.bins.iter().map(|b| b.points).max().unwrap_or(0);
            let mut bins = Vec::new();
            for (bi, b) in c.bins.iter().enumerate() {
                let id = format!("{}#{}", c.id, bi + 1);
                let path = Path::root()
                    .key("scorecard")
                    .key("characteristics")
                    .index(ci)
                    .key("bins")
                    .index(bi)
                    .key("when");
                let when = b
                    .when
                    .as_ref()
                    .and_then(|src| self.compile(&path, &id, src, diags));
                bins.push(Bin {
                    id,
                    when,
                    points: b.points,
                    reason: b.reason.as_ref().or(c.reason.as_ref()).map(reason),
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
            max_reasons: sc.max_reasons.unwrap_or(4).clamp(1, 4),
        }
    }
}
