//! The change feed of subscriptions (issue 25): the audit log (the transactional outbox every
//! write fills in its own transaction, as webhooks use it) read in commit order from a
//! position, keeping only the rows whose records a caller may read.
//!
//! A position orders audit rows as their transactions committed, so that a reader resuming
//! after a position never misses a row that commits later, and never gets one twice:
//! - PostgreSQL: `(change_txid, id)`, the writing transaction's id (migration `000018`); only
//!   rows whose transaction id lies below [`HORIZON`] are read: every transaction that may
//!   still write this database's audit log has a larger id.
//! - SQLite: `rowid`, which grows in commit order because one writer at a time holds the
//!   write lock until it commits. (`VACUUM` may renumber the rowids of a table without an
//!   `INTEGER PRIMARY KEY`, which would make saved cursors point elsewhere: civlink never runs
//!   it, and an operator who does should let subscribers start afresh.)

use std::collections::HashSet;

use entity::audit_entry::AuditAction;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use uuid::Uuid;

use super::Scope;
use crate::domain::DivisionCode;

/// The PostgreSQL transaction id below which every transaction that may write this database
/// has ended, as of the statement's snapshot: the oldest transaction the snapshot sees running
/// (`pg_snapshot_xip`), else the next id to be assigned (`pg_snapshot_xmax`).
///
/// Transaction ids are shared by every database of the server, so transactions of other
/// databases (another application's long batch, `CREATE DATABASE`) are left out, lest they
/// hold events back: a running transaction whose owner (its granted lock on its own id, in
/// `pg_locks`) is a backend connected to another database never writes here, since a backend
/// stays in one database for life. Every other running id holds the horizon back, including
/// one that ended after the snapshot was taken (its rows are invisible to this statement) and
/// prepared transactions (no backend), so the rule errs on the side of waiting.
pub const HORIZON: &str = "(SELECT LEAST(pg_snapshot_xmax(s), (SELECT min(x) FROM pg_snapshot_xip(s) AS x \
    WHERE (x::text::bigint % 4294967296) NOT IN (SELECT l.transactionid::text::bigint FROM pg_locks l \
    JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'transactionid' AND l.granted \
    AND l.mode = 'ExclusiveLock' AND a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database())))) \
    FROM pg_current_snapshot() AS s)";

/// A place in the change feed: after the audit row `id` at `seq` (PostgreSQL: its
/// transaction id; SQLite: its rowid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub seq: i64,
    pub id: Uuid,
}

impl Position {
    /// Before every row.
    pub const START: Position = Position { seq: 0, id: Uuid::nil() };
}

/// One committed write: an audit row of a create, update or delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub position: Position,
    pub action: AuditAction,
    /// The GraphQL type name of the record (`Volunteer`).
    pub entity: String,
    pub record_id: Uuid,
}

/// The newest position whose rows have all committed (`None`: the log is empty).
pub async fn head<C: ConnectionTrait>(db: &C) -> Result<Option<Position>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => format!(
            "SELECT change_txid::text::bigint AS seq, id FROM audit_log
             WHERE change_txid < {HORIZON}
             ORDER BY change_txid DESC, id DESC LIMIT 1"
        ),
        _ => "SELECT rowid AS seq, id FROM audit_log ORDER BY rowid DESC LIMIT 1".to_owned(),
    };
    let row = db.query_one_raw(Statement::from_string(backend, sql)).await?;
    row.map(|r| Ok(Position { seq: r.try_get("", "seq")?, id: r.try_get("", "id")? })).transpose()
}

/// Up to `limit` committed creates, updates and deletes of records of `types` (GraphQL type
/// names) after `from`, in commit order.
pub async fn after<C: ConnectionTrait>(
    db: &C,
    from: Position,
    types: &[&str],
    limit: u64,
) -> Result<Vec<Change>, DbErr> {
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = Vec::new();
    let mut bind = |v: Value| {
        values.push(v);
        match backend {
            DbBackend::Postgres => format!("${}", values.len()),
            _ => "?".to_owned(),
        }
    };
    let sql = match backend {
        DbBackend::Postgres => {
            let (seq, id) = (bind(from.seq.into()), bind(from.id.into()));
            let types = in_list(types.iter().map(|t| bind((*t).into())).collect());
            let limit = bind((limit as i64).into());
            format!(
                "SELECT change_txid::text::bigint AS seq, id, action, entity, entity_id FROM audit_log
                 WHERE (change_txid, id) > ({seq}::text::xid8, {id})
                   AND change_txid < {HORIZON}
                   AND action IN ('CREATE', 'UPDATE', 'DELETE') AND entity IN ({types})
                   AND deleted_at IS NULL
                 ORDER BY change_txid, id LIMIT {limit}"
            )
        }
        _ => {
            // The row id alone orders SQLite's rows.
            let seq = bind(from.seq.into());
            let types = in_list(types.iter().map(|t| bind((*t).into())).collect());
            let limit = bind((limit as i64).into());
            format!(
                "SELECT rowid AS seq, id, action, entity, entity_id FROM audit_log
                 WHERE rowid > {seq}
                   AND action IN ('CREATE', 'UPDATE', 'DELETE') AND entity IN ({types})
                   AND deleted_at IS NULL
                 ORDER BY rowid LIMIT {limit}"
            )
        }
    };
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let action: String = r.try_get("", "action")?;
        let action = match action.as_str() {
            "CREATE" => AuditAction::Create,
            "DELETE" => AuditAction::Delete,
            _ => AuditAction::Update,
        };
        let entity_id: String = r.try_get("", "entity_id")?;
        // Audit rows of these actions name records by UUID; anything else is not an event.
        let Ok(record_id) = Uuid::parse_str(&entity_id) else { continue };
        out.push(Change {
            position: Position { seq: r.try_get("", "seq")?, id: r.try_get("", "id")? },
            action,
            entity: r.try_get("", "entity")?,
            record_id,
        });
    }
    Ok(out)
}

/// The `(type, id)` of the records of `changes` that `scope` may read and that lie in
/// `region`: the webhooks' check ([`super::webhook`]), decided on the records as they are now
/// with the same conditions as every read (deleted records included: a deletion is an event
/// too).
pub async fn readable(
    db: &sea_orm::DatabaseConnection,
    scope: &Scope,
    region: Option<&DivisionCode>,
    changes: &[Change],
) -> Result<HashSet<(String, Uuid)>, DbErr> {
    let pairs: Vec<(&str, Uuid)> = changes.iter().map(|c| (c.entity.as_str(), c.record_id)).collect();
    super::webhook::readable_pairs(db, scope, region, &pairs).await
}

/// The items of an `IN (…)` list; `NULL` for none, which matches no row.
fn in_list(placeholders: Vec<String>) -> String {
    if placeholders.is_empty() { "NULL".to_owned() } else { placeholders.join(", ") }
}
