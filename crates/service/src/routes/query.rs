//! The query string of the routes that take one, read against the parameters the route table
//! declares for them (`openapi::Operation::query`), so the document and the reader cannot
//! disagree.
//!
//! A parameter the route does not take, one given twice, or a value that is not one the
//! parameter reads is a 400 problem of kind `bad-query` naming the parameter (`at`) and quoting
//! the value, never the anonymous 400 a generic extractor gives.

use axum::http::{StatusCode, Uri};

use crate::openapi::{Param, ParamKind, TRACE};
use crate::problem::{escaped, shown, Problem};

/// The query of the decision routes (`POST /v1/decisions`, `/v1/decisions/batch`,
/// `/v1/applications`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecideQuery {
    /// Include each decision's trace.
    pub trace: bool,
}

impl DecideQuery {
    /// Read the query of `uri` (no query: the defaults).
    pub fn from_uri(uri: &Uri) -> Result<DecideQuery, Problem> {
        let mut query = DecideQuery::default();
        for (param, value) in read(uri.query().unwrap_or(""), &[TRACE])? {
            match param.kind {
                ParamKind::Bool => query.trace = value,
            }
        }
        Ok(query)
    }
}

/// The parameters of `query` with their values, each checked against `params`: known, given
/// once, and of its kind. (Every parameter is a boolean today; a kind of value is added here
/// with its parameter.)
fn read(query: &str, params: &[Param]) -> Result<Vec<(Param, bool)>, Problem> {
    let mut seen: Vec<(Param, bool)> = Vec::with_capacity(params.len());
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let Some(param) = params.iter().find(|p| p.name == name) else {
            let known: Vec<String> = params.iter().map(|p| format!("`{}`", p.name)).collect();
            let takes = if known.is_empty() {
                "this route takes no query parameter".to_string()
            } else {
                format!("this route takes {}", known.join(", "))
            };
            return Err(bad_query(
                &name,
                format!("unknown query parameter {}: {takes}", shown(&name)),
            ));
        };
        if seen.iter().any(|(p, _)| p.name == param.name) {
            return Err(bad_query(
                param.name,
                format!("query parameter `{}` is given twice", param.name),
            ));
        }
        let read = match param.kind {
            ParamKind::Bool => match &*value {
                "true" => true,
                "false" => false,
                other => {
                    return Err(bad_query(
                        param.name,
                        format!(
                            "query parameter `{}` is {}: expected true or false",
                            param.name,
                            shown(other)
                        ),
                    ))
                }
            },
        };
        seen.push((*param, read));
    }
    Ok(seen)
}

fn bad_query(name: &str, detail: String) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "bad-query", detail)
        .at(format!("query.{}", escaped(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<DecideQuery, Problem> {
        let uri: Uri = format!("/v1/decisions?{query}").parse().expect("uri");
        DecideQuery::from_uri(&uri)
    }

    #[test]
    fn trace_reads_true_and_false_and_nothing_else() {
        assert_eq!(parse(""), Ok(DecideQuery { trace: false }));
        assert_eq!(parse("trace=true"), Ok(DecideQuery { trace: true }));
        assert_eq!(parse("trace=false"), Ok(DecideQuery { trace: false }));
        assert_eq!(parse("trace=tru%65"), Ok(DecideQuery { trace: true }));
        for (query, detail, at) in [
            (
                "trace=yes",
                r#"query parameter `trace` is "yes": expected true or false"#,
                "query.trace",
            ),
            (
                "trace",
                r#"query parameter `trace` is "": expected true or false"#,
                "query.trace",
            ),
            (
                "trace=TRUE",
                r#"query parameter `trace` is "TRUE": expected true or false"#,
                "query.trace",
            ),
            (
                "trace=true&trace=true",
                "query parameter `trace` is given twice",
                "query.trace",
            ),
            (
                "x=1",
                r#"unknown query parameter "x": this route takes `trace`"#,
                "query.x",
            ),
            (
                "tr%0Ace=1",
                r#"unknown query parameter "tr\nce": this route takes `trace`"#,
                "query.tr\\nce",
            ),
        ] {
            let problem = parse(query).expect_err(query);
            assert_eq!(
                (problem.status, problem.kind, problem.detail.as_str()),
                (400, "bad-query", detail),
                "{query}"
            );
            assert_eq!(problem.at.as_deref(), Some(at), "{query}");
        }
    }

    proptest::proptest! {
        /// Against a reference written from the rule, over queries without escapes (so that
        /// decoding is the identity): a query reads exactly when every parameter is `trace`,
        /// given at most once, with the value `true` or `false`.
        #[test]
        fn a_query_reads_exactly_when_the_reference_says_so(
            parts in proptest::collection::vec(
                proptest::sample::select(&["trace", "true", "false", "x", "=", "&", "e", ""][..]),
                0..10,
            )
        ) {
            let query = parts.concat();
            let pairs: Vec<(&str, &str)> = query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| p.split_once('=').unwrap_or((p, "")))
                .collect();
            let expected = match pairs.as_slice() {
                [] => Some(false),
                [("trace", "true")] => Some(true),
                [("trace", "false")] => Some(false),
                _ => None,
            };
            let read = parse(&query);
            proptest::prop_assert_eq!(read.as_ref().ok().map(|q| q.trace), expected, "{:?}", read);
            if let Err(problem) = read {
                proptest::prop_assert_eq!(problem.kind, "bad-query");
                proptest::prop_assert!(problem.at.is_some_and(|at| at.starts_with("query.")));
            }
        }
    }

    #[test]
    fn a_long_value_is_cut_when_quoted() {
        let problem = parse(&format!("trace={}", "y".repeat(10_000))).expect_err("long");
        assert!(problem.detail.len() < 200, "{}", problem.detail);
        assert!(problem.detail.contains('…'), "{}", problem.detail);
    }
}
