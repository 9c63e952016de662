//! Bearer-token authentication: decision tokens and admin tokens.
//!
//! * **Decision routes** (`/v1/decisions*`, `/v1/kyc`, `/v1/policy`) are open when the service
//!   runs without decision tokens; with them, a request needs `Authorization: Bearer <token>`
//!   with a decision token or an admin token.
//! * **Admin routes** (`/v1/admin/*`) need an admin token. Without admin tokens they are
//!   refused (403), never open: changing what decides must be something an operator turned on.
//! * **Health, readiness, metrics and the OpenAPI document** are always open.
//!
//! Tokens are kept only as SHA-256 digests, and a presented token is compared by its digest
//! against every accepted digest with [`subtle`]'s constant-time equality, without stopping at a
//! match: neither the bytes nor the length of an accepted token show in the time taken. No token
//! appears in a log line, a problem or `Debug` output.
//!
//! Reading token files and the environment is the caller's job (the CLI's); [`TokenSet`]'s
//! parsers take text.

use std::fmt;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use crate::app::AppState;
use crate::problem::Problem;

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
enum Grant {
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

    fn grant(&self, token: &[u8]) -> Grant {
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

/// The route class a middleware guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Decide,
    Admin,
}

/// Whether a request with these headers may use a route of this class.
fn authorize(tokens: Option<&Tokens>, headers: &HeaderMap, need: Need) -> Result<(), Refusal> {
    let tokens = match (tokens, need) {
        (Some(t), Need::Decide) if t.decide.is_some() => t,
        (_, Need::Decide) => return Ok(()),
        (Some(t), Need::Admin) if t.admin.is_some() => t,
        (_, Need::Admin) => return Err(Refusal::AdminOff),
    };
    let token = bearer(headers).ok_or(Refusal::Missing)?;
    match (tokens.grant(token), need) {
        (Grant::Admin, _) | (Grant::Decide, Need::Decide) => Ok(()),
        (Grant::Decide, Need::Admin) => Err(Refusal::NotAdmin),
        (Grant::None, _) => Err(Refusal::Invalid),
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    let token = rest.strip_prefix(b" ")?.trim_ascii();
    (!token.is_empty()).then_some(token)
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No bearer token.
    Missing,
    /// A token that is not accepted.
    Invalid,
    /// A decision token on an admin route.
    NotAdmin,
    /// An admin route on a service without admin tokens.
    AdminOff,
}

impl Refusal {
    /// The problem to answer, and the `WWW-Authenticate` challenge to send with it.
    fn answer(self) -> (Problem, Option<&'static str>) {
        match self {
            Refusal::Missing => (
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "this route needs a bearer token (Authorization: Bearer <token>)",
                ),
                Some(r#"Bearer realm="underwrite""#),
            ),
            Refusal::Invalid => (
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "the bearer token is not one this service accepts",
                ),
                Some(r#"Bearer realm="underwrite", error="invalid_token""#),
            ),
            Refusal::NotAdmin => (
                Problem::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "this route needs an admin token; the token given is a decision token",
                ),
                Some(r#"Bearer realm="underwrite", error="insufficient_scope""#),
            ),
            Refusal::AdminOff => (
                Problem::new(
                    StatusCode::FORBIDDEN,
                    "admin-disabled",
                    "admin routes need --admin-tokens (the service runs without admin tokens)",
                ),
                None,
            ),
        }
    }
}

async fn guard(state: &AppState, request: Request<Body>, next: Next, need: Need) -> Response {
    let refusal = match authorize(state.tokens.as_ref(), request.headers(), need) {
        Ok(()) => return next.run(request).await,
        Err(refusal) => refusal,
    };
    tracing::debug!(
        ?refusal,
        path = request.uri().path(),
        "request refused by authentication"
    );
    let (problem, challenge) = refusal.answer();
    state.metrics.refused(&problem);
    let mut response = problem.into_response();
    if let Some(challenge) = challenge {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    response
}

/// Middleware for the decision routes: open without decision tokens; else a decision or an
/// admin token.
pub async fn require_decide(
    State(state): State<Arc<AppState>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    guard(&state, request, next, Need::Decide).await
}

/// Middleware for the admin routes: an admin token; refused when there are no admin tokens.
pub async fn require_admin(
    State(state): State<Arc<AppState>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    guard(&state, request, next, Need::Admin).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECIDE: &str = "decide-token-0123456789";
    const ADMIN: &str = "admin-token-0123456789ab";

    fn tokens() -> Tokens {
        Tokens::new(
            Some(TokenSet::from_list(DECIDE).expect("decide")),
            Some(TokenSet::from_list(ADMIN).expect("admin")),
        )
    }

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn each_class_of_token_opens_what_it_should() {
        let t = tokens();
        let decide = with(&format!("Bearer {DECIDE}"));
        let admin = with(&format!("bearer {ADMIN}"));
        assert_eq!(authorize(Some(&t), &decide, Need::Decide), Ok(()));
        assert_eq!(authorize(Some(&t), &admin, Need::Decide), Ok(()));
        assert_eq!(authorize(Some(&t), &admin, Need::Admin), Ok(()));
        assert_eq!(
            authorize(Some(&t), &decide, Need::Admin),
            Err(Refusal::NotAdmin)
        );
        assert_eq!(
            authorize(Some(&t), &HeaderMap::new(), Need::Decide),
            Err(Refusal::Missing)
        );
        for wrong in [
            format!("Bearer {DECIDE}x"),
            format!("Bearer {}", &DECIDE[..DECIDE.len() - 1]),
            format!("Bearer {}", "a".repeat(64)),
        ] {
            assert_eq!(
                authorize(Some(&t), &with(&wrong), Need::Decide),
                Err(Refusal::Invalid),
                "{wrong}"
            );
        }
        for not_bearer in [
            format!("Basic {DECIDE}"),
            format!("Bearer{DECIDE}"),
            "Bearer".into(),
        ] {
            assert_eq!(
                authorize(Some(&t), &with(&not_bearer), Need::Decide),
                Err(Refusal::Missing),
                "{not_bearer}"
            );
        }
    }

    #[test]
    fn without_sets_decisions_are_open_and_admin_is_refused() {
        let anything = with("Bearer whatever-it-is-0000000");
        assert_eq!(authorize(None, &anything, Need::Decide), Ok(()));
        assert_eq!(
            authorize(None, &anything, Need::Admin),
            Err(Refusal::AdminOff)
        );
        let admin_only = Tokens::new(None, Some(TokenSet::from_list(ADMIN).expect("admin")));
        assert_eq!(
            authorize(Some(&admin_only), &HeaderMap::new(), Need::Decide),
            Ok(())
        );
        assert_eq!(
            authorize(
                Some(&admin_only),
                &with(&format!("Bearer {ADMIN}")),
                Need::Admin
            ),
            Ok(())
        );
        let decide_only = Tokens::new(Some(TokenSet::from_list(DECIDE).expect("d")), None);
        assert_eq!(
            authorize(
                Some(&decide_only),
                &with(&format!("Bearer {DECIDE}")),
                Need::Admin
            ),
            Err(Refusal::AdminOff)
        );
    }
}
