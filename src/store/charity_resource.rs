//! Charity resources: filters, orderings and relations whose children are charity resources.

use entity::charity_resource::{self, CharityKind};
use entity::project_participant::{self as pp, Party};
use sea_orm::sea_query::Expr;
use sea_orm::{DbBackend, QueryFilter, Select};
use uuid::Uuid;

use super::page::Ordering;
use super::relations::{Listed, Located, Parents, ToMany, by_column, through};
use super::{DateRange, KeyValue, Sort, one_of, within};
use crate::domain::DivisionCode;

crate::declare!(charity_resource, "CharityResource", scope = charity_resources, station = station_id);

/// Filter of charity-resource lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CharityResourceFilter {
    pub region: Option<DivisionCode>,
    pub kinds: Vec<CharityKind>,
    /// Resources received in this range of CST dates.
    pub received: DateRange,
}

/// Sort fields of charity-resource lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CharityResourceOrderField {
    #[default]
    Id,
    ReceivedOn,
    CreatedAt,
    UpdatedAt,
}

impl Listed for charity_resource::Entity {
    type Filter = CharityResourceFilter;
    type OrderBy = Sort<CharityResourceOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((charity_resource::Column::RegionCode, f.region.take()))
    }
    fn filter(_backend: DbBackend, select: Select<Self>, f: &CharityResourceFilter) -> Select<Self> {
        select
            .filter(within(charity_resource::Column::RegionCode, &f.region))
            .filter(one_of(charity_resource::Column::Kind, &f.kinds))
            .filter(f.received.condition(charity_resource::Column::ReceivedOn))
    }

    fn ordering(order: Self::OrderBy) -> Ordering<Self> {
        use charity_resource::Column as C;
        let (name, columns, key): (&'static str, Vec<C>, fn(&charity_resource::Model) -> Vec<KeyValue>) =
            match order.field {
                CharityResourceOrderField::Id => ("id", vec![C::Id], |r| vec![KeyValue::Id(r.id)]),
                CharityResourceOrderField::ReceivedOn => ("receivedOn", vec![C::ReceivedOn, C::Id], |r| {
                    vec![KeyValue::Date(r.received_on), KeyValue::Id(r.id)]
                }),
                CharityResourceOrderField::CreatedAt => {
                    ("createdAt", vec![C::CreatedAt, C::Id], |r| vec![KeyValue::Time(r.created_at), KeyValue::Id(r.id)])
                }
                CharityResourceOrderField::UpdatedAt => {
                    ("updatedAt", vec![C::UpdatedAt, C::Id], |r| vec![KeyValue::Time(r.updated_at), KeyValue::Id(r.id)])
                }
            };
        Ordering { name, columns, direction: order.direction, key }
    }
}

impl Located for charity_resource::Entity {
    fn region_column() -> charity_resource::Column {
        charity_resource::Column::RegionCode
    }
}

/// Charity resources a station received.
pub struct StationCharity;

impl ToMany for StationCharity {
    type Child = charity_resource::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<charity_resource::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<charity_resource::Entity>, Expr) {
        by_column(select, charity_resource::Column::StationId, parents)
    }
}

/// Charity resources linked to a project (五社联动 party CHARITY_RESOURCE).
pub struct ProjectCharity;

impl ToMany for ProjectCharity {
    type Child = charity_resource::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<charity_resource::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<charity_resource::Entity>, Expr) {
        let kind = Some((pp::Column::Party, Party::CharityResource.into()));
        through(
            select,
            pp::Entity,
            pp::Column::CharityResourceId,
            pp::Column::ProjectId,
            pp::Column::DeletedAt,
            kind,
            parents,
        )
    }
}
