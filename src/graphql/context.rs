//! What a request carries into resolvers: the database, the caller's scope and the loader.

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;

use super::error::ApiError;
use super::loaders::StoreLoader;
use crate::store::Scope;

/// Per-request data, inserted by the HTTP handler (or by tests executing the schema).
pub struct RequestData {
    pub db: DatabaseConnection,
    pub scope: Scope,
    pub loader: DataLoader<StoreLoader>,
}

impl RequestData {
    /// Builds the request data and its DataLoader (batches run on the tokio runtime).
    pub fn new(db: DatabaseConnection, scope: Scope) -> Self {
        let loader = DataLoader::new(StoreLoader { db: db.clone(), scope: scope.clone() }, tokio::spawn);
        Self { db, scope, loader }
    }

    pub fn of<'a>(ctx: &'a Context<'_>) -> Result<&'a RequestData, ApiError> {
        ctx.data::<RequestData>().map_err(|_| {
            tracing::error!("request executed without RequestData");
            ApiError::Internal
        })
    }
}
