//! Arbitrary bytes as a signals payload: parse and normalize must return `Ok` or a typed
//! `SignalError`, never panic, hang or allocate without bound.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use underwrite_core::features::Schema;
use underwrite_core::normalize::normalize;
use underwrite_core::policy::Policy;
use underwrite_core::signals::{self, SignalStatus};

/// The bare phone catalog, and the schema of the starter policy (which adds policy signals).
fn schemas() -> &'static [Arc<Schema>; 2] {
    static SCHEMAS: OnceLock<[Arc<Schema>; 2]> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let starter = Policy::load(include_bytes!("../../rules/starter.yaml"))
            .expect("the shipped starter policy loads");
        [
            Arc::new(Schema::phone_catalog()),
            Arc::clone(starter.schema()),
        ]
    })
}

fuzz_target!(init: { schemas(); }, |data: &[u8]| {
    let parsed = signals::parse(data);
    for schema in schemas() {
        match normalize(data, schema) {
            Ok(n) => {
                // Parsing alone must have succeeded too, with the same outcome.
                let payload = parsed.as_ref().expect("normalize succeeded, so parse must");
                assert_eq!(n.status, payload.status);
                assert_eq!(n.features.values().len(), schema.len());
                if n.status != SignalStatus::Success {
                    assert!(n.features.values().iter().all(|v| v.is_missing()));
                    assert!(n.unknown.is_empty());
                }
                for w in &n.warnings {
                    let _ = w.to_string();
                }
            }
            Err(e) => {
                // Every error renders as one short line: hostile values are quoted as
                // excerpts; only a signal's name is quoted whole. The signal it names (if any)
                // is non-empty.
                let message = e.to_string();
                let name = e.signal().unwrap_or("");
                assert!(!message.contains('\n'), "multi-line error: {message:?}");
                assert!(
                    message.len() <= 2_000 + 12 * name.len(),
                    "a {}-byte error for a {}-byte name",
                    message.len(),
                    name.len()
                );
                if let Some(name) = e.signal() {
                    assert!(!name.is_empty(), "error names an empty signal: {e:?}");
                }
            }
        }
    }
});
