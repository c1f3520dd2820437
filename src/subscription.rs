//! Subscriptions (issue 25): the per-replica hub that wakes every local subscription when
//! something new has committed, the per-connection state, and the limits.
//!
//! The events themselves are never carried by the hub: a wake-up says only "the outbox has
//! grown", and each subscription reads the audit log after its own position through the scoped
//! read path ([`crate::store::changes`], [`crate::graphql::subscription`]). So a wake-up that
//! is missed or merged (a lagged receiver of the bounded broadcast, a dropped `NOTIFY`) loses
//! nothing: the next one, or the hub's periodic check, makes the subscription read on from
//! where it is.
//!
//! - PostgreSQL: one `LISTEN civlink_changes` connection per replica (the trigger of migration
//!   `000018` notifies at the commit of every transaction that writes audit rows, on any
//!   replica), plus a check of the outbox's head every `poll` in case a notification was
//!   lost (a reconnect) or a transaction committed rows held back behind an older one.
//! - SQLite: one replica per file, so the hub checks the outbox's head every `poll` in process.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{broadcast, watch};

use crate::graphql::error::ApiError;
use crate::observe::series;
use crate::store::changes;

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

/// The replica's hub: wakes local subscriptions when the outbox has grown, and counts
/// subscriptions per caller. Cloning shares it.
#[derive(Clone)]
pub struct ChangeHub {
    inner: Arc<HubInner>,
}

struct HubInner {
    wake: broadcast::Sender<()>,
    callers: Mutex<HashMap<String, usize>>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// Wake-ups buffered per subscription; a receiver further behind is told it lagged and reads
/// on from its position, so the buffer bounds memory without losing events.
const WAKE_BUFFER: usize = 16;

impl ChangeHub {
    /// Starts the hub's listener on `db`, checking the outbox every `poll` besides
    /// notifications.
    pub fn start(db: DatabaseConnection, poll: Duration) -> Self {
        let (wake, _) = broadcast::channel(WAKE_BUFFER);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(listen(db, poll, wake.clone(), stopped));
        ChangeHub {
            inner: Arc::new(HubInner { wake, callers: Mutex::new(HashMap::new()), stop, task: Mutex::new(Some(task)) }),
        }
    }

    /// A receiver of wake-ups.
    pub fn wake(&self) -> broadcast::Receiver<()> {
        self.inner.wake.subscribe()
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

async fn listen(
    db: DatabaseConnection,
    poll: Duration,
    wake: broadcast::Sender<()>,
    mut stopped: watch::Receiver<bool>,
) {
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let mut listener: Option<sea_orm::sqlx::postgres::PgListener> = None;
    let mut last = changes::head(&db).await.ok().flatten();
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
        let notified = async {
            match listener.as_mut() {
                Some(l) => l.try_recv().await.map(|n| n.is_some()),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = stopped.changed() => return,
            got = notified => match got {
                Ok(true) => {}
                // The connection was lost: it reconnects on the next call; check meanwhile.
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "subscriptions: listener failed; reconnecting");
                    listener = None;
                }
            },
            _ = tokio::time::sleep(poll) => {}
        }
        match changes::head(&db).await {
            Ok(head) if head != last => {
                last = head;
                let _ = wake.send(());
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "subscriptions: reading the outbox's head failed"),
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
