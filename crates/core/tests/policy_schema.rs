//! The policy file's JSON Schema (`underwrite schema`, committed as `docs/policy.schema.json`):
//! the committed copy is current, it is a valid draft-07 schema, it accepts every policy the
//! loader accepts that this repository ships, documents or fuzzes with (an editor must never
//! flag a file that loads), and it rejects a misspelt key or a wrongly typed value as the loader
//! does.
//!
//! YAML becomes JSON here through serde_yaml, the loader's own YAML reader, so the schema sees
//! the same scalar types the loader does.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use jsonschema::Validator;
use proptest::prelude::*;
use serde_json::{json, Value};
use underwrite_core::policy::spec::{OverrideSpec, ReasonSpec};
use underwrite_core::policy::Policy;
use underwrite_core::policy_schema_json;

/// The first line of every shipped policy.
const MODELINE: &str = "# yaml-language-server: $schema=../docs/policy.schema.json";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schema() -> Value {
    serde_json::from_str(&policy_schema_json()).unwrap()
}

fn validator() -> &'static Validator {
    static VALIDATOR: LazyLock<Validator> =
        LazyLock::new(|| jsonschema::draft7::new(&schema()).unwrap());
    &VALIDATOR
}

/// The YAML document as the JSON value an editor validates.
fn to_json(yaml: &str) -> Value {
    serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("not JSON-shaped YAML ({e}):\n{yaml}"))
}

/// Every schema violation, one line each (`/path: message`).
fn violations(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// The `.yaml` files directly in `dir` (relative to the workspace root), sorted.
fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_committed_schema_is_current() {
    let path = root().join("docs/policy.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = policy_schema_json() + "\n";
    assert!(
        committed == generated,
        "{} differs from the schema the spec types generate; regenerate it with\n    \
         cargo run -p underwrite-cli -- schema > docs/policy.schema.json",
        path.display()
    );
}

#[test]
fn the_schema_is_a_valid_draft07_schema() {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::draft7::meta::validate(&schema).unwrap_or_else(|e| panic!("{e}"));
    // `deny_unknown_fields` became `additionalProperties: false` on every object of the format.
    assert_eq!(schema["additionalProperties"], false);
    for (name, definition) in schema["definitions"].as_object().unwrap() {
        if definition["type"] == "object" {
            assert_eq!(definition["additionalProperties"], false, "{name}");
        }
    }
}

#[test]
fn shipped_policies_name_the_schema_and_validate() {
    let validator = validator();
    let files = yaml_files("rules");
    assert!(files.len() >= 2, "expected the shipped policies");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(MODELINE),
            "{}: the first line names the schema for editors",
            path.display()
        );
        Policy::load(text.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let problems = violations(validator, &to_json(&text));
        assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
    }
    // The modeline's path is relative to the policy file.
    assert!(root()
        .join("rules")
        .join("../docs/policy.schema.json")
        .is_file());
}

/// The complete policies in the rule author's guide (its ```yaml blocks with a `name:` line).
fn guide_policies() -> Vec<String> {
    let guide = std::fs::read_to_string(root().join("docs/policy-guide.md")).unwrap();
    let mut blocks = common::yaml_blocks(&guide);
    blocks.retain(|b| b.lines().any(|l| l.starts_with("name:")));
    blocks
}

/// Policies that use every optional key and every form a value may take.
const EVERY_FORM: &[&str] = &[
    r#"
name: every-form
version: "1"
description: ""
owner: someone
features:
  aliases: { overdue_30: events_overdue_day30, days_since: events_overdue_days_since_last }
  overrides:
    overdue_30: { missing: 0 }
    days_since: { missing: "1_000", never: 1e4 }
    events_overdue_day90: { missing: -3, never: ~ }
    events_overdue_day180: { missing: "2.5e1" }
  derived:
    - { name: twice, expr: "(overdue_30 ?? 0) * 2", description: doubled }
knockouts:
  - { id: ko, when: twice > 10, outcome: review, reason: { code: KO, text: Many } }
scorecard:
  base: -5
  max_reasons: 2
  cutoffs: { approve: 10, review: 0 }
  characteristics:
    - id: overdue
      description: ""
      reason: null
      bins:
        - { when: twice > 4, points: -20, reason: { code: OD, text: Overdue } }
        - { when: null, points: 0 }
signals_unavailable: { outcome: reject, reason: { code: SU, text: Unavailable } }
no_data: null
tests:
  - name: inline
    signals: { status: COMPLETED, resultCode: SUCCESS, result: { events_overdue_day30: 1 } }
    kyc: ~
    expect: { decision: approve, reasons: null, score: null }
  - name: a path
    signals: ../testdata/signals/clean.json
    kyc: ../testdata/kyc/joe-exact.json
    expect: { decision: approve, reasons: [], score: -5 }
  - name: inline list
    signals: [1, 2]
    kyc: { submitted: {}, authority: {} }
    expect: { decision: reject }
"#,
    "name: minimal\nversion: \"1\"\n",
    // serde_yaml reads text from any scalar: these are the texts "2026", "1.10", "true", "404".
    r#"
name: 2026
version: 1.10
knockouts:
  - { id: always, when: true, outcome: review, reason: { code: 404, text: yes } }
tests:
  - { name: 1, signals: { status: COMPLETED, resultCode: SUCCESS, result: {} }, expect: { decision: review, reasons: [404] } }
"#,
    "name: empty sections\nversion: \"1\"\nfeatures: {}\nknockouts: []\ntests: []\nscorecard: ~\n",
];

#[test]
fn every_policy_the_loader_accepts_validates() {
    let validator = validator();
    let mut checked = 0;
    let mut check = |source: &str, text: &str| {
        if Policy::load(text.as_bytes()).is_err() {
            return; // the fuzz corpus and regressions hold files the loader refuses
        }
        let problems = violations(validator, &to_json(text));
        assert!(
            problems.is_empty(),
            "{source} loads but the schema rejects it: {problems:#?}"
        );
        checked += 1;
    };
    for text in EVERY_FORM {
        // These are meant to load: a change that refuses one must update this test.
        Policy::load(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"));
        check("an every-form policy", text);
    }
    for (i, block) in guide_policies().iter().enumerate() {
        check(&format!("guide policy #{}", i + 1), block);
    }
    for dir in ["fuzz/corpus/policy", "fuzz/regressions/policy"] {
        for path in yaml_files(dir) {
            check(
                &path.display().to_string(),
                &std::fs::read_to_string(&path).unwrap(),
            );
        }
    }
    assert!(checked >= 8, "only {checked} accepted policies checked");
}

/// A small valid policy to break one key at a time.
fn base() -> Value {
    json!({
        "name": "base",
        "version": "1",
        "features": {
            "aliases": { "overdue_30": "events_overdue_day30" },
            "overrides": { "overdue_30": { "missing": 0 } },
        },
        "knockouts": [{
            "id": "ko",
            "when": "overdue_30 >= 2",
            "outcome": "reject",
            "reason": { "code": "KO", "text": "Overdue" },
        }],
        "scorecard": {
            "base": 100,
            "cutoffs": { "approve": 100, "review": 50 },
            "characteristics": [{
                "id": "c",
                "reason": { "code": "C", "text": "Few" },
                "bins": [{ "when": "overdue_30 == 0", "points": 10 }, { "points": 0 }],
            }],
        },
        "tests": [{
            "name": "t",
            "signals": { "status": "COMPLETED", "resultCode": "SUCCESS", "result": {} },
            "expect": { "decision": "approve" },
        }],
    })
}

/// Load `policy` (JSON is YAML) and validate it; both must refuse it.
fn assert_both_refuse(validator: &Validator, what: &str, policy: &Value) {
    let text = serde_json::to_string_pretty(policy).unwrap();
    assert!(
        Policy::load(text.as_bytes()).is_err(),
        "{what}: the loader accepts it"
    );
    assert!(
        !validator.is_valid(policy),
        "{what}: the schema accepts it\n{text}"
    );
}

#[test]
fn misspelt_keys_and_wrong_types_are_rejected() {
    let validator = validator();
    let base = base();
    let text = serde_json::to_string(&base).unwrap();
    Policy::load(text.as_bytes()).unwrap_or_else(|e| panic!("the base policy: {e}"));
    assert!(
        violations(validator, &base).is_empty(),
        "{:#?}",
        violations(validator, &base)
    );

    type Edit = fn(&mut Value);
    let edits: &[(&str, Edit)] = &[
        ("a misspelt top-level key", |p| {
            p["knockout"] = p["knockouts"].take();
            p.as_object_mut().unwrap().remove("knockouts");
        }),
        ("a misspelt rule key", |p| {
            let rule = p["knockouts"][0].as_object_mut().unwrap();
            let when = rule.remove("when").unwrap();
            rule.insert("wen".into(), when);
        }),
        ("an unknown key in a reason", |p| {
            p["knockouts"][0]["reason"]["txt"] = json!("x");
        }),
        ("an unknown key in the features", |p| {
            p["features"]["alias"] = json!({})
        }),
        ("an unknown key in an override", |p| {
            p["features"]["overrides"]["overdue_30"]["missin"] = json!(0);
        }),
        ("an unknown key in a bin", |p| {
            p["scorecard"]["characteristics"][0]["bins"][0]["point"] = json!(1);
        }),
        ("an unknown key in expect", |p| {
            p["tests"][0]["expect"]["decisions"] = json!("approve");
        }),
        ("a missing required key", |p| {
            p.as_object_mut().unwrap().remove("version");
        }),
        ("a missing cut-off", |p| {
            p["scorecard"]["cutoffs"]
                .as_object_mut()
                .unwrap()
                .remove("review");
        }),
        ("an outcome that is not one", |p| {
            p["knockouts"][0]["outcome"] = json!("decline");
        }),
        ("points as text", |p| {
            p["scorecard"]["characteristics"][0]["bins"][0]["points"] = json!("ten");
        }),
        ("fractional points", |p| {
            p["scorecard"]["characteristics"][0]["bins"][0]["points"] = json!(1.5);
        }),
        ("a base as a list", |p| {
            p["scorecard"]["base"] = json!([100])
        }),
        ("knockouts as a map", |p| {
            p["knockouts"] = json!({ "ko": {} })
        }),
        ("an alias to a map", |p| {
            p["features"]["aliases"]["overdue_30"] = json!({ "name": "events_overdue_day30" });
        }),
        ("a missing value as words", |p| {
            p["features"]["overrides"]["overdue_30"]["missing"] = json!("zero");
        }),
        ("a condition as a list", |p| {
            p["knockouts"][0]["when"] = json!(["overdue_30 >= 2"]);
        }),
        ("expected reasons as one string", |p| {
            p["tests"][0]["expect"]["reasons"] = json!("KO");
        }),
        ("a negative max_reasons", |p| {
            p["scorecard"]["max_reasons"] = json!(-1)
        }),
    ];
    for (what, edit) in edits {
        let mut policy = base.clone();
        edit(&mut policy);
        assert_both_refuse(validator, what, &policy);
    }
}

#[test]
fn a_misspelt_key_is_reported_where_it_is() {
    let validator = validator();
    let mut policy = base();
    policy["knockouts"][0]["wen"] = json!("x");
    let problems = violations(validator, &policy);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with("/knockouts/0: ") && problems[0].contains("wen"),
        "{problems:#?}"
    );
}

/// A validator for one definition of the schema (`#/definitions/NAME`).
fn definition(name: &str) -> Validator {
    let schema = schema();
    let one = json!({
        "$schema": schema["$schema"],
        "allOf": [{ "$ref": format!("#/definitions/{name}") }],
        "definitions": schema["definitions"],
    });
    jsonschema::draft7::new(&one).unwrap()
}

/// YAML scalars, plain or quoted: numbers in every notation YAML or `Decimal` knows, YAML's
/// keywords, and noise.
fn scalar() -> impl Strategy<Value = String> {
    let keyword = prop::sample::select(vec![
        "true", "false", "yes", "no", "null", "~", "", ".inf", "-.inf", ".nan", "0x1F", "0o17",
        "1_000", "1e3", "+.5", "-0", "007",
    ])
    .prop_map(String::from);
    let text = prop_oneof!["[-+0-9_.eEx]{1,12}", "[a-z0-9 .:-]{1,12}", keyword];
    (text, any::<bool>()).prop_map(
        |(text, quoted)| {
            if quoted {
                format!("\"{text}\"")
            } else {
                text
            }
        },
    )
}

proptest! {
    /// A decimal or a text the loader's own deserializer accepts is one the schema accepts:
    /// the decimal pattern admits every string `Decimal` parses, and a text field every scalar.
    #[test]
    fn every_scalar_the_loader_reads_validates(value in scalar()) {
        static OVERRIDE: LazyLock<Validator> = LazyLock::new(|| definition("OverrideSpec"));
        static REASON: LazyLock<Validator> = LazyLock::new(|| definition("ReasonSpec"));
        let yaml = format!("missing: {value}\n");
        if serde_yaml::from_str::<OverrideSpec>(&yaml).is_ok() {
            let problems = violations(&OVERRIDE, &to_json(&yaml));
            prop_assert!(problems.is_empty(), "{yaml}: {problems:#?}");
        }
        let yaml = format!("code: {value}\ntext: {value}\n");
        if serde_yaml::from_str::<ReasonSpec>(&yaml).is_ok() {
            let problems = violations(&REASON, &to_json(&yaml));
            prop_assert!(problems.is_empty(), "{yaml}: {problems:#?}");
        }
    }
}
