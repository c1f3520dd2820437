//! Writing: multi-row inserts, and the audit row every write leaves (who, when, which record,
//! which fields changed from what to what, sensitive values masked).

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::audit_entry::{self, AuditAction};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Iterable, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use uuid::Uuid;

use super::audit::Actor;

/// Default of `CIVLINK_WRITE_TIMEOUT_MS`: the longest a write transaction may stay open.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(20);

/// Allowance for a COMMIT's own latency and for clock differences between replicas
/// (NTP-synchronised), added to the write timeout when change feeds hold back recent changes.
pub const COMMIT_MARGIN: Duration = Duration::from_secs(2);

/// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`, waiting up to the busy timeout): a deferred transaction that reads first and
/// writes later fails with `SQLITE_BUSY` when another writer committed in between, which
/// concurrent syncs do. PostgreSQL ignores the mode. Stamp rows after this returns.
///
/// On PostgreSQL the transaction plans with the server's default `plan_cache_mode = auto`
/// (`SET LOCAL`), not the connections' `force_custom_plan` ([`crate::db::connect`]): foreign
/// keys are checked by one cached statement per inserted row, and re-planning it every time
/// made 20,000 checked inserts take 1.86 s instead of 0.57 s, and a 10,000-volunteer sync
/// 5.8 s instead of 1.8 s (BENCHMARKS.md, "Roster sync").
pub async fn begin_write<D: TransactionTrait>(db: &D) -> Result<D::Transaction, DbErr>
where
    D::Transaction: ConnectionTrait,
{
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    let txn = db.begin_with_options(options).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL plan_cache_mode = auto").await?;
    }
    Ok(txn)
}

/// Attempts a write transaction gets when the database aborts it for a conflict with
/// concurrent transactions ([`crate::db::Failure::Conflict`]: a deadlock or serialization
/// failure on PostgreSQL, a busy database on SQLite). After the last one the conflict is
/// returned, and the API answers `CONFLICT`: nothing was written, retry the request.
pub const MAX_ATTEMPTS: u32 = 4;

/// Runs `attempt`, one whole write transaction (begin, statements, commit or rollback), again
/// while the database aborts it for a conflict with concurrent transactions, at most
/// [`MAX_ATTEMPTS`] times in all; any other outcome is returned as it is.
///
/// A conflict aborts the whole transaction (PostgreSQL refuses every further statement of
/// it), so only a fresh transaction can retry, and `attempt` must redo everything: read the
/// stored rows again, plan, write, commit. Every write path runs its transaction through this
/// one function. Between attempts it sleeps a jittered, growing backoff ([`backoff`]), so two
/// requests that deadlocked on each other do not collide again in step.
pub async fn retrying<T, E, F, A>(mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> A,
    A: std::future::Future<Output = Result<T, E>>,
    E: Conflicting + std::fmt::Display,
{
    let mut tried = 1;
    loop {
        match attempt().await {
            Err(e) if tried < MAX_ATTEMPTS && e.is_conflict() => {
                tracing::info!(error = %e, attempt = tried, "write transaction lost to a concurrent one; trying it again");
                tokio::time::sleep(backoff(tried)).await;
                tried += 1;
            }
            other => return other,
        }
    }
}

/// An error that may mean the transaction lost to a concurrent one, so that running it again
/// may succeed (see [`retrying`]).
pub trait Conflicting {
    fn is_conflict(&self) -> bool;
}

impl Conflicting for DbErr {
    /// A deadlock, serialization failure or busy database ([`crate::db::classify`]).
    fn is_conflict(&self) -> bool {
        crate::db::classify(self) == crate::db::Failure::Conflict
    }
}

/// The pause after failed attempt `n` (from 1): a random time between half and all of
/// 20 ms × 2^(n-1) ("equal jitter", as in AWS's "Exponential Backoff And Jitter"): 10-20 ms,
/// then 20-40 ms, then 40-80 ms.
pub fn backoff(n: u32) -> Duration {
    let full = 20_000u64 << n.saturating_sub(1).min(10);
    // Any source of randomness will do; without one, the full pause.
    let random = getrandom::u64().unwrap_or(u64::MAX);
    Duration::from_micros(full / 2 + random % (full / 2 + 1))
}

/// Whether a transaction whose rows are stamped `stamped` (its `now`, taken before it began)
/// may still commit under the write timeout `limit`. Every write checks this just before its
/// COMMIT and rolls back when it is false: a change feed relies on no row committing more
/// than `limit` after its `updated_at`.
pub fn within_write_timeout(stamped: DateTime<Utc>, limit: Duration) -> bool {
    (crate::domain::time::now() - stamped).to_std().map_or(true, |elapsed| elapsed <= limit)
}

/// Largest number of bind parameters per insert statement: SQLite allows 32,766, PostgreSQL
/// 65,535.
pub const MAX_BIND_PARAMETERS: usize = 30_000;

/// Inserts `rows` in multi-row statements of at most [`MAX_BIND_PARAMETERS`] values. Parents
/// must precede children in `rows`, so every chunk's foreign keys are already there.
pub async fn insert_chunked<E, C>(db: &C, rows: Vec<E::Model>) -> Result<(), DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E>,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let columns = E::Column::iter().count().max(1);
    let per_statement = (MAX_BIND_PARAMETERS / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> =
            rows.by_ref().take(per_statement).map(IntoActiveModel::into_active_model).collect();
        E::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}

/// One changed field: its API name and its old and new values as shown in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The audit row of one write of `entity` (a GraphQL type name) `id` by `actor`.
pub fn audit_row(
    actor: &Actor,
    action: AuditAction,
    entity: &str,
    id: Uuid,
    changes: &[Change],
    now: chrono::DateTime<chrono::Utc>,
) -> audit_entry::Model {
    let fields: Vec<&str> = changes.iter().map(|c| c.field).collect();
    let mut map = Map::new();
    for c in changes {
        map.insert(c.field.to_owned(), json!({ "old": c.old, "new": c.new }));
    }
    audit_entry::Model {
        id: Uuid::now_v7(),
        occurred_at: now,
        actor: actor.subject.clone(),
        role: actor.role.to_owned(),
        action,
        entity: entity.to_owned(),
        entity_id: id.to_string(),
        fields: fields.join(","),
        reason: None,
        request_id: Some(actor.request_id.clone()),
        changes: (!changes.is_empty()).then(|| Value::Object(map).to_string()),
        created_at: now,
        updated_at: now,
        version: 1,
        deleted_at: None,
    }
}

/// A written field's value, and how the audit log shows it.
pub struct Field {
    pub name: &'static str,
    pub value: Option<String>,
    /// Masking for the audit log (sensitive values); `None`: shown as is.
    pub mask: Option<fn(&str) -> String>,
}

/// A field shown as is.
pub fn field(name: &'static str, value: Option<impl ToString>) -> Field {
    Field { name, value: value.map(|v| v.to_string()), mask: None }
}

/// A sensitive field, masked by `mask` in the audit log.
pub fn masked(name: &'static str, value: Option<impl ToString>, mask: fn(&str) -> String) -> Field {
    Field { name, value: value.map(|v| v.to_string()), mask: Some(mask) }
}

/// An enum field, shown by its stored value.
pub fn enum_field<E: sea_orm::ActiveEnum<Value = String>>(name: &'static str, e: &E) -> Field {
    Field { name, value: Some(e.to_value()), mask: None }
}

/// The changed fields between `old` (none: everything is new) and `new`, masked for the log.
pub fn diff(old: Option<Vec<Field>>, new: Vec<Field>) -> Vec<Change> {
    diff_blind(old, new, |_| false)
}

/// Like [`diff`], for a writer who may not learn whether a value it sends equals a stored
/// value masked for it (issue 21: a dry-run sync that listed `phone` among the changed fields
/// only when a guessed phone was wrong told the guess from the right number, unaudited).
///
/// A masked field (one with a mask: phones, ID numbers, a client's identity) for which
/// `blind(name)` holds and whose new value is set counts as changed even when it equals the
/// stored value, so everything the write answers (changed fields, `UPDATED` or `UNCHANGED`,
/// the new version, the audit row) is the same whatever the stored value was. The values
/// written are the same either way: only `version` and `updated_at` move. Clearing a field
/// (new value absent) is compared as usual: whether a masked value is present is shown.
pub fn diff_blind(old: Option<Vec<Field>>, new: Vec<Field>, blind: impl Fn(&str) -> bool) -> Vec<Change> {
    let show = |f: &Field| match (&f.value, f.mask) {
        (Some(v), Some(mask)) => Some(mask(v)),
        (v, _) => v.clone(),
    };
    let old: HashMap<&'static str, Field> = old.unwrap_or_default().into_iter().map(|f| (f.name, f)).collect();
    new.into_iter()
        .filter_map(|n| match old.get(n.name) {
            Some(o) if o.value == n.value && !(n.mask.is_some() && n.value.is_some() && blind(n.name)) => None,
            Some(o) => Some(Change { field: n.name, old: show(o), new: show(&n) }),
            None if n.value.is_none() => None,
            None => Some(Change { field: n.name, old: None, new: show(&n) }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blind_writer_sees_a_sent_masked_field_changed_whether_or_not_it_equals_the_stored_one() {
        let phone = |v: &str| masked("phone", Some(v), crate::domain::masking::phone);
        let stored = || vec![phone("18912341893"), field("name", Some("张三"))];
        let right = || vec![phone("18912341893"), field("name", Some("张三"))];
        let wrong = vec![phone("18900001893"), field("name", Some("张三"))];
        let fields = |c: Vec<Change>| c.iter().map(|c| (c.field, c.old.clone(), c.new.clone())).collect::<Vec<_>>();
        assert!(diff(Some(stored()), right()).is_empty(), "an open writer sees the match");
        let blind_right = fields(diff_blind(Some(stored()), right(), |_| true));
        let blind_wrong = fields(diff_blind(Some(stored()), wrong, |_| true));
        assert_eq!(blind_right, blind_wrong, "the same answer for a right and a wrong guess");
        let masked_phone = Some("189****1893".to_owned());
        assert_eq!(blind_right, vec![("phone", masked_phone.clone(), masked_phone)]);
        // Unmasked fields, and a masked field the writer did not send, compare as usual.
        assert!(diff_blind(Some(stored()), stored(), |f| f != "phone").is_empty());
        let cleared = || vec![masked("phone", None::<&str>, crate::domain::masking::phone)];
        assert!(diff_blind(Some(cleared()), cleared(), |_| true).is_empty(), "absent stays absent");
    }
}
