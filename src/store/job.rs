//! Background jobs (issue 24): their rows in `jobs`, and an export's file in `job_chunks`.
//!
//! Why the database and not the replica: civlink runs as stateless replicas, and a client
//! polls or downloads through whichever one the load balancer picks; job state and file
//! content are therefore rows that every replica reads.
//!
//! How a job that lost its replica is found: the replica running a job renews the lease
//! `claimed_until` on every batch it writes ([`progress`]). A QUEUED or RUNNING job whose lease
//! has lapsed belongs to a replica that died (or was killed mid-job); [`settle_lapsed`] turns
//! it FAILED with code `INTERRUPTED` the first time any replica reads it, so a job is never
//! silently lost. Claims and settlements are single conditional `UPDATE`s (compare-and-set on
//! status and lease), atomic on SQLite and PostgreSQL alike: only one of two replicas racing
//! for the same job wins, and a replica whose job was settled FAILED stops at its next
//! [`progress`] (zero rows updated).

use chrono::{DateTime, Utc};
use entity::job::{self, JobKind, JobStatus};
use entity::job_chunk;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::StoreError;

/// Who started a job, as stored with it: what the job may read is what this caller may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The token's subject.
    pub subject: String,
    /// The token's role (`Role::as_str`).
    pub role: String,
    /// The token's scope, written by the API layer (`SCOPE:value`).
    pub scope: String,
}

/// The error code of a job whose replica stopped working on it.
pub const INTERRUPTED: &str = "INTERRUPTED";

fn after(now: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Inserts a QUEUED job of `owner` with its `input` (JSON), leased for `lease` to the replica
/// that will run it.
pub async fn create(
    db: &DatabaseConnection,
    owner: &Owner,
    kind: JobKind,
    input: String,
    lease: std::time::Duration,
) -> Result<job::Model, StoreError> {
    let now = crate::domain::time::now();
    let row = job::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind),
        status: Set(JobStatus::Queued),
        owner_subject: Set(owner.subject.clone()),
        owner_role: Set(owner.role.clone()),
        owner_scope: Set(owner.scope.clone()),
        input: Set(input),
        done: Set(0),
        total: Set(None),
        result: Set(None),
        error_code: Set(None),
        error_message: Set(None),
        claimed_until: Set(Some(after(now, lease))),
        finished_at: Set(None),
        expires_at: Set(None),
        bytes: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        deleted_at: Set(None),
    };
    Ok(job::Entity::insert(row).exec_with_returning(db).await?)
}

/// How many jobs of `kind` of this owner are running or waiting to run (leases in force: a job
/// whose replica died does not count once its lease has lapsed).
pub async fn unfinished(db: &DatabaseConnection, owner: &Owner, kind: JobKind) -> Result<u64, StoreError> {
    Ok(job::Entity::find()
        .filter(job::Column::OwnerSubject.eq(owner.subject.as_str()))
        .filter(job::Column::OwnerRole.eq(owner.role.as_str()))
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::Status.is_in([JobStatus::Queued, JobStatus::Running]))
        .filter(job::Column::ClaimedUntil.gt(crate::domain::time::now()))
        .filter(job::Column::DeletedAt.is_null())
        .count(db)
        .await?)
}

/// The job with this id, settled first if its lease lapsed ([`settle_lapsed`]).
pub async fn get(db: &DatabaseConnection, id: Uuid) -> Result<Option<job::Model>, StoreError> {
    let Some(row) = job::Entity::find_by_id(id).filter(job::Column::DeletedAt.is_null()).one(db).await? else {
        return Ok(None);
    };
    settle_lapsed(db, row).await.map(Some)
}

/// `row` as it stands once a lapsed lease is accounted for: a QUEUED or RUNNING job whose
/// lease has passed is marked FAILED (`INTERRUPTED`) and returned so.
pub async fn settle_lapsed(db: &DatabaseConnection, row: job::Model) -> Result<job::Model, StoreError> {
    let now = crate::domain::time::now();
    let live = matches!(row.status, JobStatus::Queued | JobStatus::Running);
    if !live || row.claimed_until.is_some_and(|t| t > now) {
        return Ok(row);
    }
    let message = "the replica running this job stopped before it finished (restart or crash); start it again";
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Failed))
        .col_expr(job::Column::ErrorCode, Expr::value(INTERRUPTED))
        .col_expr(job::Column::ErrorMessage, Expr::value(message))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .col_expr(job::Column::Version, Expr::col(job::Column::Version).add(1))
        .filter(job::Column::Id.eq(row.id))
        .filter(job::Column::Status.is_in([JobStatus::Queued, JobStatus::Running]))
        .filter(job::Column::ClaimedUntil.lte(now))
        .exec(db)
        .await?;
    Ok(job::Entity::find_by_id(row.id).one(db).await?.unwrap_or(row))
}

/// Takes a QUEUED job for this replica: RUNNING, leased for `lease`. False when it is no longer
/// QUEUED (another replica took it, or it was settled FAILED).
pub async fn claim(db: &DatabaseConnection, id: Uuid, lease: std::time::Duration) -> Result<bool, StoreError> {
    let now = crate::domain::time::now();
    let done = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Running))
        .col_expr(job::Column::ClaimedUntil, Expr::value(after(now, lease)))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .col_expr(job::Column::Version, Expr::col(job::Column::Version).add(1))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(JobStatus::Queued))
        .filter(job::Column::ClaimedUntil.gt(now))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Records progress of a RUNNING job (`done` of `total` rows, `bytes` of file written) and
/// renews its lease. False when the job is no longer RUNNING: its runner must stop.
pub async fn progress(
    db: &DatabaseConnection,
    id: Uuid,
    done: i64,
    total: Option<i64>,
    bytes: i64,
    lease: std::time::Duration,
) -> Result<bool, StoreError> {
    let now = crate::domain::time::now();
    let updated = job::Entity::update_many()
        .col_expr(job::Column::Done, Expr::value(done))
        .col_expr(job::Column::Total, Expr::value(total))
        .col_expr(job::Column::Bytes, Expr::value(bytes))
        .col_expr(job::Column::ClaimedUntil, Expr::value(after(now, lease)))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(JobStatus::Running))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Stores piece `seq` of a job's file.
pub async fn append_chunk(db: &DatabaseConnection, id: Uuid, seq: i32, bytes: Vec<u8>) -> Result<(), StoreError> {
    let row = job_chunk::ActiveModel { job_id: Set(id), seq: Set(seq), bytes: Set(bytes) };
    job_chunk::Entity::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// Piece `seq` of a job's file, if there is one.
pub async fn chunk<C: ConnectionTrait>(db: &C, id: Uuid, seq: i32) -> Result<Option<Vec<u8>>, StoreError> {
    let bytes: Option<Vec<u8>> = job_chunk::Entity::find()
        .select_only()
        .column(job_chunk::Column::Bytes)
        .filter(job_chunk::Column::JobId.eq(id))
        .filter(job_chunk::Column::Seq.eq(seq))
        .into_tuple()
        .one(db)
        .await?;
    Ok(bytes)
}

/// Marks a RUNNING job SUCCEEDED with its `result` (JSON), downloadable until `expires_at`.
/// False when it was no longer RUNNING.
pub async fn succeed(
    db: &DatabaseConnection,
    id: Uuid,
    done: i64,
    bytes: i64,
    result: String,
    expires_at: Option<DateTime<Utc>>,
) -> Result<bool, StoreError> {
    let now = crate::domain::time::now();
    let updated = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Succeeded))
        .col_expr(job::Column::Done, Expr::value(done))
        .col_expr(job::Column::Total, Expr::value(done))
        .col_expr(job::Column::Bytes, Expr::value(bytes))
        .col_expr(job::Column::Result, Expr::value(result))
        .col_expr(job::Column::ExpiresAt, Expr::value(expires_at))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .col_expr(job::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .col_expr(job::Column::Version, Expr::col(job::Column::Version).add(1))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(JobStatus::Running))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Deletes the stored files of exports whose download has expired (the job rows stay, as the
/// record of what was exported). Returns the number of pieces removed.
pub async fn purge_expired(db: &DatabaseConnection) -> Result<u64, StoreError> {
    use sea_orm::sea_query::Query;
    let now = crate::domain::time::now();
    let expired =
        Query::select().column(job::Column::Id).from(job::Entity).and_where(job::Column::ExpiresAt.lt(now)).to_owned();
    let done = job_chunk::Entity::delete_many().filter(job_chunk::Column::JobId.in_subquery(expired)).exec(db).await?;
    Ok(done.rows_affected)
}

/// Marks a QUEUED or RUNNING job FAILED with `code` and `message` (for people; no personal
/// data), and drops what it wrote of its file.
pub async fn fail(db: &DatabaseConnection, id: Uuid, code: &str, message: &str) -> Result<(), StoreError> {
    let now = crate::domain::time::now();
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Failed))
        .col_expr(job::Column::ErrorCode, Expr::value(code))
        .col_expr(job::Column::ErrorMessage, Expr::value(message.chars().take(500).collect::<String>()))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .col_expr(job::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .col_expr(job::Column::Version, Expr::col(job::Column::Version).add(1))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.is_in([JobStatus::Queued, JobStatus::Running]))
        .exec(db)
        .await?;
    job_chunk::Entity::delete_many().filter(job_chunk::Column::JobId.eq(id)).exec(db).await?;
    Ok(())
}
