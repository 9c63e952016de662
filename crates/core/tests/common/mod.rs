//! Helpers shared by the hostile-input suites.
#![allow(clippy::panic, dead_code)]

use std::sync::mpsc;
use std::time::Duration;

/// How long any single hostile input may take before a test calls it a hang. Generous: debug
/// builds on a shared two-core machine; a real hang never finishes at all.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Run `f` on its own thread and fail the test if it does not finish within [`DEADLINE`] (a
/// hang guard, not a performance measurement).
pub fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(what.to_string())
        .spawn(move || {
            let _ = tx.send(f());
        });
    if let Err(e) = spawned {
        panic!("{what}: cannot start a thread: {e}");
    }
    match rx.recv_timeout(DEADLINE) {
        Ok(v) => v,
        Err(e) => panic!("{what}: no answer within {DEADLINE:?} ({e})"),
    }
}
