//! The text of a caught panic, for the surfaces that catch one per input (`batch` lines, Arrow
//! rows, Python calls) and report it as that input's error.

use std::any::Any;

/// The message of a panic payload: `panic!("…")` gives a `&str` or a `String`; anything else
/// reads "a panic without a message".
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "a panic without a message"
    }
}

/// The most characters of a panic's message any surface keeps (a message may quote a whole
/// input): a test's failure, a batch line's, an Arrow row's, a Python `InternalError`, the CLI's.
pub const MAX_PANIC_DETAIL_CHARS: usize = 200;

/// A caught panic's message cut to [`MAX_PANIC_DETAIL_CHARS`] characters: the detail every
/// surface reports for it.
pub fn panic_detail(payload: &(dyn Any + Send)) -> String {
    panic_message(payload)
        .chars()
        .take(MAX_PANIC_DETAIL_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{panic_detail, panic_message, MAX_PANIC_DETAIL_CHARS};

    #[test]
    #[allow(clippy::panic)]
    fn a_panic_s_detail_is_cut_to_the_one_limit_in_characters() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let long = std::panic::catch_unwind(|| panic!("{}", "é".repeat(500))).expect_err("panics");
        std::panic::set_hook(hook);
        assert_eq!(
            panic_detail(long.as_ref()),
            "é".repeat(MAX_PANIC_DETAIL_CHARS)
        );
    }

    #[test]
    #[allow(clippy::panic)]
    fn both_payload_types_and_others_read_as_text() {
        let caught = |f: fn()| std::panic::catch_unwind(f).expect_err("panics");
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let literal = caught(|| panic!("plain"));
        let formatted = caught(|| panic!("{} {}", "with", 2));
        let other = caught(|| std::panic::panic_any(7_u8));
        std::panic::set_hook(hook);
        assert_eq!(panic_message(literal.as_ref()), "plain");
        assert_eq!(panic_message(formatted.as_ref()), "with 2");
        assert_eq!(panic_message(other.as_ref()), "a panic without a message");
    }
}
