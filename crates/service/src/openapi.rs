//! `GET /openapi.json`. PLACEHOLDER.

/// The OpenAPI document.
pub fn document() -> serde_json::Value {
    serde_json::json!({"openapi": "3.1.0"})
}
