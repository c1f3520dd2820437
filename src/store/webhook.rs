//! Webhooks (issue 25): registrations, the delivery log, and the steps of the delivery loop
//! ([`crate::webhook`]).
//!
//! The outbox is the audit log: every write (mutations, roster sync, spreadsheet import,
//! which goes through sync) writes its audit rows in its own transaction, so a committed
//! change always has its audit row and a rolled-back one never has. Each webhook keeps a
//! cursor into the audit log (`scanned_until`); the loop turns the audit rows past it into
//! delivery rows (one per webhook and audit row, unique together) and moves the cursor to the
//! instant before which every write has committed (the write timeout plus a margin, as the
//! change feeds do). The rows of the last settle period are read again on every pass, so a
//! write that commits late still gets its delivery, once.
//!
//! Which webhook a replica works on is claimed with a lease (`lease_until`) taken in a short
//! transaction: `FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's write lock (`BEGIN
//! IMMEDIATE`) on SQLite; no HTTP request runs inside a transaction.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::audit_entry::{self, AuditAction};
use entity::webhook::{self, Model as Webhook};
use entity::webhook_delivery::{self, DeliveryAction, DeliveryStatus, Model as Delivery};
use entity::{
    award, charity_resource, client, deliberation_meeting, organization, project, service_record, social_worker,
    station, training, volunteer, volunteer_team,
};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::declare::{Declared, Scoped};
use super::page::Ordering;
use super::relations::{Keyed, Listed};
use super::write::begin_write;
use super::{KeyValue, Scope, Sort};
use crate::domain::DivisionCode;

/// The record types whose writes are audited, by GraphQL type name: what a webhook can
/// receive.
pub const EVENT_TYPES: [&str; 9] = [
    <station::Entity as Declared>::TYPE,
    <organization::Entity as Declared>::TYPE,
    <social_worker::Entity as Declared>::TYPE,
    <volunteer::Entity as Declared>::TYPE,
    <volunteer_team::Entity as Declared>::TYPE,
    <client::Entity as Declared>::TYPE,
    <project::Entity as Declared>::TYPE,
    <service_record::Entity as Declared>::TYPE,
    <charity_resource::Entity as Declared>::TYPE,
];

/// The types a SYNC_CLIENT may read (its own source's rosters; `docs/ACCESS.md`).
pub const SOURCE_TYPES: [&str; 4] = [
    <organization::Entity as Declared>::TYPE,
    <social_worker::Entity as Declared>::TYPE,
    <volunteer::Entity as Declared>::TYPE,
    <volunteer_team::Entity as Declared>::TYPE,
];

/// What the owner of a webhook may read: ADMIN every record, a SYNC_CLIENT its source's.
pub fn owner_scope(hook: &Webhook) -> Scope {
    match &hook.owner_source {
        Some(source) => Scope::Source(source.clone()),
        None => Scope::All,
    }
}

/// The condition on the webhooks a caller may see and manage: ADMIN all of them, a
/// SYNC_CLIENT those of its own source; nobody else any.
fn manageable(scope: &Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Source(s) => Condition::all().add(webhook::Column::OwnerSource.eq(s.as_str())),
        _ => Condition::all().add(Expr::cust("1 = 0")),
    }
}

/// A webhook to register.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub secret: String,
    /// GraphQL type names; empty: every type the owner may read.
    pub types: Vec<&'static str>,
    pub region: Option<DivisionCode>,
    pub description: Option<String>,
}

/// Registers a webhook owned by `scope`'s holder (`Scope::Source`: that source; else ADMIN).
/// It receives the changes written from now on.
pub async fn create(
    db: &DatabaseConnection,
    scope: &Scope,
    created_by: &str,
    new: NewWebhook,
) -> Result<Webhook, DbErr> {
    let now = crate::domain::time::now();
    let row = Webhook {
        id: Uuid::now_v7(),
        owner_source: match scope {
            Scope::Source(s) => Some(s.clone()),
            _ => None,
        },
        created_by: created_by.to_owned(),
        url: new.url,
        secret: new.secret,
        types: new.types.join(","),
        region_code: new.region.map(|r| r.as_str().to_owned()),
        description: new.description,
        paused: false,
        scanned_until: now,
        lease_until: None,
        created_at: now,
        updated_at: now,
        version: 1,
        deleted_at: None,
    };
    webhook::Entity::insert(row.clone().into_active_model()).exec_without_returning(db).await?;
    Ok(row)
}

/// The webhook `id`, if `scope` may manage it and it is not deleted.
pub async fn find<C: ConnectionTrait>(db: &C, scope: &Scope, id: Uuid) -> Result<Option<Webhook>, DbErr> {
    webhook::Entity::find_by_id(id).filter(webhook::Column::DeletedAt.is_null()).filter(manageable(scope)).one(db).await
}

/// Changes to a webhook; `None`: unchanged.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub types: Option<Vec<&'static str>>,
    /// `Some(None)`: every region.
    pub region: Option<Option<DivisionCode>>,
    pub description: Option<Option<String>>,
    pub paused: Option<bool>,
}

/// Applies `changes` to webhook `id`; `None` when `scope` may not manage it or it is gone.
/// A resumed webhook catches up: it receives the changes made while it was paused.
pub async fn update(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    changes: WebhookChanges,
) -> Result<Option<Webhook>, DbErr> {
    let txn = begin_write(db).await?;
    let Some(old) = find(&txn, scope, id).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    let mut row = old.clone().into_active_model();
    if let Some(url) = changes.url {
        row.url = Set(url);
    }
    if let Some(types) = changes.types {
        row.types = Set(types.join(","));
    }
    if let Some(region) = changes.region {
        row.region_code = Set(region.map(|r| r.as_str().to_owned()));
    }
    if let Some(d) = changes.description {
        row.description = Set(d);
    }
    if let Some(p) = changes.paused {
        row.paused = Set(p);
    }
    row.updated_at = Set(crate::domain::time::now());
    row.version = Set(old.version + 1);
    let new = row.update(&txn).await?;
    txn.commit().await?;
    Ok(Some(new))
}

/// Deletes webhook `id` (softly; its pending deliveries are never sent). `false` when `scope`
/// may not manage it or it is gone.
pub async fn delete(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<bool, DbErr> {
    let now = crate::domain::time::now();
    let done = webhook::Entity::update_many()
        .col_expr(webhook::Column::DeletedAt, Expr::value(now))
        .col_expr(webhook::Column::UpdatedAt, Expr::value(now))
        .filter(webhook::Column::Id.eq(id))
        .filter(webhook::Column::DeletedAt.is_null())
        .filter(manageable(scope))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The latest `limit` deliveries of webhooks `ids`, newest first, by webhook.
pub async fn recent_deliveries(
    db: &DatabaseConnection,
    ids: &[Uuid],
    limit: u64,
) -> Result<HashMap<Uuid, Vec<Delivery>>, DbErr> {
    let mut out = HashMap::new();
    for id in ids {
        let rows = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::WebhookId.eq(*id))
            .order_by_desc(webhook_delivery::Column::OccurredAt)
            .order_by_desc(webhook_delivery::Column::AuditId)
            .limit(limit)
            .all(db)
            .await?;
        out.insert(*id, rows);
    }
    Ok(out)
}

/// Filter of the webhook list (none yet).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct WebhookFilter;

impl Keyed for webhook::Entity {
    type Key = Uuid;

    fn key_column() -> webhook::Column {
        webhook::Column::Id
    }
    fn key(m: &Webhook) -> Uuid {
        m.id
    }
    /// ADMIN: every webhook; SYNC_CLIENT: its source's.
    fn visible(scope: &Scope) -> Select<Self> {
        webhook::Entity::find().filter(webhook::Column::DeletedAt.is_null()).filter(manageable(scope))
    }
}

impl Listed for webhook::Entity {
    type Filter = WebhookFilter;
    type OrderBy = Sort<()>;

    fn filter(_backend: DbBackend, select: Select<Self>, _f: &WebhookFilter) -> Select<Self> {
        select
    }
    fn ordering(order: Self::OrderBy) -> Ordering<Self> {
        Ordering {
            name: "createdAt",
            columns: vec![webhook::Column::CreatedAt, webhook::Column::Id],
            direction: order.direction,
            key: |m| vec![KeyValue::Time(m.created_at), KeyValue::Id(m.id)],
        }
    }
}

// ---------------------------------------------------------------------------------------
// The delivery loop's steps

/// Claims one active webhook that no replica holds and that is not in `skip`, for `lease`.
pub async fn claim(db: &DatabaseConnection, skip: &[Uuid], lease: Duration) -> Result<Option<Webhook>, DbErr> {
    // A plain read first: with no webhook to work on (the usual case), no write transaction,
    // which on SQLite would take the database's write lock every pass.
    let candidates = |now: DateTime<Utc>| {
        let mut q = webhook::Entity::find()
            .filter(webhook::Column::DeletedAt.is_null())
            .filter(webhook::Column::Paused.eq(false))
            .filter(
                Condition::any().add(webhook::Column::LeaseUntil.is_null()).add(webhook::Column::LeaseUntil.lt(now)),
            )
            .order_by_asc(webhook::Column::Id)
            .limit(1);
        if !skip.is_empty() {
            q = q.filter(webhook::Column::Id.is_not_in(skip.iter().copied()));
        }
        q
    };
    if candidates(crate::domain::time::now()).one(db).await?.is_none() {
        return Ok(None);
    }
    let txn = begin_write(db).await?;
    let now = crate::domain::time::now();
    let mut q = candidates(now);
    if txn.get_database_backend() == DbBackend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let Some(hook) = q.one(&txn).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    webhook::Entity::update_many()
        .col_expr(webhook::Column::LeaseUntil, Expr::value(until))
        .filter(webhook::Column::Id.eq(hook.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Some(hook))
}

/// Gives up the lease of webhook `id`.
pub async fn release(db: &DatabaseConnection, id: Uuid) -> Result<(), DbErr> {
    webhook::Entity::update_many()
        .col_expr(webhook::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(webhook::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Audit rows read per statement while enqueueing.
const SCAN_PAGE: u64 = 500;

/// Turns the audit rows of writes since the webhook's cursor into its deliveries, keeping
/// those of its types, in its region, that its owner may read; then moves the cursor to
/// `started - settle` (`started`: taken before the first read; `settle`: the write timeout
/// plus the commit margin), before which every write has committed. Returns the number of
/// deliveries added.
pub async fn enqueue(db: &DatabaseConnection, hook: &Webhook, settle: Duration) -> Result<u64, DbErr> {
    let started = crate::domain::time::now();
    let types: Vec<&str> = if hook.types.is_empty() {
        EVENT_TYPES.to_vec()
    } else {
        hook.types.split(',').filter(|t| EVENT_TYPES.contains(t)).collect()
    };
    let scope = owner_scope(hook);
    let region = hook.region_code.as_deref().and_then(|c| DivisionCode::parse(c).ok());
    let mut added = 0;
    let mut after: Option<(DateTime<Utc>, Uuid)> = None;
    let queued = Query::select()
        .expr(Expr::val(1))
        .from(webhook_delivery::Entity)
        .and_where(webhook_delivery::Column::WebhookId.eq(hook.id))
        .and_where(
            Expr::col((webhook_delivery::Entity, webhook_delivery::Column::AuditId))
                .equals((audit_entry::Entity, audit_entry::Column::Id)),
        )
        .to_owned();
    loop {
        let mut q = audit_entry::Entity::find()
            .filter(audit_entry::Column::OccurredAt.gte(hook.scanned_until))
            .filter(audit_entry::Column::Action.is_in([AuditAction::Create, AuditAction::Update, AuditAction::Delete]))
            .filter(audit_entry::Column::Entity.is_in(types.iter().copied()))
            .filter(audit_entry::Column::DeletedAt.is_null())
            // Rows read again in the settle window that already have their delivery.
            .filter(Expr::exists(queued.clone()).not())
            .order_by_asc(audit_entry::Column::OccurredAt)
            .order_by_asc(audit_entry::Column::Id)
            .limit(SCAN_PAGE);
        if let Some((t, id)) = after {
            q =
                q.filter(Condition::any().add(audit_entry::Column::OccurredAt.gt(t)).add(
                    Condition::all().add(audit_entry::Column::OccurredAt.eq(t)).add(audit_entry::Column::Id.gt(id)),
                ));
        }
        let rows = q.all(db).await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.occurred_at, last.id));
        let full = rows.len() as u64 == SCAN_PAGE;
        let readable = readable_records(db, &scope, region.as_ref(), &rows).await?;
        let now = crate::domain::time::now();
        let deliveries: Vec<webhook_delivery::ActiveModel> = rows
            .iter()
            .filter(|a| Uuid::parse_str(&a.entity_id).is_ok_and(|id| readable.contains(&(a.entity.clone(), id))))
            .map(|a| {
                Delivery {
                    id: Uuid::now_v7(),
                    webhook_id: hook.id,
                    audit_id: a.id,
                    occurred_at: a.occurred_at,
                    action: match a.action {
                        AuditAction::Create => DeliveryAction::Created,
                        AuditAction::Delete => DeliveryAction::Deleted,
                        _ => DeliveryAction::Updated,
                    },
                    node_type: a.entity.clone(),
                    record_id: a.entity_id.clone(),
                    status: DeliveryStatus::Pending,
                    attempts: 0,
                    next_attempt_at: now,
                    last_attempt_at: None,
                    response_code: None,
                    last_error: None,
                    delivered_at: None,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                    deleted_at: None,
                }
                .into_active_model()
            })
            .collect();
        if !deliveries.is_empty() {
            let insert = webhook_delivery::Entity::insert_many(deliveries)
                .on_conflict(
                    OnConflict::columns([webhook_delivery::Column::WebhookId, webhook_delivery::Column::AuditId])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await;
            match insert {
                Ok(n) => added += n,
                Err(DbErr::RecordNotInserted) => {}
                Err(e) => return Err(e),
            }
        }
        if !full {
            break;
        }
    }
    let settled = started - chrono::Duration::from_std(settle).unwrap_or(chrono::Duration::seconds(22));
    if settled > hook.scanned_until {
        webhook::Entity::update_many()
            .col_expr(webhook::Column::ScannedUntil, Expr::value(settled))
            .filter(webhook::Column::Id.eq(hook.id))
            .filter(webhook::Column::ScannedUntil.lt(settled))
            .exec(db)
            .await?;
    }
    Ok(added)
}

/// The `(type, id)` of the records of `rows` that `scope` may read and that lie in `region`
/// (deleted ones included: a deletion is an event too). Decided on the records as they are
/// now, with the same conditions as every read ([`Scope`]).
async fn readable_records(
    db: &DatabaseConnection,
    scope: &Scope,
    region: Option<&DivisionCode>,
    rows: &[audit_entry::Model],
) -> Result<HashSet<(String, Uuid)>, DbErr> {
    let pairs: Vec<(&str, Uuid)> =
        rows.iter().filter_map(|a| Some((a.entity.as_str(), Uuid::parse_str(&a.entity_id).ok()?))).collect();
    readable_pairs(db, scope, region, &pairs).await
}

/// The `(type, id)` pairs of `records` (GraphQL type name, key) that `scope` may read and
/// that lie in `region`, deleted ones included; shared by webhooks and subscriptions
/// ([`super::changes`]).
pub(crate) async fn readable_pairs(
    db: &DatabaseConnection,
    scope: &Scope,
    region: Option<&DivisionCode>,
    records: &[(&str, Uuid)],
) -> Result<HashSet<(String, Uuid)>, DbErr> {
    let mut by_type: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for (ty, id) in records {
        by_type.entry(ty).or_default().push(*id);
    }
    let place = region.map(|r| Scope::Region(r.clone()));
    let mut out = HashSet::new();
    for (ty, ids) in by_type {
        let found = match ty {
            "Station" => readable_ids::<station::Entity>(db, scope, place.as_ref(), &ids).await?,
            "Organization" => readable_ids::<organization::Entity>(db, scope, place.as_ref(), &ids).await?,
            "SocialWorker" => readable_ids::<social_worker::Entity>(db, scope, place.as_ref(), &ids).await?,
            "Volunteer" => readable_ids::<volunteer::Entity>(db, scope, place.as_ref(), &ids).await?,
            "VolunteerTeam" => readable_ids::<volunteer_team::Entity>(db, scope, place.as_ref(), &ids).await?,
            "Client" => readable_ids::<client::Entity>(db, scope, place.as_ref(), &ids).await?,
            "Project" => readable_ids::<project::Entity>(db, scope, place.as_ref(), &ids).await?,
            "ServiceRecord" => readable_ids::<service_record::Entity>(db, scope, place.as_ref(), &ids).await?,
            "CharityResource" => readable_ids::<charity_resource::Entity>(db, scope, place.as_ref(), &ids).await?,
            "Training" => readable_ids::<training::Entity>(db, scope, place.as_ref(), &ids).await?,
            "DeliberationMeeting" => {
                readable_ids::<deliberation_meeting::Entity>(db, scope, place.as_ref(), &ids).await?
            }
            "Award" => readable_ids::<award::Entity>(db, scope, place.as_ref(), &ids).await?,
            _ => Vec::new(),
        };
        out.extend(found.into_iter().map(|id| (ty.to_owned(), id)));
    }
    Ok(out)
}

/// Which of `ids` (rows of `E`) `scope` reads, deleted ones included, that also lie in
/// `place` when one is given.
async fn readable_ids<E: Scoped>(
    db: &DatabaseConnection,
    scope: &Scope,
    place: Option<&Scope>,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, DbErr> {
    let mut cond = Condition::all().add(E::readable(scope));
    if let Some(p) = place {
        cond = cond.add(E::readable(p));
    }
    E::find()
        .select_only()
        .column(E::id_column())
        .filter(E::id_column().is_in(ids.iter().copied()))
        .filter(cond)
        .into_tuple::<Uuid>()
        .all(db)
        .await
}

/// The webhook's first undelivered event (in write order), if any.
pub async fn head(db: &DatabaseConnection, webhook: Uuid) -> Result<Option<Delivery>, DbErr> {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::WebhookId.eq(webhook))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .order_by_asc(webhook_delivery::Column::OccurredAt)
        .order_by_asc(webhook_delivery::Column::AuditId)
        .one(db)
        .await
}

/// How one attempt went.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The HTTP status, when the receiver answered.
    pub response_code: Option<u16>,
    /// `None`: delivered (2xx); else a summary of what went wrong.
    pub error: Option<String>,
    /// When the next attempt is due; `None` (with an error): given up.
    pub retry_at: Option<DateTime<Utc>>,
}

/// Records an attempt at delivery `d`.
pub async fn record_attempt(db: &DatabaseConnection, d: &Delivery, attempt: Attempt) -> Result<(), DbErr> {
    let mut row = d.clone().into_active_model();
    row.attempts = Set(d.attempts + 1);
    row.last_attempt_at = Set(Some(attempt.at));
    row.response_code = Set(attempt.response_code.map(i32::from));
    row.updated_at = Set(attempt.at);
    row.version = Set(d.version + 1);
    match (&attempt.error, attempt.retry_at) {
        (None, _) => {
            row.status = Set(DeliveryStatus::Delivered);
            row.delivered_at = Set(Some(attempt.at));
            row.last_error = Set(None);
        }
        (Some(e), Some(next)) => {
            row.last_error = Set(Some(e.chars().take(500).collect()));
            row.next_attempt_at = Set(next);
        }
        (Some(e), None) => {
            row.last_error = Set(Some(e.chars().take(500).collect()));
            row.status = Set(DeliveryStatus::Failed);
        }
    }
    row.update(db).await.map(|_| ())
}
