//! The service's router: every route of the route table, and the layers around them.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, State};
use axum::http::{Request, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::Response;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::SizeAbove;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use crate::auth;
use crate::host::require_host;
use crate::openapi::{route_pattern, Access, Endpoint, Method, OPERATIONS};
use crate::problem::problem_for_bare_errors;
use crate::routes::{admin, applications, batch, decisions, health, kyc, policy};
use crate::state::AppState;

/// Answers smaller than this are sent as they are, whatever the client accepts. A decision's
/// ~500 bytes gzip to ~300, which saves nothing a network notices and costs ~30 µs of CPU per
/// request, most of what the service itself spends on one (docs/service-load.md). Batch answers,
/// megabytes of repetitive JSON Lines, are compressed, at the fastest level: on a LAN the CPU is
/// the cost, and such text compresses well at any level.
const COMPRESS_ABOVE_BYTES: u16 = 8 * 1024;

/// Every route of [`OPERATIONS`] (the table the OpenAPI document is generated from), with
/// authentication where it applies, and the layers every request passes: the `Host` check,
/// metrics, request id,
/// problem details for bare errors, panic catching, timeouts, the body cap, compression and the
/// concurrency limit.
pub fn router(state: Arc<AppState>) -> Router {
    let limits = state.limits;
    let mut routes = Router::new();
    for op in OPERATIONS {
        let filter = match op.method {
            Method::Get => MethodFilter::GET,
            Method::Post => MethodFilter::POST,
        };
        let handler = handler(op.endpoint, filter);
        let handler = match op.access {
            Access::Open => handler,
            Access::Decide => {
                handler.route_layer(from_fn_with_state(Arc::clone(&state), auth::require_decide))
            }
            Access::Admin => {
                handler.route_layer(from_fn_with_state(Arc::clone(&state), auth::require_admin))
            }
        };
        routes = routes.route(op.path, handler);
    }
    routes
        .layer(from_fn_with_state(Arc::clone(&state), track))
        // Before any route: a request that breaks the `Host` rule is not routed.
        .layer(from_fn_with_state(Arc::clone(&state), require_host))
        .with_state(state)
        // Each `layer` wraps everything before it: the last one is the outermost. The
        // concurrency limit is global (one semaphore), not one per route.
        .layer(GlobalConcurrencyLimitLayer::new(limits.concurrency))
        .layer(RequestBodyLimitLayer::new(
            limits.max_batch_bytes.max(limits.max_body_bytes),
        ))
        .layer(RequestBodyTimeoutLayer::new(limits.header_timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(from_fn(problem_for_bare_errors))
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(SizeAbove::new(COMPRESS_ABOVE_BYTES)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// The handler of each endpoint of the route table.
fn handler(endpoint: Endpoint, filter: MethodFilter) -> MethodRouter<Arc<AppState>> {
    match endpoint {
        Endpoint::Decide => on(filter, decisions::one),
        Endpoint::DecideBatch => on(filter, batch::batch),
        Endpoint::Kyc => on(filter, kyc::one),
        Endpoint::Application => on(filter, applications::one),
        Endpoint::Policy => on(filter, policy::status),
        Endpoint::Reload => on(filter, admin::reload),
        Endpoint::Healthz => on(filter, health::healthz),
        Endpoint::Readyz => on(filter, health::readyz),
        Endpoint::Metrics => on(filter, health::metrics),
        Endpoint::OpenApi => on(filter, health::openapi),
    }
}

/// Middleware: count every answered request by route and status, and time it. Registered
/// around the routes (inside the outer layers), so the route is the matched path pattern.
pub async fn track(
    State(state): State<Arc<AppState>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|matched| route_pattern(matched.as_str()))
        .unwrap_or("unmatched");
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .requested(route, response.status().as_u16(), started.elapsed());
    response
}
