//! Roster sync: other systems keep their rosters (volunteers, social workers, volunteer teams,
//! organisations) in step with civlink by sending whole batches keyed by their own ids. The
//! model is DHIS2's import API: upsert by an external id scheme, a dry run, atomic or
//! per-record modes, an import summary with per-object errors, and deletion of what the
//! source no longer sends.
//!
//! - Records are keyed by `(source, external_id)`. A record whose fields equal the stored row
//!   is `UNCHANGED` and writes nothing: sending a batch twice writes nothing the second time.
//! - `VALIDATE` runs exactly what `COMMIT` would, in a transaction that is rolled back.
//! - `ALL`: one transaction; any failed record aborts the batch and nothing is written.
//!   `PER_RECORD`: records are written in chunks of [`CHUNK`] records, one transaction each;
//!   a chunk that fails in the database is retried record by record, so one bad record
//!   never takes others with it. A process killed mid-batch leaves the database as before the
//!   batch (`ALL`) or with whole records only (`PER_RECORD`): a record, its memberships and its
//!   audit row are written in one transaction.
//! - `delete_missing` (with `ALL` only) soft-deletes the live rows of the source that the
//!   batch does not name (within the caller's region, if limited).
//! - Every created, updated or deleted row gets an audit row naming the changed fields with
//!   their old and new values, sensitive values masked.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use entity::audit_entry::{self, AuditAction};
use entity::{organization, region, social_worker, volunteer, volunteer_team, volunteer_team_membership};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
    RelationTrait, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::audit::Actor;
use super::declare::{Declared, Scoped, Sourced};
use super::person::{self, PersonKind, PersonSlot};
use super::write::{
    Change, Conflicting, Field, audit_row, begin_write, diff_blind, enum_field, field, insert_chunked, masked,
    retrying, within_write_timeout,
};
use crate::domain::DivisionCode;
use crate::domain::masking;
use crate::domain::person::PersonKeys;
use crate::domain::roster::{FieldError, OrganizationRecord, SocialWorkerRecord, VolunteerRecord, VolunteerTeamRecord};

/// Most records one batch may carry.
pub const MAX_RECORDS: usize = 10_000;
/// Records per transaction under `PER_RECORD`; planned rows written at a time (all modes).
pub const CHUNK: usize = 500;
/// Values per `IN (…)` list.
const IN_LIST: usize = 1_000;

/// Dry run or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    Validate,
    Commit,
}

/// All or nothing, or each record on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Atomicity {
    All,
    PerRecord,
}

/// What happened (or, in `VALIDATE`, would happen) to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncAction {
    Created,
    Updated,
    Unchanged,
    Deleted,
    Failed,
}

/// One record as sent: its external id (trimmed, as given, for the report even when it is
/// invalid) and the parsed record or its problems.
pub type Submitted<R> = (String, Result<R, Vec<FieldError>>);

/// A batch to sync: parsed records (or their parse errors) in input order.
pub struct SyncRequest<R> {
    /// The sending system's name; rows are keyed by `(source, external_id)`.
    pub source: String,
    pub mode: SyncMode,
    pub atomicity: Atomicity,
    pub delete_missing: bool,
    pub records: Vec<Submitted<R>>,
}

/// Who writes, and where they may write.
pub struct Writer {
    pub actor: Actor,
    /// Records must lie in this division's subtree (CIVIL_AFFAIRS); `None`: anywhere.
    pub region: Option<DivisionCode>,
    /// The longest a transaction may stay open ([`super::write::within_write_timeout`]): an
    /// `ALL` batch that takes longer is rolled back with `WRITE_TIMEOUT`.
    pub write_timeout: std::time::Duration,
    /// Whether the writer may not learn how the masked values it sends (phones, ID numbers)
    /// compare with the stored ones ([`crate::auth::identity::Identity::compares_masked_in_sync`]):
    /// then every masked field a record sends with a value is written and reported changed,
    /// in `VALIDATE` and `COMMIT` alike, whether or not it equals the stored value
    /// ([`super::write::diff_blind`]), and such a record is never `UNCHANGED`.
    pub blind: bool,
    /// The keys of persons' citizen ID numbers ([`super::person`]); required for the rosters
    /// of persons (volunteers, social workers), whose batches fail without them.
    pub person_keys: Option<PersonKeys>,
}

/// The outcome of one record.
#[derive(Debug, Clone)]
pub struct RecordResult {
    /// Position in the batch; `None` for rows deleted because the batch did not name them.
    pub index: Option<usize>,
    pub external_id: String,
    pub action: SyncAction,
    /// The row's id (none for failed records that match no row).
    pub id: Option<Uuid>,
    /// Changed fields (API names) for `CREATED`/`UPDATED`.
    pub changed_fields: Vec<&'static str>,
    /// Why the record failed, fields as paths from the batch (`["records", "3", "phone"]`).
    pub errors: Vec<FieldError>,
}

/// The import summary.
#[derive(Debug, Clone, Default)]
pub struct SyncSummary {
    /// Whether anything was written (false for `VALIDATE`, and for an aborted `ALL` batch).
    pub committed: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub failed: usize,
    /// One result per failed, created, updated or deleted record, in batch order.
    pub results: Vec<RecordResult>,
    /// Problems of the batch as a whole (too many records, an aborted `ALL` batch, …).
    pub errors: Vec<FieldError>,
}

/// A kind of roster row that can be synced.
pub trait Roster: Send + Sync + 'static {
    /// The declared table of the rows ([`Declared::TYPE`] is named in the audit log).
    type Entity: Scoped<Model = Self::Model> + Sourced;
    type Model: Clone + Send + Sync + IntoActiveModel<<Self::Entity as EntityTrait>::ActiveModel>;
    type Record: Send + Sync;
    /// What a record refers to, resolved in the database (team ids, employer id).
    type Refs: Send + Sync;
    /// The link table the roster's links live in, if any (refreshed with the roster's table
    /// after large batches).
    const LINK_TABLE: Option<&'static str> = None;

    fn external_id(r: &Self::Record) -> &str;
    fn region(r: &Self::Record) -> &DivisionCode;

    /// Resolves each record's references among the source's rows: per record, its refs or
    /// the problems (unknown external ids).
    fn resolve<C: ConnectionTrait>(
        db: &C,
        source: &str,
        records: &[&Self::Record],
    ) -> impl Future<Output = Result<Vec<Result<Self::Refs, Vec<FieldError>>>, DbErr>> + Send;

    /// The row `record` asks for: `existing` with the record's values (restored if it was
    /// deleted), or a new row.
    fn build(
        record: &Self::Record,
        refs: &Self::Refs,
        source: &str,
        existing: Option<&Self::Model>,
        now: DateTime<Utc>,
    ) -> Self::Model;

    /// The synced fields of a row, compared to tell `UPDATED` from `UNCHANGED`.
    fn fields(m: &Self::Model) -> Vec<Field>;

    /// Links the record asks for (volunteer → team memberships): `(target id, target external
    /// id)`; `None` leaves links alone.
    fn wanted_links(_record: &Self::Record, _refs: &Self::Refs) -> Option<Vec<(Uuid, String)>> {
        None
    }

    /// Current links of rows, `row id → [(link row id, target id, target external id)]`, for
    /// targets of `source` only.
    fn current_links<C: ConnectionTrait>(
        _db: &C,
        _source: &str,
        _rows: &[Uuid],
    ) -> impl Future<Output = Result<HashMap<Uuid, Vec<(Uuid, Uuid, String)>>, DbErr>> + Send {
        async { Ok(HashMap::new()) }
    }

    /// Adds links `(row id, target id)` and ends link rows, as of `today`.
    fn write_links<C: ConnectionTrait>(
        _db: &C,
        _add: Vec<(Uuid, Uuid)>,
        _end: Vec<Uuid>,
        _today: NaiveDate,
        _now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DbErr>> + Send {
        async { Ok(()) }
    }

    /// The name of the links field in changes (`teamExternalIds`).
    const LINKS_FIELD: &'static str = "links";

    /// The kind of person the rows are, if they are persons ([`super::person`]).
    const PERSON: Option<PersonKind> = None;

    /// The person a row is: sets its person key, returns its claim (see
    /// [`super::mutate::Writable::person`]).
    fn person(_m: &mut Self::Model, _keys: &PersonKeys) -> Option<PersonSlot> {
        None
    }

    /// The person key of a record as sent, to refuse a second record of one person in one
    /// batch.
    fn record_person_key(_r: &Self::Record, _keys: &PersonKeys) -> Option<String> {
        None
    }
}

/// Why a sync could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// An `ALL` batch found records changed by another request between reading and writing
    /// them, on every attempt ([`super::write::MAX_ATTEMPTS`]); nothing was written.
    #[error("records of the batch kept changing under it")]
    Conflict,
    /// An `ALL` batch's insert collided with another request's insert of the same key (kept
    /// inside [`sync`], which reports `CONCURRENT_WRITE` when retries do not help).
    #[error("another request inserted records of the batch")]
    ConcurrentInsert,
}

impl Conflicting for SyncError {
    fn is_conflict(&self) -> bool {
        match self {
            SyncError::Db(e) => e.is_conflict(),
            SyncError::Conflict | SyncError::ConcurrentInsert => true,
        }
    }
}

/// The code of a record that changed between the batch's read and its write.
const VERSION_CONFLICT: &str = "VERSION_CONFLICT";

fn at(index: usize, mut e: FieldError) -> FieldError {
    let mut path = vec!["records".to_owned(), index.to_string()];
    path.append(&mut e.field);
    e.field = path;
    e
}

/// Runs a batch. Errors: only the database's (a client's mistakes are in the summary).
pub async fn sync<R: Roster, D: ConnectionTrait + TransactionTrait>(
    db: &D,
    writer: &Writer,
    request: SyncRequest<R::Record>,
) -> Result<SyncSummary, SyncError> {
    let mut summary = SyncSummary::default();
    if request.records.len() > MAX_RECORDS {
        let msg =
            format!("records: at most {MAX_RECORDS} per batch, got {}; nothing was written", request.records.len());
        summary.errors.push(FieldError::new("records", "BATCH_TOO_LARGE", msg));
        return Ok(summary);
    }
    if request.delete_missing && request.atomicity != Atomicity::All {
        let msg = "deleteMissing: only with atomicity ALL (a partial batch would delete what failed)";
        summary.errors.push(FieldError::new("deleteMissing", "INVALID_ARGUMENT", msg));
        return Ok(summary);
    }
    if request.delete_missing && request.records.is_empty() {
        // An empty export (a failed query upstream) would otherwise wipe the whole source.
        let msg = "deleteMissing: refused for an empty batch, which would delete every record of the \
                   source; to retire records, send the ones that remain";
        summary.errors.push(FieldError::new("deleteMissing", "EMPTY_BATCH", msg));
        return Ok(summary);
    }

    if R::PERSON.is_some() && writer.person_keys.is_none() {
        return Err(SyncError::Db(DbErr::Custom("no person keys configured (CIVLINK_PERSON_KEY_SECRET)".into())));
    }
    let person_key = |r: &R::Record| writer.person_keys.as_ref().and_then(|k| R::record_person_key(r, k));
    // Parse errors, duplicates and records outside the writer's region fail before any SQL.
    let mut failed: HashMap<usize, Vec<FieldError>> = HashMap::new();
    let mut valid: Vec<(usize, R::Record)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    // Person key → the index of the batch's first record with it (a second is refused).
    let mut persons: HashMap<String, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::with_capacity(request.records.len());
    for (i, (sent, r)) in request.records.into_iter().enumerate() {
        match r {
            Err(errors) => {
                names.push(sent);
                failed.insert(i, errors.into_iter().map(|e| at(i, e)).collect());
            }
            Ok(record) => {
                let ext = R::external_id(&record).to_owned();
                names.push(ext.clone());
                if !seen.insert(ext.clone()) {
                    let msg = format!("externalId: `{ext}` appears more than once in the batch");
                    failed.insert(i, vec![at(i, FieldError::new("externalId", "DUPLICATE_EXTERNAL_ID", msg))]);
                } else if let Some(limit) = &writer.region
                    && !limit.contains(R::region(&record))
                {
                    let msg = format!("regionCode: outside your region {}", limit.as_str());
                    failed.insert(i, vec![at(i, FieldError::new("regionCode", "OUT_OF_SCOPE", msg))]);
                } else if let Some(key) = person_key(&record)
                    && let Some(first) = persons.get(&key)
                {
                    let msg = format!("idNumber: the same citizen ID number as record {first} of this batch");
                    failed.insert(i, vec![at(i, FieldError::new("idNumber", "DUPLICATE_PERSON", msg))]);
                } else {
                    if let Some(key) = person_key(&record) {
                        persons.insert(key, i);
                    }
                    valid.push((i, record));
                }
            }
        }
    }

    // Written in one order whatever order they came in: two batches of the same records lock
    // their rows in the same order, so neither can hold a row the other waits for while
    // waiting for one the other holds (a deadlock). Results keep the batch's order (by index).
    valid.sort_by(|(_, a), (_, b)| R::external_id(a).cmp(R::external_id(b)));
    let validate = request.mode == SyncMode::Validate;
    let ctx = Batch { source: &request.source, writer, now: crate::domain::time::now() };
    let mut outcomes: Vec<RecordResult> = Vec::new();
    match request.atomicity {
        Atomicity::All => {
            let all = AllOrNothing {
                valid: &valid,
                parse_failed: !failed.is_empty(),
                delete_missing: request.delete_missing.then_some(&seen),
                validate,
            };
            let attempt = retrying(|| all.attempt::<R, D>(db, ctx)).await;
            let Attempted { mut planned, any_failed, late, committed } = match attempt {
                Ok(done) => done,
                Err(SyncError::ConcurrentInsert) => {
                    let msg = "another request wrote records of this batch at the same time; nothing was \
                               written: send the batch again (records already there will be unchanged or updated)";
                    summary.errors.push(FieldError::new("records", "CONCURRENT_WRITE", msg));
                    return Ok(summary);
                }
                Err(e) => return Err(e),
            };
            summary.committed = committed;
            if late {
                let limit = writer.write_timeout.as_secs_f64();
                let msg = format!(
                    "writing the batch took longer than the write timeout ({limit} s); nothing was written: \
                     send smaller batches or use atomicity PER_RECORD"
                );
                summary.errors.push(FieldError::new("records", "WRITE_TIMEOUT", msg));
            }
            if any_failed {
                planned.retain(|o| o.action == SyncAction::Failed);
                let n = failed.len() + planned.len();
                let msg = format!("{n} record(s) failed; nothing was written (atomicity ALL)");
                summary.errors.push(FieldError::new("records", "BATCH_ABORTED", msg));
            }
            outcomes = planned;
        }
        Atomicity::PerRecord => {
            let outer = if validate { Some(begin_write(db).await?) } else { None };
            for chunk in valid.chunks(CHUNK) {
                let attempt = match &outer {
                    Some(o) => chunk_in::<R, _>(o, &ctx, chunk).await,
                    None => chunk_in::<R, _>(db, &ctx, chunk).await,
                };
                match attempt {
                    Ok(done) => outcomes.extend(done),
                    Err(e) => {
                        tracing::warn!(error = %e, "sync chunk failed in the database; retrying record by record");
                        for one in chunk {
                            let single = std::slice::from_ref(one);
                            let attempt = match &outer {
                                Some(o) => chunk_in::<R, _>(o, &ctx, single).await,
                                None => chunk_in::<R, _>(db, &ctx, single).await,
                            };
                            match attempt {
                                Ok(done) => outcomes.extend(done),
                                Err(e) => {
                                    tracing::warn!(error = %e, "sync record failed in the database");
                                    let msg = "the database refused this record; nothing of it was written";
                                    outcomes.push(RecordResult {
                                        index: Some(one.0),
                                        external_id: R::external_id(&one.1).to_owned(),
                                        action: SyncAction::Failed,
                                        id: None,
                                        changed_fields: vec![],
                                        errors: vec![at(one.0, FieldError::new("", "WRITE_FAILED", msg))],
                                    });
                                }
                            }
                        }
                    }
                }
            }
            match outer {
                Some(o) => o.rollback().await?,
                None => summary.committed = true,
            }
        }
    }

    for (i, errors) in failed {
        outcomes.push(RecordResult {
            index: Some(i),
            external_id: names[i].clone(),
            action: SyncAction::Failed,
            id: None,
            changed_fields: vec![],
            errors,
        });
    }
    outcomes.sort_by_key(|o| (o.index.is_none(), o.index));
    for o in outcomes {
        match o.action {
            SyncAction::Created => summary.created += 1,
            SyncAction::Updated => summary.updated += 1,
            SyncAction::Unchanged => summary.unchanged += 1,
            SyncAction::Deleted => summary.deleted += 1,
            SyncAction::Failed => summary.failed += 1,
        }
        if o.action != SyncAction::Unchanged {
            summary.results.push(o);
        }
    }
    if summary.committed && summary.created + summary.updated + summary.deleted == 0 {
        // Nothing changed: say so, rather than claim a commit of nothing.
        summary.committed = false;
    }
    // Refusals that told of records the writer may not read leave audit rows, dry runs too.
    let problems = summary.results.iter().flat_map(|r| r.errors.iter());
    super::audit::duplicate_checks(db, &writer.actor, problems).await?;
    if summary.committed && summary.created >= ANALYZE_AFTER {
        let mut tables = vec![sea_orm::EntityName::table_name(&R::Entity::default())];
        tables.extend(R::LINK_TABLE);
        crate::db::analyze_tables(db, &tables).await;
    }
    Ok(summary)
}

/// Whether `e` is a unique-key violation: a concurrent request inserted the same key (an
/// external id, or a person key: [`super::constraint::on_constraint`]) first. The batch runs
/// again and finds the winner's rows, so that it gives the answer a later batch would.
fn is_concurrent_insert(e: &DbErr) -> bool {
    super::constraint::on_constraint(e).is_some()
}

/// Rows created by one batch after which PostgreSQL's planner statistics of the table are
/// refreshed at once (`ANALYZE`): until autovacuum gets to it, the planner takes a table that
/// just grew from nothing for empty, and the next batch's look-ups by external id ran as
/// nested scans (4.7 s instead of 0.6 s for 10,000 unchanged volunteers, BENCHMARKS.md).
pub const ANALYZE_AFTER: usize = 1_000;

#[derive(Clone, Copy)]
struct Batch<'a> {
    source: &'a str,
    writer: &'a Writer,
    now: DateTime<Utc>,
}

/// An `ALL` batch: its valid records (in key order), whether any record failed to parse,
/// the external ids to keep when deleting the missing ones, and whether it is a dry run.
struct AllOrNothing<'a, Rec> {
    valid: &'a [(usize, Rec)],
    parse_failed: bool,
    delete_missing: Option<&'a HashSet<String>>,
    validate: bool,
}

/// What one attempt of an `ALL` batch did.
struct Attempted {
    planned: Vec<RecordResult>,
    /// Some record failed: rolled back.
    any_failed: bool,
    /// Past the write timeout: rolled back.
    late: bool,
    committed: bool,
}

impl<Rec> AllOrNothing<'_, Rec> {
    /// One transaction of the batch: plan and write every record, then commit, or roll back
    /// on a failed record, a dry run or the write timeout. Errors: the database's;
    /// [`SyncError::ConcurrentInsert`] and [`SyncError::Conflict`] when another request wrote
    /// the same records meanwhile (rolled back; [`sync`] runs it again).
    async fn attempt<R: Roster<Record = Rec>, D: ConnectionTrait + TransactionTrait>(
        &self,
        db: &D,
        ctx: Batch<'_>,
    ) -> Result<Attempted, SyncError> {
        let txn = begin_write(db).await?;
        // Stamped once the transaction holds the write lock (change feeds rely on it).
        let ctx = Batch { now: crate::domain::time::now(), ..ctx };
        let mut planned = match apply::<R, _>(&txn, &ctx, self.valid).await {
            Ok(planned) => planned,
            Err(e) if is_concurrent_insert(&e) => {
                // Another request created some of these records after this one looked them up
                // (two syncs of the same new records at once, on PostgreSQL): run again, and
                // find them.
                txn.rollback().await?;
                return Err(SyncError::ConcurrentInsert);
            }
            Err(e) => return Err(e.into()),
        };
        if planned.iter().any(|o| o.errors.iter().any(|e| e.code == VERSION_CONFLICT)) {
            // A row changed between this transaction's read and its write: another request
            // wrote it meanwhile. Read again and replan rather than fail the batch.
            txn.rollback().await?;
            return Err(SyncError::Conflict);
        }
        let any_failed = self.parse_failed || planned.iter().any(|o| o.action == SyncAction::Failed);
        if let Some(seen) = self.delete_missing
            && !any_failed
        {
            planned.extend(delete_missing::<R, _>(&txn, &ctx, seen).await?);
        }
        let late = !self.validate && !any_failed && !within_write_timeout(ctx.now, ctx.writer.write_timeout);
        let committed = !(any_failed || self.validate || late);
        if committed {
            txn.commit().await?;
        } else {
            txn.rollback().await?;
        }
        Ok(Attempted { planned, any_failed, late, committed })
    }
}

/// Applies `records` in a transaction of its own on `db` (a savepoint when `db` is one).
async fn chunk_in<R: Roster, D: TransactionTrait>(
    db: &D,
    ctx: &Batch<'_>,
    records: &[(usize, R::Record)],
) -> Result<Vec<RecordResult>, DbErr> {
    retrying(|| chunk_once::<R, D>(db, ctx, records)).await
}

/// One attempt of [`chunk_in`]: its transaction.
async fn chunk_once<R: Roster, D: TransactionTrait>(
    db: &D,
    ctx: &Batch<'_>,
    records: &[(usize, R::Record)],
) -> Result<Vec<RecordResult>, DbErr> {
    let txn = begin_write(db).await?;
    // Each transaction is stamped once it holds the write lock (change feeds rely on it).
    let ctx = &Batch { now: crate::domain::time::now(), ..*ctx };
    let outcomes = apply::<R, _>(&txn, ctx, records).await?;
    if !within_write_timeout(ctx.now, ctx.writer.write_timeout) {
        txn.rollback().await?;
        return Err(DbErr::Custom("the transaction outlasted the write timeout and was rolled back".into()));
    }
    txn.commit().await?;
    Ok(outcomes)
}

/// Plans and writes `records` on `db`: creates, updates (version-checked), links and audit
/// rows. Records that fail (unknown division, unknown reference, concurrent change) are
/// returned as `FAILED` and write nothing.
async fn apply<R: Roster, C: ConnectionTrait>(
    db: &C,
    ctx: &Batch<'_>,
    records: &[(usize, R::Record)],
) -> Result<Vec<RecordResult>, DbErr> {
    let mut out = Vec::with_capacity(records.len());
    if records.is_empty() {
        return Ok(out);
    }
    let ty = R::Entity::TYPE;
    // Divisions that exist.
    let codes: Vec<String> =
        records.iter().map(|(_, r)| R::region(r).as_str().to_owned()).collect::<HashSet<_>>().into_iter().collect();
    let mut known: HashSet<String> = HashSet::new();
    for chunk in codes.chunks(IN_LIST) {
        let found: Vec<String> = region::Entity::find()
            .select_only()
            .column(region::Column::Code)
            .filter(region::Column::Code.is_in(chunk.iter().cloned()))
            .filter(region::Column::DeletedAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
        known.extend(found);
    }
    let refs = R::resolve(db, ctx.source, &records.iter().map(|(_, r)| r).collect::<Vec<_>>()).await?;
    // Stored rows of these external ids, deleted ones included (a record brings them back).
    let ids: Vec<String> = records.iter().map(|(_, r)| R::external_id(r).to_owned()).collect();
    let mut existing: HashMap<String, R::Model> = HashMap::new();
    for chunk in ids.chunks(IN_LIST) {
        let rows = R::Entity::find()
            .filter(R::Entity::source_column().eq(ctx.source))
            .filter(R::Entity::external_id_column().is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        for row in rows {
            if let Some(ext) = R::Entity::external_id(&row) {
                existing.insert(ext.to_owned(), row);
            }
        }
    }
    let existing_ids: Vec<Uuid> = existing.values().map(R::Entity::id).collect();
    let mut links = R::current_links(db, ctx.source, &existing_ids).await?;
    // Live rows of the source already holding the records' person keys.
    let keys = ctx.writer.person_keys.as_ref();
    let held = match (R::PERSON, keys) {
        (Some(kind), Some(keys)) => {
            let wanted: Vec<String> = records.iter().filter_map(|(_, r)| R::record_person_key(r, keys)).collect();
            person::holders(db, kind, Some(ctx.source), &wanted).await?
        }
        _ => HashMap::new(),
    };

    let today = crate::domain::time::today_cst();
    let mut pending = Pending::<R>::default();
    for ((index, record), refs) in records.iter().zip(refs) {
        if pending.audits.len() >= CHUNK {
            pending.flush(db, today, ctx.now).await?;
        }
        let ext = R::external_id(record).to_owned();
        let fail = |errors: Vec<FieldError>| RecordResult {
            index: Some(*index),
            external_id: ext.clone(),
            action: SyncAction::Failed,
            id: None,
            changed_fields: vec![],
            errors: errors.into_iter().map(|e| at(*index, e)).collect(),
        };
        let mut problems = Vec::new();
        if !known.contains(R::region(record).as_str()) {
            let msg = format!("regionCode: no division {} in the code list", R::region(record).as_str());
            problems.push(FieldError::new("regionCode", "UNKNOWN_DIVISION", msg));
        }
        let refs = match refs {
            Ok(r) => Some(r),
            Err(mut e) => {
                problems.append(&mut e);
                None
            }
        };
        let (true, Some(refs)) = (problems.is_empty(), refs) else {
            out.push(fail(problems));
            continue;
        };
        let old = existing.get(&ext);
        if let (Some(old), Some(limit)) = (old, &ctx.writer.region)
            && !R::Entity::region(old).starts_with(limit.significant())
        {
            let msg = format!("externalId: the stored record lies outside your region {}", limit.as_str());
            out.push(fail(vec![FieldError::new("externalId", "OUT_OF_SCOPE", msg)]));
            continue;
        }
        let mut new = R::build(record, &refs, ctx.source, old, ctx.now);
        let id = R::Entity::id(&new);
        if let (Some(kind), Some(slot)) = (R::PERSON, keys.and_then(|k| R::person(&mut new, k)))
            && let Some((holder, region)) = held.get(&slot.key)
            && *holder != id
        {
            // The writer may read the holder when it lies in its region: a sync's writer reads
            // its source (SYNC_CLIENT), its region (CIVIL_AFFAIRS) or everything (ADMIN).
            let readable = person::within(ctx.writer.region.as_ref(), region);
            out.push(fail(vec![person::duplicate_person(kind, Some(*holder), readable)]));
            continue;
        }
        let mut changes = diff_blind(old.map(|o| R::fields(o)), R::fields(&new), |_| ctx.writer.blind);
        if old.is_some_and(R::Entity::deleted) {
            changes.push(Change { field: "deletedAt", old: Some("deleted".into()), new: None });
        }
        // Links: wanted vs current, among the source's targets.
        if let Some(wanted) = R::wanted_links(record, &refs) {
            let current = links.remove(&id).unwrap_or_default();
            let have: HashSet<Uuid> = current.iter().map(|(_, t, _)| *t).collect();
            let want: HashSet<Uuid> = wanted.iter().map(|(t, _)| *t).collect();
            if have != want {
                let mut old_names: Vec<String> = current.iter().map(|(_, _, n)| n.clone()).collect();
                let mut new_names: Vec<String> = wanted.iter().map(|(_, n)| n.clone()).collect();
                old_names.sort();
                new_names.sort();
                changes.push(Change {
                    field: R::LINKS_FIELD,
                    old: Some(old_names.join(",")),
                    new: Some(new_names.join(",")),
                });
                pending.add_links.extend(want.difference(&have).map(|t| (id, *t)));
                pending.end_links.extend(current.iter().filter(|(_, t, _)| !want.contains(t)).map(|(l, _, _)| *l));
            }
        }
        let action = match (old, changes.is_empty()) {
            (None, _) => SyncAction::Created,
            (Some(_), true) => SyncAction::Unchanged,
            (Some(_), false) => SyncAction::Updated,
        };
        match (action, old) {
            (SyncAction::Created, _) => {
                pending.audits.push(audit_row(&ctx.writer.actor, AuditAction::Create, ty, id, &changes, ctx.now));
                pending.creates.push(new);
            }
            (SyncAction::Updated, Some(old)) => {
                let fields_only = changes.iter().any(|c| c.field != R::LINKS_FIELD);
                if fields_only {
                    let written = R::Entity::update_many()
                        .set(new.clone().into_active_model().reset_all())
                        .filter(R::Entity::id_column().eq(id))
                        .filter(R::Entity::version_column().eq(R::Entity::version(old)))
                        .exec(db)
                        .await?;
                    if written.rows_affected != 1 {
                        let msg = "the record changed while this batch ran; send it again";
                        out.push(fail(vec![FieldError::new("externalId", VERSION_CONFLICT, msg)]));
                        continue;
                    }
                } else {
                    touch::<R, _>(db, id, ctx.now).await?;
                }
                pending.audits.push(audit_row(&ctx.writer.actor, AuditAction::Update, ty, id, &changes, ctx.now));
            }
            _ => {}
        }
        out.push(RecordResult {
            index: Some(*index),
            external_id: ext,
            action,
            id: Some(id),
            changed_fields: changes.iter().map(|c| c.field).collect(),
            errors: vec![],
        });
    }
    pending.flush(db, today, ctx.now).await?;
    Ok(out)
}

/// Rows planned but not yet written. [`apply`] writes them every [`CHUNK`] records, so that a
/// batch of 10,000 never holds all its new rows, audit rows and their insert statements at
/// once (with the trim of [`crate::memory`], the peak resident memory of a 10,000-volunteer
/// sync on SQLite went from 212 MB to at most 148 MB; BENCHMARKS.md, "Roster sync"). The
/// look-ups stay whole-batch: interleaved with the inserts of one transaction, PostgreSQL
/// reused a plan for them made while the table was near-empty, which filtered the growing
/// table against 500 parameters (1.2 s of look-ups per batch instead of 10 ms).
struct Pending<R: Roster> {
    creates: Vec<R::Model>,
    audits: Vec<audit_entry::Model>,
    add_links: Vec<(Uuid, Uuid)>,
    end_links: Vec<Uuid>,
}

impl<R: Roster> Default for Pending<R> {
    fn default() -> Self {
        Self { creates: Vec::new(), audits: Vec::new(), add_links: Vec::new(), end_links: Vec::new() }
    }
}

impl<R: Roster> Pending<R> {
    /// Writes the new rows, then their links (which refer to them), then the audit rows.
    async fn flush<C: ConnectionTrait>(&mut self, db: &C, today: NaiveDate, now: DateTime<Utc>) -> Result<(), DbErr> {
        insert_chunked::<R::Entity, _>(db, std::mem::take(&mut self.creates)).await?;
        let (add, end) = (std::mem::take(&mut self.add_links), std::mem::take(&mut self.end_links));
        if !add.is_empty() || !end.is_empty() {
            R::write_links(db, add, end, today, now).await?;
        }
        insert_chunked::<audit_entry::Entity, _>(db, std::mem::take(&mut self.audits)).await
    }
}

/// Marks a row changed (`updated_at`, `version`) when only its links changed, so change feeds
/// see it.
async fn touch<R: Roster, C: ConnectionTrait>(db: &C, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    R::Entity::update_many()
        .col_expr(R::Entity::updated_column(), Expr::value(now))
        .col_expr(R::Entity::version_column(), Expr::col(R::Entity::version_column()).add(1))
        .filter(R::Entity::id_column().eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Soft-deletes the live rows of the source that `named` does not contain (within the
/// writer's region), with audit rows.
async fn delete_missing<R: Roster, C: ConnectionTrait>(
    db: &C,
    ctx: &Batch<'_>,
    named: &HashSet<String>,
) -> Result<Vec<RecordResult>, DbErr> {
    let mut q = R::Entity::find()
        .filter(R::Entity::source_column().eq(ctx.source))
        .filter(R::Entity::deleted_column().is_null());
    if let Some(limit) = &ctx.writer.region {
        let (lo, hi) = limit.subtree_bounds();
        q = q.filter(R::Entity::region_column().between(lo, hi));
    }
    let gone: Vec<R::Model> =
        q.all(db).await?.into_iter().filter(|m| R::Entity::external_id(m).is_none_or(|e| !named.contains(e))).collect();
    // In key order, like the batch's own records (see [`sync`]).
    let mut ids: Vec<Uuid> = gone.iter().map(R::Entity::id).collect();
    ids.sort();
    for chunk in ids.chunks(IN_LIST) {
        R::Entity::update_many()
            .col_expr(R::Entity::deleted_column(), Expr::value(ctx.now))
            .col_expr(R::Entity::updated_column(), Expr::value(ctx.now))
            .col_expr(R::Entity::version_column(), Expr::col(R::Entity::version_column()).add(1))
            .filter(R::Entity::id_column().is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    let change = [Change { field: "deletedAt", old: None, new: Some(ctx.now.to_rfc3339()) }];
    let audits: Vec<audit_entry::Model> = ids
        .iter()
        .map(|id| audit_row(&ctx.writer.actor, AuditAction::Delete, R::Entity::TYPE, *id, &change, ctx.now))
        .collect();
    insert_chunked::<audit_entry::Entity, _>(db, audits).await?;
    Ok(gone
        .iter()
        .map(|m| RecordResult {
            index: None,
            external_id: R::Entity::external_id(m).unwrap_or_default().to_owned(),
            action: SyncAction::Deleted,
            id: Some(R::Entity::id(m)),
            changed_fields: vec!["deletedAt"],
            errors: vec![],
        })
        .collect())
}

/// `external id → id` of the live rows of `source` among `wanted`, for references.
async fn ids_by_external<E, C>(
    db: &C,
    source: &str,
    wanted: &HashSet<&str>,
    source_col: E::Column,
    ext_col: E::Column,
    id_col: E::Column,
    deleted_col: E::Column,
) -> Result<HashMap<String, Uuid>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let wanted: Vec<String> = wanted.iter().map(|s| (*s).to_owned()).collect();
    let mut out = HashMap::new();
    for chunk in wanted.chunks(IN_LIST) {
        let rows: Vec<(String, Uuid)> = E::find()
            .select_only()
            .column(ext_col)
            .column(id_col)
            .filter(source_col.eq(source))
            .filter(ext_col.is_in(chunk.iter().cloned()))
            .filter(deleted_col.is_null())
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

fn unknown(field: &str, ext: &str, what: &str) -> FieldError {
    FieldError::new(field, "UNKNOWN_REFERENCE", format!("{field}: no {what} with external id `{ext}` from this source"))
}

/// `(id, created_at, version)` of a row being rebuilt from a record.
fn lineage<T>(
    existing: Option<&T>,
    now: DateTime<Utc>,
    id: impl Fn(&T) -> Uuid,
    created: impl Fn(&T) -> DateTime<Utc>,
    version: impl Fn(&T) -> i32,
) -> (Uuid, DateTime<Utc>, i32) {
    match existing {
        Some(e) => (id(e), created(e), version(e) + 1),
        None => (Uuid::now_v7(), now, 1),
    }
}

// ---------------------------------------------------------------------------------------------

/// Volunteers, with their memberships in the source's teams (`teamExternalIds`).
pub struct Volunteers;

impl Roster for Volunteers {
    type Entity = volunteer::Entity;
    type Model = volunteer::Model;
    type Record = VolunteerRecord;
    type Refs = Vec<(Uuid, String)>;
    const LINK_TABLE: Option<&'static str> = Some("volunteer_team_memberships");
    const LINKS_FIELD: &'static str = "teamExternalIds";
    const PERSON: Option<PersonKind> = Some(PersonKind::Volunteer);

    fn person(m: &mut volunteer::Model, keys: &PersonKeys) -> Option<PersonSlot> {
        person::volunteer_slot(m, keys)
    }

    fn record_person_key(r: &VolunteerRecord, keys: &PersonKeys) -> Option<String> {
        match r.id_document_type {
            volunteer::IdDocumentType::ResidentId => r.id_number.as_deref().and_then(|n| keys.key_of(n)),
            _ => None,
        }
    }

    fn external_id(r: &VolunteerRecord) -> &str {
        &r.external_id
    }
    fn region(r: &VolunteerRecord) -> &DivisionCode {
        &r.region_code
    }

    async fn resolve<C: ConnectionTrait>(
        db: &C,
        source: &str,
        records: &[&VolunteerRecord],
    ) -> Result<Vec<Result<Self::Refs, Vec<FieldError>>>, DbErr> {
        use volunteer_team::Column as T;
        let wanted: HashSet<&str> =
            records.iter().flat_map(|r| r.team_external_ids.iter().flatten()).map(String::as_str).collect();
        let teams = ids_by_external::<volunteer_team::Entity, _>(
            db,
            source,
            &wanted,
            T::Source,
            T::ExternalId,
            T::Id,
            T::DeletedAt,
        )
        .await?;
        Ok(records
            .iter()
            .map(|r| {
                let mut refs = Vec::new();
                let mut errors = Vec::new();
                for t in r.team_external_ids.iter().flatten() {
                    match teams.get(t) {
                        Some(id) => refs.push((*id, t.clone())),
                        None => errors.push(unknown("teamExternalIds", t, "volunteer team")),
                    }
                }
                if errors.is_empty() { Ok(refs) } else { Err(errors) }
            })
            .collect())
    }

    fn build(
        r: &VolunteerRecord,
        _refs: &Self::Refs,
        source: &str,
        existing: Option<&volunteer::Model>,
        now: DateTime<Utc>,
    ) -> volunteer::Model {
        let (id, created_at, version) = lineage(existing, now, |e| e.id, |e| e.created_at, |e| e.version);
        volunteer::Model {
            id,
            name: r.name.clone(),
            gender: r.gender,
            phone: r.phone.clone(),
            id_document_type: r.id_document_type,
            id_number: r.id_number.clone(),
            volunteer_number: r.volunteer_number.clone(),
            skills: r.skills.clone(),
            region_code: r.region_code.as_str().to_owned(),
            source: Some(source.to_owned()),
            external_id: Some(r.external_id.clone()),
            created_at,
            updated_at: now,
            version,
            deleted_at: None,
            person_key: None,
        }
    }

    fn fields(m: &volunteer::Model) -> Vec<Field> {
        vec![
            field("name", Some(&m.name)),
            enum_field("gender", &m.gender),
            masked("phone", m.phone.as_ref(), masking::phone),
            enum_field("idDocumentType", &m.id_document_type),
            masked("idNumber", m.id_number.as_ref(), masking::id_number),
            field("volunteerNumber", m.volunteer_number.as_ref()),
            field("skills", m.skills.as_ref()),
            field("regionCode", Some(&m.region_code)),
        ]
    }

    fn wanted_links(r: &VolunteerRecord, refs: &Self::Refs) -> Option<Vec<(Uuid, String)>> {
        r.team_external_ids.as_ref().map(|_| refs.clone())
    }

    async fn current_links<C: ConnectionTrait>(
        db: &C,
        source: &str,
        rows: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<(Uuid, Uuid, String)>>, DbErr> {
        use volunteer_team_membership::Column as M;
        let mut out: HashMap<Uuid, Vec<(Uuid, Uuid, String)>> = HashMap::new();
        for chunk in rows.chunks(IN_LIST) {
            let found: Vec<(Uuid, Uuid, Uuid, Option<String>)> = volunteer_team_membership::Entity::find()
                .select_only()
                .column(M::Id)
                .column(M::VolunteerId)
                .column(M::VolunteerTeamId)
                .column_as(volunteer_team::Column::ExternalId, "team_external_id")
                .join(sea_orm::JoinType::InnerJoin, volunteer_team_membership::Relation::VolunteerTeam.def())
                .filter(M::VolunteerId.is_in(chunk.iter().copied()))
                .filter(M::DeletedAt.is_null())
                .filter(M::LeftOn.is_null())
                .filter(volunteer_team::Column::Source.eq(source))
                .into_tuple()
                .all(db)
                .await?;
            for (link, volunteer, team, ext) in found {
                out.entry(volunteer).or_default().push((link, team, ext.unwrap_or_default()));
            }
        }
        Ok(out)
    }

    async fn write_links<C: ConnectionTrait>(
        db: &C,
        add: Vec<(Uuid, Uuid)>,
        end: Vec<Uuid>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        use volunteer_team_membership::Column as M;
        for chunk in end.chunks(IN_LIST) {
            volunteer_team_membership::Entity::update_many()
                .col_expr(M::LeftOn, Expr::value(today))
                .col_expr(M::UpdatedAt, Expr::value(now))
                .col_expr(M::Version, Expr::col(M::Version).add(1))
                .filter(M::Id.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
        let rows = add
            .into_iter()
            .map(|(volunteer_id, volunteer_team_id)| volunteer_team_membership::Model {
                id: Uuid::now_v7(),
                volunteer_team_id,
                volunteer_id,
                joined_on: today,
                left_on: None,
                created_at: now,
                updated_at: now,
                version: 1,
                deleted_at: None,
            })
            .collect();
        insert_chunked::<volunteer_team_membership::Entity, _>(db, rows).await
    }
}

/// Social workers, with their employer among the source's organisations.
pub struct SocialWorkers;

impl Roster for SocialWorkers {
    type Entity = social_worker::Entity;
    type Model = social_worker::Model;
    type Record = SocialWorkerRecord;
    type Refs = Option<Uuid>;

    const PERSON: Option<PersonKind> = Some(PersonKind::SocialWorker);

    fn person(m: &mut social_worker::Model, keys: &PersonKeys) -> Option<PersonSlot> {
        person::worker_slot(m, keys)
    }

    fn record_person_key(r: &SocialWorkerRecord, keys: &PersonKeys) -> Option<String> {
        r.id_number.as_deref().and_then(|n| keys.key_of(n))
    }

    fn external_id(r: &SocialWorkerRecord) -> &str {
        &r.external_id
    }
    fn region(r: &SocialWorkerRecord) -> &DivisionCode {
        &r.region_code
    }

    async fn resolve<C: ConnectionTrait>(
        db: &C,
        source: &str,
        records: &[&SocialWorkerRecord],
    ) -> Result<Vec<Result<Option<Uuid>, Vec<FieldError>>>, DbErr> {
        use organization::Column as O;
        let wanted: HashSet<&str> = records.iter().filter_map(|r| r.employer_external_id.as_deref()).collect();
        let orgs = ids_by_external::<organization::Entity, _>(
            db,
            source,
            &wanted,
            O::Source,
            O::ExternalId,
            O::Id,
            O::DeletedAt,
        )
        .await?;
        Ok(records
            .iter()
            .map(|r| match &r.employer_external_id {
                None => Ok(None),
                Some(e) => orgs
                    .get(e)
                    .map(|id| Some(*id))
                    .ok_or_else(|| vec![unknown("employerExternalId", e, "organization")]),
            })
            .collect())
    }

    fn build(
        r: &SocialWorkerRecord,
        employer: &Option<Uuid>,
        source: &str,
        existing: Option<&social_worker::Model>,
        now: DateTime<Utc>,
    ) -> social_worker::Model {
        let (id, created_at, version) = lineage(existing, now, |e| e.id, |e| e.created_at, |e| e.version);
        social_worker::Model {
            id,
            name: r.name.clone(),
            gender: r.gender,
            phone: r.phone.clone(),
            id_number: r.id_number.clone(),
            certificate_level: r.certificate_level,
            certificate_number: r.certificate_number.clone(),
            certificate_year: r.certificate_year,
            employer_id: *employer,
            pay_post: r.pay_post,
            pay_grade: r.pay_grade,
            region_code: r.region_code.as_str().to_owned(),
            source: Some(source.to_owned()),
            external_id: Some(r.external_id.clone()),
            created_at,
            updated_at: now,
            version,
            deleted_at: None,
            person_key: None,
        }
    }

    fn fields(m: &social_worker::Model) -> Vec<Field> {
        vec![
            field("name", Some(&m.name)),
            enum_field("gender", &m.gender),
            masked("phone", m.phone.as_ref(), masking::phone),
            masked("idNumber", m.id_number.as_ref(), masking::id_number),
            enum_field("certificateLevel", &m.certificate_level),
            field("certificateNumber", m.certificate_number.as_ref()),
            field("certificateYear", m.certificate_year),
            field("employer", m.employer_id),
            field("payPost", m.pay_post),
            field("payGrade", m.pay_grade),
            field("regionCode", Some(&m.region_code)),
        ]
    }
}

/// Volunteer teams.
pub struct VolunteerTeams;

impl Roster for VolunteerTeams {
    type Entity = volunteer_team::Entity;
    type Model = volunteer_team::Model;
    type Record = VolunteerTeamRecord;
    type Refs = ();

    fn external_id(r: &VolunteerTeamRecord) -> &str {
        &r.external_id
    }
    fn region(r: &VolunteerTeamRecord) -> &DivisionCode {
        &r.region_code
    }

    async fn resolve<C: ConnectionTrait>(
        _db: &C,
        _source: &str,
        records: &[&VolunteerTeamRecord],
    ) -> Result<Vec<Result<(), Vec<FieldError>>>, DbErr> {
        Ok(records.iter().map(|_| Ok(())).collect())
    }

    fn build(
        r: &VolunteerTeamRecord,
        _refs: &(),
        source: &str,
        existing: Option<&volunteer_team::Model>,
        now: DateTime<Utc>,
    ) -> volunteer_team::Model {
        let (id, created_at, version) = lineage(existing, now, |e| e.id, |e| e.created_at, |e| e.version);
        volunteer_team::Model {
            id,
            name: r.name.clone(),
            region_code: r.region_code.as_str().to_owned(),
            station_id: existing.and_then(|e| e.station_id),
            organization_id: existing.and_then(|e| e.organization_id),
            founded_on: r.founded_on,
            source: Some(source.to_owned()),
            external_id: Some(r.external_id.clone()),
            created_at,
            updated_at: now,
            version,
            deleted_at: None,
        }
    }

    fn fields(m: &volunteer_team::Model) -> Vec<Field> {
        vec![field("name", Some(&m.name)), field("regionCode", Some(&m.region_code)), field("foundedOn", m.founded_on)]
    }
}

/// Organisations.
pub struct Organizations;

impl Roster for Organizations {
    type Entity = organization::Entity;
    type Model = organization::Model;
    type Record = OrganizationRecord;
    type Refs = ();

    fn external_id(r: &OrganizationRecord) -> &str {
        &r.external_id
    }
    fn region(r: &OrganizationRecord) -> &DivisionCode {
        &r.region_code
    }

    async fn resolve<C: ConnectionTrait>(
        _db: &C,
        _source: &str,
        records: &[&OrganizationRecord],
    ) -> Result<Vec<Result<(), Vec<FieldError>>>, DbErr> {
        Ok(records.iter().map(|_| Ok(())).collect())
    }

    fn build(
        r: &OrganizationRecord,
        _refs: &(),
        source: &str,
        existing: Option<&organization::Model>,
        now: DateTime<Utc>,
    ) -> organization::Model {
        let (id, created_at, version) = lineage(existing, now, |e| e.id, |e| e.created_at, |e| e.version);
        organization::Model {
            id,
            name: r.name.clone(),
            kind: r.kind,
            credit_code: r.credit_code.clone(),
            region_code: r.region_code.as_str().to_owned(),
            contact_name: r.contact_name.clone(),
            contact_phone: r.contact_phone.clone(),
            source: Some(source.to_owned()),
            external_id: Some(r.external_id.clone()),
            created_at,
            updated_at: now,
            version,
            deleted_at: None,
        }
    }

    fn fields(m: &organization::Model) -> Vec<Field> {
        vec![
            field("name", Some(&m.name)),
            enum_field("kind", &m.kind),
            field("creditCode", m.credit_code.as_ref()),
            field("regionCode", Some(&m.region_code)),
            field("contactName", m.contact_name.as_ref()),
            masked("contactPhone", m.contact_phone.as_ref(), masking::phone),
        ]
    }
}
