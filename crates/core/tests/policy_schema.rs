//! The policy file's JSON Schema (`underwrite schema`, committed as `docs/policy.schema.json`):
//! the committed copy is what the spec types generate.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use underwrite_core::policy_schema_json;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schema() -> Value {
    serde_json::from_str(&policy_schema_json()).unwrap()
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
    // `deny_unknown_fields` became `additionalProperties: false` on every object of the format.
    assert_eq!(schema["additionalProperties"], false);
    for (name, definition) in schema["definitions"].as_object().unwrap() {
        if definition["type"] == "object" {
            assert_eq!(definition["additionalProperties"], false, "{name}");
        }
    }
}
