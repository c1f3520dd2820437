//! The volunteer service ledger, written: `recordVolunteerService`, `correctVolunteerService`
//! and `syncVolunteerService`. The rules are [`crate::domain::volunteer_service`]'s.
//!
//! Who: whoever may write the volunteer (ADMIN anywhere, CIVIL_AFFAIRS for volunteers of its
//! division; a volunteer outside that is `NOT_FOUND`), and through the sync the roster sync's
//! writers (ADMIN, SYNC_CLIENT of its own source, CIVIL_AFFAIRS in its region). Entries are
//! inserted, never updated or deleted: a correction is a reversing entry, at most one per
//! entry (a unique index, so two concurrent corrections cannot both succeed). Every entry
//! written leaves an audit row (entity `VolunteerServiceEntry`).

use std::collections::HashSet;

use entity::audit_entry::AuditAction;
use entity::volunteer_ledger_entry as ledger;
use entity::{project, station, volunteer, volunteer_point_rule, volunteer_team};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, audit, find_writable, finish, problem};
use super::sync::{Atomicity, RecordResult, Submitted, SyncAction, SyncMode, SyncSummary, Writer};
use super::write::{Change, Field, begin_write, diff, field, retrying, within_write_timeout};
use crate::domain::DivisionCode;
use crate::domain::roster::FieldError;
use crate::domain::volunteer_service::{Service, ServiceInput, points};

crate::declare!(volunteer_ledger_entry, "VolunteerServiceEntry", sourced);

/// The GraphQL type named in the audit log.
pub const TYPE: &str = <entity::volunteer_ledger_entry::Entity as super::declare::Declared>::TYPE;

/// Most records one sync batch may carry.
pub const MAX_RECORDS: usize = super::sync::MAX_RECORDS;

/// The audited fields of an entry (API names).
fn fields(m: &ledger::Model) -> Vec<Field> {
    vec![
        field("volunteer", Some(m.volunteer_id)),
        field("team", m.volunteer_team_id),
        field("project", m.project_id),
        field("station", m.station_id),
        field("servedOn", Some(m.served_on)),
        field("minutes", Some(m.service_minutes)),
        field("points", Some(m.points)),
        field("activity", m.activity.map(|a| sea_orm::ActiveEnum::to_value(&a))),
        field("description", m.description.as_ref()),
        field("corrects", m.corrects_entry_id),
        field("source", m.source.as_ref()),
        field("externalId", m.external_id.as_ref()),
    ]
}

/// What an entry refers to besides its volunteer (each one the caller may read).
#[derive(Debug, Clone, Copy, Default)]
pub struct EntryLinks {
    pub team_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub station_id: Option<Uuid>,
}

/// The point rules that may apply in `place`: those of its division and every division above
/// it (few rows: a scheme has a handful per community).
async fn rules_for<C: ConnectionTrait>(
    db: &C,
    place: &DivisionCode,
) -> Result<Vec<volunteer_point_rule::Model>, DbErr> {
    let mut codes = vec![place.as_str().to_owned()];
    let mut at = place.parent();
    while let Some(code) = at {
        codes.push(code.as_str().to_owned());
        at = code.parent();
    }
    volunteer_point_rule::Entity::find()
        .filter(volunteer_point_rule::Column::RegionCode.is_in(codes))
        .filter(volunteer_point_rule::Column::DeletedAt.is_null())
        .all(db)
        .await
}

/// The points of `service` in the division `region` (a 12-digit code).
async fn points_in<C: ConnectionTrait>(
    db: &C,
    service: &Service,
    region: &str,
) -> Result<Result<i32, FieldError>, DbErr> {
    let Ok(place) = DivisionCode::parse(region) else {
        // A stored division always parses; without one no rule applies.
        return Ok(Ok(service.points.unwrap_or(0)));
    };
    let rules = rules_for(db, &place).await?;
    Ok(points(service, &rules, &place))
}

/// A new entry (not a reversal) of `volunteer_id`.
fn entry(
    volunteer_id: Uuid,
    links: EntryLinks,
    service: &Service,
    points: i32,
    editor_now: chrono::DateTime<chrono::Utc>,
) -> ledger::Model {
    ledger::Model {
        id: Uuid::now_v7(),
        volunteer_id,
        volunteer_team_id: links.team_id,
        project_id: links.project_id,
        served_on: service.served_on,
        service_minutes: service.minutes,
        points,
        description: service.description.clone(),
        station_id: links.station_id,
        activity: Some(service.activity),
        corrects_entry_id: None,
        source: None,
        external_id: None,
        created_at: editor_now,
        updated_at: editor_now,
        version: 1,
        deleted_at: None,
    }
}

/// The reversal of `original`: its minutes and points negated, on its date, with `reason`.
fn reversal(original: &ledger::Model, reason: String, now: chrono::DateTime<chrono::Utc>) -> ledger::Model {
    ledger::Model {
        id: Uuid::now_v7(),
        service_minutes: -original.service_minutes,
        points: -original.points,
        description: Some(reason),
        corrects_entry_id: Some(original.id),
        source: None,
        external_id: None,
        created_at: now,
        updated_at: now,
        version: 1,
        deleted_at: None,
        ..original.clone()
    }
}

/// Inserts `row` with its audit row.
async fn insert<C: ConnectionTrait>(db: &C, actor: &super::audit::Actor, row: &ledger::Model) -> Result<(), DbErr> {
    let changes: Vec<Change> = diff(None, fields(row));
    ledger::Entity::insert(row.clone().into_active_model()).exec_without_returning(db).await?;
    audit(db, actor, AuditAction::Create, TYPE, row.id, &changes, row.created_at).await
}

/// Records a service of volunteer `volunteer_id`. Errors (client): `NOT_FOUND` on
/// `volunteer` (none the caller may write), `UNKNOWN_REFERENCE` on `team`, `project`,
/// `station`, the checks of [`ServiceInput::parse`], `INCONSISTENT` on `points` (not the
/// rule's), `WRITE_TIMEOUT`.
pub async fn record(
    db: &DatabaseConnection,
    editor: &Editor,
    volunteer_id: Uuid,
    links: EntryLinks,
    input: &ServiceInput,
) -> Result<Outcome<ledger::Model>, DbErr> {
    retrying(|| record_once(db, editor, volunteer_id, links, input)).await
}

async fn record_once(
    db: &DatabaseConnection,
    editor: &Editor,
    volunteer_id: Uuid,
    links: EntryLinks,
    input: &ServiceInput,
) -> Result<Outcome<ledger::Model>, DbErr> {
    let txn = begin_write(db).await?;
    let out = async {
        let Some(vol) = find_writable::<volunteer::Entity, _>(&txn, editor, volunteer_id).await? else {
            return Ok(Err(problem("volunteer", "NOT_FOUND", "volunteer: no Volunteer you may write with this id")));
        };
        let mut errors = Vec::new();
        let scope = &editor.scope;
        let team = mutate::reference::<volunteer_team::Entity, _>(&txn, scope, "team", links.team_id).await?;
        let project = mutate::reference::<project::Entity, _>(&txn, scope, "project", links.project_id).await?;
        let station = mutate::reference::<station::Entity, _>(&txn, scope, "station", links.station_id).await?;
        let place = match &station {
            Ok(Some(s)) => s.region_code.clone(),
            _ => vol.region_code.clone(),
        };
        for e in [team.err(), project.err(), station.err()].into_iter().flatten() {
            errors.push(e);
        }
        let service = match input.parse(editor.today()) {
            Ok(s) => s,
            Err(e) => {
                errors.extend(e);
                return Ok(Err(errors));
            }
        };
        let points = match points_in(&txn, &service, &place).await? {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                return Ok(Err(errors));
            }
        };
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let row = entry(vol.id, links, &service, points, editor.now);
        insert(&txn, &editor.actor, &row).await?;
        Ok::<_, DbErr>(Ok(row))
    }
    .await?;
    finish(txn, editor, out).await
}

/// Why `original` cannot be corrected, if it cannot: it is a reversal itself
/// (`NOT_CORRECTABLE`), or it has a reversal already (`ALREADY_CORRECTED`).
async fn uncorrectable<C: ConnectionTrait>(
    db: &C,
    field: &str,
    original: &ledger::Model,
) -> Result<Option<FieldError>, DbErr> {
    if original.corrects_entry_id.is_some() {
        let msg = format!("{field}: this entry is itself a correction; correct the entry it reverses only once");
        return Ok(Some(FieldError::new(field, "NOT_CORRECTABLE", msg)));
    }
    let by = ledger::Entity::find()
        .filter(ledger::Column::CorrectsEntryId.eq(original.id))
        .filter(ledger::Column::DeletedAt.is_null())
        .one(db)
        .await?;
    Ok(by.map(|r| {
        let msg = format!("{field}: the entry was corrected already, by entry {}; an entry is corrected once", r.id);
        FieldError::new(field, "ALREADY_CORRECTED", msg)
    }))
}

/// The message of a correction that lost to a concurrent one (the unique index).
fn corrected_concurrently(field: &str) -> Vec<FieldError> {
    problem(field, "ALREADY_CORRECTED", format!("{field}: the entry was corrected already; an entry is corrected once"))
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Corrects entry `id` by a reversing entry with `reason`. Errors (client): `NOT_FOUND` on
/// `entry` (none of a volunteer the caller may write), `NOT_CORRECTABLE`,
/// `ALREADY_CORRECTED`, `WRITE_TIMEOUT`.
pub async fn correct(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    reason: &str,
) -> Result<Outcome<ledger::Model>, DbErr> {
    retrying(|| correct_once(db, editor, id, reason)).await
}

async fn correct_once(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    reason: &str,
) -> Result<Outcome<ledger::Model>, DbErr> {
    let txn = begin_write(db).await?;
    let out = async {
        let original = ledger::Entity::find_by_id(id).filter(ledger::Column::DeletedAt.is_null()).one(&txn).await?;
        let original = match original {
            Some(o) if find_writable::<volunteer::Entity, _>(&txn, editor, o.volunteer_id).await?.is_some() => o,
            _ => {
                return Ok(Err(problem(
                    "entry",
                    "NOT_FOUND",
                    "entry: no VolunteerServiceEntry you may write with this id",
                )));
            }
        };
        let reason = crate::domain::volunteer_service::correction_reason(reason);
        let mut errors: Vec<FieldError> = uncorrectable(&txn, "entry", &original).await?.into_iter().collect();
        let reason = match reason {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let row = reversal(&original, reason, editor.now);
        match insert(&txn, &editor.actor, &row).await {
            Ok(()) => Ok::<_, DbErr>(Ok(row)),
            Err(e) if is_unique_violation(&e) => Ok(Err(corrected_concurrently("entry"))),
            Err(e) => Err(e),
        }
    }
    .await?;
    finish(txn, editor, out).await
}

/// The entries of `volunteer`, newest service first (corrections included).
pub async fn of_volunteer<C: ConnectionTrait>(db: &C, volunteer: Uuid) -> Result<Vec<ledger::Model>, DbErr> {
    ledger::Entity::find()
        .filter(ledger::Column::VolunteerId.eq(volunteer))
        .filter(ledger::Column::DeletedAt.is_null())
        .order_by_desc(ledger::Column::ServedOn)
        .order_by_desc(ledger::Column::Id)
        .all(db)
        .await
}

// ---------------------------------------------------------------------------------------------
// Sync

pub use crate::domain::volunteer_service::{SyncEntry, SyncEntryKind};

fn at(index: usize, mut e: FieldError) -> FieldError {
    let mut path = vec!["records".to_owned(), index.to_string()];
    path.append(&mut e.field);
    e.field = path;
    e
}

/// The source's live row of `E` with external id `ext`.
async fn by_external_id<E, C>(
    db: &C,
    source: &str,
    ext: &str,
    src: E::Column,
    eid: E::Column,
    del: E::Column,
) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    E::find().filter(src.eq(source)).filter(eid.eq(ext)).filter(del.is_null()).one(db).await
}

async fn entry_by_external_id<C: ConnectionTrait>(
    db: &C,
    source: &str,
    ext: &str,
) -> Result<Option<ledger::Model>, DbErr> {
    use ledger::Column as L;
    by_external_id::<ledger::Entity, _>(db, source, ext, L::Source, L::ExternalId, L::DeletedAt).await
}

/// The fields in which a stored entry differs from what a record sends again (points only
/// when the record gives them: computed points were fixed when the entry was written).
fn differences(stored: &ledger::Model, wanted: &ledger::Model, points_given: bool) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name, same: bool| {
        if !same {
            out.push(name);
        }
    };
    check("volunteerExternalId", stored.volunteer_id == wanted.volunteer_id);
    check("teamExternalId", stored.volunteer_team_id == wanted.volunteer_team_id);
    check("servedOn", stored.served_on == wanted.served_on);
    check("minutes", stored.service_minutes == wanted.service_minutes);
    check("points", !points_given || stored.points == wanted.points);
    check("activity", stored.activity == wanted.activity);
    check("description", stored.description == wanted.description);
    check("correctsExternalId", stored.corrects_entry_id == wanted.corrects_entry_id);
    out
}

/// The outcome of one record inside the batch's transaction: the row to insert (`None`:
/// unchanged), or its problems.
async fn plan<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    record: &SyncEntry,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<(Uuid, Option<ledger::Model>), Vec<FieldError>>, DbErr> {
    let stored = entry_by_external_id(db, source, &record.external_id).await?;
    let outside = |region: &str| {
        writer
            .region
            .as_ref()
            .filter(|limit| !region.starts_with(limit.significant()))
            .map(|limit| limit.as_str().to_owned())
    };
    // An entry already stored under this id is compared with what was sent, and the answer
    // names the fields that differ: only where the caller may read it, as the roster sync.
    if let Some(stored) = &stored {
        let vol = volunteer::Entity::find_by_id(stored.volunteer_id).one(db).await?;
        if let Some(limit) =
            vol.as_ref().map_or(writer.region.as_ref().map(|l| l.as_str().to_owned()), |v| outside(&v.region_code))
        {
            let msg = format!("externalId: the stored entry lies outside your region {limit}");
            return Ok(Err(vec![FieldError::new("externalId", "OUT_OF_SCOPE", msg)]));
        }
    }
    let (wanted, points_given) = match &record.kind {
        SyncEntryKind::Service { volunteer_external_id, team_external_id, service } => {
            use volunteer::Column as V;
            let vol = by_external_id::<volunteer::Entity, _>(
                db,
                source,
                volunteer_external_id,
                V::Source,
                V::ExternalId,
                V::DeletedAt,
            )
            .await?;
            let Some(vol) = vol else {
                let msg = format!(
                    "volunteerExternalId: no volunteer with external id `{volunteer_external_id}` from this source"
                );
                return Ok(Err(vec![FieldError::new("volunteerExternalId", "UNKNOWN_REFERENCE", msg)]));
            };
            if let Some(limit) = outside(&vol.region_code) {
                let msg = format!("volunteerExternalId: the volunteer lies outside your region {limit}");
                return Ok(Err(vec![FieldError::new("volunteerExternalId", "OUT_OF_SCOPE", msg)]));
            }
            let mut errors = Vec::new();
            let team = match team_external_id {
                None => None,
                Some(t) => {
                    use volunteer_team::Column as T;
                    let team = by_external_id::<volunteer_team::Entity, _>(
                        db,
                        source,
                        t,
                        T::Source,
                        T::ExternalId,
                        T::DeletedAt,
                    )
                    .await?;
                    if team.is_none() {
                        let msg = format!("teamExternalId: no volunteer team with external id `{t}` from this source");
                        errors.push(FieldError::new("teamExternalId", "UNKNOWN_REFERENCE", msg));
                    }
                    team.map(|t| t.id)
                }
            };
            match points_in(db, service, &vol.region_code).await? {
                Ok(points) if errors.is_empty() => {
                    let links = EntryLinks { team_id: team, project_id: None, station_id: None };
                    (entry(vol.id, links, service, points, now), service.points.is_some())
                }
                Ok(_) => return Ok(Err(errors)),
                Err(e) => {
                    errors.push(e);
                    return Ok(Err(errors));
                }
            }
        }
        SyncEntryKind::Reversal { corrects_external_id, reason } => {
            let field = "correctsExternalId";
            let Some(original) = entry_by_external_id(db, source, corrects_external_id).await? else {
                let msg = format!("{field}: no entry with external id `{corrects_external_id}` from this source");
                return Ok(Err(vec![FieldError::new(field, "UNKNOWN_REFERENCE", msg)]));
            };
            let vol = volunteer::Entity::find_by_id(original.volunteer_id).one(db).await?;
            if let Some(limit) = vol.as_ref().and_then(|v| outside(&v.region_code)) {
                let msg = format!("{field}: the entry's volunteer lies outside your region {limit}");
                return Ok(Err(vec![FieldError::new(field, "OUT_OF_SCOPE", msg)]));
            }
            let wanted = reversal(&original, reason.clone(), now);
            if stored.is_none()
                && let Some(e) = uncorrectable(db, field, &original).await?
            {
                return Ok(Err(vec![e]));
            }
            (wanted, true)
        }
    };
    match stored {
        Some(stored) => {
            let changed = differences(&stored, &wanted, points_given);
            if changed.is_empty() {
                Ok(Ok((stored.id, None)))
            } else {
                let msg = format!(
                    "externalId: entry `{}` is stored with other values ({}); entries are never edited: send a \
                     reversal (correctsExternalId) under a new external id, then the right entry under another",
                    record.external_id,
                    changed.join(", ")
                );
                Ok(Err(vec![FieldError::new("externalId", "ENTRY_IMMUTABLE", msg)]))
            }
        }
        None => {
            let mut row = wanted;
            row.source = Some(source.to_owned());
            row.external_id = Some(record.external_id.clone());
            Ok(Ok((row.id, Some(row))))
        }
    }
}

/// The result of one attempt of a batch.
struct Attempted {
    outcomes: Vec<RecordResult>,
    committed: bool,
    late: bool,
    concurrent: bool,
}

async fn attempt(
    db: &DatabaseConnection,
    writer: &Writer,
    source: &str,
    mode: SyncMode,
    atomicity: Atomicity,
    valid: &[(usize, SyncEntry)],
    parse_failed: bool,
) -> Result<Attempted, DbErr> {
    let now = crate::domain::time::now();
    let txn = begin_write(db).await?;
    let mut outcomes = Vec::new();
    let mut any_failed = false;
    let mut concurrent = false;
    for (i, record) in valid {
        let result = |action, id, errors: Vec<FieldError>, changed: Vec<&'static str>| RecordResult {
            index: Some(*i),
            external_id: record.external_id.clone(),
            action,
            id,
            changed_fields: changed,
            errors: errors.into_iter().map(|e| at(*i, e)).collect(),
        };
        match plan(&txn, writer, source, record, now).await? {
            Err(errors) => {
                any_failed = true;
                outcomes.push(result(SyncAction::Failed, None, errors, vec![]));
            }
            Ok((id, None)) => outcomes.push(result(SyncAction::Unchanged, Some(id), vec![], vec![])),
            Ok((id, Some(row))) => {
                let changed = diff(None, fields(&row)).into_iter().map(|c| c.field).collect();
                match insert(&txn, &writer.actor, &row).await {
                    Ok(()) => outcomes.push(result(SyncAction::Created, Some(id), vec![], changed)),
                    Err(e) if is_unique_violation(&e) => {
                        // Another request wrote the same key (or corrected the same entry)
                        // meanwhile; the transaction is spoilt on PostgreSQL.
                        concurrent = true;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
    let late = !within_write_timeout(now, writer.write_timeout);
    let aborted = atomicity == Atomicity::All && (any_failed || parse_failed);
    let write = mode == SyncMode::Commit && !concurrent && !late && !aborted;
    if write {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }
    Ok(Attempted { outcomes, committed: write, late, concurrent })
}

/// Syncs a batch of ledger entries of `source`. A record already stored with the same values
/// is `UNCHANGED`; with other values it fails (`ENTRY_IMMUTABLE`): entries are never edited.
/// Records are written in batch order, so a reversal may follow its original in one batch.
/// Errors: only the database's (a client's mistakes are in the summary).
pub async fn sync(
    db: &DatabaseConnection,
    writer: &Writer,
    source: &str,
    mode: SyncMode,
    atomicity: Atomicity,
    records: Vec<Submitted<SyncEntry>>,
) -> Result<SyncSummary, DbErr> {
    let mut summary = SyncSummary::default();
    if records.len() > MAX_RECORDS {
        let msg = format!("records: at most {MAX_RECORDS} per batch, got {}; nothing was written", records.len());
        summary.errors.push(FieldError::new("records", "BATCH_TOO_LARGE", msg));
        return Ok(summary);
    }
    let mut failed: Vec<RecordResult> = Vec::new();
    let mut valid: Vec<(usize, SyncEntry)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, (sent, parsed)) in records.into_iter().enumerate() {
        let errors = match parsed {
            Err(errors) => errors,
            Ok(r) if !seen.insert(r.external_id.clone()) => {
                let msg = format!("externalId: `{}` appears more than once in the batch", r.external_id);
                vec![FieldError::new("externalId", "DUPLICATE_EXTERNAL_ID", msg)]
            }
            Ok(r) => {
                valid.push((i, r));
                continue;
            }
        };
        failed.push(RecordResult {
            index: Some(i),
            external_id: sent,
            action: SyncAction::Failed,
            id: None,
            changed_fields: vec![],
            errors: errors.into_iter().map(|e| at(i, e)).collect(),
        });
    }
    let parse_failed = !failed.is_empty();
    let done = retrying(|| attempt(db, writer, source, mode, atomicity, &valid, parse_failed)).await?;
    if done.concurrent {
        let msg = "another request wrote entries of this batch at the same time; nothing was written: send the \
                   batch again (entries already there will be unchanged)";
        summary.errors.push(FieldError::new("records", "CONCURRENT_WRITE", msg));
        return Ok(summary);
    }
    if done.late {
        let limit = writer.write_timeout.as_secs_f64();
        let msg = format!(
            "writing the batch took longer than the write timeout ({limit} s); nothing was written: send smaller batches"
        );
        summary.errors.push(FieldError::new("records", "WRITE_TIMEOUT", msg));
    }
    let mut outcomes = done.outcomes;
    let mut committed = done.committed;
    if atomicity == Atomicity::All && (!failed.is_empty() || outcomes.iter().any(|o| o.action == SyncAction::Failed)) {
        // A parse failure aborts an ALL batch too, even when every parsed record was fine.
        committed = false;
        outcomes.retain(|o| o.action == SyncAction::Failed);
        let n = failed.len() + outcomes.len();
        let msg = format!("{n} record(s) failed; nothing was written (atomicity ALL)");
        summary.errors.push(FieldError::new("records", "BATCH_ABORTED", msg));
    }
    outcomes.extend(failed);
    outcomes.sort_by_key(|o| o.index);
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
    summary.committed = committed && summary.created > 0;
    Ok(summary)
}
