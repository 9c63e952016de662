//! Helpers shared by the integration suites.
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

/// The bodies of a Markdown text's ```yaml blocks, in order.
pub fn yaml_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```yaml") => current = Some(String::new()),
            (Some(block), l) if l.starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}
