//! Organisations: filters, orderings and relations whose children are organisations.

use entity::organization::{self, OrganizationKind};
use entity::project_participant::{self as pp, Party};
use sea_orm::sea_query::Expr;
use sea_orm::{DbBackend, QueryFilter, Select};
use uuid::Uuid;

use super::relations::{Listed, Located, Parents, ToMany, through};
use super::{RecordOrderField, Sort, one_of, text, within};
use crate::domain::DivisionCode;

crate::declare!(organization, "Organization", scope = organizations, sourced, named);

/// Filter of organisation lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OrganizationFilter {
    pub region: Option<DivisionCode>,
    pub kinds: Vec<OrganizationKind>,
    pub name_contains: Option<String>,
}

impl Listed for organization::Entity {
    type Filter = OrganizationFilter;
    type OrderBy = Sort<RecordOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((organization::Column::RegionCode, f.region.take()))
    }
    fn filter(backend: DbBackend, select: Select<Self>, f: &OrganizationFilter) -> Select<Self> {
        let mut s = select
            .filter(within(organization::Column::RegionCode, &f.region))
            .filter(one_of(organization::Column::Kind, &f.kinds));
        if let Some(q) = &f.name_contains {
            s = s.filter(text::contains(backend, organization::Column::Name, q));
        }
        s
    }
    fn ordering(order: Self::OrderBy) -> super::page::Ordering<Self> {
        super::declare::record_ordering(order)
    }
}

impl Located for organization::Entity {
    fn region_column() -> organization::Column {
        organization::Column::RegionCode
    }
}

/// Organisations taking part in a project (五社联动 party ORGANIZATION).
pub struct ProjectOrganizations;

impl ToMany for ProjectOrganizations {
    type Child = organization::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<organization::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<organization::Entity>, Expr) {
        let kind = Some((pp::Column::Party, Party::Organization.into()));
        through(
            select,
            pp::Entity,
            pp::Column::OrganizationId,
            pp::Column::ProjectId,
            pp::Column::DeletedAt,
            kind,
            parents,
        )
    }
}
