//! `VolunteerTeam` (志愿服务队): object type, root fields.

use async_graphql::{Context, ID, InputObject, Object};
use entity::volunteer_team as m;

use super::common::{DateRange, ExternalReference, RecordInfo, RecordOrder, division};
use super::connection::{Conn, PageArgs, by_key, must_find, related, root};
use super::context::RequestData;
use super::error::ApiResult;
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::organization::Organization;
use super::project::{Project, ProjectFilter};
use super::region::Region;
use super::scalars::{Date, DateTime};
use super::station::Station;
use super::statistics;
use super::volunteer::{Volunteer, VolunteerFilter};
use crate::store;
use crate::store::project::{ParticipantProjects, VolunteerTeamParty};
use crate::store::statistics::{self as figures, Period};

/// 志愿服务队 A volunteer team.
pub struct VolunteerTeam(pub m::Model);

impl From<m::Model> for VolunteerTeam {
    fn from(m: m::Model) -> Self {
        VolunteerTeam(m)
    }
}

/// Filter of volunteer-team lists.
#[derive(InputObject, Default)]
pub struct VolunteerTeamFilter {
    /// Only teams in this division's subtree.
    pub region: Option<String>,
    /// Name contains this text (exact substring after NFKC normalisation).
    pub name_contains: Option<String>,
}

impl VolunteerTeamFilter {
    pub fn parse(f: Option<VolunteerTeamFilter>) -> ApiResult<store::volunteer_team::VolunteerTeamFilter> {
        let f = f.unwrap_or_default();
        Ok(store::volunteer_team::VolunteerTeamFilter {
            region: division("filter.region", f.region.as_deref())?,
            name_contains: f.name_contains,
        })
    }
}

/// 志愿服务队 A volunteer team.
#[civlink_macros::describe_arguments]
#[Object]
impl VolunteerTeam {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::VolunteerTeam, self.0.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Day the team was founded.
    async fn founded_on(&self) -> Option<Date> {
        self.0.founded_on.map(Date)
    }
    /// The owning system's reference, when synchronised from another system.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// The division the team is based in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// The station the team works with.
    async fn station(&self, ctx: &Context<'_>) -> ApiResult<Option<Station>> {
        by_key::<entity::station::Entity, _>(ctx, self.0.station_id).await
    }
    /// The organisation the team belongs to.
    async fn organization(&self, ctx: &Context<'_>) -> ApiResult<Option<Organization>> {
        by_key::<entity::organization::Entity, _>(ctx, self.0.organization_id).await
    }
    /// Current members: volunteers with a membership not ended.
    async fn member_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        statistics::record_figure::<figures::TeamMembers>(ctx, self.0.id, Period::STOCK).await
    }
    /// Hours of volunteer service logged for this team in `period`, a half-open range
    /// `[from, to)` of China Standard Time dates (both ends required; ledger minutes / 60,
    /// rounded to two decimals). Perturbed (the cell-key method, a sum over people: at most
    /// 4 %) when the caller may not read the records of the team's region. Errors:
    /// `INVALID_ARGUMENT` for a bad period.
    async fn service_hours(&self, ctx: &Context<'_>, period: DateRange) -> ApiResult<f64> {
        let access = RequestData::of(ctx)?.scope.record_statistics_access(&self.0.region_code, None);
        let period = statistics::parse_period(period, "period")?;
        let minutes = statistics::record_figure::<figures::TeamServiceMinutes>(ctx, self.0.id, period).await?;
        Ok(crate::domain::time::hours_from_minutes(statistics::published_sum(access, minutes)))
    }
    /// Current members.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<VolunteerFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<Volunteer>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = VolunteerFilter::parse(ctx, filter).await?;
        related::<store::volunteer::TeamMembers, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Projects the team takes part in.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<ProjectFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<Project>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = ProjectFilter::parse(filter)?;
        related::<ParticipantProjects<VolunteerTeamParty>, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
}

/// Root fields for volunteer teams.
#[derive(Default)]
pub struct VolunteerTeamQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl VolunteerTeamQuery {
    /// A volunteer team by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn volunteer_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the volunteer team, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<VolunteerTeam>> {
        let key = GlobalId::decode_uuid(&id, NodeType::VolunteerTeam)?;
        must_find::<m::Entity, _>(ctx, key, format!("volunteer team with id `{}`", id.as_str())).await
    }
    /// Volunteer teams, filtered and ordered.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn volunteer_teams(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<VolunteerTeamFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<VolunteerTeam>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        root::<m::Entity, _>(ctx, VolunteerTeamFilter::parse(filter)?, order_by.into(), args).await
    }
}
