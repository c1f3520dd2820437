//! `Project` (项目) and its five-society participants: object type, root fields.

use async_graphql::{Context, ID, InputObject, Object};
use entity::project as m;

use super::charity_resource::{CharityResource, CharityResourceFilter, CharityResourceOrder};
use super::common::{DateRange, ExternalReference, RecordInfo, RecordOrder, division};
use super::connection::{Conn, PageArgs, by_key, must_find, related, root};
use super::enums::{FundingMode, ProjectStatus, ServiceDomain};
use super::error::ApiResult;
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::organization::{Organization, OrganizationFilter};
use super::region::{Region, RegionFilter, RegionOrder};
use super::scalars::{Date, DateTime, Yuan};
use super::service_record::{ServiceRecord, ServiceRecordFilter, ServiceRecordOrder};
use super::social_worker::{SocialWorker, SocialWorkerFilter};
use super::station::{Station, StationFilter};
use super::volunteer::{Volunteer, VolunteerFilter};
use super::volunteer_team::{VolunteerTeam, VolunteerTeamFilter};
use crate::store;

/// 项目 A funded project linking the five societies (五社联动): communities, social
/// organisations, social workers, volunteers and charity resources.
pub struct Project(pub m::Model);

impl From<m::Model> for Project {
    fn from(m: m::Model) -> Self {
        Project(m)
    }
}

/// Filter of project lists.
#[derive(InputObject, Default)]
pub struct ProjectFilter {
    /// Only projects serving this division's subtree.
    pub region: Option<String>,
    /// Only projects with these funding modes.
    #[graphql(default)]
    pub funding_modes: Vec<FundingMode>,
    /// Only projects with these statuses.
    #[graphql(default)]
    pub statuses: Vec<ProjectStatus>,
    /// Only projects starting in this half-open range of dates.
    pub starts: Option<DateRange>,
    /// Name contains this text (exact substring after NFKC normalisation).
    pub name_contains: Option<String>,
}

impl ProjectFilter {
    pub fn parse(f: Option<ProjectFilter>) -> ApiResult<store::project::ProjectFilter> {
        let f = f.unwrap_or_default();
        Ok(store::project::ProjectFilter {
            region: division("filter.region", f.region.as_deref())?,
            funding_modes: f.funding_modes.into_iter().map(Into::into).collect(),
            statuses: f.statuses.into_iter().map(Into::into).collect(),
            starts: DateRange::parse(f.starts, "filter.starts")?,
            name_contains: f.name_contains,
        })
    }
}

/// 项目 A funded project linking the five societies (五社联动): communities, social
/// organisations, social workers, volunteers and charity resources.
#[civlink_macros::describe_arguments]
#[Object]
impl Project {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::Project, self.0.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// How the project is funded.
    async fn funding_mode(&self) -> FundingMode {
        self.0.funding_mode.into()
    }
    /// Status.
    async fn status(&self) -> ProjectStatus {
        self.0.status.into()
    }
    /// Budget in yuan.
    async fn budget(&self) -> Yuan {
        Yuan::from_fen(self.0.budget_fen)
    }
    /// Funds raised in yuan.
    async fn funds_raised(&self) -> Yuan {
        Yuan::from_fen(self.0.funds_raised_fen)
    }
    /// First day.
    async fn starts_on(&self) -> Date {
        Date(self.0.starts_on)
    }
    /// Last day, if set.
    async fn ends_on(&self) -> Option<Date> {
        self.0.ends_on.map(Date)
    }
    /// People the project reports reaching (受益群众), as the project declares them: a figure
    /// of the project's own, not counted from records about persons. Null when not reported.
    async fn beneficiaries(&self) -> Option<i32> {
        self.0.beneficiaries
    }
    /// The field of service (服务领域) the project buys or delivers, if recorded.
    async fn service_domain(&self) -> Option<ServiceDomain> {
        self.0.service_domain.map(Into::into)
    }
    /// The owning system's reference, when synchronised from another system.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// The division the project serves.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// Stations running the project.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn stations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<StationFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<Station>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = StationFilter::parse(filter)?;
        related::<store::station::ProjectStations, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// 社区 Communities taking part (usually villages or residents' committees).
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn communities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<RegionFilter>,
        order_by: Option<RegionOrder>,
    ) -> ApiResult<Conn<Region>> {
        let args = PageArgs { first, after, last, before, ..Default::default() };
        let filter = RegionFilter::parse(filter)?;
        related::<store::project::ProjectCommunities, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// 社会组织 Organisations taking part.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<OrganizationFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<Organization>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = OrganizationFilter::parse(filter)?;
        related::<store::organization::ProjectOrganizations, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// 社会工作者 Social workers taking part.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn social_workers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<SocialWorkerFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<SocialWorker>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = SocialWorkerFilter::parse(ctx, filter).await?;
        related::<store::social_worker::ProjectWorkers, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// 志愿者 Volunteers taking part individually.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn volunteers(
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
        related::<store::volunteer::ProjectVolunteers, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// 志愿服务队 Volunteer teams taking part.
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
        let filter = VolunteerTeamFilter::parse(filter)?;
        related::<store::volunteer_team::ProjectTeams, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// 慈善资源 Charity resources linked to the project.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn charity_resources(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<CharityResourceFilter>,
        order_by: Option<CharityResourceOrder>,
    ) -> ApiResult<Conn<CharityResource>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = CharityResourceFilter::parse(filter)?;
        let order = CharityResourceOrder::sort(order_by);
        related::<store::charity_resource::ProjectCharity, _>(ctx, self.0.id, filter, order, args).await
    }
    /// Services delivered under the project.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn service_records(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<ServiceRecordFilter>,
        order_by: Option<ServiceRecordOrder>,
    ) -> ApiResult<Conn<ServiceRecord>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = ServiceRecordFilter::parse(filter)?;
        let order = ServiceRecordOrder::sort(order_by);
        related::<store::service_record::ProjectRecords, _>(ctx, self.0.id, filter, order, args).await
    }
}

/// Root fields for projects.
#[derive(Default)]
pub struct ProjectQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl ProjectQuery {
    /// A project by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn project(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the project, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<Project>> {
        let key = GlobalId::decode_uuid(&id, NodeType::Project)?;
        must_find::<m::Entity, _>(ctx, key, format!("project with id `{}`", id.as_str())).await
    }
    /// Projects, filtered and ordered.
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
        root::<m::Entity, _>(ctx, ProjectFilter::parse(filter)?, order_by.into(), args).await
    }
}
