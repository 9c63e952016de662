//! What `underwrite test` prints: lines for people, or one JSON document for CI.
//!
//! Text: `ok   FILE: TEST` or `FAIL FILE: TEST` and one indented line per failure; with coverage,
//! `coverage FILE: P % (covered of items: ...)` and one indented line per item not covered; a
//! `FAIL FILE: coverage ...` line for a policy below `--min-coverage`; last, `N passed, N failed`.
//! Lines are written as each policy finishes, escaped for the terminal ([`print_line`]).
//!
//! JSON (written once, at the end, through [`print_json`]):
//!
//! ```text
//! { "policies": [ { "file", "policy": {name, version, hash}, "tests": [ { "name", "passed",
//!     "failures": [ {"kind", "message", ...} ], "decision": {decision, score, reasons} } ],
//!     "passed", "failed", "coverage": {...} } | { "file", "error" } ],
//!   "passed", "failed", "min_coverage", "below_min_coverage": [FILE...] }
//! ```
//!
//! `coverage` only with `--coverage` / `--min-coverage`, `min_coverage` and `below_min_coverage`
//! only with `--min-coverage`. docs/policy-guide.md ("Test coverage") documents every key.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;
use underwrite_core::policy::coverage::{CoverageItem, Status, Target};
use underwrite_core::policy::{Coverage, Outcome, PolicyId, TestFailure, TestReport};

use super::{Format, PolicyRun, Tested};
use crate::error::CliError;
use crate::output::{print_json, print_line};

/// Collects results as policies finish and prints them in the chosen format.
pub(crate) struct Output {
    format: Format,
    min: Option<Decimal>,
    passed: usize,
    failed: usize,
    /// Files whose coverage is below `--min-coverage`.
    below: Vec<String>,
    /// The JSON format's policies, printed at the end.
    policies: Vec<PolicyJson>,
}

impl Output {
    /// Start a run.
    pub fn new(format: Format, min: Option<Decimal>) -> Output {
        Output {
            format,
            min,
            passed: 0,
            failed: 0,
            below: Vec::new(),
            policies: Vec::new(),
        }
    }

    /// One policy's results: printed now (text) or kept for the document (JSON).
    pub fn policy(&mut self, run: PolicyRun) -> Result<(), CliError> {
        let (passed, failed) = run.counts();
        self.passed += passed;
        self.failed += failed;
        let below = run.below(self.min);
        let file = run.file.display().to_string();
        if below {
            self.below.push(file.clone());
        }
        match self.format {
            Format::Text => self.text(&file, &run, below),
            Format::Json => {
                self.policies
                    .push(PolicyJson::new(file, run, passed, failed));
                Ok(())
            }
        }
    }

    fn text(&self, file: &str, run: &PolicyRun, below: bool) -> Result<(), CliError> {
        let tested = match &run.outcome {
            Err(message) => {
                return print_line(&format!("FAIL {file}: policy does not load: {message}"))
            }
            Ok(tested) => tested,
        };
        for report in &tested.reports {
            if report.passed() {
                print_line(&format!("ok   {file}: {}", report.name))?;
            } else {
                print_line(&format!("FAIL {file}: {}", report.name))?;
                for f in &report.failures {
                    print_line(&format!("       {f}"))?;
                }
            }
        }
        if let Some(c) = &tested.coverage {
            print_line(&format!("coverage {file}: {}", summary(c)))?;
            for item in c.uncovered() {
                print_line(&format!("       {}", describe(item)))?;
            }
            if let (true, Some(min)) = (below, self.min) {
                print_line(&format!(
                    "FAIL {file}: coverage {:.1} % is below --min-coverage {min} %",
                    c.percent
                ))?;
            }
        }
        Ok(())
    }

    /// Print the summary (text) or the document (JSON); `true` when everything passed.
    pub fn finish(self) -> Result<bool, CliError> {
        let ok = self.failed == 0 && self.below.is_empty();
        match self.format {
            Format::Text => {
                let mut line = format!("{} passed, {} failed", self.passed, self.failed);
                if let (false, Some(min)) = (self.below.is_empty(), self.min) {
                    let n = self.below.len();
                    let policies = if n == 1 { "policy" } else { "policies" };
                    line.push_str(&format!(", {n} {policies} below --min-coverage {min} %"));
                }
                print_line(&line)?;
            }
            Format::Json => print_json(&Document {
                policies: &self.policies,
                passed: self.passed,
                failed: self.failed,
                min_coverage: self.min.and_then(|m| m.to_f64()),
                below_min_coverage: self.min.map(|_| &self.below),
            })?,
        }
        Ok(ok)
    }
}

/// `88.4 % (23 of 26 items: knock-outs 6 of 7, bins 17 of 18, bands 3 of 3, fallbacks 2 of 2)`;
/// a kind the policy has none of (a scorecard-only policy's knock-outs) is left out.
fn summary(c: &Coverage) -> String {
    let kinds = [
        ("knock-outs", c.knockouts),
        ("bins", c.bins),
        ("bands", c.bands),
        ("fallbacks", c.fallbacks),
    ];
    let parts: Vec<String> = kinds
        .iter()
        .filter(|(_, t)| t.total > 0)
        .map(|(name, t)| format!("{name} {} of {}", t.covered, t.total))
        .collect();
    format!(
        "{:.1} % ({} of {} items: {})",
        c.percent,
        c.covered,
        c.total,
        parts.join(", ")
    )
}

/// `1 test`, `2 tests`.
fn tests(n: usize) -> String {
    if n == 1 {
        "1 test".to_string()
    } else {
        format!("{n} tests")
    }
}

/// One line for an item no test covers.
fn describe(item: &CoverageItem) -> String {
    let n = item.evaluated;
    let missed = item.status == Status::Missed;
    match &item.target {
        Target::Knockout { id } if missed => {
            format!("knock-out `{id}` never fired (evaluated in {})", tests(n))
        }
        Target::Knockout { id } => format!("knock-out `{id}` not exercised: no test evaluated it"),
        Target::Bin { id, catch_all, .. } => {
            let bin = if *catch_all { "catch-all bin" } else { "bin" };
            if missed {
                format!("{bin} `{id}` never matched (evaluated in {})", tests(n))
            } else {
                format!("{bin} `{id}` not exercised: no test reached it")
            }
        }
        Target::Band { band, min, max } => {
            let range = match (min, max) {
                (Some(lo), None) => format!("score {lo} or more"),
                (Some(lo), Some(hi)) => format!("score {lo} to {hi}"),
                (None, Some(hi)) => format!("score {hi} or less"),
                (None, None) => "any score".to_string(),
            };
            if missed {
                format!(
                    "band {band} ({range}) never reached (scored in {})",
                    tests(n)
                )
            } else {
                format!("band {band} ({range}) not exercised: no test was scored")
            }
        }
        Target::Fallback { fallback } => {
            let name = fallback.as_str();
            if missed {
                format!("fallback `{name}` never applied (in {})", tests(n))
            } else {
                format!("fallback `{name}` not exercised: the policy has no tests")
            }
        }
    }
}

#[derive(Serialize)]
struct Document<'a> {
    policies: &'a [PolicyJson],
    passed: usize,
    failed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_coverage: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    below_min_coverage: Option<&'a Vec<String>>,
}

#[derive(Serialize)]
struct PolicyJson {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<PolicyId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tests: Option<Vec<TestJson>>,
    passed: usize,
    failed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<Coverage>,
}

impl PolicyJson {
    fn new(file: String, run: PolicyRun, passed: usize, failed: usize) -> PolicyJson {
        match run.outcome {
            Err(message) => PolicyJson {
                file,
                error: Some(format!("policy does not load: {message}")),
                policy: None,
                tests: None,
                passed,
                failed,
                coverage: None,
            },
            Ok(Tested {
                id,
                reports,
                coverage,
            }) => PolicyJson {
                file,
                error: None,
                policy: Some(id),
                tests: Some(reports.into_iter().map(TestJson::from).collect()),
                passed,
                failed,
                coverage,
            },
        }
    }
}

#[derive(Serialize)]
struct TestJson {
    name: String,
    passed: bool,
    failures: Vec<FailureJson>,
    /// The decision made, without its trace; `null` when none was made.
    decision: Option<DecisionJson>,
}

impl From<TestReport> for TestJson {
    fn from(report: TestReport) -> TestJson {
        TestJson {
            passed: report.passed(),
            name: report.name,
            failures: report
                .failures
                .into_iter()
                .map(|failure| FailureJson {
                    message: failure.to_string(),
                    failure,
                })
                .collect(),
            decision: report.decision.map(|d| DecisionJson {
                reasons: d.reason_codes().into_iter().map(str::to_string).collect(),
                decision: d.decision,
                score: d.score,
            }),
        }
    }
}

/// A failure's typed fields (`kind`, ...) plus the line `text` output prints for it.
#[derive(Serialize)]
struct FailureJson {
    #[serde(flatten)]
    failure: TestFailure,
    message: String,
}

#[derive(Serialize)]
struct DecisionJson {
    decision: Outcome,
    score: Option<i64>,
    reasons: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use underwrite_core::policy::coverage::Fallback;

    fn item(target: Target, status: Status, evaluated: usize) -> CoverageItem {
        CoverageItem {
            target,
            status,
            evaluated,
            hits: 0,
        }
    }

    #[test]
    fn uncovered_items_read_as_sentences() {
        let cases = [
            (
                item(Target::Knockout { id: "ko".into() }, Status::Missed, 3),
                "knock-out `ko` never fired (evaluated in 3 tests)",
            ),
            (
                item(Target::Knockout { id: "ko".into() }, Status::Unexercised, 0),
                "knock-out `ko` not exercised: no test evaluated it",
            ),
            (
                item(
                    Target::Bin {
                        id: "c#2".into(),
                        characteristic: "c".into(),
                        catch_all: false,
                    },
                    Status::Missed,
                    1,
                ),
                "bin `c#2` never matched (evaluated in 1 test)",
            ),
            (
                item(
                    Target::Bin {
                        id: "c#3".into(),
                        characteristic: "c".into(),
                        catch_all: true,
                    },
                    Status::Unexercised,
                    0,
                ),
                "catch-all bin `c#3` not exercised: no test reached it",
            ),
            (
                item(
                    Target::Band {
                        band: Outcome::Review,
                        min: Some(700),
                        max: Some(779),
                    },
                    Status::Missed,
                    4,
                ),
                "band review (score 700 to 779) never reached (scored in 4 tests)",
            ),
            (
                item(
                    Target::Band {
                        band: Outcome::Reject,
                        min: None,
                        max: Some(699),
                    },
                    Status::Unexercised,
                    0,
                ),
                "band reject (score 699 or less) not exercised: no test was scored",
            ),
            (
                item(
                    Target::Fallback {
                        fallback: Fallback::NoData,
                    },
                    Status::Missed,
                    2,
                ),
                "fallback `no_data` never applied (in 2 tests)",
            ),
        ];
        for (item, text) in cases {
            assert_eq!(describe(&item), text);
        }
    }
}
