//! The HTTP application: GraphQL over HTTP on `/graphql`, GraphiQL for browsers (with its
//! scripts served from the binary, [`graphiql`]), health and readiness probes, Prometheus
//! metrics. Built from its parts and bound separately, so tests can bind port 0.
//!
//! Every GraphQL request runs inside one tracing span (`request`) that ends with one log line
//! carrying its request id, operation name, role, cost, duration and SQL statement count, and
//! nothing a client sent as data (variables) or got back (the response body).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_graphql::{BatchRequest, ServerError};
use async_graphql_axum::GraphQLBatchRequest;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tracing::Instrument;

use crate::allowlist::AllowList;
use crate::auth::identity::{Identity, Role};
use crate::auth::jwt::{self, Verifier};
use crate::graphql::{CivlinkSchema, RequestData};
use crate::observe::{self, series};

mod exports;
mod graphiql;
mod subscriptions;

/// Shared state of the router: the schema, the pool, the token verifier and the HTTP
/// settings. Nothing per-client is kept here beyond the bounded, per-replica caches inside the
/// schema (rate-limit buckets, persisted queries), so any number of replicas can serve behind
/// one database.
#[derive(Clone)]
pub struct AppState {
    pub schema: CivlinkSchema,
    pub db: DatabaseConnection,
    /// The pool for lookups by key ([`crate::db::connect_keyed`]); on SQLite, `db`.
    pub keyed_db: DatabaseConnection,
    /// `None` when no secret or key is configured: every request is then PUBLIC, and a
    /// request that presents a token is refused.
    pub verifier: Option<Verifier>,
    /// Limits and switches of the HTTP layer.
    pub http: HttpSettings,
    /// The replica's change hub ([`crate::subscription::ChangeHub`]); `None`: subscriptions
    /// are refused (503 on the WebSocket upgrade).
    pub changes: Option<crate::subscription::ChangeHub>,
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest request body accepted, in bytes (413 above it).
    pub max_body_bytes: usize,
    /// Most operations in one batched POST (a JSON array of requests).
    pub max_batch: usize,
    /// Longest a GraphQL request may run before it is cancelled with `TIMEOUT`.
    pub request_timeout: Duration,
    /// Origins allowed by CORS (`*` for any); empty: no CORS headers, browsers on other
    /// origins are refused by their own policy.
    pub cors_origins: Vec<String>,
    /// The allow-list; `None`: any document may run.
    pub allowlist: Option<Arc<AllowList>>,
    /// Pool size, reported as the `max` of the pool gauge.
    pub db_max_connections: u32,
    /// The longest a write transaction may stay open (`CIVLINK_WRITE_TIMEOUT_MS`).
    pub write_timeout: Duration,
    /// The limits on uploaded roster files (`importRoster`, `CIVLINK_MAX_UPLOAD_*`).
    pub upload: crate::import::table::UploadLimits,
    /// Internal networks webhooks may reach anyway (`CIVLINK_WEBHOOK_ALLOW`), checked when a
    /// webhook is registered.
    pub webhook_allow: Arc<crate::webhook::WebhookAllow>,
    /// The keys of persons' citizen ID numbers (`CIVLINK_PERSON_KEY_SECRET`); the default is
    /// a fixed, public key for tests, which `civlink serve` never uses.
    pub person_keys: crate::domain::person::PersonKeys,
    /// Limits of subscriptions over WebSocket (`CIVLINK_SUBSCRIPTION*`).
    pub subscriptions: crate::subscription::SubscriptionSettings,
    /// How bulk exports run (`CIVLINK_EXPORT_*`).
    pub jobs: crate::graphql::export::JobSettings,
    /// How queries read relations (`CIVLINK_READ_PATH`).
    pub read_path: crate::graphql::compiled::ReadPath,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: MAX_BODY_BYTES,
            max_batch: 10,
            request_timeout: Duration::from_secs(30),
            cors_origins: Vec::new(),
            allowlist: None,
            db_max_connections: crate::db::PoolSettings::default().max_connections,
            write_timeout: crate::store::write::DEFAULT_WRITE_TIMEOUT,
            upload: Default::default(),
            webhook_allow: Default::default(),
            person_keys: crate::domain::person::PersonKeys::insecure_for_tests(),
            subscriptions: Default::default(),
            jobs: Default::default(),
            read_path: Default::default(),
        }
    }
}

/// The media type of GraphQL-over-HTTP responses.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Default largest request body: 8 MiB, room for a roster sync batch of 10,000 records
/// (about 4 MB of JSON with every field filled); queries are far smaller.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphiql/{hash}/{file}", get(graphiql::asset))
        .route("/exports/{id}", get(exports::download))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(state.http.max_body_bytes))
        // The limit above is the one limit on bodies: axum's own default of 2 MB for the
        // extractors (a multipart upload) is lifted, else a 3 MB roster was refused although
        // CIVLINK_MAX_UPLOAD_BYTES allowed it.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::map_response({
            let limit = state.http.max_body_bytes;
            move |response| payload_too_large_as_graphql(response, limit)
        }))
        // tower-http's levels: gzip 6, brotli 4 (not the brotli crate's 11, 100× slower on a
        // page; tests/http.rs guards it).
        .layer(tower_http::compression::CompressionLayer::new());
    if let Some(cors) = cors(&state.http.cors_origins) {
        router = router.layer(cors);
    }
    // Installs the recorder now, so the first scrape already has the series.
    let _ = observe::metrics_handle();
    router.with_state(Arc::new(state))
}

/// The body-limit layer answers 413 in plain text; clients get a GraphQL error body like every
/// other refusal: `extensions { code: PAYLOAD_TOO_LARGE, limit }`, `limit` in bytes.
async fn payload_too_large_as_graphql(response: Response, limit: usize) -> Response {
    // The layer's own answer is plain text; a handler's 413 already has its GraphQL body.
    let plain = response.headers().get(header::CONTENT_TYPE).is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || !plain {
        return response;
    }
    let message =
        format!("the request body is larger than CIVLINK_MAX_BODY_BYTES allows ({limit} bytes); send smaller batches");
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": "PAYLOAD_TOO_LARGE", "limit": limit } }] });
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body.to_string()))
}

fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::ACCEPT,
                REQUEST_ID.parse().ok()?,
                PREFLIGHT_HEADERS[0].parse().ok()?,
                PREFLIGHT_HEADERS[1].parse().ok()?,
            ])
            .expose_headers([REQUEST_ID.parse().ok()?, header::RETRY_AFTER, header::CONTENT_DISPOSITION])
            .max_age(Duration::from_secs(3600)),
    )
}

fn accepts(headers: &HeaderMap, media: &str) -> bool {
    headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).any(|v| v.contains(media))
}

/// Whether the client accepts a JSON answer at all: no `Accept`, or one naming
/// `application/graphql-response+json`, `application/json`, `application/*` or `*/*`.
fn accepts_json(headers: &HeaderMap) -> bool {
    let values: Vec<&str> = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect();
    values.is_empty()
        || values.iter().flat_map(|v| v.split(',')).any(|m| {
            let m = m.split(';').next().unwrap_or_default().trim();
            matches!(m, GRAPHQL_RESPONSE | "application/json" | "application/*" | "*/*")
        })
}

/// What the handler knows of the caller before the request runs.
struct Caller {
    headers: HeaderMap,
    peer: Option<SocketAddr>,
    method: Method,
    request_id: String,
}

/// The parameters of a GraphQL request over GET (GraphQL over HTTP, "GET"): `variables` and
/// `extensions` are JSON-encoded. (async-graphql's own parser reads `operation_name`, not the
/// spec's `operationName`.)
#[derive(serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

impl GetParams {
    fn into_request(self) -> Result<async_graphql::Request, String> {
        fn json<T: serde::de::DeserializeOwned + Default>(what: &str, v: Option<String>) -> Result<T, String> {
            match v.as_deref().map(str::trim) {
                None | Some("") => Ok(T::default()),
                Some(text) => serde_json::from_str(text).map_err(|e| format!("`{what}` is not a JSON object: {e}")),
            }
        }
        let mut request =
            async_graphql::Request::new(self.query.unwrap_or_default()).variables(json("variables", self.variables)?);
        request.operation_name = self.operation_name.filter(|n| !n.is_empty());
        request.extensions = json("extensions", self.extensions)?;
        Ok(request)
    }
}

/// GET `/graphql`: a WebSocket upgrade for subscriptions ([`subscriptions`]), GraphiQL
/// ([`graphiql::page`]) for a browser that sent no query, else a query over GET.
async fn graphql_get(
    State(state): State<Arc<AppState>>,
    ws: Result<axum::extract::ws::WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    params: Result<axum::extract::Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Ok(ws) = ws {
        return subscriptions::upgrade(state, ws, &headers, request_id(&headers));
    }
    let has_query = params.as_ref().is_ok_and(|p| p.query.is_some() || p.extensions.is_some());
    if !has_query && accepts(&headers, "text/html") {
        return graphiql::page();
    }
    let caller = Caller { request_id: request_id(&headers), headers, peer: peer.map(|p| p.0.0), method: Method::GET };
    let request = params.map_err(|e| e.body_text()).and_then(|p| p.0.into_request()).map(BatchRequest::Single);
    handle(state, caller, request).await
}

/// POST `/graphql`: `application/json` bodies (GraphQL-over-HTTP), one request or a batch
/// (a JSON array); `multipart/form-data` bodies (the GraphQL multipart request specification,
/// <https://github.com/jaydenseric/graphql-multipart-request-spec>) for file uploads.
async fn graphql_post(
    State(state): State<Arc<AppState>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: axum::extract::Request,
) -> Response {
    let headers = request.headers().clone();
    let caller = Caller { request_id: request_id(&headers), headers, peer: peer.map(|p| p.0.0), method: Method::POST };
    let media = caller
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let large = content_length(&caller.headers).is_some_and(|n| n >= crate::memory::TRIM_AFTER_BYTES);
    let parsed = match media.as_deref() {
        Some("application/json") => {
            use axum::extract::FromRequest;
            GraphQLBatchRequest::<async_graphql_axum::rejection::GraphQLRejection>::from_request(request, &())
                .await
                .map(|r| r.into_inner())
                .map_err(|e| e.0.to_string())
        }
        Some("multipart/form-data") => match multipart(&state, &caller, request).await {
            Ok(r) => r,
            Err(refusal) => return refusal,
        },
        _ => {
            let modern = accepts(&caller.headers, GRAPHQL_RESPONSE);
            let message = "send the request as `Content-Type: application/json` (file uploads: `multipart/form-data`)";
            let body =
                json!({ "errors": [{ "message": message, "extensions": { "code": "UNSUPPORTED_MEDIA_TYPE" } }] });
            return with_request_id(
                respond(StatusCode::UNSUPPORTED_MEDIA_TYPE, modern, body.to_string()),
                &caller.request_id,
            );
        }
    };
    let response = handle(state, caller, parsed).await;
    if large {
        // The request and its parsed variables are dropped by now (peak memory of roster syncs).
        crate::memory::release_free_memory();
    }
    response
}

/// Request headers of which one must be present, and not empty, on a multipart request: the
/// ones Apollo Server requires for the same reason (its "CSRF prevention").
pub const PREFLIGHT_HEADERS: [&str; 2] = ["apollo-require-preflight", "x-apollo-operation-name"];

/// Parses a multipart request (GraphQL multipart request specification). A browser sends a
/// `multipart/form-data` POST across origins without a CORS preflight (it is a "simple
/// request"), with the user's cookies or basic credentials; refusing multipart requests that
/// lack a header no simple request may carry ([`PREFLIGHT_HEADERS`]) makes every upload
/// preflighted, so only the origins CORS allows can send one. Files count against
/// `CIVLINK_MAX_UPLOAD_BYTES` each, the whole body against `CIVLINK_MAX_BODY_BYTES` (the body
/// limit layer). Errors: the response to send instead.
async fn multipart(
    state: &AppState,
    caller: &Caller,
    request: axum::extract::Request,
) -> Result<Result<BatchRequest, String>, Response> {
    use axum::extract::FromRequest;
    let modern = accepts(&caller.headers, GRAPHQL_RESPONSE);
    let refuse = |status: StatusCode, code: &str, message: String, extra: Option<(&str, usize)>| {
        let mut extensions = json!({ "code": code });
        if let Some((k, v)) = extra {
            extensions[k] = json!(v);
        }
        let body = json!({ "errors": [{ "message": message, "extensions": extensions }] });
        with_request_id(respond(status, modern, body.to_string()), &caller.request_id)
    };
    let preflighted = PREFLIGHT_HEADERS
        .iter()
        .any(|h| caller.headers.get(*h).and_then(|v| v.to_str().ok()).is_some_and(|v| !v.trim().is_empty()));
    if !preflighted {
        record_outcome(None, "bad_request");
        let message = "a multipart request must carry a non-empty `apollo-require-preflight` or \
                       `x-apollo-operation-name` header (CSRF protection: browsers preflight such requests)";
        return Err(refuse(StatusCode::BAD_REQUEST, "PREFLIGHT_REQUIRED", message.to_owned(), None));
    }
    let content_type = caller.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // The body limit layer bounds the body; a body over it is answered 413 by that layer's
    // mapping ([`payload_too_large_as_graphql`]).
    let body = match axum::body::Bytes::from_request(request, &()).await {
        Ok(b) => b,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(rejection.status().into_response());
        }
        Err(_) => return Ok(Err("unreadable body".to_owned())),
    };
    let max_file = state.http.upload.max_file_bytes;
    let options =
        async_graphql::http::MultipartOptions::default().max_file_size(max_file).max_num_files(state.http.max_batch);
    match async_graphql::http::receive_batch_body(content_type, futures::io::Cursor::new(body), options).await {
        Ok(r) => Ok(Ok(r)),
        Err(async_graphql::ParseRequestError::PayloadTooLarge) => {
            record_outcome(None, "bad_request");
            let message = format!(
                "an uploaded file is larger than CIVLINK_MAX_UPLOAD_BYTES allows ({max_file} bytes), \
                 or the request has more than {} files",
                state.http.max_batch
            );
            Err(refuse(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", message, Some(("limit", max_file))))
        }
        // The parser's message may quote the body: not sent, not logged.
        Err(_) => Ok(Err("malformed multipart request".to_owned())),
    }
}

/// The `Content-Length` of a request, if given and valid.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// The answer to a body that is not a GraphQL request (`BAD_REQUEST`).
const NOT_A_REQUEST: &str = "the body is not a GraphQL request: send JSON with a `query` string (and optional `variables`, `operationName`), \
     or for uploads a GraphQL multipart request (`operations`, `map`, then the files)";

/// Checks what holds for a whole HTTP request (media types, credentials, batch size), then
/// runs each operation.
async fn handle(state: Arc<AppState>, caller: Caller, request: Result<BatchRequest, String>) -> Response {
    // Without `Accept: application/graphql-response+json` a client gets the legacy
    // `application/json` behaviour, as the spec asks of servers during its transition.
    let modern = accepts(&caller.headers, GRAPHQL_RESPONSE);
    let id = caller.request_id.clone();
    let refuse = |status: StatusCode, code: &str, message: &str| {
        let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
        with_request_id(respond(status, modern, body.to_string()), &id)
    };
    if !accepts_json(&caller.headers) {
        let message = "this endpoint answers application/graphql-response+json or application/json";
        return refuse(StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE", message);
    }
    // `{"foo": 1}` and `[]` parse as one request with every field defaulted: no query, and no
    // persisted-query hash standing in for one. They are malformed like a body that does not
    // parse.
    let request = request.and_then(|r| match &r {
        BatchRequest::Single(one) if one.query.trim().is_empty() && one.extensions.is_empty() => {
            Err("no query".to_owned())
        }
        _ => Ok(r),
    });
    let request = match request {
        Ok(r) => r,
        Err(rejection) => {
            // The parser's message may quote the body (`invalid type: string "…"`): not logged.
            let _ = rejection;
            tracing::info!(request_id = %caller.request_id, "malformed GraphQL request");
            record_outcome(None, "bad_request");
            return refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", NOT_A_REQUEST);
        }
    };
    let operations: &[async_graphql::Request] = match &request {
        BatchRequest::Single(r) => std::slice::from_ref(r),
        BatchRequest::Batch(rs) => rs,
    };
    if operations.iter().any(holds_nul) {
        record_outcome(None, "bad_request");
        let message = "strings may not contain the NUL character (U+0000)";
        // Like a validation error: 400 for GraphQL-over-HTTP clients, 200 for legacy JSON ones.
        let status = if modern { StatusCode::BAD_REQUEST } else { StatusCode::OK };
        return refuse(status, "BAD_USER_INPUT", message);
    }
    let identity = match authenticate(&state, &caller.headers) {
        Ok(identity) => identity,
        Err(reason) => {
            tracing::info!(request_id = %caller.request_id, reason, "request refused: bad credentials");
            record_outcome(None, "unauthenticated");
            let mut response = refuse(StatusCode::UNAUTHORIZED, jwt::ERROR_CODE, jwt::CLIENT_MESSAGE);
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(jwt::WWW_AUTHENTICATE));
            return response;
        }
    };
    match request {
        BatchRequest::Single(r) => {
            let answer = run_one(&state, &caller, &identity, r, modern).await;
            let mut response = with_request_id(respond(answer.status, modern, answer.body), &caller.request_id);
            set_retry_after(&mut response, answer.retry_after);
            if answer.status == StatusCode::METHOD_NOT_ALLOWED {
                response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            if caller.method == Method::GET {
                set_get_caching(&mut response, &identity, answer.clean);
            }
            response
        }
        BatchRequest::Batch(requests) => {
            if requests.is_empty() || requests.len() > state.http.max_batch {
                let message = format!(
                    "a batch holds 1 to {} operations, this one {}; send more requests",
                    state.http.max_batch,
                    requests.len()
                );
                record_outcome(None, "rejected");
                let extensions = json!({ "code": "BATCH_LIMIT_EXCEEDED", "limit": state.http.max_batch });
                let body = json!({ "errors": [{ "message": message, "extensions": extensions }] });
                return with_request_id(respond(StatusCode::BAD_REQUEST, modern, body.to_string()), &id);
            }
            // Each body is a JSON object's text: the batch's is their array, joined as text.
            let mut bodies = String::from("[");
            let mut retry = None;
            for (i, r) in requests.into_iter().enumerate() {
                if i > 0 {
                    bodies.push(',');
                }
                // Once an entry is rate-limited the budget is spent: the entries after it are
                // refused unrun, so a client retrying after `Retry-After` knows that exactly
                // the entries from the first refused one on did not run.
                if let Some(secs) = retry {
                    record_outcome(None, "rate_limited");
                    bodies.push_str(&not_run_body(secs));
                    continue;
                }
                let answer = run_one(&state, &caller, &identity, r, false).await;
                retry = answer.retry_after;
                bodies.push_str(&answer.body);
            }
            bodies.push(']');
            // 429 as for a single request (README); the body still holds every entry's answer.
            let status = if retry.is_some() { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::OK };
            let mut response = with_request_id(respond(status, modern, bodies), &caller.request_id);
            set_retry_after(&mut response, retry);
            response
        }
    }
}

/// Whether an operation carries a NUL character in a string, in its variables or as an escape
/// in its text (`\u0000`, `\u{0}`). PostgreSQL refuses NUL in text (`invalid byte sequence for
/// encoding "UTF8": 0x00`), so such a value, reaching a filter or a cursor, failed as
/// `INTERNAL`; it is refused here, for every field at once.
fn holds_nul(request: &async_graphql::Request) -> bool {
    fn value_holds_nul(v: &async_graphql::Value) -> bool {
        use async_graphql::Value as V;
        match v {
            V::String(s) => s.contains('\0'),
            V::List(items) => items.iter().any(value_holds_nul),
            V::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || value_holds_nul(v)),
            _ => false,
        }
    }
    // Zero has no letter case, so the text is searched as it is.
    let escaped = |q: &str| {
        q.contains("\\u0000")
            || q.match_indices("\\u{").any(|(i, _)| q[i + 3..].trim_start_matches('0').starts_with('}'))
    };
    request.query.contains('\0') || escaped(&request.query) || request.variables.iter().any(|(_, v)| value_holds_nul(v))
}

/// The answer to a batch entry after a rate-limited one: the same `RATE_LIMITED` request
/// error, saying it did not run.
fn not_run_body(retry_after: u64) -> String {
    json!({ "errors": [{
        "message": format!("rate limit: an earlier operation of this batch spent the budget, so this one did not run; retry in {retry_after} s"),
        "extensions": { "code": "RATE_LIMITED", "retryAfter": retry_after },
    }] })
    .to_string()
}

/// How long shared caches may keep a GET answer made for no caller in particular.
pub const PUBLIC_GET_MAX_AGE: Duration = Duration::from_secs(60);

/// `Cache-Control` and `Vary` of a GET answer (GraphQL over HTTP lets GET answers be cached;
/// RFC 9111 says what shared caches may keep). Only an error-free answer to a request without
/// credentials is `public`: it is the same for every anonymous caller. An answer made for a
/// token is that caller's scoped (and possibly revealed, and audited) view and is never
/// stored; nor is an error, which may be a rate limit or an outage that should not outlive
/// itself. `Vary` names the request headers the answer depends on, so a cache never hands
/// one caller's answer to a request that differs in them.
fn set_get_caching(response: &mut Response, identity: &Identity, clean: bool) {
    let policy = if clean && identity.subject.is_none() && identity.role == Role::Public {
        format!("public, max-age={}", PUBLIC_GET_MAX_AGE.as_secs())
    } else {
        "private, no-store".to_owned()
    };
    if let Ok(v) = HeaderValue::from_str(&policy) {
        response.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    response.headers_mut().append(header::VARY, HeaderValue::from_static("authorization, accept"));
}

fn set_retry_after(response: &mut Response, secs: Option<u64>) {
    if let Some(secs) = secs
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

/// What one operation answered.
struct Answer {
    /// The status it calls for on its own.
    status: StatusCode,
    /// The response's JSON text.
    body: String,
    /// Seconds to wait, when it was rate-limited.
    retry_after: Option<u64>,
    /// It ran and has no errors.
    clean: bool,
}

/// Runs one operation inside its request span.
async fn run_one(
    state: &AppState,
    caller: &Caller,
    identity: &Identity,
    request: async_graphql::Request,
    modern: bool,
) -> Answer {
    let span = tracing::info_span!(
        "request",
        request_id = %caller.request_id,
        method = %caller.method,
        role = identity.role.as_str(),
        operation = tracing::field::Empty,
        cost = tracing::field::Empty,
        actual_cost = tracing::field::Empty,
        statements = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
        outcome = tracing::field::Empty,
    );
    run_in_span(state, caller, identity, request, modern).instrument(span).await
}

async fn run_in_span(
    state: &AppState,
    caller: &Caller,
    identity: &Identity,
    mut request: async_graphql::Request,
    modern: bool,
) -> Answer {
    let started = Instant::now();
    let statements = Arc::new(AtomicU64::new(0));
    let (mut data, loads) =
        RequestData::new(state.db.clone(), state.keyed_db.clone(), identity.clone(), caller.request_id.clone());
    data.operation_name = request.operation_name.clone();
    data.via_get = caller.method == Method::GET;
    data.write_timeout = state.http.write_timeout;
    data.upload = state.http.upload;
    data.webhook_allow = state.http.webhook_allow.clone();
    data.person_keys = state.http.person_keys.clone();
    data.read_path = state.http.read_path;
    data.jobs = Some(Arc::new(crate::graphql::export::Jobs {
        schema: state.schema.clone(),
        db: state.db.clone(),
        keyed: state.keyed_db.clone(),
        settings: state.http.jobs,
    }));
    if identity.subject.is_none() {
        data.rate_key = match caller.peer {
            Some(peer) => format!("PUBLIC:{}", peer.ip()),
            None => "PUBLIC".to_owned(),
        };
    }
    let stats = data.stats.clone();

    if let Some(list) = &state.http.allowlist {
        list.resolve(&mut request);
    }
    let allowed = match &state.http.allowlist {
        Some(list) if identity.role != Role::Admin => list.permits(&request),
        _ => true,
    };
    let response = if !allowed {
        let message = "allow-list mode: this document is not on the list of operations this server runs".to_owned();
        async_graphql::Response::from_errors(vec![crate::graphql::limits::request_error(
            "OPERATION_NOT_ALLOWED",
            message,
            &[],
        )])
    } else {
        let counter = statements.clone();
        let run = observe::count_statements(counter, loads.run(state.schema.execute(request, data)));
        match tokio::time::timeout(state.http.request_timeout, run).await {
            Ok(response) => response,
            Err(_) => {
                let message = format!(
                    "the request ran longer than {} ms and was cancelled; ask for smaller pages or narrower filters",
                    state.http.request_timeout.as_millis()
                );
                tracing::warn!("request timed out");
                async_graphql::Response::from_errors(vec![crate::graphql::limits::request_error(
                    "TIMEOUT",
                    message,
                    &[],
                )])
            }
        }
    };

    // A request error (parse, validation, limits) has errors without a path and no data.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Written straight from the response, whose objects `graphql::order` has put in the
    // selection's order (issue 7: going through a `serde_json::Value` tree first, then printing
    // it, was a tenth of a 100-row page's CPU, and sorted every object's keys).
    let mut response = response;
    add_missing_codes(&mut response.errors, request_error);
    let first_code = response.errors.first().and_then(error_code);
    let retry = match first_code.as_deref() {
        Some("RATE_LIMITED") => response.errors[0].extensions.as_ref().and_then(|e| match e.get("retryAfter") {
            Some(async_graphql::Value::Number(n)) => n.as_u64(),
            _ => None,
        }),
        _ => None,
    };
    let body = if request_error {
        // A request error has no `data` entry at all (GraphQL-over-HTTP).
        serde_json::to_string(&RequestErrorBody { errors: &response.errors, extensions: &response.extensions })
    } else {
        serde_json::to_string(&response)
    };
    let body = body.unwrap_or_default();
    let (status, outcome) = match first_code.as_deref() {
        Some("RATE_LIMITED") => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        Some("METHOD_NOT_ALLOWED") if request_error => (StatusCode::METHOD_NOT_ALLOWED, "rejected"),
        Some("OPERATION_NOT_ALLOWED") if request_error => (StatusCode::FORBIDDEN, "rejected"),
        Some("TIMEOUT") if request_error => (StatusCode::GATEWAY_TIMEOUT, "timeout"),
        _ if request_error => (if modern { StatusCode::BAD_REQUEST } else { StatusCode::OK }, "rejected"),
        Some(_) => (StatusCode::OK, "error"),
        None => (StatusCode::OK, "ok"),
    };

    let elapsed = started.elapsed();
    // The name from the parsed document: a GraphQL name, never free text.
    let operation = stats.operation();
    let statements = statements.load(Ordering::Relaxed);
    let span = tracing::Span::current();
    span.record("operation", operation.as_deref().unwrap_or("anonymous"));
    if let Some(cost) = stats.requested() {
        span.record("cost", cost);
    }
    span.record("actual_cost", stats.actual());
    span.record("statements", statements);
    span.record("duration_ms", elapsed.as_secs_f64() * 1000.0);
    span.record("outcome", outcome);
    match first_code.as_deref() {
        Some(code) => tracing::info!(code, "request finished"),
        None => tracing::info!("request finished"),
    }
    let label = observe::operation_label(operation.as_deref());
    metrics::counter!(series::REQUESTS, "operation" => label.clone(), "outcome" => outcome).increment(1);
    metrics::histogram!(series::DURATION, "operation" => label).record(elapsed.as_secs_f64());
    metrics::histogram!(series::STATEMENTS_PER_REQUEST).record(statements as f64);
    Answer { status, body, retry_after: retry, clean: outcome == "ok" }
}

fn record_outcome(operation: Option<&str>, outcome: &'static str) {
    let label = observe::operation_label(operation);
    metrics::counter!(series::REQUESTS, "operation" => label, "outcome" => outcome).increment(1);
}

fn error_code(e: &ServerError) -> Option<String> {
    match e.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Gives every error an `extensions.code`: async-graphql's own errors have none. The
/// automatic persisted query protocol's errors get Apollo's codes (clients match on the
/// message `PersistedQueryNotFound`, which is kept); other request errors (syntax,
/// validation, which includes every input value that fails its type) become
/// `GRAPHQL_VALIDATION_FAILED`; an error inside execution without a code of its own becomes
/// `BAD_USER_INPUT`.
fn add_missing_codes(errors: &mut [ServerError], request_error: bool) {
    for e in errors {
        let code = match e.message.as_str() {
            "PersistedQueryNotFound" => "PERSISTED_QUERY_NOT_FOUND",
            "provided sha does not match query" => "PERSISTED_QUERY_HASH_MISMATCH",
            _ if request_error => "GRAPHQL_VALIDATION_FAILED",
            _ => "BAD_USER_INPUT",
        };
        let ext = e.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", code);
        }
    }
}

/// The body of a request error: `errors` and `extensions`, no `data`.
#[derive(serde::Serialize)]
struct RequestErrorBody<'a> {
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
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

/// `/readyz`: the database answers. A failed check is retried on the next probe with a
/// fresh connection, so readiness comes back by itself when the database does.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// `/metrics`: the Prometheus text exposition of civlink's series (see [`series`]).
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    observe::record_pool(series::POOL, &state.db, state.http.db_max_connections);
    // On SQLite the two are one pool.
    if state.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        observe::record_pool(series::KEYED_POOL, &state.keyed_db, state.http.db_max_connections);
    }
    let mut response = observe::metrics_handle().render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}
