//! Projects: filters, orderings, relations whose children are projects, and participants.

use entity::project::{self, FundingMode, ProjectStatus};
use entity::project_participant::{self as pp, Party};
use entity::project_station as ps;
use entity::region;
use sea_orm::sea_query::Expr;
use sea_orm::{DbBackend, QueryFilter, Select};
use uuid::Uuid;

use super::relations::{Listed, Located, Parents, ToMany, through};
use super::{DateRange, RecordOrderField, Sort, one_of, text, within};
use crate::domain::DivisionCode;

crate::declare!(project, "Project", scope = projects, sourced, named);

/// Filter of project lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ProjectFilter {
    pub region: Option<DivisionCode>,
    pub funding_modes: Vec<FundingMode>,
    pub statuses: Vec<ProjectStatus>,
    /// Projects starting in this range.
    pub starts: DateRange,
    pub name_contains: Option<String>,
}

impl Listed for project::Entity {
    type Filter = ProjectFilter;
    type OrderBy = Sort<RecordOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((project::Column::RegionCode, f.region.take()))
    }
    fn filter(backend: DbBackend, select: Select<Self>, f: &ProjectFilter) -> Select<Self> {
        let mut s = select
            .filter(within(project::Column::RegionCode, &f.region))
            .filter(one_of(project::Column::FundingMode, &f.funding_modes))
            .filter(one_of(project::Column::Status, &f.statuses))
            .filter(f.starts.condition(project::Column::StartsOn));
        if let Some(q) = &f.name_contains {
            s = s.filter(text::contains(backend, project::Column::Name, q));
        }
        s
    }
    fn ordering(order: Self::OrderBy) -> super::page::Ordering<Self> {
        super::declare::record_ordering(order)
    }
}

impl Located for project::Entity {
    fn region_column() -> project::Column {
        project::Column::RegionCode
    }
}

/// Projects a station runs (through `project_stations`).
pub struct StationProjects;

impl ToMany for StationProjects {
    type Child = project::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<project::Entity>, parents: Parents<'_, Uuid>) -> (Select<project::Entity>, Expr) {
        through(select, ps::Entity, ps::Column::ProjectId, ps::Column::StationId, ps::Column::DeletedAt, None, parents)
    }
}

/// Projects a five-society participant takes part in; `P` names the party and its column.
pub struct ParticipantProjects<P>(std::marker::PhantomData<fn() -> P>);

/// A party of 五社联动 whose participants are rows keyed by UUID.
pub trait PartyColumn: Send + Sync + 'static {
    const PARTY: Party;
    const COLUMN: pp::Column;
}

macro_rules! party {
    ($name:ident, $party:ident, $col:ident) => {
        #[doc = concat!("Party `", stringify!($party), "` of a project participant.")]
        pub struct $name;
        impl PartyColumn for $name {
            const PARTY: Party = Party::$party;
            const COLUMN: pp::Column = pp::Column::$col;
        }
    };
}
party!(OrganizationParty, Organization, OrganizationId);
party!(SocialWorkerParty, SocialWorker, SocialWorkerId);
party!(VolunteerParty, Volunteer, VolunteerId);
party!(VolunteerTeamParty, VolunteerTeam, VolunteerTeamId);
party!(CharityResourceParty, CharityResource, CharityResourceId);

impl<P: PartyColumn> ToMany for ParticipantProjects<P> {
    type Child = project::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<project::Entity>, parents: Parents<'_, Uuid>) -> (Select<project::Entity>, Expr) {
        let kind = Some((pp::Column::Party, P::PARTY.into()));
        through(select, pp::Entity, pp::Column::ProjectId, P::COLUMN, pp::Column::DeletedAt, kind, parents)
    }
}

/// Communities (regions, usually villages) taking part in a project (party COMMUNITY).
pub struct ProjectCommunities;

impl ToMany for ProjectCommunities {
    type Child = region::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<region::Entity>, parents: Parents<'_, Uuid>) -> (Select<region::Entity>, Expr) {
        let kind = Some((pp::Column::Party, Party::Community.into()));
        through(select, pp::Entity, pp::Column::RegionCode, pp::Column::ProjectId, pp::Column::DeletedAt, kind, parents)
    }
}

/// Projects a community (region) takes part in, by the region's 12-digit code.
pub struct CommunityProjects;

impl ToMany for CommunityProjects {
    type Child = project::Entity;
    type Parent = String;
    fn restrict(select: Select<project::Entity>, parents: Parents<'_, String>) -> (Select<project::Entity>, Expr) {
        let kind = Some((pp::Column::Party, Party::Community.into()));
        through(select, pp::Entity, pp::Column::ProjectId, pp::Column::RegionCode, pp::Column::DeletedAt, kind, parents)
    }
}
