//! The tokens a service accepts: decision tokens and admin tokens, kept only as SHA-256 digests.
//!
//! A presented token is compared by its digest against every accepted digest with [`subtle`]'s
//! constant-time equality, without stopping at a match: neither the bytes nor the length of an
//! accepted token show in the time taken. No token appears in a message or `Debug` output.
//!
//! Reading token files and the environment is the caller's job (the CLI's); [`TokenSet`]'s
//! parsers take text. The middleware that guards routes with these sets is `auth`.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

/// The shortest token accepted, in characters.
pub const MIN_TOKEN_CHARS: usize = 16;

/// The environment variable holding decision tokens, comma-separated.
pub const TOKENS_ENV: &str = "UNDERWRITE_TOKENS";

/// The environment variable holding admin tokens, comma-separated.
pub const ADMIN_TOKENS_ENV: &str = "UNDERWRITE_ADMIN_TOKENS";

type TokenDigest = [u8; 32];

fn digest(token: &[u8]) -> TokenDigest {
    Sha256::digest(token).into()
}

/// A non-empty set of accepted tokens, kept as digests.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSet {
    digests: Vec<TokenDigest>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("count", &self.digests.len())
            .finish_non_exhaustive()
    }
}

/// Where a refused token is: a line of a file, or an item of a comma-separated list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPlace {
    /// The 1-based line of a token file.
    Line(usize),
    /// The 1-based item of a comma-separated list.
    Item(usize),
}

impl fmt::Display for TokenPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenPlace::Line(n) => write!(f, "line {n}"),
            TokenPlace::Item(n) => write!(f, "token {n} of the list"),
        }
    }
}

/// Why a token list was refused. It names where, never the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No token at all (only blank lines and comments).
    #[error("no token given (at least one is needed)")]
    Empty,
    /// A token too short to be a secret.
    #[error("{at}: a token must be at least {MIN_TOKEN_CHARS} characters (this one has {chars})")]
    TooShort {
        /// Where.
        at: TokenPlace,
        /// Its length in characters.
        chars: usize,
    },
    /// A character a bearer token cannot carry in a header (a space, a control, non-ASCII).
    #[error(
        "{at}: character {position} of the token cannot be sent in an Authorization header \
         (use visible ASCII characters only)"
    )]
    BadCharacter {
        /// Where.
        at: TokenPlace,
        /// The 1-based character position in the token.
        position: usize,
    },
}

impl TokenSet {
    /// Tokens from a file's text: one per line; blank lines and lines starting with `#` are
    /// skipped; surrounding whitespace is trimmed.
    pub fn from_lines(text: &str) -> Result<TokenSet, TokenError> {
        let tokens = text
            .lines()
            .enumerate()
            .map(|(i, line)| (TokenPlace::Line(i + 1), line.trim()))
            .filter(|(_, token)| !token.is_empty() && !token.starts_with('#'));
        TokenSet::collect(tokens)
    }

    /// Tokens from a comma-separated list (an environment variable's value); empty items and
    /// surrounding whitespace are ignored.
    pub fn from_list(list: &str) -> Result<TokenSet, TokenError> {
        let tokens = list
            .split(',')
            .enumerate()
            .map(|(i, item)| (TokenPlace::Item(i + 1), item.trim()))
            .filter(|(_, token)| !token.is_empty());
        TokenSet::collect(tokens)
    }

    fn collect<'a>(
        tokens: impl Iterator<Item = (TokenPlace, &'a str)>,
    ) -> Result<TokenSet, TokenError> {
        let mut digests = Vec::new();
        for (at, token) in tokens {
            check(at, token)?;
            digests.push(digest(token.as_bytes()));
        }
        // Sorted and deduplicated: equal sets compare equal whatever the order given.
        digests.sort_unstable();
        digests.dedup();
        if digests.is_empty() {
            return Err(TokenError::Empty);
        }
        Ok(TokenSet { digests })
    }

    /// How many distinct tokens.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Never true: an empty set is refused when parsed.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether the digest is one of these, in time that depends only on the number of tokens.
    fn contains(&self, presented: &TokenDigest) -> Choice {
        self.digests
            .iter()
            .fold(Choice::from(0), |found, d| found | d.ct_eq(presented))
    }
}

fn check(at: TokenPlace, token: &str) -> Result<(), TokenError> {
    if let Some(position) = token.chars().position(|c| !c.is_ascii_graphic()) {
        return Err(TokenError::BadCharacter {
            at,
            position: position + 1,
        });
    }
    let chars = token.chars().count();
    if chars < MIN_TOKEN_CHARS {
        return Err(TokenError::TooShort { at, chars });
    }
    Ok(())
}

/// The tokens a service accepts. A `None` set changes what its routes do: without decision
/// tokens the decision routes are open; without admin tokens the admin routes are refused.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    decide: Option<TokenSet>,
    admin: Option<TokenSet>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("decide", &self.decide)
            .field("admin", &self.admin)
            .finish()
    }
}

/// What a presented token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// Not an accepted token.
    None,
    /// A decision token.
    Decide,
    /// An admin token.
    Admin,
}

impl Tokens {
    /// Decision tokens (`None`: the decision routes are open) and admin tokens (`None`: the
    /// admin routes are refused).
    pub fn new(decide: Option<TokenSet>, admin: Option<TokenSet>) -> Tokens {
        Tokens { decide, admin }
    }

    /// Whether the decision routes need a token.
    pub fn decisions_need_token(&self) -> bool {
        self.decide.is_some()
    }

    /// Whether the admin routes can be used at all.
    pub fn admin_enabled(&self) -> bool {
        self.admin.is_some()
    }

    /// What `token` may do, found in time that depends only on the number of tokens.
    pub(crate) fn grant(&self, token: &[u8]) -> Grant {
        let presented = digest(token);
        let check = |set: &Option<TokenSet>| {
            set.as_ref()
                .map_or(Choice::from(0), |s| s.contains(&presented))
        };
        // Both sets are always compared, so the time does not tell which holds the token.
        let (admin, decide) = (check(&self.admin), check(&self.decide));
        if bool::from(admin) {
            Grant::Admin
        } else if bool::from(decide) {
            Grant::Decide
        } else {
            Grant::None
        }
    }
}
