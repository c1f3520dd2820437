//! Deliberation meetings (议事协商): lists (filters, orderings, relations) and writes
//! (`createDeliberationMeeting`, `updateDeliberationMeeting`; delete is the generic
//! [`mutate::delete`]). Values are parsed by [`DeliberationInput::parse`].
//!
//! A meeting held by a station is bound to it: STATION_STAFF writes its own station's meetings,
//! in the station's area (see `mutate::placed`).

use entity::deliberation_meeting as dm;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, DbErr, QueryFilter, Select};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, Planned, Writable};
use super::page::Ordering;
use super::relations::{Listed, Located, Parents, ToMany, by_column};
use super::write::{Field, field};
use super::{DateRange, KeyValue, Sort, within};
use crate::domain::DivisionCode;
use crate::domain::activities::{DeliberationInput, DeliberationRecord};

crate::declare!(
    deliberation_meeting,
    "DeliberationMeeting",
    scope = deliberation_meetings,
    station = station_id,
    sourced,
);

/// Filter of deliberation-meeting lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DeliberationFilter {
    pub region: Option<DivisionCode>,
    /// Only meetings that resolved (true) or did not resolve (false) their problem.
    pub resolved: Option<bool>,
    /// Meetings held in this range of CST dates.
    pub held: DateRange,
}

/// Sort fields of deliberation-meeting lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DeliberationOrderField {
    #[default]
    Id,
    HeldOn,
    CreatedAt,
    UpdatedAt,
}

impl Listed for dm::Entity {
    type Filter = DeliberationFilter;
    type OrderBy = Sort<DeliberationOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((dm::Column::RegionCode, f.region.take()))
    }
    fn filter(_backend: DbBackend, select: Select<Self>, f: &DeliberationFilter) -> Select<Self> {
        let mut select =
            select.filter(within(dm::Column::RegionCode, &f.region)).filter(f.held.condition(dm::Column::HeldOn));
        if let Some(resolved) = f.resolved {
            select = select.filter(dm::Column::Resolved.eq(resolved));
        }
        select
    }
    fn ordering(order: Self::OrderBy) -> Ordering<Self> {
        use dm::Column as C;
        let (name, columns, key): (&'static str, Vec<C>, fn(&dm::Model) -> Vec<KeyValue>) = match order.field {
            DeliberationOrderField::Id => ("id", vec![C::Id], |r| vec![KeyValue::Id(r.id)]),
            DeliberationOrderField::HeldOn => {
                ("heldOn", vec![C::HeldOn, C::Id], |r| vec![KeyValue::Date(r.held_on), KeyValue::Id(r.id)])
            }
            DeliberationOrderField::CreatedAt => {
                ("createdAt", vec![C::CreatedAt, C::Id], |r| vec![KeyValue::Time(r.created_at), KeyValue::Id(r.id)])
            }
            DeliberationOrderField::UpdatedAt => {
                ("updatedAt", vec![C::UpdatedAt, C::Id], |r| vec![KeyValue::Time(r.updated_at), KeyValue::Id(r.id)])
            }
        };
        Ordering { name, columns, direction: order.direction, key }
    }
}

impl Located for dm::Entity {
    fn region_column() -> dm::Column {
        dm::Column::RegionCode
    }
}

/// Deliberation meetings a station held.
pub struct StationDeliberations;

impl ToMany for StationDeliberations {
    type Child = dm::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<dm::Entity>, parents: Parents<'_, Uuid>) -> (Select<dm::Entity>, Expr) {
        by_column(select, dm::Column::StationId, parents)
    }
}

impl Writable for dm::Entity {
    fn fields(m: &dm::Model) -> Vec<Field> {
        vec![
            field("topic", Some(&m.topic)),
            field("heldOn", Some(m.held_on)),
            field("participants", Some(m.participants)),
            field("outcome", m.outcome.as_ref()),
            field("resolved", Some(m.resolved)),
            field("regionCode", Some(&m.region_code)),
            field("station", m.station_id),
        ]
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &dm::Model) -> DeliberationInput {
    DeliberationInput {
        topic: m.topic.clone(),
        held_on: Some(m.held_on),
        participants: Some(m.participants),
        outcome: m.outcome.clone(),
        resolved: Some(m.resolved),
        region_code: m.region_code.clone(),
    }
}

fn row(r: &DeliberationRecord, station_id: Option<Uuid>, old: Option<&dm::Model>, editor: &Editor) -> dm::Model {
    dm::Model {
        id: old.map_or_else(Uuid::now_v7, |o| o.id),
        topic: r.topic.clone(),
        held_on: r.held_on,
        participants: r.participants,
        outcome: r.outcome.clone(),
        resolved: r.resolved,
        region_code: r.region_code.as_str().to_owned(),
        station_id,
        source: old.and_then(|o| o.source.clone()),
        external_id: old.and_then(|o| o.external_id.clone()),
        created_at: old.map_or(editor.now, |o| o.created_at),
        updated_at: editor.now,
        version: old.map_or(1, |o| o.version),
        deleted_at: None,
    }
}

/// Creates a deliberation meeting. Errors (client): the parse's, `UNKNOWN_REFERENCE`,
/// `UNKNOWN_DIVISION`, `OUT_OF_SCOPE`, `INCONSISTENT`.
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    input: DeliberationInput,
    station_id: Option<Uuid>,
) -> Result<Outcome<dm::Model>, DbErr> {
    mutate::create::<dm::Entity, _>(db, editor, async |txn| {
        let station = mutate::station_relation(txn, editor, Some(station_id), None).await?;
        Ok(mutate::with(input.parse(editor.today()), station).map(|(r, s)| row(&r, s, None, editor)))
    })
    .await
}

/// Updates meeting `id` at version `expected`; `change` lays the given fields over the stored
/// ones, `station_id` as [`mutate::station_relation`].
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    station_id: Option<Option<Uuid>>,
    change: impl Fn(&mut DeliberationInput),
) -> Result<Outcome<dm::Model>, DbErr> {
    mutate::update::<dm::Entity, _>(db, editor, id, expected, async |txn, old: &dm::Model| {
        let station = mutate::station_relation(txn, editor, station_id, old.station_id).await?;
        let mut input = input_of(old);
        change(&mut input);
        Ok(mutate::with(input.parse(editor.today()), station).map(|(r, s)| Planned::row(row(&r, s, Some(old), editor))))
    })
    .await
}
