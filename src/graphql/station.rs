//! `Station` (社工站): object type, root fields.

use async_graphql::{Context, ID, InputObject, Object};
use entity::station as m;
use uuid::Uuid;

use super::charity_resource::{CharityResource, CharityResourceFilter, CharityResourceOrder};
use super::client::{Client, ClientFilter, ClientOrder};
use super::common::{DateRange, ExternalReference, RecordInfo, RecordOrder, division};
use super::connection::{Conn, PageArgs, by_key, must_find, related, root};
use super::context::RequestData;
use super::enums::{StationLevel, StationStatus};
use super::error::ApiResult;
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::organization::Organization;
use super::project::{Project, ProjectFilter};
use super::region::Region;
use super::scalars::{Date, DateTime, Yuan};
use super::service_record::{ServiceRecord, ServiceRecordFilter, ServiceRecordOrder};
use super::social_worker::{SocialWorker, SocialWorkerFilter};
use super::statistics::{self, ProtectedFigure};
use super::volunteer_team::{VolunteerTeam, VolunteerTeamFilter};
use crate::store;
use crate::store::statistics as figures;

/// 社工站 A social-work station: a guidance centre, county general station, township or
/// street station, village or community room, or neighbourhood point.
pub struct Station(pub m::Model);

impl From<m::Model> for Station {
    fn from(m: m::Model) -> Self {
        Station(m)
    }
}

/// Filter of station lists. All given conditions must hold.
#[derive(InputObject, Default)]
pub struct StationFilter {
    /// Only stations in this division's subtree (12-, 9-, 6-, 4- or 2-digit code).
    pub region: Option<String>,
    /// Only stations of these levels.
    #[graphql(default)]
    pub levels: Vec<StationLevel>,
    /// Only stations with these statuses.
    #[graphql(default)]
    pub statuses: Vec<StationStatus>,
    /// Only stations in (or not in) full service.
    pub in_full_service: Option<bool>,
    /// Name contains this text (exact substring after NFKC normalisation).
    pub name_contains: Option<String>,
}

impl StationFilter {
    pub fn parse(f: Option<StationFilter>) -> ApiResult<store::station::StationFilter> {
        let f = f.unwrap_or_default();
        Ok(store::station::StationFilter {
            region: division("filter.region", f.region.as_deref())?,
            levels: f.levels.into_iter().map(Into::into).collect(),
            statuses: f.statuses.into_iter().map(Into::into).collect(),
            in_full_service: f.in_full_service,
            name_contains: f.name_contains,
        })
    }
}

/// 社工站 A social-work station: a guidance centre, county general station, township or
/// street station, village or community room, or neighbourhood point.
#[civlink_macros::describe_arguments]
#[Object]
impl Station {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::Station, self.0.id)
    }
    /// Name of the station.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Level in the station network.
    async fn level(&self) -> StationLevel {
        self.0.level.into()
    }
    /// Life-cycle status.
    async fn status(&self) -> StationStatus {
        self.0.status.into()
    }
    /// 全面运行: whether the station delivers its full service catalogue.
    async fn in_full_service(&self) -> bool {
        self.0.in_full_service
    }
    /// Day the station opened.
    async fn opened_on(&self) -> Option<Date> {
        self.0.opened_on.map(Date)
    }
    /// Investment in the station, in yuan.
    async fn investment(&self) -> Yuan {
        Yuan::from_fen(self.0.investment_fen)
    }
    /// Street address.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// Latitude (WGS 84, degrees).
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    /// Longitude (WGS 84, degrees).
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    /// The owning system's reference, when the station is synchronised from another system.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }

    /// The division the station is located in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// The station above this one in the network.
    async fn parent_station(&self, ctx: &Context<'_>) -> ApiResult<Option<Station>> {
        by_key::<m::Entity, _>(ctx, self.0.parent_station_id).await
    }
    /// The organisation operating the station.
    async fn operator(&self, ctx: &Context<'_>) -> ApiResult<Option<Organization>> {
        by_key::<entity::organization::Entity, _>(ctx, self.0.operator_id).await
    }
    /// Stations below this one in the network.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn child_stations(
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
        related::<store::station::ChildStations, _>(
            ctx,
            self.0.id,
            StationFilter::parse(filter)?,
            order_by.into(),
            args,
        )
        .await
    }
    /// Social workers currently assigned to the station.
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
        related::<store::social_worker::StationWorkers, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Volunteer teams working with the station.
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
        related::<store::volunteer_team::StationTeams, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Projects the station runs.
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
        related::<store::project::StationProjects, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Clients the station serves (identity fields masked).
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<ClientFilter>,
        order_by: Option<ClientOrder>,
    ) -> ApiResult<Conn<Client>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = ClientFilter::parse(filter)?;
        related::<store::client::StationClients, _>(ctx, self.0.id, filter, ClientOrder::sort(order_by), args).await
    }
    /// Person-times served (服务人次) by this station in `period`, a half-open range
    /// `[from, to)` of China Standard Time dates (both ends required). Perturbed (the
    /// cell-key method, `perturbed: true`) when the caller may not read the station's service
    /// records. Errors: `INVALID_ARGUMENT` for a bad period.
    async fn person_times(&self, ctx: &Context<'_>, period: DateRange) -> ApiResult<ProtectedFigure> {
        let access = RequestData::of(ctx)?.scope.record_statistics_access(&self.0.region_code, Some(self.0.id));
        statistics::person_times::<figures::StationService>(ctx, self.0.id, period, access).await
    }
    /// Services the station delivered.
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
        related::<store::service_record::StationRecords, _>(ctx, self.0.id, filter, order, args).await
    }
    /// Charity resources the station received.
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
        related::<store::charity_resource::StationCharity, _>(ctx, self.0.id, filter, order, args).await
    }
    /// Trainings the station organised.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn trainings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<super::training::TrainingFilter>,
        order_by: Option<super::training::TrainingOrder>,
    ) -> ApiResult<Conn<super::training::Training>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = super::training::TrainingFilter::parse(filter)?;
        related::<crate::store::training::StationTrainings, _>(
            ctx,
            self.0.id,
            filter,
            super::training::TrainingOrder::sort(order_by),
            args,
        )
        .await
    }
    /// Deliberation meetings the station held or hosted.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn deliberation_meetings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<super::deliberation::DeliberationMeetingFilter>,
        order_by: Option<super::deliberation::DeliberationMeetingOrder>,
    ) -> ApiResult<Conn<super::deliberation::DeliberationMeeting>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = super::deliberation::DeliberationMeetingFilter::parse(filter)?;
        related::<crate::store::deliberation::StationDeliberations, _>(
            ctx,
            self.0.id,
            filter,
            super::deliberation::DeliberationMeetingOrder::sort(order_by),
            args,
        )
        .await
    }
}

/// Root fields for stations.
#[derive(Default)]
pub struct StationQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl StationQuery {
    /// A station by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn station(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the station, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<Station>> {
        let key: Uuid = GlobalId::decode_uuid(&id, NodeType::Station)?;
        super::compiled::prefetch::<m::Entity>(ctx, key).await?;
        must_find::<m::Entity, _>(ctx, key, format!("station with id `{}`", id.as_str())).await
    }
    /// Stations, filtered and ordered. Errors: `INVALID_DIVISION_CODE`, `INVALID_CURSOR`,
    /// `PAGE_SIZE_EXCEEDED`.
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
        root::<m::Entity, _>(ctx, StationFilter::parse(filter)?, order_by.into(), args).await
    }
}
