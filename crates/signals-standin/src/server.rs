//! HTTP: the routes, the gate every request passes (journal, delay, authentication), and the
//! accept loop.
//!
//! The accept loop serves each connection itself (hyper's HTTP/1 connection in a task of its
//! own) rather than through `axum::serve`, because `drop_first` needs to close one connection
//! without an answer: each request carries a [`Hangup`] for its connection, and the connection
//! task drops the connection (closing the socket) when the handler pulls it.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use crate::answer::Answer;
use crate::phonebook::Api;
use crate::provider::{recorded, Provider};
use crate::script::PostFate;

/// The largest request body read (the provider's requests are a few hundred bytes).
const MAX_BODY: usize = 1 << 20;

/// Closes the connection a request came on, without an answer.
#[derive(Debug, Clone)]
struct Hangup(Arc<Notify>);

/// The routes, behind the gate.
pub(crate) fn router(provider: Arc<Provider>) -> Router {
    Router::new()
        .route("/v1/beta/signals", post(create_beta))
        .route("/v1/beta/signals/{id}", get(fetch_beta))
        .route("/v1/alpha/signals", post(create_alpha))
        .route("/v1/alpha/signals/{id}", get(fetch_alpha))
        .fallback(no_route)
        .method_not_allowed_fallback(no_method)
        .layer(from_fn_with_state(Arc::clone(&provider), gate))
        .with_state(provider)
}

/// What every request goes through first: read in full and journaled, delayed, authenticated.
async fn gate(State(provider): State<Arc<Provider>>, request: Request, next: Next) -> Response {
    let at = Instant::now();
    let (parts, body) = request.into_parts();
    let read = to_bytes(body, MAX_BODY).await;
    let body_bytes = read.as_ref().map(|b| b.to_vec()).unwrap_or_default();
    provider.record(recorded(
        parts.method.as_str(),
        parts.uri.path(),
        &parts.headers,
        body_bytes,
        at,
    ));
    let script = &provider.checked().script;
    if !script.delay.is_zero() {
        tokio::time::sleep(script.delay).await;
    }
    let garble = &provider.checked().garble;
    let Ok(body) = read else {
        return Answer::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("request body unreadable or over {MAX_BODY} bytes"),
        )
        .into_response(garble);
    };
    if let Some(refusal) = provider.refusal(&parts.headers) {
        return refusal.into_response(garble);
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// `POST /v1/beta/signals`.
async fn create_beta(
    State(provider): State<Arc<Provider>>,
    Extension(hangup): Extension<Hangup>,
    body: Bytes,
) -> Response {
    create(&provider, Api::Beta, hangup, &body).await
}

/// `POST /v1/alpha/signals`.
async fn create_alpha(
    State(provider): State<Arc<Provider>>,
    Extension(hangup): Extension<Hangup>,
    body: Bytes,
) -> Response {
    create(&provider, Api::Alpha, hangup, &body).await
}

/// A new signal request, unless the script drops or fails this POST.
async fn create(provider: &Provider, api: Api, hangup: Hangup, body: &[u8]) -> Response {
    let garble = &provider.checked().garble;
    match provider.next_post_fate() {
        PostFate::Drop => {
            hangup.0.notify_one();
            // The connection task drops this handler with the connection.
            std::future::pending().await
        }
        PostFate::Fail => provider.failure().into_response(garble),
        PostFate::Serve => provider.create(api, body).into_response(garble),
    }
}

/// `GET /v1/beta/signals/{id}`.
async fn fetch_beta(State(provider): State<Arc<Provider>>, Path(id): Path<String>) -> Response {
    provider
        .fetch(Api::Beta, &id)
        .into_response(&provider.checked().garble)
}

/// `GET /v1/alpha/signals/{id}`.
async fn fetch_alpha(State(provider): State<Arc<Provider>>, Path(id): Path<String>) -> Response {
    provider
        .fetch(Api::Alpha, &id)
        .into_response(&provider.checked().garble)
}

/// Any other path.
async fn no_route(
    State(provider): State<Arc<Provider>>,
    method: Method,
    request: Request,
) -> Response {
    Answer::error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("no route {method} {}", request.uri().path()),
    )
    .into_response(&provider.checked().garble)
}

/// A known path with another method.
async fn no_method(
    State(provider): State<Arc<Provider>>,
    method: Method,
    request: Request,
) -> Response {
    Answer::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{method} is not allowed on {}", request.uri().path()),
    )
    .into_response(&provider.checked().garble)
}

/// Accept connections until `stop` fires or its sender is dropped; then close every open
/// connection.
pub(crate) async fn serve(listener: TcpListener, router: Router, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            // Stopping wins over a connection waiting to be accepted.
            biased;
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, router.clone()));
                }
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

/// Serve one connection until it ends or a handler hangs up on it.
async fn connection(stream: TcpStream, router: Router) {
    let hangup = Hangup(Arc::new(Notify::new()));
    let pulled = Arc::clone(&hangup.0);
    let service = hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(hangup.clone());
        router.clone().oneshot(request)
    });
    let served =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        // A connection error is the client's business; nothing to report.
        _ = served => {}
        // Dropping `served` drops the socket: the client sees the connection close.
        () = pulled.notified() => {}
    }
}
