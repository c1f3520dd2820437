//! Writing one social worker: `createSocialWorker`, `updateSocialWorker`, and the worker's
//! station assignments (`assignSocialWorker`, `endStationAssignment`), which are changes of
//! the worker (its version is checked and bumped). Values are parsed by
//! [`SocialWorkerInput::parse_owned`], the rule the roster sync uses.

use chrono::NaiveDate;
use entity::station_assignment::{self, AssignmentRole};
use entity::{organization, social_worker, station};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, Planned, Writable, problem};
use super::sync::{Roster, SocialWorkers};
use super::write::{Change, Field};
use crate::domain::roster::{
    EARLIEST_RECORD_DATE, SocialWorkerInput, SocialWorkerRecord, date_in_range, lay_over_citizen_id,
};

impl Writable for social_worker::Entity {
    fn fields(m: &social_worker::Model) -> Vec<Field> {
        SocialWorkers::fields(m)
    }
    fn person(
        m: &mut social_worker::Model,
        keys: &crate::domain::person::PersonKeys,
    ) -> Option<super::person::PersonSlot> {
        super::person::worker_slot(m, keys)
    }
}

/// The stored row as input: the base an update's given fields are laid over (the employer is
/// passed as an id, not an external id).
pub fn input_of(m: &social_worker::Model) -> SocialWorkerInput {
    SocialWorkerInput {
        external_id: String::new(),
        name: m.name.clone(),
        gender: Some(m.gender),
        id_number: m.id_number.clone(),
        phone: m.phone.clone(),
        certificate_level: Some(m.certificate_level),
        certificate_number: m.certificate_number.clone(),
        certificate_year: m.certificate_year,
        employer_external_id: None,
        pay_post: m.pay_post,
        pay_grade: m.pay_grade,
        region_code: m.region_code.clone(),
    }
}

fn row(
    record: &SocialWorkerRecord,
    employer: Option<Uuid>,
    old: Option<&social_worker::Model>,
    editor: &Editor,
) -> social_worker::Model {
    let mut m = SocialWorkers::build(record, &employer, "", old, editor.now);
    m.source = old.and_then(|o| o.source.clone());
    m.external_id = old.and_then(|o| o.external_id.clone());
    m
}

/// The employer after a write (see [`mutate::relation`]).
async fn employer<C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    given: Option<Option<Uuid>>,
    stored: Option<Uuid>,
) -> Result<Outcome<Option<Uuid>>, DbErr> {
    let found = mutate::relation::<organization::Entity, _>(db, &editor.scope, "employerId", given, stored).await?;
    Ok(found.map_err(|e| vec![e]))
}

/// Creates a social worker civlink owns, employed by organisation `employer_id`. Errors
/// (client): the parse's, `UNKNOWN_REFERENCE`, `UNKNOWN_DIVISION`, `OUT_OF_SCOPE`.
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    input: SocialWorkerInput,
    employer_id: Option<Uuid>,
) -> Result<Outcome<social_worker::Model>, DbErr> {
    mutate::create::<social_worker::Entity, _>(db, editor, async |txn| {
        let employer = employer(txn, editor, Some(employer_id), None).await?;
        Ok(mutate::with(input.parse_owned(editor.today()), employer).map(|(r, e)| row(&r, e, None, editor)))
    })
    .await
}

/// Updates social worker `id` at version `expected`; `change` lays the given fields over the
/// stored ones; `employer_id`: `None` keeps the employer, `Some(None)` clears it.
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    employer_id: Option<Option<Uuid>>,
    change: impl Fn(&mut SocialWorkerInput),
) -> Result<Outcome<social_worker::Model>, DbErr> {
    mutate::update::<social_worker::Entity, _>(db, editor, id, expected, async |txn, old: &social_worker::Model| {
        let employer = employer(txn, editor, employer_id, old.employer_id).await?;
        let mut input = input_of(old);
        change(&mut input);
        let new_id = input.id_number.as_deref().is_some_and(|v| !v.trim().is_empty());
        let sent = |f: &str| editor.sends(f);
        let parsed = lay_over_citizen_id(&sent, new_id, old.id_number.is_some(), None, &mut input.gender)
            .and_then(|()| input.parse_owned(editor.today()));
        Ok(mutate::with(parsed, employer).map(|(r, e)| Planned::row(row(&r, e, Some(old), editor))))
    })
    .await
}

/// An assignment as the audit log shows it: `station role started..ended`.
fn shown(a: &station_assignment::Model) -> String {
    let end = a.ended_on.map(|d| d.to_string()).unwrap_or_default();
    format!("{} {} {}..{end}", a.station_id, a.role.to_value(), a.started_on)
}

/// The worker's current (not ended, not deleted) assignment at `station`.
async fn current<C: ConnectionTrait>(
    db: &C,
    worker: Uuid,
    station: Uuid,
) -> Result<Option<station_assignment::Model>, DbErr> {
    use station_assignment::Column as A;
    station_assignment::Entity::find()
        .filter(A::SocialWorkerId.eq(worker))
        .filter(A::StationId.eq(station))
        .filter(A::EndedOn.is_null())
        .filter(A::DeletedAt.is_null())
        .one(db)
        .await
}

/// Assigns worker `id` (at version `expected`) to `station_id` with `role` from `started_on`
/// (default today; 2000-01-01 to today). The station must be one the caller may read.
/// Errors (client): as [`mutate::update`], `UNKNOWN_REFERENCE`, `OUT_OF_RANGE`,
/// `ALREADY_ASSIGNED` (a current assignment at that station exists).
pub async fn assign(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    station_id: Uuid,
    role: AssignmentRole,
    started_on: Option<NaiveDate>,
) -> Result<Outcome<social_worker::Model>, DbErr> {
    mutate::relink::<social_worker::Entity, _>(db, editor, id, expected, async |txn, worker: &social_worker::Model| {
        let today = editor.today();
        if let Err(e) =
            mutate::reference::<station::Entity, _>(txn, &editor.scope, "stationId", Some(station_id)).await?
        {
            return Ok(Err(vec![e]));
        }
        let started_on = match date_in_range("startedOn", started_on.unwrap_or(today), EARLIEST_RECORD_DATE, today) {
            Ok(d) => d,
            Err(e) => return Ok(Err(vec![e])),
        };
        if current(txn, worker.id, station_id).await?.is_some() {
            let msg = "stationId: the worker already has a current assignment at this station; end it first";
            return Ok(Err(problem("stationId", "ALREADY_ASSIGNED", msg)));
        }
        let a = station_assignment::Model {
            id: Uuid::now_v7(),
            station_id,
            social_worker_id: worker.id,
            role,
            started_on,
            ended_on: None,
            created_at: editor.now,
            updated_at: editor.now,
            version: 1,
            deleted_at: None,
        };
        let change = Change { field: "stationAssignments", old: None, new: Some(shown(&a)) };
        station_assignment::Entity::insert(a.into_active_model()).exec_without_returning(txn).await?;
        Ok(Ok(vec![change]))
    })
    .await
}

/// Ends worker `id`'s current assignment at `station_id` on `ended_on` (default today; from
/// the assignment's first day to today). Errors (client): as [`mutate::update`],
/// `NOT_FOUND` (no current assignment there), `OUT_OF_RANGE`.
pub async fn end_assignment(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    station_id: Uuid,
    ended_on: Option<NaiveDate>,
) -> Result<Outcome<social_worker::Model>, DbErr> {
    mutate::relink::<social_worker::Entity, _>(db, editor, id, expected, async |txn, worker: &social_worker::Model| {
        let today = editor.today();
        let Some(a) = current(txn, worker.id, station_id).await? else {
            return Ok(Err(problem("stationId", "NOT_FOUND", "stationId: no current assignment at this station")));
        };
        let ended_on = match date_in_range("endedOn", ended_on.unwrap_or(today), a.started_on, today) {
            Ok(d) => d,
            Err(e) => return Ok(Err(vec![e])),
        };
        use station_assignment::Column as A;
        station_assignment::Entity::update_many()
            .col_expr(A::EndedOn, Expr::value(ended_on))
            .col_expr(A::UpdatedAt, Expr::value(editor.now))
            .col_expr(A::Version, Expr::col(A::Version).add(1))
            .filter(A::Id.eq(a.id))
            .exec(txn)
            .await?;
        let old = shown(&a);
        let new = shown(&station_assignment::Model { ended_on: Some(ended_on), ..a });
        Ok(Ok(vec![Change { field: "stationAssignments", old: Some(old), new: Some(new) }]))
    })
    .await
}
