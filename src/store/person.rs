//! One person, many records (issue 23): person keys of volunteers and social workers
//! ([`crate::domain::person`]), the `DUPLICATE_PERSON` rule, the backfill of stored rows, and
//! the look-ups behind `sameAs` and the lookup by citizen ID number.
//!
//! **The rule.** Within one kind of record and one source (records created through the API
//! have no source and are one source of their own), no two live records have the same person
//! key. Every write path checks it before writing (the single mutations in [`super::mutate`],
//! the roster sync and therefore the spreadsheet import in [`super::sync`], and within one
//! batch), and the unique index of migration 000014 enforces it against concurrent writers;
//! its violation is translated by [`super::constraint::on_constraint`].
//!
//! **What a refusal tells.** A refusal necessarily tells the writer that the number is held by
//! a record of that kind and source. It names the holder's id ([`FieldError::existing`]) only
//! when the writer may read the holder; otherwise it names nothing, not its division, station,
//! creation time (a UUIDv7 carries one) or name.

use std::collections::{HashMap, HashSet};

use entity::{social_worker, volunteer};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::domain::DivisionCode;
use crate::domain::person::PersonKeys;
use crate::domain::roster::{ExistingRecord, FieldError};
use entity::volunteer::IdDocumentType;

/// The kinds of record that are persons with citizen ID numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonKind {
    Volunteer,
    SocialWorker,
}

impl PersonKind {
    /// The GraphQL type name.
    pub fn type_name(self) -> &'static str {
        match self {
            PersonKind::Volunteer => "Volunteer",
            PersonKind::SocialWorker => "SocialWorker",
        }
    }

    fn table(self) -> &'static str {
        match self {
            PersonKind::Volunteer => "volunteers",
            PersonKind::SocialWorker => "social_workers",
        }
    }
}

/// A row's claim on a person key: which kind, source and row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonSlot {
    pub kind: PersonKind,
    pub source: Option<String>,
    pub key: String,
    pub id: Uuid,
}

/// Sets a volunteer row's person key (from a citizen ID number; other documents have none)
/// and returns its slot.
pub fn volunteer_slot(m: &mut volunteer::Model, keys: &PersonKeys) -> Option<PersonSlot> {
    m.person_key = match m.id_document_type {
        IdDocumentType::ResidentId => m.id_number.as_deref().and_then(|n| keys.key_of(n)),
        _ => None,
    };
    let key = m.person_key.clone()?;
    Some(PersonSlot { kind: PersonKind::Volunteer, source: m.source.clone(), key, id: m.id })
}

/// Sets a social worker row's person key and returns its slot.
pub fn worker_slot(m: &mut social_worker::Model, keys: &PersonKeys) -> Option<PersonSlot> {
    m.person_key = m.id_number.as_deref().and_then(|n| keys.key_of(n));
    let key = m.person_key.clone()?;
    Some(PersonSlot { kind: PersonKind::SocialWorker, source: m.source.clone(), key, id: m.id })
}

/// The problem of a record whose citizen ID number another live record of its kind and source
/// holds: `holder` with its id when the writer may read it (`readable`), else without.
pub fn duplicate_person(kind: PersonKind, holder: Option<Uuid>, readable: bool) -> FieldError {
    let what = kind.type_name();
    match holder.filter(|_| readable) {
        Some(id) => {
            let mut e = FieldError::new(
                "idNumber",
                "DUPLICATE_PERSON",
                format!(
                    "idNumber: this citizen ID number is already held by the {what} named in `existingId`, of the same source; update that record instead"
                ),
            );
            e.existing = Some(ExistingRecord { type_name: what, id });
            e
        }
        None => {
            let mut e = FieldError::new(
                "idNumber",
                "DUPLICATE_PERSON",
                format!("idNumber: this citizen ID number is already held by another {what} of the same source"),
            );
            e.unreadable = holder.map(|id| ExistingRecord { type_name: what, id });
            e
        }
    }
}

/// The live row other than `slot.id` holding `slot`'s key in its kind and source, with its
/// division.
pub async fn holder<C: ConnectionTrait>(db: &C, slot: &PersonSlot) -> Result<Option<(Uuid, String)>, DbErr> {
    let found = holders(db, slot.kind, slot.source.as_deref(), std::slice::from_ref(&slot.key)).await?;
    Ok(found.get(&slot.key).filter(|(id, _)| *id != slot.id).cloned())
}

/// `key → (id, division)` of the live rows of `kind` and `source` holding any of `keys`.
pub async fn holders<C: ConnectionTrait>(
    db: &C,
    kind: PersonKind,
    source: Option<&str>,
    keys: &[String],
) -> Result<HashMap<String, (Uuid, String)>, DbErr> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(1_000) {
        let rows: Vec<(Uuid, String, Option<String>)> = match kind {
            PersonKind::Volunteer => {
                use volunteer::Column as C;
                let src = match source {
                    Some(s) => C::Source.eq(s),
                    None => C::Source.is_null(),
                };
                volunteer::Entity::find()
                    .select_only()
                    .columns([C::Id, C::RegionCode, C::PersonKey])
                    .filter(src)
                    .filter(C::PersonKey.is_in(chunk.iter().cloned()))
                    .filter(C::DeletedAt.is_null())
                    .into_tuple()
                    .all(db)
                    .await?
            }
            PersonKind::SocialWorker => {
                use social_worker::Column as C;
                let src = match source {
                    Some(s) => C::Source.eq(s),
                    None => C::Source.is_null(),
                };
                social_worker::Entity::find()
                    .select_only()
                    .columns([C::Id, C::RegionCode, C::PersonKey])
                    .filter(src)
                    .filter(C::PersonKey.is_in(chunk.iter().cloned()))
                    .filter(C::DeletedAt.is_null())
                    .into_tuple()
                    .all(db)
                    .await?
            }
        };
        for (id, region, key) in rows {
            if let Some(key) = key {
                out.insert(key, (id, region));
            }
        }
    }
    Ok(out)
}

/// Whether the row `id` of `kind` is one `readable` admits (a caller's scope condition).
pub async fn is_readable<C: ConnectionTrait>(
    db: &C,
    kind: PersonKind,
    id: Uuid,
    readable: Condition,
) -> Result<bool, DbErr> {
    let n = match kind {
        PersonKind::Volunteer => {
            volunteer::Entity::find()
                .select_only()
                .column(volunteer::Column::Id)
                .filter(volunteer::Column::Id.eq(id))
                .filter(readable)
                .into_tuple::<Uuid>()
                .one(db)
                .await?
        }
        PersonKind::SocialWorker => {
            social_worker::Entity::find()
                .select_only()
                .column(social_worker::Column::Id)
                .filter(social_worker::Column::Id.eq(id))
                .filter(readable)
                .into_tuple::<Uuid>()
                .one(db)
                .await?
        }
    };
    Ok(n.is_some())
}

/// Whether a holder in division `region` lies in `limit` (a CIVIL_AFFAIRS writer's region;
/// `None`: anywhere).
pub fn within(limit: Option<&DivisionCode>, region: &str) -> bool {
    limit.is_none_or(|l| region.starts_with(l.significant()))
}

/// What [`backfill`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Backfill {
    /// Rows given a key.
    pub keyed: usize,
    /// Live rows left without a key: an older live row of their kind and source has the same
    /// citizen ID number (duplicates written before the rule). Resolve them by hand.
    pub duplicates: usize,
    /// Whether every key was made again because the secret changed.
    pub rekeyed: bool,
}

/// Gives every volunteer and social worker with a citizen ID number its person key: rows
/// written before migration 000014 or by a path that does not key rows (the bulk seeders),
/// and every row again when the stored keys were made with another secret (the fingerprint in
/// `person_key_state`). Runs at start-up (`serve`, `setup`), before `import` and after `seed`:
/// the migration cannot, the secret being configuration. Idempotent; logs counts, never a
/// number or key.
///
/// Of live rows of one kind and source with the same number, the oldest keeps the key and the
/// others are left without one (counted in [`Backfill::duplicates`]): the unique index admits
/// no two, and which to keep is for a person to decide.
pub async fn backfill(db: &DatabaseConnection, keys: &PersonKeys) -> Result<Backfill, DbErr> {
    let mut done = Backfill::default();
    let fingerprint = keys.fingerprint();
    let backend = db.get_database_backend();
    let stored: Option<String> = db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT fingerprint FROM person_key_state WHERE id = 1",
        ))
        .await?
        .and_then(|r| r.try_get::<String>("", "fingerprint").ok());
    if stored.as_deref() != Some(fingerprint.as_str()) {
        if stored.is_some() {
            done.rekeyed = true;
        }
        for kind in [PersonKind::Volunteer, PersonKind::SocialWorker] {
            db.execute_unprepared(&format!(
                "UPDATE {} SET person_key = NULL WHERE person_key IS NOT NULL",
                kind.table()
            ))
            .await?;
        }
    }
    // The fingerprint goes first: the keys made from here on are this secret's, so a backfill
    // cut short (a restart, a timeout) resumes where it stopped instead of starting over.
    db.execute_unprepared("DELETE FROM person_key_state").await?;
    // The fingerprint is 64 hex digits: safe to inline.
    db.execute_unprepared(&format!("INSERT INTO person_key_state (id, fingerprint) VALUES (1, '{fingerprint}')"))
        .await?;
    for kind in [PersonKind::Volunteer, PersonKind::SocialWorker] {
        let (k, d) = backfill_kind(db, kind, keys).await?;
        done.keyed += k;
        done.duplicates += d;
    }
    if done.keyed > 0 || done.duplicates > 0 {
        tracing::info!(keyed = done.keyed, duplicates = done.duplicates, rekeyed = done.rekeyed, "person keys made");
    }
    if done.duplicates > 0 {
        tracing::warn!(
            duplicates = done.duplicates,
            "records share a citizen ID number with an older live record of their kind and source; they were left without a person key"
        );
    }
    Ok(done)
}

/// One kind's part of [`backfill`]: `(keyed, duplicates)`.
async fn backfill_kind(db: &DatabaseConnection, kind: PersonKind, keys: &PersonKeys) -> Result<(usize, usize), DbErr> {
    // (id, source, live, number) of rows without a key, oldest first; and the claimed keys.
    type Row = (Uuid, Option<String>, bool, Option<String>);
    type Stored = (Uuid, Option<String>, Option<chrono::DateTime<chrono::Utc>>, Option<String>);
    type Claim = (Option<String>, Option<String>);
    let (todo, claimed): (Vec<Row>, Vec<Claim>) = match kind {
        PersonKind::Volunteer => {
            use volunteer::Column as C;
            let rows: Vec<Stored> = volunteer::Entity::find()
                .select_only()
                .columns([C::Id, C::Source, C::DeletedAt, C::IdNumber])
                .filter(C::PersonKey.is_null())
                .filter(C::IdNumber.is_not_null())
                .filter(C::IdDocumentType.eq(IdDocumentType::ResidentId))
                .order_by_asc(C::CreatedAt)
                .order_by_asc(C::Id)
                .into_tuple()
                .all(db)
                .await?;
            // Nothing to key (every start-up but the first): the claimed keys, a row per
            // person, are not read at all.
            if rows.is_empty() {
                return Ok((0, 0));
            }
            let claimed = volunteer::Entity::find()
                .select_only()
                .columns([C::Source, C::PersonKey])
                .filter(C::PersonKey.is_not_null())
                .filter(C::DeletedAt.is_null())
                .into_tuple()
                .all(db)
                .await?;
            (rows.into_iter().map(|(i, s, d, n)| (i, s, d.is_none(), n)).collect(), claimed)
        }
        PersonKind::SocialWorker => {
            use social_worker::Column as C;
            let rows: Vec<Stored> = social_worker::Entity::find()
                .select_only()
                .columns([C::Id, C::Source, C::DeletedAt, C::IdNumber])
                .filter(C::PersonKey.is_null())
                .filter(C::IdNumber.is_not_null())
                .order_by_asc(C::CreatedAt)
                .order_by_asc(C::Id)
                .into_tuple()
                .all(db)
                .await?;
            // Nothing to key (every start-up but the first): the claimed keys, a row per
            // person, are not read at all.
            if rows.is_empty() {
                return Ok((0, 0));
            }
            let claimed = social_worker::Entity::find()
                .select_only()
                .columns([C::Source, C::PersonKey])
                .filter(C::PersonKey.is_not_null())
                .filter(C::DeletedAt.is_null())
                .into_tuple()
                .all(db)
                .await?;
            (rows.into_iter().map(|(i, s, d, n)| (i, s, d.is_none(), n)).collect(), claimed)
        }
    };
    let mut claimed: HashSet<(Option<String>, String)> =
        claimed.into_iter().filter_map(|(s, k)| k.map(|k| (s, k))).collect();
    let mut updates: Vec<(Uuid, String)> = Vec::new();
    let mut duplicates = 0;
    for (id, source, live, number) in todo {
        let Some(key) = number.as_deref().and_then(|n| keys.key_of(n)) else { continue };
        if live && !claimed.insert((source.clone(), key.clone())) {
            duplicates += 1;
            continue;
        }
        updates.push((id, key));
    }
    let keyed = updates.len();
    for chunk in updates.chunks(500) {
        let txn = sea_orm::TransactionTrait::begin(db).await?;
        for (id, key) in chunk {
            let update = match kind {
                PersonKind::Volunteer => {
                    volunteer::Entity::update_many()
                        .col_expr(volunteer::Column::PersonKey, Expr::value(key.clone()))
                        .filter(volunteer::Column::Id.eq(*id))
                        .exec(&txn)
                        .await
                }
                PersonKind::SocialWorker => {
                    social_worker::Entity::update_many()
                        .col_expr(social_worker::Column::PersonKey, Expr::value(key.clone()))
                        .filter(social_worker::Column::Id.eq(*id))
                        .exec(&txn)
                        .await
                }
            };
            update?;
        }
        txn.commit().await?;
    }
    Ok((keyed, duplicates))
}
