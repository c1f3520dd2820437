//! Reveals of personal data, each written to the audit log in the same transaction as the
//! read, and the audit log itself (readable by ADMIN only).
//!
//! PIPL arts. 28 and 51: sensitive personal information is shown in clear only on explicit
//! request, with a reason, and every such showing leaves a trace. A read whose audit row
//! cannot be written returns nothing: the transaction holds both or neither.

use chrono::{DateTime, NaiveDate, Utc};
use entity::audit_entry::{self, AuditAction};
use entity::client;
use entity::client_category::ClientCategoryKind;
use entity::consent_record::{self, ConsentKind};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, Select,
};
use uuid::Uuid;

use super::declare::Declared;
use super::page::Ordering;
use super::relations::{Keyed, Listed};
use super::write::Conflicting;
use super::{KeyValue, Scope, Sort, StoreError};
use crate::domain::identity::age_on;

/// Who is reading, for the audit row.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The token's subject.
    pub subject: String,
    /// The role acted in, e.g. `CIVIL_AFFAIRS`.
    pub role: &'static str,
    /// The request's id (`x-request-id`).
    pub request_id: String,
}

/// Why a reveal did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RevealError {
    /// No such record within the caller's scope.
    #[error("not found")]
    NotFound,
    /// The client is under 14 and no guardian consent is in force (PIPL art. 31).
    #[error("guardian consent required")]
    ConsentRequired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Conflicting for RevealError {
    /// A database conflict ([`super::write::Conflicting`]); refusals are not.
    fn is_conflict(&self) -> bool {
        matches!(self, RevealError::Store(StoreError::Db(e)) if e.is_conflict())
    }
}

impl From<sea_orm::DbErr> for RevealError {
    fn from(e: sea_orm::DbErr) -> Self {
        RevealError::Store(StoreError::Db(e))
    }
}

pub use crate::domain::consent::CONSENT_AGE;

/// Reads one row of `E` within scope and writes one audit row naming `fields` and `reason`,
/// in one transaction. `check` runs inside the transaction before the audit row is written.
async fn reveal<E, F>(
    db: &DatabaseConnection,
    scope: &Scope,
    actor: &Actor,
    key: E::Key,
    fields: &[String],
    reason: &str,
    check: F,
) -> Result<E::Model, RevealError>
where
    E: Listed + Declared,
    F: AsyncFnOnce(&sea_orm::DatabaseTransaction, &E::Model) -> Result<(), RevealError> + Clone,
{
    // Retried like every write when the database aborts it for a concurrent transaction (the
    // audit row is a write); a refusal (not found, no consent) is returned at once.
    super::write::retrying(|| reveal_once::<E, F>(db, scope, actor, key.clone(), fields, reason, check.clone())).await
}

/// One attempt of [`reveal`]: its transaction.
async fn reveal_once<E, F>(
    db: &DatabaseConnection,
    scope: &Scope,
    actor: &Actor,
    key: E::Key,
    fields: &[String],
    reason: &str,
    check: F,
) -> Result<E::Model, RevealError>
where
    E: Listed + Declared,
    F: AsyncFnOnce(&sea_orm::DatabaseTransaction, &E::Model) -> Result<(), RevealError>,
{
    let txn = super::write::begin_write(db).await?;
    let row =
        E::visible(scope).filter(E::key_column().eq(key.clone())).one(&txn).await?.ok_or(RevealError::NotFound)?;
    check(&txn, &row).await?;
    let now = crate::domain::time::now();
    let key: sea_orm::Value = key.into();
    let entity_id = match key {
        sea_orm::Value::Uuid(Some(u)) => u.to_string(),
        sea_orm::Value::String(Some(s)) => s,
        other => format!("{other:?}"),
    };
    let entry = audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(now),
        actor: Set(actor.subject.clone()),
        role: Set(actor.role.to_owned()),
        action: Set(AuditAction::Reveal),
        entity: Set(E::TYPE.to_owned()),
        entity_id: Set(entity_id),
        fields: Set(fields.join(",")),
        reason: Set(Some(reason.to_owned())),
        request_id: Set(Some(actor.request_id.clone())),
        changes: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        deleted_at: Set(None),
    };
    audit_entry::Entity::insert(entry).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(row)
}

/// A client's record in clear, with all categories; audited. Children under 14 (by birth
/// date, at `today` CST) need a guardian consent in force on `today`.
///
/// Errors: `NotFound` outside scope, `ConsentRequired`, store errors (nothing returned).
pub async fn reveal_client(
    db: &DatabaseConnection,
    scope: &Scope,
    actor: &Actor,
    id: Uuid,
    fields: &[String],
    reason: &str,
    today: NaiveDate,
) -> Result<(client::Model, Vec<ClientCategoryKind>), RevealError> {
    let row = reveal::<client::Entity, _>(db, scope, actor, id, fields, reason, async |txn, c: &client::Model| {
        let minor = c.birth_date.is_some_and(|b| age_on(b, today) < CONSENT_AGE);
        if minor && !consent_in_force(txn, c.id, today).await? {
            return Err(RevealError::ConsentRequired);
        }
        Ok(())
    })
    .await?;
    let categories = super::client::categories_by_client(db, &[id]).await?.remove(&id).unwrap_or_default();
    Ok((row, categories))
}

async fn consent_in_force<C: ConnectionTrait>(db: &C, client: Uuid, today: NaiveDate) -> Result<bool, sea_orm::DbErr> {
    let found = consent_record::Entity::find()
        .filter(consent_record::Column::ClientId.eq(client))
        .filter(consent_record::Column::Kind.eq(ConsentKind::GuardianConsent))
        .filter(consent_record::Column::DeletedAt.is_null())
        // The SQL form of `domain::consent::in_force`.
        .filter(consent_record::Column::WithdrawnAt.is_null())
        .filter(consent_record::Column::GivenOn.lte(today))
        .filter(
            sea_orm::Condition::any()
                .add(consent_record::Column::ExpiresOn.is_null())
                .add(consent_record::Column::ExpiresOn.gt(today)),
        )
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// A social worker's record in clear (phone, ID number); audited.
pub async fn reveal_social_worker(
    db: &DatabaseConnection,
    scope: &Scope,
    actor: &Actor,
    id: Uuid,
    fields: &[String],
    reason: &str,
) -> Result<entity::social_worker::Model, RevealError> {
    reveal::<entity::social_worker::Entity, _>(db, scope, actor, id, fields, reason, async |_, _| Ok(())).await
}

/// A volunteer's record in clear (phone, ID number); audited.
pub async fn reveal_volunteer(
    db: &DatabaseConnection,
    scope: &Scope,
    actor: &Actor,
    id: Uuid,
    fields: &[String],
    reason: &str,
) -> Result<entity::volunteer::Model, RevealError> {
    reveal::<entity::volunteer::Entity, _>(db, scope, actor, id, fields, reason, async |_, _| Ok(())).await
}

/// The `entity_id` of a lookup's audit row.
pub const LOOKUP: &str = "lookup";

/// Writes the audit row of a lookup of `entity` (`Volunteer`, `SocialWorker`) records by
/// citizen ID number: who, when, why, the request (action `REVEAL`, `entityId` `lookup`,
/// field `filter.idNumber`). The number and its person key are not in it: the row says that
/// someone looked a person up, not whom. Retried like every write on a conflict.
pub async fn lookup_by_id_number(
    db: &DatabaseConnection,
    actor: &Actor,
    entity: &str,
    reason: &str,
) -> Result<(), sea_orm::DbErr> {
    super::write::retrying(|| async {
        let now = crate::domain::time::now();
        let entry = reveal_row(actor, entity, LOOKUP.into(), "filter.idNumber".into(), reason.to_owned(), now);
        audit_entry::Entity::insert(entry).exec_without_returning(db).await.map(|_| ())
    })
    .await
}

/// An audit row of action `REVEAL` by `actor` at `now`, with no changes.
fn reveal_row(
    actor: &Actor,
    entity: &str,
    entity_id: String,
    fields: String,
    reason: String,
    now: DateTime<Utc>,
) -> audit_entry::ActiveModel {
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(now),
        actor: Set(actor.subject.clone()),
        role: Set(actor.role.to_owned()),
        action: Set(AuditAction::Reveal),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id),
        fields: Set(fields),
        reason: Set(Some(reason)),
        request_id: Set(Some(actor.request_id.clone())),
        changes: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        deleted_at: Set(None),
    }
}

/// The reason of a duplicate check's audit row.
pub const DUPLICATE_CHECK: &str =
    "DUPLICATE_PERSON: a write was refused because this record holds its citizen ID number";

/// Writes one audit row per record of `problems` that the caller may not read but was told of
/// (`FieldError::unreadable`: a `DUPLICATE_PERSON` refusal tells the caller that a number is
/// held, in another division of the same source): action `REVEAL`, the record's type and id,
/// field `idNumber`, reason [`DUPLICATE_CHECK`]; neither the number nor its key. Written on
/// its own, after the write's transaction, so dry runs (`VALIDATE`) and rolled-back batches
/// leave their rows too. Retried like every write on a conflict.
pub async fn duplicate_checks<'a, C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Actor,
    problems: impl IntoIterator<Item = &'a crate::domain::roster::FieldError>,
) -> Result<(), sea_orm::DbErr> {
    let told: Vec<_> = problems.into_iter().filter_map(|p| p.unreadable).collect();
    if told.is_empty() {
        return Ok(());
    }
    super::write::retrying(|| async {
        let now = crate::domain::time::now();
        let rows = told
            .iter()
            .map(|r| reveal_row(actor, r.type_name, r.id.to_string(), "idNumber".into(), DUPLICATE_CHECK.into(), now));
        audit_entry::Entity::insert_many(rows).exec_without_returning(db).await.map(|_| ())
    })
    .await
}

/// The `entity_id` of an export's audit row.
pub const EXPORT: &str = "export";

/// Writes the audit row of a finished export of `entity` records (`Volunteer`, …): who, when,
/// and in `reason` the export job, the number of rows and the filter and ordering it applied
/// (action `REVEAL`, `entityId` `export`, `fields` the export's columns). The values are
/// those the caller reads through the API, masked as there; the row records that a list left
/// the system, and how large it was. Retried like every write on a conflict.
pub async fn export(
    db: &DatabaseConnection,
    actor: &Actor,
    entity: &str,
    fields: &[&str],
    reason: &str,
) -> Result<(), sea_orm::DbErr> {
    let reason: String = reason.chars().take(500).collect();
    super::write::retrying(|| async {
        let now = crate::domain::time::now();
        let entry = reveal_row(actor, entity, EXPORT.into(), fields.join(","), reason.clone(), now);
        audit_entry::Entity::insert(entry).exec_without_returning(db).await.map(|_| ())
    })
    .await
}

/// Filter of the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Entries at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Entries before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// The audit log orders by time only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AuditOrderField {
    #[default]
    OccurredAt,
}

impl Keyed for audit_entry::Entity {
    type Key = Uuid;

    fn key_column() -> audit_entry::Column {
        audit_entry::Column::Id
    }
    fn key(m: &audit_entry::Model) -> Uuid {
        m.id
    }
    /// ADMIN only.
    fn visible(scope: &Scope) -> Select<Self> {
        let all = audit_entry::Entity::find().filter(audit_entry::Column::DeletedAt.is_null());
        if *scope == Scope::All { all } else { all.filter(sea_orm::sea_query::Expr::cust("1 = 0")) }
    }
}

impl Listed for audit_entry::Entity {
    type Filter = AuditFilter;
    type OrderBy = Sort<AuditOrderField>;

    fn filter(_backend: DbBackend, select: Select<Self>, f: &AuditFilter) -> Select<Self> {
        let mut s = select;
        if let Some(a) = &f.actor {
            s = s.filter(audit_entry::Column::Actor.eq(a.as_str()));
        }
        if let Some(e) = &f.entity {
            s = s.filter(audit_entry::Column::Entity.eq(e.as_str()));
        }
        if let Some(e) = &f.entity_id {
            s = s.filter(audit_entry::Column::EntityId.eq(e.as_str()));
        }
        if let Some(t) = f.since {
            s = s.filter(audit_entry::Column::OccurredAt.gte(t));
        }
        if let Some(t) = f.until {
            s = s.filter(audit_entry::Column::OccurredAt.lt(t));
        }
        s
    }
    fn ordering(order: Self::OrderBy) -> Ordering<Self> {
        Ordering {
            name: "occurredAt",
            columns: vec![audit_entry::Column::OccurredAt, audit_entry::Column::Id],
            direction: order.direction,
            key: |m| vec![KeyValue::Time(m.occurred_at), KeyValue::Id(m.id)],
        }
    }
}
