//! Panics become typed errors: no raw panic message reaches the terminal.
//!
//! [`install_hook`] replaces the default hook (which prints `thread 'main' panicked at …` to
//! stderr) with one that only remembers where the panic happened. [`catch`] runs a piece of work
//! and turns a panic into [`Panicked`], which the caller reports its own way: a batch or JSONL
//! line's error, a failed policy test, or `underwrite: internal error …` with exit status 101.

use std::cell::RefCell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    /// Where the last panic on this thread happened (set by the hook, taken by [`catch`]).
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A caught panic: its message and, when the hook saw it, its source location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked {
    detail: String,
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

/// Replace the default panic hook with a silent one that records the panic's location.
pub fn install_hook() {
    panic::set_hook(Box::new(|info| {
        if let Some(at) = info.location() {
            let at = format!("{}:{}:{}", at.file(), at.line(), at.column());
            LOCATION.with(|slot| *slot.borrow_mut() = Some(at));
        }
    }));
}

/// Run `work`; a panic inside it becomes `Err(Panicked)`.
///
/// `work` is treated as unwind-safe: callers only run pure library calls on borrowed input
/// here, and drop whatever `work` touched when it panics.
pub fn catch<T>(work: impl FnOnce() -> T) -> Result<T, Panicked> {
    panic::catch_unwind(AssertUnwindSafe(work)).map_err(|payload| {
        let location = LOCATION.with(|slot| slot.borrow_mut().take());
        let mut detail = underwrite_core::panic::panic_detail(payload.as_ref());
        if let Some(at) = location {
            detail = format!("panicked at {at}: {detail}");
        }
        Panicked { detail }
    })
}

#[cfg(test)]
mod tests {
    use super::catch;

    #[test]
    #[allow(clippy::panic)]
    fn a_panic_becomes_a_value_and_keeps_its_message() {
        assert_eq!(catch(|| 7), Ok(7));
        let long = "x".repeat(1000);
        let err = catch(|| -> u8 { panic!("boom {long}") }).err();
        let detail = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(detail.contains("boom xxx"), "{detail}");
        assert!(detail.len() < 400, "the message is cut: {}", detail.len());
    }
}
