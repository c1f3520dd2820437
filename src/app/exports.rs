//! `GET /exports/{id}`: an export's file (`Export.url`), for the caller that started it.
//!
//! Authorised by the bearer token, as `/graphql` is: the file is served only to the same
//! subject in the same role and scope as the export's, until `Export.expiresAt`; anyone else,
//! and an export not (or no longer) downloadable, gets 404, as a record out of scope does. The
//! file is streamed a stored piece at a time ([`crate::store::job::chunk`]), so a download's
//! memory does not grow with the file.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use crate::graphql::error::ApiError;

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Serves the file of export `id` (its global id) to its owner. 401 without a valid token,
/// 404 for anything not the caller's downloadable export.
pub async fn download(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let identity = match super::authenticate(&state, &headers) {
        Ok(i) if i.subject.is_some() => i,
        Ok(_) => return refuse(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "send the token that started the export"),
        Err(reason) => {
            tracing::info!(reason, "export download refused: bad token");
            return refuse(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "invalid token");
        }
    };
    let (media, name, job) = match crate::graphql::export::downloadable(&state.db, &identity, &id).await {
        Ok(found) => found,
        Err(ApiError::NotFound(message)) => return refuse(StatusCode::NOT_FOUND, "NOT_FOUND", &message),
        Err(e) => return refuse(StatusCode::SERVICE_UNAVAILABLE, e.code(), &e.message()),
    };
    let db = state.db.clone();
    let pieces = futures::stream::unfold(Some(0i32), move |seq| {
        let db = db.clone();
        async move {
            let seq = seq?;
            match crate::store::job::chunk(&db, job, seq).await {
                Ok(Some(bytes)) => Some((Ok::<Bytes, std::io::Error>(Bytes::from(bytes)), Some(seq + 1))),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error = %e, %job, "export download: a piece could not be read");
                    Some((Err(std::io::Error::other("the file could not be read")), None))
                }
            }
        }
    });
    // Fused: the compression layer polls the body once more after its end, which an `unfold`
    // does not allow (it panicked, cutting every compressed download short).
    let mut response = Body::from_stream(futures::StreamExt::fuse(pieces)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}
