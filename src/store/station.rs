//! Stations: filters, orderings and the relations whose children are stations.

use entity::project_station;
use entity::station::{self, StationLevel, StationStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbBackend, JoinType, QueryFilter, QuerySelect, RelationTrait, Select};
use uuid::Uuid;

use super::relations::{Listed, Located, Parents, ToMany, by_column};
use super::{RecordOrderField, Sort, one_of, text, within};
use crate::domain::DivisionCode;

crate::declare!(station, "Station", scope = stations, sourced, named);

/// Filter of station lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct StationFilter {
    /// Only stations located in this division's subtree.
    pub region: Option<DivisionCode>,
    pub levels: Vec<StationLevel>,
    pub statuses: Vec<StationStatus>,
    pub in_full_service: Option<bool>,
    pub name_contains: Option<String>,
}

impl Listed for station::Entity {
    type Filter = StationFilter;
    type OrderBy = Sort<RecordOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((station::Column::RegionCode, f.region.take()))
    }
    fn filter(backend: DbBackend, select: Select<Self>, f: &StationFilter) -> Select<Self> {
        let mut s = select
            .filter(within(station::Column::RegionCode, &f.region))
            .filter(one_of(station::Column::Level, &f.levels))
            .filter(one_of(station::Column::Status, &f.statuses));
        if let Some(full) = f.in_full_service {
            s = s.filter(station::Column::InFullService.eq(full));
        }
        if let Some(q) = &f.name_contains {
            s = s.filter(text::contains(backend, station::Column::Name, q));
        }
        s
    }

    fn ordering(order: Self::OrderBy) -> super::page::Ordering<Self> {
        super::declare::record_ordering(order)
    }
}

/// A station's child stations (by `parent_station_id`).
pub struct ChildStations;

impl ToMany for ChildStations {
    type Child = station::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<station::Entity>, parents: Parents<'_, Uuid>) -> (Select<station::Entity>, Expr) {
        by_column(select, station::Column::ParentStationId, parents)
    }
}

/// Stations an organisation operates.
pub struct OperatedStations;

impl ToMany for OperatedStations {
    type Child = station::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<station::Entity>, parents: Parents<'_, Uuid>) -> (Select<station::Entity>, Expr) {
        by_column(select, station::Column::OperatorId, parents)
    }
}

impl Located for station::Entity {
    fn region_column() -> station::Column {
        station::Column::RegionCode
    }
}

/// Stations that run a project (through `project_stations`).
pub struct ProjectStations;

impl ToMany for ProjectStations {
    type Child = station::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<station::Entity>, parents: Parents<'_, Uuid>) -> (Select<station::Entity>, Expr) {
        let link = Expr::col((project_station::Entity, project_station::Column::ProjectId));
        let select = select
            .join_rev(JoinType::InnerJoin, project_station::Relation::Station.def())
            .filter(project_station::Column::DeletedAt.is_null())
            .filter(parents.contain(link.clone()));
        (select, link)
    }
}
