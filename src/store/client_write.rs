//! Writing one client (服务对象): `createClient`, `updateClient`, the client's categories
//! (`addClientCategory`, `removeClientCategory`) and case file (`openCaseFile`,
//! `changeCaseFileStage`), which are changes of the client (its version is checked and
//! bumped). Values are parsed by [`ClientInput::parse`]; delete is the generic
//! [`mutate::delete`].
//!
//! Clients are bound to their station: STATION_STAFF writes its own station's clients.
//! Every identity value is masked in the audit log, and so are sensitive categories
//! (assistance and disability status, PIPL art. 28).

use chrono::{DateTime, NaiveDate, Utc};
use entity::case_file::{self, CaseStage};
use entity::client_category::{self, ClientCategoryKind};
use entity::{client, social_worker};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use uuid::Uuid;

use super::mutate::{self, Editor, LinkColumns, Outcome, Planned, Writable, problem};
use super::write::{Change, Field, diff, enum_field, field, masked};
use crate::domain::masking;
use crate::domain::records::{ClientInput, ClientRecord};
use crate::domain::roster::{EARLIEST_RECORD_DATE, FieldError, Problems, date_in_range, lay_over_citizen_id};

impl Writable for client::Entity {
    fn fields(m: &client::Model) -> Vec<Field> {
        vec![
            masked("name", Some(&m.name), masking::name),
            masked("idNumber", m.id_number.as_ref(), masking::id_number),
            masked("birthDate", m.birth_date, masking::birth_date_text),
            enum_field("gender", &m.gender),
            masked("phone", m.phone.as_ref(), masking::phone),
            masked("address", m.address.as_ref(), masking::address),
            field("regionCode", Some(&m.region_code)),
            field("station", m.station_id),
            masked("guardianName", m.guardian_name.as_ref(), masking::name),
            masked("guardianPhone", m.guardian_phone.as_ref(), masking::phone),
        ]
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &client::Model) -> ClientInput {
    ClientInput {
        name: m.name.clone(),
        id_number: m.id_number.clone(),
        birth_date: m.birth_date,
        gender: Some(m.gender),
        phone: m.phone.clone(),
        address: m.address.clone(),
        region_code: m.region_code.clone(),
        guardian_name: m.guardian_name.clone(),
        guardian_phone: m.guardian_phone.clone(),
    }
}

fn row(r: &ClientRecord, station_id: Option<Uuid>, old: Option<&client::Model>, editor: &Editor) -> client::Model {
    client::Model {
        id: old.map_or_else(Uuid::now_v7, |o| o.id),
        name: r.name.clone(),
        id_number: r.id_number.clone(),
        birth_date: r.birth_date,
        gender: r.gender,
        phone: r.phone.clone(),
        address: r.address.clone(),
        region_code: r.region_code.as_str().to_owned(),
        station_id,
        guardian_name: r.guardian_name.clone(),
        guardian_phone: r.guardian_phone.clone(),
        source: old.and_then(|o| o.source.clone()),
        external_id: old.and_then(|o| o.external_id.clone()),
        created_at: old.map_or(editor.now, |o| o.created_at),
        updated_at: editor.now,
        version: old.map_or(1, |o| o.version),
        deleted_at: None,
    }
}

/// Creates a client. Errors (client): the parse's, `UNKNOWN_REFERENCE`, `UNKNOWN_DIVISION`,
/// `OUT_OF_SCOPE` (STATION_STAFF: a station other than its own).
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    input: ClientInput,
    station_id: Option<Uuid>,
) -> Result<Outcome<client::Model>, DbErr> {
    mutate::create::<client::Entity, _>(db, editor, async |txn| {
        let station = mutate::station_relation(txn, editor, Some(station_id), None).await?;
        Ok(mutate::with(input.parse(editor.today()), station).map(|(r, s)| row(&r, s, None, editor)))
    })
    .await
}

/// Updates client `id` at version `expected`; `change` lays the given fields over the stored
/// ones, `station_id` as [`mutate::station_relation`].
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    station_id: Option<Option<Uuid>>,
    change: impl Fn(&mut ClientInput),
) -> Result<Outcome<client::Model>, DbErr> {
    mutate::update::<client::Entity, _>(db, editor, id, expected, async |txn, old: &client::Model| {
        let station = mutate::station_relation(txn, editor, station_id, old.station_id).await?;
        let mut input = input_of(old);
        change(&mut input);
        let new_id = input.id_number.as_deref().is_some_and(|v| !v.trim().is_empty());
        let sent = |f: &str| editor.sends(f);
        let parsed =
            lay_over_citizen_id(&sent, new_id, old.id_number.is_some(), Some(&mut input.birth_date), &mut input.gender)
                .and_then(|()| input.parse(editor.today()));
        Ok(mutate::with(parsed, station).map(|(r, s)| Planned::row(row(&r, s, Some(old), editor))))
    })
    .await
}

/// The client's category row of `kind`, deleted or not (one row per client and kind).
async fn category_row<C: ConnectionTrait>(
    db: &C,
    client: Uuid,
    kind: ClientCategoryKind,
) -> Result<Option<client_category::Model>, DbErr> {
    use client_category::Column as K;
    client_category::Entity::find().filter(K::ClientId.eq(client)).filter(K::Category.eq(kind)).one(db).await
}

/// Sets `deleted_at` of category row `id` (a removal, or `None`: a return), bumping its
/// version.
async fn set_deleted<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use client_category::Column as K;
    let cols = LinkColumns { id: K::Id, deleted_at: K::DeletedAt, updated_at: K::UpdatedAt, version: K::Version };
    mutate::set_link_deleted::<client_category::Entity, _>(db, cols, id, deleted_at, now).await
}

/// The audit change of a category added (`added`) or removed, masked when sensitive.
fn category_change(kind: ClientCategoryKind, added: bool) -> Change {
    let shown = Some(masking::category(kind));
    let (old, new) = if added { (None, shown) } else { (shown, None) };
    Change { field: "categories", old, new }
}

/// Puts client `id` (at version `expected`) in category `kind` (`member`) or takes it out.
/// Errors (client): as [`mutate::update`], `ALREADY_IN_CATEGORY`, `NOT_FOUND` (not in the
/// category).
pub async fn set_category(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    kind: ClientCategoryKind,
    member: bool,
) -> Result<Outcome<client::Model>, DbErr> {
    mutate::relink::<client::Entity, _>(db, editor, id, expected, async |txn, c: &client::Model| {
        let row = category_row(txn, c.id, kind).await?;
        match (row, member) {
            (Some(r), true) if r.deleted_at.is_none() => {
                return Ok(Err(problem("category", "ALREADY_IN_CATEGORY", "category: the client is in it already")));
            }
            // One row per client and kind (unique): a removed category comes back on its row.
            (Some(r), true) => set_deleted(txn, r.id, None, editor.now).await?,
            (None, true) => {
                let r = client_category::Model {
                    id: Uuid::now_v7(),
                    client_id: c.id,
                    category: kind,
                    created_at: editor.now,
                    updated_at: editor.now,
                    version: 1,
                    deleted_at: None,
                };
                client_category::Entity::insert(r.into_active_model()).exec_without_returning(txn).await?;
            }
            (Some(r), false) if r.deleted_at.is_none() => set_deleted(txn, r.id, Some(editor.now), editor.now).await?,
            (_, false) => {
                return Ok(Err(problem("category", "NOT_FOUND", "category: the client is not in this category")));
            }
        }
        Ok(Ok(vec![category_change(kind, member)]))
    })
    .await
}

/// The audited fields of a case file, named as the client's `caseFile` fields.
fn case_fields(m: &case_file::Model) -> Vec<Field> {
    vec![
        enum_field("caseFile.stage", &m.stage),
        field("caseFile.deepCase", Some(m.is_deep_case)),
        field("caseFile.socialWorker", m.social_worker_id),
        field("caseFile.openedOn", Some(m.opened_on)),
        field("caseFile.closedOn", m.closed_on),
    ]
}

/// The client's case file, deleted or not (one per client).
async fn case_file_of<C: ConnectionTrait>(db: &C, client: Uuid) -> Result<Option<case_file::Model>, DbErr> {
    case_file::Entity::find().filter(case_file::Column::ClientId.eq(client)).one(db).await
}

/// The case file's social worker after `given` over `stored`, one the caller may read.
async fn worker<C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    given: Option<Option<Uuid>>,
    stored: Option<Uuid>,
) -> Result<Result<Option<Uuid>, FieldError>, DbErr> {
    mutate::relation::<social_worker::Entity, _>(db, &editor.scope, "socialWorkerId", given, stored).await
}

/// What opening a case file sets.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseOpening {
    /// Default today (CST); 2000-01-01 to today.
    pub opened_on: Option<NaiveDate>,
    pub deep_case: bool,
    pub social_worker_id: Option<Uuid>,
}

/// Opens the case file (一人一档) of client `id` (at version `expected`) at stage `INTAKE`.
/// Errors (client): as [`mutate::update`], `CASE_FILE_EXISTS` (one file per client),
/// `OUT_OF_RANGE`, `UNKNOWN_REFERENCE` (social worker).
pub async fn open_case_file(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    opening: CaseOpening,
) -> Result<Outcome<client::Model>, DbErr> {
    mutate::relink::<client::Entity, _>(db, editor, id, expected, async |txn, c: &client::Model| {
        if case_file_of(txn, c.id).await?.is_some() {
            let msg = "clientId: the client has a case file already (one per person); change its stage instead";
            return Ok(Err(problem("clientId", "CASE_FILE_EXISTS", msg)));
        }
        let today = editor.today();
        let mut p = Problems::default();
        let opened_on =
            p.take(date_in_range("openedOn", opening.opened_on.unwrap_or(today), EARLIEST_RECORD_DATE, today));
        let worker = p.take(worker(txn, editor, Some(opening.social_worker_id), None).await?);
        let (Some(opened_on), Some(social_worker_id), true) = (opened_on, worker, p.is_empty()) else {
            return Ok(Err(p.into_errors()));
        };
        let file = case_file::Model {
            id: Uuid::now_v7(),
            client_id: c.id,
            stage: CaseStage::Intake,
            is_deep_case: opening.deep_case,
            social_worker_id,
            opened_on,
            closed_on: None,
            created_at: editor.now,
            updated_at: editor.now,
            version: 1,
            deleted_at: None,
        };
        let changes = diff(None, case_fields(&file));
        case_file::Entity::insert(file.into_active_model()).exec_without_returning(txn).await?;
        Ok(Ok(changes))
    })
    .await
}

/// A change of a case file: its new stage and, optionally, deep-case flag and worker.
#[derive(Debug, Clone, Copy)]
pub struct StageChange {
    pub stage: CaseStage,
    /// Day of the change (CST), default today; for `CLOSED` it becomes `closedOn` and lies
    /// between the opening day and today. Leaving `CLOSED` reopens the case (`closedOn`
    /// cleared).
    pub on: Option<NaiveDate>,
    /// `None`: unchanged.
    pub deep_case: Option<bool>,
    /// `None`: unchanged; `Some(None)`: cleared.
    pub social_worker_id: Option<Option<Uuid>>,
}

/// Moves the case file of client `id` (at version `expected`) to another casework stage
/// (MZ/T 094-2017). Errors (client): as [`mutate::update`], `NOT_FOUND` (no case file),
/// `OUT_OF_RANGE`, `UNKNOWN_REFERENCE` (social worker).
pub async fn change_case_file_stage(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    change: StageChange,
) -> Result<Outcome<client::Model>, DbErr> {
    mutate::relink::<client::Entity, _>(db, editor, id, expected, async |txn, c: &client::Model| {
        let Some(old) = case_file_of(txn, c.id).await?.filter(|f| f.deleted_at.is_none()) else {
            return Ok(Err(problem("clientId", "NOT_FOUND", "clientId: the client has no case file; open one first")));
        };
        let today = editor.today();
        let mut p = Problems::default();
        let closed_on = match change.stage {
            CaseStage::Closed => {
                let on = change.on.unwrap_or(today);
                p.take(date_in_range("on", on, old.opened_on, today)).map(Some)
            }
            _ => Some(None),
        };
        let worker = p.take(worker(txn, editor, change.social_worker_id, old.social_worker_id).await?);
        let (Some(closed_on), Some(social_worker_id), true) = (closed_on, worker, p.is_empty()) else {
            return Ok(Err(p.into_errors()));
        };
        let new = case_file::Model {
            stage: change.stage,
            is_deep_case: change.deep_case.unwrap_or(old.is_deep_case),
            social_worker_id,
            closed_on: match change.stage {
                // A closed case stays closed on its day unless another is given.
                CaseStage::Closed if old.stage == CaseStage::Closed && change.on.is_none() => old.closed_on,
                _ => closed_on,
            },
            updated_at: editor.now,
            version: old.version + 1,
            ..old.clone()
        };
        let changes = diff(Some(case_fields(&old)), case_fields(&new));
        if !changes.is_empty() {
            case_file::Entity::update(new.into_active_model().reset_all()).exec(txn).await?;
        }
        Ok(Ok(changes))
    })
    .await
}
