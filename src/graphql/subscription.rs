//! The subscription root: `changes`, the committed creates, updates and deletes of the
//! records a caller may read, live over the graphql-transport-ws protocol on `/graphql`
//! ([`crate::subscription`] serves the socket, [`crate::store::changes`] reads the outbox);
//! and `jobProgress`, a background job of the caller's as it moves.

use std::collections::VecDeque;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, Subscription as SubscriptionRoot, Union};
use entity::audit_entry::AuditAction;
use entity::job::{JobKind, JobStatus, Model as JobRow};
use futures::Stream;
use uuid::Uuid;

use super::context::RequestData;
use super::error::{ApiError, ApiResult};
use super::id::{GlobalId, NodeType};
use super::node::Node;
use super::webhook::ChangeAction;
use crate::domain::DivisionCode;
use crate::store::changes::{self, Position};
use crate::store::{Cursor, KeyValue, Scope};
use crate::subscription::{Batch, Connection, Slot};

/// The `ordering` of subscription cursors, so that another list's cursor is refused.
const ORDERING: &str = "changes:commit";

/// Audit rows read per statement.
const PAGE: u64 = 200;

/// One committed change of a record the caller may read.
pub struct ChangeEvent {
    position: Position,
    action: AuditAction,
    node_type: NodeType,
    record: Uuid,
}

/// One committed change of a record: what happened, to which record, and where it stands in
/// the change feed.
#[Object]
impl ChangeEvent {
    /// The event's place in the change feed: pass it as `changes(after:)` to resume after
    /// this event (opaque).
    async fn cursor(&self) -> String {
        encode(self.position)
    }
    /// What happened to the record.
    async fn action(&self) -> ChangeAction {
        match self.action {
            AuditAction::Create => ChangeAction::Created,
            AuditAction::Delete => ChangeAction::Deleted,
            _ => ChangeAction::Updated,
        }
    }
    /// The record's type.
    async fn node_type(&self) -> NodeType {
        self.node_type
    }
    /// The record's global id (also for a deletion, whose `node` is null).
    async fn id(&self) -> ID {
        GlobalId::encode(self.node_type, self.record)
    }
    /// The record as the caller may read it now (masked as in every read); null for a
    /// deletion, and when the record is no longer readable (deleted or moved out of scope
    /// since).
    async fn node(&self, ctx: &Context<'_>) -> ApiResult<Option<Node>> {
        if self.action == AuditAction::Delete {
            return Ok(None);
        }
        let id = GlobalId { node_type: self.node_type, key: self.record.to_string() };
        super::node::load(ctx, &id).await
    }
}

fn encode(p: Position) -> String {
    Cursor { ordering: ORDERING.into(), key: vec![KeyValue::Int(p.seq), KeyValue::Id(p.id)] }.encode()
}

fn decode(s: &str) -> Result<Position, ApiError> {
    let c = Cursor::decode(s).map_err(ApiError::from)?;
    match (c.ordering.as_str(), c.key.as_slice()) {
        (ORDERING, [KeyValue::Int(seq), KeyValue::Id(id)]) => Ok(Position { seq: *seq, id: *id }),
        _ => Err(ApiError::InvalidCursor(
            "not a cursor of `changes` (webhook and list cursors are not accepted here)".into(),
        )),
    }
}

/// How often `jobProgress` reads its job: often enough for a progress bar, rarely enough that
/// a subscriber costs one indexed read a second.
const JOB_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// A background job: a bulk export or the import of an uploaded roster.
#[derive(Union)]
pub enum Job {
    Export(super::export::Export),
    ImportJob(super::import_job::ImportJob),
}

/// The subscription root.
#[derive(Default)]
pub struct Subscription;

/// Streams over WebSocket (graphql-transport-ws on `/graphql`, the token in
/// `connection_init`'s payload).
#[SubscriptionRoot]
impl Subscription {
    /// The creates, updates and deletes of records the caller may read (the same permission
    /// table and masking as every read), in the order they committed, from now on or, with
    /// `after`, from after an earlier event: the changes since are replayed, then the stream
    /// continues live, so a client that reconnects with its last `cursor` misses none and gets
    /// none twice. Served over the graphql-transport-ws protocol on `/graphql`, the token in
    /// `connection_init`'s payload (`{"Authorization": "Bearer <JWT>"}`).
    ///
    /// Cursors are positions in commit order, not the `(updatedAt, id)` cursors of list change
    /// feeds nor the webhooks' event cursors; only a `cursor` of this field is accepted.
    /// Errors: `FORBIDDEN` without a token; `INVALID_CURSOR` (also for a cursor beyond the
    /// newest change, as after a restore); `INVALID_DIVISION_CODE`;
    /// `SUBSCRIPTION_LIMIT_EXCEEDED` past the subscriptions allowed per connection or per
    /// caller. The connection is closed with code 4401 when the token expires and with 4413
    /// when the client reads too slowly (see the README's "Subscriptions").
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only records of these types; null or empty: every type with events.")] types: Option<
            Vec<NodeType>,
        >,
        #[graphql(desc = "Only records located in this division's subtree (a 2- to 12-digit code); null: everywhere.")]
        region: Option<String>,
        #[graphql(desc = "Resume after this event: the `cursor` of an earlier event of `changes`.")] after: Option<
            String,
        >,
    ) -> async_graphql::Result<impl Stream<Item = ChangeEvent>> {
        let (data, conn) = subscriber(ctx)?;
        let region = match region.as_deref() {
            Some(r) => Some(DivisionCode::parse(r).map_err(|e| ApiError::domain("region", e))?),
            None => None,
        };
        let wanted: Vec<&'static str> = match types.as_deref() {
            None | Some([]) => crate::store::webhook::EVENT_TYPES.to_vec(),
            Some(ts) => crate::store::webhook::EVENT_TYPES
                .into_iter()
                .filter(|name| ts.iter().any(|t| t.name() == *name))
                .collect(),
        };
        let (batches, hub_position) = conn.hub.subscribe();
        // Without a cursor: from what the replica has read so far (the changes committed
        // before the subscription); with one, from there, reading the outbox until caught up.
        let (start, behind) = match (after.as_deref(), hub_position) {
            (Some(c), _) => {
                let p = decode(c)?;
                // A cursor beyond the newest change (another deployment's, or one from before a
                // restore or SQLite's VACUUM) would wait for events that already passed it:
                // refused, so the client knows to resynchronise instead of missing them.
                let head =
                    changes::head(&data.db).await.map_err(|e| ApiError::from(crate::store::StoreError::from(e)))?;
                if p > head.unwrap_or(Position::START) {
                    return Err(ApiError::InvalidCursor(
                        "the cursor lies beyond the newest change of this database (another deployment's, or from \
                         before a restore): resubscribe without `after` and reconcile from the lists' change feeds"
                            .into(),
                    )
                    .into());
                }
                (p, true)
            }
            (None, Some(p)) => (p, false),
            (None, None) => {
                let head =
                    changes::head(&data.db).await.map_err(|e| ApiError::from(crate::store::StoreError::from(e)))?;
                (head.unwrap_or(Position::START), false)
            }
        };
        let slot = conn.acquire()?;
        let feed = Feed {
            db: data.db.clone(),
            scope: data.scope.clone(),
            region,
            types: wanted,
            position: start,
            behind,
            batches,
            pending: VecDeque::new(),
            _slot: slot,
        };
        Ok(futures::stream::unfold(feed, Feed::next))
    }

    /// A background job of the caller's (an `Export` of `startExport` or an `ImportJob` of
    /// `importRoster`, by global id) as it moves: the job as it stands, then again each time
    /// its status or progress changes, until it is SUCCEEDED or FAILED, its last event (the
    /// stream then completes). The job is read from the database every second, so any replica
    /// serves it, whichever runs the job. Errors: `FORBIDDEN` without a token; `INVALID_ID`;
    /// `NOT_FOUND` (no job of the caller's with this id: another caller's job looks like
    /// none, as in `node`); `SUBSCRIPTION_LIMIT_EXCEEDED`.
    async fn job_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of an `Export` or an `ImportJob` the caller started.")] id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Job>> {
        let (data, conn) = subscriber(ctx)?;
        let global = GlobalId::decode(id.as_str())?;
        let key = global.uuid()?;
        // The owner-only rule of `node(id:)`, by the same loaders.
        let found = match global.node_type {
            NodeType::Export => super::export::load(ctx, key).await?.is_some(),
            NodeType::ImportJob => super::import_job::load(ctx, key).await?.is_some(),
            _ => {
                return Err(
                    ApiError::InvalidId(format!("`{}` is not the id of an Export or ImportJob", id.as_str())).into()
                );
            }
        };
        if !found {
            return Err(ApiError::NotFound(format!("no job with id `{}`", id.as_str())).into());
        }
        let watch = JobWatch { db: data.db.clone(), id: key, last: None, finished: false, _slot: conn.acquire()? };
        Ok(futures::stream::unfold(watch, JobWatch::next))
    }
}

/// One `jobProgress` subscription: the job it follows and what it last sent.
struct JobWatch {
    db: sea_orm::DatabaseConnection,
    id: Uuid,
    /// Status, rows done, rows expected and bytes, as last sent.
    last: Option<(JobStatus, i64, Option<i64>, i64)>,
    finished: bool,
    /// Counts against the limits while the subscription lives.
    _slot: Slot,
}

impl JobWatch {
    async fn next(mut self) -> Option<(Job, JobWatch)> {
        if self.finished {
            return None;
        }
        loop {
            match crate::store::job::get(&self.db, self.id).await {
                // Gone (an expired export's row is kept, so only a removed job): nothing more.
                Ok(None) => return None,
                Ok(Some(row)) => {
                    let now = (row.status, row.done, row.total, row.bytes);
                    if self.last != Some(now) {
                        self.last = Some(now);
                        self.finished = matches!(row.status, JobStatus::Succeeded | JobStatus::Failed);
                        return Some((job(row), self));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, job = %self.id, "jobProgress: reading the job failed; trying again")
                }
            }
            tokio::time::sleep(JOB_POLL).await;
        }
    }
}

fn job(row: JobRow) -> Job {
    match row.kind {
        JobKind::Export => Job::Export(super::export::Export(row)),
        JobKind::Import => Job::ImportJob(super::import_job::ImportJob(row)),
    }
}

/// The caller of a subscription and its connection. Errors: `FORBIDDEN` without a token (a
/// subscription belongs to a caller), `INTERNAL` when run outside a WebSocket connection.
fn subscriber<'a>(ctx: &'a Context<'_>) -> Result<(&'a RequestData, &'a Arc<Connection>), ApiError> {
    let data = RequestData::of(ctx)?;
    let conn = ctx.data::<Arc<Connection>>().map_err(|_| {
        tracing::error!("subscription executed without its connection");
        ApiError::Internal
    })?;
    if matches!(data.scope, Scope::CountsOnly) {
        return Err(ApiError::Forbidden(
            "subscriptions need a token: send it in `connection_init`'s payload as `Authorization`".into(),
        ));
    }
    Ok((data, conn))
}

/// One subscription's reader: its position in the outbox, the events read but not yet sent,
/// and the replica's batches.
struct Feed {
    db: sea_orm::DatabaseConnection,
    scope: Scope,
    region: Option<DivisionCode>,
    types: Vec<&'static str>,
    position: Position,
    /// Reads the outbox itself until it has caught up with the batches.
    behind: bool,
    batches: tokio::sync::broadcast::Receiver<Arc<Batch>>,
    pending: VecDeque<ChangeEvent>,
    /// Counts against the limits while the subscription lives.
    _slot: Slot,
}

impl Feed {
    async fn next(mut self) -> Option<(ChangeEvent, Feed)> {
        let mut failures = 0u32;
        loop {
            if let Some(e) = self.pending.pop_front() {
                metrics::counter!(crate::observe::series::SUBSCRIPTION_EVENTS).increment(1);
                return Some((e, self));
            }
            if self.behind {
                match self.read().await {
                    Ok(more) => {
                        failures = 0;
                        self.behind = more;
                    }
                    Err(e) => {
                        // The outbox keeps every change: after a pause the feed reads on from
                        // its position.
                        failures = failures.saturating_add(1);
                        tracing::warn!(error = %e, "subscription: reading changes failed; trying again");
                        let pause = std::time::Duration::from_millis(200u64 << failures.min(5));
                        tokio::time::sleep(pause).await;
                    }
                }
                continue;
            }
            match self.batches.recv().await {
                Ok(batch) => self.take(&batch).await,
                // Batches were dropped for this receiver: read them from the outbox instead.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => self.behind = true,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Takes the events of a batch after the position; a batch that starts after the position
    /// means some changes were not seen here, and the outbox is read instead.
    async fn take(&mut self, batch: &Batch) {
        if batch.to <= self.position {
            return;
        }
        if batch.from > self.position {
            self.behind = true;
            return;
        }
        let Some(readable) = batch.readable(&self.db, &self.scope, self.region.as_ref()).await else {
            self.behind = true;
            return;
        };
        let after = self.position;
        self.queue(batch.changes.iter().filter(|c| c.position > after), &readable);
        self.position = batch.to;
    }

    fn queue<'a>(
        &mut self,
        changes: impl Iterator<Item = &'a changes::Change>,
        readable: &std::collections::HashSet<(String, Uuid)>,
    ) {
        for c in changes {
            if !self.types.contains(&c.entity.as_str()) || !readable.contains(&(c.entity.clone(), c.record_id)) {
                continue;
            }
            let Some(node_type) = NodeType::ALL.into_iter().find(|t| t.name() == c.entity) else { continue };
            self.pending.push_back(ChangeEvent {
                position: c.position,
                action: c.action,
                node_type,
                record: c.record_id,
            });
        }
    }

    /// Reads a page after the position from the outbox into `pending`; `true` when the page
    /// was full, so that there may be more.
    async fn read(&mut self) -> Result<bool, sea_orm::DbErr> {
        let rows = changes::after(&self.db, self.position, &self.types, PAGE).await?;
        let Some(last) = rows.last().map(|c| c.position) else { return Ok(false) };
        let full = rows.len() as u64 == PAGE;
        let readable = changes::readable(&self.db, &self.scope, self.region.as_ref(), &rows).await?;
        self.queue(rows.iter(), &readable);
        self.position = last;
        Ok(full)
    }
}
