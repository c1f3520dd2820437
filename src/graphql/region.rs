//! `Region` (行政区划): object type, coverage, root fields.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use entity::region as m;

use super::charity_resource::{CharityResource, CharityResourceFilter, CharityResourceOrder};
use super::client::{Client, ClientFilter, ClientOrder};
use super::common::{DateRange, RecordOrder, division};
use super::connection::{Conn, PageArgs, by_key, must_find, related, root};
use super::context::RequestData;
use super::enums::{RegionLevel, SortDirection, TownshipKind};
use super::error::{ApiError, ApiResult};
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::loaders::ByKey;
use super::organization::{Organization, OrganizationFilter};
use super::project::{Project, ProjectFilter};
use super::scalars::DateTime;
use super::service_record::{ServiceRecord, ServiceRecordFilter, ServiceRecordOrder};
use super::social_worker::{SocialWorker, SocialWorkerFilter};
use super::station::{Station, StationFilter};
use super::statistics::{Coverage, RegionStatistics, parse_period};
use super::volunteer::{Volunteer, VolunteerFilter};
use super::volunteer_team::{VolunteerTeam, VolunteerTeamFilter};
use crate::domain::DivisionCode;
use crate::store;
use crate::store::relations::InRegion;

/// 行政区划 An administrative division of the NBS statistical code list (统计用区划代码,
/// edition of `editionYear`).
pub struct Region(pub m::Model);

impl From<m::Model> for Region {
    fn from(m: m::Model) -> Self {
        Region(m)
    }
}

impl Region {
    fn code(&self) -> Option<DivisionCode> {
        DivisionCode::parse(&self.0.code).ok()
    }

    /// The significant code prefix naming the subtree (`5223` for 黔西南州).
    fn prefix(&self) -> String {
        prefix_of(&self.0)
    }
}

/// The significant code prefix of `region`, naming its subtree (`5223` for 黔西南州); the
/// whole code when it does not parse.
pub(super) fn prefix_of(region: &m::Model) -> String {
    DivisionCode::parse(&region.code).map_or_else(|_| region.code.clone(), |c| c.significant().to_owned())
}

/// Filter of region lists.
#[derive(InputObject, Default)]
pub struct RegionFilter {
    /// Only divisions of this level.
    pub level: Option<RegionLevel>,
    /// Only divisions in this division's subtree (itself included).
    pub within: Option<String>,
    /// Name contains this text (exact substring after NFKC normalisation).
    pub name_contains: Option<String>,
    /// Only divisions with (true) or without (false) an OPERATING TOWNSHIP_STATION located
    /// in them (coverage; every station counts, whoever asks).
    pub has_operating_station: Option<bool>,
}

impl RegionFilter {
    pub fn parse(f: Option<RegionFilter>) -> ApiResult<store::region::RegionFilter> {
        let f = f.unwrap_or_default();
        Ok(store::region::RegionFilter {
            level: f.level.map(Into::into),
            within: division("filter.within", f.within.as_deref())?,
            name_contains: f.name_contains,
            has_operating_station: f.has_operating_station,
        })
    }
}

/// Sort fields of region lists.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "store::region::RegionOrderField")]
pub enum RegionOrderField {
    /// By division code (the tree's natural order).
    #[default]
    Code,
    /// By name (code point order), ties by code.
    Name,
}

/// Ordering of region lists.
#[derive(InputObject, Clone, Copy, Default)]
pub struct RegionOrder {
    /// Field to order by.
    #[graphql(default)]
    pub field: RegionOrderField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl From<Option<RegionOrder>> for store::Sort<store::region::RegionOrderField> {
    fn from(o: Option<RegionOrder>) -> Self {
        let o = o.unwrap_or_default();
        store::Sort { field: o.field.into(), direction: o.direction.into() }
    }
}

/// 行政区划 An administrative division of the NBS statistical code list (统计用区划代码,
/// edition of `editionYear`).
#[civlink_macros::describe_arguments]
#[Object]
impl Region {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::Region, &self.0.code)
    }
    /// The 12-digit statistical code, e.g. `522300000000` for 黔西南州.
    #[graphql(name = "code")]
    async fn code_field(&self) -> &str {
        &self.0.code
    }
    /// The 6-digit GB/T 2260 form for county level and above (`522300`), else null.
    async fn gb2260_code(&self) -> Option<String> {
        self.code().and_then(|c| c.gb2260())
    }
    /// Name, e.g. 黔西南布依族苗族自治州.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Level in the tree.
    async fn level(&self) -> RegionLevel {
        self.0.level.into()
    }
    /// For township-level units: street, town, township or other, from the code range.
    async fn township_kind(&self) -> Option<TownshipKind> {
        self.0.township_kind.map(Into::into)
    }
    /// Edition year of the code list the division comes from (codes change yearly).
    async fn edition_year(&self) -> i32 {
        self.0.edition_year
    }
    /// The division directly above; null for provinces.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<m::Entity, _>(ctx, self.0.parent_code.clone()).await
    }
    /// Every division above this one, from the province down to the parent.
    async fn ancestors(&self, ctx: &Context<'_>) -> ApiResult<Vec<Region>> {
        let mut codes = Vec::new();
        let mut cur = self.code().and_then(|c| c.parent());
        while let Some(c) = cur {
            cur = c.parent();
            codes.push(c.as_str().to_owned());
        }
        codes.reverse();
        let data = RequestData::of(ctx)?;
        let keys = codes.iter().cloned().map(ByKey::<m::Entity>);
        let mut found = data.loader.load_many(keys).await.map_err(ApiError::from)?;
        Ok(codes.into_iter().filter_map(|c| found.remove(&ByKey(c)).map(Region)).collect())
    }
    /// The divisions directly below.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn children(
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
        related::<store::region::ChildRegions, _>(ctx, self.0.code.clone(), filter, order_by.into(), args).await
    }
    /// Township coverage of this division's subtree.
    async fn coverage(&self, ctx: &Context<'_>) -> ApiResult<Coverage> {
        Coverage::load(ctx, self.prefix()).await
    }
    /// The statistics of this division's subtree for `period`, a half-open range
    /// `[from, to)` of China Standard Time dates (both ends required, at most 20 years).
    /// Errors: `INVALID_ARGUMENT` for a bad period.
    async fn statistics(&self, ctx: &Context<'_>, period: DateRange) -> ApiResult<RegionStatistics> {
        let period = parse_period(period, "period")?;
        let data = RequestData::of(ctx)?;
        Ok(RegionStatistics::new(Region(self.0.clone()), period, &data.scope))
    }
    /// All stations located in this division's subtree.
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
        related::<InRegion<entity::station::Entity>, _>(ctx, self.prefix(), filter, order_by.into(), args).await
    }
    /// Social workers serving in this division's subtree.
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
        related::<InRegion<entity::social_worker::Entity>, _>(ctx, self.prefix(), filter, order_by.into(), args).await
    }
    /// Volunteers registered in this division's subtree.
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
        related::<InRegion<entity::volunteer::Entity>, _>(ctx, self.prefix(), filter, order_by.into(), args).await
    }
    /// Volunteer teams in this division's subtree.
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
        related::<InRegion<entity::volunteer_team::Entity>, _>(ctx, self.prefix(), filter, order_by.into(), args).await
    }
    /// Organisations registered in this division's subtree.
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
        related::<InRegion<entity::organization::Entity>, _>(ctx, self.prefix(), filter, order_by.into(), args).await
    }
    /// Projects serving this division's subtree.
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
        related::<InRegion<entity::project::Entity>, _>(ctx, self.prefix(), filter, order_by.into(), args).await
    }
    /// Projects this division takes part in as a community (五社联动 party COMMUNITY).
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn community_projects(
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
        related::<store::project::CommunityProjects, _>(ctx, self.0.code.clone(), filter, order_by.into(), args).await
    }
    /// Clients living in this division's subtree (identity fields masked).
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
        related::<InRegion<entity::client::Entity>, _>(ctx, self.prefix(), filter, ClientOrder::sort(order_by), args)
            .await
    }
    /// Services delivered in this division's subtree.
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
        related::<InRegion<entity::service_record::Entity>, _>(ctx, self.prefix(), filter, order, args).await
    }
    /// Charity resources linked in this division's subtree.
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
        related::<InRegion<entity::charity_resource::Entity>, _>(ctx, self.prefix(), filter, order, args).await
    }
    /// Trainings located in this division's subtree.
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
        let order = super::training::TrainingOrder::sort(order_by);
        related::<InRegion<entity::training::Entity>, _>(ctx, self.prefix(), filter, order, args).await
    }
    /// Deliberation meetings held in this division's subtree.
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
        let order = super::deliberation::DeliberationMeetingOrder::sort(order_by);
        related::<InRegion<entity::deliberation_meeting::Entity>, _>(ctx, self.prefix(), filter, order, args).await
    }
    /// Awards located in this division's subtree.
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
        let order = super::award::AwardOrder::sort(order_by);
        related::<InRegion<entity::award::Entity>, _>(ctx, self.prefix(), filter, order, args).await
    }
}

/// Root fields for regions.
#[derive(Default)]
pub struct RegionQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl RegionQuery {
    /// A division by code: the 12-digit statistical code, the 6-digit GB/T 2260 form for
    /// county level and above (`522300` for 黔西南州, `522301` for 兴义市), the 9-digit
    /// township form, or the 2/4-digit province and prefecture forms. Always answers with the
    /// 12-digit code. Errors: `INVALID_DIVISION_CODE`, `NOT_FOUND`.
    async fn region(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Division code: 12 digits (`522301000000`), the 6-digit GB/T 2260 form for county level and above (`522301`), 9 digits for a township, 2 or 4 digits for a province or prefecture. Errors: `INVALID_DIVISION_CODE` for another form, `NOT_FOUND` for a code not in the loaded edition."
        )]
        code: String,
    ) -> ApiResult<Option<Region>> {
        let parsed = DivisionCode::parse(&code).map_err(|e| ApiError::domain("code", e))?;
        super::compiled::prefetch::<m::Entity>(ctx, parsed.as_str().to_owned()).await?;
        must_find::<m::Entity, _>(ctx, parsed.as_str().to_owned(), format!("division with code `{code}`")).await
    }
    /// Divisions, filtered and ordered.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn regions(
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
        root::<m::Entity, _>(ctx, RegionFilter::parse(filter)?, order_by.into(), args).await
    }
}
