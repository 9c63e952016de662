//! The functions a policy expression may call: one allow-list, its implementations, and the
//! load-time check that every call in an expression is on it.
//!
//! Why an allow-list instead of Rhai's standard library:
//! * Rhai's standard packages hold hundreds of functions, and some panic or allocate without
//!   bound on extreme arguments (`pad` with a huge length overflows a capacity; decimal `tan` at
//!   odd multiples of π/2 panics inside `rust_decimal`). A credit policy needs a handful, and
//!   each one it may call is a promise: it never panics, never allocates beyond the sandbox's
//!   limits, and treats missing, never and band values the way the rest of the sandbox does.
//! * So the sandbox engine is built **raw** (no standard packages) and only the functions in
//!   [`FUNCTIONS`] are registered, each written here with checked arithmetic. Operators on plain
//!   numbers, text and booleans are Rhai's checked built-ins.
//! * At load, `disallowed_calls` walks each expression's AST and reports any call that is not
//!   on the list, naming the function and the rule: an unknown function is a load error, never
//!   a run-time surprise in production.
//!
//! The table is the single source: the policy guide lists it (a test checks the guide against
//! it) and the `functions` fuzz target calls every entry with extreme arguments.

mod check;
mod impls;

pub(crate) use check::disallowed_calls;
pub(crate) use impls::register;

/// A function a policy expression may call, with the argument counts it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// The name, as written in an expression (`abs(x)` or `x.abs()`).
    pub name: &'static str,
    /// The argument counts accepted (the receiver of a method call counts as the first).
    pub arities: &'static [usize],
    /// One line for the rule author's guide.
    pub summary: &'static str,
}

/// Every function a policy may call. Anything else is a load error naming it and the rule.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "abs",
        arities: &[1],
        summary: "absolute value of a number",
    },
    Function {
        name: "min",
        arities: &[2],
        summary: "the smaller of two numbers",
    },
    Function {
        name: "max",
        arities: &[2],
        summary: "the larger of two numbers",
    },
    Function {
        name: "clamp",
        arities: &[3],
        summary: "`clamp(x, lo, hi)`: `x` limited to `lo..=hi` (an error if `lo > hi`)",
    },
    Function {
        name: "floor",
        arities: &[1],
        summary: "the largest whole number not above `x`",
    },
    Function {
        name: "ceiling",
        arities: &[1],
        summary: "the smallest whole number not below `x`",
    },
    Function {
        name: "round",
        arities: &[1, 2],
        summary: "`round(x)` or `round(x, digits)` (0 to 28), halves away from zero",
    },
    Function {
        name: "len",
        arities: &[1],
        summary: "characters in a text, or items in a list",
    },
    Function {
        name: "is_empty",
        arities: &[1],
        summary: "whether a text or list is empty",
    },
    Function {
        name: "contains",
        arities: &[2],
        summary: "`s.contains(part)` for text; also what `x in [...]` and `part in s` call",
    },
    Function {
        name: "starts_with",
        arities: &[2],
        summary: "whether a text starts with another",
    },
    Function {
        name: "ends_with",
        arities: &[2],
        summary: "whether a text ends with another",
    },
    Function {
        name: "to_upper",
        arities: &[1],
        summary: "a text in upper case",
    },
    Function {
        name: "to_lower",
        arities: &[1],
        summary: "a text in lower case",
    },
    Function {
        name: "is_missing",
        arities: &[1],
        summary: "whether a value is missing (`()`)",
    },
    Function {
        name: "is_never",
        arities: &[1],
        summary: "whether a days-since-last value is *never*",
    },
    Function {
        name: "never_as",
        arities: &[2],
        summary: "`never_as(x, days)`: `days` when `x` is never, else `x`",
    },
    Function {
        name: "is_band",
        arities: &[1],
        summary: "whether an amount came as a band such as `\"A3\"`",
    },
    Function {
        name: "band_level",
        arities: &[1],
        summary: "the level of a band (`3` for `\"A3\"`)",
    },
];

/// The operators a policy may use (Rhai represents them as calls). `&&`, `||`, `??`, `if` and
/// `in` (which calls `contains`) are part of the grammar.
pub const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "!",
];
