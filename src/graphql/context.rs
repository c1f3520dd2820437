//! What a request carries into resolvers: the database, the caller's scope and the loader;
//! and the executor wrapper that batches the loads of each level (deterministically: the
//! statements a request runs depend on its shape alone).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use sea_orm::DatabaseConnection;

use super::error::ApiError;
use super::loaders::StoreLoader;
use crate::auth::identity::Identity;
use crate::store::audit::Actor;
use crate::store::merge::Merger;
use crate::store::{Scope, StoreError};

/// Per-request data, inserted by the HTTP handler.
pub struct RequestData {
    pub db: DatabaseConnection,
    /// Who is asking.
    pub identity: Identity,
    /// The rows the caller may read (the identity's scope).
    pub scope: Scope,
    /// The request's id: the client's `x-request-id`, or one generated for it.
    pub request_id: String,
    pub loader: BatchLoader,
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
    /// The limits on uploaded roster files (`importRoster`).
    pub upload: crate::import::table::UploadLimits,
    /// Internal networks webhooks may reach anyway (`CIVLINK_WEBHOOK_ALLOW`).
    pub webhook_allow: Arc<crate::webhook::WebhookAllow>,
    /// The keys of persons' citizen ID numbers (set from the app's settings).
    pub person_keys: crate::domain::person::PersonKeys,
    /// Where background jobs (exports) run: this replica's schema and pools; `None` outside
    /// an HTTP request (jobs cannot be started there).
    pub jobs: Option<Arc<super::export::Jobs>>,
    /// How relations are read (`CIVLINK_READ_PATH`).
    pub read_path: super::compiled::ReadPath,
    /// The name of every field the request's document selects, set when it is parsed
    /// ([`super::compiled::field_names`]): the compiled read reads the columns those read.
    pub field_names: std::sync::OnceLock<std::collections::HashSet<String>>,
}

/// Batch loads, held back until the request is idle, and the statements they submit, merged
/// per level.
///
/// A load is started only when the request's future returns `Pending`, i.e. when every
/// resolver that could run has run and registered its keys ([`BatchLoader`]). A batch then
/// holds every key of its level, whatever the page size, and the number of statements depends
/// on the query's shape alone. (async-graphql's DataLoader starts a batch after a delay from
/// its first key, on a timer thread: resolving 50 siblings can outlast the delay, and the batch
/// then splits; and each batch waits for that thread, even with a zero delay.)
///
/// The batches run inside the request's own future, so the queue sees when they too have
/// submitted their selects and wait: it then runs the level's selects as one statement
/// ([`Merger`]).
#[derive(Clone)]
pub struct LoadQueue {
    queued: Arc<Mutex<Vec<BoxFuture<'static, ()>>>>,
    merger: Merger,
}

impl LoadQueue {
    fn push(&self, f: BoxFuture<'static, ()>) {
        self.queued.lock().unwrap_or_else(|e| e.into_inner()).push(f);
    }

    fn take(&self) -> Vec<BoxFuture<'static, ()>> {
        std::mem::take(&mut *self.queued.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Drives `request` (a schema execution) and the loads it starts.
    ///
    /// Whenever the request and its loads are idle, it starts the queued batches, polls each
    /// once, which submits its selects, then runs those selects as one statement. "Idle" means
    /// they returned `Pending` without waking themselves: a list of more than 30 items is
    /// resolved by `FuturesUnordered`, which yields (wakes itself and returns `Pending`)
    /// part-way through its items, and those items have not registered their keys. Merging
    /// only what a round of batches submitted on its first poll keeps the statements a request
    /// runs independent of when other statements finish. Loads still running when the request
    /// ends, or when it is dropped (a timed-out request), are dropped with it.
    pub async fn run<F: Future>(&self, request: F) -> F::Output {
        // Batches queued but never started hold the loader, which holds this queue: a request
        // dropped before it started them (a timeout) would otherwise keep both alive.
        let _unqueue = Unqueue(self);
        let mut request = std::pin::pin!(request);
        let mut loads = FuturesUnordered::<BoxFuture<'static, ()>>::new();
        std::future::poll_fn(|cx| {
            loop {
                let woken = Arc::new(WakeFlag { woken: AtomicBool::new(false), waker: cx.waker().clone() });
                let waker = Waker::from(woken.clone());
                let mut inner = std::task::Context::from_waker(&waker);
                if let Poll::Ready(v) = request.as_mut().poll(&mut inner) {
                    return Poll::Ready(v);
                }
                while let Poll::Ready(Some(())) = loads.poll_next_unpin(&mut inner) {}
                if woken.woken.load(Ordering::SeqCst) {
                    return Poll::Pending;
                }
                let queued = self.take();
                for mut batch in queued {
                    if batch.as_mut().poll(&mut inner).is_pending() {
                        loads.push(batch);
                    }
                }
                match self.merger.flush() {
                    Some(statement) => loads.push(statement),
                    None if woken.woken.load(Ordering::SeqCst) => continue,
                    None => return Poll::Pending,
                }
            }
        })
        .await
    }
}

/// Drops the batches still queued when [`LoadQueue::run`] ends or is dropped.
struct Unqueue<'a>(&'a LoadQueue);

impl Drop for Unqueue<'_> {
    fn drop(&mut self) {
        drop(self.0.take());
    }
}

/// The request's loader: `load_one`/`load_many` of any key `K` that [`StoreLoader`] loads,
/// batched per key type and level through the [`LoadQueue`], without a cache (each level
/// asks for keys it has not seen).
#[derive(Clone)]
pub struct BatchLoader {
    inner: Arc<BatchInner>,
}

struct BatchInner {
    loader: StoreLoader,
    queue: LoadQueue,
    /// Per key type: `Waiting<K>` of the batch not yet started.
    waiting: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
    /// Per key type: `HashMap<K, Option<V>>`, answers a compiled statement has already read
    /// (`None`: read, and absent), given without a load ([`BatchLoader::prefetch`]).
    prefetched: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
}

type Answer<K> = Result<HashMap<K, <StoreLoader as Loader<K>>::Value>, Arc<StoreError>>;

/// The callers waiting for a batch of `K`: the keys each asked for.
struct Waiting<K: Send + Sync + Hash + Eq + Clone + 'static>
where
    StoreLoader: Loader<K, Error = Arc<StoreError>>,
{
    callers: Vec<(Vec<K>, tokio::sync::oneshot::Sender<Answer<K>>)>,
}

impl BatchLoader {
    /// The value of `key`, `None` when absent.
    ///
    /// Errors: the batch's store error, shared by every key of the batch.
    pub async fn load_one<K>(&self, key: K) -> Result<Option<<StoreLoader as Loader<K>>::Value>, Arc<StoreError>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        StoreLoader: Loader<K, Error = Arc<StoreError>>,
    {
        let mut found = self.load_many(std::iter::once(key.clone())).await?;
        Ok(found.remove(&key))
    }

    /// The values of `keys` that exist.
    ///
    /// Errors: the batch's store error, shared by every key of the batch.
    pub async fn load_many<K, I>(&self, keys: I) -> Answer<K>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        I: IntoIterator<Item = K>,
        StoreLoader: Loader<K, Error = Arc<StoreError>>,
    {
        let mut keys: Vec<K> = keys.into_iter().collect();
        let mut found = HashMap::new();
        if let Some(known) = self
            .inner
            .prefetched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&TypeId::of::<K>())
            .and_then(|m| m.downcast_ref::<Prefetched<K>>())
        {
            keys.retain(|k| match known.get(k) {
                Some(v) => {
                    found.extend(v.clone().map(|v| (k.clone(), v)));
                    false
                }
                None => true,
            });
        }
        if keys.is_empty() {
            return Ok(found);
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        let first = {
            let mut waiting = self.inner.waiting.lock().unwrap_or_else(|e| e.into_inner());
            let batch =
                waiting.entry(TypeId::of::<K>()).or_insert_with(|| Box::new(Waiting::<K> { callers: Vec::new() }));
            let Some(batch) = batch.downcast_mut::<Waiting<K>>() else {
                tracing::error!("a batch of another key type under this key type's id");
                return Err(Arc::new(StoreError::Shared(Arc::new(sea_orm::DbErr::Custom("loader state".into())))));
            };
            batch.callers.push((keys, reply));
            batch.callers.len() == 1
        };
        if first {
            let inner = self.inner.clone();
            self.inner.queue.push(Box::pin(async move { inner.load::<K>().await }));
        }
        let mut loaded = answer.await.unwrap_or_else(|_| Err(Arc::new(StoreError::cancelled())))?;
        loaded.extend(found);
        Ok(loaded)
    }

    /// The pool for lookups by key ([`crate::db::connect_keyed`]).
    pub fn keyed(&self) -> &DatabaseConnection {
        &self.inner.loader.keyed
    }

    /// Records the answers of loads a compiled statement has read ([`super::compiled`]): a
    /// later `load_one`/`load_many` of one of these keys gets its value (`None`: absent)
    /// without a statement.
    pub fn prefetch<K>(&self, answers: impl IntoIterator<Item = (K, Option<<StoreLoader as Loader<K>>::Value>)>)
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        StoreLoader: Loader<K, Error = Arc<StoreError>>,
    {
        let mut prefetched = self.inner.prefetched.lock().unwrap_or_else(|e| e.into_inner());
        let known = prefetched.entry(TypeId::of::<K>()).or_insert_with(|| Box::new(Prefetched::<K>::new()));
        if let Some(known) = known.downcast_mut::<Prefetched<K>>() {
            known.extend(answers);
        }
    }
}

/// Answers read ahead for keys of `K`.
type Prefetched<K> = HashMap<K, Option<<StoreLoader as Loader<K>>::Value>>;

impl BatchInner {
    /// Loads every key waiting for type `K`, in one call of the loader, and answers each caller.
    async fn load<K>(&self)
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        StoreLoader: Loader<K, Error = Arc<StoreError>>,
    {
        let callers = {
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            match waiting.remove(&TypeId::of::<K>()).and_then(|b| b.downcast::<Waiting<K>>().ok()) {
                Some(batch) => batch.callers,
                None => return,
            }
        };
        let mut keys: Vec<K> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for k in callers.iter().flat_map(|(keys, _)| keys) {
            if seen.insert(k) {
                keys.push(k.clone());
            }
        }
        match self.loader.load(&keys).await {
            Ok(values) => {
                for (asked, reply) in callers {
                    let found = asked.into_iter().filter_map(|k| values.get(&k).cloned().map(|v| (k, v))).collect();
                    let _ = reply.send(Ok(found));
                }
            }
            Err(e) => {
                for (_, reply) in callers {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
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
        let merger = Merger::new(db.clone(), keyed.clone());
        let queue = LoadQueue { queued: Default::default(), merger: merger.clone() };
        let store = StoreLoader { db: db.clone(), keyed, scope: scope.clone(), merger };
        let loader = BatchLoader {
            inner: Arc::new(BatchInner {
                loader: store,
                queue: queue.clone(),
                waiting: Default::default(),
                prefetched: Default::default(),
            }),
        };
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
            upload: Default::default(),
            webhook_allow: Default::default(),
            person_keys: crate::domain::person::PersonKeys::insecure_for_tests(),
            jobs: None,
            read_path: Default::default(),
            field_names: Default::default(),
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
