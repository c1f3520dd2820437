//! Subscriptions (issue 25): the per-replica hub that wakes every local subscription when
//! something new has committed, the per-connection state, and the limits.
//!
//! The hub reads the outbox once per replica: each time it is woken it reads the audit rows
//! committed after its own position ([`crate::store::changes::after`]: ids, types and actions,
//! no personal data) and broadcasts them as a [`Batch`] covering `(from, to]`. A subscription
//! whose position lies in that range takes the batch's rows instead of reading the outbox
//! itself; which of them it may read is decided once per batch and scope
//! ([`Batch::readable`], the same check as webhooks'), and its nodes are loaded through the
//! read path ([`crate::graphql::subscription`]). A subscription that is behind (resuming from
//! a cursor, or a lagged receiver of the bounded broadcast) reads the outbox from its own
//! position until it has caught up. So a batch that is missed, or a dropped `NOTIFY`, loses
//! nothing.
//!
//! - PostgreSQL: one `LISTEN civlink_changes` connection per replica (the trigger of migration
//!   `000018` notifies at the commit of every transaction that writes audit rows, on any
//!   replica), plus a check of the outbox's head every `poll` in case a notification was
//!   lost (a reconnect) or a transaction committed rows held back behind an older one.
//! - SQLite: one replica per file, so the hub checks the outbox's head every `poll` in process.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{broadcast, watch};

use crate::domain::DivisionCode;
use crate::graphql::error::ApiError;
use crate::observe::series;
use crate::store::Scope;
use crate::store::changes::{self, Change, Position};

/// The PostgreSQL channel the audit-log trigger notifies.
pub const CHANNEL: &str = "civlink_changes";

/// Close code when the connection's token expires: connect again with a fresh token and
/// resume with the last cursor.
pub const CLOSE_TOKEN_EXPIRED: u16 = 4401;
/// Close code when `connection_init` carries a token that does not verify.
pub const CLOSE_FORBIDDEN: u16 = 4403;
/// Close code when no `connection_init` arrived in time (graphql-transport-ws's own).
pub const CLOSE_INIT_TIMEOUT: u16 = 4408;
/// Close code when the client read too slowly and its buffer stayed full: reconnect and
/// resume every subscription with its last cursor; nothing is lost.
pub const CLOSE_SLOW_CONSUMER: u16 = 4413;

/// Limits and timings of subscriptions (`CIVLINK_SUBSCRIPTION_*`, [`crate::config`]).
#[derive(Debug, Clone)]
pub struct SubscriptionSettings {
    /// Most subscriptions on one connection (`CIVLINK_SUBSCRIPTIONS_PER_CONNECTION`).
    pub per_connection: usize,
    /// Most subscriptions of one caller (role and subject) on this replica
    /// (`CIVLINK_SUBSCRIPTIONS_PER_CALLER`).
    pub per_caller: usize,
    /// Messages queued for one connection before it counts as slow
    /// (`CIVLINK_SUBSCRIPTION_BUFFER`).
    pub buffer: usize,
    /// How long the queue may stay full before the connection is closed with
    /// [`CLOSE_SLOW_CONSUMER`] (`CIVLINK_SUBSCRIPTION_STALL_MS`).
    pub stall: Duration,
    /// How long a client has to send `connection_init`.
    pub init_timeout: Duration,
    /// How often the hub checks the outbox's head without a notification
    /// (`CIVLINK_SUBSCRIPTION_POLL_MS`).
    pub poll: Duration,
}

impl Default for SubscriptionSettings {
    fn default() -> Self {
        Self {
            per_connection: 20,
            per_caller: 100,
            buffer: 256,
            stall: Duration::from_secs(10),
            init_timeout: Duration::from_secs(10),
            poll: Duration::from_millis(100),
        }
    }
}

/// Committed changes after `from`, up to and including `to`, in commit order (every event
/// type).
pub struct Batch {
    pub from: Position,
    pub to: Position,
    pub changes: Vec<Change>,
    /// Per scope and region: the `(type, id)` of the records of `changes` it may read,
    /// computed by the first subscription that asks.
    readable: Mutex<HashMap<(Scope, Option<DivisionCode>), Arc<tokio::sync::OnceCell<Readable>>>>,
}

/// The records of a batch a scope may read; `None` when the check failed (the subscription
/// then reads the outbox itself).
type Readable = Option<Arc<HashSet<(String, uuid::Uuid)>>>;

impl Batch {
    /// The `(type, id)` of this batch's records that `scope` may read in `region`
    /// ([`changes::readable`]), checked once per batch for all subscriptions of that scope.
    pub async fn readable(&self, db: &DatabaseConnection, scope: &Scope, region: Option<&DivisionCode>) -> Readable {
        let cell = {
            let mut map = self.readable.lock().unwrap_or_else(|e| e.into_inner());
            map.entry((scope.clone(), region.cloned())).or_default().clone()
        };
        cell.get_or_init(|| async {
            match changes::readable(db, scope, region, &self.changes).await {
                Ok(set) => Some(Arc::new(set)),
                Err(e) => {
                    tracing::warn!(error = %e, "subscriptions: checking a batch's records failed");
                    None
                }
            }
        })
        .await
        .clone()
    }
}

/// The replica's hub: reads what committed and broadcasts it to local subscriptions, and
/// counts subscriptions per caller. Cloning shares it.
#[derive(Clone)]
pub struct ChangeHub {
    inner: Arc<HubInner>,
}

struct HubInner {
    batches: broadcast::Sender<Arc<Batch>>,
    /// The position the hub has read up to: where a subscription without a cursor starts
    /// (`None` until the hub has read the outbox's head).
    position: Mutex<Option<Position>>,
    callers: Mutex<HashMap<String, usize>>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// Batches buffered per subscription; a receiver further behind is told it lagged and reads
/// the outbox from its position, so the buffer bounds memory without losing events.
const BATCH_BUFFER: usize = 16;

/// Audit rows the hub reads per statement (and so per batch).
const HUB_PAGE: u64 = 500;

impl ChangeHub {
    /// Starts the hub's listener on `db`, checking the outbox every `poll` besides
    /// notifications. Reads the outbox's head first, so that subscriptions start from what
    /// committed before.
    pub fn start(db: DatabaseConnection, poll: Duration) -> Self {
        let (batches, _) = broadcast::channel(BATCH_BUFFER);
        let (stop, stopped) = watch::channel(false);
        let inner = Arc::new(HubInner {
            batches,
            position: Mutex::new(None),
            callers: Mutex::new(HashMap::new()),
            stop,
            task: Mutex::new(None),
        });
        let task = tokio::spawn(listen(db, poll, inner.clone(), stopped));
        *inner.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        ChangeHub { inner }
    }

    /// A receiver of batches, and the position the next batch starts from (at most; `None`
    /// while the hub is starting).
    pub fn subscribe(&self) -> (broadcast::Receiver<Arc<Batch>>, Option<Position>) {
        // Subscribed before the position is read: a batch published in between starts at or
        // before that position, so none is missed.
        let receiver = self.inner.batches.subscribe();
        let position = *self.inner.position.lock().unwrap_or_else(|e| e.into_inner());
        (receiver, position)
    }

    /// Ends the listener at once (tests), as after a crash.
    pub fn abort(&self) {
        let _ = self.inner.stop.send(true);
        if let Some(task) = self.inner.task.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            task.abort();
        }
    }

    /// Stops the listener; live subscriptions end.
    pub async fn stop(&self) {
        let _ = self.inner.stop.send(true);
        let task = self.inner.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

async fn listen(db: DatabaseConnection, poll: Duration, hub: Arc<HubInner>, mut stopped: watch::Receiver<bool>) {
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let mut listener: Option<sea_orm::sqlx::postgres::PgListener> = None;
    let mut position = loop {
        match changes::head(&db).await {
            Ok(head) => break head.unwrap_or(Position::START),
            Err(e) => {
                tracing::warn!(error = %e, "subscriptions: reading the outbox's head failed; trying again");
                tokio::select! {
                    _ = stopped.changed() => return,
                    _ = tokio::time::sleep(poll) => {}
                }
            }
        }
    };
    *hub.position.lock().unwrap_or_else(|e| e.into_inner()) = Some(position);
    loop {
        if *stopped.borrow() {
            return;
        }
        if postgres && listener.is_none() {
            match sea_orm::sqlx::postgres::PgListener::connect_with(db.get_postgres_connection_pool()).await {
                Ok(mut l) => match l.listen(CHANNEL).await {
                    Ok(()) => listener = Some(l),
                    Err(e) => tracing::warn!(error = %e, "subscriptions: LISTEN failed; polling meanwhile"),
                },
                Err(e) => tracing::warn!(error = %e, "subscriptions: no listener connection; polling meanwhile"),
            }
        }
        // Reads everything committed since the last pass, a page per batch.
        loop {
            match changes::after(&db, position, &crate::store::webhook::EVENT_TYPES, HUB_PAGE).await {
                Ok(rows) => {
                    let Some(last) = rows.last().map(|c| c.position) else { break };
                    let full = rows.len() as u64 == HUB_PAGE;
                    let batch = Batch { from: position, to: last, changes: rows, readable: Mutex::default() };
                    position = last;
                    *hub.position.lock().unwrap_or_else(|e| e.into_inner()) = Some(position);
                    let _ = hub.batches.send(Arc::new(batch));
                    if !full {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "subscriptions: reading the outbox failed");
                    break;
                }
            }
        }
        let notified = async {
            match listener.as_mut() {
                Some(l) => l.try_recv().await.map(|n| n.is_some()),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = stopped.changed() => return,
            got = notified => if let Err(e) = got {
                tracing::warn!(error = %e, "subscriptions: listener failed; reconnecting");
                listener = None;
            },
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// One WebSocket connection: its caller, the hub and the limits.
pub struct Connection {
    pub hub: ChangeHub,
    pub settings: SubscriptionSettings,
    /// Role and subject: whose subscriptions count together.
    pub caller: String,
    active: AtomicUsize,
}

impl Connection {
    pub fn new(hub: ChangeHub, settings: SubscriptionSettings, caller: String) -> Self {
        Connection { hub, settings, caller, active: AtomicUsize::new(0) }
    }

    /// A place for one more subscription, held until the returned slot is dropped.
    /// Errors: `SUBSCRIPTION_LIMIT_EXCEEDED` past the limit per connection or per caller.
    pub fn acquire(self: &Arc<Self>) -> Result<Slot, ApiError> {
        let limit = |what: &str, n: usize| ApiError::Domain {
            argument: String::new(),
            code: "SUBSCRIPTION_LIMIT_EXCEEDED",
            message: format!("at most {n} subscriptions {what}; complete one first"),
        };
        if self.active.fetch_add(1, Ordering::SeqCst) >= self.settings.per_connection {
            self.active.fetch_sub(1, Ordering::SeqCst);
            return Err(limit("per connection", self.settings.per_connection));
        }
        {
            let mut callers = self.hub.inner.callers.lock().unwrap_or_else(|e| e.into_inner());
            let n = callers.entry(self.caller.clone()).or_default();
            if *n >= self.settings.per_caller {
                drop(callers);
                self.active.fetch_sub(1, Ordering::SeqCst);
                return Err(limit("per caller", self.settings.per_caller));
            }
            *n += 1;
        }
        metrics::gauge!(series::SUBSCRIPTIONS).increment(1.0);
        Ok(Slot { conn: self.clone() })
    }
}

/// One live subscription's place in the limits.
pub struct Slot {
    conn: Arc<Connection>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.conn.active.fetch_sub(1, Ordering::SeqCst);
        let mut callers = self.conn.hub.inner.callers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = callers.get_mut(&self.conn.caller) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                callers.remove(&self.conn.caller);
            }
        }
        metrics::gauge!(series::SUBSCRIPTIONS).decrement(1.0);
    }
}
