//! `Organization` (社会组织): object type, root fields.

use async_graphql::{Context, ID, InputObject, Object};
use entity::organization as m;

use super::common::{ExternalReference, RecordInfo, RecordOrder, division};
use super::connection::{Conn, PageArgs, by_key, must_find, related, root};
use super::enums::OrganizationKind;
use super::error::ApiResult;
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::project::{Project, ProjectFilter};
use super::region::Region;
use super::scalars::DateTime;
use super::social_worker::{SocialWorker, SocialWorkerFilter};
use super::station::{Station, StationFilter};
use super::volunteer_team::{VolunteerTeam, VolunteerTeamFilter};
use crate::domain::masking;
use crate::store;
use crate::store::project::{OrganizationParty, ParticipantProjects};

/// 社会组织 A social organisation: agency, community organisation, social group,
/// foundation, charity or government department.
pub struct Organization(pub m::Model);

impl From<m::Model> for Organization {
    fn from(m: m::Model) -> Self {
        Organization(m)
    }
}

/// Filter of organisation lists.
#[derive(InputObject, Default)]
pub struct OrganizationFilter {
    /// Only organisations registered in this division's subtree.
    pub region: Option<String>,
    /// Only organisations of these kinds.
    #[graphql(default)]
    pub kinds: Vec<OrganizationKind>,
    /// Name contains this text (exact substring after NFKC normalisation).
    pub name_contains: Option<String>,
}

impl OrganizationFilter {
    pub fn parse(f: Option<OrganizationFilter>) -> ApiResult<store::organization::OrganizationFilter> {
        let f = f.unwrap_or_default();
        Ok(store::organization::OrganizationFilter {
            region: division("filter.region", f.region.as_deref())?,
            kinds: f.kinds.into_iter().map(Into::into).collect(),
            name_contains: f.name_contains,
        })
    }
}

/// 社会组织 A social organisation: agency, community organisation, social group,
/// foundation, charity or government department.
#[civlink_macros::describe_arguments]
#[Object]
impl Organization {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::Organization, self.0.id)
    }
    /// Registered name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind of organisation.
    async fn kind(&self) -> OrganizationKind {
        self.0.kind.into()
    }
    /// Unified social credit code (统一社会信用代码, GB 32100-2015), 18 characters.
    async fn credit_code(&self) -> Option<&str> {
        self.0.credit_code.as_deref()
    }
    /// Contact person's name: in clear for CIVIL_AFFAIRS, STATION_STAFF, SYNC_CLIENT and
    /// ADMIN, masked for PORTAL (`张*`, the name rule of docs/ACCESS.md). The organisation's
    /// own name is not personal data and stays clear.
    async fn contact_name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(super::audit::person_name(ctx, self.0.contact_name.as_deref())?)
    }
    /// Contact phone, masked (`138****5678`).
    async fn contact_phone(&self) -> Option<String> {
        self.0.contact_phone.as_deref().map(masking::phone)
    }
    /// The owning system's reference, when synchronised from another system.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// The division the organisation is registered in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// Stations the organisation operates.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn operated_stations(
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
        related::<store::station::OperatedStations, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Social workers the organisation employs.
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
        related::<store::social_worker::EmployedWorkers, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Volunteer teams belonging to the organisation.
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
        related::<store::volunteer_team::OrganizationTeams, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Projects the organisation takes part in.
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
        related::<ParticipantProjects<OrganizationParty>, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Awards (荣誉) given to the organisation.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn awards(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<super::award::AwardFilter>,
        order_by: Option<super::award::AwardOrder>,
    ) -> ApiResult<Conn<super::award::Award>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = super::award::AwardFilter::parse(filter)?;
        related::<crate::store::award::OrganizationAwards, _>(
            ctx,
            self.0.id,
            filter,
            super::award::AwardOrder::sort(order_by),
            args,
        )
        .await
    }
}

/// Root fields for organisations.
#[derive(Default)]
pub struct OrganizationQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl OrganizationQuery {
    /// An organisation by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the organisation, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<Organization>> {
        let key = GlobalId::decode_uuid(&id, NodeType::Organization)?;
        must_find::<m::Entity, _>(ctx, key, format!("organization with id `{}`", id.as_str())).await
    }
    /// Organisations, filtered and ordered.
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
        root::<m::Entity, _>(ctx, OrganizationFilter::parse(filter)?, order_by.into(), args).await
    }
}
