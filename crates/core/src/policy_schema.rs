//! The JSON Schema of the policy file format, for editors.
//!
//! Generated from the serde types in [`policy::spec`](crate::policy::spec) by `schemars`, so it
//! cannot drift from what [`Policy::load`](crate::policy::Policy::load) deserializes: doc comments
//! become descriptions (hover text), `deny_unknown_fields` becomes `additionalProperties: false`
//! (a misspelt key is flagged as it is typed), and `#[serde(default)]` fields are optional.
//!
//! Draft-07, not 2020-12: yaml-language-server (the VS Code YAML extension, and the YAML support
//! of most other editors through it) has supported draft-07 and below for years and newer drafts
//! only since 1.20, and this schema needs nothing past draft-07.
//!
//! One adjustment follows the loader's YAML reader rather than the Rust types: serde_yaml reads
//! text from a scalar of any type (`version: 1` is `"1"`, `when: true` is `"true"`), so every text
//! field accepts every scalar ([`scalars_as_text`]); an editor must never flag a file that loads.
//!
//! The schema checks the shape only. Names, expressions, reason codes, cut-off order and the
//! rest are the loader's to check (`underwrite check`), with positions and the catalog at hand.

use schemars::generate::SchemaSettings;
use schemars::transform::transform_subschemas;
use schemars::Schema;
use serde_json::json;

use crate::policy::spec::PolicySpec;

/// The JSON Schema (draft-07) of a policy file, as pretty-printed JSON without a final newline.
///
/// `underwrite schema` prints it; `docs/policy.schema.json` is a copy that a test keeps current.
/// Point an editor at it with a first line
/// `# yaml-language-server: $schema=<path or URL of the schema>` in the policy file.
///
/// ```
/// let schema: serde_json::Value =
///     serde_json::from_str(&underwrite_core::policy_schema_json()).unwrap();
/// assert_eq!(schema["additionalProperties"], false);
/// assert!(schema["properties"]["knockouts"].is_object());
/// ```
pub fn policy_schema_json() -> String {
    let mut schema = SchemaSettings::draft07()
        .with_transform(scalars_as_text)
        .into_generator()
        .into_root_schema_for::<PolicySpec>();
    schema.insert("title".into(), "underwrite policy".into());
    // A `Schema` is a JSON object or boolean: serializing it cannot fail.
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// Widen every free-text schema (`"type": "string"`, optionally nullable, with no `const`, `enum`
/// or `pattern`) to every scalar type, as serde_yaml reads text from any scalar.
fn scalars_as_text(schema: &mut Schema) {
    let text = json!("string");
    let optional_text = json!(["string", "null"]);
    let widen = schema
        .get("type")
        .is_some_and(|t| *t == text || *t == optional_text)
        && ["const", "enum", "pattern"]
            .into_iter()
            .all(|k| schema.get(k).is_none());
    if widen {
        schema.insert(
            "type".into(),
            json!(["string", "number", "boolean", "null"]),
        );
    }
    transform_subschemas(&mut scalars_as_text, schema);
}
