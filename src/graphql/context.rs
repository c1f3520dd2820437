//! What a request carries into resolvers: the database, the caller's scope and the loader;
//! and the executor wrapper that makes DataLoader batching deterministic.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sea_orm::DatabaseConnection;

use super::error::ApiError;
use super::loaders::StoreLoader;
use crate::auth::identity::Identity;
use crate::store::Scope;
use crate::store::audit::Actor;

/// Per-request data, inserted by the HTTP handler.
pub struct RequestData {
    pub db: DatabaseConnection,
    /// Who is asking.
    pub identity: Identity,
    /// The rows the caller may read (the identity's scope).
    pub scope: Scope,
    /// The request's id: the client's `x-request-id`, or one generated for it.
    pub request_id: String,
    pub loader: DataLoader<StoreLoader>,
    /// The operation the client named (`operationName`), if any.
    pub operation_name: Option<String>,
    /// The request came as `GET`: only queries may run.
    pub via_get: bool,
    /// Whose cost budget the request spends: the token's role and subject, or the client's
    /// address without a token. Never logged.
    pub rate_key: String,
    /// Cost and operation, filled in by the limit checks for the request log.
    pub stats: Arc<super::limits::RequestStats>,
    /// When the request started (UTC).
    pub started_at: DateTime<Utc>,
    /// The longest a write transaction may stay open (`CIVLINK_WRITE_TIMEOUT_MS`); writes
    /// that would commit later are rolled back, and change feeds hold back the changes of
    /// that long (see [`RequestData::feed_until`]).
    pub write_timeout: Duration,
}

/// Batch loads the DataLoader wants to start, held back until the request is idle.
///
/// async-graphql's DataLoader starts a batch a fixed delay after its first key. Under load, or
/// in a debug build, resolving 50 siblings can take longer than that delay, and the batch then
/// splits into several statements. Instead, batches are queued here and started only when the
/// request's future returns `Pending`, i.e. when every resolver that could run has run and
/// registered its keys. A batch then holds every key of its level, whatever the page size, and
/// the number of statements depends on the query's shape alone.
#[derive(Clone, Default)]
pub struct LoadQueue(Arc<Mutex<Vec<BoxFuture<'static, ()>>>>, Arc<Mutex<Vec<tokio::task::AbortHandle>>>);

impl LoadQueue {
    fn push(&self, f: BoxFuture<'static, ()>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(f);
    }

    /// Cancels the batches still running (a timed-out request), so none is left running for
    /// a request that has already been answered.
    pub fn abort_all(&self) {
        for handle in self.1.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            handle.abort();
        }
    }

    fn start_all(&self) {
        let queued = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        // Batches run on tasks of their own: they count their statements for this request.
        let counter = crate::observe::current_counter();
        let mut running = self.1.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|h| !h.is_finished());
        for f in queued {
            let task = match &counter {
                Some(c) => tokio::spawn(crate::observe::count_statements(c.clone(), f)),
                None => tokio::spawn(f),
            };
            running.push(task.abort_handle());
        }
    }

    /// Drives `request` (a schema execution), starting queued batches whenever it is idle.
    ///
    /// "Idle" means the request returned `Pending` without waking itself: a list of more
    /// than 30 items is resolved by `FuturesUnordered`, which yields (wakes itself and returns
    /// `Pending`) part-way through its items, and those items have not registered their keys.
    pub async fn run<F: Future>(&self, request: F) -> F::Output {
        let mut request = std::pin::pin!(request);
        std::future::poll_fn(|cx| {
            let woken = Arc::new(WakeFlag { woken: AtomicBool::new(false), waker: cx.waker().clone() });
            let waker = Waker::from(woken.clone());
            match request.as_mut().poll(&mut std::task::Context::from_waker(&waker)) {
                Poll::Ready(v) => Poll::Ready(v),
                Poll::Pending => {
                    if !woken.woken.load(Ordering::SeqCst) {
                        self.start_all();
                    }
                    Poll::Pending
                }
            }
        })
        .await
    }
}

/// A waker that remembers being woken, then passes the wake on.
struct WakeFlag {
    woken: AtomicBool,
    waker: Waker,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.waker.wake_by_ref();
    }
}

impl RequestData {
    /// Builds the request data and its DataLoader, whose batches go through the returned
    /// queue: execute the request with [`LoadQueue::run`]. `keyed` is the pool for lookups
    /// by key ([`crate::db::connect_keyed`]; on SQLite, `db`).
    pub fn new(
        db: DatabaseConnection,
        keyed: DatabaseConnection,
        identity: Identity,
        request_id: String,
    ) -> (Self, LoadQueue) {
        let scope = identity.scope.clone();
        let queue = LoadQueue::default();
        let spawner = queue.clone();
        let loader =
            DataLoader::new(StoreLoader { db: db.clone(), keyed, scope: scope.clone() }, move |f| spawner.push(f))
                .delay(Duration::ZERO);
        let rate_key = match &identity.subject {
            Some(subject) => format!("{}:{subject}", identity.role.as_str()),
            None => "PUBLIC".to_owned(),
        };
        let data = Self {
            db,
            identity,
            scope,
            request_id,
            loader,
            operation_name: None,
            via_get: false,
            rate_key,
            stats: Default::default(),
            started_at: crate::domain::time::now(),
            write_timeout: crate::store::write::DEFAULT_WRITE_TIMEOUT,
        };
        (data, queue)
    }

    /// The newest `updated_at` a change feed of this request lists: the request's start less
    /// the write timeout and [`crate::store::write::COMMIT_MARGIN`]. Every write takes its
    /// `updated_at` before its transaction begins and commits within the write timeout, so a
    /// row stamped before this instant is either committed or never will be; a reader paging
    /// by cursor cannot pass a row that commits afterwards.
    pub fn feed_until(&self) -> DateTime<Utc> {
        let held_back = self.write_timeout + crate::store::write::COMMIT_MARGIN;
        self.started_at - chrono::Duration::from_std(held_back).unwrap_or(chrono::Duration::MAX)
    }

    /// The caller as named in audit rows.
    pub fn actor(&self) -> Actor {
        Actor {
            subject: self.identity.subject.clone().unwrap_or_else(|| "anonymous".to_owned()),
            role: self.identity.role.as_str(),
            request_id: self.request_id.clone(),
        }
    }

    pub fn of<'a>(ctx: &'a Context<'_>) -> Result<&'a RequestData, ApiError> {
        ctx.data::<RequestData>().map_err(|_| {
            tracing::error!("request executed without RequestData");
            ApiError::Internal
        })
    }
}
