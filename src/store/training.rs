//! Trainings (培训): lists (filters, orderings, relations) and writes (`createTraining`,
//! `updateTraining`; delete is the generic [`mutate::delete`]). Values are parsed by
//! [`TrainingInput::parse`].
//!
//! A training organised by a station is bound to it: STATION_STAFF writes its own station's
//! trainings, located in the station's area (see `mutate::placed`). Named participants are
//! `training_participants` rows, replaced as a set by an update that gives them.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use entity::training::{self, TrainingKind};
use entity::{organization, social_worker, training_participant as tp, volunteer};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    Select,
};
use uuid::Uuid;

use super::mutate::{self, Editor, LinkColumns, Outcome, Planned, Writable};
use super::page::Ordering;
use super::relations::{Listed, Located, Parents, ToMany, by_column, through};
use super::write::{Change, Field, enum_field, field};
use super::{DateRange, KeyValue, Sort, one_of, within};
use crate::domain::DivisionCode;
use crate::domain::activities::{TrainingInput, TrainingRecord};

crate::declare!(training, "Training", scope = trainings, station = station_id, sourced);

/// Filter of training lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TrainingFilter {
    pub region: Option<DivisionCode>,
    pub kinds: Vec<TrainingKind>,
    /// Trainings held in this range of CST dates.
    pub held: DateRange,
}

/// Sort fields of training lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TrainingOrderField {
    #[default]
    Id,
    HeldOn,
    CreatedAt,
    UpdatedAt,
}

impl Listed for training::Entity {
    type Filter = TrainingFilter;
    type OrderBy = Sort<TrainingOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((training::Column::RegionCode, f.region.take()))
    }
    fn filter(_backend: DbBackend, select: Select<Self>, f: &TrainingFilter) -> Select<Self> {
        select
            .filter(within(training::Column::RegionCode, &f.region))
            .filter(one_of(training::Column::Kind, &f.kinds))
            .filter(f.held.condition(training::Column::HeldOn))
    }
    fn ordering(order: Self::OrderBy) -> Ordering<Self> {
        use training::Column as C;
        let (name, columns, key): (&'static str, Vec<C>, fn(&training::Model) -> Vec<KeyValue>) = match order.field {
            TrainingOrderField::Id => ("id", vec![C::Id], |r| vec![KeyValue::Id(r.id)]),
            TrainingOrderField::HeldOn => {
                ("heldOn", vec![C::HeldOn, C::Id], |r| vec![KeyValue::Date(r.held_on), KeyValue::Id(r.id)])
            }
            TrainingOrderField::CreatedAt => {
                ("createdAt", vec![C::CreatedAt, C::Id], |r| vec![KeyValue::Time(r.created_at), KeyValue::Id(r.id)])
            }
            TrainingOrderField::UpdatedAt => {
                ("updatedAt", vec![C::UpdatedAt, C::Id], |r| vec![KeyValue::Time(r.updated_at), KeyValue::Id(r.id)])
            }
        };
        Ordering { name, columns, direction: order.direction, key }
    }
}

impl Located for training::Entity {
    fn region_column() -> training::Column {
        training::Column::RegionCode
    }
}

/// Trainings a station organised.
pub struct StationTrainings;

impl ToMany for StationTrainings {
    type Child = training::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<training::Entity>, parents: Parents<'_, Uuid>) -> (Select<training::Entity>, Expr) {
        by_column(select, training::Column::StationId, parents)
    }
}

/// Social workers named as participants of a training.
pub struct TrainingWorkers;

impl ToMany for TrainingWorkers {
    type Child = social_worker::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<social_worker::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<social_worker::Entity>, Expr) {
        through(
            select,
            tp::Entity,
            tp::Column::SocialWorkerId,
            tp::Column::TrainingId,
            tp::Column::DeletedAt,
            None,
            parents,
        )
    }
}

/// Volunteers named as participants of a training.
pub struct TrainingVolunteers;

impl ToMany for TrainingVolunteers {
    type Child = volunteer::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<volunteer::Entity>, parents: Parents<'_, Uuid>) -> (Select<volunteer::Entity>, Expr) {
        through(
            select,
            tp::Entity,
            tp::Column::VolunteerId,
            tp::Column::TrainingId,
            tp::Column::DeletedAt,
            None,
            parents,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Writes

impl Writable for training::Entity {
    fn fields(m: &training::Model) -> Vec<Field> {
        vec![
            field("topic", Some(&m.topic)),
            enum_field("kind", &m.kind),
            field("heldOn", Some(m.held_on)),
            field("personTimes", Some(m.person_times)),
            field("regionCode", Some(&m.region_code)),
            field("station", m.station_id),
            field("organization", m.organization_id),
        ]
    }
}

/// Named participants as given: social workers and volunteers (global ids already decoded).
#[derive(Debug, Clone, Default)]
pub struct Participants {
    pub social_workers: Vec<Uuid>,
    pub volunteers: Vec<Uuid>,
}

impl Participants {
    fn len(&self) -> usize {
        self.social_workers.iter().collect::<BTreeSet<_>>().len()
            + self.volunteers.iter().collect::<BTreeSet<_>>().len()
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &training::Model) -> TrainingInput {
    TrainingInput {
        topic: m.topic.clone(),
        kind: Some(m.kind),
        held_on: Some(m.held_on),
        person_times: Some(m.person_times),
        region_code: m.region_code.clone(),
        has_organizer: m.station_id.is_some() || m.organization_id.is_some(),
        named_participants: 0,
    }
}

fn row(
    r: &TrainingRecord,
    station_id: Option<Uuid>,
    organization_id: Option<Uuid>,
    old: Option<&training::Model>,
    editor: &Editor,
) -> training::Model {
    training::Model {
        id: old.map_or_else(Uuid::now_v7, |o| o.id),
        topic: r.topic.clone(),
        kind: r.kind,
        held_on: r.held_on,
        person_times: r.person_times,
        region_code: r.region_code.as_str().to_owned(),
        station_id,
        organization_id,
        source: old.and_then(|o| o.source.clone()),
        external_id: old.and_then(|o| o.external_id.clone()),
        created_at: old.map_or(editor.now, |o| o.created_at),
        updated_at: editor.now,
        version: old.map_or(1, |o| o.version),
        deleted_at: None,
    }
}

/// Checks every named participant is a live worker or volunteer the caller may read.
/// Errors (client): `UNKNOWN_REFERENCE` on `socialWorkerIds` / `volunteerIds`.
async fn check_participants<C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    p: &Participants,
) -> Result<Outcome<()>, DbErr> {
    let mut problems = Vec::new();
    for id in &p.social_workers {
        if let Err(e) =
            mutate::reference::<social_worker::Entity, _>(db, &editor.scope, "socialWorkerIds", Some(*id)).await?
        {
            problems.push(e);
        }
    }
    for id in &p.volunteers {
        if let Err(e) = mutate::reference::<volunteer::Entity, _>(db, &editor.scope, "volunteerIds", Some(*id)).await? {
            problems.push(e);
        }
    }
    Ok(if problems.is_empty() { Ok(()) } else { Err(problems) })
}

/// Makes the live participant rows of `training` exactly `p`: removed ones soft-deleted, new
/// ones inserted. Returns the changes for the audit row.
async fn set_participants<C: ConnectionTrait>(
    db: &C,
    training: Uuid,
    p: &Participants,
    now: DateTime<Utc>,
) -> Result<Vec<Change>, DbErr> {
    let stored = tp::Entity::find()
        .filter(tp::Column::TrainingId.eq(training))
        .filter(tp::Column::DeletedAt.is_null())
        .all(db)
        .await?;
    let want_w: BTreeSet<Uuid> = p.social_workers.iter().copied().collect();
    let want_v: BTreeSet<Uuid> = p.volunteers.iter().copied().collect();
    let have_w: BTreeSet<Uuid> = stored.iter().filter_map(|r| r.social_worker_id).collect();
    let have_v: BTreeSet<Uuid> = stored.iter().filter_map(|r| r.volunteer_id).collect();
    let cols = || LinkColumns {
        id: tp::Column::Id,
        deleted_at: tp::Column::DeletedAt,
        updated_at: tp::Column::UpdatedAt,
        version: tp::Column::Version,
    };
    for r in &stored {
        let keep = r.social_worker_id.is_some_and(|w| want_w.contains(&w))
            || r.volunteer_id.is_some_and(|v| want_v.contains(&v));
        if !keep {
            mutate::set_link_deleted::<tp::Entity, _>(db, cols(), r.id, Some(now), now).await?;
        }
    }
    let new_rows = want_w
        .difference(&have_w)
        .map(|w| (Some(*w), None))
        .chain(want_v.difference(&have_v).map(|v| (None, Some(*v))))
        .map(|(social_worker_id, volunteer_id)| tp::Model {
            id: Uuid::now_v7(),
            training_id: training,
            social_worker_id,
            volunteer_id,
            created_at: now,
            updated_at: now,
            version: 1,
            deleted_at: None,
        });
    for r in new_rows {
        tp::Entity::insert(r.into_active_model()).exec_without_returning(db).await?;
    }
    let list =
        |s: &BTreeSet<Uuid>| (!s.is_empty()).then(|| s.iter().map(Uuid::to_string).collect::<Vec<_>>().join(","));
    let mut changes = Vec::new();
    if want_w != have_w {
        changes.push(Change { field: "socialWorkers", old: list(&have_w), new: list(&want_w) });
    }
    if want_v != have_v {
        changes.push(Change { field: "volunteers", old: list(&have_v), new: list(&want_v) });
    }
    Ok(changes)
}

/// Live named participants of `training`.
async fn stored_participants<C: ConnectionTrait>(db: &C, training: Uuid) -> Result<Participants, DbErr> {
    let rows = tp::Entity::find()
        .filter(tp::Column::TrainingId.eq(training))
        .filter(tp::Column::DeletedAt.is_null())
        .all(db)
        .await?;
    Ok(Participants {
        social_workers: rows.iter().filter_map(|r| r.social_worker_id).collect(),
        volunteers: rows.iter().filter_map(|r| r.volunteer_id).collect(),
    })
}

/// Creates a training. Errors (client): the parse's, `UNKNOWN_REFERENCE`, `UNKNOWN_DIVISION`,
/// `OUT_OF_SCOPE`, `INCONSISTENT`.
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    input: TrainingInput,
    station_id: Option<Uuid>,
    organization_id: Option<Uuid>,
    participants: Participants,
) -> Result<Outcome<training::Model>, DbErr> {
    let created = mutate::create::<training::Entity, _>(db, editor, async |txn| {
        let station = mutate::station_relation(txn, editor, Some(station_id), None).await?;
        let org = mutate::relation::<organization::Entity, _>(
            txn,
            &editor.scope,
            "organizationId",
            Some(organization_id),
            None,
        )
        .await?
        .map_err(|e| vec![e]);
        let people = check_participants(txn, editor, &participants).await?;
        let mut input = input.clone();
        input.has_organizer = station_id.is_some() || organization_id.is_some();
        input.named_participants = participants.len();
        let parsed = mutate::with(mutate::with(input.parse(editor.today()), mutate::with(station, org)), people);
        Ok(parsed.map(|((r, (s, o)), ())| row(&r, s, o, None, editor)))
    })
    .await?;
    // The link rows reference the training, so they are written once it exists: as its first
    // update, audited and versioned (a training created with named participants is at version
    // 2). Their references were checked in the create's transaction.
    match created {
        Ok(t) if participants.len() > 0 => {
            let p = participants.clone();
            mutate::relink::<training::Entity, _>(db, editor, t.id, t.version, async |txn, old: &training::Model| {
                Ok(Ok(set_participants(txn, old.id, &p, editor.now).await?))
            })
            .await
        }
        other => Ok(other),
    }
}

/// Updates training `id` at version `expected`; `change` lays the given fields over the stored
/// ones, `station_id` / `organization_id` as [`mutate::relation`]; `participants`, when given,
/// replaces the named participants.
#[allow(clippy::too_many_arguments, reason = "the references of a training are given apart from its values")]
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    station_id: Option<Option<Uuid>>,
    organization_id: Option<Option<Uuid>>,
    participants: Option<Participants>,
    change: impl Fn(&mut TrainingInput),
) -> Result<Outcome<training::Model>, DbErr> {
    mutate::update::<training::Entity, _>(db, editor, id, expected, async |txn, old: &training::Model| {
        let station = mutate::station_relation(txn, editor, station_id, old.station_id).await?;
        let org = mutate::relation::<organization::Entity, _>(
            txn,
            &editor.scope,
            "organizationId",
            organization_id,
            old.organization_id,
        )
        .await?
        .map_err(|e| vec![e]);
        let named = match &participants {
            Some(p) => p.clone(),
            None => stored_participants(txn, old.id).await?,
        };
        let people = check_participants(txn, editor, participants.as_ref().unwrap_or(&Participants::default())).await?;
        let mut input = input_of(old);
        change(&mut input);
        let s_now = station.as_ref().ok().copied().flatten();
        let o_now = org.as_ref().ok().copied().flatten();
        input.has_organizer = s_now.is_some() || o_now.is_some() || station.is_err() || org.is_err();
        input.named_participants = named.len();
        let parsed = mutate::with(mutate::with(input.parse(editor.today()), mutate::with(station, org)), people);
        let ((r, (s, o)), ()) = match parsed {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let links = match &participants {
            Some(p) => set_participants(txn, old.id, p, editor.now).await?,
            None => Vec::new(),
        };
        Ok(Ok(Planned { row: row(&r, s, o, Some(old), editor), links }))
    })
    .await
}
