//! The HTTP application: GraphQL over HTTP on `/graphql`, GraphiQL for browsers, health and
//! readiness probes. Built from its parts and bound separately, so tests can bind port 0.

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLRequest;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::auth::identity::Identity;
use crate::auth::jwt::{self, Verifier};
use crate::graphql::{CivlinkSchema, RequestData};

/// Shared state of the router: the schema, the pool and the token verifier. Nothing
/// per-client is kept here, so any number of replicas can serve behind one database.
#[derive(Clone)]
pub struct AppState {
    pub schema: CivlinkSchema,
    pub db: DatabaseConnection,
    /// `None` when no secret or key is configured: every request is then PUBLIC, and a
    /// request that presents a token is refused.
    pub verifier: Option<Verifier>,
}

/// The media type of GraphQL-over-HTTP responses.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Largest request body accepted (413 above it): 1 MiB, far above any real query.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Builds the router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .with_state(Arc::new(state))
}

fn accepts(headers: &HeaderMap, media: &str) -> bool {
    headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).any(|v| v.contains(media))
}

/// GET `/graphql`: GraphiQL for a browser that sent no query, else a query over GET.
async fn graphql_get(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    request: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> Response {
    let has_query = uri.query().is_some_and(|q| q.split('&').any(|p| p.starts_with("query=")));
    if !has_query && accepts(&headers, "text/html") {
        return Html(GraphiQLSource::build().endpoint("/graphql").title("civlink GraphiQL").finish()).into_response();
    }
    execute(state, headers, request).await
}

/// POST `/graphql`: `application/json` bodies (GraphQL-over-HTTP).
async fn graphql_post(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> Response {
    execute(state, headers, request).await
}

/// Runs a request and answers per GraphQL over HTTP: clients that accept
/// `application/graphql-response+json` get it, with status 400 for request errors (no
/// `data`); others get `application/json` with status 200.
async fn execute(
    state: Arc<AppState>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> Response {
    // Without `Accept: application/graphql-response+json` a client gets the legacy
    // `application/json` behaviour, as the spec asks of servers during its transition.
    let modern = accepts(&headers, GRAPHQL_RESPONSE);
    let request_id = request_id(&headers);
    let request = match request {
        Ok(r) => r.into_inner(),
        Err(rejection) => {
            tracing::info!(request_id, error = %rejection.0, "malformed GraphQL request");
            let message = "the body is not a GraphQL request: send JSON with a `query` string (and optional `variables`, `operationName`)";
            let body = json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }] });
            return with_request_id(respond(StatusCode::BAD_REQUEST, modern, body.to_string()), &request_id);
        }
    };
    let identity = match authenticate(&state, &headers) {
        Ok(identity) => identity,
        Err(reason) => {
            tracing::info!(request_id, reason, "request refused: bad credentials");
            let body =
                json!({ "errors": [{ "message": jwt::CLIENT_MESSAGE, "extensions": { "code": jwt::ERROR_CODE } }] });
            let mut response = respond(StatusCode::UNAUTHORIZED, modern, body.to_string());
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(jwt::WWW_AUTHENTICATE));
            return with_request_id(response, &request_id);
        }
    };
    let (data, loads) = RequestData::new(state.db.clone(), identity, request_id.clone());
    let response = loads.run(state.schema.execute(request.data(data))).await;
    // A request error (parse or validation) has errors without a path and no data.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let mut body = serde_json::to_value(&response).unwrap_or_default();
    add_missing_codes(&mut body, request_error);
    if request_error && let Some(obj) = body.as_object_mut() {
        obj.remove("data");
    }
    let status = if request_error && modern { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    with_request_id(respond(status, modern, body.to_string()), &request_id)
}

/// Gives every error an `extensions.code`: async-graphql's own errors have none. Request errors
/// (syntax, validation) become `GRAPHQL_VALIDATION_FAILED`; errors inside execution (a variable
/// or argument that fails its scalar's parsing) become `BAD_USER_INPUT`.
fn add_missing_codes(body: &mut serde_json::Value, request_error: bool) {
    let Some(errors) = body.get_mut("errors").and_then(|e| e.as_array_mut()) else { return };
    for e in errors {
        let Some(obj) = e.as_object_mut() else { continue };
        let ext = obj.entry("extensions").or_insert_with(|| json!({}));
        if let Some(ext) = ext.as_object_mut()
            && !ext.contains_key("code")
        {
            let code = if request_error { "GRAPHQL_VALIDATION_FAILED" } else { "BAD_USER_INPUT" };
            ext.insert("code".into(), json!(code));
        }
    }
}

/// The caller of a request: PUBLIC without an `Authorization` header, else the verified
/// token's identity. Errors carry a reason for the server log only; the client always gets
/// the same 401.
fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Identity, &'static str> {
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let header = match (all.next(), all.next()) {
        (None, _) => return Ok(Identity::public()),
        (Some(_), Some(_)) => return Err("more than one authorization header"),
        (Some(v), None) => v.to_str().map_err(|_| "non-ASCII authorization header")?,
    };
    let verifier = state.verifier.as_ref().ok_or("a token was sent but no key is configured")?;
    let claims = verifier.verify_header(Some(header)).map_err(|e| e.reason())?.ok_or("empty authorization header")?;
    Identity::from_claims(&claims).map_err(|_| "claims do not make an identity")
}

/// The client's `x-request-id` when it is a sane token (1-64 characters of `[A-Za-z0-9._-]`),
/// else a fresh UUIDv7.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned)
}

fn with_request_id(mut response: Response, id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

const REQUEST_ID: &str = "x-request-id";

fn respond(status: StatusCode, modern: bool, body: String) -> Response {
    let media = if modern { GRAPHQL_RESPONSE } else { "application/json" };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    response
}

/// `/healthz`: the process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// `/readyz`: the database answers.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}
