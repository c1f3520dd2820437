//! The API's errors, mapped to GraphQL errors with a stable `extensions.code` in one place.

use async_graphql::ErrorExtensions;

use crate::domain::DomainError;
use crate::store::StoreError;

/// Every error a client can see. `code()` is the stable `extensions.code`; messages say what
/// was wrong without echoing internals (database text never reaches a client).
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` error
/// into a GraphQL error without extensions, so `?` on an `ApiError` must go through the
/// `From` impl below, which sets `extensions.code`.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// No object with this id or key, or one outside the caller's scope (the two look the same).
    NotFound(String),
    /// The caller's role may not do this (e.g. list records without a token, reveal personal
    /// data as PORTAL, read the audit log without ADMIN).
    Forbidden(String),
    /// A child's data asked for in clear without a guardian's consent in force (PIPL art. 31).
    ConsentRequired(String),
    /// A global id that this API did not issue, or of another type than the field expects.
    InvalidId(String),
    /// A pagination cursor that this API did not issue for this list and ordering.
    InvalidCursor(String),
    /// `first`/`last` above the maximum page size.
    PageSizeExceeded(String),
    /// An argument that is malformed or out of range; `argument` names it.
    InvalidArgument { argument: String, message: String },
    /// A value that fails a domain rule (division code, ID number, …), with its own code.
    Domain { argument: String, code: &'static str, message: String },
    /// The database could not be reached (down, unreachable, or no free connection in time):
    /// retry later. Details are logged, not returned.
    Unavailable,
    /// A statement ran past the statement timeout and was cancelled.
    Timeout,
    /// A write lost to concurrent writes (a deadlock or serialization failure on PostgreSQL,
    /// a busy database on SQLite) every time it was tried
    /// ([`crate::store::write::MAX_ATTEMPTS`]); nothing was written. Retrying the request
    /// is safe.
    Conflict,
    /// The database failed; details are logged, not returned.
    Internal,
}

impl ApiError {
    /// The message shown to the client.
    pub fn message(&self) -> String {
        match self {
            ApiError::NotFound(m)
            | ApiError::Forbidden(m)
            | ApiError::ConsentRequired(m)
            | ApiError::InvalidId(m)
            | ApiError::InvalidCursor(m)
            | ApiError::PageSizeExceeded(m)
            | ApiError::InvalidArgument { message: m, .. }
            | ApiError::Domain { message: m, .. } => m.clone(),
            ApiError::Unavailable => "the database is unavailable; try again later".to_owned(),
            ApiError::Timeout => {
                "the query ran past the statement timeout and was cancelled; ask for smaller pages or narrower filters"
                    .to_owned()
            }
            ApiError::Conflict => "the write collided with concurrent writes to the same records and was rolled back; \
                                   nothing was written: retry the request"
                .to_owned(),
            ApiError::Internal => "internal error; it has been logged".to_owned(),
        }
    }

    /// The stable `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::ConsentRequired(_) => "CONSENT_REQUIRED",
            ApiError::InvalidId(_) => "INVALID_ID",
            ApiError::InvalidCursor(_) => "INVALID_CURSOR",
            ApiError::PageSizeExceeded(_) => "PAGE_SIZE_EXCEEDED",
            ApiError::InvalidArgument { .. } => "INVALID_ARGUMENT",
            ApiError::Domain { code, .. } => code,
            ApiError::Unavailable => "DATABASE_UNAVAILABLE",
            ApiError::Timeout => "TIMEOUT",
            ApiError::Conflict => "CONFLICT",
            ApiError::Internal => "INTERNAL",
        }
    }

    /// A domain rule's failure on `argument`.
    pub fn domain(argument: &str, e: DomainError) -> Self {
        ApiError::Domain { argument: argument.to_owned(), code: e.code(), message: format!("{argument}: {e}") }
    }

    pub fn invalid(argument: &str, message: impl Into<String>) -> Self {
        ApiError::InvalidArgument { argument: argument.to_owned(), message: message.into() }
    }
}

impl ApiError {
    /// The client's view of a database error; the error itself goes to the log (driver
    /// messages name tables and constraints, never row values or parameters).
    fn database(e: &sea_orm::DbErr) -> Self {
        match crate::db::classify(e) {
            crate::db::Failure::Timeout => {
                tracing::warn!(error = %e, "statement cancelled by the statement timeout");
                ApiError::Timeout
            }
            crate::db::Failure::Unavailable => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::Unavailable
            }
            crate::db::Failure::Conflict => {
                tracing::warn!(error = %e, "write rolled back: it kept colliding with concurrent writes");
                ApiError::Conflict
            }
            crate::db::Failure::Other => {
                tracing::error!(error = %e, "database error");
                ApiError::Internal
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidCursor(m) => ApiError::InvalidCursor(m),
            StoreError::Db(e) => ApiError::database(&e),
            StoreError::Shared(e) => ApiError::database(&e),
        }
    }
}

impl From<std::sync::Arc<StoreError>> for ApiError {
    fn from(e: std::sync::Arc<StoreError>) -> Self {
        match &*e {
            StoreError::InvalidCursor(m) => ApiError::InvalidCursor(m.clone()),
            StoreError::Db(e) => ApiError::database(e),
            StoreError::Shared(e) => ApiError::database(e),
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.message()).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                ApiError::InvalidArgument { argument, .. } | ApiError::Domain { argument, .. } => {
                    ext.set("argument", argument.as_str())
                }
                _ => {}
            }
        })
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        e.extend()
    }
}

/// Result of resolvers.
pub type ApiResult<T> = Result<T, async_graphql::Error>;
