//! Hostile policies: each is rejected at load or stopped at run time with a typed error, within
//! a bounded time (a hang guard, not a performance measurement) and without unbounded memory.
//!
//! Memory: inputs over the documented limits ([`MAX_POLICY_BYTES`], [`MAX_ITEMS`], the
//! sandbox's string and array sizes, YAML aliases and nesting) are refused before they are
//! expanded or built. (The workspace forbids `unsafe`, so there is no counting allocator here.)
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::within;

use underwrite_core::policy::kyc::KycFacts;
use underwrite_core::policy::{
    DecideError, DecideOptions, Decision, LoadError, Policy, MAX_ITEMS, MAX_POLICY_BYTES,
};

fn load(what: &str, yaml: String) -> Result<Policy, LoadError> {
    within(what, move || Policy::load(yaml.as_bytes()))
}

/// Load must fail, with a diagnostic whose message contains `needle`.
fn rejected(what: &str, yaml: String, needle: &str) -> LoadError {
    let err = match load(what, yaml) {
        Ok(_) => panic!("{what}: loaded"),
        Err(e) => e,
    };
    assert!(
        err.diagnostics.iter().any(|d| d.message.contains(needle)),
        "{what}: expected a diagnostic containing {needle:?}, got: {err}"
    );
    err
}

/// A policy with one knock-out whose condition is `when` (YAML-quoted by the caller if needed).
fn knockout(when: &str) -> String {
    format!(
        "name: hostile\nversion: \"1\"\nknockouts:\n  - id: ko\n    when: {when}\n    \
         outcome: reject\n    reason: {{ code: KO, text: hostile }}\n"
    )
}

const CLEAN: &[u8] = include_bytes!("../../../testdata/signals/clean.json");

fn decide(what: &str, policy: Policy) -> Result<Decision, DecideError> {
    within(what, move || {
        policy.decide_payload(CLEAN, Some(&KycFacts::none()), DecideOptions::default())
    })
}

/// Rejected at load with `needle`, or stopped at run time with `needle`: the policy author
/// finds out either way, and nothing hangs.
fn refused(what: &str, yaml: String, needle: &str) {
    match load(what, yaml) {
        Err(e) => assert!(
            e.to_string().to_lowercase().contains(needle),
            "{what}: expected {needle:?} in load error {e}"
        ),
        Ok(policy) => match decide(what, policy) {
            Err(DecideError::Rule { message, .. }) => assert!(
                message.to_lowercase().contains(needle),
                "{what}: expected {needle:?} in {message:?}"
            ),
            other => panic!("{what}: expected a rule error, got {other:?}"),
        },
    }
}

#[test]
fn loops_and_recursion_are_refused_at_load() {
    for (what, when) in [
        ("while loop", "\"while true {}\""),
        ("loop", "\"loop { }\""),
        ("for loop", "\"for x in 0..10000000000 { }\""),
        ("recursive function", "\"fn f(x) { f(x) } f(1)\""),
        ("closure", "\"|x| x\""),
        ("eval", "\"eval(\\\"1\\\")\""),
    ] {
        let err = match load(what, knockout(when)) {
            Ok(_) => panic!("{what}: loaded"),
            Err(e) => e,
        };
        assert!(
            err.diagnostics
                .iter()
                .any(|d| d.rule.as_deref() == Some("ko")),
            "{what}: the diagnostic names the rule: {err}"
        );
    }
}

#[test]
fn deep_expression_nesting_is_refused_at_load() {
    // Within the expression length limit, but deeper than the sandbox's expression depth.
    let depth = 1_000;
    let parens = format!("\"{}true{}\"", "(".repeat(depth), ")".repeat(depth));
    rejected("deep parentheses", knockout(&parens), "");
    let nots = format!("\"{}true\"", "!".repeat(2_000));
    rejected("deep negation", knockout(&nots), "");
    let ifs = format!(
        "\"{}true{}\"",
        "if true { ".repeat(400),
        " } else { false }".repeat(400)
    );
    rejected("deep if", knockout(&ifs), "");
    // Longer than the expression length limit: refused before Rhai parses it.
    let long = format!("\"{}true{}\"", "(".repeat(5_000), ")".repeat(5_000));
    rejected("very deep parentheses", knockout(&long), "the limit is");
}

#[test]
fn functions_off_the_allow_list_are_refused_at_load_naming_function_and_rule() {
    // Each of these could allocate without bound or panic inside Rhai's standard library
    // (`pad` overflowed a capacity; decimal `tan` panicked at odd multiples of pi/2).
    for (what, when, function) in [
        (
            "padded string",
            "\"\\\"x\\\".pad(100000000, \\\"y\\\") == \\\"z\\\"\"",
            "pad",
        ),
        (
            "padded array",
            "\"[1].pad(9223372036854775807, 0).len() > 1\"",
            "pad",
        ),
        ("blob", "\"blob(100000000).len() > 1\"", "blob"),
        (
            "tangent",
            "\"tan(1.5707963267948966192313216916) > 1\"",
            "tan",
        ),
        ("power", "\"sqrt(2.0) > 1\"", "sqrt"),
        ("type_of", "\"type_of(1) == \\\"i64\\\"\"", "type_of"),
        (
            "method",
            "\"\\\"x\\\".sub_string(0, 9999999) == \\\"x\\\"\"",
            "sub_string",
        ),
    ] {
        let err = rejected(
            what,
            knockout(when),
            &format!("`{function}` is not available"),
        );
        let d = &err.diagnostics[0];
        assert_eq!(d.rule.as_deref(), Some("ko"), "{what}");
        assert!(d.line.is_some(), "{what}: placed in the file");
    }
    // The power operator is not on the list either.
    rejected(
        "power operator",
        knockout("\"2 ** 3 > 1\""),
        "operator `**`",
    );
}

#[test]
fn allowed_functions_at_extremes_give_the_exact_answer_or_a_typed_error() {
    // Every allowed function with the largest, smallest and most awkward arguments: the exact
    // value (each condition is true only when it is right) or the typed rule error that says
    // why, never a panic and never a wrapped or rounded value. (The `functions` fuzz target
    // does this at random.)
    const MAX: &str = "79228162514264337593543950335";
    const NEAR: &str = "7922816251426433759354395033";
    enum Expect {
        True,
        Error(&'static str),
    }
    use Expect::{Error, True};
    let cases = [
        (format!("abs(-{MAX}) == {MAX}"), True),
        (
            "abs(-9223372036854775807 - 1) > 0".into(),
            Error("overflow"),
        ),
        (format!("min({MAX}, -{MAX}) == -{MAX}"), True),
        (format!("max(9223372036854775807, {MAX}) == {MAX}"), True),
        ("max(2, 3) == 3 && min(2, 3.5) == 2".into(), True),
        (format!("clamp({MAX}, -1, 1) == 1"), True),
        (
            format!("clamp({MAX}, 1, 0) > 0"),
            Error("above the upper bound"),
        ),
        (
            format!("floor(-{MAX}) == -{MAX} && ceiling({MAX}) == {MAX}"),
            True,
        ),
        (format!("ceiling({NEAR}.5) == {NEAR} + 1"), True),
        (format!("floor(-{NEAR}.5) == -{NEAR} - 1"), True),
        (format!("round({MAX}, 28) == {MAX}"), True),
        (format!("round({NEAR}.5) == {NEAR} + 1"), True),
        (
            "round(2.5) == 3 && round(-2.5) == -3 && round(1.25, 1) == 1.3".into(),
            True,
        ),
        ("round(0.5, -1) > 0".into(), Error("0 to 28")),
        (
            "round(0.5, 9223372036854775807) > 0".into(),
            Error("0 to 28"),
        ),
        ("-(-9223372036854775807 - 1) > 0".into(), Error("overflow")),
        (format!("{MAX} * 2 > 0"), Error("overflow")),
        (format!("{MAX} + 1 > 0"), Error("overflow")),
        (format!("{MAX} % 0 > 0"), Error("zero")),
        (format!("{MAX} / 0 > 0"), Error("zero")),
        (
            "len(\"\") == 0 && is_empty([]) && \"ab\".contains(\"\") && len(\"é\") == 1".into(),
            True,
        ),
        (
            "\"Exact\".to_upper() == \"EXACT\" && \"ab\".starts_with(\"a\")".into(),
            True,
        ),
        ("band_level(1) > 0".into(), Error("takes a band")),
        (
            "never_as(1, 2) == 1 && !is_never(1) && !is_band(1)".into(),
            True,
        ),
        ("abs(\"x\") > 0".into(), Error("takes a number")),
    ];
    for (when, expect) in cases {
        let yaml = knockout(&format!("'{when}'"));
        let what = when.clone();
        let policy = load(&what, yaml).unwrap_or_else(|e| panic!("{what}: must load: {e}"));
        match (decide(&what, policy), expect) {
            (Ok(d), True) => assert!(d.reason_codes().contains(&"KO"), "{what}: false"),
            (Err(DecideError::Rule { message, .. }), Error(needle)) => assert!(
                message.to_lowercase().contains(needle),
                "{what}: expected {needle:?} in {message:?}"
            ),
            (other, True) => panic!("{what}: expected true, got {other:?}"),
            (other, Error(needle)) => {
                panic!("{what}: expected an error with {needle:?}, got {other:?}")
            }
        }
    }
}

#[test]
fn division_by_zero_and_overflow_are_stopped_at_run_time() {
    let base = |when: &str| {
        format!(
            "name: hostile\nversion: \"1\"\nfeatures:\n  aliases:\n    apps: events_application_reception_day30\n\
             knockouts:\n  - id: ko\n    when: {when}\n    outcome: reject\n    \
             reason: {{ code: KO, text: hostile }}\n"
        )
    };
    for (what, when, needle) in [
        ("feature / 0", "\"apps / 0 > 1\"", "zero"),
        ("feature % 0", "\"apps % 0 > 1\"", "zero"),
        ("constant / 0", "\"1.0 / 0 > apps\"", "zero"),
        (
            "integer overflow",
            "\"9223372036854775807 + 1 > apps\"",
            "overflow",
        ),
        (
            "decimal overflow",
            "\"apps + 79228162514264337593543950335 * 10 > 1\"",
            "overflow",
        ),
        (
            "negation overflow",
            "\"-(-9223372036854775807 - 1) > apps\"",
            "overflow",
        ),
    ] {
        refused(what, base(when), needle);
    }
}

#[test]
fn unknown_features_are_refused_at_load_naming_the_rule() {
    let err = rejected(
        "unknown feature",
        knockout("overdue_31 > 1"),
        "unknown feature `overdue_31`",
    );
    let d = err
        .diagnostics
        .iter()
        .find(|d| d.message.contains("overdue_31"))
        .unwrap();
    assert_eq!(d.rule.as_deref(), Some("ko"));
    assert_eq!(d.line, Some(5), "{d}");
    rejected(
        "unknown KYC field",
        knockout("kyc.passport == \"x\""),
        "unknown KYC field `kyc.passport`",
    );
}

#[test]
fn yaml_aliases_billion_laughs_are_refused() {
    // The classic: nine levels of ten references each, 10^9 strings once expanded.
    let mut yaml = String::from("name: lol\nversion: \"1\"\ndescription: &a0 \"lol\"\nx:\n");
    for i in 1..=9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        yaml.push_str(&format!("  l{i}: &a{i} [{refs}]\n"));
    }
    rejected("billion laughs", yaml, "aliases");
    // Block-style aliases (each on its own line) too.
    let mut block = String::from("name: lol\nversion: \"1\"\ndescription: &a0 \"lol\"\nx:\n");
    for i in 1..=9 {
        block.push_str(&format!("  l{i}: &a{i}\n"));
        for _ in 0..10 {
            block.push_str(&format!("    - *a{}\n", i - 1));
        }
    }
    rejected("billion laughs, block style", block, "aliases");
    // An alias alone on its line, after a key on the line before.
    let mut own_line = String::from("name: lol\nversion: \"1\"\ndescription: &a0 \"lol\"\nx:\n");
    for i in 1..=9 {
        own_line.push_str(&format!("  l{i}: &a{i}\n    [\n"));
        for _ in 0..10 {
            own_line.push_str(&format!("      *a{},\n", i - 1));
        }
        own_line.push_str("    ]\n");
    }
    let err = rejected("billion laughs, alias on its own line", own_line, "aliases");
    assert_eq!(
        (err.diagnostics[0].line, err.diagnostics[0].column),
        (3, 14).into_some()
    );
    // A 1 MiB file whose one anchored value is 900 KB, aliased on lines of their own: refused
    // from the parser's events, and the whole error stays small (no value is repeated whole).
    let mut big = format!(
        "name: lol\nversion: \"1\"\ndescription: &v \"{}\"\nx:\n",
        "v".repeat(900_000)
    );
    while big.len() < MAX_POLICY_BYTES - 100 {
        big.push_str("  - key:\n      *v\n");
    }
    let err = rejected("alias of a 900 KB value", big, "aliases");
    assert!(
        err.to_string().len() < 64 * 1024,
        "{} bytes of diagnostics",
        err.to_string().len()
    );
}

trait IntoSome {
    fn into_some(self) -> (Option<usize>, Option<usize>);
}

impl IntoSome for (usize, usize) {
    fn into_some(self) -> (Option<usize>, Option<usize>) {
        (Some(self.0), Some(self.1))
    }
}

#[test]
fn duplicate_keys_are_refused_in_every_policy_map() {
    let base = "name: dup\nversion: \"1\"\n";
    for (what, body, line) in [
        (
            "a re-pointed alias",
            "features:\n  aliases:\n    overdue_30: events_overdue_day30\n    overdue_30: events_overdue_day90\n",
            6,
        ),
        (
            "an override given twice",
            "features:\n  overrides:\n    events_overdue_day30: { missing: 0 }\n    events_overdue_day30: { missing: 9 }\n",
            6,
        ),
        (
            "a rule key given twice",
            "knockouts:\n  - id: a\n    when: \"true\"\n    when: \"false\"\n    outcome: reject\n    reason: {code: A, text: a}\n",
            6,
        ),
        (
            "a test payload key given twice",
            "tests:\n  - name: t\n    signals: {\"result\": {\"events_overdue_day30\": 9, \"events_overdue_day30\": 0}}\n    expect: {decision: approve}\n",
            5,
        ),
        ("a top-level key given twice", "version: \"2\"\n", 3),
    ] {
        let err = rejected(what, format!("{base}{body}"), "appears twice");
        assert_eq!(err.diagnostics[0].line, Some(line), "{what}: {err}");
    }
}

#[test]
fn a_100_mb_policy_is_refused_by_size_before_parsing() {
    let mut yaml = knockout("\"true\"");
    yaml.push_str("# ");
    yaml.push_str(&"x".repeat(100 * 1024 * 1024));
    let err = rejected("100 MB policy", yaml, "the limit is");
    assert!(err.to_string().contains(&MAX_POLICY_BYTES.to_string()));
    // Just over the limit is refused too; at the limit it is read.
    let mut at_limit = knockout("\"true\"");
    at_limit.push_str("# ");
    at_limit.push_str(&"x".repeat(MAX_POLICY_BYTES - at_limit.len() - 1));
    at_limit.push('\n');
    assert_eq!(at_limit.len(), MAX_POLICY_BYTES);
    load("policy at the size limit", at_limit.clone()).unwrap();
    at_limit.push('\n');
    rejected("policy one byte over", at_limit, "the limit is");
}

/// Refused for its nesting: by the guard's depth limit, or by the parser's own recursion limit
/// when its look-ahead meets the nesting before the guard sees the events.
fn too_deep(what: &str, yaml: String) -> LoadError {
    let err = match load(what, yaml) {
        Ok(_) => panic!("{what}: loaded"),
        Err(e) => e,
    };
    let first = &err.diagnostics[0].message;
    assert!(
        first.contains("nested too deeply") || first.contains("recursion limit"),
        "{what}: {err}"
    );
    err
}

#[test]
fn deeply_nested_yaml_is_refused_from_the_parser() {
    // The parser's own events say how deep the document is; the check stops at the first
    // collection past the limit, so even a file of a million `[` costs linear time.
    let budget = MAX_POLICY_BYTES - 100;
    let doc = |body: String| format!("name: deep\nversion: \"1\"\ndescription: {body}\n");
    for (what, unit) in [
        ("flow sequences", "["),
        ("flow maps", "{a: "),
        ("sequences after quoted closers", "[ \"]\", "),
        ("sequences after single-quoted closers", "[ ']', "),
        ("sequences after tagged closers", "[ !!str \"]\", "),
    ] {
        let yaml = doc(unit.repeat(budget / unit.len()));
        let err = too_deep(what, yaml);
        assert_eq!(err.diagnostics[0].line, Some(3), "{what}: placed");
    }
    // Units that are not valid YAML are refused as syntax errors, just as fast.
    for (what, unit) in [
        ("closes in comments", "[ # ]\n"),
        ("closes in tags", "[ !<a]> "),
    ] {
        let yaml = doc(unit.repeat(budget / unit.len()));
        let err = match load(what, yaml) {
            Ok(_) => panic!("{what}: loaded"),
            Err(e) => e,
        };
        assert!(!err.diagnostics.is_empty());
    }
    let moderate = format!(
        "name: deep\nversion: \"1\"\ntests:\n  - name: t\n    signals: {}1{}\n    \
         expect: {{decision: approve}}\n",
        "[".repeat(500),
        "]".repeat(500)
    );
    too_deep("moderately deep flow", moderate);
    // Deep block nesting (its indentation makes it large quickly).
    let mut block = String::from(
        "name: deep\nversion: \"1\"\ntests:\n  - name: t\n    expect: {decision: approve}\n    signals:\n",
    );
    for i in 0..1_000 {
        block.push_str(&" ".repeat(2 * i + 6));
        block.push_str("a:\n");
    }
    too_deep("deep block maps", block);
    let compact = format!(
        "name: deep\nversion: \"1\"\ntests:\n  - name: t\n    expect: {{decision: approve}}\n    signals:\n      {}1\n",
        "- ".repeat(budget / 2 - 100)
    );
    too_deep("deep compact sequences", compact);
}

#[test]
fn brackets_inside_quoted_expressions_are_not_nesting() {
    // About 2,000 flow-style rules whose expressions hold `[`: refused as "nested too deeply"
    // by the old line-based check, they are plain text to the parser.
    let mut yaml = String::from("name: flow\nversion: \"1\"\nknockouts:\n");
    for i in 0..1_900 {
        yaml.push_str(&format!(
            "  - {{id: k{i}, when: \"events_overdue_day30 in [{i}, 1000] && \\\"[[\\\" != \\\"]\\\"\", \
             outcome: reject, reason: {{code: K, text: \"t [x\"}}}}\n"
        ));
    }
    let policy = load("flow rules with brackets", yaml).unwrap_or_else(|e| panic!("{e}"));
    assert!(decide("flow rules", policy).is_ok());
}

#[test]
fn large_flat_yaml_loads_or_fails_in_bounded_time() {
    let doc = |body: String| format!("name: flat\nversion: \"1\"\ndescription: {body}\n");
    let budget = MAX_POLICY_BYTES - 100;
    rejected(
        "wide flow sequence",
        doc(format!("[{}1]", "1,".repeat(budget / 2 - 10))),
        "invalid type",
    );
    rejected(
        "wide flow map with quoted values",
        doc(format!(
            "{{{}}}",
            (0..budget / 16)
                .map(|i| format!("k{i}: \"v\", "))
                .collect::<String>()
        )),
        "invalid type",
    );
    load("long plain scalar", doc("x".repeat(budget - 40))).unwrap();
}

#[test]
fn too_many_rules_are_refused_at_load() {
    let mut yaml = String::from("name: many\nversion: \"1\"\nknockouts:\n");
    for i in 0..=MAX_ITEMS {
        yaml.push_str(&format!(
            "  - {{id: k{i}, when: \"true\", outcome: reject, reason: {{code: K, text: t}}}}\n"
        ));
    }
    rejected("too many rules", yaml, "the limit is");
}

#[test]
fn a_policy_full_of_unknown_names_loads_or_fails_in_bounded_time() {
    // Every expression reads hundreds of distinct unknown names: each is a diagnostic with a
    // "did you mean" hint, so the cost must not grow with names × file size.
    let mut yaml = String::from("name: noisy\nversion: \"1\"\nknockouts:\n");
    let mut n = 0usize;
    while yaml.len() < MAX_POLICY_BYTES - 8_000 {
        let names: Vec<String> = (0..500)
            .map(|_| {
                n += 1;
                format!("u{n}")
            })
            .collect();
        // A list literal: 500 names side by side, within the parser's nesting limit.
        yaml.push_str(&format!(
            "  - id: k{n}\n    when: \"len([{}]) > 0\"\n    outcome: reject\n    reason: {{code: K, text: t}}\n",
            names.join(",")
        ));
    }
    let err = rejected("many unknown names", yaml, "unknown feature");
    assert!(err.to_string().len() < 1 << 20, "the error is readable");
    // Long identifiers: the hint search stays cheap.
    let mut yaml = String::from("name: long\nversion: \"1\"\nknockouts:\n");
    let mut i = 0;
    while yaml.len() < MAX_POLICY_BYTES - 8_000 {
        i += 1;
        yaml.push_str(&format!(
            "  - id: k{i}\n    when: \"{}{i} > 1\"\n    outcome: reject\n    reason: {{code: K, text: t}}\n",
            "a".repeat(4_000)
        ));
    }
    rejected("long unknown names", yaml, "unknown feature");
}
