//! Volunteer teams: filters, orderings and relations whose children are teams.

use entity::project_participant::{self as pp, Party};
use entity::volunteer_team;
use entity::volunteer_team_membership as membership;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbBackend, QueryFilter, Select};
use uuid::Uuid;

use super::relations::{Listed, Located, Parents, ToMany, by_column, through};
use super::{RecordOrderField, Sort, text, within};
use crate::domain::DivisionCode;

crate::declare!(volunteer_team, "VolunteerTeam", scope = volunteer_teams, sourced, named);

/// Filter of volunteer-team lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct VolunteerTeamFilter {
    pub region: Option<DivisionCode>,
    pub name_contains: Option<String>,
}

impl Listed for volunteer_team::Entity {
    type Filter = VolunteerTeamFilter;
    type OrderBy = Sort<RecordOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((volunteer_team::Column::RegionCode, f.region.take()))
    }
    fn filter(backend: DbBackend, select: Select<Self>, f: &VolunteerTeamFilter) -> Select<Self> {
        let mut s = select.filter(within(volunteer_team::Column::RegionCode, &f.region));
        if let Some(q) = &f.name_contains {
            s = s.filter(text::contains(backend, volunteer_team::Column::Name, q));
        }
        s
    }
    fn ordering(order: Self::OrderBy) -> super::page::Ordering<Self> {
        super::declare::record_ordering(order)
    }
}

impl Located for volunteer_team::Entity {
    fn region_column() -> volunteer_team::Column {
        volunteer_team::Column::RegionCode
    }
}

/// Teams working with a station.
pub struct StationTeams;

impl ToMany for StationTeams {
    type Child = volunteer_team::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<volunteer_team::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<volunteer_team::Entity>, Expr) {
        by_column(select, volunteer_team::Column::StationId, parents)
    }
}

/// Teams belonging to an organisation.
pub struct OrganizationTeams;

impl ToMany for OrganizationTeams {
    type Child = volunteer_team::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<volunteer_team::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<volunteer_team::Entity>, Expr) {
        by_column(select, volunteer_team::Column::OrganizationId, parents)
    }
}

/// Teams a volunteer currently belongs to.
pub struct VolunteerMemberships;

impl ToMany for VolunteerMemberships {
    type Child = volunteer_team::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<volunteer_team::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<volunteer_team::Entity>, Expr) {
        let (select, parent) = through(
            select,
            membership::Entity,
            membership::Column::VolunteerTeamId,
            membership::Column::VolunteerId,
            membership::Column::DeletedAt,
            None,
            parents,
        );
        (select.filter(membership::Column::LeftOn.is_null()), parent)
    }
}

/// Teams taking part in a project (五社联动 party VOLUNTEER_TEAM).
pub struct ProjectTeams;

impl ToMany for ProjectTeams {
    type Child = volunteer_team::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<volunteer_team::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<volunteer_team::Entity>, Expr) {
        let kind = Some((pp::Column::Party, Party::VolunteerTeam.into()));
        through(
            select,
            pp::Entity,
            pp::Column::VolunteerTeamId,
            pp::Column::ProjectId,
            pp::Column::DeletedAt,
            kind,
            parents,
        )
    }
}
