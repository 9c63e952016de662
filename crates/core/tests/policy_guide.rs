//! The examples in docs/policy-guide.md are real: every complete policy in it loads and its
//! tests pass; every fragment is valid YAML.
#![allow(clippy::unwrap_used, clippy::panic)]

use underwrite_core::policy::{InputSource, Policy};

mod common;

use common::yaml_blocks;

#[test]
fn guide_examples_load_and_pass_their_tests() {
    let guide = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/policy-guide.md"
    ))
    .unwrap();
    let blocks = yaml_blocks(&guide);
    assert!(
        blocks.len() >= 6,
        "expected the guide's examples, found {}",
        blocks.len()
    );
    let mut policies = 0;
    for block in &blocks {
        serde_yaml::from_str::<serde_yaml::Value>(block)
            .unwrap_or_else(|e| panic!("invalid YAML in the guide ({e}):\n{block}"));
        if !block.lines().any(|l| l.starts_with("name:")) {
            continue; // a fragment
        }
        policies += 1;
        let policy = Policy::load(block.as_bytes())
            .unwrap_or_else(|e| panic!("guide policy does not load: {e}\n{block}"));
        assert!(
            !policy.tests().is_empty(),
            "guide policy without tests:\n{block}"
        );
        for case in policy.tests() {
            let InputSource::Inline(_) = &case.signals else {
                panic!("guide policies use inline signals");
            };
            let signals = case.signals.inline_bytes().unwrap();
            let report = policy.run_test(case, &signals, None);
            assert!(report.passed(), "{}: {:?}", report.name, report.failures);
        }
    }
    assert!(
        policies >= 2,
        "expected at least two complete policies in the guide"
    );
}

/// The guide's function table is the allow-list, row for row.
#[test]
fn guide_lists_exactly_the_allowed_functions() {
    use underwrite_core::policy::functions::FUNCTIONS;
    let guide = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/policy-guide.md"
    ))
    .unwrap();
    let table = guide
        .split("<!-- functions:")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /functions -->").next())
        .expect("the guide has the functions table");
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(rows.len(), FUNCTIONS.len(), "one row per function");
    for (row, f) in rows.iter().zip(FUNCTIONS) {
        let arg_names = ["x", "a, b", "x, lo, hi"];
        let calls: Vec<String> = f
            .arities
            .iter()
            .map(|&n| match (f.name, n) {
                ("clamp", 3) => "x, lo, hi".to_string(),
                ("round", 2) => "x, digits".to_string(),
                (_, n) => arg_names.get(n - 1).copied().unwrap_or("?").to_string(),
            })
            .map(|args| format!("`{}({args})`", f.name))
            .collect();
        let expected = format!("| {} | {} |", calls.join(", "), f.summary);
        assert_eq!(*row, expected, "guide row for `{}`", f.name);
    }
}
